"""Bedside questions: pillows, which side, mattress, why it hurts, habits, professionals.

Each answer is one idea and ends with one follow-up question; the question is
remembered with ``turn.expect("bedside.<offer>")`` so the next yes/no is read in
context. The painful side is kept in the shared profile for every capability.
"""

from __future__ import annotations

from collections.abc import Callable

from pydantic import BaseModel, ConfigDict, Field

from skill.core.bedside import (
    BEDSIDE_KEY,
    Advice,
    BedsideState,
    as_position,
    as_side,
    night_pain_advice,
    pillow_advice,
    side_advice,
)
from skill.handlers.base import IntentHandler
from skill.profile import PROFILE_KEY, Profile, Side
from skill.registry import Registry
from skill.reply import Pause, Reply
from skill.turn import Turn

ASK_POSITION = "bedside.position"
ASK_SIDE = "bedside.side"
OFFER_STRETCH = "bedside.offer_stretch"
OFFER_PILLOWS = "bedside.offer_pillows"
# Every follow-up offer, in the order tried when an answer's own offer was already
# heard: from the one after it, round the list.
OFFERS = (
    OFFER_PILLOWS,
    OFFER_STRETCH,
    "bedside.offer_causes",
    "bedside.offer_habits",
    "bedside.offer_pro",
    "bedside.offer_who",
)
# Session attribute: offers already made, or whose answer was already given, this session.
HEARD_KEY = "bedside_heard"


class Heard(BaseModel):
    model_config = ConfigDict(extra="ignore", defer_build=True)  # built on first use
    offers: list[str] = Field(default_factory=list)


def _heard(turn: Turn) -> Heard:
    return turn.session_state(HEARD_KEY, Heard) or Heard()


def _spend(turn: Turn, *offers: str) -> None:
    """Mark offers as heard (made, or their answer given) for the rest of the session."""
    heard = _heard(turn)
    fresh = [o for o in offers if o not in heard.offers]
    if fresh:
        heard.offers += fresh
        turn.put_session(HEARD_KEY, heard)


def next_offer(preferred: str, heard: list[str]) -> str | None:
    """``preferred`` unless already heard, else the next unheard offer round the list."""
    start = OFFERS.index(preferred) if preferred in OFFERS else 0
    for offer in OFFERS[start:] + OFFERS[:start]:
        if offer not in heard:
            return offer
    return None


def _say(turn: Turn, advice: Advice) -> str:
    return turn.voice.line(advice.key, **advice.params)


def _with_offer(turn: Turn, offer: str, *parts: str | Pause) -> Reply:
    """An answer followed by one follow-up question, remembered for yes/no. The
    question is never one already heard this session; when none is left the
    answer closes the session."""
    v = turn.voice
    chosen = next_offer(offer, _heard(turn).offers)
    if chosen is None:
        turn.clear_pending()
        return Reply(end_session=True).say(*parts, v.line("bedside.goodnight"))
    _spend(turn, chosen)
    turn.expect(chosen)
    return Reply().say(*parts, v.line(chosen)).ask(v.line(f"{chosen}.reprompt"))


def _painful(turn: Turn) -> Side | None:
    return turn.state(PROFILE_KEY, Profile).painful_side


def _remember_side(turn: Turn, side: Side) -> None:
    if not turn.keeps_health_data:
        return
    profile = turn.state(PROFILE_KEY, Profile)
    profile.painful_side = side
    turn.put(PROFILE_KEY, profile)


def ask_position(turn: Turn) -> Reply:
    v = turn.voice
    turn.expect(ASK_POSITION)
    return Reply().say(v.line("bedside.position.ask")).ask(v.line("bedside.position.reprompt"))


def ask_side(turn: Turn) -> Reply:
    v = turn.voice
    turn.expect(ASK_SIDE)
    return Reply().say(v.line("bedside.side.ask")).ask(v.line("bedside.side.reprompt"))


def pillow_reply(turn: Turn, position_value: str | None, lying_on: Side | None = None) -> Reply:
    """Pillow advice for a named position, or the remembered one, or ask for it."""
    state = turn.state(BEDSIDE_KEY, BedsideState)
    position = as_position(position_value)
    if position is None:
        position = state.position
    if position is None:
        return ask_position(turn)
    if state.position != position:
        state.position = position
        turn.put(BEDSIDE_KEY, state)
    advice = pillow_advice(position, _painful(turn), lying_on)
    _spend(turn, OFFER_PILLOWS)  # pillow tips given: never offered again this session
    return _with_offer(turn, OFFER_STRETCH, _say(turn, advice))


class PillowHandler(IntentHandler):
    intents = ("PillowIntent",)

    def reply(self, turn: Turn) -> Reply:
        slot = turn.slot("Position")
        if slot.spoken and slot.resolved_id is None:
            # Heard a position we do not know ("on the sofa"): ask rather than guess.
            return ask_position(turn)
        return pillow_reply(turn, slot.resolved_id)


