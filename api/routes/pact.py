"""PACT v3 routes (docs/pact.md): the host API under /3/ for partners (errors as {code, message}),
OpenID discovery, and /v1/pact for exporters (shares, partner connections, requests, received
footprints and their impact). Use cases: api/services/pact.py. `install(app)` wires it all."""

from __future__ import annotations

import json
import logging
import os
import ssl
import threading
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, BackgroundTasks, Depends, FastAPI, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from api.deps import CurrentUser, SessionDep, StateDep, get_session, oauth2_client_credentials
from api.errors import InvalidInput, NotAuthenticated, PactApiError, ServiceError, answer_for
from api.models import PactConnection, PactFootprintRecord, PactRequest, User
from api.services import accounts
from api.services import pact as pact_service
from api.services.access import get_visible, require_role
from api.state import ServiceState
from footprint.errors import InvalidPactDocument, PactError
from footprint.pact_exchange import CLOUDEVENTS_MEDIA_TYPE, FootprintQuery, parse_event

log = logging.getLogger("carbonlabel.pact")

CA_BUNDLE_ENV = "CARBONLABEL_PACT_CA_BUNDLE"  # extra CA certificates to trust for partner hosts (PEM)
DEFAULT_PAGE = 100
MAX_PAGE = 1000

host_router = APIRouter(tags=["pact"])
v1_router = APIRouter(prefix="/v1/pact", tags=["pact"])


def _pact_error(exc: ServiceError) -> PactApiError:
    """A service error in the PACT form: the code from the error table, the spec's statuses for it."""
    answer = answer_for(exc)
    if isinstance(exc, NotAuthenticated):
        return PactApiError(401, "TokenExpired" if "expired" in exc.message else answer.pact_code, exc.message)
    if answer.status >= 500:
        return PactApiError(500, answer.pact_code, "internal error")
    return PactApiError({"AccessDenied": 403, "NotFound": 404}.get(answer.pact_code, 400), answer.pact_code,
                        exc.message)


def partner_caller(request: Request, session: SessionDep,
                   authorization: Annotated[str | None, Depends(oauth2_client_credentials)]) -> User:
    if not authorization:
        raise PactApiError(401, "BadRequest", "missing bearer token (POST /auth/token with client credentials)")
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise PactApiError(401, "BadRequest", "the Authorization header must be 'Bearer <token>'")
    try:
        user = accounts.user_for_token(session, token.strip())
    except ServiceError as exc:
        raise _pact_error(exc) from None
    session.commit()
    if not pact_service.is_partner(user):
        raise PactApiError(403, "AccessDenied", "only PACT partner accounts use the PACT API")
    return user


PartnerDep = Annotated[User, Depends(partner_caller)]


