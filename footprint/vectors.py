"""Per snapshot, scenario and method: the score vectors every footprint is a product with.

Kept apart from footprint.engine (which builds the full, validated FootprintResult) so the
columnar batch path starts without importing the pydantic models it never uses.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property, lru_cache, partial

import numpy as np

from footprint.errors import FootprintError
from lcidb.flows import METHODS
from lcidb.snapshot import Snapshot
from lcidb.solve import FactorizedSnapshot, factorized


class UnknownMethod(FootprintError):
    """A method that is neither AR6 nor AR5."""


class ScenarioNotFound(FootprintError):
    """A scenario name that the snapshot does not carry."""


@dataclass
class MethodVectors:
    """Per (snapshot, scenario, method): the score vectors every BOM is a dot product with."""

    characterised: np.ndarray  # n x F: kg CO2e of each flow per unit of each activity (cradle-to-gate)
    scores: np.ndarray  # n: total kg CO2e per unit
    unverified: np.ndarray  # n: kg CO2e occurring in unverified activities per unit
    # n: kg CO2e emitted by the activity itself per unit (`direct`); made on first use (hotspots):
    # it needs the biosphere matrix, which a batch without hotspots never builds
    direct_of: Callable[[], np.ndarray]
    cf: np.ndarray  # F
    # n x K: kg CO2e of the aggregated (co2e_unsplit) rows per GWP basis (snapshot.gwp_bases)
    basis: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    # credit type -> n: kg CO2e the database's credit exchanges of that type add per unit (cut-off
    # system only; the netted score is scores + their sum)
    credits: dict[str, np.ndarray] = field(default_factory=dict)

    @cached_property
    def direct(self) -> np.ndarray:
        return self.direct_of()


class SnapshotEngine:
    """A warm engine for one snapshot, scenario and system: factorization and score vectors cached.

    `cutoff` (the default, ISO 14067): the database's credit exchanges (recycling credits, avoided
    burdens) are left out of the scores and reported beside them; `cutoff=False`: netted in."""

    def __init__(self, snapshot: Snapshot, scenario: str | None = None, cutoff: bool = True):
        if scenario is not None and scenario not in snapshot.scenarios:
            raise ScenarioNotFound(
                f"no scenario {scenario!r} in snapshot {snapshot.ref}; known: {', '.join(snapshot.scenarios) or 'none'}"
            )
        self.snapshot = snapshot
        self.scenario = scenario
        self.cutoff = cutoff
        self.factorized: FactorizedSnapshot = factorized(snapshot, scenario, cutoff)
        self._vectors: dict[str, MethodVectors] = {}

    def vectors(self, method: str) -> MethodVectors:
        if method not in METHODS:
            raise UnknownMethod(f"unknown method {method!r}; known: {', '.join(METHODS)}")
        cached = self._vectors.get(method)
        if cached is None:
            cf = self.snapshot.method_cf(method)
            characterised = self.factorized.gas_intensity * cf
            direct = partial(self.factorized.direct_emissions, method)
            # emissions occurring in unverified activities, background included (the adjoint of
            # the unverified activities' own emissions), so the share is a dot product per BOM
            unverified = self.factorized.unverified_intensity @ cf
            credits = {t: part @ cf for t, part in self.factorized.credit_intensity.items()}
            cached = MethodVectors(characterised, characterised.sum(axis=1), unverified, direct, cf,
                                   self.factorized.basis_intensity, credits)
            self._vectors[method] = cached
        return cached


@lru_cache(maxsize=16)
def engine_for(snapshot: Snapshot, scenario: str | None = None, cutoff: bool = True) -> SnapshotEngine:
    return SnapshotEngine(snapshot, scenario, cutoff)
