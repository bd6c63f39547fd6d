"""The Turn's lazily snapshotted doc: every change reaches the store, untouched
namespaces cost nothing."""

from __future__ import annotations

from typing import Any

import pytest

from skill import turn as turn_module
from skill.turn import _Doc


def loaded() -> _Doc:
    return _Doc({"checkin": {"days": {"2026-03-09": 4}}, "history": {"2026-03-08": {"a": 1}}})


def test_a_namespace_changed_in_place_after_get_is_reported() -> None:
    doc = loaded()
    doc.get("checkin")["days"]["2026-03-10"] = 5  # type: ignore[index]
    before, after = doc.changes()
    assert set(after) == {"checkin"}
    assert before["checkin"] == {"days": {"2026-03-09": 4}}


@pytest.mark.parametrize(
    "hand_out",
    [
        lambda d: d["history"],
        lambda d: dict(d)["history"],
        lambda d: {**d}["history"],
        lambda d: dict(d.items())["history"],
        lambda d: list(d.values())[1],
        lambda d: d.copy()["history"],
        lambda d: d.setdefault("history", {}),
    ],
)
def test_every_way_of_handing_a_namespace_out_keeps_its_snapshot(hand_out: Any) -> None:
    doc = loaded()
    hand_out(doc)["2026-03-09"] = {"a": 2}
    before, after = doc.changes()
    assert set(after) == {"history"} and "2026-03-09" not in before["history"]


def test_replaced_deleted_and_new_namespaces_are_reported() -> None:
    doc = loaded()
    doc["checkin"] = {"days": {}}
    del doc["history"]
    doc["profile"] = {"v": 1}
    before, after = doc.changes()
    assert after == {"checkin": {"days": {}}, "profile": {"v": 1}}
    assert set(before) == {"checkin", "history"}


def test_an_equal_replacement_is_no_change() -> None:
    doc = loaded()
    doc["checkin"] = {"days": {"2026-03-09": 4}}
    assert doc.changes() == ({}, {})


def test_a_namespace_nobody_asked_for_is_never_serialised(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[Any] = []
    real = turn_module._text
    monkeypatch.setattr(turn_module, "_text", lambda v: seen.append(v) or real(v))
    doc = loaded()
    doc["checkin"] = {"days": {}}
    doc.changes()
    assert all(v is not doc._loaded["history"] for v in seen)
