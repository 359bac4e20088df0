"""Biosphere flow codes of the template and their GWP100 characterisation factors.

The table is data (data/methods/gwp100.csv), each row with its source; code here only reads it.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache

from lcidb.errors import UnknownFlow
from lcidb.home import shipped_data_dir

METHODS: tuple[str, ...] = ("AR6", "AR5")
DEFAULT_METHOD = "AR6"
UNSPLIT_FLOW = "co2e_unsplit"
UPTAKE_FLOW = "co2_biogenic_uptake"
FLOW_UNIT = "kg"


@dataclass(frozen=True)
class Flow:
    code: str
    name: str
    biosphere3_uuid: str | None  # None for the project-defined co2e_unsplit
    biosphere3_name: str | None
    compartment: str
    cf: dict[str, float]  # method name -> kg CO2e per kg
    source: str


@lru_cache(maxsize=1)
def flow_table() -> dict[str, Flow]:
    path = shipped_data_dir() / "methods" / "gwp100.csv"
    flows: dict[str, Flow] = {}
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            flows[row["code"]] = Flow(
                code=row["code"],
                name=row["name"],
                biosphere3_uuid=row["biosphere3_uuid"] or None,
                biosphere3_name=row["biosphere3_name"] or None,
                compartment=row["compartment"],
                cf={"AR6": float(row["ar6"]), "AR5": float(row["ar5"])},
                source=row["source"],
            )
    return flows


def flow_codes() -> tuple[str, ...]:
    """Flow codes in a fixed order (the file's), which is also the biosphere matrix row order."""
    return tuple(flow_table())


def get_flow(code: str) -> Flow:
    try:
        return flow_table()[code]
    except KeyError:
        raise UnknownFlow(f"unknown flow code {code!r}; known: {', '.join(flow_table())}") from None


def method_vector(method: str) -> list[float]:
    if method not in METHODS:
        raise UnknownFlow(f"unknown method {method!r}; known: {', '.join(METHODS)}")
    return [flow.cf[method] for flow in flow_table().values()]
