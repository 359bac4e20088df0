"""Errors of the service layer. Routes translate them into HTTP answers in one place (app.py).

Every answer of an error is JSON `{"detail": message, "code": code, ...}`; `code` is a stable
token clients may branch on (docs/service.md lists them), the message is for people.
"""

from __future__ import annotations


class ServiceError(Exception):
    """Base of every api error; `status_code` is the HTTP answer it maps to."""

    status_code = 400
    code = "bad_request"

    def __init__(self, message: str, *, extra: dict[str, object] | None = None, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.extra = extra or {}
        if code is not None:
            self.code = code


class InsecureConfiguration(ServiceError):
    """A production start with a development default (no signing key, no database URL, ...)."""

    status_code = 500
    code = "insecure_configuration"


class NotAuthenticated(ServiceError):
    """No bearer token, an unknown token, or an expired one."""

    status_code = 401
    code = "not_authenticated"


class Forbidden(ServiceError):
    """The caller's role may not perform this action."""

    status_code = 403
    code = "forbidden"


class NotFound(ServiceError):
    """No such record, or one the caller may not see (another organisation's id answers 404)."""

    status_code = 404
    code = "not_found"


class Conflict(ServiceError):
    """The record is not in a state that allows the action (e.g. approving a rejected application)."""

    status_code = 409
    code = "conflict"


class InvalidInput(ServiceError):
    """Well-formed request whose content is wrong: a malformed BOM line, an unknown scheme."""

    status_code = 422
    code = "invalid_input"


class PayloadTooLarge(ServiceError):
    """An upload above the configured limit."""

    status_code = 413
    code = "payload_too_large"


class DomainUnavailable(ServiceError):
    """A domain package the route needs (engine, rules, tariffs) is not installed in this build."""

    status_code = 503
    code = "domain_unavailable"
