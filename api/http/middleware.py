"""Request context: a request id for every request, and one JSON access line per request.

The id is the client's X-Request-ID when it is well formed (1-64 characters of [A-Za-z0-9._-]),
otherwise a new one: a hostile header (too long, a newline, non-ASCII) is replaced and never
logged. The id is answered in the X-Request-ID response header and carried by every log record of
the request (api/http/logging_setup.py). The access line names the route's path template (never the
raw path: bounded cardinality, no client text), the status, the duration in ms, and for an error
its `code` from the JSON body.
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.http.logging_setup import REQUEST_ID

HEADER = b"x-request-id"
_WELL_FORMED = re.compile(rb"[A-Za-z0-9._-]{1,64}")
_ERROR_BODY_LIMIT = 16 * 1024  # enough for any error JSON; larger bodies are not read for a code

access_log = logging.getLogger("carbonlabel.access")
error_log = logging.getLogger("carbonlabel.error")


def request_id_from(headers: list[tuple[bytes, bytes]]) -> str:
    """The client's id when well formed, else a fresh one (32 hex digits)."""
    for name, value in headers:
        if name == HEADER:
            if _WELL_FORMED.fullmatch(value):
                return value.decode("ascii")
            break
    return uuid.uuid4().hex


def path_template(scope: Scope) -> str:
    """The matched route's template (`/verify/{number}`); the router writes the route into the scope."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    if isinstance(path, str):
        return path
    return "<unmatched>"


def error_code(body: bytes) -> str | None:
    """`code` of a JSON error body (`error` for OAuth2's token errors), None when there is none."""
    try:
        payload = json.loads(body)
    except ValueError:
        return None
    if isinstance(payload, dict):
        code = payload.get("code", payload.get("error"))
        return code if isinstance(code, str) else None
    return None


class RequestContext:
    """Pure ASGI middleware (outermost of ours): no body buffering except an error's small JSON."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = request_id_from(scope.get("headers", []))
        token = REQUEST_ID.set(request_id)
        started = time.perf_counter()
        seen: dict[str, Any] = {"status": None, "json": False, "body": b""}

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                seen["status"] = message["status"]
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != HEADER]
                seen["json"] = any(k.lower() == b"content-type" and b"json" in v for k, v in headers)
                message = {**message, "headers": [*headers, (HEADER, request_id.encode("ascii"))]}
            elif message["type"] == "http.response.body" and (seen["status"] or 0) >= 400 and seen["json"]:
                if len(seen["body"]) < _ERROR_BODY_LIMIT:
                    seen["body"] += message.get("body", b"")
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            error_log.exception("unhandled error", extra={"fields": {"code": "internal"}})
            if seen["status"] is None:  # answer here, so even a 500 carries the request id
                body = json.dumps({"detail": "internal error", "code": "internal"}).encode()
                await send_with_id({"type": "http.response.start", "status": 500,
                                    "headers": [(b"content-type", b"application/json"),
                                                (b"content-length", str(len(body)).encode())]})
                await send_with_id({"type": "http.response.body", "body": body})
            seen["status"], seen["body"] = 500, b'{"code": "internal"}'
            raise
        finally:
            _access(scope, seen, started)
            REQUEST_ID.reset(token)


def _access(scope: Scope, seen: dict[str, Any], started: float) -> None:
    status = seen["status"] or 0
    fields: dict[str, Any] = {
        "method": scope.get("method"),
        "path": path_template(scope),
        "status": status,
        "duration_ms": round((time.perf_counter() - started) * 1000, 2),
    }
    level = logging.INFO
    if status >= 400:
        level = logging.ERROR if status >= 500 else logging.WARNING
        fields["code"] = error_code(seen["body"]) if seen["body"] else None
    access_log.log(level, "%s %s %s", fields["method"], fields["path"], status, extra={"fields": fields})
