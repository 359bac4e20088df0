"""A declared unit as a reader of each language reads it ("1件", "1 piece"), from the dated unit
names of data/labels/unit_names.yaml: the names the certificate was issued with."""

from __future__ import annotations

from datetime import date, datetime

from labels.unit_names import unit_name


def unit_names_on(unit: str, on: date | datetime | str) -> dict[str, str]:
    """The unit's name in zh-Hans, zh-Hant and en on `on` (a date, datetime or ISO text: the
    certificate's issue); a unit the data does not list is written as given."""
    if isinstance(on, str):
        on = datetime.fromisoformat(on)
    if isinstance(on, datetime):
        on = on.date()
    return unit_name(unit, on)
