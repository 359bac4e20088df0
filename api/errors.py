"""Errors of the service layer, and the one table that maps every error of the project to its answers.

Every package has one root below `lcidb.errors.CarbonlabelError` (LcidbError, FootprintError,
LabelsError, TariffsError, and ServiceError here). `error_table()` gives each kind its HTTP status,
its stable `code` (clients may branch on it; docs/service.md lists them), its CLI exit code and its
PACT code (the {code, message} form under /3/). The API's exception handlers (api/guards.py, the
PACT routes) and the CLI's top-level handler (api/cli/__init__.py) read it through `answer_for`; nothing else
decides a status or an exit code for an error.

Every HTTP answer of an error is JSON `{"detail": message, "code": code, ...}`; the message is for people.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from lcidb.errors import CarbonlabelError

# CLI exit codes (the commands' own `_fail` uses 2 for a refused input too)
EXIT_FAILED = 1  # an unexpected error, or a batch with failed items
EXIT_REFUSED = 2  # the input, the request or the configuration is wrong: the message says where
EXIT_INCOMPLETE = 3  # a footprint whose BOM lines do not all link (the linking report says which)


class ServiceError(CarbonlabelError):
    """Base of every api error; its status, code and exit code are in error_table()."""

    def __init__(self, message: str, *, extra: dict[str, object] | None = None, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.extra = extra or {}
        self._code = code  # a finer stable code than the table's (e.g. bom.negative_quantity)

    @property
    def status_code(self) -> int:
        return answer_for(self).status

    @property
    def code(self) -> str:
        return self._code or answer_for(self).code


class InsecureConfiguration(ServiceError):
    """A production start with a development default (no signing key, no database URL, ...)."""


class NotAuthenticated(ServiceError):
    """No bearer token, an unknown token, or an expired one."""


class Forbidden(ServiceError):
    """The caller's role may not perform this action."""


class NotFound(ServiceError):
    """No such record, or one the caller may not see (another organisation's id answers 404)."""


class Conflict(ServiceError):
    """The record is not in a state that allows the action (e.g. approving a rejected application)."""


class InvalidInput(ServiceError):
    """Well-formed request whose content is wrong: a malformed BOM line, an unknown scheme."""


class PayloadTooLarge(ServiceError):
    """An upload above the configured limit."""


class DomainUnavailable(ServiceError):
    """A domain package the route needs (engine, rules, tariffs) is not installed in this build."""


class TooManyAttempts(ServiceError):
    """The (identifier, address) pair failed too often; try again after `retry_after` seconds."""

    def __init__(self, message: str, *, retry_after: int):
        super().__init__(message, extra={"retry_after": retry_after})
        self.retry_after = retry_after


class PartnerFailed(ServiceError):
    """A PACT partner's host refused, failed or answered something that is not PACT (api.pact_client)."""


class PactApiError(ServiceError):
    """An error under /3/, answered in the spec's {code, message} form with the status the route chose."""

    def __init__(self, status: int, code: str, message: str):
        super().__init__(message, code=code)
        self.status = status


@dataclass(frozen=True)
class ErrorAnswer:
    status: int  # HTTP
    code: str  # stable token in the JSON body
    exit_code: int  # CLI
    pact_code: str  # PACT v3 error code under /3/


