"""The common eligibility gate (labels.md P1): one function per rule, each returns a RuleOutcome.

Every check compares Decimals built from decimal text, inclusive, unrounded, in the form
`value <= factor x reference` (limits) or `value >= factor x reference` (minimum shares).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Protocol
from collections.abc import Callable, Iterable

from footprint.result import FootprintResult, LineContribution
from labels.dates import add_months, period_end_after
from labels.decision import RuleOutcome
from labels.inputs import Evidence
from labels.numbers import DISPLAY, dec, plain, rounded
from labels.params import Gate
from labels.ruledata import Provenance

ONE = Decimal(1)


def dataset_key(factor: Any) -> str:
    """A factor's dataset: its `dataset` (the series it is an edition of) if given, else its `source`."""
    return getattr(factor, "dataset", None) or factor.source


class DatasetEditions(Protocol):
    """Tells the latest edition (year) of a factor dataset (`dataset_key`) published on or before a date."""

    def latest_year(self, dataset: str, on: date) -> int | None: ...


class FootprintOwnEditions:
    """Fallback when the caller has no dataset catalogue: the latest year of each source within the footprint."""

    def __init__(self, footprint: FootprintResult):
        self._latest: dict[str, int] = {}
        for f in footprint.factors:
            key = dataset_key(f)
            self._latest[key] = max(self._latest.get(key, f.year), f.year)

    def latest_year(self, dataset: str, on: date) -> int | None:
        return self._latest.get(dataset)


class CatalogueEditions:
    """Latest edition per dataset from a factor catalogue, e.g. a snapshot's `activities` (ActivityMeta:
    `.source`, `.year`, `.published`): the highest year of each source published on or before the date."""

    def __init__(self, activities: Iterable[Any]):
        self._rows = [(dataset_key(a), int(a.year), getattr(a, "published", None)) for a in activities]

    def latest_year(self, dataset: str, on: date) -> int | None:
        years = [year for key, year, published in self._rows if key == dataset and (published is None or published <= on)]
        return max(years) if years else None


@dataclass
class GateContext:
    footprint: FootprintResult
    evidence: Evidence
    gate: Gate
    provenance: dict[str, Provenance]
    on: date
    editions: DatasetEditions

    def cite(self, *paths: str) -> list[str]:
        return [self.provenance[p].cite() for p in paths]


def at_most(rule_id: str, value: Decimal, factor: Decimal, reference: Decimal, ref_label: str,
            detail: str, source: list[str]) -> RuleOutcome:
    limit = factor * reference  # exact inside numbers.exact(): a rounded product would raise
    ok = value <= limit
    return RuleOutcome(
        rule_id=rule_id, status="passed" if ok else "failed", value=plain(value),
        comparison=f"<= {plain(factor)} x {ref_label} = {plain(limit)}", threshold=plain(limit),
        detail=detail, source=source,
    )


def below(rule_id: str, value: Decimal, factor: Decimal, reference: Decimal, ref_label: str,
          detail: str, source: list[str]) -> RuleOutcome:
    """Strictly below the limit (a rule written "< x", e.g. G4's single exclusion "< 1 %")."""
    limit = factor * reference
    return RuleOutcome(
        rule_id=rule_id, status="passed" if value < limit else "failed", value=plain(value),
        comparison=f"< {plain(factor)} x {ref_label} = {plain(limit)}", threshold=plain(limit),
        detail=detail, source=source,
    )


def at_least(rule_id: str, value: Decimal, factor: Decimal, reference: Decimal, ref_label: str,
             detail: str, source: list[str]) -> RuleOutcome:
    limit = factor * reference
    ok = value >= limit
    return RuleOutcome(
        rule_id=rule_id, status="passed" if ok else "failed", value=plain(value),
        comparison=f">= {plain(factor)} x {ref_label} = {plain(limit)}", threshold=plain(limit),
        detail=detail, source=source,
    )


