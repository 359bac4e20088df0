"""CSV form of an exposure report: one row per line, the JSON line fields as columns."""

from __future__ import annotations

import csv
import io

from tariffs.models import ExposureReport, LineResult

SKIPPED = {"derivation", "notes", "flags"}
COLUMNS = [name for name in LineResult.model_fields if name not in SKIPPED] + ["flags", "notes"]


def report_csv(report: ExposureReport) -> str:
    """Lines in input order; missing values are empty cells (never 0); flags/notes joined by '; '."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    for line in report.lines:
        data = line.model_dump(mode="json")
        row = []
        for name in COLUMNS:
            value = data[name]
            if name in ("flags", "notes"):
                row.append("; ".join(value))
            elif value is None:
                row.append("")
            else:
                row.append(str(getattr(line, name)))  # Decimal text, not the float of the JSON form
        writer.writerow(row)
    return buffer.getvalue()
