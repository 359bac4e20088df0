"""Organisations and accounts (people, API clients, PACT partners), their lifecycle, bearer tokens.

Every change an administrator makes is a history row of the organisation or account (never the
secret). Disabling an account or its organisation ends its tokens at once (they are deleted, and
`user_for_token` checks both flags); re-enabling does not bring them back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from api import security
from api.errors import Conflict, InvalidInput, NotAuthenticated, NotFound
from api.storage.models import AccessToken, Organisation, User, utcnow
from api.usecases import history, throttle, transactions

ACCOUNT_KINDS = ("client", "person", "partner")


@dataclass(frozen=True)
class NewCredentials:
    user: User
    client_id: str
    client_secret: str  # shown once, stored only as a scrypt hash


class InvalidClient(NotAuthenticated):
    """The token endpoint's RFC 6749 `invalid_client`: unknown id, wrong secret or disabled account."""


def get_or_create_organisation(session: Session, *, name: str, actor: User | None = None) -> Organisation:
    existing = session.scalar(select(Organisation).where(Organisation.name == name))
    if existing is not None:
        return existing
    organisation = Organisation(name=name)
    session.add(organisation)
    session.flush()
    history.record(
        session,
        actor=actor,
        organisation_id=organisation.id,
        entity_type="organisation",
        entity_id=organisation.id,
        action="create",
        to_state="active",
        detail={"name": name},
    )
    return organisation


def create_user(
    session: Session,
    *,
    organisation: Organisation,
    name: str,
    role: str,
    actor: User | None,
    kind: str = "client",
) -> NewCredentials:
    """A client or partner gets a client secret (returned once); a person gets none (the web
    application sets a password later), so its `client_secret` is empty."""
    if role not in security.ROLES:
        raise InvalidInput(f"role {role!r} is not one of {', '.join(security.ROLES)}")
    if kind not in ACCOUNT_KINDS:
        raise InvalidInput(f"account kind {kind!r} is not one of {', '.join(ACCOUNT_KINDS)}")
    secret = security.new_client_secret() if kind != "person" else ""
    user = User(
        organisation_id=organisation.id,
        name=name,
        role=role,
        kind=kind,
        client_id=security.new_client_id(),
        secret_hash=security.hash_secret(secret) if secret else security.NO_SECRET,
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
        detail={"role": role, "name": name, "kind": kind},
    )
    return NewCredentials(user=user, client_id=user.client_id, client_secret=secret)


def list_organisations(session: Session, *, limit: int, offset: int) -> list[Organisation]:
    return list(session.scalars(select(Organisation).order_by(Organisation.name).limit(limit).offset(offset)))


def list_users(
    session: Session,
    *,
    organisation_id: str | None,
    kind: str | None,
    active: bool | None,
    limit: int,
    offset: int,
) -> list[User]:
    query = select(User)
    if organisation_id is not None:
        query = query.where(User.organisation_id == organisation_id)
    if kind is not None:
        query = query.where(User.kind == kind)
    if active is not None:
        query = query.where(User.active.is_(active))
    return list(session.scalars(query.order_by(User.created_at, User.id).limit(limit).offset(offset)))


def get_user(session: Session, user_id: str) -> User:
    user = session.get(User, user_id)
    if user is None:
        user = session.scalar(select(User).where(User.client_id == user_id))
    if user is None:
        raise NotFound(f"account {user_id} not found")
    return user


def get_organisation_by_id_or_name(session: Session, reference: str) -> Organisation:
    organisation = session.get(Organisation, reference) or session.scalar(
        select(Organisation).where(Organisation.name == reference)
    )
    if organisation is None:
        raise NotFound(f"organisation {reference} not found")
    return organisation


def revoke_tokens(session: Session, *, user: User, actor: User | None, reason: str | None = None) -> int:
    """Delete every bearer token of the account; returns how many there were."""
    removed = session.execute(delete(AccessToken).where(AccessToken.user_id == user.id)).rowcount or 0  # type: ignore[attr-defined]  # a DELETE answers a CursorResult
    history.record(
        session,
        actor=actor,
        organisation_id=user.organisation_id,
        entity_type="user",
        entity_id=user.id,
        action="revoke_tokens",
        reason=reason,
        detail={"tokens": removed},
    )
    return removed


def _switch(
    session: Session,
    *,
    record: User | Organisation,
    entity_type: str,
    active: bool,
    actor: User | None,
    reason: str | None,
    tokens_of: Any,
) -> None:
    """Flip `active`, end the tokens of the accounts `tokens_of` selects when disabling, record it."""
    what = f"account {record.client_id}" if isinstance(record, User) else f"organisation {record.name!r}"
    if record.active == active:
        raise Conflict(f"{what} is already {'active' if active else 'disabled'}")
    own = actor is not None and (actor.id == record.id or actor.organisation_id == record.id)
    if own and not active:
        raise Conflict(f"an administrator cannot disable their own {entity_type}")
    before = "active" if record.active else "disabled"
    record.active = active
    if not active:
        session.execute(delete(AccessToken).where(AccessToken.user_id.in_(tokens_of)))
    history.record(
        session,
        actor=actor,
        organisation_id=record.organisation_id if isinstance(record, User) else record.id,
        entity_type=entity_type,
        entity_id=record.id,
        action="enable" if active else "disable",
        from_state=before,
        to_state="active" if active else "disabled",
        reason=reason,
    )
    session.flush()


