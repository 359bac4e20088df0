"""Public, no login: certificate verification (HTML for people, JSON for machines) and signing keys."""

from __future__ import annotations

from datetime import date
from typing import Any, Protocol

from cryptography.hazmat.primitives import serialization
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from api.http.deps import SessionDep, StateDep
from api.errors import NotFound
from api.http.schemas import KeySet, SignaturePublic, VerificationPublic
from api.usecases import certificates as service
from api.usecases.cbam_indicative import indicative_for_document
from api.documents.signing import b64url

router = APIRouter(tags=["public"])


class VerificationPages(Protocol):
    """The human page behind a certificate's QR code. The web door provides it when it is installed
    (api.web.install puts it on app.state.verification_pages); the HTTP door never imports the web door."""

    def found(self, request: Request, **context: Any) -> Response: ...

    def missing(self, request: Request, number: str) -> Response: ...


def _pages(request: Request) -> VerificationPages | None:
    return getattr(request.app.state, "verification_pages", None)


def _wants_json(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept.split("application/json")[0]


@router.get(
    "/verify/{number}",
    response_model=VerificationPublic,
    responses={
        200: {"content": {"text/html": {}}, "description": "HTML by default; JSON with Accept: application/json"},
        404: {"description": "No such certificate"},
    },
)
def verify(number: str, request: Request, session: SessionDep, state: StateDep) -> Response:
    """Verify a certificate: status on this instant, the signed values, and the signature check."""
    try:
        certificate, view = service.public_view(session, number)
    except NotFound:
        pages = _pages(request)
        if _wants_json(request) or pages is None:
            raise
        return pages.missing(request, number)
    document, status, successor = view.document, view.status, view.successor
    # the signature and the stored record, checked on every request (never memoized here)
    check = service.check_signature(certificate, state.public_keys)
    footprint = document.get("footprint", {})
    verification = VerificationPublic(
        certificate_number=certificate.number,
        # never "valid" unless the signature verifies with a known key and the record is the signed one
        status=check.problem or status.status,
        lifecycle_status=status.status,
        status_since=status.since,
        status_reason=check.reason if check.problem else status.reason,
        superseded_by=successor.number if successor else None,
        supersedes=document.get("supersedes"),
        product=document.get("product", {}),
        organisation=document.get("organisation", {}).get("name", ""),
        value={
            "total_kgco2e": footprint.get("total_kgco2e"),
            "declared_unit": footprint.get("declared_unit"),
            "boundary": footprint.get("boundary"),
            "standard": footprint.get("standard"),
        },
        scheme=document.get("scheme", ""),
        tier=document.get("tier"),
        grade=document.get("grade"),
        valid_from=document.get("valid_from", ""),
        valid_until=document.get("valid_until", ""),
        rule_set_version=document.get("rule_set_version", ""),
        snapshot_hash=document.get("provenance", {}).get("snapshot_hash", ""),
        issuer=document.get("issuer", ""),
        signature=SignaturePublic(
            valid=check.valid, key_id=check.key_id, problem=check.problem, reason=check.reason
        ),
        signed_document=document,
        signature_value=certificate.signature,
    )
    pages = _pages(request)
    if _wants_json(request) or pages is None:
        return JSONResponse(verification.model_dump(mode="json"))
    cbam = indicative_for_document(session, state.domain, document, date.today())
    return pages.found(request, v=verification, document=document, cbam=cbam)


@router.get("/v1/keys", response_model=KeySet, tags=["public"])
def keys(state: StateDep) -> KeySet:
    """Public keys (JWK, Ed25519) that certificate signatures verify against, by key id."""
    listed = []
    for key_id, public_key in sorted(state.public_keys.items()):
        raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        listed.append({"kty": "OKP", "crv": "Ed25519", "x": b64url(raw), "kid": key_id, "alg": "EdDSA", "use": "sig"})
    return KeySet.model_validate({"keys": listed})
