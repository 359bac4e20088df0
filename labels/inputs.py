"""What a certifier hands in beside the footprint: the evidence dossier and (for recognition) a certificate.

Both are wire formats (JSON files for the CLI, bodies for the service), so every model forbids
unknown fields. Decimal fields accept decimal strings (preferred) or JSON numbers.
JSON Schemas are exported to docs/schemas/ (see docs/labels.md).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from footprint.result import Boundary, DeclaredUnit, ElectricityMethod, FootprintResult, MethodName
from labels.ledger import CreditLot, Reversal

ProductRuleKind = Literal["national", "gba_group", "gd_group", "hk_pcr", "pcr"]


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Period(_Input):
    start: date
    end: date

    @model_validator(mode="after")
    def _ordered(self) -> "Period":
        if self.end < self.start:
            raise ValueError(f"end {self.end} is before start {self.start}")
        return self


class ProductRule(_Input):
    id: str = Field(min_length=1, description="Identifier of the product rule / PCR, e.g. a group standard number")
    kind: ProductRuleKind


class Verifier(_Input):
    name: str = Field(min_length=1)
    accreditation_body: str = Field(description="e.g. CNAS, HKAS; 'programme' when approved by the source programme")
    accreditation_standard: str = Field(description="e.g. ISO 14065, ISO/IEC 17029")
    accreditation_valid_until: date
    cnca_approved: bool = Field(description="approved by CNCA to certify the national PCF label")
    on_site_inspection: bool
    statement_id: str = Field(min_length=1, description="the verification statement's reference")


class PreviousCertificate(_Input):
    """The previous certified footprint of the same product, for the reduced-carbon tier (T2)."""

    certificate_id: str
    scheme: str
    certified_kgco2e: Decimal = Field(description="the value printed on the previous certificate")
    reference_period: Period
    previous_footprint_rebaselined: Decimal = Field(
        description="the previous product system re-computed on the current snapshot and method"
    )
    rebaseline_snapshot_hash: str
    rebaseline_method: MethodName


class RetiredOffset(_Input):
    registry: str
    serial: str
    tco2e: Decimal = Field(gt=0)
    retired_on: date


class Offsets(_Input):
    netted_in_footprint: bool = Field(description="true if offsets were subtracted from the PCF value")
    retired: list[RetiredOffset] = Field(default_factory=list)


class InstrumentEvidence(_Input):
    """The certificate or contract behind market-based electricity, as the dossier names it (type, serial,
    generating project: for the double-claim checks). What it covers in the footprint (MWh, technology,
    region) is the BOM's footprint.bom.ElectricityInstrument; this is its paper trail, not a second copy."""

    type: str = Field(description="e.g. GEC, green_power_trade, I-REC")
    mwh: Decimal = Field(gt=0)
    vintage: int
    serial: str
    project_id: str | None = Field(default=None, description="the generating project (plant), for the CCER double-claim check")
    ccer_project_id: str | None = Field(default=None, description="set when the plant is also registered as a CCER project")


class ReductionPlan(_Input):
    """The applicant's carbon reduction plan on file (labels.md P1 G11; the national rules list a 降碳计划)."""

    reference: str = Field(min_length=1, description="the plan's document reference")
    adopted_on: date = Field(description="the day the plan was adopted")


class Applicant(_Input):
    """Who applies (labels.md P1 G11): a legal entity with a data procedure in operation and a reduction plan."""

    legal_entity_name: str = Field(min_length=1)
    registration_id: str = Field(min_length=1, description="business registration number, e.g. the unified social credit code")
    data_procedure_since: date = Field(description="the carbon-footprint data management procedure is in operation since")
    reduction_plan: ReductionPlan | None = None


class DeclaredUncertainty(_Input):
    """The PCF's stated uncertainty when no Monte Carlo result is attached (T2: the cut must exceed it)."""

    half_width_95_share: Decimal = Field(ge=0, description="half-width of the 95 % interval as a share of the PCF, e.g. 0.436")
    basis: str = Field(min_length=1, description="how it was derived, e.g. 'pedigree matrix, ISO 14067 6.4.6.3'")


