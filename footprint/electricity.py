"""Electricity accounting: which lines are grid electricity, and the market-based reallocation.

Location-based (default): grid lines keep the site region's default grid activity.
Market-based (on request): covered share = min(1, instrument MWh / site MWh); the covered kWh
are booked at the contracted technology's life-cycle activity (never zero), the rest at the
region's documented life-cycle residual mix. Both tables are data (data/electricity/).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache

from footprint.bom import BOM
from footprint.errors import FootprintError
from lcidb.home import shipped_data_dir

GRID_CATEGORY = "electricity"


class ElectricityError(FootprintError):
    """Market-based accounting cannot be done (no residual mix, unknown technology, no site data)."""


@dataclass(frozen=True)
class RegionElectricity:
    region: str
    default_grid_activity: str
    residual_mix_activity: str


@lru_cache(maxsize=1)
def regions() -> dict[str, RegionElectricity]:
    with (shipped_data_dir() / "electricity" / "regions.csv").open(newline="", encoding="utf-8") as handle:
        return {
            row["region"]: RegionElectricity(row["region"], row["default_grid_activity"], row["residual_mix_activity"])
            for row in csv.DictReader(handle)
        }


@lru_cache(maxsize=1)
def technologies() -> dict[str, str]:
    with (shipped_data_dir() / "electricity" / "technologies.csv").open(newline="", encoding="utf-8") as handle:
        return {row["technology"]: row["activity_id"] for row in csv.DictReader(handle)}


def serves_site(geography: str, site_region: str) -> bool:
    """A grid activity for the site: its own region (CN-GD) or the country containing it (CN), so a
    national factor used for a Guangdong site is still the site's grid electricity (and is judged,
    and re-booked under the market-based method, as such)."""
    return geography == site_region or site_region.startswith(geography + "-")


def default_grid_activity(region: str) -> str | None:
    entry = regions().get(region)
    return entry.default_grid_activity if entry else None


@dataclass(frozen=True)
class MarketSplit:
    """How one kWh of grid electricity is re-booked under the market-based method."""

    covered_share: float
    instrument_mwh: float
    site_mwh: float
    parts: tuple[tuple[str, float], ...]  # (activity id, share of each grid kWh)
    residual_activity: str


def market_split(bom: BOM) -> MarketSplit:
    product = bom.product
    entry = regions().get(product.site_region)
    if entry is None:
        raise ElectricityError(
            f"product.site_region {product.site_region!r}: no residual mix is documented for this region "
            f"(known: {', '.join(regions())}); use --electricity location"
        )
    if product.site_electricity_mwh is None or product.site_electricity_mwh <= 0:
        raise ElectricityError("product.site_electricity_mwh: market-based accounting needs the site's consumption")
    instruments = product.electricity_instruments
    claimed = sum(i.mwh for i in instruments)
    covered = min(1.0, claimed / product.site_electricity_mwh)
    parts: list[tuple[str, float]] = []
    for instrument in instruments:
        activity = technologies().get(instrument.technology)
        if activity is None:
            raise ElectricityError(
                f"product.electricity_instruments: no life-cycle factor for technology {instrument.technology!r} "
                f"(known: {', '.join(technologies())}); contracted power is never booked at zero"
            )
        parts.append((activity, covered * instrument.mwh / claimed))
    if covered < 1.0:
        parts.append((entry.residual_mix_activity, 1.0 - covered))
    return MarketSplit(covered, claimed, product.site_electricity_mwh, tuple(parts), entry.residual_mix_activity)
