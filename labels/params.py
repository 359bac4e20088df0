"""Typed views of a rule set resolved on a date (`RuleSet.params(on)` -> these models)."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

LabelUse = Literal["b2b", "b2c"]
CellKind = Literal["accept", "conditional", "not_recognised"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Names(_Strict):
    zh_Hans: str = Field(alias="zh-Hans")
    zh_Hant: str = Field(alias="zh-Hant")
    en: str

    def as_dict(self) -> dict[str, str]:
        return {"zh-Hans": self.zh_Hans, "zh-Hant": self.zh_Hant, "en": self.en}


class MethodGate(_Strict):
    standards: list[str]
    product_rule_kinds: list[str]
    catalogue_rule_kind: str


class BoundaryGate(_Strict):
    allowed_by_use: dict[LabelUse, list[str]]


class CutoffGate(_Strict):
    single_max: Decimal
    total_max: Decimal


class PrimaryDataGate(_Strict):
    min_share: Decimal
    own_process_stages: list[str]  # G5: BOM stages that are the applicant's own processes


class DqrGate(_Strict):
    min_line_share: Decimal
    weighted_mean_max: Decimal
    poor_rating: Decimal
    poor_input_share_max: Decimal
    poor_indicators: list[str]
    missing_rating_counts_as: Decimal


class DataAgeGate(_Strict):
    activity_months: int
    activity_end_max_months_before: int
    factor_max_age_years: int | None  # None: no age limit, currency is the latest-edition rule
    grid_defaults: dict[str, str]
    grid_defaults_by_supply_area: dict[str, dict[str, str]]  # region -> supply area -> activity (Hong Kong)
    residual_defaults: dict[str, str]
    rejected_factor_categories: list[str]


class ElectricityGate(_Strict):
    market_based_allowed: bool
    accepted_instruments: list[str]


class VerificationGate(_Strict):
    accreditation_bodies: list[str]
    accreditation_standards: list[str]
    cnca_approval_required: bool
    on_site_inspection_required: bool


class ApplicantGate(_Strict):
    data_procedure_min_months: int
    reduction_plan_required: bool


class OffsetsGate(_Strict):
    netting_allowed: bool


class UnverifiedGate(_Strict):
    share_max: Decimal


class Gate(_Strict):
    method: MethodGate
    boundary: BoundaryGate
    cutoff: CutoffGate
    primary_data: PrimaryDataGate
    dqr: DqrGate
    data_age: DataAgeGate
    electricity: ElectricityGate
    verification: VerificationGate
    applicant: ApplicantGate
    offsets: OffsetsGate
    unverified: UnverifiedGate


class TierOne(_Strict):
    enabled: bool


class TierTwo(_Strict):
    enabled: bool
    min_primary_data_share: Decimal
    reduction_factor: Decimal
    max_period_age_months: int


class TierThree(_Strict):
    enabled: bool
    min_primary_data_share: Decimal
    grades: dict[str, Decimal]  # grade -> factor of the benchmark, best grade = smallest factor


_T4_OPTIONAL = {"claim_precision_t"}  # absent in 2025.1-t4, whose claim text stays as issued


class TierFour(_Strict):
    """Carbon neutral (labels.md P2 T4, ISO 14068-1 per neutral-finance.md §3). Off in the shipped default
    versions, which state only `enabled: false`; a variant that switches it on states every parameter."""

    enabled: bool
    claim_standard: str | None = None  # named in the claim text, e.g. "ISO 14068-1:2023"
    retirement_deadline_months: int | None = None  # credits retired at most this long after the period ends
    retirement_lead_months: int | None = None  # ... and at the earliest this long before the period starts
    renewal_absolute_reduction: bool | None = None  # a renewal needs PCF x units sold below the previous claim's
    renewal_intensity_reduction: bool | None = None  # ... and PCF per unit below the previous claim's
    accepted_programmes: list[str] | None = None  # programme ids of data/ledger/programmes.yaml
    # the claim text prints the residual rounded UP to this many t (e.g. 0.001 = 1 kg); None (versions before
    # 2025.1-t4.1) prints it exactly, as the certificates issued under those versions were signed
    claim_precision_t: Decimal | None = None

    @model_validator(mode="after")
    def _complete_when_enabled(self) -> "TierFour":
        if self.enabled:
            missing = [k for k, v in self.__dict__.items() if v is None and k not in _T4_OPTIONAL]
            if missing:
                raise ValueError(f"T4 is enabled but {', '.join(missing)} not given")
        step = self.claim_precision_t
        if step is not None and (step <= 0 or step != Decimal(1).scaleb(step.adjusted())):
            raise ValueError(f"claim_precision_t {step} is not a positive power of ten (e.g. 0.001)")
        return self


class Tiers(_Strict):
    T1: TierOne
    T2: TierTwo
    T3: TierThree
    T4: TierFour


class BenchmarkPolicy(_Strict):
    min_members: int
    trim_from: int


class OfficialBenchmark(_Strict):
    key: str  # "<product rule or category:...>|<amount> <unit>"
    value: Decimal
    reference: str


class Benchmarks(_Strict):
    policy: BenchmarkPolicy
    official: list[OfficialBenchmark]


class Validity(_Strict):
    months: int
    surveillance_months: int | None
    surveillance_grace_days: int | None


class Triggers(_Strict):
    increase_factor: Decimal
    change_share: Decimal


class RecognitionCell(_Strict):
    kind: CellKind
    value_only: bool = False
    when_national_catalogue: CellKind | None = None
    gaps: list[str] = Field(default_factory=list)


class RecognitionConditions(_Strict):
    accreditation_bodies: list[str]  # besides the IAF MLA list (data/accreditation): e.g. "programme"
    accepted_standards: list[str]
    reference_period_max_months: int
    electricity_methods: list[str]


class Recognition(_Strict):
    national_scheme: str
    conditions: RecognitionConditions
    validity: Validity
    cells: dict[str, RecognitionCell]


class LabelText(_Strict):
    tier_names: dict[str, Names]
    grade_names: dict[str, Names]
    boundary_names: dict[str, Names]
    # declared-unit names are not rules: one source for label text and artwork, data/labels/unit_names.yaml


class GradedRules(_Strict):
    gate: Gate
    tiers: Tiers
    benchmarks: Benchmarks
    validity: dict[str, Validity]
    triggers: Triggers
    recognition: Recognition
    label: LabelText


class RecognitionOnlyRules(_Strict):
    """A scheme the service never grades: only what recognition needs to know about it."""

    standards: list[str]
    programme_verification: bool


class DisplayOnlyRules(_Strict):
    """A target that displays recognised certificates (Macao): no grade of its own."""

    recognition: Recognition
