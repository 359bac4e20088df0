"""The web application: server-rendered pages in three languages, htmx and ECharts vendored.

`install(app)` adds the pages and serves `api/web/static/` at /static (no CDN, no build step)."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from api.web import applying, auth, certifier, claims, exporter, pages, shared, trade


def install(app: FastAPI) -> None:
    app.include_router(auth.router)
    app.include_router(exporter.router)
    app.include_router(applying.router)
    app.include_router(certifier.router)
    app.include_router(trade.router)
    app.include_router(claims.router)
    app.include_router(shared.router)
    app.include_router(pages.router)
    auth.install_handlers(app)
    exporter.install_handlers(app)
    app.mount("/static", StaticFiles(packages=[("api.web", "static")]), name="static")
    # /verify/{number} (an HTTP route) answers people with this page, machines with JSON
    app.state.verification_pages = pages.VerificationPages()
