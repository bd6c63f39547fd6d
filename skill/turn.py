"""One request's view of the world, shared by the interceptors and the handler.

A :class:`Turn` is made by the request interceptor and lives in the request
attributes. It loads the user's stored state lazily (at most once), remembers a
snapshot, and on save writes only the leaf-level difference, so two overlapping
requests for one user do not overwrite each other's changes.
"""

from __future__ import annotations

import functools
import hashlib
import json
import random
from collections.abc import Callable, ItemsView, Iterator, ValuesView
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel, ValidationError

from skill.profile import PROFILE_KEY, Profile
from skill.reply import Part, Reply, Style, render_speech
from skill.speech import Speech
from skill.store.base import StoreError
from skill.store.patch import Op, SetOp, diff, dumps
from skill.voice import Voice

if TYPE_CHECKING:
    from ask_sdk_core.handler_input import HandlerInput
    from ask_sdk_model import Response

    from skill.deps import Deps

M = TypeVar("M", bound=BaseModel)
TURN_KEY = "hiprest.turn"
PENDING_KEY = "pending"
# Session attribute caching the night-voice mode and time zone (see Turn.style).
VOICE_KEY = "voice"
# Stored namespaces up to this many characters come with the load; longer ones
# (routine history, a long archive) are read when first handed out.
INLINE_CHARS = 8192


@dataclass(frozen=True)
class Slot:
    name: str
    value: str | None
    resolved_id: str | None
    resolved_name: str | None

    @property
    def spoken(self) -> bool:
        return bool(self.value and self.value.strip() and self.value != "?")


def _user_id(envelope: Any) -> str | None:
    for holder in (getattr(envelope, "context", None), None):
        system = getattr(holder, "system", None) if holder is not None else None
        user = getattr(system, "user", None)
        if user is not None and getattr(user, "user_id", None):
            return str(user.user_id)
    session = getattr(envelope, "session", None)
    user = getattr(session, "user", None)
    if user is not None and getattr(user, "user_id", None):
        return str(user.user_id)
    return None


