"""The outbound HTTP helper keeps its deadline whatever the server does."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from skill import http


class _Upstream(BaseHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        if self.path == "/drip":
            self.send_response(200)
            self.send_header("Content-Length", "1000")
            self.end_headers()
            for _ in range(1000):
                self.wfile.write(b"x")
                self.wfile.flush()
                time.sleep(0.1)
        elif self.path == "/redirect":
            self.send_response(302)
            self.send_header("Location", "/ok")
            self.end_headers()
        elif self.path == "/big":
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"y" * 100_000)
        else:
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b'"Europe/London"')


@pytest.fixture(scope="module")
def upstream() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Upstream)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_dripping_server_is_cut_off_at_the_deadline(upstream: str) -> None:
    started = time.monotonic()
    with pytest.raises(http.DeadlineExceeded):
        http.request("GET", upstream + "/drip", headers={}, timeout=0.5)
    assert time.monotonic() - started < 1.0


def test_redirect_is_returned_not_followed(upstream: str) -> None:
    status, body = http.request("GET", upstream + "/redirect", headers={}, timeout=2)
    assert status == 302
    assert body == b""


def test_body_is_capped(upstream: str) -> None:
    _, body = http.request("GET", upstream + "/big", headers={}, timeout=2, max_bytes=1000)
    assert len(body) == 1000


def test_normal_answer_comes_back_whole(upstream: str) -> None:
    assert http.request("GET", upstream + "/ok", headers={}, timeout=2) == (200, b'"Europe/London"')


def test_refused_connection_is_an_oserror() -> None:
    with pytest.raises(OSError):
        http.request("GET", "http://127.0.0.1:9/", headers={}, timeout=1)
