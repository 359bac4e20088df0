"""The certifier's pages: the queue (assigned to me, unassigned, overdue surveillance) with the
screening risk flags; the application page with every gate rule's value, threshold and source, the
BOM and footprint, the evidence and the diff to the previous certificate; the certificate page
(suspend, lift, revoke, renew, surveillance); the surveillance calendar.

Every action calls the use case the HTTP API calls (`api.usecases.applications.transition`,
`api.usecases.certification`): same roles, same independence and certification-body rules, same
history rows. The pages only read through `api.usecases.review_desk`."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from babel.dates import format_skeleton
from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.http.deps import SessionDep, StateDep
from api.errors import Conflict, Forbidden, InvalidInput, NotFound
from api.usecases import applications as workflow
from api.usecases import certification, evidence_files, review_desk
from api.web.auth import CsrfChecked, Person, SignedIn, page
from api.web.exporter import PageNotFound
from api.web.i18n import Formats
from api.web.rendering import language_of

router = APIRouter(include_in_schema=False)

TRANSITIONS = ("start_review", "request_information", "reject")
CERTIFICATE_ACTIONS = ("surveillance", "suspend", "lift_suspension", "revoke", "renew")
REFUSED = (Forbidden, Conflict, InvalidInput)
Reason = Annotated[str, Form(max_length=4000)]


def _certifier(person: Person) -> None:
    if person.user.role not in ("certifier", "admin"):
        raise PageNotFound("page")


@router.get("/app/queue", response_class=HTMLResponse)
def queue(request: Request, state: StateDep, session: SessionDep, person: SignedIn, tab: str = "mine") -> Response:
    _certifier(person)
    if tab not in review_desk.TABS:
        raise PageNotFound("tab")
    rows = review_desk.queue(session, state.domain, person.user, tab)
    return page(request, state, "certifier/queue.html", person=person, tab=tab, tabs=review_desk.TABS, rows=rows)


def _application(session: Any, person: Person, application_id: str) -> Any:
    try:
        return review_desk.application_for(session, person.user, application_id)
    except NotFound:
        raise PageNotFound("application") from None


def _application_page(request: Request, state: Any, session: Any, person: Person, application: Any, *,
                      status_code: int = 200, error: str | None = None) -> Response:
    review = review_desk.review(session, state.domain, person.user, application)
    return page(request, state, "certifier/application.html", status_code=status_code, person=person, error=error,
                application=application, review=review, can_act=review.may_act,
                files=evidence_files.files_of(session, user=person.user, application_id=application.id))


@router.get("/app/applications/{application_id}", response_class=HTMLResponse)
def application_page(application_id: str, request: Request, state: StateDep, session: SessionDep,
                     person: SignedIn) -> Response:
    application = _application(session, person, application_id)
    return _application_page(request, state, session, person, application)


def _decide(session: Any, state: Any, person: Person, application: Any, action: str, reason: str) -> str:
    """Run the action through its use case; the page to go to afterwards."""
    if action == "approve":
        certificate = certification.approve(session, state, actor=person.user, application=application,
                                            reason=reason or None)
        if certificate is not None:
            return f"/app/certificates/{certificate.number}"
    else:
        workflow.transition(session, actor=person.user, application=application, action=action, reason=reason or None)
    return f"/app/applications/{application.id}"


@router.post("/app/applications/{application_id}/{action}", response_class=HTMLResponse)
def act(application_id: str, action: str, request: Request, state: StateDep, session: SessionDep,
        person: SignedIn, _web: CsrfChecked, reason: Reason = "") -> Response:
    if action not in (*TRANSITIONS, "approve"):
        raise PageNotFound("action")
    _certifier(person)
    application = _application(session, person, application_id)
    try:
        target = _decide(session, state, person, application, action, reason.strip())
    except REFUSED as exc:
        session.rollback()
        application = _application(session, person, application_id)
        return _application_page(request, state, session, person, application, status_code=exc.status_code,
                                 error=exc.message)
    session.commit()
    return RedirectResponse(target, status_code=303)


def _certificate_page(request: Request, state: Any, session: Any, person: Person, number: str, *,
                      status_code: int = 200, error: str | None = None) -> Response:
    _certifier(person)
    try:
        view = review_desk.certificate_view(session, person.user, number)
    except NotFound:
        raise PageNotFound("certificate") from None
    return page(request, state, "certifier/certificate.html", status_code=status_code, person=person, error=error,
                view=view, certificate=view.certificate)


@router.get("/app/certificates/{number}", response_class=HTMLResponse)
def certificate_page(number: str, request: Request, state: StateDep, session: SessionDep,
                     person: SignedIn) -> Response:
    return _certificate_page(request, state, session, person, number)


@router.post("/app/certificates/{number}/{action}", response_class=HTMLResponse)
def certificate_action(number: str, action: str, request: Request, state: StateDep, session: SessionDep,
                       person: SignedIn, _web: CsrfChecked, reason: Reason = "") -> Response:
    if action not in CERTIFICATE_ACTIONS:
        raise PageNotFound("action")
    _certifier(person)
    target = number
    try:
        if action == "renew":
            new = certification.renew_by_number(session, state, actor=person.user, number=number, footprint_id=None,
                                                reason=reason.strip())
            target = new.number if new is not None else number
        else:
            certification.act(session, actor=person.user, number=number, action=action, reason=reason.strip() or None)
    except NotFound:
        raise PageNotFound("certificate") from None
    except REFUSED as exc:
        session.rollback()
        return _certificate_page(request, state, session, person, number, status_code=exc.status_code,
                                 error=exc.message)
    session.commit()
    return RedirectResponse(f"/app/certificates/{target}", status_code=303)


@router.get("/app/surveillance", response_class=HTMLResponse)
def surveillance_calendar(request: Request, state: StateDep, session: SessionDep, person: SignedIn) -> Response:
    _certifier(person)
    locale = Formats(language_of(request)).locale
    months = [
        (format_skeleton("yMMMM", datetime(month.year, month.month, 1), locale=locale), rows)
        for month, rows in review_desk.calendar(session, person.user)
    ]
    return page(request, state, "certifier/calendar.html", person=person, months=months)
