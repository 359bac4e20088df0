"""Browser helpers shared by the page tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from playwright.sync_api import ConsoleMessage, Page, Route

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
