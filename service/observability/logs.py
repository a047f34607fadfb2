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


def _entry(created: float, level: str, logger: str, msg: str) -> dict[str, Any]:
    return {"ts": _timestamp(created), "level": level, "logger": logger, "msg": msg}


def _dumps(entry: dict[str, Any]) -> str:
    # ensure_ascii: control characters and non-ASCII from clients are escaped, never raw on the line.
    return json.dumps(entry, ensure_ascii=True, default=str)


class JsonFormatter(logging.Formatter):
    """Format a record as one JSON line; `extra={"fields": {...}}` adds structured fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry = _entry(record.created, record.levelname.lower(), record.name, record.getMessage())
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            entry.update(fields)
        if "request_id" not in entry:
            request_id = request_id_var.get()
            if request_id is not None:
                entry["request_id"] = request_id
        if record.exc_info and record.exc_info[0] is not None:
            entry["exc"] = "".join(traceback.format_exception(*record.exc_info)).rstrip()
        return _dumps(entry)


class _StdoutHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever `sys.stdout` is at the time (test runners swap it)."""

    def __init__(self) -> None:
        super().__init__(sys.stdout)

    def emit(self, record: logging.LogRecord) -> None:
        self.stream = sys.stdout
        super().emit(record)

    def emit_line(self, line: str) -> None:
        """Write a line formatted already, as `emit` writes one: under the handler's lock, flushed."""
        with self.lock:  # type: ignore[union-attr]
            try:
                stream = self.stream = sys.stdout
                stream.write(line + self.terminator)
                stream.flush()
            except Exception:  # what StreamHandler.emit does with a broken stream: report, carry on
                self.handleError(logging.makeLogRecord({"msg": line}))


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


def _sole_handler(level: int) -> _StdoutHandler | None:
    """Our JSON handler when an access line would go to it and nowhere else: no handler or filter of
    anyone else's on the way (a test runner's capture on the root logger, a handler an operator added), the
    JSON formatter in place. Then the line can be written without a LogRecord; otherwise None."""
    parent = access_log.parent
    if access_log.handlers or access_log.filters or not access_log.propagate or parent is None:
        return None
    if parent.filters or len(parent.handlers) != 1 or (parent.propagate and logging.root.handlers):
        return None
    handler = parent.handlers[0]
    if not isinstance(handler, _StdoutHandler) or handler.filters or level < handler.level:
        return None
    return handler if type(handler.formatter) is JsonFormatter else None


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
    handler = _sole_handler(level)
    if handler is not None:
        # One line a request: building a LogRecord (caller lookup, thread and process names), sending it
        # through the logging tree and json.dumps cost three times what writing the line does. This
        # writes the very line JsonFormatter would (tests/observability/test_operations.py compares them).
        handler.emit_line(_access_line(time.time(), level, fields))
        return
    access_log.log(level, "request", extra={"fields": fields})


_quoted = json.encoder.encode_basestring_ascii  # what json.dumps(ensure_ascii=True) does to each string


def _access_line(created: float, level: int, fields: dict[str, Any]) -> str:
    """`_dumps` of the access entry, spelled out: the same keys, order, separators and escaping."""
    client = fields["client"]
    return (
        f'{{"ts": "{_timestamp(created)}", "level": "{"error" if level >= logging.ERROR else "info"}", '
        f'"logger": "{ACCESS_LOGGER}", "msg": "request", "method": {_quoted(fields["method"])}, '
        f'"route": {_quoted(fields["route"])}, "path": {_quoted(fields["path"])}, '
        f'"status": {int(fields["status"])}, "duration_ms": {float(fields["duration_ms"])!r}, '
        f'"request_id": {_quoted(fields["request_id"])}, '
        f'"client": {"null" if client is None else _quoted(client)}}}'
    )
