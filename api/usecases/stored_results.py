"""A stored footprint's result as the typed model, validated once per loaded row.

An approval reads the same stored result three times (grading, the benchmark key, the signed
document); each read validated the whole JSON with pydantic again. The stored JSON was validated
when it was written, and a row is immutable once stored, so one validation per loaded row object
is enough: the model is kept beside the row object (weakly: it goes with the session), and is
validated again only if the row's `result` is a different object (reloaded or replaced).
"""

from __future__ import annotations

import weakref
from typing import Any

from api.storage.models import Footprint
from footprint.result import FootprintResult

_validated: weakref.WeakKeyDictionary[Footprint, tuple[Any, FootprintResult]] = weakref.WeakKeyDictionary()


def stored_result(footprint: Footprint) -> FootprintResult:
    """The row's result, validated on first use for this row object (see the module doc)."""
    raw = footprint.result
    seen = _validated.get(footprint)
    if seen is not None and seen[0] is raw:
        return seen[1]
    model = FootprintResult.model_validate(raw)
    _validated[footprint] = (raw, model)
    return model
