"""A fake Alexa API on 127.0.0.1 (threaded http.server): the Reminders API and the
progressive-response directives endpoint. Tests script its answers and read what
it received; nothing leaves the machine."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: Any


@dataclass
class FakeAlexa:
    # Scripted answers: path prefix -> (status, body bytes); "delay" sleeps first.
    status: dict[str, int] = field(default_factory=dict)
    raw: dict[str, bytes] = field(default_factory=dict)
    delay: float = 0.0
    alerts: dict[str, dict[str, Any]] = field(default_factory=dict)
    received: list[Received] = field(default_factory=list)
    url: str = ""
    _next: int = 1

    def calls(self, method: str, prefix: str = "/v1/alerts/reminders") -> list[Received]:
        return [r for r in self.received if r.method == method and r.path.startswith(prefix)]

    def directives(self, wait: float = 2.0) -> list[Received]:
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            found = self.calls("POST", "/v1/directives")
            if found:
                return found
            time.sleep(0.01)
        return []

    # -- the server side -------------------------------------------------------------

    def answer(self, method: str, path: str, body: Any) -> tuple[int, bytes]:
        for prefix, status in self.status.items():
            if path.startswith(prefix) and method in ("GET", "POST", "DELETE"):
                return status, self.raw.get(prefix, b'{"code": "ERROR"}')
        for prefix, raw in self.raw.items():
            if path.startswith(prefix):
                return 200, raw
        if path == "/v1/directives":
            return 204, b""
        if path == "/v1/alerts/reminders" and method == "POST":
            token = f"alert-{self._next}"
            self._next += 1
            self.alerts[token] = {**body, "alertToken": token, "status": "ON"}
            return 201, json.dumps({"alertToken": token, "status": "ON"}).encode()
        if path == "/v1/alerts/reminders" and method == "GET":
            payload = {"totalCount": str(len(self.alerts)), "alerts": list(self.alerts.values())}
            return 200, json.dumps(payload).encode()
        if path.startswith("/v1/alerts/reminders/") and method == "DELETE":
            token = path.rsplit("/", 1)[1]
            return (200, b"") if self.alerts.pop(token, None) is not None else (404, b"")
        return 404, b""


def _handler(fake: FakeAlexa) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            try:
                body = json.loads(raw) if raw else None
            except ValueError:
                body = raw
            fake.received.append(Received(self.command, self.path, dict(self.headers), body))
            if fake.delay:
                time.sleep(fake.delay)
            status, out = fake.answer(self.command, self.path, body)
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(out)))
                self.end_headers()
                self.wfile.write(out)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (timeout tests)

        do_GET = do_POST = do_DELETE = _serve

        def log_message(self, *args: Any) -> None:
            pass

    return Handler


@contextmanager
def fake_alexa() -> Iterator[FakeAlexa]:
    fake = FakeAlexa()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake))
    server.daemon_threads = True
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