def yes_no(rule_id: str, ok: bool, detail: str, source: list[str], value: str | None = None,
           threshold: str | None = None) -> RuleOutcome:
    return RuleOutcome(rule_id=rule_id, status="passed" if ok else "failed", value=value,
                       threshold=threshold, detail=detail, source=source)


def leaf_lines(lines: Iterable[LineContribution]) -> list[LineContribution]:
    """The inputs of the footprint: lines without children (a parent's share already includes them)."""
    out: list[LineContribution] = []
    for line in lines:
        if line.children:
            out.extend(leaf_lines(line.children))
        else:
            out.append(line)
    return out


# --- G0 completeness -------------------------------------------------------------------------

def completeness(ctx: GateContext) -> list[RuleOutcome]:
    fp = ctx.footprint
    ok = fp.complete and not fp.unlinked_lines
    detail = "every BOM line is linked" if ok else f"footprint incomplete; unlinked lines: {fp.unlinked_lines or '(complete=false)'}"
    return [yes_no("G0.complete", ok, detail, ["footprint must be complete before any check (labels.md P1)"])]


def credit_lines_kgco2e(lines: Iterable[LineContribution]) -> Decimal:
    """kg CO2e of the lines marked `credit` (each counted once with what arises through it; <= 0 by the BOM's rule)."""
    total = Decimal(0)
    for line in lines:
        if line.credit:
            total += dec(line.kgco2e)
        else:
            total += credit_lines_kgco2e(line.children)
    return total


@dataclass(frozen=True)
class EmissionParts:
    """The footprint split as issue 9 asks: emissions (without uptake, removals and credits) and what is netted."""

    total: Decimal
    biogenic_uptake: Decimal  # <= 0: biogenic uptake plus the removals suppliers declared
    credits: Decimal  # <= 0: the credits netted into the total (none under the cut-off default)

    @property
    def emissions(self) -> Decimal:
        return self.total - self.biogenic_uptake - self.credits


def emission_parts(fp: FootprintResult) -> EmissionParts:
    if fp.credits is not None:  # results since issue 11 say what is netted; cut-off nets nothing
        netted = dec(fp.credits.total_kgco2e) if fp.credits.in_total else Decimal(0)
    else:  # older results netted the lines marked credit
        netted = credit_lines_kgco2e(fp.lines)
    return EmissionParts(total=dec(fp.total_kgco2e),
                         biogenic_uptake=dec(fp.biogenic_uptake_kgco2e) + dec(fp.removals_kgco2e),
                         credits=netted)


_PLAUSIBILITY = ["issue 9: no label for an impossible footprint; GB/T 24067 and ISO 14067 quantify emissions, "
                 "uptake and credits are reported beside them (labels.md §3.3 [V])"]


def emissions(ctx: GateContext) -> list[RuleOutcome]:
    """Refuse a footprint whose emissions (without uptake, removals and credits) are <= 0, or whose netted credits exceed them."""
    parts = emission_parts(ctx.footprint)
    e = parts.emissions
    split = (f"total {plain(parts.total)} = emissions {plain(e)} + biogenic uptake and removals "
             f"{plain(parts.biogenic_uptake)} + credit lines {plain(parts.credits)} kg CO2e")
    out = [RuleOutcome(
        rule_id="G0.emissions_positive", status="passed" if e > 0 else "failed", value=plain(e), comparison="> 0",
        threshold="0",
        detail=(split if e > 0 else f"refused: emissions excluding uptake, removals and credits are {plain(e)} <= 0 "
                f"kg CO2e, which no real product has ({split})"),
        source=_PLAUSIBILITY)]
    if parts.credits == 0:
        out.append(RuleOutcome(rule_id="G0.credits_within_emissions", status="not_applicable",
                               detail="no credit line is netted in the footprint", source=_PLAUSIBILITY))
    else:
        ok = -parts.credits <= e
        out.append(RuleOutcome(
            rule_id="G0.credits_within_emissions", status="passed" if ok else "failed", value=plain(-parts.credits),
            comparison=f"<= emissions {plain(e)}", threshold=plain(e),
            detail=(f"credits netted in the footprint {plain(-parts.credits)} kg CO2e "
                    + ("do not exceed" if ok else "exceed (refused)") + f" the emissions {plain(e)} kg CO2e"),
            source=_PLAUSIBILITY))
    return out


