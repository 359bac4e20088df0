"""Everything a running service holds: settings, database, signing key, domain, templates."""

from __future__ import annotations

from dataclasses import dataclass, field

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from api.usecases.domain import Domain
from api.settings import Settings
from api.documents.signing import SigningKey


@dataclass
class ServiceState:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    signing_key: SigningKey
    domain: Domain
    # GET requests read through these (on SQLite: without taking the write lock)
    read_sessions: sessionmaker[Session] | None = None
    # every key whose signatures verification accepts, by key id (the current one included)
    public_keys: dict[str, Ed25519PublicKey] = field(default_factory=dict)
