"""Build and publish the factor database; list, compare, search and import into it.

The use cases behind `carbonlabel db ...`, `carbonlabel factors ...` and `carbonlabel db import ...`
(and the admin routes that name a snapshot). Each takes snapshot references as text (NAME, NAME@HEX
or the full hash) and raises the domain's own errors (lcidb.errors.LcidbError, FootprintError),
whose messages already name the file, line and value.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lcidb.snapshot import Snapshot


def set_progress_quiet(quiet: bool) -> None:
    """Progress bars show on a terminal only; quiet hides them there too (process-wide)."""
    from lcidb.progress import set_quiet

    set_quiet(quiet)


def load(ref: str = "default") -> Snapshot:
    """A published snapshot: NAME (the latest), NAME@HEX (>= 8 hex digits) or the full hash."""
    from lcidb.snapshot import load_snapshot

    return load_snapshot(ref)


def first_available(*refs: str | None) -> Snapshot | None:
    """The first of `refs` that is published here (None when none is)."""
    from lcidb.snapshot import first_available as first

    return first(*refs)


def build(sources: list[Path], name: str | None, with_default: bool) -> Any:
    """Validate template folders and publish an immutable snapshot (lcidb.build.BuildOutcome)."""
    from lcidb.build import build_snapshot

    return build_snapshot(sources=sources, name=name, with_default=with_default)


def export_brightway(ref: str) -> Any:
    """Write a snapshot as a Brightway (bw2data) database (lcidb.brightway.BrightwayExport)."""
    from lcidb.brightway import export_snapshot

    return export_snapshot(load(ref))


def published() -> list[dict[str, Any]]:
    """Published snapshots: name, full hash, created, counts, latest."""
    from lcidb.snapshot import list_published

    return list_published()


def diff(old: str, new: str, method: str) -> Any:
    """Activities changed, added and removed between two snapshots (lcidb.diff.SnapshotDiff)."""
    from lcidb.diff import diff_snapshots

    return diff_snapshots(load(old), load(new), method)


def search_factors(ref: str, text: str, geography: str | None, category: str | None) -> list[dict[str, Any]]:
    from lcidb.search import search

    return search(load(ref), text, geography, category)


def show_factor(ref: str, activity_id: str) -> dict[str, Any]:
    """Provenance and the cradle-to-gate kg CO2e per unit, per gas, of one activity."""
    from lcidb.search import show

    return show(load(ref), activity_id)


def certificate_impact(old: str, new: str, threshold: float, include_retired: bool) -> tuple[Snapshot, Snapshot, list[Any]]:
    """Issued certificates of the service database whose footprints move by more than `threshold`
    from snapshot `old` to `new` (each stored BOM recomputed on both)."""
    from api.storage.db import make_engine, make_session_factory
    from api.usecases.factor_impact import certificate_moves
    from api.settings import load_settings

    old_snapshot, new_snapshot = load(old), load(new)
    engine = make_engine(load_settings(embedded=True).database_url, read_only=True)
    try:
        with make_session_factory(engine)() as session:
            moves = certificate_moves(session, old_snapshot, new_snapshot, threshold, include_retired)
    finally:
        engine.dispose()
    return old_snapshot, new_snapshot, moves


def moves_as_dicts(moves: list[Any]) -> list[dict[str, Any]]:
    from footprint.impact import moves_as_dicts as as_dicts

    return as_dicts(moves)


def import_desnz(file: Path, out: Path) -> Any:
    """UK DESNZ flat file -> template folder, with a report of every row not imported."""
    from lcidb.importers.desnz import import_desnz as run

    return run(file, out)


def import_bw(fmt: str, path: Path, out: Path, *, year: int | None, licence: str | None) -> Any:
    """A Brightway-readable inventory (via bw2io) -> template folder; unmapped flows are reported."""
    from lcidb.importers.bw import import_bw as run

    return run(fmt, path, out, year=year, licence=licence)
