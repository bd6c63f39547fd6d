"""Routines through the dev matcher and the real runtime: dialogues, SSML hold timing,
resume across sessions, pain-aware pacing and the stored history."""

from __future__ import annotations

import re
from typing import Any

from skill import envelopes
from skill.conversation import Conversation
from skill.core.routine import completed_nights
from skill.core.routine_history import HISTORY_KEY
from skill.envelopes import Caller, SlotInput
from skill.runtime import SkillRuntime
from skill.speech import estimate_ssml_seconds
from skill.store.patch import diff
from skill.store.sqlite import SqliteStore
from tests.support.dialog import FakeClock, run_script

USER = Caller().user_id
_BREAK = re.compile(r'<break time="(\d+(?:\.\d+)?)(ms|s)"/>')


def breaks(ssml: str) -> list[float]:
    """Every timed break in the SSML, in seconds."""
    return [float(v) / (1000 if unit == "ms" else 1) for v, unit in _BREAK.findall(ssml)]


def history(store: SqliteStore) -> dict[str, Any]:
    doc = store.load(USER).get(HISTORY_KEY)
    assert isinstance(doc, dict)
    return doc


def routine_doc(store: SqliteStore) -> dict[str, object]:
    doc = store.load(USER).get("routine")
    assert isinstance(doc, dict)
    return doc


def test_start_gives_the_first_move_with_real_silence_within_limits(convo: Conversation) -> None:
    convo.launch()
    ex = convo.say("start my bedtime stretches")
    assert not ex.problems() and not ex.ended
    pauses = breaks(ex.ssml)
    assert sum(pauses) >= 15 and max(pauses) <= 10
    assert estimate_ssml_seconds(ex.ssml) <= 240
    assert re.search(r"halfway", ex.text, re.I) and re.search(r"and release", ex.text, re.I)
    assert re.search(r"say next", ex.reprompt, re.I)


def test_next_repeat_keep_the_session_open_and_stop_saves(convo: Conversation) -> None:
    run_script(
        convo,
        """
        U: <launch>
        U: start my bedtime stretches
        A: move 1 of 6
        U: next
        A: move 2 of 6: knee to chest
        A: <open>
        U: repeat
        A: knee to chest
        A: <open>
        U: how many are left
        A: move 2 of 6, with 4 more
        U: stop
        A: saved your place at knee to chest
        A: <ends>
        """,
    )


def test_a_new_session_offers_to_continue_and_resume_continues_at_the_saved_move(
    convo: Conversation, clock: FakeClock
) -> None:
    run_script(
        convo,
        """
        U: <launch>
        U: start my bedtime stretches
        U: next
        U: next
        U: next
        A: pelvic tilts
        U: stop
        A: <ends>
        """,
    )
    clock.advance(hours=1)
    run_script(
        convo,
        """
        U: <launch>
        A: you stopped your bedtime stretches at pelvic tilts. would you like to carry on
        U: yes
        A: picking up at pelvic tilts
        A: !move 1 of 6
        """,
    )
    convo.say("stop")
    clock.advance(hours=1)
    run_script(
        convo,
        """
        U: resume my stretches
        A: picking up at pelvic tilts
        A: <open>
        """,
    )


def test_the_resume_offer_lapses_after_twelve_hours_and_no_forgets_it(
    convo: Conversation, clock: FakeClock
) -> None:
    for text in ("open hip rest", "start my bedtime stretches", "stop"):
        convo.say(text)
    clock.advance(hours=13)
    assert not re.search("carry on", convo.launch().text, re.I)
    convo.say("stop")
    for text in ("start my bedtime stretches", "stop"):
        convo.say(text)
    assert re.search("carry on", convo.launch().text, re.I)
    run_script(convo, "U: no\nA: start fresh next time")
    convo.say("stop")
    assert not re.search("carry on", convo.launch().text, re.I)


def test_that_hurts_leads_to_the_gentler_version_and_it_is_remembered(
    convo: Conversation, store: SqliteStore
) -> None:
    run_script(
        convo,
        """
        U: <launch>
        U: start my bedtime stretches
        U: next
        A: knee to chest
        U: that hurts
        A: let's stop that one
        A: gentler version instead, the half knee hug
        A: <open>
        U: yes
        A: half knee hug
        U: stop
        """,
    )
    assert "knee_to_chest" in routine_doc(store)["gentler"]  # type: ignore[operator]
    run_script(
        convo,
        """
        U: start my bedtime stretches
        A: gentler versions you needed last time
        U: next
        A: half knee hug
        A: !knee to chest
        """,
    )


