"""End to end over real HTTP (uvicorn on 127.0.0.1, httpx), real engine and real label rules, on both databases.

exporter uploads a BOM -> footprint -> applies -> certifier approves -> certificate PDF ->
verification shows valid -> certifier revokes -> verification shows revoked.
"""

from __future__ import annotations

import json
import subprocess
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.http.app import create_app
from api.usecases.engine import EngineDomain
from tests.api.conftest import LiveServer

FIXTURES = Path(__file__).parent / "fixtures"


class RealDomain(EngineDomain):
    """The real domain: the engine's footprints are graded by the real rule sets, unchanged."""


def evidence_for(bom: dict[str, Any]) -> dict[str, Any]:
    product = bom["product"]
    return {
        "product_id": product["id"],
        "declared_unit": product["declared_unit"],
        "product_rule": {"id": product["product_rule"], "kind": "gd_group"},
        "label_use": "b2b",
        "reference_period": product["reference_period"],
        "verifier": {
            "name": "Example Verification Co.",
            "accreditation_body": "CNAS",
            "accreditation_standard": "ISO 14065",
            "accreditation_valid_until": f"{date.today().year + 2}-12-31",
            "cnca_approved": False,
            "on_site_inspection": True,
            "statement_id": "VS-2026-001",
        },
        "offsets": {"netted_in_footprint": False, "retired": []},
        # G11 (issue 10): a legal entity with a data procedure in operation >= 3 months and a reduction plan
        "applicant": {"legal_entity_name": "Foshan Lamp Works", "registration_id": "91440600EXAMPLE0001",
                      "data_procedure_since": f"{date.today().year - 1}-01-01",
                      "reduction_plan": {"reference": "RP-1", "adopted_on": f"{date.today().year - 1}-01-01"}},
    }


@pytest.fixture
def real_server(settings, database):  # type: ignore[no-untyped-def]
    from lcidb.build import build_snapshot

    build_snapshot(sources=[], name=None, with_default=False)  # the shipped default database
    application = create_app(settings, domain=RealDomain(), engine_connect_args=database.connect_args)
    with LiveServer(application) as server:
        yield server, application
    application.state.service.engine.dispose()


