"""Signing in to the web pages: argon2 passwords, session cookie flags, CSRF on every form, logout,
password change, the database-stored sign-in throttle, organisation scoping."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import select

from api.storage.models import User
from api.usecases import accounts, web_accounts
from api.web.sessions import SESSION_COOKIE

PASSWORD = "correct horse battery"


def add_person(app: Any, role: str, organisation: str, name: str = "Li Hua", password: str = PASSWORD) -> str:
    """A person account with a password; returns its login name."""
    with app.state.service.sessions() as session:
        org = accounts.get_or_create_organisation(session, name=organisation)
        created = accounts.create_user(session, organisation=org, name=name, role=role, actor=None, kind="person")
        web_accounts.set_password(session, user=created.user, password=password, actor=None)
        session.commit()
        return created.client_id


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "no CSRF field in the form"
    return found.group(1)


def sign_in(client: Any, login: str, password: str = PASSWORD, next_path: str = "/app") -> Any:
    token = csrf_of(client.get("/login").text)
    return client.post(
        "/login", data={"csrf_token": token, "login": login, "password": password, "next": next_path},
        follow_redirects=False,
    )


def test_password_is_stored_as_argon2id(app) -> None:  # type: ignore[no-untyped-def]
    login = add_person(app, "exporter", "Foshan Fastener Co")
    with app.state.service.sessions() as session:
        user = session.scalar(select(User).where(User.client_id == login))
        assert user is not None and user.password_hash is not None
        assert user.password_hash.startswith("$argon2id$") and PASSWORD not in user.password_hash
    with pytest.raises(Exception, match="at least 12 characters"):
        web_accounts.hash_password("short")


def test_sign_in_sets_a_protected_cookie_and_logout_ends_it(client, app) -> None:  # type: ignore[no-untyped-def]
    login = add_person(app, "exporter", "Foshan Fastener Co", name="Li Hua")
    assert client.get("/app", follow_redirects=False).headers["location"].startswith("/login?next=/app")
    answer = sign_in(client, login)
    assert answer.status_code == 303 and answer.headers["location"] == "/app"
    cookie = answer.headers["set-cookie"]
    assert cookie.startswith(SESSION_COOKIE) and "HttpOnly" in cookie and "samesite=lax" in cookie.lower()
    assert "Secure" not in cookie  # plain http in the test; https sets it (test below)
    home = client.get("/app")
    assert home.status_code == 200 and "Li Hua" in home.text and "Foshan Fastener Co" in home.text
    logout = client.post("/logout", data={"csrf_token": csrf_of(home.text)}, follow_redirects=False)
    assert logout.status_code == 303
    assert client.get("/app", follow_redirects=False).status_code == 303  # signed out


def test_cookie_is_secure_when_served_over_https(client, app) -> None:  # type: ignore[no-untyped-def]
    login = add_person(app, "exporter", "Foshan Fastener Co")
    token = csrf_of(client.get("https://testserver/login").text)
    answer = client.post("https://testserver/login", data={"csrf_token": token, "login": login, "password": PASSWORD},
                         follow_redirects=False)
    assert answer.status_code == 303 and "Secure" in answer.headers["set-cookie"]


def test_every_form_refuses_a_missing_or_foreign_csrf_token(client, app) -> None:  # type: ignore[no-untyped-def]
    login = add_person(app, "exporter", "Foshan Fastener Co")
    client.get("/login")
    no_token = client.post("/login", data={"login": login, "password": PASSWORD}, follow_redirects=False)
    assert no_token.status_code == 403 and 'id="refused"' in no_token.text
    wrong = client.post("/login", data={"csrf_token": "forged", "login": login, "password": PASSWORD},
                        follow_redirects=False)
    assert wrong.status_code == 403
    token = csrf_of(client.get("/login").text)
    foreign = client.post("/login", data={"csrf_token": token, "login": login, "password": PASSWORD},
                          headers={"Origin": "https://evil.example"}, follow_redirects=False)
    assert foreign.status_code == 403
    assert sign_in(client, login).status_code == 303
    home = client.get("/app").text
    for path, data in (("/logout", {}), ("/account/password", {"current": PASSWORD, "new": "x" * 20, "repeat": "x" * 20})):
        refused = client.post(path, data=data, follow_redirects=False)
        assert refused.status_code == 403, path
    assert client.get("/app").status_code == 200  # still signed in: the refused logout did nothing
    # the token of the session before sign-in no longer works (a new session at sign-in)
    assert csrf_of(home) != token


def test_wrong_password_then_throttle_after_the_configured_failures(client, app) -> None:  # type: ignore[no-untyped-def]
    """Settings.login_max_failures (5) failures within the window -> the 6th attempt is refused
    (429) without checking the password, even the right one."""
    login = add_person(app, "exporter", "Foshan Fastener Co")
    limit = app.state.service.settings.login_max_failures
    for _ in range(limit):
        answer = sign_in(client, login, password="wrong password!")
        assert answer.status_code == 401 and 'id="login-error"' in answer.text
    refused = sign_in(client, login)
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) > 0
    unknown = sign_in(client, "nobody-at-all", password="whatever whatever")
    assert unknown.status_code == 401


def test_password_change_ends_other_sessions(app) -> None:  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    login = add_person(app, "exporter", "Foshan Fastener Co")
    with TestClient(app) as first, TestClient(app) as second:
        assert sign_in(first, login).status_code == 303 and sign_in(second, login).status_code == 303
        form = first.get("/account/password").text
        short = first.post("/account/password", data={"csrf_token": csrf_of(form), "current": PASSWORD,
                                                       "new": "short", "repeat": "short"})
        assert short.status_code == 422 and 'id="password-error"' in short.text
        wrong = first.post("/account/password", data={"csrf_token": csrf_of(form), "current": "not it at all",
                                                      "new": "a much longer one", "repeat": "a much longer one"})
        assert wrong.status_code == 422
        done = first.post("/account/password", data={"csrf_token": csrf_of(form), "current": PASSWORD,
                                                     "new": "a much longer one", "repeat": "a much longer one"})
        assert done.status_code == 200 and 'id="password-changed"' in done.text
        assert first.get("/app").status_code == 200  # this browser stays signed in
        assert second.get("/app", follow_redirects=False).status_code == 303  # the other one is out
    with TestClient(app) as third:
        assert sign_in(third, login).status_code == 401
        assert sign_in(third, login, password="a much longer one").status_code == 303


def test_api_clients_cannot_sign_in_to_the_pages(client, app, actors) -> None:  # type: ignore[no-untyped-def]
    actors.add("machine", "exporter", "Foshan Fastener Co")
    client_id, secret = actors.credentials["machine"]
    assert sign_in(client, client_id, password=secret).status_code == 401
