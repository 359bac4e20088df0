"""Service fixtures: the database parametrized over SQLite and PostgreSQL, clients with roles."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from api.http.app import create_app
from api.settings import Settings
from tests.api.standin import StandInDomain

POSTGRES_ENV = "CARBONLABEL_TEST_POSTGRES_URL"


@dataclass
class Database:
    url: str
    connect_args: dict[str, Any]
    kind: str


def _postgres_url() -> str:
    url = os.environ.get(POSTGRES_ENV)
    if not url:
        pytest.skip(f"{POSTGRES_ENV} is not set (scripts/test.sh sets it)")
    return url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database(request: pytest.FixtureRequest, tmp_path: Path, worker_id: str) -> Iterator[Database]:
    if request.param == "sqlite":
        yield Database(f"sqlite:///{tmp_path / 'service.sqlite3'}", {}, "sqlite")
        return
    url = _postgres_url()
    # one schema per xdist worker and process (several test runs may share one database), emptied per test
    schema = "carbonlabel_test_" + re.sub(r"\W", "_", worker_id) + f"_{os.getpid()}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    yield Database(url, {"options": f"-csearch_path={schema}"}, "postgres")
    with admin.connect() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture
def settings(home: Path, database: Database) -> Settings:
    return Settings(
        home=home,
        database_url=database.url,
        public_url="http://testserver",
        signing_key_path=home / "keys" / "signing-ed25519.pem",
        embedded=True,
        issuer="Test Certification Body",
        max_upload_bytes=64 * 1024,
        webhook_allow_loopback=True,  # the tests' subscribers listen on 127.0.0.1
    )


@pytest.fixture
def app(settings: Settings, database: Database):  # type: ignore[no-untyped-def]
    application = create_app(settings, domain=StandInDomain(), engine_connect_args=database.connect_args)
    yield application
    application.state.service.engine.dispose()


@pytest.fixture
def client(app) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with TestClient(app) as test_client:
        yield test_client


class Actors:
    """Organisations and role clients created directly in the database, with bearer headers."""

    def __init__(self, app: Any, client: TestClient):
        self.app, self.client = app, client
        self.credentials: dict[str, tuple[str, str]] = {}

    def add(self, label: str, role: str, organisation: str) -> dict[str, str]:
        from api.usecases import accounts

        with self.app.state.service.sessions() as session:
            org = accounts.get_or_create_organisation(session, name=organisation)
            created = accounts.create_user(session, organisation=org, name=label, role=role, actor=None)
            session.commit()
        self.credentials[label] = (created.client_id, created.client_secret)
        return self.headers(label)

    def token(self, label: str) -> str:
        client_id, secret = self.credentials[label]
        answer = self.client.post(
            "/auth/token", data={"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}
        )
        assert answer.status_code == 200, answer.text
        return answer.json()["access_token"]  # type: ignore[no-any-return]

    def headers(self, label: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(label)}"}


@pytest.fixture
def actors(app, client) -> Actors:  # type: ignore[no-untyped-def]
    return Actors(app, client)


@pytest.fixture
def worker_id() -> str:
    """Overridden by pytest-xdist when running in parallel ('gw0', 'gw1'); 'master' otherwise."""
    return os.environ.get("PYTEST_XDIST_WORKER", "master")


def bom_file(bom: dict[str, Any]) -> tuple[str, bytes, str]:
    return ("bom.json", json.dumps(bom).encode(), "application/json")


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class LiveServer:
    """The app served by uvicorn on a free 127.0.0.1 port in a background thread (real HTTP)."""

    def __init__(self, application: Any):
        import threading

        import uvicorn

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(application, host="127.0.0.1", port=self.port, log_level="warning", lifespan="off")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> "LiveServer":
        import time

        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture
def live_server(app) -> Iterator[LiveServer]:  # type: ignore[no-untyped-def]
    with LiveServer(app) as server:
        yield server