class WhichSideHandler(IntentHandler):
    intents = ("WhichSideIntent",)

    def reply(self, turn: Turn) -> Reply:
        side = as_side(turn.slot("Side").resolved_id)
        if turn.pending == ASK_POSITION and side in ("left", "right"):
            # "Left" in answer to "back, side or front?" is the side they sleep on.
            return pillow_reply(turn, "side", lying_on=side)
        if side is not None:
            _remember_side(turn, side)
            advice = side_advice(side, newly_told=True)
            return _with_offer(turn, OFFER_STRETCH, _say(turn, advice))
        known = _painful(turn)
        if known is None:
            return ask_side(turn)
        return _with_offer(turn, OFFER_STRETCH, _say(turn, side_advice(known, newly_told=False)))


# Fixed answers: intent -> (answer key, follow-up offer key). One handler serves them
# all, so adding a topic is a line of data, not a class.
TOPICS: dict[str, tuple[str, str]] = {
    "MattressIntent": ("bedside.mattress", "bedside.offer_pillows"),
    "WhyNightPainIntent": ("bedside.why_night", "bedside.offer_pillows"),
    "AboutMuscleIntent": ("bedside.muscle", "bedside.offer_causes"),
    "CausesIntent": ("bedside.causes", "bedside.offer_habits"),
    "DaytimeHabitsIntent": ("bedside.habits", "bedside.offer_pro"),
    "SeeProfessionalIntent": ("bedside.pro.when", "bedside.offer_who"),
    "WhoCanHelpIntent": ("bedside.pro.who", "bedside.offer_pillows"),
}
# Answers that some offer leads to: once given, that offer is spent for the session.
ANSWER_OF_OFFER: dict[str, str] = {
    "bedside.causes": "bedside.offer_causes",
    "bedside.habits": "bedside.offer_habits",
    "bedside.pro.when": "bedside.offer_pro",
    "bedside.pro.who": "bedside.offer_who",
}


class TopicHandler(IntentHandler):
    """A fixed answer and its follow-up offer, looked up by intent."""

    intents = tuple(TOPICS)

    def reply(self, turn: Turn) -> Reply:
        answer, offer = TOPICS[turn.intent or ""]
        return _answer(turn, answer, offer)


def _answer(turn: Turn, answer: str, offer: str) -> Reply:
    if answer in ANSWER_OF_OFFER:
        _spend(turn, ANSWER_OF_OFFER[answer])
    return _with_offer(turn, offer, turn.voice.line(answer))


def night_pain_reply(turn: Turn) -> Reply:
    v = turn.voice
    advice = night_pain_advice(_painful(turn))
    return _with_offer(
        turn, OFFER_STRETCH, _say(turn, advice), Pause(2), v.line("bedside.night_pain.breath"),
        Pause(3),
    )


class NightPainHandler(IntentHandler):
    intents = ("NightPainIntent",)

    def reply(self, turn: Turn) -> Reply:
        return night_pain_reply(turn)


def start_stretch(turn: Turn) -> Reply:
    """Hand over to the routine capability's bedtime routine when it offers one."""
    from skill.handlers import routine

    start: Callable[[Turn], Reply] | None = getattr(routine, "start_bedtime", None)
    turn.clear_pending()
    _spend(turn, OFFER_STRETCH)
    if start is not None:
        return start(turn)
    # Until the routine module exposes start_bedtime, tell the user the phrase that starts it.
    line = turn.voice.line("bedside.stretch_how")
    return Reply().say(line).ask(line)


def _topic(answer: str, offer: str) -> Callable[[Turn], Reply]:
    def act(turn: Turn) -> Reply:
        return _answer(turn, answer, offer)

    return act


YES_ACTIONS: dict[str, Callable[[Turn], Reply]] = {
    OFFER_STRETCH: start_stretch,
    OFFER_PILLOWS: lambda turn: pillow_reply(turn, None),
    "bedside.offer_causes": _topic("bedside.causes", "bedside.offer_habits"),
    "bedside.offer_habits": _topic("bedside.habits", "bedside.offer_pro"),
    "bedside.offer_pro": _topic("bedside.pro.when", "bedside.offer_who"),
    "bedside.offer_who": _topic("bedside.pro.who", "bedside.offer_pillows"),
    # A yes to an either/or question answers nothing: ask again, helpfully.
    ASK_POSITION: ask_position,
    ASK_SIDE: ask_side,
}


def on_yes(turn: Turn) -> Reply | None:
    action = YES_ACTIONS.get(turn.pending or "")
    return action(turn) if action is not None else None


def on_no(turn: Turn) -> Reply | None:
    if not (turn.pending or "").startswith("bedside."):
        return None
    turn.clear_pending()
    return Reply(end_session=True).say(turn.voice.line("bedside.declined"))


def on_unclear(turn: Turn) -> Reply | None:
    """Help or an unrecognised answer while we wait for a position or side: re-ask."""
    if turn.pending == ASK_POSITION:
        return ask_position(turn)
    if turn.pending == ASK_SIDE:
        return ask_side(turn)
    return None


def register(registry: Registry) -> None:
    """Add this capability's handlers and hooks."""
    deps = registry.deps
    registry.add(
        PillowHandler(deps),
        WhichSideHandler(deps),
        TopicHandler(deps),
        NightPainHandler(deps),
    )
    registry.on("yes", on_yes)
    registry.on("no", on_no)
    registry.on("help", on_unclear)
    registry.on("fallback", on_unclear)
