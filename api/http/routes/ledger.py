"""Issue 16 over HTTP: the retirement ledger (a claim's holdings, a dry-run check of lots) and the public
procurement check."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict

from api.http.deps import CurrentUser, SessionDep
from api.http.schemas import error_responses
from api.usecases import ledger, procurement, records
from api.usecases.access import require_role

router = APIRouter(prefix="/v1", tags=["ledger"], responses=error_responses(401, 403, 404, 409, 422))


class HoldingOut(BaseModel):
    model_config = ConfigDict(extra="forbid")

    claim_id: str
    programme: str
    serial_range: str | None
    record_id: str | None
    project_id: str | None
    vintage: int | None
    document: dict[str, Any]


class LedgerCheck(BaseModel):
    model_config = ConfigDict(extra="forbid")

    evidence: dict[str, Any]


@router.get("/applications/{application_id}/ledger", response_model=list[HoldingOut])
def claim_ledger(application_id: str, user: CurrentUser, session: SessionDep) -> list[HoldingOut]:
    """The credit lots and green certificates this claim holds (exporter of the claim, certifier, admin)."""
    require_role(user, "exporter", "certifier", "admin")
    application = records.visible_application(session, application_id, user)
    return [HoldingOut(claim_id=r.claim_id, programme=r.programme,
                       serial_range=None if r.block is None else f"{r.block}:{r.first_unit}-{r.last_unit}",
                       record_id=r.record_id, project_id=r.project_id, vintage=r.vintage, document=r.document)
            for r in ledger.holdings_of(session, application.id)]


@router.post("/ledger/check")
def check_lots(body: LedgerCheck, user: CurrentUser, session: SessionDep) -> dict[str, Any]:
    """Exporter: would these lots and certificates be free? 409 naming the claim that holds one; nothing is held."""
    require_role(user, "exporter")
    ledger.check(session, evidence=body.evidence)
    return {"free": True}


@router.get("/procurement-check/{number}", tags=["public"])
def procurement_check(number: str, on: date, grade: str, session: SessionDep) -> dict[str, Any]:
    """Public: is certificate `number` valid on `on` (the whole day, UTC) with at least `grade` (T1..T4 or a
    T3 grade such as B)? The signed document and its signature come with the answer as proof; check them
    against GET /v1/keys."""
    answer = procurement.check(session, number=number, on=on, grade=grade)
    return asdict(answer) | {"on": answer.on.isoformat()}
