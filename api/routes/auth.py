"""OAuth2 client-credentials token endpoint (RFC 6749 §4.4)."""

from __future__ import annotations

import base64
import binascii
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import JSONResponse

from api.deps import SessionDep, StateDep
from api.errors import NotAuthenticated
from api.schemas import TokenResponse
from api.services import accounts

router = APIRouter(tags=["auth"])


def _basic_credentials(request: Request) -> tuple[str, str] | None:
    header = request.headers.get("authorization", "")
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        client_id, _, secret = base64.b64decode(encoded.strip(), validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        raise NotAuthenticated("malformed HTTP Basic credentials") from None
    return client_id, secret


@router.post(
    "/auth/token",
    response_model=TokenResponse,
    responses={400: {"description": "Unsupported grant type"}, 401: {"description": "Invalid client"}},
)
def issue_token(
    request: Request,
    session: SessionDep,
    state: StateDep,
    grant_type: Annotated[str, Form(max_length=50)],
    client_id: Annotated[str | None, Form(max_length=100)] = None,
    client_secret: Annotated[str | None, Form(max_length=200)] = None,
) -> JSONResponse:
    """Exchange client credentials (form fields or HTTP Basic) for a bearer token."""
    if grant_type != "client_credentials":
        return JSONResponse({"error": "unsupported_grant_type"}, status_code=400)
    basic = _basic_credentials(request)
    if basic is not None:
        client_id, client_secret = basic
    if not client_id or not client_secret:
        raise NotAuthenticated("client_id and client_secret are required")
    token, ttl = accounts.issue_token(
        session, client_id=client_id, client_secret=client_secret, ttl_seconds=state.settings.token_ttl_seconds
    )
    session.commit()
    return JSONResponse(
        TokenResponse(access_token=token, expires_in=ttl).model_dump(),
        headers={"Cache-Control": "no-store", "Pragma": "no-cache"},
    )