# --- G1 method and product rule --------------------------------------------------------------

def standards_named(standard: str) -> list[str]:
    """The standards a result or certificate names: "ISO 14067:2018 / GB/T 24067-2024" (the engine's text) names
    two; one accepted suffices (G1 and the recognition conditions read it the same way)."""
    return [part.strip() for part in re.split(r"\s+/\s+|;", standard) if part.strip()]


def method(ctx: GateContext) -> list[RuleOutcome]:
    fp, ev, g = ctx.footprint, ctx.evidence, ctx.gate.method
    named = standards_named(fp.standard)
    out = [yes_no("G1.standard", any(n in g.standards for n in named),
                  f"footprint standard(s) {named}; accepted: {g.standards}",
                  ctx.cite("gate.method.standards"), value=fp.standard, threshold=", ".join(g.standards))]
    out.append(yes_no("G1.product_rule_kind", ev.product_rule.kind in g.product_rule_kinds,
                      f"evidence product_rule.kind {ev.product_rule.kind!r}; accepted: {g.product_rule_kinds}",
                      ctx.cite("gate.method.product_rule_kinds"), value=ev.product_rule.kind))
    if fp.product_rule is None:
        out.append(yes_no("G1.product_rule_match", False,
                          f"footprint names no product_rule; evidence names {ev.product_rule.id!r}",
                          ctx.cite("gate.method.product_rule_kinds")))
    else:
        out.append(yes_no("G1.product_rule_match", fp.product_rule == ev.product_rule.id,
                          f"footprint product_rule {fp.product_rule!r}, evidence product_rule.id {ev.product_rule.id!r}",
                          ctx.cite("gate.method.product_rule_kinds"), value=fp.product_rule))
    if fp.national_catalogue:
        ok = ev.product_rule.kind == g.catalogue_rule_kind
        out.append(yes_no("G1.national_rule_first", ok,
                          f"product is in the national catalogue: its rule must be of kind {g.catalogue_rule_kind!r}, "
                          f"evidence has {ev.product_rule.kind!r}",
                          ctx.cite("gate.method.catalogue_rule_kind"), value=ev.product_rule.kind))
    else:
        out.append(RuleOutcome(rule_id="G1.national_rule_first", status="not_applicable",
                               detail="product not in the national catalogue",
                               source=ctx.cite("gate.method.catalogue_rule_kind")))
    return out


# --- G2 boundary -----------------------------------------------------------------------------

def boundary(ctx: GateContext) -> list[RuleOutcome]:
    allowed = ctx.gate.boundary.allowed_by_use.get(ctx.evidence.label_use, [])
    return [yes_no("G2.boundary", ctx.footprint.boundary in allowed,
                   f"label use {ctx.evidence.label_use!r} needs one of {allowed}; footprint is {ctx.footprint.boundary!r}",
                   ctx.cite("gate.boundary.allowed_by_use"), value=ctx.footprint.boundary, threshold=", ".join(allowed))]


# --- G4 cut-off ------------------------------------------------------------------------------

