"""The retirement ledger over real HTTP (uvicorn + httpx), on SQLite and PostgreSQL (issue 16).

A lot held by one exporter's claim is refused for another exporter's claim, naming the claim that holds it;
an overlapping serial range is refused, an adjacent one is not; a rejected claim gives its lots back; of two
claims submitted at the same moment with overlapping lots exactly one holds them.
"""

from __future__ import annotations

import threading
from typing import Any

import httpx

from tests.api.helpers import apply, compute, create_product, step, upload_bom


def _lot(serial: str | None = None, record: str | None = None, quantity: str = "60", **kw: Any) -> dict[str, Any]:
    lot = {"programme": "CCER", "registry": "ccer.cets.org.cn", "project_id": "CCER-44-0001",
           "project_name": "Test afforestation", "project_type": "forestry", "methodology": "CCER-14-001-V01",
           "vintage": 2024, "quantity_tco2e": quantity, "retired_on": "2025-06-30", "evidence_file": "r.pdf",
           "removal": True}
    if serial:
        lot["serial_range"] = serial
    if record:
        lot["retirement_record_id"] = record
    return lot | kw


def _claim(*lots: dict[str, Any]) -> dict[str, Any]:
    return {"neutrality": {"period": {"start": "2025-01-01", "end": "2025-12-31"}, "units_sold": "1000",
                           "lots": list(lots)}}


def _draft(http: httpx.Client, exporter: dict[str, str], name: str, evidence: dict[str, Any]) -> str:
    product = create_product(http, exporter, name)
    footprint = compute(http, exporter, product["id"], upload_bom(http, exporter, product["id"])["id"])
    return apply(http, exporter, product["id"], footprint["id"], evidence=evidence)["id"]  # type: ignore[no-any-return]


def _submit(http: httpx.Client, exporter: dict[str, str], application_id: str,
            evidence: dict[str, Any] | None = None) -> httpx.Response:
    body = {"evidence": evidence} if evidence is not None else None
    return http.post(f"/v1/applications/{application_id}/submit", json=body, headers=exporter)


def test_a_lot_backs_one_claim_across_the_service(live_server, actors) -> None:
    exporter_a = actors.add("exporter-a", "exporter", "Lamp Co A")
    exporter_b = actors.add("exporter-b", "exporter", "Kettle Co B")
    certifier = actors.add("certifier", "certifier", "GD Cert Body")
    with httpx.Client(base_url=live_server.url, timeout=60) as http:
        claim_a = _draft(http, exporter_a, "lamp", _claim(_lot("BLK-A:1-60"), _lot(record="REC-7", quantity="30",
                                                                                   programme="SZ-PHCER")))
        assert _submit(http, exporter_a, claim_a).status_code == 200
        held = http.get(f"/v1/applications/{claim_a}/ledger", headers=exporter_a)
        assert held.status_code == 200
        assert [(h["programme"], h["serial_range"], h["record_id"]) for h in held.json()] == [
            ("CCER", "BLK-A:1-60", None), ("SZ-PHCER", None, "REC-7")]
        assert http.get(f"/v1/applications/{claim_a}/ledger", headers=exporter_b).status_code == 404

        # another exporter, unit 60 again: refused, naming the claim that holds it
        claim_b = _draft(http, exporter_b, "kettle", _claim(_lot("BLK-A:60-89", quantity="30")))
        refused = _submit(http, exporter_b, claim_b)
        assert refused.status_code == 409
        assert refused.json()["held_by"] == [claim_a]
        assert f"CCER BLK-A:60-89 is already held by claim {claim_a}" in refused.json()["detail"]
        assert http.get(f"/v1/applications/{claim_b}", headers=exporter_b).json()["status"] == "draft"
        # the same retirement record: refused; the dry run says the same without holding anything
        same_record = _claim(_lot(record="REC-7", quantity="30", programme="SZ-PHCER"))
        assert _submit(http, exporter_b, claim_b, same_record).status_code == 409
        check = http.post("/v1/ledger/check", json={"evidence": same_record}, headers=exporter_b)
        assert check.status_code == 409 and check.json()["held_by"] == [claim_a]
        # an unparseable serial range is bad input naming the field and value
        bad = _submit(http, exporter_b, claim_b, _claim(_lot("CCER 1 to 60")))
        assert bad.status_code == 422 and "neutrality.lots.0" in bad.json()["detail"] and "CCER 1 to 60" in bad.json()["detail"]
        # adjacent units 61-90 are free
        assert _submit(http, exporter_b, claim_b, _claim(_lot("BLK-A:61-90", quantity="30"))).status_code == 200

        # a rejected claim gives its lots back
        claim_c = _draft(http, exporter_b, "kettle 2", _claim(_lot("BLK-A:1-10", quantity="10")))
        assert _submit(http, exporter_b, claim_c).status_code == 409
        assert step(http, certifier, claim_a, "start-review").status_code == 200
        assert step(http, certifier, claim_a, "reject", "serials not shown on the retirement certificate").status_code == 200
        assert http.get(f"/v1/applications/{claim_a}/ledger", headers=exporter_a).json() == []
        assert _submit(http, exporter_b, claim_c).status_code == 200


