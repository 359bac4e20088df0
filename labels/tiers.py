"""The tier rules T1-T4 of a graded scheme, one function per tier (as labels/gate.py has one per
gate rule). Each appends its rule outcomes and next steps to a shared `Tally` and grants its tier
there; labels/evaluate.py runs them in order and writes the decision."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from footprint.result import FootprintResult
from labels.benchmarks import Benchmark, BenchmarkProvider, derive_benchmark, official_benchmark
from labels.dates import add_months, period_end_after
from labels.decision import BasePeriod, LabelText, NextStep, Reduction, RuleOutcome, TierGrant
from labels.gate import at_least, at_most, emission_parts, yes_no
from labels.inputs import Evidence, PreviousCertificate
from labels.neutral import NeutralContext, claim_text, run_neutral
from labels.numbers import DISPLAY, dec, one_decimal, plain
from labels.params import GradedRules
from labels.programmes import programme_names
from labels.ruledata import Provenance
from labels.text import base_year
from labels.unit_names import unit_name

ONE = Decimal(1)


@dataclass
class Tally:
    """What the tiers read (footprint, evidence, rules in force) and what they write (outcomes,
    grants, next steps), so each tier is a function of one argument."""

    fp: FootprintResult
    ev: Evidence
    rules: GradedRules
    prov: dict[str, Provenance]
    on: date
    outcomes: list[RuleOutcome]
    granted: dict[str, TierGrant] = field(default_factory=dict)
    next_steps: list[NextStep] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return dec(self.fp.total_kgco2e)

    @property
    def primary_share(self) -> Decimal:
        return dec(self.fp.primary_data_share)

    def cite(self, *paths: str) -> list[str]:
        return [self.prov[p].cite() for p in paths]

    def skip(self, rule_id: str, why: str, *paths: str) -> RuleOutcome:
        return RuleOutcome(rule_id=rule_id, status="not_applicable", detail=why, source=self.cite(*paths))

    def grant(self, tier: str) -> TierGrant:
        self.granted[tier] = validity(tier, self.rules, self.on)
        return self.granted[tier]

    def step(self, tier: str, requirement: str, **extra: Decimal | str | None) -> None:
        self.next_steps.append(NextStep(tier=tier, requirement=requirement, **extra))


def validity(tier: str, rules: GradedRules, on: date) -> TierGrant:
    v = rules.validity[tier]
    until = period_end_after(on, v.months)
    due: list[date] = []
    if v.surveillance_months:
        k = 1
        while (d := add_months(on, k * v.surveillance_months)) <= until:
            due.append(d)
            k += 1
    return TierGrant(tier=tier, valid_from=on, valid_until=until, surveillance_due=due,
                     surveillance_grace_days=v.surveillance_grace_days)


# T1 footprint certified ----------------------------------------------------------------------------

def tier1(t: Tally, gate_passed: bool, failed_gate: list[str]) -> None:
    if not t.rules.tiers.T1.enabled:
        t.outcomes.append(t.skip("T1.footprint_certified", "T1 is not offered by this rule-set version", "tiers.T1.enabled"))
        return
    t.outcomes.append(yes_no("T1.footprint_certified", gate_passed,
                             "common gate passed" if gate_passed else f"common gate failed: {failed_gate}",
                             t.cite("tiers.T1.enabled")))
    if gate_passed:
        t.grant("T1")
    else:
        t.step("T1", f"pass the failed gate rules: {', '.join(failed_gate)}")


# T2 reduced carbon ---------------------------------------------------------------------------------

def tier2(t: Tally) -> Reduction | None:
    """T2's checks; the reduction printed on the label when T2 is granted."""
    t2, prev, fp = t.rules.tiers.T2, t.ev.previous_certificate, t.fp
    if not t2.enabled:
        t.outcomes.append(t.skip("T2.reduction", "T2 is not offered by this rule-set version", "tiers.T2.enabled"))
    elif "T1" not in t.granted:
        t.outcomes.append(t.skip("T2.reduction", "no T1: a failed gate never yields a label", "tiers.T2.enabled"))
    elif prev is None:
        t.outcomes.append(t.skip("T2.reduction", "no previous certificate in the evidence", "tiers.T2.reduction_factor"))
        t.step("T2", "a previous certificate of this product with its footprint re-computed on snapshot "
                     f"{fp.provenance.snapshot_hash} and method {fp.method}")
    else:
        t2_out = _t2_like_for_like(t, prev) + _t2_cut(t, prev)
        t.outcomes.extend(t2_out)
        rebased, total = prev.previous_footprint_rebaselined, t.total
        if all(o.status == "passed" for o in t2_out):
            t.grant("T2")
            pct = (ONE - DISPLAY.divide(total, rebased)) * 100  # display only
            return Reduction(
                percent=Decimal(one_decimal(pct)),
                base_year=base_year(prev.reference_period.start, prev.reference_period.end),
                base_period=BasePeriod(start=prev.reference_period.start, end=prev.reference_period.end),
                previous_rebaselined_kgco2e=rebased, previous_certified_kgco2e=prev.certified_kgco2e,
                previous_certificate_id=prev.certificate_id, current_kgco2e=total)
        half_width, _ = stated_uncertainty(fp, t.ev, total)
        t.next_steps.extend(t2_steps(t2_out, t2.reduction_factor, rebased, total, half_width, fp.reference_period.start))
    return None


