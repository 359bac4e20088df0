"""Input limits and error answers of the whole service, wired once by `install(app, settings)`.

- Every JSON request body is read strictly before any route sees it (footprint.strict_json:
  no NaN, Infinity, 1e400, duplicate keys, NUL or lone surrogates; bounded depth and member
  count). A refusal is a 422 with a stable `code`, so no route can store what it cannot show.
- Every stored JSON document (evidence, BOM, footprint) is checked against its own limits
  before it is written (`check_stored`).
- Every error is JSON with a stable `code`; the token endpoint keeps RFC 6749's format
  (`{"error": ..., "error_description": ...}`); an unexpected exception is a JSON 500 that
  names nothing internal.
"""

from __future__ import annotations

import json
import logging
import math
import re
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import InvalidInput, NotAuthenticated, ServiceError, answer_for, error_body
from footprint.bom import text_problem
from footprint.strict_json import InvalidJSON, JSONLimits, check_document, loads_strict
from lcidb.errors import CarbonlabelError

log = logging.getLogger("carbonlabel.api")

TOKEN_PATH = "/auth/token"
PACT_API_PREFIX = "/3/"  # the PACT v3 host API (api/http/routes/pact.py) answers in its own error format

# A request body: no route takes JSON nested deeper than a few levels beyond its evidence (whose
# own limit is below) or more than a CBAM request's 5,000 lines of ~15 fields.
REQUEST_LIMITS_DEPTH = 24
REQUEST_LIMITS_MEMBERS = 100_000

# Stored documents. Evidence is a rule set's questionnaire: the shipped evidence examples are
# 4 levels deep with ~30 keys and < 1 KiB; 12 levels, 2,000 members and 64 KiB leave ample room
# while keeping every document readable back (pydantic serialises up to ~255 levels: a deeper
# evidence once committed a state change, then broke the listing of applications for everyone).
# A BOM or footprint result is the validated model's own dump: shallow, bounded in lines by
# footprint.bom.MAX_LINES; their byte limit bounds one database row.
STORED_LIMITS: dict[str, JSONLimits] = {
    "evidence": JSONLimits(max_bytes=64 * 1024, max_depth=12, max_members=2_000),
    "bom": JSONLimits(max_bytes=64 * 1024 * 1024, max_depth=16, max_members=5_000_000),
    "footprint": JSONLimits(max_bytes=128 * 1024 * 1024, max_depth=64, max_members=10_000_000),
}

# File names: POSIX file names are at most 255 bytes; NUL ends a C string; control and bidi
# characters make a name display as something else ("bolt\u202etxt.exe").
MAX_FILENAME_BYTES = 255


def check_stored(kind: str, document: Any) -> None:
    """Refuse (422, `document.<reason>`) a document outside its kind's limits, before it is written."""
    limits = STORED_LIMITS[kind]
    try:
        check_document(document, source=kind, limits=limits)
        size = len(json.dumps(document, ensure_ascii=False, allow_nan=False).encode("utf-8"))
    except InvalidJSON as exc:
        raise InvalidInput(f"{kind}: {exc.reason}" + (f" at {exc.path}" if exc.path else ""),
                           code="document." + exc.code.split(".", 1)[1]) from None
    except (ValueError, TypeError, RecursionError) as exc:
        raise InvalidInput(f"{kind}: not storable as JSON ({exc})", code="document.invalid") from None
    if size > limits.max_bytes:
        raise InvalidInput(f"{kind}: {size} bytes; at most {limits.max_bytes} are stored",
                           code="document.too_large")


# An integer token of 16 or more digits in JSON text written with the default separators (the only
# ones that can exceed 2**53): after "[", a separator's space or a minus sign, and not running on
# into a fraction or an exponent (a float's digits do). One inside a string matches too: a
# false alarm only costs the full walk.
_LONG_INTEGER = re.compile(r"[ \[-]\d{16,}(?![\d.eE])")


