"""Web page fixtures: the service fixtures of tests/api (SQLite and PostgreSQL), Debian's chromium."""

from __future__ import annotations

import pytest

from tests.api.conftest import actors, app, client, database, settings, worker_id  # noqa: F401  (fixtures)

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
