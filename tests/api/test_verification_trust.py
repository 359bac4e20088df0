"""Issue 9, "What was seen" 4 and "Hardened pages": verification never says valid beside a failed check,
pages are rounded for people and sent with security headers, private files are 0600.
Each runs on SQLite and PostgreSQL (the `database` fixture)."""

from __future__ import annotations

import os
import stat
from dataclasses import replace

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from api.http.app import create_app
from api.errors import InsecureConfiguration
from api.usecases.verification import preflight
from tests.api.helpers import certified
from tests.api.standin import StandInDomain, sample_bom

JSON = {"Accept": "application/json"}


def forge(app, database, number: str, statement: str) -> None:  # type: ignore[no-untyped-def]
    """Someone with database access edits a certificate row (bypassing the immutability trigger)."""
    with app.state.service.engine.begin() as conn:
        if database.kind == "sqlite":
            conn.execute(text("DROP TRIGGER IF EXISTS certificates_no_update"))
        else:
            conn.execute(text("ALTER TABLE certificates DISABLE TRIGGER certificates_immutable"))
        conn.execute(text(statement), {"n": number})
        if database.kind == "postgres":
            conn.execute(text("ALTER TABLE certificates ENABLE TRIGGER certificates_immutable"))


@pytest.mark.parametrize(("statement", "changed"), [
    ("UPDATE certificates SET tier = 'T3' WHERE number = :n", "tier"),
    ("UPDATE certificates SET total_kgco2e = 1.0 WHERE number = :n", "total_kgco2e"),
    ("UPDATE certificates SET grade = 'A' WHERE number = :n", "grade"),
])
def test_a_record_edited_in_the_database_is_red_record_altered(client, actors, app, database, statement,
                                                                 changed) -> None:
    exporter = actors.add("exporter", "exporter", "Lamp Co")
    certifier = actors.add("certifier", "certifier", "GD Cert Body")
    number = certified(client, exporter, certifier)["number"]
    forge(app, database, number, statement)
    body = client.get(f"/verify/{number}", headers=JSON).json()
    assert body["status"] == "record_altered" and body["lifecycle_status"] == "valid"
    assert body["signature"]["valid"] is False and body["signature"]["problem"] == "record_altered"
    assert changed in body["status_reason"]
    page = client.get(f"/verify/{number}").text
    assert 'class="status record_altered"' in page and 'class="status valid"' not in page
    assert "must not be trusted" in page
    listed = client.get(f"/v1/certificates/{number}", headers=certifier).json()
    assert listed["signature_check"]["problem"] == "record_altered"


def test_a_forged_payload_is_red_signature_mismatch(client, actors, app, database) -> None:
    exporter = actors.add("exporter", "exporter", "Lamp Co")
    certifier = actors.add("certifier", "certifier", "GD Cert Body")
    number = certified(client, exporter, certifier)["number"]
    forge(app, database, number, "UPDATE certificates SET payload = replace(payload, '\"T1\"', '\"T3\"') "
                                 "WHERE number = :n")
    body = client.get(f"/verify/{number}", headers=JSON).json()
    assert body["status"] == "signature_mismatch" and body["tier"] == "T3"  # shown as stored, but red
    assert 'class="status signature_mismatch"' in client.get(f"/verify/{number}").text


