"""Structured, private logs: one JSON object per line.

Only fields on an allow-list are written, so a careless ``extra=`` can never leak
a user id, a device id, an access token or a score the user said.
"""

from __future__ import annotations

import contextlib
import json
import logging
import sys
from typing import Any

ALLOWED_FIELDS = frozenset(
    {
        "request_id",
        "request_type",
        "intent",
        "outcome",
        "latency_ms",
        "error_class",
        "error",
        "error_type",
        "reason",
        "state_key",
        "event",
        "status",
        "path",
        "method",
        "upstream",
    }
)


def _allowed(entry: dict[str, Any], fields: dict[str, Any]) -> dict[str, Any]:
    for name in ALLOWED_FIELDS:
        value = fields.get(name)
        if value is not None:
            entry[name] = value if isinstance(value, int | float | bool) else str(value)[:200]
    return entry


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        _allowed(entry, record.__dict__)
        if record.exc_info and record.exc_info[0] is not None:
            # The class only: tracebacks can carry slot values in locals' reprs.
            entry["exception"] = record.exc_info[0].__name__
        return json.dumps(entry, separators=(",", ":"))


ACCESS = logging.getLogger("hiprest.access")
# The handler configure() installed: the access line may go straight to it.
_direct: logging.StreamHandler[Any] | None = None


def access(message: str, fields: dict[str, Any]) -> None:
    """Log one INFO line on ``hiprest.access``: the same JSON line ``ACCESS.info(message,
    extra=fields)`` gives, written straight to the handler ``configure`` installed.

    Every request writes one; through ``logging`` it cost 20-40 us (the caller's frame
    lookup, a LogRecord, the formatter's pass over the allow-list), a tenth of a
    hello-world request. When anyone else has attached handlers or filters (tests,
    an embedding app), it goes through ``logging`` as usual.
    """
    handler = _direct
    if not ACCESS.isEnabledFor(logging.INFO):
        return
    parent = ACCESS.parent
    if (
        handler is None
        or ACCESS.handlers
        or ACCESS.filters
        or not ACCESS.propagate
        or parent is None
        or parent.handlers != [handler]
        or parent.propagate
        or parent.filters
        or type(handler.formatter) is not JsonFormatter
        or handler.filters
        or handler.level > logging.INFO
    ):
        ACCESS.info(message, extra=fields)
        return
    entry = _allowed({"level": "info", "logger": ACCESS.name, "msg": message}, fields)
    line = json.dumps(entry, separators=(",", ":")) + handler.terminator
    with handler.lock or contextlib.nullcontext():
        try:
            handler.stream.write(line)
            handler.flush()
        except Exception:  # as logging does: a broken log stream never fails a request
            handler.handleError(logging.makeLogRecord({"msg": message}))


def configure(level: str = "INFO", stream: Any = None) -> None:
    global _direct
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter())
    _direct = handler
    root = logging.getLogger("hiprest")
    root.handlers[:] = [handler]
    root.setLevel(level)
    root.propagate = False
