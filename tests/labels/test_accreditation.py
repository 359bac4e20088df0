"""The dated IAF MLA list (data/accreditation/iaf_mla_vv.csv): loading, dates, and what recognition makes of it."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from labels.accreditation import load_accreditation_list, mla_signatory
from labels.errors import RuleSetInvalid

HEADER = "body,name,economy,mla_scope,signatory_since,basis,source\n"


def test_the_shipped_list_is_sourced_and_dated() -> None:
    bodies = load_accreditation_list()
    assert {"CNAS", "HKAS"} <= set(bodies)
    for entry in bodies.values():
        assert entry.source and entry.basis in ("V", "I")
    assert bodies["CNAS"].signatory_since == date(2024, 6, 30) and bodies["CNAS"].basis == "V"


def test_a_body_counts_from_the_day_it_signed() -> None:
    assert mla_signatory("CNAS", date(2024, 6, 29))[0] is False
    ok, citation = mla_signatory("CNAS", date(2024, 6, 30))
    assert ok and "since 2024-06-30 [V]" in citation


def test_a_body_not_on_the_list_is_unproven_not_refused() -> None:
    ok, why = mla_signatory("UKAS", date(2026, 6, 1))
    assert not ok and why.startswith("unproven:") and "UKAS" in why


@pytest.mark.parametrize(("row", "message"), [
    ("X,Name,XX,GHG V/V,2024-13-01,V,src\n", "line 2: column 'signatory_since' is '2024-13-01'"),
    ("X,Name,XX,GHG V/V,,Q,src\n", "line 2: column 'basis' is 'Q'"),
    ("X,Name,XX,GHG V/V,,V,\n", "line 2: column 'source' is empty"),
    ("X,Name,XX,GHG V/V,,V,src\nX,Name,XX,GHG V/V,,V,src\n", "line 3: body 'X' listed twice"),
])
def test_a_malformed_row_names_file_line_column_and_value(tmp_path: Path, row: str, message: str) -> None:
    path = tmp_path / "list.csv"
    path.write_text(HEADER + row, encoding="utf-8")
    with pytest.raises(RuleSetInvalid, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_accreditation_list(path)
