"""Errors of the lcidb package. Each message carries its locator (file, row, field, value, snapshot)."""

from __future__ import annotations


class CarbonlabelError(Exception):
    """The root of every error the project raises on purpose, in the lowest layer so every package can
    subclass it: lcidb, footprint, labels, tariffs and the service each have one root below it, and
    api/errors.py maps each kind to an HTTP status, a stable code and a CLI exit code in one table."""


class LcidbError(CarbonlabelError):
    """Base of every lcidb error."""


class TemplateError(LcidbError):
    """A row of a template folder is malformed; names the file, row, field and value."""

    def __init__(self, file: str, row: int | None, field: str | None, value: object, reason: str):
        self.file, self.row, self.field, self.value, self.reason = file, row, field, value, reason
        where = file + (f", row {row}" if row is not None else "")
        what = f", field {field!r}" if field else ""
        super().__init__(f"{where}{what}: {reason} (value: {value!r})")


class UnknownUnit(LcidbError):
    """A unit string that the project's unit registry does not know."""


class IncompatibleUnit(LcidbError):
    """Two units of different dimensions (e.g. kg and kWh)."""


class UnknownFlow(LcidbError):
    """A biosphere flow code that is not in the flow table."""


class SingularTechnosphere(LcidbError):
    """The technosphere matrix cannot be solved (a loop that produces nothing net)."""


class SnapshotNotFound(LcidbError):
    """No published snapshot matches the reference (NAME, NAME@HEX or full hash)."""


class AmbiguousSnapshot(LcidbError):
    """A hash prefix that matches more than one snapshot."""


class ActivityNotFound(LcidbError):
    """An activity id that is not in the snapshot."""


class ImportReportError(LcidbError):
    """An importer could not read its source at all (not a per-row problem)."""
