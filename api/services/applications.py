"""Label applications and their state machine.

draft -> submitted -> under_review -> information_requested -> submitted -> ...
                                   -> approved (issues the certificate, same transaction)
                                   -> rejected
Every transition is a conditional UPDATE (`WHERE status = <from>`): of two concurrent requests
for the same transition exactly one changes a row; the other sees 409.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from api.errors import Conflict, Forbidden, InvalidInput
from api.models import Application, Footprint, Product, User, utcnow
from api.services import history, ledger
from api.services.access import organisation_scope

# action -> (allowed from-states, to-state, roles, reason required)
TRANSITIONS: dict[str, tuple[tuple[str, ...], str, tuple[str, ...], bool]] = {
    "submit": (("draft", "information_requested"), "submitted", ("exporter",), False),
    "start_review": (("submitted",), "under_review", ("certifier",), False),
    "request_information": (("under_review",), "information_requested", ("certifier",), True),
    "reject": (("under_review",), "rejected", ("certifier",), True),
    "approve": (("under_review",), "approved", ("certifier",), False),
}
STATUSES = ("draft", "submitted", "under_review", "information_requested", "approved", "rejected")


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
    session: Session, *, user: User, status: str | None, limit: int, offset: int
) -> list[Application]:
    query = select(Application)
    scope = organisation_scope(user)
    if scope is not None:
        query = query.where(Application.organisation_id == scope)
    if status is not None:
        query = query.where(Application.status == status)
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
    from_state = application.status
    if from_state not in allowed_from:
        raise Conflict(
            f"application {application.id} is {from_state}; {action.replace('_', ' ')} needs "
            f"{' or '.join(allowed_from)}"
        )
    changed = session.execute(
        update(Application)
        .where(Application.id == application.id, Application.status == from_state)
        .values(status=to_state, status_reason=reason, updated_at=utcnow(), **(changes or {}))
        .execution_options(synchronize_session=False)
    ).rowcount
    if changed != 1:
        raise Conflict(f"application {application.id} changed meanwhile; reload it")
    session.refresh(application)
    if action == "submit":  # the claim's credit lots and green certificates are held from submission on
        ledger.hold(session, claim_id=application.id, organisation_id=application.organisation_id,
                    evidence=application.evidence)
    elif action == "reject":
        ledger.release(session, claim_id=application.id)
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
    return application
