"""Hostile-envelope generators and the harness that runs them, shared by
``tests/test_fuzz.py`` (a few hundred cases) and ``python -m tests.stress``.

Everything is derived at run time, so new capabilities are covered as they land:
intents, slots and slot values come from ``interaction_models/en-US.json``;
genuine session attributes and stored documents are harvested by driving every
intent once (then damaged leaf by leaf); pending-question kinds are scanned from
the handler sources.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flask.testing import FlaskClient
from hypothesis import strategies as st

from skill import envelopes
from skill.app import create_app
from skill.content import default_library
from skill.deps import Deps
from skill.envelopes import Caller, SlotInput
from skill.models import language_model, load_model
from skill.settings import load_settings
from skill.speech import validate_reprompt, validate_ssml
from skill.store.base import StoreError
from skill.store.patch import SetOp
from skill.store.sqlite import SqliteStore
from tests.support.dialog import FakeClock

REPO = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 3, 10, 22, 30, tzinfo=UTC)
MAX_RESPONSE_BYTES = 120 * 1024
USERS = tuple(f"amzn1.ask.account.FUZZ{i}" for i in range(3))

LONG = 10_000
HOSTILE_STRINGS: tuple[str, ...] = (
    "</speak>",
    "<speak>hi</speak>",
    "</speak><speak>",
    "<break time='100s'/>",
    '<audio src="https://example.com/x.mp3"/>',
    "<prosody rate='x-slow'>",
    "]]>",
    "<![CDATA[x]]>",
    "&amp;",
    "&",
    "&nbsp;",
    "<",
    ">",
    '"',
    "'",
    "<!DOCTYPE x [<!ENTITY a 'b'>]>&a;",
    "<?xml version='1.0'?>",
    "\x00",
    "\x07\x1b[31m\x08",
    "\ud800",
    "\u202e\u200b\ufeff",
    "🙂" * 50,
    "a" * LONG,
    "<" * LONG,
    "\x00" * LONG,
    "ten " * (LONG // 4),
    "</speak>" * (LONG // 8),
    "-1",
    "-5",
    "0",
    "-0",
    "10",
    "11",
    "100",
    "3.5",
    "7.5",
    "1e309",
    "-1e309",
    "NaN",
    "nan",
    "inf",
    "-inf",
    "Infinity",
    "0x10",
    "٣",
    "½",
    "9" * 40,
    "",
    "  ",
    "?",
    "null",
    "{}",
    "[]",
    "${jndi:ldap://127.0.0.1/x}",
    "'; DROP TABLE users; --",
    "%s%s%n",
    "../../etc/passwd",
)
UNKNOWN_REQUEST_TYPES = (
    "Alexa.Presentation.APL.UserEvent",
    "CanFulfillIntentRequest",
    "Connections.Response",
    "Messaging.MessageReceived",
    "System.ExceptionEncountered",
    "AlexaSkillEvent.SkillDisabled",
    "AlexaSkillEvent.SkillPermissionAccepted",
    "Dialog.API.Invoked",
    "Display.ElementSelected",
    "Made.Up.Request",
    "",
    "LaunchRequest ",
)
UNKNOWN_INTENTS = ("NoSuchIntent", "AMAZON.PauseIntent", "amazon.helpintent", "", "A" * 300)


# --------------------------------------------------------------------------
# What the skill knows, read from the repository
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class IntentSpec:
    name: str
    slots: tuple[tuple[str, str], ...]  # (slot name, slot type)


def model_intents(locale: str = "en-US") -> tuple[IntentSpec, ...]:
    lm = language_model(load_model(locale))
    return tuple(
        IntentSpec(i["name"], tuple((s["name"], s["type"]) for s in i.get("slots", [])))
        for i in lm["intents"]
    )


def slot_type_values(locale: str = "en-US") -> dict[str, list[tuple[str, str]]]:
    """type -> [(spoken value, id)], including synonyms."""
    lm = language_model(load_model(locale))
    out: dict[str, list[tuple[str, str]]] = {}
    for t in lm.get("types", []):
        for v in t.get("values", []):
            name = v["name"]["value"]
            vid = v.get("id") or name
            out.setdefault(t["name"], []).append((name, vid))
            for syn in v["name"].get("synonyms", []):
                out[t["name"]].append((syn, vid))
    return out


_KIND_RE = re.compile(r"""["']([a-z]+\.[a-z_]+)["']""")


def pending_kinds() -> tuple[str, ...]:
    """Every ``namespace.name`` literal in the handlers: the kinds turn.expect() stores."""
    kinds: set[str] = set()
    for path in sorted((REPO / "skill" / "handlers").glob("*.py")):
        kinds.update(_KIND_RE.findall(path.read_text(encoding="utf-8")))
    return tuple(sorted(kinds))


# --------------------------------------------------------------------------
# Hypothesis strategies
# --------------------------------------------------------------------------

junk_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63),
    st.sampled_from([10**30, -(10**30), 2**53 + 1]),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=12),
    st.sampled_from(HOSTILE_STRINGS),
)
junk_values = st.recursive(
    junk_scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(st.text(max_size=8), inner, max_size=3),
    ),
    max_leaves=6,
)
hostile_text = st.one_of(st.sampled_from(HOSTILE_STRINGS), st.text(max_size=40))


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out: list[tuple[Any, ...]] = []
    if isinstance(value, dict):
        for k, v in value.items():
            out.append((*prefix, k))
            out.extend(_paths(v, (*prefix, k)))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out.append((*prefix, i))
            out.extend(_paths(v, (*prefix, i)))
    return out