def set_user_active(session: Session, *, user: User, active: bool, actor: User | None, reason: str | None) -> User:
    _switch(session, record=user, entity_type="user", active=active, actor=actor, reason=reason,
            tokens_of=[user.id])
    return user


def set_organisation_active(
    session: Session, *, organisation: Organisation, active: bool, actor: User | None, reason: str | None
) -> Organisation:
    members = select(User.id).where(User.organisation_id == organisation.id)
    _switch(session, record=organisation, entity_type="organisation", active=active, actor=actor, reason=reason,
            tokens_of=members)
    return organisation


def rotate_secret(session: Session, *, user: User, actor: User | None, reason: str | None) -> NewCredentials:
    """A new client secret (shown once); the old one stops working and the account's tokens end."""
    if user.kind == "person":
        raise Conflict(f"account {user.client_id} is a person: it signs in with a password, not a client secret")
    secret = security.new_client_secret()
    user.secret_hash = security.hash_secret(secret)
    user.secret_rotated_at = utcnow()
    session.execute(delete(AccessToken).where(AccessToken.user_id == user.id))
    history.record(
        session,
        actor=actor,
        organisation_id=user.organisation_id,
        entity_type="user",
        entity_id=user.id,
        action="rotate_secret",
        reason=reason,
    )
    session.flush()
    return NewCredentials(user=user, client_id=user.client_id, client_secret=secret)


def _check_client(session: Session, client_id: str, client_secret: str) -> tuple[throttle.Verdict, User | None]:
    # one scrypt derivation on every path (unknown id, disabled account, wrong or right secret)
    user = session.scalar(select(User).where(User.client_id == client_id))
    matches = security.verify_secret(client_secret, user.secret_hash if user is not None else None)
    if user is None:
        return throttle.Verdict(None, "unknown"), None
    return sign_in_verdict(session, user, matches)


def sign_in_verdict(session: Session, user: User, matches: bool) -> tuple[throttle.Verdict, User | None]:
    """The outcome of a sign-in by a known account whose secret or password was already checked (so
    every path cost the same hashing): refused while the account or its organisation is disabled."""
    organisation = session.get(Organisation, user.organisation_id)
    if not user.active or organisation is None or not organisation.active:
        return throttle.Verdict(user.id, "disabled"), None
    if not matches:
        return throttle.Verdict(user.id, "invalid_secret"), None
    return throttle.Verdict(user.id, "success"), user


def issue_token(
    session: Session,
    *,
    client_id: str,
    client_secret: str,
    ttl_seconds: int,
    address: str,
    policy: throttle.ThrottlePolicy,
) -> tuple[str, int]:
    """A bearer token for valid client credentials, under the sign-in throttle. On failure the
    attempt's log row and throttle count are pending in the session: the caller commits them."""
    found: list[User] = []

    def check() -> throttle.Verdict:
        verdict, user = _check_client(session, client_id, client_secret)
        if user is not None:
            found.append(user)
        return verdict

    verdict = throttle.guarded(
        session, door="token", identifier=client_id, address=address, policy=policy, check=check
    )
    if not verdict.succeeded:
        raise InvalidClient("invalid client credentials")
    token = security.new_access_token()
    session.add(
        AccessToken(
            token_hash=security.token_digest(token),
            user_id=found[0].id,
            expires_at=utcnow() + timedelta(seconds=ttl_seconds),
        )
    )
    return token, ttl_seconds


def user_for_token(session: Session, token: str) -> User:
    # one statement for token, client and organisation (three lookups were three round trips)
    found = session.execute(
        select(AccessToken, User, Organisation)
        .outerjoin(User, User.id == AccessToken.user_id)
        .outerjoin(Organisation, Organisation.id == User.organisation_id)
        .where(AccessToken.token_hash == security.token_digest(token))
    ).first()
    if found is None:
        raise NotAuthenticated("unknown bearer token")
    row, user, organisation = found
    if row.expires_at <= utcnow():
        raise NotAuthenticated("bearer token expired")
    if user is None or not user.active:
        raise NotAuthenticated("the token's client is no longer active")
    if organisation is None or not organisation.active:
        raise NotAuthenticated("the token's organisation is disabled")
    return user


def authenticate(session: Session, token: str) -> User:
    """The active client of a bearer token; the token's read transaction ends where it would hold the
    database's write lock (SQLite), and runs on into the route's work elsewhere (PostgreSQL: no
    COMMIT and BEGIN round trips per request)."""
    user = user_for_token(session, token)
    transactions.end_reads(session)
    return user


def get_organisation(session: Session, organisation_id: str) -> Organisation:
    organisation = session.get(Organisation, organisation_id)
    if organisation is None:
        raise NotFound(f"organisation {organisation_id} not found")
    return organisation


def ensure_unique_organisation_name(session: Session, name: str) -> None:
    if session.scalar(select(Organisation).where(Organisation.name == name)) is not None:
        raise Conflict(f"organisation {name!r} already exists")


def name_problem(value: str) -> str | None:
    """Why `value` cannot be an organisation or account name (names appear on certificates), else None;
    the same rule as the API's text fields."""
    from footprint.bom import text_problem

    problem = text_problem(value)
    return problem[1] if problem is not None else None
