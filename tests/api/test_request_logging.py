"""Structured logs with a request id (issue 12, deliver 7): api/http/middleware.py, api/http/logging_setup.py."""

from __future__ import annotations

import json
import logging
import re

import pytest

from api.http.logging_setup import JsonFormatter
from api.http.middleware import request_id_from

FRESH = re.compile(r"[0-9a-f]{32}")


def access_records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "carbonlabel.access"]


def test_a_well_formed_id_is_echoed_and_carried_by_the_access_record(client, caplog) -> None:  # type: ignore[no-untyped-def]
    caplog.set_level(logging.INFO, logger="carbonlabel")
    answer = client.get("/healthz", headers={"X-Request-ID": "trace-42.a_B"})
    assert answer.status_code == 200
    assert answer.headers["x-request-id"] == "trace-42.a_B"
    (record,) = access_records(caplog)
    assert record.request_id == "trace-42.a_B"
    assert record.fields == {"method": "GET", "path": "/healthz", "status": 200,  # type: ignore[attr-defined]
                             "duration_ms": record.fields["duration_ms"]}  # type: ignore[attr-defined]
    line = json.loads(JsonFormatter().format(record))
    assert line["request_id"] == "trace-42.a_B" and line["path"] == "/healthz" and line["status"] == 200
    assert line["duration_ms"] >= 0


def test_without_a_header_an_id_is_generated(client) -> None:  # type: ignore[no-untyped-def]
    first = client.get("/healthz").headers["x-request-id"]
    second = client.get("/healthz").headers["x-request-id"]
    assert FRESH.fullmatch(first) and FRESH.fullmatch(second) and first != second


@pytest.mark.parametrize(
    "hostile",
    [
        "a" * 500,  # too long
        "a" * 65,  # one past the limit
        "abc\ninjected",  # a newline (log forging)
        "naïve-id",  # non-ASCII
        "has space",
        "",
    ],
)
def test_a_hostile_id_is_replaced_and_never_logged(client, caplog, hostile: str) -> None:  # type: ignore[no-untyped-def]
    caplog.set_level(logging.INFO, logger="carbonlabel")
    # below HTTP clients: the raw header bytes as a server would receive them
    raw = hostile.encode("utf-8")
    assert FRESH.fullmatch(request_id_from([(b"x-request-id", raw)]))
    if "\n" in hostile:
        return  # no HTTP client sends a newline in a header; the unit check above is the test
    answer = client.get("/healthz", headers=[(b"X-Request-ID", raw)])
    replaced = answer.headers["x-request-id"]
    assert FRESH.fullmatch(replaced) and replaced != hostile
    (record,) = access_records(caplog)
    assert record.request_id == replaced
    assert hostile not in caplog.text or hostile == ""


def test_the_limit_is_64_characters() -> None:
    assert request_id_from([(b"x-request-id", b"a" * 64)]) == "a" * 64


def test_an_error_logs_its_code_with_the_request_id(client, caplog) -> None:  # type: ignore[no-untyped-def]
    caplog.set_level(logging.INFO, logger="carbonlabel")
    answer = client.get("/verify/CL-NO-SUCH", headers={"Accept": "application/json", "X-Request-ID": "err-1"})
    assert answer.status_code == 404
    assert answer.headers["x-request-id"] == "err-1"
    code = answer.json()["code"]
    (record,) = access_records(caplog)
    assert record.levelno == logging.WARNING
    assert record.request_id == "err-1"
    assert record.fields["code"] == code and record.fields["path"] == "/verify/{number}"  # type: ignore[attr-defined]


def test_records_logged_inside_a_route_carry_the_id(client, caplog) -> None:  # type: ignore[no-untyped-def]
    """A record from any logger during the request (here the token route's failure, in the thread
    pool) carries the request id: the record factory reads the context variable."""
    caplog.set_level(logging.DEBUG)
    marker = logging.getLogger("carbonlabel.test")

    @client.app.get("/_log_probe")
    def probe() -> dict[str, str]:
        marker.info("inside the route")
        return {"ok": "yes"}

    assert client.get("/_log_probe", headers={"X-Request-ID": "inner-7"}).status_code == 200
    (inner,) = [r for r in caplog.records if r.getMessage() == "inside the route"]
    assert inner.request_id == "inner-7"  # type: ignore[attr-defined]


def test_an_unexpected_error_answers_500_with_the_id_and_logs_it(app, caplog) -> None:  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    @app.get("/_boom")
    def boom() -> None:
        raise RuntimeError("boom")

    caplog.set_level(logging.INFO, logger="carbonlabel")
    with TestClient(app, raise_server_exceptions=False) as client:
        answer = client.get("/_boom", headers={"X-Request-ID": "boom-1"})
    assert answer.status_code == 500 and answer.json()["code"] == "internal"
    assert answer.headers["x-request-id"] == "boom-1"
    errors = [r for r in caplog.records if r.name == "carbonlabel.error"]
    assert errors and errors[0].request_id == "boom-1" and errors[0].exc_info  # type: ignore[attr-defined]
    (record,) = access_records(caplog)
    assert record.levelno == logging.ERROR and record.fields["code"] == "internal"  # type: ignore[attr-defined]
