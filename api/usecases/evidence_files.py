"""Evidence files of label applications: attach (exporter), list and read (exporter of the
organisation, certifiers, administrators), through one blob store (api/usecases/storage.py).

The type is decided by the content (magic bytes; an XLSX is also opened as a workbook package),
never by the client's content type; a name whose extension names another type is refused, so a
PNG called `report.pdf` or a program called `invoice.pdf` never gets in. The client's name is kept,
sanitised, as metadata only. Attaching is atomic: the blob is written completely (or not at all),
the row and its history entry are committed together, and a failed commit removes a blob it
created that no other row uses.
"""

from __future__ import annotations

import hashlib
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import PurePosixPath
from urllib.parse import quote

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.errors import Conflict, InvalidInput, NotFound, PayloadTooLarge
from api.storage.models import Application, EvidenceFile, User
from api.usecases import history
from api.usecases.access import get_visible, require_role
from api.usecases.storage import BlobStore, FolderStore
from api.settings import Settings


@dataclass(frozen=True)
class Kind:
    name: str  # what the person reads: PDF, XLSX, PNG, JPEG
    media_type: str
    suffixes: tuple[str, ...]  # the first one is added to a name without a fitting one


KINDS: dict[str, Kind] = {
    "pdf": Kind("PDF", "application/pdf", (".pdf",)),
    "xlsx": Kind("XLSX", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (".xlsx",)),
    "png": Kind("PNG", "image/png", (".png",)),
    "jpeg": Kind("JPEG", "image/jpeg", (".jpg", ".jpeg")),
}
# an exporter adds evidence while preparing the application or answering a request for information
ATTACHABLE_STATES = ("draft", "information_requested")
EvidenceRecord = EvidenceFile  # what the doors receive (they do not import the ORM models)
NAME_LIMIT = 120  # characters of the kept (sanitised) original name
# characters never kept in a name: path separators, Windows-reserved ones, quotes (header safety)
UNSAFE_NAME = re.compile(r'[\\/:*?"<>|;\x00-\x1f\x7f]')


def evidence_store(settings: Settings) -> BlobStore:
    """The deployment's evidence store (a folder; a shared mount when workers run on several machines)."""
    return FolderStore(settings.evidence_folder)


def sniff(raw: bytes) -> str | None:
    """The kind of file the bytes are (pdf, xlsx, png, jpeg), else None."""
    if raw.startswith(b"%PDF-"):
        return "pdf"
    if raw.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if raw.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if raw.startswith(b"PK\x03\x04"):
        try:
            names = set(zipfile.ZipFile(io.BytesIO(raw)).namelist())
        except (zipfile.BadZipFile, ValueError):
            return None
        # an Office Open XML workbook: the package's content types and its workbook part
        if "[Content_Types].xml" in names and "xl/workbook.xml" in names:
            return "xlsx"
    return None


def safe_name(client_name: str | None, kind: str) -> str:
    """The client's file name as harmless metadata: its last path part only, normalised (NFC),
    without control, separator or quote characters, at most NAME_LIMIT characters, ending with
    the kind's suffix, without invisible (bidi, format) characters. Never used as a path."""
    name = unicodedata.normalize("NFC", client_name or "")
    name = PurePosixPath(name.replace("\\", "/")).name
    name = UNSAFE_NAME.sub("_", name)
    # no invisible characters: bidi overrides (U+202E turns "gnp.pdf" into "fdp.png" on screen),
    # format, private-use, unassigned or surrogate code points
    name = "".join(c for c in name if unicodedata.category(c) not in ("Cc", "Cf", "Co", "Cn", "Cs")).strip(" .")
    suffixes = KINDS[kind].suffixes
    stem, dot, suffix = name.rpartition(".")
    if not dot or f".{suffix.lower()}" not in suffixes:
        stem, suffix = name, suffixes[0].lstrip(".")
    stem = stem.strip(" .")[: NAME_LIMIT - len(suffix) - 1] or "evidence"
    return f"{stem}.{suffix.lower()}"


