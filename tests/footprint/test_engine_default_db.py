"""The engine on the shipped database: what counts as the site's grid electricity."""

from __future__ import annotations

import pytest

from footprint.bom import validate_bom
from footprint.engine import compute
from lcidb.snapshot import Snapshot


def _bom(factor_id: str) -> object:
    return validate_bom({
        "product": {"id": "p", "name": "p", "category": "c", "declared_unit": {"unit": "piece", "amount": 1},
                    "boundary": "cradle-to-gate", "reference_period": {"start": "2025-01-01", "end": "2025-12-31"},
                    "site_region": "CN-GD", "site_electricity_mwh": 10, "production_volume": 1000,
                    "electricity_instruments": [{"mwh": 10, "technology": "pv", "region": "CN-GD", "vintage": 2025}]},
        "lines": [{"line_id": "e", "name": "power", "quantity": 2, "unit": "kWh", "stage": "manufacturing",
                   "data_type": "primary", "factor_id": factor_id}],
    })


@pytest.mark.parametrize("factor_id", ["elec_cn_gd_grid", "elec_cn_grid_footprint"])
def test_a_regional_or_national_grid_factor_is_the_sites_grid_electricity(default_snapshot: Snapshot, factor_id: str) -> None:
    result = compute(_bom(factor_id), default_snapshot)
    assert result.electricity.grid_activity_id == factor_id
    # fully covered by PV certificates: the market-based value is 2 kWh at the PV life-cycle factor
    market = compute(_bom(factor_id), default_snapshot, electricity="market")
    pv = compute(_bom("elec_cn_pv"), default_snapshot).total_kgco2e
    assert market.total_kgco2e == pytest.approx(pv, rel=1e-12)
    assert market.total_kgco2e > 0  # contracted power is never booked at zero


def test_another_regions_grid_is_not_the_sites_grid(default_snapshot: Snapshot) -> None:
    result = compute(_bom("elec_hk_default"), default_snapshot)
    assert result.electricity.grid_activity_id is None
