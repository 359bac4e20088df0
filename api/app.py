"""The FastAPI application: `create_app(settings)` opens the database (migrating it), loads the key."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.db import make_engine, make_session_factory, upgrade_to_head
from api.domain import Domain
from api.errors import NotAuthenticated, ServiceError
from api.routes import admin, applications, audit, auth, cbam, certificates, jobs, products, public, recognitions, registry
from api.services.history import PUBLIC_KEYS_INFO, SIGNING_KEY_INFO
from api.services.jobs import Worker
from api.routes import label_artwork, ledger, screening, shared
from api.settings import Settings
from api.signing import key_id_of, load_public_key, load_signing_key
from api.state import ServiceState

log = logging.getLogger("carbonlabel.api")

# multipart framing around a BOM file; the file itself is limited by Settings.max_upload_bytes
_MULTIPART_OVERHEAD = 64 * 1024


class BodySizeLimit:
    """Refuse bodies above the limit (413): at once when Content-Length says so; a chunked body is
    read up to the limit before the app sees it (so no route ever parses an oversized body)."""

    def __init__(self, app: ASGIApp, limit: int):
        self.app, self.limit = app, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope.get("headers", [])).get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.limit:
            response = JSONResponse({"detail": f"request body larger than {self.limit} bytes"}, status_code=413)
            await response(scope, receive, send)
            return
        if length is not None:
            await self.app(scope, receive, send)
            return
        # no Content-Length (chunked): read the body up to the limit first, then replay it
        chunks: list[bytes] = []
        received = 0
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                await self.app(scope, receive, send)  # disconnect: let the app see it
                return
            chunks.append(message.get("body", b""))
            received += len(chunks[-1])
            more = message.get("more_body", False)
            if received > self.limit:
                response = JSONResponse({"detail": f"request body larger than {self.limit} bytes"}, status_code=413)
                await response(scope, receive, send)
                return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": b"".join(chunks), "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


def _operation_id(route: Any) -> str:
    tag = route.tags[0] if route.tags else "default"
    return f"{tag}-{route.name}"


def default_domain() -> Domain:
    from api.engine_domain import EngineDomain

    return EngineDomain()


def create_app(
    settings: Settings, *, domain: Domain | None = None, engine_connect_args: dict[str, Any] | None = None
) -> FastAPI:
    engine = make_engine(settings.database_url, connect_args=engine_connect_args)
    upgrade_to_head(engine)
    signing_key = load_signing_key(settings.signing_key_path, create=settings.embedded)
    read_engine = (
        make_engine(settings.database_url, connect_args=engine_connect_args, read_only=True)
        if settings.is_sqlite
        else engine
    )
    public_keys = {
        **{key_id_of(k): k for k in (load_public_key(p) for p in settings.verify_key_paths)},
        signing_key.key_id: signing_key.public_key,
    }
    session_info = {SIGNING_KEY_INFO: signing_key, PUBLIC_KEYS_INFO: public_keys}
    state = ServiceState(
        settings=settings,
        engine=engine,
        sessions=make_session_factory(engine, info=session_info),
        signing_key=signing_key,
        domain=domain or default_domain(),
        public_keys=public_keys,
        read_sessions=make_session_factory(read_engine, info=session_info),
    )
    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # embedded / demo mode: the job worker runs as a thread of this process (never in a
        # request worker); in production it is `carbonlabel worker`
        worker = Worker(state.sessions, state.domain) if settings.embedded_worker else None
        if worker is not None:
            worker.start_thread()
        yield
        if worker is not None:
            worker.stop.set()

    app = FastAPI(
        lifespan=lifespan,
        title="carbonlabel certification service",
        version="1",
        description=(
            "Product carbon footprints, label applications and certificates for Guangdong / the GBA. "
            "Authenticate with OAuth2 client credentials at /auth/token; verify certificates at "
            "/verify/{number} without login."
        ),
        generate_unique_id_function=_operation_id,
    )
    app.state.service = state
    app.add_middleware(BodySizeLimit, limit=settings.max_upload_bytes + _MULTIPART_OVERHEAD)

    @app.exception_handler(ServiceError)
    async def _service_error(_request: Request, exc: ServiceError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if isinstance(exc, NotAuthenticated) else None
        return JSONResponse({"detail": exc.message, **exc.extra}, status_code=exc.status_code, headers=headers)

    @app.get("/healthz", tags=["public"])
    def healthz() -> dict[str, str]:
        """Liveness: the process answers."""
        return {"status": "ok"}

    for module in (auth, admin, products, applications, certificates, audit, cbam, recognitions, public, registry, jobs):
        app.include_router(module.router)
    for module in (label_artwork, screening, ledger, shared):  # issue 10: label artwork, screening; issue 16: ledger
        app.include_router(module.router)
    return app