def check_content(client_name: str | None, raw: bytes, limit: int) -> str:
    """The kind of an upload; PayloadTooLarge above `limit`, InvalidInput for an empty file, a type
    outside the allow-list or a name whose extension says another type than the content."""
    shown = (client_name or "upload")[:NAME_LIMIT]
    if len(raw) > limit:
        raise PayloadTooLarge(f"{shown}: evidence file larger than {limit} bytes", code="evidence.too_large")
    if not raw:
        raise InvalidInput(f"{shown}: the file is empty", code="evidence.empty")
    kind = sniff(raw)
    allowed = ", ".join(k.name for k in KINDS.values())
    if kind is None:
        raise InvalidInput(f"{shown}: the content is not a {allowed} file (checked by its bytes)",
                           code="evidence.unsupported_type")
    claimed = PurePosixPath((client_name or "").replace("\\", "/")).suffix.lower()
    named = next((k for k, spec in KINDS.items() if claimed in spec.suffixes), None)
    if claimed and named is not None and named != kind:
        raise InvalidInput(f"{shown}: the name says {KINDS[named].name} but the content is {KINDS[kind].name}",
                           code="evidence.type_mismatch")
    return kind


def attach(
    session: Session, store: BlobStore, *, actor: User, application_id: str, client_name: str | None, raw: bytes,
    limit: int,
) -> EvidenceFile:
    """Check, store and commit one evidence file of the actor's application (exporter only).
    Commits on success; on any failure nothing stays: the transaction is rolled back and a blob
    this call wrote (and no committed row uses) is removed."""
    require_role(actor, "exporter")
    application = get_visible(session, Application, application_id, actor, "application")
    if application.status not in ATTACHABLE_STATES:
        raise Conflict(f"application {application.id} is {application.status}; evidence is added while it is "
                       f"{' or '.join(ATTACHABLE_STATES)}", code="evidence.not_attachable")
    kind = check_content(client_name, raw, limit)
    stored = store.put(raw)
    try:
        row = EvidenceFile(application_id=application.id, organisation_id=application.organisation_id,
                           sha256=stored.sha256, size_bytes=len(raw), kind=kind, media_type=KINDS[kind].media_type,
                           original_name=safe_name(client_name, kind), created_by=actor.id)
        session.add(row)
        session.flush()
        history.record(session, actor=actor, organisation_id=application.organisation_id, entity_type="application",
                       entity_id=application.id, action="attach_evidence",
                       detail={"file_id": row.id, "sha256": row.sha256, "size_bytes": row.size_bytes,
                               "kind": kind, "name": row.original_name})
        session.commit()
    except BaseException:
        session.rollback()
        if stored.created and not _referenced(session, stored.sha256):
            store.delete(stored.sha256)
        raise
    return row


def _referenced(session: Session, sha256: str) -> bool:
    return bool(session.scalar(select(func.count()).select_from(EvidenceFile).where(EvidenceFile.sha256 == sha256)))


def files_of(session: Session, *, user: User, application_id: str) -> list[EvidenceFile]:
    """The application's evidence files, oldest first (404 for an application the user may not see)."""
    require_role(user, "exporter", "certifier", "admin")
    application = get_visible(session, Application, application_id, user, "application")
    query = select(EvidenceFile).where(EvidenceFile.application_id == application.id)
    return list(session.scalars(query.order_by(EvidenceFile.created_at, EvidenceFile.id)))


def file_of(session: Session, *, user: User, application_id: str, file_id: str) -> EvidenceFile:
    require_role(user, "exporter", "certifier", "admin")
    application = get_visible(session, Application, application_id, user, "application")
    row = session.get(EvidenceFile, file_id)
    if row is None or row.application_id != application.id:
        raise NotFound(f"evidence file {file_id} not found")
    return row


def content_of(store: BlobStore, row: EvidenceFile) -> bytes:
    """The stored bytes, checked against the sha256 recorded at upload (a changed blob is an error)."""
    raw = store.get(row.sha256)
    if hashlib.sha256(raw).hexdigest() != row.sha256:
        raise Conflict(f"evidence file {row.id}: the stored bytes no longer match their sha256 {row.sha256}",
                       code="evidence.corrupt")
    return raw


def download_headers(row: EvidenceFile) -> dict[str, str]:
    """Always a download (never rendered by the browser as a page), named by the kept name."""
    ascii_name = row.original_name.encode("ascii", "replace").decode().replace("?", "_")
    return {
        "Content-Disposition": f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(row.original_name)}",
        "X-Content-SHA256": row.sha256,
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "private, no-store",
    }
