"""Outbound HTTP to Alexa's APIs with a hard deadline (stdlib only).

A socket timeout alone is per read: a server that drips a byte every quarter
second never trips it and can hold a request past Alexa's 8 s. Here the whole
exchange runs on a worker thread that stops reading at the deadline, and the
caller stops waiting at the deadline, whatever the server does. No redirects
are followed (a redirect is an answer, not an invitation), and bodies are capped.
"""

from __future__ import annotations

import re
import threading
import time
from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import urllib.request

# The only hosts Alexa names as apiEndpoint (North America, Europe, Far East). The
# request's apiEndpoint is attacker-controlled whenever verification is off or a
# proxy rewrites bodies, and the user's API token goes wherever it points.
# Whole-string matches: scheme, exact host, optional port 443, nothing after but "/".
# No user info, no other port, no path: a prefix or "contains" test would let
# ``http://127.0.0.1.attacker.example`` or ``https://api.amazonalexa.com@evil`` through.
_AMAZON_RE = re.compile(r"https://(api(?:\.eu|\.fe)?\.amazonalexa\.com)(?::443)?/?", re.IGNORECASE)
# A fake may sit under a path (tests serve several behaviours from one server).
_LOOPBACK_RE = re.compile(r"http://(?:127\.0\.0\.1|localhost|\[::1\])(?::[0-9]{1,5})?(?:/[!-~]*)?")


def allowed_base(base: str | None, *, loopback: bool = False) -> str | None:
    """The API root without a trailing slash, or None if it is not one we may call.

    Exactly ``https://<Amazon API host>``. ``loopback=True`` also admits
    ``http://127.0.0.1``, ``localhost`` or ``[::1]`` on any port: only for a fake
    a test injects explicitly, never inferred from the URL itself.
    """
    if not isinstance(base, str):
        return None
    amazon = _AMAZON_RE.fullmatch(base)
    if amazon is not None:
        return f"https://{amazon.group(1).lower()}"
    if loopback and _LOOPBACK_RE.fullmatch(base):
        return base.rstrip("/")
    return None


def api_root(configured: str | None, requested: str | None, *, loopback: bool) -> str | None:
    """Where a client calls: its own configured root (an explicit constructor
    argument, so loopback is fine) or else the request's apiEndpoint."""
    if configured:
        return allowed_base(configured, loopback=True)
    return allowed_base(requested, loopback=loopback)


class DeadlineExceeded(TimeoutError):
    """The upstream did not finish within the deadline."""


@cache
def _opener() -> urllib.request.OpenerDirector:
    # Imported on first use: urllib.request (with http.client and email) is tens of ms
    # of a Lambda cold start, and most turns never call out.
    import urllib.request

    class _NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: Any, **kwargs: Any) -> None:
            return None

    return urllib.request.build_opener(_NoRedirect)


def _exchange(
    request: urllib.request.Request, timeout: float, deadline: float, max_bytes: int
) -> tuple[int, bytes]:
    import urllib.error

    try:
        response = _opener().open(request, timeout=timeout)
    except urllib.error.HTTPError as exc:
        return int(exc.code), b""
    with response:
        data = bytearray()
        while len(data) <= max_bytes:
            if time.monotonic() > deadline:
                raise DeadlineExceeded("upstream too slow")
            chunk = response.read1(8192)
            if not chunk:
                break
            data += chunk
        return int(response.status), bytes(data[:max_bytes])


def request(
    method: str,
    url: str,
    *,
    headers: dict[str, str],
    body: bytes | None = None,
    timeout: float,
    max_bytes: int = 64 * 1024,
) -> tuple[int, bytes]:
    """(status, body) within ``timeout`` seconds in all, or OSError/DeadlineExceeded."""
    import urllib.request

    deadline = time.monotonic() + timeout
    req = urllib.request.Request(url, data=body, headers=headers, method=method)
    outcome: dict[str, Any] = {}

    def work() -> None:
        try:
            outcome["value"] = _exchange(req, timeout, deadline, max_bytes)
        except BaseException as exc:  # handed to the caller's thread
            outcome["error"] = exc

    worker = threading.Thread(target=work, name="hiprest-http", daemon=True)
    worker.start()
    worker.join(timeout)
    if worker.is_alive():
        # The worker gives up by itself at its next read; nobody waits for it.
        raise DeadlineExceeded("upstream too slow")
    error = outcome.get("error")
    if error is not None:
        if isinstance(error, OSError | ValueError):
            raise error
        raise OSError(f"upstream failed: {type(error).__name__}")
    value: tuple[int, bytes] = outcome["value"]
    return value
