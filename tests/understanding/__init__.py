"""Evaluation harness for understanding and triage (issue 14).

Runs every item of a phrasing file as a fresh user through the real runtime and
``Conversation.say``, after putting the skill in the item's dialog ``state`` with
structured requests (never phrase matching), and scores it by what the skill did:

* ``red_flag``: a red flag recorded (store namespace ``safety.red_flags``) at exactly
  ``level``, or at a more urgent level with a safety question still pending;
* ``clarify``: a safety question pending (session attribute ``pending`` whose kind
  starts with ``safety.``), or a red flag recorded at ``level`` or more urgent;
* ``ordinary``: no red flag recorded and no safety question pending;
* ``intent``: ``Exchange.match.intent`` in the accepted list (slots equal when given).
  Two label spellings count as the request they name: a slot label is read through the
  model's values and synonyms ("front" is the ``stomach`` position), and a score said
  as a bare number or as "my stiffness is 4" is the same request (``CheckInIntent`` and
  ``LogScoreIntent`` both log it; Alexa sends the former when it elicited the score).

Only those observables are used, so the same harness measures the code before and
after a change. Figures for files under ``tests/data/heldout/`` are aggregates only.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import yaml

from skill.builder import build_skill
from skill.content import default_library
from skill.conversation import Conversation, Exchange
from skill.deps import Deps
from skill.envelopes import Caller, SlotInput
from skill.matcher import Matcher
from skill.models import load_model, slot_types
from skill.runtime import SkillRuntime
from skill.settings import load_settings
from skill.store.memory import MemoryStore
from skill.understanding.learned import LearnedIntents, default_learned

LEVELS = ("emergency", "urgent", "same_day", "doctor", "gp")
EXPECTS = ("red_flag", "clarify", "ordinary", "intent")
HELDOUT_DIR = Path(__file__).resolve().parents[1] / "data" / "heldout"
# A Tuesday morning: daytime voice, a check-in is due, nothing reads the wall clock.
START = datetime(2026, 3, 10, 9, 30, tzinfo=UTC)


class DataError(ValueError):
    """A phrasing file that does not follow the item format."""


@dataclass(frozen=True)
class Item:
    say: str
    expect: str
    level: str | None = None
    intents: tuple[str, ...] = ()
    slots: Mapping[str, str] = field(default_factory=dict)
    state: str = "none"
    locale: str = "en-US"


@dataclass(frozen=True)
class Outcome:
    item: Item
    passed: bool
    levels: tuple[str, ...]  # red-flag urgencies recorded by this utterance
    pending: str | None  # the pending question after it
    intent: str | None  # what the understanding decided
    slots: Mapping[str, str]
    said: str


# Intents that are one request when they carry a score (see the module docstring).
SCORE_INTENTS = frozenset({"CheckInIntent", "LogScoreIntent"})


def _slot_id(value: Any) -> str | None:
    resolved = getattr(value, "resolved_id", None)
    return resolved if resolved is not None else getattr(value, "value", None)


def load_items(path: Path) -> list[Item]:
    raw = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    entries = raw.get("items") if isinstance(raw, dict) else None
    if not isinstance(entries, list):
        raise DataError(f"{path}: expected a mapping with an 'items' list")
    items: list[Item] = []
    for index, entry in enumerate(entries):
        where = f"{path} item {index + 1}"
        if not isinstance(entry, dict) or not isinstance(entry.get("say"), str):
            raise DataError(f"{where}: needs a 'say' string")
        expect = entry.get("expect")
        if expect not in EXPECTS:
            raise DataError(f"{where}: expect must be one of {EXPECTS}")
        level = entry.get("level")
        if expect == "red_flag" and level not in LEVELS:
            raise DataError(f"{where}: a red_flag item needs a level in {LEVELS}")
        if level is not None and level not in LEVELS:
            raise DataError(f"{where}: unknown level {level!r}")
        wanted = entry.get("intent")
        intents = tuple(wanted) if isinstance(wanted, list) else ((wanted,) if wanted else ())
        if expect == "intent" and not intents:
            raise DataError(f"{where}: an intent item needs 'intent'")
        state = entry.get("state") or "none"
        if state not in STATES:
            raise DataError(f"{where}: unknown state {state!r}")
        items.append(Item(
            say=entry["say"], expect=expect, level=level, intents=tuple(map(str, intents)),
            slots={str(k): str(v) for k, v in (entry.get("slots") or {}).items()},
            state=state, locale=str(entry.get("locale") or "en-US"),
        ))
    return items


# --------------------------------------------------------------------------- states

def _slot(value: str, slot_type: str) -> SlotInput:
    # With its type, as Alexa resolves it: without the resolution block the handler
    # sees no known value (no routine starts, the reminder kind is unknown).
    return SlotInput(value, value, value, slot_type)


def _routine(name: str) -> Callable[[Conversation], None]:
    def setup(convo: Conversation) -> None:
        convo.launch()
        convo.intent("StartRoutineIntent", {"RoutineName": _slot(name, "RoutineName")})
    return setup


def _hold(convo: Conversation) -> None:
    _routine("bedtime")(convo)
    convo.intent("AMAZON.NextIntent")


def _requests(*steps: tuple[str, Mapping[str, SlotInput | str] | None]) -> Callable[
        [Conversation], None]:
    def setup(convo: Conversation) -> None:
        convo.launch()
        for name, slots in steps:
            convo.intent(name, slots)
    return setup


STATES: dict[str, Callable[[Conversation], None]] = {
    "none": lambda convo: None,
    "bedtime_routine": _routine("bedtime"),
    "hold": _hold,
    "strength_routine": _routine("strengthening"),
    "checkin_score": _requests(("CheckInIntent", None)),
    # "Remind me to stretch tomorrow": a one-off without its time asks "What time?".
    "reminder_time": _requests(("SetReminderIntent", {
        "ReminderKind": _slot("stretch", "ReminderKind"), "Period": SlotInput("tomorrow")})),
    "delete_confirm": _requests(("DeleteDataIntent", None)),
    "numbness_followup": _requests(("RedFlagIntent", {"Symptom": SlotInput("numb")})),
    # "Can you stand and put weight on that leg?" after a fall said with no word on walking.
    "fall_followup": _requests(("RedFlagIntent", {"Symptom": SlotInput("i fell")})),
    # "Is it hard to control, or hard to feel, when you need to go?"
    "bladder_followup": _requests(("RedFlagIntent", {"Symptom": SlotInput(
        "i keep needing the toilet")})),
    "pillow_position": _requests(("PillowIntent", None)),
}


# --------------------------------------------------------------------------- running

class Harness:
    """One runtime and store for a whole run; every item is a new user."""

    def __init__(self, learned: LearnedIntents | Literal["default"] | None = "default") -> None:
        # The learned reading the skill ships, unless a run compares another (crossval).
        self._learned = default_learned() if learned == "default" else learned
        self._tmp = tempfile.TemporaryDirectory(prefix="hiprest-eval-")
        self.now = START
        self.store = MemoryStore()
        settings = load_settings(dev=True, data_dir=Path(self._tmp.name))
        deps = Deps(settings=settings, store=self.store, content=default_library(),
                    clock=self.clock)
        self.runtime = SkillRuntime(build_skill(deps))
        self._models: dict[str, tuple[Matcher, dict[str, dict[str, str]]]] = {}
        self._labels: dict[str, dict[str, dict[str, str]]] = {}
        self._count = 0

    def clock(self) -> datetime:
        return self.now

    def close(self) -> None:
        self._tmp.cleanup()

    def _model(self, locale: str) -> tuple[Matcher, dict[str, dict[str, str]]]:
        if locale not in self._models:
            model = load_model(locale)
            self._models[locale] = (Matcher(model, learned=self._learned),
                                    slot_types(model))
            self._labels[locale] = _label_ids(model)
        return self._models[locale]

    def _flags(self, user_id: str) -> dict[str, Any]:
        safety = self.store.load(user_id).get("safety")
        flags = safety.get("red_flags") if isinstance(safety, dict) else None
        return dict(flags) if isinstance(flags, dict) else {}

    def run(self, item: Item) -> Outcome:
        self._count += 1
        user_id = f"amzn1.ask.account.EVAL{self._count:06d}"
        matcher, types = self._model(item.locale)
        convo = Conversation(runtime=self.runtime, matcher=matcher,
                             caller=Caller(user_id=user_id, locale=item.locale),
                             clock=self.clock, slot_types=types)
        STATES[item.state](convo)
        before = self._flags(user_id)
        exchange = convo.say(item.say)
        after = self._flags(user_id)
        # A record is keyed by the clock's time, which stands still here: one made in
        # the setup (the fall when asked) is replaced, not added, by this utterance's.
        levels = tuple(str(v.get("urgency")) for k, v in after.items()
                       if before.get(k) != v and isinstance(v, dict))
        pending = _pending(exchange)
        match = exchange.match
        intent = match.intent if match is not None else None
        slots = {name: str(_slot_id(v)) for name, v in (match.slots if match else {}).items()}
        labels = self._labels[item.locale]
        intent_types = types.get(intent or "", {})
        wanted = {k: labels.get(intent_types.get(k, ""), {}).get(v.lower(), v)
                  for k, v in item.slots.items()}
        passed = _passes(item, levels, pending, intent, slots, wanted)
        return Outcome(item, passed, levels, pending, intent, slots, exchange.text)


def _pending(exchange: Exchange) -> str | None:
    if exchange.ended:
        return None
    pending = exchange.session_attributes.get("pending")
    kind = pending.get("kind") if isinstance(pending, dict) else None
    return kind if isinstance(kind, str) else None


def _rank(level: str) -> int:
    return LEVELS.index(level) if level in LEVELS else len(LEVELS)


def _label_ids(model: Mapping[str, Any]) -> dict[str, dict[str, str]]:
    """slot type -> any value or synonym (lower case) -> the value's id."""
    out: dict[str, dict[str, str]] = {}
    for slot_type in model["interactionModel"]["languageModel"].get("types", []):
        names = out.setdefault(slot_type["name"], {})
        for value in slot_type.get("values", []):
            ident = value.get("id") or value["name"]["value"]
            for said in (ident, value["name"]["value"], *value["name"].get("synonyms", [])):
                names.setdefault(str(said).lower(), ident)
    return out


