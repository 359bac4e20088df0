"""The public registry: certificates found by number, company or product, with their state today.

A stop-gap until the one certificate search of the trustworthy-certificates work
(`api.services.search.search_certificates`) is on main; the query object and hit fields are named
as there, so the web page switches by changing one import. Values shown come from the signed
document; the state is derived from history and dates, never stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.models import Certificate, Organisation, Product, utcnow
from api.services.certificates import payload_of, status_of


@dataclass(frozen=True)
class CertificateQuery:
    exporter: str | None = None
    product: str | None = None
    number: str | None = None

    @property
    def empty(self) -> bool:
        return not (self.exporter or self.product or self.number)


@dataclass(frozen=True)
class CertificateHit:
    number: str
    status: str
    status_since: datetime
    scheme: str
    tier: str | None
    grade: str | None
    exporter: str
    product: str
    total_kgco2e: str
    declared_unit: dict[str, Any]
    valid_from: str
    valid_until: str


def _contains(column: Any, value: str) -> Any:
    # LIKE wildcards typed by the public are taken literally
    return func.lower(column).contains(value.strip().lower(), autoescape=True)


def search_certificates(
    session: Session, query: CertificateQuery, *, limit: int, offset: int = 0, now: datetime | None = None
) -> list[CertificateHit]:
    """Newest first. Text fields match anywhere, case-insensitively; the number from its start."""
    statement = (
        select(Certificate, Organisation.name)
        .join(Organisation, Organisation.id == Certificate.organisation_id)
        .join(Product, Product.id == Certificate.product_id)
    )
    if query.exporter:
        statement = statement.where(_contains(Organisation.name, query.exporter))
    if query.product:
        statement = statement.where(_contains(Product.name, query.product))
    if query.number:
        statement = statement.where(Certificate.number.startswith(query.number.strip().upper(), autoescape=True))
    statement = statement.order_by(Certificate.issued_at.desc(), Certificate.id).limit(limit).offset(offset)
    moment = now or utcnow()
    hits = []
    for certificate, exporter in session.execute(statement).all():
        document = payload_of(certificate)
        status = status_of(session, certificate, now=moment)
        footprint = document.get("footprint", {})
        hits.append(
            CertificateHit(
                number=certificate.number,
                status=status.status,
                status_since=status.since,
                scheme=document.get("scheme", certificate.scheme),
                tier=document.get("tier"),
                grade=document.get("grade"),
                exporter=document.get("organisation", {}).get("name", exporter),
                product=document.get("product", {}).get("name", ""),
                total_kgco2e=str(footprint.get("total_kgco2e", "")),
                declared_unit=footprint.get("declared_unit", {}),
                valid_from=document.get("valid_from", ""),
                valid_until=document.get("valid_until", ""),
            )
        )
    return hits
