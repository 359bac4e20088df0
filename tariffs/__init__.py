"""Carbon-tariff exposure: EU CBAM (definitive period) and UK CBAM, with dated parameters as data.

Entry points: `exposure_report(lines, importer, prior_mass_t, projection) -> ExposureReport` and
`read_lines_csv(path_or_text) -> list[ImportLine]`. Pure: no HTTP, no service database.
"""

from __future__ import annotations

from tariffs.lines import parse_lines, read_lines, read_lines_csv, read_lines_xlsx
from tariffs.models import ExposureReport, ImportLine, LineResult
from tariffs import obligations as _obligations  # noqa: F401  (completes ExposureReport.obligations)
from tariffs.params import params
from tariffs.report import exposure_report

__all__ = [
    "ExposureReport",
    "ImportLine",
    "LineResult",
    "exposure_report",
    "params",
    "parse_lines",
    "read_lines",
    "read_lines_csv",
    "read_lines_xlsx",
]
