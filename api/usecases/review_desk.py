"""What a certifier reads: the review queue (assigned to me, unassigned, overdue surveillance) with
the screening risk flags of each row, the surveillance calendar of the certificates their body
oversees, and, for one application, the BOM and footprint behind it and the diff to the product's
previous certificate. Read-only: the decisions are in `api.usecases.certification`.

A certifier's body is their organisation; the certificates it oversees are those issued from
applications one of its certifiers reviewed (`applications.body_of`). Administrators see all."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.usecases.domain import Domain
from api.errors import InvalidInput
from api.storage.models import (
    Application,
    BomUpload,
    Certificate,
    Footprint,
    Organisation,
    Product,
    User,
    utcnow,
)
from api.usecases import applications as workflow
from api.usecases import certificates, grading, history, screening
from api.usecases.access import get_visible
from api.usecases.certificate_status import StatusView
from footprint.result import FootprintResult

# an application stays in its reviewer's queue from the review's start to the decision (also while
# the applicant answers a request for information and once they have answered: submitted again)
OPEN_REVIEW = ("submitted", "under_review", "information_requested", "awaiting_second_approval")
TABS = ("mine", "unassigned", "overdue")
# states whose surveillance still matters (revoked, superseded and expired certificates need none)
SURVEILLED = ("valid", "suspended")


@dataclass(frozen=True)
class Flag:
    severity: str  # low | medium | high
    check: str
    summary: str


@dataclass(frozen=True)
class Risk:
    level: str  # none | low | medium | high, or "error" when the screening could not run
    flags: list[Flag] = field(default_factory=list)
    error: str | None = None


@dataclass(frozen=True)
class QueueRow:
    product: Product
    organisation: Organisation
    risk: Risk
    application: Application | None = None
    certificate: Certificate | None = None
    status: StatusView | None = None


@dataclass(frozen=True)
class Watched:
    """A certificate under surveillance: its state today and when surveillance is due."""

    certificate: Certificate
    product: Product
    organisation: Organisation
    status: StatusView
    overdue: bool


def _risk(report: Any) -> Risk:
    worst_first = ("high", "medium", "low")
    flags = [Flag(f.severity, f.check, f.summary) for f in report.above("info")]
    return Risk(report.risk_level, sorted(flags, key=lambda f: worst_first.index(f.severity)))


def _names(session: Session, record: Application | Certificate) -> tuple[Product, Organisation]:
    product = session.get(Product, record.product_id)
    organisation = session.get(Organisation, record.organisation_id)
    assert product is not None and organisation is not None
    return product, organisation


def _require_certifier(user: User) -> None:
    from api.usecases.access import require_role

    require_role(user, "certifier", "admin")


def overseen(session: Session, user: User) -> list[Certificate]:
    """The certificates the user's certification body oversees (every one for an administrator)."""
    _require_certifier(user)
    query = select(Certificate).order_by(Certificate.issued_at, Certificate.number)
    if user.role == "certifier":
        query = (query.join(Application, Application.id == Certificate.application_id)
                 .join(User, User.id == Application.assigned_to)
                 .where(User.organisation_id == user.organisation_id))
    return list(session.scalars(query))


def watched(session: Session, user: User, *, now: datetime | None = None) -> list[Watched]:
    """The overseen certificates still under surveillance, soonest due first."""
    moment = now or utcnow()
    rows = []
    for certificate in overseen(session, user):
        status = certificates.status_of(session, certificate, now=moment)
        if status.status not in SURVEILLED:
            continue
        product, organisation = _names(session, certificate)
        rows.append(Watched(certificate, product, organisation, status, overdue=status.surveillance_due < moment))
    return sorted(rows, key=lambda w: (w.status.surveillance_due, w.certificate.number))


def calendar(session: Session, user: User, *, now: datetime | None = None) -> list[tuple[date, list[Watched]]]:
    """The watched certificates by the month their surveillance is due (first day of the month)."""
    months: dict[date, list[Watched]] = {}
    for row in watched(session, user, now=now):
        months.setdefault(row.status.surveillance_due.date().replace(day=1), []).append(row)
    return sorted(months.items())


def queue(session: Session, domain: Domain, user: User, tab: str, *, on: date | None = None) -> list[QueueRow]:
    """One tab of the queue, each row with its screening risk flags."""
    _require_certifier(user)
    if tab not in TABS:
        raise InvalidInput(f"queue tab {tab!r}: one of {', '.join(TABS)}")
    day = on or utcnow().date()
    all_boms = screening.other_boms(session, organisation_id="")  # read once for every row
    if tab == "overdue":
        rows = [w for w in watched(session, user) if w.overdue]
        return [QueueRow(w.product, w.organisation, _screen(lambda w=w: screening.screen_certificate(
            session, w.certificate, on=day, all_boms=all_boms)), certificate=w.certificate, status=w.status)
            for w in rows]
    if tab == "mine":
        found = [a for a in workflow.list_applications(session, user=user, status=None, limit=500, offset=0,
                                                       assigned_to=user.id) if a.status in OPEN_REVIEW]
    else:
        found = [a for a in workflow.list_applications(session, user=user, status="submitted", limit=500, offset=0)
                 if a.assigned_to is None and a.organisation_id != user.organisation_id]
    return [QueueRow(*_names(session, a), _screen(lambda a=a: screening.screen_application(
        session, a, key_of=domain.benchmark_key, on=day, all_boms=all_boms)), application=a) for a in found]


def _screen(run: Any) -> Risk:
    """The screening's flags; a screening that cannot run (no thresholds on the date) says why."""
    try:
        return _risk(run())
    except InvalidInput as exc:
        return Risk("error", error=exc.message)


