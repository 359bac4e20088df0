"""Locust user for benchmarks/load_service.py: one route per run, closed loop (no think time).

Run by load_service.py as `locust -f benchmarks/locust_service.py --headless ...` with the route,
the seeded ids and the output file in the environment (LOAD_ROUTE, LOAD_TOKEN, LOAD_PRODUCT,
LOAD_BOM, LOAD_CERTIFICATE, LOAD_OUT). Every response time (ms, float, as Locust measures it on
the client) is written to LOAD_OUT at the end: Locust's own percentiles round to whole
milliseconds, too coarse for a floor of a few ms.

Users are spawned over a ramp (load_service.py's --spawn-rate): each opens its keep-alive
connection at its own moment, as clients of a real service do, rather than all in the same
millisecond, when one uvicorn worker would accept them all (docs/performance.md, "Service load").
Only responses after the last user has started count, and the measured window (seconds) is
written with them, so the ramp is in no percentile and no rate.
"""

from __future__ import annotations

import json
import os
import time
from typing import Any

from locust import constant, events, task
from locust.contrib.fasthttp import FastHttpUser

ROUTE = os.environ.get("LOAD_ROUTE", "floor")
_times: list[float] = []
_failures: list[int] = [0]
# set when the last user has started: wall clock (Locust's request start_time is time.time()) and
# monotonic; the monotonic end is set when the test stops
_window: dict[str, float] = {}


@events.spawning_complete.add_listener
def _start(**_: Any) -> None:
    _window.update(wall=time.time(), start=time.monotonic())


@events.request.add_listener
def _record(response_time: float, exception: BaseException | None, start_time: float = 0.0, **_: Any) -> None:
    if "wall" not in _window or start_time < _window["wall"]:
        return  # sent during the ramp
    _times.append(float(response_time))
    if exception is not None:
        _failures[0] += 1


@events.test_stopping.add_listener
def _stop(**_: Any) -> None:
    _window.setdefault("end", time.monotonic())


@events.quitting.add_listener
def _dump(**_: Any) -> None:
    out = os.environ.get("LOAD_OUT")
    if out:
        seconds = _window["end"] - _window["start"] if "start" in _window and "end" in _window else None
        with open(out, "w", encoding="utf-8") as handle:
            json.dump({"route": ROUTE, "ms": _times, "failures": _failures[0], "seconds": seconds}, handle)


class ServiceUser(FastHttpUser):
    wait_time = constant(0)  # closed loop: each of the N users sends its next request at once

    @task
    def one_request(self) -> None:
        if ROUTE == "floor":
            self.client.get("/healthz", name="GET /healthz")
        elif ROUTE == "footprint":
            self.client.post(
                f"/v1/products/{os.environ['LOAD_PRODUCT']}/footprints",
                json={"bom_id": os.environ["LOAD_BOM"]},
                headers={"Authorization": f"Bearer {os.environ['LOAD_TOKEN']}"},
                name="POST /v1/products/{id}/footprints",
            )
        elif ROUTE == "verify":
            self.client.get(
                f"/verify/{os.environ['LOAD_CERTIFICATE']}",
                headers={"Accept": "application/json"},
                name="GET /verify/{number}",
            )
        else:
            raise SystemExit(f"LOAD_ROUTE={ROUTE!r}: expected floor, footprint or verify")
