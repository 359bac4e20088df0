"""A trade office's CBAM lines file (CSV or XLSX, docs/cbam.md columns) -> the portfolio report."""

from __future__ import annotations

from typing import Any

from pathlib import Path

from api import guards
from api.services.domain import Domain
from api.services.uploads import saved_upload

LINE_FORMATS = (".csv", ".xlsx")


def portfolio_of_upload(
    domain: Domain, *, filename: str, raw: bytes, limit: int, projection: bool = True, obligations: bool = False
) -> Any:
    """tariffs.portfolio.Portfolio of the uploaded lines; InvalidInput names the file, line and field.
    The one upload step of the HTTP route and the trade office's page."""
    filename = guards.check_filename(Path(filename or "upload").name)  # length, NUL, bidi: 422
    with saved_upload(filename, raw, allowed=LINE_FORMATS, limit=limit, what="CBAM lines") as path:
        return domain.cbam_portfolio(path, projection=projection, obligations=obligations)
