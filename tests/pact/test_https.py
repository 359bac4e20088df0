"""`carbonlabel serve` over HTTPS (certificate and key settings), as PACT requires."""

from __future__ import annotations

import os
import ssl
import subprocess
import sys
import time
from pathlib import Path

import httpx
from typer.testing import CliRunner

from api.cli import app
from tests.api.conftest import free_port
from tests.pact.tls import make_tls

runner = CliRunner()


def test_serve_over_https_with_certificate_and_key(home: Path, tmp_path: Path) -> None:
    tls = make_tls(tmp_path / "tls")
    port = free_port()
    env = {**os.environ, "CARBONLABEL_HOME": str(home)}
    env.pop("CARBONLABEL_DATABASE_URL", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "api.cli", "serve", "--dev", "--port", str(port),
         "--ssl-certfile", str(tls.cert), "--ssl-keyfile", str(tls.key)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                answer = httpx.get(f"https://127.0.0.1:{port}/v1/keys", verify=ssl.create_default_context(cafile=str(tls.ca)),
                                   timeout=2)
                break
            except httpx.ConnectError:
                assert process.poll() is None, process.stderr.read()  # type: ignore[union-attr]
                assert time.monotonic() < deadline
                time.sleep(0.2)
        assert answer.status_code == 200 and answer.url.scheme == "https"
        # plain HTTP to the TLS port gets no answer from the API
        try:
            plain = httpx.get(f"http://127.0.0.1:{port}/v1/keys", timeout=2)
            assert plain.status_code >= 400
        except httpx.HTTPError:
            pass
    finally:
        process.terminate()
        process.wait(timeout=20)


def test_a_certificate_without_its_key_or_a_bad_pair_is_refused(tmp_path: Path, home: Path) -> None:
    tls = make_tls(tmp_path / "tls")
    alone = runner.invoke(app, ["serve", "--dev", "--port", str(free_port()), "--ssl-certfile", str(tls.cert)])
    assert alone.exit_code == 2 and "needs both --ssl-certfile and --ssl-keyfile" in alone.output
    other = make_tls(tmp_path / "other")
    mismatch = runner.invoke(app, ["serve", "--dev", "--port", str(free_port()), "--ssl-certfile", str(tls.cert),
                                   "--ssl-keyfile", str(other.key)])
    assert mismatch.exit_code == 2 and "cannot load the certificate and key" in mismatch.output
