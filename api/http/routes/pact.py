"""PACT v3 routes (docs/pact.md): the host API under /3/ for partners (errors as {code, message}),
OpenID discovery, and /v1/pact for exporters (shares, partner connections, requests, received
footprints and their impact). Use cases: api/usecases/pact.py. `install(app)` wires it all."""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, Annotated, Any
from uuid import UUID

from fastapi import APIRouter, BackgroundTasks, Depends, FastAPI, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from api.http.deps import CurrentUser, SessionDep, StateDep, oauth2_client_credentials
from api.errors import InvalidInput, NotAuthenticated, PactApiError, ServiceError, answer_for
from api.usecases import accounts, records
from api.usecases import pact as pact_service
from api.usecases import pact_delivery as delivery
from api.usecases.access import require_role
from api.usecases.pact_delivery import CA_BUNDLE_ENV, worker  # noqa: F401 (the names tests and deployments use)
from footprint.errors import InvalidPactDocument, PactError
from footprint.pact_exchange import CLOUDEVENTS_MEDIA_TYPE, FootprintQuery

if TYPE_CHECKING:  # row types for annotations only: the routes never query them
    from api.storage.models import PactConnection, PactFootprintRecord, PactRequest, User

log = logging.getLogger("carbonlabel.pact")

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


PartnerDep = Annotated["User", Depends(partner_caller)]  # the row type is named, never imported at run time


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
        parsed = delivery.parse_event(body, "POST /3/events")
    except (InvalidPactDocument, PactError) as exc:
        raise PactApiError(400, "BadRequest", str(exc)) from None
    from starlette.concurrency import run_in_threadpool

    def accept() -> str:
        try:
            return delivery.accept_event(state, partner.id, parsed)
        except ServiceError as exc:
            raise _pact_error(exc) from None

    done = await run_in_threadpool(accept)
    log.info("PACT event %s from %s: %s", parsed.event.id, parsed.event.source, done)
    if parsed.pf_ids:
        background.add_task(delivery.fetch_published, state, partner.id, [str(i) for i in parsed.pf_ids])
    worker(state).kick()
    return Response(status_code=200)


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
    return records.visible_pact_connection(session, connection_id, user)


@v1_router.post("/connections/{connection_id}/fetch")
def fetch(connection_id: str, body: FetchRequest, user: CurrentUser, session: SessionDep) -> list[dict[str, Any]]:
    """Fetch footprints from the partner now: one by id, those of a product id, or all it lets us see."""
    conn = _connection(session, user, connection_id)
    rows = delivery.fetch_now(session, actor=user, connection=conn, pf_id=body.pf_id, product_id=body.product_id)
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
    row = records.visible_pact_request(session, request_id, user)
    out = _request_out(row)
    out["footprints"] = [_record_out(r) for r in records.pact_records_of_request(session, row.id)]
    return out


@v1_router.get("/footprints")
def received(user: CurrentUser, session: SessionDep) -> list[dict[str, Any]]:
    """Footprints received from partners, with their provenance."""
    require_role(user, "exporter")
    return [_record_out(r) for r in records.pact_records_of_organisation(session, user.organisation_id)]


@v1_router.get("/footprints/{record_id}/impact")
def impact(record_id: str, user: CurrentUser, session: SessionDep) -> list[dict[str, Any]]:
    """Which of our footprints and certificates this (newer) supplier footprint would change."""
    require_role(user, "exporter")
    return [vars(i) for i in pact_service.impact_of(session, actor=user, record_id=record_id)]


def install(app: FastAPI) -> None:
    """Routes, the {code, message} error form under /3/, and the delivery worker if work is pending."""

    @app.exception_handler(PactApiError)
    async def _pact_api_error(_request: Request, exc: PactApiError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
        return JSONResponse({"code": exc.code, "message": exc.message}, status_code=exc.status, headers=headers)

    app.include_router(host_router)
    app.include_router(v1_router)
    delivery.resume_pending(app.state.service)
