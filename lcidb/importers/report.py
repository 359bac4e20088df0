"""The outcome of one import: how many activities were written, and every row left out with why."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class ImportReport:
    source: str
    out_dir: Path
    imported: int = 0  # activities written to the template folder
    exchanges: int = 0
    skipped: list[tuple[int, str]] = field(default_factory=list)  # (source row number, reason)

    def skip(self, row: int, reason: str) -> None:
        self.skipped.append((row, reason))

    def report_lines(self) -> list[str]:
        lines = [
            f"source: {self.source}",
            f"written: {self.out_dir} ({self.imported} activities, {self.exchanges} exchanges)",
            f"not imported: {len(self.skipped)} row(s)",
        ]
        lines.extend(f"  row {row}: {reason}" for row, reason in self.skipped)
        return lines