def check_stored_dump(kind: str, document: Any) -> None:
    """`check_stored` for a document that is a pydantic model's own `model_dump(mode="json")` (the
    engine's footprint result): the same refusals, without visiting every value in Python.

    What the model guarantees, and what it does not: a model without `Any` fields dumps only dicts
    with str keys, lists, str, int, float, bool and None (no tuples, no parse markers such as
    duplicate keys: those only come from reading JSON text). It does NOT guarantee finite floats
    (pydantic allows NaN and Infinity by default and dumps them as floats), storable strings (a
    lone surrogate or NUL can travel from an input into a name), integers within 2**53, or a
    bounded depth (line contributions nest as deep as the BOM). So the document is serialised
    once, as `check_stored` does for its size, and:
    - NaN / Infinity: `json.dumps(allow_nan=False)` raises;
    - a lone surrogate: encoding the text as UTF-8 raises;
    - NUL: `json.dumps` always writes it as the escape \\u0000, found in the text;
    - an integer beyond 2**53 has 16 or more digits: `_LONG_INTEGER` finds every such token;
    - depth and members: a walk over the containers only (not the scalars, most of the values).
    Any suspicion (including a harmless backslash-u0000 typed in a string, or a 16-digit integer
    within the limit) falls back to the full walk, which decides exactly and names the path."""
    limits = STORED_LIMITS[kind]
    try:
        text = json.dumps(document, ensure_ascii=False, allow_nan=False)
        size = len(text.encode("utf-8"))
    except (ValueError, TypeError, RecursionError):
        check_stored(kind, document)  # names the value at fault
        raise  # pragma: no cover - check_stored refuses whatever json.dumps refuses
    if size > limits.max_bytes:
        raise InvalidInput(f"{kind}: {size} bytes; at most {limits.max_bytes} are stored", code="document.too_large")
    depth, members = _shape(document)
    if ("\\u0000" in text or _LONG_INTEGER.search(text) is not None or depth > limits.max_depth
            or members > limits.max_members):
        check_stored(kind, document)


def _shape(document: Any) -> tuple[int, int]:
    """Depth (1 for a flat object) and members (keys plus items) of a document, as check_document
    counts them, visiting containers only."""
    depth, members = 0, 0
    stack: list[tuple[Any, int]] = [(document, 1)] if isinstance(document, (dict, list)) else []
    while stack:
        node, level = stack.pop()
        depth = max(depth, level)
        members += len(node)
        values = node.values() if isinstance(node, dict) else node
        stack.extend((value, level + 1) for value in values if isinstance(value, (dict, list)))
    return depth, members


def check_filename(filename: str) -> str:
    """A user's file name that is safe to write, store and show; InvalidInput (422) otherwise."""
    if len(filename.encode("utf-8", "surrogatepass")) > MAX_FILENAME_BYTES:
        raise InvalidInput(f"file name longer than {MAX_FILENAME_BYTES} bytes", code="upload.filename_too_long")
    problem = text_problem(filename)
    if problem is not None:
        raise InvalidInput(f"file name {filename!r} refused: {problem[1]}", code="upload.filename_invalid")
    if filename in (".", ".."):
        raise InvalidInput(f"file name {filename!r} refused", code="upload.filename_invalid")
    return filename


def _body_kind(headers: dict[bytes, bytes]) -> str | None:
    content_type = headers.get(b"content-type", b"").split(b";")[0].strip().lower()
    if content_type == b"application/json" or content_type.endswith(b"+json"):
        return "json"
    if content_type == b"application/x-www-form-urlencoded":
        return "form"  # the token endpoint's client_id reaches the database
    return None


