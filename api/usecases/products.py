"""Products, BOM uploads and stored footprints (with the provenance of every number)."""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from api import guards
from api.storage.models import BomUpload, Footprint, Product, User
from api.usecases import history, transactions
from api.usecases.access import organisation_scope
from api.usecases.domain import Domain
from footprint.result import FootprintResult


def create_product(session: Session, *, actor: User, name: str, category: str | None, cn_code: str | None) -> Product:
    product = Product(
        organisation_id=actor.organisation_id, name=name, category=category, cn_code=cn_code, created_by=actor.id
    )
    session.add(product)
    session.flush()
    history.record(
        session,
        actor=actor,
        organisation_id=product.organisation_id,
        entity_type="product",
        entity_id=product.id,
        new_entity=True,
        action="create",
        detail={"name": name},
    )
    return product


def list_products(session: Session, *, user: User, limit: int, offset: int) -> list[Product]:
    query = select(Product)
    scope = organisation_scope(user)
    if scope is not None:
        query = query.where(Product.organisation_id == scope)
    return list(session.scalars(query.order_by(Product.created_at, Product.id).limit(limit).offset(offset)))


def store_bom(
    session: Session,
    *,
    actor: User,
    product: Product,
    filename: str,
    file_format: str,
    raw: bytes,
    bom: dict[str, Any],
) -> BomUpload:
    guards.check_stored("bom", bom)
    upload = BomUpload(
        product_id=product.id,
        organisation_id=product.organisation_id,
        filename=filename,
        file_format=file_format,
        sha256=hashlib.sha256(raw).hexdigest(),
        bom=bom,
        created_by=actor.id,
    )
    session.add(upload)
    session.flush()
    history.record(
        session,
        actor=actor,
        organisation_id=product.organisation_id,
        entity_type="bom",
        entity_id=upload.id,
        new_entity=True,
        action="upload",
        detail={"product_id": product.id, "filename": filename, "sha256": upload.sha256},
    )
    return upload


def store_footprint(
    session: Session, *, actor: User, product: Product, bom: BomUpload | None, result: FootprintResult
) -> Footprint:
    document = result.model_dump(mode="json")
    guards.check_stored_dump("footprint", document)  # the model's own dump (see there what it guarantees)
    row = Footprint(
        product_id=product.id,
        organisation_id=product.organisation_id,
        bom_id=bom.id if bom else None,
        result=document,
        total_kgco2e=result.total_kgco2e,
        method=result.method,
        snapshot_name=result.provenance.snapshot_name,
        snapshot_hash=result.provenance.snapshot_hash,
        code_version=result.provenance.code_version,
        input_hash=result.provenance.input_hash,
        seed=result.uncertainty.seed if result.uncertainty else None,
        created_by=actor.id,
    )
    session.add(row)
    session.flush()
    history.record(
        session,
        actor=actor,
        organisation_id=product.organisation_id,
        entity_type="footprint",
        entity_id=row.id,
        action="compute",
        new_entity=True,  # the footprint row was created just above
        detail={
            "product_id": product.id,
            "bom_id": row.bom_id,
            "snapshot": f"{row.snapshot_name}@{row.snapshot_hash}",
            "method": row.method,
        },
    )
    return row


def compute_footprint(
    session: Session, domain: Domain, *, actor: User, product: Product, upload: BomUpload,
    method: str, electricity: str, monte_carlo: int | None, seed: int | None, samples: bool = False,
) -> Footprint:
    """Compute the footprint of an upload (the caller checked both are visible and belong together)
    and store it with its history row; the caller commits."""
    transactions.end_reads(session)  # SQLite's write lock is not held through the engine's run
    # `samples` is passed only when asked for, as before (a Domain without draws to keep need not know it)
    keep_draws: dict[str, Any] = {"samples": True} if samples else {}
    result = domain.compute(upload.bom, method=method, electricity=electricity, monte_carlo=monte_carlo, seed=seed,
                            **keep_draws)
    return store_footprint(session, actor=actor, product=product, bom=upload, result=result)