def _t2_like_for_like(t: Tally, prev: PreviousCertificate) -> list[RuleOutcome]:
    """The previous footprint is comparable: same snapshot and method, an earlier and recent period."""
    fp, t2 = t.fp, t.rules.tiers.T2
    same_snapshot = prev.rebaseline_snapshot_hash == fp.provenance.snapshot_hash
    same_method = prev.rebaseline_method == fp.method
    earliest = add_months(t.on, -t2.max_period_age_months)
    current_start = fp.reference_period.start
    return [
        yes_no("T2.rebaseline_same_snapshot", same_snapshot,
               ("previous footprint re-baselined on the current snapshot" if same_snapshot else
                f"refused: previous footprint re-baselined on snapshot {prev.rebaseline_snapshot_hash}, "
                f"current result on {fp.provenance.snapshot_hash}; re-compute it on the current snapshot"),
               ["labels.md P2 T2: like-for-like comparison (re-baselining); Carbon Trust §4.1 [V]"],
               value=prev.rebaseline_snapshot_hash, threshold=fp.provenance.snapshot_hash),
        yes_no("T2.rebaseline_same_method", same_method,
               f"re-baselined with {prev.rebaseline_method}, current result with {fp.method}"
               + ("" if same_method else "; refused"),
               ["labels.md P2 T2: like-for-like comparison (re-baselining)"],
               value=prev.rebaseline_method, threshold=fp.method),
        yes_no("T2.previous_period_recent", prev.reference_period.end >= earliest,
               f"previous reference period ends {prev.reference_period.end}; must end on or after {earliest}",
               t.cite("tiers.T2.max_period_age_months"),
               value=prev.reference_period.end.isoformat(), threshold=f">= {earliest.isoformat()}"),
        yes_no("T2.previous_period_earlier", prev.reference_period.end < current_start,
               f"previous reference period {prev.reference_period.start}..{prev.reference_period.end}, current "
               f"{current_start}..{fp.reference_period.end}: the previous period must end before the current "
               "one starts (not the same, overlapping or a later period)",
               ["labels.md P2 T2: a reduction against the previous certified PCF of the same product"],
               value=prev.reference_period.end.isoformat(), threshold=f"< {current_start.isoformat()}"),
    ]


