"""Reading a request body with a size cap and one deadline (stdlib only, no Flask).

A client that announces a body and sends a byte a second holds whichever thread
reads it: gunicorn has no body-read timeout, and a socket timeout is per read,
so a drip never trips it. Here a single watchdog thread per process shuts the
read side of the connection at the deadline, which ends the blocked read at once
(the response can still be written). Chunked bodies are counted as they arrive,
so one over the limit is refused (413) rather than cut short and misread as JSON.
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import os
import socket
import threading
import time
from collections.abc import Mapping
from typing import Any

READ_CHUNK = 64 * 1024


class BodyError(Exception):
    """The body could not be read as sent (HTTP ``status``)."""

    status = 400
    message = "malformed body"


class BodyTooLarge(BodyError):
    status = 413
    message = "request entity too large"


class BodyTimeout(BodyError):
    status = 408
    message = "request timeout"


class _Watchdog:
    """One thread per process: shuts a socket's read side when its deadline passes."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._heap: list[tuple[float, int]] = []
        self._armed: dict[int, socket.socket] = {}
        self._fired: set[int] = set()
        self._ids = itertools.count()
        self._pid = -1

    def arm(self, sock: socket.socket, timeout_s: float) -> int:
        with self._cond:
            if self._pid != os.getpid():  # first use, or a forked child: own thread
                self._pid = os.getpid()
                self._heap, self._armed, self._fired = [], {}, set()
                threading.Thread(
                    target=self._run, name="hiprest-body-deadline", daemon=True
                ).start()
            handle = next(self._ids)
            self._armed[handle] = sock
            heapq.heappush(self._heap, (time.monotonic() + timeout_s, handle))
            self._cond.notify()
            return handle

    def disarm(self, handle: int) -> bool:
        """Stop watching; True if the deadline had already fired."""
        with self._cond:
            self._armed.pop(handle, None)
            if handle in self._fired:
                self._fired.discard(handle)
                return True
            return False

    def _run(self) -> None:
        pid = os.getpid()
        with self._cond:
            while self._pid == pid:
                while self._heap and self._heap[0][1] not in self._armed:
                    heapq.heappop(self._heap)  # disarmed: nothing to do
                if not self._heap:
                    self._cond.wait()
                    continue
                due, handle = self._heap[0]
                wait = due - time.monotonic()
                if wait > 0:
                    self._cond.wait(wait)
                    continue
                heapq.heappop(self._heap)
                sock = self._armed.pop(handle)
                self._fired.add(handle)
                # Already closed by the client: the read ends anyway.
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RD)


_WATCHDOG = _Watchdog()


def _content_length(environ: Mapping[str, Any]) -> int | None:
    raw = environ.get("CONTENT_LENGTH")
    if raw in (None, ""):
        return None
    text = str(raw).strip()
    if not text.isdigit():
        raise BodyError("bad Content-Length")
    return int(text)


def read_body(environ: Mapping[str, Any], max_bytes: int, timeout_s: float) -> bytes:
    """The whole body, or BodyTooLarge / BodyTimeout / BodyError.

    The deadline needs the connection's socket, which gunicorn hands over as
    ``gunicorn.socket``; other servers (the dev server, test clients) get the
    size cap only.
    """
    length = _content_length(environ)
    if length is not None and length > max_bytes:
        raise BodyTooLarge("Content-Length over the limit")
    stream = environ.get("wsgi.input")
    if stream is None or length == 0:
        return b""
    if length is None and not environ.get("wsgi.input_terminated"):
        return b""  # no framing: WSGI says there is no body to read
    sock = environ.get("gunicorn.socket")
    handle = _WATCHDOG.arm(sock, timeout_s) if isinstance(sock, socket.socket) else None
    data: bytes | None = None
    failure = ""
    try:
        data = _read(stream, length, max_bytes)
    except BodyTooLarge:
        raise
    except Exception as exc:  # a cut connection, a broken chunk: the body is unusable
        failure = type(exc).__name__
    finally:
        fired = _WATCHDOG.disarm(handle) if handle is not None else False
    if fired:
        raise BodyTimeout("body not received in time")
    if data is None:
        raise BodyError(failure)
    if length is not None and len(data) < length:
        raise BodyError("body shorter than Content-Length")
    return data


def _read(stream: Any, length: int | None, max_bytes: int) -> bytes:
    if length is not None:
        return bytes(stream.read(length))
    parts: list[bytes] = []
    total = 0
    while True:
        chunk = stream.read(READ_CHUNK)
        if not chunk:
            return b"".join(parts)
        total += len(chunk)
        if total > max_bytes:
            raise BodyTooLarge("chunked body over the limit")
        parts.append(bytes(chunk))
