"""Progressive responses: a short "One moment." while a slow Alexa API call runs.

``POST {apiEndpoint}/v1/directives`` with the request id and a ``VoicePlayer.Speak``
directive (Alexa's Progressive Response API). It is sent on a daemon thread with a
short timeout, so it can never delay or break the real answer; failures are only
logged. Alexa accepts at most five per request and only while the request is open;
we send at most one.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from skill import http
from skill.speech import plain

if TYPE_CHECKING:
    from skill.turn import Turn

TIMEOUT_S = 1.0
PATH = "/v1/directives"
log = logging.getLogger("hiprest.progressive")

# (url, headers, body, timeout) -> HTTP status; raises OSError on network failure.
Post = Callable[[str, dict[str, str], bytes, float], int]


def urllib_post(url: str, headers: dict[str, str], body: bytes, timeout: float) -> int:
    status, _ = http.request(
        "POST", url, headers=headers, body=body, timeout=timeout, max_bytes=1024
    )
    return status


def directive_body(request_id: str, text: str) -> dict[str, Any]:
    """The JSON the directives endpoint expects (text is escaped into SSML here)."""
    return {
        "header": {"requestId": request_id},
        "directive": {"type": "VoicePlayer.Speak", "speech": plain(text).ssml},
    }


@dataclass
class ProgressiveClient:
    """``apis["progressive"]``: ``client(turn, text)`` starts the call and returns the thread
    (None when there is nothing to send to). ``wait=True`` joins it (tests)."""

    timeout: float = TIMEOUT_S
    post: Post = field(default=urllib_post)
    wait: bool = False
    # Lets the request's apiEndpoint name a fake on this machine (tests only).
    allow_loopback: bool = False

    def send(
        self, base: str | None, token: str | None, request_id: str | None, text: str
    ) -> threading.Thread | None:
        root = http.allowed_base(base, loopback=self.allow_loopback)
        if root is None or not token or not request_id:
            return None
        body = json.dumps(directive_body(request_id, text)).encode("utf-8")
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

        def run() -> None:
            try:
                status = self.post(root + PATH, headers, body, self.timeout)
            except (OSError, ValueError) as exc:
                log.info("progressive response not sent", extra={"error_type": type(exc).__name__})
                return
            if status >= 300:
                log.info("progressive response refused", extra={"status": status})

        thread = threading.Thread(target=run, name="hiprest-progressive", daemon=True)
        thread.start()
        if self.wait:
            thread.join(self.timeout + 1)
        return thread

    def __call__(self, turn: Turn, text: str) -> threading.Thread | None:
        system = getattr(getattr(turn.hi.request_envelope, "context", None), "system", None)
        return self.send(
            getattr(system, "api_endpoint", None),
            getattr(system, "api_access_token", None),
            getattr(turn.request, "request_id", None),
            text,
        )


def one_moment(turn: Turn) -> None:
    """Say "One moment" now, if this deployment sends progressive responses.
    Never raises and never waits for the answer."""
    client = turn.deps.apis.get("progressive")
    if not callable(client):
        return
    try:
        client(turn, turn.voice.line("progressive.one_moment"))
    except Exception:  # a progressive response is a courtesy, never a failure
        log.warning("progressive response failed to start")