def cutoff(ctx: GateContext) -> list[RuleOutcome]:
    fp, g = ctx.footprint, ctx.gate.cutoff
    if fp.exclusions:
        largest = max(fp.exclusions, key=lambda e: e.estimated_share)
        single, which = dec(largest.estimated_share), f"largest exclusion {largest.name!r}"
    else:
        single, which = Decimal(0), "no exclusions"
    listed_sum = sum((dec(e.estimated_share) for e in fp.exclusions), Decimal(0))
    total = max(dec(fp.exclusions_total_share), listed_sum)  # never trust a total below its own parts
    return [
        below("G4.cutoff_single", single, g.single_max, ONE, "total PCF", which + " (strictly below the limit)",
              ctx.cite("gate.cutoff.single_max")),
        at_most("G4.cutoff_total", total, g.total_max, ONE, "total PCF",
                f"exclusions_total_share {plain(dec(fp.exclusions_total_share))}, listed sum {plain(listed_sum)}",
                ctx.cite("gate.cutoff.total_max")),
    ]


# --- G5 primary data for the applicant's own processes ------------------------------------------

def _find_line(lines: Iterable[LineContribution], line_id: str) -> LineContribution | None:
    for line in lines:
        if line.line_id == line_id:
            return line
        found = _find_line(line.children, line_id)
        if found is not None:
            return found
    return None


def own_processes(ctx: GateContext) -> list[RuleOutcome]:
    """Every input of a process the applicant owns or controls is primary activity data (labels.md P1 G5)."""
    fp, stages = ctx.footprint, ctx.gate.primary_data.own_process_stages
    src = ctx.cite("gate.primary_data.own_process_stages")
    own = {ln.line_id: ln for ln in leaf_lines(fp.lines) if ln.stage in stages}
    unknown = []
    for line_id in ctx.evidence.own_processes:
        line = _find_line(fp.lines, line_id)
        if line is None:
            unknown.append(line_id)
        else:
            own.update({ln.line_id: ln for ln in leaf_lines([line])})
    if unknown:
        return [yes_no("G5.own_processes_primary", False,
                       f"evidence field 'own_processes' names line(s) not in the footprint: {unknown}", src,
                       value=", ".join(unknown))]
    if not own:
        return [RuleOutcome(rule_id="G5.own_processes_primary", status="not_applicable",
                            detail=f"no line of the applicant's own processes (stages {stages}, evidence own_processes)",
                            source=src)]
    secondary = sorted(line_id for line_id, ln in own.items() if ln.data_type != "primary")
    return [yes_no("G5.own_processes_primary", not secondary,
                   (f"own-process inputs with secondary data: {secondary}; the applicant's own processes need "
                    "100 % primary activity data (metered energy, process records)") if secondary
                   else f"all {len(own)} own-process inputs are primary data: {sorted(own)}",
                   src, value=", ".join(secondary) or None, threshold="100 % primary")]


# --- G6 primary data share -------------------------------------------------------------------

def primary_data(ctx: GateContext) -> list[RuleOutcome]:
    pds = dec(ctx.footprint.primary_data_share)
    return [at_least("G6.primary_data_share", pds, ctx.gate.primary_data.min_share, ONE, "total PCF",
                     "primary data share of the PCF (by emissions), T1 minimum", ctx.cite("gate.primary_data.min_share"))]


# --- G7 data quality -------------------------------------------------------------------------

_INDICATORS = ("technological", "temporal", "geographical")


