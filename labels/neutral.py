"""T4 carbon neutral (labels.md P2 T4; ISO 14068-1 as summarised in reference/neutral-finance.md §3): one
function per condition, each returns RuleOutcomes. The footprint value is never changed: offsets are
counted beside `total_kgco2e`, never netted into it (G12; decision.total_kgco2e is the footprint's own).

Units: the footprint is kg CO2e per declared unit; lots and reversals are t CO2e (x 1000 to compare).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_CEILING, Context, Decimal

from labels.dates import add_months
from labels.decision import RuleOutcome
from labels.gate import at_least, yes_no
from labels.inputs import InstrumentEvidence, Neutrality
from labels.ledger import CreditLot
from labels.programmes import ccer_power_conflicts, lot_eligibility
from labels.numbers import DISPLAY, plain, significant
from labels.params import TierFour

KG_PER_T = Decimal(1000)
_HIERARCHY = ["ISO 14068-1: reductions and removals in the value chain come before offsetting "
              "(neutral-finance.md §3, ISO FDIS abstract via standards.globalspec.com)"]
_PLAN = ["ISO 14068-1 carbon neutrality management plan: baseline, targets, timeline "
         "(neutral-finance.md §3, compensate.com 2023-04-20 on the DIS; SGS process)"]
_REVERSAL = ["ISO 14068-1 (DIS): a removal reversed in a following reporting period counts as an emission "
             "(neutral-finance.md §3, compensate.com 2023-04-20)"]
_SERIALS = ["labels.md P2 T4: retired credits with serials disclosed; ISO 14068-1 §11.1 no double counting "
            "(neutral-finance.md §3 per 360impactportfolio.com)"]


@dataclass(frozen=True)
class NeutralContext:
    claim: Neutrality
    total: Decimal  # kg CO2e per declared unit, the footprint's own total (never netted)
    reference_start: date
    reference_end: date
    params: TierFour
    on: date
    cite_enabled: list[str]
    cite_deadline: list[str]
    cite_lead: list[str]
    cite_renewal: list[str]
    cite_programmes: list[str] = ()  # type: ignore[assignment]
    instruments: tuple[InstrumentEvidence, ...] = ()

    def counted_reversals(self) -> Decimal:
        """t CO2e of reversed removals that fall to this period: reversed on or before its end."""
        return sum((r.tco2e for r in self.claim.reversals if r.reversed_on <= self.claim.period.end), Decimal(0))

    def required_kg(self) -> Decimal:
        return self.total * self.claim.units_sold + self.counted_reversals() * KG_PER_T

    def retired_t(self) -> Decimal:
        return sum((lot.quantity_tco2e for lot in self.claim.lots), Decimal(0))


def period_is_footprint_period(ctx: NeutralContext) -> list[RuleOutcome]:
    p = ctx.claim.period
    ok = (p.start, p.end) == (ctx.reference_start, ctx.reference_end)
    return [yes_no("T4.period_is_footprint_period", ok,
                   f"claim period {p.start}..{p.end}, footprint reference period {ctx.reference_start}.."
                   f"{ctx.reference_end}: the units sold in a period are offset with that period's footprint",
                   ["labels.md P2 T4: residual PCF x sold units [P]: the same period for both"],
                   value=f"{p.start}..{p.end}", threshold=f"{ctx.reference_start}..{ctx.reference_end}")]


def period_closed(ctx: NeutralContext) -> list[RuleOutcome]:
    end = ctx.claim.period.end
    return [yes_no("T4.period_closed", end < ctx.on,
                   f"the claim period ends {end}; a claim is made after its period, when units sold are known and "
                   f"no future reductions are used (decision on {ctx.on})",
                   ["ISO 14068-1 §11.1: no contracted future reductions until certified, issued and retired "
                    "(neutral-finance.md §3 per 360impactportfolio.com)"],
                   value=end.isoformat(), threshold=f"< {ctx.on.isoformat()}")]


def management_plan(ctx: NeutralContext) -> list[RuleOutcome]:
    """Presence of the plan and its parts, then its dates."""
    plan = ctx.claim.management_plan
    if plan is None:
        return [yes_no("T4.management_plan", False, "no carbon neutrality management plan in the claim", _PLAN),
                yes_no("T4.management_plan_dates", False, "no plan, so no dates to check", _PLAN)]
    missing = [name for name, present in (("baseline", plan.baseline is not None), ("targets", bool(plan.targets)),
                                          ("timeline_end", plan.timeline_end is not None)) if not present]
    out = [yes_no("T4.management_plan", not missing,
                  f"plan {plan.reference!r} ({plan.evidence_file})" + (f" lacks {', '.join(missing)}" if missing else
                                                                        ": baseline, targets and timeline present"),
                  _PLAN, value=plan.reference)]
    problems = []
    if plan.adopted_on > ctx.on:
        problems.append(f"adopted {plan.adopted_on}, after the decision date {ctx.on}")
    if plan.adopted_on > ctx.claim.period.end:
        problems.append(f"adopted {plan.adopted_on}, after the claim period ends {ctx.claim.period.end}")
    if plan.baseline is not None:
        b_end = plan.baseline.period.end
        if b_end >= ctx.claim.period.start:
            problems.append(f"baseline period ends {b_end}, not before the claim period starts {ctx.claim.period.start}")
        early = [t.by.isoformat() for t in plan.targets if t.by <= b_end]
        if early:
            problems.append(f"target date(s) {', '.join(early)} not after the baseline period ends {b_end}")
    if plan.targets and max(t.by for t in plan.targets) < ctx.claim.period.end:
        problems.append(f"no target dated on or after the claim period end {ctx.claim.period.end}: the plan has no "
                        "target ahead")
    if plan.timeline_end is not None and plan.targets and plan.timeline_end < max(t.by for t in plan.targets):
        problems.append(f"timeline ends {plan.timeline_end}, before its last target {max(t.by for t in plan.targets)}")
    out.append(yes_no("T4.management_plan_dates", not problems and not missing,
                      "; ".join(problems) if problems else
                      ("dates cannot be checked without " + ", ".join(missing) if missing else
                       f"adopted {plan.adopted_on}; baseline before the claim period; a target ahead; timeline to "
                       f"{plan.timeline_end}"), _PLAN, value=plan.adopted_on.isoformat()))
    return out


def reductions_before_offsets(ctx: NeutralContext) -> list[RuleOutcome]:
    plan = ctx.claim.management_plan
    if plan is None or plan.baseline is None:
        return [yes_no("T4.reductions_before_offsets", False, "no plan baseline to measure reductions against",
                       _HIERARCHY)]
    base = plan.baseline.kgco2e
    return [RuleOutcome(rule_id="T4.reductions_before_offsets", status="passed" if ctx.total < base else "failed",
                        value=plain(ctx.total), comparison=f"< baseline {plain(base)}", threshold=plain(base),
                        detail=(f"PCF {plain(ctx.total)} kg CO2e per unit must be below the plan's baseline "
                                f"{plain(base)} ({plan.baseline.period.start}..{plan.baseline.period.end}) before "
                                "offsets count"), source=_HIERARCHY)]


def renewal(ctx: NeutralContext) -> list[RuleOutcome]:
    prev = ctx.claim.previous_claim
    if prev is None:
        why = "a first claim: no previous carbon-neutral claim of this product"
        return [RuleOutcome(rule_id=r, status="not_applicable", detail=why, source=ctx.cite_renewal)
                for r in ("T4.renewal_absolute_reduction", "T4.renewal_intensity_reduction")]
    out = []
    order_ok = prev.period.end < ctx.claim.period.start
    if ctx.params.renewal_intensity_reduction:
        ok = order_ok and ctx.total < prev.kgco2e
        out.append(RuleOutcome(
            rule_id="T4.renewal_intensity_reduction", status="passed" if ok else "failed", value=plain(ctx.total),
            comparison=f"< {plain(prev.kgco2e)}", threshold=plain(prev.kgco2e),
            detail=(f"PCF per unit {plain(ctx.total)} vs {plain(prev.kgco2e)} of claim {prev.certificate_id} "
                    f"({prev.period.start}..{prev.period.end})" + ("" if order_ok else
                                                                 "; that claim's period must end before this one")),
            source=ctx.cite_renewal))
    if ctx.params.renewal_absolute_reduction:
        now, then = ctx.total * ctx.claim.units_sold, prev.kgco2e * prev.units_sold
        ok = order_ok and now < then
        out.append(RuleOutcome(
            rule_id="T4.renewal_absolute_reduction", status="passed" if ok else "failed", value=plain(now),
            comparison=f"< {plain(prev.kgco2e)} x {plain(prev.units_sold)} = {plain(then)}", threshold=plain(then),
            detail=(f"PCF x units sold {plain(ctx.total)} x {plain(ctx.claim.units_sold)} = {plain(now)} kg vs the "
                    f"previous claim's {plain(then)} kg"), source=ctx.cite_renewal))
    return out


def retirement_window(ctx: NeutralContext) -> list[RuleOutcome]:
    p = ctx.claim.period
    earliest = add_months(p.start, -ctx.params.retirement_lead_months)  # type: ignore[operator]
    latest = min(add_months(p.end, ctx.params.retirement_deadline_months), ctx.on)  # type: ignore[arg-type]
    if not ctx.claim.lots:
        return [yes_no("T4.retirement_window", False, "no retired lots in the claim", ctx.cite_deadline)]
    outside = [f"{lot.ref()} retired {lot.retired_on}" for lot in ctx.claim.lots
               if not earliest <= lot.retired_on <= latest]
    return [yes_no("T4.retirement_window", not outside,
                   (f"refused: {'; '.join(outside)}; " if outside else "every lot ")
                   + f"must be retired {earliest}..{latest} (from {ctx.params.retirement_lead_months} months before the "
                   f"period starts to {ctx.params.retirement_deadline_months} months after it ends, and not after the "
                   "decision date)", ctx.cite_deadline + ctx.cite_lead,
                   value=", ".join(lot.retired_on.isoformat() for lot in ctx.claim.lots),
                   threshold=f"{earliest.isoformat()}..{latest.isoformat()}")]


def lots_distinct(ctx: NeutralContext) -> list[RuleOutcome]:
    """No two lots of the claim share a serial or a retirement record (the same credit counted twice)."""
    clashes = [f"{a.ref()} and {b.ref()}" for i, a in enumerate(ctx.claim.lots) for b in ctx.claim.lots[i + 1:]
               if lots_overlap(a, b)]
    return [yes_no("T4.lots_distinct", not clashes,
                   f"refused: overlapping lots {'; '.join(clashes)}" if clashes else
                   f"{len(ctx.claim.lots)} lot(s), no shared serial or retirement record", _SERIALS)]


def lots_overlap(a: CreditLot, b: CreditLot) -> bool:
    if a.retirement_record_id and a.retirement_record_id == b.retirement_record_id and a.programme == b.programme:
        return True
    sa, sb = a.serials, b.serials
    return sa is not None and sb is not None and sa.overlaps(sb)


def coverage(ctx: NeutralContext) -> list[RuleOutcome]:
    reversed_t = ctx.counted_reversals()
    ref = (f"PCF x sold units {plain(ctx.total)} x {plain(ctx.claim.units_sold)}"
           + (f" + reversed removals {plain(reversed_t)} t x 1000" if reversed_t else "") + " kg")
    return [at_least("T4.coverage", ctx.retired_t() * KG_PER_T, Decimal(1), ctx.required_kg(), ref,
                     "retired credits (t x 1000 = kg CO2e) must cover the residual PCF x units sold plus removals "
                     "reversed since the last claim", ctx.cite_enabled + _REVERSAL)]


def credit_eligibility(ctx: NeutralContext) -> list[RuleOutcome]:
    """Programme accepted, methodology and verifier on the programme's lists (where the data has them),
    permanence declared for forestry and mangrove removals (data/ledger/programmes.yaml)."""
    findings = [f for lot in ctx.claim.lots for f in lot_eligibility(lot, ctx.params.accepted_programmes or [])]
    refused = [f"{f.lot}: {f.detail}" for f in findings if f.refused]
    unproven = [f"{f.lot}: {f.detail}" for f in findings if not f.refused]
    detail = ("refused: " + "; ".join(refused) if refused else "every lot's programme accepted")
    if unproven:
        detail += "; unproven (no list in the data, see its gaps): " + "; ".join(unproven)
    return [yes_no("T4.credit_eligibility", not refused, detail,
                   list(ctx.cite_programmes) + ["data/ledger/programmes.yaml (sources per programme)"])]


def no_double_certification(ctx: NeutralContext) -> list[RuleOutcome]:
    """A green certificate of this footprint for power that also earned CCER (here, or named as a CCER project)."""
    gecs = [(i.serial, i.project_id, i.vintage, i.ccer_project_id) for i in ctx.instruments if i.type == "GEC"]
    found = ccer_power_conflicts(gecs, ctx.claim.lots)
    return [yes_no("T4.no_double_certification", not found,
                   "refused: " + "; ".join(found) if found else f"{len(gecs)} green certificate(s), none for power that "
                   "also earned CCER", ["国能综通新能〔2024〕124号: power of a CCER project may not also trade green "
                                        "certificates (neutral-finance.md §2.3)"])]


NEUTRAL_RULES = (period_is_footprint_period, period_closed, management_plan, reductions_before_offsets, renewal,
                 retirement_window, lots_distinct, credit_eligibility, no_double_certification, coverage)


def run_neutral(ctx: NeutralContext) -> list[RuleOutcome]:
    out: list[RuleOutcome] = []
    for rule in NEUTRAL_RULES:
        out.extend(rule(ctx))
    return out


# --- the claim text ---------------------------------------------------------------------------------------------

_CLAIM = {
    "zh-Hans": ("碳中和（{std}）：{start}至{end}售出的 {units} {unit}产品的剩余碳足迹 {need} t CO₂e（每{unit} {pcf} kg CO₂e"
                " × {units}{rev}）已通过注销 {retired} t CO₂e 碳信用抵销：{lots}。碳足迹数值为抵销前数值，抵销量未从中扣减。"),
    "zh-Hant": ("碳中和（{std}）：{start}至{end}售出的 {units} {unit}產品的剩餘碳足跡 {need} t CO₂e（每{unit} {pcf} kg CO₂e"
                " × {units}{rev}）已通過註銷 {retired} t CO₂e 碳信用抵銷：{lots}。碳足跡數值為抵銷前數值，抵銷量未從中扣減。"),
    "en": ("Carbon neutral ({std}): the residual footprint of the {units} {unit} sold {start} to {end}, {need} t CO₂e "
           "({pcf} kg CO₂e per {unit} x {units}{rev}), was offset by retiring {retired} t CO₂e of credits: {lots}. "
           "The footprint value is shown before offsetting; offsets are not deducted from it."),
}
_REV = {"zh-Hans": " + 已逆转的移除量 {t} t", "zh-Hant": " + 已逆轉的移除量 {t} t", "en": " + reversed removals {t} t"}
_SEP = {"zh-Hans": "；", "zh-Hant": "；", "en": "; "}


def residual_text(ctx: NeutralContext) -> str:
    """The residual to offset (t CO2e) as the claim prints it.

    Without `claim_precision_t` (2025.1-t4): exactly, as those certificates were signed. With it (0.001 t from
    2025.1-t4.1): rounded UP to that step, never down, because the sentence says the residual was covered; 1 kg
    is far finer than a footprint's own uncertainty (several per cent), yet no printed figure is more than 1 kg
    above the exact one. The coverage check itself compares exact numbers (`coverage`); this is display only.
    When rounding up would print more than the retired total (which is given by registries and printed as given,
    and which the exact check found >= the residual), the residual is rounded up on the retired total's own last
    decimal instead: on that grid the next step up from the residual is still <= the retired total, so the
    printed comparison stays true and the printed residual is still never below the exact one."""
    shown = _residual_shown(ctx)
    if shown is None:
        return plain(ctx.required_kg() / KG_PER_T)
    return plain(shown[0].normalize(context=DISPLAY))  # no trailing zeros: 5.000 -> 5, 4.810 -> 4.81


def _residual_shown(ctx: NeutralContext) -> tuple[Decimal, Decimal] | None:
    """The printed residual (t) and the step it was rounded up on, or None for the exact form (2025.1-t4)."""
    need_t = ctx.required_kg().scaleb(-3)  # kg -> t: an exponent shift, exact
    step = ctx.params.claim_precision_t
    if step is None:
        return None
    shown = need_t.quantize(step, rounding=ROUND_CEILING, context=DISPLAY)
    retired = ctx.retired_t()
    if need_t <= retired < shown:
        step = Decimal(1).scaleb(min(retired.as_tuple().exponent, step.adjusted()))  # type: ignore[arg-type]
        shown = need_t.quantize(step, rounding=ROUND_CEILING, context=DISPLAY)
    return shown, step


def pcf_text(ctx: NeutralContext) -> str:
    """The footprint per unit (kg) in the claim's "(pcf x units)".

    The exact form (2025.1-t4) prints 3 significant figures. With a claim precision (2025.1-t4.1) a reader
    must be able to multiply it out to the printed residual: 4.81 kg x 1000 = 4.810 t beside a residual of
    4.814 t reads as an error. So the per-unit figure is rounded UP, as the residual is, on the residual's own
    step shared over the units (coarsened to a power of ten, never coarser than 3 significant figures): with
    1,000 units and 0.001 t, 0.001 kg, and 4.8137197... kg prints 4.814 (x 1000 = 4.814 t, the residual)."""
    shown = _residual_shown(ctx)
    units = ctx.claim.units_sold
    if shown is None or ctx.total <= 0 or units <= 0:
        return significant(ctx.total, 3)
    # the exponent of the step each unit carries (a quotient such as 1 kg / 1200 is inexact: only its
    # leading digit's place is wanted, which 34 digits settle)
    per_unit = Context(prec=34).divide(shown[1] * KG_PER_T, units).adjusted()
    exponent = min(per_unit, ctx.total.adjusted() - 2)
    return plain(ctx.total.quantize(Decimal(1).scaleb(exponent), rounding=ROUND_CEILING,
                                    context=DISPLAY).normalize(context=DISPLAY))


def claim_text(ctx: NeutralContext, unit_names: dict[str, str], programme_names: dict[str, dict[str, str]]) -> dict[str, str]:
    """What was offset and how, in the three languages: period, units, the residual, each lot with its serials."""
    by_lot = defaultdict(list)
    for lot in ctx.claim.lots:
        by_lot[lot.programme].append(lot)
    rev = ctx.counted_reversals()
    out = {}
    for lang, template in _CLAIM.items():
        lots = _SEP[lang].join(
            f"{programme_names.get(prog, {}).get(lang, prog)} {plain(lot.quantity_tco2e)} t "
            f"({lot.project_id}, {lot.vintage}, {lot.serial_range or lot.retirement_record_id}, {lot.retired_on})"
            for prog, lots_ in by_lot.items() for lot in lots_)
        out[lang] = template.format(
            std=ctx.params.claim_standard, start=ctx.claim.period.start.isoformat(), end=ctx.claim.period.end.isoformat(),
            units=plain(ctx.claim.units_sold), unit=unit_names[lang], pcf=pcf_text(ctx),
            need=residual_text(ctx), rev=_REV[lang].format(t=plain(rev)) if rev else "",
            retired=plain(ctx.retired_t()), lots=lots)
    return out
