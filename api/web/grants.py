"""The exporter's grant and revoke forms for bank and buyer read access (issue 16), on the exporter's certificate
page (/app/my-applications/{id}) and claim page (/app/claims/{id}). A grant is of the application's product (as
the API's POST /v1/products/{id}/grants): both call api.usecases.shared.grant / revoke, nothing is re-implemented
here; these helpers only turn the use case's refusals into a message for the page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.responses import RedirectResponse, Response

from api.errors import Forbidden, InvalidInput, NotFound
from api.usecases import shared
from api.web.auth import Person

GRANT_ERRORS = (InvalidInput, NotFound, Forbidden)


def grants_for_page(session: Any, person: Person, product_id: str) -> list[dict[str, Any]]:
    """The live grants the exporter's page lists (nothing for any other role)."""
    if person.user.role != "exporter":
        return []
    return shared.grants_of(session, actor=person.user, product_id=product_id)


def grant(session: Any, person: Person, product_id: str, organisation_id: str, role: str) -> None:
    shared.grant(session, actor=person.user, product_id=product_id,
                 grantee_organisation_id=organisation_id.strip(), role=role)


def revoke(session: Any, person: Person, product_id: str, grant_id: str) -> None:
    shared.revoke(session, actor=person.user, product_id=product_id, grant_id=grant_id)


def answer(session: Any, change: Callable[[], None], *, done: str, refused: Callable[[int, str], Response]) -> Response:
    """Run a grant or revoke and commit it, then go to `done` (303); on a refusal roll back and
    answer with the page `refused(status, message)` renders (the same page, the message beside the form)."""
    try:
        change()
    except GRANT_ERRORS as exc:
        session.rollback()
        return refused(exc.status_code, exc.message)
    session.commit()
    return RedirectResponse(done, status_code=303)
