"""A small client for the Alexa Settings API (the device's time zone), on urllib.

``GET {apiEndpoint}/v2/devices/{deviceId}/settings/System.timeZone`` with
``Authorization: Bearer {apiAccessToken}`` answers a JSON string such as
``"Europe/London"``. Every failure (timeout, HTTP error, junk, an unknown zone
name) gives ``None``: the caller falls back to UTC and the request goes on.
The transport is injectable so tests use a fake server on 127.0.0.1.
"""

from __future__ import annotations

import json
import logging
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from skill import http

if TYPE_CHECKING:
    from skill.turn import Turn

DEFAULT_TIMEOUT_S = 1.5
MAX_BODY = 4096  # a zone name is tiny; never read an unbounded answer

# (url, headers, timeout seconds) -> (status, body). Raises OSError on network failure.
Transport = Callable[[str, dict[str, str], float], tuple[int, bytes]]

log = logging.getLogger("hiprest.alexa_api")


def urllib_transport(url: str, headers: dict[str, str], timeout: float) -> tuple[int, bytes]:
    # A hard deadline for the whole exchange, not just each socket read.
    return http.request("GET", url, headers=headers, timeout=timeout, max_bytes=MAX_BODY)


def valid_zone(name: object) -> str | None:
    if not isinstance(name, str) or not name or len(name) > 64:
        return None
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None
    return name


@dataclass
class SettingsClient:
    """Time zone lookups. ``base`` overrides the request's apiEndpoint (tests);
    ``allow_loopback`` lets the request's apiEndpoint name a fake on this machine."""

    base: str | None = None
    timeout: float = DEFAULT_TIMEOUT_S
    transport: Transport = field(default=urllib_transport)
    allow_loopback: bool = False

    def time_zone(
        self, api_endpoint: str | None, device_id: str | None, token: str | None
    ) -> str | None:
        base = http.api_root(self.base, api_endpoint, loopback=self.allow_loopback)
        if not base or not device_id or not token:
            return None
        url = (
            f"{base.rstrip('/')}/v2/devices/{urllib.parse.quote(device_id, safe='')}"
            "/settings/System.timeZone"
        )
        headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        try:
            status, body = self.transport(url, headers, min(self.timeout, DEFAULT_TIMEOUT_S))
        except (OSError, ValueError) as exc:  # timeouts are OSError (socket.timeout)
            log.warning("time zone lookup failed", extra={"error_type": type(exc).__name__})
            return None
        if status != 200:
            log.warning("time zone lookup refused", extra={"status": status})
            return None
        try:
            name = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            log.warning("time zone lookup gave junk")
            return None
        zone = valid_zone(name)
        if zone is None:
            log.warning("time zone lookup gave an unknown zone")
        return zone

    def __call__(self, turn: Turn) -> str | None:
        """The ``apis["timezone"]`` lookup: reads endpoint, device and token from the request."""
        system = getattr(getattr(turn.hi.request_envelope, "context", None), "system", None)
        device = getattr(system, "device", None)
        return self.time_zone(
            getattr(system, "api_endpoint", None),
            getattr(device, "device_id", None),
            getattr(system, "api_access_token", None),
        )
