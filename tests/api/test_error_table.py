"""One error root, one table: each package's error reaches HTTP and the CLI with the status, code and exit
code api/errors.py's table gives it (the API handlers and the CLI's top-level handler both read it)."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from api.cli import app as cli
from api.errors import (
    Conflict,
    NotFound,
    PactApiError,
    ServiceError,
    TooManyAttempts,
    answer_for,
    error_table,
)
from footprint.errors import BOMError, FootprintError, SchedulerError
from labels.errors import LabelsError, RuleSetInvalid, UnknownScheme
from lcidb.errors import CarbonlabelError, LcidbError, SnapshotNotFound
from tariffs.errors import LineInputError, TariffsError

# (error, HTTP status, code, CLI exit code): read off the table by hand
CASES = [
    (LcidbError("snapshot folder unreadable"), 422, "lcidb.invalid", 2),
    (SnapshotNotFound("no snapshot 'nope'"), 422, "lcidb.snapshot_not_found", 2),
    (FootprintError("engine refused"), 422, "footprint.invalid", 2),
    (BOMError("bom.json", 3, "quantity", -1, "must be positive", code="bom.negative_quantity"), 422,
     "bom.negative_quantity", 2),
    (SchedulerError("scheduler tcp://10.0.0.1:8786 unreachable"), 503, "footprint.scheduler_unavailable", 2),
    (LabelsError("bad evidence"), 422, "labels.invalid", 2),
    (UnknownScheme("no scheme 'xx'"), 422, "labels.unknown_scheme", 2),
    (RuleSetInvalid("data/rules/x.yaml: duplicate key"), 500, "labels.rule_set_invalid", 2),
    (TariffsError("no parameter on 2019-01-01"), 422, "tariffs.invalid", 2),
    (LineInputError(4, "cn_code", "7208", "not in the CBAM scope"), 422, "tariffs.line_invalid", 2),
    (NotFound("certificate CL-1 not found"), 404, "not_found", 2),
    (Conflict("already approved"), 409, "conflict", 2),
    (TooManyAttempts("slow down", retry_after=30), 429, "too_many_attempts", 2),
]


def test_every_package_root_is_below_the_one_root() -> None:
    for root in (LcidbError, FootprintError, LabelsError, TariffsError, ServiceError):
        assert issubclass(root, CarbonlabelError), root
    assert issubclass(SchedulerError, FootprintError) and issubclass(PactApiError, ServiceError)
    kinds = [kind for kind, _ in error_table()]
    # most specific first: no row is shadowed by an earlier, more general one
    for i, kind in enumerate(kinds):
        assert not any(issubclass(kind, earlier) for earlier in kinds[:i]), kind


@pytest.fixture
def failing_client(client, app):  # type: ignore[no-untyped-def]
    """The service with one extra route that raises the error a test names."""
    raised: dict[str, BaseException] = {}

    def boom() -> None:
        raise raised["error"]

    app.add_api_route("/test-only/boom", boom, methods=["GET"])
    return client, raised


@pytest.mark.parametrize(("error", "status", "code", "exit_code"), CASES, ids=lambda c: type(c).__name__)
def test_each_error_reaches_http_with_its_status_and_code(failing_client, error, status, code, exit_code) -> None:  # type: ignore[no-untyped-def]
    client, raised = failing_client
    raised["error"] = error
    answer = client.get("/test-only/boom")
    assert answer.status_code == status, answer.text
    body = answer.json()
    assert body["code"] == code and body["detail"] == str(error)
    if isinstance(error, (BOMError, LineInputError)):  # the locator travels with it
        assert (body["line"], body["field"]) == (error.line, error.field)
    if isinstance(error, TooManyAttempts):
        assert body["retry_after"] == 30


def test_an_unexpected_error_is_a_bare_500(failing_client) -> None:  # type: ignore[no-untyped-def]
    client, raised = failing_client
    raised["error"] = KeyError("secret internals")
    from fastapi.testclient import TestClient

    with TestClient(client.app, raise_server_exceptions=False) as quiet:
        answer = quiet.get("/test-only/boom")
    assert answer.status_code == 500 and answer.json() == {"detail": "internal error", "code": "internal"}


@pytest.mark.parametrize(("error", "status", "code", "exit_code"), CASES, ids=lambda c: type(c).__name__)
def test_each_error_reaches_the_cli_with_its_exit_code(monkeypatch, home, error, status, code, exit_code) -> None:  # type: ignore[no-untyped-def]
    """`carbonlabel db list` does not catch errors itself: the top-level handler answers."""
    import lcidb.snapshot

    def fail() -> None:
        raise error

    monkeypatch.setattr(lcidb.snapshot, "list_published", fail)
    result = CliRunner().invoke(cli, ["db", "list"])
    assert result.exit_code == exit_code == answer_for(error).exit_code, result.output
    assert f"error: {error}" in result.output
    assert "Traceback" not in result.output


def test_pact_routes_keep_the_spec_error_form(client) -> None:  # type: ignore[no-untyped-def]
    answer = client.get("/3/footprints")
    assert answer.status_code == 401
    assert set(answer.json()) == {"code", "message"} and answer.json()["code"] == "BadRequest"
    assert answer_for(NotFound("x")).pact_code == "NotFound" and answer_for(Conflict("x")).pact_code == "BadRequest"
