"""The certification workflow over the API (in-process client), on SQLite and PostgreSQL."""

from __future__ import annotations

from decimal import Decimal

from tests.api.helpers import (
    application_under_review,
    apply,
    certified,
    compute,
    create_product,
    step,
    upload_bom,
)
from tests.api.standin import sample_bom


def test_exporter_to_certificate_with_history(client, actors) -> None:
    exporter = actors.add("exporter", "exporter", "Lamp Co")
    certifier = actors.add("certifier", "certifier", "GD Cert Body")
    product = create_product(client, exporter)
    bom = upload_bom(client, exporter, product["id"])
    assert bom["line_count"] == 2
    footprint = compute(client, exporter, product["id"], bom["id"])
    # 2 kg x 8.6 + 0.5 kg x 40 = 17.2 + 20 = 37.2 kg CO2e (see standin.sample_bom)
    assert abs(footprint["total_kgco2e"] - 37.2) < 1e-9
    assert footprint["snapshot_name"] == "standin"

    application = apply(client, exporter, product["id"], footprint["id"])
    assert application["status"] == "draft"
    assert step(client, exporter, application["id"], "submit").json()["status"] == "submitted"
    assert step(client, certifier, application["id"], "start-review").json()["status"] == "under_review"
    asked = step(client, certifier, application["id"], "request-information", "Send the energy records")
    assert asked.json()["status"] == "information_requested"
    assert step(client, exporter, application["id"], "submit", "Records attached").json()["status"] == "submitted"
    assert step(client, certifier, application["id"], "start-review").status_code == 200
    approved = step(client, certifier, application["id"], "approve")
    assert approved.status_code == 201, approved.text
    certificate = approved.json()
    assert certificate["status"]["status"] == "valid"
    assert certificate["signature_check"]["valid"] is True
    document = certificate["document"]
    # numbers in the signed document are decimal strings
    assert document["footprint"]["total_kgco2e"] == "37.2"
    assert Decimal(document["footprint"]["total_kgco2e"]) == Decimal("37.2")
    assert document["tier"] == "T1"
    assert document["rule_set_version"] == "test@1"

    detail = client.get(f"/v1/applications/{application['id']}", headers=exporter).json()
    assert detail["status"] == "approved"
    assert detail["certificate_number"] == certificate["number"]
    moves = [(h["action"], h["from_state"], h["to_state"]) for h in detail["history"]]
    assert moves == [
        ("create", None, "draft"),
        ("submit", "draft", "submitted"),
        ("start_review", "submitted", "under_review"),
        ("request_information", "under_review", "information_requested"),
        ("submit", "information_requested", "submitted"),
        ("start_review", "submitted", "under_review"),
        ("approve", "under_review", "approved"),
    ]
    assert detail["history"][3]["reason"] == "Send the energy records"

    audit = client.get("/v1/audit", params={"entity_type": "certificate"}, headers=certifier).json()
    assert [(a["action"], a["to_state"]) for a in audit] == [("issue", "valid")]


def test_reject_needs_a_reason_and_ends_the_application(client, actors) -> None:
    exporter = actors.add("exporter", "exporter", "Lamp Co")
    certifier = actors.add("certifier", "certifier", "GD Cert Body")
    application = application_under_review(client, exporter, certifier)
    assert step(client, certifier, application["id"], "reject", "").status_code == 422
    rejected = step(client, certifier, application["id"], "reject", "PDS below 20 %")
    assert rejected.json()["status"] == "rejected"
    assert rejected.json()["status_reason"] == "PDS below 20 %"
    assert step(client, certifier, application["id"], "approve").status_code == 409


def test_rules_that_refuse_block_approval_with_reasons(client, actors) -> None:
    exporter = actors.add("exporter", "exporter", "Lamp Co")
    certifier = actors.add("certifier", "certifier", "GD Cert Body")
    application = application_under_review(client, exporter, certifier, evidence={"refuse": True})
    answer = step(client, certifier, application["id"], "approve")
    assert answer.status_code == 422
    assert answer.json()["reasons"] == ["G5: primary data missing"]
    assert client.get(f"/v1/applications/{application['id']}", headers=certifier).json()["status"] == "under_review"


def test_unknown_scheme_is_422(client, actors) -> None:
    exporter = actors.add("exporter", "exporter", "Lamp Co")
    product = create_product(client, exporter)
    bom = upload_bom(client, exporter, product["id"])
    footprint = compute(client, exporter, product["id"], bom["id"])
    answer = client.post(
        "/v1/applications",
        json={"product_id": product["id"], "footprint_id": footprint["id"], "scheme": "no-such-scheme"},
        headers=exporter,
    )
    assert answer.status_code == 422
    assert "no-such-scheme" in answer.json()["detail"]


