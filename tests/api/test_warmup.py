"""A served worker computes once before it accepts requests (api/http/warmup.py), never failing start-up."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from api.errors import DomainUnavailable
from api.http.warmup import warm_up


class Recording:
    def __init__(self, fail: bool = False):
        self.fail, self.computed = fail, 0

    def read_bom(self, path: Path, product_path: Path | None = None) -> dict[str, Any]:
        assert path.name == "desk_lamp.bom.json" and path.is_file()
        return {"bom": path.name}

    def compute(self, bom: dict[str, Any], **_: Any) -> None:
        if self.fail:
            raise DomainUnavailable("no snapshot named 'default'")
        self.computed += 1


def test_warm_up_computes_the_demo_bom_once() -> None:
    domain = Recording()
    warm_up(domain)  # type: ignore[arg-type]
    assert domain.computed == 1


def test_a_failed_warm_up_is_logged_not_raised(caplog) -> None:  # type: ignore[no-untyped-def]
    caplog.set_level(logging.INFO, logger="carbonlabel")
    warm_up(Recording(fail=True))  # type: ignore[arg-type]
    (record,) = [r for r in caplog.records if r.name == "carbonlabel.warmup"]
    assert record.levelno == logging.WARNING and "no snapshot named 'default'" in record.getMessage()


def test_the_app_warms_each_worker_at_start_up(settings, database) -> None:  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    from api.http.app import create_app

    domain = Recording()
    app = create_app(settings, domain=domain, engine_connect_args=database.connect_args, warm=True)  # type: ignore[arg-type]
    assert domain.computed == 0
    with TestClient(app) as client:
        assert domain.computed == 1
        assert client.get("/healthz").status_code == 200
    app.state.service.engine.dispose()