class StrictJSONBody:
    """Read JSON request bodies strictly before the app sees them (422 with a `code` otherwise),
    and refuse NUL in the path, the query string or a form body (PostgreSQL cannot store or even
    compare it: a client_id with NUL answered 500; SQLite stores it)."""

    def __init__(self, app: ASGIApp, limit: int):
        self.app, self.limit = app, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if b"%00" in scope.get("query_string", b"") or "\x00" in scope.get("path", ""):
            await _refuse(scope, receive, send, 422, "NUL in the request path or query", "request.nul_character")
            return
        kind = _body_kind(dict(scope.get("headers", [])))
        if kind is None:
            await self.app(scope, receive, send)
            return
        body = await buffer_body(receive, self.limit)
        if body is DISCONNECTED:
            await self.app(scope, receive, send)
            return
        if body is None:  # BodySizeLimit normally answered first; never read past the limit
            await _refuse(scope, receive, send, 413, f"request body larger than {self.limit} bytes",
                          "request.too_large")
            return
        if kind == "form":
            if b"%00" in body or b"\x00" in body:
                await _refuse(scope, receive, send, 422, "NUL in a form field", "request.nul_character")
                return
        elif body.strip():
            try:
                loads_strict(body, source="request body",
                             limits=JSONLimits(self.limit, REQUEST_LIMITS_DEPTH, REQUEST_LIMITS_MEMBERS))
            except InvalidJSON as exc:
                payload: dict[str, Any] = {"detail": str(exc), "code": exc.code}
                if exc.path:
                    payload["path"] = exc.path
                await _respond(scope, receive, send, 422, payload)
                return
        await self.app(scope, replaying(body, receive), send)


DISCONNECTED = b"<disconnected>"  # a sentinel: compared by identity


async def buffer_body(receive: Receive, limit: int) -> bytes | None:
    """The whole request body, None when it exceeds `limit`, DISCONNECTED when the client left."""
    chunks: list[bytes] = []
    received, more = 0, True
    while more:
        message = await receive()
        if message["type"] != "http.request":
            return DISCONNECTED
        chunks.append(message.get("body", b""))
        received += len(chunks[-1])
        more = message.get("more_body", False)
        if received > limit:
            return None
    return b"".join(chunks)


def replaying(body: bytes, receive: Receive) -> Receive:
    """A receive that gives the buffered body once, then whatever the client sends next."""
    replayed = False

    async def replay() -> Message:
        nonlocal replayed
        if not replayed:
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


async def _respond(scope: Scope, receive: Receive, send: Send, status: int, payload: dict[str, Any]) -> None:
    if scope.get("path") == TOKEN_PATH:  # RFC 6749 §5.2: a malformed request is 400 invalid_request
        payload = {"error": "invalid_request", "error_description": payload["detail"]}
        status = 400 if status == 422 else status
    elif scope.get("path", "").startswith(PACT_API_PREFIX):  # PACT v3 errors: {"code", "message"}, 400 BadRequest
        payload = {"code": "BadRequest", "message": payload["detail"]}
        status = 400 if status == 422 else status
    await JSONResponse(payload, status_code=status)(scope, receive, send)


async def _refuse(scope: Scope, receive: Receive, send: Send, status: int, detail: str, code: str) -> None:
    await _respond(scope, receive, send, status, {"detail": detail, "code": code})


def _json_safe(value: Any) -> Any:
    """A validation error's input as JSON (NaN, infinity, bytes and surrogates become text)."""
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return repr(value)
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, str):
        return value.encode("utf-8", "replace").decode("utf-8")
    if value is None or isinstance(value, (bool, int, float)):
        return value
    return str(value)


def _oauth_error(exc: ServiceError) -> tuple[str, int]:
    # RFC 6749 §5.2: invalid_client is 401; anything else about the request is invalid_request (400)
    return ("invalid_client", 401) if isinstance(exc, NotAuthenticated) else ("invalid_request", 400)


