"""The Turn's doc over a store that hands back parsed documents (DynamoDB, memory):
values are used as they are, and a namespace is snapshotted only when handed out."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from skill.builder import build_skill
from skill.content import default_library
from skill.deps import Deps
from skill.runtime import SkillRuntime
from skill.settings import Settings
from skill.store.memory import MemoryStore
from skill.store.patch import SetOp, diff, dumps
from skill.turn import _Doc
from tests.conftest import make_conversation
from tests.support.dialog import FakeClock

LOADED: dict[str, Any] = {
    "profile": {"v": 1, "painful_side": "left"},
    "checkin": {"v": 1, "days": {"2026-03-01": 4, "2026-03-02": 3}},
    "history": {"n1": {"at": "2026-03-01"}},
}


def _doc() -> _Doc:
    return _Doc.parsed(json.loads(json.dumps(LOADED)))


def test_a_namespace_never_handed_out_is_never_serialised() -> None:
    # A value json cannot dump would fail any snapshot: untouched, it costs nothing.
    doc = _Doc.parsed({"profile": {"v": 1}, "odd": {1, 2}})
    doc["profile"]["painful_side"] = "right"
    before, after = doc.changes()
    assert before == {"profile": {"v": 1}}
    assert after == {"profile": {"v": 1, "painful_side": "right"}}


HAND_OUTS: list[Callable[[_Doc], Any]] = [
    lambda d: d["checkin"],
    lambda d: d.get("checkin"),
    lambda d: d.setdefault("checkin", {}),
    lambda d: dict(d)["checkin"],
    lambda d: {**d}["checkin"],
    lambda d: dict(d.items())["checkin"],
    lambda d: next(v for v in d.values() if "days" in v),
    lambda d: d.copy()["checkin"],
]


@pytest.mark.parametrize("hand_out", HAND_OUTS)
def test_every_way_of_handing_out_snapshots_first_so_edits_are_seen(
    hand_out: Callable[[_Doc], Any],
) -> None:
    doc = _doc()
    checkin = hand_out(doc)
    checkin["days"]["2026-03-03"] = 5
    before, after = doc.changes()
    assert list(before) == ["checkin"] and list(after) == ["checkin"]
    assert diff(before, after) == [SetOp(("checkin", "days", "2026-03-03"), 5)]


def test_unchanged_hand_outs_and_pops_report_what_they_should() -> None:
    doc = _doc()
    assert doc["profile"] == LOADED["profile"]  # read, not changed
    doc.pop("history")
    before, after = doc.changes()
    assert before == {"history": LOADED["history"]} and after == {}


def test_after_a_save_unwritten_namespaces_keep_their_loaded_values() -> None:
    doc = _doc()
    doc["profile"]["painful_side"] = "both"
    fresh = doc.stored({"profile": dumps({"v": 1, "painful_side": "both"})})
    assert fresh["checkin"] == LOADED["checkin"]
    assert fresh["history"] == LOADED["history"]
    assert fresh["profile"]["painful_side"] == "both"
    assert fresh.changes() == ({}, {})


def test_memory_store_turns_use_the_parsed_path_and_lose_nothing(
    settings: Settings, clock: FakeClock
) -> None:
    store = MemoryStore()
    assert store.loads_parsed
    deps = Deps(settings=settings, store=store, content=default_library(), clock=clock)
    convo = make_conversation(SkillRuntime(build_skill(deps)), clock)
    convo.say("open hip rest")
    convo.say("which side should i sleep on")
    convo.say("my left hip")
    first = store.load(convo.caller.user_id)
    assert first["profile"]["painful_side"] == "left"
    convo.say("stop")
    convo.say("open hip rest")
    assert store.load(convo.caller.user_id) == first  # a returning launch wrote nothing
