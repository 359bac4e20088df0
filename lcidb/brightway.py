"""The Brightway 2.5 side: the project under CARBONLABEL_HOME, the biosphere flows, the methods.

The engine never reads Brightway: it computes on published snapshots. Brightway is written only
when asked (`carbonlabel db export-brightway`), for Activity Browser users and as the test oracle
(plain bw2calc on the exported database), and read by the bw2io importers.

bw2data reads BRIGHTWAY2_DIR when it is imported, so this module sets it first and switches the
base directory when CARBONLABEL_HOME changes within one process (tests do that).
"""

from __future__ import annotations

import contextlib
import math
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from collections.abc import Iterator

from lcidb.flows import FLOW_UNIT, METHODS, flow_table
from lcidb.home import carbonlabel_home
from lcidb.template import Activity, Exchange

if TYPE_CHECKING:
    from lcidb.snapshot import Snapshot

PROJECT = "carbonlabel"
BIOSPHERE_DB = "biosphere3"  # the subset of biosphere3 flows the template uses, with their uuids
UNSPLIT_CODE = "carbonlabel-co2e-unsplit"
_current_dir: Path | None = None


def _brightway_dir() -> Path:
    path = carbonlabel_home() / "brightway"
    path.mkdir(parents=True, exist_ok=True)
    (path / "logs").mkdir(exist_ok=True)
    return path


@contextlib.contextmanager
def brightway_output_to_stderr() -> Iterator[None]:
    """bw2data prints its feedback (structlog) on stdout; our commands keep stdout for results."""
    with contextlib.redirect_stdout(sys.stderr):
        yield


def open_project() -> Any:
    """bw2data, with the carbonlabel project of the current CARBONLABEL_HOME selected."""
    global _current_dir
    target = _brightway_dir()
    os.environ["BRIGHTWAY2_DIR"] = str(target)
    with brightway_output_to_stderr():
        import bw2data as bd

        if _current_dir != target:
            bd.projects.change_base_directories(target, base_logs_dir=target / "logs", project_name=PROJECT)
            _current_dir = target
    return bd


@contextlib.contextmanager
def _bw2data_progress(desc: str) -> Iterator[None]:
    """bw2data draws its own tqdm bar on every Database.write, terminal or not; route it through
    lcidb.progress (a bar on a terminal, quiet otherwise) for this call only."""
    from bw2data.backends import base

    from lcidb.progress import progress

    original = base.tqdm_wrapper
    base.tqdm_wrapper = lambda iterable, is_test: progress(desc=desc, unit="activity", iterable=iterable)
    try:
        yield
    finally:
        base.tqdm_wrapper = original


def method_key(method: str) -> tuple[str, str, str]:
    return ("carbonlabel", "GWP100", method)


def flow_key(code: str) -> tuple[str, str]:
    flow = flow_table()[code]
    return (BIOSPHERE_DB, flow.biosphere3_uuid or UNSPLIT_CODE)


def write_biosphere_and_methods(bd: Any) -> None:
    data = {}
    for code, flow in flow_table().items():
        compartment = tuple(flow.compartment.split("/"))
        data[flow_key(code)] = {
            "name": flow.biosphere3_name or flow.name,
            "categories": compartment,
            "unit": "kilogram",
            "type": "natural resource" if compartment[0] == "natural resource" else "emission",
            "carbonlabel_code": code,
        }
    bd.Database(BIOSPHERE_DB).write(data, searchable=False)
    for method in METHODS:
        handle = bd.Method(method_key(method))
        handle.register(unit="kg CO2-eq", description=f"GWP100, IPCC {method}, written by carbonlabel")
        handle.write([(flow_key(code), flow.cf[method]) for code, flow in flow_table().items()])


def _uncertainty(amount: float, sigma: float | None) -> dict[str, Any]:
    if not sigma or amount == 0:
        return {"uncertainty type": 0}
    # stats_arrays lognormal: median = |amount| (loc = ln|amount|), scale = sigma
    return {"uncertainty type": 2, "loc": math.log(abs(amount)), "scale": sigma, "negative": amount < 0}


def write_database(
    bd: Any, database: str, activities: dict[str, Activity], exchanges: list[Exchange]
) -> None:
    by_owner: dict[str, list[Exchange]] = {}
    for exchange in exchanges:
        by_owner.setdefault(exchange.activity_id, []).append(exchange)
    data = {}
    for activity_id, activity in activities.items():
        rows: list[dict[str, Any]] = [
            {"input": (database, activity_id), "amount": 1.0, "type": "production", "unit": activity.unit}
        ]
        for exchange in by_owner.get(activity_id, []):
            if exchange.kind == "technosphere":
                rows.append({"input": (database, exchange.input), "amount": exchange.amount, "type": "technosphere",
                             **_uncertainty(exchange.amount, exchange.uncertainty_sigma)})
            else:
                rows.append({"input": flow_key(exchange.input), "amount": exchange.amount, "type": "biosphere",
                             "unit": FLOW_UNIT, **_uncertainty(exchange.amount, exchange.uncertainty_sigma)})
        data[(database, activity_id)] = {
            "name": activity.name, "unit": activity.unit, "location": activity.geography,
            "reference product": activity.name, "categories": (activity.category,), "exchanges": rows,
        }
    bd.Database(database).write(data, searchable=False)


@dataclass(frozen=True)
class BrightwayExport:
    directory: Path  # BRIGHTWAY2_DIR to point bw2data or the Activity Browser at
    project: str
    database: str
    exchanges: int


def database_name(snapshot: Snapshot) -> str:
    return f"{snapshot.name}@{snapshot.hash[:16]}"


def export_snapshot(snapshot: Snapshot) -> BrightwayExport:
    """Write a published snapshot (base, no scenario overlays) as a bw2data database with the
    biosphere flows and the GWP100 methods, in the carbonlabel project under CARBONLABEL_HOME.
    Read from the snapshot itself, so any published snapshot can be exported, any time."""
    activities: dict[str, Activity] = {}
    for record in snapshot.activities:
        activities[record.id] = record  # same fields as template.Activity
    ids = [a.id for a in snapshot.activities]
    exchanges: list[Exchange] = []
    tech, bio = snapshot.tech, snapshot.bio
    for row, col, amount, sigma in zip(tech.rows.tolist(), tech.cols.tolist(), tech.amounts.tolist(),
                                       tech.sigmas.tolist()):
        exchanges.append(Exchange(ids[col], ids[row], -amount, "technosphere",
                                  None if sigma != sigma else sigma, None, None))
    for row, col, amount, sigma in zip(bio.rows.tolist(), bio.cols.tolist(), bio.amounts.tolist(),
                                       bio.sigmas.tolist()):
        exchanges.append(Exchange(ids[col], snapshot.flows[row], amount, "biosphere",
                                  None if sigma != sigma else sigma, None, None))
    bd = open_project()
    database = database_name(snapshot)
    with brightway_output_to_stderr(), _bw2data_progress(f"export {database}"):
        write_biosphere_and_methods(bd)
        write_database(bd, database, activities, exchanges)
    return BrightwayExport(_brightway_dir(), PROJECT, database, len(exchanges))