def install(app: FastAPI, *, body_limit: int, cors_origins: tuple[str, ...] = ()) -> None:
    """The strict JSON reader, the response headers and the error handlers (every answer JSON, with a `code`)."""
    app.add_middleware(StrictJSONBody, limit=body_limit)
    app.add_middleware(SecurityHeaders, cors_origins=cors_origins)

    @app.exception_handler(CarbonlabelError)
    async def _project_error(request: Request, exc: CarbonlabelError) -> JSONResponse:
        """Every error of the project (service and domain packages), answered as api/errors.py's table says."""
        if request.url.path == TOKEN_PATH and isinstance(exc, ServiceError):
            error, status = _oauth_error(exc)
            return JSONResponse({"error": error, "error_description": exc.message}, status_code=status,
                                headers={"WWW-Authenticate": "Basic"} if status == 401 else None)
        answer = answer_for(exc)
        if answer.status >= 500 and not isinstance(exc, ServiceError):
            log.error("%s on %s %s: %s", type(exc).__name__, request.method, request.url.path, exc)
        headers = {"WWW-Authenticate": "Bearer"} if isinstance(exc, NotAuthenticated) else None
        return JSONResponse(error_body(exc), status_code=answer.status, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {key: _json_safe(value) for key, value in error.items() if key in ("loc", "msg", "type", "input")}
            for error in exc.errors()
        ]
        if request.url.path == TOKEN_PATH:
            text = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in errors)
            return JSONResponse({"error": "invalid_request", "error_description": text}, status_code=400)
        return JSONResponse({"detail": errors, "code": "request.validation"}, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return JSONResponse({"detail": exc.detail, "code": f"http.{exc.status_code}"}, status_code=exc.status_code,
                            headers=getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return JSONResponse({"detail": "internal error", "code": "internal"},
                            status_code=500)


# ------------------------------------------------------------------ response headers and CORS
# Our own pages load scripts, styles and images from this origin only (the vendored htmx and
# ECharts under /static), post forms to this origin only, and are never framed. Inline style stays
# allowed (ECharts and htmx set style attributes; the QR code is inline SVG); inline script is not.
# FastAPI's /docs and /redoc load Swagger UI from a CDN and keep their defaults.
PAGE_CSP = ("default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
            "connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
_THIRD_PARTY_PAGES = ("/docs", "/redoc")
# The public verification JSON and the key set are what other sites may read from a browser.
CORS_PATHS = ("/verify/", "/v1/keys")


class SecurityHeaders:
    """`X-Content-Type-Options: nosniff` on every answer; CSP and `Cache-Control: no-store` on HTML
    (a verification page must never be served stale from a cache); CORS for the public
    verification JSON, for the configured origins only."""

    def __init__(self, app: ASGIApp, cors_origins: tuple[str, ...]):
        self.app, self.cors_origins = app, cors_origins

    def _allowed_origin(self, scope: Scope) -> str | None:
        path = scope.get("path", "")
        if not self.cors_origins or not (path.startswith(CORS_PATHS[0]) or path == CORS_PATHS[1]):
            return None
        origin = dict(scope.get("headers", [])).get(b"origin", b"").decode("latin-1")
        if "*" in self.cors_origins:
            return "*"
        return origin if origin in self.cors_origins else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        allowed = self._allowed_origin(scope)
        if allowed is not None and scope.get("method") == "OPTIONS":  # a CORS preflight
            headers = {"Access-Control-Allow-Origin": allowed, "Access-Control-Allow-Methods": "GET",
                       "Access-Control-Allow-Headers": "Accept", "Access-Control-Max-Age": "600", "Vary": "Origin"}
            await JSONResponse(None, status_code=204, headers=headers)(scope, receive, send)
            return
        path = scope.get("path", "")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {name.lower() for name, _ in headers}
                content_type = dict(headers).get(b"content-type", b"")
                extra: list[tuple[bytes, bytes]] = [(b"x-content-type-options", b"nosniff")]
                if content_type.startswith(b"text/html"):
                    if not path.startswith(_THIRD_PARTY_PAGES):
                        extra.append((b"content-security-policy", PAGE_CSP.encode()))
                    extra.append((b"cache-control", b"no-store"))
                    # same-origin, not no-referrer: under no-referrer a browser sends `Origin: null`
                    # with our own form posts, which the web pages' CSRF check must refuse; other
                    # sites still never see a page's address (a certificate number) as a referrer
                    extra.append((b"referrer-policy", b"same-origin"))
                if allowed is not None:
                    extra += [(b"access-control-allow-origin", allowed.encode("latin-1")), (b"vary", b"Origin")]
                message["headers"] = headers + [(k, v) for k, v in extra if k not in names]
            await send(message)

        await self.app(scope, receive, send_with_headers)
