"""The append-only history (audit trail): every explicit action is one row, in the action's transaction.

Rows of one entity (a certificate, an application, a user, ...) form a hash chain: each row has a
sequence number within its entity and the hash of its predecessor, and its own hash covers every
field (timestamps at full microsecond precision). After each append the chain's head (entity,
seq, row hash) is signed with the service key in `history_heads`. Someone with write access to the
database but without the key can insert a row that links correctly, but cannot sign the new head,
so `verify_chains` reports it; editing or deleting a row breaks the hashes or leaves the signed
head pointing past the last row.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, UTC
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.storage.models import HistoryEntry, HistoryHead, User, utcnow
from api.documents.signing import SigningKey, canonical_bytes, verify_signature

GENESIS_HASH = "0" * 64
CHAIN_FORMAT = "carbonlabel-history-v1"
# Session.info key under which the service's signing key travels with every session it opens
SIGNING_KEY_INFO = "signing_key"
# ... and the public keys (by key id) whose head signatures it trusts
PUBLIC_KEYS_INFO = "public_keys"


def timestamp(moment: datetime) -> str:
    """Full precision, UTC, one spelling on every database (SQLite returns naive UTC datetimes)."""
    aware = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return aware.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def row_digest(
    *,
    seq: int,
    prev_hash: str,
    at: datetime,
    actor_id: str | None,
    actor_role: str | None,
    organisation_id: str | None,
    entity_type: str,
    entity_id: str,
    action: str,
    from_state: str | None,
    to_state: str | None,
    reason: str | None,
    detail: dict[str, Any] | None,
) -> str:
    """sha256 (hex) over the RFC 8785 form of every field of a history row."""
    document = {
        "format": CHAIN_FORMAT,
        "seq": seq,
        "prev_hash": prev_hash,
        "at": timestamp(at),
        "actor_id": actor_id,
        "actor_role": actor_role,
        "organisation_id": organisation_id,
        "entity_type": entity_type,
        "entity_id": entity_id,
        "action": action,
        "from_state": from_state,
        "to_state": to_state,
        "reason": reason,
        "detail": detail or {},
    }
    return hashlib.sha256(canonical_bytes(document)).hexdigest()


def digest_of(entry: HistoryEntry) -> str:
    return row_digest(
        seq=entry.seq,
        prev_hash=entry.prev_hash,
        at=entry.at,
        actor_id=entry.actor_id,
        actor_role=entry.actor_role,
        organisation_id=entry.organisation_id,
        entity_type=entry.entity_type,
        entity_id=entry.entity_id,
        action=entry.action,
        from_state=entry.from_state,
        to_state=entry.to_state,
        reason=entry.reason,
        detail=entry.detail,
    )


def head_bytes(entity_type: str, entity_id: str, seq: int, row_hash: str) -> bytes:
    """What the head signature covers."""
    return canonical_bytes(
        {"format": CHAIN_FORMAT, "entity_type": entity_type, "entity_id": entity_id, "seq": seq, "row_hash": row_hash}
    )


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
    new_entity: bool = False,
) -> HistoryEntry:
    """Append a row to the entity's chain and re-sign the chain head (the caller commits both).

    `new_entity=True` is for the first row of an entity created in this same transaction (its id
    was just generated): its chain cannot have a head yet, so the head is not looked up. Were the
    claim wrong, seq 1 would collide with the existing row (unique entity/seq) and the new head
    with the existing one (primary key): the commit fails and nothing is written."""
    key: SigningKey | None = session.info.get(SIGNING_KEY_INFO)
    # lock the head (PostgreSQL) so concurrent appends to one entity queue up; the unique
    # (entity_type, entity_id, seq) constraint catches any that slip past (e.g. the first append)
    head = None if new_entity else session.scalar(
        select(HistoryHead)
        .where(HistoryHead.entity_type == entity_type, HistoryHead.entity_id == entity_id)
        .with_for_update()
    )
    seq = head.seq + 1 if head is not None else 1
    prev_hash = head.row_hash if head is not None else GENESIS_HASH
    moment = at or utcnow()
    entry = HistoryEntry(
        at=moment,
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
        seq=seq,
        prev_hash=prev_hash,
    )
    entry.row_hash = digest_of(entry)
    session.add(entry)
    if head is None:
        head = HistoryHead(entity_type=entity_type, entity_id=entity_id)
        session.add(head)
    head.seq, head.row_hash = seq, entry.row_hash
    head.key_id = key.key_id if key else None
    head.signature = key.sign(head_bytes(entity_type, entity_id, seq, entry.row_hash)) if key else None
    return entry


def entries_for(session: Session, *, entity_type: str, entity_id: str) -> list[HistoryEntry]:
    return list(
        session.scalars(
            select(HistoryEntry)
            .where(HistoryEntry.entity_type == entity_type, HistoryEntry.entity_id == entity_id)
            .order_by(HistoryEntry.seq, HistoryEntry.id)
        )
    )


def signed_head_verifies(
    head: HistoryHead | None, public_keys: dict[str, Ed25519PublicKey] | None
) -> bool:
    if head is None or head.signature is None or head.key_id is None or not public_keys:
        return False
    key = public_keys.get(head.key_id)
    return key is not None and verify_signature(
        key, head_bytes(head.entity_type, head.entity_id, head.seq, head.row_hash), head.signature
    )


def effective_entries(session: Session, *, entity_type: str, entity_id: str) -> list[HistoryEntry]:
    """The rows that decide an entity's state: up to the signed head, when the head's signature
    verifies, so a row inserted behind the service's back changes nothing. (Without a verifiable
    head every row counts, and `verify_chains` reports the chain.)"""
    rows = entries_for(session, entity_type=entity_type, entity_id=entity_id)
    head = session.get(HistoryHead, (entity_type, entity_id))
    if signed_head_verifies(head, session.info.get(PUBLIC_KEYS_INFO)):
        assert head is not None
        return [row for row in rows if row.seq <= head.seq]
    return rows


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


@dataclass(frozen=True)
class BrokenLink:
    """The first place where one entity's chain does not hold."""

    entity_type: str
    entity_id: str
    seq: int | None  # the row at fault (None: the head itself)
    history_id: int | None
    problem: str


