"""Where a request's read-only transaction ends, by database.

SQLite takes its write lock at BEGIN (the service's write engine begins IMMEDIATE), so a transaction
left open through the rest of a request (the engine's run, rendering) holds every writer of the
service for that long: it is committed as soon as the reads are done. On PostgreSQL a transaction
that has only read holds no row lock (an ACCESS SHARE lock that only DDL waits for); committing it
would cost a COMMIT and a new BEGIN, two round trips, for nothing, so it is left to run on.
"""

from __future__ import annotations

from sqlalchemy.orm import Session


def end_reads(session: Session) -> None:
    """End the transaction so far if it holds the database's write lock (SQLite); see the module doc."""
    if session.get_bind().dialect.name == "sqlite":
        session.commit()
