"""The requests being timed: what a person says, turned into real envelopes.

Hip Rest scenarios are written as utterances and go through the development
matcher, so they follow the interaction model as it is today; a scenario whose
intent is not in the model yet is skipped with its reason. Setup turns (e.g.
starting a routine before timing "next") run once through the real runtime, and
the timed envelope carries the session attributes they left.
"""

from __future__ import annotations

import copy
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from skill import envelopes
from skill.conversation import Conversation
from skill.envelopes import Caller, SlotInput
from skill.matcher import Matcher
from skill.models import load_model, slot_types
from skill.runtime import SkillRuntime
from skill.store.base import UserStore
from skill.store.patch import DeleteOp, SetOp

SKILL_ID = envelopes.APP_ID
ZONE = "Europe/London"
# Any Settings API lookup goes to a closed local port: never the network.
API_ENDPOINT = "http://127.0.0.1:9"

Skill = Literal["hiprest", "hello"]


@dataclass
class Scenario:
    name: str
    skill: Skill
    reference: str  # the hello-world scenario it is compared with
    template: dict[str, Any] = field(default_factory=dict)
    reset: Callable[[], None] | None = None  # untimed, before every timed request
    skip: str | None = None

    def body(self) -> bytes:
        """A fresh copy of the envelope: new request id, timestamp now."""
        env = copy.deepcopy(self.template)
        request = env["request"]
        request["requestId"] = f"amzn1.echo-api.request.{uuid.uuid4()}"
        request["timestamp"] = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        return json.dumps(env).encode()


def caller(name: str) -> Caller:
    return Caller(user_id=f"amzn1.ask.account.BENCH-{name}", api_endpoint=API_ENDPOINT)


def local_today() -> date:
    return datetime.now(ZoneInfo(ZONE)).date()


def seed_profile(store: UserStore, user_id: str) -> None:
    """A returning user whose time zone is cached (no Settings API call)."""
    now = datetime.now(UTC)
    profile = {
        "v": 1,
        "launches": 12,
        "first_seen": (now - timedelta(days=60)).date().isoformat(),
        "time_zone": ZONE,
        "time_zone_checked": now.isoformat(),
    }
    store.update_namespaces(user_id, [SetOp(("profile",), profile)])


def checkin_days(count: int, today: date) -> dict[str, int]:
    """``count`` daily scores ending yesterday, in the check-in namespace's format."""
    return {
        (today - timedelta(days=back)).isoformat(): 3 + (back * 7) % 4
        for back in range(count, 0, -1)
    }


def seed_checkins(store: UserStore, user_id: str, count: int) -> None:
    store.update_namespaces(
        user_id, [SetOp(("checkin",), {"v": 1, "days": checkin_days(count, local_today())})]
    )


def routine_history(count: int, today: date) -> dict[str, dict[str, Any]]:
    """``count`` finished bedtime routines, one a night, in ``routine_history``'s format."""
    out: dict[str, dict[str, Any]] = {}
    for back in range(count, 0, -1):
        night = today - timedelta(days=back)
        out[night.isoformat()] = {
            "routine": "bedtime",
            "moves_done": 5,
            "moves_total": 5,
            "gentler": [],
            "completed": True,
            "at": f"{night.isoformat()}T22:15:00+00:00",
        }
    return out


def hello_scenarios() -> list[Scenario]:
    who = caller("hello")
    now = datetime.now(UTC)
    return [
        Scenario("launch", "hello", "launch", envelopes.launch(who, now)),
        Scenario(
            "help", "hello", "help", envelopes.intent(who, now, "AMAZON.HelpIntent", new=False)
        ),
        Scenario("session end", "hello", "end", envelopes.session_ended(who, now, new=False)),
    ]


@dataclass(frozen=True)
class Spoken:
    """A Hip Rest scenario as a person says it."""

    name: str
    utterance: str
    intents: tuple[str, ...]  # the model must have one of these, and the matcher pick it
    setup: tuple[str, ...] = ()
    reference: str = "help"
    # Stored namespaces put back as they were after setup, before every timed request,
    # so each one meets the same state (e.g. the same routine step).
    restore: tuple[str, ...] = ()


