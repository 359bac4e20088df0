"""The PACT v3 host API (/3/) on both databases: what a partner sees is decided by shares;
pagination, filtering, auth failures and unknown ids answer as the spec says."""

from __future__ import annotations

import base64
from uuid import UUID

import pytest

from tests.pact.schema import schema_errors
from tests.pact.service import exportable_bom, make_account, store_product_footprints


def _token(client, account) -> dict[str, str]:
    basic = base64.b64encode(f"{account.client_id}:{account.client_secret}".encode()).decode()
    answer = client.post("/auth/token", data={"grant_type": "client_credentials"},
                         headers={"Authorization": f"Basic {basic}"})
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


@pytest.fixture
def host(app, client, mini_snapshot, mini_bom):
    owner = make_account(app, "Foshan Stools Ltd", "stools-api")
    partner = make_account(app, "EU Buyer GmbH", "eu-buyer", kind="partner")
    stranger = make_account(app, "Other Buyer", "other", kind="partner")
    v1 = exportable_bom(mini_bom)
    v2 = exportable_bom(mini_bom, pact={"fossil_carbon_content_kgc": 0.1})  # a changed footprint: new id
    chair = exportable_bom(mini_bom, id="chair-7", name="Chair", site_region="CN-44")
    product, (old, new) = store_product_footprints(app, owner, [v1, v2], mini_snapshot)
    other_product, (chair_id,) = store_product_footprints(app, owner, [chair], mini_snapshot)
    owner_h = _token(client, owner)
    for pid in (product, other_product):
        answer = client.post("/v1/pact/shares", json={"product_id": pid, "partner_id": partner.id}, headers=owner_h)
        assert answer.status_code == 201, answer.text
    return {"owner": owner_h, "partner": _token(client, partner), "stranger": _token(client, stranger),
            "old": str(UUID(old)), "new": str(UUID(new)), "chair": str(UUID(chair_id)), "product": product}


def test_the_partner_lists_what_was_shared_with_lifecycle_and_valid_documents(client, host) -> None:
    answer = client.get("/3/footprints", headers=host["partner"])
    assert answer.status_code == 200 and "link" not in answer.headers
    data = answer.json()["data"]
    assert [pf["id"] for pf in data] == [host["old"], host["new"], host["chair"]]
    for pf in data:
        assert schema_errors(pf, "ProductFootprint") == []
    old, new = data[0], data[1]
    assert (old["status"], new["status"]) == ("Deprecated", "Active")
    assert new["precedingPfIds"] == [host["old"]] and "precedingPfIds" not in old
    assert new["pcf"]["fossilCarbonContent"] == "0.1"
    one = client.get(f"/3/footprints/{host['new']}", headers=host["partner"])
    assert one.status_code == 200 and one.json() == {"data": new}
    # a partner nothing was shared with sees nothing, and cannot get by id
    assert client.get("/3/footprints", headers=host["stranger"]).json() == {"data": []}
    denied = client.get(f"/3/footprints/{host['new']}", headers=host["stranger"])
    assert denied.status_code == 404 and denied.json()["code"] == "NotFound"


def test_pagination_by_link_header(client, host) -> None:
    first = client.get("/3/footprints?limit=2", headers={**host["partner"], "host": "pact.example:8443"})
    assert [pf["id"] for pf in first.json()["data"]] == [host["old"], host["new"]]
    link = first.headers["link"]
    assert link.startswith("<http://pact.example:8443/3/footprints?") and link.endswith('>; rel="next"')
    target = link[1:link.index(">")]
    second = client.get(target.replace("http://pact.example:8443", ""), headers=host["partner"])
    assert [pf["id"] for pf in second.json()["data"]] == [host["chair"]]
    assert "link" not in second.headers
    again = client.get(target.replace("http://pact.example:8443", ""), headers=host["partner"])
    assert again.json() == second.json()  # a pagination link may be called more than once


