"""Locust user for benchmarks/load_service.py: one route per run, closed loop (no think time).

Run by load_service.py as `locust -f benchmarks/locust_service.py --headless ...` with the route,
the seeded ids and the output file in the environment (LOAD_ROUTE, LOAD_TOKEN, LOAD_PRODUCT,
LOAD_BOM, LOAD_CERTIFICATE, LOAD_OUT). Every response time (ms, float, as Locust measures it on
the client) is written to LOAD_OUT at the end: Locust's own percentiles round to whole
milliseconds, too coarse for a floor of a few ms.
"""

from __future__ import annotations

import json
import os
from typing import Any

from locust import constant, events, task
from locust.contrib.fasthttp import FastHttpUser

ROUTE = os.environ.get("LOAD_ROUTE", "floor")
_times: list[float] = []
_failures: list[int] = [0]


@events.request.add_listener
def _record(response_time: float, exception: BaseException | None, **_: Any) -> None:
    _times.append(float(response_time))
    if exception is not None:
        _failures[0] += 1


@events.quitting.add_listener
def _dump(**_: Any) -> None:
    out = os.environ.get("LOAD_OUT")
    if out:
        with open(out, "w", encoding="utf-8") as handle:
            json.dump({"route": ROUTE, "ms": _times, "failures": _failures[0]}, handle)


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
