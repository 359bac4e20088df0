"""Integrity: concurrent approvals, a crash while issuing, idempotent creating POSTs."""

from __future__ import annotations

import threading

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from api.storage.models import Certificate, HistoryEntry, Product
from tests.api.helpers import application_under_review, step


def test_two_certifiers_approving_at_once_issue_exactly_one_certificate(app, client, actors, live_server) -> None:
    exporter = actors.add("exporter", "exporter", "Lamp Co")
    first = actors.add("certifier-a", "certifier", "GD Cert Body")
    second = actors.add("certifier-b", "certifier", "GD Cert Body")
    for attempt in range(3):  # several rounds: the race must be lost cleanly every time
        application = application_under_review(client, exporter, first, name=f"Lamp {attempt}")
        barrier = threading.Barrier(2)
        statuses: list[int] = []

        def approve(
            headers: dict[str, str],
            barrier: threading.Barrier = barrier,
            statuses: list[int] = statuses,
            application: dict = application,
        ) -> None:
            with httpx.Client(base_url=live_server.url, timeout=60) as http:
                barrier.wait()
                statuses.append(http.post(f"/v1/applications/{application['id']}/approve", headers=headers).status_code)

        threads = [threading.Thread(target=approve, args=(h,)) for h in (first, second)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(statuses) == [201, 409]
        with app.state.service.sessions() as session:
            assert (
                session.scalar(
                    select(func.count()).select_from(Certificate).where(Certificate.application_id == application["id"])
                )
                == 1
            )
            approvals = session.scalar(
                select(func.count())
                .select_from(HistoryEntry)
                .where(HistoryEntry.entity_id == application["id"], HistoryEntry.action == "approve")
            )
            assert approvals == 1


def test_a_crash_while_issuing_leaves_neither_certificate_nor_history(app, client, actors, monkeypatch) -> None:
    exporter = actors.add("exporter", "exporter", "Lamp Co")
    certifier = actors.add("certifier", "certifier", "GD Cert Body")
    application = application_under_review(client, exporter, certifier)
    import api.usecases.certificates as service

    real_record = service.history.record

    def crash_on_issue(session, **kwargs):  # type: ignore[no-untyped-def]
        if kwargs.get("action") == "issue":
            raise RuntimeError("power cut after the certificate row was written")
        return real_record(session, **kwargs)

    monkeypatch.setattr(service.history, "record", crash_on_issue)
    with TestClient(app, raise_server_exceptions=False) as fragile:
        assert step(fragile, certifier, application["id"], "approve").status_code == 500
    monkeypatch.setattr(service.history, "record", real_record)
    with app.state.service.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Certificate)) == 0
        actions = session.scalars(select(HistoryEntry.action).where(HistoryEntry.entity_id == application["id"])).all()
        assert "approve" not in actions
    assert client.get(f"/v1/applications/{application['id']}", headers=certifier).json()["status"] == "under_review"
    assert step(client, certifier, application["id"], "approve").status_code == 201


def test_idempotency_key_replays_the_first_answer(app, client, actors) -> None:
    exporter = actors.add("exporter", "exporter", "Lamp Co")
    headers = {**exporter, "Idempotency-Key": "create-lamp-1"}
    first = client.post("/v1/products", json={"name": "Lamp"}, headers=headers)
    again = client.post("/v1/products", json={"name": "Lamp"}, headers=headers)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json()["id"] == first.json()["id"]
    assert again.headers["idempotent-replayed"] == "true"
    with app.state.service.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Product)) == 1
    different = client.post("/v1/products", json={"name": "Fan"}, headers=headers)
    assert different.status_code == 422
    # without a key, a repeat creates a second product
    client.post("/v1/products", json={"name": "Lamp"}, headers=exporter)
    with app.state.service.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Product)) == 2


def test_idempotent_approval_returns_the_same_certificate(client, actors) -> None:
    exporter = actors.add("exporter", "exporter", "Lamp Co")
    certifier = actors.add("certifier", "certifier", "GD Cert Body")
    application = application_under_review(client, exporter, certifier)
    headers = {**certifier, "Idempotency-Key": "approve-once"}
    first = client.post(f"/v1/applications/{application['id']}/approve", headers=headers)
    second = client.post(f"/v1/applications/{application['id']}/approve", headers=headers)
    assert (first.status_code, second.status_code) == (201, 201)
    assert first.json()["number"] == second.json()["number"]
    # a plain retry without the key meets the state machine instead
    assert client.post(f"/v1/applications/{application['id']}/approve", headers=certifier).status_code == 409


@pytest.mark.parametrize("key", ["", "x" * 201])
def test_bad_idempotency_keys_are_422(client, actors, key) -> None:
    exporter = actors.add("exporter", "exporter", "Lamp Co")
    assert (
        client.post("/v1/products", json={"name": "Lamp"}, headers={**exporter, "Idempotency-Key": key}).status_code
        == 422
    )
