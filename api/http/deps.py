"""Typed FastAPI dependencies: the session, the caller, the service state."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.openapi.models import OAuthFlowClientCredentials, OAuthFlows
from fastapi.security import OAuth2
from sqlalchemy.orm import Session

from api.errors import NotAuthenticated
from api.storage.models import User
from api.usecases import accounts
from api.state import ServiceState

oauth2_client_credentials = OAuth2(
    flows=OAuthFlows(clientCredentials=OAuthFlowClientCredentials(tokenUrl="/auth/token")),
    scheme_name="ClientCredentials",
    auto_error=False,
)


def get_state(request: Request) -> ServiceState:
    return request.app.state.service


def get_session(request: Request) -> Iterator[Session]:
    state = get_state(request)
    factory = state.read_sessions if request.method in ("GET", "HEAD") and state.read_sessions else state.sessions
    with factory() as session:
        yield session


StateDep = Annotated[ServiceState, Depends(get_state)]
SessionDep = Annotated[Session, Depends(get_session)]


def get_current_user(
    session: SessionDep, authorization: Annotated[str | None, Depends(oauth2_client_credentials)]
) -> User:
    if not authorization:
        raise NotAuthenticated("missing bearer token (get one from POST /auth/token)")
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise NotAuthenticated("the Authorization header must be 'Bearer <token>'")
    return accounts.authenticate(session, token.strip())


CurrentUser = Annotated[User, Depends(get_current_user)]
