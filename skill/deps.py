"""What the skill is built from. Passed in, never imported as globals, so tests
can hand in a temporary store, a fixed clock and a fake Alexa API."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from skill.content import ContentLibrary
from skill.settings import Settings
from skill.store.base import UserStore


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Deps:
    settings: Settings
    store: UserStore
    content: ContentLibrary
    clock: Callable[[], datetime] = utc_now
    # The user's time zone when a development run fixes it (--tz, the simulator's zone
    # field); None asks the Settings API as production does. See skill/devclock.py.
    zone: Callable[[], ZoneInfo | None] | None = None
    log: logging.Logger = field(default_factory=lambda: logging.getLogger("hiprest"))
    # Variants chosen from a per-request seed: deterministic replay in tests and logs.
    seeded: bool = True
    # Clients for Alexa's own APIs (Settings, Reminders, directives) by name; capability
    # modules add theirs with a default so tests can pass a fake.
    apis: dict[str, Any] = field(default_factory=dict)
