"""Organisations, users (OAuth2 clients) and bearer tokens."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from api import security
from api.errors import Conflict, InvalidInput, NotAuthenticated, NotFound
from api.models import AccessToken, Organisation, User, utcnow
from api.services import history


@dataclass(frozen=True)
class NewCredentials:
    user: User
    client_id: str
    client_secret: str  # shown once, stored only as a scrypt hash


def get_or_create_organisation(session: Session, *, name: str) -> Organisation:
    existing = session.scalar(select(Organisation).where(Organisation.name == name))
    if existing is not None:
        return existing
    organisation = Organisation(name=name)
    session.add(organisation)
    session.flush()
    return organisation


def create_user(
    session: Session, *, organisation: Organisation, name: str, role: str, actor: User | None
) -> NewCredentials:
    if role not in security.ROLES:
        raise InvalidInput(f"role {role!r} is not one of {', '.join(security.ROLES)}")
    secret = security.new_client_secret()
    user = User(
        organisation_id=organisation.id,
        name=name,
        role=role,
        client_id=security.new_client_id(),
        secret_hash=security.hash_secret(secret),
    )
    session.add(user)
    session.flush()
    history.record(
        session,
        actor=actor,
        organisation_id=organisation.id,
        entity_type="user",
        entity_id=user.id,
        action="create",
        to_state="active",
        detail={"role": role, "name": name},
    )
    return NewCredentials(user=user, client_id=user.client_id, client_secret=secret)


def issue_token(session: Session, *, client_id: str, client_secret: str, ttl_seconds: int) -> tuple[str, int]:
    user = session.scalar(select(User).where(User.client_id == client_id))
    if user is None or not user.active or not security.verify_secret(client_secret, user.secret_hash):
        raise NotAuthenticated("invalid client credentials")
    token = security.new_access_token()
    session.add(
        AccessToken(
            token_hash=security.token_digest(token),
            user_id=user.id,
            expires_at=utcnow() + timedelta(seconds=ttl_seconds),
        )
    )
    return token, ttl_seconds


def user_for_token(session: Session, token: str) -> User:
    row = session.get(AccessToken, security.token_digest(token))
    if row is None:
        raise NotAuthenticated("unknown bearer token")
    if row.expires_at <= utcnow():
        raise NotAuthenticated("bearer token expired")
    user = session.get(User, row.user_id)
    if user is None or not user.active:
        raise NotAuthenticated("the token's client is no longer active")
    return user


def get_organisation(session: Session, organisation_id: str) -> Organisation:
    organisation = session.get(Organisation, organisation_id)
    if organisation is None:
        raise NotFound(f"organisation {organisation_id} not found")
    return organisation


def ensure_unique_organisation_name(session: Session, name: str) -> None:
    if session.scalar(select(Organisation).where(Organisation.name == name)) is not None:
        raise Conflict(f"organisation {name!r} already exists")
