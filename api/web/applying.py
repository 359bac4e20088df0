"""The exporter's label applications: apply (scheme, footprint, the evidence form or pasted JSON,
the gate pre-check with what is missing), track the application, attach evidence files, submit or answer a request for
information, download the certificate PDF and the label artwork. Evidence files are read by the
exporter's organisation and by certifiers (the certifier's page links the same downloads).

Pages call api/usecases only (applying, evidence_form, evidence_files, applications, bom_intake)."""

from __future__ import annotations

import json
from datetime import date
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.http.deps import SessionDep, StateDep
from api.errors import Conflict, Forbidden, InvalidInput, NotFound, PayloadTooLarge
from api.usecases import applications as workflow
from api.usecases import applying, bom_intake, certification, evidence_files, evidence_form, records, scheme_guide
from api.web import grants
from api.web.auth import CsrfChecked, Person, SignedIn, page
from api.web.exporter import PageNotFound, exporter_only, visible

if TYPE_CHECKING:  # row types for annotations only: the pages never query them
    pass

router = APIRouter(include_in_schema=False)
EVIDENCE_ACCEPT = ".pdf,.xlsx,.png,.jpg,.jpeg,application/pdf,image/png,image/jpeg"
LABEL_FORMATS = ("svg", "png", "pdf")


def parse_evidence(text: str) -> dict[str, Any]:
    """The evidence JSON typed in the page; InvalidInput names the line and column of a mistake."""
    if not text.strip():
        return {}
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"evidence: not JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}") from None
    if not isinstance(value, dict):
        raise InvalidInput("evidence: a JSON object {...} is expected")
    return value


def rules_of(evaluation: dict[str, Any]) -> list[dict[str, Any]]:
    return list(((evaluation or {}).get("explanation") or {}).get("rules") or [])


async def posted_form(request: Request) -> Any:
    """The posted form as FastAPI already parsed it (the evidence fields are named by their path, so
    they cannot be declared one by one); a dependency, so the page itself stays a sync function."""
    return await request.form()


PostedForm = Annotated[Any, Depends(posted_form)]
ADD_ROW = "add-row:"  # action prefix of the "add a row" buttons: re-post the form with one more empty row


def _rows_to_show(form: evidence_form.EvidenceForm, add: str | None) -> dict[str, list[dict[str, str]]]:
    """Each list's rows as the page shows them: what was typed, then one empty row (two after "add a row");
    without JavaScript the empty rows are the way to add items."""
    shown = {}
    for path, columns in evidence_form.ROW_LISTS.items():
        rows = list(form.rows.get(path) or [])
        while rows and not any(rows[-1].values()):
            rows.pop()
        extra = 2 if add == path else 1
        shown[path] = (rows + [dict.fromkeys(columns, "") for _ in range(extra)])[:evidence_form.MAX_ROWS]
    return shown


def _apply_page(request: Request, state: Any, session: Any, person: Person, product: Any, *,
                footprint_id: str | None, scheme: str | None, form: evidence_form.EvidenceForm | None,
                evidence_text: str, evaluation: dict[str, Any] | None = None, status_code: int = 200,
                error: str | None = None, errors: list[evidence_form.FieldError] | None = None,
                add: str | None = None) -> Response:
    footprints = bom_intake.footprints_of(session, product)
    footprint = next((f for f in footprints if f.id == footprint_id), footprints[0] if footprints else None)
    schemes = sorted(state.domain.schemes())
    scheme = scheme if scheme in schemes else (schemes[0] if schemes else None)
    if form is None:
        form = evidence_form.prefill(session, product, footprint)
    rules = rules_of(evaluation or {})
    return page(request, state, "exporter/apply.html", status_code=status_code, person=person, product=product,
                footprints=footprints, footprint=footprint, schemes=schemes, scheme=scheme, form=form,
                scheme_names={s.id: s.names for s in scheme_guide.schemes(date.today())},
                rows=_rows_to_show(form, add), choices=evidence_form.choices(footprint, date.today()),
                kept_text=json.dumps(form.kept, ensure_ascii=False, sort_keys=True) if form.kept else "",
                field_errors={e.field: e for e in errors or []}, errors=errors or [], add_row=ADD_ROW,
                evidence_text=evidence_text, evaluation=evaluation, rules=rules,
                missing=[r for r in rules if r.get("status") not in ("pass", "not_applicable")], error=error)


@router.get("/app/products/{product_id}/apply", response_class=HTMLResponse)
def apply_page(product_id: str, request: Request, state: StateDep, session: SessionDep, person: SignedIn,
               footprint: str | None = None) -> Response:
    """Choose a scheme and a footprint, fill in the evidence form (pre-filled from the footprint and
    from the product's last application)."""
    exporter_only(person)
    product = visible(session, records.visible_product, product_id, person)
    return _apply_page(request, state, session, person, product, footprint_id=footprint, scheme=None, form=None,
                       evidence_text="")


