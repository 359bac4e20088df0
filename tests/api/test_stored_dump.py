"""`guards.check_stored_dump` refuses exactly what the full walk (`guards.check_stored`) refuses.

The footprint result is checked from its serialised text instead of a walk over every value; the
walk is the independent method here: for each document both must accept, or both refuse with the
same code.
"""

from __future__ import annotations

from typing import Any

import pytest

from api import guards
from api.errors import InvalidInput
from footprint.strict_json import JSONLimits

SMALL = JSONLimits(max_bytes=2_000, max_depth=5, max_members=60)


def _nested(depth: int) -> Any:
    document: Any = 1
    for _ in range(depth - 1):
        document = [document]
    return {"x": document}  # depth containers: the object, then depth - 1 lists


def _outcome(check: Any, document: Any) -> str | None:
    try:
        check("footprint", document)
    except InvalidInput as exc:
        return exc.code
    return None


DOCUMENTS: dict[str, tuple[Any, str | None]] = {
    "plain": ({"a": [1, 2.5, "x", None, True], "b": {"c": "d"}}, None),
    "nan": ({"a": [1.0, float("nan")]}, "document.non_finite"),
    "infinity": ({"a": {"b": float("inf")}}, "document.non_finite"),
    "minus infinity": ({"a": -float("inf")}, "document.non_finite"),
    "lone surrogate": ({"name": "lamp \ud800"}, "document.lone_surrogate"),
    "lone surrogate in a key": ({"\udfff": 1}, "document.lone_surrogate"),
    "nul": ({"name": "lamp\x00"}, "document.nul_character"),
    "a typed backslash-u0000 is text": ({"name": "\\u0000"}, None),
    "quote and brackets in a string": ({"name": 'a"[[[[[[[[[[{{{{'}, None),
    "2**53 is exact": ({"n": 2**53}, None),
    "beyond 2**53": ({"n": 2**53 + 1}, "document.number_too_large"),
    "below -2**53": ({"n": [-(2**53) - 1]}, "document.number_too_large"),
    "first in a list": ({"n": [2**60, 1]}, "document.number_too_large"),
    "negative in an object": ({"n": -(2**60)}, "document.number_too_large"),
    "a 17-digit float is fine": ({"f": 0.30000000000000004, "g": 1.2345678901234567e20}, None),
    "16 digits in a string": ({"s": "12345678901234567890"}, None),
    "depth at the limit": (_nested(5), None),
    "depth beyond the limit": (_nested(6), "document.too_deep"),
    "members at the limit": ({"a": list(range(59))}, None),
    "members beyond the limit": ({"a": list(range(60))}, "document.too_many_members"),
    "too large": ({"a": "x" * 2_000}, "document.too_large"),
}


@pytest.mark.parametrize("name", list(DOCUMENTS))
def test_the_text_check_agrees_with_the_walk(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    monkeypatch.setitem(guards.STORED_LIMITS, "footprint", SMALL)
    document, expected = DOCUMENTS[name]
    assert _outcome(guards.check_stored, document) == expected
    assert _outcome(guards.check_stored_dump, document) == expected


def test_members_of_a_large_document_are_counted(monkeypatch: pytest.MonkeyPatch) -> None:
    """Members are counted over the containers, whatever their size in bytes (a 2,000-member list
    under a limit of 1,000 members, in ~9 KB of text, within the byte limit)."""
    monkeypatch.setitem(guards.STORED_LIMITS, "footprint", JSONLimits(max_bytes=100_000, max_depth=5,
                                                                      max_members=1_000))
    assert _outcome(guards.check_stored_dump, {"a": list(range(2_000))}) == "document.too_many_members"
    assert _outcome(guards.check_stored_dump, {"a": list(range(999))}) is None


def test_an_engine_result_passes(monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.api.standin import StandInDomain, sample_bom

    result = StandInDomain().compute(sample_bom(), method="AR6", electricity="location", monte_carlo=None, seed=None)
    document = result.model_dump(mode="json")
    guards.check_stored_dump("footprint", document)
    guards.check_stored("footprint", document)
