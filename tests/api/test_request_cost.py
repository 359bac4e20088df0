"""The two routes of the load benchmark run a fixed, small set of SQL statements (issue 12, deliver 3).

Footprint POST: the caller's token (1), the product (1), the BOM (1), then the footprint, its
history row and its signed chain head (3 INSERTs); no head SELECT for a footprint that was just
created, and no COMMIT in the middle on PostgreSQL (SQLite commits before the engine runs, as its
write lock is taken at BEGIN). Verify GET: the certificate with its successor and signed head (1),
its history rows (1). The statements are counted by an SQLAlchemy event listener; BEGIN (SQLite
issues it as a statement, PostgreSQL's driver does not) is counted apart.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import Engine, event
from sqlalchemy.exc import IntegrityError

from tests.api.helpers import certified, create_product, upload_bom
from tests.api.test_verification_trust import forge

JSON = {"Accept": "application/json"}


@contextmanager
def counted() -> Iterator[dict[str, list[str]]]:
    """Statements (BEGIN apart) and COMMITs of every engine while the block runs."""
    seen: dict[str, list[str]] = {"statements": [], "begins": [], "commits": []}

    def statement(_conn: Any, _cursor: Any, text: str, *_: Any) -> None:
        seen["begins" if text.strip().upper().startswith("BEGIN") else "statements"].append(text)

    def commit(_conn: Any) -> None:
        seen["commits"].append("COMMIT")

    event.listen(Engine, "before_cursor_execute", statement)
    event.listen(Engine, "commit", commit)
    try:
        yield seen
    finally:
        event.remove(Engine, "before_cursor_execute", statement)
        event.remove(Engine, "commit", commit)


def _words(statement: str) -> str:
    return " ".join(statement.split()).upper()


def test_footprint_post_runs_six_statements_and_no_head_select(client, actors, database) -> None:  # type: ignore[no-untyped-def]
    exporter = actors.add("exporter", "exporter", "Lamp Works")
    product = create_product(client, exporter)
    bom = upload_bom(client, exporter, product["id"])
    with counted() as seen:
        answer = client.post(f"/v1/products/{product['id']}/footprints", json={"bom_id": bom["id"]}, headers=exporter)
    assert answer.status_code == 201, answer.text
    statements = [_words(s) for s in seen["statements"]]
    assert len(statements) == 6, statements
    assert [s.split()[0] for s in statements] == ["SELECT"] * 3 + ["INSERT"] * 3, statements
    assert [s.split()[2] for s in statements[3:]] == ["FOOTPRINTS", "HISTORY", "HISTORY_HEADS"], statements
    assert not any("FOR UPDATE" in s for s in statements)
    # SQLite: the token's read transaction, the one released before the engine, then the write;
    # PostgreSQL: the reads run on into the write (no write lock to release), one COMMIT in all
    assert len(seen["commits"]) == (3 if database.kind == "sqlite" else 1), seen["commits"]


def test_verify_get_runs_two_statements_and_checks_the_signature_every_time(client, actors, app, database) -> None:  # type: ignore[no-untyped-def]
    exporter = actors.add("exporter", "exporter", "Lamp Works")
    certifier = actors.add("certifier", "certifier", "GD Cert Body")
    number = certified(client, exporter, certifier)["number"]
    renewed = client.post(f"/v1/certificates/{number}/renew", json={"reason": "renewal"}, headers=certifier)
    assert renewed.status_code == 201, renewed.text
    for _ in range(2):  # the second read is as costly as the first: nothing is skipped once seen
        with counted() as seen:
            answer = client.get(f"/verify/{number}", headers=JSON)
        assert answer.status_code == 200, answer.text
        assert len(seen["statements"]) == 2, seen["statements"]
        assert not seen["commits"]
    body = answer.json()
    assert body["lifecycle_status"] == "superseded" and body["superseded_by"] == renewed.json()["number"]
    assert body["signature"]["valid"] is True
    # a signature edited after those reads is refused on the next one
    forge(app, database, number, "UPDATE certificates SET signature = 'AAAA' || substr(signature, 5) WHERE number = :n")
    after = client.get(f"/verify/{number}", headers=JSON).json()
    assert after["status"] == "signature_mismatch" and after["signature"]["valid"] is False


def test_a_payload_stored_in_another_spelling_still_verifies(client, actors, app, database) -> None:  # type: ignore[no-untyped-def]
    """The signature is over the canonical form: a payload re-spelled (spaces after separators)
    is the same document, read the long way (canonicalised, then checked)."""
    exporter = actors.add("exporter", "exporter", "Lamp Works")
    certifier = actors.add("certifier", "certifier", "GD Cert Body")
    number = certified(client, exporter, certifier)["number"]
    before = client.get(f"/verify/{number}", headers=JSON).json()
    forge(app, database, number, "UPDATE certificates SET payload = replace(payload, '\",\"', '\", \"') WHERE number = :n")
    after = client.get(f"/verify/{number}", headers=JSON).json()
    assert after["signature"]["valid"] is True and after["status"] == before["status"] == "valid"
    assert after["signed_document"] == before["signed_document"]


def test_the_created_footprint_is_the_one_read_back(client, actors) -> None:  # type: ignore[no-untyped-def]
    """The POST answer is built from the stored document, not re-validated: it must be exactly
    what GET /v1/footprints/{id} (through the FootprintPublic model) shows."""
    exporter = actors.add("exporter", "exporter", "Lamp Works")
    product = create_product(client, exporter)
    bom = upload_bom(client, exporter, product["id"])
    created = client.post(f"/v1/products/{product['id']}/footprints", json={"bom_id": bom["id"]}, headers=exporter)
    assert created.status_code == 201, created.text
    read = client.get(f"/v1/footprints/{created.json()['id']}", headers=exporter)
    assert read.status_code == 200
    assert list(created.json()) == list(read.json())
    assert created.json() == read.json()


def test_history_chains_of_many_footprints_verify(client, actors) -> None:  # type: ignore[no-untyped-def]
    exporter = actors.add("exporter", "exporter", "Lamp Works")
    admin = actors.add("admin", "admin", "Operator")
    product = create_product(client, exporter)
    bom = upload_bom(client, exporter, product["id"])
    ids = [client.post(f"/v1/products/{product['id']}/footprints", json={"bom_id": bom["id"]},
                       headers=exporter).json()["id"] for _ in range(3)]
    report = client.get("/v1/audit/verify", headers=admin)
    assert report.status_code == 200, report.text
    assert report.json()["intact"] is True, report.json()
    for footprint_id in ids:
        rows = client.get("/v1/audit", params={"entity_type": "footprint", "entity_id": footprint_id},
                          headers=admin).json()
        assert [(r["seq"], r["action"]) for r in rows] == [(1, "compute")]


def test_a_wrong_claim_of_a_new_entity_writes_nothing(app) -> None:  # type: ignore[no-untyped-def]
    """`history.record(new_entity=True)` skips the head read; on an entity that has a chain, seq 1
    collides (unique entity/seq, and the head's primary key): the commit fails, nothing is written."""
    from api.usecases import accounts, history

    with app.state.service.sessions() as session:
        org = accounts.get_or_create_organisation(session, name="Chain Co")
        history.record(session, actor=None, organisation_id=org.id, entity_type="product", entity_id="p1",
                       action="create", new_entity=True)
        session.commit()
        history.record(session, actor=None, organisation_id=org.id, entity_type="product", entity_id="p1",
                       action="rename", new_entity=True)
        with pytest.raises(IntegrityError):
            session.commit()
        session.rollback()
        rows = history.entries_for(session, entity_type="product", entity_id="p1")
        assert [(r.seq, r.action) for r in rows] == [(1, "create")]
        assert history.verify_chains(session, app.state.service.public_keys, entity_type="product").intact
