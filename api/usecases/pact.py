"""PACT v3 data exchange, the use cases (docs/pact.md). Each is written once; the /3/ routes
(api/http/routes/pact.py), the /v1/pact routes and the CLI call these.

Host side: an exporter shares a product with a partner account (and revokes it); the partner lists
and gets the footprints of shared products, exported by footprint.pact; a partner's request event
is answered from the same footprints through the outbox. Client side: a partner host we talk to
(a connection, with the credentials it issued us), footprints fetched or received with their
provenance, requests we sent, and what a newer version of a supplier's footprint would change.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, UTC
from typing import Any
from collections.abc import Callable
from urllib.parse import urlsplit
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.errors import Conflict, Forbidden, InvalidInput, NotFound, ServiceError
from api.storage.models import (Application, BomUpload, Certificate, Footprint, Organisation, PactConnection, PactDelivery,
                        PactFootprintRecord, PactRequest, PactShare, Product, User, utcnow)
from api.usecases import history
from api.usecases.access import get_visible, require_role
from api.usecases.verification import document_of
from footprint.bom import BOM
from footprint.errors import FootprintError, PactError
from footprint.pact import PactCompany, PactVerification, ProductFootprint, export_footprint, read_pact_document
from footprint.pact_exchange import (REQUEST_CREATED, REQUEST_FULFILLED, REQUEST_REJECTED, FootprintQuery,
                                     ParsedEvent, PactEvent, RetryPolicy, event_target, fulfilled_event,
                                     published_event, rejected_event, request_created_event)
from footprint.pact_supplier import change_from_new_version
from footprint.result import FootprintResult

log = logging.getLogger("carbonlabel.pact")

PARTNER_KIND = "partner"
RETRY = RetryPolicy()


def is_partner(user: User) -> bool:
    return getattr(user, "kind", None) == PARTNER_KIND


def public_host(public_url: str) -> str:
    return urlsplit(public_url).hostname or "localhost"


def events_source(public_url: str) -> str:
    """Our `source` for events: the domain and endpoint answers go to (//host[:port]/3/events)."""
    parts = urlsplit(public_url)
    return f"//{parts.netloc}{parts.path.rstrip('/')}/3/events"


# --------------------------------------------------------------------------- host: shares


def share_product(session: Session, *, actor: User, product_id: str, partner_id: str) -> PactShare:
    require_role(actor, "exporter")
    product = get_visible(session, Product, product_id, actor, "product")
    partner = session.get(User, partner_id)
    if partner is None or not is_partner(partner):
        raise NotFound(f"partner account {partner_id} not found")
    existing = session.scalar(select(PactShare).where(
        PactShare.product_id == product.id, PactShare.partner_id == partner.id, PactShare.revoked_at.is_(None)))
    if existing is not None:
        return existing
    share = PactShare(organisation_id=product.organisation_id, product_id=product.id, partner_id=partner.id,
                      created_by=actor.id)
    session.add(share)
    session.flush()
    history.record(session, actor=actor, organisation_id=product.organisation_id, entity_type="pact_share",
                   entity_id=share.id, action="share", to_state="shared",
                   detail={"product_id": product.id, "partner_id": partner.id})
    return share


def revoke_share(session: Session, *, actor: User, share_id: str) -> PactShare:
    require_role(actor, "exporter")
    share = get_visible(session, PactShare, share_id, actor, "share")
    if share.revoked_at is not None:
        raise Conflict(f"share {share_id} was already revoked on {share.revoked_at.isoformat()}")
    share.revoked_at, share.revoked_by = utcnow(), actor.id
    history.record(session, actor=actor, organisation_id=share.organisation_id, entity_type="pact_share",
                   entity_id=share.id, action="revoke", from_state="shared", to_state="revoked",
                   detail={"product_id": share.product_id, "partner_id": share.partner_id})
    return share


def list_shares(session: Session, *, actor: User) -> list[PactShare]:
    require_role(actor, "exporter")
    return list(session.scalars(select(PactShare).where(PactShare.organisation_id == actor.organisation_id)
                                .order_by(PactShare.created_at)))


# --------------------------------------------------------------------------- host: footprints


def _verification(session: Session, footprint_id: str) -> PactVerification | None:
    """The certificate issued on this footprint, as PACT `verification` (product level)."""
    row = session.execute(
        select(Certificate).join(Application, Application.id == Certificate.application_id)
        .where(Application.footprint_id == footprint_id).order_by(Certificate.issued_at.desc())).scalars().first()
    if row is None:
        return None
    return PactVerification(coverage="product level", provider_name=document_of(row).issuer,
                            completed_at=row.issued_at, standard_name=row.scheme)


def _export_product(session: Session, product: Product, organisation: Organisation, public_url: str) -> list[ProductFootprint]:
    """Every footprint of the product as PACT: the newest Active, the earlier ones Deprecated and
    listed in the newer ones' precedingPfIds. Footprints that cannot be exported (a mandatory
    field unknown) are left out and logged."""
    rows = list(session.scalars(select(Footprint).where(Footprint.product_id == product.id)
                                .order_by(Footprint.created_at, Footprint.id)))
    host = public_host(public_url)
    company = PactCompany(name=organisation.name, company_ids=(f"urn:pact:{host}:company:{organisation.id}",))
    out: list[ProductFootprint] = []
    earlier: list[UUID] = []
    for index, row in enumerate(rows):
        pf_id = UUID(row.id)
        bom_row = session.get(BomUpload, row.bom_id) if row.bom_id else None
        try:
            if bom_row is None:
                raise InvalidInput("footprint without its BOM (the product's PACT data are in the BOM)")
            bom = BOM.model_validate(bom_row.bom)
            result = FootprintResult.model_validate(row.result)
            pf = export_footprint(
                result, bom.product, pf_id=pf_id, created=row.created_at, company=company, id_domain=host,
                status="Active" if index == len(rows) - 1 else "Deprecated", preceding_pf_ids=list(earlier),
                verification=_verification(session, row.id))
        except (FootprintError, InvalidInput, ValueError) as exc:
            log.warning("footprint %s of product %s not exported over PACT: %s", row.id, product.id, exc)
        else:
            out.append(pf)
        earlier.append(pf_id)
    return out


def partner_footprints(session: Session, *, partner: User, public_url: str) -> list[ProductFootprint]:
    """The footprints the exporters decided this partner sees: those of products shared with it."""
    if not is_partner(partner):
        raise Forbidden("only PACT partner accounts use the PACT API")
    shares = session.scalars(select(PactShare).where(PactShare.partner_id == partner.id,
                                                     PactShare.revoked_at.is_(None)).order_by(PactShare.created_at))
    out: list[ProductFootprint] = []
    seen: set[str] = set()
    for share in shares:
        if share.product_id in seen:
            continue
        seen.add(share.product_id)
        product = session.get(Product, share.product_id)
        organisation = session.get(Organisation, share.organisation_id)
        if product is not None and organisation is not None:
            out.extend(_export_product(session, product, organisation, public_url))
    return out


def list_for_partner(session: Session, *, partner: User, public_url: str, query: FootprintQuery,
                     limit: int, offset: int) -> tuple[list[ProductFootprint], bool]:
    matching = [pf for pf in partner_footprints(session, partner=partner, public_url=public_url) if query.matches(pf)]
    return matching[offset:offset + limit], offset + limit < len(matching)


def get_for_partner(session: Session, *, partner: User, public_url: str, pf_id: UUID) -> ProductFootprint:
    for pf in partner_footprints(session, partner=partner, public_url=public_url):
        if pf.id == pf_id:
            return pf
    raise NotFound(f"no footprint {pf_id}")


# --------------------------------------------------------------------------- events


def _connection_for_partner(session: Session, partner: User, target: str) -> PactConnection | None:
    """The connection holding the credentials the partner's host (the event's source) issued us."""
    origin = urlsplit(target)
    for conn in session.scalars(select(PactConnection).where(PactConnection.partner_id == partner.id)):
        base = urlsplit(conn.base_url)
        if (base.hostname, base.port, base.scheme) == (origin.hostname, origin.port, origin.scheme):
            return conn
    return None


def enqueue(session: Session, event: PactEvent, target_url: str, connection_id: str | None) -> PactDelivery:
    row = PactDelivery(event_id=event.id, event_type=event.type, target_url=target_url, connection_id=connection_id,
                       event=event.wire(), status="pending", attempts=0, next_attempt_at=utcnow())
    session.add(row)
    session.flush()
    return row


def receive_event(session: Session, *, caller: User, parsed: ParsedEvent, public_url: str,
                  allow_http: bool = False) -> str:
    """Accept a validated event from a partner; returns what was done (for the log)."""
    if not is_partner(caller):
        raise Forbidden("only PACT partner accounts send PACT events")
    event = parsed.event
    if event.type == REQUEST_CREATED:
        return _answer_request(session, caller, parsed, public_url, allow_http)
    if event.type in (REQUEST_FULFILLED, REQUEST_REJECTED):
        request = session.scalar(select(PactRequest).where(PactRequest.direction == "outgoing",
                                                           PactRequest.event_id == parsed.request_event_id))
        connection = session.get(PactConnection, request.connection_id) if request and request.connection_id else None
        if request is None or connection is None or connection.partner_id != caller.id:
            raise NotFound(f"no request {parsed.request_event_id} of ours to this partner")
        if request.status != "pending":
            return f"request {request.id} already {request.status}; event {event.id} ignored"
        request.status = "fulfilled" if event.type == REQUEST_FULFILLED else "rejected"
        request.answered_at = utcnow()
        request.answer = {"event_id": event.id, "error": parsed.error} if parsed.error else {"event_id": event.id}
        for pf in parsed.footprints:
            session.add(PactFootprintRecord(organisation_id=request.organisation_id, pf_id=str(pf.id),
                                            connection_id=connection.id, request_id=request.id, via="event",
                                            source=event.source, document=pf.wire(), report=[]))
        return f"request {request.id} {request.status}"
    # Published: the partner tells us footprints changed; the route fetches them (after answering)
    if published_connection(session, caller=caller) is None:
        return f"published {len(parsed.pf_ids)} footprint ids; no connection to fetch them from"
    return f"published {len(parsed.pf_ids)} footprint ids; fetching"


def _answer_request(session: Session, caller: User, parsed: ParsedEvent, public_url: str, allow_http: bool) -> str:
    event = parsed.event
    target = event_target(event.source, "event", allow_http=allow_http)
    duplicate = session.scalar(select(PactRequest).where(PactRequest.direction == "incoming",
                                                         PactRequest.source == event.source,
                                                         PactRequest.event_id == event.id))
    if duplicate is not None:
        return f"request {event.id} from {event.source} already received"
    request = PactRequest(direction="incoming", event_id=event.id, source=event.source, partner_id=caller.id,
                          query=(parsed.query or FootprintQuery()).wire(), comment=parsed.comment, status="pending")
    session.add(request)
    session.flush()
    matching = [pf for pf in partner_footprints(session, partner=caller, public_url=public_url)
                if (parsed.query or FootprintQuery()).matches(pf)]
    ours = events_source(public_url)
    if matching:
        answer = fulfilled_event(ours, event.id, matching)
        request.status = "fulfilled"
    else:
        answer = rejected_event(ours, event.id, "NotFound", "no footprint matches the request for this partner")
        request.status = "rejected"
    request.answered_at = utcnow()
    request.answer = {"event_id": answer.id, "pf_ids": [str(pf.id) for pf in matching]}
    connection = _connection_for_partner(session, caller, target)
    enqueue(session, answer, target, connection.id if connection else None)
    return f"request {event.id} {request.status} ({len(matching)} footprints), answer queued to {target}"


def publish_product(session: Session, *, actor: User, product_id: str, public_url: str) -> list[PactDelivery]:
    """Tell every partner the product is shared with that its footprints changed (PublishedEvent
    with the ids it may now fetch), through the outbox, to the partner's linked connection."""
    require_role(actor, "exporter")
    product = get_visible(session, Product, product_id, actor, "product")
    organisation = session.get(Organisation, product.organisation_id)
    assert organisation is not None
    pf_ids = [pf.id for pf in _export_product(session, product, organisation, public_url)]
    if not pf_ids:
        raise InvalidInput(f"product {product_id} has no footprint that can be exported over PACT")
    queued = []
    for share in session.scalars(select(PactShare).where(PactShare.product_id == product.id,
                                                         PactShare.revoked_at.is_(None))):
        for conn in session.scalars(select(PactConnection).where(PactConnection.partner_id == share.partner_id)):
            event = published_event(events_source(public_url), pf_ids)
            queued.append(enqueue(session, event, f"{conn.base_url}/3/events", conn.id))
    return queued


def published_connection(session: Session, *, caller: User) -> PactConnection | None:
    """The connection to the host of a partner that told us about new footprints."""
    return session.scalar(select(PactConnection).where(PactConnection.partner_id == caller.id)
                          .order_by(PactConnection.created_at))


# --------------------------------------------------------------------------- delivery (the outbox)


def deliver_due(session: Session, *, now: datetime | None = None,
                send: Callable[[PactConnection, dict[str, Any], str], None]) -> list[PactDelivery]:
    """Try every pending delivery that is due; `send(connection, event, url)` raises on failure.
    Returns the rows it touched (delivered, rescheduled or abandoned)."""
    now = now or datetime.now(UTC)
    due = list(session.scalars(select(PactDelivery).where(PactDelivery.status == "pending",
                                                          PactDelivery.next_attempt_at <= now)
                               .order_by(PactDelivery.next_attempt_at).limit(50)))
    for row in due:
        row.attempts += 1
        row.first_attempt_at = row.first_attempt_at or now
        connection = session.get(PactConnection, row.connection_id) if row.connection_id else None
        try:
            if connection is None:
                raise ServiceError(f"no credentials for {row.target_url}: register a connection to that host "
                                   "(with the credentials it issued us) linked to the partner account")
            send(connection, row.event, row.target_url)
        except Exception as exc:  # any failure is retried: the partner may be down for hours  # noqa: BLE001
            row.last_error = f"{exc.__class__.__name__}: {exc}"[:2000]
            retry_at = RETRY.next_attempt(row.first_attempt_at, row.attempts, now)
            if retry_at is None:
                row.status = "abandoned"
                log.warning("PACT delivery %s to %s abandoned after %d attempts: %s", row.id, row.target_url,
                            row.attempts, row.last_error)
            else:
                row.next_attempt_at = retry_at
        else:
            row.status, row.delivered_at, row.last_error = "delivered", now, None
    return due


# --------------------------------------------------------------------------- client side


def create_connection(session: Session, *, actor: User, name: str, base_url: str, client_id: str,
                      client_secret: str, auth_base_url: str | None = None,
                      partner_id: str | None = None) -> PactConnection:
    require_role(actor, "exporter")
    for url in (base_url, auth_base_url):
        if url is not None and (urlsplit(url).scheme != "https" or not urlsplit(url).hostname):
            raise InvalidInput(f"{url!r}: a PACT host is reached over HTTPS only (https://host[:port][/path])")
    if partner_id is not None:
        partner = session.get(User, partner_id)
        if partner is None or not is_partner(partner):
            raise NotFound(f"partner account {partner_id} not found")
    conn = PactConnection(organisation_id=actor.organisation_id, name=name, base_url=base_url.rstrip("/"),
                          auth_base_url=auth_base_url.rstrip("/") if auth_base_url else None, client_id=client_id,
                          client_secret=client_secret, partner_id=partner_id, created_by=actor.id)
    session.add(conn)
    session.flush()
    history.record(session, actor=actor, organisation_id=actor.organisation_id, entity_type="pact_connection",
                   entity_id=conn.id, action="create", detail={"name": name, "base_url": conn.base_url})
    return conn


def store_fetched(session: Session, *, actor: User, connection: PactConnection, footprints: list[ProductFootprint],
                  via: str, source: str, report: list[str]) -> list[PactFootprintRecord]:
    rows = [PactFootprintRecord(organisation_id=actor.organisation_id, pf_id=str(pf.id), connection_id=connection.id,
                                via=via, source=source, document=pf.wire(), report=report) for pf in footprints]
    session.add_all(rows)
    session.flush()
    return rows


def request_footprints(session: Session, *, actor: User, connection: PactConnection, query: FootprintQuery,
                       comment: str | None, public_url: str) -> PactRequest:
    require_role(actor, "exporter")
    event = request_created_event(events_source(public_url), query, comment)
    request = PactRequest(direction="outgoing", event_id=event.id, source=event.source,
                          organisation_id=actor.organisation_id, connection_id=connection.id, query=query.wire(),
                          comment=comment, status="pending")
    session.add(request)
    session.flush()
    enqueue(session, event, f"{connection.base_url}/3/events", connection.id)
    return request


def stored_footprint(session: Session, *, actor: User, record_id: str) -> tuple[PactFootprintRecord, ProductFootprint]:
    record = get_visible(session, PactFootprintRecord, record_id, actor, "received footprint")
    try:
        pf = read_pact_document(record.document, f"received footprint {record.id}").footprints[0]
    except PactError as exc:  # stored after a strict read; a failure here is a bug, said plainly
        raise ServiceError(str(exc)) from None
    return record, pf


@dataclass(frozen=True)
class Impact:
    footprint_id: str
    product_id: str
    bom_id: str
    total_before: float
    total_after: float
    lines: list[dict[str, Any]]
    refused: list[str]
    certificates: list[str]


def impact_of(session: Session, *, actor: User, record_id: str) -> list[Impact]:
    """Which of our footprints (and the certificates issued on them) a received footprint would
    change, because it replaces (precedingPfIds) a supplier footprint one of our BOM lines books."""
    _, new_pf = stored_footprint(session, actor=actor, record_id=record_id)
    replaced = {str(i).lower() for i in new_pf.preceding_pf_ids or []}
    impacts: list[Impact] = []
    if not replaced:
        return impacts
    footprints = session.scalars(select(Footprint).where(Footprint.organisation_id == actor.organisation_id)
                                 .order_by(Footprint.created_at))
    for row in footprints:
        bom_row = session.get(BomUpload, row.bom_id) if row.bom_id else None
        if bom_row is None:
            continue
        lines = bom_row.bom.get("lines", []) if isinstance(bom_row.bom, dict) else []
        if not any(str((line.get("supplier_pcf") or {}).get("pact_pf_id", "")).lower() in replaced for line in lines):
            continue
        change = change_from_new_version(BOM.model_validate(bom_row.bom), FootprintResult.model_validate(row.result),
                                         new_pf, on=datetime.now(UTC).date())
        if change is None:
            continue
        certificates = [c.number for c in session.scalars(
            select(Certificate).join(Application, Application.id == Certificate.application_id)
            .where(Application.footprint_id == row.id))]
        impacts.append(Impact(footprint_id=row.id, product_id=row.product_id, bom_id=bom_row.id,
                              total_before=change.total_before, total_after=change.total_after,
                              lines=[{"line_id": c.line_id, "old_pf_id": c.old_pf_id, "new_pf_id": c.new_pf_id,
                                      "delta_kgco2e": c.delta_kgco2e} for c in change.lines],
                              refused=list(change.refused), certificates=certificates))
    return impacts
