"""Label applications and their state machine.

draft -> submitted -> under_review -> information_requested -> submitted -> ...
                                   -> approved (issues the certificate, same transaction)
                                   -> awaiting_second_approval -> approved (four eyes)
                                   -> rejected
Every transition is a conditional UPDATE (`WHERE status = <from>`): of two concurrent requests
for the same transition exactly one changes a row; the other sees 409.

Review rules: the certifier who starts the review is assigned to it (or an administrator or
certifier assigns one before); no certifier of the applicant's own organisation may assign, review,
request information, reject or approve it; a grade that needs four eyes is approved by two
different certifiers.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from api import guards
from api.errors import Conflict, Forbidden, InvalidInput
from api.storage.models import Application, Certificate, Footprint, Product, User, utcnow
from api.usecases import history, ledger
from api.usecases.access import organisation_scope

# action -> (allowed from-states, to-state, roles, reason required)
TRANSITIONS: dict[str, tuple[tuple[str, ...], str, tuple[str, ...], bool]] = {
    "submit": (("draft", "information_requested"), "submitted", ("exporter",), False),
    "start_review": (("submitted",), "under_review", ("certifier",), False),
    "request_information": (("under_review",), "information_requested", ("certifier",), True),
    "reject": (("under_review", "awaiting_second_approval"), "rejected", ("certifier",), True),
    "first_approval": (("under_review",), "awaiting_second_approval", ("certifier",), False),
    "approve": (("under_review", "awaiting_second_approval"), "approved", ("certifier",), False),
}
STATUSES = (
    "draft",
    "submitted",
    "under_review",
    "information_requested",
    "awaiting_second_approval",
    "approved",
    "rejected",
)
REVIEW_ACTIONS = ("start_review", "request_information", "reject", "first_approval", "approve")
ASSIGNABLE = ("submitted", "under_review", "information_requested", "awaiting_second_approval")


def ensure_independent(certifier: User, record: Application | Certificate) -> None:
    """A certifier never reviews or acts on a record of their own organisation."""
    if certifier.organisation_id == record.organisation_id:
        what = f"certificate {record.number}" if isinstance(record, Certificate) else f"application {record.id}"
        raise Forbidden(
            f"certifier {certifier.client_id} belongs to the applicant's organisation and cannot review or act on {what}"
        )


def body_of(session: Session, record: Application | Certificate) -> str | None:
    """The organisation (certification body) of the certifier who reviews the application, or
    reviewed the one the certificate came from; None while nobody has taken it."""
    application = record if isinstance(record, Application) else session.get(Application, record.application_id)
    if application is None or application.assigned_to is None:
        return None
    reviewer = session.get(User, application.assigned_to)
    return reviewer.organisation_id if reviewer is not None else None


def ensure_same_body(session: Session, actor: User, record: Application | Certificate) -> None:
    """A certifier of another certification body never acts on a record this body reviews."""
    body = body_of(session, record)
    if actor.role == "certifier" and body is not None and body != actor.organisation_id:
        what = f"certificate {record.number}" if isinstance(record, Certificate) else f"application {record.id}"
        raise Forbidden(f"{what} is reviewed by another certification body; certifier {actor.client_id} cannot act on it")


def assign(session: Session, *, actor: User, application: Application, certifier: User) -> Application:
    """Assign the application to a certifier (by an administrator, or a certifier taking it)."""
    if certifier.role != "certifier" or not certifier.active:
        raise InvalidInput(f"account {certifier.client_id} is not an active certifier")
    ensure_independent(certifier, application)
    if actor.role == "certifier" and actor.id != certifier.id:
        raise Forbidden("a certifier may assign an application only to themselves; an administrator assigns others")
    if actor.role == "certifier" and application.assigned_to not in (None, actor.id):
        raise Conflict(f"application {application.id} is assigned to another certifier")
    if application.status not in ASSIGNABLE:
        raise Conflict(f"application {application.id} is {application.status}; it cannot be assigned")
    before = application.assigned_to
    _move(session, actor, application, {"assigned_to": certifier.id}, action="assign",
          detail={"assigned_to": certifier.id, "previously": before})
    return application


def _move(
    session: Session,
    actor: User,
    application: Application,
    values: dict[str, Any],
    *,
    action: str,
    from_state: str | None = None,
    to_state: str | None = None,
    reason: str | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    """One conditional UPDATE (`WHERE status = <the status read>`) and its history row: of two
    concurrent requests exactly one changes the row; the other sees 409."""
    changed = session.execute(
        update(Application)
        .where(Application.id == application.id, Application.status == application.status)
        .values(updated_at=utcnow(), **values)
        .execution_options(synchronize_session=False)
    ).rowcount  # type: ignore[attr-defined]  # an UPDATE answers a CursorResult
    if changed != 1:
        raise Conflict(f"application {application.id} changed meanwhile; reload it")
    session.refresh(application)
    history.record(
        session,
        actor=actor,
        organisation_id=application.organisation_id,
        entity_type="application",
        entity_id=application.id,
        action=action,
        from_state=from_state,
        to_state=to_state,
        reason=reason,
        detail=detail,
    )


def create_application(
    session: Session,
    *,
    actor: User,
    product: Product,
    footprint: Footprint,
    scheme: str,
    known_schemes: list[str],
    evidence: dict[str, Any],
) -> Application:
    if scheme not in known_schemes:
        raise InvalidInput(f"unknown scheme {scheme!r}; known schemes: {', '.join(sorted(known_schemes))}")
    if footprint.product_id != product.id:
        raise InvalidInput(f"footprint {footprint.id} belongs to another product than {product.id}")
    guards.check_stored("evidence", evidence)
    application = Application(
        organisation_id=product.organisation_id,
        product_id=product.id,
        footprint_id=footprint.id,
        scheme=scheme,
        status="draft",
        evidence=evidence,
        created_by=actor.id,
    )
    session.add(application)
    session.flush()
    history.record(
        session,
        actor=actor,
        organisation_id=application.organisation_id,
        entity_type="application",
        entity_id=application.id,
        action="create",
        to_state="draft",
        detail={"scheme": scheme, "footprint_id": footprint.id},
    )
    return application


def list_applications(
    session: Session,
    *,
    user: User,
    status: str | None,
    limit: int,
    offset: int,
    assigned_to: str | None = None,
) -> list[Application]:
    query = select(Application)
    scope = organisation_scope(user)
    if scope is not None:
        query = query.where(Application.organisation_id == scope)
    if status is not None:
        query = query.where(Application.status == status)
    if assigned_to is not None:
        query = query.where(Application.assigned_to == assigned_to)
    return list(session.scalars(query.order_by(Application.created_at, Application.id).limit(limit).offset(offset)))


def transition(
    session: Session,
    *,
    actor: User,
    application: Application,
    action: str,
    reason: str | None,
    detail: dict[str, Any] | None = None,
    changes: dict[str, Any] | None = None,
) -> Application:
    """Move the application (applying `changes`, e.g. new evidence, in the same conditional UPDATE);
    write its history row. The caller commits (or rolls back)."""
    allowed_from, to_state, roles, needs_reason = TRANSITIONS[action]
    if actor.role not in roles:
        raise Forbidden(f"role {actor.role!r} may not {action.replace('_', ' ')} an application")
    if needs_reason and not (reason and reason.strip()):
        raise InvalidInput(f"{action.replace('_', ' ')} needs a reason")
    if changes and "evidence" in changes:
        guards.check_stored("evidence", changes["evidence"])  # before the UPDATE: nothing half-written
    if action in REVIEW_ACTIONS:
        ensure_independent(actor, application)
        ensure_same_body(session, actor, application)
    if action == "start_review" and application.assigned_to not in (None, actor.id):
        raise Forbidden(f"application {application.id} is assigned to another certifier")
    if action == "start_review" and application.assigned_to is None:
        changes = {**(changes or {}), "assigned_to": actor.id}
        detail = {**(detail or {}), "assigned_to": actor.id}
    if action == "approve" and application.status == "awaiting_second_approval":
        if application.first_approval_by == actor.id:
            raise Forbidden("four eyes: a second certifier must approve, not the one who approved first")
        detail = {**(detail or {}), "first_approval_by": application.first_approval_by}
    from_state = application.status
    if from_state not in allowed_from:
        raise Conflict(
            f"application {application.id} is {from_state}; {action.replace('_', ' ')} needs "
            f"{' or '.join(allowed_from)}"
        )
    _move(
        session,
        actor,
        application,
        {"status": to_state, "status_reason": reason, **(changes or {})},
        action=action,
        from_state=from_state,
        to_state=to_state,
        reason=reason,
        detail=detail,
    )
    if action == "submit":  # the claim's credit lots and green certificates are held from submission on
        ledger.hold(session, claim_id=application.id, organisation_id=application.organisation_id,
                    evidence=application.evidence)
    elif action == "reject":
        ledger.release(session, claim_id=application.id)
    return application
