"""The service database and keys for the doors that run outside the server (the CLI).

The server's app factory opens storage once; a command opens it per invocation, the same way:
`CARBONLABEL_DATABASE_URL` (else the embedded SQLite under CARBONLABEL_HOME), migrated to head,
sessions that carry the signing key so history rows written from the CLI are chained and signed
like the server's. Doors use these context managers and never build engines or sessions themselves.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from api.errors import NotFound


@dataclass
class ServiceContext:
    sessions: Any  # sessionmaker[Session]
    signing_key: Any
    public_keys: dict[str, Any]
    settings: Any


@contextmanager
def service_context() -> Iterator[ServiceContext]:
    """The service's database (migrated) and keys, as the server would open them."""
    from api.storage.db import make_engine, make_session_factory, upgrade_to_head
    from api.usecases.history import PUBLIC_KEYS_INFO, SIGNING_KEY_INFO
    from api.settings import DATABASE_URL_ENV, SIGNING_KEY_ENV, load_settings
    from api.documents.signing import key_id_of, load_public_key, load_signing_key

    embedded = not os.environ.get(DATABASE_URL_ENV, "").strip()
    # the CLI reads the same settings as the server, but never needs a public URL of its own
    settings = load_settings(embedded=True)
    key_path = Path(os.environ[SIGNING_KEY_ENV]) if os.environ.get(SIGNING_KEY_ENV, "").strip() else None
    signing_key = load_signing_key(key_path or settings.signing_key_path, create=embedded and key_path is None)
    public_keys = {key_id_of(k): k for k in (load_public_key(p) for p in settings.verify_key_paths)}
    public_keys[signing_key.key_id] = signing_key.public_key
    engine = make_engine(settings.database_url)
    try:
        upgrade_to_head(engine)
        sessions = make_session_factory(engine, info={SIGNING_KEY_INFO: signing_key, PUBLIC_KEYS_INFO: public_keys})
        yield ServiceContext(sessions, signing_key, public_keys, settings)
    finally:
        engine.dispose()


def database_url() -> tuple[str, bool]:
    """The service database (as `carbonlabel serve` finds it) and whether it exists already."""
    from api.settings import DATABASE_URL_ENV, normalise_database_url
    from lcidb.home import carbonlabel_home

    url = normalise_database_url(os.environ.get(DATABASE_URL_ENV, "").strip())
    if url:
        return url, True
    path = carbonlabel_home() / "service.sqlite3"
    return f"sqlite:///{path}", path.is_file()


def service_database_exists() -> bool:
    return database_url()[1]


@contextmanager
def read_only_session(why: str = "", *, migrate: bool = True) -> Iterator[Session]:
    """A read-only session on the existing service database; NotFound (naming the URL) when there is none."""
    from api.storage.db import make_engine, make_session_factory, upgrade_to_head

    url, exists = database_url()
    if not exists:
        raise NotFound(f"{why}no service database at {url} (set CARBONLABEL_DATABASE_URL or CARBONLABEL_HOME)")
    engine = make_engine(url, read_only=True)
    if migrate:
        upgrade_to_head(engine)
    try:
        with make_session_factory(engine)() as session:
            yield session
    finally:
        engine.dispose()
