"""Read access for banks and buyers (issue 16 item 3): an exporter grants one product to an organisation in the
role bank or buyer, and revokes it. The grantee reads the product's certificates (status and validity), the
footprints behind them (value, unit, boundary, standard, rule set), the verifier, the series of certified
footprints (baseline and each period, for sustainability-linked loan KPIs) and the retirement records behind a
neutral claim. Every read is a row in the product's audit chain (history), written in the read's transaction.
Without a live grant every read answers 404, as for a product that does not exist.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.errors import InvalidInput, NotFound
from api.storage.models import Application, Certificate, Organisation, Product, ReadGrant, User, utcnow
from api.usecases import certificates, history, ledger
from api.usecases.access import get_visible, require_role

GRANT_ROLES = ("bank", "buyer")
SERIES_COLUMNS = ("certificate_number", "status", "reference_period_start", "reference_period_end", "total_kgco2e",
                  "declared_unit", "boundary", "standard", "rule_set_version", "tier", "grade", "valid_from",
                  "valid_until", "verifier", "verification_statement")


def grant(session: Session, *, actor: User, product_id: str, grantee_organisation_id: str, role: str) -> ReadGrant:
    require_role(actor, "exporter")
    product = get_visible(session, Product, product_id, actor, "product")
    if role not in GRANT_ROLES:
        raise InvalidInput(f"role {role!r} is not one of {', '.join(GRANT_ROLES)}")
    if session.get(Organisation, grantee_organisation_id) is None:
        raise InvalidInput(f"organisation {grantee_organisation_id!r} does not exist")
    row = ReadGrant(product_id=product.id, organisation_id=product.organisation_id,
                    grantee_organisation_id=grantee_organisation_id, role=role, granted_by=actor.id)
    session.add(row)
    session.flush()
    history.record(session, actor=actor, organisation_id=product.organisation_id, entity_type="product",
                   entity_id=product.id, action="grant_read",
                   detail={"grant_id": row.id, "grantee_organisation_id": grantee_organisation_id, "role": role})
    return row


def revoke(session: Session, *, actor: User, product_id: str, grant_id: str) -> ReadGrant:
    require_role(actor, "exporter")
    product = get_visible(session, Product, product_id, actor, "product")
    row = session.get(ReadGrant, grant_id)
    if row is None or row.product_id != product.id or row.revoked_at is not None:
        raise NotFound(f"grant {grant_id} not found (or already revoked)")
    row.revoked_at, row.revoked_by = utcnow(), actor.id
    history.record(session, actor=actor, organisation_id=product.organisation_id, entity_type="product",
                   entity_id=product.id, action="revoke_read", detail={"grant_id": row.id})
    return row


def grants_of(session: Session, *, actor: User, product_id: str) -> list[dict[str, Any]]:
    """The live grants of the exporter's own product (another organisation's product: 404), oldest first, with
    the grantee organisation's name, for the exporter's page to list and revoke."""
    require_role(actor, "exporter")
    product = get_visible(session, Product, product_id, actor, "product")
    rows = session.execute(
        select(ReadGrant, Organisation)
        .join(Organisation, Organisation.id == ReadGrant.grantee_organisation_id)
        .where(ReadGrant.product_id == product.id, ReadGrant.revoked_at.is_(None))
        .order_by(ReadGrant.granted_at, ReadGrant.id))
    return [{"id": g.id, "grantee_organisation_id": g.grantee_organisation_id, "grantee": o.name, "role": g.role,
             "granted_at": g.granted_at} for g, o in rows]


def granted_product(session: Session, *, reader: User, product_id: str, what: str) -> Product:
    """The product if a live grant lets the reader's organisation read it (in the reader's role); the read is
    recorded in the product's audit chain. Otherwise 404."""
    require_role(reader, *GRANT_ROLES)
    live = session.scalar(select(ReadGrant).where(
        ReadGrant.product_id == product_id, ReadGrant.grantee_organisation_id == reader.organisation_id,
        ReadGrant.role == reader.role, ReadGrant.revoked_at.is_(None)))
    product = session.get(Product, product_id)
    if live is None or product is None:
        raise NotFound(f"product {product_id} not found")
    history.record(session, actor=reader, organisation_id=product.organisation_id, entity_type="product",
                   entity_id=product.id, action="shared_read", detail={"read": what, "grant_id": live.id})
    return product


