"""Mutual recognition: would `target` accept another scheme's certificate, on which conditions?"""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter
from pydantic import Field

from api.http.deps import CurrentUser, SessionDep, StateDep
from api.http.schemas import Input, error_responses
from api.usecases.access import require_role
from api.usecases.certificates import RegistryBenchmarks
from api.usecases.records import today

router = APIRouter(prefix="/v1", tags=["recognition"], responses=error_responses(401, 403, 422))


class RecognitionRequest(Input):
    certificate: dict[str, Any] = Field(description="The presented certificate (labels.Certificate fields)")
    target: str = Field(min_length=1, max_length=100, description="The scheme asked to recognise it")
    # strict=False: a JSON date is a string
    on: date | None = Field(default=None, strict=False, description="Recognition date (default: today, UTC)")


@router.post("/recognitions")
def recognise(body: RecognitionRequest, user: CurrentUser, session: SessionDep, state: StateDep) -> dict[str, Any]:
    """The recognition outcome (accepted / conditional / not recognised) with its reasons and validity."""
    require_role(user, "exporter", "certifier", "admin")
    return state.domain.recognise(
        body.certificate, target=body.target, on=body.on or today(), benchmarks=RegistryBenchmarks(session)
    )