class Baseline(_Input):
    period: Period
    kgco2e: Decimal = Field(gt=0, description="the product's footprint per declared unit in the baseline period")


class ReductionTarget(_Input):
    by: date
    kgco2e: Decimal = Field(ge=0, description="the footprint per declared unit to reach by that date")


class ManagementPlan(_Input):
    """ISO 14068-1 carbon neutrality management plan (neutral-finance.md §3: baseline, targets, timeline)."""

    reference: str = Field(min_length=1)
    adopted_on: date
    evidence_file: str = Field(min_length=1, description="the plan document (file reference)")
    baseline: Baseline | None = None
    targets: list[ReductionTarget] = Field(default_factory=list)
    timeline_end: date | None = Field(default=None, description="the end of the plan's timeline")


class PreviousClaim(_Input):
    """The previous carbon-neutral claim of the same product (a renewal needs absolute and intensity cuts)."""

    certificate_id: str = Field(min_length=1)
    period: Period
    kgco2e: Decimal = Field(gt=0, description="footprint per declared unit of that claim")
    units_sold: Decimal = Field(gt=0)


class Neutrality(_Input):
    """A carbon-neutral (T4) claim: the period whose sold units are covered, the plan, the retired lots."""

    period: Period = Field(description="the carbon neutrality reporting period")
    units_sold: Decimal = Field(gt=0, description="declared units sold in the period")
    management_plan: ManagementPlan | None = None
    lots: list[CreditLot] = Field(default_factory=list)
    reversals: list[Reversal] = Field(default_factory=list, description="removals of earlier claims reversed since")
    previous_claim: PreviousClaim | None = None


class Evidence(_Input):
    product_id: str
    declared_unit: DeclaredUnit
    product_rule: ProductRule
    label_use: Literal["b2b", "b2c"]
    reference_period: Period
    verifier: Verifier
    offsets: Offsets
    electricity_instruments: list[InstrumentEvidence] = Field(default_factory=list)
    previous_certificate: PreviousCertificate | None = None
    sold_units: Decimal | None = Field(default=None, description="declared units sold per year (superseded by neutrality.units_sold)")
    neutrality: Neutrality | None = Field(default=None, description="T4: the carbon-neutral claim, its plan and retired lots")
    applicant: Applicant | None = Field(default=None, description="G11: legal entity, data procedure, reduction plan")
    own_processes: list[str] = Field(
        default_factory=list,
        description="G5: footprint line ids of processes the applicant owns or controls (besides the rule set's own-process stages)",
    )
    electricity_supply_area: str | None = Field(
        default=None, description="G8: the grid supplier's area of the site where a region has several (Hong Kong: CLP or HKE)"
    )
    declared_uncertainty: DeclaredUncertainty | None = Field(
        default=None, description="T2: the PCF's stated 95 % uncertainty when the footprint carries no Monte Carlo result"
    )


class Certificate(_Input):
    """A certificate of one scheme, presented for recognition by another."""

    certificate_id: str
    scheme: str
    scheme_version: str | None = None
    tier: Literal["T1", "T2", "T3", "T4"]
    grade: str | None = None
    issued: date
    valid_until: date
    product_id: str
    product_rule: ProductRule | None = None
    category: str
    declared_unit: DeclaredUnit
    boundary: Boundary
    standard: str
    total_kgco2e: Decimal
    reference_period: Period
    electricity_method: ElectricityMethod
    offsets_netted: bool
    verifier: Verifier | None = Field(default=None, description="absent for self-declared footprints")
    national_catalogue: bool = False
    national_product_rule: str | None = Field(
        default=None, description="the national catalogue's product rule id for this product, when in the catalogue"
    )
    footprint: FootprintResult | None = Field(
        default=None, description="the full footprint result, needed when the target re-runs its gate (value only)"
    )
    evidence: Evidence | None = Field(default=None, description="the dossier, needed when the target re-runs its gate")

    @model_validator(mode="after")
    def _dates(self) -> "Certificate":
        if self.valid_until < self.issued:
            raise ValueError(f"valid_until {self.valid_until} is before issued {self.issued}")
        if self.national_catalogue and not self.national_product_rule:
            raise ValueError("national_product_rule is required when national_catalogue is true")
        return self
