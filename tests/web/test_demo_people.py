"""`carbonlabel demo` gives each demo role a person with a password that signs in to the pages."""

from __future__ import annotations

import json

import pytest

from api.demo import seed_people
from tests.web.test_auth import sign_in


@pytest.mark.parametrize("database", ["sqlite"], indirect=True)
def test_demo_people_sign_in_and_keep_their_passwords(client, app) -> None:  # type: ignore[no-untyped-def]
    state = app.state.service
    people = seed_people(state)
    assert {entry["login"] for entry in people.values()} == {
        "demo-exporter", "demo-certifier", "demo-trade-office", "demo-admin"}
    assert seed_people(state) == people  # a restart prints the same passwords
    stored = state.settings.home / "demo-people.json"
    assert stored.stat().st_mode & 0o777 == 0o600 and json.loads(stored.read_text())["exporter"] == people["exporter"]
    answer = sign_in(client, "demo-exporter", people["exporter"]["password"])
    assert answer.status_code == 303 and answer.headers["location"] == "/app"
    home = client.get("/app").text
    assert "Demo Lamp Works" in home
    assert sign_in(client, "demo-certifier", people["exporter"]["password"]).status_code == 401


def test_demo_command_opens_on_the_sign_in_page_with_the_people_it_prints(home) -> None:  # type: ignore[no-untyped-def]
    """`carbonlabel demo` (the README's first command runs it): `/` shows the sign-in form and the
    printed exporter login and password sign in."""
    import os
    import re
    import subprocess
    import sys
    import time

    import httpx

    from tests.api.conftest import free_port
    from tests.web.test_auth import csrf_of

    port = free_port()
    env = {**os.environ, "CARBONLABEL_HOME": str(home)}
    env.pop("CARBONLABEL_DATABASE_URL", None)
    process = subprocess.Popen([sys.executable, "-m", "api.cli", "demo", "--port", str(port)], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        printed = ""
        deadline = time.monotonic() + 180
        while "admin" not in printed.split("sign in as")[-1] or "sign in as" not in printed:
            line = process.stdout.readline()  # type: ignore[union-attr]
            assert line or process.poll() is None, printed
            printed += line
            assert time.monotonic() < deadline, printed
        found = re.search(r"exporter\s+login=(\S+)\s+password=(\S+)", printed)
        assert found, printed
        base = f"http://127.0.0.1:{port}"
        with httpx.Client(base_url=base, timeout=10) as http:
            for _ in range(300):
                try:
                    if http.get("/healthz").status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.1)
            start = http.get("/", headers={"Accept-Language": "zh-CN"})
            assert start.status_code == 200 and 'id="login-form"' in start.text and "登录" in start.text
            answer = http.post("/login", data={"csrf_token": csrf_of(start.text), "login": found[1],
                                               "password": found[2], "next": "/app"})
            assert answer.status_code == 303 and answer.headers["location"] == "/app"
            assert "Demo Lamp Works" in http.get("/app").text
            products = http.get("/app/products").text
            assert "Aluminium desk lamp 铝制台灯" in products
    finally:
        process.terminate()
        process.wait(timeout=20)
