"""List routes run a constant number of SQL statements, whatever the page length (issue 12, deliver 3).

Twenty certificates (one suspended, one renewed, so successors and history rows are read too) are
listed with limit=1 and limit=20: the statements counted by an SQLAlchemy event listener must be
the same number. Before the bulk read (api/usecases/certificate_views.py) a certificate list ran
about four statements per row.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import Engine, event

from tests.api.helpers import certified
from tests.api.test_verification_trust import forge

ROWS = 20


@contextmanager
def counted() -> Iterator[list[str]]:
    """Every statement any engine sends while the block runs (the app has a read engine too on SQLite)."""
    statements: list[str] = []

    def listener(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        statements.append(statement)

    event.listen(Engine, "before_cursor_execute", listener)
    try:
        yield statements
    finally:
        event.remove(Engine, "before_cursor_execute", listener)


@pytest.fixture
def twenty(client, actors) -> dict[str, dict[str, str]]:  # type: ignore[no-untyped-def]
    exporter = actors.add("exporter", "exporter", "Lamp Works")
    certifier = actors.add("certifier", "certifier", "GD Cert Body")
    trade = actors.add("trade", "trade_office", "HK Trade Office")
    numbers = [certified(client, exporter, certifier, name=f"Lamp {i}")["number"] for i in range(ROWS - 1)]
    assert client.post(f"/v1/certificates/{numbers[0]}/suspend", json={"reason": "audit"},
                       headers=certifier).status_code == 200
    renewed = client.post(f"/v1/certificates/{numbers[1]}/renew", json={"reason": "renewal"}, headers=certifier)
    assert renewed.status_code == 201, renewed.text
    return {"exporter": exporter, "certifier": certifier, "trade": trade}


LISTS = [
    ("/v1/certificates", "certifier", {}),
    ("/v1/certificates", "exporter", {}),
    ("/v1/search/certificates", "trade", {}),
    ("/v1/search/certificates", "trade", {"status": "valid"}),
    ("/registry/certificates", None, {}),
    ("/v1/applications", "certifier", {}),
    ("/v1/products", "exporter", {}),
]


def test_list_routes_run_the_same_statements_for_1_and_20_rows(client, twenty) -> None:  # type: ignore[no-untyped-def]
    for path, role, params in LISTS:
        headers = twenty[role] if role else {}
        counts = {}
        for limit in (1, ROWS - 2):  # the status=valid search sees 18 valid certificates
            with counted() as statements:
                answer = client.get(path, params={**params, "limit": limit}, headers=headers)
            assert answer.status_code == 200, (path, answer.text)
            assert len(answer.json()) == limit, (path, params, len(answer.json()))
            counts[limit] = len(statements)
        assert counts[1] == counts[ROWS - 2], (path, role, params, counts)
        assert counts[1] <= 10, (path, counts)  # auth (3) + the page + three state reads


def test_a_list_shows_the_same_status_and_verdict_as_the_single_read(client, twenty, database) -> None:  # type: ignore[no-untyped-def]
    listed = client.get("/v1/certificates", params={"limit": 50}, headers=twenty["certifier"]).json()
    assert len(listed) == ROWS
    statuses = sorted(c["status"]["status"] for c in listed)
    assert statuses.count("suspended") == 1 and statuses.count("superseded") == 1
    for item in listed:
        single = client.get(f"/v1/certificates/{item['number']}", headers=twenty["certifier"]).json()
        assert single["status"] == item["status"] and single["signature_check"] == item["signature_check"]
        assert item["signature_check"]["valid"] is True
    # the listed verdict is memoized on the whole row: a column edited behind the service's back
    # is a new row, verified afresh (and the public route checks on every request anyway)
    target = listed[2]["number"]
    forge(client.app, database, target, "UPDATE certificates SET tier = 'T3' WHERE number = :n")
    again = {c["number"]: c for c in client.get("/v1/certificates", params={"limit": 50},
                                                headers=twenty["certifier"]).json()}
    assert again[target]["signature_check"]["problem"] == "record_altered"
    assert all(c["signature_check"]["valid"] for n, c in again.items() if n != target)
    public = client.get(f"/verify/{target}", headers={"Accept": "application/json"}).json()
    assert public["status"] == "record_altered"