@dataclass(frozen=True)
class Change:
    what: str  # total | tier | grade | rule_set | snapshot | factors_added | factors_removed
    old: Any
    new: Any
    change: Any = None  # for the total: new - old (kg CO2e) and the relative change


@dataclass(frozen=True)
class PreviousDiff:
    certificate: Certificate
    changes: list[Change]


def previous_certificate(session: Session, application: Application) -> Certificate | None:
    """The product's latest certificate not issued from this application."""
    query = (select(Certificate).where(Certificate.product_id == application.product_id,
                                       Certificate.application_id != application.id)
             .order_by(Certificate.issued_at.desc(), Certificate.number.desc()).limit(1))
    return session.scalars(query).first()


def diff_to_previous(session: Session, application: Application, footprint: Footprint,
                     evaluation: dict[str, Any]) -> PreviousDiff | None:
    """The previous certificate of the same product against what this application would get today:
    footprint total, tier, grade, rule set, factor snapshot and the factors used."""
    old = previous_certificate(session, application)
    if old is None:
        return None
    document = certificates.payload_of(old)
    old_footprint = session.get(Footprint, document["footprint"]["id"])
    new_result = FootprintResult.model_validate(footprint.result)
    old_factors = {f["id"] for f in (old_footprint.result.get("factors") or [])} if old_footprint else set()
    new_factors = {f.id for f in new_result.factors}
    delta = footprint.total_kgco2e - old.total_kgco2e
    relative = delta / old.total_kgco2e if old.total_kgco2e else None
    provenance = document.get("provenance") or {}
    changes = [
        Change("total", old.total_kgco2e, footprint.total_kgco2e, (delta, relative)),
        Change("tier", document.get("tier"), evaluation.get("tier")),
        Change("grade", document.get("grade"), evaluation.get("grade")),
        Change("rule_set", document.get("rule_set_version"), evaluation.get("rule_set_version")),
        Change("snapshot", f"{provenance.get('snapshot_name')}@{provenance.get('snapshot_hash', '')[:12]}",
               f"{footprint.snapshot_name}@{footprint.snapshot_hash[:12]}"),
        Change("factors_added", None, sorted(new_factors - old_factors)),
        Change("factors_removed", sorted(old_factors - new_factors), None),
    ]
    return PreviousDiff(old, changes)


@dataclass(frozen=True)
class Review:
    """Everything the application page shows a certifier besides the application itself."""

    product: Product
    organisation: Organisation
    footprint: Footprint | None
    result: FootprintResult | None
    bom: BomUpload | None
    evaluation: dict[str, Any]
    rules: list[dict[str, Any]]
    previous: PreviousDiff | None
    evidence: list[tuple[str, Any]]  # every stated value by its path (verifier.name, ...)
    body_elsewhere: bool  # a certifier of another body reviews it
    risk: Risk | None = None  # the screening's flags (certifiers and administrators only)
    may_act: bool = False  # a certifier independent of the applicant, of the reviewing body


def review(session: Session, domain: Domain, user: User, application: Application) -> Review:
    """The application as its reviewer reads it: the rules run today (the certifier) or as stored
    at submit (the applicant), the BOM and footprint, the previous certificate's diff."""
    product, organisation = _names(session, application)
    footprint = session.get(Footprint, application.footprint_id)
    evaluation = application.submitted_evaluation or {}
    if user.role in ("certifier", "admin") and footprint is not None:
        evaluation = grading.stored_evaluation(session, domain, application, footprint)
    rules = (evaluation.get("explanation") or {}).get("rules") or []
    result = FootprintResult.model_validate(footprint.result) if footprint is not None else None
    bom = session.get(BomUpload, footprint.bom_id) if footprint is not None and footprint.bom_id else None
    previous = diff_to_previous(session, application, footprint, evaluation) if footprint is not None else None
    body = workflow.body_of(session, application)
    elsewhere = user.role == "certifier" and body is not None and body != user.organisation_id
    evidence = sorted(grading.leaves(application.evidence or {}).items()) if application.evidence else []
    risk = None
    if user.role in ("certifier", "admin") and footprint is not None:
        risk = _screen(lambda: screening.screen_application(session, application, key_of=domain.benchmark_key,
                                                            on=utcnow().date()))
    return Review(product, organisation, footprint, result, bom, evaluation, rules, previous, evidence,
                  body_elsewhere=elsewhere, risk=risk,
                  may_act=user.role == "certifier" and user.organisation_id != application.organisation_id
                  and not elsewhere)


def application_for(session: Session, user: User, application_id: str) -> Application:
    """The application the user may see (NotFound otherwise, also for another organisation's)."""
    return get_visible(session, Application, application_id, user, "application")


@dataclass(frozen=True)
class CertificateView:
    """A certificate as its certifier reads it: the document, the state today, the history."""

    certificate: Certificate
    document: dict[str, Any]
    status: StatusView
    successor: Certificate | None
    overdue: bool  # surveillance due date passed and the certificate still under surveillance
    events: list[Any]
    may_act: bool  # a certifier independent of the applicant, of the body that oversees it


def certificate_view(session: Session, user: User, number: str) -> CertificateView:
    _require_certifier(user)
    certificate = certificates.get_visible_by_number(session, number, user)
    now = utcnow()
    status = certificates.status_of(session, certificate, now=now)
    body = workflow.body_of(session, certificate)
    return CertificateView(
        certificate, certificates.payload_of(certificate), status, certificates.successor_of(session, certificate),
        overdue=status.status in SURVEILLED and status.surveillance_due < now,
        events=history.entries_for(session, entity_type="certificate", entity_id=certificate.id),
        may_act=(user.role == "certifier" and user.organisation_id != certificate.organisation_id
                 and body in (None, user.organisation_id)),
    )
