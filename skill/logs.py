"""Structured, private logs: one JSON object per line.

Only fields on an allow-list are written, so a careless ``extra=`` can never leak
a user id, a device id, an access token or a score the user said.
"""

from __future__ import annotations

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


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for name in ALLOWED_FIELDS:
            value = record.__dict__.get(name)
            if value is not None:
                entry[name] = value if isinstance(value, int | float | bool) else str(value)[:200]
        if record.exc_info and record.exc_info[0] is not None:
            # The class only: tracebacks can carry slot values in locals' reprs.
            entry["exception"] = record.exc_info[0].__name__
        return json.dumps(entry, separators=(",", ":"))


def configure(level: str = "INFO", stream: Any = None) -> None:
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger("hiprest")
    root.handlers[:] = [handler]
    root.setLevel(level)
    root.propagate = False
