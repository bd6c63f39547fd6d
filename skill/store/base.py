"""The per-user store interface and its bridge to ask-sdk's AttributesManager."""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections import OrderedDict
from collections.abc import Collection, Iterator
from typing import Any

from ask_sdk_core.attributes_manager import AbstractPersistenceAdapter

from skill.store.patch import Doc, Op, copy_plain, diff, dumps, namespaces_of

# namespace -> its JSON text (``patch.dumps``); None: the namespace no longer exists.
Texts = dict[str, str | None]


class StoreError(Exception):
    """Storage failed (locked past the timeout, read-only, disk full, corrupt row...).

    The message is safe to log: no user data, no SQL. Callers apologise to the
    user; nothing was written.
    """


class UserStore(ABC):
    """Per-user JSON-plain documents ("persistent attributes").

    ``update`` is the only write path that merges: it reads the stored doc,
    applies leaf-level ops and writes it back atomically, so concurrent
    requests that change different keys don't lose each other's updates.
    Non-JSON-plain values in ops raise TypeError/ValueError (a bug, not a
    storage failure); every storage failure raises StoreError.
    """

    # True for a store whose ``load`` parses the whole document anyway (DynamoDB,
    # memory): a request then takes those values as they are instead of texts.
    loads_parsed = False

    @abstractmethod
    def load(self, user_id: str) -> Doc:
        """The stored doc, or {} for an unknown user. Corrupt data raises StoreError."""

    @abstractmethod
    def update(self, user_id: str, ops: list[Op]) -> Doc:
        """Atomically read, apply ``ops``, write; return the new doc."""

    def load_texts(self, user_id: str, names: Collection[str] | None = None) -> dict[str, str]:
        """Each stored namespace's JSON text, unparsed ({} for an unknown user);
        with ``names``, only those of them that exist.

        A caller parses only the namespaces it uses, so a damaged namespace
        surfaces when (and only when) it is read. This default loads the whole
        doc; a store that keeps namespaces apart (SQLite) overrides it.
        """
        doc = self.load(user_id)
        return {ns: dumps(v) for ns, v in doc.items() if names is None or ns in names}

    def load_small_texts(self, user_id: str, max_chars: int) -> dict[str, str | None]:
        """Every stored namespace: its JSON text when at most ``max_chars`` long,
        else None (fetch those with ``load_texts(user_id, names)`` when needed).

        Lets a request that uses only small namespaces skip reading a big one
        at all. This default loads everything and hands every text out.
        """
        return dict(self.load_texts(user_id))

    def update_namespaces(self, user_id: str, ops: list[Op]) -> Texts:
        """``update`` that returns only the new text of each namespace ``ops``
        touch (None when it no longer exists), with the same atomicity.

        This default goes through ``update``; SQLite overrides it to read and
        rewrite only those namespaces.
        """
        doc = self.update(user_id, ops)
        return {ns: dumps(doc[ns]) if ns in doc else None for ns in namespaces_of(ops)}

    @abstractmethod
    def delete(self, user_id: str) -> None:
        """Forget everything stored for ``user_id`` (no error if unknown)."""

    @abstractmethod
    def user_ids(self) -> Iterator[str]:
        """Every stored user id (for export); order is backend-defined."""

    @abstractmethod
    def close(self) -> None:
        """Release connections; the store must not be used afterwards."""

    def check_ready(self) -> None:
        """Raise StoreError unless the store can be read now (readiness probes).

        The default reads a user id no request can carry; backends that can
        also prove they accept writes without changing anything do more.
        """
        self.load("\x00readiness-probe")


def envelope_user_id(request_envelope: Any) -> str:
    """The Alexa user id of a request: context.system.user, else session.user."""
    system = getattr(getattr(request_envelope, "context", None), "system", None)
    session = getattr(request_envelope, "session", None)
    for holder in (system, session):
        uid = getattr(getattr(holder, "user", None), "user_id", None)
        if isinstance(uid, str) and uid:
            return uid
    raise StoreError("request has no user id")


class AttributesAdapter(AbstractPersistenceAdapter):
    """ask-sdk persistence adapter over a UserStore.

    ``save_attributes`` writes only what the handler changed: it diffs against
    the doc this adapter loaded for the same request (keyed by request id), so
    a concurrent request's changes to other keys survive. Without a snapshot
    (save with no prior load) it diffs against the stored doc, i.e. a replace.
    """

    _MAX_SNAPSHOTS = 512  # requests in flight per process; old ones fall back to replace

    def __init__(self, store: UserStore) -> None:
        self.store = store
        self._snapshots: OrderedDict[tuple[str, str], Doc] = OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def _key(request_envelope: Any, user_id: str) -> tuple[str, str] | None:
        request_id = getattr(getattr(request_envelope, "request", None), "request_id", None)
        return (user_id, request_id) if isinstance(request_id, str) and request_id else None

    def get_attributes(self, request_envelope: Any) -> Doc:
        user_id = envelope_user_id(request_envelope)
        doc = self.store.load(user_id)
        key = self._key(request_envelope, user_id)
        if key is not None:
            with self._lock:
                self._snapshots[key] = copy_plain(doc)
                self._snapshots.move_to_end(key)
                while len(self._snapshots) > self._MAX_SNAPSHOTS:
                    self._snapshots.popitem(last=False)
        return doc

    def save_attributes(self, request_envelope: Any, attributes: dict[str, Any]) -> None:
        user_id = envelope_user_id(request_envelope)
        key = self._key(request_envelope, user_id)
        with self._lock:
            before = self._snapshots.pop(key, None) if key is not None else None
        if before is None:
            before = self.store.load(user_id)
        ops = diff(before, attributes)
        if ops:
            self.store.update(user_id, ops)

    def delete_attributes(self, request_envelope: Any) -> None:
        user_id = envelope_user_id(request_envelope)
        self.store.delete(user_id)
        with self._lock:
            for key in [k for k in self._snapshots if k[0] == user_id]:
                del self._snapshots[key]
