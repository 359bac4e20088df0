"""The sign-in throttle: one table keyed by (identifier, client address), for every door that checks
a secret (the token endpoint now, the web login later).

After `max_failures` failed attempts within `window_seconds` of the first one, further attempts
for that key are refused (429, `Retry-After`) without checking the secret, until the window ends;
a success clears the key. Every attempt, refused or not, is one row of `auth_attempts` (the
identifier, address and outcome; never the secret).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TypeVar

from sqlalchemy import case, delete, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from api.errors import TooManyAttempts as TooManyAttempts  # re-exported: defined beside the error table
from api.storage.models import AuthAttempt, LoginThrottle, utcnow

# column widths of login_throttle / auth_attempts: longer inputs are cut (they never match anyway)
IDENTIFIER_WIDTH, ADDRESS_WIDTH = 200, 64

Outcome = TypeVar("Outcome")


@dataclass(frozen=True)
class ThrottlePolicy:
    max_failures: int
    window_seconds: int


@dataclass(frozen=True)
class Verdict:
    """What a door's check decided: the account (on success), and the outcome word for the log."""

    user_id: str | None
    outcome: str  # success | invalid_secret | unknown | disabled

    @property
    def succeeded(self) -> bool:
        return self.outcome == "success"


def _log(session: Session, *, door: str, identifier: str, address: str, user_id: str | None, outcome: str) -> None:
    session.add(
        AuthAttempt(
            at=utcnow(), door=door, identifier=identifier, address=address, user_id=user_id, outcome=outcome
        )
    )


def _refusal(session: Session, identifier: str, address: str, policy: ThrottlePolicy) -> int | None:
    """Seconds until the key may try again, or None when it may try now."""
    row = session.get(LoginThrottle, (identifier, address))
    if row is None or row.failures < policy.max_failures:
        return None
    remaining = (row.window_started_at + timedelta(seconds=policy.window_seconds) - utcnow()).total_seconds()
    return math.ceil(remaining) if remaining > 0 else None


def _count_failure(session: Session, identifier: str, address: str, policy: ThrottlePolicy) -> None:
    """One atomic upsert: a new window starts when the old one ended, else the count goes up."""
    now = utcnow()
    window_ended = LoginThrottle.window_started_at < now - timedelta(seconds=policy.window_seconds)
    insert = postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = insert(LoginThrottle).values(
        identifier=identifier, address=address, failures=1, window_started_at=now, last_failure_at=now
    )
    statement = statement.on_conflict_do_update(
        index_elements=[LoginThrottle.identifier, LoginThrottle.address],
        set_={
            "failures": case((window_ended, 1), else_=LoginThrottle.failures + 1),
            "window_started_at": case((window_ended, now), else_=LoginThrottle.window_started_at),
            "last_failure_at": now,
        },
    )
    session.execute(statement)


def guarded(
    session: Session,
    *,
    door: str,
    identifier: str,
    address: str,
    policy: ThrottlePolicy,
    check: Callable[[], Verdict],
) -> Verdict:
    """Run a door's secret check under the throttle and log the attempt. The caller commits in
    every case (a failure's count and log row must be kept even though the request fails);
    TooManyAttempts is raised after the refusal was logged (the caller commits, then answers 429)."""
    identifier, address = identifier[:IDENTIFIER_WIDTH], address[:ADDRESS_WIDTH]
    wait = _refusal(session, identifier, address, policy)
    if wait is not None:
        _log(session, door=door, identifier=identifier, address=address, user_id=None, outcome="throttled")
        raise TooManyAttempts(
            f"too many failed attempts for this client from this address; retry in {wait} s", retry_after=wait
        )
    verdict = check()
    _log(session, door=door, identifier=identifier, address=address, user_id=verdict.user_id, outcome=verdict.outcome)
    if verdict.succeeded:
        session.execute(
            delete(LoginThrottle).where(LoginThrottle.identifier == identifier, LoginThrottle.address == address)
        )
    else:
        _count_failure(session, identifier, address, policy)
    return verdict


def recent_attempts(session: Session, *, identifier: str | None, limit: int, offset: int) -> list[AuthAttempt]:
    query = select(AuthAttempt)
    if identifier is not None:
        query = query.where(AuthAttempt.identifier == identifier)
    return list(session.scalars(query.order_by(AuthAttempt.id.desc()).limit(limit).offset(offset)))
