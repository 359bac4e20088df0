"""Compute footprints: one BOM file, or many in a batch (the use cases behind `carbonlabel footprint`
and `carbonlabel footprint-batch`; the service's own compute goes through the Domain adapter).

Errors are the domain's: FootprintError (UnlinkedLines carries the linking report), LcidbError for
an unknown snapshot, SchedulerError when a Dask scheduler cannot be started or reached.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from api.usecases import catalogue
from footprint.scale import SchedulerError

if TYPE_CHECKING:  # the pydantic models load with the commands that use them, not with footprint-batch
    from footprint.bom import BOM
    from footprint.result import FootprintResult

__all__ = ["SchedulerError", "compute_file", "linking_report_json", "read_bom", "run_batch", "write_linking_report"]


def read_bom(file: Path, product: Path | None = None) -> BOM:
    """A BOM from .json, .xlsx or .csv (with the product JSON); errors name the line and field."""
    from footprint.bom_io import read_bom as read

    return read(file, product)


def compute_file(file: Path, product: Path | None, snapshot: str, **options: Any) -> FootprintResult:
    """The footprint of the BOM in `file` on the snapshot `snapshot` (NAME, NAME@HEX or hash);
    `options` are footprint.engine.compute's (method, electricity, scenario, monte_carlo, seed, ...)."""
    from footprint.engine import compute

    return compute(read_bom(file, product), catalogue.load(snapshot), **options)


def write_linking_report(report: Any, path: Path) -> None:
    """The lines that did not link, with candidate factors, as .json, .csv or .xlsx."""
    from footprint.linking import write_linking_report as write

    write(report, path)


def linking_report_json(report: Any) -> str:
    from footprint.linking import report_json

    return report_json(report)


def run_batch(boms: Path, out: Path, snapshot: str, method: str, hotspots: bool, **options: Any) -> Any:
    """Footprints of a JSONL file of BOMs into `out` (footprint.batch.BatchOutcome)."""
    from footprint.batch import run_batch as run

    return run(boms, out, catalogue.load(snapshot), method, hotspots, **options)