def _passes(item: Item, levels: Sequence[str], pending: str | None, intent: str | None,
            slots: Mapping[str, str], wanted: Mapping[str, str] | None = None) -> bool:
    asking = pending is not None and pending.startswith("safety.")
    if item.expect == "red_flag":
        assert item.level is not None
        want = _rank(item.level)
        return item.level in levels or (asking and any(_rank(lv) < want for lv in levels))
    if item.expect == "clarify":
        want = _rank(item.level) if item.level else len(LEVELS)
        return asking or any(_rank(lv) <= want for lv in levels)
    if item.expect == "ordinary":
        return not levels and not asking
    wanted = item.slots if wanted is None else wanted
    accepted = set(item.intents)
    if accepted & SCORE_INTENTS and "Score" in slots:
        accepted |= SCORE_INTENTS
    return intent in accepted and all(slots.get(k) == v for k, v in wanted.items())


def run_items(items: Iterable[Item],
              learned: LearnedIntents | Literal["default"] | None = "default") -> list[Outcome]:
    harness = Harness(learned)
    try:
        return [harness.run(item) for item in items]
    finally:
        harness.close()


# --------------------------------------------------------------------------- figures

@dataclass(frozen=True)
class Figure:
    name: str
    passed: int
    total: int

    @property
    def rate(self) -> float:
        return self.passed / self.total if self.total else 1.0

    def line(self) -> str:
        return f"{self.name:<34} {self.passed:>4} / {self.total:<4} {100 * self.rate:6.1f}%"


