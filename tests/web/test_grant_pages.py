"""The exporter grants and revokes a bank's or buyer's read access from the certificate page, without a browser
(SQLite and PostgreSQL): grant -> the bank's read-only page shows the certificate -> revoke -> the bank gets 404;
a form without the CSRF token is refused; another exporter cannot grant on (or even see) my certificate; a
refusal of the use case (an unknown organisation, a role that is not bank or buyer) is shown on the page."""

from __future__ import annotations

import re

import httpx

from api.storage.models import Certificate, HistoryEntry, ReadGrant
from api.usecases import accounts
from tests.api.conftest import live_server  # noqa: F401  (fixture)
from tests.api.helpers import certified
from tests.web.test_auth import add_person, csrf_of, sign_in


def _organisation_id(app, name: str) -> str:  # type: ignore[no-untyped-def]
    with app.state.service.sessions() as session:
        org = accounts.get_or_create_organisation(session, name=name)
        session.commit()
        return org.id


def test_grant_then_the_bank_reads_then_revoke_then_404(live_server, actors, app) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    exporter_api = actors.add("exporter", "exporter", "Lamp Co")
    certifier_api = actors.add("certifier", "certifier", "GD Cert Body")
    with httpx.Client(base_url=live_server.url, timeout=60) as http:
        certificate = certified(http, exporter_api, certifier_api)
    number = certificate["number"]
    with app.state.service.sessions() as session:
        application_id = session.query(Certificate).filter_by(number=number).one().application_id
    product_id = certificate["document"]["product"]["id"]
    exporter = add_person(app, "exporter", "Lamp Co", name="Chen Jing")
    banker = add_person(app, "bank", "CCB Foshan", name="Mr Lam")
    stranger = add_person(app, "exporter", "Other Lamp Co", name="Wang Wei")
    bank_org = _organisation_id(app, "CCB Foshan")
    page_url = f"/app/my-applications/{application_id}"

    with httpx.Client(base_url=live_server.url, timeout=60) as bank:
        assert sign_in(bank, banker).status_code == 303
        listing = bank.get("/app/shared").text
        assert f'id="own-organisation-id">{bank_org}<' in listing  # the id the bank gives the exporter
        assert bank.get(f"/app/shared/{product_id}").status_code == 404  # nothing granted yet

        with httpx.Client(base_url=live_server.url, timeout=60) as web:
            assert sign_in(web, exporter).status_code == 303
            page = web.get(page_url)
            assert page.status_code == 200 and 'id="read-access"' in page.text and 'id="no-grants"' in page.text
            form = {"grantee_organisation_id": bank_org, "role": "bank"}
            # no CSRF token: refused, nothing granted
            assert web.post(f"{page_url}/grants", data=form).status_code == 403
            assert bank.get(f"/app/shared/{product_id}").status_code == 404
            # the use case's refusals, named on the page
            unknown = web.post(f"{page_url}/grants", data={"csrf_token": csrf_of(page.text),
                                                           "grantee_organisation_id": "nosuchorg", "role": "bank"})
            assert unknown.status_code == 422 and 'id="grant-error"' in unknown.text
            assert "organisation &#39;nosuchorg&#39; does not exist" in unknown.text
            wrong_role = web.post(f"{page_url}/grants", data={"csrf_token": csrf_of(page.text),
                                                              "grantee_organisation_id": bank_org, "role": "auditor"})
            assert wrong_role.status_code == 422 and "role &#39;auditor&#39; is not one of bank, buyer" in wrong_role.text

            granted = web.post(f"{page_url}/grants", data=form | {"csrf_token": csrf_of(page.text)})
            assert granted.status_code == 303 and granted.headers["location"] == f"{page_url}#read-access"
            page = web.get(page_url)
            [grant_id] = re.findall(r'<tr data-grant="([0-9a-f]+)">', page.text)
            assert "CCB Foshan" in page.text and f'action="{page_url}/grants/{grant_id}/revoke"' in page.text

            # the bank reads the certificate on its read-only page
            shared = bank.get(f"/app/shared/{product_id}")
            assert shared.status_code == 200 and f'data-number="{number}"' in shared.text

            # revoking needs the token too; then the bank's next read is a 404
            assert web.post(f"{page_url}/grants/{grant_id}/revoke").status_code == 403
            assert bank.get(f"/app/shared/{product_id}").status_code == 200
            revoked = web.post(f"{page_url}/grants/{grant_id}/revoke", data={"csrf_token": csrf_of(page.text)})
            assert revoked.status_code == 303
            assert bank.get(f"/app/shared/{product_id}").status_code == 404
            page = web.get(page_url)
            assert 'id="no-grants"' in page.text and "data-grant=" not in page.text
            again = web.post(f"{page_url}/grants/{grant_id}/revoke", data={"csrf_token": csrf_of(page.text)})
            assert again.status_code == 404 and "already revoked" in again.text

    # another organisation's exporter: my certificate page and its grant route are 404, nothing is granted
    with httpx.Client(base_url=live_server.url, timeout=60) as other:
        assert sign_in(other, stranger).status_code == 303
        assert other.get(page_url).status_code == 404
        token = csrf_of(other.get("/app/products").text)
        own_org = _organisation_id(app, "Other Lamp Co")
        refused = other.post(f"{page_url}/grants", data={"csrf_token": token, "grantee_organisation_id": own_org,
                                                         "role": "buyer"})
        assert refused.status_code == 404
    with app.state.service.sessions() as session:
        rows = session.query(ReadGrant).filter_by(product_id=product_id).all()
        assert [(r.grantee_organisation_id, r.revoked_at is not None) for r in rows] == [(bank_org, True)]
        actions = [e.action for e in session.query(HistoryEntry).filter_by(entity_id=product_id)
                   .order_by(HistoryEntry.seq) if e.action in ("grant_read", "revoke_read")]
        assert actions == ["grant_read", "revoke_read"]  # the same audit rows as the API's grant and revoke
