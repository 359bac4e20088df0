"""Organisations and users (admin only), and who am I."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import CurrentUser, SessionDep
from api.schemas import OrganisationCreate, OrganisationPublic, UserCreate, UserCreated, UserPublic, error_responses
from api.services import accounts
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
