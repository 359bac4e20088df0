"""Grade an application's footprint with the label rules, against this registry's benchmarks."""

from __future__ import annotations

from sqlalchemy.orm import Session

from api.domain import Domain, GradeOutcome
from api.errors import InvalidInput
from api.models import Application, Footprint, utcnow
from api.services.certificates import RegistryBenchmarks
from footprint.result import FootprintResult


def grade_application(session: Session, domain: Domain, application: Application, footprint: Footprint) -> GradeOutcome:
    """The rules' outcome today; InvalidInput (422, with the failed rules) when they grant no tier."""
    outcome = domain.grade(
        FootprintResult.model_validate(footprint.result),
        evidence=application.evidence,
        scheme=application.scheme,
        on=utcnow().date(),
        benchmarks=RegistryBenchmarks(session),
    )
    if not outcome.eligible:
        raise InvalidInput(
            f"the {application.scheme} rules do not allow a certificate: " + "; ".join(outcome.reasons),
            extra={"reasons": outcome.reasons, "rule_set_version": outcome.rule_set_version},
        )
    return outcome
