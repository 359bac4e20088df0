"""Issue 9 end to end over real HTTP (uvicorn, httpx), real engine and rules, on SQLite and PostgreSQL:
an honest application runs to a certificate; then every attack of "What was seen" 1, 3, 4, 5 and 9
is tried against the running server; each answers a coded 4xx (or, for 4, a red status), no
answer is a 5xx, and at the end the honest certificate still verifies as valid.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from api.http.app import create_app
from api.errors import InsecureConfiguration
from tests.api.helpers import apply, compute, create_product, step, upload_bom
from tests.api.test_e2e_http import FIXTURES, RealDomain, evidence_for, real_server, token  # noqa: F401

JSON = {"Accept": "application/json"}


def refused(answer: httpx.Response, code: str | None = None) -> dict[str, Any]:
    assert 400 <= answer.status_code < 500, (answer.status_code, answer.text)
    assert answer.headers["content-type"].startswith("application/json"), answer.text
    body = answer.json()
    assert "code" in body, body
    if code is not None:
        assert body["code"] == code, body
    return body  # type: ignore[no-any-return]


def nested(depth: int) -> dict[str, Any]:
    document: dict[str, Any] = {"leaf": True}
    for _ in range(depth - 1):
        document = {"x": document}
    return document


def certify(http: httpx.Client, exporter: dict[str, str], certifier: dict[str, str], name: str) -> str:
    bom = json.loads((FIXTURES / "desk_lamp.bom.json").read_text(encoding="utf-8"))
    product = create_product(http, exporter, name)
    footprint = compute(http, exporter, product["id"], upload_bom(http, exporter, product["id"], bom)["id"])
    application = apply(http, exporter, product["id"], footprint["id"], scheme="gd-carbon-label",
                        evidence=evidence_for(bom))
    assert step(http, exporter, application["id"], "submit").status_code == 200
    assert step(http, certifier, application["id"], "start-review").status_code == 200
    approved = step(http, certifier, application["id"], "approve")
    assert approved.status_code == 201, approved.text
    return str(approved.json()["number"])


def test_honest_certificate_survives_every_attack(real_server, settings, database, tmp_path) -> None:  # noqa: F811
    server, application = real_server
    from api.usecases import accounts

    with application.state.service.sessions() as session:
        users = {}
        for label, role, org in (("honest", "exporter", "Foshan Lamp Works"), ("attacker", "exporter", "Shady Co"),
                                 ("certifier", "certifier", "GD Certification Centre"),
                                 ("trade", "trade_office", "HK Trade Office")):
            organisation = accounts.get_or_create_organisation(session, name=org)
            users[label] = accounts.create_user(session, organisation=organisation, name=label, role=role, actor=None)
        session.commit()
    with httpx.Client(base_url=server.url, timeout=120) as http:
        h = {label: token(http, u.client_id, u.client_secret) for label, u in users.items()}
        honest = certify(http, h["honest"], h["certifier"], "铝制台灯 desk lamp")
        honest_before = http.get(f"/verify/{honest}", headers=JSON).json()
        assert honest_before["status"] == "valid"

        attacker = h["attacker"]
        product_id = http.post("/v1/products", json={"name": "Lamp"}, headers=attacker).json()["id"]
        bom = json.loads((FIXTURES / "desk_lamp.bom.json").read_text(encoding="utf-8"))

        def upload(document: str | bytes, name: str = "bom.json") -> httpx.Response:
            raw = document.encode() if isinstance(document, str) else document
            return http.post(f"/v1/products/{product_id}/boms", files={"file": (name, raw, "application/json")},
                             headers=attacker)

        # 1: a negative supplier PCF never becomes a footprint
        negative = json.loads(json.dumps(bom))
        driver = next(line for line in negative["lines"] if "supplier_pcf" in line)
        driver["supplier_pcf"]["kgco2e_per_unit"] = -1000
        refused(upload(json.dumps(negative)), "bom.negative_emissions")

        # 3: deep evidence changes nothing and breaks no listing
        fine = http.post("/v1/products", json={"name": "Other lamp"}, headers=attacker).json()["id"]
        bom_id = http.post(f"/v1/products/{fine}/boms", files={"file": ("b.json", json.dumps(bom).encode())},
                           headers=attacker).json()["id"]
        footprint_id = http.post(f"/v1/products/{fine}/footprints", json={"bom_id": bom_id},
                                 headers=attacker).json()["id"]
        draft = http.post("/v1/applications", json={"product_id": fine, "footprint_id": footprint_id,
                                                    "scheme": "gd-carbon-label", "evidence": {}},
                          headers=attacker).json()["id"]
        for depth in (255, 500, 20):
            refused(http.post(f"/v1/applications/{draft}/submit", json={"evidence": nested(depth)}, headers=attacker))
        assert http.get(f"/v1/applications/{draft}", headers=attacker).json()["status"] == "draft"
        for who in ("certifier", "honest", "attacker"):
            assert http.get("/v1/applications", headers=h[who]).status_code == 200

        # 5: names, numbers and files that used to answer 500
        refused(upload(json.dumps(bom), "x" * 300 + ".json"), "upload.filename_too_long")
        refused(upload(json.dumps(bom).replace('"quantity": 1,', '"quantity": 1e308,', 1)), "bom.too_large")
        for literal in ("NaN", "Infinity", "1e400"):
            refused(http.post(f"/v1/products/{product_id}/footprints", content='{"bom_id": "x", "seed": %s}' % literal,
                              headers={**attacker, "Content-Type": "application/json"}), "json.non_finite")
        line = {"cn_code": "72083900", "country_of_origin": "CN", "net_mass_t": 1e30, "import_date": "2026-02-15"}
        refused(http.post("/v1/cbam/exposure", json={"lines": [line]}, headers=h["trade"]), "cbam.invalid_line")
        for name, code in (('"bolt\\ud800"', "json.lone_surrogate"), ('"bolt\\u0000"', "json.nul_character")):
            refused(http.post("/v1/products", content='{"name": %s}' % name,
                              headers={**attacker, "Content-Type": "application/json"}), code)

        # 9: blank and right-to-left names, booleans as numbers, duplicate keys
        refused(http.post("/v1/products", json={"name": "   "}, headers=attacker), "request.validation")
        refused(http.post("/v1/products", json={"name": "bolt\u202etxt.exe"}, headers=attacker), "request.validation")
        refused(upload(json.dumps(bom).replace('"quantity": 1,', '"quantity": true,', 1)), "bom.boolean_as_number")
        refused(http.post("/v1/products", content='{"name": "Lamp", "name": "Evil"}',
                          headers={**attacker, "Content-Type": "application/json"}), "json.duplicate_key")

        # 4: a certificate whose tier is edited in the database shows red, never valid
        forged = certify(http, attacker, h["certifier"], "Shady lamp")
        with application.state.service.engine.begin() as conn:
            if database.kind == "sqlite":
                conn.execute(text("DROP TRIGGER IF EXISTS certificates_no_update"))
            else:
                conn.execute(text("ALTER TABLE certificates DISABLE TRIGGER certificates_immutable"))
            conn.execute(text("UPDATE certificates SET tier = 'T3' WHERE number = :n"), {"n": forged})
            if database.kind == "postgres":
                conn.execute(text("ALTER TABLE certificates ENABLE TRIGGER certificates_immutable"))
        assert http.get(f"/verify/{forged}", headers=JSON).json()["status"] == "record_altered"
        assert 'class="status record_altered"' in http.get(f"/verify/{forged}").text

        # the honest certificate still verifies, unchanged
        honest_after = http.get(f"/verify/{honest}", headers=JSON).json()
        assert honest_after["status"] == "valid" and honest_after["signature"]["valid"] is True
        assert honest_after["signed_document"] == honest_before["signed_document"]
        assert 'id="status">valid<' in http.get(f"/verify/{honest}").text

    # 4: a restart with a new key and no verify keys is refused instead of showing "valid" beside a failure
    with pytest.raises(InsecureConfiguration):
        create_app(replace(settings, signing_key_path=tmp_path / "new.pem"), domain=RealDomain(),
                   engine_connect_args=database.connect_args)