def test_a_restart_with_a_new_key_and_no_verify_keys_refuses_to_start(client, actors, app, settings, database,
                                                                      tmp_path) -> None:
    """What was seen 4: a restart with a new key and no CARBONLABEL_VERIFY_KEYS answered
    {"status": "valid", "signature": {"valid": false}} with a green badge."""
    exporter = actors.add("exporter", "exporter", "Lamp Co")
    certifier = actors.add("certifier", "certifier", "GD Cert Body")
    old = certified(client, exporter, certifier)
    restarted = replace(settings, signing_key_path=tmp_path / "new-key.pem")
    with pytest.raises(InsecureConfiguration) as refused:
        create_app(restarted, domain=StandInDomain(), engine_connect_args=database.connect_args)
    assert old["key_id"] in refused.value.message and "CARBONLABEL_VERIFY_KEYS" in refused.value.message
    if database.kind == "sqlite":  # the CLI's check before binding a port says the same
        with pytest.raises(InsecureConfiguration, match=old["key_id"]):
            preflight(restarted)
    accepted = replace(restarted, accept_unknown_key_ids=(old["key_id"],))
    with TestClient(create_app(accepted, domain=StandInDomain(), engine_connect_args=database.connect_args)) as new:
        body = new.get(f"/verify/{old['number']}", headers=JSON).json()
        assert body["status"] == "unknown_key" and body["signature"]["valid"] is False
        page = new.get(f"/verify/{old['number']}").text
        assert 'class="status unknown_key"' in page and 'class="status valid"' not in page
    trusted = replace(restarted, verify_key_paths=(settings.signing_key_path,))
    with TestClient(create_app(trusted, domain=StandInDomain(), engine_connect_args=database.connect_args)) as new:
        assert new.get(f"/verify/{old['number']}", headers=JSON).json()["status"] == "valid"


# ------------------------------------------------------------------ Hardened pages
def test_values_are_rounded_for_people_and_exact_in_json(client, actors) -> None:
    """2 x 8.612345678901234 + 0.5 x 40 = 37.224691357802468 kg CO2e: 37.2 on the page (3 significant
    digits; no rule set carries a display rule), the float's shortest repr in the JSON."""
    exporter = actors.add("exporter", "exporter", "Lamp Co")
    certifier = actors.add("certifier", "certifier", "GD Cert Body")
    bom = sample_bom()
    bom["lines"][0]["supplier_pcf"]["kgco2e_per_unit"] = 8.612345678901234
    from tests.api.helpers import application_under_review, step

    application = application_under_review(client, exporter, certifier, bom=bom)
    number = step(client, certifier, application["id"], "approve").json()["number"]
    exact = repr(2 * 8.612345678901234 + 0.5 * 40.0)
    assert client.get(f"/verify/{number}", headers=JSON).json()["value"]["total_kgco2e"] == exact
    page = client.get(f"/verify/{number}").text
    assert '<td id="value">37.2 kg CO₂e' in page and exact not in page


def test_html_pages_carry_csp_nosniff_and_no_store(client, actors) -> None:
    exporter = actors.add("exporter", "exporter", "Lamp Co")
    certifier = actors.add("certifier", "certifier", "GD Cert Body")
    number = certified(client, exporter, certifier)["number"]
    for path in (f"/verify/{number}", "/verify/CL-2026-NOSUCH00"):
        page = client.get(path)
        policy = page.headers["content-security-policy"]
        assert "default-src 'none'" in policy
        # scripts only from this origin (the vendored htmx and ECharts), never inline or remote
        assert "script-src 'self';" in policy and "unsafe-inline' 'self'" not in policy
        assert "form-action 'self'" in policy and "frame-ancestors 'none'" in policy
        assert page.headers["x-content-type-options"] == "nosniff"
        assert page.headers["cache-control"] == "no-store"
        # never a referrer to other sites; same-origin, so the pages' own form posts carry an Origin
        assert page.headers["referrer-policy"] == "same-origin"
    machine = client.get(f"/verify/{number}", headers=JSON)
    assert machine.headers["x-content-type-options"] == "nosniff"
    assert "access-control-allow-origin" not in machine.headers  # CORS is off unless configured
    assert "content-security-policy" not in client.get("/docs").headers  # Swagger UI loads from its CDN


