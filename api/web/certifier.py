"""The certifier's pages: the queue (assigned to me, unassigned) and the application review page
with every gate rule's value, threshold and source; start review, request information, reject.

The actions call the same workflow service as the API (`api.services.applications.transition`):
same roles, same independence rule (no certifier of the applicant's organisation), same states.
Approval is not offered here yet: its use case (grading, four eyes, issuing) still lives in the
HTTP route and waits for the application layer (issue 12)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.deps import SessionDep, StateDep
from api.errors import Conflict, Forbidden, InvalidInput
from api.models import Application, Footprint, Organisation, Product
from api.services import applications as workflow
from api.services import evidence_files, grading
from api.web.auth import CsrfChecked, Person, SignedIn, page
from api.web.exporter import PageNotFound, visible

router = APIRouter(include_in_schema=False)

OPEN_REVIEW = ("under_review", "information_requested", "awaiting_second_approval")
PAGE_ACTIONS = ("start_review", "request_information", "reject")


def _certifier(person: Person) -> None:
    if person.user.role not in ("certifier", "admin"):
        raise PageNotFound("page")


def _row(session: Any, application: Application) -> dict[str, Any]:
    product = session.get(Product, application.product_id)
    organisation = session.get(Organisation, application.organisation_id)
    return {"application": application, "product": product, "organisation": organisation}


@router.get("/app/queue", response_class=HTMLResponse)
def queue(request: Request, state: StateDep, session: SessionDep, person: SignedIn) -> Response:
    _certifier(person)
    mine = [
        a for a in workflow.list_applications(session, user=person.user, status=None, limit=500, offset=0,
                                              assigned_to=person.user.id)
        if a.status in OPEN_REVIEW
    ]
    unassigned = [
        a for a in workflow.list_applications(session, user=person.user, status="submitted", limit=500, offset=0)
        if a.assigned_to is None and a.organisation_id != person.user.organisation_id
    ]
    return page(request, state, "certifier/queue.html", person=person,
                mine=[_row(session, a) for a in mine], unassigned=[_row(session, a) for a in unassigned])


def _application_page(request: Request, state: Any, session: Any, person: Person, application: Application, *,
                      status_code: int = 200, error: str | None = None) -> Response:
    footprint = session.get(Footprint, application.footprint_id)
    evaluation = application.submitted_evaluation
    if person.user.role in ("certifier", "admin") and footprint is not None:
        evaluation = grading.stored_evaluation(session, state.domain, application, footprint)
    rules = ((evaluation or {}).get("explanation") or {}).get("rules") or []
    independent = person.user.organisation_id != application.organisation_id
    return page(
        request, state, "certifier/application.html", status_code=status_code, person=person,
        error=error, footprint=footprint, evaluation=evaluation or {}, rules=rules,
        can_act=person.user.role == "certifier" and independent, **_row(session, application),
        files=evidence_files.files_of(session, user=person.user, application_id=application.id),
    )


@router.get("/app/applications/{application_id}", response_class=HTMLResponse)
def application_page(application_id: str, request: Request, state: StateDep, session: SessionDep,
                     person: SignedIn) -> Response:
    application = visible(session, Application, application_id, person, "application")
    return _application_page(request, state, session, person, application)


@router.post("/app/applications/{application_id}/{action}", response_class=HTMLResponse)
def act(
    application_id: str,
    action: str,
    request: Request,
    state: StateDep,
    session: SessionDep,
    person: SignedIn,
    _web: CsrfChecked,
    reason: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    if action not in PAGE_ACTIONS:
        raise PageNotFound("action")
    _certifier(person)
    application = visible(session, Application, application_id, person, "application")
    try:
        workflow.transition(session, actor=person.user, application=application, action=action,
                            reason=reason.strip() or None)
    except (Forbidden, Conflict, InvalidInput) as exc:
        session.rollback()
        application = visible(session, Application, application_id, person, "application")
        return _application_page(request, state, session, person, application, status_code=exc.status_code,
                                 error=exc.message)
    session.commit()
    return RedirectResponse(f"/app/applications/{application.id}", status_code=303)
