"""The session's Origin check: the Host header without a configured public URL, the public URL
when the deployment set one (behind a proxy the Host is the proxy's upstream name)."""

from __future__ import annotations

from dataclasses import replace

from fastapi.testclient import TestClient

from tests.web.test_auth import PASSWORD, add_person, csrf_of


def _login_post(client: TestClient, login: str, origin: str, host: str | None = None, base: str = "") -> int:
    token = csrf_of(client.get(f"{base}/login").text)
    headers = {"Origin": origin, **({"Host": host} if host else {})}
    answer = client.post(f"{base}/login", data={"csrf_token": token, "login": login, "password": PASSWORD},
                         headers=headers, follow_redirects=False)
    return answer.status_code


def test_without_a_public_url_the_origin_must_be_the_host(client, app) -> None:  # type: ignore[no-untyped-def]
    login = add_person(app, "trade_office", "HK Trade Office")
    assert not app.state.service.settings.public_url_configured
    assert _login_post(client, login, "http://testserver") == 303  # TestClient's Host is testserver
    assert _login_post(client, login, "https://label.example.org") == 403


def test_behind_a_proxy_the_origin_must_be_the_public_url(client, app) -> None:  # type: ignore[no-untyped-def]
    login = add_person(app, "trade_office", "HK Trade Office")
    service = app.state.service
    service.settings = replace(service.settings, public_url="https://label.example.org",
                               public_url_configured=True)
    https = "https://testserver"  # the cookie is Secure now (public URL https): the client must send it back
    # the proxy forwards Host "app:8000"; the browser's Origin is the public address: accepted
    assert _login_post(client, login, "https://label.example.org", host="app:8000", base=https) == 303
    assert _login_post(client, login, "https://label.example.org:443", host="app:8000", base=https) == 303  # default port
    # an Origin equal to the Host but not the public URL (e.g. DNS rebinding to the upstream name): refused
    assert _login_post(client, login, "http://app:8000", host="app:8000", base=https) == 403
    assert _login_post(client, login, "http://label.example.org", host="app:8000", base=https) == 403  # scheme differs
    assert _login_post(client, login, "https://evil.example", host="app:8000", base=https) == 403