def data_quality(ctx: GateContext) -> list[RuleOutcome]:
    g = ctx.gate.dqr
    leaves = leaf_lines(ctx.footprint.lines)

    def rating(line: LineContribution, indicator: str) -> Decimal:
        if line.dqr is None:
            return g.missing_rating_counts_as
        return dec(getattr(line.dqr, indicator))

    rated = [ln for ln in leaves if abs(dec(ln.share)) >= g.min_line_share]
    out: list[RuleOutcome] = []
    if not rated:
        out.append(RuleOutcome(rule_id="G7.dqr_mean", status="not_applicable",
                               detail=f"no input reaches {plain(g.min_line_share)} of the PCF",
                               source=ctx.cite("gate.dqr.min_line_share")))
    else:
        weight = sum((abs(dec(ln.share)) for ln in rated), Decimal(0))
        weighted = {ind: sum((abs(dec(ln.share)) * rating(ln, ind) for ln in rated), Decimal(0)) for ind in _INDICATORS}
        means = {ind: rounded(DISPLAY.divide(weighted[ind], weight), 2) for ind in _INDICATORS}  # display only
        worst = max(_INDICATORS, key=lambda i: weighted[i])  # same denominator: compare numerators exactly
        unrated = [ln.line_id for ln in rated if ln.dqr is None]
        detail = ("emission-weighted mean over inputs >= " + plain(g.min_line_share) + " of the PCF, worst indicator "
                  + worst + "; means " + ", ".join(f"{i} {plain(means[i])}" for i in _INDICATORS))
        if unrated:
            detail += f"; unrated inputs counted as {plain(g.missing_rating_counts_as)}: {unrated}"
        # mean <= limit decided exactly as sum(w x rating) <= limit x sum(w)
        ok = weighted[worst] <= g.weighted_mean_max * weight
        out.append(RuleOutcome(
            rule_id="G7.dqr_mean", status="passed" if ok else "failed", value=plain(means[worst]),
            comparison=f"<= {plain(g.weighted_mean_max)} (as {plain(weighted[worst])} <= {plain(g.weighted_mean_max)} x "
                       f"{plain(weight)})",
            threshold=plain(g.weighted_mean_max), detail=detail,
            source=ctx.cite("gate.dqr.weighted_mean_max", "gate.dqr.min_line_share")))
    poor = [
        ln for ln in leaves
        if any(rating(ln, ind) >= g.poor_rating for ind in g.poor_indicators)
    ]
    if poor:
        biggest = max(poor, key=lambda ln: abs(dec(ln.share)))
        value, detail = abs(dec(biggest.share)), f"largest input rated {plain(g.poor_rating)} on {g.poor_indicators}: {biggest.line_id!r}"
    else:
        value, detail = Decimal(0), f"no input rated {plain(g.poor_rating)} on {g.poor_indicators}"
    out.append(at_most("G7.dqr_poor_inputs", value, g.poor_input_share_max, ONE, "total PCF", detail,
                       ctx.cite("gate.dqr.poor_input_share_max", "gate.dqr.poor_rating", "gate.dqr.poor_indicators")))
    return out


# --- G8 data age -----------------------------------------------------------------------------

