"""Accounts an administrator can run (issue 9, "What was seen" 8), on SQLite and PostgreSQL.

List, create, disable and re-enable organisations and accounts; rotate a client secret; revoke a
client's tokens; the sign-in throttle (429 after the stated number of failures, per identifier
and address); the same scrypt work for unknown and known ids (a spy counts it); every attempt
logged; no secret in any log or table.
"""

from __future__ import annotations

import json
import logging
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from typer.testing import CliRunner

from api import security
from api.http.app import create_app
from tests.api.standin import StandInDomain


def _token_answer(client, client_id: str, secret: str):  # type: ignore[no-untyped-def]
    return client.post(
        "/auth/token", data={"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}
    )


def test_an_administrator_runs_organisations_and_accounts(client, actors) -> None:
    admin = actors.add("admin", "admin", "Operator")
    exporter_headers = actors.add("exporter", "exporter", "Lamp Co")
    org = client.post("/v1/organisations", json={"name": "Fan Co"}, headers=admin).json()
    assert org["active"] is True
    assert [o["name"] for o in client.get("/v1/organisations", headers=admin).json()] == [
        "Fan Co",
        "Lamp Co",
        "Operator",
    ]
    created = client.post(
        "/v1/users", json={"organisation_id": org["id"], "name": "fan api", "role": "exporter"}, headers=admin
    ).json()
    assert (created["kind"], created["active"]) == ("client", True) and created["client_secret"]
    client_id, secret = created["client_id"], created["client_secret"]
    token = _token_answer(client, client_id, secret).json()["access_token"]
    bearer = {"Authorization": f"Bearer {token}"}
    assert client.get("/v1/me", headers=bearer).status_code == 200

    person = client.post(
        "/v1/users",
        json={"organisation_id": org["id"], "name": "Ms Chan", "role": "exporter", "kind": "person"},
        headers=admin,
    ).json()
    assert (person["kind"], person["client_secret"]) == ("person", "")
    assert _token_answer(client, person["client_id"], "anything").status_code == 401  # no client secret at all
    partner = client.post(
        "/v1/users",
        json={"organisation_id": org["id"], "name": "PACT peer", "role": "trade_office", "kind": "partner"},
        headers=admin,
    ).json()
    listed = client.get("/v1/users", params={"organisation_id": org["id"]}, headers=admin).json()
    assert [(u["name"], u["kind"]) for u in listed] == [("fan api", "client"), ("Ms Chan", "person"), ("PACT peer", "partner")]
    assert all("secret" not in json.dumps(u) for u in listed)
    assert [u["name"] for u in client.get("/v1/users", params={"kind": "partner"}, headers=admin).json()] == [
        "PACT peer"
    ]
    assert partner["client_secret"]

    # disable: the token stops at once, no new token; enable: a new token again
    disabled = client.post(f"/v1/users/{created['id']}/disable", json={"reason": "left"}, headers=admin)
    assert disabled.json()["active"] is False
    assert client.get("/v1/me", headers=bearer).status_code == 401
    refused = _token_answer(client, client_id, secret)
    assert refused.status_code == 401 and refused.json()["error"] == "invalid_client"
    assert client.post(f"/v1/users/{created['id']}/disable", headers=admin).status_code == 409
    assert client.post(f"/v1/users/{created['id']}/enable", headers=admin).json()["active"] is True
    token = _token_answer(client, client_id, secret).json()["access_token"]
    bearer = {"Authorization": f"Bearer {token}"}

    # revoke tokens
    revoked = client.post(f"/v1/users/{created['id']}/revoke-tokens", headers=admin).json()
    assert revoked == {"user_id": created["id"], "tokens_revoked": 1}
    assert client.get("/v1/me", headers=bearer).status_code == 401

    # rotate: the old secret fails, the new works, earlier tokens end
    token = _token_answer(client, client_id, secret).json()["access_token"]
    rotated = client.post(f"/v1/users/{created['id']}/rotate-secret", json={"reason": "leaked"}, headers=admin).json()
    assert rotated["client_secret"] and rotated["client_secret"] != secret
    assert client.get("/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert _token_answer(client, client_id, secret).status_code == 401
    assert _token_answer(client, client_id, rotated["client_secret"]).status_code == 200
    assert client.post(f"/v1/users/{person['id']}/rotate-secret", headers=admin).status_code == 409

    # disabling the organisation ends its members' tokens
    token = _token_answer(client, client_id, rotated["client_secret"]).json()["access_token"]
    assert client.post(f"/v1/organisations/{org['id']}/disable", json={"reason": "contract ended"}, headers=admin).json()[
        "active"
    ] is False
    assert client.get("/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert _token_answer(client, client_id, rotated["client_secret"]).status_code == 401
    assert client.post(f"/v1/organisations/{org['id']}/enable", headers=admin).json()["active"] is True
    assert _token_answer(client, client_id, rotated["client_secret"]).status_code == 200

    # only admins; every change is a history row with its reason
    assert client.get("/v1/users", headers=exporter_headers).status_code == 403
    assert client.post(f"/v1/users/{created['id']}/disable", headers=exporter_headers).status_code == 403
    user_rows = client.get("/v1/audit", params={"entity_id": created["id"]}, headers=admin).json()
    assert [(r["action"], r["reason"]) for r in user_rows] == [
        ("create", None),
        ("disable", "left"),
        ("enable", None),
        ("revoke_tokens", None),
        ("rotate_secret", "leaked"),
    ]
    org_rows = client.get("/v1/audit", params={"entity_id": org["id"], "entity_type": "organisation"}, headers=admin)
    assert [(r["action"], r["to_state"]) for r in org_rows.json()] == [
        ("create", "active"),
        ("disable", "disabled"),
        ("enable", "active"),
    ]


@pytest.fixture
def strict_client(settings, database):  # type: ignore[no-untyped-def]
    """The service with a throttle of 3 failures per 900 s."""
    application = create_app(
        replace(settings, login_max_failures=3, login_window_seconds=900),
        domain=StandInDomain(),
        engine_connect_args=database.connect_args,
    )
    with TestClient(application) as test_client:
        yield application, test_client
    application.state.service.engine.dispose()


def test_the_token_endpoint_is_throttled_per_identifier_and_address(strict_client, monkeypatch) -> None:
    """3 failures -> the 4th attempt is 429 (even with the right secret) until the window ends;
    another client id from the same address is not affected; every attempt is logged."""
    from api.usecases import accounts, throttle

    application, client = strict_client
    with application.state.service.sessions() as session:
        org = accounts.get_or_create_organisation(session, name="Lamp Co")
        victim = accounts.create_user(session, organisation=org, name="api", role="exporter", actor=None)
        other = accounts.create_user(session, organisation=org, name="api2", role="exporter", actor=None)
        admin = accounts.create_user(session, organisation=org, name="ops", role="admin", actor=None)
        session.commit()
    answers = [_token_answer(client, victim.client_id, f"guess-{i}") for i in range(3)]
    assert [a.status_code for a in answers] == [401, 401, 401]
    assert answers[0].json() == {"error": "invalid_client", "error_description": "invalid client credentials"}
    blocked = _token_answer(client, victim.client_id, victim.client_secret)
    assert blocked.status_code == 429
    assert blocked.json()["error"] == "slow_down"
    assert 0 < int(blocked.headers["retry-after"]) <= 900
    assert _token_answer(client, other.client_id, other.client_secret).status_code == 200
    # after the window the right secret works and clears the count
    later = throttle.utcnow() + timedelta(seconds=901)
    monkeypatch.setattr(throttle, "utcnow", lambda: later)
    assert _token_answer(client, victim.client_id, victim.client_secret).status_code == 200
    assert _token_answer(client, victim.client_id, "again-wrong").status_code == 401  # a new count: 1 of 3
    monkeypatch.undo()
    admin_token = _token_answer(client, admin.client_id, admin.client_secret).json()["access_token"]
    log = client.get(
        "/v1/audit/sign-ins", params={"identifier": victim.client_id}, headers={"Authorization": f"Bearer {admin_token}"}
    ).json()
    assert [row["outcome"] for row in reversed(log)] == [
        "invalid_secret",
        "invalid_secret",
        "invalid_secret",
        "throttled",
        "success",
        "invalid_secret",
    ]
    assert {row["address"] for row in log} == {"testclient"}
    assert all(row["user_id"] == victim.user.id for row in log if row["outcome"] != "throttled")


def test_unknown_disabled_and_known_ids_cost_the_same_hashing(client, actors, app, monkeypatch) -> None:
    """A spy on the one scrypt function: exactly one derivation per attempt, with the same cost
    parameters, whether the id is unknown, disabled, a person without a secret, wrong or right."""
    from api.usecases import accounts

    with app.state.service.sessions() as session:
        org = accounts.get_or_create_organisation(session, name="Lamp Co")
        known = accounts.create_user(session, organisation=org, name="api", role="exporter", actor=None)
        gone = accounts.create_user(session, organisation=org, name="old", role="exporter", actor=None)
        person = accounts.create_user(session, organisation=org, name="Ms Chan", role="exporter", actor=None, kind="person")
        accounts.set_user_active(session, user=gone.user, active=False, actor=None, reason="left")
        session.commit()
    calls: list[tuple[str, int]] = []
    real = security.derive

    def spy(secret: str, salt: bytes) -> bytes:
        calls.append((secret, len(salt)))
        return real(secret, salt)

    monkeypatch.setattr(security, "derive", spy)
    cases = {
        "unknown id": ("cl_000000000000000000000000", "x"),
        "disabled": (gone.client_id, gone.client_secret),
        "person": (person.client_id, "x"),
        "wrong secret": (known.client_id, "x"),
        "right secret": (known.client_id, known.client_secret),
    }
    statuses = {}
    for label, (client_id, secret) in cases.items():
        before = len(calls)
        statuses[label] = _token_answer(client, client_id, secret).status_code
        assert len(calls) - before == 1, label  # one derivation, never zero (fast path) or two
    assert statuses == {"unknown id": 401, "disabled": 401, "person": 401, "wrong secret": 401, "right secret": 200}
    assert {salt_length for _, salt_length in calls} == {16}


def test_secrets_are_never_logged_or_stored(client, actors, app, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    admin = actors.add("admin", "admin", "Operator")
    created = client.post(
        "/v1/users",
        json={"organisation_id": client.get("/v1/me", headers=admin).json()["organisation_id"], "name": "x",
              "role": "exporter"},
        headers=admin,
    ).json()
    secrets = [created["client_secret"], "wrong-secret-Zq9"]
    _token_answer(client, created["client_id"], "wrong-secret-Zq9")
    token = _token_answer(client, created["client_id"], created["client_secret"]).json()["access_token"]
    rotated = client.post(f"/v1/users/{created['id']}/rotate-secret", headers=admin).json()["client_secret"]
    secrets += [rotated, token]
    for secret in secrets:
        assert secret not in caplog.text
    engine = app.state.service.engine
    with engine.connect() as conn:
        dumped = "".join(
            json.dumps([list(map(str, row)) for row in conn.execute(text(f"SELECT * FROM {table}"))])
            for table in ("history", "auth_attempts", "users", "access_tokens", "login_throttle")
        )
    for secret in secrets:
        assert secret not in dumped


def test_the_command_line_runs_accounts_too(home: Path, monkeypatch) -> None:
    from api.cli import app as cli

    monkeypatch.delenv("CARBONLABEL_DATABASE_URL", raising=False)
    monkeypatch.delenv("CARBONLABEL_SIGNING_KEY", raising=False)
    runner = CliRunner()

    def run(*args: str) -> str:
        result = runner.invoke(cli, list(args))
        assert result.exit_code == 0, result.output
        return result.output

    created = json.loads(run("users", "create", "--org", "Lamp Co", "--role", "exporter", "--name", "ops", "--json"))
    assert "Lamp Co" in run("orgs", "list")
    listed = json.loads(run("users", "list", "--org", "Lamp Co", "--json"))
    assert [(u["client_id"], u["active"]) for u in listed] == [(created["client_id"], True)]
    assert json.loads(run("users", "disable", created["client_id"], "--reason", "left", "--json"))[0]["active"] is False
    assert json.loads(run("users", "enable", created["client_id"], "--json"))[0]["active"] is True
    rotated = json.loads(run("users", "rotate-secret", created["client_id"], "--json"))[0]["client_secret"]
    assert rotated != created["client_secret"]
    assert json.loads(run("users", "revoke-tokens", created["client_id"], "--json"))[0]["tokens_revoked"] == 0
    assert "active=False" in run("orgs", "disable", "Lamp Co", "--reason", "closed")
    again = runner.invoke(cli, ["orgs", "disable", "Lamp Co"])
    assert again.exit_code == 2 and "already disabled" in again.output
    # the CLI chains and signs its history rows like the server
    assert "intact" in run("audit", "verify")


def test_token_errors_keep_the_rfc_6749_format(client) -> None:
    """RFC 6749 §5.2: {"error", "error_description"}, 401 invalid_client with WWW-Authenticate."""
    malformed = client.post(
        "/auth/token", data={"grant_type": "client_credentials"}, headers={"Authorization": "Basic !!!"}
    )
    assert malformed.status_code == 401
    assert malformed.json() == {"error": "invalid_client", "error_description": "malformed HTTP Basic credentials"}
    assert malformed.headers["www-authenticate"] == "Basic"
    missing = client.post("/auth/token", data={"grant_type": "client_credentials", "client_id": "x"})
    assert (missing.status_code, missing.json()["error"]) == (401, "invalid_client")
    unsupported = client.post("/auth/token", data={"grant_type": "password"})
    assert (unsupported.status_code, unsupported.json()) == (400, {"error": "unsupported_grant_type"})
