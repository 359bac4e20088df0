"""One certificate search over public fields, for trade offices, the public registry and (later)
the web pages: exporter, product, CN code, scheme, status, number.

Text fields match case-insensitively anywhere in the value (LIKE wildcards in the query are taken
literally); the CN code and the number match from their start. Status is derived from history
and dates (never stored), so it is filtered after the database narrowed the rest. Every value
shown comes from the signed document, never from a table that could have changed since.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.storage.models import Certificate, Organisation, Product, utcnow
from api.usecases.certificate_views import states_of
from api.usecases.certificates import document_of

# status filtering derives each candidate's state: at most this many candidates are examined
MAX_STATUS_SCAN = 5000


@dataclass(frozen=True)
class CertificateQuery:
    exporter: str | None = None
    product: str | None = None
    cn_code: str | None = None
    scheme: str | None = None
    status: str | None = None
    number: str | None = None


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
    cn_code: str | None
    total_kgco2e: str
    declared_unit: dict[str, Any]
    valid_from: str
    valid_until: str
    verification_url: str


def _contains(column: Any, value: str) -> Any:
    return func.lower(column).contains(value.lower(), autoescape=True)


def search_certificates(
    session: Session, query: CertificateQuery, *, limit: int, offset: int, now: datetime | None = None
) -> list[CertificateHit]:
    statement = (
        select(Certificate, Organisation.name, Product.cn_code)
        .join(Organisation, Organisation.id == Certificate.organisation_id)
        .join(Product, Product.id == Certificate.product_id)
    )
    if query.exporter:
        statement = statement.where(_contains(Organisation.name, query.exporter))
    if query.product:
        statement = statement.where(_contains(Product.name, query.product))
    if query.cn_code:
        statement = statement.where(Product.cn_code.startswith(query.cn_code, autoescape=True))
    if query.scheme:
        statement = statement.where(Certificate.scheme == query.scheme)
    if query.number:
        statement = statement.where(Certificate.number.startswith(query.number.upper(), autoescape=True))
    statement = statement.order_by(Certificate.issued_at.desc(), Certificate.id)
    moment = now or utcnow()
    if query.status is None:
        rows = session.execute(statement.limit(limit).offset(offset)).all()
    else:
        rows = session.execute(statement.limit(MAX_STATUS_SCAN)).all()
    hits: list[CertificateHit] = []
    skipped = 0
    views = states_of(session, [row[0] for row in rows], now=moment)  # three queries for the whole page
    for certificate, _exporter, cn_code in rows:
        status = views[certificate.id].status
        if query.status is not None:
            if status.status != query.status:
                continue
            if skipped < offset:
                skipped += 1
                continue
        document = document_of(certificate)
        signed = document.wire()  # dates and numbers as signed
        hits.append(
            CertificateHit(
                number=certificate.number,
                status=status.status,
                status_since=status.since,
                scheme=document.scheme,
                tier=document.tier,
                grade=document.grade,
                exporter=document.organisation.name,
                product=document.product.name,
                cn_code=document.product.cn_code or cn_code,
                total_kgco2e=document.footprint.total_kgco2e,
                declared_unit=signed["footprint"]["declared_unit"],
                valid_from=signed["valid_from"],
                valid_until=signed["valid_until"],
                verification_url=document.verification_url,
            )
        )
        if len(hits) >= limit:
            break
    return hits
