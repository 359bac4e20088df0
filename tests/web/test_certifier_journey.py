"""The certifier's pages: queue -> application with the rules -> start review -> request
information; the exporter sees the request on the same page; reject needs a reason; a certifier
of the applicant's organisation cannot act; CSRF refusal. In a browser on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Page, expect

from tests.api.conftest import LiveServer
from tests.api.helpers import apply, compute, create_product, step, upload_bom
from tests.api.standin import sample_bom
from tests.conftest import REPO_ROOT
from tests.web.browser import sign_in_page
from tests.web.test_auth import add_person, csrf_of, sign_in

SCREENSHOTS = REPO_ROOT / "out" / "screenshots"


def submitted_application(client: Any, actors: Any, name: str = "M8 steel bolt") -> dict[str, Any]:
    exporter = actors.add("exporter-client", "exporter", "Foshan Fastener Co")
    product = create_product(client, exporter, name)
    bom = upload_bom(client, exporter, product["id"], sample_bom(name))
    footprint = compute(client, exporter, product["id"], bom["id"])
    application = apply(client, exporter, product["id"], footprint["id"])
    assert step(client, exporter, application["id"], "submit").status_code == 200
    return application


def test_certifier_journey_in_a_browser(app, client, actors, page: Page, database) -> None:  # type: ignore[no-untyped-def]
    application = submitted_application(client, actors)
    certifier = add_person(app, "certifier", "GD Certification Centre", name="Dr Lee 李博士")
    exporter = add_person(app, "exporter", "Foshan Fastener Co", name="Chen Jing")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with LiveServer(app) as server:
        page.set_viewport_size({"width": 360, "height": 740})
        sign_in_page(page, server.url, certifier)
        page.get_by_role("link", name="Review queue").click()
        expect(page.locator("#none-assigned")).to_be_visible()
        page.get_by_role("link", name="Unassigned").click()
        page.locator("#unassigned").get_by_role("link", name="M8 steel bolt").click()
        expect(page.locator("#application-status")).to_have_attribute("data-status", "submitted")
        page.get_by_role("button", name="Start the review").click()
        expect(page.locator("#application-status")).to_have_attribute("data-status", "under_review")
        page.get_by_label("What the applicant must send").fill("Send the verifier's statement VS-2026-001.")
        page.get_by_role("button", name="Request information").click()
        expect(page.locator("#application-status")).to_have_attribute("data-status", "information_requested")
        page.screenshot(path=str(SCREENSHOTS / f"certifier-application-{database.kind}-360.png"), full_page=True)
        page.goto(server.url + "/app/queue")  # still assigned to me while the exporter answers
        expect(page.locator("#assigned-to-me")).to_contain_text("M8 steel bolt")
        page.screenshot(path=str(SCREENSHOTS / f"certifier-queue-{database.kind}-360.png"), full_page=True)

        # the exporter reads the request on the same page, in Chinese
        page.context.clear_cookies()
        page.context.add_cookies([{"name": "carbonlabel_lang", "value": "zh-Hans", "url": server.url}])
        sign_in_page(page, server.url, exporter)
        page.goto(f"{server.url}/app/applications/{application['id']}")
        expect(page.locator("#application-status")).to_have_text("已要求补充资料")
        expect(page.locator(".lead")).to_contain_text("VS-2026-001")
        expect(page.locator("#request-information")).to_have_count(0)  # no certifier actions for the exporter


def test_reject_needs_a_reason_and_own_organisation_cannot_act(app, client, actors) -> None:  # type: ignore[no-untyped-def]
    application = submitted_application(client, actors)
    url = f"/app/applications/{application['id']}"
    insider = add_person(app, "certifier", "Foshan Fastener Co", name="Insider")
    assert sign_in(client, insider).status_code == 303
    form = client.get(url).text
    assert 'action="/app/applications/' not in form  # no actions offered to the applicant's organisation
    refused = client.post(f"{url}/start_review", data={"csrf_token": csrf_of(form)})
    assert refused.status_code == 403 and 'id="action-error"' in refused.text
    client.post("/logout", data={"csrf_token": csrf_of(form)})

    outsider = add_person(app, "certifier", "GD Certification Centre", name="Dr Lee")
    assert sign_in(client, outsider).status_code == 303
    form = client.get(url).text
    assert client.post(f"{url}/start_review", data={}).status_code == 403  # no CSRF token
    assert client.post(f"{url}/start_review", data={"csrf_token": csrf_of(form)}, follow_redirects=False).status_code == 303
    form = client.get(url).text
    empty = client.post(f"{url}/reject", data={"csrf_token": csrf_of(form), "reason": "  "})
    assert empty.status_code == 422 and "needs a reason" in empty.text
    done = client.post(f"{url}/reject", data={"csrf_token": csrf_of(form), "reason": "G7: DQR above 3.0"},
                       follow_redirects=True)
    assert 'data-status="rejected"' in done.text and "G7: DQR above 3.0" in done.text
    late = client.post(f"{url}/approve", data={"csrf_token": csrf_of(form)})  # the approval's use case refuses
    assert late.status_code == 409 and "rejected" in late.text


def test_another_exporter_never_sees_the_application(app, client, actors) -> None:  # type: ignore[no-untyped-def]
    application = submitted_application(client, actors)
    stranger = add_person(app, "exporter", "Shenzhen Other Co", name="Wang Wei")
    assert sign_in(client, stranger).status_code == 303
    assert client.get(f"/app/applications/{application['id']}").status_code == 404
    assert client.get("/app/queue").status_code == 404  # not a certifier's page
