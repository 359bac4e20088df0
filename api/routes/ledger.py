"""The retirement ledger over HTTP (issue 16): what a claim holds, and a dry-run check of lots."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict

from api.deps import CurrentUser, SessionDep
from api.models import Application
from api.schemas import error_responses
from api.services import ledger
from api.services.access import get_visible, require_role

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
    application = get_visible(session, Application, application_id, user, "application")
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