def figures(outcomes: Sequence[Outcome]) -> dict[str, Figure]:
    """Pass counts per class, red flags per level, and per dialog state."""
    groups: dict[str, list[Outcome]] = {}

    def add(name: str, outcome: Outcome) -> None:
        groups.setdefault(name, []).append(outcome)

    for outcome in outcomes:
        item = outcome.item
        add("all", outcome)
        add(f"class {item.expect}", outcome)
        if item.expect == "red_flag":
            add(f"red_flag {item.level}", outcome)
        add(f"state {item.state}", outcome)
    result = {name: Figure(name, sum(o.passed for o in group), len(group))
              for name, group in sorted(groups.items())}
    ordinary = groups.get("class ordinary", [])
    alarms = sum(not o.passed for o in ordinary)
    result["false alarms (ordinary)"] = Figure("false alarms (ordinary)", alarms, len(ordinary))
    return result


def report(outcomes: Sequence[Outcome], *, misses: bool) -> str:
    lines = [f.line() for f in figures(outcomes).values()]
    if misses:
        for o in outcomes:
            if o.passed:
                continue
            want = o.item.level or ",".join(o.item.intents)
            lines.append(
                f"MISS [{o.item.state}] {o.item.say!r} expect {o.item.expect} {want}"
                f" -> flags={list(o.levels)} pending={o.pending} intent={o.intent}"
                f" slots={dict(o.slots)}"
            )
    return "\n".join(lines)


def is_heldout(path: Path) -> bool:
    resolved = Path(path).resolve()
    return resolved == HELDOUT_DIR or HELDOUT_DIR in resolved.parents
