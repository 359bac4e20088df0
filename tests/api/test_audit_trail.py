"""The audit trail proves itself (issue 9, "What was seen" 6 and 7), on SQLite and PostgreSQL.

* renew, suspend, lift and revoke need a reason and the states the scheme allows;
* history rows keep full-precision timestamps and a per-entity sequence;
* a row INSERTed behind the service's back (a forged `lift_suspension`) is detected by the admin
  route and `carbonlabel audit verify`, and changes no certificate's state.
"""

from __future__ import annotations

from datetime import datetime, timedelta, UTC

from sqlalchemy import insert, text
from typer.testing import CliRunner

from api.storage.models import Certificate, HistoryEntry
from api.usecases import history
from tests.api.helpers import certified

JSON = {"Accept": "application/json"}


def cli_database_url(database) -> str:  # type: ignore[no-untyped-def]
    """The test database as one URL (PostgreSQL: the per-worker schema as a libpq option)."""
    from urllib.parse import quote

    options = database.connect_args.get("options")
    return f"{database.url}?options={quote(options)}" if options else database.url


def _number_and_id(app, client, actors):  # type: ignore[no-untyped-def]
    exporter = actors.add("exporter", "exporter", "Lamp Co")
    certifier = actors.add("certifier", "certifier", "GD Cert Body")
    number = certified(client, exporter, certifier)["number"]
    with app.state.service.sessions() as session:
        certificate_id = session.query(Certificate.id).filter(Certificate.number == number).scalar()
    return exporter, certifier, number, certificate_id


def test_renew_is_refused_while_suspended_or_revoked_and_every_action_needs_a_reason(app, client, actors) -> None:
    """What was seen 6: renewing lifted a suspension, without a reason."""
    _exporter, certifier, number, _ = _number_and_id(app, client, actors)
    base = f"/v1/certificates/{number}"
    for action in ("suspend", "lift-suspension", "revoke", "renew"):
        missing = client.post(f"{base}/{action}", json={}, headers=certifier)
        assert missing.status_code == 422, (action, missing.text)
        blank = client.post(f"{base}/{action}", json={"reason": "   "}, headers=certifier)
        assert blank.status_code in (409, 422), (action, blank.text)
    assert client.post(f"{base}/suspend", json={"reason": "PCF rose 12 %"}, headers=certifier).status_code == 200
    refused = client.post(f"{base}/renew", json={"reason": "new cycle"}, headers=certifier)
    assert refused.status_code == 409
    assert "suspended" in refused.json()["detail"]
    # still suspended: the refused renewal wrote nothing
    assert client.get(f"/verify/{number}", headers=JSON).json()["status"] == "suspended"
    assert client.post(f"{base}/revoke", json={"reason": "fraud"}, headers=certifier).status_code == 200
    assert client.post(f"{base}/renew", json={"reason": "new cycle"}, headers=certifier).status_code == 409
    assert client.post(f"{base}/lift-suspension", json={"reason": "x"}, headers=certifier).status_code == 409
    actions = [h["action"] for h in client.get(f"{base}/history", headers=certifier).json()]
    assert actions == ["issue", "suspend", "revoke"]


def test_history_keeps_microseconds_and_the_order_of_actions(app, client, actors, monkeypatch) -> None:
    """What was seen 7: issue and renew rows were cut to whole seconds and sorted before earlier
    actions of the same second. The clock here stays inside one second (hh:mm:07.100000, .200000,
    ...): the rows must come back in the order they were written, with their microseconds."""
    import api.usecases.certificates as certificate_service

    start = datetime(2026, 12, 1, 10, 0, 7, 100000, tzinfo=UTC)
    ticks = iter(start + timedelta(microseconds=100000 * i) for i in range(9))
    clock = lambda: next(ticks)  # noqa: E731
    _exporter, certifier, number, certificate_id = _number_and_id(app, client, actors)
    monkeypatch.setattr(history, "utcnow", clock)
    monkeypatch.setattr(certificate_service, "utcnow", lambda: start)  # status "now", issued_at of the renewal
    base = f"/v1/certificates/{number}"
    assert client.post(f"{base}/surveillance", json={"reason": "annual"}, headers=certifier).status_code == 200
    assert client.post(f"{base}/renew", json={"reason": "product changed"}, headers=certifier).status_code == 201
    rows = client.get(f"{base}/history", headers=certifier).json()
    assert [(r["seq"], r["action"]) for r in rows] == [(1, "issue"), (2, "surveillance"), (3, "renew")]
    # surveillance took tick 0 (.100000); the renewal's issue row of the new certificate tick 1, the
    # old certificate's renew row tick 2 (.300000): not truncated to :07.000000
    assert rows[1]["at"].startswith("2026-12-01T10:00:07.1")
    assert rows[2]["at"].startswith("2026-12-01T10:00:07.3")
    assert rows[2]["prev_hash"] == rows[1]["row_hash"] and rows[1]["prev_hash"] == rows[0]["row_hash"]


def _forge_lift(app, certificate_id: str) -> int:  # type: ignore[no-untyped-def]
    """What someone with database access but without the key can do: append a row that links
    correctly (the hash function is public), as a plain INSERT."""
    with app.state.service.sessions() as session:
        last = history.entries_for(session, entity_type="certificate", entity_id=certificate_id)[-1]
        fields = {
            "seq": last.seq + 1,
            "prev_hash": last.row_hash,
            "at": datetime.now(UTC),
            "actor_id": last.actor_id,
            "actor_role": "certifier",
            "organisation_id": last.organisation_id,
            "entity_type": "certificate",
            "entity_id": certificate_id,
            "action": "lift_suspension",
            "from_state": "suspended",
            "to_state": "valid",
            "reason": "paid",
            "detail": {},
        }
        session.execute(insert(HistoryEntry).values(**fields, row_hash=history.row_digest(**fields)))
        session.commit()
        return int(fields["seq"])


