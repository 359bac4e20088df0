"""Service cost per request, in process: CPU time and SQL statements of the routes load_service.py drives.

For each database (SQLite under a fresh CARBONLABEL_HOME; PostgreSQL in a schema of its own,
dropped afterwards, as load_service.py does) the app is built as in production (embedded settings,
the real engine) and driven by Starlette's TestClient, one request after another:

- `floor`      GET /healthz (a static JSON answer; its cost is mostly the test client's own),
- `footprint`  POST /v1/products/{id}/footprints (the demo desk lamp BOM, AR6, no Monte Carlo),
- `verify`     GET /verify/{number} with Accept: application/json (signature and record checked).

Per route: CPU ms per request (`time.process_time` over N requests after a warm-up: client and
server share the process, so this is client + server CPU; the database server's own CPU is not in
it), wall ms per request (for reference only: it moves with the machine's load), SQL statements per
request (an SQLAlchemy `before_cursor_execute` listener on every engine) and COMMITs per request
(the `commit` event: on PostgreSQL each is a round trip too, without a cursor). Process time hardly
moves on a loaded machine, so it is the number to compare before and after a change.

    .venv/bin/python benchmarks/service_cost.py [--requests 200] [--warmup 20] \
        [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/test] [--no-sqlite] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
ROUTES = ("floor", "footprint", "verify")


@contextmanager
def counting() -> Iterator[dict[str, int]]:
    """Statements and COMMITs sent by any engine while the block runs."""
    from sqlalchemy import Engine, event

    counts = {"statements": 0, "commits": 0}

    def statement(*_: Any) -> None:
        counts["statements"] += 1

    def commit(*_: Any) -> None:
        counts["commits"] += 1

    event.listen(Engine, "before_cursor_execute", statement)
    event.listen(Engine, "commit", commit)
    try:
        yield counts
    finally:
        event.remove(Engine, "before_cursor_execute", statement)
        event.remove(Engine, "commit", commit)


@contextmanager
def own_schema(base_url: str) -> Iterator[str]:
    """A PostgreSQL schema of this run's own, dropped afterwards; yields the URL that uses it."""
    from sqlalchemy import create_engine, text

    schema = f"carbonlabel_cost_{os.getpid()}"
    with create_engine(base_url, isolation_level="AUTOCOMMIT").connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield base_url + ("&" if "?" in base_url else "?") + f"options=-csearch_path%3D{schema}"
    finally:
        with create_engine(base_url, isolation_level="AUTOCOMMIT").connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


def measure(home: Path, database_url: str | None, requests: int, warmup: int) -> list[dict[str, Any]]:
    """One database: seed (load_service.prepare), then each route N times after a warm-up."""
    from fastapi.testclient import TestClient

    from benchmarks.load_service import prepare
    from api.http.app import create_app
    from api.settings import load_settings
    from api.usecases.engine import EngineDomain

    seeded = prepare(home, database_url)
    settings = load_settings(embedded=True)
    if database_url:
        settings = type(settings)(**{**settings.__dict__, "database_url": database_url})
    app = create_app(settings, domain=EngineDomain())
    rows: list[dict[str, Any]] = []
    with TestClient(app) as client:
        token = client.post("/auth/token", data={"grant_type": "client_credentials", "client_id": seeded["client_id"],
                                                 "client_secret": seeded["client_secret"]}).json()["access_token"]
        bearer = {"Authorization": f"Bearer {token}"}
        calls: dict[str, tuple[Callable[[], Any], int]] = {
            "floor": (lambda: client.get("/healthz"), 200),
            "footprint": (lambda: client.post(f"/v1/products/{seeded['product_id']}/footprints",
                                              json={"bom_id": seeded["bom_id"]}, headers=bearer), 201),
            "verify": (lambda: client.get(f"/verify/{seeded['certificate']}",
                                          headers={"Accept": "application/json"}), 200),
        }
        for route in ROUTES:
            call, expected = calls[route]
            for _ in range(warmup):
                answer = call()
                assert answer.status_code == expected, (route, answer.status_code, answer.text[:500])
            with counting() as counts:
                cpu, wall = time.process_time(), time.perf_counter()
                for _ in range(requests):
                    call()
                cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
            rows.append({
                "route": route,
                "cpu_ms": cpu / requests * 1000,
                "wall_ms": wall / requests * 1000,
                "statements": counts["statements"] / requests,
                "commits": counts["commits"] / requests,
            })
    app.state.service.engine.dispose()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=200, help="measured requests per route")
    parser.add_argument("--warmup", type=int, default=20, help="unmeasured requests per route first")
    parser.add_argument("--database-url", default=None, help="PostgreSQL URL; a schema of its own is made and dropped")
    parser.add_argument("--no-sqlite", action="store_true", help="PostgreSQL only")
    parser.add_argument("--json", type=Path, default=None, help="write the rows as JSON here")
    args = parser.parse_args()
    sys.path.insert(0, str(REPO))
    results: dict[str, list[dict[str, Any]]] = {}
    if not args.no_sqlite:
        results["SQLite"] = measure(Path(tempfile.mkdtemp(prefix="carbonlabel-cost-")), None, args.requests, args.warmup)
    if args.database_url:
        with own_schema(args.database_url) as url:
            results["PostgreSQL"] = measure(Path(tempfile.mkdtemp(prefix="carbonlabel-cost-")), url, args.requests,
                                            args.warmup)
    print("| database | route | CPU ms/request | wall ms/request | statements/request | COMMITs/request |")
    print("|---|---|---:|---:|---:|---:|")
    for database, rows in results.items():
        for row in rows:
            print(f"| {database} | {row['route']} | {row['cpu_ms']:.2f} | {row['wall_ms']:.2f} "
                  f"| {row['statements']:.1f} | {row['commits']:.1f} |")
    if args.json:
        args.json.write_text(json.dumps({"args": vars(args) | {"json": None}, "results": results}, indent=2,
                                        default=str) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
