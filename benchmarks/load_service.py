"""Service load: footprint POST and public verification GET over real HTTP on loopback.

The server is `uvicorn api.asgi:app` in its own process (embedded mode, SQLite under a fresh
CARBONLABEL_HOME, or PostgreSQL with --database-url); the load generator is a bounded httpx
async loop with a fixed number of concurrent clients. Bounded in count and in time.

    .venv/bin/python benchmarks/load_service.py [--requests 300] [--concurrency 8] [--database-url URL]
        [--append docs/performance.md]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, UTC
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parent.parent
BOM = REPO / "api" / "demo_data" / "desk_lamp.bom.json"
TIME_LIMIT_S = 120.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def prepare(home: Path, database_url: str | None) -> dict[str, str]:
    """Migrate, build the default factor database, create clients, a product, a BOM and a certificate."""
    os.environ["CARBONLABEL_HOME"] = str(home)
    sys.path.insert(0, str(REPO))
    from api.app import create_app
    from api.demo import ensure_default_database
    from api.engine_domain import EngineDomain
    from api.models import Application
    from api.services import accounts, applications, certificates, products
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
        }
        from datetime import date

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


async def hammer(url: str, make_request, total: int, concurrency: int) -> tuple[list[float], int, float]:  # type: ignore[no-untyped-def]
    latencies: list[float] = []
    errors = 0
    issued = 0
    started = time.perf_counter()
    async with httpx.AsyncClient(base_url=url, timeout=60, limits=httpx.Limits(max_connections=concurrency)) as client:

        async def worker() -> None:
            nonlocal issued, errors
            while issued < total and time.perf_counter() - started < TIME_LIMIT_S:
                issued += 1
                t0 = time.perf_counter()
                response = await make_request(client)
                latencies.append(time.perf_counter() - t0)
                if response.status_code >= 400:
                    errors += 1

        await asyncio.gather(*(worker() for _ in range(concurrency)))
    return latencies, errors, time.perf_counter() - started


def summary(name: str, latencies: list[float], errors: int, elapsed: float) -> dict[str, object]:
    ordered = sorted(latencies)
    p99 = ordered[min(len(ordered) - 1, int(round(0.99 * (len(ordered) - 1))))]
    return {
        "endpoint": name,
        "requests": len(ordered),
        "errors": errors,
        "p50_ms": statistics.median(ordered) * 1000,
        "p99_ms": p99 * 1000,
        "rps": len(ordered) / elapsed,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=300, help="per endpoint")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--append", type=Path, default=None, help="append a Markdown table to this file")
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
        run(args, home, database_url)
    finally:
        if schema is not None:
            from sqlalchemy import create_engine, text

            with create_engine(args.database_url, isolation_level="AUTOCOMMIT").connect() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


def run(args: argparse.Namespace, home: Path, database_url: str | None) -> None:
    seeded = prepare(home, database_url)
    port = free_port()
    env = {**os.environ, "CARBONLABEL_HOME": str(home), "CARBONLABEL_EMBEDDED": "1", "CARBONLABEL_PORT": str(port)}
    if database_url:
        env["CARBONLABEL_DATABASE_URL"] = database_url
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "api.asgi:app",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        env=env,
        cwd=REPO,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        token = httpx.post(
            f"{url}/auth/token",
            data={
                "grant_type": "client_credentials",
                "client_id": seeded["client_id"],
                "client_secret": seeded["client_secret"],
            },
        ).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}

        async def footprint(client: httpx.AsyncClient) -> httpx.Response:
            return await client.post(
                f"/v1/products/{seeded['product_id']}/footprints", json={"bom_id": seeded["bom_id"]}, headers=headers
            )

        async def verify(client: httpx.AsyncClient) -> httpx.Response:
            return await client.get(f"/verify/{seeded['certificate']}", headers={"Accept": "application/json"})

        async def warm_up() -> None:  # the first footprint loads the snapshot; measure the steady state
            async with httpx.AsyncClient(base_url=url, timeout=60) as client:
                for request in (footprint, verify):
                    assert (await request(client)).status_code < 400

        asyncio.run(warm_up())
        rows = [
            summary(
                "POST /v1/products/{id}/footprints",
                *asyncio.run(hammer(url, footprint, args.requests, args.concurrency)),
            ),
            summary("GET /verify/{number} (JSON)", *asyncio.run(hammer(url, verify, args.requests, args.concurrency))),
        ]
    finally:
        server.terminate()
        server.wait(timeout=20)
    database = "PostgreSQL" if seeded["database_url"].startswith("postgresql") else "SQLite"
    print(json.dumps(rows, indent=2))
    if args.append:
        append_results(args.append, rows, database, args)


def append_results(path: Path, rows: list[dict[str, object]], database: str, args: argparse.Namespace) -> None:
    """Add a dated table at the end of the "## Service load" section (created if missing)."""
    block = [
        "",
        f"### {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}, {database}",
        "",
        f"`benchmarks/load_service.py --requests {args.requests} --concurrency {args.concurrency}`: one uvicorn "
        f"process (1 worker), httpx async load generator on loopback, {os.cpu_count()} cores shared with other "
        f"jobs, Python {platform.python_version()}. Footprint = the 4-line desk-lamp BOM on the default snapshot "
        "(store + history row per request).",
        "",
        "| endpoint | requests | errors | p50 ms | p99 ms | req/s |",
        "|---|---:|---:|---:|---:|---:|",
        *[
            f"| {r['endpoint']} | {r['requests']} | {r['errors']} | {r['p50_ms']:.1f} | {r['p99_ms']:.1f} "
            f"| {r['rps']:.1f} |"
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

if __name__ == "__main__":
    main()
