"""The PACT client (api.pact_client) against a scripted host (httpx.MockTransport): discovery,
token, Link pagination, a token that expires, errors in the spec's form, a link to another host."""

from __future__ import annotations

import base64
import json

import httpx
import pytest

from api.pact_client import PactClient, PactPartnerError
from footprint.pact_exchange import FootprintQuery
from tests.pact.schema import example

BASE = "https://supplier.example"


def _host(pages: list[list[dict]], *, discovery: bool = True, expire_first: bool = False,
          next_host: str = "supplier.example"):
    calls: list[str] = []
    state = {"tokens": 0, "expired": not expire_first}

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(f"{request.method} {request.url}")
        path = request.url.path
        if path == "/.well-known/openid-configuration":
            if not discovery:
                return httpx.Response(404)
            return httpx.Response(200, json={"issuer": BASE, "token_endpoint": f"{BASE}/oauth/token"})
        if path in ("/oauth/token", "/auth/token"):
            user, _, secret = base64.b64decode(request.headers["authorization"].split()[1]).decode().partition(":")
            assert request.content == b"grant_type=client_credentials"
            if (user, secret) != ("us", "s3cret"):
                return httpx.Response(401, json={"error": "invalid_client"})
            state["tokens"] += 1
            return httpx.Response(200, json={"access_token": f"t{state['tokens']}", "token_type": "bearer"})
        token = request.headers.get("authorization", "").removeprefix("Bearer ")
        if not state["expired"]:
            state["expired"] = True
            return httpx.Response(401, json={"code": "TokenExpired", "message": "expired"})
        if not token.startswith("t"):
            return httpx.Response(401, json={"code": "BadRequest", "message": "no token"})
        if path == "/3/footprints":
            offset = int(request.url.params.get("offset", 0))
            headers = {}
            if offset + 1 < len(pages):
                nxt = httpx.URL(f"https://{next_host}/3/footprints", params={**request.url.params, "offset": offset + 1})
                headers["link"] = f'<{nxt}>; rel="next"'
            return httpx.Response(200, json={"data": pages[offset]}, headers=headers)
        if path.startswith("/3/footprints/"):
            for page in pages:
                for pf in page:
                    if pf["id"] == path.rsplit("/", 1)[1]:
                        return httpx.Response(200, json={"data": pf})
            return httpx.Response(404, json={"code": "NotFound", "message": "no such footprint"})
        return httpx.Response(404)

    return handler, calls, state


def test_list_follows_next_links_and_gets_one_by_id() -> None:
    pages = [[example("example-1.json")], [example("example-3.json"), example("example-4.json")]]
    handler, calls, state = _host(pages)
    with PactClient(BASE, "us", "s3cret", transport=httpx.MockTransport(handler)) as client:
        fetched = client.list_footprints(FootprintQuery.from_query([("status", "Active")]), limit=2)
        assert [pf.product_name_company for pf in fetched.footprints] == ["Product 1", "Product 3", "Product 4"]
        assert fetched.pages == 2
        assert "unknown field ignored: $.data[0].pcf.otherOperatorName" in fetched.report
        one = client.get_footprint(pages[1][0]["id"])
        assert one.footprints[0].product_name_company == "Product 3"
        with pytest.raises(PactPartnerError, match="answered 404: NotFound: 'no such footprint'|NotFound"):
            client.get_footprint("00000000-0000-4000-8000-000000000000")
    # discovery named the token endpoint; one token for everything
    assert calls[0] == f"GET {BASE}/.well-known/openid-configuration"
    assert calls[1] == f"POST {BASE}/oauth/token"
    assert state["tokens"] == 1
    assert calls[2] == f"GET {BASE}/3/footprints?status=Active&limit=2"


def test_token_fallback_expiry_and_bad_credentials() -> None:
    handler, calls, state = _host([[example("example-1.json")]], discovery=False, expire_first=True)
    with PactClient(BASE, "us", "s3cret", transport=httpx.MockTransport(handler)) as client:
        assert len(client.list_footprints().footprints) == 1
    assert f"POST {BASE}/auth/token" in calls and state["tokens"] == 2  # renewed once after TokenExpired
    handler, _, _ = _host([[]])
    with PactClient(BASE, "us", "wrong", transport=httpx.MockTransport(handler)) as client:
        with pytest.raises(PactPartnerError, match="oauth/token answered 401: no access token \\('invalid_client'\\)"):
            client.list_footprints()


def test_a_next_link_to_another_host_is_not_followed() -> None:
    handler, calls, _ = _host([[example("example-1.json")], [example("example-3.json")]], next_host="evil.example")
    with PactClient(BASE, "us", "s3cret", transport=httpx.MockTransport(handler)) as client:
        with pytest.raises(PactPartnerError, match="leads to another host; not followed"):
            client.list_footprints()
    assert not any("evil.example" in c for c in calls)


def test_a_partner_document_that_breaks_the_spec_is_refused_with_its_path() -> None:
    handler, _, _ = _host([[json.loads(json.dumps(example("invalid-response-all-properties.json")["data"][0]))]])
    with PactClient(BASE, "us", "s3cret", transport=httpx.MockTransport(handler)) as client:
        with pytest.raises(PactPartnerError, match=r"\$.data\[0\].updated: 'updated' is a v2 lifecycle field"):
            client.list_footprints()
