"""A trade office's portfolio: many exporters' import lines at once, aggregated by exporter, sector,
CN code, destination (EU, UK) and year, with three sensitivities:

* certificate price: each exporter's EU certificates at each scenario price (data/tariffs/scenarios.yaml);
* actual vs default data: per exporter, the cost on default values against the cost on the lines'
  own (verified ACTUAL, or indicative DERIVED) values, the saving in total and per tonne of the
  goods compared; exporters ranked by saving per tonne (who gains most from verified data);
* the carbon price paid in China: what would come off if it were deductible at the scenario CEA
  price (EUR per t CO2e x EU embedded emissions, at most the cost). It is NEVER deducted by default:
  deduction needs actual verified data and a price effectively paid net of free allocation (Art. 9),
  and Chinese allowances roughly equal verified emissions (reference note §5).

Every aggregate is a plain Decimal sum of its lines (tested), computed from the exposure report.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from tariffs.eu import ZERO
from tariffs.models import AggregateRow, ExposureReport, ImportLine, LineResult, Num, _Output
from tariffs.obligations import scenario_prices
from tariffs.params import ParameterSet, shipped_parameters
from tariffs.report import Deriver, _group, exposure_report
from tariffs.rounding import money, tonnes

NO_EXPORTER = "(no exporter)"


class PriceSensitivityRow(_Output):
    key: str
    eu_certificates: Num
    cost_eur: dict[str, Num]  # scenario price (text) -> EUR


class DataBasisRow(_Output):
    """One exporter: the lines' own values against default values (EU, EUR)."""

    exporter_id: str
    lines: int
    net_mass_t: Num
    cost_eur: Num  # as computed (own values where given)
    default_cost_eur: Num  # every line on default values
    compared_net_mass_t: Num  # mass of the ACTUAL / DERIVED lines
    saving_verified_eur: Num  # ACTUAL lines
    saving_indicative_eur: Num  # DERIVED lines: indicative, not declarable
    saving_eur: Num
    saving_eur_per_t: Num | None  # per tonne of the goods compared; None if no line was compared
    basis: str  # "verified", "indicative", "verified + indicative" or "default only"


class CarbonPriceRow(_Output):
    key: str
    eu_embedded_emissions_t: Num
    cost_eur: Num
    reduction_if_deductible_eur: Num


class Portfolio(_Output):
    exposure: ExposureReport
    by_exporter: list[AggregateRow]
    by_destination: list[AggregateRow]
    by_sector: list[AggregateRow]
    by_cn_code: list[AggregateRow]
    by_year: list[AggregateRow]
    by_exporter_destination_year: list[AggregateRow]
    total: AggregateRow
    scenario_prices_eur: list[Num]
    price_sensitivity: list[PriceSensitivityRow]
    data_basis: list[DataBasisRow]
    china_carbon_price_eur_per_tco2e: Num
    china_carbon_price: list[CarbonPriceRow]
    notes: list[str]


def _exporter(result: LineResult) -> str:
    return result.exporter_id or NO_EXPORTER


def _eu(results: Iterable[LineResult]) -> list[LineResult]:
    return [r for r in results if r.regime == "EU" and r.scope_status not in ("OUT_OF_SCOPE", "NOT_IN_FORCE")]


def _groups(results: list[LineResult], key: Callable[[LineResult], str]) -> dict[str, list[LineResult]]:
    groups: dict[str, list[LineResult]] = {}
    for result in results:
        groups.setdefault(key(result), []).append(result)
    return {name: groups[name] for name in sorted(groups)}


def price_sensitivity(results: list[LineResult], prices: list[Decimal]) -> list[PriceSensitivityRow]:
    rows = []
    for name, group in [*_groups(results, _exporter).items(), ("total", results)]:
        certificates = sum((r.certificates or ZERO for r in _eu(group)), ZERO)
        rows.append(PriceSensitivityRow(
            key=name, eu_certificates=tonnes(certificates),
            cost_eur={str(p): money(certificates * p) for p in prices},
        ))
    return rows


