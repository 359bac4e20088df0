"""DERIVED lines: an indicative SEE from a BOM with cbam_role and its footprint lines."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from footprint.bom import validate_bom
from tariffs import exposure_report
from tariffs.derived import LineFootprint, derive_see
from tariffs.errors import DerivationError, LineInputError
from tariffs.params import shipped_parameters
from tariffs.reference import shipped_reference

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
FASTENER = EXAMPLES / "steel_fastener.bom.json"
# footprint per declared unit (1 kg of bolts), kg CO2e, as a footprint engine would report them
FOOTPRINT = {
    "wire_rod": LineFootprint(2.0246, 1.06, "kg"),
    "wire_rod_truck": LineFootprint(0.0358, 1.0, "piece"),
    "plant": LineFootprint(0.6758, 1.0, "kg"),
    "plant_electricity": LineFootprint(0.3928, 0.68, "kWh"),
    "furnace_gas": LineFootprint(0.073, 1.3, "MJ"),
    "zinc_plating": LineFootprint(0.21, 1.0, "kg"),
    "carton": LineFootprint(0.0144, 0.018, "kg"),
    "pallet": LineFootprint(0.0038, 0.012, "kg"),
}
LINE = {"cn_code": "73181595", "country_of_origin": "CN", "net_mass_t": "60", "import_date": "2026-02-15",
        "data_basis": "DERIVED", "bom_ref": "steel_fastener.bom.json"}


def _fake_deriver(footprint=FOOTPRINT):
    bom = validate_bom(json.loads(FASTENER.read_text(encoding="utf-8")))

    def derive(line, entry):
        return derive_see(bom, footprint, str(line.bom_ref), line, entry, shipped_reference(), shipped_parameters("EU"))

    return derive


def test_fastener_mapping_by_hand() -> None:
    """Wire rod precursor:7213: 1.06 kg x China default 3.169 t/t = 3.35914 kg; furnace gas (direct
    fuel) 0.073 kg; electricity excluded (steel is direct-only); truck, zinc plating (no role),
    carton and pallet outside the boundary. SEE = 3.43214 kg / 1 kg = 3.43214 t/t.
    60 t: EE 205.9284; SEFA estimated 0.975 x 1.364 = 1.3299, FAA 79.794; certificates 126.1344;
    x 75.36 = 9505.488384 -> 9505.49. Default: 60 x (7.0125 - 1.3299) = 340.956 -> 25694.44;
    saving 16188.95."""
    report = exposure_report([LINE], importer="IMP", derive=_fake_deriver())
    result = report.lines[0]
    assert result.data_basis == "DERIVED"
    assert result.see == Decimal("3.43214")
    assert result.certificates == Decimal("126.1344") and result.cost_eur == Decimal("9505.49")
    assert result.default_cost_eur == Decimal("25694.44") and result.saving_eur == Decimal("16188.95")
    assert set(result.flags) == {"DERIVED_FROM_PCF", "SEFA_ESTIMATED"}
    mapping = {row["line_id"]: row for row in result.derivation.lines}
    assert mapping["wire_rod"]["treatment"] == "precursor"
    assert mapping["wire_rod"]["cbam_kgco2e"] == pytest.approx(3.35914)
    assert mapping["plant_electricity"]["treatment"] == "excluded"
    assert mapping["wire_rod_truck"]["treatment"] == "excluded"
    assert mapping["zinc_plating"]["treatment"] == "excluded"
    assert "plant" not in mapping  # opened up: its children carry the roles
    # 0.0358 + 0.3928 + 0.21 + 0.0144 + 0.0038 = 0.6568 kg outside the CBAM boundary
    assert result.derivation.excluded_kgco2e == Decimal("0.6568")


def test_derived_line_for_fertiliser_counts_electricity() -> None:
    """A direct+indirect good (ammonium nitrate 3102 30 90) keeps the electricity line: per 1 t,
    0.21 t ammonia precursor:28141000 (China default 4.36 t/t) = 915.6 kg; nitric-acid process
    (N2O) 300 kg; electricity 60 kg; bagging outside -> SEE (915.6 + 300 + 60) / 1000 = 1.2756 t/t."""
    bom = validate_bom({
        "schema_version": "1",
        "product": {"id": "an", "name": "Ammonium nitrate", "category": "fertiliser",
                    "declared_unit": {"unit": "t", "amount": 1}, "cn_code": "31023090", "boundary": "cradle-to-gate",
                    "reference_period": {"start": "2025-01-01", "end": "2025-12-31"}, "site_region": "CN-GD"},
        "lines": [
            {"line_id": "ammonia", "name": "ammonia", "quantity": 0.21, "unit": "t", "stage": "raw_materials",
             "data_type": "primary", "supplier_pcf": {"kgco2e_per_unit": 2500}, "cbam_role": "precursor:28141000"},
            {"line_id": "n2o", "name": "nitric acid N2O", "quantity": 1, "unit": "kg", "stage": "manufacturing",
             "data_type": "primary", "supplier_pcf": {"kgco2e_per_unit": 300}, "cbam_role": "process"},
            {"line_id": "power", "name": "plant power", "quantity": 1, "unit": "kg", "stage": "manufacturing",
             "data_type": "primary", "supplier_pcf": {"kgco2e_per_unit": 60}, "cbam_role": "electricity"},
            {"line_id": "bags", "name": "bags", "quantity": 1, "unit": "kg", "stage": "packaging",
             "data_type": "primary", "supplier_pcf": {"kgco2e_per_unit": 5}},
        ],
    })
    footprint = {"ammonia": LineFootprint(525, 0.21, "t"), "n2o": LineFootprint(300, 1, "kg"),
                 "power": LineFootprint(60, 1, "kg"), "bags": LineFootprint(5, 1, "kg")}
    line = {**LINE, "cn_code": "31023090", "bom_ref": "an.json"}

    def derive(import_line, entry):
        return derive_see(bom, footprint, "an.json", import_line, entry, shipped_reference(), shipped_parameters("EU"))

    result = exposure_report([line], importer="IMP", derive=derive).lines[0]
    assert result.see == Decimal("1.2756")
    treatments = {row["line_id"]: row["treatment"] for row in result.derivation.lines}
    assert treatments == {"ammonia": "precursor", "n2o": "direct", "power": "indirect", "bags": "excluded"}


def test_derivation_errors_name_the_line_and_bom() -> None:
    wrong_cn = {**LINE, "cn_code": "72083900"}
    with pytest.raises(DerivationError, match="line 1, field 'bom_ref'.*does not match the line's CN 72083900"):
        exposure_report([wrong_cn], importer="IMP", derive=_fake_deriver())
    missing = {k: v for k, v in FOOTPRINT.items() if k != "furnace_gas"}
    with pytest.raises(DerivationError, match="'furnace_gas' has no result"):
        exposure_report([LINE], importer="IMP", derive=_fake_deriver(missing))
    with pytest.raises(LineInputError, match="need a footprint deriver"):
        exposure_report([LINE], importer="IMP")