def test_declining_the_gentler_version_skips_the_move(convo: Conversation) -> None:
    run_script(
        convo,
        """
        U: start my bedtime stretches
        U: next
        U: ouch
        U: skip
        A: skipping that one
        A: move 3 of 6: pelvic tilts
        """,
    )


def test_navigation_outside_a_routine_gets_a_calm_answer(convo: Conversation) -> None:
    for text in ("next", "go back", "repeat", "pause", "start over", "how many are left",
                 "do the other side"):
        ex = convo.say(text)
        assert re.search("no routine running", ex.text, re.I), (text, ex.text)
        assert not ex.ended and not ex.problems()
    ex = convo.say("resume my stretches")
    assert re.search("nothing to resume", ex.text, re.I)


def test_illegal_moves_are_explained_in_a_running_routine(convo: Conversation) -> None:
    run_script(
        convo,
        """
        U: start my bedtime stretches
        U: go back
        A: already the first move
        A: <open>
        U: do the other side
        A: no other side
        U: next
        U: do the other side
        A: now your right side
        U: do the other side
        A: both sides of this one
        """,
    )


def test_help_and_fallback_during_a_routine_explain_navigation(convo: Conversation) -> None:
    convo.say("start my bedtime stretches")
    help_ex = convo.intent("AMAZON.HelpIntent")
    assert re.search(r"say next, repeat, go back", help_ex.text, re.I) and not help_ex.ended
    fallback = convo.intent("AMAZON.FallbackIntent")
    assert re.search(r"say next, repeat, or stop", fallback.text, re.I) and not fallback.ended


def test_okay_after_a_move_goes_on(convo: Conversation) -> None:
    run_script(convo, "U: start my bedtime stretches\nU: okay\nA: move 2 of 6")


def test_pause_and_resume_in_session(convo: Conversation) -> None:
    run_script(
        convo,
        """
        U: start my bedtime stretches
        U: next
        U: pause
        A: paused
        A: <open>
        U: resume
        A: picking up at knee to chest
        """,
    )


def test_shorter_holds_persist_into_the_next_routine(convo: Conversation) -> None:
    before = sum(breaks(convo.say("start my bedtime stretches").ssml))
    run_script(
        convo, "U: make the holds shorter\nA: holds will be about \\d+ seconds\nA: <open>\nU: stop"
    )
    after = sum(breaks(convo.say("start my bedtime stretches").ssml))
    assert after < before


def test_painful_side_sets_the_first_side(convo: Conversation, store: SqliteStore) -> None:
    store.update(USER, diff({}, {"profile": {"v": 1, "painful_side": "left", "launches": 3}}))
    run_script(
        convo,
        """
        U: start my bedtime stretches
        U: next
        A: start with your right side, the one that doesn't hurt
        A: right thigh
        """,
    )


def test_single_moves_on_request(convo: Conversation) -> None:
    run_script(
        convo,
        """
        U: how do i do a clam shell
        A: lie on your side
        A: 10 slow repetitions
        A: above 5 out of 10, stop
        A: strengthening routine now
        U: no
        A: <ends>
        U: how do i do the figure four stretch
        A: only as far as is comfortable
        A: increase pain at the side of your hip
        A: if that's too much
        U: yes
        A: move 1 of 6
        """,
    )
    run_script(convo, "U: stop\nU: how long should I hold each stretch\nA: 20 to 30 seconds")


def test_completed_and_stopped_routines_are_recorded_by_night(
    convo: Conversation, store: SqliteStore, clock: FakeClock
) -> None:
    clock.now = clock.now.replace(hour=22)
    convo.say("start my bedtime stretches")
    last = None
    for _ in range(20):
        last = convo.say("next")
        if last.ended:
            break
    assert last is not None and re.search("goodnight", last.text, re.I)
    doc = routine_doc(store)
    assert completed_nights(history(store)) == {clock.now.date()}
    record = history(store)[clock.now.date().isoformat()]
    assert record["moves_done"] == record["moves_total"] == 6
    assert doc["saved"] is None
    clock.advance(days=1)
    convo.say("start my bedtime stretches")
    convo.say("stop")
    night = clock.now.date().isoformat()
    assert history(store)[night]["completed"] is False


def test_a_dropped_session_saves_the_place(convo: Conversation, store: SqliteStore) -> None:
    convo.say("start my bedtime stretches")
    convo.say("next")
    convo.end()
    saved = routine_doc(store)["saved"]
    assert isinstance(saved, dict) and saved["phase"] == "stopped" and saved["move"] == 1