@host_router.get("/.well-known/openid-configuration", tags=["pact"])
def openid_configuration(state: StateDep) -> dict[str, Any]:
    """OpenID Provider Configuration (the PACT client reads `token_endpoint` from it)."""
    base = state.settings.public_url
    return {"issuer": base, "token_endpoint": f"{base}/auth/token", "grant_types_supported": ["client_credentials"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "response_types_supported": ["token"]}


def _limit_offset(request: Request) -> tuple[int, int]:
    def number(name: str, default: int) -> int:
        raw = request.query_params.getlist(name)
        if not raw:
            return default
        if len(raw) > 1 or not raw[0].isdigit() or len(raw[0]) > 9:
            raise PactApiError(400, "BadRequest", f"query parameter {name!r} must be one whole number >= 0")
        return int(raw[0])
    limit = number("limit", DEFAULT_PAGE)
    if limit == 0:
        raise PactApiError(400, "BadRequest", "limit must be at least 1")
    return min(limit, MAX_PAGE), number("offset", 0)


@host_router.get("/3/footprints")
def list_footprints(request: Request, partner: PartnerDep, session: SessionDep, state: StateDep) -> JSONResponse:
    """ListFootprints: filters as the spec defines, pages by `limit` and a `Link: <…>; rel="next"` header."""
    limit, offset = _limit_offset(request)
    try:
        query = FootprintQuery.from_query(request.query_params.multi_items())
    except ValueError as exc:
        raise PactApiError(400, "BadRequest", str(exc)) from None
    page, more = pact_service.list_for_partner(session, partner=partner, public_url=state.settings.public_url,
                                               query=query, limit=limit, offset=offset)
    headers = {}
    if more:
        # absolute, on the host the request was made to (request.url is built from its Host header)
        nxt = request.url.include_query_params(limit=limit, offset=offset + limit)
        headers["Link"] = f'<{nxt}>; rel="next"'
    return JSONResponse({"data": [pf.wire() for pf in page]}, headers=headers)


@host_router.get("/3/footprints/{pf_id}")
def get_footprint(pf_id: str, partner: PartnerDep, session: SessionDep, state: StateDep) -> JSONResponse:
    """GetFootprint: {"data": ProductFootprint}, or 404 NotFound."""
    try:
        wanted = UUID(pf_id)
    except ValueError:
        raise PactApiError(400, "BadRequest", f"{pf_id!r} is not a footprint id (UUID)") from None
    try:
        pf = pact_service.get_for_partner(session, partner=partner, public_url=state.settings.public_url, pf_id=wanted)
    except ServiceError as exc:
        raise _pact_error(exc) from None
    return JSONResponse({"data": pf.wire()})


@host_router.post("/3/events")
async def post_event(request: Request, partner: PartnerDep, state: StateDep, background: BackgroundTasks) -> Response:
    """Events (CloudEvents structured mode): validated first (400 if invalid), 200 with an empty body."""
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media not in (CLOUDEVENTS_MEDIA_TYPE, "application/json"):
        raise PactApiError(400, "BadRequest", f"content-type must be {CLOUDEVENTS_MEDIA_TYPE}")
    try:
        body = json.loads(await request.body())
    except (ValueError, UnicodeDecodeError):
        raise PactApiError(400, "BadRequest", "the body is not JSON") from None
    try:
        parsed = parse_event(body, "POST /3/events")
    except (InvalidPactDocument, PactError) as exc:
        raise PactApiError(400, "BadRequest", str(exc)) from None
    from starlette.concurrency import run_in_threadpool

    def accept() -> str:
        with state.sessions() as session:
            user = session.get(User, partner.id)
            assert user is not None
            try:
                done = pact_service.receive_event(session, caller=user, parsed=parsed,
                                                  public_url=state.settings.public_url)
            except ServiceError as exc:
                raise _pact_error(exc) from None
            session.commit()
            return done

    done = await run_in_threadpool(accept)
    log.info("PACT event %s from %s: %s", parsed.event.id, parsed.event.source, done)
    if parsed.pf_ids:
        background.add_task(fetch_published, state, partner.id, [str(i) for i in parsed.pf_ids])
    worker(state).kick()
    return Response(status_code=200)


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
                    pact_service.store_fetched(session, actor=owner, connection=conn, footprints=fetched.footprints,
                                               via="get", source=fetched.url, report=fetched.report)
        except ServiceError as exc:
            log.warning("fetching published footprints from %s failed: %s", conn.base_url, exc)
        session.commit()


# --------------------------------------------------------------------------- /v1/pact (exporters)


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ShareCreate(_In):
    product_id: str = Field(min_length=1, max_length=64)
    partner_id: str = Field(min_length=1, max_length=64)


class ConnectionCreate(_In):
    name: str = Field(min_length=1, max_length=200)
    base_url: str = Field(min_length=9, max_length=500, pattern=r"^https://")
    auth_base_url: str | None = Field(default=None, max_length=500, pattern=r"^https://")
    client_id: str = Field(min_length=1, max_length=200)
    client_secret: str = Field(min_length=1, max_length=500)
    partner_id: str | None = Field(default=None, max_length=64)


class FetchRequest(_In):
    pf_id: UUID | None = None
    product_id: str | None = Field(default=None, max_length=500)


class FootprintRequest(_In):
    query: dict[str, Any] = Field(default_factory=dict)
    comment: str | None = Field(default=None, max_length=2000)


def _share_out(row: Any) -> dict[str, Any]:
    return {"id": row.id, "product_id": row.product_id, "partner_id": row.partner_id,
            "created_at": row.created_at.isoformat(), "revoked_at": row.revoked_at.isoformat() if row.revoked_at else None}


def _request_out(row: PactRequest) -> dict[str, Any]:
    return {"id": row.id, "direction": row.direction, "event_id": row.event_id, "status": row.status,
            "query": row.query, "comment": row.comment, "answer": row.answer, "created_at": row.created_at.isoformat(),
            "answered_at": row.answered_at.isoformat() if row.answered_at else None}


def _record_out(row: PactFootprintRecord) -> dict[str, Any]:
    return {"id": row.id, "pf_id": row.pf_id, "connection_id": row.connection_id, "request_id": row.request_id,
            "via": row.via, "source": row.source, "received_at": row.received_at.isoformat(), "report": row.report,
            "document": row.document}


@v1_router.post("/shares", status_code=201)
def create_share(body: ShareCreate, user: CurrentUser, session: SessionDep) -> dict[str, Any]:
    """Let a partner account see this product's footprints over PACT."""
    share = pact_service.share_product(session, actor=user, product_id=body.product_id, partner_id=body.partner_id)
    session.commit()
    return _share_out(share)


@v1_router.get("/shares")
def list_shares(user: CurrentUser, session: SessionDep) -> list[dict[str, Any]]:
    return [_share_out(s) for s in pact_service.list_shares(session, actor=user)]


@v1_router.post("/shares/{share_id}/revoke")
def revoke_share(share_id: str, user: CurrentUser, session: SessionDep) -> dict[str, Any]:
    share = pact_service.revoke_share(session, actor=user, share_id=share_id)
    session.commit()
    return _share_out(share)


@v1_router.post("/products/{product_id}/publish", status_code=202)
def publish(product_id: str, user: CurrentUser, session: SessionDep, state: StateDep) -> dict[str, Any]:
    """Notify the partners the product is shared with (PublishedEvent) that its footprints changed."""
    queued = pact_service.publish_product(session, actor=user, product_id=product_id,
                                          public_url=state.settings.public_url)
    session.commit()
    worker(state).kick()
    return {"queued": [{"id": d.id, "target_url": d.target_url} for d in queued]}


@v1_router.post("/connections", status_code=201)
def create_connection(body: ConnectionCreate, user: CurrentUser, session: SessionDep) -> dict[str, Any]:
    """Register a partner's PACT host and the credentials it issued us (the secret is never shown again)."""
    conn = pact_service.create_connection(session, actor=user, **body.model_dump())
    session.commit()
    return {"id": conn.id, "name": conn.name, "base_url": conn.base_url, "partner_id": conn.partner_id}


def _connection(session: Any, user: User, connection_id: str) -> PactConnection:
    require_role(user, "exporter")
    return get_visible(session, PactConnection, connection_id, user, "connection")


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


@v1_router.post("/connections/{connection_id}/fetch")
def fetch(connection_id: str, body: FetchRequest, user: CurrentUser, session: SessionDep) -> list[dict[str, Any]]:
    """Fetch footprints from the partner now: one by id, those of a product id, or all it lets us see."""
    conn = _connection(session, user, connection_id)
    with client_for(conn) as client:
        if body.pf_id is not None:
            fetched, via = client.get_footprint(body.pf_id), "get"
        elif body.product_id is not None:
            fetched, via = client.footprints_for_product(body.product_id), "list"
        else:
            fetched, via = client.list_footprints(), "list"
    rows = pact_service.store_fetched(session, actor=user, connection=conn, footprints=fetched.footprints, via=via,
                                      source=fetched.url, report=fetched.report)
    session.commit()
    return [_record_out(r) for r in rows]


@v1_router.post("/connections/{connection_id}/requests", status_code=202)
def request_footprints(connection_id: str, body: FootprintRequest, user: CurrentUser, session: SessionDep,
                       state: StateDep) -> dict[str, Any]:
    """Ask the partner asynchronously (RequestCreatedEvent); the answer arrives as an event."""
    conn = _connection(session, user, connection_id)
    try:
        query = FootprintQuery.model_validate(body.query)
    except ValueError as exc:
        raise InvalidInput(f"query: {exc}") from None
    row = pact_service.request_footprints(session, actor=user, connection=conn, query=query, comment=body.comment,
                                          public_url=state.settings.public_url)
    session.commit()
    worker(state).kick()
    return _request_out(row)


@v1_router.get("/requests/{request_id}")
def get_request(request_id: str, user: CurrentUser, session: SessionDep) -> dict[str, Any]:
    row = get_visible(session, PactRequest, request_id, user, "request")
    out = _request_out(row)
    out["footprints"] = [_record_out(r) for r in session.scalars(
        select(PactFootprintRecord).where(PactFootprintRecord.request_id == row.id))]
    return out


@v1_router.get("/footprints")
def received(user: CurrentUser, session: SessionDep) -> list[dict[str, Any]]:
    """Footprints received from partners, with their provenance."""
    require_role(user, "exporter")
    return [_record_out(r) for r in session.scalars(
        select(PactFootprintRecord).where(PactFootprintRecord.organisation_id == user.organisation_id)
        .order_by(PactFootprintRecord.received_at))]


@v1_router.get("/footprints/{record_id}/impact")
def impact(record_id: str, user: CurrentUser, session: SessionDep) -> list[dict[str, Any]]:
    """Which of our footprints and certificates this (newer) supplier footprint would change."""
    require_role(user, "exporter")
    return [vars(i) for i in pact_service.impact_of(session, actor=user, record_id=record_id)]


# --------------------------------------------------------------------------- delivery worker


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


def install(app: FastAPI) -> None:
    """Routes, the {code, message} error form under /3/, and the delivery worker if work is pending."""

    @app.exception_handler(PactApiError)
    async def _pact_api_error(_request: Request, exc: PactApiError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
        return JSONResponse({"code": exc.code, "message": exc.message}, status_code=exc.status, headers=headers)

    app.include_router(host_router)
    app.include_router(v1_router)
    state: ServiceState = app.state.service
    from api.models import PactDelivery

    with state.sessions() as session:
        pending = session.scalar(select(PactDelivery.id).where(PactDelivery.status == "pending").limit(1))
    if pending is not None:
        worker(state).kick()
