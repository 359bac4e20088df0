"""People signing in to the web pages: passwords (argon2id via pwdlib) on the one account model.

A person is a `users` row of kind `person`: the login name is its `client_id`, the password hash
is `password_hash`. Sign-in goes through the same database-stored throttle as the token endpoint
(`throttle.guarded`, door `web`), and does one argon2 verification on every path (unknown name,
disabled account, wrong or right password) so the answer time does not reveal which it was.
"""

from __future__ import annotations

from functools import lru_cache

from pwdlib import PasswordHash
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.errors import InvalidInput, NotAuthenticated
from api.storage.models import Organisation, User
from api.usecases import accounts, history, throttle

MIN_PASSWORD_LENGTH = 12  # NIST SP 800-63B §5.1.1.2 asks for >= 8; a service holding certificates asks for more
MAX_PASSWORD_LENGTH = 256


class InvalidLogin(NotAuthenticated):
    """Unknown name, wrong password, disabled account: one message for all, so none is revealed."""


@lru_cache(maxsize=1)
def hasher() -> PasswordHash:
    return PasswordHash.recommended()  # argon2id with the library's current parameters


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return hasher().hash("not a password of anyone")


def hash_password(password: str) -> str:
    check_password_rules(password)
    return hasher().hash(password)


def check_password_rules(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise InvalidInput(f"the password must have at most {MAX_PASSWORD_LENGTH} characters")


def _verify(password: str, stored: str | None) -> bool:
    valid = hasher().verify(password, stored or _dummy_hash())
    return valid and stored is not None


def _check(session: Session, login: str, password: str) -> tuple[throttle.Verdict, User | None]:
    user = session.scalar(select(User).where(User.client_id == login))
    stored = user.password_hash if user is not None and user.kind == "person" else None
    matches = _verify(password, stored)
    if user is None or user.kind != "person":
        return throttle.Verdict(None, "unknown"), None
    return accounts.sign_in_verdict(session, user, matches)


def sign_in(session: Session, *, login: str, password: str, address: str, policy: throttle.ThrottlePolicy) -> User:
    """The person behind a login name and password. On failure the attempt's log row and the
    throttle count are pending in the session: the caller commits them (as the token route does);
    TooManyAttempts when the throttle refuses, InvalidLogin otherwise."""
    found: list[User] = []

    def check() -> throttle.Verdict:
        verdict, user = _check(session, login.strip(), password)
        if user is not None:
            found.append(user)
        return verdict

    verdict = throttle.guarded(session, door="web", identifier=login.strip(), address=address, policy=policy, check=check)
    if not verdict.succeeded:
        raise InvalidLogin("unknown login name or wrong password")
    return found[0]


def set_password(session: Session, *, user: User, password: str, actor: User | None) -> None:
    """Give a person a password (the administrator or the demo) or change it (the person)."""
    if user.kind != "person":
        raise InvalidInput(f"account {user.client_id} is an API client: it signs in with its client secret")
    user.password_hash = hash_password(password)
    history.record(
        session,
        actor=actor,
        organisation_id=user.organisation_id,
        entity_type="user",
        entity_id=user.id,
        action="set_password",
        detail={"by": "self" if actor is not None and actor.id == user.id else "administrator"},
    )


def change_password(session: Session, *, user: User, current: str, new: str) -> None:
    """The person's own change: the current password first (a borrowed session cannot take over)."""
    if not _verify(current, user.password_hash):
        raise InvalidLogin("the current password is wrong")
    if new == current:
        raise InvalidInput("the new password is the same as the current one")
    set_password(session, user=user, password=new, actor=user)


def person_for_session(session: Session, user_id: str) -> User:
    """The signed-in person, still active in an active organisation; NotAuthenticated otherwise."""
    user = session.get(User, user_id)
    if user is None or user.kind != "person" or not user.active or user.password_hash is None:
        raise NotAuthenticated("the session's account is no longer active")
    organisation = session.get(Organisation, user.organisation_id)
    if organisation is None or not organisation.active:
        raise NotAuthenticated("the session's organisation is disabled")
    return user