def test_a_damaged_session_state_restarts_with_a_spoken_note(convo: Conversation) -> None:
    convo.say("start my bedtime stretches")
    convo.attributes["routine"] = {"v": 99, "routine": "bedtime", "move": "x"}
    ex = convo.say("next")
    assert re.search("lost my place", ex.text, re.I) and re.search("move 1 of 6", ex.text, re.I)
    assert not ex.problems() and not ex.ended


def test_state_survives_an_unrelated_turn_in_the_session(convo: Conversation) -> None:
    convo.say("start my bedtime stretches")
    convo.say("next")
    convo.intent("AMAZON.NavigateHomeIntent")
    run_script(convo, "U: resume\nA: picking up at knee to chest")


def test_real_envelopes_start_and_navigate(runtime: SkillRuntime, clock: FakeClock) -> None:
    caller = Caller()
    attrs: dict[str, object] = {}
    start = runtime.handle(
        envelopes.intent(
            caller, clock(), "StartRoutineIntent",
            {"RoutineName": SlotInput("stretches", "bedtime", "bedtime", "RoutineName")},
            session_id="amzn1.echo-api.session.r1", new=True, attributes=attrs,
        )
    )
    assert start["response"]["shouldEndSession"] is False
    assert sum(breaks(start["response"]["outputSpeech"]["ssml"])) >= 15
    nxt = runtime.handle(
        envelopes.intent(
            caller, clock(), "AMAZON.NextIntent", session_id="amzn1.echo-api.session.r1",
            new=False, attributes=start["sessionAttributes"],
        )
    )
    assert "Move 2 of 6" in nxt["response"]["outputSpeech"]["ssml"]


def test_whole_bedtime_routine_is_about_seven_minutes_as_it_says(convo: Conversation) -> None:
    exchanges = [convo.say("start my bedtime stretches")]
    while not exchanges[-1].ended:
        exchanges.append(convo.say("next"))
    total = sum(estimate_ssml_seconds(e.ssml) for e in exchanges)
    silent = sum(sum(breaks(e.ssml)) for e in exchanges)
    assert all(not e.problems() for e in exchanges)
    assert "about seven minutes" in exchanges[0].text
    assert 6 * 60 <= total <= 7.5 * 60 and silent >= 180


def test_strengthening_routine_starts_with_the_pain_rule(convo: Conversation) -> None:
    run_script(
        convo,
        """
        U: do my hip strengthening
        A: not in bed
        A: up to 3 out of 10 is fine
        U: next
        A: isometric hip push
        """,
    )




# -- content review: resume heading, second-side stop rule, side-lying moves ------------


def strength_profile(store: SqliteStore, painful: str) -> None:
    """A sore side on file and strengthening begun 18 days ago (week 2: clams join)."""
    store.update(
        USER,
        diff(
            {},
            {
                "profile": {"v": 1, "painful_side": painful, "launches": 3},
                "routine": {"v": 1, "strength_started": "2026-02-20"},
            },
        ),
    )


def test_resuming_at_the_first_move_says_its_name_once(convo: Conversation) -> None:
    exchanges = run_script(
        convo,
        """
        U: start my bedtime stretches
        U: pause
        U: resume
        A: picking up at slow breathing
        A: !move 1 of 6
        """,
    )
    assert len(re.findall("slow breathing", exchanges[-1].text, re.I)) == 1


def test_the_second_side_says_the_stop_rule_once(convo: Conversation) -> None:
    exchanges = run_script(
        convo,
        """
        U: start my bedtime stretches
        U: next
        U: next
        A: now your right side
        A: if your hip hurts, stop
        """,
    )
    said = exchanges[-1].text
    assert len(re.findall(r"ease off", said, re.I)) == 1
    assert len(re.findall(r"\bstop\b", said, re.I)) == 1


def test_clams_without_a_sore_side_on_file_name_the_top_leg(
    convo: Conversation, store: SqliteStore
) -> None:
    store.update(USER, diff({}, {"routine": {"v": 1, "strength_started": "2026-02-20"}}))
    run_script(
        convo,
        """
        U: do my hip strengthening
        U: next
        U: next
        U: next
        A: start with your left leg on top
        A: if lying on this hip hurts
        A: !doesn't hurt
        U: next
        A: now your right leg on top
        A: if lying on this hip hurts
        """,
    )


def test_asking_how_to_do_a_clam_puts_the_sore_leg_on_top(
    convo: Conversation, store: SqliteStore
) -> None:
    strength_profile(store, "right")
    run_script(convo, "U: how do i do a clam shell\nA: right leg on top\nA: !left leg on top")
