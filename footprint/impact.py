"""Which footprints move when the factor database is republished (`carbonlabel db impact OLD NEW`).

Each stored BOM is recomputed on OLD and on NEW with the options its footprint was computed with
(method, electricity, scenario, credit approach), so the move is the factors' alone and not a change
of code or options. A footprint whose BOM no longer computes on NEW (a removed factor, a unit that
no longer converts) is listed too: its label cannot stand unchecked either.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any
from collections.abc import Iterable

from footprint.bom import validate_bom
from footprint.engine import compute
from footprint.errors import FootprintError
from lcidb.errors import LcidbError
from lcidb.snapshot import Snapshot


@dataclass(frozen=True)
class StoredFootprint:
    """What a certificate rests on: its BOM and the options its footprint used."""

    key: str  # e.g. the certificate number
    bom: dict[str, Any] | None  # None: no BOM was stored (it cannot be recomputed)
    certified_kgco2e: float
    method: str = "AR6"
    electricity: str = "location"
    scenario: str | None = None
    net_credits_rule: str | None = None
    detail: dict[str, Any] | None = None  # passed through to the report (status, product, ...)


@dataclass
class FootprintMove:
    key: str
    certified_kgco2e: float
    old_kgco2e: float | None
    new_kgco2e: float | None
    delta_kgco2e: float | None
    relative_change: float | None
    exceeds: bool  # |relative change| > threshold, or the footprint cannot be recomputed
    error: str | None = None
    detail: dict[str, Any] | None = None


def _total(item: StoredFootprint, snapshot: Snapshot) -> float:
    bom = validate_bom(item.bom)
    return compute(bom, snapshot, method=item.method, electricity=item.electricity,  # type: ignore[arg-type]
                   scenario=item.scenario, net_credits_rule=item.net_credits_rule, hotspots=False).total_kgco2e


def footprint_moves(items: Iterable[StoredFootprint], old: Snapshot, new: Snapshot, threshold: float) -> list[FootprintMove]:
    """Every item with its totals on OLD and NEW; `exceeds` when |new - old| / |old| > threshold."""
    if threshold < 0:
        raise FootprintError(f"threshold {threshold!r}: a relative change threshold cannot be negative")
    moves: list[FootprintMove] = []
    for item in items:
        if item.bom is None:
            moves.append(FootprintMove(item.key, item.certified_kgco2e, None, None, None, None, True,
                                       "no stored BOM: the footprint cannot be recomputed", item.detail))
            continue
        old_error: str | None
        try:
            before = _total(item, old)
        except (FootprintError, LcidbError) as exc:
            before, old_error = None, f"on {old.ref}: {exc}"
        else:
            old_error = None
        try:
            after = _total(item, new)
        except (FootprintError, LcidbError) as exc:
            moves.append(FootprintMove(item.key, item.certified_kgco2e, before, None, None, None, True,
                                       f"on {new.ref}: {exc}", item.detail))
            continue
        if before is None:
            moves.append(FootprintMove(item.key, item.certified_kgco2e, None, after, None, None, True, old_error,
                                       item.detail))
            continue
        delta = after - before
        relative = delta / abs(before) if before else None  # from 0, any move is unbounded
        exceeds = abs(relative) > threshold if relative is not None else delta != 0
        moves.append(FootprintMove(item.key, item.certified_kgco2e, before, after, delta, relative, exceeds,
                                   None, item.detail))
    moves.sort(key=lambda m: (not m.exceeds, -abs(m.relative_change if m.relative_change is not None else float("inf")),
                              m.key))
    return moves


def moves_as_dicts(moves: list[FootprintMove]) -> list[dict[str, Any]]:
    return [asdict(m) for m in moves]
