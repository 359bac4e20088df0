"""The FastAPI application: `create_app(settings)` opens the database (migrating it), loads the key."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio.to_thread
from fastapi import FastAPI
from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from api.storage.db import make_engine, make_session_factory, upgrade_to_head
from api import guards
from api.usecases.domain import Domain
from api.http.logging_setup import configure_logging
from api.http.middleware import RequestContext
from api.http.warmup import warm_up
from api.http.routes import admin, applications, audit, auth, cbam, certificates, jobs, pact, products, public, recognitions, registry
from api.http.routes import evidence_files, label_artwork, screening
from api.usecases import verification
from api.usecases.history import PUBLIC_KEYS_INFO, SIGNING_KEY_INFO
from api.usecases.jobs import Worker
from api.http.routes import ledger, shared
from api.settings import Settings
from api.documents.signing import key_id_of, load_public_key, load_signing_key
from api.state import ServiceState
from api.web import install as install_web_pages

log = logging.getLogger("carbonlabel.api")

# multipart framing around a BOM file; the file itself is limited by Settings.max_upload_bytes
_MULTIPART_OVERHEAD = 64 * 1024
# the evidence-file uploads (API and pages) end with this and may carry Settings.evidence_max_bytes
EVIDENCE_UPLOAD_SUFFIX = "/evidence-files"


class BodySizeLimit:
    """Refuse bodies above the limit (413): at once when Content-Length says so; a chunked body is
    read up to the limit before the app sees it (so no route ever parses an oversized body)."""

    def __init__(self, app: ASGIApp, limit: int, wider: tuple[tuple[str, int], ...] = ()):
        # wider: (path suffix, limit) for the uploads allowed more (evidence files)
        self.app, self.default_limit, self.wider = app, limit, wider

    def limit_for(self, path: str) -> int:
        return next((limit for suffix, limit in self.wider if path.endswith(suffix)), self.default_limit)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope.get("path", ""))
        length = dict(scope.get("headers", [])).get(b"content-length")
        if length is not None and length.isdigit() and int(length) > limit:
            response = JSONResponse(
                {"detail": f"request body larger than {limit} bytes", "code": "request.too_large"}, status_code=413
            )
            await response(scope, receive, send)
            return
        if length is not None:
            await self.app(scope, receive, send)
            return
        # no Content-Length (chunked): read the body up to the limit first, then replay it
        body = await guards.buffer_body(receive, limit)
        if body is guards.DISCONNECTED:
            await self.app(scope, receive, send)  # let the app see the disconnect
        elif body is None:
            response = JSONResponse(
                {"detail": f"request body larger than {limit} bytes", "code": "request.too_large"},
                status_code=413,
            )
            await response(scope, receive, send)
        else:
            await self.app(scope, guards.replaying(body, receive), send)


def _operation_id(route: Any) -> str:
    tag = route.tags[0] if route.tags else "default"
    return f"{tag}-{route.name}"


def default_domain() -> Domain:
    from api.usecases.engine import EngineDomain

    return EngineDomain()


def create_app(
    settings: Settings, *, domain: Domain | None = None, engine_connect_args: dict[str, Any] | None = None,
    warm: bool = False,
) -> FastAPI:
    configure_logging()
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
    # refuse to serve certificates whose signatures nobody here can check (api/usecases/verification.py)
    verification.check_issued_keys(engine, set(state.public_keys), settings.accept_unknown_key_ids)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if warm:  # a served worker loads the engine before it accepts requests (api/http/warmup.py)
            await anyio.to_thread.run_sync(warm_up, state.domain)
        # embedded / demo mode: the job worker runs as a thread of this process (never in a
        # request worker); in production it is `carbonlabel worker`
        worker = (Worker(state.sessions, state.domain, webhook_allow_loopback=settings.webhook_allow_loopback)
                  if settings.embedded_worker else None)
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
    # strict JSON bodies and every error as JSON with a code (api/guards.py); the size limit is the
    # outer middleware, so no oversized body is ever buffered
    guards.install(app, body_limit=settings.max_upload_bytes + _MULTIPART_OVERHEAD, cors_origins=settings.cors_origins)
    app.add_middleware(BodySizeLimit, limit=settings.max_upload_bytes + _MULTIPART_OVERHEAD,
                       wider=((EVIDENCE_UPLOAD_SUFFIX, settings.evidence_max_bytes + _MULTIPART_OVERHEAD),))
    # outermost: every answer (413s too) carries X-Request-ID, and one JSON access line is logged
    app.add_middleware(RequestContext)

    @app.get("/healthz", tags=["public"])
    def healthz() -> dict[str, str]:
        """Liveness: the process answers."""
        return {"status": "ok"}

    for module in (auth, admin, products, applications, certificates, audit, cbam, recognitions, public, registry, jobs):
        app.include_router(module.router)
    for module in (label_artwork, screening, ledger, shared, evidence_files):  # issue 10: label artwork, screening; issue 16: ledger
        app.include_router(module.router)
    pact.install(app)
    install_web_pages(app)
    return app