def _set_path(value: Any, path: tuple[Any, ...], new: Any, remove: bool) -> None:
    *parents, leaf = path
    for p in parents:
        value = value[p]
    if remove:
        del value[leaf]
    else:
        value[leaf] = new


@st.composite
def damaged(draw: st.DrawFn, value: Any, max_edits: int = 3) -> Any:
    """``value`` (JSON-plain) with 1..max_edits leaves removed or replaced by junk."""
    out = json.loads(json.dumps(value))
    for _ in range(draw(st.integers(1, max_edits))):
        paths = _paths(out)
        if not paths:
            return draw(junk_values)
        path = draw(st.sampled_from(paths))
        remove = draw(st.booleans())
        _set_path(out, path, None if remove else draw(junk_values), remove)
    return out


@dataclass
class Corpus:
    """Genuine state seen while driving every intent once."""

    sessions: list[dict[str, Any]] = field(default_factory=list)
    docs: list[dict[str, Any]] = field(default_factory=list)
    namespaces: tuple[str, ...] = ()


@dataclass
class Case:
    label: str  # short category, for the stress histogram
    body: bytes
    user_id: str
    junk_ops: list[SetOp] = field(default_factory=list)


def _slot_json(
    draw: st.DrawFn, name: str, slot_type: str, values: dict[str, list[tuple[str, str]]]
) -> Any:
    known = values.get(slot_type, [])
    choice = draw(st.integers(0, 9))
    custom = None if slot_type.startswith("AMAZON.") else slot_type
    if choice <= 1 and known:
        value, vid = draw(st.sampled_from(known))
        return envelopes.slot_json(name, SlotInput(value, vid, value, custom))
    if choice == 2:  # resolved to an id the model does not have
        return envelopes.slot_json(
            name, SlotInput(draw(hostile_text), draw(hostile_text), draw(hostile_text), custom)
        )
    if choice == 3:  # a wrong JSON type where a string belongs
        return {"name": name, "value": draw(junk_values)}
    if choice == 4:
        return draw(junk_values)
    return envelopes.slot_json(
        name, SlotInput(draw(hostile_text), None, None, custom if draw(st.booleans()) else None)
    )


def _session_attributes(draw: st.DrawFn, corpus: Corpus, kinds: tuple[str, ...]) -> Any:
    choice = draw(st.integers(0, 9))
    if choice <= 1 or not corpus.sessions:
        return {}
    if choice <= 3:  # a copy: later mutation must not change the corpus between examples
        return json.loads(json.dumps(draw(st.sampled_from(corpus.sessions))))
    if choice <= 6:
        return draw(damaged(draw(st.sampled_from(corpus.sessions))))
    if choice == 7:  # a pending question of a real kind with junk data
        return {
            "pending": {
                "kind": draw(st.sampled_from(kinds)) if kinds else "x.y",
                "data": draw(junk_values),
            }
        }
    if choice == 8:
        return {"pending": draw(junk_values), "voice_style": draw(junk_values)}
    return draw(junk_values)


def _junk_ops(draw: st.DrawFn, corpus: Corpus) -> list[SetOp]:
    choice = draw(st.integers(0, 5))
    if choice <= 1:
        return []
    if choice <= 3 and corpus.docs:
        doc = draw(damaged(draw(st.sampled_from(corpus.docs))))
        if not isinstance(doc, dict):
            doc = {"junk": doc}
        return [SetOp((k,), v) for k, v in doc.items()]
    spaces = corpus.namespaces or ("profile",)
    keys = draw(st.lists(st.sampled_from(spaces), min_size=1, max_size=3, unique=True))
    return [SetOp((k,), draw(junk_values)) for k in keys]


