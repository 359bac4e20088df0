"""Structured logs for the service: one JSON object per line, each carrying the request id.

The request id lives in a context variable set by `api.http.middleware.RequestContext` for the
duration of one request (contextvars follow the request into the worker thread that runs a sync
route, so every record logged while serving it carries the id). A log record factory copies it
onto every record, from every logger, so `%(request_id)s`, the JSON formatter and pytest's caplog
all see it.

    configure_logging()          # once per process: the "carbonlabel" logger writes JSON lines
    log.info("...", extra={"fields": {"snapshot": "default"}})   # extra fields in the JSON
"""

from __future__ import annotations

import json
import logging
import os
import sys
from contextvars import ContextVar
from datetime import datetime, UTC
from typing import Any

REQUEST_ID: ContextVar[str | None] = ContextVar("carbonlabel_request_id", default=None)
LOGGER = "carbonlabel"
_HANDLER_NAME = "carbonlabel-json"
# attributes every LogRecord has; anything else passed through `extra=` is the caller's
_STANDARD = set(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message", "asctime", "request_id"}


def current_request_id() -> str | None:
    return REQUEST_ID.get()


class JsonFormatter(logging.Formatter):
    """One line of JSON per record: time (UTC, ms), level, logger, message, request id, the
    record's extra fields, and the exception as text when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        request_id = getattr(record, "request_id", None)
        if request_id is not None:
            entry["request_id"] = request_id
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            entry.update(fields)
        for key, value in record.__dict__.items():
            if key not in _STANDARD and key != "fields" and not key.startswith("_"):
                entry.setdefault(key, value)
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        # ensure_ascii: a line is one line whatever a message holds (newlines, control characters
        # and non-ASCII are escaped), so a client cannot forge log lines
        return json.dumps(entry, ensure_ascii=True, default=str)


def _install_record_factory() -> None:
    """Every record gets `request_id` (None outside a request); installed once per process."""
    previous = logging.getLogRecordFactory()
    if getattr(previous, "_carbonlabel", False):
        return

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        record.request_id = REQUEST_ID.get()
        return record

    factory._carbonlabel = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)


def configure_logging(level: str | None = None) -> None:
    """JSON lines on stderr for the "carbonlabel" logger (level from CARBONLABEL_LOG_LEVEL, INFO by
    default). Idempotent: an app created twice in one process (tests) adds no second handler.
    Records still propagate, so a host's own handlers (pytest's caplog) see them too."""
    _install_record_factory()
    logger = logging.getLogger(LOGGER)
    name = (level or os.environ.get("CARBONLABEL_LOG_LEVEL") or "INFO").upper()
    logger.setLevel(logging.getLevelName(name) if isinstance(logging.getLevelName(name), int) else logging.INFO)
    if not any(getattr(handler, "name", None) == _HANDLER_NAME for handler in logger.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.set_name(_HANDLER_NAME)
        handler.setFormatter(JsonFormatter())
        logger.addHandler(handler)