def _certificates(session: Session, product: Product) -> list[Certificate]:
    return list(session.scalars(select(Certificate).where(Certificate.product_id == product.id)
                                .order_by(Certificate.issued_at, Certificate.id)))


def certificate_views(session: Session, product: Product) -> list[dict[str, Any]]:
    out = []
    for cert in _certificates(session, product):
        doc = certificates.payload_of(cert)
        status = certificates.status_of(session, cert)
        evidence = (session.get(Application, cert.application_id) or Application(evidence={})).evidence or {}
        out.append({"certificate_number": cert.number, "status": status.status, "status_since": status.since.isoformat(),
                    "status_reason": status.reason, "valid_from": doc.get("valid_from"),
                    "valid_until": doc.get("valid_until"), "scheme": doc.get("scheme"), "tier": doc.get("tier"),
                    "grade": doc.get("grade"), "rule_set_version": doc.get("rule_set_version"),
                    "footprint": doc.get("footprint", {}), "verifier": evidence.get("verifier"),
                    "neutral_claim": doc.get("neutral_claim"), "verification_url": doc.get("verification_url")})
    return out


def series_rows(session: Session, product: Product) -> list[dict[str, Any]]:
    """Baseline and each period: one row per certified footprint, oldest reference period first."""
    rows = []
    for view in certificate_views(session, product):
        fp, verifier = view["footprint"], view["verifier"] or {}
        period = fp.get("reference_period") or {}
        unit = fp.get("declared_unit")
        rows.append({"certificate_number": view["certificate_number"], "status": view["status"],
                     "reference_period_start": period.get("start"), "reference_period_end": period.get("end"),
                     "total_kgco2e": fp.get("total_kgco2e"),
                     "declared_unit": unit if isinstance(unit, str) or unit is None else
                     f"{unit.get('amount')} {unit.get('unit')}",
                     "boundary": fp.get("boundary"), "standard": fp.get("standard"),
                     "rule_set_version": view["rule_set_version"], "tier": view["tier"], "grade": view["grade"],
                     "valid_from": view["valid_from"], "valid_until": view["valid_until"],
                     "verifier": verifier.get("name"), "verification_statement": verifier.get("statement_id")})
    rows.sort(key=lambda r: (str(r["reference_period_start"]), str(r["valid_from"])))
    return rows


def series_csv(rows: list[dict[str, Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=SERIES_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def series_xlsx(rows: list[dict[str, Any]]) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "footprint series"
    sheet.append(list(SERIES_COLUMNS))
    for row in rows:
        sheet.append([row[c] for c in SERIES_COLUMNS])  # decimals stay text: the certified value as signed
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def retirement_records(session: Session, product: Product) -> list[dict[str, Any]]:
    """The lots and green certificates held by this product's certified claims."""
    out = []
    for cert in _certificates(session, product):
        for row in ledger.holdings_of(session, cert.application_id):
            out.append({"certificate_number": cert.number, "programme": row.programme,
                        "serial_range": None if row.block is None else f"{row.block}:{row.first_unit}-{row.last_unit}",
                        "record_id": row.record_id, "document": row.document})
    return out


def granted_products(session: Session, *, reader: User) -> list[dict[str, Any]]:
    """The products live grants let the reader's organisation read in the reader's role (the list itself reads
    nothing of the product but its name and owner; each product's read is audited by `granted_product`)."""
    require_role(reader, *GRANT_ROLES)
    rows = session.execute(
        select(ReadGrant, Product, Organisation)
        .join(Product, Product.id == ReadGrant.product_id)
        .join(Organisation, Organisation.id == ReadGrant.organisation_id)
        .where(ReadGrant.grantee_organisation_id == reader.organisation_id, ReadGrant.role == reader.role,
               ReadGrant.revoked_at.is_(None))
        .order_by(Organisation.name, Product.name))
    return [{"product_id": p.id, "product": p.name, "owner": o.name, "granted_at": g.granted_at} for g, p, o in rows]
