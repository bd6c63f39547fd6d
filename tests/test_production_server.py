"""The real production server process (gunicorn via skill.server) under slow and
malformed clients, and its refusal to start with request checks turned off.

Loopback only; every client here is bounded in time and stops by itself.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from skill import envelopes
from skill.envelopes import Caller
from tests.support.certs import TestPki, make_pki, sign_b64, to_pem
from tests.support.servers import REPO, Server, http_call, running_server, server_env

SKILL_ID = "amzn1.ask.skill.11111111-2222-4333-8444-555555555555"
CERT_URL = "https://s3.amazonaws.com/echo.api/echo-api-cert-12.pem"
NOW = datetime(2026, 3, 10, 7, 30, tzinfo=UTC)
DRIPPERS = 10

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def pki() -> TestPki:
    return make_pki(NOW)


@pytest.fixture
def server(tmp_path: Path, pki: TestPki) -> Iterator[Server]:
    root, chain = tmp_path / "root.pem", tmp_path / "chain.pem"
    root.write_bytes(to_pem(pki.root))
    chain.write_bytes(pki.chain_pem())
    env = server_env(
        tmp_path / "data",
        HIPREST_SKILL_ID=SKILL_ID,
        TEST_ROOT_PEM=str(root),
        TEST_CHAIN_PEM=str(chain),
        TEST_NOW=NOW.isoformat(),
    )
    # One worker: the fewest threads an attacker has to occupy.
    with running_server(
        env, workers=1, log_path=tmp_path / "server.log", module="tests.support.prod_server"
    ) as running:
        yield running


def _signed_launch(pki: TestPki) -> tuple[bytes, dict[str, str]]:
    body = json.dumps(envelopes.launch(Caller(application_id=SKILL_ID), NOW)).encode()
    headers = {
        "SignatureCertChainUrl": CERT_URL,
        "Signature-256": sign_b64(pki.leaf_key, body),
        "Content-Type": "application/json",
    }
    return body, headers


class Dripper(threading.Thread):
    """Announces a 2,000-byte body and sends one byte every 0.25 s, for at most
    ``for_s`` seconds; records what the server answered, if anything."""

    def __init__(self, port: int, for_s: float) -> None:
        super().__init__(daemon=True)
        self.port, self.for_s = port, for_s
        self.answer = b""
        self.connected = threading.Event()

    def run(self) -> None:
        stop = time.monotonic() + self.for_s
        with socket.create_connection(("127.0.0.1", self.port), timeout=1.0) as sock:
            sock.sendall(
                b"POST /alexa HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                b"Content-Type: application/json\r\nContent-Length: 2000\r\n\r\n{"
            )
            self.connected.set()
            try:
                while time.monotonic() < stop:
                    sock.sendall(b" ")
                    time.sleep(0.25)
                    self.answer += _read_some(sock)
                    if self.answer:
                        return
            except OSError:  # cut off by the server
                pass
            self.answer += _read_some(sock)


def _read_some(sock: socket.socket) -> bytes:
    sock.settimeout(0.01)
    try:
        return sock.recv(4096)
    except (TimeoutError, BlockingIOError):
        return b""
    except OSError:
        return b""


def test_slow_clients_cannot_hold_the_workers(server: Server, pki: TestPki) -> None:
    drippers = [Dripper(server.port, for_s=6.0) for _ in range(DRIPPERS)]
    for dripper in drippers:
        dripper.start()
    for dripper in drippers:
        assert dripper.connected.wait(5)
    time.sleep(0.5)  # every dripper is now mid-body, on a server thread
    body, headers = _signed_launch(pki)
    started = time.monotonic()
    answer = http_call(server.port, "POST", "/alexa", body, headers, timeout=5)
    signed_s = time.monotonic() - started
    started = time.monotonic()
    health = http_call(server.port, "GET", "/healthz", timeout=5)
    health_s = time.monotonic() - started
    for dripper in drippers:
        dripper.join(10)
    assert answer.status == 200, answer.body[:200]
    assert "outputSpeech" in answer.json()["response"]
    assert signed_s < 1.0
    assert health.status == 200 and health_s < 1.0
    # And each dripper was cut off at the body deadline, with a JSON 408.
    cut = [d.answer.split(b"\r\n", 1)[0] for d in drippers]
    assert cut == [b"HTTP/1.1 408 REQUEST TIMEOUT"] * DRIPPERS, cut
    assert json.loads(drippers[0].answer.partition(b"\r\n\r\n")[2]) == {"error": "request timeout"}


def test_a_chunked_body_over_the_limit_is_413(server: Server) -> None:
    body = b'{"pad": "' + b"x" * (200 * 1024) + b'"}'

    def chunks() -> Iterator[bytes]:
        for i in range(0, len(body), 8192):
            yield body[i : i + 8192]

    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        conn.request(
            "POST",
            "/alexa",
            body=chunks(),
            headers={"Content-Type": "application/json", "Transfer-Encoding": "chunked"},
            encode_chunked=True,
        )
        response = conn.getresponse()
        status, data = response.status, response.read()
    finally:
        conn.close()
    assert status == 413
    assert json.loads(data) == {"error": "request entity too large"}


def test_gunicorns_own_error_pages_are_json_like_the_apps(server: Server) -> None:
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        sock.sendall(b"THIS IS NOT HTTP\r\n\r\n")
        raw = b""
        while b"\r\n\r\n" not in raw or not raw.endswith(b"}"):
            chunk = sock.recv(4096)
            if not chunk:
                break
            raw += chunk
    head, _, body = raw.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400 ")
    assert b"Content-Type: application/json" in head
    assert json.loads(body) == {"error": "bad request"}


def test_readyz_answers_from_the_real_server(server: Server) -> None:
    answer = http_call(server.port, "GET", "/readyz")
    assert answer.status == 200 and answer.json() == {"status": "ready"}


# -- verification off needs an explicit flag ------------------------------------------


@pytest.mark.parametrize(
    "env_extra",
    [
        {"HIPREST_DEV": "1"},
        {"HIPREST_SKILL_ID": SKILL_ID, "HIPREST_VERIFY_REQUESTS": "0"},
        {"HIPREST_SKILL_ID": SKILL_ID, "HIPREST_VERIFY_TIMESTAMP_DEBUG": "1"},
        {"HIPREST_SKILL_ID": SKILL_ID, "HIPREST_REQUIRE_SIGNATURE_256": "0"},
    ],
)
def test_production_server_refuses_to_start_with_checks_off(
    tmp_path: Path, env_extra: dict[str, str]
) -> None:
    args = [sys.executable, "-m", "skill", "serve", "--host", "127.0.0.1", "--port", "9"]
    done = subprocess.run(
        args,
        cwd=REPO,
        env=server_env(tmp_path / "data", **env_extra),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "refusing to run the production server" in done.stderr
    assert "--insecure-no-verify" in done.stderr
    assert "Traceback" not in done.stderr


def test_with_the_flag_it_starts_warns_once_per_check_and_mounts_no_simulator(
    tmp_path: Path,
) -> None:
    env = server_env(tmp_path / "data", HIPREST_DEV="1")
    with running_server(
        env, workers=1, log_path=tmp_path / "server.log", extra_args=["--insecure-no-verify"]
    ) as running:
        page = http_call(running.port, "GET", "/")
        simulate = http_call(
            running.port,
            "POST",
            "/api/simulate",
            b'{"text": "hello"}',
            {"Content-Type": "application/json"},
        )
        log_text = running.log_text()
    assert page.status == 404 and simulate.status == 404
    warnings = [line for line in log_text.splitlines() if "INSECURE:" in line]
    assert len(warnings) == 3, warnings
    assert any("signature" in line for line in warnings)
    assert any("timestamp" in line for line in warnings)
    assert any("application id" in line for line in warnings)
    assert all("WARNING" in line or '"warning"' in line.lower() for line in warnings)
