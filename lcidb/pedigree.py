"""Lognormal uncertainty of every exchange by the pedigree-matrix approach, at build time.

Method (Weidema et al. 2013, the ecoinvent v3 data quality guideline; aggregation as implemented by
Mutel's pedigree-matrix code that Brightway and the Activity Browser use, reference/materials.md §6):

    sigma = sqrt( ln(U_basic)^2 + ln(U_rel)^2 + ln(U_comp)^2 + ln(U_temp)^2 + ln(U_geo)^2 + ln(U_tech)^2 ) / 2

U_basic is the basic uncertainty (GSD², 95 % interval) of the exchange's flow type
(data/methods/basic_uncertainty.csv: by the input activity's category for technosphere inputs, by
flow code for biosphere flows); the U_i are the pedigree factors of the owner activity's scores
(data/methods/pedigree.csv). The template's DQR columns are the scores: PACT v3's technological,
temporal and geographical ratings stand for the pedigree's further technological, temporal and
geographical correlation; `dqr_reliability` and `dqr_completeness` are optional columns. A missing
score counts as 5 (the worst), and a fractional score is rounded up to the next whole score (the
factors are defined per whole score), so missing or coarse data never narrows an interval.

A row's own `uncertainty_sigma` overrides all this (0 = known exactly).
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass, replace
from functools import lru_cache

from lcidb.errors import LcidbError
from lcidb.home import shipped_data_dir
from lcidb.template import Activity, Exchange, TemplateData

PEDIGREE_METHOD = (
    "pedigree matrix: ecoinvent v3 uncertainty factors (Weidema et al. 2013) with ecoinvent v2 basic "
    "uncertainties; sigma = sqrt(sum ln(U)^2) / 2; missing scores count as 5, fractional scores round up"
)
PEDIGREE_VERSION = 1
WORST_SCORE = 5


@dataclass(frozen=True)
class PedigreeIndicator:
    name: str
    column: str  # the template's activity column holding the score
    factors: tuple[float, float, float, float, float]  # U for scores 1..5


@lru_cache(maxsize=1)
def pedigree_indicators() -> tuple[PedigreeIndicator, ...]:
    path = shipped_data_dir() / "methods" / "pedigree.csv"
    with path.open(newline="", encoding="utf-8") as handle:
        return tuple(
            PedigreeIndicator(row["indicator"], row["template_column"],
                              tuple(float(row[f"score_{k}"]) for k in range(1, 6)))  # type: ignore[arg-type]
            for row in csv.DictReader(handle)
        )


@lru_cache(maxsize=1)
def basic_uncertainty() -> dict[tuple[str, str], float]:
    """(kind, category or flow code or '*') -> GSD²."""
    path = shipped_data_dir() / "methods" / "basic_uncertainty.csv"
    with path.open(newline="", encoding="utf-8") as handle:
        return {(row["kind"], row["match"]): float(row["gsd2"]) for row in csv.DictReader(handle)}


def basic_gsd2(exchange: Exchange, input_activity: Activity | None) -> float:
    table = basic_uncertainty()
    key = input_activity.category if exchange.kind == "technosphere" and input_activity else exchange.input
    found = table.get((exchange.kind, key), table.get((exchange.kind, "*")))
    if found is None:
        raise LcidbError(f"data/methods/basic_uncertainty.csv has no row for {exchange.kind} {key!r} and no '*' row")
    return found


def whole_score(score: float | None) -> int:
    """The pedigree score a rating stands for: missing -> 5, fractional -> rounded up."""
    if score is None:
        return WORST_SCORE
    return min(WORST_SCORE, max(1, math.ceil(score - 1e-9)))


def pedigree_sigma(exchange: Exchange, owner: Activity, input_activity: Activity | None) -> float:
    logs = [math.log(basic_gsd2(exchange, input_activity))]
    for indicator in pedigree_indicators():
        logs.append(math.log(indicator.factors[whole_score(getattr(owner, indicator.column)) - 1]))
    return math.sqrt(sum(x * x for x in logs)) / 2


def _with_sigma(exchange: Exchange, activities: dict[str, Activity]) -> Exchange:
    if exchange.uncertainty_sigma is not None:
        return replace(exchange, sigma_source="given")
    owner = activities[exchange.activity_id]
    source = activities.get(exchange.input) if exchange.kind == "technosphere" else None
    return replace(exchange, uncertainty_sigma=pedigree_sigma(exchange, owner, source), sigma_source="pedigree")


def with_pedigree_sigmas(data: TemplateData) -> TemplateData:
    """Every exchange (base and scenario rows) with a sigma: its own, else the pedigree one."""
    return replace(
        data,
        exchanges=[_with_sigma(e, data.activities) for e in data.exchanges],
        scenarios={name: [_with_sigma(e, data.activities) for e in rows] for name, rows in data.scenarios.items()},
    )