def data_basis_rows(results: list[LineResult]) -> list[DataBasisRow]:
    """Per exporter, ranked by saving per tonne (largest first; exporters without compared lines last)."""
    rows = []
    for name, group in _groups(results, _exporter).items():
        eu = _eu(group)
        cost = sum((r.cost_eur or ZERO for r in eu), ZERO)
        default_cost = sum(((r.default_cost_eur if r.default_cost_eur is not None else r.cost_eur) or ZERO
                            for r in eu), ZERO)
        verified = [r for r in eu if r.data_basis == "ACTUAL" and r.saving_eur is not None]
        indicative = [r for r in eu if r.data_basis == "DERIVED" and r.saving_eur is not None]
        compared_mass = sum((r.net_mass_t for r in verified + indicative), ZERO)
        saving_verified = sum((r.saving_eur or ZERO for r in verified), ZERO)  # filtered: never None here
        saving_indicative = sum((r.saving_eur or ZERO for r in indicative), ZERO)
        saving = saving_verified + saving_indicative
        basis = " + ".join(part for part, used in (("verified", verified), ("indicative", indicative)) if used)
        rows.append(DataBasisRow(
            exporter_id=name, lines=len(group), net_mass_t=tonnes(sum((r.net_mass_t for r in eu), ZERO)),
            cost_eur=cost, default_cost_eur=default_cost, compared_net_mass_t=tonnes(compared_mass),
            saving_verified_eur=saving_verified, saving_indicative_eur=saving_indicative, saving_eur=saving,
            saving_eur_per_t=money(saving / compared_mass) if compared_mass else None,
            basis=basis or "default only",
        ))
    rows.sort(key=lambda r: (r.saving_eur_per_t is None, -(r.saving_eur_per_t or ZERO), r.exporter_id))
    return rows


def carbon_price_rows(results: list[LineResult], cn_price: Decimal) -> list[CarbonPriceRow]:
    rows = []
    for name, group in [*_groups(results, _exporter).items(), ("total", results)]:
        eu = _eu(group)
        reduction = sum((min(r.cost_eur or ZERO, (r.embedded_emissions_t or ZERO) * cn_price) for r in eu), ZERO)
        rows.append(CarbonPriceRow(
            key=name,
            eu_embedded_emissions_t=tonnes(sum((r.embedded_emissions_t or ZERO for r in eu), ZERO)),
            cost_eur=sum((r.cost_eur or ZERO for r in eu), ZERO),
            reduction_if_deductible_eur=money(reduction),
        ))
    return rows


def portfolio_from_report(exposure: ExposureReport, scenarios: ParameterSet | None = None) -> Portfolio:
    scenarios = scenarios or shipped_parameters("SCENARIOS")
    results = exposure.lines
    prices = scenario_prices(scenarios)
    years = sorted({r.year for r in results})
    cn_view = scenarios.at(date(min(years), 1, 1)) if years else scenarios.at(date(2026, 1, 1))
    cn_price = Decimal(cn_view.value("china_carbon_price_eur_per_tco2e"))
    return Portfolio(
        exposure=exposure,
        by_exporter=_group(results, _exporter),
        by_destination=_group(results, lambda r: r.regime),
        by_sector=exposure.aggregates.by_sector,
        by_cn_code=exposure.aggregates.by_cn_code,
        by_year=exposure.aggregates.by_year,
        by_exporter_destination_year=_group(results, lambda r: f"{_exporter(r)} · {r.regime} · {r.year}"),
        total=exposure.aggregates.total,
        scenario_prices_eur=prices,
        price_sensitivity=price_sensitivity(results, prices),
        data_basis=data_basis_rows(results),
        china_carbon_price_eur_per_tco2e=cn_price,
        china_carbon_price=carbon_price_rows(results, cn_price),
        notes=[
            "EU figures in EUR (embedded emissions with the default-value mark-up), UK figures in GBP "
            "(no EU mark-up): never added together",
            "price sensitivity: each exporter's EU certificates at each scenario price (2026 lines are in fact "
            "priced at the 2026 quarterly prices, see the lines)",
            "saving: the cost on default values minus the cost on the lines' own values; 'verified' = ACTUAL "
            "lines, 'indicative' = DERIVED from a product footprint (not declarable)",
            f"carbon price paid in China: NOT deducted; the column shows what would come off if a price of "
            f"EUR {cn_price} per t CO2e (CEA scenario) were deductible on all EU embedded emissions, at most "
            "the cost. Deduction needs actual verified data and a price effectively paid net of free allocation",
        ],
    )


def portfolio_report(
    lines: Iterable[dict[str, Any] | ImportLine],
    *,
    derive: Deriver | None = None,
    obligations: bool = False,
    purchase_plan: Mapping[str | None, Mapping[str, int]] | None = None,
    **kwargs: Any,
) -> Portfolio:
    """The portfolio of `lines` (with exporter_id); other keywords go to tariffs.exposure_report."""
    exposure = exposure_report(lines, derive=derive, obligations=obligations, purchase_plan=purchase_plan, **kwargs)
    return portfolio_from_report(exposure)
