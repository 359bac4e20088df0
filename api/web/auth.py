"""Signing in and out, changing one's password; the signed-in person for the other pages.

Every POST form carries the session's CSRF token (checked before anything else); sign-in goes
through the database-stored throttle of the token endpoint; roles and organisation scoping are
the API's (the pages pass the person to the same service functions)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.http.deps import SessionDep, StateDep
from api.errors import InvalidInput, NotAuthenticated
from api.usecases import records, throttle, web_accounts
from api.state import ServiceState
from api.web.pages import safe_next
from api.web.rendering import render
from api.web.sessions import (
    CSRF_FIELD,
    CsrfRefused,
    WebSession,
    check_csrf,
    new_session,
    password_fingerprint,
    read_session,
    write_session,
)

if TYPE_CHECKING:  # row types for annotations only: the pages never query them
    from api.storage.models import Organisation, User

router = APIRouter(include_in_schema=False)

class SignInRequired(Exception):
    """Raised by `current_person` on a page that needs a signed-in person: answered by a redirect."""

    def __init__(self, next_path: str):
        self.next_path = next_path


def browser_session(request: Request, state: StateDep) -> WebSession:
    return read_session(request, state.signing_key)


BrowserSession = Annotated[WebSession, Depends(browser_session)]


@dataclass
class Person:
    user: User
    organisation: Organisation
    web: WebSession


def current_person(request: Request, session: SessionDep, web: BrowserSession) -> Person:
    """The signed-in person (still active, password unchanged since the sign-in), else SignInRequired."""
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    if not web.signed_in or web.user_id is None:
        raise SignInRequired(here)
    try:
        user = web_accounts.person_for_session(session, web.user_id)
    except NotAuthenticated:
        raise SignInRequired(here) from None
    if password_fingerprint(user.password_hash or "") != web.version:
        raise SignInRequired(here)  # the password changed since: every other session ends
    organisation = records.organisation_by_id(session, user.organisation_id)
    assert organisation is not None  # person_for_session checked it
    session.commit()  # end the read transaction; the page starts its own
    return Person(user, organisation, web)


SignedIn = Annotated[Person, Depends(current_person)]


def csrf_checked(
    request: Request, state: StateDep, web: BrowserSession, csrf_token: Annotated[str, Form()] = ""
) -> WebSession:
    """Dependency of every POST page: the form's token must be this browser session's."""
    settings = state.settings
    check_csrf(request, web, csrf_token, settings.public_url if settings.public_url_configured else None)
    return web


CsrfChecked = Annotated[WebSession, Depends(csrf_checked)]


def page(request: Request, state: ServiceState, template: str, *, status_code: int = 200, **context: Any) -> Response:
    """A page with forms: the CSRF token in the context, the session cookie set when it is new."""
    web = read_session(request, state.signing_key)
    response = render(request, template, status_code=status_code, csrf_field=CSRF_FIELD, csrf_token=web.csrf, **context)
    if getattr(request.state, "web_session_new", False):
        write_session(response, request, state.signing_key, state.settings.public_url, web)
    return response


def _policy(state: ServiceState) -> throttle.ThrottlePolicy:
    settings = state.settings
    return throttle.ThrottlePolicy(settings.login_max_failures, settings.login_window_seconds)


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, state: StateDep, next: str = "/app") -> Response:
    return page(request, state, "login.html", next=safe_next(next), error=None, login="")


@router.get("/", response_class=HTMLResponse)
def landing(request: Request, state: StateDep) -> Response:
    """The start page: what the service is, sign-in, certificate verification."""
    return page(request, state, "landing.html", next="/app", error=None, login="")


@router.post("/login", response_class=HTMLResponse)
def login(
    request: Request,
    state: StateDep,
    session: SessionDep,
    _web: CsrfChecked,
    login: Annotated[str, Form(max_length=200)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/app",
) -> Response:
    address = request.client.host if request.client else "unknown"
    try:
        user = web_accounts.sign_in(session, login=login, password=password, address=address, policy=_policy(state))
    except throttle.TooManyAttempts as exc:
        session.commit()  # keep the refusal's log row
        response = page(request, state, "login.html", status_code=429, next=safe_next(next), login=login,
                        error="throttled", retry_after=exc.retry_after)
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    except web_accounts.InvalidLogin:
        session.commit()  # keep the failure count and the log row
        return page(request, state, "login.html", status_code=401, next=safe_next(next), login=login, error="invalid")
    session.commit()
    # a new session (and CSRF token) on every sign-in: no session fixation
    fresh = new_session(user.id, password_fingerprint(user.password_hash or ""))
    response = RedirectResponse(safe_next(next), status_code=303)
    write_session(response, request, state.signing_key, state.settings.public_url, fresh)
    return response


@router.post("/logout")
def logout(request: Request, state: StateDep, _web: CsrfChecked) -> Response:
    response = RedirectResponse("/", status_code=303)
    write_session(response, request, state.signing_key, state.settings.public_url, new_session())
    return response


@router.get("/account/password", response_class=HTMLResponse)
def password_form(request: Request, state: StateDep, person: SignedIn) -> Response:
    return page(request, state, "password.html", person=person, error=None, done=False,
                min_length=web_accounts.MIN_PASSWORD_LENGTH)


@router.post("/account/password", response_class=HTMLResponse)
def change_password(
    request: Request,
    state: StateDep,
    session: SessionDep,
    person: SignedIn,
    _web: CsrfChecked,
    current: Annotated[str, Form(max_length=1024)] = "",
    new: Annotated[str, Form(max_length=1024)] = "",
    repeat: Annotated[str, Form(max_length=1024)] = "",
) -> Response:
    user = records.user_by_id(session, person.user.id)
    assert user is not None
    error = None
    if new != repeat:
        error = "mismatch"
    else:
        try:
            web_accounts.change_password(session, user=user, current=current, new=new)
        except web_accounts.InvalidLogin:
            error = "current"
        except InvalidInput:
            error = "rules"
    if error:
        session.rollback()
        return page(request, state, "password.html", status_code=422, person=person, error=error, done=False,
                    min_length=web_accounts.MIN_PASSWORD_LENGTH)
    session.commit()
    # this browser stays signed in with the new fingerprint; every other session ends
    response = page(request, state, "password.html", person=person, error=None, done=True,
                    min_length=web_accounts.MIN_PASSWORD_LENGTH)
    write_session(response, request, state.signing_key, state.settings.public_url,
                  WebSession(csrf=person.web.csrf, user_id=user.id, version=password_fingerprint(user.password_hash or "")))
    return response


@router.get("/app", response_class=HTMLResponse)
def home(request: Request, state: StateDep, person: SignedIn) -> Response:
    return page(request, state, "home.html", person=person)


def install_handlers(app: Any) -> None:
    """Answers of the web pages for a missing sign-in (redirect) and a refused form (403 page)."""

    @app.exception_handler(SignInRequired)
    async def _sign_in(request: Request, exc: SignInRequired) -> Response:
        from urllib.parse import quote

        return RedirectResponse(f"/login?next={quote(exc.next_path, safe='/')}", status_code=303)

    @app.exception_handler(CsrfRefused)
    async def _csrf(request: Request, exc: CsrfRefused) -> Response:
        return render(request, "refused.html", status_code=403, reason=exc.message)
