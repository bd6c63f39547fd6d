"""gunicorn's threaded worker with its own error pages in the app's JSON shape.

Requests gunicorn refuses before the app sees them (a garbled request line,
headers too large, a broken chunk) got an HTML page; clients and probes of this
endpoint expect ``{"error": "..."}`` like every other answer. The worker's
``handle_error`` still decides the status (and logs); only the page it writes is
replaced.
"""

from __future__ import annotations

import json
from typing import Any

from gunicorn import util
from gunicorn.workers.gthread import ThreadWorker


class _Captured:
    """Stands in for the client socket while gunicorn writes its error page."""

    def __init__(self) -> None:
        self.data = b""

    def gettimeout(self) -> float:
        return 0.0  # "non-blocking already": write straight to sendall

    def sendall(self, data: bytes) -> None:
        self.data += data


def json_error_page(html_page: bytes) -> bytes:
    """The same status line, a JSON body ``{"error": "<reason>"}``."""
    status_line = html_page.split(b"\r\n", 1)[0].decode("latin-1")
    parts = status_line.split(" ", 2)
    code = parts[1] if len(parts) > 1 and parts[1].isdigit() else "400"
    reason = parts[2] if len(parts) > 2 else "Bad Request"
    body = json.dumps({"error": reason.lower()}).encode()
    head = (
        f"HTTP/1.1 {code} {reason}\r\n"
        "Connection: close\r\n"
        "Content-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    return head.encode("latin-1") + body


class JsonErrorWorker(ThreadWorker):  # type: ignore[misc]
    def handle_error(self, req: Any, client: Any, addr: Any, exc: BaseException) -> None:
        captured = _Captured()
        super().handle_error(req, captured, addr, exc)
        if not captured.data:
            return
        try:
            util.write_nonblock(client, json_error_page(captured.data))
        except Exception:  # the client is gone: nothing to answer
            self.log.debug("Failed to send error message.")
