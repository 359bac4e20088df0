"""The exporter's side of a label application: the gate pre-check before applying (submitting, or
answering a request for information, is `api.usecases.certification.submit`), the certificate an approval issued, and its files (the
certificate PDF and the on-pack label artwork). The HTTP routes and the web pages both call these.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.usecases.domain import Domain
from api.errors import InvalidInput
from api.storage.models import Application, Certificate, Footprint, Product, User
from api.documents.label import MEDIA_TYPES as LABEL_FORMATS
from api.usecases import certificates, claims, grading, history
from api.usecases.access import require_role


@dataclass(frozen=True)
class DownloadFile:
    filename: str
    media_type: str
    content: bytes


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


def certificate_of(session: Session, application: Application) -> Certificate | None:
    """The certificate the application's approval issued (None before)."""
    return session.scalar(select(Certificate).where(Certificate.issue_key == f"application:{application.id}"))


def timeline(session: Session, application: Application) -> list[Any]:
    """The application's history rows, oldest first (submit, review, requests, decisions)."""
    return list(history.entries_for(session, entity_type="application", entity_id=application.id))


def certificate_pdf(session: Session, *, user: User, number: str) -> DownloadFile:
    """The certificate as PDF, one page per language (a visible certificate only; else 404)."""
    from api.documents.certificate_pdf import render_certificate_pdf

    require_role(user, "exporter", "certifier", "admin")
    certificate = certificates.get_visible_by_number(session, number, user)
    document = certificates.document_of(certificate)
    # a carbon-neutral certificate prints the retired lots behind its claim on a page of their own
    lots = claims.certificate_lots(session, certificate) if document.neutral_claim else None
    session.commit()  # end the read before the slow rendering
    return DownloadFile(f"{certificate.number}.pdf", "application/pdf", render_certificate_pdf(document, lots))


def label_artwork(session: Session, *, user: User, number: str, fmt: str, dpi: int = 300) -> DownloadFile:
    """The on-pack label (labels.md P3) of an issued certificate as SVG, PNG or PDF."""
    from api.documents.label import render_label
    from api.usecases.labelling import artwork_of_document
    from labels import LabelsError

    require_role(user, "exporter", "certifier", "admin")
    if fmt not in LABEL_FORMATS:
        raise InvalidInput(f"label format {fmt!r}: use {', '.join(LABEL_FORMATS)}")
    certificate = certificates.get_visible_by_number(session, number, user)
    document = certificates.payload_of(certificate)
    session.commit()
    try:
        content = render_label(artwork_of_document(document), fmt, dpi=dpi)  # type: ignore[arg-type]  # checked above
    except LabelsError as exc:
        raise InvalidInput(f"certificate {number}: {exc}") from None
    return DownloadFile(f"{certificate.number}.label.{fmt}", LABEL_FORMATS[fmt], content)