def data_age(ctx: GateContext) -> list[RuleOutcome]:
    fp, ev, g, on = ctx.footprint, ctx.evidence, ctx.gate.data_age, ctx.on
    period = fp.reference_period
    out: list[RuleOutcome] = []
    same = ev.reference_period.start == period.start and ev.reference_period.end == period.end
    out.append(yes_no("G8.reference_period_consistent", same,
                      f"footprint reference period {period.start}..{period.end}, evidence "
                      f"{ev.reference_period.start}..{ev.reference_period.end}",
                      ["evidence and footprint must describe the same activity data"],
                      value=f"{ev.reference_period.start}..{ev.reference_period.end}"))
    expected_end = period_end_after(period.start, g.activity_months)
    out.append(yes_no("G8.activity_period_length", period.end == expected_end,
                      f"activity data must cover {g.activity_months} consecutive months: "
                      f"from {period.start} that ends {expected_end}; footprint ends {period.end}",
                      ctx.cite("gate.data_age.activity_months"),
                      value=f"{period.start}..{period.end}", threshold=f"{period.start}..{expected_end}"))
    earliest_end = add_months(on, -g.activity_end_max_months_before)
    out.append(yes_no("G8.activity_data_recent", earliest_end <= period.end <= on,
                      f"reference period ends {period.end}; must end on or after {earliest_end} "
                      f"({g.activity_end_max_months_before} months before {on}) and not after {on}",
                      ctx.cite("gate.data_age.activity_end_max_months_before"),
                      value=period.end.isoformat(), threshold=f">= {earliest_end.isoformat()}"))
    # the grid factor must be the snapshot's default regional electricity activity
    el = fp.electricity
    if el.grid_activity_id is None and el.residual_activity_id is None:
        out.append(RuleOutcome(rule_id="G8.grid_factor", status="not_applicable",
                               detail="the footprint uses no grid electricity", source=ctx.cite("gate.data_age.grid_defaults")))
    else:
        grid_default, grid_path, area_problem = _grid_default(ctx)
        checks = [("grid", el.grid_activity_id, grid_default, grid_path)]
        if el.method == "market" and el.residual_activity_id is not None:
            checks.append(("residual mix", el.residual_activity_id, g.residual_defaults.get(el.site_region),
                           "gate.data_age.residual_defaults"))
        problems = [area_problem] if area_problem else []
        seen = []
        for what, used, default, _ in checks:
            if what == "grid" and area_problem:
                continue
            seen.append(f"{what} {used!r} (default {default!r})")
            if default is None:
                problems.append(f"no default {what} activity for site region {el.site_region!r}")
            elif used != default:
                problems.append(f"{what} activity {used!r} is not the default {default!r} for {el.site_region}")
        area = ctx.evidence.electricity_supply_area
        where = f"site region {el.site_region}" + (f", supply area {area}" if area and not area_problem else "")
        out.append(yes_no("G8.grid_factor", not problems,
                          "; ".join(problems) if problems else f"{where}: " + ", ".join(seen),
                          ctx.cite(*dict.fromkeys(path for *_, path in checks)), value=el.grid_activity_id,
                          threshold=grid_default))
    rejected = set(g.rejected_factor_categories)
    hits = sorted(f"{f.id} ({f.category})" for f in fp.factors if f.category in rejected)
    out.append(yes_no("G8.no_rejected_factor", not hits,
                      f"factors of a rejected category used: {hits}" if hits else "no factor of a rejected category used",
                      ctx.cite("gate.data_age.rejected_factor_categories"), value=", ".join(hits) or None))
    # secondary factor age (only where the rule set sets a limit) and edition
    if g.factor_max_age_years is None:
        out.append(RuleOutcome(rule_id="G8.factor_age", status="not_applicable",
                               detail="this rule set sets no age limit: a secondary factor is current when it comes "
                                      "from the latest edition of its dataset (G8.factor_latest_edition)",
                               source=ctx.cite("gate.data_age.factor_max_age_years")))
    else:
        earliest_published = add_months(on, -12 * g.factor_max_age_years)
        stale = []
        for f in fp.factors:
            published = f.published or date(f.year, 1, 1)  # no publication date: the start of its data year
            if published < earliest_published:
                stale.append(f"{f.id} ({published})")
            elif published > on:
                stale.append(f"{f.id} ({published}, after the decision date)")
        out.append(yes_no("G8.factor_age", not stale,
                          (f"factors published before {earliest_published} or after {on}: {stale}" if stale
                           else f"all {len(fp.factors)} factors published on or after {earliest_published}"),
                          ctx.cite("gate.data_age.factor_max_age_years"),
                          value=", ".join(stale) or None, threshold=f">= {earliest_published.isoformat()}"))
    outdated, unknown = [], []
    for f in fp.factors:
        latest = ctx.editions.latest_year(dataset_key(f), on)
        if latest is None:
            unknown.append(f"{f.id} ({dataset_key(f)})")
        elif f.year < latest:
            outdated.append(f"{f.id} ({dataset_key(f)} {f.year}; latest {latest})")
    problems = outdated + [f"{u}: edition unknown" for u in unknown]
    out.append(yes_no("G8.factor_latest_edition", not problems,
                      f"factors not from the latest edition of their dataset: {problems}" if problems
                      else "every factor comes from the latest edition of its dataset",
                      ["issue 'Label rules' / labels.md P1 G8 [P]: a secondary factor is current when it comes "
                       "from the latest edition of its dataset"], value="; ".join(problems) or None))
    return out