@router.post("/app/products/{product_id}/apply", response_class=HTMLResponse)
def create_application(
    product_id: str, request: Request, state: StateDep, session: SessionDep, person: SignedIn, _web: CsrfChecked,
    posted: PostedForm, footprint: Annotated[str, Form(max_length=32)], scheme: Annotated[str, Form(max_length=100)],
    evidence: Annotated[str, Form(max_length=200_000)] = "", action: Annotated[str, Form(max_length=60)] = "create",
    kept: Annotated[str, Form(max_length=200_000)] = "",
) -> Response:
    """`action=check`: the gate pre-check of what is filled in (nothing stored); `create`: the draft;
    `add-row:<list>`: the same form again with one more empty row of that list.

    The evidence is the form's, unless the "paste JSON" box is not empty: then the JSON is the
    evidence and the form is not read (the page says so beside the box)."""
    exporter_only(person)
    product = visible(session, records.visible_product, product_id, person)
    fields = {k: v for k, v in posted.items() if isinstance(v, str)}
    own = [v for v in posted.getlist("own_processes") if isinstance(v, str)]

    def again(**context: Any) -> Response:
        return _apply_page(request, state, session, person, product, footprint_id=footprint, scheme=scheme,
                           evidence_text=evidence, **context)

    try:
        carried = parse_evidence(kept)
    except InvalidInput:
        carried = {}
    outcome = evidence_form.evidence_from_form(fields, own, today=date.today(), kept=carried)
    if action.startswith(ADD_ROW):
        return again(form=outcome.form, add=action.removeprefix(ADD_ROW))
    try:
        if evidence.strip():
            document, errors = parse_evidence(evidence), []
        else:
            document, errors = outcome.evidence, outcome.errors
    except InvalidInput as exc:
        return again(form=outcome.form, status_code=422, error=exc.message)
    if errors:
        return again(form=outcome.form, errors=errors, status_code=200 if action == "check" else 422)
    try:
        footprint_row = visible(session, records.visible_footprint, footprint, person)
        if action == "check":
            evaluation = applying.precheck(session, state.domain, product=product, footprint=footprint_row,
                                           scheme=scheme, evidence=document)
            return again(form=outcome.form, evaluation=evaluation)
        application = workflow.create_application(
            session, actor=person.user, product=product, footprint=footprint_row, scheme=scheme,
            known_schemes=state.domain.schemes(), evidence=document)
    except InvalidInput as exc:
        session.rollback()
        return again(form=outcome.form, status_code=422, error=exc.message)
    session.commit()
    return RedirectResponse(f"/app/my-applications/{application.id}", status_code=303)


@router.get("/app/my-applications", response_class=HTMLResponse)
def my_applications(request: Request, state: StateDep, session: SessionDep, person: SignedIn) -> Response:
    exporter_only(person)
    rows = workflow.list_applications(session, user=person.user, status=None, limit=500, offset=0)
    return page(request, state, "exporter/applications.html", person=person,
                rows=[(a, records.product_and_organisation(session, a)[0]) for a in reversed(rows)])


def _track_page(request: Request, state: Any, session: Any, person: Person, application: Any, *,
                status_code: int = 200, error: str | None = None, evidence_text: str | None = None,
                grant_error: str | None = None) -> Response:
    product, _ = records.product_and_organisation(session, application)
    footprint = records.footprint_of(session, application)
    evaluation = application.submitted_evaluation or {}
    if application.status in evidence_files.ATTACHABLE_STATES and footprint is not None and product is not None:
        evaluation = applying.precheck(session, state.domain, product=product, footprint=footprint,
                                       scheme=application.scheme, evidence=application.evidence or {})
    rules = rules_of(evaluation)
    certificate = applying.certificate_of(session, application)
    return page(
        request, state, "exporter/application.html", status_code=status_code, person=person,
        application=application, product=product, footprint=footprint, evaluation=evaluation, rules=rules,
        missing=[r for r in rules if r.get("status") not in ("pass", "not_applicable")],
        files=evidence_files.files_of(session, user=person.user, application_id=application.id),
        timeline=applying.timeline(session, application), certificate=certificate, error=error,
        attachable=application.status in evidence_files.ATTACHABLE_STATES,
        evidence_text=evidence_text or json.dumps(application.evidence or {}, ensure_ascii=False, indent=2),
        evidence_limit=state.settings.evidence_max_bytes, evidence_accept=EVIDENCE_ACCEPT,
        label_formats=LABEL_FORMATS, today=date.today(), grant_error=grant_error,
        grants=grants.grants_for_page(session, person, application.product_id) if certificate else [],
    )


@router.get("/app/my-applications/{application_id}", response_class=HTMLResponse)
def track(application_id: str, request: Request, state: StateDep, session: SessionDep, person: SignedIn) -> Response:
    exporter_only(person)
    application = visible(session, records.visible_application, application_id, person)
    return _track_page(request, state, session, person, application)


