"""Input and output models of the exposure calculator. Output field names follow the CBAM reference
note §9.3 (scope_status, data_basis, default_source_table, markup, see, ...).

Quantities are Decimal inside; JSON output writes them as numbers (t to 6 decimals, money to cents).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer

if TYPE_CHECKING:
    from tariffs.obligations import Obligations

Regime = Literal["EU", "UK"]
DataBasis = Literal["DEFAULT", "ACTUAL", "DERIVED"]
ScopeStatus = Literal["IN_SCOPE", "OUT_OF_SCOPE", "EXEMPT_DE_MINIMIS", "EXEMPT_UK_THRESHOLD", "NOT_IN_FORCE"]
Flag = Literal[
    "SEFA_ESTIMATED",
    "PRICE_SCENARIO",
    "CSCF_ASSUMED",
    "BENCHMARK_PROVISIONAL",
    "DEFAULTS_REVISION_DUE_2027",
    "DE_MINIMIS_EXEMPT",
    "DERIVED_FROM_PCF",
    "UK_DEFAULTS_UNAVAILABLE",
    "UK_THRESHOLD_EXEMPT",
    "PENALTY_NOT_INDEXED",
]
FLAGS: tuple[str, ...] = Flag.__args__  # type: ignore[attr-defined]

Num = Annotated[Decimal, PlainSerializer(lambda d: float(d), return_type=float, when_used="json")]


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Output(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ImportLine(_Input):
    """One import line (reference note §9.1 plus importer, regime, customs value and BOM reference)."""

    line_no: int = Field(ge=1, description="line number in the input (CSV file line, or list position + 1)")
    importer_id: str | None = None
    exporter_id: str | None = None
    regime: Regime = "EU"
    cn_code: str = Field(pattern=r"^\d{8}(\d{2})?$")
    country_of_origin: str = Field(pattern=r"^[A-Z]{2}$")
    net_mass_t: Decimal = Field(gt=0)
    import_date: date
    # when the line gives only the quarter of import ("2027-Q2"): import_date is the quarter's first day
    import_quarter: str | None = Field(default=None, pattern=r"^\d{4}-Q[1-4]$")
    data_basis: DataBasis = "DEFAULT"
    actual_see_t_per_t: Decimal | None = Field(default=None, ge=0)
    actual_sefa_t_per_t: Decimal | None = Field(default=None, ge=0)
    production_route: str | None = Field(default=None, pattern=r"^[A-L](/[A-L])?$")
    carbon_price_paid_eur_per_t_good: Decimal | None = Field(default=None, ge=0)
    certificate_price_eur: Decimal | None = Field(default=None, gt=0)
    customs_value_gbp: Decimal | None = Field(default=None, ge=0)
    bom_ref: str | None = None


class Derivation(_Output):
    """How an indicative SEE was derived from a product footprint (never ACTUAL)."""

    bom_ref: str
    declared_unit: str
    see_t_per_t: Num  # shown to 6 decimals
    # the unrounded value the embedded emissions are computed from (not part of the JSON form)
    see_exact_t_per_t: Decimal | None = Field(default=None, exclude=True)
    lines: list[dict[str, object]]
    excluded_kgco2e: Num
    notes: list[str]

    def exact_see(self) -> Decimal:
        """The SEE the line's embedded emissions use: unrounded when known."""
        return self.see_exact_t_per_t if self.see_exact_t_per_t is not None else self.see_t_per_t


class LineResult(_Output):
    line_no: int
    importer_id: str | None
    exporter_id: str | None = None
    regime: Regime
    year: int
    import_date: date
    import_quarter: str | None = None
    cn_code: str
    sector: str | None
    country_of_origin: str
    net_mass_t: Num
    scope_status: ScopeStatus
    emissions_scope: Literal["direct", "direct_and_indirect"] | None = None
    data_basis: DataBasis
    default_source_table: Literal["CHN", "OTHER", "ANNEX_IV"] | str | None = None
    default_value_t_per_t: Num | None = None
    default_value_source: str | None = None
    markup: Num | None = None
    see: Num | None = None
    embedded_emissions_t: Num | None = None
    benchmark_column: Literal["B"] | None = None
    benchmark_value: Num | None = None
    benchmark_period: str | None = None
    route: str | None = None
    cbam_factor: Num | None = None
    cscf: Num | None = None
    sefa: Num | None = None
    faa_t: Num | None = None
    carbon_price_reduction_t: Num | None = None
    certificates: Num | None = None
    certificates_to_buy: int | None = None
    price_eur: Num | None = None
    cost_eur: Num | None = None
    cost_eur_per_t_good: Num | None = None
    # exempt lines: what the line would cost if the importer were liable
    potential_certificates: Num | None = None
    potential_cost_eur: Num | None = None
    # actual / derived lines: the same line on default values, and the saving
    default_cost_eur: Num | None = None
    saving_eur: Num | None = None
    # UK CBAM lines
    customs_value_gbp: Num | None = None
    uk_rate_gbp_per_tco2e: Num | None = None
    cost_gbp: Num | None = None
    cost_gbp_per_t_good: Num | None = None
    potential_cost_gbp: Num | None = None
    default_cost_gbp: Num | None = None
    saving_gbp: Num | None = None
    derivation: Derivation | None = None
    flags: list[Flag] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)


class AggregateRow(_Output):
    key: str
    lines: int
    net_mass_t: Num
    # EU tonnes carry the default-value mark-up, UK tonnes do not: read the two apart
    embedded_emissions_t: Num
    eu_embedded_emissions_t: Num
    uk_embedded_emissions_t: Num
    faa_t: Num
    certificates: Num
    cost_eur: Num
    cost_gbp: Num
    potential_cost_eur: Num
    default_cost_eur: Num | None
    saving_eur: Num | None
    saving_gbp: Num | None
    lines_with_missing_values: int
    flags: list[Flag]


class ThresholdStatus(_Output):
    importer_id: str | None
    regime: Regime
    year: int
    counted: Num
    prior: Num
    threshold: Num
    unit: Literal["t", "GBP"]
    status: Literal["EXEMPT", "LIABLE", "UNKNOWN"]
    note: str | None = None


class Aggregates(_Output):
    by_importer: list[AggregateRow]
    by_year: list[AggregateRow]
    by_cn_code: list[AggregateRow]
    by_sector: list[AggregateRow]
    thresholds: list[ThresholdStatus]
    total: AggregateRow


class ExposureReport(_Output):
    generated_for: str | None
    projection: bool
    lines: list[LineResult]
    aggregates: Aggregates
    data_versions: dict[str, str]
    assumptions: list[str]
    # EU importers' obligations over time, when asked for (the model is completed by tariffs.obligations)
    obligations: Obligations | None = None
