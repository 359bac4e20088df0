"""Evidence files of a label application: POST (exporter, multipart `file`), list and download
(the exporter's organisation, certifiers, administrators). Another organisation's application
or file answers 404. Types are checked by content (api/usecases/evidence_files.py)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, UploadFile
from fastapi.responses import Response

from api.http.deps import CurrentUser, SessionDep, StateDep
from api.http.schemas import EvidenceFilePublic, error_responses
from api.usecases import evidence_files as service

router = APIRouter(prefix="/v1/applications", tags=["applications"], responses=error_responses(401, 403, 404, 422))


def public(row: service.EvidenceRecord) -> EvidenceFilePublic:
    return EvidenceFilePublic(
        id=row.id, application_id=row.application_id, original_name=row.original_name, kind=row.kind,
        media_type=row.media_type, size_bytes=row.size_bytes, sha256=row.sha256, created_at=row.created_at,
        download=f"/v1/applications/{row.application_id}/evidence-files/{row.id}",
    )


@router.post(
    "/{application_id}/evidence-files", response_model=EvidenceFilePublic, status_code=201,
    responses={409: {"description": "The application is not a draft nor waiting for information"},
               413: {"description": "Larger than the evidence size limit"}},
)
def upload_evidence_file(
    application_id: str, file: Annotated[UploadFile, File()], user: CurrentUser, session: SessionDep,
    state: StateDep,
) -> EvidenceFilePublic:
    """Exporter: attach a PDF, XLSX, PNG or JPEG file (type read from the bytes; size limit in
    settings) to a draft application or one waiting for information."""
    limit = state.settings.evidence_max_bytes
    raw = file.file.read(limit + 1)
    row = service.attach(session, service.evidence_store(state.settings), actor=user, application_id=application_id,
                         client_name=file.filename, raw=raw, limit=limit)
    return public(row)


@router.get("/{application_id}/evidence-files", response_model=list[EvidenceFilePublic])
def list_evidence_files(application_id: str, user: CurrentUser, session: SessionDep) -> list[EvidenceFilePublic]:
    return [public(row) for row in service.files_of(session, user=user, application_id=application_id)]


@router.get(
    "/{application_id}/evidence-files/{file_id}", response_class=Response,
    responses={200: {"content": {kind.media_type: {} for kind in service.KINDS.values()},
                     "description": "The file as uploaded (always an attachment)"}},
)
def download_evidence_file(
    application_id: str, file_id: str, user: CurrentUser, session: SessionDep, state: StateDep
) -> Response:
    row = service.file_of(session, user=user, application_id=application_id, file_id=file_id)
    raw = service.content_of(service.evidence_store(state.settings), row)
    return Response(raw, media_type=row.media_type, headers=service.download_headers(row))
