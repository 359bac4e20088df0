"""A certified footprint of a CBAM good -> its indicative (DERIVED, not declarable) exposure per tonne."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

from footprint.bom import validate_bom
from tariffs.indicative import indicative_exposure
from tests.tariffs.test_derived import FASTENER, FOOTPRINT


def test_fastener_per_tonne_by_hand() -> None:
    """Same mapping as tests/tariffs/test_derived.py: SEE 3.43214 t/t. Per t of carbon-steel bolts
    (CN 73181595) imported 15 Feb 2026: SEFA 0.975 x 1.364 = 1.3299; 3.43214 - 1.3299 = 2.10224
    certificates x 75.36 = 158.42 EUR. Default (§9.5, 7318 15): 6.375 x 1.10 = 7.0125 t/t;
    5.6826 x 75.36 = 428.24 EUR; saving 269.82."""
    bom = json.loads(FASTENER.read_text(encoding="utf-8"))
    bom["product"]["cn_code"] = "73181595"
    exposure = indicative_exposure(bom, FOOTPRINT, import_date=date(2026, 2, 15))
    assert exposure is not None
    assert (exposure.status, exposure.declarable) == ("INDICATIVE_NOT_DECLARABLE", False)
    assert exposure.cn_code == "73181595" and exposure.sector == "iron_steel"
    assert exposure.see_t_per_t == Decimal("3.43214") and exposure.certificates_per_t == Decimal("2.10224")
    assert exposure.cost_eur_per_t == Decimal("158.42")
    assert (exposure.default_see_t_per_t, exposure.default_cost_eur_per_t) == (Decimal("7.0125"), Decimal("428.24"))
    assert exposure.saving_eur_per_t == Decimal("269.82")
    assert "DERIVED_FROM_PCF" in exposure.flags and "NOT declarable" in exposure.notes[0]


def test_a_heading_takes_its_dearest_8_digit_code() -> None:
    """The example BOM names the heading 7318 15. Its stainless sub-code 73181535 has the lowest
    benchmark (1.154, period 1): SEFA 0.975 x 1.154 = 1.12515; 3.43214 - 1.12515 = 2.30699 x 75.36 =
    173.85 EUR per t (the highest of the heading), noted; default 7.0125 - 1.12515 = 5.88735 x 75.36
    = 443.67."""
    bom = json.loads(FASTENER.read_text(encoding="utf-8"))
    exposure = indicative_exposure(bom, FOOTPRINT, import_date=date(2026, 2, 15))
    assert exposure is not None and exposure.cn_code == "73181535"
    assert (exposure.cost_eur_per_t, exposure.default_cost_eur_per_t) == (Decimal("173.85"), Decimal("443.67"))
    assert "731815 is a heading" in exposure.notes[1]


def test_not_applicable_without_cbam_cn_or_roles() -> None:
    bom = json.loads(FASTENER.read_text(encoding="utf-8"))
    no_roles = {**bom, "lines": [{k: v for k, v in line.items() if k != "cbam_role"} for line in bom["lines"]]}
    assert indicative_exposure(validate_bom(no_roles), FOOTPRINT, import_date=date(2026, 2, 15)) is None
    lamp = {**bom, "product": {**bom["product"], "cn_code": "94052040"}}
    assert indicative_exposure(lamp, FOOTPRINT, import_date=date(2026, 2, 15)) is None