@pytest.mark.parametrize("database", ["sqlite"], indirect=True)
def test_cors_for_the_public_verification_json_follows_the_setting(settings, database, actors) -> None:
    configured = replace(settings, cors_origins=("https://registry.example.org",))
    app = create_app(configured, domain=StandInDomain(), engine_connect_args=database.connect_args)
    with TestClient(app) as client:
        allowed = {"Origin": "https://registry.example.org", **JSON}
        answer = client.get("/verify/CL-2026-NOSUCH00", headers=allowed)
        assert answer.headers["access-control-allow-origin"] == "https://registry.example.org"
        preflight_answer = client.options("/verify/CL-2026-NOSUCH00", headers={
            "Origin": "https://registry.example.org", "Access-Control-Request-Method": "GET"})
        assert preflight_answer.status_code == 204
        assert preflight_answer.headers["access-control-allow-methods"] == "GET"
        other = client.get("/verify/CL-2026-NOSUCH00", headers={"Origin": "https://evil.example", **JSON})
        assert "access-control-allow-origin" not in other.headers
        # only the public verification JSON and the keys: never an authenticated route
        private = client.get("/v1/products", headers={"Origin": "https://registry.example.org"})
        assert "access-control-allow-origin" not in private.headers
        assert client.get("/v1/keys", headers=allowed).headers["access-control-allow-origin"]
    app.state.service.engine.dispose()


@pytest.mark.parametrize("database", ["sqlite"], indirect=True)
def test_the_sqlite_file_and_the_key_file_are_private(settings, app) -> None:  # type: ignore[no-untyped-def]
    database_file = settings.database_url.removeprefix("sqlite:///")
    for path in (database_file, settings.signing_key_path):
        mode = stat.S_IMODE(os.stat(path).st_mode)
        assert mode == 0o600, (path, oct(mode))
    assert stat.S_IMODE(os.stat(settings.signing_key_path.parent).st_mode) == 0o700


def test_carbonlabel_serve_refuses_before_binding_a_port(home, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The CLI: certificates in the home's database, signed by a key whose file is gone."""
    from typer.testing import CliRunner

    from api.cli import app as cli
    from api.settings import load_settings
    from tests.api.conftest import Actors, free_port

    monkeypatch.delenv("CARBONLABEL_DATABASE_URL", raising=False)
    settings = load_settings(embedded=True)
    application = create_app(settings, domain=StandInDomain())
    with TestClient(application) as client:
        actors = Actors(application, client)
        key_id = certified(client, actors.add("exporter", "exporter", "Lamp Co"),
                           actors.add("certifier", "certifier", "GD Cert Body"))["key_id"]
    application.state.service.engine.dispose()
    settings.signing_key_path.unlink()  # a new key will be made: the old certificates' key is lost
    result = CliRunner().invoke(cli, ["serve", "--dev", "--port", str(free_port())])
    assert result.exit_code == 2, result.output
    assert key_id in result.output and "CARBONLABEL_ACCEPT_UNKNOWN_KEYS" in result.output


def test_reasons_shown_on_the_public_page_refuse_bidi_overrides(client, actors) -> None:
    """A revocation reason is printed on the verification page: an RLO would reverse it there."""
    exporter = actors.add("exporter", "exporter", "Lamp Co")
    certifier = actors.add("certifier", "certifier", "GD Cert Body")
    number = certified(client, exporter, certifier)["number"]
    answer = client.post(f"/v1/certificates/{number}/revoke", json={"reason": "fraud \u202edetcerroc"},
                         headers=certifier)
    assert answer.status_code == 422 and answer.json()["code"] == "request.validation"
    answer = client.post(f"/v1/certificates/{number}/revoke", json={"reason": "supplier PCF withdrawn\nsee file"},
                         headers=certifier)
    assert answer.status_code == 200, answer.text  # line breaks are fine in a reason


def test_users_create_refuses_names_a_page_would_show_reversed(home, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from typer.testing import CliRunner

    from api.cli import app as cli

    monkeypatch.delenv("CARBONLABEL_DATABASE_URL", raising=False)
    result = CliRunner().invoke(cli, ["users", "create", "--org", "Lamp \u202eoC", "--role", "exporter",
                                      "--name", "ops"])
    assert result.exit_code == 2 and "bidi" in result.output, result.output
    result = CliRunner().invoke(cli, ["users", "create", "--org", "  ", "--role", "exporter", "--name", "ops"])
    assert result.exit_code == 2 and "blank" in result.output, result.output
