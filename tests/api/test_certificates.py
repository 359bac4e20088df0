"""Certificates: PDF in three languages with real CJK glyphs, signatures, tampering, public verification."""

from __future__ import annotations

import subprocess
from datetime import timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import text

from api.errors import InsecureConfiguration
from api.storage.models import utcnow
from api.documents.signing import b64url_decode, canonical_bytes
from tests.api.helpers import certified

JSON = {"Accept": "application/json"}


def test_pdf_holds_chinese_text_and_embeds_fonts_that_cover_it(client, actors, tmp_path) -> None:
    exporter = actors.add("exporter", "exporter", "深圳灯具有限公司")
    certifier = actors.add("certifier", "certifier", "GD Cert Body")
    number = certified(client, exporter, certifier, name="<script>alert(1)</script> LED 台灯")["number"]
    answer = client.get(f"/v1/certificates/{number}/pdf", headers=exporter)
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/pdf"
    pdf = tmp_path / "cert.pdf"
    pdf.write_bytes(answer.content)
    raw = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    words = " ".join(raw.split())  # titles may wrap
    for phrase in (
        "产品碳足迹标识证书",
        "產品碳足跡標識證書",
        "Product Carbon Footprint Label Certificate",
        "碳足迹标识",
        "摇篮到大门",
        "搖籃到大門",
        "深圳灯具有限公司",
        number,
    ):
        assert phrase in words, phrase
    # user text is text, never markup
    assert "<script>alert(1)</script> LED 台灯" in words
    # the footprint as signed and with 3 significant figures: 37.2 (standin: 17.2 + 20)
    assert "37.2" in words
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    cjk = [line for line in fonts.splitlines() if "CJK" in line]
    assert any("CJK-SC" in line for line in cjk) and any("CJK-TC" in line for line in cjk), fonts
    # columns: name type encoding emb sub uni -> every CJK font embedded with a Unicode map
    assert all(line.split()[-5:-2] == ["yes", "yes", "yes"] for line in cjk), fonts
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert [line.split() for line in info.splitlines() if line.startswith("Pages:")] == [["Pages:", "3"]]


def test_signature_verifies_with_the_published_key_and_tampering_fails(client, actors, app, database) -> None:
    exporter = actors.add("exporter", "exporter", "Lamp Co")
    certifier = actors.add("certifier", "certifier", "GD Cert Body")
    certificate = certified(client, exporter, certifier)
    keys = client.get("/v1/keys").json()["keys"]
    assert [k["kid"] for k in keys] == [certificate["key_id"]]
    assert certificate["document"]["key_id"] == certificate["key_id"]
    # independent check: the published JWK verifies the signature over the JCS bytes of the document
    public = Ed25519PublicKey.from_public_bytes(b64url_decode(keys[0]["x"]))
    public.verify(b64url_decode(certificate["signature"]), canonical_bytes(certificate["document"]))

    number = certificate["number"]
    assert client.get(f"/verify/{number}", headers=JSON).json()["signature"]["valid"] is True
    # tamper with the stored document (bypassing the immutability trigger the migration installs)
    with app.state.service.engine.begin() as conn:
        stored = conn.execute(text("SELECT payload FROM certificates WHERE number = :n"), {"n": number}).scalar_one()
        forged = stored.replace('"37.2"', '"3.72"')
        assert forged != stored
        if database.kind == "sqlite":
            conn.execute(text("DROP TRIGGER certificates_no_update"))
        else:
            conn.execute(text("ALTER TABLE certificates DISABLE TRIGGER certificates_immutable"))
        conn.execute(text("UPDATE certificates SET payload = :p WHERE number = :n"), {"p": forged, "n": number})
    verification = client.get(f"/verify/{number}", headers=JSON).json()
    assert verification["signature"]["valid"] is False
    assert verification["value"]["total_kgco2e"] == "3.72"
    page = client.get(f"/verify/{number}")
    assert "Signature check FAILED" in page.text


def test_stored_certificates_and_history_refuse_updates(client, actors, app) -> None:
    exporter = actors.add("exporter", "exporter", "Lamp Co")
    certifier = actors.add("certifier", "certifier", "GD Cert Body")
    number = certified(client, exporter, certifier)["number"]
    for statement in (
        "UPDATE certificates SET signature = 'x' WHERE number = :n",
        "DELETE FROM certificates WHERE number = :n",
        "UPDATE history SET reason = 'rewritten' WHERE entity_type = 'certificate' AND :n = :n",
    ):
        with pytest.raises(Exception, match="immutable"):
            with app.state.service.engine.begin() as conn:
                conn.execute(text(statement), {"n": number})


def test_public_verification_page_and_json(client, actors) -> None:
    exporter = actors.add("exporter", "exporter", "Lamp Co")
    certifier = actors.add("certifier", "certifier", "GD Cert Body")
    number = certified(client, exporter, certifier, name="<script>alert(1)</script>")["number"]
    machine = client.get(f"/verify/{number}", headers=JSON)
    assert machine.status_code == 200
    body = machine.json()
    assert body["status"] == "valid"
    assert body["product"]["name"] == "<script>alert(1)</script>"
    assert body["value"]["total_kgco2e"] == "37.2"
    assert body["value"]["declared_unit"] == {"amount": "1", "unit": "piece"}
    assert body["tier"] == "T1"
    assert body["signature"] == {
        "valid": True,
        "algorithm": "Ed25519",
        "key_id": body["signature"]["key_id"],
        "problem": None,
        "reason": None,
    }
    page = client.get(f"/verify/{number}")
    assert page.headers["content-type"].startswith("text/html")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert "<script>" not in page.text
    assert client.get("/verify/CL-2026-NOSUCH00", headers=JSON).status_code == 404
    assert client.get("/verify/CL-2026-NOSUCH00").status_code == 404


