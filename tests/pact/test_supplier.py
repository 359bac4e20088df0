"""A supplier's PACT footprint as a `supplier_pcf` line (footprint.pact_supplier), with the
specification's examples as the suppliers' footprints."""

from __future__ import annotations

import math
from datetime import date

import pytest

from footprint.engine import compute
from tests.footprint.test_engine import NETTED  # the hand totals net the fixture's credits
from footprint.errors import PactFootprintUnusable
from footprint.pact import read_pact_document
from footprint.pact_supplier import supplier_pcf_from_pact, use_pact_in_bom
from tests.footprint.test_engine import LINES, TOTAL
from tests.pact.schema import example

ON = date(2026, 6, 1)


def _pf(name: str, **changes):
    pf = read_pact_document(example(name), name).footprints[0]
    return pf.model_copy(update=changes) if changes else pf


@pytest.mark.parametrize("name, unit, emissions, per_unit, fossil, biogenic", [
    # example-1: per 1 kilogram: pcfExcludingBiogenicUptake 0.384 (the emissions), pcfIncludingBiogenicUptake
    # -1.23 (what the line books: emissions + uptake -1.614), 0.35 fossil, 0.002 + 0.004 biogenic
    ("example-1.json", "kg", 0.384, -1.23, 0.35, 0.006),
    ("example-1.json", "g", 0.000384, -0.00123, 0.00035, 0.000006),
    ("example-1.json", "t", 384.0, -1230.0, 350.0, 6.0),
    # example-2: per 12 liter: 5.14 / 12 emitted, -14.22 / 12 = -1.185 booked per L; fossil 4.78 / 12; biogenic 0.024 / 12
    ("example-2.json", "L", 5.14 / 12, -1.185, 4.78 / 12, 0.024 / 12),
    ("example-2.json", "mL", 5.14 / 12000, -0.001185, 4.78 / 12000, 0.024 / 12000),
    # example-3: 77 per piece of 25 kg, no uptake: 77 per piece, 77 / 25 = 3.08 per kg
    ("example-3.json", "piece", 77.0, 77.0, 77.0, 0.0),
    ("example-3.json", "kg", 3.08, 3.08, 3.08, 0.0),
])
def test_declared_unit_conversion_and_split(name, unit, emissions, per_unit, fossil, biogenic) -> None:
    """The line books pcfIncludingBiogenicUptake in the BOM's PACT-style parts: emissions >= 0 and the
    uptake (<= 0) in its own field, so the label gate sees what is netted (issue 9)."""
    line = supplier_pcf_from_pact(_pf(name), unit, on=ON)
    assert math.isclose(line.supplier_pcf.kgco2e_per_unit, emissions, rel_tol=1e-12)
    assert math.isclose(line.supplier_pcf.net_per_unit, per_unit, rel_tol=1e-12)
    assert line.supplier_pcf.removals is None  # the examples report no removals (0 or absent)
    assert math.isclose(line.supplier_pcf.fossil, fossil, rel_tol=1e-12)
    assert math.isclose(line.supplier_pcf.biogenic, biogenic, rel_tol=1e-12, abs_tol=1e-18)
    # example-3's verification covers the "PCF calculation model", not this product's figure
    assert line.supplier_pcf.verified is False


def test_verified_only_for_a_product_level_verification() -> None:
    pf = _pf("example-3.json")
    product_level = pf.pcf.model_copy(update={"verification": pf.pcf.verification.model_copy(
        update={"coverage": "product level"})})
    assert supplier_pcf_from_pact(pf.model_copy(update={"pcf": product_level}), "kg", on=ON).supplier_pcf.verified


def test_a_kilogram_footprint_on_a_piece_line_is_refused() -> None:
    with pytest.raises(PactFootprintUnusable, match="line_id 'x': .*'piece' cannot be converted .*1 kilogram"):
        supplier_pcf_from_pact(_pf("example-1.json"), "piece", on=ON, line_id="x")