@cache
def error_table() -> tuple[tuple[type[BaseException], ErrorAnswer], ...]:
    """Error kind -> answers, most specific first: the first class the error is an instance of decides.

    Built on first use: the domain packages' errors modules load their packages (numpy, the rules),
    which a CLI command that never fails need not pay for."""
    from footprint.errors import (
        BOMError,
        FootprintError,
        InvalidPactDocument,
        PactError,
        SchedulerError,
        UnlinkedLines,
    )
    from labels.errors import LabelsError, RuleSetInvalid, UnknownScheme, UnknownVersion
    from lcidb.errors import AmbiguousSnapshot, LcidbError, SnapshotNotFound
    from tariffs.errors import LineInputError, TariffsError

    return (
        # the service
        (NotAuthenticated, ErrorAnswer(401, "not_authenticated", EXIT_REFUSED, "AccessDenied")),
        (Forbidden, ErrorAnswer(403, "forbidden", EXIT_REFUSED, "AccessDenied")),
        (NotFound, ErrorAnswer(404, "not_found", EXIT_REFUSED, "NotFound")),
        (Conflict, ErrorAnswer(409, "conflict", EXIT_REFUSED, "BadRequest")),
        (InvalidInput, ErrorAnswer(422, "invalid_input", EXIT_REFUSED, "BadRequest")),
        (PayloadTooLarge, ErrorAnswer(413, "payload_too_large", EXIT_REFUSED, "BadRequest")),
        (TooManyAttempts, ErrorAnswer(429, "too_many_attempts", EXIT_REFUSED, "BadRequest")),
        # not a 5xx: the request was fine and nothing failed inside this service; the partner did
        (PartnerFailed, ErrorAnswer(424, "pact.partner_failed", EXIT_REFUSED, "BadRequest")),
        (DomainUnavailable, ErrorAnswer(503, "domain_unavailable", EXIT_REFUSED, "InternalError")),
        (InsecureConfiguration, ErrorAnswer(500, "insecure_configuration", EXIT_REFUSED, "InternalError")),
        (ServiceError, ErrorAnswer(400, "bad_request", EXIT_REFUSED, "BadRequest")),
        # footprint
        (UnlinkedLines, ErrorAnswer(422, "footprint.unlinked_lines", EXIT_INCOMPLETE, "BadRequest")),
        (BOMError, ErrorAnswer(422, "bom.invalid", EXIT_REFUSED, "BadRequest")),
        (InvalidPactDocument, ErrorAnswer(400, "pact.invalid_document", EXIT_REFUSED, "BadRequest")),
        (PactError, ErrorAnswer(422, "pact.refused", EXIT_REFUSED, "BadRequest")),
        (SchedulerError, ErrorAnswer(503, "footprint.scheduler_unavailable", EXIT_REFUSED, "InternalError")),
        (FootprintError, ErrorAnswer(422, "footprint.invalid", EXIT_REFUSED, "BadRequest")),
        # lcidb
        (SnapshotNotFound, ErrorAnswer(422, "lcidb.snapshot_not_found", EXIT_REFUSED, "BadRequest")),
        (AmbiguousSnapshot, ErrorAnswer(422, "lcidb.ambiguous_snapshot", EXIT_REFUSED, "BadRequest")),
        (LcidbError, ErrorAnswer(422, "lcidb.invalid", EXIT_REFUSED, "BadRequest")),
        # labels: a broken rule set is this service's fault, never the caller's
        (RuleSetInvalid, ErrorAnswer(500, "labels.rule_set_invalid", EXIT_REFUSED, "InternalError")),
        (UnknownScheme, ErrorAnswer(422, "labels.unknown_scheme", EXIT_REFUSED, "BadRequest")),
        (UnknownVersion, ErrorAnswer(422, "labels.unknown_version", EXIT_REFUSED, "BadRequest")),
        (LabelsError, ErrorAnswer(422, "labels.invalid", EXIT_REFUSED, "BadRequest")),
        # tariffs
        (LineInputError, ErrorAnswer(422, "tariffs.line_invalid", EXIT_REFUSED, "BadRequest")),
        (TariffsError, ErrorAnswer(422, "tariffs.invalid", EXIT_REFUSED, "BadRequest")),
        (CarbonlabelError, ErrorAnswer(400, "bad_request", EXIT_REFUSED, "BadRequest")),
    )


UNEXPECTED = ErrorAnswer(500, "internal", EXIT_FAILED, "InternalError")


def answer_for(exc: BaseException) -> ErrorAnswer:
    """The table's row for an error (UNEXPECTED for anything the project did not raise on purpose)."""
    if isinstance(exc, PactApiError):  # the PACT route chose its status and code
        return ErrorAnswer(exc.status, exc._code or "BadRequest", EXIT_REFUSED, exc._code or "BadRequest")
    for kind, answer in error_table():
        if isinstance(exc, kind):
            return answer
    return UNEXPECTED


def error_body(exc: CarbonlabelError) -> dict[str, Any]:
    """The JSON body of an error answer: message, stable code, and the locator the error carries."""
    if isinstance(exc, ServiceError):
        return {"detail": exc.message, "code": exc.code, **exc.extra}
    located: dict[str, Any] = {}
    for name in ("line", "field", "line_id"):  # BOM and import lines: where the problem is
        value = getattr(exc, name, None)
        if value is not None:
            located[name] = value
    if "line" in located and hasattr(exc, "line_kind"):
        located["line_kind"] = exc.line_kind
    code = getattr(exc, "code", None)  # BOMError carries a finer code (bom.negative_quantity, ...)
    return {"detail": str(exc), "code": code if isinstance(code, str) else answer_for(exc).code, **located}
