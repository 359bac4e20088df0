"""What changed between two snapshots: activities added, removed and changed, with the size of
each change (`carbonlabel db diff OLD NEW`).

An activity changed when its cradle-to-gate score per unit moved (its own exchanges or anything
upstream), when its own exchanges changed although the score did not, or when its provenance
changed (name, unit, source, year, status, licence, geography, category, DQR, published). Scores
are compared on the cut-off system (the engine's default) under one method.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from lcidb.snapshot import Snapshot
from lcidb.solve import factorized

# provenance fields compared (origin is a file locator, never content)
COMPARED_FIELDS = (
    "name", "unit", "geography", "year", "category", "source", "licence", "status", "published",
    "dqr_technological", "dqr_temporal", "dqr_geographical", "dqr_reliability", "dqr_completeness",
    "dataset", "biogenic_carbon_content", "luc_assessed",
)
SCORE_RTOL = 1e-12  # below this relative difference two scores are the same number (round-off)


@dataclass
class ActivityChange:
    activity_id: str
    change: str  # added | removed | changed
    old_kgco2e: float | None  # cradle-to-gate per unit
    new_kgco2e: float | None
    unit: str
    delta_kgco2e: float | None = None
    relative_change: float | None = None  # delta / |old|; None when old is 0 or absent
    own_exchanges_changed: bool = False
    fields_changed: dict[str, list[Any]] = field(default_factory=dict)  # field -> [old, new]


@dataclass
class SnapshotDiff:
    old: str
    new: str
    method: str
    changes: list[ActivityChange]

    def counts(self) -> dict[str, int]:
        return {kind: sum(c.change == kind for c in self.changes) for kind in ("added", "removed", "changed")}

    def as_dict(self) -> dict[str, Any]:
        return {"old": self.old, "new": self.new, "method": self.method, "counts": self.counts(),
                "changes": [asdict(c) for c in self.changes]}


def _own_exchanges(snapshot: Snapshot) -> dict[str, dict[tuple[str, str], float]]:
    """activity id -> {(kind, input id or flow code): amount} as stored (technosphere sign: input amount)."""
    own: dict[str, dict[tuple[str, str], float]] = {a.id: {} for a in snapshot.activities}
    ids = [a.id for a in snapshot.activities]
    for r, c, amount in zip(snapshot.tech.rows.tolist(), snapshot.tech.cols.tolist(), snapshot.tech.amounts.tolist()):
        own[ids[c]][("technosphere", ids[r])] = -amount
    for r, c, amount in zip(snapshot.bio.rows.tolist(), snapshot.bio.cols.tolist(), snapshot.bio.amounts.tolist()):
        own[ids[c]][("biosphere", snapshot.flows[r])] = amount
    return own


def _value(record: Any) -> Any:
    return record.isoformat() if hasattr(record, "isoformat") else record


def diff_snapshots(old: Snapshot, new: Snapshot, method: str = "AR6") -> SnapshotDiff:
    old_scores = factorized(old, None, True).scores(method)
    new_scores = factorized(new, None, True).scores(method)
    old_own, new_own = _own_exchanges(old), _own_exchanges(new)
    changes: list[ActivityChange] = []
    for activity_id in sorted(set(old.index) | set(new.index)):
        in_old, in_new = activity_id in old.index, activity_id in new.index
        if not in_new:
            a = old.activity(activity_id)
            changes.append(ActivityChange(activity_id, "removed", float(old_scores[old.index[activity_id]]), None, a.unit))
            continue
        if not in_old:
            a = new.activity(activity_id)
            changes.append(ActivityChange(activity_id, "added", None, float(new_scores[new.index[activity_id]]), a.unit))
            continue
        before, after = old.activity(activity_id), new.activity(activity_id)
        old_value = float(old_scores[old.index[activity_id]])
        new_value = float(new_scores[new.index[activity_id]])
        fields = {name: [_value(getattr(before, name)), _value(getattr(after, name))]
                  for name in COMPARED_FIELDS if getattr(before, name) != getattr(after, name)}
        own_changed = old_own[activity_id] != new_own[activity_id]
        moved = not np.isclose(old_value, new_value, rtol=SCORE_RTOL, atol=0.0)
        if not (moved or own_changed or fields):
            continue
        delta = new_value - old_value
        changes.append(ActivityChange(
            activity_id, "changed", old_value, new_value, after.unit, delta,
            delta / abs(old_value) if old_value else None, own_changed, fields,
        ))
    # the largest moves first within each kind, so the report leads with what matters
    order = {"changed": 0, "removed": 1, "added": 2}
    changes.sort(key=lambda c: (order[c.change], -abs(c.relative_change or 0.0), -abs(c.delta_kgco2e or 0.0),
                                c.activity_id))
    return SnapshotDiff(old.ref, new.ref, method, changes)
