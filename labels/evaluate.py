"""Grade one footprint + evidence under one scheme's rule set in force on a date, explaining every step."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from footprint.result import FootprintResult
from labels.benchmarks import Benchmark, BenchmarkProvider, benchmark_key, derive_benchmark, official_benchmark
from labels.dates import add_months, period_end_after
from labels.decision import (
    BasePeriod,
    Decision,
    LabelText,
    NextStep,
    Reduction,
    RuleOutcome,
    RuleSetVersion,
    TierGrant,
    Trigger,
)
from labels.errors import InputInvalid, NotGradedScheme, ProductMismatch, RuleSetInvalid
from labels.gate import (
    DatasetEditions,
    FootprintOwnEditions,
    GateContext,
    at_least,
    at_most,
    emission_parts,
    run_gate,
    yes_no,
)
from labels.inputs import Evidence
from labels.neutral import NeutralContext, claim_text, run_neutral
from labels.programmes import programme_names
from labels.numbers import DISPLAY, dec, exact, one_decimal, plain
from labels.params import GradedRules
from labels.ruledata import Provenance, RuleSet, load_rule_set
from labels.text import base_year, label_lines
from labels.unit_names import unit_name
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


def _validity(tier: str, rules: GradedRules, on: date) -> TierGrant:
    v = rules.validity[tier]
    until = period_end_after(on, v.months)
    due: list[date] = []
    if v.surveillance_months:
        k = 1
        while (d := add_months(on, k * v.surveillance_months)) <= until:
            due.append(d)
            k += 1
    return TierGrant(tier=tier, valid_from=on, valid_until=until, surveillance_due=due,  # type: ignore[arg-type]
                     surveillance_grace_days=v.surveillance_grace_days)


def stated_uncertainty(fp: FootprintResult, ev: Evidence, total: Decimal) -> tuple[Decimal | None, str]:
    """The 95 % half-width (kg CO2e) of the current footprint's stated uncertainty, and where it comes from.

    Monte Carlo: (p97.5 - p2.5) / 2 of the footprint's own run; declared: evidence share x PCF. With both,
    the larger (a cut must exceed every stated uncertainty)."""
    found: list[tuple[Decimal, str]] = []
    if fp.uncertainty is not None:
        u = fp.uncertainty
        found.append(((dec(u.p97_5) - dec(u.p2_5)) * Decimal("0.5"),
                      f"Monte Carlo, {u.iterations} iterations, seed {u.seed}: 95 % interval {u.p2_5} .. {u.p97_5}"))
    if ev.declared_uncertainty is not None:
        d = ev.declared_uncertainty
        found.append((d.half_width_95_share * total,
                      f"declared +/- {plain(d.half_width_95_share)} x PCF {plain(total)} ({d.basis})"))
    if not found:
        return None, "none stated"
    return max(found, key=lambda f: f[0])


def _t2_steps(t2_out: list[RuleOutcome], factor: Decimal, rebased: Decimal, total: Decimal,
              half_width: Decimal | None, current_start: date) -> list[NextStep]:
    """One next step per failed T2 condition, so the advice is about what actually stands in the way."""
    steps: list[NextStep] = []
    for o in t2_out:
        if o.status != "failed":
            continue
        if o.rule_id == "T2.reduction":
            limit = factor * rebased
            steps.append(NextStep(tier="T2", requirement=f"PCF <= {plain(factor)} x {plain(rebased)}",
                                  threshold_kgco2e=limit, reduction_kgco2e=max(total - limit, Decimal(0))))
        elif o.rule_id == "T2.primary_data_share":
            cut_ok = all(x.status == "passed" for x in t2_out if x.rule_id == "T2.reduction")
            steps.append(NextStep(tier="T2", requirement=f"primary data share {o.comparison} (now {o.value})"
                                  + ("; the PCF already meets the reduction" if cut_ok else "")))
        elif o.rule_id == "T2.exceeds_uncertainty":
            steps.append(NextStep(
                tier="T2", requirement=("state the footprint's uncertainty (Monte Carlo or declared_uncertainty)"
                                        if half_width is None else
                                        f"a cut larger than the 95 % half-width {plain(half_width)} kg CO2e, or a "
                                        "smaller stated uncertainty"),
                threshold_kgco2e=None if half_width is None else rebased - half_width))
        elif o.rule_id == "T2.previous_period_earlier":
            steps.append(NextStep(tier="T2", requirement=f"a previous certificate whose reference period ends before "
                                                         f"{current_start}"))
        elif o.rule_id == "T2.previous_period_recent":
            steps.append(NextStep(tier="T2", requirement=f"a previous certificate whose reference period ends {o.threshold}"))
        else:
            steps.append(NextStep(tier="T2", requirement=f"{o.rule_id}: {o.detail}"))
    return steps


def find_benchmark(rules: GradedRules, provenance: dict[str, Provenance], key: str, on: date,
                   provider: BenchmarkProvider | None) -> tuple[Benchmark | None, str]:
    for entry in rules.benchmarks.official:
        if entry.key == key:
            return official_benchmark(entry, on, provenance["benchmarks.official"].cite()), "official"
    if provider is None:
        return None, f"no official benchmark for {key!r} and no registry provider given"
    members = list(provider.members(key, on))
    bench = derive_benchmark(members, on, policy=rules.benchmarks.policy, key=key)
    if bench is None:
        valid = sum(1 for m in members if m.issued <= on <= m.valid_until)
        return None, (f"no official benchmark for {key!r}; registry has {valid} valid certificate(s) on {on}, "
                      f"fewer than {rules.benchmarks.policy.min_members}")
    return bench, "registry"


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

    def cite(*paths: str) -> list[str]:
        return [prov[p].cite() for p in paths]

    total = dec(fp.total_kgco2e)
    pds = dec(fp.primary_data_share)
    one = Decimal(1)
    ctx = GateContext(fp, ev, rules.gate, prov, on, editions or FootprintOwnEditions(fp))
    outcomes: list[RuleOutcome] = run_gate(ctx)
    gate_passed = all(o.status != "failed" for o in outcomes)
    granted: dict[str, TierGrant] = {}
    next_steps: list[NextStep] = []
    failed_gate = [o.rule_id for o in outcomes if o.status == "failed"]

    def skip(rule_id: str, why: str, *paths: str) -> RuleOutcome:
        return RuleOutcome(rule_id=rule_id, status="not_applicable", detail=why, source=cite(*paths))

    # T1 ------------------------------------------------------------------------------------
    if not rules.tiers.T1.enabled:
        outcomes.append(skip("T1.footprint_certified", "T1 is not offered by this rule-set version", "tiers.T1.enabled"))
    else:
        outcomes.append(yes_no("T1.footprint_certified", gate_passed,
                               "common gate passed" if gate_passed else f"common gate failed: {failed_gate}",
                               cite("tiers.T1.enabled")))
        if gate_passed:
            granted["T1"] = _validity("T1", rules, on)
        else:
            next_steps.append(NextStep(tier="T1", requirement=f"pass the failed gate rules: {', '.join(failed_gate)}"))
    has_t1 = "T1" in granted

    # T2 reduced carbon -----------------------------------------------------------------------
    t2 = rules.tiers.T2
    prev = ev.previous_certificate
    reduction: Reduction | None = None  # T2's cut, printed on the label
    if not t2.enabled:
        outcomes.append(skip("T2.reduction", "T2 is not offered by this rule-set version", "tiers.T2.enabled"))
    elif not has_t1:
        outcomes.append(skip("T2.reduction", "no T1: a failed gate never yields a label", "tiers.T2.enabled"))
    elif prev is None:
        outcomes.append(skip("T2.reduction", "no previous certificate in the evidence", "tiers.T2.reduction_factor"))
        next_steps.append(NextStep(tier="T2", requirement=(
            "a previous certificate of this product with its footprint re-computed on snapshot "
            f"{fp.provenance.snapshot_hash} and method {fp.method}")))
    else:
        t2_out = []
        same_snapshot = prev.rebaseline_snapshot_hash == fp.provenance.snapshot_hash
        t2_out.append(yes_no("T2.rebaseline_same_snapshot", same_snapshot,
                             ("previous footprint re-baselined on the current snapshot" if same_snapshot else
                              f"refused: previous footprint re-baselined on snapshot {prev.rebaseline_snapshot_hash}, "
                              f"current result on {fp.provenance.snapshot_hash}; re-compute it on the current snapshot"),
                             ["labels.md P2 T2: like-for-like comparison (re-baselining); Carbon Trust §4.1 [V]"],
                             value=prev.rebaseline_snapshot_hash, threshold=fp.provenance.snapshot_hash))
        same_method = prev.rebaseline_method == fp.method
        t2_out.append(yes_no("T2.rebaseline_same_method", same_method,
                             f"re-baselined with {prev.rebaseline_method}, current result with {fp.method}"
                             + ("" if same_method else "; refused"),
                             ["labels.md P2 T2: like-for-like comparison (re-baselining)"],
                             value=prev.rebaseline_method, threshold=fp.method))
        earliest = add_months(on, -t2.max_period_age_months)
        t2_out.append(yes_no("T2.previous_period_recent", prev.reference_period.end >= earliest,
                             f"previous reference period ends {prev.reference_period.end}; must end on or after {earliest}",
                             cite("tiers.T2.max_period_age_months"),
                             value=prev.reference_period.end.isoformat(), threshold=f">= {earliest.isoformat()}"))
        current_start = fp.reference_period.start
        t2_out.append(yes_no("T2.previous_period_earlier", prev.reference_period.end < current_start,
                             f"previous reference period {prev.reference_period.start}..{prev.reference_period.end}, current "
                             f"{current_start}..{fp.reference_period.end}: the previous period must end before the current "
                             "one starts (not the same, overlapping or a later period)",
                             ["labels.md P2 T2: a reduction against the previous certified PCF of the same product"],
                             value=prev.reference_period.end.isoformat(), threshold=f"< {current_start.isoformat()}"))
        t2_out.append(at_least("T2.primary_data_share", pds, t2.min_primary_data_share, one, "total PCF",
                               "primary data share required for a graded claim", cite("tiers.T2.min_primary_data_share")))
        rebased = prev.previous_footprint_rebaselined
        half_width, basis = stated_uncertainty(fp, ev, total)
        cut = rebased - total
        if half_width is None:
            t2_out.append(yes_no("T2.exceeds_uncertainty", False,
                                 "no stated uncertainty: the footprint has no Monte Carlo result and the evidence no "
                                 "declared_uncertainty, so the cut cannot be shown to exceed it",
                                 ["labels.md P2 T2: the reduction exceeds the stated PCF uncertainty"], value=plain(cut)))
        else:
            t2_out.append(RuleOutcome(
                rule_id="T2.exceeds_uncertainty", status="passed" if cut > half_width else "failed", value=plain(cut),
                comparison=f"> 95 % half-width {plain(half_width)}", threshold=plain(half_width),
                detail=(f"cut {plain(rebased)} - {plain(total)} = {plain(cut)} kg CO2e must exceed the 95 % half-width "
                        f"of the current footprint's stated uncertainty ({basis})"),
                source=["labels.md P2 T2: the reduction exceeds the stated PCF uncertainty"]))
        if same_snapshot and same_method:
            t2_out.append(at_most("T2.reduction", total, t2.reduction_factor, rebased,
                                  f"re-baselined previous {plain(rebased)}",
                                  f"current PCF vs previous certified PCF {prev.certified_kgco2e} re-baselined to {plain(rebased)}",
                                  cite("tiers.T2.reduction_factor")))
        else:
            t2_out.append(skip("T2.reduction", "refused: the re-baselined previous footprint is not on the current "
                               "snapshot and method", "tiers.T2.reduction_factor"))
        outcomes.extend(t2_out)
        if all(o.status == "passed" for o in t2_out):
            granted["T2"] = _validity("T2", rules, on)
            pct = (one - DISPLAY.divide(total, rebased)) * 100  # display only
            reduction = Reduction(
                percent=Decimal(one_decimal(pct)),
                base_year=base_year(prev.reference_period.start, prev.reference_period.end),
                base_period=BasePeriod(start=prev.reference_period.start, end=prev.reference_period.end),
                previous_rebaselined_kgco2e=rebased, previous_certified_kgco2e=prev.certified_kgco2e,
                previous_certificate_id=prev.certificate_id, current_kgco2e=total)
        else:
            next_steps.extend(_t2_steps(t2_out, t2.reduction_factor, rebased, total, half_width, current_start))

    # T3 low carbon grades ----------------------------------------------------------------------
    t3 = rules.tiers.T3
    key = benchmark_key(ev.product_rule.id, fp.category, fp.declared_unit.amount, fp.declared_unit.unit)
    bench: Benchmark | None = None
    grade: str | None = None
    if not t3.enabled:
        outcomes.append(skip("T3.grade", "T3 is not offered by this rule-set version", "tiers.T3.enabled"))
    elif not has_t1:
        outcomes.append(skip("T3.grade", "no T1: a failed gate never yields a label", "tiers.T3.enabled"))
    elif total <= 0:  # emissions are positive (the gate), the total is not: uptake, removals or credits net it
        parts = emission_parts(fp)
        outcomes.append(skip("T3.grade", f"total {plain(total)} kg CO2e <= 0: emissions {plain(parts.emissions)} net of "
                             f"biogenic uptake and removals {plain(parts.biogenic_uptake)} and credits "
                             f"{plain(parts.credits)} kg; reported, never graded against a benchmark", "tiers.T3.grades"))
    else:
        bench, why = find_benchmark(rules, prov, key, on, benchmark_provider)
        pds_out = at_least("T3.primary_data_share", pds, t3.min_primary_data_share, one, "total PCF",
                           "primary data share required for a graded claim", cite("tiers.T3.min_primary_data_share"))
        outcomes.append(pds_out)
        if pds_out.status == "failed":
            next_steps.append(NextStep(tier="T3", requirement=f"primary data share >= {plain(t3.min_primary_data_share)} "
                                       f"(now {plain(pds)})"))
        if bench is None:
            outcomes.append(skip("T3.benchmark", f"{why}: no T3 grade", "benchmarks.policy.min_members"))
            next_steps.append(NextStep(tier="T3", requirement=f"a benchmark for {key} (official, or "
                                       f">= {rules.benchmarks.policy.min_members} valid registry certificates)"))
        else:
            outcomes.append(RuleOutcome(rule_id="T3.benchmark", status="passed", value=plain(bench.value),
                                        detail=f"{bench.kind} benchmark {key}: {bench.reference}{bench.spread_text()}; "
                                               f"hash {bench.hash}",
                                        source=cite("benchmarks.policy.min_members", "benchmarks.policy.trim_from")
                                        if bench.kind == "registry" else cite("benchmarks.official")))
            by_strictness = sorted(t3.grades.items(), key=lambda kv: kv[1])
            passing = []
            for name, factor in by_strictness:
                o = RuleOutcome(
                    rule_id=f"T3.grade_{name}", status="passed" if bench.within(total, factor) else "failed",
                    value=plain(total), threshold=plain(bench.limit(factor)),
                    comparison=f"<= {plain(factor)} x benchmark {plain(bench.value)} = {plain(bench.limit(factor))}",
                    detail=(f"grade {name}: PCF <= {plain(factor)} x benchmark, decided exactly as "
                            f"PCF x {bench.divisor} <= {plain(factor)} x {plain(bench.sum_kgco2e)}"),
                    source=cite("tiers.T3.grades"))
                outcomes.append(o)
                if o.status == "passed":
                    passing.append(name)
            if pds_out.status == "passed" and passing:
                grade = passing[0]
                granted["T3"] = _validity("T3", rules, on).model_copy(update={"grade": grade})
            better = [(n, f) for n, f in by_strictness if n not in passing]
            if better:
                name, factor = better[-1]  # the nearest better grade
                limit = bench.limit(factor)
                next_steps.append(NextStep(tier="T3", grade=name, requirement=f"PCF <= {plain(factor)} x {plain(bench.value)}",
                                           threshold_kgco2e=limit, reduction_kgco2e=max(total - limit, Decimal(0))))

    # T4 carbon neutral (labels/neutral.py) ------------------------------------------------------
    neutral_claim = None
    t4 = rules.tiers.T4
    if not t4.enabled:
        outcomes.append(skip("T4.carbon_neutral", "T4 is off in this rule-set version", "tiers.T4.enabled"))
        next_steps.append(NextStep(tier="T4", requirement="not offered by this rule-set version"))
    elif "T2" not in granted:
        outcomes.append(skip("T4.carbon_neutral", "T4 requires T2 in the current cycle", "tiers.T4.enabled"))
        next_steps.append(NextStep(tier="T4", requirement="T2 (reduced carbon) in this certificate cycle"))
    elif ev.neutrality is None:
        outcomes.append(yes_no("T4.carbon_neutral", False, "evidence field 'neutrality' (claim period, units sold, "
                               "management plan, retired lots) is needed for T4", cite("tiers.T4.enabled")))
        next_steps.append(NextStep(tier="T4", requirement="a carbon-neutral claim in the evidence ('neutrality')"))
    else:
        nctx = NeutralContext(
            claim=ev.neutrality, total=total, reference_start=fp.reference_period.start,
            reference_end=fp.reference_period.end, params=t4, on=on, cite_enabled=cite("tiers.T4.enabled"),
            cite_deadline=cite("tiers.T4.retirement_deadline_months"), cite_lead=cite("tiers.T4.retirement_lead_months"),
            cite_renewal=cite("tiers.T4.renewal_absolute_reduction", "tiers.T4.renewal_intensity_reduction"),
            cite_programmes=cite("tiers.T4.accepted_programmes"), instruments=tuple(ev.electricity_instruments))
        t4_out = run_neutral(nctx)
        failed_t4 = [o.rule_id for o in t4_out if o.status == "failed"]
        outcomes.extend(t4_out)
        outcomes.append(yes_no("T4.carbon_neutral", not failed_t4,
                               "every T4 condition met" if not failed_t4 else f"failed: {', '.join(failed_t4)}",
                               cite("tiers.T4.enabled")))
        if failed_t4:
            next_steps.extend(NextStep(tier="T4", requirement=f"{o.rule_id}: {o.detail}",
                                       threshold_kgco2e=dec(o.threshold) if o.rule_id == "T4.coverage" else None)
                              for o in t4_out if o.status == "failed")
        else:
            granted["T4"] = _validity("T4", rules, on)
            # the dated unit names (data/labels/unit_names.yaml) the label prints; a unit not listed as written
            neutral_claim = LabelText.model_validate(claim_text(
                nctx, unit_name(fp.declared_unit.unit, on), programme_names()))

    # label, triggers ---------------------------------------------------------------------------
    tier = next((t for t in reversed(TIER_ORDER) if t in granted), None)
    label = None
    if tier is not None:
        names = rs.meta["names"]
        grade_names = rules.label.grade_names[grade].as_dict() if (tier == "T3" and grade) else None
        label = LabelText.model_validate(label_lines(
            scheme_names=names, tier_names=rules.label.tier_names[tier].as_dict(), grade_names=grade_names,
            total=total, amount=dec(fp.declared_unit.amount),
            unit_names=unit_name(fp.declared_unit.unit, on),
            boundary_names=rules.label.boundary_names[fp.boundary].as_dict(),
            standard=fp.standard, product_rule=ev.product_rule.id,
            reduction=(plain(reduction.percent), reduction.base_year) if reduction else None,
            valid_until=granted[tier].valid_until,
        ))
    triggers = [
        Trigger(id="increase", description=f"re-evaluate early if the PCF rises above {plain(rules.triggers.increase_factor)} x "
                f"the certified value", threshold_kgco2e=rules.triggers.increase_factor * total,
                source=cite("triggers.increase_factor")),
        Trigger(id="change", description="re-evaluate early if a BOM, process or supplier change moves the PCF by at least "
                f"{plain(rules.triggers.change_share)} x the certified value (in kg CO2e)",
                threshold_kgco2e=rules.triggers.change_share * total, source=cite("triggers.change_share")),
    ] if tier is not None else []

    return Decision(
        scheme=rs.scheme, on=on,
        rule_set_version=RuleSetVersion(**rs.version_ref), rule_set_status=rs.status, code_version=code_version(),
        product_id=fp.product_id,
        declared_unit=f"{plain(dec(fp.declared_unit.amount).normalize())} {fp.declared_unit.unit}",
        total_kgco2e=total, snapshot_hash=fp.provenance.snapshot_hash, method=fp.method,
        rules=outcomes, gate_passed=gate_passed, tier=tier,
        grade=grade if tier == "T3" or "T3" in granted else None,
        granted=[granted[t] for t in TIER_ORDER if t in granted],
        label=label, reduction=reduction, neutral_claim=neutral_claim, benchmark=bench, next_steps=next_steps,
        reevaluation_triggers=triggers,
    )
