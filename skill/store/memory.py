"""An in-process store for ``hiprest check`` and unit tests that need no disk.

Same contract as the real stores (it runs the shared contract tests), minus
durability: data lives as long as the object.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator

from skill.store.base import UserStore
from skill.store.patch import Doc, Op, apply, check_ops


class MemoryStore(UserStore):
    loads_parsed = True

    def __init__(self) -> None:
        self._docs: dict[str, str] = {}
        self._lock = threading.Lock()

    def load(self, user_id: str) -> Doc:
        with self._lock:
            raw = self._docs.get(user_id)
        return {} if raw is None else dict(json.loads(raw))

    def update(self, user_id: str, ops: list[Op]) -> Doc:
        check_ops(ops)
        with self._lock:
            raw = self._docs.get(user_id)
            doc = apply({} if raw is None else json.loads(raw), ops)
            self._docs[user_id] = json.dumps(doc)
        return doc

    def delete(self, user_id: str) -> None:
        with self._lock:
            self._docs.pop(user_id, None)

    def user_ids(self) -> Iterator[str]:
        with self._lock:
            return iter(list(self._docs))

    def close(self) -> None:
        pass
