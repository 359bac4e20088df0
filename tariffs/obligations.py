"""An EU importer's CBAM obligations over time: quarterly holding, purchases, September surrender,
2026 certificates, shortfalls and penalties, and the cash flow by month under price scenarios.

Rules (reference note §4.3-§4.4; every number is a dated parameter of data/tariffs/eu_cbam.yaml):

* Certificates are sold from `certificate_sales_start` (1 February 2027): none in 2026.
* Quarterly holding (from 2027): at each quarter end the account holds at least
  `quarterly_holding_share` (50 %) of  sum over the goods imported since 1 January of
  max(0, mass x basis - mass x SEFA), where basis is the default value WITHOUT mark-up, or the
  value declared for the preceding year for the same importer, CN code and origin where that is
  lower (the declarant's option; taken from the report's own lines of that year), and SEFA the
  default-path free allocation adjustment of the year (CBAM factor x CSCF x Column B).
* Surrender: the certificates of year y (the report's line certificates, on the declared basis with
  mark-up) by `surrender_deadline` (30 September) of y + 1. A certificate not surrendered costs the
  Art. 26(1) penalty of the year of import (`excess_emissions_penalty_eur_per_t`) and stays owed.
* 2026 goods: certificates bought in 2027 at the 2026 quarterly price of the quarter of import
  (the line's price); excess ones can be repurchased until `repurchase_until` and are cancelled
  without compensation on `cancelled_on` (1 November 2027). They are kept apart from later
  vintages and do not count towards the 2027 holding.

Purchases are whole certificates. Without a purchase plan the importer buys just enough: at each
quarter end what the holding needs, before each surrender what it lacks (2026 certificates in the
month of the 2027 deadline). With a plan, the plan is what is bought and shortfalls are flagged.
Only EU lines of liable importer-years count (the de minimis status is the year's, so an importer
that crosses 50 t in a later quarter is treated as liable from January: an upper bound).
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Literal

from pydantic import Field

from tariffs.errors import LineInputError, TariffsError
from tariffs.eu import ZERO, eu_line
from tariffs.models import ExposureReport, ImportLine, LineResult, Num, _Output
from tariffs.params import ParameterSet, shipped_parameters
from tariffs.reference import ReferenceData, shipped_reference
from tariffs.rounding import money, tonnes

# DECLARED_VALUE: no default value can be looked up (e.g. a country without a loaded table): the
# line's own verified value stands in
HoldingBasis = Literal["DEFAULT_NO_MARKUP", "PRIOR_YEAR_DECLARED", "DECLARED_VALUE"]


class HoldingLine(_Output):
    """What one import line adds to the quarterly holding requirement."""

    line_no: int
    importer_id: str | None
    quarter: str
    net_mass_t: Num
    basis: HoldingBasis
    basis_t_per_t: Num
    sefa: Num
    holding_base_t: Num  # max(0, mass x basis - mass x SEFA), before the 50 % share


class QuarterHolding(_Output):
    quarter: str
    quarter_end: date
    imported_net_mass_t: Num  # since 1 January
    holding_base_t: Num  # since 1 January
    required_t: Num
    held_before_t: Num
    purchased: int
    held_after_t: Num
    shortfall_t: Num
    flags: list[str] = Field(default_factory=list)


class Surrender(_Output):
    goods_year: int
    deadline: date
    certificates_due_t: Num
    held_before_t: Num
    purchased: int
    surrendered_t: Num
    shortfall_t: Num
    penalty_eur_per_t: Num
    penalty_eur: Num
    vintage: Literal["2026", "current"]
    flags: list[str] = Field(default_factory=list)


class Purchase(_Output):
    month: str  # YYYY-MM
    certificates: int
    reason: str
    vintage: Literal["2026", "current"]
    # 2026 certificates: their price is the 2026 quarterly price, the same in every scenario
    fixed_cost_eur: Num | None = None


class Vintage2026(_Output):
    certificates_due_t: Num
    bought: int
    cost_eur: Num
    excess_t: Num
    repurchase_until: date
    repurchase_value_eur: Num
    cancelled_on: date
    note: str


class ImporterObligations(_Output):
    importer_id: str | None
    holding_lines: list[HoldingLine]
    quarters: list[QuarterHolding]
    surrenders: list[Surrender]
    purchases: list[Purchase]
    vintage_2026: Vintage2026 | None
    flags: list[str]
    notes: list[str]


class MonthlyCash(_Output):
    month: str
    certificates: int
    cost_eur: dict[str, Num]  # scenario price (text) -> EUR paid that month
    cumulative_eur: dict[str, Num]
    penalty_eur: Num


class Obligations(_Output):
    scenario_prices_eur: list[Num]
    importers: list[ImporterObligations]
    monthly: list[MonthlyCash]
    total_penalty_eur: Num
    notes: list[str]


# ExposureReport.obligations refers to Obligations, defined here (models.py cannot import this module)
ExposureReport.model_rebuild(_types_namespace={"Obligations": Obligations})


@dataclass(frozen=True)
class _Event:
    when: date
    order: int  # surrender (0) before the quarter check (1) on the same day
    kind: Literal["surrender", "quarter"]
    year: int
    quarter: int = 0


def quarter_of(day: date) -> int:
    return (day.month - 1) // 3 + 1


def quarter_end(year: int, quarter: int) -> date:
    month = 3 * quarter
    return date(year, month, 31 if month in (3, 12) else 30)


def _month(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def _holding_lines(
    lines: list[ImportLine],
    results: list[LineResult],
    reference: ReferenceData,
    parameters: ParameterSet,
) -> list[HoldingLine]:
    """Per liable EU line of 2027 on: the mark-up-free default basis (or last year's declared value)."""
    declared: dict[tuple[str | None, str, str, int], list[Decimal]] = defaultdict(lambda: [ZERO, ZERO])
    for result in results:
        if result.regime == "EU" and result.scope_status == "IN_SCOPE" and result.embedded_emissions_t is not None:
            key = (result.importer_id, result.cn_code, result.country_of_origin, result.year)
            declared[key][0] += result.embedded_emissions_t
            declared[key][1] += result.net_mass_t
    holding: list[HoldingLine] = []
    for line, result in zip(lines, results):
        if result.regime != "EU" or result.scope_status != "IN_SCOPE" or result.year < 2027:
            continue
        basis: HoldingBasis = "DEFAULT_NO_MARKUP"
        if line.data_basis == "DEFAULT" and result.default_value_t_per_t is not None:
            default_total, sefa = result.default_value_t_per_t, _default_sefa_of(result)
        else:
            try:
                counterfactual = eu_line(
                    line.model_copy(update={"data_basis": "DEFAULT", "actual_see_t_per_t": None,
                                            "actual_sefa_t_per_t": None, "production_route": None,
                                            "carbon_price_paid_eur_per_t_good": None, "bom_ref": None}),
                    reference, parameters,
                )
                assert counterfactual.default_value_t_per_t is not None
                default_total, sefa = counterfactual.default_value_t_per_t, _default_sefa_of(counterfactual)
            except TariffsError:
                assert result.see is not None and result.sefa is not None
                basis, default_total, sefa = "DECLARED_VALUE", result.see, result.sefa
        basis_value = default_total
        prior = declared.get((result.importer_id, result.cn_code, result.country_of_origin, result.year - 1))
        if prior is not None and prior[1] > 0 and prior[0] / prior[1] < default_total:
            basis, basis_value = "PRIOR_YEAR_DECLARED", prior[0] / prior[1]
        base = max(ZERO, line.net_mass_t * basis_value - line.net_mass_t * sefa)
        holding.append(HoldingLine(
            line_no=line.line_no, importer_id=line.importer_id,
            quarter=f"{result.year}-Q{quarter_of(line.import_date)}", net_mass_t=line.net_mass_t, basis=basis,
            basis_t_per_t=tonnes(basis_value), sefa=sefa, holding_base_t=base,
        ))
    return holding


def _default_sefa_of(result: LineResult) -> Decimal:
    """The default-path SEFA (CBAM factor x CSCF x Column B), unrounded."""
    assert result.cbam_factor is not None and result.cscf is not None and result.benchmark_value is not None
    return result.cbam_factor * result.cscf * result.benchmark_value


def _ceil(value: Decimal) -> int:
    return max(0, math.ceil(value))


def _importer_obligations(
    importer_id: str | None,
    holding: list[HoldingLine],
    results: list[LineResult],
    parameters: ParameterSet,
    plan: Mapping[str, int] | None,
) -> ImporterObligations:
    flags: set[str] = set()
    notes: list[str] = []
    liable = [r for r in results if r.regime == "EU" and r.scope_status == "IN_SCOPE" and r.certificates is not None]
    due: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for result in liable:
        due[result.year] += result.certificates  # type: ignore[operator]
    deadline_rule = parameters.at(date(2026, 1, 1)).value("surrender_deadline")

    def deadline(goods_year: int) -> date:
        return date(goods_year + 1, int(deadline_rule["month"]), int(deadline_rule["day"]))

    sales_start: date = parameters.at(date(2026, 1, 1)).value("certificate_sales_start")
    purchases: list[Purchase] = []
    planned = dict(plan or {})
    if plan is not None:
        for month, count in sorted(planned.items()):
            if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", month) or count < 0:
                raise LineInputError(None, "month", f"{month}: {count}", "expected YYYY-MM and a whole number >= 0",
                                     f"purchase plan of {importer_id}")
            if date(int(month[:4]), int(month[5:7]), 28) < sales_start:
                raise LineInputError(None, "month", month, f"certificates are sold from {sales_start.isoformat()}",
                                     f"purchase plan of {importer_id}")
            purchases.append(Purchase(month=month, certificates=count, reason="planned", vintage="current"))

    # 2026 certificates: own vintage, own price, own fate
    vintage: Vintage2026 | None = None
    surrenders: list[Surrender] = []
    if due.get(2026, ZERO) > 0:
        rules = parameters.at(date(2026, 1, 1)).value("vintage_2026_certificates")
        owed = due[2026]
        bought = _ceil(owed)
        lines_2026 = sorted((r for r in liable if r.year == 2026), key=lambda r: r.import_date)
        cost = sum((r.certificates * r.price_eur for r in lines_2026 if r.price_eur is not None and r.certificates),
                   ZERO)
        last_price = next((r.price_eur for r in reversed(lines_2026) if r.price_eur is not None), ZERO)
        excess = Decimal(bought) - owed
        cost += excess * last_price
        when = deadline(2026)
        vintage = Vintage2026(
            certificates_due_t=tonnes(owed), bought=bought, cost_eur=money(cost), excess_t=tonnes(excess),
            repurchase_until=rules["repurchase_until"], repurchase_value_eur=money(excess * last_price),
            cancelled_on=rules["cancelled_on"],
            note=(f"{bought} whole certificates for {tonnes(owed)} t owed: the excess {tonnes(excess)} can be "
                  f"repurchased until {rules['repurchase_until'].isoformat()} (at the price paid, assumed), else it "
                  f"is cancelled without compensation on {rules['cancelled_on'].isoformat()}"),
        )
        purchases.append(Purchase(month=_month(when), certificates=bought, reason="surrender of 2026 goods",
                                  vintage="2026", fixed_cost_eur=money(cost)))
        surrenders.append(Surrender(
            goods_year=2026, deadline=when, certificates_due_t=tonnes(owed), held_before_t=ZERO, purchased=bought,
            surrendered_t=tonnes(owed), shortfall_t=ZERO, penalty_eur_per_t=_penalty(parameters, 2026, flags, applies=False),
            penalty_eur=ZERO, vintage="2026",
        ))
        notes.append("2026 certificates are bought in the month of the first surrender deadline (their price is "
                     "fixed: the 2026 quarterly price of the quarter of import)")

    # 2027 on: one account, events in date order
    years = sorted({h.quarter[:4] for h in holding} | {str(y) for y in due if y >= 2027})
    events: list[_Event] = []
    for year_text in years:
        year = int(year_text)
        events.extend(_Event(quarter_end(year, q), 1, "quarter", year, q) for q in (1, 2, 3, 4))
        if due.get(year, ZERO) > 0:
            events.append(_Event(deadline(year), 0, "surrender", year))
    events.sort(key=lambda e: (e.when, e.order))
    share_by_year: dict[int, Decimal] = {}
    balance = ZERO
    plan_months = sorted(planned)
    plan_index = 0
    quarters: list[QuarterHolding] = []
    total_penalty = ZERO

    def take_plan(until: date) -> None:
        nonlocal balance, plan_index
        while plan_index < len(plan_months) and plan_months[plan_index] <= _month(until):
            balance += planned[plan_months[plan_index]]
            plan_index += 1

    for event in events:
        take_plan(event.when)
        if event.kind == "surrender":
            owed = due[event.year]
            before = balance
            bought = 0 if plan is not None else _ceil(owed - balance)
            if bought:
                purchases.append(Purchase(month=_month(event.when), certificates=bought,
                                          reason=f"surrender of {event.year} goods", vintage="current"))
            balance += bought
            surrendered = min(balance, owed)
            shortfall = owed - surrendered
            balance -= surrendered
            penalty_rate = _penalty(parameters, event.year, flags, applies=shortfall > 0)
            penalty = shortfall * penalty_rate
            total_penalty += penalty
            event_flags = ["SURRENDER_SHORTFALL"] if shortfall > 0 else []
            flags.update(event_flags)
            surrenders.append(Surrender(
                goods_year=event.year, deadline=event.when, certificates_due_t=tonnes(owed), held_before_t=tonnes(before),
                purchased=bought, surrendered_t=tonnes(surrendered), shortfall_t=tonnes(shortfall),
                penalty_eur_per_t=penalty_rate, penalty_eur=money(penalty), vintage="current", flags=event_flags,
            ))
            continue
        end = quarter_end(event.year, event.quarter)
        name = f"{event.year}-Q{event.quarter}"
        so_far = [h for h in holding if h.quarter[:4] == str(event.year) and h.quarter <= name]
        base = sum((h.holding_base_t for h in so_far), ZERO)
        if event.year not in share_by_year:
            share_by_year[event.year] = parameters.at(date(event.year, 1, 1)).value("quarterly_holding_share")
        required = share_by_year[event.year] * base
        before = balance
        bought = 0 if plan is not None else _ceil(required - balance)
        if bought:
            purchases.append(Purchase(month=_month(end), certificates=bought, reason=f"holding at the end of {name}",
                                      vintage="current"))
        balance += bought
        shortfall = max(ZERO, required - balance)
        quarter_flags = ["HOLDING_SHORTFALL"] if shortfall > 0 else []
        flags.update(quarter_flags)
        quarters.append(QuarterHolding(
            quarter=name, quarter_end=end, imported_net_mass_t=tonnes(sum((h.net_mass_t for h in so_far), ZERO)),
            holding_base_t=tonnes(base), required_t=tonnes(required), held_before_t=tonnes(before), purchased=bought,
            held_after_t=tonnes(balance), shortfall_t=tonnes(shortfall), flags=quarter_flags,
        ))
    purchases.sort(key=lambda p: (p.month, p.vintage != "2026"))
    if any(h.basis == "DECLARED_VALUE" for h in holding):
        notes.append("holding basis: no default value could be looked up for some lines; their own declared value "
                     "is used")
    if plan is not None:
        notes.append("purchases as planned (2026 certificates: bought as needed in the month of their deadline)")
    if any(h.basis == "PRIOR_YEAR_DECLARED" for h in holding):
        notes.append("holding basis: the value declared for the preceding year is used where it is lower than the "
                     "default value without mark-up (same importer, CN code and origin)")
    return ImporterObligations(
        importer_id=importer_id, holding_lines=list(holding), quarters=quarters,
        surrenders=sorted(surrenders, key=lambda s: s.deadline), purchases=purchases, vintage_2026=vintage,
        flags=sorted(flags), notes=notes,
    )


def _penalty(parameters: ParameterSet, goods_year: int, flags: set[str], applies: bool = True) -> Decimal:
    """The Art. 26(1) penalty per certificate of the year of import; its flag only where it is charged."""
    view = parameters.at(date(goods_year, 1, 1))
    rate = view.value("excess_emissions_penalty_eur_per_t")
    if applies:
        flags |= view.flags
    return rate


def scenario_prices(scenarios: ParameterSet | None = None, on: date = date(2026, 1, 1)) -> list[Decimal]:
    scenarios = scenarios or shipped_parameters("SCENARIOS")
    return [Decimal(p) for p in scenarios.at(on).value("certificate_price_scenarios_eur")]


def monthly_cash(importers: Iterable[ImporterObligations], prices: list[Decimal]) -> list[MonthlyCash]:
    """All importers' purchases by month: 2026 certificates at their fixed price, later ones at each
    scenario price; penalties in the month of the missed deadline."""
    certificates: dict[str, int] = defaultdict(int)
    cost: dict[str, dict[Decimal, Decimal]] = defaultdict(lambda: {p: ZERO for p in prices})
    penalties: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for importer in importers:
        for purchase in importer.purchases:
            certificates[purchase.month] += purchase.certificates
            for price in prices:
                paid = purchase.fixed_cost_eur if purchase.fixed_cost_eur is not None else purchase.certificates * price
                cost[purchase.month][price] += paid
        for surrender in importer.surrenders:
            if surrender.penalty_eur:
                penalties[_month(surrender.deadline)] += surrender.penalty_eur
                certificates[_month(surrender.deadline)] += 0  # the month appears in the table
    rows: list[MonthlyCash] = []
    running = {p: ZERO for p in prices}
    for month in sorted(certificates):
        for price in prices:
            running[price] += cost[month][price] + penalties[month]
        rows.append(MonthlyCash(
            month=month, certificates=certificates[month],
            cost_eur={str(p): money(cost[month][p]) for p in prices},
            cumulative_eur={str(p): money(running[p]) for p in prices},
            penalty_eur=money(penalties[month]),
        ))
    return rows


def importer_obligations(
    lines: list[ImportLine],
    results: list[LineResult],
    *,
    reference: ReferenceData | None = None,
    eu_parameters: ParameterSet | None = None,
    scenarios: ParameterSet | None = None,
    purchase_plan: Mapping[str | None, Mapping[str, int]] | None = None,
) -> Obligations:
    """Obligations over time of every importer of `results` (the report's lines, `lines` the parsed
    lines they were computed from, in the same order). `purchase_plan`: importer -> {YYYY-MM: certificates}."""
    if len(lines) != len(results):
        raise TariffsError("obligations need the parsed lines of the report's results, one for one")
    reference = reference or shipped_reference()
    eu_parameters = eu_parameters or shipped_parameters("EU")
    holding = _holding_lines(lines, results, reference, eu_parameters)
    importers = sorted({r.importer_id for r in results if r.regime == "EU"}, key=lambda i: str(i))
    plans = purchase_plan or {}
    unknown = sorted(str(i) for i in plans if i not in importers)
    if unknown:
        raise LineInputError(None, "importer_id", unknown[0], "purchase plan for an importer without EU lines",
                             "purchase plan")
    per_importer = [
        _importer_obligations(
            importer, [h for h in holding if h.importer_id == importer],
            [r for r in results if r.importer_id == importer], eu_parameters,
            plans.get(importer) if purchase_plan is not None else None,
        )
        for importer in importers
    ]
    prices = scenario_prices(scenarios)
    return Obligations(
        scenario_prices_eur=prices,
        importers=per_importer,
        monthly=monthly_cash(per_importer, prices),
        total_penalty_eur=money(sum((s.penalty_eur for i in per_importer for s in i.surrenders), ZERO)),
        notes=[
            "certificates are bought whole; without a purchase plan just enough is bought at each quarter end and "
            "before each surrender (no shortfall by construction)",
            "quarterly holding: 50 % of the year-to-date embedded emissions on default values without mark-up "
            "(or last year's declared value where lower), after the free allocation adjustment (Art. 22(2))",
            "only liable importer-years count; an importer crossing the 50 t de minimis during the year is "
            "treated as liable from 1 January",
            "2026 certificates are not counted towards the 2027 holding",
        ],
    )