def test_deprecated_and_expired_footprints_are_refused() -> None:
    with pytest.raises(PactFootprintUnusable, match="status is Deprecated.*precedingPfIds"):
        supplier_pcf_from_pact(_pf("example-1.json", status="Deprecated"), "kg", on=ON)
    with pytest.raises(PactFootprintUnusable, match="not valid on 2028-01-01: its validity period is 2024-12-31 .. 2027-12-31"):
        supplier_pcf_from_pact(_pf("example-1.json"), "kg", on=date(2028, 1, 1))
    # no validity period: three years from the reference period end (2024-12-31 -> 2027-12-31)
    open_ended = _pf("example-1.json", validity_period_start=None, validity_period_end=None)
    # the booked figure is the net one (emissions 0.384 + uptake -1.614): kgco2e_per_unit now holds
    # the emissions part only (footprint/bom.py SupplierPCF, PACT-style parts)
    assert math.isclose(supplier_pcf_from_pact(open_ended, "kg", on=date(2027, 12, 31)).supplier_pcf.net_per_unit,
                        -1.23, rel_tol=1e-12)
    with pytest.raises(PactFootprintUnusable, match="3 years after its reference period"):
        supplier_pcf_from_pact(open_ended, "kg", on=date(2028, 1, 2))
    with pytest.raises(PactFootprintUnusable, match="specVersion 4.0.0"):
        supplier_pcf_from_pact(_pf("example-1.json", spec_version="4.0.0"), "kg", on=ON)


def test_the_bom_books_the_supplier_footprint(mini_snapshot, mini_bom) -> None:
    """The seat (500 g of wood, 0.5 W) becomes example-1's product: 500 g x -0.00123 = -0.615.
    Total = TOTAL - 0.5 W - 0.615; biogenic = 0.1285 - 0.5 x 0.227 + 500 x 0.000006 = 0.018."""
    bom = use_pact_in_bom(mini_bom, "seat", _pf("example-1.json"), on=ON)
    seat = bom.line("seat")
    assert seat.factor_id is None and seat.supplier_pcf is not None and seat.quantity == 500
    result = compute(bom, mini_snapshot, net_credits_rule=NETTED)
    assert math.isclose(result.total_kgco2e, TOTAL - LINES["seat"] - 0.615, rel_tol=1e-12)
    flat = {c.line_id: c for top in result.lines for c in [top, *top.children]}
    assert math.isclose(flat["seat"].kgco2e, -0.615, rel_tol=1e-12)
    assert flat["seat"].source == "supplier_pcf"
    assert math.isclose(result.biogenic_kgco2e, 0.018, rel_tol=1e-9)
    with pytest.raises(PactFootprintUnusable, match="line_id 'frame'.*assembly"):
        use_pact_in_bom(mini_bom, "frame", _pf("example-1.json"), on=ON)


def test_a_newer_supplier_footprint_shows_the_change_it_would_make(mini_snapshot, mini_bom) -> None:
    """The seat books example-1 (-1.23 per kg, 500 g: -0.615). The supplier replaces it with a
    footprint of -1.00 per kg listing example-1 in precedingPfIds: the seat becomes -0.5, the
    total rises by 0.115 -- and recomputing the BOM with the new footprint gives the same total."""
    from decimal import Decimal
    from uuid import UUID

    from footprint.pact_supplier import change_from_new_version

    old = _pf("example-1.json")
    bom = use_pact_in_bom(mini_bom, "seat", old, on=ON)
    assert bom.line("seat").supplier_pcf.pact_pf_id == str(old.id)
    before = compute(bom, mini_snapshot, net_credits_rule=NETTED)
    newer = old.model_copy(update={
        "id": UUID("a1b2c3d4-0000-4000-8000-000000000001"), "preceding_pf_ids": [old.id],
        "pcf": old.pcf.model_copy(update={"pcf_including_biogenic_uptake": Decimal("-1.00")})})
    change = change_from_new_version(bom, before, newer, on=ON)
    assert [c.line_id for c in change.lines] == ["seat"]
    assert math.isclose(change.lines[0].delta_kgco2e, 0.115, rel_tol=1e-9)
    after = compute(use_pact_in_bom(bom, "seat", newer, on=ON), mini_snapshot, net_credits_rule=NETTED)
    assert math.isclose(change.total_after, after.total_kgco2e, rel_tol=1e-12)
    # a footprint that replaces something else changes nothing here
    unrelated = newer.model_copy(update={"preceding_pf_ids": [UUID("a1b2c3d4-0000-4000-8000-000000000002")]})
    assert change_from_new_version(bom, before, unrelated, on=ON) is None
    # a newer footprint that is no longer valid on the BOM's date is reported, not used
    expired = newer.model_copy(update={"validity_period_end": newer.validity_period_start})
    refused = change_from_new_version(bom, before, expired, on=ON)
    assert refused.lines == () and "not valid on 2026-06-01" in refused.refused[0]
