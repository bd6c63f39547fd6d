"""Night voice by request: "speak softly" / "my partner is asleep" (on), "speak
normally" (off), "only at night" (auto). The choice is kept in the shared
``profile`` (``night_voice``); :meth:`skill.turn.Turn.style` applies it to every
answer, and :mod:`skill.core.night` decides what "auto" means.

Dialog state: ``night.offer_stretch`` (after on/auto: "a gentle stretch?"),
``night.offer_auto`` (after off: "soft again at night, automatically?").
"""

from __future__ import annotations

from typing import ClassVar

from skill.handlers.base import IntentHandler
from skill.profile import PROFILE_KEY, Profile
from skill.registry import Registry
from skill.reply import Reply
from skill.turn import Turn

ON, OFF, AUTO = "NightVoiceOnIntent", "NightVoiceOffIntent", "NightVoiceAutoIntent"
OFFER_STRETCH = "night.offer_stretch"
OFFER_AUTO = "night.offer_auto"


def set_mode(turn: Turn, mode: str) -> None:
    profile = turn.state(PROFILE_KEY, Profile)
    if mode in ("on", "off", "auto") and profile.night_voice != mode:
        profile.night_voice = mode  # type: ignore[assignment]
        turn.put(PROFILE_KEY, profile)
    # This very answer already speaks the new way.
    turn.refresh_style()


def _offer_stretch(turn: Turn, reply: Reply) -> Reply:
    v = turn.voice
    turn.expect(OFFER_STRETCH)
    return reply.say(v.line("night.offer_stretch")).ask(v.line("night.offer_stretch.reprompt"))


class NightVoiceHandler(IntentHandler):
    modes: ClassVar[dict[str, str]] = {ON: "on", OFF: "off", AUTO: "auto"}
    intents = tuple(modes)

    def reply(self, turn: Turn) -> Reply:
        v = turn.voice
        mode = self.modes[turn.intent or ""]
        set_mode(turn, mode)
        if mode == "on":
            return _offer_stretch(turn, Reply().say(v.line("night.on")))
        if mode == "auto":
            return _offer_stretch(turn, Reply().say(v.line("night.auto")))
        turn.expect(OFFER_AUTO)
        return (
            Reply()
            .say(v.line("night.off"), v.line("night.offer_auto"))
            .ask(v.line("night.offer_auto.reprompt"))
        )


def on_yes(turn: Turn) -> Reply | None:
    if turn.pending == OFFER_STRETCH:
        turn.clear_pending()
        from skill.handlers.routine import start_bedtime

        return start_bedtime(turn)
    if turn.pending == OFFER_AUTO:
        turn.clear_pending()
        set_mode(turn, "auto")
        return Reply(end_session=True).say(turn.voice.line("night.auto.confirmed"))
    return None


def on_no(turn: Turn) -> Reply | None:
    if turn.pending == OFFER_STRETCH:
        turn.clear_pending()
        return Reply(end_session=True).say(turn.voice.line("night.goodnight"))
    if turn.pending == OFFER_AUTO:
        turn.clear_pending()
        return Reply(end_session=True).say(turn.voice.line("night.off.kept"))
    return None


def on_help(turn: Turn) -> Reply | None:
    if turn.pending not in (OFFER_STRETCH, OFFER_AUTO):
        return None
    v = turn.voice
    key = f"{turn.pending}.reprompt"
    turn.expect(turn.pending, **turn.pending_data)  # help keeps the offer open
    return Reply().say(v.line("night.help"), v.line(key)).ask(v.line(key))


def register(registry: Registry) -> None:
    """Add this capability's handlers and hooks."""
    registry.add(NightVoiceHandler(registry.deps))
    registry.on("yes", on_yes)
    registry.on("no", on_no)
    registry.on("help", on_help)
