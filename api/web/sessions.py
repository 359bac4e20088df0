"""Browser sessions: one signed cookie per browser, and the CSRF token every form carries.

The cookie holds the signed-in account's id, a fingerprint of its password hash (changing the
password ends every other session), the CSRF token and the time it was issued; it is signed
(itsdangerous, HMAC-SHA256) with a key derived by HKDF from the service's Ed25519 signing key, so
every instance of one deployment accepts the others' cookies without a new setting, and nothing
is stored server-side. Cookie flags: HttpOnly, SameSite=Lax, Secure when the service is reached
over HTTPS (its public URL or the request say so).

CSRF: a synchronizer token. Each session (signed in or not) has a random token; every POST form
sends it back in the hidden field `csrf_token` and `check_csrf` compares the two in constant time.
A POST whose Origin header names another site is refused before that.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from fastapi import Request, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer

from api.errors import Forbidden
from api.documents.signing import SigningKey

SESSION_COOKIE = "carbonlabel_session"
CSRF_FIELD = "csrf_token"
# a signed-in session lasts a working day; the sign-in page starts a new one
SESSION_MAX_AGE_SECONDS = 8 * 3600


class CsrfRefused(Forbidden):
    """A form came back without this session's CSRF token, or from another site."""


@dataclass(frozen=True)
class WebSession:
    csrf: str
    user_id: str | None = None
    version: str | None = None  # fingerprint of the account's password hash when it signed in

    @property
    def signed_in(self) -> bool:
        return self.user_id is not None

    def to_cookie(self) -> dict[str, str | None]:
        return {"c": self.csrf, "u": self.user_id, "v": self.version}


def new_session(user_id: str | None = None, version: str | None = None) -> WebSession:
    """A fresh session with a fresh CSRF token (signing in starts one: no session fixation)."""
    return WebSession(csrf=secrets.token_urlsafe(32), user_id=user_id, version=version)


def password_fingerprint(password_hash: str) -> str:
    return hashlib.sha256(password_hash.encode()).hexdigest()[:16]


@lru_cache(maxsize=8)
def _serializer(raw_private_key: bytes) -> URLSafeTimedSerializer:
    secret = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"carbonlabel web session cookie v1").derive(
        raw_private_key
    )
    return URLSafeTimedSerializer(secret, salt="carbonlabel.web.session")


def serializer_for(key: SigningKey) -> URLSafeTimedSerializer:
    raw = key.private_key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    return _serializer(raw)


def read_session(request: Request, key: SigningKey) -> WebSession:
    """The browser's session, or a fresh anonymous one when there is none, it expired or was forged."""
    cached = getattr(request.state, "web_session", None)
    if isinstance(cached, WebSession):
        return cached
    raw = request.cookies.get(SESSION_COOKIE)
    found = None
    if raw:
        try:
            data = serializer_for(key).loads(raw, max_age=SESSION_MAX_AGE_SECONDS)
            if isinstance(data, dict) and isinstance(data.get("c"), str):
                found = WebSession(csrf=data["c"], user_id=data.get("u"), version=data.get("v"))
        except BadSignature:
            found = None
    session = found or new_session()
    request.state.web_session = session
    request.state.web_session_new = found is None
    return session


def _secure(request: Request, public_url: str) -> bool:
    return request.url.scheme == "https" or public_url.startswith("https://")


def write_session(response: Response, request: Request, key: SigningKey, public_url: str, session: WebSession) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        serializer_for(key).dumps(session.to_cookie()),
        max_age=SESSION_MAX_AGE_SECONDS,
        httponly=True,
        samesite="lax",
        secure=_secure(request, public_url),
        path="/",
    )


def _origin_of(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    port = parts.port or {"http": 80, "https": 443}.get(parts.scheme.lower())
    return parts.scheme.lower(), f"{(parts.hostname or '').lower()}:{port}"


def _same_origin(request: Request, public_url: str | None) -> bool:
    """The form came from this site: its Origin is the configured public URL's (behind a proxy the
    Host header is the proxy's upstream name), else, without one, the Host the browser asked for."""
    origin = request.headers.get("origin")
    if origin is None:
        return True  # not sent by every client; the token below still decides
    if public_url:
        return _origin_of(origin) == _origin_of(public_url)
    return urlsplit(origin).netloc == request.headers.get("host", "")


def check_csrf(request: Request, session: WebSession, submitted: str | None, public_url: str | None = None) -> None:
    """Raise CsrfRefused unless the form's token is this session's and the POST comes from here
    (`public_url`: the configured public address, when the deployment set one)."""
    if not _same_origin(request, public_url):
        raise CsrfRefused("form sent from another site")
    if not submitted or not hmac.compare_digest(submitted.encode(), session.csrf.encode()):
        raise CsrfRefused("the form's security token is missing or out of date; reload the page and send it again")
