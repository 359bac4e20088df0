"""Collects activities and exchanges and writes them as a template folder in one go (no
half-written folder: the CSVs are written to temporary names and renamed at the end)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from lcidb.template import ACTIVITY_OPTIONAL, ACTIVITY_REQUIRED, EXCHANGE_COLUMNS

ACTIVITY_COLUMNS = ACTIVITY_REQUIRED + ACTIVITY_OPTIONAL


def number_text(value: float) -> str:
    """Shortest text that reads back as the same float (repr), so no precision is lost."""
    return repr(float(value))


class TemplateWriter:
    def __init__(self) -> None:
        self.activities: list[dict[str, str]] = []
        self.exchanges: list[dict[str, str]] = []
        self._ids: set[str] = set()

    def has(self, activity_id: str) -> bool:
        return activity_id in self._ids

    def add_activity(self, **fields: object) -> None:
        activity_id = str(fields["activity_id"])
        if activity_id in self._ids:
            raise ValueError(f"duplicate activity id {activity_id!r}")
        unknown = set(fields) - set(ACTIVITY_COLUMNS)
        if unknown:
            raise ValueError(f"unknown activity field(s) {sorted(unknown)}")
        self._ids.add(activity_id)
        self.activities.append({c: "" if fields.get(c) is None else str(fields.get(c, "")) for c in ACTIVITY_COLUMNS})

    def add_exchange(
        self, activity_id: str, input: str, amount: float, unit: str, kind: str,
        uncertainty_sigma: float | None = None, gwp_basis: str = "", credit_type: str = "",
    ) -> None:
        self.exchanges.append({
            "activity_id": activity_id, "input": input, "amount": number_text(amount), "unit": unit,
            "kind": kind, "uncertainty_sigma": "" if uncertainty_sigma is None else number_text(uncertainty_sigma),
            "gwp_basis": gwp_basis, "credit_type": credit_type,
        })

    def write(self, out_dir: Path) -> None:
        out_dir = Path(out_dir)
        out_dir.mkdir(parents=True, exist_ok=True)
        staged = []
        for name, columns, rows in (
            ("activities.csv", ACTIVITY_COLUMNS, self.activities),
            ("exchanges.csv", EXCHANGE_COLUMNS, self.exchanges),
        ):
            buffer = io.StringIO()
            writer = csv.DictWriter(buffer, fieldnames=list(columns), lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
            tmp = out_dir / f".{name}.tmp"
            tmp.write_text(buffer.getvalue(), encoding="utf-8")
            staged.append((tmp, out_dir / name))
        for tmp, final in staged:
            tmp.replace(final)
