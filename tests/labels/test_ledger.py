"""The retirement ledger (labels/ledger.py, labels/programmes.py): serial ranges, conflicts across claims,
programme eligibility as data, green certificates held once."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from labels.ledger import (
    CreditLot,
    LedgerConflict,
    SerialUnparseable,
    certificate_holding,
    conflicts,
    lot_holding,
    parse_serial_range,
    refuse_conflicts,
)
from labels.programmes import ccer_power_conflicts, load_programmes, lot_eligibility

ALL = ["CCER", "GD-PHCER", "GZCER", "SZ-PHCER", "VCS", "GS"]


def lot(**kw) -> CreditLot:
    base = dict(programme="CCER", registry="ccer.cets.org.cn", project_id="CCER-44-0001", project_name="Test",
                methodology="CCER-14-001-V01", project_type="forestry", removal=True, vintage=2024,
                serial_range="BLK-A:1-60", quantity_tco2e="60", retired_on=date(2025, 6, 30), evidence_file="r.pdf")
    return CreditLot.model_validate(base | kw)


@pytest.mark.parametrize(("text", "block", "first", "last"), [
    ("BLK-A:1-60", "BLK-A", 1, 60),
    ("CCER-440000-2024-001:000001-001000", "CCER-440000-2024-001", 1, 1000),  # leading zeros read as numbers
    ("BLK-A:7", "BLK-A", 7, 7),  # a single unit
])
def test_serial_ranges_in_the_documented_form_parse(text: str, block: str, first: int, last: int) -> None:
    r = parse_serial_range(text)
    assert (r.block, r.first, r.last, r.units) == (block, first, last, last - first + 1)


@pytest.mark.parametrize("text", ["CCER 000001 to 000090", "BLK-A:60-1", ":1-5", "BLK-A:1-", "BLK-A:x-y",
                                  "7386-390467718-390473417-VCU-034"])
def test_anything_else_is_refused_naming_the_value(text: str) -> None:
    with pytest.raises(SerialUnparseable, match="lots.3.serial_range"):
        parse_serial_range(text, "lots.3.serial_range")


def test_a_lot_held_by_one_exporters_claim_is_refused_for_anothers() -> None:
    held = [lot_holding("claim-A (exporter 1)", lot())]
    # same block, units 60..89 overlap unit 60
    with pytest.raises(LedgerConflict, match=r"CCER BLK-A:60-89 is already held by claim claim-A \(exporter 1\)"):
        refuse_conflicts([lot_holding("claim-B", lot(serial_range="BLK-A:60-89", quantity_tco2e="30"))], held)
    # adjacent 61..90 is free; another block with the same numbers is free
    assert conflicts([lot_holding("claim-B", lot(serial_range="BLK-A:61-90", quantity_tco2e="30"))], held) == []
    assert conflicts([lot_holding("claim-B", lot(serial_range="BLK-B:1-60"))], held) == []
    # the holding claim re-submitting its own lot is not a conflict
    assert conflicts([lot_holding("claim-A (exporter 1)", lot())], held) == []


def test_a_retirement_record_backs_one_claim_only() -> None:
    record = dict(programme="SZ-PHCER", serial_range=None, retirement_record_id="SZ-TZH-0001", quantity_tco2e="12.5",
                  methodology="SZ-M", project_type=None, removal=False)
    held = [lot_holding("claim-A", lot(**record))]
    found = conflicts([lot_holding("claim-B", lot(**record))], held)
    assert [c.message() for c in found] == ["SZ-PHCER record SZ-TZH-0001 is already held by claim claim-A "
                                            "(SZ-PHCER record SZ-TZH-0001)"]
    # the same record id in another programme is another record
    assert conflicts([lot_holding("claim-B", lot(**(record | {"programme": "GZCER"})))], held) == []


def test_a_green_certificate_backs_one_products_claim_once() -> None:
    held = [certificate_holding("claim-A", "GEC-2025-W:1-10", "PLANT-1", 2025)]
    assert conflicts([certificate_holding("claim-B", "GEC-2025-W:10-12", "PLANT-1", 2025)], held)
    assert not conflicts([certificate_holding("claim-B", "GEC-2025-W:11-12", "PLANT-1", 2025)], held)
    # a certificate id that is not a range is compared exactly
    held_id = [certificate_holding("claim-A", "GEC 0001", None, 2025)]
    assert conflicts([certificate_holding("claim-B", " GEC 0001 ", None, 2025)], held_id)
    assert not conflicts([certificate_holding("claim-B", "GEC 0002", None, 2025)], held_id)
    # a green certificate never clashes with a credit lot of the same numbers
    assert not conflicts([certificate_holding("claim-B", "BLK-A:1-60", None, 2024)], [lot_holding("claim-A", lot())])


def test_green_certificates_for_power_that_also_earned_ccer_are_refused() -> None:
    lots = [lot(project_id="OFFSHORE-1", project_type="offshore_wind", methodology="CCER-14-001-V01")]
    assert ccer_power_conflicts([("GEC:1-5", "OFFSHORE-1", 2024, None)], lots) == [
        "green certificate GEC:1-5: project OFFSHORE-1 vintage 2024 also earned CCER CCER BLK-A:1-60"]
    assert ccer_power_conflicts([("GEC:1-5", "OFFSHORE-1", 2025, None)], lots) == []
    assert ccer_power_conflicts([("GEC:1-5", None, 2025, "CCER-44-0900")], []) == [
        "green certificate GEC:1-5: its power is registered as CCER project CCER-44-0900"]


def test_eligibility_reports_unproven_lists_and_refuses_what_the_data_forbids() -> None:
    findings = lot_eligibility(lot(), ALL)
    # CCER-14-001-V01 is on the allow-list and declared a removal; the verifier list was not found
    assert [(f.check, f.refused) for f in findings] == [("verifier", False)]
    assert "no approved-verifier list" in findings[0].detail
    assert [(f.check, f.refused) for f in lot_eligibility(lot(removal=False), ALL)] == [("verifier", False),
                                                                                       ("permanence", True)]
    assert [(f.check, f.refused) for f in lot_eligibility(lot(), ["VCS"])] == [("programme", True)]
    gd = lot_eligibility(lot(programme="GD-PHCER", methodology="GD-M", project_type=None, removal=False), ALL)
    assert [(f.check, f.refused) for f in gd] == [("methodology", False), ("verifier", False)]


def test_every_programme_cites_a_source_and_lists_its_gaps() -> None:
    programmes = load_programmes()
    assert set(programmes) == set(ALL)
    for pid, p in programmes.items():
        assert p.source and p.gaps, pid
        for field in (p.tco2e_per_unit, p.reversible_methodologies, p.reversible_project_types, p.power_project_types):
            assert field.source or field.proposal, pid
        assert p.unit_tco2e == Decimal(1)


def test_a_green_certificate_of_power_held_as_ccer_by_another_claim_is_refused() -> None:
    held = [lot_holding("claim-A", lot(project_id="OFFSHORE-1", vintage=2025))]
    found = conflicts([certificate_holding("claim-B", "GEC-W:1-5", "OFFSHORE-1", 2025)], held)
    assert [c.message() for c in found] == [
        "GEC GEC-W:1-5: project OFFSHORE-1 vintage 2025 is also CCER BLK-A:1-60 held by claim claim-A (green "
        "certificate and CCER for the same power)"]
    assert not conflicts([certificate_holding("claim-B", "GEC-W:1-5", "OFFSHORE-1", 2024)], held)
