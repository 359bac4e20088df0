"""The claim and bank/buyer pages over real HTTP (real engine and rules, SQLite and PostgreSQL), without a browser:
a lot held by another exporter's claim is refused on the page naming that claim; a lot line in error is named;
CSRF; who gets 404 where; a certifier of the applicant's organisation cannot act; an audited bank read."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx

from api.storage.models import HistoryEntry
from api.usecases import accounts
from tests.api.real_steps import desk_lamp_footprint, exporter_and_certifier
from tests.api.test_e2e_http import real_server  # noqa: F401  (fixture)
from tests.web.test_auth import add_person, csrf_of, sign_in
from tests.web.test_neutral_journey import dossier_and_lots


def claim_form(footprint_id: str, lots: str) -> dict[str, str]:
    return {"footprint_id": footprint_id, "scheme": "gd-carbon-label+carbon-neutral", "period_start": "2025-01-01",
            "period_end": "2025-12-31", "units_sold": "1000", "plan_reference": "CNMP-1",
            "plan_adopted_on": "2024-03-01", "plan_evidence_file": "cnmp.pdf", "lots_csv": lots}


def post_claim(web: httpx.Client, footprint_id: str, lots: str, dossier: dict[str, Any]) -> httpx.Response:
    token = csrf_of(web.get("/app/claims").text)
    return web.post("/app/claims", data=claim_form(footprint_id, lots) | {"csrf_token": token},
                    files={"dossier": ("dossier.json", json.dumps(dossier).encode(), "application/json")})


def test_claim_pages_refuse_held_lots_bad_lines_and_strangers(real_server) -> None:  # noqa: F811
    server, application = real_server
    with httpx.Client(base_url=server.url, timeout=120) as http:
        exporter_api, _ = exporter_and_certifier(application, http)  # organisation "Lamp Co"
        bom, _, footprint = desk_lamp_footprint(http, exporter_api)
    dossier, lots, serials = dossier_and_lots(bom, footprint)
    first = add_person(application, "exporter", "Lamp Co", name="Chen Jing")
    with httpx.Client(base_url=server.url, timeout=120, follow_redirects=True) as web:
        assert sign_in(web, first).status_code == 303
        assert web.post("/app/claims", data=claim_form(footprint["id"], lots)).status_code == 403  # no CSRF token
        bad = post_claim(web, footprint["id"], lots.replace(",yes", ",maybe"), dossier)
        assert bad.status_code == 422 and "lots line 2, field &#39;removal&#39;" in bad.text
        created = post_claim(web, footprint["id"], lots, dossier)
        assert created.status_code == 200 and 'data-status="draft"' in created.text  # after the redirect
        claim_id = str(created.url).rsplit("/", 1)[1]
        submitted = web.post(f"/app/claims/{claim_id}/submit", data={"csrf_token": csrf_of(created.text)})
        assert 'data-status="submitted"' in submitted.text and serials in submitted.text
        # the exporter cannot act as a certifier, and has no bank pages
        assert web.post(f"/app/claims/{claim_id}/approve", data={"csrf_token": csrf_of(created.text)}).status_code == 404
        assert web.get("/app/shared").status_code == 404

    # another exporter: the same serials are refused, naming the claim that holds them; the first claim is 404
    other_api_org = "Other Lamp Co"
    other = add_person(application, "exporter", other_api_org, name="Wang Wei")
    with httpx.Client(base_url=server.url, timeout=120) as http:
        from tests.api.test_e2e_http import token

        with application.state.service.sessions() as s:
            made = accounts.create_user(s, organisation=accounts.get_or_create_organisation(s, name=other_api_org),
                                        name="other", role="exporter", actor=None)
            s.commit()
        _, _, other_footprint = desk_lamp_footprint(http, token(http, made.client_id, made.client_secret))
    with httpx.Client(base_url=server.url, timeout=120, follow_redirects=True) as web:
        assert sign_in(web, other).status_code == 303
        refused = post_claim(web, other_footprint["id"], lots, dossier)
        assert refused.status_code == 409 and claim_id in refused.text and 'id="claim-error"' in refused.text
        assert web.get(f"/app/claims/{claim_id}").status_code == 404
        assert post_claim(web, footprint["id"], lots, dossier).status_code == 422  # not its footprint

    # a certifier of the applicant's organisation sees the claim but cannot act
    insider = add_person(application, "certifier", "Lamp Co", name="Insider")
    with httpx.Client(base_url=server.url, timeout=120, follow_redirects=True) as web:
        assert sign_in(web, insider).status_code == 303
        page = web.get(f"/app/claims/{claim_id}")
        assert page.status_code == 200 and 'action="/app/claims/' not in page.text
        assert 'data-rule="T4.coverage"' in page.text
        refused = web.post(f"/app/claims/{claim_id}/start_review", data={"csrf_token": csrf_of(page.text)})
        assert refused.status_code == 403 and 'id="action-error"' in refused.text


def test_a_buyer_reads_only_what_is_granted_and_each_read_is_audited(real_server) -> None:  # noqa: F811
    server, application = real_server
    with httpx.Client(base_url=server.url, timeout=120) as http:
        exporter_api, _ = exporter_and_certifier(application, http)
        _, product_id, _ = desk_lamp_footprint(http, exporter_api)
        buyer = add_person(application, "buyer", "Retail Buyer Ltd", name="Ms Ho")
        banker = add_person(application, "bank", "Retail Buyer Ltd", name="Mr Lam")  # same organisation, other role
        with application.state.service.sessions() as s:
            org = accounts.get_or_create_organisation(s, name="Retail Buyer Ltd").id
            s.commit()
        grant = http.post(f"/v1/products/{product_id}/grants", json={"grantee_organisation_id": org, "role": "buyer"},
                          headers=exporter_api).json()
    with httpx.Client(base_url=server.url, timeout=120, follow_redirects=True) as web:
        assert sign_in(web, buyer).status_code == 303
        listing = web.get("/app/shared")
        assert f'/app/shared/{product_id}"' in listing.text and "lamp" in listing.text
        page = web.get(f"/app/shared/{product_id}")
        assert page.status_code == 200 and 'id="no-certificates"' in page.text  # granted, nothing certified yet
        exported = web.get(f"/app/shared/{product_id}/series.json")
        assert exported.status_code == 200 and exported.json() == []
        xlsx = web.get(f"/app/shared/{product_id}/series.xlsx")
        assert xlsx.content[:2] == b"PK"  # a zip: the workbook
        assert web.get(f"/app/shared/{product_id}/series.pdf").status_code == 404
    with application.state.service.sessions() as s:
        reads = [e.detail["read"] for e in s.query(HistoryEntry).filter_by(entity_id=product_id, action="shared_read")]
    assert sorted(reads) == ["web.product", "web.series.json", "web.series.xlsx"]
    with httpx.Client(base_url=server.url, timeout=120, follow_redirects=True) as web:  # the grant was to buyers, not to the bank role
        assert sign_in(web, banker).status_code == 303
        assert web.get(f"/app/shared/{product_id}").status_code == 404
        assert not re.search(rf"/app/shared/{product_id}\b", web.get("/app/shared").text)
    assert grant["role"] == "buyer"
