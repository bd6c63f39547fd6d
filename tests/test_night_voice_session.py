"""The night-voice decision is cached in the session: later turns skip the profile."""

from __future__ import annotations

from skill.conversation import Conversation
from skill.envelopes import Caller
from skill.store.patch import SetOp
from skill.store.sqlite import SqliteStore
from skill.turn import VOICE_KEY

SOFT_MARK = 'prosody volume="soft" rate="90%"'
USER = Caller().user_id


def test_the_mode_is_decided_at_the_first_turn_and_kept_for_the_session(
    convo: Conversation, store: SqliteStore
) -> None:
    first = convo.say("open hip rest")
    assert first.session_attributes[VOICE_KEY]["mode"] == "auto"
    # A change behind the session's back (another device) waits for the next session.
    store.update(USER, [SetOp(("profile", "night_voice"), "on")])
    assert SOFT_MARK not in convo.say("where should i put the pillow").ssml


def test_changing_the_setting_by_voice_takes_effect_at_once(convo: Conversation) -> None:
    convo.say("open hip rest")
    changed = convo.say("speak softly")
    assert SOFT_MARK in changed.ssml
    assert changed.session_attributes[VOICE_KEY]["mode"] == "on"
    assert SOFT_MARK in convo.say("where should i put the pillow").ssml


def test_a_damaged_cache_is_decided_again(convo: Conversation) -> None:
    convo.say("open hip rest")
    convo.attributes[VOICE_KEY] = {"mode": "auto", "zone": "Not/AZone"}
    reply = convo.say("where should i put the pillow")
    assert reply.session_attributes[VOICE_KEY]["zone"] != "Not/AZone"