class Turn:
    def __init__(self, handler_input: HandlerInput, deps: Deps) -> None:
        self.hi = handler_input
        self.deps = deps
        envelope = handler_input.request_envelope
        self.request = envelope.request
        self.request_type: str = getattr(self.request, "object_type", None) or "Unknown"
        locale = getattr(self.request, "locale", None)
        self.locale: str = locale if isinstance(locale, str) else "en-US"
        self.now: datetime = deps.clock()
        self.user_id: str | None = _user_id(envelope)
        request_id = str(getattr(self.request, "request_id", "") or "")
        # Seeded per request: variants vary between requests, replay is deterministic.
        seed = int(hashlib.sha256(request_id.encode()).hexdigest()[:8], 16) if deps.seeded else None
        self.voice = Voice(
            deps.content.for_locale(self.locale), random.Random(seed), short=self._soft
        )
        self._style: Style | None = None
        # Events (AlexaSkillEvent.SkillDisabled, ...) come without a session; ask-sdk
        # raises on session_attributes then.
        has_session = getattr(envelope, "session", None) is not None
        attrs = handler_input.attributes_manager.session_attributes if has_session else None
        self.session: dict[str, Any] = attrs if isinstance(attrs, dict) else {}
        self._doc: _Doc | None = None
        self.deleted = False

    # -- request facts -------------------------------------------------------
    @property
    def intent(self) -> str | None:
        intent = getattr(self.request, "intent", None)
        name = getattr(intent, "name", None)
        return name if isinstance(name, str) else None

    def slot(self, name: str) -> Slot:
        intent = getattr(self.request, "intent", None)
        slots = getattr(intent, "slots", None) or {}
        raw = slots.get(name) if isinstance(slots, dict) else None
        value = getattr(raw, "value", None)
        rid = rname = None
        resolutions = getattr(raw, "resolutions", None)
        for authority in getattr(resolutions, "resolutions_per_authority", None) or []:
            status = getattr(getattr(authority, "status", None), "code", None)
            code = getattr(status, "value", status)
            if code == "ER_SUCCESS_MATCH" and authority.values:
                first = authority.values[0].value
                rid, rname = getattr(first, "id", None), getattr(first, "name", None)
                break
        return Slot(name, value if isinstance(value, str) else None, rid, rname)

    @property
    def new_session(self) -> bool:
        session = getattr(self.hi.request_envelope, "session", None)
        return bool(getattr(session, "new", False))

    def supports(self, interface: str) -> bool:
        device = getattr(getattr(self.hi.request_envelope.context, "system", None), "device", None)
        supported = getattr(device, "supported_interfaces", None)
        if supported is None:
            return False
        attr = {"Alexa.Presentation.APL": "alexa_presentation_apl"}.get(interface, interface)
        return getattr(supported, attr, None) is not None

    @property
    def keeps_health_data(self) -> bool:
        """False in the ``public`` profile: scores, the painful side and red flags are
        spoken about but never stored (Alexa's policy on health data)."""
        return self.deps.settings.profile == "private"

    # -- dialog state (session) ---------------------------------------------
    @property
    def pending(self) -> str | None:
        value = self.session.get(PENDING_KEY)
        return value.get("kind") if isinstance(value, dict) else None

    @property
    def pending_data(self) -> dict[str, Any]:
        value = self.session.get(PENDING_KEY)
        data = value.get("data") if isinstance(value, dict) else None
        return data if isinstance(data, dict) else {}

    def expect(self, kind: str, **data: Any) -> None:
        """Remember the question we just asked, so the next yes/no/answer has context."""
        self.session[PENDING_KEY] = {"kind": kind, "data": data}

    def clear_pending(self) -> None:
        self.session.pop(PENDING_KEY, None)

    # -- persistent state ----------------------------------------------------
    @property
    def doc(self) -> dict[str, Any]:
        """The user's stored namespaces; each is parsed when first handed out, so a
        request pays only for those it uses (a damaged one raises StoreError then)."""
        if self._doc is None:
            if self.user_id is None:
                self._doc = _Doc({})
            else:
                store, user_id = self.deps.store, self.user_id
                if store.loads_parsed:
                    # The store parsed the whole document anyway: no text round trip.
                    self._doc = _Doc.parsed(store.load(user_id))
                else:
                    # Big namespaces (a long history) are not even read until asked for.
                    texts = store.load_small_texts(user_id, INLINE_CHARS)
                    self._doc = _Doc(texts, functools.partial(store.load_texts, user_id))
        return self._doc

    def state(self, key: str, model: type[M]) -> M:
        """The typed state under ``key``; damaged or old data gives a fresh default."""
        raw = self.doc.get(key)
        if raw is None:
            return model()
        try:
            return model.model_validate(raw)
        except ValidationError:
            self.deps.log.warning("discarded damaged state", extra={"state_key": key})
            return model()

    def put(self, key: str, value: BaseModel) -> None:
        self.doc[key] = value.model_dump(mode="json")

    def session_state(self, key: str, model: type[M]) -> M | None:
        raw = self.session.get(key)
        if raw is None:
            return None
        try:
            return model.model_validate(raw)
        except ValidationError:
            self.session.pop(key, None)
            return None

    def put_session(self, key: str, value: BaseModel | None) -> None:
        if value is None:
            self.session.pop(key, None)
        else:
            self.session[key] = value.model_dump(mode="json")

    def forget_user(self) -> None:
        """Delete everything stored for this user, now (privacy)."""
        if self.user_id is not None:
            self.deps.store.delete(self.user_id)
        self._doc, self.deleted = _Doc({}), True

    @property
    def dirty(self) -> bool:
        return bool(self._changes()[0])

    def _changes(self) -> tuple[dict[str, Any], dict[str, Any]]:
        """(before, after) for the top-level keys whose JSON differs from what was loaded.

        A namespace never handed out and never replaced cannot have changed and
        costs nothing (a routine step leaves the long history alone); the others
        are compared as JSON text (C speed) and only those that differ are diffed.
        """
        if self._doc is None:
            return {}, {}
        return self._doc.changes()

    def save(self) -> None:
        if self.user_id is None or self._doc is None:
            return
        before, after = self._changes()
        # Same ops as diffing the whole doc: unchanged namespaces yield none anyway.
        ops = _merge_friendly(diff(before, after), before)
        if ops:
            # Only the namespaces written come back: the rest stays as loaded,
            # unparsed (nothing reads the doc after the save; a second save
            # then compares with what this one stored).
            texts = self.deps.store.update_namespaces(self.user_id, ops)
            self._doc = self._doc.stored(texts)

    # -- output --------------------------------------------------------------
    @property
    def style(self) -> Style:
        """Night voice, decided once per request from the profile and the local time."""
        if self._style is None:
            from skill.core.night import needs_local_time, soft

            mode, local = self._voice_setting()
            if mode is None:
                mode = self.state(PROFILE_KEY, Profile).night_voice
                if needs_local_time(mode):
                    from skill.localtime import local_now

                    local = local_now(self)
                # Decided once per session: later turns need neither the stored
                # profile nor the time zone lookup just to pick a voice.
                zone = getattr(local.tzinfo, "key", None) if local is not None else None
                self.session[VOICE_KEY] = {"mode": mode, "zone": zone}
            self._style = "soft" if soft(mode, local) else "normal"
        return self._style

    def _voice_setting(self) -> tuple[str | None, datetime | None]:
        """(mode, local time) from the session's cached night-voice setting, or
        (None, None) when there is none usable."""
        cached = self.session.get(VOICE_KEY)
        if not isinstance(cached, dict) or cached.get("mode") not in ("on", "off", "auto"):
            return None, None
        mode = str(cached["mode"])
        zone = cached.get("zone")
        if mode != "auto":
            return mode, None
        if not isinstance(zone, str):
            return None, None
        try:
            from zoneinfo import ZoneInfo

            return mode, self.now.astimezone(ZoneInfo(zone))
        except (ValueError, KeyError, OSError):
            return None, None

    def _soft(self) -> bool:
        return self.style == "soft"

    def refresh_style(self) -> None:
        """Decide the style again (the night-voice setting changed during this request)."""
        self._style = None
        self.session.pop(VOICE_KEY, None)

    def respond(self, reply: Reply) -> Response:
        # Nothing to say (e.g. a session end): don't load state just to pick a voice.
        style: Style = self.style if reply.speech or reply.reprompt else "normal"
        rb = self.hi.response_builder
        speech = _speech(reply.speech, style, False)
        if speech.ssml != "<speak></speak>":
            rb.speak(speech.ssml)
        if reply.reprompt:
            rb.ask(_speech(reply.reprompt, style, True).ssml)
        if reply.card is not None:
            from ask_sdk_model.ui import SimpleCard

            rb.set_card(SimpleCard(title=reply.card.title, content=reply.card.text))
        for directive in reply.directives:
            rb.add_directive(directive)
        if _hands_over(reply):
            # Connections.SendRequest passes the turn to Alexa (e.g. the voice permission
            # prompt); Alexa decides about the session, so shouldEndSession is left out.
            return rb.response
        rb.set_should_end_session(reply.ends_session)
        if reply.ends_session:
            self.clear_pending()
        return rb.response


