"""The public procurement check over real HTTP, real rules, SQLite and PostgreSQL (issue 16 item 3).

A T1 certificate of the gd-carbon-label: not valid on the day before it was issued nor on its first (partial) day,
valid the next; valid on the last day before the missing annual surveillance suspends it, not on that day; not on
the day it expires; at least T1 yes, at least grade C no;
after a revocation no longer valid; the answer carries the signed document, whose Ed25519 signature checks
against the published key.
"""

from __future__ import annotations

import base64
from datetime import date, datetime, timedelta

import httpx
import rfc8785
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from tests.api.real_steps import desk_lamp_footprint, exporter_and_certifier
from tests.api.test_e2e_http import evidence_for, real_server  # noqa: F401  (fixture)


def _b64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def test_procurement_check_at_the_validity_boundaries(real_server) -> None:  # noqa: F811
    server, application = real_server
    with httpx.Client(base_url=server.url, timeout=120) as http:
        exporter, certifier = exporter_and_certifier(application, http)
        bom, product_id, footprint = desk_lamp_footprint(http, exporter)
        applied = http.post("/v1/applications", json={"product_id": product_id, "footprint_id": footprint["id"],
                                                      "scheme": "gd-carbon-label", "evidence": evidence_for(bom)},
                            headers=exporter).json()["id"]
        assert http.post(f"/v1/applications/{applied}/submit", headers=exporter).status_code == 200
        assert http.post(f"/v1/applications/{applied}/start-review", headers=certifier).status_code == 200
        approved = http.post(f"/v1/applications/{applied}/approve", headers=certifier)
        assert approved.status_code == 201, approved.text
        number, document = approved.json()["number"], approved.json()["document"]
        assert document["tier"] == "T1" and document["grade"] is None
        issued = datetime.fromisoformat(document["valid_from"].replace("Z", "+00:00"))
        until = datetime.fromisoformat(document["valid_until"].replace("Z", "+00:00"))

        def ask(on: date, grade: str = "T1") -> dict:
            answer = http.get(f"/v1/procurement-check/{number}", params={"on": on.isoformat(), "grade": grade})
            assert answer.status_code == 200, answer.text
            return answer.json()

        # without a surveillance, the computed state turns `suspended` once the annual surveillance is more than
        # the grace period overdue: valid_from + interval_days + grace_days (docs/service.md, certificate states)
        surveillance = document["surveillance"]
        overdue = issued + timedelta(days=int(surveillance["interval_days"]) + int(surveillance["grace_days"]))
        last_whole_day = overdue.date() - timedelta(days=1)
        assert ask(last_whole_day)["meets"] is True
        on_overdue = ask(overdue.date())
        assert (on_overdue["meets"], on_overdue["status_at_start"], on_overdue["status_at_end"]) == (False, "valid", "suspended")
        on_expiry = ask(until.date())
        assert (on_expiry["meets"], on_expiry["status_at_end"]) == (False, "expired")
        before = ask(issued.date() - timedelta(days=1))
        assert before["meets"] is False and before["valid_on_date"] is False
        # issued during its first day: not valid for the whole of that day; the next day it is
        assert ask(issued.date())["meets"] is False
        assert ask(issued.date() + timedelta(days=1))["meets"] is True
        graded = ask(last_whole_day, "C")
        assert (graded["valid_on_date"], graded["meets"]) == (True, False)
        assert "without a T3 grade" in graded["grade_check"]
        assert http.get(f"/v1/procurement-check/{number}",
                        params={"on": last_whole_day.isoformat(), "grade": "Z"}).status_code == 422
        # the proof: the signed document verifies with the published key
        proof = ask(last_whole_day)
        keys = {k["kid"]: k for k in http.get("/v1/keys").json()["keys"]}
        key = Ed25519PublicKey.from_public_bytes(_b64(keys[proof["key_id"]]["x"]))
        key.verify(_b64(proof["signature_value"]), rfc8785.dumps(proof["signed_document"]))
        # revoked: no longer valid, from the revocation on
        assert http.post(f"/v1/certificates/{number}/revoke", json={"reason": "withdrawn"},
                         headers=certifier).status_code == 200
        assert ask(last_whole_day)["meets"] is False
        assert http.get("/v1/procurement-check/CL-0000-NOSUCH", params={"on": "2026-01-01", "grade": "T1"}).status_code == 404
