"""Accreditation bodies that signed the IAF MLA for GHG validation/verification: a dated, sourced list.

`data/accreditation/iaf_mla_vv.csv` (see its README). Recognition (labels.md P5 condition 1) accepts a
verifier accredited by a body on the list, on or after the day the body signed; a body not on the list is
"unproven", a gap to close, not a refusal.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

from labels.errors import RuleSetInvalid

COLUMNS = ("body", "name", "economy", "mla_scope", "signatory_since", "basis", "source")


@dataclass(frozen=True)
class AccreditationBody:
    body: str
    name: str
    economy: str
    mla_scope: str
    signatory_since: date | None  # None: the signing date was not retrieved
    basis: str  # V verified, I inference
    source: str

    def cite(self) -> str:
        since = self.signatory_since.isoformat() if self.signatory_since else "date not retrieved"
        return f"{self.body}: IAF MLA {self.mla_scope} since {since} [{self.basis}] ({self.source})"


def accreditation_list_path() -> Path:
    from lcidb.home import shipped_data_dir

    return shipped_data_dir() / "accreditation" / "iaf_mla_vv.csv"


@lru_cache(maxsize=4)
def load_accreditation_list(path: Path | None = None) -> dict[str, AccreditationBody]:
    """The list, keyed by the body's abbreviation; a malformed row names the file, line, column and value."""
    path = path or accreditation_list_path()
    bodies: dict[str, AccreditationBody] = {}
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        if tuple(reader.fieldnames or ()) != COLUMNS:
            raise RuleSetInvalid(f"{path}: header must be {','.join(COLUMNS)}, got {reader.fieldnames}")
        for row in reader:
            line = reader.line_num
            for column in ("body", "name", "mla_scope", "source"):
                if not (row[column] or "").strip():
                    raise RuleSetInvalid(f"{path}: line {line}: column {column!r} is empty")
            if row["basis"] not in ("V", "I"):
                raise RuleSetInvalid(f"{path}: line {line}: column 'basis' is {row['basis']!r}, not V or I")
            raw = (row["signatory_since"] or "").strip()
            try:
                since = date.fromisoformat(raw) if raw else None
            except ValueError:
                raise RuleSetInvalid(f"{path}: line {line}: column 'signatory_since' is {raw!r}, not YYYY-MM-DD") from None
            if row["body"] in bodies:
                raise RuleSetInvalid(f"{path}: line {line}: body {row['body']!r} listed twice")
            bodies[row["body"]] = AccreditationBody(row["body"], row["name"], row["economy"], row["mla_scope"], since,
                                                    row["basis"], row["source"])
    return bodies


def mla_signatory(body: str, on: date, path: Path | None = None) -> tuple[bool, str]:
    """(True, citation) when `body` signed the IAF MLA for GHG V/V on or before `on`; else (False, why unproven)."""
    listed = load_accreditation_list(path)
    entry = listed.get(body)
    if entry is None:
        return False, (f"unproven: accreditation body {body!r} is not on the IAF MLA list for GHG validation/verification "
                       f"({accreditation_list_path().name}: {', '.join(sorted(listed))}); show its IAF MLA signatory "
                       "status for ISO 14065 / ISO/IEC 17029")
    if entry.signatory_since is not None and entry.signatory_since > on:
        return False, (f"unproven: {body} signed the IAF MLA for GHG validation/verification on "
                       f"{entry.signatory_since}, after {on}")
    return True, entry.cite()
