"""Who may see what: exporters only their own organisation; certifiers and admins everything."""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy.orm import Session

from api.errors import Forbidden, NotFound
from api.storage.models import Base, User

Row = TypeVar("Row", bound=Base)

SEES_ALL_ORGANISATIONS = ("certifier", "admin")


def organisation_scope(user: User) -> str | None:
    """The organisation the user is limited to, or None when the role sees all organisations."""
    return None if user.role in SEES_ALL_ORGANISATIONS else user.organisation_id


def require_role(user: User, *roles: str) -> None:
    if user.role not in roles:
        raise Forbidden(f"role {user.role!r} may not do this (needs {' or '.join(roles)})")


def get_visible(session: Session, model: type[Row], row_id: str, user: User, what: str) -> Row:
    """The row, or NotFound - also for another organisation's row, so ids do not leak existence."""
    row = session.get(model, row_id)
    scope = organisation_scope(user)
    if row is None or (scope is not None and row.organisation_id != scope):  # type: ignore[attr-defined]
        raise NotFound(f"{what} {row_id} not found")
    return row