def _t2_cut(t: Tally, prev: PreviousCertificate) -> list[RuleOutcome]:
    """The cut itself: primary data, larger than the stated uncertainty, below the reduction factor."""
    t2, total = t.rules.tiers.T2, t.total
    out = [at_least("T2.primary_data_share", t.primary_share, t2.min_primary_data_share, ONE, "total PCF",
                    "primary data share required for a graded claim", t.cite("tiers.T2.min_primary_data_share"))]
    rebased = prev.previous_footprint_rebaselined
    half_width, basis = stated_uncertainty(t.fp, t.ev, total)
    cut = rebased - total
    if half_width is None:
        out.append(yes_no("T2.exceeds_uncertainty", False,
                          "no stated uncertainty: the footprint has no Monte Carlo result and the evidence no "
                          "declared_uncertainty, so the cut cannot be shown to exceed it",
                          ["labels.md P2 T2: the reduction exceeds the stated PCF uncertainty"], value=plain(cut)))
    else:
        out.append(RuleOutcome(
            rule_id="T2.exceeds_uncertainty", status="passed" if cut > half_width else "failed", value=plain(cut),
            comparison=f"> 95 % half-width {plain(half_width)}", threshold=plain(half_width),
            detail=(f"cut {plain(rebased)} - {plain(total)} = {plain(cut)} kg CO2e must exceed the 95 % half-width "
                    f"of the current footprint's stated uncertainty ({basis})"),
            source=["labels.md P2 T2: the reduction exceeds the stated PCF uncertainty"]))
    comparable = (prev.rebaseline_snapshot_hash == t.fp.provenance.snapshot_hash
                  and prev.rebaseline_method == t.fp.method)
    if comparable:
        out.append(at_most("T2.reduction", total, t2.reduction_factor, rebased,
                           f"re-baselined previous {plain(rebased)}",
                           f"current PCF vs previous certified PCF {prev.certified_kgco2e} re-baselined to {plain(rebased)}",
                           t.cite("tiers.T2.reduction_factor")))
    else:
        out.append(t.skip("T2.reduction", "refused: the re-baselined previous footprint is not on the current "
                          "snapshot and method", "tiers.T2.reduction_factor"))
    return out


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


