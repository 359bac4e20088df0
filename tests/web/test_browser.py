"""Browser sweep on Debian's chromium: every public page in each language at phone width, with
screenshots (out/screenshots/), an axe-core check, untranslated-message and layout checks.

The app is served by uvicorn on a free 127.0.0.1 port (SQLite) for the whole module."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import BrowserContext, Page, expect
from playwright.sync_api import Error as PlaywrightError

from api.http.app import create_app
from api.settings import Settings
from api.web.i18n import LANGUAGE_COOKIE, LANGUAGES
from tests.api.conftest import LiveServer
from tests.api.helpers import (
    apply,
    certified,
    compute,
    create_product,
    step,
    upload_bom,
)
from tests.api.standin import StandInDomain, sample_bom
from tests.conftest import REPO_ROOT
from tests.web.browser import (
    PHONE,
    fill_evidence_form,
    sign_in_page,
    sweep_page,
    sweep_state,
    translated_phrases,
    watch_for_page_errors,
)
from tests.web.test_auth import add_person

SCREENSHOTS = REPO_ROOT / "out" / "screenshots"


class Site:
    def __init__(self, url: str, number: str, login: str = "", product_id: str = "", footprint_id: str = "",
                 certifier: str = "", application_id: str = "", officer: str = "", certified_id: str = "",
                 banker: str = "", certified_product_id: str = ""):
        self.url, self.number = url, number
        self.login, self.product_id, self.footprint_id = login, product_id, footprint_id
        self.certifier, self.application_id, self.officer = certifier, application_id, officer
        self.certified_id, self.banker, self.certified_product_id = certified_id, banker, certified_product_id

    def pages(self) -> dict[str, str]:
        return {
            "landing": "/",
            "registry": "/registry?company=lamp",
            "schemes": "/schemes",
            "scheme-gd": "/schemes/gd-carbon-label",
            "scheme-carbon-trust": "/schemes/carbon-trust",
            "verify": f"/verify/{self.number}",
            "verify-missing": "/verify/CL-2026-NOSUCH00",
            "login": "/login",
        }

    def signed_in_pages(self) -> dict[str, str]:
        return {
            "home": "/app",
            "products": "/app/products",
            "product": f"/app/products/{self.product_id}",
            "footprint": f"/app/footprints/{self.footprint_id}",
            # the certificate page, with the read access granted to a bank and the grant / revoke forms
            "certificate-page": f"/app/my-applications/{self.certified_id}",
            "exporter-apply": f"/app/products/{self.product_id}/apply",
            "password": "/account/password",
        }

    def bank_pages(self) -> dict[str, str]:
        return {"shared": "/app/shared", "shared-product": f"/app/shared/{self.certified_product_id}"}

    def certifier_pages(self) -> dict[str, str]:
        return {"queue": "/app/queue", "application": f"/app/applications/{self.application_id}"}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    home = tmp_path_factory.mktemp("web-home")
    settings = Settings(
        home=home,
        database_url=f"sqlite:///{home / 'service.sqlite3'}",
        public_url="http://127.0.0.1",
        signing_key_path=home / "keys" / "signing-ed25519.pem",
        embedded=True,
        issuer="Test Certification Body",
    )
    application = create_app(settings, domain=StandInDomain())
    with TestClient(application) as client:
        from tests.api.conftest import Actors

        actors = Actors(application, client)
        exporter = actors.add("exporter", "exporter", "Shenzhen Lamp Co")
        certifier = actors.add("certifier", "certifier", "GD Cert Body")
        certificate = certified(client, exporter, certifier, name="LED desk lamp")
        number = certificate["number"]
        certified_product = certificate["document"]["product"]["id"]
        banker = add_person(application, "bank", "China Construction Bank Foshan 建设银行佛山分行", name="Mr Lam 林")
        with application.state.service.sessions() as session:
            from api.storage.models import Certificate
            from api.usecases import accounts

            certified_id = session.query(Certificate).filter_by(number=number).one().application_id
            bank_org = accounts.get_or_create_organisation(
                session, name="China Construction Bank Foshan 建设银行佛山分行").id
        assert client.post(f"/v1/products/{certified_product}/grants", json={
            "grantee_organisation_id": bank_org, "role": "bank"}, headers=exporter).status_code == 201
        product = create_product(client, exporter, "LED desk lamp 台灯")
        bom_row = upload_bom(client, exporter, product["id"], sample_bom("LED desk lamp 台灯"))
        footprint = compute(client, exporter, product["id"], bom_row["id"])
        # a person of the same organisation as the API client that made the product
        login = add_person(application, "exporter", "Shenzhen Lamp Co", name="Chen Jing 陈静")
        reviewer = add_person(application, "certifier", "GD Certification Centre", name="Dr Lee 李博士")
        officer = add_person(application, "trade_office", "Guangdong Trade Office", name="Officer Huang 黄")
        pending = apply(client, exporter, product["id"], footprint["id"])
        assert step(client, exporter, pending["id"], "submit").status_code == 200
    with LiveServer(application) as server:
        yield Site(server.url, number, login, product["id"], footprint["id"], reviewer, pending["id"], officer,
                   certified_id, banker, certified_product)
    application.state.service.engine.dispose()


@pytest.mark.parametrize("code", list(LANGUAGES))
def test_every_page_in_each_language(site: Site, page: Page, code: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.context.add_cookies([{"name": LANGUAGE_COOKIE, "value": code, "url": site.url}])
    phrases = translated_phrases(code) if code != "en" else []
    problems: list[str] = []

    def sweep(name: str, path: str) -> None:
        problems.extend(sweep_page(page, site.url + path, name, code, phrases, statuses=(200, 404)))

    for name, path in site.pages().items():
        sweep(name, path)
    # the signed-in pages of an exporter
    page.set_viewport_size(PHONE)
    sign_in_page(page, site.url, site.login)
    for name, path in site.signed_in_pages().items():
        sweep(name, path)
    # and a certifier's
    page.context.clear_cookies()
    page.context.add_cookies([{"name": LANGUAGE_COOKIE, "value": code, "url": site.url}])
    sign_in_page(page, site.url, site.certifier)
    for name, path in site.certifier_pages().items():
        sweep(name, path)
    # and a trade office's (the results page is checked in its journey test)
    page.context.clear_cookies()
    page.context.add_cookies([{"name": LANGUAGE_COOKIE, "value": code, "url": site.url}])
    sign_in_page(page, site.url, site.officer)
    sweep("cbam", "/app/cbam")
    # and a bank's, granted the certified product by the exporter
    page.context.clear_cookies()
    page.context.add_cookies([{"name": LANGUAGE_COOKIE, "value": code, "url": site.url}])
    sign_in_page(page, site.url, site.banker)
    for name, path in site.bank_pages().items():
        sweep(name, path)
    assert problems == []


def _typed_evidence(valid_until: date) -> dict[str, Any]:
    """What an export manager types into the evidence form (sample_bom's lamp: 1 piece, 2025)."""
    return {
        "product_rule": {"id": "T/GDES 2025-01", "kind": "gd_group"},
        "label_use": "b2b",
        "verifier": {"name": "华南碳核查有限公司 South China Carbon Verification Co., Ltd.", "accreditation_body": "CNAS",
                     "accreditation_standard": "ISO 14065", "accreditation_valid_until": valid_until.isoformat(),
                     "cnca_approved": False, "on_site_inspection": True, "statement_id": "VS-2026-017"},
        "applicant": {"legal_entity_name": "佛山市南海区灯具制造有限公司", "registration_id": "91440605MA4UXXXX1K",
                      "data_procedure_since": "2024-01-01",
                      "reduction_plan": {"reference": "RP-2025-03", "adopted_on": "2025-03-01"}},
        "offsets": {"netted_in_footprint": False,
                    "retired": [{"registry": "CCER", "serial": "CCER-2025-44-000001-000125", "tco2e": "12.5",
                                 "retired_on": "2025-11-03"}]},
    }


@pytest.mark.parametrize("code", list(LANGUAGES))
def test_evidence_form_in_each_language(site: Site, page: Page, code: str) -> None:
    """The evidence form in each language, filled in: a failed submit (an expired accreditation)
    names the field and keeps every value; corrected, the pre-check passes. Both states are swept
    (360 px and 1280 px screenshots, overflow, untranslated text, axe)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.context.add_cookies([{"name": LANGUAGE_COOKIE, "value": code, "url": site.url}])
    phrases = translated_phrases(code) if code != "en" else []
    page.set_viewport_size(PHONE)
    sign_in_page(page, site.url, site.login)
    page.goto(f"{site.url}/app/products/{site.product_id}/apply")
    expired = date.today() - timedelta(days=1)
    fill_evidence_form(page, _typed_evidence(expired))
    page.locator("#create-button").click()
    expect(page.locator("#form-errors li")).to_have_count(1)
    expect(page.locator("#f-verifier-accreditation_valid_until-error")).to_be_visible()
    expect(page.locator("#f-verifier-accreditation_valid_until")).to_have_value(expired.isoformat())
    expect(page.locator("#f-offsets-retired-0-serial")).to_have_value("CCER-2025-44-000001-000125")
    expect(page.locator("input[name='verifier.on_site_inspection'][value=yes]")).to_be_checked()
    problems = sweep_state(page, "exporter-apply-errors", code, phrases)
    page.set_viewport_size(PHONE)
    page.locator("#f-verifier-accreditation_valid_until").fill(date(date.today().year + 2, 6, 30).isoformat())
    page.locator("#check-button").click()
    expect(page.locator("#precheck-ok")).to_be_visible()
    expect(page.locator("#form-errors")).to_have_count(0)
    problems += sweep_state(page, "exporter-apply-filled", code, phrases)
    # Enter in a field runs the pre-check (the form's default button), not "Add a row"
    page.locator("#f-verifier-statement_id").fill("VS-2026-018")
    with page.expect_navigation():
        page.locator("#f-verifier-statement_id").press("Enter")
    expect(page.locator("#f-verifier-statement_id")).to_have_value("VS-2026-018")
    expect(page.locator("#precheck-ok")).to_be_visible()
    expect(page.locator("#f-offsets-retired-2-serial")).to_have_count(0)
    assert problems == []


def test_pages_run_under_their_real_csp(site: Site, context: BrowserContext) -> None:
    """The browser enforces the service's own CSP: an inline script is refused (and reported, so the
    `page` fixture's watch would catch one in the app's templates), while the vendored scripts load."""
    page = context.new_page()
    problems = watch_for_page_errors(page)
    page.goto(site.url + "/")
    assert "script-src 'self';" in context.request.get(site.url + "/").headers["content-security-policy"]
    assert page.evaluate("typeof htmx") == "object"  # the vendored /static script ran
    with pytest.raises(PlaywrightError, match="Content Security Policy"):
        page.add_script_tag(content="window.injectedInline = 1")
    assert page.evaluate("typeof window.injectedInline") == "undefined"
    assert any("Content Security Policy" in problem for problem in problems), problems
    page.close()


def test_language_switcher_remembers_the_choice(site: Site, page: Page) -> None:
    page.set_viewport_size(PHONE)
    page.goto(site.url + "/schemes", wait_until="load")
    assert page.locator("html").get_attribute("lang") == "en"  # chromium here asks for en-US
    page.get_by_role("link", name="繁體中文").click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-TW")
    assert page.url == site.url + "/schemes"
    expect(page.get_by_role("heading", level=1)).to_have_text("標識方案")
    page.goto(site.url + "/")  # remembered on the next page
    expect(page.locator("html")).to_have_attribute("lang", "zh-TW")
    page.get_by_role("link", name="简体中文").click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")


def test_keyboard_reaches_the_skip_link_first_and_the_verify_form(site: Site, page: Page) -> None:
    page.set_viewport_size(PHONE)
    page.goto(site.url + "/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    page.keyboard.press("Enter")
    page.get_by_label("Certificate number").fill(site.number.lower())
    page.keyboard.press("Enter")
    expect(page.locator("#status")).to_have_text("valid")
    assert page.url.endswith(f"/verify/{site.number}")


def test_qr_url_on_a_phone_shows_the_verification(site: Site, page: Page) -> None:
    """Public journey: the QR code's URL opened on a 360 px phone with a Chinese browser."""
    page.context.set_extra_http_headers({"Accept-Language": "zh-CN,zh;q=0.9"})
    page.set_viewport_size(PHONE)
    page.goto(f"{site.url}/verify/{site.number}")
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page.get_by_role("heading", level=1)).to_have_text("证书核验")
    expect(page.locator("#product")).to_have_text("LED desk lamp")
    expect(page.locator(".status.valid")).to_have_text("有效")
    expect(page.locator("#signature-ok")).to_be_visible()
    # the registry finds it by company and links back to the same page
    page.goto(site.url + "/registry")
    page.get_by_label("企业").fill("shenzhen")
    page.get_by_role("button", name="搜索").click()
    page.get_by_role("link", name=site.number).click()
    expect(page.locator("#status")).to_have_text("valid")
