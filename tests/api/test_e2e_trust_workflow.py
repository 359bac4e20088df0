"""End to end over real HTTP (uvicorn on a free 127.0.0.1 port, httpx), real engine and rules, on
both databases: an honest application becomes a certificate, then the workflow attacks of issue 9
run against the live server, and the honest certificate still verifies.

Attacks: a certifier of the applicant's own organisation reviews; brute force on /auth/token; a
disabled client asks for a token; renew while suspended; a forged history row.
"""

from __future__ import annotations

import json
from datetime import datetime, UTC

import httpx
from sqlalchemy import insert

from api.storage.models import Certificate, HistoryEntry
from api.usecases import accounts, history
from tests.api.test_e2e_http import FIXTURES, evidence_for, real_server, token  # noqa: F401 (fixture)

JSON = {"Accept": "application/json"}


def _forge_revoke(application, number: str) -> tuple[str, int]:  # type: ignore[no-untyped-def]
    """Someone with database access but not the signing key appends a well-linked `revoke` row."""
    with application.state.service.sessions() as session:
        certificate_id = session.query(Certificate.id).filter(Certificate.number == number).scalar()
        last = history.entries_for(session, entity_type="certificate", entity_id=certificate_id)[-1]
        fields = {
            "seq": last.seq + 1, "prev_hash": last.row_hash, "at": datetime.now(UTC),
            "actor_id": last.actor_id, "actor_role": "certifier", "organisation_id": last.organisation_id,
            "entity_type": "certificate", "entity_id": certificate_id, "action": "revoke",
            "from_state": "valid", "to_state": "revoked", "reason": "forged", "detail": {},
        }
        session.execute(insert(HistoryEntry).values(**fields, row_hash=history.row_digest(**fields)))
        session.commit()
    return certificate_id, int(fields["seq"])


def test_workflow_attacks_over_http_leave_the_honest_certificate_valid(real_server) -> None:  # noqa: F811
    server, application = real_server
    with application.state.service.sessions() as session:
        lamp_org = accounts.get_or_create_organisation(session, name="Foshan Lamp Works 佛山灯具厂")
        cert_org = accounts.get_or_create_organisation(session, name="GD Certification Centre")
        ops_org = accounts.get_or_create_organisation(session, name="Operator")
        exp = accounts.create_user(session, organisation=lamp_org, name="exporter", role="exporter", actor=None)
        in_house = accounts.create_user(session, organisation=lamp_org, name="in-house", role="certifier", actor=None)
        victim = accounts.create_user(session, organisation=lamp_org, name="erp", role="exporter", actor=None)
        cer = accounts.create_user(session, organisation=cert_org, name="certifier", role="certifier", actor=None)
        adm = accounts.create_user(session, organisation=ops_org, name="ops", role="admin", actor=None)
        session.commit()
    bom_path = FIXTURES / "desk_lamp.bom.json"
    bom = json.loads(bom_path.read_text(encoding="utf-8"))
    with httpx.Client(base_url=server.url, timeout=120) as http:
        exporter = token(http, exp.client_id, exp.client_secret)
        certifier = token(http, cer.client_id, cer.client_secret)
        own_certifier = token(http, in_house.client_id, in_house.client_secret)
        admin = token(http, adm.client_id, adm.client_secret)
        victim_token = token(http, victim.client_id, victim.client_secret)

        # --- the honest application --------------------------------------------------------
        product_id = http.post("/v1/products", json={"name": bom["product"]["name"]}, headers=exporter).json()["id"]
        bom_id = http.post(
            f"/v1/products/{product_id}/boms",
            files={"file": (bom_path.name, bom_path.read_bytes(), "application/json")},
            headers=exporter,
        ).json()["id"]
        footprint = http.post(f"/v1/products/{product_id}/footprints", json={"bom_id": bom_id}, headers=exporter)
        assert footprint.status_code == 201, footprint.text
        applied = http.post(
            "/v1/applications",
            json={"product_id": product_id, "footprint_id": footprint.json()["id"], "scheme": "gd-carbon-label",
                  "evidence": evidence_for(bom)},
            headers=exporter,
        ).json()
        application_id = applied["id"]
        assert http.post(f"/v1/applications/{application_id}/submit", headers=exporter).status_code == 200
        evaluation = http.get(f"/v1/applications/{application_id}/evaluation", headers=certifier).json()
        assert evaluation["at_submit"]["tier"] == "T1" and evaluation["changes"] == []

        # attack: a certifier of the applicant's own organisation reviews it
        for action in ("start-review", "approve"):
            own = http.post(f"/v1/applications/{application_id}/{action}", headers=own_certifier)
            assert own.status_code == 403, (action, own.text)
        assert http.post(f"/v1/applications/{application_id}/start-review", headers=certifier).status_code == 200
        approved = http.post(f"/v1/applications/{application_id}/approve", headers=certifier)
        assert approved.status_code == 201, approved.text
        number = approved.json()["number"]
        assert [a["name"] for a in approved.json()["document"]["approved_by"]] == ["certifier"]

        # attack: brute force on /auth/token (default: 5 failures per client id and address)
        guesses = [
            http.post("/auth/token", data={"grant_type": "client_credentials", "client_id": victim.client_id,
                                           "client_secret": f"guess{i}"}).status_code
            for i in range(6)
        ]
        assert guesses == [401, 401, 401, 401, 401, 429]
        right = http.post("/auth/token", data={"grant_type": "client_credentials", "client_id": victim.client_id,
                                               "client_secret": victim.client_secret})
        assert right.status_code == 429 and right.json()["error"] == "slow_down" and "retry-after" in right.headers
        assert http.get("/v1/me", headers=victim_token).status_code == 200  # tokens issued before still work

        # attack: a disabled client asks for a token
        assert http.post(f"/v1/users/{exp.user.id}/disable", json={"reason": "left"}, headers=admin).status_code == 200
        refused = http.post("/auth/token", data={"grant_type": "client_credentials", "client_id": exp.client_id,
                                                 "client_secret": exp.client_secret})
        assert (refused.status_code, refused.json()["error"]) == (401, "invalid_client")
        assert http.get("/v1/products", headers=exporter).status_code == 401

        # attack: renew while suspended (and without a reason)
        base = f"/v1/certificates/{number}"
        assert http.post(f"{base}/suspend", json={"reason": "surveillance finding"}, headers=certifier).status_code == 200
        assert http.post(f"{base}/renew", json={"reason": "new cycle"}, headers=certifier).status_code == 409
        assert http.post(f"{base}/renew", json={}, headers=certifier).status_code == 422
        assert http.get(f"/verify/{number}", headers=JSON).json()["status"] == "suspended"
        assert http.post(f"{base}/lift-suspension", json={"reason": "finding closed"}, headers=certifier).status_code == 200

        # attack: a history row inserted behind the service's back
        assert http.get("/v1/audit/verify", headers=admin).json()["intact"] is True
        certificate_id, forged_seq = _forge_revoke(application, number)
        report = http.get("/v1/audit/verify", headers=admin).json()
        assert report["intact"] is False
        assert [(b["entity_id"], b["seq"]) for b in report["broken"]] == [(certificate_id, forged_seq)]

        # the honest certificate still verifies, and the forged revocation changed nothing
        public = http.get(f"/verify/{number}", headers=JSON).json()
        assert (public["status"], public["signature"]["valid"]) == ("valid", True)
        attempts = http.get("/v1/audit/sign-ins", params={"identifier": victim.client_id}, headers=admin).json()
        assert [a["outcome"] for a in reversed(attempts)] == ["success"] + ["invalid_secret"] * 5 + ["throttled"] * 2
