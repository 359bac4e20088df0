"""What the evaluator and recognition return: pydantic models that serialise to JSON (Decimals as strings)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from labels.benchmarks import Benchmark

RuleStatus = Literal["passed", "failed", "not_applicable"]


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RuleSetVersion(_Out):
    scheme: str
    version: str
    sha256: str


class RuleOutcome(_Out):
    rule_id: str
    status: RuleStatus
    value: str | None = Field(default=None, description="the value checked, as text (decimal or date)")
    comparison: str | None = Field(default=None, description="e.g. '<= 0.70 x 100 = 70.00'")
    threshold: str | None = Field(default=None, description="the computed limit, unrounded")
    detail: str
    source: list[str] = Field(default_factory=list, description="parameter provenance: path, date, source or proposal")


class TierGrant(_Out):
    tier: Literal["T1", "T2", "T3", "T4"]
    grade: str | None = None
    valid_from: date
    valid_until: date
    surveillance_due: list[date] = Field(default_factory=list)
    surveillance_grace_days: int | None = Field(default=None, description="suspended when a surveillance is this many days overdue")


class LabelText(_Out):
    zh_Hans: str = Field(alias="zh-Hans")
    zh_Hant: str = Field(alias="zh-Hant")
    en: str

    model_config = ConfigDict(extra="forbid", populate_by_name=True, serialize_by_alias=True)


class BasePeriod(_Out):
    start: date
    end: date


class Reduction(_Out):
    """T2's reduction as a structured field (labels.md P2/P3): what the label prints as "-x.x % vs <base year>",
    measured against the previous footprint re-computed on the current snapshot and method (re-baselined),
    not against the value printed on the previous certificate."""

    percent: Decimal = Field(description="(1 - current / re-baselined previous) x 100, one decimal half up; display only")
    base_year: str = Field(description="the year the previous reference period stands for: '2024', or '2023–2024'")
    base_period: BasePeriod = Field(description="the previous certificate's reference period")
    previous_rebaselined_kgco2e: Decimal = Field(description="the previous footprint re-computed with current method and data")
    previous_certified_kgco2e: Decimal = Field(description="the value printed on the previous certificate")
    previous_certificate_id: str
    current_kgco2e: Decimal
    rebaselined: bool = Field(default=True, description="always true: the baseline was re-calculated with current "
                                                        "method and data, and the label says so")


class NextStep(_Out):
    tier: str
    grade: str | None = None
    requirement: str
    threshold_kgco2e: Decimal | None = None
    reduction_kgco2e: Decimal | None = None


class Trigger(_Out):
    id: str
    description: str
    threshold_kgco2e: Decimal | None = None
    source: list[str] = Field(default_factory=list)


class Decision(_Out):
    scheme: str
    on: date
    rule_set_version: RuleSetVersion
    rule_set_status: Literal["in_force", "proposal"] = Field(
        default="in_force", description="'proposal': a scheme modelled by the project (metadata, never printed on a label)")
    code_version: str
    product_id: str
    declared_unit: str
    total_kgco2e: Decimal
    snapshot_hash: str
    method: str
    rules: list[RuleOutcome]
    gate_passed: bool
    tier: str | None = Field(default=None, description="the highest tier granted; None = no label")
    grade: str | None = None
    granted: list[TierGrant] = Field(default_factory=list)
    label: LabelText | None = None
    reduction: Reduction | None = Field(default=None, description="T2's reduction, when T2 is granted (printed on the label)")
    neutral_claim: LabelText | None = Field(
        default=None, description="T4: what was offset and how (period, units, residual, lots with serials); "
                                  "total_kgco2e is never netted")
    benchmark: Benchmark | None = None
    next_steps: list[NextStep] = Field(default_factory=list)
    reevaluation_triggers: list[Trigger] = Field(default_factory=list)

    def rule(self, rule_id: str) -> RuleOutcome:
        for outcome in self.rules:
            if outcome.rule_id == rule_id:
                return outcome
        raise KeyError(rule_id)


class Gap(_Out):
    condition: str
    detail: str


class RecognitionCellOut(_Out):
    kind: Literal["accept", "conditional", "not_recognised"]
    value_only: bool
    source: str


class RecognitionOutcome(_Out):
    source_scheme: str
    target: str
    on: date
    certificate_id: str
    rule_set_version: RuleSetVersion | None = Field(description="None when the target has no version in force on the date")
    code_version: str
    cell: RecognitionCellOut | None
    outcome: Literal["accepted", "conditional", "not_recognised"]
    new_verification_required: bool
    gaps: list[Gap] = Field(default_factory=list)
    unproven: list[Gap] = Field(
        default_factory=list,
        description="the target's conditions a certificate without its dossier cannot show (each a gap to close for a "
                    "grade, or for a conditional cell the P1 items of its desk check)")
    reasons: list[str]
    recognised_kgco2e: Decimal | None = None
    regrade: Decision | None = Field(default=None, description="the value graded under the target's rules")
    target_tier: str | None = None
    target_grade: str | None = None
    valid_from: date | None = Field(default=None, description="only for an accepted outcome")
    valid_until: date | None = Field(default=None, description="only for an accepted outcome")
