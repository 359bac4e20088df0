"""The exporter's side of a label application: the gate pre-check before applying, submit (or
answer a request for information), the certificate an approval issued, and its files (the
certificate PDF and the on-pack label artwork). The HTTP routes and the web pages both call these.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.domain import Domain
from api.errors import InvalidInput
from api.models import Application, Certificate, Footprint, Product, User
from api.rendering.label import MEDIA_TYPES as LABEL_FORMATS
from api.services import applications as workflow
from api.services import certificates, grading, history
from api.services.access import get_visible, require_role


@dataclass(frozen=True)
class DownloadFile:
    filename: str
    media_type: str
    content: bytes


def visible_product(session: Session, user: User, product_id: str) -> Product:
    return get_visible(session, Product, product_id, user, "product")


def visible_footprint(session: Session, user: User, footprint_id: str) -> Footprint:
    return get_visible(session, Footprint, footprint_id, user, "footprint")


def visible_application(session: Session, user: User, application_id: str) -> Application:
    return get_visible(session, Application, application_id, user, "application")


def product_of(session: Session, application: Application) -> Product:
    product = session.get(Product, application.product_id)
    assert product is not None  # a foreign key
    return product


def footprint_of(session: Session, application: Application) -> Footprint | None:
    return session.get(Footprint, application.footprint_id)


def precheck(session: Session, domain: Domain, *, product: Product, footprint: Footprint, scheme: str,
             evidence: dict[str, Any]) -> dict[str, Any]:
    """What the rules would say if this were submitted now (nothing is stored): the outcome with
    every gate rule, or {"error": ...} when the evidence cannot be read."""
    if scheme not in domain.schemes():
        raise InvalidInput(f"unknown scheme {scheme!r}; known schemes: {', '.join(sorted(domain.schemes()))}")
    if footprint.product_id != product.id:
        raise InvalidInput(f"footprint {footprint.id} belongs to another product than {product.id}")
    unsaved = Application(evidence=evidence, scheme=scheme, organisation_id=product.organisation_id)
    return grading.stored_evaluation(session, domain, unsaved, footprint)


def submit(session: Session, domain: Domain, *, actor: User, application_id: str,
           evidence: dict[str, Any] | None = None, footprint_id: str | None = None,
           reason: str | None = None) -> Application:
    """Submit a draft, or answer a request for information (optionally with new evidence or a newer
    footprint of the same product); the rules' full evaluation is stored with it. The caller commits."""
    require_role(actor, "exporter")
    application = get_visible(session, Application, application_id, actor, "application")
    changes: dict[str, Any] = {}
    if evidence is not None:
        changes["evidence"] = evidence
    if footprint_id is not None:
        footprint = get_visible(session, Footprint, footprint_id, actor, "footprint")
        if footprint.product_id != application.product_id:
            raise InvalidInput(f"footprint {footprint.id} is not of the application's product")
        changes["footprint_id"] = footprint.id
    changed = sorted(changes)
    # evaluate what is being submitted (the new evidence and footprint, if any)
    submitted = Application(**{**{c: getattr(application, c) for c in ("evidence", "scheme")}, **changes})
    footprint_row = session.get(Footprint, changes.get("footprint_id", application.footprint_id))
    assert footprint_row is not None
    changes["submitted_evaluation"] = grading.stored_evaluation(session, domain, submitted, footprint_row)
    return workflow.transition(session, actor=actor, application=application, action="submit", reason=reason,
                               detail={"changed": changed} if changed else None, changes=changes)


def certificate_of(session: Session, application: Application) -> Certificate | None:
    """The certificate the application's approval issued (None before)."""
    return session.scalar(select(Certificate).where(Certificate.issue_key == f"application:{application.id}"))


def timeline(session: Session, application: Application) -> list[Any]:
    """The application's history rows, oldest first (submit, review, requests, decisions)."""
    return list(history.entries_for(session, entity_type="application", entity_id=application.id))


def certificate_pdf(session: Session, *, user: User, number: str) -> DownloadFile:
    """The certificate as PDF, one page per language (a visible certificate only; else 404)."""
    from api.rendering.certificate_pdf import render_certificate_pdf

    require_role(user, "exporter", "certifier", "admin")
    certificate = certificates.get_visible_by_number(session, number, user)
    document = certificates.payload_of(certificate)
    session.commit()  # end the read before the slow rendering
    return DownloadFile(f"{certificate.number}.pdf", "application/pdf", render_certificate_pdf(document))


def label_artwork(session: Session, *, user: User, number: str, fmt: str, dpi: int = 300) -> DownloadFile:
    """The on-pack label (labels.md P3) of an issued certificate as SVG, PNG or PDF."""
    from api.rendering.label import render_label
    from labels import LabelsError
    from labels.artwork import artwork_from_document

    require_role(user, "exporter", "certifier", "admin")
    if fmt not in LABEL_FORMATS:
        raise InvalidInput(f"label format {fmt!r}: use {', '.join(LABEL_FORMATS)}")
    certificate = certificates.get_visible_by_number(session, number, user)
    document = certificates.payload_of(certificate)
    session.commit()
    try:
        content = render_label(artwork_from_document(document), fmt, dpi=dpi)  # type: ignore[arg-type]  # checked above
    except LabelsError as exc:
        raise InvalidInput(f"certificate {number}: {exc}") from None
    return DownloadFile(f"{certificate.number}.label.{fmt}", LABEL_FORMATS[fmt], content)
