"""The trade office's new pages and the public verification page in a browser (SQLite), in each
language: screenshots (out/screenshots/), axe-core with no serious or critical violation, no
untranslated message, nothing wider than a 360 px phone. The recognition checker runs on a real
certificate of cn-national-pcf; the QR URL opens on a phone with the unit in the page's language."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Page, expect

from api.http.app import create_app
from api.settings import Settings
from api.web.i18n import LANGUAGE_COOKIE, LANGUAGES
from tests.api.conftest import Actors, LiveServer
from tests.conftest import REPO_ROOT
from tests.web.browser import axe_serious, sign_in_page
from tests.web.test_auth import add_person
from tests.web.browser import translated_phrases as _translated_phrases
from tests.web.test_recognition_pages import RealSchemeDomain, real_certificate

SCREENSHOTS = REPO_ROOT / "out" / "screenshots"
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 900}
LINES = REPO_ROOT / "examples" / "cbam" / "portfolio.csv"
# the stand-in's declared unit (1 piece) in each language (data/labels/unit_names.yaml)
UNIT = {"zh-Hans": "1件", "zh-Hant": "1件", "en": "1 piece"}


@dataclass
class Site:
    url: str
    number: str
    officer: str
    lines: Path


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    home = tmp_path_factory.mktemp("webtrade-home")
    settings = Settings(home=home, database_url=f"sqlite:///{home / 'service.sqlite3'}", public_url="http://127.0.0.1",
                        signing_key_path=home / "keys" / "signing-ed25519.pem", embedded=True,
                        issuer="Test Certification Body")
    application = create_app(settings, domain=RealSchemeDomain())
    lines = home / "lines.csv"
    lines.write_text("".join(LINES.read_text(encoding="utf-8").splitlines(keepends=True)[:9]), encoding="utf-8")
    with TestClient(application) as client:
        certificate = real_certificate(application, client, Actors(application, client))
        officer = add_person(application, "trade_office", "Guangdong Trade Office", name="Officer Huang 黄")
    with LiveServer(application) as server:
        yield Site(server.url, certificate["number"], officer, lines)
    application.state.service.engine.dispose()


class Sweep:
    def __init__(self, page: Page, code: str):
        self.page, self.code = page, code
        self.phrases = _translated_phrases(code) if code != "en" else []
        self.problems: list[str] = []

    def check(self, name: str) -> None:
        page = self.page
        assert page.locator("html").get_attribute("lang") == LANGUAGES[self.code].html
        page.set_viewport_size(PHONE)
        page.screenshot(path=str(SCREENSHOTS / f"{name}-{self.code}-360.png"), full_page=True)
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > PHONE["width"]:
            self.problems.append(f"{name}: page is {width} px wide at 360 px")
        # the domain's notes and reasons are English data, marked lang="en": not page messages
        text = page.evaluate("""() => { const body = document.body.cloneNode(true);
            body.querySelectorAll('[lang="en"]').forEach(node => node.remove()); return body.innerText; }""")
        untranslated = [phrase for phrase in self.phrases if phrase in text]
        if untranslated:
            self.problems.append(f"{name}: untranslated {untranslated}")
        serious = axe_serious(page)
        if serious:
            self.problems.append(f"{name}: axe {serious}")
        page.set_viewport_size(DESKTOP)
        page.screenshot(path=str(SCREENSHOTS / f"{name}-{self.code}-1280.png"), full_page=True)
        page.set_viewport_size(PHONE)


@pytest.mark.parametrize("code", list(LANGUAGES))
def test_trade_pages_in_each_language(site: Site, page: Page, code: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.context.add_cookies([{"name": LANGUAGE_COOKIE, "value": code, "url": site.url}])
    sweep = Sweep(page, code)
    page.set_viewport_size(PHONE)
    sign_in_page(page, site.url, site.officer)
    page.goto(site.url + "/app/cbam")
    sweep.check("trade-cbam-form")
    page.locator("#cbam-file").set_input_files(str(site.lines))
    page.locator("#price-custom").check()
    page.locator("#custom-price").fill("88.5")
    page.locator("button[value=page]").click()
    expect(page.locator("[data-chart='chart-cost']")).to_have_attribute("data-drawn", "true")
    expect(page.locator("#by-line tbody tr")).to_have_count(8)
    sweep.check("trade-cbam-results")
    page.locator("button[value=pdf]").click()  # no worker here: the job page waits, polling
    expect(page.locator("[data-status=queued]")).to_be_visible()
    sweep.check("trade-job")
    page.goto(site.url + "/app/recognition")
    page.locator("#recognition-number").fill(site.number)
    page.locator("#recognition-form button[type=submit]").click()
    expect(page.locator("#outcome-mo-display [data-outcome]")).to_have_attribute("data-outcome", "accepted")
    sweep.check("trade-recognition")
    page.goto(site.url + "/app/certificates?company=lamp&status=valid")
    expect(page.locator("#results")).to_contain_text(site.number)
    sweep.check("trade-certificates")
    page.goto(site.url + "/app")
    sweep.check("trade-home")
    assert sweep.problems == []


@pytest.mark.parametrize("code", list(LANGUAGES))
def test_qr_url_verifies_on_a_phone_in_each_language(site: Site, page: Page, code: str) -> None:
    page.context.add_cookies([{"name": LANGUAGE_COOKIE, "value": code, "url": site.url}])
    sweep = Sweep(page, code)
    page.set_viewport_size(PHONE)
    page.goto(f"{site.url}/verify/{site.number}")  # what the QR code encodes
    expect(page.locator("#status")).to_have_text("valid")
    expect(page.locator("#declared-unit")).to_have_text(UNIT[code])
    expect(page.locator("#signature-ok")).to_be_visible()
    sweep.check("public-verify")
    page.goto(f"{site.url}/registry?company=lamp")
    expect(page.locator("#results")).to_contain_text(UNIT[code])
    sweep.check("public-registry")
    page.goto(f"{site.url}/schemes/cn-national-pcf")
    sweep.check("public-scheme-cn")
    assert sweep.problems == []
