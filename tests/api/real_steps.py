"""Steps shared by the issue 16 tests that run the real engine and rules over real HTTP (real_server)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx

from tests.api.test_e2e_http import token

BOM_PATH = Path(__file__).parent / "fixtures" / "desk_lamp.bom.json"


def exporter_and_certifier(application: Any, http: httpx.Client) -> tuple[dict[str, str], dict[str, str]]:
    from api.usecases import accounts

    with application.state.service.sessions() as session:
        exp = accounts.create_user(session, organisation=accounts.get_or_create_organisation(session, name="Lamp Co"),
                                   name="exporter", role="exporter", actor=None)
        cer = accounts.create_user(session, organisation=accounts.get_or_create_organisation(session, name="GD Cert"),
                                   name="certifier", role="certifier", actor=None)
        session.commit()
    return token(http, exp.client_id, exp.client_secret), token(http, cer.client_id, cer.client_secret)


def desk_lamp_footprint(http: httpx.Client, exporter: dict[str, str]) -> tuple[dict[str, Any], str, dict[str, Any]]:
    """The BOM, the product id and the computed footprint of the desk-lamp fixture."""
    bom = json.loads(BOM_PATH.read_text(encoding="utf-8"))
    product_id = http.post("/v1/products", json={"name": "lamp", "category": "lighting"}, headers=exporter).json()["id"]
    upload = http.post(f"/v1/products/{product_id}/boms",
                       files={"file": (BOM_PATH.name, BOM_PATH.read_bytes(), "application/json")}, headers=exporter)
    footprint = http.post(f"/v1/products/{product_id}/footprints", json={"bom_id": upload.json()["id"]},
                          headers=exporter)
    assert footprint.status_code == 201, footprint.text
    return bom, product_id, footprint.json()


def t2_dossier(bom: dict[str, Any], footprint: dict[str, Any]) -> dict[str, Any]:
    """The label evidence of a footprint that achieves T2 in this cycle (what T4 needs): the previous footprint
    re-baselined at total / 0.9 on the same snapshot (a 10 % cut); stated uncertainty 1 % of the PCF, well under
    the cut."""
    from decimal import Decimal

    from tests.api.test_e2e_http import evidence_for

    previous = str(Decimal(repr(footprint["result"]["total_kgco2e"])) / Decimal("0.9"))
    return evidence_for(bom) | {
        "previous_certificate": {"certificate_id": "GD-2024-1", "scheme": "gd-carbon-label", "certified_kgco2e": previous,
                                 "reference_period": {"start": "2024-01-01", "end": "2024-12-31"},
                                 "previous_footprint_rebaselined": previous,
                                 "rebaseline_snapshot_hash": footprint["snapshot_hash"], "rebaseline_method": "AR6"},
        "declared_uncertainty": {"half_width_95_share": "0.01", "basis": "test"},
    }
