"""A small client for the Alexa Reminders API (create, list, delete), on urllib.

``{apiEndpoint}/v1/alerts/reminders`` with ``Authorization: Bearer {apiAccessToken}``.
Every failure becomes a :class:`RemindersError` whose ``kind`` the handler words
("permission" for 401/403, "rate" for 429, "server" for 5xx, "timeout",
"network", "junk" for an answer we cannot read, "refused" for other 4xx), so the
user always hears what happened. The transport is injectable; tests use a fake
server on 127.0.0.1. :class:`MemoryReminders` stands in on the development
console, where there is no Alexa to call.
"""

from __future__ import annotations

import itertools
import json
import logging
import socket
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from skill import http

TIMEOUT_S = 3.0
MAX_BODY = 256 * 1024
PATH = "/v1/alerts/reminders"
log = logging.getLogger("hiprest.reminders_api")

ErrorKind = Literal["permission", "rate", "server", "timeout", "network", "junk", "refused"]
# (method, url, headers, body or None, timeout) -> (status, body). Raises OSError on failure.
Transport = Callable[[str, str, dict[str, str], bytes | None, float], tuple[int, bytes]]


class RemindersError(Exception):
    def __init__(self, kind: ErrorKind, status: int | None = None) -> None:
        super().__init__(f"reminders API: {kind}" + (f" ({status})" if status else ""))
        self.kind: ErrorKind = kind
        self.status = status


def urllib_transport(
    method: str, url: str, headers: dict[str, str], body: bytes | None, timeout: float
) -> tuple[int, bytes]:
    return http.request(
        method, url, headers=headers, body=body, timeout=timeout, max_bytes=MAX_BODY
    )


class Reminders(Protocol):
    """What the handler needs; ``base``/``token`` come from the request."""

    def create(self, base: str | None, token: str | None, body: dict[str, Any]) -> str: ...

    def list(self, base: str | None, token: str | None) -> dict[str, Any]: ...

    def delete(self, base: str | None, token: str | None, alert_token: str) -> None: ...


def _classify(status: int) -> ErrorKind:
    if status in (401, 403):
        return "permission"
    if status == 429:
        return "rate"
    if status >= 500:
        return "server"
    return "refused"


@dataclass
class RemindersClient:
    """The real API. ``base`` overrides the request's apiEndpoint (tests);
    ``allow_loopback`` lets the request's apiEndpoint name a fake on this machine."""

    base: str | None = None
    timeout: float = TIMEOUT_S
    transport: Transport = field(default=urllib_transport)
    allow_loopback: bool = False

    def _call(
        self,
        method: str,
        base: str | None,
        token: str | None,
        path: str,
        payload: dict[str, Any] | None = None,
    ) -> tuple[int, bytes]:
        root = http.api_root(self.base, base, loopback=self.allow_loopback)
        if root is None:
            raise RemindersError("network")
        if not token:
            raise RemindersError("permission")
        headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        data = None
        if payload is not None:
            data = json.dumps(payload).encode("utf-8")
            headers["Content-Type"] = "application/json"
        try:
            status, body = self.transport(method, root + path, headers, data, self.timeout)
        except TimeoutError:
            log.warning("reminders API timed out", extra={"method": method})
            raise RemindersError("timeout") from None
        except (OSError, ValueError) as exc:
            reason = getattr(exc, "reason", None)
            if isinstance(reason, (TimeoutError, socket.timeout)):
                raise RemindersError("timeout") from None
            log.warning("reminders API unreachable", extra={"error_type": type(exc).__name__})
            raise RemindersError("network") from None
        if not 200 <= status < 300:
            log.warning("reminders API refused", extra={"method": method, "status": status})
            raise RemindersError(_classify(status), status)
        return status, body

    @staticmethod
    def _json(body: bytes) -> dict[str, Any]:
        try:
            data = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise RemindersError("junk") from None
        if not isinstance(data, dict):
            raise RemindersError("junk")
        return data

    def create(self, base: str | None, token: str | None, body: dict[str, Any]) -> str:
        _, raw = self._call("POST", base, token, PATH, body)
        alert = self._json(raw).get("alertToken")
        if not isinstance(alert, str) or not alert:
            raise RemindersError("junk")
        return alert

    def list(self, base: str | None, token: str | None) -> dict[str, Any]:
        _, raw = self._call("GET", base, token, PATH)
        return self._json(raw)

    def delete(self, base: str | None, token: str | None, alert_token: str) -> None:
        path = f"{PATH}/{urllib.parse.quote(alert_token, safe='')}"
        self._call("DELETE", base, token, path)


@dataclass
class MemoryReminders:
    """In-process stand-in for the console and simulator (no consent needed)."""

    alerts: dict[str, dict[str, Any]] = field(default_factory=dict)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def create(self, base: str | None, token: str | None, body: dict[str, Any]) -> str:
        alert_token = f"dev-reminder-{next(self._ids)}"
        self.alerts[alert_token] = {**body, "alertToken": alert_token, "status": "ON"}
        return alert_token

    def list(self, base: str | None, token: str | None) -> dict[str, Any]:
        return {"totalCount": str(len(self.alerts)), "alerts": list(self.alerts.values())}

    def delete(self, base: str | None, token: str | None, alert_token: str) -> None:
        if self.alerts.pop(alert_token, None) is None:
            raise RemindersError("refused", 404)