BEDSIDE = Spoken("bedside question", "where should i put the pillow", ("PillowIntent",))
ROUTINE = Spoken(
    "routine step",
    "next",
    ("AMAZON.NextIntent", "NextStepIntent", "RoutineNextIntent"),
    setup=("open hip rest", "start my bedtime routine"),
    restore=("routine",),
)
CHECKIN = Spoken("check-in", "my stiffness is four", ("CheckInIntent",))
SUMMARY = Spoken("weekly summary", "how was my week", ("StiffnessSummaryIntent",))


class Builder:
    """Turns utterances into envelopes for one store (setup runs through ``runtime``)."""

    def __init__(self, runtime: SkillRuntime, store: UserStore) -> None:
        self.runtime = runtime
        self.store = store
        self.model = load_model("en-US")
        self.matcher = Matcher(self.model)
        self.types = slot_types(self.model)
        names = self.model["interactionModel"]["languageModel"]["intents"]
        self.intents = {i["name"] for i in names}

    def conversation(self, user: str) -> Conversation:
        return Conversation(
            runtime=self.runtime, matcher=self.matcher, caller=caller(user), slot_types=self.types
        )

    def spoken(
        self, spec: Spoken, user: str, seed: Callable[[str], None] | None = None
    ) -> Scenario:
        """``seed(user_id)`` runs after the setup turns, before the state to restore is kept."""
        scenario = Scenario(spec.name, "hiprest", spec.reference)
        if not any(i in self.intents for i in spec.intents):
            scenario.skip = f"no {' / '.join(spec.intents)} in interaction_models/en-US.json yet"
            return scenario
        convo = self.conversation(user)
        seed_profile(self.store, convo.caller.user_id)
        for line in spec.setup:
            convo.say(line)
        match = self.matcher.match(spec.utterance)
        if match.intent not in spec.intents:
            scenario.skip = f"{spec.utterance!r} matches {match.intent}, not {spec.intents[0]}"
            return scenario
        slots = {
            k: SlotInput(
                s.value, s.resolved_id, s.resolved_name, self.types.get(match.intent, {}).get(k)
            )
            for k, s in match.slots.items()
        }
        if seed is not None:
            seed(convo.caller.user_id)
        if spec.restore:
            user_id = convo.caller.user_id
            saved = {k: self.store.load(user_id).get(k) for k in spec.restore}

            def restore() -> None:
                ops = [
                    SetOp((k,), v) if v is not None else DeleteOp((k,)) for k, v in saved.items()
                ]
                self.store.update_namespaces(user_id, ops)

            scenario.reset = restore
        kw = convo._session_kw()
        scenario.template = envelopes.intent(
            convo.caller, datetime.now(UTC), match.intent, slots, **kw
        )
        return scenario

    def launch(self, user: str) -> Scenario:
        who = caller(user)
        seed_profile(self.store, who.user_id)
        return Scenario("launch", "hiprest", "launch", envelopes.launch(who, datetime.now(UTC)))

    def session_end(self, user: str) -> Scenario:
        convo = self.conversation(user)
        seed_profile(self.store, convo.caller.user_id)
        convo.say("open hip rest")
        env = envelopes.session_ended(convo.caller, datetime.now(UTC), **convo._session_kw())
        return Scenario("session end", "hiprest", "end", env)

    def checkin(self, user: str, history: int = 30, spec: Spoken = CHECKIN) -> Scenario:
        """A first check-in of the day: today's score is removed before every request."""
        scenario = self.spoken(spec, user)
        if scenario.skip:
            return scenario
        user_id = caller(user).user_id
        seed_checkins(self.store, user_id, history)

        def reset() -> None:
            self.store.update_namespaces(
                user_id, [DeleteOp(("checkin", "days", local_today().isoformat()))]
            )

        scenario.reset = reset
        return scenario

    def per_request(self, tag: str) -> list[Scenario]:
        return [
            self.launch(f"{tag}-launch"),
            self.spoken(BEDSIDE, f"{tag}-bedside"),
            self.spoken(ROUTINE, f"{tag}-routine"),
            self.checkin(f"{tag}-checkin"),
            self.session_end(f"{tag}-end"),
        ]
