"""Jobs: the status and result of heavy work queued by other routes (202 + status URL)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from api.http.deps import CurrentUser, SessionDep
from api.errors import Conflict
from api.http.schemas import error_responses
from api.usecases import jobs

if TYPE_CHECKING:  # the row type for annotations only: the routes never query it
    from api.storage.models import Job

router = APIRouter(prefix="/v1/jobs", tags=["jobs"], responses=error_responses(401, 404, 409))


class JobPublic(BaseModel):
    id: str
    kind: str
    status: str = Field(description="queued | running | succeeded | failed")
    size: int = Field(description="What the limits count: CBAM lines, Monte Carlo iterations")
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    error: dict[str, Any] | None
    status_url: str
    result_url: str | None


def job_public(job: Job) -> JobPublic:
    return JobPublic(
        id=job.id,
        kind=job.kind,
        status=job.status,
        size=job.size,
        created_at=job.created_at,
        started_at=job.started_at,
        finished_at=job.finished_at,
        error=job.error,
        status_url=f"/v1/jobs/{job.id}",
        result_url=f"/v1/jobs/{job.id}/result" if job.status == "succeeded" else None,
    )


def accepted(job: Job) -> JSONResponse:
    """The answer of a route that queued `job`: 202, the job, and where to ask."""
    return JSONResponse(
        job_public(job).model_dump(mode="json"), status_code=202, headers={"Location": f"/v1/jobs/{job.id}"}
    )


@router.get("/{job_id}", response_model=JobPublic)
def job_status(job_id: str, user: CurrentUser, session: SessionDep) -> JobPublic:
    """A job's status (its owner, or an administrator)."""
    return job_public(jobs.get_visible(session, job_id, user))


@router.get(
    "/{job_id}/result",
    responses={200: {"content": {"application/json": {}, "application/pdf": {}}, "description": "The job's output"}},
)
def job_result(job_id: str, user: CurrentUser, session: SessionDep) -> Response:
    """The output of a succeeded job, as the synchronous route would have answered it."""
    job = jobs.get_visible(session, job_id, user)
    if job.status != "succeeded":
        raise Conflict(f"job {job_id} is {job.status}", extra={"job": job_public(job).model_dump(mode="json")})
    if job.result_bytes is not None:
        return Response(job.result_bytes, media_type=job.media_type or "application/octet-stream")
    return JSONResponse(job.result)
