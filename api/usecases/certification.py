"""Certify: submit an application (its rules evaluated and stored), approve it (graded again, the
certificate issued in the same transaction, or the first of two approvals recorded), renew a
certificate. The HTTP routes and the web pages call these; the state machine is
api/usecases/applications.py, the certificate itself api/usecases/certificates.py.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from api.errors import InvalidInput
from api.storage.models import Application, Certificate, User
from api.usecases import applications as workflow
from api.usecases import certificates, grading, records
from api.usecases.access import require_role
from api.usecases.stored_results import stored_result
from api.state import ServiceState


def certification_body(state: ServiceState) -> certificates.CertificationBody:
    settings = state.settings
    return certificates.CertificationBody(settings.certification_body or settings.issuer, settings.accreditation_number)


def submit(session: Session, state: ServiceState, *, actor: User, application: Application,
           evidence: dict[str, Any] | None, footprint_id: str | None, reason: str | None) -> Application:
    """Submit a draft or answer a request for information, optionally with new evidence or a newer
    footprint of the same product; the rules' full evaluation of what is submitted is stored with it."""
    changes: dict[str, Any] = {}
    if evidence is not None:
        changes["evidence"] = evidence
    if footprint_id is not None:
        footprint = records.visible_footprint(session, footprint_id, actor)
        if footprint.product_id != application.product_id:
            raise InvalidInput(f"footprint {footprint.id} is not of the application's product")
        changes["footprint_id"] = footprint.id
    changed = sorted(changes)
    # evaluate what is being submitted (the new evidence and footprint, if any)
    submitted = Application(**{**{c: getattr(application, c) for c in ("evidence", "scheme")}, **changes})
    footprint_row = records.visible_footprint(session, changes.get("footprint_id", application.footprint_id), actor)
    changes["submitted_evaluation"] = grading.stored_evaluation(session, state.domain, submitted, footprint_row)
    workflow.transition(session, actor=actor, application=application, action="submit", reason=reason,
                        detail={"changed": changed} if changed else None, changes=changes)
    return application


def _issue(session: Session, state: ServiceState, *, actor: User, approvers: list[User], application: Application,
           footprint: Any, outcome: Any, supersedes: Certificate | None) -> Certificate:
    return certificates.issue(
        session,
        actor=actor,
        certification_body=certification_body(state),
        approvers=approvers,
        key=state.signing_key,
        issuer=state.settings.issuer,
        public_url=state.settings.public_url,
        application=application,
        footprint=footprint,
        outcome=outcome,
        supersedes=supersedes,
        benchmark_key=state.domain.benchmark_key(stored_result(footprint)),
    )


def approve(session: Session, state: ServiceState, *, actor: User, application: Application,
            reason: str | None) -> Certificate | None:
    """Approve: the rules are re-run and what changed since submit is recorded. A tier that needs
    four eyes is first approved (None: awaiting the second certifier), then approved by a second
    certifier, whose approval issues the certificate (returned)."""
    require_role(actor, "certifier")
    workflow.ensure_independent(actor, application)
    workflow.ensure_same_body(session, actor, application)
    footprint = records.footprint_of(session, application)
    outcome = grading.grade_application(session, state.domain, application, footprint)
    changes = grading.evaluation_changes(application.submitted_evaluation, outcome.model_dump(mode="json"))
    detail = {"tier": outcome.tier, "grade": outcome.grade, "rule_set_version": outcome.rule_set_version,
              "evaluation_changes": changes}
    if outcome.tier in state.settings.four_eyes_tiers and application.status == "under_review":
        workflow.transition(session, actor=actor, application=application, action="first_approval", reason=reason,
                            detail=detail, changes={"first_approval_by": actor.id})
        return None
    first = application.first_approval_by
    workflow.transition(session, actor=actor, application=application, action="approve", reason=reason, detail=detail)
    approvers = [a for a in (records.user_by_id(session, first), actor) if a is not None]
    return _issue(session, state, actor=actor, approvers=approvers, application=application, footprint=footprint,
                  outcome=outcome, supersedes=None)


def renew(session: Session, state: ServiceState, *, actor: User, old: Certificate, footprint_id: str | None,
          reason: str | None) -> Certificate | None:
    """A new certificate that supersedes `old`, graded with today's rules; only a valid certificate is
    renewed. A four-eyes tier needs two certifiers: the first records its approval (None), the second
    - same footprint, nothing done to the certificate in between - issues (returned)."""
    require_role(actor, "certifier")
    workflow.ensure_independent(actor, old)
    workflow.ensure_same_body(session, actor, old)
    current = certificates.check_action(session, certificate=old, action="renew", reason=reason)
    application = session.get(Application, old.application_id)
    assert application is not None
    wanted = footprint_id or application.footprint_id
    footprint = records.visible_footprint(session, wanted, actor)
    if footprint.product_id != old.product_id:
        raise InvalidInput(f"footprint {wanted} is not of the certificate's product")
    outcome = grading.grade_application(session, state.domain, application, footprint)
    approvers = certificates.renewal_approvers(
        session, actor=actor, certificate=old, status=current.status, footprint_id=footprint.id, outcome=outcome,
        reason=reason, four_eyes_tiers=state.settings.four_eyes_tiers,
    )
    if approvers is None:  # first of two approvals recorded
        return None
    new = _issue(session, state, actor=actor, approvers=approvers, application=application, footprint=footprint,
                 outcome=outcome, supersedes=old)
    certificates.history.record(
        session, actor=actor, organisation_id=old.organisation_id, entity_type="certificate", entity_id=old.id,
        action="renew", from_state=current.status, to_state="superseded", reason=reason,
        detail={"superseded_by": new.number},
    )
    return new


def renew_by_number(session: Session, state: ServiceState, *, actor: User, number: str, footprint_id: str | None,
                    reason: str | None) -> Certificate | None:
    """`renew` for a certificate named by its number (another organisation's is NotFound)."""
    old = certificates.get_visible_by_number(session, number, actor)
    return renew(session, state, actor=actor, old=old, footprint_id=footprint_id, reason=reason)


def act(session: Session, *, actor: User, number: str, action: str, reason: str | None) -> Certificate:
    """Surveillance, suspend, lift_suspension or revoke, with its history row (the caller commits).
    Checks in order: role, organisation scoping (NotFound), independence, certification body."""
    require_role(actor, "certifier")
    certificate = certificates.get_visible_by_number(session, number, actor)
    workflow.ensure_independent(actor, certificate)
    workflow.ensure_same_body(session, actor, certificate)
    certificates.act(session, actor=actor, certificate=certificate, action=action, reason=reason)
    return certificate
