"""`Idempotency-Key` on creating POSTs: a repeated request gets the first answer, not a second record.

The key is remembered in the same transaction as the record it created, so a crash leaves
neither. Reusing a key for a different request is an error (422), as in the IETF
draft-ietf-httpapi-idempotency-key-header.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Header, Request
from fastapi.responses import JSONResponse
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from pydantic import BaseModel

from api.errors import Conflict, InvalidInput
from api.storage.models import IdempotencyRecord, User

IdempotencyKeyHeader = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=200,
        description="Repeat a creating request safely: the same key and body return the first answer.",
    ),
]


def fingerprint(method: str, path: str, body: bytes | str) -> str:
    raw = body.encode() if isinstance(body, str) else body
    return hashlib.sha256(method.encode() + b" " + path.encode() + b"\n" + raw).hexdigest()


def replay(session: Session, *, user: User, key: str | None, request_fingerprint: str) -> JSONResponse | None:
    if key is None:
        return None
    record = session.scalar(
        select(IdempotencyRecord).where(IdempotencyRecord.user_id == user.id, IdempotencyRecord.key == key)
    )
    if record is None:
        return None
    if record.fingerprint != request_fingerprint:
        raise InvalidInput(f"Idempotency-Key {key!r} was already used for a different request")
    return JSONResponse(record.body, status_code=record.status_code, headers={"Idempotent-Replayed": "true"})


def commit_created(
    session: Session,
    *,
    user: User,
    key: str | None,
    request_fingerprint: str,
    status_code: int,
    build_body: Callable[[], Any],
) -> JSONResponse:
    """Remember the answer under the key (if any) and commit it with the created records.

    `build_body` returns JSON values already (a model's `model_dump(mode="json")`): they go to the
    response and the record as they are (fastapi's jsonable_encoder over them walked every value
    of a footprint's result again to change nothing)."""
    body = build_body()
    if key is not None:
        session.add(
            IdempotencyRecord(
                user_id=user.id, key=key, fingerprint=request_fingerprint, status_code=status_code, body=body
            )
        )
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        # a concurrent request with the same key won the race: answer with its result
        replayed = replay(session, user=user, key=key, request_fingerprint=request_fingerprint)
        if replayed is None:
            raise Conflict("the request conflicts with a record created meanwhile") from None
        return replayed
    return JSONResponse(body, status_code=status_code)


@dataclass(frozen=True)
class Attempt:
    """One creating request: the earlier answer if the key was seen, else how to commit this one."""

    session: Session
    user: User
    key: str | None
    request_fingerprint: str
    replayed: JSONResponse | None

    def commit_created(self, status_code: int, build_body: Callable[[], Any]) -> JSONResponse:
        return commit_created(
            self.session, user=self.user, key=self.key, request_fingerprint=self.request_fingerprint,
            status_code=status_code, build_body=build_body,
        )


def begin(session: Session, user: User, key: str | None, request: Request, body: BaseModel | None) -> Attempt:
    """Fingerprint a creating POST (method, path, JSON body) and look its key up."""
    request_fingerprint = fingerprint("POST", request.url.path, body.model_dump_json() if body is not None else "")
    return Attempt(session, user, key, request_fingerprint,
                   replay(session, user=user, key=key, request_fingerprint=request_fingerprint))
