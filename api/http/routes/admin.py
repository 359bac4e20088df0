"""Organisations and accounts (admin only): list, create, disable, re-enable, rotate a client
secret, revoke tokens; and who am I."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.http.deps import CurrentUser, SessionDep
from api.errors import InvalidInput
from api.http.schemas import (
    AccountKind,
    FactorImpactPublic,
    FootprintMovePublic,
    OrganisationCreate,
    OrganisationPublic,
    Reason,
    TokensRevoked,
    UserCreate,
    UserCreated,
    UserPublic,
    error_responses,
)
from api.usecases import accounts, factor_impact
from api.usecases.access import require_role

router = APIRouter(prefix="/v1", tags=["accounts"], responses=error_responses(401, 403, 404, 409, 422))
Limit = Annotated[int, Query(ge=1, le=1000)]
Offset = Annotated[int, Query(ge=0, le=1_000_000)]


@router.get("/me", response_model=UserPublic)
def me(user: CurrentUser) -> UserPublic:
    """The calling client."""
    return UserPublic.model_validate(user)


@router.get("/organisations", response_model=list[OrganisationPublic])
def list_organisations(
    user: CurrentUser, session: SessionDep, limit: Limit = 200, offset: Offset = 0
) -> list[OrganisationPublic]:
    """Organisations (admin), by name."""
    require_role(user, "admin")
    return [OrganisationPublic.model_validate(o) for o in accounts.list_organisations(session, limit=limit, offset=offset)]


@router.post("/organisations", response_model=OrganisationPublic, status_code=201)
def create_organisation(body: OrganisationCreate, user: CurrentUser, session: SessionDep) -> OrganisationPublic:
    """Create an organisation (admin)."""
    require_role(user, "admin")
    accounts.ensure_unique_organisation_name(session, body.name)
    organisation = accounts.get_or_create_organisation(session, name=body.name, actor=user)
    session.commit()
    return OrganisationPublic.model_validate(organisation)


def _set_organisation(
    session: SessionDep, user: CurrentUser, organisation_id: str, active: bool, body: Reason | None
) -> OrganisationPublic:
    require_role(user, "admin")
    organisation = accounts.get_organisation(session, organisation_id)
    accounts.set_organisation_active(
        session, organisation=organisation, active=active, actor=user, reason=body.reason if body else None
    )
    session.commit()
    return OrganisationPublic.model_validate(organisation)


@router.post("/organisations/{organisation_id}/disable", response_model=OrganisationPublic)
def disable_organisation(
    organisation_id: str, user: CurrentUser, session: SessionDep, body: Reason | None = None
) -> OrganisationPublic:
    """Disable an organisation (admin): its accounts get no tokens and their tokens stop working."""
    return _set_organisation(session, user, organisation_id, False, body)


@router.post("/organisations/{organisation_id}/enable", response_model=OrganisationPublic)
def enable_organisation(
    organisation_id: str, user: CurrentUser, session: SessionDep, body: Reason | None = None
) -> OrganisationPublic:
    """Re-enable an organisation (admin)."""
    return _set_organisation(session, user, organisation_id, True, body)


@router.get("/users", response_model=list[UserPublic])
def list_users(
    user: CurrentUser,
    session: SessionDep,
    organisation_id: Annotated[str | None, Query(max_length=32)] = None,
    kind: AccountKind | None = None,
    active: bool | None = None,
    limit: Limit = 200,
    offset: Offset = 0,
) -> list[UserPublic]:
    """Accounts (admin): people, API clients and PACT partners; never their secrets."""
    require_role(user, "admin")
    rows = accounts.list_users(
        session, organisation_id=organisation_id, kind=kind, active=active, limit=limit, offset=offset
    )
    return [UserPublic.model_validate(u) for u in rows]


@router.post("/users", response_model=UserCreated, status_code=201)
def create_user(body: UserCreate, user: CurrentUser, session: SessionDep) -> UserCreated:
    """Create an account with a role in an organisation (admin). A client's secret is shown once."""
    require_role(user, "admin")
    organisation = accounts.get_organisation(session, body.organisation_id)
    created = accounts.create_user(
        session, organisation=organisation, name=body.name, role=body.role, actor=user, kind=body.kind
    )
    session.commit()
    return UserCreated(**UserPublic.model_validate(created.user).model_dump(), client_secret=created.client_secret)