@functools.lru_cache(maxsize=1024)
def _render(parts: tuple[Part, ...], style: Style, reprompt: bool) -> Speech:
    # Replies are mostly the same content lines again and again; rendering (cleaning,
    # escaping, timing every word) cost ~0.15 ms per response. Speech is immutable.
    return render_speech(list(parts), style=style, reprompt=reprompt)


def _speech(parts: list[Part], style: Style, reprompt: bool) -> Speech:
    key = tuple(parts)
    try:
        hash(key)
    except TypeError:  # a part that is not plain text or a Pause: render it uncached
        return render_speech(parts, style=style, reprompt=reprompt)
    return _render(key, style, reprompt)


def _text(value: Any) -> str | None:
    # Exact: JSON text keeps 1, 1.0 and true apart (as patch.same does); a reordered
    # dict only looks changed and is then diffed properly. The same form as the
    # store's (patch.dumps), so an unchanged namespace equals its stored text.
    # None: not JSON-plain.
    try:
        return dumps(value)
    except (TypeError, ValueError):
        return None


class _Unparsed:
    """Placeholder for a loaded namespace nobody has asked for yet."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "<unparsed>"


_UNPARSED: Any = _Unparsed()


class _Doc(dict[str, Any]):
    """The stored doc, built from each namespace's stored JSON text and parsed a
    namespace at a time, when it is first handed out.

    The stored text is the snapshot save compares with, so a namespace no code
    asked for costs neither a parse at load nor anything at save (a routine step
    leaves the long history alone). Until handed out, a loaded namespace sits in
    the dict as a placeholder, so ``len``, ``in`` and ``keys()`` are plain dict
    operations. Every way a value can be handed out (item access, get, iteration
    of items/values, pop, popitem, setdefault, copy, ``==``, ``|``, repr) parses
    first; ``dict(doc)``, ``{**doc}`` and ``f(**doc)`` use ``keys()`` and
    ``__getitem__`` because ``__iter__`` is overridden.
    """

    __slots__ = ("_fetch", "_texts", "_values")

    def __init__(
        self,
        texts: dict[str, str | None] | dict[str, str],
        fetch: Callable[[list[str]], dict[str, str]] | None = None,
        values: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(dict.fromkeys([*texts, *(values or ())], _UNPARSED))
        # key -> the JSON text as stored; None: not read yet, ``fetch`` reads it
        # (or, for a key in ``_values``, not snapshotted yet).
        self._texts: dict[str, str | None] = {**dict.fromkeys(values or ()), **texts}
        # Already-parsed values from a store that parses whole documents anyway
        # (DynamoDB, memory): handed out as they are, snapshotted (dumped) only then.
        self._values: dict[str, Any] = dict(values or {})
        self._fetch = fetch

    @classmethod
    def parsed(cls, doc: dict[str, Any]) -> _Doc:
        return cls({}, None, doc)

    def stored(self, written: dict[str, str | None]) -> _Doc:
        """A fresh doc: these texts, with ``written`` (None: removed) applied."""
        texts = dict(self._texts)
        values = {k: v for k, v in self._values.items() if texts.get(k) is None}
        for key, text in written.items():
            values.pop(key, None)
            if text is None:
                texts.pop(key, None)
            else:
                texts[key] = text
        return _Doc(texts, self._fetch, values)

    def _text_of(self, key: str) -> str | None:
        """The stored text of ``key``, read now if it was too big to load; None when
        another request deleted it since the load (the key is then dropped)."""
        text = self._texts.get(key)
        if text is None and key in self._values:
            # Taken before the value is handed out, so it is the value as loaded.
            text = self._texts[key] = dumps(self._values[key])
        elif text is None and key in self._texts:
            self._read([key])
            text = self._texts.get(key)
        return text

    def _read(self, keys: list[str]) -> None:
        fetched = self._fetch(keys) if self._fetch is not None else {}
        for key in keys:
            text = fetched.get(key)
            if text is None:
                # Deleted by another request since the load: absent, as if never
                # loaded (not a None value a caller would have to expect).
                self._texts.pop(key, None)
                if dict.get(self, key) is _UNPARSED:  # a value put meanwhile stays
                    dict.pop(self, key, None)
            else:
                self._texts[key] = text

    def _out(self, key: Any) -> None:
        if dict.get(self, key) is _UNPARSED:
            text = self._text_of(key)
            if key in self._values:
                dict.__setitem__(self, key, self._values.pop(key))
            elif text is not None:
                dict.__setitem__(self, key, _parse(key, text))

    def _all_out(self) -> None:
        unparsed = [key for key, value in dict.items(self) if value is _UNPARSED]
        for key in [k for k in unparsed if k in self._values]:
            self._out(key)
        unparsed = [key for key in unparsed if dict.get(self, key) is _UNPARSED]
        unread = [key for key in unparsed if self._texts[key] is None]
        if unread:
            self._read(unread)  # one read for all of them
        for key in unparsed:
            text = self._texts.get(key)
            if text is not None:
                dict.__setitem__(self, key, _parse(key, text))

    def __getitem__(self, key: str) -> Any:
        self._out(key)
        return super().__getitem__(key)

    def get(self, key: str, default: Any = None) -> Any:
        self._out(key)
        return super().get(key, default)

    def setdefault(self, key: str, default: Any = None) -> Any:
        self._out(key)
        return super().setdefault(key, default)

    def pop(self, key: str, *default: Any) -> Any:
        self._out(key)
        return super().pop(key, *default)

    def popitem(self) -> tuple[str, Any]:
        self._all_out()
        return super().popitem()

    def __iter__(self) -> Iterator[str]:
        # Keys only, nothing to parse; overridden so that dict(doc) and {**doc}
        # take the keys() + __getitem__ path instead of copying placeholders.
        return super().__iter__()

    def items(self) -> ItemsView[str, Any]:  # type: ignore[override]
        self._all_out()
        return super().items()

    def values(self) -> ValuesView[Any]:  # type: ignore[override]
        self._all_out()
        return super().values()

    def copy(self) -> dict[str, Any]:
        self._all_out()
        return dict(super().items())

    def __eq__(self, other: object) -> bool:
        self._all_out()
        if isinstance(other, _Doc):
            other._all_out()
        return dict.__eq__(self, other) is True

    def __ne__(self, other: object) -> bool:
        return not self == other

    def __or__(self, other: Any) -> dict[str, Any]:  # type: ignore[override]
        if not isinstance(other, dict):
            return NotImplemented
        return {**self.copy(), **other}

    def __repr__(self) -> str:
        self._all_out()
        return dict.__repr__(self)

    def changes(self) -> tuple[dict[str, Any], dict[str, Any]]:
        before: dict[str, Any] = {}
        after: dict[str, Any] = {}
        texts = self._texts
        for key in list(texts):  # reading a big one may find it deleted meanwhile
            if not dict.__contains__(self, key):
                text = self._text_of(key)
                if text is not None:
                    before[key] = _parse(key, text)
        for key, value in list(dict.items(self)):
            if value is _UNPARSED:
                continue  # never handed out, never replaced
            stored = self._text_of(key) if key in texts else None
            if stored is None:
                after[key] = value  # new namespace (or gone from the store meanwhile)
            elif _text(value) != stored:
                before[key], after[key] = _parse(key, stored), value
        return before, after


def _parse(key: str, text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError as exc:
        # Reported, never taken for "no data": a save would overwrite what is left.
        raise StoreError(f"stored namespace {key!r} is corrupt (invalid JSON)") from exc


def _hands_over(reply: Reply) -> bool:
    return any(
        getattr(d, "object_type", None) == "Connections.SendRequest" for d in reply.directives
    )


def _at(doc: Any, path: tuple[str, ...]) -> Any:
    for key in path:
        if not isinstance(doc, dict):
            return None
        doc = doc.get(key)
    return doc


def _merge_friendly(ops: list[Op], snapshot: dict[str, Any]) -> list[Op]:
    """Write a dict this request created (a first check-in's ``checkin``, a new
    date) leaf by leaf: a concurrent request that created the same dict a moment
    earlier is then merged with, not replaced (found by tests/test_concurrency.py)."""
    out: list[Op] = []
    for op in ops:
        if isinstance(op, SetOp) and isinstance(op.value, dict):
            if op.value:
                leaves: list[Op] = [SetOp((*op.path, k), v) for k, v in op.value.items()]
                out.extend(_merge_friendly(leaves, snapshot))
            elif _at(snapshot, op.path) is not None:
                out.append(op)  # replaces damaged data; an absent empty dict is the default
        else:
            out.append(op)
    return out


def turn_of(handler_input: HandlerInput) -> Turn:
    turn = handler_input.attributes_manager.request_attributes.get(TURN_KEY)
    if not isinstance(turn, Turn):
        raise RuntimeError("request interceptor did not run")
    return turn
