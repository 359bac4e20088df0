"""The retirement ledger of the service: which claim holds which credit lot or green certificate.

A claim is an application whose evidence carries a carbon-neutral claim (`neutrality.lots`) or green
certificates (`electricity_instruments` of type GEC). Its holdings are taken when it is submitted and
given back when it is rejected; the decision what clashes is the pure `labels.ledger.conflicts`, the same
the rules use inside one claim. Concurrency: on PostgreSQL a transaction-scoped advisory lock serialises
ledger writers (check, then insert, then commit, as one step); SQLite writers already serialise at
BEGIN IMMEDIATE (api/storage/db.py). The unique (programme, record_id) constraint backs the record-id case.
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from sqlalchemy import delete, or_, select, text
from sqlalchemy.orm import Session

from api.errors import Conflict, InvalidInput
from api.storage.models import LedgerHolding
from labels.inputs import InstrumentEvidence, Neutrality
from labels.ledger import GEC, Holding, certificate_holding, conflicts, lot_holding

_LEDGER_LOCK = 0x4C454447  # "LEDG": the advisory lock id of ledger writes


M = TypeVar("M", bound=BaseModel)


def _parse(model: type[M], raw: Any, where: str) -> M:
    """Only the parts of the evidence the ledger reads; the rules validate the whole dossier at approval."""
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join([where, *(str(p) for p in first["loc"])])
        raise InvalidInput(f"evidence field {field!r}: {first['msg']}") from None


def claim_holdings(claim_id: str, evidence: dict[str, Any]) -> tuple[list[Holding], list[dict[str, Any]]]:
    """The holdings an application's evidence asks for, with the document of each (lot or certificate)."""
    neutrality = _parse(Neutrality, evidence.get("neutrality"), "neutrality") if evidence.get("neutrality") else None
    raw_instruments = evidence.get("electricity_instruments") or []
    if not isinstance(raw_instruments, list):
        raise InvalidInput(f"evidence field 'electricity_instruments': a list is needed, got {raw_instruments!r:.60}")
    instruments = [_parse(InstrumentEvidence, raw, f"electricity_instruments.{i}")
                   for i, raw in enumerate(raw_instruments)]
    out: list[tuple[Holding, dict[str, Any]]] = []
    if neutrality is not None:
        out += [(lot_holding(claim_id, lot), lot.model_dump(mode="json")) for lot in neutrality.lots]
    out += [(certificate_holding(claim_id, i.serial, i.project_id, i.vintage), i.model_dump(mode="json"))
            for i in instruments if i.type == GEC]
    return [h for h, _ in out], [d for _, d in out]


def _as_holding(row: LedgerHolding) -> Holding:
    return Holding(claim=row.claim_id, programme=row.programme, block=row.block, first=row.first_unit,
                   last=row.last_unit, record_id=row.record_id, project_id=row.project_id, vintage=row.vintage)


def _lock(session: Session) -> None:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LEDGER_LOCK})


def _refuse_held(session: Session, new: list[Holding]) -> None:
    blocks = {(h.programme, h.block) for h in new if h.block is not None}
    records = {(h.programme, h.record_id) for h in new if h.record_id is not None}
    projects = {h.project_id for h in new if h.project_id}
    conditions: list[Any] = [(LedgerHolding.programme == p) & (LedgerHolding.block == b) for p, b in blocks]
    conditions += [(LedgerHolding.programme == p) & (LedgerHolding.record_id == r) for p, r in records]
    if projects:
        conditions.append(LedgerHolding.project_id.in_(projects))
    held = [_as_holding(r) for r in session.scalars(select(LedgerHolding).where(or_(*conditions)))]
    found = conflicts(new, held)
    if found:
        raise Conflict("refused: " + "; ".join(c.message() for c in found),
                       extra={"held_by": sorted({c.held.claim for c in found})})


def check(session: Session, *, evidence: dict[str, Any]) -> None:
    """Refuse (409) as `hold` would, without holding anything."""
    new, _ = claim_holdings("(this request)", evidence)
    if new:
        _refuse_held(session, new)


def hold(session: Session, *, claim_id: str, organisation_id: str, evidence: dict[str, Any]) -> list[LedgerHolding]:
    """Take the claim's holdings, or refuse (409) naming the claim that already holds a lot. The caller commits."""
    new, documents = claim_holdings(claim_id, evidence)
    _lock(session)
    session.execute(delete(LedgerHolding).where(LedgerHolding.claim_id == claim_id))  # a re-submission replaces
    if not new:
        return []
    _refuse_held(session, new)
    rows = [LedgerHolding(claim_id=claim_id, organisation_id=organisation_id, programme=h.programme, block=h.block,
                          first_unit=h.first, last_unit=h.last, record_id=h.record_id, project_id=h.project_id,
                          vintage=h.vintage, document=doc) for h, doc in zip(new, documents)]
    session.add_all(rows)
    session.flush()
    return rows


def release(session: Session, *, claim_id: str) -> None:
    """A rejected claim gives its lots back."""
    _lock(session)
    session.execute(delete(LedgerHolding).where(LedgerHolding.claim_id == claim_id))


def holdings_of(session: Session, claim_id: str) -> list[LedgerHolding]:
    return list(session.scalars(select(LedgerHolding).where(LedgerHolding.claim_id == claim_id)
                                .order_by(LedgerHolding.programme, LedgerHolding.block, LedgerHolding.first_unit,
                                          LedgerHolding.record_id)))
