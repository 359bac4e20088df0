"""The package installs anywhere: build the wheel, install it with --no-deps into a fresh venv
that sees this test environment's packages (not the editable checkout), and from a folder
outside the checkout build the database, compute a footprint and start `carbonlabel demo`.

The venv reaches the test environment's site-packages through a plain .pth path line: the
environment's own .pth files (the editable install's finder among them) are not processed, so
`api`, `lcidb`, ... and the shipped data can only come from the installed wheel."""

from __future__ import annotations

import json
import os
import shutil
import site
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("wheel")
    dist, venv = base / "dist", base / "venv"
    # no PYTHONPATH for pip either: with a checkout on it, pip takes the wheel as already installed
    clean = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w",
                    str(dist), str(ROOT)], check=True, cwd=base, capture_output=True, env=clean)
    (wheel,) = dist.glob("carbonlabel-*.whl")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, capture_output=True)
    (venv_site,) = venv.glob("lib/python3*/site-packages")
    (venv_site / "test_environment.pth").write_text("\n".join(site.getsitepackages()) + "\n", encoding="utf-8")
    subprocess.run([sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"), "install", "--no-deps",
                    "--no-index", "-q", str(wheel)], check=True, capture_output=True, env=clean)
    outside = base / "outside"
    outside.mkdir()
    return {"venv": venv, "outside": outside, "home": base / "home", "site": venv_site}


def _env(installed: dict[str, Path]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    return {**env, "CARBONLABEL_HOME": str(installed["home"]), "CARBONLABEL_QUIET": "1"}


def _run(installed: dict[str, Path], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(installed["venv"] / "bin" / "carbonlabel"), *args], cwd=installed["outside"],
                          env=_env(installed), capture_output=True, text=True, timeout=300)


def test_code_and_data_come_from_the_wheel(installed: dict[str, Path]) -> None:
    code = ("import api, lcidb, footprint, carbonlabel_data; from lcidb.home import shipped_data_dir; "
            "from api.storage.db import MIGRATIONS_DIR; from api.documents.pages import TEMPLATES_DIR; "
            "print(api.__file__, lcidb.__file__, footprint.__file__, shipped_data_dir(), MIGRATIONS_DIR, TEMPLATES_DIR)")
    done = subprocess.run([str(installed["venv"] / "bin" / "python"), "-c", code], cwd=installed["outside"],
                          env=_env(installed), capture_output=True, text=True, check=True)
    paths = [Path(p) for p in done.stdout.split()]
    assert all(installed["site"] in p.parents for p in paths), done.stdout
    assert (paths[3] / "rules").is_dir() and (paths[4] / "versions").is_dir()
    assert (paths[5] / "certificate.html").is_file()


def test_build_and_footprint_outside_the_checkout(installed: dict[str, Path], home: Path) -> None:
    """The installed data gives the same snapshot hash, and the same footprint, as the checkout."""
    from lcidb.build import build_snapshot
    from lcidb.snapshot import load_snapshot

    build_snapshot([])  # the checkout's data, in this test's own CARBONLABEL_HOME
    default_snapshot = load_snapshot("default")
    built = _run(installed, "db", "build")
    assert built.returncode == 0, built.stderr
    assert built.stdout.strip().splitlines()[-1] == default_snapshot.hash
    bom = installed["outside"] / "kettle.bom.json"
    shutil.copy(ROOT / "examples" / "electric_kettle.bom.json", bom)
    done = _run(installed, "footprint", str(bom), "--json")
    assert done.returncode == 0, done.stderr
    from footprint.bom_io import read_bom
    from footprint.engine import compute

    expected = compute(read_bom(bom), default_snapshot).total_kgco2e
    assert json.loads(done.stdout)["total_kgco2e"] == pytest.approx(expected, rel=1e-12)


def test_demo_starts_and_answers(installed: dict[str, Path]) -> None:
    port = _free_port()
    server = subprocess.Popen([str(installed["venv"] / "bin" / "carbonlabel"), "demo", "--port", str(port)],
                              cwd=installed["outside"], env=_env(installed), stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
    try:
        deadline, answer = time.monotonic() + 120, None
        while time.monotonic() < deadline and server.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                    answer = (response.status, json.loads(response.read()))
                    break
            except OSError:
                time.sleep(0.3)
        assert answer is not None and answer[0] == 200, server.stdout.read() if server.poll() is not None else ""
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