def test_two_claims_submitted_at_once_with_overlapping_lots_one_holds_them(live_server, actors) -> None:
    """End to end only: two requests rarely meet inside the check; the lock itself is proven by
    test_a_second_writer_waits_for_the_first_and_then_sees_its_lots."""
    exporters = [actors.add(f"exporter-{i}", "exporter", f"Org {i}") for i in range(2)]
    with httpx.Client(base_url=live_server.url, timeout=60) as http:
        claims = [_draft(http, e, f"p{i}", _claim(_lot(f"BLK-C:{1 + i}-{60 + i}"))) for i, e in enumerate(exporters)]
    answers: list[int] = []
    start = threading.Barrier(2)

    def submit(i: int) -> None:
        with httpx.Client(base_url=live_server.url, timeout=60) as http:
            start.wait()
            answers.append(_submit(http, exporters[i], claims[i]).status_code)

    threads = [threading.Thread(target=submit, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(answers) == [200, 409]


def test_a_second_writer_waits_for_the_first_and_then_sees_its_lots(app, client, actors, database) -> None:
    """The lock, not the timing of two requests, keeps two claims from taking one lot: while the first
    transaction holds the ledger (uncommitted), a second cannot check (PostgreSQL: it waits on the advisory lock,
    cut short here by lock_timeout; SQLite: BEGIN IMMEDIATE waits on the write lock, cut short by a 0 s busy
    timeout); after the first commits, the second is refused naming the first claim."""
    import pytest
    from sqlalchemy import text
    from sqlalchemy.exc import OperationalError

    from api.errors import Conflict
    from api.storage.models import Application
    from api.usecases import ledger

    exporter = actors.add("exporter-x", "exporter", "Org X")
    a, b = (_draft(client, exporter, f"lock {i}", {}) for i in range(2))
    service = app.state.service
    with service.sessions() as s:
        org = s.get(Application, a).organisation_id
    evidence = _claim(_lot("BLK-L:1-60"))
    from sqlalchemy.orm import Session

    from api.storage.db import make_engine

    impatient = make_engine(database.url, connect_args={**database.connect_args, "timeout": 0}
                            if database.url.startswith("sqlite") else database.connect_args)
    first, second = service.sessions(), Session(impatient)
    try:
        ledger.hold(first, claim_id=a, organisation_id=org, evidence=evidence)  # not committed yet
        if database.url.startswith("postgresql"):
            second.execute(text("SET lock_timeout = '200ms'"))
        with pytest.raises(OperationalError):
            ledger.hold(second, claim_id=b, organisation_id=org, evidence=evidence)
        second.rollback()
        first.commit()
        with pytest.raises(Conflict, match=f"already held by claim {a}"):
            ledger.hold(second, claim_id=b, organisation_id=org, evidence=evidence)
    finally:
        first.close()
        second.close()
        impatient.dispose()
