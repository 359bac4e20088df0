"""Screening for certifiers: findings on an application, and risk-weighted surveillance sampling."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import Field

from api.http.deps import CurrentUser, SessionDep, StateDep
from api.http.schemas import Input, error_responses
from api.usecases.access import require_role
from api.usecases.records import today, visible_application
from api.usecases.screening import StatedChange, sample_for_surveillance, screen_application

router = APIRouter(prefix="/v1", tags=["screening"], responses=error_responses(401, 403, 404, 422))


class ScreeningRequest(Input):
    stated_changes: list[StatedChange] = Field(
        default_factory=list, description="changes the applicant names to explain a drop, kg CO2e saved per declared unit"
    )
    # strict=False: a JSON date is a string
    on: date | None = Field(default=None, strict=False, description="Screening date (default: today, UTC)")


@router.post("/applications/{application_id}/screening")
def screen(
    application_id: str, user: CurrentUser, session: SessionDep, state: StateDep, body: ScreeningRequest | None = None
) -> dict[str, Any]:
    """Certifier: findings (evidence, severity) and the risk score of an application (docs/screening.md)."""
    require_role(user, "certifier", "admin")
    application = visible_application(session, application_id, user)
    request = body or ScreeningRequest()
    report = screen_application(session, application, key_of=state.domain.benchmark_key,
                                on=request.on or today(), stated_changes=request.stated_changes)
    return report.model_dump(mode="json")


@router.get("/surveillance/sample")
def surveillance_sample(
    user: CurrentUser,
    session: SessionDep,
    n: Annotated[int, Query(ge=1, le=1000, description="how many certificates to draw")],
    seed: Annotated[int, Query(ge=0, le=2**63 - 1, description="the draw is reproducible from it")],
    on: Annotated[date | None, Query(description="date (default: today, UTC)")] = None,
) -> dict[str, Any]:
    """Certifier: certificates for third-party spot checks, weighted by risk, with the reason for each pick."""
    require_role(user, "certifier", "admin")
    day = on or today()
    picks, pool = sample_for_surveillance(session, n=n, seed=seed, on=day)
    return {"on": day.isoformat(), "seed": seed, "pool": pool, "picks": [p.model_dump(mode="json") for p in picks]}