def _mutate_envelope(draw: st.DrawFn, env: dict[str, Any]) -> dict[str, Any]:
    for _ in range(draw(st.integers(1, 3))):
        paths = _paths(env)
        path = draw(st.sampled_from(paths))
        remove = draw(st.booleans())
        _set_path(env, path, None if remove else draw(junk_values), remove)
    return env


def _encode(env: Any) -> bytes:
    # ensure_ascii: lone surrogates travel as \ud800 escapes, as a hostile client could send.
    return json.dumps(env).encode()


@st.composite
def cases(
    draw: st.DrawFn,
    intents: tuple[IntentSpec, ...],
    values: dict[str, list[tuple[str, str]]],
    corpus: Corpus,
    kinds: tuple[str, ...],
) -> Case:
    user_id = draw(st.sampled_from(USERS))
    caller = Caller(user_id=user_id, device_id="amzn1.ask.device.FUZZDEVICE")
    kind = draw(
        st.sampled_from(
            ["intent"] * 6 + ["launch", "ended", "unknown_type", "unknown_intent", "raw_junk"]
        )
    )
    session = {
        "new": draw(st.booleans()),
        "attributes": _session_attributes(draw, corpus, kinds),
    }
    if kind == "raw_junk":
        env: Any = draw(junk_values)
        return Case(kind, _encode(env), user_id)
    if kind == "launch":
        env = envelopes.launch(caller, NOW)
    elif kind == "ended":
        env = envelopes.session_ended(caller, NOW)
        env["request"]["reason"] = draw(st.sampled_from(["ERROR", "EXCEEDED_MAX_REPROMPTS", "x"]))
    elif kind == "unknown_type":
        env = envelopes.launch(caller, NOW)
        env["request"]["type"] = draw(st.sampled_from(UNKNOWN_REQUEST_TYPES))
    else:
        if kind == "unknown_intent":
            spec = IntentSpec(draw(st.sampled_from(UNKNOWN_INTENTS)), ())
        else:
            spec = draw(st.sampled_from(intents))
        env = envelopes.intent(caller, NOW, spec.name)
        slots: dict[str, Any] = {}
        for name, slot_type in spec.slots:
            if draw(st.integers(0, 4)) > 0:
                slots[name] = _slot_json(draw, name, slot_type, values)
        if draw(st.integers(0, 9)) == 0:
            slots[draw(st.text(max_size=10))] = _slot_json(draw, "Extra", "AMAZON.SearchQuery", {})
        env["request"]["intent"]["slots"] = slots
    env["session"]["new"] = session["new"]
    env["session"]["attributes"] = session["attributes"]
    label = kind
    if draw(st.integers(0, 4)) == 0:
        env = _mutate_envelope(draw, env)
        label = f"{kind}+mutated"
    return Case(label, _encode(env), user_id, _junk_ops(draw, corpus))


# --------------------------------------------------------------------------
# The harness: the dev app (verification off) through Flask's test client
# --------------------------------------------------------------------------


@dataclass
class Outcome:
    status: int
    problems: list[str]


@dataclass
class Tally:
    cases: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    labels: Counter[str] = field(default_factory=Counter)
    server_errors: int = 0
    ssml_problems: int = 0
    refused_but_changed: int = 0
    oversized: int = 0
    examples: list[str] = field(default_factory=list)

    def add(self, case: Case, outcome: Outcome) -> None:
        self.cases += 1
        self.statuses[outcome.status] += 1
        self.labels[case.label] += 1
        if outcome.status >= 500:
            self.server_errors += 1
        for p in outcome.problems:
            if p.startswith("ssml") or p.startswith("reprompt"):
                self.ssml_problems += 1
            elif p.startswith("refused"):
                self.refused_but_changed += 1
            elif p.startswith("response"):
                self.oversized += 1
        if outcome.problems and len(self.examples) < 5:
            self.examples.append(f"{case.label}: {outcome.problems[:3]}")


