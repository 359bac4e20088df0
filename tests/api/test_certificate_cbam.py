"""A certified footprint of a CBAM good: its indicative exposure on the certificate API and page."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from tariffs.params import params
from tests.api.helpers import application_under_review, certified, step
from tests.api.standin import sample_bom


def bolts_bom() -> dict[str, Any]:
    """1 t of carbon-steel bolts (CN 73181595); stand-in footprint = quantity x supplier PCF:
    wire rod 1.06 t (precursor:7213, its footprint 2,120 kg is replaced by 1,060 kg x China default
    3.169 = 3,359.14 kg), furnace gas 73 kg (direct fuel), power 680 kWh x 0.5 = 340 kg (electricity:
    excluded, steel is direct-only). SEE = (3,359.14 + 73) / 1,000 kg = 3.43214 t/t."""
    bom = sample_bom("Carbon-steel bolts")
    bom["product"].update({"id": "bolts-1", "category": "fasteners", "cn_code": "73181595",
                           "declared_unit": {"unit": "t", "amount": 1}})
    line = {"stage": "raw_materials", "data_type": "primary"}
    bom["lines"] = [
        {**line, "line_id": "wire_rod", "name": "wire rod", "quantity": 1.06, "unit": "t",
         "supplier_pcf": {"kgco2e_per_unit": 2000, "verified": True}, "cbam_role": "precursor:7213"},
        {**line, "line_id": "gas", "name": "furnace gas", "quantity": 73, "unit": "kg", "stage": "manufacturing",
         "supplier_pcf": {"kgco2e_per_unit": 1, "verified": True}, "cbam_role": "direct_fuel"},
        {**line, "line_id": "power", "name": "plant power", "quantity": 680, "unit": "kWh", "stage": "manufacturing",
         "supplier_pcf": {"kgco2e_per_unit": 0.5, "verified": True}, "cbam_role": "electricity"},
    ]
    return bom


@pytest.mark.parametrize("database", ["sqlite"], indirect=True)
def test_certificate_of_a_cbam_good_shows_its_indicative_exposure(client, actors) -> None:
    exporter = actors.add("exporter", "exporter", "Bolt Co")
    certifier = actors.add("certifier", "certifier", "GD Cert Body")
    application = application_under_review(client, exporter, certifier, "Carbon-steel bolts", bom=bolts_bom())
    answer = step(client, certifier, application["id"], "approve")
    assert answer.status_code == 201, answer.text
    number = answer.json()["number"]
    exposure = client.get(f"/v1/certificates/{number}/cbam-exposure", headers=exporter)
    assert exposure.status_code == 200, exposure.text
    data = exposure.json()
    assert (data["status"], data["declarable"], data["cn_code"]) == ("INDICATIVE_NOT_DECLARABLE", False, "73181595")
    assert data["see_t_per_t"] == 3.43214
    # certificates per t = SEE - CBAM factor x CSCF x 1.364 (Column B, route C) of the year of today
    today = params(at=date.today())
    sefa = today["cbam_factor"] * today["cscf"] * Decimal("1.364")
    assert Decimal(str(data["certificates_per_t"])) == max(Decimal(0), Decimal("3.43214") - sefa)
    assert "DERIVED_FROM_PCF" in data["flags"] and "NOT declarable" in data["notes"][0]
    page = client.get(f"/verify/{number}").text
    assert 'id="cbam-indicative"' in page and "NOT declarable" in page and "3.43214" in page
    assert client.get(f"/v1/certificates/{number}/cbam-exposure").status_code == 401


@pytest.mark.parametrize("database", ["sqlite"], indirect=True)
def test_certificate_of_another_product_has_no_cbam_block(client, actors) -> None:
    exporter = actors.add("exporter", "exporter", "Lamp Co")
    certifier = actors.add("certifier", "certifier", "GD Cert Body")
    number = certified(client, exporter, certifier)["number"]
    assert client.get(f"/v1/certificates/{number}/cbam-exposure", headers=exporter).status_code == 404
    assert 'id="cbam-indicative"' not in client.get(f"/verify/{number}").text