def test_a_forged_history_row_is_detected_and_changes_nothing(
    app, client, actors, settings, database, monkeypatch
) -> None:
    exporter, certifier, number, certificate_id = _number_and_id(app, client, actors)
    admin = actors.add("admin", "admin", "Operator")
    base = f"/v1/certificates/{number}"
    assert client.post(f"{base}/suspend", json={"reason": "PCF rose"}, headers=certifier).status_code == 200
    intact = client.get("/v1/audit/verify", headers=admin).json()
    assert intact["intact"] is True and intact["broken"] == [] and intact["chains"] >= 6
    assert client.get("/v1/audit/verify", headers=certifier).status_code == 403

    forged_seq = _forge_lift(app, certificate_id)
    # the forged lift does not lift: state is decided by the rows up to the signed head
    assert client.get(f"/verify/{number}", headers=JSON).json()["status"] == "suspended"
    report = client.get("/v1/audit/verify", headers=admin).json()
    assert report["intact"] is False
    assert [(b["entity_type"], b["entity_id"], b["seq"]) for b in report["broken"]] == [
        ("certificate", certificate_id, forged_seq)
    ]
    assert "after the signed head" in report["broken"][0]["problem"]

    # the same from the command line, on the same database and key
    from api.cli import app as cli

    monkeypatch.setenv("CARBONLABEL_DATABASE_URL", cli_database_url(database))
    monkeypatch.setenv("CARBONLABEL_SIGNING_KEY", str(settings.signing_key_path))
    result = CliRunner().invoke(cli, ["audit", "verify"])
    assert result.exit_code == 1, result.output
    assert f"certificate {certificate_id}: seq {forged_seq}" in result.output
    assert "BROKEN" in result.output


def test_an_altered_row_or_head_breaks_the_chain_at_that_row(app, client, actors, database) -> None:
    _exporter, certifier, number, certificate_id = _number_and_id(app, client, actors)
    admin = actors.add("admin", "admin", "Operator")
    assert client.post(f"/v1/certificates/{number}/suspend", json={"reason": "r1"}, headers=certifier).status_code == 200
    engine = app.state.service.engine
    with engine.begin() as conn:
        # the owner of the database can drop the immutability trigger first
        if database.kind == "sqlite":
            conn.execute(text("DROP TRIGGER history_no_update"))
        else:
            conn.execute(text("ALTER TABLE history DISABLE TRIGGER history_immutable"))
        conn.execute(
            text("UPDATE history SET reason = 'softened' WHERE entity_id = :id AND seq = 2"), {"id": certificate_id}
        )
    broken = client.get("/v1/audit/verify", headers=admin).json()["broken"]
    assert [(b["entity_id"], b["seq"]) for b in broken] == [(certificate_id, 2)]
    assert "row altered" in broken[0]["problem"]
    with engine.begin() as conn:
        conn.execute(text("UPDATE history_heads SET seq = 1 WHERE entity_id = :id"), {"id": certificate_id})
    only = client.get("/v1/audit/verify", params={"entity_id": certificate_id}, headers=admin).json()
    assert only["chains"] == 1 and only["broken"][0]["seq"] == 2  # the altered row is still the first break


def test_history_written_before_0002_is_chained_by_the_migration_and_sealed_by_an_operator(database) -> None:
    """Rows from 0001 get sequence numbers and hashes in id order; their heads stay unsigned
    (reported) until `seal` signs them."""
    from alembic import command
    from alembic.config import Config

    from api.storage.db import MIGRATIONS_DIR, make_engine, make_session_factory, upgrade_to_head
    from api.documents.signing import SigningKey
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    engine = make_engine(database.url, connect_args=database.connect_args)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "0001")
    moment = "2026-01-02 03:04:05.123456+00:00"
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO organisations (id, name, created_at) VALUES ('o1', 'Old Co', :t)"), {"t": moment})
        for _i, action in enumerate(("create", "submit", "start_review")):
            conn.execute(
                text(
                    "INSERT INTO history (at, organisation_id, entity_type, entity_id, action, detail) "
                    "VALUES (:t, 'o1', 'application', 'a1', :a, '{}')"
                ),
                {"t": moment, "a": action},
            )
    upgrade_to_head(engine)
    key = SigningKey(Ed25519PrivateKey.generate())
    sessions = make_session_factory(engine, info={history.SIGNING_KEY_INFO: key})
    with sessions() as session:
        rows = history.entries_for(session, entity_type="application", entity_id="a1")
        assert [(r.seq, r.action) for r in rows] == [(1, "create"), (2, "submit"), (3, "start_review")]
        report = history.verify_chains(session, {key.key_id: key.public_key})
        assert [(b.entity_id, b.problem[:29]) for b in report.broken] == [("a1", "chain head is not signed (wri")]
        assert history.seal_unsigned_heads(session, key) == 1
        session.commit()
        assert history.verify_chains(session, {key.key_id: key.public_key}).intact
        # and the next append continues the chain
        history.record(session, actor=None, organisation_id="o1", entity_type="application", entity_id="a1",
                       action="approve")
        session.commit()
        assert history.verify_chains(session, {key.key_id: key.public_key}).intact
    engine.dispose()
