"""A trade office's CBAM lines file (CSV or XLSX, docs/cbam.md columns) -> the portfolio report,
inline (the page's results, CSV and XLSX) or as a job (the PDF, like the API's large portfolios)."""

from __future__ import annotations

import base64
import binascii
import re
from decimal import Decimal
from typing import Any

from pathlib import Path

from sqlalchemy.orm import Session

from api import guards
from api.errors import InvalidInput
from api.storage.models import Job, User
from api.usecases import jobs
from api.usecases.domain import Domain
from api.usecases.uploads import saved_upload

LINE_FORMATS = (".csv", ".xlsx")
# tariffs.report's note on the copies of a line it repeated into other years
PROJECTION_NOTE = re.compile(r"^projection: volume of the line dated (\d{4})-\d{2}-\d{2}")


def portfolio_of_upload(
    domain: Domain, *, filename: str, raw: bytes, limit: int, projection: bool = True, obligations: bool = False,
    certificate_price_eur: Decimal | None = None,
) -> Any:
    """tariffs.portfolio.Portfolio of the uploaded lines (`certificate_price_eur`: a price scenario for
    every EU line); InvalidInput names the file, line and field. The one upload step of the HTTP route
    and the trade office's page."""
    filename = guards.check_filename(Path(filename or "upload").name)  # length, NUL, bidi: 422
    with saved_upload(filename, raw, allowed=LINE_FORMATS, limit=limit, what="CBAM lines") as path:
        return domain.cbam_portfolio(path, projection=projection, obligations=obligations,
                                     certificate_price_eur=certificate_price_eur)


def encode_upload(raw: bytes) -> str:
    """The file as text for a form field or a job's JSON parameters."""
    return base64.b64encode(raw).decode("ascii")


def decode_upload(text: str, filename: str) -> bytes:
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        raise InvalidInput(f"{filename}: the file sent back by the page is damaged; upload it again") from None


def portfolio_of_job(domain: Domain, params: dict[str, Any]) -> Any:
    """A `cbam_portfolio` job's portfolio: its JSON lines (API) or its uploaded file (web page)."""
    price = params.get("certificate_price_eur")
    options: dict[str, Any] = {"projection": bool(params.get("projection")), "obligations": bool(params.get("obligations")),
               "certificate_price_eur": Decimal(price) if price is not None else None}
    if "file" not in params:
        return domain.cbam_portfolio(params["lines"], **options)
    raw = decode_upload(params["file"], params["filename"])
    return portfolio_of_upload(domain, filename=params["filename"], raw=raw, limit=len(raw), **options)


def submit_portfolio_document(
    session: Session, *, user: User, filename: str, raw: bytes, limit: int, document: str,
    certificate_price_eur: Decimal | None,
) -> Job:
    """Queue the portfolio document (`pdf`) of an uploaded file as a job, never rendered in a request
    (the caller commits); the file's format and size are checked now, its lines by the job."""
    with saved_upload(filename, raw, allowed=LINE_FORMATS, limit=limit, what="CBAM lines"):
        pass
    params = {"file": encode_upload(raw), "filename": filename, "format": document, "projection": True,
              "certificate_price_eur": str(certificate_price_eur) if certificate_price_eur is not None else None}
    return jobs.submit(session, user=user, kind="cbam_portfolio", params=params, size=raw.count(b"\n") or 1)


def own_year_lines(portfolio: Any) -> list[Any]:
    """Each line of the file in its own import year: the projection repeats a line into the other
    years and notes, on those copies, the date of the line it repeated."""
    own_year: dict[int, int] = {}
    for line in portfolio.exposure.lines:
        for note in line.notes:
            found = PROJECTION_NOTE.search(note)
            if found:
                own_year[line.line_no] = int(found.group(1))
    return [line for line in portfolio.exposure.lines if own_year.get(line.line_no, line.year) == line.year]


def portfolio_csv(portfolio: Any) -> str:
    """Every line of the report (each projected year) as CSV, the API's and CLI's columns."""
    from tariffs.export import report_csv

    return report_csv(portfolio.exposure)
