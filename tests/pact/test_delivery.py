"""The event outbox: a delivery that fails is retried with back-off, is still there after a
restart (a new app on the same database sends it), and is abandoned after the 72-hour period."""

from __future__ import annotations

from datetime import datetime, timedelta, UTC


from api.http.app import create_app
from api.storage.models import PactConnection, PactDelivery
from api.usecases import pact as pact_service
from footprint.pact_exchange import published_event
from tests.api.standin import StandInDomain
from tests.pact.service import make_account

START = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def _queue(app, *, with_connection: bool = True) -> str:
    owner = make_account(app, "Foshan Stools Ltd", "stools")
    with app.state.service.sessions() as session:
        conn = None
        if with_connection:
            conn = PactConnection(organisation_id=owner.organisation_id, name="buyer",
                                  base_url="https://buyer.invalid", client_id="id", client_secret="secret",
                                  created_by=owner.id)
            session.add(conn)
            session.flush()
        event = published_event("//stools.example/3/events", [], now=START)
        row = pact_service.enqueue(session, event, "https://buyer.invalid/3/events", conn.id if conn else None)
        row.next_attempt_at = START
        session.commit()
        return row.id


def test_failed_delivery_is_rescheduled_with_back_off_then_abandoned(app) -> None:
    """Attempt 1 fails at START -> next at +30 s; attempt 2 fails -> +60 s after it; at +71 h 59 min
    a failure whose next try would fall beyond START + 72 h abandons the delivery."""
    delivery_id = _queue(app)
    sent: list[str] = []

    def down(connection, event, url):
        sent.append(url)
        raise ConnectionError("connection refused")

    with app.state.service.sessions() as session:
        pact_service.deliver_due(session, now=START, send=down)
        session.commit()
        row = session.get(PactDelivery, delivery_id)
        assert (row.status, row.attempts, row.next_attempt_at) == ("pending", 1, START + timedelta(seconds=30))
        assert row.last_error == "ConnectionError: connection refused"
        # not yet due: nothing is sent
        assert pact_service.deliver_due(session, now=START + timedelta(seconds=29), send=down) == []
        pact_service.deliver_due(session, now=START + timedelta(seconds=30), send=down)
        session.commit()
        assert row.next_attempt_at == START + timedelta(seconds=90)
        row.next_attempt_at = START + timedelta(hours=71, minutes=59)
        row.attempts = 20
        session.commit()
        pact_service.deliver_due(session, now=START + timedelta(hours=71, minutes=59), send=down)
        session.commit()
        assert row.status == "abandoned" and row.attempts == 21
    assert sent == ["https://buyer.invalid/3/events"] * 3


def test_a_delivery_without_credentials_for_the_host_says_so(app) -> None:
    delivery_id = _queue(app, with_connection=False)
    with app.state.service.sessions() as session:
        pact_service.deliver_due(session, now=START, send=lambda *a: None)
        session.commit()
        row = session.get(PactDelivery, delivery_id)
        assert row.status == "pending" and "no credentials for https://buyer.invalid/3/events" in row.last_error


def test_pending_deliveries_survive_a_restart(app, settings, database, monkeypatch) -> None:
    """The first process stops with a delivery pending; a new process on the same database starts
    its delivery worker at once (install found pending work) and the worker sends it."""
    import time

    import api.usecases.pact_delivery as routes  # the delivery worker (the routes only kick it)

    delivery_id = _queue(app)
    app.state.service.engine.dispose()
    delivered: list[tuple[str, str]] = []
    monkeypatch.setattr(routes, "_send", lambda conn, event, url: delivered.append((conn.name, url)))
    restarted = create_app(settings, domain=StandInDomain(), engine_connect_args=database.connect_args)
    running = routes.worker(restarted.state.service)
    try:
        assert running._thread is not None
        deadline = time.monotonic() + 30
        while not delivered:
            assert time.monotonic() < deadline, "the restarted worker did not send the pending delivery"
            time.sleep(0.05)
        running.stop()
        running._thread.join(timeout=10)
        with restarted.state.service.sessions() as session:
            row = session.get(PactDelivery, delivery_id)
            assert row.status == "delivered" and row.attempts == 1
        assert delivered == [("buyer", "https://buyer.invalid/3/events")]
    finally:
        running.stop()
        restarted.state.service.engine.dispose()
