"""Grade one footprint + evidence under one scheme's rule set in force on a date, explaining every step."""

from __future__ import annotations

from datetime import date
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from footprint.result import FootprintResult
from labels.benchmarks import BenchmarkProvider, benchmark_key
from labels.decision import Decision, LabelText, Reduction, RuleOutcome, RuleSetVersion, Trigger
from labels.errors import InputInvalid, NotGradedScheme, ProductMismatch, RuleSetInvalid
from labels.gate import DatasetEditions, FootprintOwnEditions, GateContext, run_gate
from labels.inputs import Evidence
from labels.numbers import dec, exact, plain
from labels.params import GradedRules
from labels.ruledata import Provenance, RuleSet, load_rule_set
from labels.text import label_lines
from labels.tiers import Tally, find_benchmark, stated_uncertainty, tier1, tier2, tier3, tier4
from labels.unit_names import unit_name

__all__ = ["evaluate", "find_benchmark", "graded_rules", "stated_uncertainty", "validate_input"]
from lcidb.version import code_version

M = TypeVar("M", bound=BaseModel)
TIER_ORDER = ("T1", "T2", "T3", "T4")


def validate_input(model: type[M], data: Any, what: str) -> M:
    """Validate a JSON document; on error name the document, every failing field, and its value."""
    if isinstance(data, model):
        return data
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            field = ".".join(str(p) for p in err["loc"]) or "(document)"
            shown = repr(err.get("input"))
            if len(shown) > 60:
                shown = shown[:57] + "..."
            problems.append(f"field {field!r}: {err['msg']}" + ("" if err["type"] == "missing" else f" (got {shown})"))
        raise InputInvalid(f"{what}: " + "; ".join(problems)) from None


def graded_rules(rs: RuleSet, on: date) -> tuple[GradedRules, dict[str, Provenance]]:
    if rs.kind != "graded":
        raise NotGradedScheme(
            f"scheme {rs.scheme!r} ({rs.kind}) is not graded by this service; use `recognise` with it as source or target"
        )
    values, provenance = rs.params(on)
    try:
        return GradedRules.model_validate(values), provenance
    except ValidationError as exc:
        first = exc.errors()[0]
        raise RuleSetInvalid(
            f"{rs.path}: rules.{'.'.join(str(p) for p in first['loc'])}: {first['msg']} (resolved on {on})"
        ) from None


def check_same_product(fp: FootprintResult, ev: Evidence) -> None:
    if fp.product_id != ev.product_id:
        raise ProductMismatch(
            f"evidence field 'product_id' is {ev.product_id!r} but the footprint's product_id is {fp.product_id!r}"
        )
    if fp.declared_unit.unit != ev.declared_unit.unit or dec(fp.declared_unit.amount) != dec(ev.declared_unit.amount):
        raise ProductMismatch(
            f"evidence field 'declared_unit' is {plain(dec(ev.declared_unit.amount))} {ev.declared_unit.unit!r} but the "
            f"footprint's declared_unit is {plain(dec(fp.declared_unit.amount))} {fp.declared_unit.unit!r}"
        )


def evaluate(
    footprint: FootprintResult | dict,
    evidence: Evidence | dict,
    scheme: str,
    on: date,
    benchmark_provider: BenchmarkProvider | None = None,
    *,
    editions: DatasetEditions | None = None,
    rule_set: RuleSet | None = None,
) -> Decision:
    """One decision per rule, the tier and grade granted, label text, validity and what the next tier needs."""
    with exact():
        return _evaluate(footprint, evidence, scheme, on, benchmark_provider, editions, rule_set)


def _evaluate(
    footprint: FootprintResult | dict,
    evidence: Evidence | dict,
    scheme: str,
    on: date,
    benchmark_provider: BenchmarkProvider | None,
    editions: DatasetEditions | None,
    rule_set: RuleSet | None,
) -> Decision:
    fp = validate_input(FootprintResult, footprint, "footprint")
    ev = validate_input(Evidence, evidence, "evidence")
    check_same_product(fp, ev)
    rs = rule_set or load_rule_set(scheme, on)
    rules, prov = graded_rules(rs, on)
    outcomes: list[RuleOutcome] = run_gate(GateContext(fp, ev, rules.gate, prov, on, editions or FootprintOwnEditions(fp)))
    failed_gate = [o.rule_id for o in outcomes if o.status == "failed"]
    t = Tally(fp, ev, rules, prov, on, outcomes)
    tier1(t, gate_passed=not failed_gate, failed_gate=failed_gate)
    reduction = tier2(t)
    key = benchmark_key(ev.product_rule.id, fp.category, fp.declared_unit.amount, fp.declared_unit.unit)
    bench, grade = tier3(t, key, benchmark_provider)
    neutral_claim = tier4(t)
    tier = next((name for name in reversed(TIER_ORDER) if name in t.granted), None)
    total = t.total
    return Decision(
        scheme=rs.scheme, on=on,
        rule_set_version=RuleSetVersion(**rs.version_ref), rule_set_status=rs.status, code_version=code_version(),
        product_id=fp.product_id,
        declared_unit=f"{plain(dec(fp.declared_unit.amount).normalize())} {fp.declared_unit.unit}",
        total_kgco2e=total, snapshot_hash=fp.provenance.snapshot_hash, method=fp.method,
        rules=outcomes, gate_passed=not failed_gate, tier=tier,
        grade=grade if tier == "T3" or "T3" in t.granted else None,
        granted=[t.granted[name] for name in TIER_ORDER if name in t.granted],
        label=_label(t, rs, tier, grade, reduction), reduction=reduction, neutral_claim=neutral_claim,
        benchmark=bench, next_steps=t.next_steps, reevaluation_triggers=_triggers(t) if tier is not None else [],
    )


def _label(t: Tally, rs: RuleSet, tier: str | None, grade: str | None, reduction: Reduction | None) -> LabelText | None:
    """The label's text in the scheme's languages, for the highest tier granted."""
    if tier is None:
        return None
    fp, rules = t.fp, t.rules
    grade_names = rules.label.grade_names[grade].as_dict() if (tier == "T3" and grade) else None
    return LabelText.model_validate(label_lines(
        scheme_names=rs.meta["names"], tier_names=rules.label.tier_names[tier].as_dict(), grade_names=grade_names,
        total=t.total, amount=dec(fp.declared_unit.amount),
        unit_names=unit_name(fp.declared_unit.unit, t.on),
        boundary_names=rules.label.boundary_names[fp.boundary].as_dict(),
        standard=fp.standard, product_rule=t.ev.product_rule.id,
        reduction=(plain(reduction.percent), reduction.base_year) if reduction else None,
        valid_until=t.granted[tier].valid_until,
    ))


def _triggers(t: Tally) -> list[Trigger]:
    """When the certified footprint must be re-evaluated early."""
    triggers, total = t.rules.triggers, t.total
    return [
        Trigger(id="increase", description=f"re-evaluate early if the PCF rises above {plain(triggers.increase_factor)} x "
                f"the certified value", threshold_kgco2e=triggers.increase_factor * total,
                source=t.cite("triggers.increase_factor")),
        Trigger(id="change", description="re-evaluate early if a BOM, process or supplier change moves the PCF by at least "
                f"{plain(triggers.change_share)} x the certified value (in kg CO2e)",
                threshold_kgco2e=triggers.change_share * total, source=t.cite("triggers.change_share")),
    ]
