"""The certifier's decisions, one use case each, called by both doors (HTTP API and web pages):
approve an application (grading, four eyes, issuing in the same transaction), act on a certificate
(surveillance, suspend, lift, revoke) and renew it.

Checks, in the same order for both doors: the role, the organisation scoping (another
organisation's record is NotFound), independence (no certifier of the applicant's organisation),
then the certification body: once an application is under review, only certifiers of the reviewing
certifier's organisation act on it and on the certificates it led to (`ensure_same_body`). The
caller commits (or rolls back); every action writes its history row."""

from __future__ import annotations

from sqlalchemy.orm import Session

from api.domain import Domain
from api.errors import InvalidInput
from api.models import Application, Certificate, Footprint, User
from api.services import applications as workflow
from api.services import certificates, grading
from api.services.access import get_visible, require_role
from api.settings import Settings
from api.signing import SigningKey
from footprint.result import FootprintResult


def certification_body(settings: Settings) -> certificates.CertificationBody:
    """The body named on every certificate (settings), with its accreditation."""
    return certificates.CertificationBody(settings.certification_body or settings.issuer,
                                          settings.accreditation_number)


def approve(
    session: Session, *, actor: User, application_id: str, reason: str | None, domain: Domain, settings: Settings,
    signing_key: SigningKey,
) -> tuple[Application, Certificate | None]:
    """Approve: the rules are re-run and what changed since submit is recorded. A tier that needs
    four eyes is first approved (no certificate yet, awaiting_second_approval), then approved by a
    second certifier, who issues the certificate in the same transaction."""
    require_role(actor, "certifier")
    application = get_visible(session, Application, application_id, actor, "application")
    workflow.ensure_independent(actor, application)
    workflow.ensure_same_body(session, actor, application)
    footprint = session.get(Footprint, application.footprint_id)
    assert footprint is not None
    outcome = grading.grade_application(session, domain, application, footprint)
    changes = grading.evaluation_changes(application.submitted_evaluation, outcome.model_dump(mode="json"))
    detail = {"tier": outcome.tier, "grade": outcome.grade, "rule_set_version": outcome.rule_set_version,
              "evaluation_changes": changes}
    if outcome.tier in settings.four_eyes_tiers and application.status == "under_review":
        workflow.transition(session, actor=actor, application=application, action="first_approval", reason=reason,
                            detail=detail, changes={"first_approval_by": actor.id})
        return application, None
    first = application.first_approval_by
    workflow.transition(session, actor=actor, application=application, action="approve", reason=reason, detail=detail)
    approvers = [a for a in (session.get(User, first) if first else None, actor) if a is not None]
    certificate = certificates.issue(
        session, actor=actor, certification_body=certification_body(settings), approvers=approvers, key=signing_key,
        issuer=settings.issuer, public_url=settings.public_url, application=application, footprint=footprint,
        outcome=outcome, supersedes=None,
        benchmark_key=domain.benchmark_key(FootprintResult.model_validate(footprint.result)),
    )
    return application, certificate


def act(session: Session, *, actor: User, number: str, action: str, reason: str | None) -> Certificate:
    """Surveillance, suspend, lift_suspension or revoke, with its history row (the caller commits)."""
    require_role(actor, "certifier")
    certificate = certificates.get_visible_by_number(session, number, actor)
    workflow.ensure_independent(actor, certificate)
    workflow.ensure_same_body(session, actor, certificate)
    certificates.act(session, actor=actor, certificate=certificate, action=action, reason=reason)
    return certificate


def renew(
    session: Session, *, actor: User, number: str, reason: str, footprint_id: str | None, domain: Domain,
    settings: Settings, signing_key: SigningKey,
) -> tuple[Certificate, Certificate | None]:
    """Issue a new certificate that supersedes this one (graded with today's rules); only a valid
    one is renewed. A four-eyes tier: the first call records `renew_first_approval` and returns
    (old, None); a second certifier, with the same footprint, issues: (old, new)."""
    require_role(actor, "certifier")
    old = certificates.get_visible_by_number(session, number, actor)
    workflow.ensure_independent(actor, old)
    workflow.ensure_same_body(session, actor, old)
    current = certificates.check_action(session, certificate=old, action="renew", reason=reason)
    application = session.get(Application, old.application_id)
    assert application is not None
    footprint = get_visible(session, Footprint, footprint_id or application.footprint_id, actor, "footprint")
    if footprint.product_id != old.product_id:
        raise InvalidInput(f"footprint {footprint.id} is not of the certificate's product")
    outcome = grading.grade_application(session, domain, application, footprint)
    approvers = certificates.renewal_approvers(
        session, actor=actor, certificate=old, status=current.status, footprint_id=footprint.id, outcome=outcome,
        reason=reason, four_eyes_tiers=settings.four_eyes_tiers,
    )
    if approvers is None:  # first of two approvals recorded
        return old, None
    new = certificates.issue(
        session, actor=actor, approvers=approvers, certification_body=certification_body(settings), key=signing_key,
        issuer=settings.issuer, public_url=settings.public_url, application=application, footprint=footprint,
        outcome=outcome, supersedes=old,
        benchmark_key=domain.benchmark_key(FootprintResult.model_validate(footprint.result)),
    )
    certificates.history.record(
        session, actor=actor, organisation_id=old.organisation_id, entity_type="certificate", entity_id=old.id,
        action="renew", from_state=current.status, to_state="superseded", reason=reason,
        detail={"superseded_by": new.number},
    )
    return old, new
