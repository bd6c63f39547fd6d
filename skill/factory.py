"""Assemble dependencies from settings. Flask-free, so Lambda can use it."""

from __future__ import annotations

from skill.alexa_api import SettingsClient
from skill.builder import build_skill
from skill.content import default_library
from skill.deps import Deps
from skill.runtime import SkillRuntime
from skill.settings import Settings
from skill.store import open_store
from skill.store.base import UserStore


def make_store(settings: Settings) -> UserStore:
    if settings.store == "dynamodb":
        return open_store(
            "dynamodb",
            table_name=settings.dynamodb_table,
            region=settings.dynamodb_region,
            endpoint_url=settings.dynamodb_endpoint_url,
        )
    return open_store("sqlite", path=settings.sqlite_path)


def make_deps(settings: Settings, store: UserStore | None = None) -> Deps:
    # Dev runs (chat console, simulator) carry a made-up apiAccessToken: no Settings API
    # call there, the user's day is UTC. Tests pass their own client to a 127.0.0.1 fake.
    apis: dict[str, object] = {} if settings.dev else {"timezone": SettingsClient()}
    deps = Deps(
        settings=settings,
        store=store if store is not None else make_store(settings),
        content=default_library(),
        apis=dict(apis),
    )
    if settings.dev:
        # The one clock seam for chat, serve --dev and the simulator: --now / --tz pin
        # it, and a simulator request may replay another moment (skill/devclock.py).
        from skill.devclock import DevClock

        clock = DevClock(settings.pinned_now, settings.user_zone)
        deps.clock, deps.zone = clock, clock.zone
    return deps


def make_runtime(settings: Settings, deps: Deps | None = None) -> SkillRuntime:
    return SkillRuntime(build_skill(deps if deps is not None else make_deps(settings)))
