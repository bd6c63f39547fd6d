"""Shared fixtures: a temporary store, a fixed clock, the real runtime and a
conversation through the development matcher (as the chat console uses)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from skill.builder import build_skill
from skill.content import default_library
from skill.conversation import Conversation
from skill.deps import Deps
from skill.envelopes import Caller
from skill.matcher import Matcher
from skill.models import load_model, slot_types
from skill.runtime import SkillRuntime
from skill.settings import Settings, load_settings
from skill.store.sqlite import SqliteStore
from skill.understanding.learned import production_matcher
from tests.support.dialog import FakeClock


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # Nothing a test does may touch the developer's real data directory.
    for key in list(__import__("os").environ):
        if key.startswith("HIPREST_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("HIPREST_DATA_DIR", str(tmp_path / "data"))


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return load_settings(dev=True, data_dir=tmp_path / "data")


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqliteStore]:
    s = SqliteStore(tmp_path / "store" / "hiprest.db")
    yield s
    s.close()


@pytest.fixture
def deps(settings: Settings, store: SqliteStore, clock: FakeClock) -> Deps:
    return Deps(settings=settings, store=store, content=default_library(), clock=clock)


@pytest.fixture
def runtime(deps: Deps) -> SkillRuntime:
    return SkillRuntime(build_skill(deps))


@pytest.fixture(scope="session")
def en_us_matcher() -> Matcher:
    return Matcher(load_model("en-US"))


def make_conversation(
    runtime: SkillRuntime, clock: FakeClock, locale: str = "en-US", **caller: object
) -> Conversation:
    model = load_model(locale)
    return Conversation(
        runtime=runtime,
        matcher=production_matcher(model),  # what the console and simulator use
        caller=Caller(locale=locale, **caller),  # type: ignore[arg-type]
        clock=clock,
        slot_types=slot_types(model),
    )


@pytest.fixture
def convo(runtime: SkillRuntime, clock: FakeClock) -> Conversation:
    return make_conversation(runtime, clock)