def test_certificate_actions_each_leave_a_history_row(client, actors) -> None:
    exporter = actors.add("exporter", "exporter", "Lamp Co")
    certifier = actors.add("certifier", "certifier", "GD Cert Body")
    number = certified(client, exporter, certifier)["number"]
    base = f"/v1/certificates/{number}"
    assert (
        client.post(f"{base}/surveillance", json={"reason": "annual audit"}, headers=certifier).json()["status"][
            "status"
        ]
        == "valid"
    )
    assert (
        client.post(f"{base}/suspend", json={"reason": "PCF rose 12 %"}, headers=certifier).json()["status"]["status"]
        == "suspended"
    )
    assert client.post(f"{base}/suspend", json={"reason": "again"}, headers=certifier).status_code == 409
    lifted = client.post(f"{base}/lift-suspension", json={"reason": "PCF re-verified"}, headers=certifier)
    assert lifted.json()["status"]["status"] == "valid"
    assert client.post(f"{base}/revoke", json={}, headers=certifier).status_code == 422
    revoked = client.post(f"{base}/revoke", json={"reason": "misrepresentation"}, headers=certifier).json()
    assert revoked["status"]["status"] == "revoked"
    assert revoked["status"]["reason"] == "misrepresentation"
    assert client.post(f"{base}/renew", json={"reason": "cycle"}, headers=certifier).status_code == 409
    history = client.get(f"{base}/history", headers=exporter).json()
    assert [(h["action"], h["from_state"], h["to_state"]) for h in history] == [
        ("issue", None, "valid"),
        ("surveillance", "valid", None),
        ("suspend", "valid", "suspended"),
        ("lift_suspension", "suspended", "valid"),
        ("revoke", "valid", "revoked"),
    ]
    assert all(h["actor_role"] == "certifier" for h in history)


def test_renewal_supersedes_the_old_certificate(client, actors) -> None:
    exporter = actors.add("exporter", "exporter", "Lamp Co")
    certifier = actors.add("certifier", "certifier", "GD Cert Body")
    old = certified(client, exporter, certifier)["number"]
    renewed = client.post(f"/v1/certificates/{old}/renew", json={"reason": "second cycle"}, headers=certifier)
    assert renewed.status_code == 201, renewed.text
    new = renewed.json()
    assert new["document"]["supersedes"] == old
    assert new["status"]["status"] == "valid"
    assert client.post(f"/v1/certificates/{old}/renew", json={"reason": "again"}, headers=certifier).status_code == 409
    verification = client.get(f"/verify/{old}", headers={"Accept": "application/json"}).json()
    assert verification["status"] == "superseded"
    assert verification["superseded_by"] == new["number"]
    assert client.get(f"/verify/{new['number']}", headers={"Accept": "application/json"}).json()["supersedes"] == old


def test_answering_a_request_replaces_evidence_and_footprint(client, actors) -> None:
    exporter = actors.add("exporter", "exporter", "Lamp Co")
    certifier = actors.add("certifier", "certifier", "GD Cert Body")
    application = application_under_review(client, exporter, certifier)
    step(client, certifier, application["id"], "request-information", "verification statement missing")
    product_id = application["product_id"]
    bom = upload_bom(client, exporter, product_id, sample_bom(quantities=(1.0, 0.5)))
    newer = compute(client, exporter, product_id, bom["id"])  # 1 x 8.6 + 0.5 x 40 = 28.6
    answer = client.post(
        f"/v1/applications/{application['id']}/submit",
        json={"reason": "statement VS-9 attached", "evidence": {"statement": "VS-9"}, "footprint_id": newer["id"]},
        headers=exporter,
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["status"], body["evidence"], body["footprint_id"]) == ("submitted", {"statement": "VS-9"}, newer["id"])
    assert body["history"][-1]["detail"] == {"changed": ["evidence", "footprint_id"]}
    step(client, certifier, application["id"], "start-review")
    certificate = step(client, certifier, application["id"], "approve").json()
    assert certificate["document"]["footprint"]["total_kgco2e"] == "28.6"
    # another product's footprint cannot be slipped in
    other = create_product(client, exporter, "Fan")
    other_fp = compute(client, exporter, other["id"], upload_bom(client, exporter, other["id"])["id"])
    draft = apply(client, exporter, product_id, newer["id"])
    refused = client.post(
        f"/v1/applications/{draft['id']}/submit", json={"footprint_id": other_fp["id"]}, headers=exporter
    )
    assert refused.status_code == 422
    assert client.post(f"/v1/applications/{draft['id']}/submit", headers=certifier).status_code == 403


def test_certificate_list_is_scoped_to_the_organisation(client, actors) -> None:
    lamp = actors.add("lamp", "exporter", "Lamp Co")
    fan = actors.add("fan", "exporter", "Fan Co")
    certifier = actors.add("certifier", "certifier", "GD Cert Body")
    mine = certified(client, lamp, certifier)["number"]
    theirs = certified(client, fan, certifier, name="Desk fan")["number"]
    assert [c["number"] for c in client.get("/v1/certificates", headers=lamp).json()] == [mine]
    assert [c["number"] for c in client.get("/v1/certificates", headers=fan).json()] == [theirs]
    assert {c["number"] for c in client.get("/v1/certificates", headers=certifier).json()} == {mine, theirs}
    assert client.get("/v1/schemes").json() == {"schemes": ["test-scheme"]}