def _grid_default(ctx: GateContext) -> tuple[str | None, str, str | None]:
    """(the region's default grid activity, the parameter it comes from, a problem naming what the evidence lacks).

    A region with one grid maps to one activity; a region with several (Hong Kong: CLP, HK Electric) maps
    the supply area the evidence names (`electricity_supply_area`) to its activity."""
    g, region = ctx.gate.data_age, ctx.footprint.electricity.site_region
    by_area = g.grid_defaults_by_supply_area.get(region)
    if by_area is None:
        return g.grid_defaults.get(region), "gate.data_age.grid_defaults", None
    path = "gate.data_age.grid_defaults_by_supply_area"
    area = ctx.evidence.electricity_supply_area
    if area is None:
        return None, path, (f"site region {region} has one grid per supply area {by_area}: the evidence field "
                            "'electricity_supply_area' must say which supplies the site")
    if area not in by_area:
        return None, path, (f"evidence field 'electricity_supply_area' is {area!r}, not a supply area of {region} "
                            f"(known: {sorted(by_area)})")
    return by_area[area], path, None


# --- G9 electricity --------------------------------------------------------------------------

def electricity(ctx: GateContext) -> list[RuleOutcome]:
    el, g = ctx.footprint.electricity, ctx.gate.electricity
    src = ctx.cite("gate.electricity.market_based_allowed", "gate.electricity.accepted_instruments")
    if el.method == "location":
        return [yes_no("G9.electricity", True, "location-based electricity", src, value="location")]
    if not g.market_based_allowed:
        return [yes_no("G9.electricity", False, "market-based electricity is not accepted by this scheme", src,
                       value="market")]
    bad = sorted({i.type for i in ctx.evidence.electricity_instruments if i.type not in g.accepted_instruments})
    if bad:
        return [yes_no("G9.electricity", False,
                       f"instrument types not accepted: {bad} (accepted: {g.accepted_instruments})", src, value="market")]
    held = sum((i.mwh for i in ctx.evidence.electricity_instruments), Decimal(0))
    claimed = dec(el.instrument_mwh or 0.0)
    return [at_least("G9.electricity", held, ONE, claimed, "instrument MWh claimed in the footprint",
                     "market-based: accepted instruments in the evidence must cover the MWh claimed", src)]


# --- G10 verification ------------------------------------------------------------------------

def verification(ctx: GateContext) -> list[RuleOutcome]:
    v, g = ctx.evidence.verifier, ctx.gate.verification
    out = []
    if g.cnca_approval_required:
        out.append(yes_no("G10.verifier_accredited", v.cnca_approved,
                          f"verifier {v.name!r} must be a CNCA-approved certification body; cnca_approved={v.cnca_approved}",
                          ctx.cite("gate.verification.cnca_approval_required"), value=v.name))
    else:
        ok = v.accreditation_body in g.accreditation_bodies and v.accreditation_standard in g.accreditation_standards
        out.append(yes_no("G10.verifier_accredited", ok,
                          f"verifier {v.name!r}: {v.accreditation_body} / {v.accreditation_standard}; accepted bodies "
                          f"{g.accreditation_bodies}, standards {g.accreditation_standards}",
                          ctx.cite("gate.verification.accreditation_bodies", "gate.verification.accreditation_standards"),
                          value=f"{v.accreditation_body} / {v.accreditation_standard}"))
    out.append(yes_no("G10.accreditation_current", v.accreditation_valid_until >= ctx.on,
                      f"accreditation valid until {v.accreditation_valid_until}, decision on {ctx.on}",
                      ["a verifier must be accredited on the decision date (labels.md P5 condition 1)"],
                      value=v.accreditation_valid_until.isoformat(), threshold=f">= {ctx.on.isoformat()}"))
    if g.on_site_inspection_required:
        out.append(yes_no("G10.on_site_inspection", v.on_site_inspection,
                          f"on-site inspection at initial certification: {v.on_site_inspection}",
                          ctx.cite("gate.verification.on_site_inspection_required")))
    else:
        out.append(RuleOutcome(rule_id="G10.on_site_inspection", status="not_applicable",
                               detail="not required by this scheme",
                               source=ctx.cite("gate.verification.on_site_inspection_required")))
    return out


