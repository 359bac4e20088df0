"""Issue certificates (signed canonical JSON), act on them, verify them.

Issuing happens inside the approving (or renewing) transaction: the certificate row and its
history row are committed together or not at all.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from api.usecases.domain import CertifiedFootprint, GradeOutcome
from api.errors import Conflict, Forbidden, InvalidInput, NotFound
from api.storage.models import (
    Application,
    Certificate,
    Footprint,
    HistoryEntry,
    Organisation,
    Product,
    User,
    utcnow,
)
from api.usecases import history, verification, webhooks
from api.usecases.access import organisation_scope
from api.usecases.certificate_status import StatusView
from api.usecases.certificate_views import CertificateState, state_by_number, states_of
from api.usecases.stored_results import stored_result
from api.usecases.verification import Verdict, document_of
from api.documents.signing import SigningKey
from footprint.result import FootprintResult
from labels.certificate_document import (
    CURRENT_VERSION,
    CertificateDocument,
    CertificationBodyPart,
    DeclaredUnitPart,
    FootprintPart,
    Party,
    PeriodPart,
    ProductPart,
    ProvenancePart,
    Surveillance,
    decimal_string,
)
from labels.inputs import Verifier

_NUMBER_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: numbers are read aloud and typed


def new_certificate_number(issued: datetime) -> str:
    return f"CL-{issued.year}-" + "".join(secrets.choice(_NUMBER_ALPHABET) for _ in range(8))


def _evidence_parts(evidence: dict[str, Any] | None) -> tuple[Verifier | None, str | None, bool | None]:
    """The verifier, product-rule kind and offset netting the grading validated (None: the evidence had none)."""
    evidence = evidence or {}
    try:
        verifier = Verifier.model_validate(evidence["verifier"]) if evidence.get("verifier") else None
    except ValidationError:
        verifier = None
    rule = evidence.get("product_rule")
    kind = rule.get("kind") if isinstance(rule, dict) else None
    offsets = evidence.get("offsets")
    netted = offsets.get("netted_in_footprint") if isinstance(offsets, dict) else None
    return verifier, kind if isinstance(kind, str) else None, netted if isinstance(netted, bool) else None


def build_document(
    *,
    number: str,
    key: SigningKey,
    issuer: str,
    public_url: str,
    issued_at: datetime,
    valid_until: datetime,
    organisation: Organisation,
    product: Product,
    footprint_id: str,
    result: FootprintResult,
    outcome: GradeOutcome,
    supersedes: str | None,
    application_id: str,
    certification_body: CertificationBody | None = None,
    approvers: list[User] | None = None,
    evidence: dict[str, Any] | None = None,
) -> CertificateDocument:
    """The certificate document (labels.certificate_document, current version)."""
    body = certification_body or CertificationBody(name=issuer, accreditation_number="")
    verifier, rule_kind, netted = _evidence_parts(evidence)
    # T2's reduction and T4's claim are keys only of the documents that have them
    optional: dict[str, Any] = {}
    if outcome.reduction:
        optional["reduction"] = outcome.reduction
    if outcome.neutral_claim:
        optional["neutral_claim"] = outcome.neutral_claim
    return CertificateDocument(
        schema_version=CURRENT_VERSION,
        certificate_number=number,
        key_id=key.key_id,
        issuer=issuer,
        issued_at=issued_at,
        valid_from=issued_at,
        valid_until=valid_until,
        scheme=outcome.scheme,
        tier=outcome.tier,
        grade=outcome.grade,
        label=outcome.label,
        rule_set_version=outcome.rule_set_version,
        surveillance=Surveillance(interval_days=outcome.surveillance_interval_days,
                                  grace_days=outcome.surveillance_grace_days),
        organisation=Party(id=organisation.id, name=organisation.name),
        product=ProductPart(id=product.id, name=product.name, category=result.category, cn_code=result.cn_code,
                            product_rule=result.product_rule, product_rule_kind=rule_kind,
                            national_catalogue=result.national_catalogue),
        footprint=FootprintPart(
            id=footprint_id,
            total_kgco2e=decimal_string(result.total_kgco2e),
            pcf_excluding_biogenic_uptake=decimal_string(result.pcf_excluding_biogenic_uptake),
            declared_unit=DeclaredUnitPart(amount=decimal_string(result.declared_unit.amount),
                                           unit=result.declared_unit.unit),
            boundary=result.boundary,
            standard=result.standard,
            method=result.method,
            # the part of the total characterised under `method`; the rest carries the GWP sets the
            # factors' sources published under (footprint.result: by_gwp_basis)
            method_share=None if result.method_share is None else decimal_string(result.method_share),
            reference_period=PeriodPart(start=result.reference_period.start, end=result.reference_period.end),
            primary_data_share=decimal_string(result.primary_data_share),
            electricity_method=result.electricity.method,
            offsets_netted=netted,
        ),
        provenance=ProvenancePart(**result.provenance.model_dump()),
        application_id=application_id,
        supersedes=supersedes,
        verification_url=f"{public_url}/verify/{number}",
        certification_body=CertificationBodyPart(name=body.name, accreditation_number=body.accreditation_number),
        # the certifiers who approved it, in order (two when the grade needed four eyes)
        approved_by=[Party(id=a.id, name=a.name) for a in approvers or []],
        verifier=verifier,
        **optional,
    )


@dataclass(frozen=True)
class CertificationBody:
    """The body that certifies (settings), named on every certificate with its accreditation."""

    name: str
    accreditation_number: str


def issue(
    session: Session,
    *,
    actor: User,
    certification_body: CertificationBody | None = None,
    approvers: list[User] | None = None,
    key: SigningKey,
    issuer: str,
    public_url: str,
    application: Application,
    footprint: Footprint,
    outcome: GradeOutcome,
    supersedes: Certificate | None,
    benchmark_key: str,
) -> Certificate:
    """Insert the signed certificate and its `issue` history row (caller commits both together)."""
    issued_at = utcnow().replace(microsecond=0)
    valid_until = issued_at + timedelta(days=outcome.validity_days)
    product = session.get(Product, application.product_id)
    organisation = session.get(Organisation, application.organisation_id)
    assert product is not None and organisation is not None
    result = stored_result(footprint)  # validated once per row (the grading read it already)
    number = new_certificate_number(issued_at)
    document = build_document(
        number=number,
        key=key,
        issuer=issuer,
        public_url=public_url,
        issued_at=issued_at,
        valid_until=valid_until,
        organisation=organisation,
        product=product,
        footprint_id=footprint.id,
        result=result,
        outcome=outcome,
        supersedes=supersedes.number if supersedes else None,
        application_id=application.id,
        certification_body=certification_body,
        approvers=approvers if approvers is not None else [actor],
        evidence=application.evidence,
    )
    canonical = document.canonical()
    certificate = Certificate(
        number=number,
        issue_key=f"renewal-of:{supersedes.id}" if supersedes else f"application:{application.id}",
        application_id=application.id,
        supersedes_id=supersedes.id if supersedes else None,
        organisation_id=application.organisation_id,
        product_id=application.product_id,
        scheme=outcome.scheme,
        tier=outcome.tier or "",
        grade=outcome.grade,
        product_rule=result.product_rule,
        declared_unit=f"{result.declared_unit.amount:g} {result.declared_unit.unit}",
        benchmark_key=benchmark_key,
        total_kgco2e=result.total_kgco2e,
        issued_at=issued_at,
        valid_from=issued_at,
        valid_until=valid_until,
        surveillance_interval_days=outcome.surveillance_interval_days,
        payload=canonical.decode("utf-8"),
        signature=key.sign(canonical),
        key_id=key.key_id,
    )
    session.add(certificate)
    try:
        session.flush()
    except IntegrityError as exc:
        raise Conflict("a certificate was already issued for this application (or renewal)") from exc
    history.record(
        session,
        actor=actor,
        organisation_id=certificate.organisation_id,
        entity_type="certificate",
        entity_id=certificate.id,
        action="issue",
        to_state="valid",
        detail={
            "number": number,
            "application_id": application.id,
            "tier": outcome.tier,
            "grade": outcome.grade,
            "supersedes": supersedes.number if supersedes else None,
        },
    )
    if supersedes is not None:  # issue 16: the renewed certificate's subscribers hear of its successor
        webhooks.enqueue(session, certificate=supersedes, event="renewed", at=issued_at,
                         detail={"superseded_by": number})
    return certificate


def payload_of(certificate: Certificate) -> dict[str, Any]:
    """The signed document as published (JSON values, numbers as decimal strings): the stored bytes, read."""
    return json.loads(certificate.payload)


def get_by_number(session: Session, number: str) -> Certificate:
    certificate = session.scalar(select(Certificate).where(Certificate.number == number))
    if certificate is None:
        raise NotFound(f"certificate {number} not found")
    return certificate


def get_visible_by_number(session: Session, number: str, user: User) -> Certificate:
    certificate = get_by_number(session, number)
    scope = organisation_scope(user)
    if scope is not None and certificate.organisation_id != scope:
        raise NotFound(f"certificate {number} not found")
    return certificate


def successor_of(session: Session, certificate: Certificate) -> Certificate | None:
    return session.scalar(select(Certificate).where(Certificate.supersedes_id == certificate.id))


def views_of(
    session: Session, certificates: list[Certificate], *, now: datetime | None = None
) -> dict[str, CertificateState]:
    """State, successor and parsed document of each certificate, by id, in three queries for any
    number of certificates (api/usecases/certificate_views.py)."""
    return states_of(session, certificates, now=now or utcnow())


def public_view(session: Session, number: str, *, now: datetime | None = None) -> tuple[Certificate, CertificateState]:
    """A certificate by number with its state, successor and parsed document, in two queries (the
    public verification route); NotFound when no certificate has the number."""
    found = state_by_number(session, number, now=now or utcnow())
    if found is None:
        raise NotFound(f"certificate {number} not found")
    return found


def status_of(session: Session, certificate: Certificate, *, now: datetime | None = None) -> StatusView:
    return views_of(session, [certificate], now=now)[certificate.id].status


def check_signature(certificate: Certificate, public_keys: dict[str, Ed25519PublicKey]) -> Verdict:
    """Signature with a known key, and the stored record equal to the signed document (api/usecases/verification.py)."""
    return verification.verify(certificate, public_keys)


# action -> (statuses the scheme allows it from, needs a reason). Renewal happens before expiry
# (labels.md: "renewal (before expiry)"), never on a suspended, revoked or superseded certificate.
CERTIFICATE_ACTIONS: dict[str, tuple[tuple[str, ...], bool]] = {
    "surveillance": (("valid", "suspended"), False),
    "suspend": (("valid",), True),
    "lift_suspension": (("suspended",), True),
    "revoke": (("valid", "suspended", "expired"), True),
    "renew": (("valid",), True),
}


def check_action(session: Session, *, certificate: Certificate, action: str, reason: str | None) -> StatusView:
    """Lock the certificate, refuse an action its state or a missing reason does not allow; return
    the current status."""
    allowed, needs_reason = CERTIFICATE_ACTIONS[action]
    if needs_reason and not (reason and reason.strip()):
        raise InvalidInput(f"{action.replace('_', ' ')} needs a reason")
    # lock the certificate row for the rest of the transaction (PostgreSQL; SQLite's BEGIN
    # IMMEDIATE already serialises writers) so two concurrent actions see each other's rows
    session.execute(select(Certificate.id).where(Certificate.id == certificate.id).with_for_update())
    current = status_of(session, certificate)
    if current.status not in allowed:
        raise Conflict(
            f"certificate {certificate.number} is {current.status}; {action.replace('_', ' ')} is allowed only "
            f"when it is {' or '.join(allowed)}"
        )
    if action == "lift_suspension" and not current.explicitly_suspended:
        raise Conflict(
            f"certificate {certificate.number} is suspended because surveillance is overdue; "
            "record a surveillance instead of lifting"
        )
    return current


def act(
    session: Session,
    *,
    actor: User,
    certificate: Certificate,
    action: str,
    reason: str | None,
    detail: dict[str, Any] | None = None,
) -> HistoryEntry:
    current = check_action(session, certificate=certificate, action=action, reason=reason)
    to_state = {"suspend": "suspended", "revoke": "revoked", "lift_suspension": "valid"}.get(action)
    entry = history.record(
        session,
        actor=actor,
        organisation_id=certificate.organisation_id,
        entity_type="certificate",
        entity_id=certificate.id,
        action=action,
        from_state=current.status,
        to_state=to_state,
        reason=reason,
        detail=detail,
    )
    session.flush()
    if action in ("suspend", "revoke"):  # issue 16: subscribers hear of it, in the same transaction
        webhooks.enqueue(session, certificate=certificate, event=f"{to_state}", at=entry.at,
                         detail={"reason": reason})
    return entry


def renewal_approvers(
    session: Session,
    *,
    actor: User,
    certificate: Certificate,
    status: str,
    footprint_id: str,
    outcome: GradeOutcome,
    reason: str | None,
    four_eyes_tiers: tuple[str, ...],
) -> list[User] | None:
    """Who approves this renewal: the actor alone, or (a four-eyes tier) the certifier whose
    `renew_first_approval` is the certificate's last row, for the same footprint, and the actor.
    None when this call recorded the first of the two approvals (the caller commits it)."""
    if outcome.tier not in four_eyes_tiers:
        return [actor]
    last = history.effective_entries(session, entity_type="certificate", entity_id=certificate.id)[-1]
    pending = last.action == "renew_first_approval" and last.detail.get("footprint_id") == footprint_id
    if pending and last.actor_id == actor.id:
        raise Forbidden("four eyes: a second certifier must approve the renewal, not the one who approved first")
    if pending:
        first = session.get(User, last.actor_id) if last.actor_id else None
        return [a for a in (first, actor) if a is not None]
    history.record(
        session,
        actor=actor,
        organisation_id=certificate.organisation_id,
        entity_type="certificate",
        entity_id=certificate.id,
        action="renew_first_approval",
        from_state=status,
        to_state=status,
        reason=reason,
        detail={"footprint_id": footprint_id, "tier": outcome.tier, "grade": outcome.grade},
    )
    return None


class RegistryBenchmarks:
    """The benchmark source over this registry: certificates valid on a date, by benchmark key."""

    def __init__(self, session: Session):
        self._session = session

    def members(self, key: str, on: date) -> list[CertifiedFootprint]:
        moment = datetime.combine(on, datetime.max.time()).replace(tzinfo=utcnow().tzinfo)
        query = select(Certificate).where(Certificate.benchmark_key == key, Certificate.valid_from <= moment)
        found: list[CertifiedFootprint] = []
        for certificate in self._session.scalars(query.order_by(Certificate.number)):
            if status_of(self._session, certificate, now=moment).status != "valid":
                continue
            footprint = document_of(certificate).footprint
            application = self._session.get(Application, certificate.application_id)
            verifier = ((application.evidence or {}).get("verifier") or {}) if application is not None else {}
            found.append(
                CertifiedFootprint(
                    certificate_number=certificate.number,
                    total_kgco2e=certificate.total_kgco2e,
                    issued=certificate.valid_from.date(),
                    valid_until=certificate.valid_until.date(),
                    scheme=certificate.scheme,
                    boundary=footprint.boundary,
                    method=footprint.method,
                    verifier=verifier.get("name") if isinstance(verifier, dict) else None,
                )
            )
        return found
