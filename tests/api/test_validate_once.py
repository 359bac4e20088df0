"""An approval validates the stored footprint result once (issue 12: it was validated three times:
grading, the benchmark key, the signed document)."""

from __future__ import annotations

from typing import Any

from footprint.result import FootprintResult
from tests.api.helpers import application_under_review, step


def test_an_approval_validates_the_stored_result_once(client, actors, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    exporter = actors.add("exporter", "exporter", "Lamp Co")
    certifier = actors.add("certifier", "certifier", "GD Cert Body")
    application = application_under_review(client, exporter, certifier)
    calls: list[Any] = []
    original = FootprintResult.model_validate.__func__  # type: ignore[attr-defined]

    def counting(cls: type[FootprintResult], obj: Any, *args: Any, **kwargs: Any) -> FootprintResult:
        calls.append(obj)
        return original(cls, obj, *args, **kwargs)  # type: ignore[no-any-return]

    monkeypatch.setattr(FootprintResult, "model_validate", classmethod(counting))
    answer = step(client, certifier, application["id"], "approve")
    assert answer.status_code == 201, answer.text
    assert len(calls) == 1