def t2_steps(t2_out: list[RuleOutcome], factor: Decimal, rebased: Decimal, total: Decimal,
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


# T3 low-carbon grades ------------------------------------------------------------------------------

def tier3(t: Tally, key: str, provider: BenchmarkProvider | None) -> tuple[Benchmark | None, str | None]:
    """The benchmark found and the grade granted (None when T3 is not granted)."""
    t3, total = t.rules.tiers.T3, t.total
    if not t3.enabled:
        t.outcomes.append(t.skip("T3.grade", "T3 is not offered by this rule-set version", "tiers.T3.enabled"))
        return None, None
    if "T1" not in t.granted:
        t.outcomes.append(t.skip("T3.grade", "no T1: a failed gate never yields a label", "tiers.T3.enabled"))
        return None, None
    if total <= 0:  # emissions are positive (the gate), the total is not: uptake, removals or credits net it
        parts = emission_parts(t.fp)
        t.outcomes.append(t.skip("T3.grade", f"total {plain(total)} kg CO2e <= 0: emissions {plain(parts.emissions)} net "
                                 f"of biogenic uptake and removals {plain(parts.biogenic_uptake)} and credits "
                                 f"{plain(parts.credits)} kg; reported, never graded against a benchmark",
                                 "tiers.T3.grades"))
        return None, None
    bench, why = find_benchmark(t.rules, t.prov, key, t.on, provider)
    pds_out = at_least("T3.primary_data_share", t.primary_share, t3.min_primary_data_share, ONE, "total PCF",
                       "primary data share required for a graded claim", t.cite("tiers.T3.min_primary_data_share"))
    t.outcomes.append(pds_out)
    if pds_out.status == "failed":
        t.step("T3", f"primary data share >= {plain(t3.min_primary_data_share)} (now {plain(t.primary_share)})")
    if bench is None:
        t.outcomes.append(t.skip("T3.benchmark", f"{why}: no T3 grade", "benchmarks.policy.min_members"))
        t.step("T3", f"a benchmark for {key} (official, or >= {t.rules.benchmarks.policy.min_members} valid "
                     "registry certificates)")
        return None, None
    t.outcomes.append(RuleOutcome(rule_id="T3.benchmark", status="passed", value=plain(bench.value),
                                  detail=f"{bench.kind} benchmark {key}: {bench.reference}{bench.spread_text()}; "
                                         f"hash {bench.hash}",
                                  source=t.cite("benchmarks.policy.min_members", "benchmarks.policy.trim_from")
                                  if bench.kind == "registry" else t.cite("benchmarks.official")))
    return bench, _grade_against(t, bench, pds_out.status == "passed")


def _grade_against(t: Tally, bench: Benchmark, primary_share_ok: bool) -> str | None:
    """Every grade's test against the benchmark, strictest first; the best passing grade and the
    nearest better grade as the next step."""
    total = t.total
    by_strictness = sorted(t.rules.tiers.T3.grades.items(), key=lambda kv: kv[1])
    passing = []
    for name, factor in by_strictness:
        o = RuleOutcome(
            rule_id=f"T3.grade_{name}", status="passed" if bench.within(total, factor) else "failed",
            value=plain(total), threshold=plain(bench.limit(factor)),
            comparison=f"<= {plain(factor)} x benchmark {plain(bench.value)} = {plain(bench.limit(factor))}",
            detail=(f"grade {name}: PCF <= {plain(factor)} x benchmark, decided exactly as "
                    f"PCF x {bench.divisor} <= {plain(factor)} x {plain(bench.sum_kgco2e)}"),
            source=t.cite("tiers.T3.grades"))
        t.outcomes.append(o)
        if o.status == "passed":
            passing.append(name)
    grade = None
    if primary_share_ok and passing:
        grade = passing[0]
        t.granted["T3"] = validity("T3", t.rules, t.on).model_copy(update={"grade": grade})
    better = [(n, f) for n, f in by_strictness if n not in passing]
    if better:
        name, factor = better[-1]  # the nearest better grade
        limit = bench.limit(factor)
        t.next_steps.append(NextStep(tier="T3", grade=name, requirement=f"PCF <= {plain(factor)} x {plain(bench.value)}",
                                     threshold_kgco2e=limit, reduction_kgco2e=max(total - limit, Decimal(0))))
    return grade


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


# T4 carbon neutral (labels/neutral.py) -------------------------------------------------------------

def tier4(t: Tally) -> LabelText | None:
    """T4's checks; the claim text in three languages when T4 is granted."""
    t4, ev = t.rules.tiers.T4, t.ev
    if not t4.enabled:
        t.outcomes.append(t.skip("T4.carbon_neutral", "T4 is off in this rule-set version", "tiers.T4.enabled"))
        t.step("T4", "not offered by this rule-set version")
        return None
    if "T2" not in t.granted:
        t.outcomes.append(t.skip("T4.carbon_neutral", "T4 requires T2 in the current cycle", "tiers.T4.enabled"))
        t.step("T4", "T2 (reduced carbon) in this certificate cycle")
        return None
    if ev.neutrality is None:
        t.outcomes.append(yes_no("T4.carbon_neutral", False, "evidence field 'neutrality' (claim period, units sold, "
                                 "management plan, retired lots) is needed for T4", t.cite("tiers.T4.enabled")))
        t.step("T4", "a carbon-neutral claim in the evidence ('neutrality')")
        return None
    cite: Callable[..., list[str]] = t.cite
    nctx = NeutralContext(
        claim=ev.neutrality, total=t.total, reference_start=t.fp.reference_period.start,
        reference_end=t.fp.reference_period.end, params=t4, on=t.on, cite_enabled=cite("tiers.T4.enabled"),
        cite_deadline=cite("tiers.T4.retirement_deadline_months"), cite_lead=cite("tiers.T4.retirement_lead_months"),
        cite_renewal=cite("tiers.T4.renewal_absolute_reduction", "tiers.T4.renewal_intensity_reduction"),
        cite_programmes=cite("tiers.T4.accepted_programmes"), instruments=tuple(ev.electricity_instruments))
    t4_out = run_neutral(nctx)
    failed = [o for o in t4_out if o.status == "failed"]
    t.outcomes.extend(t4_out)
    t.outcomes.append(yes_no("T4.carbon_neutral", not failed,
                             "every T4 condition met" if not failed else
                             f"failed: {', '.join(o.rule_id for o in failed)}", cite("tiers.T4.enabled")))
    if failed:
        t.next_steps.extend(NextStep(tier="T4", requirement=f"{o.rule_id}: {o.detail}",
                                     threshold_kgco2e=dec(o.threshold) if o.rule_id == "T4.coverage" and o.threshold else None)
                            for o in failed)
        return None
    t.grant("T4")
    # the dated unit names (data/labels/unit_names.yaml) the label prints; a unit not listed as written
    return LabelText.model_validate(claim_text(nctx, unit_name(t.fp.declared_unit.unit, t.on), programme_names()))
