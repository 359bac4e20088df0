"""Submit and approve an application: the two workflow steps that run the rules, one use case each for every
door (the HTTP routes of api/routes/applications.py and the web pages).

Submit stores the rules' full evaluation of what is submitted (new evidence or a newer footprint of the same
product, if any); the workflow takes the claim's ledger holdings in the same transaction. Approve re-runs the
rules, records what changed since submit, and either records the first of two approvals (a tier that needs
four eyes) or issues the signed certificate in the same transaction. The caller commits.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from api.errors import InvalidInput
from api.models import Application, Certificate, Footprint, User
from api.services import applications as workflow
from api.services import certificates, grading
from api.services.access import get_visible
from api.state import ServiceState
from footprint.result import FootprintResult


def submit(session: Session, state: ServiceState, *, actor: User, application: Application,
           evidence: dict[str, Any] | None = None, footprint_id: str | None = None,
           reason: str | None = None) -> Application:
    """Exporter: submit a draft or answer a request for information; the evaluation is stored with it."""
    changes: dict[str, Any] = {}
    if evidence is not None:
        changes["evidence"] = evidence
    if footprint_id is not None:
        footprint = get_visible(session, Footprint, footprint_id, actor, "footprint")
        if footprint.product_id != application.product_id:
            raise InvalidInput(f"footprint {footprint.id} is not of the application's product")
        changes["footprint_id"] = footprint.id
    changed = sorted(changes)
    submitted = Application(**{**{c: getattr(application, c) for c in ("evidence", "scheme")}, **changes})
    footprint_row = session.get(Footprint, changes.get("footprint_id", application.footprint_id))
    assert footprint_row is not None
    changes["submitted_evaluation"] = grading.stored_evaluation(session, state.domain, submitted, footprint_row)
    return workflow.transition(session, actor=actor, application=application, action="submit", reason=reason,
                               detail={"changed": changed} if changed else None, changes=changes)


def certification_body(state: ServiceState) -> certificates.CertificationBody:
    settings = state.settings
    return certificates.CertificationBody(settings.certification_body or settings.issuer,
                                          settings.accreditation_number)


def approve(session: Session, state: ServiceState, *, actor: User, application: Application,
            reason: str | None) -> Certificate | None:
    """Certifier: the issued certificate, or None when this was the first of two approvals (four eyes)."""
    workflow.ensure_independent(actor, application)
    footprint = session.get(Footprint, application.footprint_id)
    assert footprint is not None
    outcome = grading.grade_application(session, state.domain, application, footprint)
    changes = grading.evaluation_changes(application.submitted_evaluation, outcome.model_dump(mode="json"))
    detail = {"tier": outcome.tier, "grade": outcome.grade, "rule_set_version": outcome.rule_set_version,
              "evaluation_changes": changes}
    if outcome.tier in state.settings.four_eyes_tiers and application.status == "under_review":
        workflow.transition(session, actor=actor, application=application, action="first_approval", reason=reason,
                            detail=detail, changes={"first_approval_by": actor.id})
        return None
    first = application.first_approval_by
    workflow.transition(session, actor=actor, application=application, action="approve", reason=reason,
                        detail=detail)
    approvers = [a for a in (session.get(User, first) if first else None, actor) if a is not None]
    return certificates.issue(
        session, actor=actor, certification_body=certification_body(state), approvers=approvers,
        key=state.signing_key, issuer=state.settings.issuer, public_url=state.settings.public_url,
        application=application, footprint=footprint, outcome=outcome, supersedes=None,
        benchmark_key=state.domain.benchmark_key(FootprintResult.model_validate(footprint.result)))
