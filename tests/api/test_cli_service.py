"""`carbonlabel users create`, `serve` refusing insecure defaults, and `demo` answering over HTTP."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx
from typer.testing import CliRunner

from api.cli import app
from tests.api.conftest import free_port

runner = CliRunner()


def test_users_create_makes_a_client_that_gets_a_token(home: Path, monkeypatch) -> None:
    monkeypatch.delenv("CARBONLABEL_DATABASE_URL", raising=False)
    result = runner.invoke(
        app, ["users", "create", "--org", "Lamp Co", "--role", "exporter", "--name", "ops", "--json"]
    )
    assert result.exit_code == 0, result.output
    created = json.loads(result.output)
    assert created["role"] == "exporter" and created["client_id"].startswith("cl_")
    bad = runner.invoke(app, ["users", "create", "--org", "Lamp Co", "--role", "emperor", "--name", "x"])
    assert bad.exit_code == 2
    assert "emperor" in bad.output

    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from api.storage.db import make_engine
    from api.storage.models import User
    from api.security import verify_secret

    engine = make_engine(f"sqlite:///{home / 'service.sqlite3'}")
    with Session(engine) as session:
        user = session.scalar(select(User).where(User.client_id == created["client_id"]))
        assert user is not None and verify_secret(created["client_secret"], user.secret_hash)
    engine.dispose()


def test_serve_refuses_development_defaults_in_production(home: Path, monkeypatch) -> None:
    for name in ("CARBONLABEL_DATABASE_URL", "CARBONLABEL_PUBLIC_URL", "CARBONLABEL_SIGNING_KEY"):
        monkeypatch.delenv(name, raising=False)
    result = runner.invoke(app, ["serve", "--port", str(free_port())])
    assert result.exit_code == 2
    assert "CARBONLABEL_DATABASE_URL" in result.output and "CARBONLABEL_SIGNING_KEY" in result.output
    monkeypatch.setenv("CARBONLABEL_DATABASE_URL", "sqlite:///x.db")
    monkeypatch.setenv("CARBONLABEL_PUBLIC_URL", "https://verify.example.org")
    monkeypatch.setenv("CARBONLABEL_SIGNING_KEY", str(home / "missing.pem"))
    result = runner.invoke(app, ["serve", "--port", str(free_port())])
    assert result.exit_code == 2 and "no such key file" in result.output


def test_demo_serves_with_printed_credentials(home: Path) -> None:
    port = free_port()
    env = {**os.environ, "CARBONLABEL_HOME": str(home)}
    env.pop("CARBONLABEL_DATABASE_URL", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "api.cli", "demo", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        printed = ""
        deadline = time.monotonic() + 120
        while "API docs" not in printed:
            line = process.stdout.readline()  # type: ignore[union-attr]
            assert line or process.poll() is None, printed
            printed += line
            assert time.monotonic() < deadline, printed
        match = re.search(r"exporter\s+client_id=(\S+)\s+client_secret=(\S+)", printed)
        assert match, printed
        base = f"http://127.0.0.1:{port}"
        for _ in range(200):
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        token = httpx.post(
            f"{base}/auth/token",
            data={"grant_type": "client_credentials", "client_id": match[1], "client_secret": match[2]},
        ).json()["access_token"]
        products = httpx.get(f"{base}/v1/products", headers={"Authorization": f"Bearer {token}"}).json()
        assert [p["name"] for p in products] == ["Aluminium desk lamp 铝制台灯"]
        assert httpx.get(f"{base}/openapi.json").json()["info"]["title"] == "carbonlabel certification service"
        assert (home / "keys" / "signing-ed25519.pem").exists()
        assert oct((home / "demo-credentials.json").stat().st_mode & 0o777) == "0o600"
    finally:
        process.terminate()
        process.wait(timeout=20)
