"""The Turn's doc, parsed a namespace at a time from the stored texts: every change
reaches the store, namespaces nobody asked for cost nothing (not even a parse)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from skill import turn as turn_module
from skill.store.base import StoreError
from skill.store.patch import copy_plain, dumps
from skill.turn import _Doc

STORED: dict[str, Any] = {
    "checkin": {"days": {"2026-03-09": 4}},
    "history": {"2026-03-08": {"a": 1}},
}


def loaded(**extra: str) -> _Doc:
    return _Doc({**{k: dumps(v) for k, v in STORED.items()}, **extra})


@pytest.fixture
def parsed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The namespaces parsed so far, in order."""
    seen: list[str] = []
    real = turn_module._parse

    def spy(key: str, text: str) -> Any:
        seen.append(key)
        return real(key, text)

    monkeypatch.setattr(turn_module, "_parse", spy)
    return seen


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
        lambda d: d.get("history"),
        lambda d: dict(d)["history"],
        lambda d: {**d}["history"],
        lambda d: (lambda **kw: kw)(**d)["history"],
        lambda d: dict(d.items())["history"],
        lambda d: list(d.values())[1],
        lambda d: d.copy()["history"],
        lambda d: (d | {})["history"],
        lambda d: d.setdefault("history", {}),
    ],
    ids=["item", "get", "dict", "unpack", "kwargs", "items", "values", "copy", "or", "setdefault"],
)
def test_every_way_of_handing_a_namespace_out_gives_the_stored_value_and_reports_changes(
    hand_out: Callable[[_Doc], Any],
) -> None:
    doc = loaded()
    value = hand_out(doc)
    assert value == STORED["history"]
    value["2026-03-09"] = {"a": 2}
    before, after = doc.changes()
    assert set(after) == {"history"} and "2026-03-09" not in before["history"]
    assert after["history"]["2026-03-09"] == {"a": 2}


def test_popped_namespaces_are_parsed_and_reported_deleted() -> None:
    doc = loaded()
    assert doc.pop("history") == STORED["history"]
    assert doc.pop("history", "gone") == "gone"
    key, value = doc.popitem()
    assert (key, value) == ("checkin", STORED["checkin"])
    before, after = doc.changes()
    assert before == STORED and after == {}


def test_keys_length_and_membership_need_no_parse(parsed: list[str]) -> None:
    doc = loaded()
    assert len(doc) == 2 and bool(doc)
    assert "history" in doc and "profile" not in doc
    assert list(doc) == list(doc.keys()) == ["checkin", "history"]
    assert sorted(doc) == ["checkin", "history"]
    assert parsed == []


def test_whole_doc_views_show_parsed_values_never_placeholders() -> None:
    doc = loaded()
    assert doc == STORED
    assert doc != {**STORED, "history": {}}
    assert loaded() == loaded()
    assert json.loads(json.dumps(doc)) == STORED
    assert copy_plain(doc) == STORED
    assert "<unparsed>" not in repr(loaded())
    assert {} | doc == STORED


def test_a_namespace_nobody_asked_for_is_never_parsed(parsed: list[str]) -> None:
    doc = loaded()
    doc["checkin"] = {"days": {}}
    doc["profile"] = {"v": 1}
    _, after = doc.changes()
    assert set(after) == {"checkin", "profile"}
    assert "history" not in parsed


def test_a_damaged_namespace_nobody_asks_for_does_no_harm() -> None:
    doc = loaded(safety="{not json")
    doc["checkin"]["days"]["2026-03-10"] = 5
    _, after = doc.changes()
    assert set(after) == {"checkin"}


@pytest.mark.parametrize(
    "use",
    [
        lambda d: d["safety"],
        lambda d: d.get("safety"),
        lambda d: dict(d),
        lambda d: list(d.items()),
        lambda d: d.pop("safety"),
    ],
    ids=["item", "get", "dict", "items", "pop"],
)
def test_a_damaged_namespace_that_is_read_is_a_store_error(use: Callable[[_Doc], Any]) -> None:
    with pytest.raises(StoreError, match="safety"):
        use(loaded(safety="{not json"))


def test_replacing_a_damaged_namespace_unread_is_a_store_error_not_an_overwrite() -> None:
    doc = loaded(safety="{not json")
    doc["safety"] = {"red_flags": {}}
    with pytest.raises(StoreError, match="safety"):
        doc.changes()


def test_replaced_deleted_and_new_namespaces_are_reported() -> None:
    doc = loaded()
    doc["checkin"] = {"days": {}}
    del doc["history"]
    doc["profile"] = {"v": 1}
    before, after = doc.changes()
    assert after == {"checkin": {"days": {}}, "profile": {"v": 1}}
    assert before == STORED


def test_an_equal_replacement_is_no_change() -> None:
    doc = loaded()
    doc["checkin"] = {"days": {"2026-03-09": 4}}
    assert doc.changes() == ({}, {})


def test_stored_texts_replace_the_written_namespaces_and_keep_the_rest_unparsed(
    parsed: list[str],
) -> None:
    doc = loaded(profile='{"v":1}')
    after = doc.stored({"checkin": '{"days":{}}', "profile": None, "new": "[1]"})
    assert parsed == []
    assert dict(after) == {"checkin": {"days": {}}, "history": STORED["history"], "new": [1]}
    assert after.changes() == ({}, {})