class Harness:
    """One dev app over a SQLite store in ``root``."""

    def __init__(self, root: Path, *, quiet: bool = False) -> None:
        self.root = root
        settings = load_settings(dev=True, data_dir=root / "data")
        self.store = SqliteStore(root / "fuzz.db")
        self.clock = FakeClock(NOW)
        self.deps = Deps(
            settings=settings, store=self.store, content=default_library(), clock=self.clock
        )
        self.app = create_app(settings, deps=self.deps)
        self.client: FlaskClient = self.app.test_client()
        if quiet:  # one log line per request would drown a stress run's summary
            logging.getLogger("hiprest").setLevel(logging.CRITICAL + 1)
        self.intents = model_intents()
        self.values = slot_type_values()
        self.kinds = pending_kinds()
        self.corpus = self._harvest()

    def close(self) -> None:
        self.store.close()

    def _post(self, env: dict[str, Any]) -> dict[str, Any]:
        response = self.client.post("/alexa", data=_encode(env), content_type="application/json")
        data = response.get_json(silent=True)
        return data if response.status_code == 200 and isinstance(data, dict) else {}

    def _harvest(self) -> Corpus:
        """Drive every intent with its slot values, then yes/no/next, collecting state."""
        corpus = Corpus()
        caller = Caller(user_id="amzn1.ask.account.HARVEST")
        follow = ["AMAZON.YesIntent", "AMAZON.NextIntent", "AMAZON.NoIntent"]
        for spec in self.intents:
            attrs: dict[str, Any] = {}
            slot_sets: list[dict[str, SlotInput | str]] = [{}]
            for name, slot_type in spec.slots:
                for value, vid in self.values.get(slot_type, [("3", "3"), ("7", "7")])[:3]:
                    custom = None if slot_type.startswith("AMAZON.") else slot_type
                    slot_sets.append({name: SlotInput(value, vid, value, custom)})
            for slots in slot_sets:
                out = self._post(envelopes.launch(caller, NOW))
                attrs = out.get("sessionAttributes") or {}
                steps = [(spec.name, slots)] + [(f, {}) for f in follow]
                for name, step_slots in steps:
                    env = envelopes.intent(caller, NOW, name, step_slots, new=False)
                    env["session"]["attributes"] = attrs
                    out = self._post(env)
                    attrs = out.get("sessionAttributes") or {}
                    if attrs and attrs not in corpus.sessions:
                        corpus.sessions.append(attrs)
                doc = self.store.load(caller.user_id)
                if doc and doc not in corpus.docs:
                    corpus.docs.append(doc)
        self.store.delete(caller.user_id)
        known = {"profile", "bedside", "routine", "routine_history", "checkin"}
        spaces = {k for d in corpus.docs for k in d} | known
        corpus.namespaces = tuple(sorted(spaces))
        return corpus

    def strategy(self) -> st.SearchStrategy[Case]:
        return cases(self.intents, self.values, self.corpus, self.kinds)

    def snapshot(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for uid in USERS:
            try:
                out[uid] = self.store.load(uid)
            except StoreError as exc:  # the store must never be left unreadable
                out[uid] = f"unreadable: {exc}"
        return out

    def run(self, case: Case) -> Outcome:
        if case.junk_ops:
            # The store refuses what JSON/UTF-8 cannot hold (a lone surrogate).
            with contextlib.suppress(ValueError):
                self.store.update(case.user_id, case.junk_ops)
        before = self.snapshot()
        response = self.client.post("/alexa", data=case.body, content_type="application/json")
        after = self.snapshot()
        return Outcome(
            response.status_code, judge(response.status_code, response.data, before, after)
        )


def judge(status: int, raw: bytes, before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """Everything that must hold for any request, however hostile."""
    problems: list[str] = []
    if status >= 500:
        problems.append(f"server error {status}")
    if len(raw) > MAX_RESPONSE_BYTES:
        problems.append(f"response is {len(raw)} bytes")
    if any(isinstance(v, str) and v.startswith("unreadable") for v in after.values()):
        problems.append("store: left unreadable")
    if 400 <= status < 500 and before != after:
        problems.append("refused request changed stored data")
    if status != 200:
        return problems
    try:
        data = json.loads(raw)
    except ValueError:
        return [*problems, "response is not JSON"]
    body = data.get("response") if isinstance(data, dict) else None
    if not isinstance(body, dict):
        return [*problems, "response has no response object"]
    speech = body.get("outputSpeech")
    if speech is not None:
        if speech.get("type") != "SSML":
            problems.append("ssml: outputSpeech is not SSML")
        problems += [f"ssml: {p}" for p in validate_ssml(str(speech.get("ssml", "")))]
    reprompt = (body.get("reprompt") or {}).get("outputSpeech")
    if reprompt is not None:
        problems += [f"reprompt: {p}" for p in validate_reprompt(str(reprompt.get("ssml", "")))]
    return problems


def temp_harness(*, quiet: bool = False) -> tuple[Harness, tempfile.TemporaryDirectory[str]]:
    tmp = tempfile.TemporaryDirectory(prefix="hiprest-fuzz-")
    return Harness(Path(tmp.name), quiet=quiet), tmp
