"""The footprint result: what `carbonlabel footprint --json` writes and `carbonlabel grade` reads.

All emissions are kg CO2e per declared unit under the result's `method` (GWP100, AR6 or AR5).
Field names are the project's (snake_case); PACT camelCase is mapped elsewhere.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from footprint.values import DQR, DeclaredUnit, Exclusion, ReferencePeriod  # one definition, shared with the BOM


RESULT_SCHEMA_VERSION = "2"  # 2: headline, by_gwp_basis, carbon_pools, credits; cut-off totals

Stage = Literal[
    "raw_materials", "manufacturing", "transport", "packaging", "distribution", "use", "end_of_life"
]
Boundary = Literal["cradle-to-gate", "cradle-to-grave"]
MethodName = Literal["AR6", "AR5"]
ElectricityMethod = Literal["location", "market"]
DataType = Literal["primary", "secondary"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LineContribution(_Model):
    """One BOM line and what arises through it (children included), per declared unit."""

    line_id: str
    parent_id: str | None = None
    name: str
    stage: Stage
    data_type: DataType
    # the line's quantity per one unit of its parent, in the line's own unit, and the
    # cumulative amount per declared unit
    quantity: float
    unit: str
    amount_per_declared_unit: float
    source: Literal["factor", "supplier_pcf", "transport", "children"]
    factor_id: str | None = None
    kgco2e: float
    share: float
    dqr: DQR | None = None
    credit: bool = False
    # credits arising through the line (itself if marked credit, and credit exchanges in its
    # factors' chains); in `kgco2e` only when the result's credits are netted
    credit_kgco2e: float = 0.0
    # `kgco2e` by GWP basis: the result's method for gases characterised here, else the basis the
    # source published its aggregated factor under
    by_gwp_basis: dict[str, float] = Field(default_factory=dict)
    children: list["LineContribution"] = Field(default_factory=list)


class FactorUse(_Model):
    """A snapshot activity linked from the BOM and the kg CO2e arising through it (cradle-to-gate)."""

    id: str
    name: str
    unit: str
    geography: str
    category: str
    source: str
    licence: str
    year: int
    published: date | None = None
    status: Literal["verified", "derived", "proxy", "unverified"]
    dataset: str | None = None  # the series it is an edition of (lcidb template column `dataset`)
    kgco2e: float


class Hotspot(_Model):
    """A background process and the emissions occurring in it (its own biosphere exchanges)."""

    activity_id: str
    name: str
    kgco2e: float
    share: float


class SankeyNode(_Model):
    id: str
    name: str


class SankeyLink(_Model):
    source: str
    target: str
    value: float


class Sankey(_Model):
    nodes: list[SankeyNode]
    links: list[SankeyLink]


class ElectricityAccounting(_Model):
    method: ElectricityMethod
    site_region: str
    grid_activity_id: str | None = None
    # market-based only
    site_electricity_mwh: float | None = None
    instrument_mwh: float | None = None
    covered_share: float | None = None
    residual_activity_id: str | None = None
    kgco2e: float = 0.0


class Uncertainty(_Model):
    iterations: int
    seed: int
    mean: float
    median: float  # the sample median of the draws
    std: float
    p2_5: float
    p97_5: float
    # how draws are seeded (footprint.montecarlo.SAMPLING_SCHEME); None: before it was recorded
    sampling_scheme: str | None = None
    # every draw is solved until the error bound of the footprint itself is below this (relative)
    score_rtol: float | None = None
    direct_solves: int = 0  # draws the iterative solver did not settle, solved directly instead
    samples: list[float] | None = None  # the draws, on request


class CarbonPools(_Model):
    """What the factors say about carbon pools; null = not assessed (never a silent 0)."""

    # PACT v3 biogenicCarbonContent: kg biogenic C in the product and its packaging per declared
    # unit (raw-material and packaging lines x their factor's content); null if any was not assessed
    biogenic_carbon_content_kg: float | None = None
    biogenic_carbon_content_not_assessed: list[str] = Field(default_factory=list)  # line ids
    land_use_change_found_kgco2e: float = 0.0  # co2_luc in the factors that carry it
    land_use_change_not_assessed: list[str] = Field(default_factory=list)  # factor ids, supplier_pcf:<line>


class Credits(_Model):
    """Recycling credits and avoided burdens, reported in their own fields."""

    approach: Literal["cut-off", "netted"]
    rule: str  # the cut-off default, or the product rule that requires netting
    in_total: bool  # True only when netted
    recycling_credit_kgco2e: float  # credit exchanges of type recycling_credit in the factors' chains
    avoided_burden_kgco2e: float  # credit exchanges of type avoided_burden
    bom_credit_lines_kgco2e: float  # BOM lines marked credit (and everything below them)
    total_kgco2e: float
    total_with_credits_kgco2e: float


class Provenance(_Model):
    snapshot_name: str
    snapshot_hash: str
    code_version: str
    input_hash: str


class FootprintResult(_Model):
    schema_version: str = RESULT_SCHEMA_VERSION
    product_id: str
    product_name: str
    category: str
    product_rule: str | None = None
    cn_code: str | None = None
    mass_kg: float | None = None
    national_catalogue: bool = False
    declared_unit: DeclaredUnit
    boundary: Boundary
    reference_period: ReferencePeriod
    site_region: str
    method: MethodName
    standard: str
    scenario: str | None = None

    complete: bool
    unlinked_lines: list[str] = Field(default_factory=list)

    # ISO 14067 total: emissions and removals, biogenic CO2 at +1 and its uptake at -1; credits
    # as `credits.approach` says (cut-off by default: not included)
    total_kgco2e: float
    # The engine fills the fields below; a hand-made footprint (an input of `grade`) may omit them,
    # and null then means "not stated", never a default.
    headline: str | None = None  # the total, naming the GWP set only for the part characterised under it
    method_share: float | None = None  # share of |total| under `method`'s GWP set; the rest in by_gwp_basis
    by_gwp_basis: dict[str, float] | None = None  # sums to the total
    pcf_excluding_biogenic_uptake: float
    pcf_including_biogenic_uptake: float
    fossil_kgco2e: float
    biogenic_kgco2e: float
    biogenic_uptake_kgco2e: float  # <= 0
    # <= 0: CO2 removals a supplier reported in their own field (technological and land management);
    # default 0 so results stored before the field existed still read
    removals_kgco2e: float = 0.0
    land_use_change_kgco2e: float | None  # null: some factor did not assess dLUC (carbon_pools says which)
    co2e_unsplit_kgco2e: float
    co2e_unsplit_share: float
    carbon_pools: CarbonPools | None = None
    credits: Credits | None = None

    by_gas: dict[str, float]
    by_stage: dict[str, float]
    lines: list[LineContribution]
    factors: list[FactorUse]
    hotspots: list[Hotspot]
    sankey: Sankey
    exclusions: list[Exclusion]
    exclusions_total_share: float
    primary_data_share: float
    dqr: DQR | None = None
    unverified_share: float
    electricity: ElectricityAccounting
    uncertainty: Uncertainty | None = None
    provenance: Provenance


def result_json_schema() -> dict[str, object]:
    schema = FootprintResult.model_json_schema()
    schema["title"] = "carbonlabel footprint result"
    return schema


if __name__ == "__main__":  # python -m footprint.result docs/schemas/footprint-result.schema.json
    import json
    import sys
    from pathlib import Path

    target = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/schemas/footprint-result.schema.json")
    target.write_text(json.dumps(result_json_schema(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
