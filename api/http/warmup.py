"""Warm a worker before it serves: the first footprint of a process loads the snapshot, builds the
unit registry and imports the engine (seconds); done inside the first request, that request and
every request queued behind it wait. `carbonlabel serve` (api/http/asgi.py) runs this in each worker's
start-up, through the Domain protocol only: one computation of the shipped demo BOM.
"""

from __future__ import annotations

import logging
import time

from api.usecases.domain import Domain
from lcidb.home import package_path

log = logging.getLogger("carbonlabel.warmup")


def warm_up(domain: Domain) -> None:
    """Compute the demo BOM once; a failure (no snapshot published yet) is logged, never fatal:
    the service still starts and the first request pays the cost or reports the error."""
    started = time.perf_counter()
    try:
        bom = domain.read_bom(package_path("api", "demo_data") / "desk_lamp.bom.json")
        domain.compute(bom, method="AR6", electricity="location", monte_carlo=None, seed=None)
    except Exception as exc:  # noqa: BLE001 - start-up must not fail on a missing database
        log.warning("warm-up skipped: %s", exc, extra={"fields": {"error": type(exc).__name__}})
        return
    log.info("worker warmed up", extra={"fields": {"duration_ms": round((time.perf_counter() - started) * 1000)}})
