"""A review a certification body would sign (issue 9, Deliver 6), on SQLite and PostgreSQL.

Assignment; no certifier of the applicant's own organisation; four eyes for T3; the rule
evaluation stored at submit and its differences at approval; the BOMs and footprints behind an
application; the certificate names the body, its accreditation number and the approvers.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import replace

import pytest
from fastapi.testclient import TestClient

from api.http.app import create_app
from tests.api.helpers import application_under_review, apply, certified, compute, create_product, step, upload_bom
from tests.api.standin import StandInDomain


def _me(client, headers) -> dict:  # type: ignore[no-untyped-def]
    return client.get("/v1/me", headers=headers).json()  # type: ignore[no-any-return]


def test_a_certifier_of_the_applicants_own_organisation_cannot_review(client, actors) -> None:
    exporter = actors.add("exporter", "exporter", "Lamp Co")
    inside = actors.add("in-house certifier", "certifier", "Lamp Co")
    outside = actors.add("certifier", "certifier", "GD Cert Body")
    admin = actors.add("admin", "admin", "Operator")
    product = create_product(client, exporter)
    footprint = compute(client, exporter, product["id"], upload_bom(client, exporter, product["id"])["id"])
    application = apply(client, exporter, product["id"], footprint["id"])
    assert step(client, exporter, application["id"], "submit").status_code == 200
    refused = step(client, inside, application["id"], "start-review")
    assert refused.status_code == 403 and "applicant's organisation" in refused.json()["detail"]
    assigned = client.post(
        f"/v1/applications/{application['id']}/assign", json={"certifier_id": _me(client, inside)["id"]}, headers=admin
    )
    assert assigned.status_code == 403
    assert step(client, outside, application["id"], "start-review").status_code == 200
    for action, reason in (("request-information", "why"), ("reject", "no"), ("approve", None)):
        assert step(client, inside, application["id"], action, reason).status_code == 403, action
    assert step(client, outside, application["id"], "approve").status_code == 201


def test_applications_are_assigned_to_a_certifier(client, actors) -> None:
    exporter = actors.add("exporter", "exporter", "Lamp Co")
    first = actors.add("certifier-a", "certifier", "GD Cert Body")
    second = actors.add("certifier-b", "certifier", "GD Cert Body")
    admin = actors.add("admin", "admin", "Operator")
    product = create_product(client, exporter)
    footprint = compute(client, exporter, product["id"], upload_bom(client, exporter, product["id"])["id"])
    application = apply(client, exporter, product["id"], footprint["id"])
    step(client, exporter, application["id"], "submit")
    a_id, b_id = _me(client, first)["id"], _me(client, second)["id"]
    # a certifier may take an application, not hand it to a colleague
    handed = client.post(f"/v1/applications/{application['id']}/assign", json={"certifier_id": b_id}, headers=first)
    assert handed.status_code == 403
    answer = client.post(f"/v1/applications/{application['id']}/assign", json={"certifier_id": a_id}, headers=admin)
    assert answer.status_code == 200 and answer.json()["assigned_to"] == a_id
    assert step(client, second, application["id"], "start-review").status_code == 403
    assert step(client, first, application["id"], "start-review").status_code == 200
    mine = client.get("/v1/applications", params={"assigned_to": "me"}, headers=first).json()
    assert [a["id"] for a in mine] == [application["id"]]
    assert client.get("/v1/applications", params={"assigned_to": "me"}, headers=second).json() == []
    history = client.get(f"/v1/applications/{application['id']}", headers=admin).json()["history"]
    assert [(h["action"], h["detail"].get("assigned_to")) for h in history[2:]] == [("assign", a_id), ("start_review", None)]
    # an unassigned application goes to the certifier who starts its review
    other = application_under_review(client, exporter, second, name="Fan")
    assert client.get(f"/v1/applications/{other['id']}", headers=admin).json()["assigned_to"] == b_id


def test_a_t3_grade_needs_a_second_certifiers_approval(client, actors) -> None:
    exporter = actors.add("exporter", "exporter", "Lamp Co")
    first = actors.add("certifier-a", "certifier", "GD Cert Body")
    second = actors.add("certifier-b", "certifier", "GD Cert Body")
    application = application_under_review(client, exporter, first, evidence={"tier": "T3"})
    pending = step(client, first, application["id"], "approve", "grade A checked")
    assert pending.status_code == 202, pending.text
    assert pending.json()["status"] == "awaiting_second_approval"
    assert pending.json()["certificate_number"] is None
    again = step(client, first, application["id"], "approve")
    assert again.status_code == 403 and "four eyes" in again.json()["detail"]
    issued = step(client, second, application["id"], "approve", "agreed")
    assert issued.status_code == 201, issued.text
    document = issued.json()["document"]
    assert (document["tier"], document["grade"]) == ("T3", "A")
    assert [a["name"] for a in document["approved_by"]] == ["certifier-a", "certifier-b"]
    history = client.get(f"/v1/applications/{application['id']}", headers=first).json()["history"]
    moves = [(h["action"], h["from_state"], h["to_state"], h["actor_id"]) for h in history[-2:]]
    a_id, b_id = _me(client, first)["id"], _me(client, second)["id"]
    assert moves == [
        ("first_approval", "under_review", "awaiting_second_approval", a_id),
        ("approve", "awaiting_second_approval", "approved", b_id),
    ]
    assert history[-1]["detail"]["first_approval_by"] == a_id
    # a T1 certificate needs one approval
    assert certified(client, exporter, first, name="Fan")["document"]["tier"] == "T1"


def test_the_evaluation_is_stored_at_submit_and_its_changes_shown_at_approval(client, actors) -> None:
    """Stand-in rules list the benchmark peers in their explanation: a certificate issued in the
    same group between submit and approval is a change the certifier must see."""
    exporter = actors.add("exporter", "exporter", "Lamp Co")
    certifier = actors.add("certifier", "certifier", "GD Cert Body")
    application = application_under_review(client, exporter, certifier)
    stored = client.get(f"/v1/applications/{application['id']}/evaluation", headers=certifier).json()
    assert stored["at_submit"]["tier"] == "T1" and stored["at_submit"]["explanation"] == {"peers": []}
    assert stored["changes"] == []
    peer = certified(client, exporter, certifier, name="Lamp 2")["number"]
    before = client.get(f"/v1/applications/{application['id']}/evaluation", headers=certifier).json()
    assert {"path": "explanation.peers[0]", "at_submit": None, "now": peer} in before["changes"]
    assert step(client, certifier, application["id"], "approve").status_code == 201
    approval = client.get(f"/v1/applications/{application['id']}", headers=certifier).json()["history"][-1]
    assert approval["action"] == "approve"
    assert {"path": "explanation.peers[0]", "at_submit": None, "now": peer} in approval["detail"]["evaluation_changes"]


def test_certifiers_list_and_download_the_boms_and_footprints_behind_an_application(client, actors) -> None:
    exporter = actors.add("exporter", "exporter", "Lamp Co")
    certifier = actors.add("certifier", "certifier", "GD Cert Body")
    stranger = actors.add("other exporter", "exporter", "Fan Co")
    application = application_under_review(client, exporter, certifier)
    listed = client.get(f"/v1/applications/{application['id']}/documents", headers=certifier).json()
    assert [f["current"] for f in listed["footprints"]] == [True]
    assert abs(listed["footprints"][0]["total_kgco2e"] - 37.2) < 1e-9  # 2 x 8.6 + 0.5 x 40
    (bom,) = listed["boms"]
    assert listed["footprints"][0]["bom_id"] == bom["id"]
    download = client.get(f"/v1/boms/{bom['id']}", headers=certifier)
    assert download.status_code == 200 and "attachment" in download.headers["content-disposition"]
    assert [line["quantity"] for line in download.json()["lines"]] == [2.0, 0.5]
    assert download.headers["x-upload-sha256"] == bom["sha256"]
    assert client.get(listed["footprints"][0]["download"], headers=certifier).json()["total_kgco2e"] == pytest.approx(37.2)
    assert client.get(f"/v1/boms/{bom['id']}", headers=stranger).status_code == 404
    assert client.get(f"/v1/applications/{application['id']}/documents", headers=stranger).status_code == 404


def test_the_certificate_names_the_body_its_accreditation_and_the_approver(settings, database, tmp_path) -> None:
    accredited = replace(settings, certification_body="GD Carbon Certification Centre 广东碳认证中心",
                         accreditation_number="CNAS C123-P")
    application = create_app(accredited, domain=StandInDomain(), engine_connect_args=database.connect_args)
    try:
        with TestClient(application) as client:
            from tests.api.conftest import Actors

            actors = Actors(application, client)
            exporter = actors.add("exporter", "exporter", "Lamp Co")
            certifier = actors.add("Dr Lee 李博士", "certifier", "GD Cert Body")
            certificate = certified(client, exporter, certifier)
            document = certificate["document"]
            assert document["certification_body"] == {
                "name": "GD Carbon Certification Centre 广东碳认证中心",
                "accreditation_number": "CNAS C123-P",
            }
            assert [a["name"] for a in document["approved_by"]] == ["Dr Lee 李博士"]
            assert certificate["signature_check"]["valid"] is True  # the names are signed
            page = client.get(f"/verify/{certificate['number']}").text
            assert "CNAS C123-P" in page and "Dr Lee 李博士" in page
            pdf = client.get(f"/v1/certificates/{certificate['number']}/pdf", headers=exporter).content
            (tmp_path / "c.pdf").write_bytes(pdf)
            text = subprocess.run(["pdftotext", str(tmp_path / "c.pdf"), "-"], capture_output=True, text=True,
                                  check=True).stdout
            # each language page (the English one wraps the line after "CNAS")
            assert text.count("C123-P") == 3 and text.count("Dr Lee") == 3
            pages = subprocess.run(["pdfinfo", str(tmp_path / "c.pdf")], capture_output=True, text=True).stdout
            assert re.search(r"^Pages:\s+3$", pages, re.M), pages  # still one page per language
    finally:
        application.state.service.engine.dispose()


def test_renewing_a_t3_grade_needs_two_certifiers_and_in_house_certifiers_cannot_act(client, actors) -> None:
    exporter = actors.add("exporter", "exporter", "Lamp Co")
    first = actors.add("certifier-a", "certifier", "GD Cert Body")
    second = actors.add("certifier-b", "certifier", "GD Cert Body")
    inside = actors.add("in-house", "certifier", "Lamp Co")
    application = application_under_review(client, exporter, first, evidence={"tier": "T3"})
    assert step(client, first, application["id"], "approve").status_code == 202
    number = step(client, second, application["id"], "approve").json()["number"]
    base = f"/v1/certificates/{number}"
    assert client.post(f"{base}/suspend", json={"reason": "x"}, headers=inside).status_code == 403
    assert client.post(f"{base}/renew", json={"reason": "x"}, headers=inside).status_code == 403
    pending = client.post(f"{base}/renew", json={"reason": "cycle 2"}, headers=first)
    assert pending.status_code == 202, pending.text
    assert pending.json()["number"] == number and pending.json()["status"]["status"] == "valid"
    assert client.post(f"{base}/renew", json={"reason": "cycle 2"}, headers=first).status_code == 403
    renewed = client.post(f"{base}/renew", json={"reason": "agreed"}, headers=second)
    assert renewed.status_code == 201, renewed.text
    assert [a["name"] for a in renewed.json()["document"]["approved_by"]] == ["certifier-a", "certifier-b"]
    actions = [h["action"] for h in client.get(f"{base}/history", headers=first).json()]
    assert actions == ["issue", "renew_first_approval", "renew"]
