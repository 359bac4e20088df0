"""The audit trail: the append-only history, filtered to what the caller may see."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import CurrentUser, SessionDep
from api.schemas import HistoryPublic, error_responses
from api.services import history
from api.services.access import organisation_scope, require_role

router = APIRouter(prefix="/v1", tags=["audit"], responses=error_responses(401, 403, 422))


@router.get("/audit", response_model=list[HistoryPublic])
def audit(
    user: CurrentUser,
    session: SessionDep,
    entity_type: Annotated[str | None, Query(pattern="^(user|product|bom|footprint|application|certificate)$")] = None,
    entity_id: Annotated[str | None, Query(max_length=32)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> list[HistoryPublic]:
    """History rows (who, when, from, to, why), oldest first; exporters see their organisation's only."""
    require_role(user, "exporter", "certifier", "admin")
    rows = history.search(
        session,
        organisation_id=organisation_scope(user),
        entity_type=entity_type,
        entity_id=entity_id,
        limit=limit,
        offset=offset,
    )
    return [HistoryPublic.model_validate(r) for r in rows]
