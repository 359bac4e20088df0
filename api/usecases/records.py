"""Stored records as the doors ask for them: one visible record by id, and the listings behind a
page or a route. Visibility is the rule of api/usecases/access.py (another organisation's id
answers 404, so ids do not leak existence). The doors hold the rows these return and read their
fields; they never query the database themselves.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.storage.models import (
    Application,
    BomUpload,
    Certificate,
    Footprint,
    Organisation,
    PactConnection,
    PactFootprintRecord,
    PactRequest,
    Product,
    User,
    utcnow,
)
from api.usecases.access import get_visible, organisation_scope


def today() -> date:
    """Today in UTC: the default date of a decision, a screening or a recognition."""
    return utcnow().date()


def visible_application(session: Session, application_id: str, user: User) -> Application:
    return get_visible(session, Application, application_id, user, "application")


def visible_product(session: Session, product_id: str, user: User) -> Product:
    return get_visible(session, Product, product_id, user, "product")


def visible_footprint(session: Session, footprint_id: str, user: User) -> Footprint:
    return get_visible(session, Footprint, footprint_id, user, "footprint")


def visible_bom(session: Session, bom_id: str, user: User) -> BomUpload:
    return get_visible(session, BomUpload, bom_id, user, "BOM")


def visible_pact_connection(session: Session, connection_id: str, user: User) -> PactConnection:
    return get_visible(session, PactConnection, connection_id, user, "connection")


def visible_pact_request(session: Session, request_id: str, user: User) -> PactRequest:
    return get_visible(session, PactRequest, request_id, user, "request")


def footprint_of(session: Session, application: Application) -> Footprint:
    """The footprint an application is for (the caller checked the application is visible)."""
    footprint = session.get(Footprint, application.footprint_id)
    assert footprint is not None  # a foreign key
    return footprint


def product_and_organisation(session: Session, application: Application) -> tuple[Product | None, Organisation | None]:
    """The product and applicant of an application (the caller checked the application is visible)."""
    return session.get(Product, application.product_id), session.get(Organisation, application.organisation_id)


def user_by_id(session: Session, user_id: str | None) -> User | None:
    return session.get(User, user_id) if user_id else None


def organisation_by_id(session: Session, organisation_id: str) -> Organisation | None:
    return session.get(Organisation, organisation_id)


def issued_certificate_of(session: Session, application: Application) -> Certificate | None:
    """The certificate an application's approval issued, if any."""
    return session.scalar(select(Certificate).where(Certificate.issue_key == f"application:{application.id}"))


def product_documents(session: Session, product_id: str) -> tuple[list[Footprint], list[BomUpload]]:
    """Every footprint and BOM of a product, oldest first (the caller checked the product is visible)."""
    footprints = session.scalars(
        select(Footprint).where(Footprint.product_id == product_id).order_by(Footprint.created_at)
    ).all()
    boms = session.scalars(
        select(BomUpload).where(BomUpload.product_id == product_id).order_by(BomUpload.created_at)
    ).all()
    return list(footprints), list(boms)


def list_certificates(session: Session, user: User, *, limit: int, offset: int) -> list[Certificate]:
    """Certificates the user may see, in issue order."""
    query = select(Certificate)
    scope = organisation_scope(user)
    if scope is not None:
        query = query.where(Certificate.organisation_id == scope)
    return list(session.scalars(query.order_by(Certificate.issued_at, Certificate.id).limit(limit).offset(offset)))


def pact_records_of_request(session: Session, request_id: str) -> list[PactFootprintRecord]:
    return list(session.scalars(select(PactFootprintRecord).where(PactFootprintRecord.request_id == request_id)))


def pact_records_of_organisation(session: Session, organisation_id: str) -> list[PactFootprintRecord]:
    return list(session.scalars(
        select(PactFootprintRecord).where(PactFootprintRecord.organisation_id == organisation_id)
        .order_by(PactFootprintRecord.received_at)))
