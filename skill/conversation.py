"""A conversation with the skill, as Alexa would carry it: typed text → understanding
(:mod:`skill.understanding`: matcher + free-text triage) → envelope → runtime →
response, with the session carried between turns.

Used by ``hiprest chat``, the simulator page and the turn-script tests, so all
three exercise exactly the path a real request takes after verification.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from skill import envelopes
from skill.core.triage import TriageRules
from skill.dialogbias import ANSWER_OF, alexa_request
from skill.dialogbias import CATCH_ALL as CATCH_ALL_INTENT
from skill.envelopes import Caller, SlotInput
from skill.runtime import SkillRuntime
from skill.speech import validate_reprompt, validate_ssml
from skill.understanding.matcher import Match, Matcher
from skill.understanding.understand import Context, understand


def _strip_ssml(ssml: str) -> str:
    import re

    text = re.sub(r"<break[^>]*/>", " ", ssml)
    text = re.sub(r"<[^>]+>", "", text)
    import html

    return " ".join(html.unescape(text).split())


@dataclass
class Exchange:
    utterance: str | None
    match: Match | None
    request: dict[str, Any]
    response: dict[str, Any]

    @property
    def body(self) -> dict[str, Any]:
        body = self.response.get("response")
        return body if isinstance(body, dict) else {}

    @property
    def ssml(self) -> str:
        speech = self.body.get("outputSpeech") or {}
        return str(speech.get("ssml") or speech.get("text") or "")

    @property
    def reprompt_ssml(self) -> str:
        speech = (self.body.get("reprompt") or {}).get("outputSpeech") or {}
        return str(speech.get("ssml") or "")

    @property
    def text(self) -> str:
        return _strip_ssml(self.ssml)

    @property
    def reprompt(self) -> str:
        return _strip_ssml(self.reprompt_ssml)

    @property
    def card(self) -> dict[str, Any] | None:
        card = self.body.get("card")
        return card if isinstance(card, dict) else None

    @property
    def ended(self) -> bool:
        return bool(self.body.get("shouldEndSession", True))

    @property
    def session_attributes(self) -> dict[str, Any]:
        attrs = self.response.get("sessionAttributes")
        return attrs if isinstance(attrs, dict) else {}

    @property
    def directives(self) -> list[dict[str, Any]]:
        directives = self.body.get("directives")
        return directives if isinstance(directives, list) else []

    def problems(self) -> list[str]:
        issues = validate_ssml(self.ssml) if self.ssml else []
        if self.reprompt_ssml:
            issues += [f"reprompt: {p}" for p in validate_reprompt(self.reprompt_ssml)]
        return issues


@dataclass
class Conversation:
    runtime: SkillRuntime
    matcher: Matcher
    caller: Caller = field(default_factory=Caller)
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    session_id: str | None = None
    attributes: dict[str, Any] = field(default_factory=dict)
    history: list[Exchange] = field(default_factory=list)
    # intent -> slot -> custom slot type, so slots carry entity-resolution blocks
    slot_types: dict[str, dict[str, str]] = field(default_factory=dict)
    # The triage rules free text is read with; None: the shipped ones for the locale.
    rules: TriageRules | None = None
    # The last answer's Dialog.ElicitSlot / Dialog.ConfirmIntent directive: Alexa's
    # NLU is biased by it for the next utterance, and so is the console (the
    # simulator hands it back with the session).
    dialog: dict[str, Any] | None = None

    @property
    def in_session(self) -> bool:
        return self.session_id is not None

    def _session_kw(self) -> dict[str, Any]:
        new = self.session_id is None
        if new:
            self.session_id = f"amzn1.echo-api.session.{uuid.uuid4()}"
            self.attributes = {}
        return {"session_id": self.session_id, "new": new, "attributes": self.attributes}

    def send(
        self, env: dict[str, Any], utterance: str | None = None, match: Match | None = None
    ) -> Exchange:
        response = self.runtime.handle(env)
        exchange = Exchange(utterance, match, env, response)
        self.history.append(exchange)
        if env["request"]["type"] == "SessionEndedRequest" or exchange.ended:
            self.session_id, self.attributes = None, {}
        else:
            self.attributes = dict(exchange.session_attributes)
        self.dialog = next(
            (
                d
                for d in exchange.directives
                if d.get("type") in ("Dialog.ElicitSlot", "Dialog.ConfirmIntent")
            ),
            None,
        )
        return exchange

    def launch(self) -> Exchange:
        self.session_id = None
        return self.send(envelopes.launch(self.caller, self.clock(), **self._session_kw()))

    def intent(self, name: str, slots: Mapping[str, SlotInput | str] | None = None) -> Exchange:
        env = envelopes.intent(self.caller, self.clock(), name, slots, **self._session_kw())
        return self.send(env)

    def end(self) -> Exchange:
        env = envelopes.session_ended(self.caller, self.clock(), **self._session_kw())
        return self.send(env)

    def event(self, kind: str) -> Exchange:
        return self.send(envelopes.skill_event(self.caller, self.clock(), kind))

    def _rules(self) -> TriageRules:
        if self.rules is None:
            from skill.content import default_library

            rules = default_library().for_locale(self.caller.locale).sections["triage"]
            assert isinstance(rules, TriageRules)
            self.rules = rules
        return self.rules

    def _pending(self) -> str | None:
        pending = self.attributes.get("pending") if self.in_session else None
        kind = pending.get("kind") if isinstance(pending, dict) else None
        return kind if isinstance(kind, str) else None

    def _routine_phase(self) -> str | None:
        """The live routine's phase from the session (the routine handler's state)."""
        state = self.attributes.get("routine") if self.in_session else None
        phase = state.get("phase") if isinstance(state, dict) else None
        return phase if isinstance(phase, str) else None

    def _expecting(self) -> tuple[str, str] | None:
        """The slot the last answer elicited (Dialog.ElicitSlot), as Alexa biases NLU."""
        directive = self.dialog if self.in_session else None
        if directive is None or directive.get("type") != "Dialog.ElicitSlot":
            return None
        intent = (directive.get("updatedIntent") or {}).get("name")
        slot = directive.get("slotToElicit")
        if isinstance(intent, str) and isinstance(slot, str):
            return intent, slot
        return None

    def say(self, utterance: str) -> Exchange:
        context = Context(pending=self._pending(), locale=self.caller.locale,
                          expecting=self._expecting(), routine=self._routine_phase())
        match = understand(self.matcher, self._rules(), utterance, context).match
        # What a real Echo sends: the confirmed intent after Dialog.ConfirmIntent, the
        # catch-all's words for what no sample fits. Exchange.match stays what the
        # understanding decided.
        dialog = self.dialog if self.in_session else None
        sent, confirmation = alexa_request(match, utterance, dialog, self.caller.locale)
        if match.kind == "LaunchRequest":
            self.session_id = None
            env = envelopes.launch(self.caller, self.clock(), **self._session_kw())
        elif match.kind == "SessionEndedRequest":
            if not self.in_session:
                return Exchange(utterance, match, {}, {"version": "1.0", "response": {}})
            env = envelopes.session_ended(self.caller, self.clock(), **self._session_kw())
        else:
            name = sent.intent or "AMAZON.FallbackIntent"
            types = self.slot_types.get(name, {})
            # Alexa lists every declared slot, with no value where none was said.
            slots = {slot: SlotInput(None) for slot in self.matcher.slot_names(name)}
            slots.update(
                {
                    slot: SlotInput(s.value, s.resolved_id, s.resolved_name, types.get(slot))
                    for slot, s in sent.slots.items()
                }
            )
            env = envelopes.intent(self.caller, self.clock(), name, slots, **self._session_kw())
            if confirmation is not None:
                env["request"]["intent"]["confirmationStatus"] = confirmation
            if dialog is not None:
                env["request"]["dialogState"] = "IN_PROGRESS"
        # An elicited slot filled by the bias is what was understood; the catch-all
        # carries words that were not; after Dialog.ConfirmIntent the answer (yes or
        # no) is what was understood, whatever intent carries it back.
        if confirmation is not None:
            understood = Match("IntentRequest", ANSWER_OF[confirmation], {}, match.score)
        else:
            understood = match if sent.intent == CATCH_ALL_INTENT else sent
        return self.send(env, utterance, understood)
