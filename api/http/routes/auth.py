"""OAuth2 client-credentials token endpoint (RFC 6749 §4.4), guarded by the sign-in throttle.

Errors keep RFC 6749 §5.2's format (`{"error": ..., "error_description": ...}`): `invalid_client`
(401) for an unknown id, a wrong secret or a disabled account alike, `slow_down` (429, the code
RFC 8628 registered) with `Retry-After` when the throttle refuses.
"""

from __future__ import annotations

import base64
import binascii
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import JSONResponse

from api.http.deps import SessionDep, StateDep
from api.errors import NotAuthenticated
from api.http.schemas import TokenResponse
from api.usecases import accounts, throttle

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


def _oauth_error(status: int, error: str, description: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(
        {"error": error, "error_description": description},
        status_code=status,
        headers={"Cache-Control": "no-store", **({"WWW-Authenticate": "Basic"} if status == 401 else {}), **(headers or {})},
    )


@router.post(
    "/auth/token",
    response_model=TokenResponse,
    responses={
        400: {"description": "Unsupported grant type"},
        401: {"description": "Invalid client"},
        429: {"description": "Too many failed attempts for this client id from this address"},
    },
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
    try:
        basic = _basic_credentials(request)
    except NotAuthenticated as exc:
        return _oauth_error(401, "invalid_client", exc.message)
    if basic is not None:
        client_id, client_secret = basic
    if not client_id or not client_secret:
        return _oauth_error(401, "invalid_client", "client_id and client_secret are required")
    settings = state.settings
    try:
        token, ttl = accounts.issue_token(
            session,
            client_id=client_id,
            client_secret=client_secret,
            ttl_seconds=settings.token_ttl_seconds,
            address=request.client.host if request.client else "unknown",
            policy=throttle.ThrottlePolicy(settings.login_max_failures, settings.login_window_seconds),
        )
    except throttle.TooManyAttempts as exc:
        session.commit()  # keep the attempt's log row
        return _oauth_error(429, "slow_down", exc.message, {"Retry-After": str(exc.retry_after)})
    except accounts.InvalidClient as exc:
        session.commit()  # keep the failure count and the log row
        return _oauth_error(401, "invalid_client", exc.message)
    session.commit()
    return JSONResponse(
        TokenResponse(access_token=token, expires_in=ttl).model_dump(),
        headers={"Cache-Control": "no-store", "Pragma": "no-cache"},
    )
