"""Organisations and users (admin only), and who am I."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import CurrentUser, SessionDep
from api.errors import InvalidInput
from api.schemas import (
    FactorImpactPublic, FootprintMovePublic, OrganisationCreate, OrganisationPublic, UserCreate, UserCreated, UserPublic,
    error_responses,
)
from api.services import accounts, factor_impact
from api.services.access import require_role

router = APIRouter(prefix="/v1", tags=["accounts"], responses=error_responses(401, 403, 404, 409, 422))


@router.get("/me", response_model=UserPublic)
def me(user: CurrentUser) -> UserPublic:
    """The calling client."""
    return UserPublic.model_validate(user)


@router.post("/organisations", response_model=OrganisationPublic, status_code=201)
def create_organisation(body: OrganisationCreate, user: CurrentUser, session: SessionDep) -> OrganisationPublic:
    """Create an organisation (admin)."""
    require_role(user, "admin")
    accounts.ensure_unique_organisation_name(session, body.name)
    organisation = accounts.get_or_create_organisation(session, name=body.name)
    session.commit()
    return OrganisationPublic.model_validate(organisation)


@router.post("/users", response_model=UserCreated, status_code=201)
def create_user(body: UserCreate, user: CurrentUser, session: SessionDep) -> UserCreated:
    """Create an API client with a role in an organisation (admin). The secret is shown once."""
    require_role(user, "admin")
    organisation = accounts.get_organisation(session, body.organisation_id)
    created = accounts.create_user(session, organisation=organisation, name=body.name, role=body.role, actor=user)
    session.commit()
    return UserCreated(**UserPublic.model_validate(created.user).model_dump(), client_secret=created.client_secret)


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
    from footprint.errors import FootprintError
    from lcidb.errors import LcidbError
    from lcidb.snapshot import load_snapshot

    try:
        old_snapshot, new_snapshot = load_snapshot(old), load_snapshot(new)
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
