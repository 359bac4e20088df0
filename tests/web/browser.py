"""Browser helpers shared by the page tests."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from babel.messages.pofile import read_po
from playwright.sync_api import ConsoleMessage, Page, Route

from api.web.i18n import LANGUAGES, catalogue_path
from tests.web.test_auth import PASSWORD


def sign_in_page(page: Page, url: str, login: str, password: str = PASSWORD) -> None:
    """Sign in through the /login form (in whatever language the page is) and land on /app."""
    page.goto(url + "/login")
    page.locator("#login-form input[name=login]").fill(login)
    page.locator("#login-form input[name=password]").fill(password)
    page.locator("#login-form button[type=submit]").click()
    page.wait_for_url(url + "/app")


AXE = Path(__file__).parent / "vendor" / "axe.min.js"  # axe-core 4.14.1 (npm), MPL-2.0
# axe is loaded as a script of the page's own origin, answered by the browser test itself (never by
# the app): the pages' CSP (script-src 'self', no inline script) stays exactly as in production.
AXE_PATH = "/__browser-tests__/axe.min.js"


def axe_serious(page: Page) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations on the page as it is now."""
    if not page.evaluate("typeof axe !== 'undefined'"):
        origin = "{0.scheme}://{0.netloc}".format(urlsplit(page.url))

        def answer(route: Route) -> None:
            route.fulfill(path=AXE, content_type="text/javascript")

        page.route(origin + AXE_PATH, answer)
        try:
            page.add_script_tag(url=origin + AXE_PATH)
        finally:
            page.unroute(origin + AXE_PATH, answer)
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def watch_for_page_errors(page: Page) -> list[str]:
    """A list that fills with every Content-Security-Policy violation the browser reports on the
    console and every uncaught script error, from now on (the pages must work under their real CSP)."""
    problems: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            problems.append(f"{page.url}: {message.text}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.append(f"{page.url}: script error {error}"))
    return problems


SCREENSHOTS = Path(__file__).resolve().parents[2] / "out" / "screenshots"
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 900}


def translated_phrases(code: str) -> list[str]:
    """English message ids of several words whose translation differs: seen on a Chinese page,
    one of them means a message was not translated."""
    with catalogue_path(code).open("rb") as po:
        catalogue = read_po(po)
    phrases = []
    for message in catalogue:
        if message.id and message.string and message.string != message.id and " " in message.id:
            # the text around placeholders is what would show
            phrases.extend(part.strip() for part in re.split(r"%\(\w+\)s|%%", message.id) if len(part.strip()) > 12)
    return phrases


def sweep_page(page: Page, address: str, name: str, code: str, phrases: list[str],
               statuses: tuple[int, ...] = (200,)) -> list[str]:
    """One page in one language: screenshots at 360 and 1280 px; the problems found (wider than a
    phone, an untranslated message, a serious axe violation)."""
    page.set_viewport_size(PHONE)
    answer = page.goto(address)
    assert answer is not None and answer.status in statuses, (name, answer and answer.status)
    return sweep_state(page, name, code, phrases)


def sweep_state(page: Page, name: str, code: str, phrases: list[str]) -> list[str]:
    """The page as it is now (reached by a form post, say), checked as `sweep_page` checks one."""
    assert page.locator("html").get_attribute("lang") == LANGUAGES[code].html
    page.set_viewport_size(PHONE)
    page.screenshot(path=str(SCREENSHOTS / f"{name}-{code}-360.png"), full_page=True)
    problems = []
    # nothing wider than a 360 px phone (tables scroll inside their own box)
    overflow = page.evaluate("document.documentElement.scrollWidth")
    if overflow > PHONE["width"]:
        problems.append(f"{name}: page is {overflow} px wide at 360 px")
    text = page.locator("body").inner_text()
    untranslated = [phrase for phrase in phrases if phrase in text]
    if untranslated:
        problems.append(f"{name}: untranslated {untranslated}")
    serious = axe_serious(page)
    if serious:
        problems.append(f"{name}: axe {serious}")
    page.set_viewport_size(DESKTOP)
    page.screenshot(path=str(SCREENSHOTS / f"{name}-{code}-1280.png"), full_page=True)
    return problems


def fill_evidence_form(page: Page, evidence: dict[str, Any]) -> None:
    """Type an evidence document into the "Apply for a label" form as a person would: text and date
    fields, yes/no radios, the product rule's kind, the label use, the rows of retired lots."""

    def field(path: str) -> Any:
        return page.locator("#f-" + path.replace(".", "-"))

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                walk(f"{prefix}.{key}" if prefix else key, item)
        elif isinstance(value, bool):
            page.locator(f"input[name='{prefix}'][value={'yes' if value else 'no'}]").check()
        elif isinstance(value, list):
            for i, row in enumerate(value):
                if prefix == "own_processes":
                    page.locator(f"input[name='own_processes'][value='{row}']").check()
                    continue
                if field(f"{prefix}.{i}.{next(iter(row))}").count() == 0:
                    page.locator(f"button[value='add-row:{prefix}']").click()
                walk(f"{prefix}.{i}", row)
        elif prefix == "product_rule.kind":
            field(prefix).select_option(str(value))
        elif prefix == "label_use":
            page.locator(f"input[name='label_use'][value='{value}']").check()
        else:
            field(prefix).fill(str(value))

    walk("", evidence)