@router.post("/app/my-applications/{application_id}/evidence-files", response_class=HTMLResponse)
def upload_evidence(
    application_id: str, request: Request, state: StateDep, session: SessionDep, person: SignedIn, _web: CsrfChecked,
    file: Annotated[UploadFile, File()],
) -> Response:
    exporter_only(person)
    application = visible(session, records.visible_application, application_id, person)
    limit = state.settings.evidence_max_bytes
    raw = file.file.read(limit + 1)
    try:
        evidence_files.attach(session, evidence_files.evidence_store(state.settings), actor=person.user,
                              application_id=application.id, client_name=file.filename, raw=raw, limit=limit)
    except (InvalidInput, PayloadTooLarge, Conflict) as exc:
        application = visible(session, records.visible_application, application_id, person)
        return _track_page(request, state, session, person, application, status_code=exc.status_code,
                           error=exc.message)
    return RedirectResponse(f"/app/my-applications/{application.id}#evidence-files", status_code=303)


@router.post("/app/my-applications/{application_id}/submit", response_class=HTMLResponse)
def submit(
    application_id: str, request: Request, state: StateDep, session: SessionDep, person: SignedIn, _web: CsrfChecked,
    evidence: Annotated[str, Form(max_length=200_000)] = "", reason: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    """Submit the draft, or send the answer to a request for information (with the evidence as edited)."""
    exporter_only(person)
    application = visible(session, records.visible_application, application_id, person)
    try:
        certification.submit(session, state, actor=person.user, application=application,
                             evidence=parse_evidence(evidence) if evidence.strip() else None, footprint_id=None,
                             reason=reason.strip() or None)
    except (InvalidInput, Conflict, Forbidden) as exc:
        session.rollback()
        application = visible(session, records.visible_application, application_id, person)
        return _track_page(request, state, session, person, application, status_code=exc.status_code,
                           error=exc.message, evidence_text=evidence)
    session.commit()
    return RedirectResponse(f"/app/my-applications/{application.id}", status_code=303)


@router.post("/app/my-applications/{application_id}/grants", response_class=HTMLResponse)
def grant_read_access(
    application_id: str, request: Request, state: StateDep, session: SessionDep, person: SignedIn, _web: CsrfChecked,
    grantee_organisation_id: Annotated[str, Form(max_length=64)] = "", role: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    """Let a bank's or buyer's organisation read the certificate's product (api.usecases.shared.grant)."""
    exporter_only(person)
    application = visible(session, records.visible_application, application_id, person)
    return grants.answer(
        session, lambda: grants.grant(session, person, application.product_id, grantee_organisation_id, role),
        done=f"/app/my-applications/{application.id}#read-access",
        refused=lambda status, message: _track_page(
            request, state, session, person, visible(session, records.visible_application, application_id, person),
            status_code=status, grant_error=message))


@router.post("/app/my-applications/{application_id}/grants/{grant_id}/revoke", response_class=HTMLResponse)
def revoke_read_access(application_id: str, grant_id: str, request: Request, state: StateDep, session: SessionDep,
                       person: SignedIn, _web: CsrfChecked) -> Response:
    """Withdraw a grant (api.usecases.shared.revoke): the grantee's next read answers 404."""
    exporter_only(person)
    application = visible(session, records.visible_application, application_id, person)
    return grants.answer(
        session, lambda: grants.revoke(session, person, application.product_id, grant_id),
        done=f"/app/my-applications/{application.id}#read-access",
        refused=lambda status, message: _track_page(
            request, state, session, person, visible(session, records.visible_application, application_id, person),
            status_code=status, grant_error=message))


@router.get("/app/applications/{application_id}/evidence-files/{file_id}")
def download_evidence(application_id: str, file_id: str, state: StateDep, session: SessionDep,
                      person: SignedIn) -> Response:
    """An evidence file for the applicant's organisation and the certifiers (another organisation: 404)."""
    try:
        row = evidence_files.file_of(session, user=person.user, application_id=application_id, file_id=file_id)
    except (NotFound, Forbidden):
        raise PageNotFound("evidence file") from None
    raw = evidence_files.content_of(evidence_files.evidence_store(state.settings), row)
    return Response(raw, media_type=row.media_type, headers=evidence_files.download_headers(row))


@router.get("/app/certificates/{number}.pdf")
def certificate_pdf(number: str, session: SessionDep, person: SignedIn) -> Response:
    try:
        pdf = applying.certificate_pdf(session, user=person.user, number=number)
    except (NotFound, Forbidden):
        raise PageNotFound("certificate") from None
    return Response(pdf.content, media_type=pdf.media_type,
                    headers={"Content-Disposition": f'attachment; filename="{pdf.filename}"'})


@router.get("/app/certificates/{number}/label.{fmt}")
def label_artwork(number: str, fmt: str, session: SessionDep, person: SignedIn) -> Response:
    if fmt not in LABEL_FORMATS:
        raise PageNotFound("label")
    try:
        label = applying.label_artwork(session, user=person.user, number=number, fmt=fmt)
    except (NotFound, Forbidden):
        raise PageNotFound("certificate") from None
    return Response(label.content, media_type=label.media_type,
                    headers={"Content-Disposition": f'attachment; filename="{label.filename}"'})
