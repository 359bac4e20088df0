"""The recognition checker and the certificate search behind sign-in (SQLite and PostgreSQL), on a
certificate of a real scheme (cn-national-pcf) issued through the API with a full dossier."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from typing import Any

from api.usecases.recognition_check import presented_certificate
from tests.api.helpers import apply, compute, create_product, step, upload_bom
from tests.api.standin import StandInDomain, footprint_result, sample_bom
from tests.labels.factory import default_certificate, default_evidence
from tests.web.test_auth import add_person, csrf_of, sign_in

REAL_SCHEME = "cn-national-pcf"


class RealSchemeDomain(StandInDomain):
    """The stand-in's grading, but applications name a shipped scheme (the recognition is real)."""

    def schemes(self) -> list[str]:
        return [REAL_SCHEME]


def real_certificate(app: Any, client: Any, actors: Any) -> dict[str, Any]:
    app.state.service.domain = RealSchemeDomain()
    exporter = actors.add("exporter", "exporter", "Foshan Lamp Co")
    certifier = actors.add("certifier", "certifier", "GD Certification Body")
    product = create_product(client, exporter, "LED desk lamp")
    bom = upload_bom(client, exporter, product["id"])
    footprint = compute(client, exporter, product["id"], bom["id"])
    result = footprint_result(sample_bom()).model_dump(mode="json")  # what the stand-in computed
    evidence = default_evidence() | {
        "product_id": result["product_id"], "declared_unit": result["declared_unit"],
        "reference_period": result["reference_period"],
        "product_rule": {"id": "PR-TEST-001", "kind": "national"},
    }
    evidence["verifier"] = evidence["verifier"] | {"cnca_approved": True}
    application = apply(client, exporter, product["id"], footprint["id"], scheme=REAL_SCHEME, evidence=evidence)
    assert step(client, exporter, application["id"], "submit").status_code == 200
    assert step(client, certifier, application["id"], "start-review").status_code == 200
    answer = step(client, certifier, application["id"], "approve")
    assert answer.status_code == 201, answer.text
    return answer.json()  # type: ignore[no-any-return]


def _months_end(start: date, months: int) -> date:
    """The day before the same day `months` later (the rules' "period end after")."""
    year, month = divmod(start.month - 1 + months, 12)
    return date(start.year + year, month + 1, start.day) - timedelta(days=1)


def test_recognition_checker_on_a_registry_certificate(app, client, actors) -> None:  # type: ignore[no-untyped-def]
    certificate = real_certificate(app, client, actors)
    number = certificate["number"]
    with app.state.service.sessions() as session:
        presented = presented_certificate(session, number)
    assert presented["scheme"] == REAL_SCHEME and presented["certificate_id"] == number
    assert presented["footprint"] is not None and presented["evidence"]["verifier"]["cnca_approved"] is True
    officer = add_person(app, "trade_office", "Guangdong Trade Office", name="Officer Huang")
    assert sign_in(client, officer).status_code == 303
    token = csrf_of(client.get("/app/recognition").text)
    checked = client.post("/app/recognition", data={"csrf_token": token, "number": number.lower(),
                                                    "target": "mo-display"})
    assert checked.status_code == 200, checked.text[:3000]
    # by hand: Macao display accepts the national label (matrix cell "accept"); validity = min(the source's
    # end, 24 months from today) - the stand-in grants 730 days, data/rules/mo-display gives 24 months
    issued = date.fromisoformat(presented["issued"])
    expected_until = min(issued + timedelta(days=StandInDomain.validity_days), _months_end(date.today(), 24))
    assert 'data-outcome="accepted"' in checked.text
    assert f"= {expected_until.isoformat()}" in checked.text
    every = client.post("/app/recognition", data={"csrf_token": token, "number": number, "target": ""})
    assert every.status_code == 200
    targets = re.findall(r'id="outcome-([\w+-]+)"', every.text)
    assert "mo-display" in targets and "gd-carbon-label" in targets and REAL_SCHEME not in targets
    assert len(re.findall(r"data-outcome=", every.text)) == len(targets)  # every target judged it
    missing = client.post("/app/recognition", data={"csrf_token": token, "number": "CL-2026-NOSUCH00"})
    assert missing.status_code == 404 and 'id="recognition-error"' in missing.text


def test_recognition_checker_on_an_uploaded_certificate(app, client) -> None:  # type: ignore[no-untyped-def]
    officer = add_person(app, "trade_office", "Guangdong Trade Office", name="Officer Huang")
    assert sign_in(client, officer).status_code == 303
    token = csrf_of(client.get("/app/recognition").text)
    upload = {"certificate": ("national.json", json.dumps(default_certificate()).encode(), "application/json")}
    checked = client.post("/app/recognition", data={"csrf_token": token, "target": "mo-display"}, files=upload)
    # the API test's case (tests/api/test_domain_adapter.py): valid until min(2027-05-31, today + 24 months)
    assert checked.status_code == 200 and 'data-outcome="accepted"' in checked.text
    assert "= 2027-05-31" in checked.text
    broken = {"certificate": ("broken.json", b"{not json", "application/json")}
    refused = client.post("/app/recognition", data={"csrf_token": token}, files=broken)
    assert refused.status_code == 422 and "broken.json: not a JSON document" in refused.text
    bad_tier = {"certificate": ("t9.json", json.dumps(default_certificate() | {"tier": "T9"}).encode(), "application/json")}
    judged = client.post("/app/recognition", data={"csrf_token": token, "target": "mo-display"}, files=bad_tier)
    assert judged.status_code == 200 and "Cannot be judged" in judged.text and "tier" in judged.text
    assert client.post("/app/recognition", data={"number": "X"}).status_code == 403  # CSRF


def test_certificate_search_behind_sign_in(app, client, actors) -> None:  # type: ignore[no-untyped-def]
    certificate = real_certificate(app, client, actors)
    officer = add_person(app, "trade_office", "Guangdong Trade Office", name="Officer Huang")
    assert sign_in(client, officer).status_code == 303
    found = client.get("/app/certificates", params={"scheme": REAL_SCHEME, "status": "valid", "company": "lamp"})
    assert found.status_code == 200 and certificate["number"] in found.text
    assert 'id="registry-status"' in found.text and 'id="registry-cn"' in found.text
    none = client.get("/app/certificates", params={"scheme": REAL_SCHEME, "status": "revoked"})
    assert none.status_code == 200 and 'id="no-results"' in none.text
    assert client.get("/app/certificates", params={"cn_code": "72ab"}).status_code == 422
