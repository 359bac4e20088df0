"""Evidence files of label applications over the API, on SQLite and PostgreSQL: the size limit, the
type read from the bytes (a PNG or a program named .pdf is refused), another organisation's 404,
the sha256 recorded equal to the bytes' hash, hostile file names, atomic writes."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from api.storage.models import EvidenceFile, HistoryEntry
from api.usecases import evidence_files, history
from api.usecases.storage import FolderStore
from api.settings import EVIDENCE_MAX_BYTES
from tests.api.helpers import apply, compute, create_product, step, upload_bom


def pdf_bytes(padding: int = 0) -> bytes:
    return b"%PDF-1.4\n1 0 obj<<>>endobj\n" + b"%" * padding + b"\n%%EOF\n"


def png_bytes() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (4, 3), (31, 111, 74)).save(out, format="PNG")
    return out.getvalue()


def jpeg_bytes() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (4, 3), (200, 10, 10)).save(out, format="JPEG")
    return out.getvalue()


def xlsx_bytes() -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["meter", "kWh"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# the first bytes of a Windows program (DOS stub), and a ZIP that is not a workbook
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64 + b"This program cannot be run in DOS mode"


def plain_zip() -> bytes:
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("readme.txt", "not a workbook")
    return out.getvalue()


def draft(client: Any, exporter: dict[str, str]) -> dict[str, Any]:
    product = create_product(client, exporter)
    bom = upload_bom(client, exporter, product["id"])
    footprint = compute(client, exporter, product["id"], bom["id"])
    return apply(client, exporter, product["id"], footprint["id"])


def post_file(client: Any, headers: dict[str, str], application_id: str, name: str, raw: bytes,
              content_type: str = "application/pdf") -> Any:
    return client.post(f"/v1/applications/{application_id}/evidence-files", files={"file": (name, raw, content_type)},
                       headers=headers)


def store_of(app: Any) -> FolderStore:
    return FolderStore(app.state.service.settings.evidence_folder)


def stored_blobs(app: Any) -> list[Path]:
    root = app.state.service.settings.evidence_folder
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def test_each_allowed_type_is_stored_with_the_hash_of_its_bytes(client, actors, app) -> None:  # type: ignore[no-untyped-def]
    exporter = actors.add("exporter", "exporter", "Foshan Fastener Co")
    application = draft(client, exporter)
    files = (("meter.pdf", pdf_bytes(), "pdf"), ("bills.xlsx", xlsx_bytes(), "xlsx"),
             ("site.png", png_bytes(), "png"), ("plate.JPG", jpeg_bytes(), "jpeg"))
    for name, raw, kind in files:
        # the client's content type is ignored: every part is sent as octet-stream
        answer = post_file(client, exporter, application["id"], name, raw, "application/octet-stream")
        assert answer.status_code == 201, answer.text
        body = answer.json()
        assert body["kind"] == kind and body["size_bytes"] == len(raw)
        assert body["sha256"] == hashlib.sha256(raw).hexdigest()
        download = client.get(body["download"], headers=exporter)
        assert download.status_code == 200 and download.content == raw
        assert download.headers["content-type"].startswith(evidence_files.KINDS[kind].media_type)
        assert download.headers["content-disposition"].startswith("attachment;")
        assert download.headers["x-content-sha256"] == hashlib.sha256(raw).hexdigest()
        # the blob is stored under its hash, whatever the client called it
        assert store_of(app).get(body["sha256"]) == raw
    listed = client.get(f"/v1/applications/{application['id']}/evidence-files", headers=exporter).json()
    assert [f["original_name"] for f in listed] == ["meter.pdf", "bills.xlsx", "site.png", "plate.jpg"]
    with app.state.service.sessions() as session:
        rows = session.scalars(select(EvidenceFile)).all()
        assert {r.sha256 for r in rows} == {hashlib.sha256(raw).hexdigest() for _, raw, _ in files}
        actions = session.scalars(select(HistoryEntry.action).where(HistoryEntry.entity_id == application["id"])).all()
        assert actions.count("attach_evidence") == 4


@pytest.mark.parametrize("name, raw, code", [
    ("report.pdf", png_bytes(), "evidence.type_mismatch"),  # a PNG named .pdf
    ("invoice.pdf", EXE, "evidence.unsupported_type"),  # a program named .pdf
    ("setup.exe", EXE, "evidence.unsupported_type"),
    ("sheet.xlsx", plain_zip(), "evidence.unsupported_type"),  # a ZIP that is no workbook
    ("notes.pdf", b"%PD", "evidence.unsupported_type"),
    ("empty.pdf", b"", "evidence.empty"),
])
def test_the_type_is_read_from_the_bytes(client, actors, app, name: str, raw: bytes, code: str) -> None:  # type: ignore[no-untyped-def]
    exporter = actors.add("exporter", "exporter", "Foshan Fastener Co")
    application = draft(client, exporter)
    answer = post_file(client, exporter, application["id"], name, raw)
    assert answer.status_code == 422, answer.text
    assert answer.json()["code"] == code and name in answer.json()["detail"]
    assert client.get(f"/v1/applications/{application['id']}/evidence-files", headers=exporter).json() == []
    assert stored_blobs(app) == []


def test_size_limit_is_twenty_mebibytes(client, actors, app) -> None:  # type: ignore[no-untyped-def]
    assert EVIDENCE_MAX_BYTES == 20 * 1024 * 1024 == app.state.service.settings.evidence_max_bytes
    exporter = actors.add("exporter", "exporter", "Foshan Fastener Co")
    application = draft(client, exporter)
    at_limit = pdf_bytes(EVIDENCE_MAX_BYTES - len(pdf_bytes()))
    assert len(at_limit) == EVIDENCE_MAX_BYTES
    answer = post_file(client, exporter, application["id"], "scan.pdf", at_limit)
    assert answer.status_code == 201, answer.text[:300]
    assert answer.json()["sha256"] == hashlib.sha256(at_limit).hexdigest()
    too_big = at_limit + b"%"
    answer = post_file(client, exporter, application["id"], "scan2.pdf", too_big)
    assert answer.status_code == 413 and answer.json()["code"] == "evidence.too_large"
    assert len(stored_blobs(app)) == 1
    # far above the limit the body is refused before any route reads it
    answer = post_file(client, exporter, application["id"], "huge.pdf", too_big + b"%" * (1024 * 1024))
    assert answer.status_code == 413
    # the BOM upload keeps its own (smaller) limit
    product = create_product(client, exporter, "Other")
    files = {"file": ("bom.json", b" " * (app.state.service.settings.max_upload_bytes + 128 * 1024), "application/json")}
    assert client.post(f"/v1/products/{product['id']}/boms", files=files, headers=exporter).status_code == 413


@pytest.mark.parametrize("hostile, kept", [
    ("../../../../etc/passwd.pdf", "passwd.pdf"),
    ("..\\..\\windows\\win.ini.pdf", "win.ini.pdf"),
    ("a" * 296 + ".pdf", "a" * 116 + ".pdf"),  # a 300-byte name: kept at 120 characters
    ("年度电力账单" * 20 + ".pdf", "年度电力账单" * 19 + "年度.pdf"),
    # httpx sends a quote in a part's file name as %22; the ';' that could end the header goes
    ('x"; filename="evil.html.pdf', "x%22_ filename=%22evil.html.pdf"),
    ("<script>alert(1)</script>.pdf", "script_.pdf"),  # the last path part only, '>' replaced
    ("invoice\u202egnp.pdf", "invoicegnp.pdf"),  # a right-to-left override would show "fdp.png"
    ("...", "evidence.pdf"),
    ("meter", "meter.pdf"),
])
def test_hostile_file_names_are_kept_as_harmless_metadata(client, actors, app, hostile: str, kept: str) -> None:  # type: ignore[no-untyped-def]
    exporter = actors.add("exporter", "exporter", "Foshan Fastener Co")
    application = draft(client, exporter)
    raw = pdf_bytes(len(hostile))  # distinct bytes per case
    answer = post_file(client, exporter, application["id"], hostile, raw)
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert body["original_name"] == kept and len(body["original_name"]) <= evidence_files.NAME_LIMIT
    # stored under its hash inside the store's folder, nowhere else
    root = app.state.service.settings.evidence_folder
    assert stored_blobs(app) == [root / body["sha256"][:2] / body["sha256"][2:4] / body["sha256"]]
    download = client.get(body["download"], headers=exporter)
    disposition = download.headers["content-disposition"]
    assert download.content == raw and "\n" not in disposition and disposition.count('"') == 2


def test_another_organisation_gets_404_and_certifiers_read(client, actors) -> None:  # type: ignore[no-untyped-def]
    exporter = actors.add("exporter", "exporter", "Foshan Fastener Co")
    other = actors.add("other", "exporter", "Shenzhen Other Co")
    certifier = actors.add("certifier", "certifier", "GD Cert Body")
    application = draft(client, exporter)
    body = post_file(client, exporter, application["id"], "meter.pdf", pdf_bytes()).json()
    base = f"/v1/applications/{application['id']}/evidence-files"
    assert client.get(base, headers=other).status_code == 404
    assert client.get(body["download"], headers=other).status_code == 404
    assert post_file(client, other, application["id"], "x.pdf", pdf_bytes(3)).status_code == 404
    # an id of another application does not reach the file either
    mine = draft(client, other)
    assert client.get(f"/v1/applications/{mine['id']}/evidence-files/{body['id']}", headers=other).status_code == 404
    # certifiers review every organisation's applications; they read, never attach
    assert client.get(base, headers=certifier).json()[0]["sha256"] == body["sha256"]
    assert client.get(body["download"], headers=certifier).content == pdf_bytes()
    assert post_file(client, certifier, application["id"], "c.pdf", pdf_bytes(5)).status_code == 403


def test_evidence_is_added_to_a_draft_or_an_answer_only(client, actors) -> None:  # type: ignore[no-untyped-def]
    exporter = actors.add("exporter", "exporter", "Foshan Fastener Co")
    certifier = actors.add("certifier", "certifier", "GD Cert Body")
    application = draft(client, exporter)
    assert step(client, exporter, application["id"], "submit").status_code == 200
    refused = post_file(client, exporter, application["id"], "late.pdf", pdf_bytes())
    assert refused.status_code == 409 and refused.json()["code"] == "evidence.not_attachable"
    assert step(client, certifier, application["id"], "start-review").status_code == 200
    assert step(client, certifier, application["id"], "request-information", "the meter readings").status_code == 200
    assert post_file(client, exporter, application["id"], "meter.pdf", pdf_bytes()).status_code == 201


def test_a_failed_write_leaves_no_row_and_no_file(client, actors, app, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    exporter = actors.add("exporter", "exporter", "Foshan Fastener Co")
    application = draft(client, exporter)

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("database went away")

    monkeypatch.setattr(history, "record", broken)
    with pytest.raises(RuntimeError, match="database went away"):
        post_file(client, exporter, application["id"], "meter.pdf", pdf_bytes())
    monkeypatch.undo()
    assert stored_blobs(app) == []
    with app.state.service.sessions() as session:
        assert session.scalar(select(func.count()).select_from(EvidenceFile)) == 0
    # the same bytes again: stored once; a failure then does not remove what a committed row uses
    assert post_file(client, exporter, application["id"], "meter.pdf", pdf_bytes()).status_code == 201
    monkeypatch.setattr(history, "record", broken)
    with pytest.raises(RuntimeError):
        post_file(client, exporter, application["id"], "again.pdf", pdf_bytes())
    monkeypatch.undo()
    assert len(stored_blobs(app)) == 1


def test_the_folder_store_writes_whole_files_only(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import os

    store = FolderStore(tmp_path / "store")

    def no_rename(*args: Any) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", no_rename)
    with pytest.raises(OSError, match="disk full"):
        store.put(b"%PDF-1.7 whole")
    monkeypatch.undo()
    assert [p for p in (tmp_path / "store").rglob("*") if p.is_file()] == []
    stored = store.put(b"%PDF-1.7 whole")
    assert stored.created and store.get(stored.sha256) == b"%PDF-1.7 whole"
    assert not store.put(b"%PDF-1.7 whole").created
    store.delete(stored.sha256)
    assert not store.exists(stored.sha256)
    with pytest.raises(Exception, match="no stored file"):
        store.get("../../etc/passwd")