@dataclass(frozen=True)
class ChainReport:
    chains: int
    rows: int
    broken: list[BrokenLink]  # at most one per chain: its first broken link

    @property
    def intact(self) -> bool:
        return not self.broken


def _check_chain(
    entity_type: str,
    entity_id: str,
    rows: list[HistoryEntry],
    head: HistoryHead | None,
    public_keys: dict[str, Ed25519PublicKey],
) -> BrokenLink | None:
    def broken(row: HistoryEntry | None, problem: str) -> BrokenLink:
        return BrokenLink(entity_type, entity_id, row.seq if row else None, row.id if row else None, problem)

    prev_hash = GENESIS_HASH
    for expected_seq, row in enumerate(rows, start=1):
        if row.seq != expected_seq:
            return broken(row, f"sequence number {row.seq} where {expected_seq} was expected")
        if row.prev_hash != prev_hash:
            return broken(row, "prev_hash is not the hash of the previous row")
        if digest_of(row) != row.row_hash:
            return broken(row, "row_hash does not match the row's content (row altered)")
        prev_hash = row.row_hash
    if head is None:
        return broken(rows[-1] if rows else None, "no signed chain head")
    if head.signature is None or head.key_id is None:
        return broken(None, "chain head is not signed (written before migration 0002; seal it)")
    if head.key_id not in public_keys:
        return broken(None, f"chain head signed with unknown key {head.key_id}")
    if not signed_head_verifies(head, public_keys):
        return broken(None, "chain head signature does not verify (head altered)")
    last = rows[-1] if rows else None
    if last is None or head.seq < last.seq:
        beyond = next((r for r in rows if r.seq > head.seq), last)
        return broken(beyond, f"row after the signed head (seq {head.seq}): inserted without the service key")
    if head.seq > last.seq or head.row_hash != last.row_hash:
        return broken(last, f"the signed head (seq {head.seq}) is not the last row: rows removed or replaced")
    return None


def verify_chains(
    session: Session,
    public_keys: dict[str, Ed25519PublicKey],
    *,
    entity_type: str | None = None,
    entity_id: str | None = None,
) -> ChainReport:
    """Walk every chain (or one entity's) and report the first broken link of each."""
    query = select(HistoryEntry)
    heads_query = select(HistoryHead)
    if entity_type is not None:
        query = query.where(HistoryEntry.entity_type == entity_type)
        heads_query = heads_query.where(HistoryHead.entity_type == entity_type)
    if entity_id is not None:
        query = query.where(HistoryEntry.entity_id == entity_id)
        heads_query = heads_query.where(HistoryHead.entity_id == entity_id)
    chains: dict[tuple[str, str], list[HistoryEntry]] = {}
    rows = 0
    for row in session.scalars(query.order_by(HistoryEntry.entity_type, HistoryEntry.entity_id, HistoryEntry.seq)):
        chains.setdefault((row.entity_type, row.entity_id), []).append(row)
        rows += 1
    heads = {(h.entity_type, h.entity_id): h for h in session.scalars(heads_query)}
    broken: list[BrokenLink] = []
    for key in sorted(set(chains) | set(heads)):
        link = _check_chain(key[0], key[1], chains.get(key, []), heads.get(key), public_keys)
        if link is not None:
            broken.append(link)
    return ChainReport(chains=len(set(chains) | set(heads)), rows=rows, broken=broken)


def seal_unsigned_heads(session: Session, key: SigningKey) -> int:
    """Sign the heads of chains written before migration 0002 (an operator's explicit act)."""
    sealed = 0
    for head in session.scalars(select(HistoryHead).where(HistoryHead.signature.is_(None))):
        head.key_id = key.key_id
        head.signature = key.sign(head_bytes(head.entity_type, head.entity_id, head.seq, head.row_hash))
        sealed += 1
    return sealed
