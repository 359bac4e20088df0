"""The certifier's desk in a browser: queue tabs with screening flags -> application page (rules,
BOM, evidence, diff to the previous certificate) -> start review -> request information -> the
exporter answers (API) -> approve -> certificate page: suspend -> lift -> revoke; the surveillance
calendar; CSRF refusal; a certifier of another body cannot act (page and API, same use case); the
new pages in three languages with axe and screenshots. SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from api.web.i18n import LANGUAGE_COOKIE, LANGUAGES
from tests.api.conftest import LiveServer
from tests.api.helpers import (
    apply,
    certified,
    compute,
    step,
    upload_bom,
)
from tests.api.standin import sample_bom
from tests.conftest import REPO_ROOT
from tests.web.browser import axe_serious, sign_in_page
from tests.web.test_auth import add_person, csrf_of, sign_in

SCREENSHOTS = REPO_ROOT / "out" / "screenshots"
BODY = "GD Certification Centre"
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 900}


def renewal_application(client: Any, actors: Any) -> dict[str, Any]:
    """A product certified once (2 kg x 8.6 + 0.5 kg x 40 = 37.2 kg CO2e, by the API certifier of
    BODY), then a new BOM (1 kg aluminium: 8.6 + 20 = 28.6, -23.1 %, no change stated) submitted for a new
    certificate."""
    exporter = actors.add("exporter-client", "exporter", "Foshan Fastener Co")
    certifier = actors.add("body-client", "certifier", BODY)
    first = certified(client, exporter, certifier, name="M8 steel bolt")
    assert float(first["document"]["footprint"]["total_kgco2e"]) == pytest.approx(37.2)
    product_id = first["document"]["product"]["id"]
    bom = upload_bom(client, exporter, product_id, sample_bom("M8 steel bolt", quantities=(1.0, 0.5)))
    footprint = compute(client, exporter, product_id, bom["id"])
    application = apply(client, exporter, product_id, footprint["id"],
                        evidence={"verifier": {"name": "SGS Guangzhou", "statement": "VS-2026-001"}})
    assert step(client, exporter, application["id"], "submit").status_code == 200
    return {"application": application, "exporter": exporter, "previous": first}


def test_certifier_desk_journey(app, client, actors, page: Page, database) -> None:  # type: ignore[no-untyped-def]
    setup = renewal_application(client, actors)
    application_id = setup["application"]["id"]
    reviewer = add_person(app, "certifier", BODY, name="Dr Lee 李博士")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shot = SCREENSHOTS / f"certifier-desk-{database.kind}"
    with LiveServer(app) as server:
        page.set_viewport_size(PHONE)
        sign_in_page(page, server.url, reviewer)
        page.get_by_role("link", name="Review queue").click()
        expect(page.locator("#none-assigned")).to_be_visible()
        page.get_by_role("link", name="Unassigned").click()
        row = page.locator("#unassigned tbody tr", has_text="M8 steel bolt")
        expect(row.locator(".risk")).to_have_count(1)  # the screening's verdict on every row
        # 23.1 % below the previous certificate with no change stated: the history_drop check flags it
        expect(row.locator(".flag", has_text="history_drop")).to_contain_text("23.1")
        row.get_by_role("link", name="M8 steel bolt").click()
        expect(page.locator("#application-status")).to_have_attribute("data-status", "submitted")
        # the diff to the previous certificate: 37.2 -> 28.6 kg CO2e, -8.6 (-23.1 %), same tier
        expect(page.locator("#previous-number")).to_have_text(setup["previous"]["number"])
        total = page.locator('#previous-diff tr[data-what="total"]')
        expect(total.locator("td").nth(0)).to_have_text("37.2")
        expect(total.locator("td").nth(1)).to_have_text("28.6")
        expect(total.locator("td").nth(2)).to_contain_text("-8.6")
        expect(total.locator("td").nth(2)).to_contain_text("(-23.1 %)")
        expect(page.locator('#previous-diff tr[data-what="tier"] td').nth(2)).to_have_text("unchanged")
        expect(page.locator("#screening .flag", has_text="history_drop")).to_have_count(1)
        expect(page.locator("#bom-lines tbody tr")).to_have_count(2)
        expect(page.locator("#evidence")).to_contain_text("VS-2026-001")
        expect(page.locator("#rules, #no-rules")).to_have_count(1)  # the stand-in rules explain nothing
        page.get_by_role("button", name="Start the review").click()
        page.get_by_label("What the applicant must send").fill("Send the verifier's statement for the new BOM.")
        page.get_by_role("button", name="Request information").click()
        expect(page.locator("#application-status")).to_have_attribute("data-status", "information_requested")
        page.screenshot(path=f"{shot}-application-360.png", full_page=True)

        # the exporter answers through the API; the application comes back to its reviewer's queue
        answer = client.post(f"/v1/applications/{application_id}/submit", headers=setup["exporter"],
                             json={"reason": "Statement VS-2026-002 attached", "evidence": {
                                 "verifier": {"name": "SGS Guangzhou", "statement": "VS-2026-002"}}})
        assert answer.status_code == 200, answer.text
        page.goto(server.url + "/app/queue")
        page.locator("#assigned-to-me").get_by_role("link", name="M8 steel bolt").click()
        expect(page.locator("#evidence")).to_contain_text("VS-2026-002")
        page.get_by_role("button", name="Start the review").click()
        page.get_by_label("Note for the record (optional)").fill("Checked against the statement.")
        page.get_by_role("button", name="Approve and issue the certificate").click()
        expect(page.locator("#certificate-status")).to_have_attribute("data-status", "valid")
        number = page.locator("h1 .mono").inner_text()
        page.screenshot(path=f"{shot}-certificate-360.png", full_page=True)

        for action, field, text, status in (
            ("Suspend", "Reason for the suspension", "Factory audit pending", "suspended"),
            ("Lift the suspension", "Why the suspension ends", "Audit passed", "valid"),
            ("Revoke for good", "Reason for the revocation", "False statement found", "revoked"),
        ):
            page.get_by_label(field).fill(text)
            page.get_by_role("button", name=action).click()
            expect(page.locator("#certificate-status")).to_have_attribute("data-status", status)
        expect(page.locator("#history tbody tr[data-action]")).to_have_count(4)  # issue, suspend, lift, revoke
        expect(page.locator("#history")).to_contain_text("False statement found")

    # the API reads the same history: the page went through the same use case and audit trail
    reader = actors.add("body-reader", "certifier", BODY)
    events = client.get(f"/v1/certificates/{number}/history", headers=reader).json()
    assert [e["action"] for e in events] == ["issue", "suspend", "lift_suspension", "revoke"]
    assert client.get(f"/v1/certificates/{number}", headers=reader).json()["status"]["status"] == "revoked"
    approvals = client.get(f"/v1/applications/{application_id}", headers=reader).json()["history"]
    assert [h["action"] for h in approvals][-1] == "approve"


def test_csrf_and_another_body(app, client, actors, database) -> None:  # type: ignore[no-untyped-def]
    setup = renewal_application(client, actors)
    application_id = setup["application"]["id"]
    number = setup["previous"]["number"]
    url = f"/app/applications/{application_id}"
    reviewer = add_person(app, "certifier", BODY, name="Dr Lee")
    assert sign_in(client, reviewer).status_code == 303
    form = client.get(url).text
    refused = client.post(f"{url}/start_review", data={})  # no CSRF token: refused, nothing changed
    assert refused.status_code == 403
    assert client.post(f"/app/certificates/{number}/suspend", data={"reason": "x"}).status_code == 403
    assert 'data-status="submitted"' in client.get(url).text
    assert client.post(f"{url}/start_review", data={"csrf_token": csrf_of(form)},
                       follow_redirects=False).status_code == 303
    client.post("/logout", data={"csrf_token": csrf_of(form)})

    other = add_person(app, "certifier", "Macao Certification Ltd", name="Ms Ho")
    assert sign_in(client, other).status_code == 303
    page = client.get(url)
    assert page.status_code == 200 and 'id="other-body"' in page.text and 'id="approve"' not in page.text
    token = csrf_of(page.text)
    for action in ("request_information", "reject", "approve"):
        answer = client.post(f"{url}/{action}", data={"csrf_token": token, "reason": "mine now"})
        assert answer.status_code == 403 and "another certification body" in answer.text, action
    answer = client.post(f"/app/certificates/{number}/suspend", data={"csrf_token": token, "reason": "x"})
    assert answer.status_code == 403 and "another certification body" in answer.text
    assert "id=\"suspend\"" not in client.get(f"/app/certificates/{number}").text
    assert number not in client.get("/app/surveillance").text  # not overseen by this body
    # the API refuses the same certifier of another body through the same use case
    api_other = actors.add("macao-client", "certifier", "Macao Certification Ltd")
    assert step(client, api_other, application_id, "request-information", "mine").status_code == 403
    assert client.post(f"/v1/certificates/{number}/suspend", json={"reason": "x"},
                       headers=api_other).status_code == 403
    assert client.get(url).text.count('data-status="under_review"') == 1  # nothing changed
    # an exporter gets 404 for every certifier page
    client.post("/logout", data={"csrf_token": token})
    stranger = add_person(app, "exporter", "Shenzhen Other Co", name="Wang Wei")
    assert sign_in(client, stranger).status_code == 303
    for path in ("/app/surveillance", f"/app/certificates/{number}", "/app/queue?tab=overdue"):
        assert client.get(path).status_code == 404, path


def test_calendar_and_overdue_tab(app, client, actors, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    setup = renewal_application(client, actors)
    previous = setup["previous"]
    document = previous["document"]
    issued = datetime.fromisoformat(document["valid_from"])
    due = issued + timedelta(days=int(document["surveillance"]["interval_days"]))
    reviewer = add_person(app, "certifier", BODY, name="Dr Lee")
    assert sign_in(client, reviewer).status_code == 303
    calendar = client.get("/app/surveillance").text
    assert f'data-number="{previous["number"]}"' in calendar and "overdue-tag" not in calendar
    month = due.strftime("%B %Y")
    assert month in calendar  # the month heading, e.g. "December 2027"
    assert client.get("/app/queue?tab=overdue").text.count("/app/certificates/") == 0

    # a day after the due date: overdue on the calendar and in the queue's tab
    import api.usecases.review_desk as desk

    monkeypatch.setattr(desk, "utcnow", lambda: due + timedelta(days=1))
    calendar = client.get("/app/surveillance").text
    assert 'class="due overdue"' in calendar and "overdue-tag" in calendar
    overdue = client.get("/app/queue?tab=overdue").text
    assert f"/app/certificates/{previous['number']}" in overdue and 'data-risk="' in overdue
    client.cookies.set(LANGUAGE_COOKIE, "zh-Hans")
    zh = client.get("/app/surveillance").text
    assert f"{due.year}年{due.month}月" in zh  # the month in Chinese


def test_new_pages_in_each_language(app, client, actors, page: Page, database, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    if database.kind != "sqlite":
        pytest.skip("the language and accessibility sweep runs on SQLite only")
    import api.usecases.review_desk as desk
    from tests.web.browser import translated_phrases as _translated_phrases

    setup = renewal_application(client, actors)
    # seen a day after the previous certificate's surveillance fell due: the overdue tab and the
    # calendar have a row to show (the app runs in this process)
    document = setup["previous"]["document"]
    due = datetime.fromisoformat(document["valid_from"]) + timedelta(days=int(document["surveillance"]["interval_days"]))
    monkeypatch.setattr(desk, "utcnow", lambda: due + timedelta(days=1))
    reviewer = add_person(app, "certifier", BODY, name="Dr Lee 李博士")
    application_id = setup["application"]["id"]
    number = setup["previous"]["number"]
    pages = {
        "certifier-queue-mine": "/app/queue",
        "certifier-queue-unassigned": "/app/queue?tab=unassigned",
        "certifier-queue-overdue": "/app/queue?tab=overdue",
        "certifier-application": f"/app/applications/{application_id}",
        "certifier-certificate": f"/app/certificates/{number}",
        "certifier-calendar": "/app/surveillance",
    }
    problems: list[str] = []
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with LiveServer(app) as server:
        for code in LANGUAGES:
            page.context.clear_cookies()
            page.context.add_cookies([{"name": LANGUAGE_COOKIE, "value": code, "url": server.url}])
            page.set_viewport_size(PHONE)
            sign_in_page(page, server.url, reviewer)
            phrases = _translated_phrases(code) if code != "en" else []
            for name, path in pages.items():
                page.set_viewport_size(PHONE)
                answer = page.goto(server.url + path)
                assert answer is not None and answer.status == 200, (name, answer and answer.status)
                if name in ("certifier-queue-overdue", "certifier-calendar"):
                    expect(page.locator(f'a[href="/app/certificates/{number}"]')).to_have_count(1)
                page.screenshot(path=str(SCREENSHOTS / f"{name}-{code}-360.png"), full_page=True)
                width = page.evaluate("document.documentElement.scrollWidth")
                if width > PHONE["width"]:
                    problems.append(f"{name} {code}: {width} px wide at 360 px")
                text = page.locator("body").inner_text()
                problems += [f"{name} {code}: untranslated {p!r}" for p in phrases if p in text]
                serious = axe_serious(page)
                if serious:
                    problems.append(f"{name} {code}: axe {serious}")
                page.set_viewport_size(DESKTOP)
                page.screenshot(path=str(SCREENSHOTS / f"{name}-{code}-1280.png"), full_page=True)
            # keyboard: from the reason field the next stop is its own button (focus order)
            if code == "en":
                page.goto(server.url + f"/app/applications/{application_id}")
                page.get_by_role("button", name="Start the review").click()
                page.get_by_label("Note for the record (optional)").focus()
                page.keyboard.press("Tab")
                assert page.evaluate("document.activeElement.textContent") == "Approve and issue the certificate"
    assert problems == []


def test_renew_and_four_eyes_from_the_pages(app, client, actors) -> None:  # type: ignore[no-untyped-def]
    """Renew on the certificate page issues a successor (the old one superseded, as through the API);
    a four-eyes tier (stand-in: evidence tier T3) needs two certifiers of the body on the page."""
    setup = renewal_application(client, actors)
    number = setup["previous"]["number"]
    first = add_person(app, "certifier", BODY, name="Dr Lee")
    assert sign_in(client, first).status_code == 303
    form = csrf_of(client.get(f"/app/certificates/{number}").text)
    assert client.post(f"/app/certificates/{number}/renew", data={"csrf_token": form, "reason": " "}).status_code == 422
    renewed = client.post(f"/app/certificates/{number}/renew", data={"csrf_token": form, "reason": "Annual renewal"},
                          follow_redirects=False)
    assert renewed.status_code == 303
    successor = renewed.headers["location"].rsplit("/", 1)[1]
    assert successor != number
    reader = actors.add("body-reader", "certifier", BODY)
    assert client.get(f"/v1/certificates/{number}", headers=reader).json()["status"]["superseded_by"] == successor
    assert [e["action"] for e in client.get(f"/v1/certificates/{number}/history", headers=reader).json()][-1] == "renew"

    # four eyes: a T3 application is approved first by one certifier, then issued by a second one
    exporter = setup["exporter"]
    product_id = setup["previous"]["document"]["product"]["id"]
    footprint_id = setup["application"]["footprint_id"]
    graded = apply(client, exporter, product_id, footprint_id, evidence={"tier": "T3"})
    assert step(client, exporter, graded["id"], "submit").status_code == 200
    url = f"/app/applications/{graded['id']}"
    token = csrf_of(client.get(url).text)
    assert client.post(f"{url}/start_review", data={"csrf_token": token}, follow_redirects=False).status_code == 303
    once = client.post(f"{url}/approve", data={"csrf_token": token}, follow_redirects=True)
    assert 'data-status="awaiting_second_approval"' in once.text
    again = client.post(f"{url}/approve", data={"csrf_token": token})
    assert again.status_code == 403 and "four eyes" in again.text
    client.post("/logout", data={"csrf_token": token})
    second = add_person(app, "certifier", BODY, name="Dr Wong")
    assert sign_in(client, second).status_code == 303
    token = csrf_of(client.get(url).text)
    issued = client.post(f"{url}/approve", data={"csrf_token": token}, follow_redirects=True)
    assert 'data-status="valid"' in issued.text and "/app/certificates/" in str(issued.url)


def test_rules_table_shows_value_threshold_and_source() -> None:
    """The application page's rule table, rendered from a gate explanation (the stand-in rules of the
    browser tests explain nothing): every rule's value, threshold and source reach the page."""
    from types import SimpleNamespace

    from api.web.rendering import environment

    rules = [
        {"rule_id": "G7", "status": "fail", "detail": "DQR above the limit", "value": "3.4",
         "comparison": "≤ 3.0", "threshold": "3.0", "source": ["GB/T 24067-2024 §6.3", "rules 2026-01-01"]},
        {"rule_id": "G2", "status": "pass", "detail": "boundary", "value": "cradle-to-gate", "comparison": None,
         "threshold": "cradle-to-gate", "source": ["scheme rules §2"]},
    ]
    review = SimpleNamespace(
        product=SimpleNamespace(name="Bolt"), organisation=SimpleNamespace(name="Foshan"), footprint=None, result=None,
        bom=None, evaluation={}, rules=rules, previous=None, evidence=[], body_elsewhere=False, risk=None,
    )
    application = SimpleNamespace(id="a1", scheme="gd-carbon-label", status="under_review", status_reason=None, evidence={})
    html = environment("zh-Hant").get_template("certifier/application.html").render(
        request=None, here="", person=SimpleNamespace(user=SimpleNamespace(role="certifier", name="Lee")),
        error=None, application=application, review=review, can_act=False, csrf_field="csrf_token", csrf_token="t",
        files=[],
    )
    for text in ("G7", "3.4", "≤ 3.0", "GB/T 24067-2024 §6.3; rules 2026-01-01", "G2", "cradle-to-gate",
                 "scheme rules §2", "規則"):
        assert text in html, text