def test_dates_make_certificates_suspended_and_expired_without_writing(client, actors, monkeypatch) -> None:
    exporter = actors.add("exporter", "exporter", "Lamp Co")
    certifier = actors.add("certifier", "certifier", "GD Cert Body")
    certificate = certified(client, exporter, certifier)
    number = certificate["number"]
    issued = utcnow()
    import api.usecases.certificates as service

    def at(days: int) -> dict:
        monkeypatch.setattr(service, "utcnow", lambda: issued + timedelta(days=days))
        return client.get(f"/verify/{number}", headers=JSON).json()

    # stand-in rules: surveillance every 365 days, suspended when > 30 days overdue, valid 730 days
    assert at(394)["status"] == "valid"
    overdue = at(397)
    assert overdue["status"] == "suspended"
    assert overdue["status_since"][:10] == (issued.replace(microsecond=0) + timedelta(days=395)).date().isoformat()
    assert "overdue" in overdue["status_reason"]
    assert at(731)["status"] == "expired"
    assert at(731)["status_since"] == certificate["document"]["valid_until"].replace("Z", "Z")
    # nothing was written by asking
    history = client.get(f"/v1/certificates/{number}/history", headers=certifier).json()
    assert [h["action"] for h in history] == ["issue"]


def test_certificates_signed_with_an_earlier_key_still_verify(
    app, client, actors, settings, database, tmp_path
) -> None:
    from dataclasses import replace

    from api.http.app import create_app
    from tests.api.standin import StandInDomain

    exporter = actors.add("exporter", "exporter", "Lamp Co")
    certifier = actors.add("certifier", "certifier", "GD Cert Body")
    old = certified(client, exporter, certifier)
    # rotate: a new signing key; the old key's file is listed as a verification key
    rotated = replace(settings, signing_key_path=tmp_path / "new.pem", verify_key_paths=(settings.signing_key_path,))
    from fastapi.testclient import TestClient

    with TestClient(
        create_app(rotated, domain=StandInDomain(), engine_connect_args=database.connect_args)
    ) as new_client:
        kids = {k["kid"] for k in new_client.get("/v1/keys").json()["keys"]}
        assert old["key_id"] in kids and len(kids) == 2
        assert new_client.get(f"/verify/{old['number']}", headers=JSON).json()["signature"]["valid"] is True
    # without the old key the service refuses to start (issue 9, What was seen 4) ...
    forgetful = replace(settings, signing_key_path=tmp_path / "new.pem")
    with pytest.raises(InsecureConfiguration, match=old["key_id"]):
        create_app(forgetful, domain=StandInDomain(), engine_connect_args=database.connect_args)
    # ... unless told to serve that key's certificates unverified; then it cannot be checked, and says why
    forgetful = replace(forgetful, accept_unknown_key_ids=(old["key_id"],))
    with TestClient(
        create_app(forgetful, domain=StandInDomain(), engine_connect_args=database.connect_args)
    ) as new_client:
        check = new_client.get(f"/verify/{old['number']}", headers=JSON).json()["signature"]
        assert check["valid"] is False and "unknown key" in check["reason"]
        assert check["problem"] == "unknown_key"


def test_anyone_can_verify_offline_from_the_public_endpoints(client, actors) -> None:
    """A third party with no account: the public JSON and the key set are enough."""
    import rfc8785

    exporter = actors.add("exporter", "exporter", "Lamp Co")
    certifier = actors.add("certifier", "certifier", "GD Cert Body")
    number = certified(client, exporter, certifier)["number"]
    public = client.get(f"/verify/{number}", headers=JSON).json()
    keys = {k["kid"]: k for k in client.get("/v1/keys").json()["keys"]}
    document = public["signed_document"]
    key = Ed25519PublicKey.from_public_bytes(b64url_decode(keys[document["key_id"]]["x"]))
    # the document holds no JSON numbers, so plain RFC 8785 gives the signed bytes
    key.verify(b64url_decode(public["signature_value"]), rfc8785.dumps(document))
    assert document["certificate_number"] == number


@pytest.mark.parametrize("database", ["sqlite"], indirect=True)
def test_pdf_rendering_does_not_block_other_requests(client, actors, live_server) -> None:
    """While a certificate PDF renders in a worker thread, the event loop keeps answering."""
    import threading

    import httpx

    exporter = actors.add("exporter", "exporter", "Lamp Co")
    certifier = actors.add("certifier", "certifier", "GD Cert Body")
    number = certified(client, exporter, certifier)["number"]
    rendering_started = threading.Event()
    import api.documents.certificate_pdf as routes  # the use case (api.usecases.applying) looks it up per call

    real_render = routes.render_certificate_pdf
    release = threading.Event()

    def slow_render(document, *claim_lots):  # type: ignore[no-untyped-def]
        rendering_started.set()
        release.wait(timeout=60)  # hold the worker thread until the other request was answered
        return real_render(document, *claim_lots)

    routes.render_certificate_pdf = slow_render
    try:
        result: dict[str, int] = {}

        def fetch_pdf() -> None:
            with httpx.Client(base_url=live_server.url, timeout=120) as http:
                result["pdf"] = http.get(f"/v1/certificates/{number}/pdf", headers=exporter).status_code

        worker = threading.Thread(target=fetch_pdf)
        worker.start()
        assert rendering_started.wait(timeout=60)
        with httpx.Client(base_url=live_server.url, timeout=30) as http:
            assert http.get(f"/verify/{number}", headers=JSON).json()["status"] == "valid"
        assert worker.is_alive()  # the PDF is still being rendered
        release.set()
        worker.join(timeout=120)
        assert result["pdf"] == 200
    finally:
        routes.render_certificate_pdf = real_render
        release.set()
