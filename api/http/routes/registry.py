"""Certificate search: for trade offices (and every signed-in role) and the public registry. Both
call the one search function (api/usecases/search.py); the web pages will too."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from api.http.deps import CurrentUser, SessionDep
from api.http.schemas import error_responses
from api.usecases.access import require_role
from api.usecases.search import CertificateHit, CertificateQuery, search_certificates

router = APIRouter(tags=["registry"])

Text = Annotated[str | None, Query(min_length=1, max_length=200)]
StatusQuery = Annotated[str | None, Query(pattern="^(valid|suspended|revoked|expired|superseded)$")]


def certificate_query(
    exporter: Text = None,
    product: Text = None,
    cn_code: Annotated[str | None, Query(pattern=r"^[0-9]{1,10}$", description="prefix")] = None,
    scheme: Text = None,
    status: StatusQuery = None,
    number: Annotated[str | None, Query(min_length=1, max_length=40, description="prefix")] = None,
) -> CertificateQuery:
    return CertificateQuery(exporter, product, cn_code, scheme, status, number)


QueryDep = Annotated[CertificateQuery, Depends(certificate_query)]


def _hits(session: SessionDep, query: CertificateQuery, limit: int, offset: int) -> list[CertificateHit]:
    return [
        hit for hit in search_certificates(session, query, limit=limit, offset=offset)
    ]


@router.get("/v1/search/certificates", response_model=list[CertificateHit], responses=error_responses(401, 403, 422))
def search(
    user: CurrentUser,
    session: SessionDep,
    query: QueryDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> list[CertificateHit]:
    """Certificates by exporter, product, CN code (prefix), scheme, status, number (prefix):
    the public fields of every organisation's certificates, newest first."""
    require_role(user, "trade_office", "certifier", "admin", "exporter")
    return _hits(session, query, limit, offset)


@router.get("/registry/certificates", response_model=list[CertificateHit], tags=["public"])
def public_registry(
    session: SessionDep,
    query: QueryDep,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0, le=10_000)] = 0,
) -> list[CertificateHit]:
    """Public registry (no login): the same search over the same public fields."""
    return _hits(session, query, limit, offset)