# --- G11 applicant --------------------------------------------------------------------------

_LEGAL_ENTITY = ["labels.md P1 G11 / §3.2 [V]: the applicant is a legal entity with the relevant licences"]


def applicant(ctx: GateContext) -> list[RuleOutcome]:
    """Legal entity, data procedure in operation long enough, reduction plan on file (labels.md P1 G11)."""
    a, g = ctx.evidence.applicant, ctx.gate.applicant
    months_src = ctx.cite("gate.applicant.data_procedure_min_months")
    plan_src = ctx.cite("gate.applicant.reduction_plan_required")
    if a is None:
        missing = "evidence field 'applicant' (legal entity, data procedure in operation since, reduction plan) is missing"
        return [yes_no("G11.legal_entity", False, missing, _LEGAL_ENTITY),
                yes_no("G11.data_procedure", False, missing, months_src),
                yes_no("G11.reduction_plan", False, missing, plan_src)]
    out = [yes_no("G11.legal_entity", True, f"{a.legal_entity_name} (registration {a.registration_id})",
                  _LEGAL_ENTITY, value=a.registration_id)]
    latest_start = add_months(ctx.on, -g.data_procedure_min_months)
    out.append(yes_no("G11.data_procedure", a.data_procedure_since <= latest_start,
                      f"data management procedure in operation since {a.data_procedure_since}; must be since "
                      f"{latest_start} or earlier ({g.data_procedure_min_months} months before {ctx.on})",
                      months_src, value=a.data_procedure_since.isoformat(), threshold=f"<= {latest_start.isoformat()}"))
    if not g.reduction_plan_required:
        out.append(RuleOutcome(rule_id="G11.reduction_plan", status="not_applicable", detail="not required by this scheme",
                               source=plan_src))
    else:
        plan = a.reduction_plan
        ok = plan is not None and plan.adopted_on <= ctx.on
        out.append(yes_no("G11.reduction_plan", ok,
                          "no reduction plan on file" if plan is None else
                          f"reduction plan {plan.reference!r} adopted {plan.adopted_on}"
                          + ("" if ok else f", after the decision date {ctx.on}"),
                          plan_src, value=plan.reference if plan else None))
    return out


# --- G12 offsets, unverified share -----------------------------------------------------------

def offsets(ctx: GateContext) -> list[RuleOutcome]:
    netted = ctx.evidence.offsets.netted_in_footprint
    ok = ctx.gate.offsets.netting_allowed or not netted
    return [yes_no("G12.offsets_not_netted", ok, f"offsets netted in the PCF value: {netted}",
                   ctx.cite("gate.offsets.netting_allowed"), value=str(netted).lower())]


def unverified(ctx: GateContext) -> list[RuleOutcome]:
    return [at_most("G13.unverified_share", dec(ctx.footprint.unverified_share), ctx.gate.unverified.share_max, ONE,
                    "total PCF", "share of the PCF from factors with status 'unverified'",
                    ctx.cite("gate.unverified.share_max"))]


GATE_RULES: tuple[Callable[[GateContext], list[RuleOutcome]], ...] = (
    completeness, emissions, method, boundary, cutoff, own_processes, primary_data, data_quality, data_age, electricity,
    verification, applicant, offsets, unverified,
)


def run_gate(ctx: GateContext) -> list[RuleOutcome]:
    outcomes: list[RuleOutcome] = []
    for rule in GATE_RULES:
        outcomes.extend(rule(ctx))
    return outcomes
