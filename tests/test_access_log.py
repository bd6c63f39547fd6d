"""The access line's direct path writes exactly what logging would, and steps aside
whenever someone else is listening."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest

from skill import logs

FIELDS: dict[str, Any] = {
    "request_id": "amzn1.echo-api.request.1",
    "request_type": "IntentRequest",
    "intent": "PillowIntent",
    "outcome": "ok",
    "latency_ms": 0.42,
    "user_id": "amzn1.ask.account.SECRET",  # not on the allow-list: never written
}


@pytest.fixture
def stream() -> Iterator[io.StringIO]:
    buf = io.StringIO()
    logs.configure("INFO", stream=buf)
    yield buf
    logs.configure("WARNING", stream=io.StringIO())


def test_direct_line_is_the_line_logging_writes(stream: io.StringIO) -> None:
    logs.access("request", dict(FIELDS))
    logs.ACCESS.info("request", extra=dict(FIELDS))
    direct, through_logging = stream.getvalue().splitlines()
    assert json.loads(direct) == json.loads(through_logging)
    assert "SECRET" not in stream.getvalue()
    assert json.loads(direct)["latency_ms"] == 0.42


def test_nothing_is_written_below_the_configured_level() -> None:
    buf = io.StringIO()
    logs.configure("WARNING", stream=buf)
    logs.access("request", dict(FIELDS))
    assert buf.getvalue() == ""


def test_an_extra_handler_gets_the_line_through_logging(stream: io.StringIO) -> None:
    seen: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            seen.append(record)

    extra = Keep()
    logs.ACCESS.addHandler(extra)
    try:
        logs.access("request", dict(FIELDS))
    finally:
        logs.ACCESS.removeHandler(extra)
    assert [r.__dict__.get("intent") for r in seen] == ["PillowIntent"]
    assert json.loads(stream.getvalue())["intent"] == "PillowIntent"  # and still written once


def test_a_filter_on_the_access_logger_is_respected(stream: io.StringIO) -> None:
    class DropAll(logging.Filter):
        def filter(self, record: logging.LogRecord) -> bool:
            return False

    dropper = DropAll()
    logs.ACCESS.addFilter(dropper)
    try:
        logs.access("request", dict(FIELDS))
    finally:
        logs.ACCESS.removeFilter(dropper)
    assert stream.getvalue() == ""


def test_a_broken_log_stream_does_not_fail_the_request(monkeypatch: pytest.MonkeyPatch) -> None:
    class Broken(io.StringIO):
        def write(self, text: str) -> int:
            raise OSError("disk full")

    logs.configure("INFO", stream=Broken())
    monkeypatch.setattr(logging, "raiseExceptions", False)  # as in production
    try:
        logs.access("request", dict(FIELDS))  # must not raise
    finally:
        logs.configure("WARNING", stream=io.StringIO())


def test_a_replaced_formatter_is_used_for_the_access_line(stream: io.StringIO) -> None:
    handler = logging.getLogger("hiprest").handlers[0]

    class Plain(logging.Formatter):
        def format(self, record: logging.LogRecord) -> str:
            return f"plain {record.getMessage()} {record.__dict__.get('intent')}"

    handler.setFormatter(Plain())
    logs.access("request", dict(FIELDS))
    assert stream.getvalue() == "plain request PillowIntent\n"


def test_when_the_app_logger_propagates_the_root_handlers_see_the_line(
    stream: io.StringIO,
) -> None:
    seen: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            seen.append(record.name)

    root, app = logging.getLogger(), logging.getLogger("hiprest")
    keep = Keep()
    root.addHandler(keep)
    app.propagate = True
    try:
        logs.access("request", dict(FIELDS))
    finally:
        app.propagate = False
        root.removeHandler(keep)
    assert seen == ["hiprest.access"]
