"""Structured logs: one JSON object per line, and one access line per HTTP request.

Every record the `netadvisor` loggers emit (and uvicorn's own start/stop lines, once the app is loaded) is
written as JSON with `ts` (UTC, ISO 8601, milliseconds), `level`, `logger` and `msg`, plus the
`request_id` of the request being served when there is one. Access lines (logger `netadvisor.access`)
carry `method`, `route` (the route template, never the raw path with its IDs), `path`, `status`,
`duration_ms`, `request_id` and `client`. uvicorn's plain-text access log is turned off: it would say the
same thing a second time, unstructured.

This module is named `logging` inside the `service` package; `import logging` elsewhere still means the
standard library (absolute imports), and so it does here.
"""

from __future__ import annotations

import functools
import json
import logging
import sys
import time
import traceback
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

ACCESS_LOGGER = "netadvisor.access"
access_log = logging.getLogger(ACCESS_LOGGER)

# The ID of the request being served, set by the request middleware for the duration of the request; sync
# endpoints run in a thread pool that copies the context, so their log lines carry it too.
request_id_var: ContextVar[str | None] = ContextVar("netadvisor_request_id", default=None)

_HANDLER_MARK = "_netadvisor_json"


@functools.lru_cache(maxsize=4)  # one line a request: the same second is formatted again and again
def _second(seconds: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds))


def _timestamp(created: float) -> str:
    seconds = int(created)
    millis = int((created - seconds) * 1000)
    return f"{_second(seconds)}.{millis:03d}Z"


class JsonFormatter(logging.Formatter):
    """Format a record as one JSON line; `extra={"fields": {...}}` adds structured fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": _timestamp(record.created),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            entry.update(fields)
        if "request_id" not in entry:
            request_id = request_id_var.get()
            if request_id is not None:
                entry["request_id"] = request_id
        if record.exc_info and record.exc_info[0] is not None:
            entry["exc"] = "".join(traceback.format_exception(*record.exc_info)).rstrip()
        # ensure_ascii: control characters and non-ASCII from clients are escaped, never raw on the line.
        return json.dumps(entry, ensure_ascii=True, default=str)


class _StdoutHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever `sys.stdout` is at the time (test runners swap it)."""

    def __init__(self) -> None:
        super().__init__(sys.stdout)

    def emit(self, record: logging.LogRecord) -> None:
        self.stream = sys.stdout
        super().emit(record)


def configure_logging(level: str = "info") -> None:
    """Send `netadvisor.*` records to stdout as JSON lines. Idempotent: safe for every app created.

    Records still propagate to the root logger (which has no handler under uvicorn), so test runners that
    capture through the root logger see them too.
    """
    logger = logging.getLogger("netadvisor")
    logger.setLevel(level.upper() if isinstance(level, str) else level)
    if not any(getattr(handler, _HANDLER_MARK, False) for handler in logger.handlers):
        ours = _StdoutHandler()
        ours.setFormatter(JsonFormatter())
        setattr(ours, _HANDLER_MARK, True)
        logger.addHandler(ours)
    # uvicorn's own lines (started, shutting down, errors) in the same format, on the streams it chose.
    for handler in logging.getLogger("uvicorn").handlers:
        handler.setFormatter(JsonFormatter())
    # Our access line replaces uvicorn's: one line per request, not two.
    logging.getLogger("uvicorn.access").disabled = True


@dataclass(frozen=True, slots=True)
class AccessRecord:
    """One request as the access log records it (the fields of the JSON line, in this order)."""

    method: str
    route: str
    path: str
    status: int
    duration_ms: float
    request_id: str
    client: str | None


def access_logged(status: int) -> bool:
    """Whether an access line for this status would be written: the caller builds it only then."""
    return access_log.isEnabledFor(logging.ERROR if status >= 500 else logging.INFO)


def log_access(record: AccessRecord) -> None:
    level = logging.ERROR if record.status >= 500 else logging.INFO
    if not access_log.isEnabledFor(level):
        return
    fields = {
        "method": record.method,
        "route": record.route,
        "path": record.path,
        "status": record.status,
        "duration_ms": round(record.duration_ms, 3),
        "request_id": record.request_id,
        "client": record.client,
    }
    # makeRecord + handle is what Logger.log does, minus finding the caller's file and line (a stack walk
    # and three path normalisations: a third of the cost of an access line), which an access line, always
    # written from here, does not need. Filters, handlers and propagation apply as usual.
    entry = access_log.makeRecord(
        ACCESS_LOGGER, level, __file__, 0, "request", (), None, "log_access", {"fields": fields}
    )
    access_log.handle(entry)