def token(http: httpx.Client, client_id: str, secret: str) -> dict[str, str]:
    answer = http.post(
        "/auth/token", data={"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}
    )
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def test_lifecycle_over_http(real_server, tmp_path) -> None:
    server, application = real_server
    from api.usecases import accounts

    with application.state.service.sessions() as session:
        exporter_org = accounts.get_or_create_organisation(session, name="Foshan Lamp Works 佛山灯具厂")
        cert_org = accounts.get_or_create_organisation(session, name="GD Certification Centre")
        exp = accounts.create_user(session, organisation=exporter_org, name="exporter", role="exporter", actor=None)
        cer = accounts.create_user(session, organisation=cert_org, name="certifier", role="certifier", actor=None)
        session.commit()
    bom_path = FIXTURES / "desk_lamp.bom.json"
    bom = json.loads(bom_path.read_text(encoding="utf-8"))
    with httpx.Client(base_url=server.url, timeout=120) as http:
        exporter = token(http, exp.client_id, exp.client_secret)
        certifier = token(http, cer.client_id, cer.client_secret)
        product = http.post(
            "/v1/products", json={"name": bom["product"]["name"], "category": "lighting"}, headers=exporter
        )
        assert product.status_code == 201, product.text
        product_id = product.json()["id"]
        upload = http.post(
            f"/v1/products/{product_id}/boms",
            files={"file": (bom_path.name, bom_path.read_bytes(), "application/json")},
            headers=exporter,
        )
        assert upload.status_code == 201, upload.text
        assert upload.json()["line_count"] == 4
        footprint = http.post(
            f"/v1/products/{product_id}/footprints", json={"bom_id": upload.json()["id"]}, headers=exporter
        )
        assert footprint.status_code == 201, footprint.text
        result = footprint.json()["result"]
        assert footprint.json()["snapshot_name"] == "default"
        lines = {line["line_id"]: line for line in result["lines"][0]["children"]}
        # the supplier's PCF: 1 piece x 2.5 kg CO2e/piece = 2.5 (hand)
        assert abs(lines["driver"]["kgco2e"] - 2.5) < 1e-9
        # the total is the sum of its three inputs
        assert abs(result["total_kgco2e"] - sum(line["kgco2e"] for line in lines.values())) < 1e-9

        applied = http.post(
            "/v1/applications",
            json={
                "product_id": product_id,
                "footprint_id": footprint.json()["id"],
                "scheme": "gd-carbon-label",
                "evidence": evidence_for(bom),
            },
            headers=exporter,
        )
        assert applied.status_code == 201, applied.text
        application_id = applied.json()["id"]
        assert http.post(f"/v1/applications/{application_id}/submit", headers=exporter).status_code == 200
        assert http.post(f"/v1/applications/{application_id}/start-review", headers=certifier).status_code == 200
        approved = http.post(f"/v1/applications/{application_id}/approve", headers=certifier)
        assert approved.status_code == 201, approved.text
        certificate = approved.json()
        number = certificate["number"]
        document = certificate["document"]
        assert (document["scheme"], document["tier"]) == ("gd-carbon-label", "T1")
        assert document["rule_set_version"] == "gd-carbon-label@2025.1"
        assert document["provenance"]["snapshot_hash"] == footprint.json()["snapshot_hash"]
        assert float(document["footprint"]["total_kgco2e"]) == result["total_kgco2e"]

        pdf = http.get(f"/v1/certificates/{number}/pdf", headers=exporter)
        assert pdf.status_code == 200
        (tmp_path / "cert.pdf").write_bytes(pdf.content)
        text = subprocess.run(
            ["pdftotext", str(tmp_path / "cert.pdf"), "-"], capture_output=True, text=True, check=True
        ).stdout
        assert number in text and "广东碳标签 · 碳足迹标识" in text and "铝制台灯" in text

        valid = http.get(f"/verify/{number}", headers={"Accept": "application/json"})  # no login
        assert valid.status_code == 200
        assert (valid.json()["status"], valid.json()["signature"]["valid"]) == ("valid", True)
        page = http.get(f"/verify/{number}")
        assert 'id="status">valid<' in page.text

        revoked = http.post(
            f"/v1/certificates/{number}/revoke", json={"reason": "supplier PCF withdrawn"}, headers=certifier
        )
        assert revoked.status_code == 200, revoked.text
        after = http.get(f"/verify/{number}", headers={"Accept": "application/json"}).json()
        assert (after["status"], after["status_reason"]) == ("revoked", "supplier PCF withdrawn")
        assert 'id="status">revoked<' in http.get(f"/verify/{number}").text
        audit = http.get("/v1/audit", params={"entity_type": "certificate"}, headers=certifier).json()
        assert [(a["action"], a["to_state"], a["reason"]) for a in audit] == [
            ("issue", "valid", None),
            ("revoke", "revoked", "supplier PCF withdrawn"),
        ]


def test_unlinked_bom_lines_answer_422_with_the_linking_report(real_server) -> None:  # type: ignore[no-untyped-def]
    server, application = real_server
    from api.usecases import accounts

    with application.state.service.sessions() as session:
        org = accounts.get_or_create_organisation(session, name="Lamp Co")
        exp = accounts.create_user(session, organisation=org, name="exporter", role="exporter", actor=None)
        session.commit()
    bom = json.loads((FIXTURES / "desk_lamp.bom.json").read_text(encoding="utf-8"))
    bom["lines"][1]["factor_id"] = "mat_aluminium_recyled"  # typo
    with httpx.Client(base_url=server.url, timeout=120) as http:
        exporter = token(http, exp.client_id, exp.client_secret)
        product_id = http.post("/v1/products", json={"name": "Lamp"}, headers=exporter).json()["id"]
        upload = http.post(
            f"/v1/products/{product_id}/boms", files={"file": ("lamp.json", json.dumps(bom).encode())}, headers=exporter
        )
        assert upload.status_code == 201
        answer = http.post(
            f"/v1/products/{product_id}/footprints", json={"bom_id": upload.json()["id"]}, headers=exporter
        )
        assert answer.status_code == 422
        body = answer.json()
        assert "mat_aluminium_recyled" in body["detail"]
        assert "linking_report" in body, body


@pytest.mark.parametrize("database", ["sqlite"], indirect=True)
def test_monte_carlo_footprints_are_seeded_and_reproducible(real_server) -> None:  # type: ignore[no-untyped-def]
    server, application = real_server
    from api.usecases import accounts

    with application.state.service.sessions() as session:
        org = accounts.get_or_create_organisation(session, name="Lamp Co")
        exp = accounts.create_user(session, organisation=org, name="exporter", role="exporter", actor=None)
        session.commit()
    bom_path = FIXTURES / "desk_lamp.bom.json"
    with httpx.Client(base_url=server.url, timeout=120) as http:
        exporter = token(http, exp.client_id, exp.client_secret)
        product_id = http.post("/v1/products", json={"name": "Lamp"}, headers=exporter).json()["id"]
        bom_id = http.post(
            f"/v1/products/{product_id}/boms", files={"file": (bom_path.name, bom_path.read_bytes())}, headers=exporter
        ).json()["id"]
        runs = [
            http.post(
                f"/v1/products/{product_id}/footprints",
                json={"bom_id": bom_id, "monte_carlo": 200, "seed": seed},
                headers=exporter,
            )
            for seed in (7, 7, 8)
        ]
        assert [r.status_code for r in runs] == [201, 201, 201], runs[0].text
        first, again, other = (r.json() for r in runs)
        assert first["seed"] == 7 and first["result"]["uncertainty"]["iterations"] == 200
        # same inputs + same snapshot + same seed = the same numbers, bit for bit
        assert first["result"]["uncertainty"] == again["result"]["uncertainty"]
        assert other["result"]["uncertainty"] != first["result"]["uncertainty"]
        assert first["total_kgco2e"] == other["total_kgco2e"]  # the deterministic total does not move
        bad = http.post(
            f"/v1/products/{product_id}/footprints", json={"bom_id": bom_id, "monte_carlo": True}, headers=exporter
        )
        assert bad.status_code == 422  # strict input: a boolean is not an iteration count
