"""The project's face, in parts a newcomer can see (DESIGN.md, docs/service.md "Layers"):

- `api.usecases`: the application layer, one module per use case (build and publish a database,
  compute, grade, certify, recognise, screen, CBAM, exchange). Keyword-only functions that take the
  session and never commit; the only place that composes the domain packages with storage.
- the doors, which parse and render and call the use cases (never the domain's functions, never
  the ORM models; tests/test_layering.py and `lint-imports` enforce it):
  `api.http` (FastAPI app, routes, request/response bodies, guards, logs), `api.web` (the
  browser pages) and `api.cli` (the `carbonlabel` command line).
- `api.storage`: the service database (SQLAlchemy models, engine and sessions, Alembic migrations).
- `api.documents`: what the service hands out as files (certificate and report PDFs, label
  artwork, signing of certificate documents).
- shared by all: `api.settings`, `api.state`, `api.errors` (the one error table), `api.security`.
"""
