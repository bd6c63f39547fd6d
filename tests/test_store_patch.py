"""Leaf-level diff/apply on JSON-plain documents (pure, property-based)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from skill.store.patch import (
    DeleteOp,
    SetOp,
    apply,
    check_ops,
    check_plain,
    copy_plain,
    diff,
    same,
)

keys = st.text(max_size=4)
scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=6)
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(keys, inner, max_size=4),
    max_leaves=12,
)
docs = st.dictionaries(keys, values, max_size=5)

_DELETE = object()
changes = st.dictionaries(keys, values | st.just(_DELETE), max_size=4)


def _edit(doc: dict[str, Any], edits: dict[str, Any], at: str | None) -> dict[str, Any]:
    out: dict[str, Any] = copy_plain(doc)
    target = out if at is None else out[at]
    for key, value in edits.items():
        if value is _DELETE:
            target.pop(key, None)
        else:
            target[key] = copy_plain(value)
    return out


@given(docs)
def test_diff_of_a_doc_with_itself_is_empty(doc: dict[str, Any]) -> None:
    assert diff(doc, copy_plain(doc)) == []


@given(docs, docs)
def test_applying_the_diff_reproduces_the_target_exactly(
    before: dict[str, Any], after: dict[str, Any]
) -> None:
    result = apply(before, diff(before, after))
    assert same(result, after)


@given(docs, docs)
def test_apply_leaves_its_input_untouched_and_shares_nothing(
    before: dict[str, Any], after: dict[str, Any]
) -> None:
    snapshot = copy_plain(before)
    result = apply(before, diff(before, after))
    assert same(before, snapshot)
    result["__new__"] = 1
    for value in result.values():
        if isinstance(value, dict):
            value["__new__"] = 1
        elif isinstance(value, list):
            value.append(1)
    assert same(before, snapshot)


@given(docs, changes, changes, st.booleans(), docs)
def test_patch_from_old_version_keeps_concurrent_changes_to_other_keys(
    base: dict[str, Any],
    mine: dict[str, Any],
    theirs: dict[str, Any],
    nested: bool,
    shared: dict[str, Any],
) -> None:
    at = None
    if nested:
        # Both requests edit inside the same dict, e.g. checkin keyed by date.
        base = {**base, "checkin": shared}
        at = "checkin"
    theirs = {k: v for k, v in theirs.items() if k not in mine}
    mine_doc = _edit(base, mine, at)
    theirs_doc = _edit(base, theirs, at)

    merged = apply(theirs_doc, diff(base, mine_doc))

    assert same(merged, _edit(theirs_doc, mine, at))


def test_two_dates_added_from_the_same_snapshot_both_survive() -> None:
    base: dict[str, Any] = {"checkin": {"2024-05-01": {"pain": 4}}, "profile": {"name": "Ann"}}
    first = diff(base, {**base, "checkin": {**base["checkin"], "2024-05-02": {"pain": 3}}})
    second = diff(base, {**base, "checkin": {**base["checkin"], "2024-05-03": {"pain": 2}}})

    stored = apply(apply(base, first), second)

    assert set(stored["checkin"]) == {"2024-05-01", "2024-05-02", "2024-05-03"}
    assert stored["profile"] == {"name": "Ann"}


def test_type_change_between_equal_numbers_is_a_change() -> None:
    assert diff({"a": 1}, {"a": 1.0}) == [SetOp(("a",), 1.0)]
    assert diff({"a": 1}, {"a": True}) == [SetOp(("a",), True)]
    assert diff({"a": [0]}, {"a": [False]}) == [SetOp(("a",), [False])]


def test_lists_are_replaced_whole_not_merged() -> None:
    ops = diff({"a": [1, 2, 3]}, {"a": [1, 2]})
    assert ops == [SetOp(("a",), [1, 2])]
    assert apply({"a": [9, 9, 9, 9]}, ops) == {"a": [1, 2]}


def test_set_under_a_parent_that_became_a_scalar_replaces_the_parent() -> None:
    ops = [SetOp(("routine", "steps"), 3)]
    assert apply({"routine": "old-format"}, ops) == {"routine": {"steps": 3}}
    assert apply({"routine": [1]}, ops) == {"routine": {"steps": 3}}
    assert apply({}, ops) == {"routine": {"steps": 3}}


def test_delete_of_a_missing_key_or_parent_is_a_no_op() -> None:
    doc = {"a": 1, "b": "x"}
    assert apply(doc, [DeleteOp(("zz",)), DeleteOp(("b", "c")), DeleteOp(("q", "r"))]) == doc


def test_apply_in_place_edits_the_given_dict() -> None:
    doc: dict[str, Any] = {"a": {"b": 1}}
    result = apply(doc, [SetOp(("a", "c"), 2)], copy=False)
    assert result is doc
    assert doc == {"a": {"b": 1, "c": 2}}


def test_empty_path_is_rejected() -> None:
    with pytest.raises(ValueError):
        apply({}, [SetOp((), {})])
    with pytest.raises(ValueError):
        check_ops([DeleteOp(())])


@pytest.mark.parametrize(
    "bad",
    [float("nan"), float("inf"), {1: "x"}, (1, 2), {1, 2}, b"x", {"a": [object()]}],
)
def test_non_json_plain_values_are_rejected(bad: Any) -> None:
    with pytest.raises((TypeError, ValueError)):
        check_plain(bad)
    with pytest.raises((TypeError, ValueError)):
        check_ops([SetOp(("k",), bad)])


@given(values)
def test_generated_values_pass_the_json_plain_check(value: Any) -> None:
    check_plain(value)
