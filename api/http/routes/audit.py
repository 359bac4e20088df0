"""The audit trail: the append-only history, filtered to what the caller may see."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.http.deps import CurrentUser, SessionDep, StateDep
from api.http.schemas import AuthAttemptPublic, BrokenLinkPublic, ChainReportPublic, HistoryPublic, error_responses
from api.usecases import history, throttle
from api.usecases.access import organisation_scope, require_role

router = APIRouter(prefix="/v1", tags=["audit"], responses=error_responses(401, 403, 422))


@router.get("/audit", response_model=list[HistoryPublic])
def audit(
    user: CurrentUser,
    session: SessionDep,
    entity_type: Annotated[str | None, Query(pattern="^(organisation|user|product|bom|footprint|application|certificate)$")] = None,
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


@router.get("/audit/verify", response_model=ChainReportPublic)
def verify_audit_trail(
    user: CurrentUser,
    session: SessionDep,
    state: StateDep,
    entity_type: Annotated[str | None, Query(max_length=20)] = None,
    entity_id: Annotated[str | None, Query(max_length=32)] = None,
) -> ChainReportPublic:
    """Admin: walk every history chain (or one entity's) and report the first broken link of each:
    an altered row, a gap, a row inserted behind the service (after the signed head)."""
    require_role(user, "admin")
    report = history.verify_chains(session, state.public_keys, entity_type=entity_type, entity_id=entity_id)
    return ChainReportPublic(
        intact=report.intact,
        chains=report.chains,
        rows=report.rows,
        broken=[BrokenLinkPublic(**vars(link)) for link in report.broken],
    )


@router.get("/audit/sign-ins", response_model=list[AuthAttemptPublic])
def sign_in_attempts(
    user: CurrentUser,
    session: SessionDep,
    identifier: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> list[AuthAttemptPublic]:
    """Admin: every sign-in attempt (token endpoint, web login), newest first: identifier, client
    address, outcome. Secrets are never stored."""
    require_role(user, "admin")
    rows = throttle.recent_attempts(session, identifier=identifier, limit=limit, offset=offset)
    return [AuthAttemptPublic.model_validate(r) for r in rows]
