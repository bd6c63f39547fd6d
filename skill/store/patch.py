"""Leaf-level patches on JSON-plain nested dicts.

A per-user document is a dict with str keys whose values are dict, list, str,
int, float, bool or None. ``diff`` turns an edit (before -> after) into a list
of path operations; ``apply`` replays them on whatever is stored *now*. Because
operations touch only the leaves that changed, two requests that edited
different keys (e.g. two dates under ``checkin``) both survive a key-level
merge. Lists and scalars are leaves: they are replaced whole, never merged.

Pure: no I/O, no SDK imports.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TypeAlias

Doc: TypeAlias = dict[str, Any]
Path: TypeAlias = tuple[str, ...]


@dataclass(frozen=True, slots=True)
class SetOp:
    """Set the value at ``path``, creating (or replacing non-dict) parents."""

    path: Path
    value: Any


@dataclass(frozen=True, slots=True)
class DeleteOp:
    """Delete the key at ``path``; a missing key or parent is not an error."""

    path: Path


Op: TypeAlias = SetOp | DeleteOp


_SCALARS = frozenset({str, int, float, bool, type(None)})


def same(a: Any, b: Any) -> bool:
    """Type-aware equality: ``1``, ``1.0`` and ``True`` are different values.

    Plain ``==`` would treat them as equal and ``diff`` would then miss a
    change of type that a JSON round trip makes visible.
    """
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(v, b[k]) for k, v in a.items())
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def copy_plain(value: Any) -> Any:
    """Deep copy of a JSON-plain value (much faster than ``copy.deepcopy``)."""
    if isinstance(value, dict):
        return {k: copy_plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [copy_plain(v) for v in value]
    return value


def check_plain(value: Any, where: str = "value") -> None:
    """Raise TypeError/ValueError unless ``value`` is JSON-plain.

    Catches what json/DynamoDB would silently alter (int keys, tuples) or
    reject late (NaN, sets), at the point where the bad value is written.
    """
    if value is None or isinstance(value, bool | int | str):
        return
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{where}: non-finite float is not JSON")
        return
    if isinstance(value, dict):
        for k, v in value.items():
            if not isinstance(k, str):
                raise TypeError(f"{where}: dict key {k!r} is not a str")
            check_plain(v, f"{where}.{k}")
        return
    if isinstance(value, list):
        for i, v in enumerate(value):
            check_plain(v, f"{where}[{i}]")
        return
    raise TypeError(f"{where}: {type(value).__name__} is not JSON-plain")


def check_ops(ops: Iterable[Op]) -> None:
    """Validate paths and values of ``ops`` (see ``check_plain``)."""
    for op in ops:
        if not op.path or not all(isinstance(p, str) for p in op.path):
            raise ValueError(f"invalid op path {op.path!r}")
        if isinstance(op, SetOp):
            check_plain(op.value, "/".join(op.path))


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[Op]:
    """Leaf-level operations that turn ``before`` into ``after``.

    Nested dicts present on both sides are recursed into; anything else that
    differs (by ``same``) is a ``SetOp`` of the whole new value. Values in the
    returned ops are copies, so later edits of ``after`` don't leak into them.
    """
    ops: list[Op] = []
    _diff(before, after, (), ops)
    return ops


def _diff(before: Mapping[str, Any], after: Mapping[str, Any], prefix: Path, out: list[Op]) -> None:
    for key in before:
        if key not in after:
            out.append(DeleteOp((*prefix, key)))
    for key, new in after.items():
        old = before.get(key, _ABSENT)
        if old is _ABSENT:
            out.append(SetOp((*prefix, key), copy_plain(new)))
            continue
        # Inline fast path for equal scalars of one type (what most leaves are): a
        # check-in history is a day per leaf; no path tuple or call for those.
        kind = type(new)
        if kind is type(old) and kind in _SCALARS and old == new:
            continue
        if isinstance(old, dict) and isinstance(new, dict):
            _diff(old, new, (*prefix, key), out)
        elif not same(old, new):
            out.append(SetOp((*prefix, key), copy_plain(new)))


_ABSENT: Any = object()


def dumps(value: Any) -> str:
    """The JSON text stores keep for a namespace: compact, UTF-8 as is, no NaN.

    Turn compares a namespace's stored text with this form of its value, so
    both sides must serialise alike (an unchanged namespace then costs no diff).
    """
    return json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":"))


def namespaces_of(ops: Iterable[Op]) -> list[str]:
    """The top-level keys ``ops`` touch, in first-touched order, each once."""
    return list(dict.fromkeys(op.path[0] for op in ops))


def apply(doc: Mapping[str, Any], ops: Iterable[Op], *, copy: bool = True) -> Doc:
    """Return ``doc`` with ``ops`` applied in order.

    With ``copy=True`` (default) ``doc`` is left untouched and the result
    shares nothing with it. ``copy=False`` edits ``doc`` in place (it must be a
    dict) — for stores that just parsed a fresh document and own it. Values
    taken from ops are copied either way.
    """
    if copy:
        out: Doc = copy_plain(dict(doc))
    else:
        if not isinstance(doc, dict):
            raise TypeError("apply(copy=False) needs a dict")
        out = doc
    for op in ops:
        if not op.path:
            raise ValueError("op path must not be empty")
        parent: Doc = out
        *parents, leaf = op.path
        if isinstance(op, SetOp):
            for key in parents:
                child = parent.get(key)
                if not isinstance(child, dict):
                    # A parent that is missing or became a scalar/list is
                    # replaced: the newer, deeper write wins.
                    child = {}
                    parent[key] = child
                parent = child
            # Always copied: the caller may reuse or mutate the op's value.
            parent[leaf] = copy_plain(op.value)
        else:
            for key in parents:
                child = parent.get(key)
                if not isinstance(child, dict):
                    break
                parent = child
            else:
                parent.pop(leaf, None)
    return out
