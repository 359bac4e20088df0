"""The trade office's price scenario for a CBAM portfolio: the prices in force (the dated EU
certificate price and UK CBAM rates of data/tariffs/), one of the scenario prices of
data/tariffs/scenarios.yaml, or the office's own EUR price per t CO2e within the range that file
allows. A chosen price is applied to every EU line through the portfolio use case (the lines'
`certificate_price_eur`, which the EU calculator notes as a scenario); UK lines keep the UK rates
in force (GBP, never converted)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from api.errors import InvalidInput
from tariffs.errors import ParameterMissing
from tariffs.params import shipped_parameters
from tariffs.report import PROJECTION_YEARS

IN_FORCE = "in_force"
CUSTOM = "custom"
QUARTER_STARTS = ((1, 1), (4, 1), (7, 1), (10, 1))


@dataclass(frozen=True)
class YearPrices:
    """The prices in force in one year: EU EUR per t CO2e (lowest, highest over its quarters) and the
    UK sector rates in GBP per t CO2e (lowest, highest), None before the UK CBAM starts."""

    year: int
    eu_eur: tuple[Decimal, Decimal]
    uk_gbp: tuple[Decimal, Decimal] | None


@dataclass(frozen=True)
class PriceOptions:
    scenarios: list[Decimal]
    minimum: Decimal
    maximum: Decimal
    in_force: list[YearPrices]


def _span(values: list[Decimal]) -> tuple[Decimal, Decimal]:
    return min(values), max(values)


def _year_prices(year: int) -> YearPrices:
    eu, uk = shipped_parameters("EU"), shipped_parameters("UK")
    days = [date(year, month, day) for month, day in QUARTER_STARTS]
    eu_prices = [Decimal(eu.at(day).value("certificate_price_eur")) for day in days]
    uk_rates: list[Decimal] = []
    for day in days:
        try:
            rates = uk.at(day).value("sector_rate_gbp_per_tco2e")
        except ParameterMissing:  # before the UK CBAM starts
            continue
        uk_rates.extend(Decimal(rate) for rate in rates.values())
    return YearPrices(year, _span(eu_prices), _span(uk_rates) if uk_rates else None)


def price_options(on: date) -> PriceOptions:
    """What the scenario control offers on `on`, every figure read from the dated parameters."""
    scenarios = shipped_parameters("SCENARIOS").at(on)
    bounds = scenarios.value("certificate_price_user_range_eur")
    return PriceOptions(
        scenarios=[Decimal(p) for p in scenarios.value("certificate_price_scenarios_eur")],
        minimum=Decimal(bounds["min"]),
        maximum=Decimal(bounds["max"]),
        in_force=[_year_prices(year) for year in PROJECTION_YEARS],
    )


def chosen_price(options: PriceOptions, choice: str, custom: str = "") -> Decimal | None:
    """The EU certificate price of the choice (None: the prices in force); InvalidInput names the
    field and value of a price that is not a number or outside the allowed range."""
    if choice == IN_FORCE:
        return None
    if choice == CUSTOM:
        try:
            price = Decimal(custom.strip().replace(",", "."))
        except InvalidOperation:
            raise InvalidInput(f"price_eur {custom!r}: not a number", code="cbam.price") from None
        if not price.is_finite() or not options.minimum <= price <= options.maximum:
            raise InvalidInput(
                f"price_eur {custom!r}: outside the allowed range {options.minimum}-{options.maximum} EUR per t CO2e",
                code="cbam.price",
            )
        return price
    for scenario in options.scenarios:
        if choice == str(scenario):
            return scenario
    raise InvalidInput(f"price {choice!r}: not one of the offered scenarios", code="cbam.price")