def test_filtering(client, host) -> None:
    def ids(query: str) -> list[str]:
        answer = client.get(f"/3/footprints?{query}", headers=host["partner"])
        assert answer.status_code == 200, answer.text
        return [pf["id"] for pf in answer.json()["data"]]

    chair_urn = "urn:pact:testserver:product-id:chair-7"
    assert ids(f"productId={chair_urn.upper()}") == [host["chair"]]
    assert ids("status=Active") == [host["new"], host["chair"]]
    assert ids(f"productId={chair_urn}&status=Deprecated") == []
    assert ids("geography=CN-GD") == [host["old"], host["new"]]
    assert ids("geography=cn") == [host["old"], host["new"], host["chair"]]
    # reference period 2025; no validity period: valid 2026-01-01 .. 2029-01-01
    assert ids("validOn=2027-06-01T00:00:00Z&status=Active") == [host["new"], host["chair"]]
    assert ids("validOn=2030-01-01T00:00:00Z") == []
    assert ids("x-acme-invoice=1") == [host["old"], host["new"], host["chair"]]


@pytest.mark.parametrize("query", ["limit=-1", "limit=0", "limit=a", "validOn=tomorrow", "status=Gone", "colour=red"])
def test_bad_queries_answer_400_bad_request(client, host, query) -> None:
    answer = client.get(f"/3/footprints?{query}", headers=host["partner"])
    assert answer.status_code == 400 and answer.json()["code"] == "BadRequest" and answer.json()["message"]


def test_auth_failures_and_unknown_ids(client, host) -> None:
    missing = client.get("/3/footprints")
    assert missing.status_code == 401 and set(missing.json()) == {"code", "message"}
    bad = client.get("/3/footprints", headers={"Authorization": "Bearer nonsense"})
    assert bad.status_code == 401 and bad.json()["code"] == "AccessDenied"
    not_partner = client.get("/3/footprints", headers=host["owner"])
    assert not_partner.status_code == 403 and not_partner.json()["code"] == "AccessDenied"
    unknown = client.get("/3/footprints/00000000-0000-4000-8000-000000000000", headers=host["partner"])
    assert unknown.status_code == 404 and unknown.json()["code"] == "NotFound"
    malformed = client.get("/3/footprints/not-a-uuid", headers=host["partner"])
    assert malformed.status_code == 400 and malformed.json()["code"] == "BadRequest"
    wrong = client.post("/auth/token", data={"grant_type": "client_credentials", "client_id": "x", "client_secret": "y"})
    assert wrong.status_code in (400, 401)


def test_revoking_a_share_hides_the_product(client, host) -> None:
    shares = client.get("/v1/pact/shares", headers=host["owner"]).json()
    first = next(s for s in shares if s["product_id"] == host["product"])
    assert client.post(f"/v1/pact/shares/{first['id']}/revoke", headers=host["owner"]).status_code == 200
    assert [pf["id"] for pf in client.get("/3/footprints", headers=host["partner"]).json()["data"]] == [host["chair"]]
    assert client.get(f"/3/footprints/{host['new']}", headers=host["partner"]).status_code == 404
    again = client.post(f"/v1/pact/shares/{first['id']}/revoke", headers=host["owner"])
    assert again.status_code == 409


def test_openid_discovery_names_the_token_endpoint(client) -> None:
    doc = client.get("/.well-known/openid-configuration").json()
    assert doc["token_endpoint"] == "http://testserver/auth/token"


def test_events_are_validated_before_acceptance(client, host) -> None:
    headers = {**host["partner"], "content-type": "application/cloudevents+json"}
    bad = client.post("/3/events", content=b'{"type": "nope"}', headers=headers)
    assert bad.status_code == 400 and bad.json()["code"] == "BadRequest" and "$.type" in bad.json()["message"]
    not_json = client.post("/3/events", content=b"{", headers=headers)
    assert not_json.status_code == 400
