"""Shape checks on a parsed request body before it reaches the SDK (pure, stdlib only).

The SDK's reader casts what it is given (``str(True)`` is ``"True"``), so a bool
where a string belongs, or a lone surrogate that UTF-8 cannot carry, used to reach
the handlers and end in the spoken storage apology; session attributes nested a
few hundred levels deep broke the response writer (they are echoed back). Here
they are refused as 400 at the door, the same in dev and in production.
"""

from __future__ import annotations

from typing import Any

# Real envelopes are under 10 levels deep and our own session attributes under 6;
# json.dumps gives up near 1,000 and the SDK's serializer well before that.
MAX_DEPTH = 64

_MISSING = object()

_OBJECTS = (
    ("request",),
    ("request", "intent"),
    ("request", "intent", "slots"),
    ("session",),
    ("session", "application"),
    ("session", "user"),
    ("session", "attributes"),
    ("context",),
    ("context", "System"),
    ("context", "System", "application"),
    ("context", "System", "user"),
    ("context", "System", "device"),
)
_STRINGS = (
    ("version",),
    ("request", "type"),
    ("request", "requestId"),
    ("request", "timestamp"),
    ("request", "locale"),
    ("request", "dialogState"),
    ("request", "intent", "name"),
    ("request", "intent", "confirmationStatus"),
    ("session", "sessionId"),
    ("session", "application", "applicationId"),
    ("session", "user", "userId"),
    ("context", "System", "application", "applicationId"),
    ("context", "System", "user", "userId"),
    ("context", "System", "device", "deviceId"),
    ("context", "System", "apiEndpoint"),
    ("context", "System", "apiAccessToken"),
)
_BOOLS = (("session", "new"),)
_SLOT_STRINGS = ("name", "value", "confirmationStatus")


def _at(doc: Any, path: tuple[str, ...]) -> Any:
    for key in path:
        if not isinstance(doc, dict):
            return _MISSING
        doc = doc.get(key, _MISSING)
        if doc is _MISSING:
            return _MISSING
    return doc


def _utf8(text: str) -> bool:
    if text.isascii():
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _walk(doc: Any) -> str | None:
    """Depth and text over the whole document (iterative: no recursion limit to hit)."""
    stack: list[tuple[Any, int]] = [(doc, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            if depth > MAX_DEPTH:
                return "nested too deeply"
            for key, value in node.items():
                if not _utf8(key):
                    return "text that is not UTF-8"
                if isinstance(value, dict | list):
                    stack.append((value, depth + 1))
                elif isinstance(value, str) and not _utf8(value):
                    return "text that is not UTF-8"
        elif isinstance(node, list):
            if depth > MAX_DEPTH:
                return "nested too deeply"
            for value in node:
                if isinstance(value, dict | list):
                    stack.append((value, depth + 1))
                elif isinstance(value, str) and not _utf8(value):
                    return "text that is not UTF-8"
        elif isinstance(node, str) and not _utf8(node):
            return "text that is not UTF-8"
    return None


def _wrong_type(doc: Any, paths: tuple[tuple[str, ...], ...], kind: type) -> str | None:
    for path in paths:
        value = _at(doc, path)
        # ``bool`` is an ``int`` in Python, so compare exact types for the leaves.
        ok = isinstance(value, dict) if kind is dict else type(value) is kind
        if value is not _MISSING and value is not None and not ok:
            return f"{'.'.join(path)} has the wrong type"
    return None


def envelope_problem(payload: Any) -> str | None:
    """Why ``payload`` cannot be an Alexa request envelope, or None if its shape is fine."""
    if not isinstance(payload, dict):
        return "not a JSON object"
    problem = (
        _walk(payload)
        or _wrong_type(payload, _OBJECTS, dict)
        or _wrong_type(payload, _STRINGS, str)
        or _wrong_type(payload, _BOOLS, bool)
    )
    if problem:
        return problem
    slots = _at(payload, ("request", "intent", "slots"))
    if isinstance(slots, dict):
        for slot in slots.values():
            if slot is None:
                continue
            if not isinstance(slot, dict):
                return "request.intent.slots has the wrong type"
            for key in _SLOT_STRINGS:
                value = slot.get(key)
                if value is not None and type(value) is not str:
                    return f"request.intent.slots.{key} has the wrong type"
    return None
