"""PACT exchange work that runs beside the requests: the outbox delivery worker, fetching a partner's
footprints (now, or after its PublishedEvent), accepting a partner's event. The routes in
api/http/routes/pact.py call these; the stored exchange itself is api/usecases/pact.py.
"""

from __future__ import annotations

import logging
import os
import ssl
import threading
from typing import Any

from api.errors import ServiceError
from api.storage.models import PactConnection, PactDelivery, User
from api.usecases import pact as pact_service
from api.state import ServiceState
from footprint.pact_exchange import ParsedEvent

log = logging.getLogger("carbonlabel.pact")

CA_BUNDLE_ENV = "CARBONLABEL_PACT_CA_BUNDLE"  # extra CA certificates to trust for partner hosts (PEM)


def parse_event(body: object, source: str) -> ParsedEvent:
    """Validate a partner's event as the spec asks before accepting it (InvalidPactDocument names the path)."""
    from footprint.pact_exchange import parse_event as parse

    return parse(body, source)


def accept_event(state: ServiceState, partner_id: str, parsed: ParsedEvent) -> str:
    """Store a validated event from a partner, in its own transaction; what was done, for the log."""
    with state.sessions() as session:
        user = session.get(User, partner_id)
        assert user is not None
        done = pact_service.receive_event(session, caller=user, parsed=parsed, public_url=state.settings.public_url)
        session.commit()
        return done


def fetch_published(state: ServiceState, partner_id: str, pf_ids: list[str]) -> None:
    """After a PublishedEvent: fetch each footprint by id from the partner's host and store it."""
    with state.sessions() as session:
        partner = session.get(User, partner_id)
        conn = pact_service.published_connection(session, caller=partner) if partner else None
        if conn is None:
            return
        owner = session.get(User, conn.created_by)
        try:
            with client_for(conn) as client:
                for pf_id in pf_ids:
                    fetched = client.get_footprint(pf_id)
                    assert owner is not None  # the connection's owner account is checked before fetching
                    pact_service.store_fetched(session, actor=owner, connection=conn, footprints=fetched.footprints,
                                               via="get", source=fetched.url, report=fetched.report)
        except ServiceError as exc:
            log.warning("fetching published footprints from %s failed: %s", conn.base_url, exc)
        session.commit()


def fetch_now(session: Any, *, actor: User, connection: PactConnection, pf_id: Any, product_id: str | None) -> list[Any]:
    """Fetch footprints from the partner now: one by id, those of a product id, or all it lets us see."""
    with client_for(connection) as client:
        if pf_id is not None:
            fetched, via = client.get_footprint(pf_id), "get"
        elif product_id is not None:
            fetched, via = client.footprints_for_product(product_id), "list"
        else:
            fetched, via = client.list_footprints(), "list"
    return pact_service.store_fetched(session, actor=actor, connection=connection, footprints=fetched.footprints,
                                      via=via, source=fetched.url, report=fetched.report)


def client_for(conn: PactConnection) -> Any:
    from api.pact_client import PactClient

    return PactClient(conn.base_url, conn.client_id, conn.client_secret, auth_base_url=conn.auth_base_url,
                      verify=_trust())


def _trust() -> ssl.SSLContext:
    context = ssl.create_default_context()
    bundle = os.environ.get(CA_BUNDLE_ENV, "").strip()
    if bundle:
        context.load_verify_locations(cafile=bundle)
    return context


class DeliveryWorker:
    """Sends due events from the outbox in a background thread; woken on every enqueue and every
    `interval` seconds. Pending rows are in the database, so after a restart the first wake-up
    (started at install when rows are pending) carries on where the last process stopped."""

    def __init__(self, state: ServiceState, interval: float = 5.0):
        self.state, self.interval = state, interval
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def kick(self) -> None:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="pact-delivery", daemon=True)
                self._thread.start()
        self._wake.set()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()

    def run_once(self) -> int:
        with self.state.sessions() as session:
            touched = pact_service.deliver_due(session, send=_send)
            session.commit()
            return len(touched)

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()
            try:
                while self.run_once():
                    pass
            except Exception:  # never let the thread die on a database hiccup
                log.exception("PACT delivery round failed")
            self._wake.wait(self.interval)


def _send(connection: PactConnection, event: dict[str, Any], url: str) -> None:
    from footprint.pact_exchange import PactEvent

    with client_for(connection) as client:
        client.send_event(PactEvent.model_validate(event), url=url)


def worker(state: ServiceState) -> DeliveryWorker:
    found = getattr(state, "_pact_worker", None)
    if found is None:
        found = DeliveryWorker(state)
        state._pact_worker = found  # type: ignore[attr-defined]
    return found


def resume_pending(state: ServiceState) -> None:
    """Start the delivery worker when the outbox holds pending events (a restart carries on)."""
    from sqlalchemy import select

    with state.sessions() as session:
        pending = session.scalar(select(PactDelivery.id).where(PactDelivery.status == "pending").limit(1))
    if pending is not None:
        worker(state).kick()
