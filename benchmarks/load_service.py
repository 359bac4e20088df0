"""Service load: the framework's floor, footprint POST and public verification GET over real HTTP.

The server is `uvicorn api.http.asgi:app --workers 2` (embedded mode, SQLite under a fresh
CARBONLABEL_HOME, or PostgreSQL with --database-url: a schema of its own, dropped afterwards);
the load is Locust, headless, with 8 concurrent clients in a closed loop (benchmarks/locust_service.py),
one route per phase: the floor (GET /healthz, a static JSON answer), the footprint POST, the
verification GET, the floor again. The target (issue 12): footprint POST and verify GET p99 each
within 2x the floor's p99 of the same run.

Install the load generator with `pip install -e ".[bench]"` (Locust), then:

    .venv/bin/python benchmarks/load_service.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test \
        [--seconds 30] [--users 8] [--workers 2] [--spawn-rate 2] [--append docs/performance.md] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import signal
import socket
import math
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import date, datetime, UTC
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parent.parent
BOM = REPO / "api" / "demo_data" / "desk_lamp.bom.json"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def prepare(home: Path, database_url: str | None) -> dict[str, str]:
    """Migrate, build the default factor database, create clients, a product, a BOM and a certificate."""
    os.environ["CARBONLABEL_HOME"] = str(home)
    sys.path.insert(0, str(REPO))
    from api.http.app import create_app
    from api.demo import ensure_default_database
    from api.usecases.engine import EngineDomain
    from api.storage.models import Application
    from api.usecases import accounts, applications, certificates, products
    from api.settings import load_settings
    from footprint.result import FootprintResult

    ensure_default_database()
    settings = load_settings(embedded=True)
    if database_url:
        settings = type(settings)(**{**settings.__dict__, "database_url": database_url})
    domain = EngineDomain()
    app = create_app(settings, domain=domain)
    state = app.state.service
    with state.sessions() as session:
        org = accounts.get_or_create_organisation(session, name=f"Load exporter {home.name}")
        body = accounts.get_or_create_organisation(session, name=f"Load certifier {home.name}")
        exporter = accounts.create_user(session, organisation=org, name="load", role="exporter", actor=None)
        certifier = accounts.create_user(session, organisation=body, name="load", role="certifier", actor=None)
        bom = domain.read_bom(BOM)
        product = products.create_product(
            session, actor=exporter.user, name=bom["product"]["name"], category="lighting", cn_code=None
        )
        upload = products.store_bom(
            session,
            actor=exporter.user,
            product=product,
            filename=BOM.name,
            file_format="json",
            raw=BOM.read_bytes(),
            bom=bom,
        )
        result = domain.compute(bom, method="AR6", electricity="location", monte_carlo=None, seed=None)
        footprint = products.store_footprint(session, actor=exporter.user, product=product, bom=upload, result=result)
        application = Application(
            organisation_id=org.id,
            product_id=product.id,
            footprint_id=footprint.id,
            scheme="gd-carbon-label",
            status="under_review",
            evidence={},
            created_by=exporter.user.id,
        )
        session.add(application)
        session.flush()
        # the certificate the verification GETs read; graded by the real rules
        graded = FootprintResult.model_validate(footprint.result)
        evidence = {
            "product_id": bom["product"]["id"],
            "declared_unit": bom["product"]["declared_unit"],
            "product_rule": {"id": bom["product"]["product_rule"], "kind": "gd_group"},
            "label_use": "b2b",
            "reference_period": bom["product"]["reference_period"],
            "verifier": {
                "name": "Load Verification Co.",
                "accreditation_body": "CNAS",
                "accreditation_standard": "ISO 14065",
                "accreditation_valid_until": f"{datetime.now().year + 2}-12-31",
                "cnca_approved": False,
                "on_site_inspection": True,
                "statement_id": "VS-LOAD",
            },
            "offsets": {"netted_in_footprint": False, "retired": []},
            "applicant": {"legal_entity_name": "Load Lamp Works", "registration_id": "91440600LOAD00001",
                          "data_procedure_since": f"{date.today().year - 1}-01-01",
                          "reduction_plan": {"reference": "RP-LOAD", "adopted_on": f"{date.today().year - 1}-01-01"}},
        }
        outcome = domain.grade(
            graded,
            evidence=evidence,
            scheme="gd-carbon-label",
            on=date.today(),
            benchmarks=certificates.RegistryBenchmarks(session),
        )
        assert outcome.eligible, outcome.reasons
        applications.transition(session, actor=certifier.user, application=application, action="approve", reason=None)
        certificate = certificates.issue(
            session,
            actor=certifier.user,
            key=state.signing_key,
            issuer=settings.issuer,
            public_url=settings.public_url,
            application=application,
            footprint=footprint,
            outcome=outcome,
            supersedes=None,
            benchmark_key=domain.benchmark_key(graded),
        )
        session.commit()
        seeded = {
            "client_id": exporter.client_id,
            "client_secret": exporter.client_secret,
            "product_id": product.id,
            "bom_id": upload.id,
            "certificate": certificate.number,
            "database_url": settings.database_url,
        }
    state.engine.dispose()
    return seeded


def percentile(ordered: list[float], q: float) -> float:
    """Nearest-rank percentile of sorted values (q in 0..1)."""
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


def summary(name: str, times_ms: list[float], failures: int, seconds: float) -> dict[str, object]:
    ordered = sorted(times_ms)
    return {
        "endpoint": name,
        "requests": len(ordered),
        "errors": failures,
        "p50_ms": percentile(ordered, 0.50),
        "p99_ms": percentile(ordered, 0.99),
        "rps": len(ordered) / seconds,
    }


@dataclass
class Phase:
    """What one Locust run measured: response times (ms) after the ramp, failures, the measured
    window (s), and the established connections each server worker held mid-window."""

    ms: list[float]
    failures: int
    seconds: float
    connections: dict[int, int]


def connections_by_worker(port: int) -> dict[int, int]:
    """Established connections on the server's port, by the pid of the process that accepted them
    (`ss -tnp`; the workers share one listening socket, so this is how the kernel spread them)."""
    listing = subprocess.run(["ss", "-Htnp", "state", "established", f"( sport = :{port} )"],
                             capture_output=True, text=True, check=False).stdout
    counts: dict[int, int] = {}
    for pid in re.findall(r"pid=(\d+)", listing):
        counts[int(pid)] = counts.get(int(pid), 0) + 1
    return counts


def locust_phase(url: str, route: str, seconds: int, users: int, spawn_rate: float, env: dict[str, str],
                 out: Path) -> Phase:
    """One headless Locust run against one route: the users start over a ramp of users/spawn_rate
    seconds (all at once with spawn_rate 0), then `seconds` are measured."""
    ramp = users / spawn_rate if spawn_rate > 0 else 0.0
    command = [
        sys.executable, "-m", "locust", "-f", str(REPO / "benchmarks" / "locust_service.py"), "--headless",
        "--host", url, "--users", str(users), "--spawn-rate", str(spawn_rate if spawn_rate > 0 else users),
        "--run-time", f"{math.ceil(ramp + seconds)}s", "--only-summary", "--loglevel", "WARNING", "--stop-timeout", "10",
    ]
    runner = subprocess.Popen(command, env={**env, "LOAD_ROUTE": route, "LOAD_OUT": str(out)}, cwd=REPO,
                              stdout=subprocess.DEVNULL)
    try:
        time.sleep(ramp + seconds / 2)
        connections = connections_by_worker(int(url.rsplit(":", 1)[1]))
        runner.wait(timeout=ramp + seconds + 120)
    finally:
        if runner.poll() is None:
            runner.kill()
    data = json.loads(out.read_text(encoding="utf-8"))
    return Phase(data["ms"], int(data["failures"]), float(data["seconds"] or seconds), connections)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=30, help="per measured phase")
    parser.add_argument("--users", type=int, default=8, help="concurrent clients (closed loop)")
    parser.add_argument("--workers", type=int, default=2, help="uvicorn worker processes")
    parser.add_argument("--spawn-rate", type=float, default=2.0,
                        help="users started per second (0: all at once, as before 2026-12-01 17:30 UTC)")
    parser.add_argument("--database-url", default=None, help="PostgreSQL URL; a schema of its own is made and dropped")
    parser.add_argument("--append", type=Path, default=None, help="add the table under '## Service load' of this file")
    parser.add_argument("--json", type=Path, default=None, help="write the rows as JSON here")
    parser.add_argument("--profile", type=Path, default=None,
                        help="run the server under py-spy and write its collapsed stacks here (not for the table)")
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="carbonlabel-load-"))
    database_url, schema = args.database_url, None
    if database_url and database_url.startswith("postgresql"):
        # a schema of its own, dropped afterwards: the benchmark never touches the database's tables
        from sqlalchemy import create_engine, text

        schema = f"carbonlabel_load_{os.getpid()}"
        with create_engine(database_url, isolation_level="AUTOCOMMIT").connect() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        database_url += ("&" if "?" in database_url else "?") + f"options=-csearch_path%3D{schema}"
    try:
        rows, database = run(args, home, database_url)
    finally:
        if schema is not None:
            from sqlalchemy import create_engine, text

            with create_engine(args.database_url, isolation_level="AUTOCOMMIT").connect() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    print(json.dumps(rows, indent=2))
    if args.json:
        args.json.write_text(json.dumps({"database": database, "args": vars(args) | {"append": None, "json": None},
                                         "rows": rows}, indent=2, default=str) + "\n", encoding="utf-8")
    if args.append:
        append_results(args.append, rows, database, args)


def start_server(port: int, workers: int, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """uvicorn with N workers; the service's JSON log lines (one access line per request, as in
    production) go to a file."""
    command = [sys.executable, "-m", "uvicorn", "api.http.asgi:app", "--host", "127.0.0.1", "--port", str(port),
               "--workers", str(workers), "--log-level", "warning", "--no-access-log"]
    with log.open("ab") as sink:
        return subprocess.Popen(command, env=env, cwd=REPO, stdout=sink, stderr=subprocess.STDOUT)


def profile_workers(server_pid: int, out: Path) -> list[subprocess.Popen[bytes]]:
    """py-spy attached to each uvicorn worker after the warm-up (the steady state only), one
    collapsed-stack file per worker: OUT.PID."""
    workers = subprocess.run(["pgrep", "-P", str(server_pid)], capture_output=True, text=True).stdout.split()
    spy = str(Path(sys.executable).with_name("py-spy"))
    return [
        subprocess.Popen([spy, "record", "--pid", pid, "--format", "raw", "--rate", "200", "--nonblocking",
                          "-o", f"{out}.{pid}"], stdout=subprocess.DEVNULL)
        for pid in workers
    ]


def wait_until_up(url: str) -> None:
    for _ in range(600):
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise SystemExit(f"{url} did not answer /healthz in 60 s")


# The phases, in order: the floor before and after the engine routes (pooled), so drift of the
# shared machine during the run shows in the floor as much as in the routes measured against it.
PHASES = (("floor", "GET /healthz (floor)"), ("footprint", "POST /v1/products/{id}/footprints"),
          ("verify", "GET /verify/{number} (JSON)"), ("floor", "GET /healthz (floor)"))


def run(args: argparse.Namespace, home: Path, database_url: str | None) -> tuple[list[dict[str, object]], str]:
    seeded = prepare(home, database_url)
    port = free_port()
    env = {**os.environ, "CARBONLABEL_HOME": str(home), "CARBONLABEL_EMBEDDED": "1", "CARBONLABEL_PORT": str(port)}
    if database_url:
        env["CARBONLABEL_DATABASE_URL"] = database_url
    server = start_server(port, args.workers, env, home / "server.log")
    url = f"http://127.0.0.1:{port}"
    times: dict[str, list[float]] = {}
    failures: dict[str, int] = {}
    measured: dict[str, float] = {}
    spread: dict[str, list[dict[int, int]]] = {}
    spies: list[subprocess.Popen[bytes]] = []
    try:
        wait_until_up(url)
        token = httpx.post(f"{url}/auth/token", data={"grant_type": "client_credentials", "client_id": seeded["client_id"],
                                                     "client_secret": seeded["client_secret"]}).json()["access_token"]
        load_env = {**os.environ, "LOAD_TOKEN": token, "LOAD_PRODUCT": seeded["product_id"],
                    "LOAD_BOM": seeded["bom_id"], "LOAD_CERTIFICATE": seeded["certificate"]}
        out = home / "locust.json"
        # warm-up, not measured: every worker loads the snapshot on its first footprint
        for route in ("footprint", "verify", "floor"):
            locust_phase(url, route, 3, args.users, 0, load_env, out)
        spies = profile_workers(server.pid, args.profile) if args.profile else []
        for route, name in PHASES:
            phase = locust_phase(url, route, args.seconds, args.users, args.spawn_rate, load_env, out)
            times.setdefault(name, []).extend(phase.ms)
            failures[name] = failures.get(name, 0) + phase.failures
            measured[name] = measured.get(name, 0.0) + phase.seconds
            spread.setdefault(name, []).append(phase.connections)
    finally:
        for spy in spies:  # py-spy writes its file on SIGINT
            spy.send_signal(signal.SIGINT)
            spy.wait(timeout=60)
        server.terminate()
        server.wait(timeout=30)
    rows = [summary(name, times[name], failures[name], measured[name]) for name in times]
    for row in rows:
        # connections per worker mid-phase, busiest first, e.g. "8/0" or "4/4" (one entry per phase)
        row["connections"] = ", ".join(
            "/".join(str(n) for n in sorted(c.values(), reverse=True)) or "?" for c in spread[str(row["endpoint"])]
        )
    floor = next(r for r in rows if "floor" in str(r["endpoint"]))
    for row in rows:
        row["p99_vs_floor"] = float(row["p99_ms"]) / float(floor["p99_ms"])  # type: ignore[arg-type]
        row["p50_vs_floor"] = float(row["p50_ms"]) / float(floor["p50_ms"])  # type: ignore[arg-type]
    database = "PostgreSQL" if seeded["database_url"].startswith("postgresql") else "SQLite"
    return rows, database


def append_results(path: Path, rows: list[dict[str, object]], database: str, args: argparse.Namespace) -> None:
    """Add a dated table at the end of the "## Service load" section (created if missing)."""
    block = [
        "",
        f"### {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}, {database}, {args.workers} workers, "
        f"{args.users} clients",
        "",
        f"`benchmarks/load_service.py --seconds {args.seconds} --users {args.users} --workers {args.workers} "
        f"--spawn-rate {args.spawn_rate:g}{' --database-url URL' if database != 'SQLite' else ''}`: `uvicorn --workers "
        f"{args.workers}`, Locust {_locust_version()} headless (FastHttpUser, closed loop, no think time) on "
        f"loopback, users started at {args.spawn_rate:g}/s (measured from the last start), one route per "
        f"{args.seconds} s phase, the floor measured before and after; {os.cpu_count()} cores shared with the "
        f"load generator and other jobs (noisy), Python {platform.python_version()}. Connections: established "
        f"connections per worker mid-phase (`ss`), one entry per phase.",
        "",
        "| endpoint | requests | errors | p50 ms | p99 ms | req/s | p50 / floor | p99 / floor | connections |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|",
        *[
            f"| {r['endpoint']} | {r['requests']} | {r['errors']} | {r['p50_ms']:.1f} | {r['p99_ms']:.1f} "
            f"| {r['rps']:.0f} | {r['p50_vs_floor']:.2f} | {r['p99_vs_floor']:.2f} | {r['connections']} |"
            for r in rows
        ],
        "",
    ]
    text = path.read_text(encoding="utf-8") if path.exists() else "# Performance\n"
    heading = "\n## Service load\n"
    if heading not in text:
        text = text.rstrip("\n") + "\n" + heading
    start = text.index(heading) + len(heading)
    following = text.find("\n## ", start)
    cut = len(text) if following == -1 else following
    text = text[:cut].rstrip("\n") + "\n" + "\n".join(block) + text[cut:]
    path.write_text(text, encoding="utf-8")


def _locust_version() -> str:
    from importlib.metadata import version

    return version("locust")


if __name__ == "__main__":
    main()
