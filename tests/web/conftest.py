"""Web page fixtures: the service fixtures of tests/api (SQLite and PostgreSQL), Debian's chromium."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page

from tests.api.conftest import actors, app, client, database, settings, worker_id  # noqa: F401  (fixtures)
from tests.web.browser import watch_for_page_errors

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):  # type: ignore[no-untyped-def]
    """Debian's chromium (scripts/setup.sh installs it); never `playwright install`."""
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "headless": True,
        "args": ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"],
    }


@pytest.fixture
def page(page: Page) -> Iterator[Page]:  # pytest-playwright's page, watched
    """Every browser test fails if a page broke its real Content-Security-Policy (a blocked inline
    script, style source or form target shows as a console error) or threw a script error."""
    problems = watch_for_page_errors(page)
    yield page
    assert problems == [], "\n".join(problems)
