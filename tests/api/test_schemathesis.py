"""schemathesis against the OpenAPI schema of a running server: no request makes it answer 5xx.

Run once per role, so the role-gated routes are exercised past the 403; bounded by
--max-examples 20. Schemathesis writes .hypothesis/ in its working directory: run it in tmp.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.api.helpers import certified

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("database", ["sqlite"], indirect=True)
def test_no_server_errors_for_any_role(client, actors, live_server, tmp_path: Path) -> None:
    roles = {
        "exporter": actors.add("exporter", "exporter", "Lamp Co"),
        "certifier": actors.add("certifier", "certifier", "GD Cert Body"),
        "trade_office": actors.add("trade", "trade_office", "HK Trade Office"),
        "admin": actors.add("admin", "admin", "Operator"),
    }
    certified(client, roles["exporter"], roles["certifier"])  # something to find, act on and verify
    st = Path(sys.executable).parent / "st"
    failures = []
    for role, headers in roles.items():
        run = subprocess.run(
            [
                str(st),
                "run",
                f"{live_server.url}/openapi.json",
                "--checks",
                "not_a_server_error",
                # 10 per operation and role: four roles x ~90 operations; 20 took 4.6 min of CI alone
                "--max-examples",
                "10",
                "--seed",
                "1",
                "--no-color",
                "--workers",
                "1",
                # PDF routes render in a worker thread; on a loaded 2-core machine one can take >10 s
                "--request-timeout",
                "60",
                "-H",
                f"Authorization:{headers['Authorization']}",
            ],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=900,
        )
        tested = re.search(r"Tested: (\d+)", run.stdout)
        assert tested and int(tested[1]) >= 30, run.stdout[-3000:]  # every operation was exercised
        if run.returncode != 0:
            failures.append(f"--- as {role} ---\n{run.stdout[-6000:]}\n{run.stderr[-2000:]}")
    assert not failures, "\n".join(failures)
