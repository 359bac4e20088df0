"""The append-only history (audit trail): every explicit action is one row, in the action's transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.models import HistoryEntry, User, utcnow


def record(
    session: Session,
    *,
    actor: User | None,
    organisation_id: str,
    entity_type: str,
    entity_id: str,
    action: str,
    from_state: str | None = None,
    to_state: str | None = None,
    reason: str | None = None,
    detail: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> HistoryEntry:
    entry = HistoryEntry(
        at=at or utcnow(),
        actor_id=actor.id if actor else None,
        actor_role=actor.role if actor else None,
        organisation_id=organisation_id,
        entity_type=entity_type,
        entity_id=entity_id,
        action=action,
        from_state=from_state,
        to_state=to_state,
        reason=reason,
        detail=detail or {},
    )
    session.add(entry)
    return entry


def entries_for(session: Session, *, entity_type: str, entity_id: str) -> list[HistoryEntry]:
    return list(
        session.scalars(
            select(HistoryEntry)
            .where(HistoryEntry.entity_type == entity_type, HistoryEntry.entity_id == entity_id)
            .order_by(HistoryEntry.at, HistoryEntry.id)
        )
    )


def search(
    session: Session,
    *,
    organisation_id: str | None,
    entity_type: str | None,
    entity_id: str | None,
    limit: int,
    offset: int,
) -> list[HistoryEntry]:
    query = select(HistoryEntry)
    if organisation_id is not None:
        query = query.where(HistoryEntry.organisation_id == organisation_id)
    if entity_type is not None:
        query = query.where(HistoryEntry.entity_type == entity_type)
    if entity_id is not None:
        query = query.where(HistoryEntry.entity_id == entity_id)
    return list(session.scalars(query.order_by(HistoryEntry.id).limit(limit).offset(offset)))
