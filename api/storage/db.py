"""Engine, sessions and migrations (Alembic upgrade to head on every start)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, make_url
from sqlalchemy.orm import Session, sessionmaker

from lcidb.home import package_path

MIGRATIONS_DIR = package_path("api.storage", "migrations")


def make_engine(url: str, *, connect_args: dict[str, Any] | None = None, read_only: bool = False) -> Engine:
    """An engine; on SQLite `read_only` keeps SQLite's deferred BEGIN (WAL readers never wait)."""
    args = dict(connect_args or {})
    if url.startswith("sqlite"):
        _create_private(url)
        # the app's worker threads share the engine; a 30 s busy timeout makes concurrent writers
        # wait for each other instead of failing with "database is locked"
        args.setdefault("check_same_thread", False)
        args.setdefault("timeout", 30)
        engine = create_engine(url, connect_args=args)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn: Any) -> None:
            # writers take the write lock at BEGIN: two transactions that read-then-write
            # (approvals) serialise instead of failing on lock upgrade; readers do not lock
            conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")

        # let SQLAlchemy's "begin" event issue BEGIN itself (pysqlite's implicit BEGIN is off)
        @event.listens_for(engine, "connect", insert=True)
        def _sqlite_autocommit_off(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.isolation_level = None

        return engine
    # No pre-ping: it is a round trip on every checkout (three per authenticated request). A
    # connection the server dropped fails one statement; SQLAlchemy then invalidates the whole pool
    # (disconnect detection), so after a database restart one request fails, not one per connection.
    # pool_recycle retires connections before idle timeouts of proxies/firewalls cut them.
    return create_engine(url, connect_args=args, pool_size=10, max_overflow=10, pool_recycle=1800)


def _create_private(url: str) -> None:
    """Create a new SQLite file readable by its owner only (0600) before SQLite creates it with the
    umask's mode; SQLite gives its -wal and -shm files the database file's mode."""
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    path = Path(database)
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        pass  # another process created it first


def make_session_factory(engine: Engine, *, info: dict[str, Any] | None = None) -> sessionmaker[Session]:
    """Sessions; `info` travels with each (the service puts its signing key there for history heads)."""
    return sessionmaker(bind=engine, expire_on_commit=False, info=info)


def upgrade_to_head(engine: Engine) -> None:
    """Apply every pending Alembic migration on this engine's database."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            # several instances (or uvicorn workers) may start at once: one migrates, the others wait
            connection.exec_driver_sql("SELECT pg_advisory_xact_lock(4242061)")
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
