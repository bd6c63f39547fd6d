"""Real server processes for end-to-end tests: ``python -m skill serve`` on 127.0.0.1.

Each server is started in its own process group and stopped by that group's id
only (gunicorn's master and the workers it forked), never by name.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Answer:
    status: int
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def http_call(
    port: int,
    method: str,
    path: str,
    body: bytes | None = None,
    headers: Mapping[str, str] | None = None,
    timeout: float = 10.0,
) -> Answer:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=dict(headers or {}))
        resp = conn.getresponse()
        return Answer(resp.status, resp.read())
    finally:
        conn.close()


@dataclass
class Server:
    port: int
    process: subprocess.Popen[bytes]
    log_path: Path

    def post(self, body: bytes, headers: Mapping[str, str] | None = None) -> Answer:
        merged = {"Content-Type": "application/json", **(headers or {})}
        return http_call(self.port, "POST", "/alexa", body, merged)

    def log_text(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")


# A weekday afternoon: the day voice, whatever the hour the suite runs at.
PINNED_NOW = "2026-12-02T15:00:00"


def server_env(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HIPREST_")}
    env["HIPREST_DATA_DIR"] = str(data_dir)
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra)
    return env


@contextmanager
def running_server(
    env: Mapping[str, str],
    *,
    dev: bool = False,
    workers: int = 1,
    log_path: Path,
    startup_timeout_s: float = 30.0,
    extra_args: Sequence[str] = (),
    module: str = "skill",
) -> Iterator[Server]:
    """``python -m <module> serve`` (``module`` may be a test launcher taking the
    same arguments) on a free loopback port, stopped by its process group."""
    port = free_port()
    args = [sys.executable, "-m", module, "serve", "--host", "127.0.0.1", "--port", str(port)]
    args += ["--dev"] if dev else ["--workers", str(workers)]
    args += list(extra_args)
    env = dict(env)
    env.setdefault("TZ", "UTC")
    if dev:
        # A dev server's clock is pinned (issue 18); production refuses a pinned clock.
        env.setdefault("HIPREST_NOW", PINNED_NOW)
        env.setdefault("HIPREST_TZ", "UTC")
    log = log_path.open("wb")
    process = subprocess.Popen(
        args,
        cwd=REPO,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        _wait_ready(port, process, startup_timeout_s, log_path)
        yield Server(port, process, log_path)
    finally:
        _stop(process)
        log.close()


def _wait_ready(port: int, process: subprocess.Popen[bytes], timeout_s: float, log: Path) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited early: {log.read_text(errors='replace')[-2000:]}")
        try:
            if http_call(port, "GET", "/healthz", timeout=1.0).status == 200:
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError("server did not become ready in time")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)
