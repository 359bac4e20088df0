"""The on-pack label of an issued certificate: GET /v1/certificates/{number}/label.{svg,png,pdf}."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query
from fastapi.responses import Response

from api.http.deps import CurrentUser, SessionDep
from api.documents.label import MEDIA_TYPES
from api.http.schemas import error_responses
from api.usecases import applying

router = APIRouter(prefix="/v1/certificates", tags=["certificates"], responses=error_responses(401, 403, 404, 422))


@router.get(
    "/{number}/label.{fmt}",
    response_class=Response,
    responses={200: {"content": {t: {} for t in MEDIA_TYPES.values()},
                     "description": "The label (labels.md P3), 90 x 55 mm, in zh-Hans, zh-Hant and English"}},
)
def certificate_label(
    number: str,
    fmt: Annotated[Literal["svg", "png", "pdf"], Path(description="svg, png or pdf")],
    user: CurrentUser,
    session: SessionDep,
    dpi: Annotated[int, Query(ge=72, le=1200, description="PNG resolution")] = 300,
) -> Response:
    """The label printed from the signed certificate document (run in a worker thread)."""
    label = applying.label_artwork(session, user=user, number=number, fmt=fmt, dpi=dpi)
    return Response(label.content, media_type=label.media_type,
                    headers={"Content-Disposition": f'inline; filename="{label.filename}"'})
