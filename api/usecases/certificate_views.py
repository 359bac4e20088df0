"""Certificates as lists show them: the state of many certificates in a constant number of queries.

A certificate's state needs its successor (renewal), its history rows up to the signed head, and
the head itself. Asked row by row that is three queries per certificate (a list of 50 ran ~200);
`states_of` asks each of the three once for the whole page, whatever its length.

Signatures in lists: `listed_verdict` memoizes the verdict of `verification.verify` per process,
keyed by every column of the stored row (payload, signature, key id and each record column) and
the public key object. A verdict is a pure function of those values, so a changed byte anywhere in
the row is a new key and is verified afresh; an unchanged row is not re-verified on every page
view. The public verification route does NOT use this: it checks the signature on every request.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, aliased

from api.storage.models import Certificate, HistoryEntry, HistoryHead, utcnow
from api.usecases.certificate_status import StatusView, derive_status
from api.usecases.history import PUBLIC_KEYS_INFO, signed_head_verifies
from api.usecases.verification import Verdict, verify

ENTITY = "certificate"


@dataclass(frozen=True)
class CertificateState:
    status: StatusView
    successor: Certificate | None
    document: dict[str, Any]  # the stored (signed) document, parsed once


def _successors(session: Session, ids: list[str]) -> dict[str, Certificate]:
    rows = session.scalars(select(Certificate).where(Certificate.supersedes_id.in_(ids)))
    return {row.supersedes_id: row for row in rows if row.supersedes_id is not None}


def _histories(session: Session, ids: list[str]) -> dict[str, list[HistoryEntry]]:
    rows = session.scalars(
        select(HistoryEntry)
        .where(HistoryEntry.entity_type == ENTITY, HistoryEntry.entity_id.in_(ids))
        .order_by(HistoryEntry.seq, HistoryEntry.id)
    )
    grouped: dict[str, list[HistoryEntry]] = defaultdict(list)
    for row in rows:
        grouped[row.entity_id].append(row)
    return grouped


def _heads(session: Session, ids: list[str]) -> dict[str, HistoryHead]:
    rows = session.scalars(select(HistoryHead).where(HistoryHead.entity_type == ENTITY, HistoryHead.entity_id.in_(ids)))
    return {row.entity_id: row for row in rows}


def states_of(
    session: Session, certificates: Sequence[Certificate], *, now: datetime | None = None
) -> dict[str, CertificateState]:
    """State of each certificate (by id) on `now`: three queries for any number of certificates.
    History rows count up to the signed head when its signature verifies (as
    `history.effective_entries`), so a row inserted behind the service's back changes nothing."""
    ids = [c.id for c in certificates]
    if not ids:
        return {}
    moment = now or utcnow()
    successors, histories, heads = _successors(session, ids), _histories(session, ids), _heads(session, ids)
    public_keys = session.info.get(PUBLIC_KEYS_INFO)
    return {
        c.id: _state(c, histories.get(c.id, []), heads.get(c.id), successors.get(c.id), public_keys, moment)
        for c in certificates
    }


# Built once (the route runs them on every request; an alias made per call cost more than the query)
_SUCCESSOR = aliased(Certificate, name="successor")
_BY_NUMBER = (
    select(Certificate, _SUCCESSOR, HistoryHead)
    .outerjoin(_SUCCESSOR, _SUCCESSOR.supersedes_id == Certificate.id)
    .outerjoin(HistoryHead, (HistoryHead.entity_type == ENTITY) & (HistoryHead.entity_id == Certificate.id))
    .where(Certificate.number == bindparam("number"))
    .limit(1)
)
_HISTORY = (
    select(HistoryEntry)
    .where(HistoryEntry.entity_type == ENTITY, HistoryEntry.entity_id == bindparam("entity_id"))
    .order_by(HistoryEntry.seq, HistoryEntry.id)
)


def state_by_number(
    session: Session, number: str, *, now: datetime | None = None
) -> tuple[Certificate, CertificateState] | None:
    """One certificate by number and its state, in two queries (the public verification page asks
    this on every request): the certificate with its successor and signed head (outer joins: at
    most one of each), then its history rows. None when no certificate has the number."""
    found = session.execute(_BY_NUMBER, {"number": number}).first()
    if found is None:
        return None
    certificate, next_one, head = found
    rows = list(session.scalars(_HISTORY, {"entity_id": certificate.id}))
    public_keys = session.info.get(PUBLIC_KEYS_INFO)
    return certificate, _state(certificate, rows, head, next_one, public_keys, now or utcnow())


def _state(
    certificate: Certificate,
    rows: list[HistoryEntry],
    head: HistoryHead | None,
    successor: Certificate | None,
    public_keys: dict[str, Ed25519PublicKey] | None,
    moment: datetime,
) -> CertificateState:
    if head is not None and _head_verifies(head, public_keys):
        rows = [row for row in rows if row.seq <= head.seq]
    document = json.loads(certificate.payload)
    status = derive_status(
        certificate,
        rows,
        now=moment,
        grace_days=int(document["surveillance"]["grace_days"]),
        superseded_at=successor.issued_at if successor else None,
    )
    return CertificateState(status, successor, document)


def _head_verifies(head: HistoryHead, public_keys: dict[str, Ed25519PublicKey] | None) -> bool:
    """The head's signature, memoized on the head's own values (a changed head is a new key)."""
    if not public_keys or head.key_id is None:
        return signed_head_verifies(head, public_keys)
    raw = _raw(public_keys.get(head.key_id))
    return _head_verdict(head.entity_type, head.entity_id, head.seq, head.row_hash, head.key_id, head.signature, raw)


def _raw(key: Ed25519PublicKey | None) -> bytes | None:
    """The key's 32 bytes: the cache key (the key objects themselves are not hashable)."""
    return None if key is None else key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def _keys(key_id: str, raw: bytes | None) -> dict[str, Ed25519PublicKey]:
    return {} if raw is None else {key_id: Ed25519PublicKey.from_public_bytes(raw)}


@lru_cache(maxsize=4096)
def _head_verdict(
    entity_type: str, entity_id: str, seq: int, row_hash: str, key_id: str, signature: str | None, raw: bytes | None
) -> bool:
    head = HistoryHead(entity_type=entity_type, entity_id=entity_id, seq=seq, row_hash=row_hash, key_id=key_id,
                       signature=signature)
    return signed_head_verifies(head, _keys(key_id, raw))


def _row_values(certificate: Certificate) -> tuple[Any, ...]:
    return tuple(getattr(certificate, column.key) for column in Certificate.__table__.columns)


def listed_verdict(certificate: Certificate, public_keys: dict[str, Ed25519PublicKey]) -> Verdict:
    """`verification.verify` memoized on the whole stored row and its key (see the module doc)."""
    return _verdict(_row_values(certificate), _raw(public_keys.get(certificate.key_id)))


@lru_cache(maxsize=1024)
def _verdict(values: tuple[Any, ...], raw: bytes | None) -> Verdict:
    columns = [column.key for column in Certificate.__table__.columns]
    detached = Certificate(**dict(zip(columns, values)))
    return verify(detached, _keys(detached.key_id, raw))
