"""Grade an application's footprint with the label rules, against this registry's benchmarks.

The full evaluation is stored with the application at submit; approval re-runs it and records
what changed since (`evaluation_changes`), so the certifier sees both before signing.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from api.usecases.domain import Domain, GradeOutcome
from api.errors import InvalidInput
from api.storage.models import Application, Footprint, utcnow
from api.usecases.certificates import RegistryBenchmarks
from api.usecases.stored_results import stored_result

# at most this many changed values are listed (a changed rule set can change every rule)
MAX_LISTED_CHANGES = 200


def evaluate(session: Session, domain: Domain, application: Application, footprint: Footprint) -> GradeOutcome:
    """The rules' full outcome today, eligible or not (InvalidInput when the evidence is unreadable)."""
    return domain.grade(
        stored_result(footprint),
        evidence=application.evidence,
        scheme=application.scheme,
        on=utcnow().date(),
        benchmarks=RegistryBenchmarks(session),
    )


def stored_evaluation(session: Session, domain: Domain, application: Application, footprint: Footprint) -> dict[str, Any]:
    """The evaluation as stored with the application: the outcome, or the reason there is none."""
    try:
        return evaluate(session, domain, application, footprint).model_dump(mode="json")
    except InvalidInput as exc:
        return {"error": exc.message}


def grade_application(session: Session, domain: Domain, application: Application, footprint: Footprint) -> GradeOutcome:
    """The rules' outcome today; InvalidInput (422, with the failed rules) when they grant no tier."""
    outcome = evaluate(session, domain, application, footprint)
    if not outcome.eligible:
        raise InvalidInput(
            f"the {application.scheme} rules do not allow a certificate: " + "; ".join(outcome.reasons),
            extra={"reasons": outcome.reasons, "rule_set_version": outcome.rule_set_version},
        )
    return outcome


def leaves(value: Any, path: str = "") -> dict[str, Any]:
    if isinstance(value, dict):
        found: dict[str, Any] = {}
        for key, item in value.items():
            found.update(leaves(item, f"{path}.{key}" if path else str(key)))
        return found or {path: {}}
    if isinstance(value, list):
        found = {}
        for index, item in enumerate(value):
            found.update(leaves(item, f"{path}[{index}]"))
        return found or {path: []}
    return {path: value}


def evaluation_changes(before: dict[str, Any] | None, after: dict[str, Any]) -> list[dict[str, Any]]:
    """Every value that differs between two stored evaluations, by JSON path (sorted)."""
    old, new = leaves(before or {}), leaves(after)
    changed = [
        {"path": path, "at_submit": old.get(path), "now": new.get(path)}
        for path in sorted(set(old) | set(new))
        if old.get(path) != new.get(path)
    ]
    return changed[:MAX_LISTED_CHANGES]
