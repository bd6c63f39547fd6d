"""The clock seam for development runs: ``hiprest chat --now … --tz …``, ``serve --dev``
and the simulator page can set "now" and the user's time zone, so a person (or a test)
can replay "tomorrow morning" and hear trends and summaries without editing the store.

Production never uses this: :class:`skill.settings.Settings` refuses ``HIPREST_NOW`` and
``HIPREST_TZ`` unless dev mode is on, and the Lambda entry refuses them outright.
No Flask, no ask-sdk: the factory hands a :class:`DevClock` to ``Deps``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

# One simulator request may replay another moment; a context variable keeps that to the
# request's own thread (the dev server is threaded, several tabs may talk at once).
_REPLAY: ContextVar[tuple[datetime, ZoneInfo | None] | None] = ContextVar(
    "hiprest_replay", default=None
)


class ClockError(ValueError):
    """A "now" or time zone a person typed that cannot be used; the text says why."""


def parse_zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name.strip())
    except (ZoneInfoNotFoundError, ValueError):
        raise ClockError(
            f"unknown time zone {name!r} (use an IANA name like Europe/London)"
        ) from None


def parse_now(text: str, zone: ZoneInfo | None = None) -> datetime:
    """An ISO date-time (``2026-12-02T07:30``, seconds and offset optional). Without an
    offset it is read as wall-clock time in ``zone`` (UTC when none), because "seven
    thirty tomorrow morning" means the user's morning."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ClockError(
            f"cannot read {text!r} as a date and time (use e.g. 2026-12-02T07:30)"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone or UTC)
    return moment.astimezone(UTC)


def _real_now() -> datetime:
    return datetime.now(UTC)


class DevClock:
    """"Now" for a development run: the real time, or a pinned start that then runs on
    (a routine's resume window and a session's turns still move forward), and a fixed
    user time zone when one was given (instead of the Settings API, which dev runs
    cannot call)."""

    def __init__(
        self,
        start: datetime | None = None,
        zone: ZoneInfo | None = None,
        *,
        real_now: Callable[[], datetime] = _real_now,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        if start is not None and start.tzinfo is None:
            raise ClockError("a pinned start needs a time zone")
        self.start = start
        self.fixed_zone = zone
        self._real_now = real_now
        self._monotonic = monotonic
        self._t0 = monotonic()

    def __call__(self) -> datetime:
        replay = _REPLAY.get()
        if replay is not None:
            return replay[0]
        if self.start is None:
            return self._real_now()
        return self.start + timedelta(seconds=self._monotonic() - self._t0)

    def zone(self) -> ZoneInfo | None:
        """The user's time zone when fixed for this run (or replayed request), else None."""
        replay = _REPLAY.get()
        if replay is not None and replay[1] is not None:
            return replay[1]
        return self.fixed_zone

    @contextmanager
    def replay(self, now: datetime | None, zone: ZoneInfo | None = None) -> Iterator[None]:
        """Within the block (one simulator request), "now" is ``now`` and the zone
        ``zone``; either may be None to keep the run's own."""
        if now is None and zone is None:
            yield
            return
        token = _REPLAY.set((now if now is not None else self(), zone))
        try:
            yield
        finally:
            _REPLAY.reset(token)
