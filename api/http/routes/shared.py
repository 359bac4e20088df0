"""Issue 16: an exporter grants a bank or buyer read access to one product; the grantee's read-only routes."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict

from api.http.deps import CurrentUser, SessionDep, StateDep
from api.http.schemas import error_responses
from api.usecases import shared, webhooks
from api.usecases.access import require_role

router = APIRouter(prefix="/v1", tags=["shared"], responses=error_responses(401, 403, 404, 409, 422))


class GrantIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    grantee_organisation_id: str
    role: str


def _grant_out(row: Any) -> dict[str, Any]:
    return {"id": row.id, "product_id": row.product_id, "grantee_organisation_id": row.grantee_organisation_id,
            "role": row.role, "granted_at": row.granted_at.isoformat(),
            "revoked_at": row.revoked_at.isoformat() if row.revoked_at else None}


@router.post("/products/{product_id}/grants", status_code=201)
def grant(product_id: str, body: GrantIn, user: CurrentUser, session: SessionDep) -> dict[str, Any]:
    """Exporter: let an organisation read this product as bank or buyer."""
    row = shared.grant(session, actor=user, product_id=product_id, grantee_organisation_id=body.grantee_organisation_id,
                       role=body.role)
    session.commit()
    return _grant_out(row)


@router.get("/products/{product_id}/grants")
def grants(product_id: str, user: CurrentUser, session: SessionDep) -> list[dict[str, Any]]:
    """Exporter: the live grants of this product, oldest first, with the grantee organisation's name (what the
    certificate and claim pages list; a revoked grant is no longer listed)."""
    return [{**row, "product_id": product_id, "granted_at": row["granted_at"].isoformat()}
            for row in shared.grants_of(session, actor=user, product_id=product_id)]


@router.delete("/products/{product_id}/grants/{grant_id}")
def revoke(product_id: str, grant_id: str, user: CurrentUser, session: SessionDep) -> dict[str, Any]:
    """Exporter: withdraw a grant; the grantee's next read answers 404."""
    row = shared.revoke(session, actor=user, product_id=product_id, grant_id=grant_id)
    session.commit()
    return _grant_out(row)


@router.get("/shared/products/{product_id}/certificates")
def certificates(product_id: str, user: CurrentUser, session: SessionDep) -> list[dict[str, Any]]:
    """Bank / buyer: status and validity, footprint, verifier of each certificate of the product."""
    product = shared.granted_product(session, reader=user, product_id=product_id, what="certificates")
    views = shared.certificate_views(session, product)
    session.commit()  # the audit row of this read
    return views


@router.get("/shared/products/{product_id}/series", response_model=None)
def series(product_id: str, user: CurrentUser, session: SessionDep,
           format: str = Query("json", pattern="^(json|csv|xlsx)$")) -> Response:
    """Bank / buyer: the certified footprints of the product, baseline first (CSV, XLSX or JSON)."""
    product = shared.granted_product(session, reader=user, product_id=product_id, what=f"series.{format}")
    rows = shared.series_rows(session, product)
    session.commit()
    if format == "csv":
        return Response(shared.series_csv(rows), media_type="text/csv; charset=utf-8")
    if format == "xlsx":
        return Response(shared.series_xlsx(rows),
                        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    return JSONResponse(rows)


@router.get("/shared/products/{product_id}/retirements")
def retirements(product_id: str, user: CurrentUser, session: SessionDep) -> list[dict[str, Any]]:
    """Bank / buyer: the retirement records behind the product's certified claims."""
    product = shared.granted_product(session, reader=user, product_id=product_id, what="retirements")
    records = shared.retirement_records(session, product)
    session.commit()
    return records


class SubscriptionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str


@router.post("/webhooks", status_code=201)
def subscribe(body: SubscriptionIn, user: CurrentUser, session: SessionDep, state: StateDep) -> dict[str, Any]:
    """Exporter, bank, buyer: receive signed certificate events (suspended, revoked, renewed, expired) of the
    organisation's own certificates and of the products granted to it. The URL must be http(s) without
    credentials and resolve to public addresses only (422 otherwise)."""
    row = webhooks.subscribe(session, actor=user, url=body.url, allow_loopback=state.settings.webhook_allow_loopback)
    session.commit()
    return {"id": row.id, "url": row.url, "events": list(webhooks.EVENTS)}


@router.post("/webhooks/deliver")
def deliver(user: CurrentUser, session: SessionDep, state: StateDep) -> dict[str, int]:
    """Admin: enqueue expiries and POST every due event now (the same the delivery loop does)."""
    require_role(user, "admin")
    expired = webhooks.enqueue_expiries(session)
    poster = webhooks.httpx_poster(allow_loopback=state.settings.webhook_allow_loopback)
    delivered, failed = webhooks.deliver_due(session, post=poster)
    session.commit()
    return {"expired_enqueued": expired, "delivered": delivered, "failed": failed}