@router.get("/users/{user_id}", response_model=UserPublic)
def get_user(user_id: str, user: CurrentUser, session: SessionDep) -> UserPublic:
    require_role(user, "admin")
    return UserPublic.model_validate(accounts.get_user(session, user_id))


def _set_user(session: SessionDep, user: CurrentUser, user_id: str, active: bool, body: Reason | None) -> UserPublic:
    require_role(user, "admin")
    target = accounts.get_user(session, user_id)
    accounts.set_user_active(session, user=target, active=active, actor=user, reason=body.reason if body else None)
    session.commit()
    return UserPublic.model_validate(target)


@router.post("/users/{user_id}/disable", response_model=UserPublic)
def disable_user(user_id: str, user: CurrentUser, session: SessionDep, body: Reason | None = None) -> UserPublic:
    """Disable an account (admin): no new tokens; its tokens end now."""
    return _set_user(session, user, user_id, False, body)


@router.post("/users/{user_id}/enable", response_model=UserPublic)
def enable_user(user_id: str, user: CurrentUser, session: SessionDep, body: Reason | None = None) -> UserPublic:
    """Re-enable a disabled account (admin)."""
    return _set_user(session, user, user_id, True, body)


@router.post("/users/{user_id}/rotate-secret", response_model=UserCreated)
def rotate_secret(user_id: str, user: CurrentUser, session: SessionDep, body: Reason | None = None) -> UserCreated:
    """A new client secret, shown once (admin); the old secret and every token of the client end."""
    require_role(user, "admin")
    target = accounts.get_user(session, user_id)
    created = accounts.rotate_secret(session, user=target, actor=user, reason=body.reason if body else None)
    session.commit()
    return UserCreated(**UserPublic.model_validate(target).model_dump(), client_secret=created.client_secret)


@router.post("/users/{user_id}/revoke-tokens", response_model=TokensRevoked)
def revoke_tokens(user_id: str, user: CurrentUser, session: SessionDep, body: Reason | None = None) -> TokensRevoked:
    """End every bearer token of the account now (admin)."""
    require_role(user, "admin")
    target = accounts.get_user(session, user_id)
    removed = accounts.revoke_tokens(session, user=target, actor=user, reason=body.reason if body else None)
    session.commit()
    return TokensRevoked(user_id=target.id, tokens_revoked=removed)


@router.get("/admin/factor-impact", response_model=FactorImpactPublic)
def get_factor_impact(
    user: CurrentUser,
    session: SessionDep,
    old: Annotated[str, Query(min_length=1, max_length=200, description="Old snapshot: NAME, NAME@HEX or hash")],
    new: Annotated[str, Query(min_length=1, max_length=200, description="New snapshot")],
    threshold: Annotated[float, Query(ge=0, le=10, description="Relative change needing a re-check")] = 0.01,
) -> FactorImpactPublic:
    """Issued certificates whose footprints move by more than `threshold` when the factors go from
    `old` to `new` (each certificate's stored BOM recomputed on both), so they can be re-checked (admin)."""
    require_role(user, "admin")
    from api.usecases.catalogue import load
    from footprint.errors import FootprintError
    from lcidb.errors import LcidbError

    try:
        old_snapshot, new_snapshot = load(old), load(new)
        moves = factor_impact.certificate_moves(session, old_snapshot, new_snapshot, threshold)
    except (LcidbError, FootprintError) as exc:
        raise InvalidInput(str(exc)) from None
    return FactorImpactPublic(
        old=old_snapshot.ref, new=new_snapshot.ref, threshold=threshold, certificates=len(moves),
        to_recheck=sum(m.exceeds for m in moves),
        moves=[FootprintMovePublic(
            certificate_number=m.key, certified_kgco2e=m.certified_kgco2e, old_kgco2e=m.old_kgco2e,
            new_kgco2e=m.new_kgco2e, delta_kgco2e=m.delta_kgco2e, relative_change=m.relative_change,
            exceeds=m.exceeds, error=m.error, detail=m.detail,
        ) for m in moves],
    )
