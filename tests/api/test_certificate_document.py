"""The typed certificate document (labels.certificate_document) across service, verification, PDF and recognition.

Certificates signed before the typed document existed (format version 1) must keep verifying: the fixture
in fixtures/v1_certificates is a service database written by that code (make.py beside it says how), with
the public key of the key that signed it.
"""

from __future__ import annotations

import json
import shutil
from datetime import date, datetime, timedelta, UTC
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi.testclient import TestClient

from api.http.app import create_app
from api.settings import Settings
from api.documents.signing import SigningKey, canonical_bytes, load_public_key, verify_signature
from api.usecases.verification import read_back
from labels import recognise
from labels.certificate_document import CertificateDocument
from labels.errors import InputInvalid
from tests.api.helpers import certified

V1 = Path(__file__).parent / "fixtures" / "v1_certificates"
JSON = {"Accept": "application/json"}


def _v1_documents() -> dict[str, Any]:
    return json.loads((V1 / "certificates.json").read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def test_v1_documents_read_back_to_the_bytes_that_were_signed() -> None:
    public = load_public_key(V1 / "public-key.pem")
    issued = _v1_documents()
    assert len(issued) == 2
    for number, entry in issued.items():
        signed = canonical_bytes(entry["document"])
        assert verify_signature(public, signed, entry["signature"]), number
        document = CertificateDocument.model_validate(entry["document"])
        assert document.schema_version == "1"
        assert document.canonical() == signed, number
        assert document.wire() == entry["document"]
    neutral = CertificateDocument.model_validate(issued["CL-2026-74MY2R97"]["document"])
    assert neutral.reduction is not None and neutral.reduction.percent == "10.0"  # as signed, not "10"
    assert neutral.neutral_claim is not None and set(neutral.neutral_claim) == {"zh-CN", "zh-TW", "en"}
    plain = CertificateDocument.model_validate(issued["CL-2026-8FYUL4W3"]["document"])
    assert plain.reduction is None and "reduction" not in plain.wire() and "verifier" not in plain.wire()


def test_the_earliest_v1_documents_without_body_approvers_or_method_share_round_trip() -> None:
    """Documents of the first release (before certification_body, approved_by and method_share) still read."""
    document = _v1_documents()["CL-2026-8FYUL4W3"]["document"]
    early = {k: v for k, v in document.items() if k not in ("certification_body", "approved_by")}
    early["footprint"] = {k: v for k, v in document["footprint"].items() if k != "method_share"}
    key = SigningKey(Ed25519PrivateKey.generate())
    signed = canonical_bytes(early)
    signature = key.sign(signed)
    read = CertificateDocument.model_validate_json(signed)
    assert read.certification_body is None and read.approved_by is None and read.footprint.method_share is None
    assert read.canonical() == signed
    assert verify_signature(key.public_key, read.canonical(), signature)


def test_an_unknown_key_or_a_non_number_is_refused_at_the_boundary() -> None:
    document = _v1_documents()["CL-2026-8FYUL4W3"]["document"]
    with pytest.raises(ValueError, match="extra"):
        CertificateDocument.model_validate(document | {"tier_override": "T3"})
    with pytest.raises(ValueError, match="decimal"):
        CertificateDocument.model_validate(document | {"footprint": document["footprint"] | {"total_kgco2e": "4,8"}})


@pytest.fixture
def v1_service(tmp_path: Path, home: Path) -> TestClient:
    """The service started on a copy of the v1 database, knowing the v1 key as a verify key."""
    database = tmp_path / "v1.sqlite3"
    shutil.copyfile(V1 / "service.sqlite3", database)
    settings = Settings(home=home, database_url=f"sqlite:///{database}", public_url="https://verify.example",
                        signing_key_path=home / "keys" / "signing-ed25519.pem", embedded=True,
                        issuer="Test Certification Body", verify_key_paths=(V1 / "public-key.pem",))
    from tests.api.standin import StandInDomain

    app = create_app(settings, domain=StandInDomain())
    with TestClient(app) as client:
        yield client
    app.state.service.engine.dispose()


def test_certificates_signed_by_the_v1_code_verify_in_their_database(v1_service: TestClient) -> None:
    for number, entry in _v1_documents().items():
        answer = v1_service.get(f"/verify/{number}", headers=JSON)
        assert answer.status_code == 200, answer.text
        body = answer.json()
        signature = body["signature"]
        assert (signature["valid"], signature["key_id"], signature["problem"]) == (True, entry["key_id"], None)
        # no verification problem: the status shown is the lifecycle's (valid until the dates say otherwise)
        assert body["status"] == body["lifecycle_status"]
        assert body["status"] not in ("unknown_key", "signature_mismatch", "record_altered")
        assert body["signed_document"] == entry["document"]
        page = v1_service.get(f"/verify/{number}", headers={"Accept": "text/html"})
        assert page.status_code == 200 and number in page.text


def test_a_v1_certificate_renders_its_pdf_from_the_typed_document(tmp_path: Path) -> None:
    import subprocess

    from api.documents.certificate_pdf import certificate_html, render_certificate_pdf

    document = CertificateDocument.model_validate(_v1_documents()["CL-2026-74MY2R97"]["document"])
    html = certificate_html(document)
    assert "2026-12-01 至 2027-11-30" in html and "2026-12-01 to 2027-11-30" in html  # validity, from the datetimes
    assert "CL-2026-74MY2R97" in html and "LED 台灯" in html
    pdf = tmp_path / "t4.pdf"
    pdf.write_bytes(render_certificate_pdf(document))
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    # one certificate page per language, also for a T4 label (reduction and claim lines; it spilled onto 5
    # pages before), each followed by the page of its carbon-neutral claim: 3 x 2
    assert [line.split() for line in info.splitlines() if line.startswith("Pages:")] == [["Pages:", "6"]]
    texts = [subprocess.run(["pdftotext", "-f", str(p), "-l", str(p), str(pdf), "-"], capture_output=True, text=True,
                            check=True).stdout for p in range(1, 7)]
    assert all("CL-2026-74MY2R97" in text for text in texts[0::2])  # pages 1, 3, 5: the certificates


def test_a_stored_document_is_validated_once_per_request(client, actors, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    exporter = actors.add("exporter", "exporter", "Lamp Co")
    certifier = actors.add("certifier", "certifier", "GD Cert Body")
    number = certified(client, exporter, certifier)["number"]
    calls: list[int] = []
    original = CertificateDocument.model_validate_json.__func__  # type: ignore[attr-defined]

    def counting(cls: type[CertificateDocument], *args: Any, **kwargs: Any) -> CertificateDocument:
        calls.append(1)
        return original(cls, *args, **kwargs)  # type: ignore[no-any-return]

    monkeypatch.setattr(CertificateDocument, "model_validate_json", classmethod(counting))
    read_back.cache_clear()  # the typed document is memoized per payload text, across requests
    assert client.get(f"/verify/{number}", headers=JSON).json()["signature"]["valid"] is True
    assert len(calls) == 1
    assert client.get(f"/verify/{number}", headers=JSON).json()["signature"]["valid"] is True
    assert len(calls) == 1  # the same payload text: not validated again (the signature is checked again)


def test_a_new_certificate_is_a_version_2_document(client, actors) -> None:  # type: ignore[no-untyped-def]
    exporter = actors.add("exporter", "exporter", "Lamp Co")
    certifier = actors.add("certifier", "certifier", "GD Cert Body")
    issued = certified(client, exporter, certifier)
    document = CertificateDocument.model_validate(issued["document"])
    assert document.schema_version == "2"
    assert document.canonical() == canonical_bytes(issued["document"])
    assert document.footprint.electricity_method is not None


def test_a_v1_document_cannot_be_recognised_and_says_what_it_lacks() -> None:
    document = CertificateDocument.model_validate(_v1_documents()["CL-2026-8FYUL4W3"]["document"])
    with pytest.raises(InputInvalid, match=r"document version 1\) does not state footprint.electricity_method"):
        recognise(document, "mo-display", date(2026, 12, 2))


@pytest.fixture
def real_client(settings, database):  # type: ignore[no-untyped-def]
    from lcidb.build import build_snapshot
    from tests.api.test_e2e_http import RealDomain

    build_snapshot(sources=[], name=None, with_default=False)  # the shipped default database
    app = create_app(settings, domain=RealDomain(), engine_connect_args=database.connect_args)
    with TestClient(app) as client:
        yield client, app
    app.state.service.engine.dispose()


def _issue_real(client: TestClient, app: Any) -> dict[str, Any]:
    """A gd-carbon-label certificate issued by the real engine and rules through the API."""
    from tests.api.real_steps import desk_lamp_footprint, exporter_and_certifier
    from tests.api.test_e2e_http import evidence_for

    exporter, certifier = exporter_and_certifier(app, client)  # a TestClient is an httpx.Client
    bom, product_id, footprint = desk_lamp_footprint(client, exporter)
    applied = client.post("/v1/applications", json={"product_id": product_id, "footprint_id": footprint["id"],
                                                    "scheme": "gd-carbon-label", "evidence": evidence_for(bom)},
                          headers=exporter)
    assert applied.status_code == 201, applied.text
    for who, action in ((exporter, "submit"), (certifier, "start-review"), (certifier, "approve")):
        answer = client.post(f"/v1/applications/{applied.json()['id']}/{action}", headers=who)
        assert answer.status_code in (200, 201), answer.text
    return answer.json() | {"exporter": exporter}  # type: ignore[no-any-return]


def test_our_certificate_is_recognised_under_another_scheme(real_client) -> None:  # type: ignore[no-untyped-def]
    """Hand calculation from data/rules/mo-display/2025-08-27.yaml and hk-label/2023-04-25.yaml:

    Macao display takes Guangdong certificates with an `accept` cell when the P5 conditions hold: the verifier
    (CNAS, an IAF MLA signatory since 2024-06-30) accredited, standard ISO 14067:2018 accepted, reference
    period ending 2025-12-31 within 24 months, location-based electricity accepted, offsets not netted -> all
    hold, so `accepted`, valid until min(source valid until, 24 months from the recognition date less a day).
    The certificate is valid 2 years from today and the recognition is 10 days later, so the source's date
    binds. Hong Kong's cell for Guangdong is `conditional` with one listed gap, and without the dossier the
    value is not re-graded there."""
    client, app = real_client
    issued = _issue_real(client, app)
    document = CertificateDocument.model_validate(issued["document"])
    assert document.schema_version == "2"
    assert (document.footprint.electricity_method, document.footprint.offsets_netted) == ("location", False)
    assert document.verifier is not None and document.verifier.accreditation_body == "CNAS"
    assert (document.product.product_rule_kind, document.product.national_catalogue) == ("gd_group", False)
    on = document.valid_from.date() + timedelta(days=10)
    valid_until = document.valid_until.date()
    assert valid_until < date(on.year + 2, on.month, on.day) - timedelta(days=1)

    # the signed document, as the API published it, presented for recognition over the API
    answer = client.post("/v1/recognitions", json={"certificate": issued["document"], "target": "mo-display",
                                                   "on": on.isoformat()}, headers=issued["exporter"])
    assert answer.status_code == 200, answer.text
    macao = answer.json()
    assert (macao["outcome"], macao["source_scheme"], macao["certificate_id"]) == (
        "accepted", "gd-carbon-label", document.certificate_number)
    assert macao["gaps"] == [] and macao["new_verification_required"] is False
    assert (macao["valid_from"], macao["valid_until"]) == (on.isoformat(), valid_until.isoformat())
    assert macao["recognised_kgco2e"] == document.footprint.total_kgco2e

    hk = recognise(document, "hk-label", on)  # the typed document, in process
    assert hk.outcome == "conditional" and hk.valid_until is None and hk.target_tier is None
    assert [(g.condition, g.detail) for g in hk.gaps] == [
        ("cell", "desk-based gap check against the Hong Kong gate (GD-HK MoU rules not yet published)")]


def test_dates_are_utc_instants() -> None:
    document = CertificateDocument.model_validate(_v1_documents()["CL-2026-8FYUL4W3"]["document"])
    assert document.issued_at == datetime(2026, 12, 1, 12, 33, 57, tzinfo=UTC)
    assert document.wire()["issued_at"] == "2026-12-01T12:33:57Z"
