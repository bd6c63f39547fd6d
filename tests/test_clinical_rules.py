"""Issue 15's clinical rules (docs/clinical.md), one group per numbered point: turn
scripts through the dev matcher and the real runtime, plus pure checks of the rules.
The clock is the FakeClock (2026-03-10 07:30 UTC); nothing reads the wall clock."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from skill.content import default_library
from skill.conversation import Conversation, Exchange
from skill.core import checkin
from skill.core.progression import progression, strength_sessions
from skill.core.routine import (
    HistoryRecord,
    Rest,
    RoutineState,
    Setup,
    begin,
    effective_move,
    transition,
)
from skill.core.routine_content import RoutineLibrary
from skill.core.routine_history import HISTORY_KEY
from skill.envelopes import Caller
from skill.speech import estimate_seconds
from skill.store.patch import SetOp
from skill.store.sqlite import SqliteStore
from tests.support.dialog import run_script

USER = Caller().user_id
TODAY = date(2026, 3, 10)
NOW = datetime(2026, 3, 10, 10, 0, tzinfo=UTC)
LIB: RoutineLibrary = default_library().for_locale("en-US").sections["routines"]
STRENGTH = LIB.routines["strengthening"]
SIX_WEEKS_AGO = (TODAY - timedelta(days=42)).isoformat()
TWO_WEEKS_AGO = (TODAY - timedelta(days=18)).isoformat()
DAYTIME_TURN_S = 45.0


def seed(store: SqliteStore, **namespaces: Any) -> None:
    store.update(USER, [SetOp((k,), v) for k, v in namespaces.items()])


def profile(side: str) -> dict[str, Any]:
    return {"v": 1, "painful_side": side, "launches": 1}


def session(days_back: int, *, completed: bool = True, hurt: tuple[str, ...] = ()) -> Any:
    day = (TODAY - timedelta(days=days_back)).isoformat()
    record = {"routine": "strengthening", "moves_done": 2, "moves_total": 2, "gentler": [],
              "hurt": list(hurt), "completed": completed, "at": f"{day}T10:00:00+00:00"}
    return f"{day}/strengthening", record


def whole_routine(convo: Conversation, start: str) -> list[Exchange]:
    exchanges = [convo.say(start)]
    while not exchanges[-1].ended and len(exchanges) < 30:
        exchanges.append(convo.say("next"))
    assert exchanges[-1].ended
    assert all(not e.problems() for e in exchanges)
    return exchanges


# -- 1-2: side-lying moves never put the user on a sore hip --------------------------


def test_both_sore_hips_get_a_standing_hip_press_instead_of_any_side_lying_move(
    convo: Conversation, store: SqliteStore
) -> None:
    seed(store, profile=profile("both"), routine={"v": 1, "strength_started": SIX_WEEKS_AGO})
    said = " ".join(e.text for e in whole_routine(convo, "do my hip strengthening"))
    assert len(re.findall("standing hip press", said, re.I)) == 1  # one move, both clams
    lying = r"clam shells|side-lying leg lifts|leg on top|lie on your side"
    assert not re.search(lying, said, re.I)
    assert not re.search(r"sore hip", said, re.I)


def test_with_both_hips_sore_side_lying_moves_and_their_gentler_versions_are_swapped() -> None:
    s = Setup(library=LIB, painful_side="both", week=6)
    state = begin("strengthening", s, NOW).state
    assert state is not None and state.both_sore
    assert not any(LIB.moves[m].side_lying for m in state.moves)
    assert state.moves.count("standing_hip_press") == 1
    # Fire hydrants' gentler version is small clams, done lying on a hip: not then.
    hydrant = state.model_copy(
        update={"move": state.moves.index("fire_hydrant"), "gentler": ["fire_hydrant"]}
    )
    assert effective_move(hydrant, LIB) == "standing_hip_press"
    assert effective_move(hydrant.model_copy(update={"both_sore": False}), LIB) == "clam_small"


def test_with_a_sore_side_clams_are_done_once_lying_on_the_good_hip_then_the_next_move(
    convo: Conversation, store: SqliteStore
) -> None:
    seed(store, profile=profile("right"), routine={"v": 1, "strength_started": SIX_WEEKS_AGO})
    run_script(
        convo,
        """
        U: do my hip strengthening
        U: next
        U: next
        U: next
        A: clam shells
        A: only on the side that doesn't hurt
        A: right leg on top
        A: !if lying on this hip hurts
        A: say next when you're ready
        U: next
        A: move 4 of 6: side steps
        A: !leg on top
        """,
    )


@pytest.mark.parametrize(
    ("side", "expected"),
    [("both", "with both hips sore, lying on either side presses on one of them.*"
              "standing hip press instead"),
     ("left", "only with your sore leg on top, so you never lie on your sore hip")],
)
def test_asking_about_clams_with_a_sore_hip_never_says_do_the_other_side(
    convo: Conversation, store: SqliteStore, side: str, expected: str
) -> None:
    seed(store, profile=profile(side))
    run_script(
        convo, f"U: how do i do a clam shell\nA: {expected}\nA: !then do the other side"
    )


def test_the_standing_hip_press_is_explained_as_a_strengthening_move(
    convo: Conversation,
) -> None:
    run_script(
        convo,
        """
        U: how do i do a standing hip press
        A: press the outside of your left knee gently into the wall
        A: hold for about 8 seconds, 3 times
        A: strengthening routine now
        """,
    )


def test_the_side_leg_lift_rests_on_a_long_pillow_and_never_drops_below_it() -> None:
    lift = LIB.moves["side_leg_lift"]
    assert "long pillow from knee to ankle" in lift.start
    assert "back onto the pillow, never below" in lift.movement
    assert lift.source == "brief"


def test_the_side_leg_lift_is_the_last_move_to_join() -> None:
    weeks = {m.move: m.from_week for m in STRENGTH.moves}
    assert STRENGTH.moves[-1].move == "side_leg_lift"
    assert weeks["side_leg_lift"] > max(w for m, w in weeks.items() if m != "side_leg_lift")


# -- 7-8: check-in rules -----------------------------------------------------------------


def days(scores: dict[int, int]) -> dict[str, int]:
    return {(TODAY - timedelta(days=b)).isoformat(): s for b, s in scores.items()}


def red_flags(store: SqliteStore) -> list[str]:
    """The symptoms the safety module recorded for the professional's summary."""
    return [f["symptom"] for f in store.load(USER)["safety"]["red_flags"].values()]


def checkin_seed(store: SqliteStore, scores: dict[int, int]) -> None:
    seed(store, checkin={"v": 1, "days": days(scores), "notice_given": True})


def test_a_week_rising_from_one_to_two_is_not_worse_but_two_to_three_is() -> None:
    low = days({0: 2, 1: 2, 2: 2, 7: 1, 8: 1, 9: 1})  # +1 point, +100%, average 2
    assert not checkin.is_worsening(low, TODAY)
    moderate = days({0: 3, 1: 3, 2: 3, 7: 2, 8: 2, 9: 2})  # +1 point, +50%, average 3
    assert checkin.is_worsening(moderate, TODAY)
    held = checkin.rules_held(low, TODAY, TODAY)
    assert "worsening" not in held


@pytest.mark.parametrize(
    ("scores", "expected"),
    [({0: 9}, "high"), ({0: 10, 1: 10}, "high"), ({0: 7, 1: 3}, "jump"), ({0: 9, 1: 4}, "jump"),
     ({0: 8}, None), ({0: 6, 1: 3}, None), ({0: 3, 1: 9}, None)],
)
def test_one_big_morning_is_nine_or_ten_or_a_rise_of_four(
    scores: dict[int, int], expected: str | None
) -> None:
    assert checkin.spike(days(scores), TODAY) == expected


def test_a_big_jump_asks_what_is_new_and_no_closes_gently(
    convo: Conversation, store: SqliteStore
) -> None:
    checkin_seed(store, {1: 3})
    run_script(
        convo,
        """
        U: my stiffness is 7
        A: that's a big jump
        A: is anything new: a fall, a fever, numbness, or bladder changes\\?
        A: !about your usual
        A: <open>
        U: no
        A: if it stays this high, or anything new starts, contact your doctor
        A: 911
        A: <ends>
        """,
    )


def test_a_nine_after_an_eight_asks_once_and_a_yes_asks_which(
    convo: Conversation, store: SqliteStore
) -> None:
    checkin_seed(store, {1: 8})
    run_script(
        convo,
        """
        U: my stiffness is 9
        A: two mornings in a row at eight or more
        A: that's a high score
        A: is anything new
        A: !numbness or weakness in your leg\\?
        U: yes
        A: which is it: a fall, a fever, numbness, or bladder changes
        A: <open>
        U: bladder changes
        A: call 911 now
        A: <ends>
        """,
    )
    # Named after a big jump, new bladder changes take the safer (cauda-equina) reading.
    assert red_flags(store) == ["bladder_bowel"]  # for the professional's summary


def test_a_fall_named_after_a_big_jump_gets_the_fall_answer(
    convo: Conversation, store: SqliteStore
) -> None:
    checkin_seed(store, {1: 4})
    run_script(convo, "U: my stiffness is 8\nA: big jump\nU: i fell over\nA: fall\nA: 911")
    assert red_flags(store) == ["fall"]


def test_a_named_answer_to_what_is_new_goes_through_the_red_flag_triage(
    convo: Conversation, store: SqliteStore
) -> None:
    run_script(
        convo,
        """
        U: my stiffness is 10
        A: high score
        U: i have a fever
        A: today
        A: 911
        A: <ends>
        """,
    )
    assert red_flags(store) == ["fever"]


def test_an_answer_we_cannot_place_is_asked_again_then_gets_the_cautious_answer(
    convo: Conversation, store: SqliteStore
) -> None:
    checkin_seed(store, {1: 2})
    run_script(
        convo,
        """
        U: my stiffness is 6
        A: big jump
        U: play some music
        A: is anything new, like a fall, a fever, numbness, or bladder changes\\? yes or no
        A: <open>
        U: play some music
        A: if you think this is an emergency, call 911
        A: <ends>
        """,
    )


def test_about_your_usual_and_a_rise_like_that_are_never_said_together(
    convo: Conversation, store: SqliteStore
) -> None:
    # Today 6 equals the past week's average (6), while this week (6) is up from 3.
    checkin_seed(store, {1: 6, 2: 6, 3: 6, 8: 3, 9: 3, 10: 3})
    run_script(
        convo,
        """
        U: my stiffness is 6
        A: a rise like that
        A: !about your usual
        """,
    )


def test_nights_and_mornings_are_called_a_pattern_not_proof(
    convo: Conversation, store: SqliteStore
) -> None:
    nights = {
        (TODAY - timedelta(days=b + 1)).isoformat(): {"routine": "bedtime", "completed": True}
        for b in (0, 1, 2)
    }
    seed(store, checkin={"v": 1, "days": days({0: 3, 1: 4, 2: 3, 3: 5, 4: 5, 5: 5}),
                         "notice_given": True}, **{HISTORY_KEY: nights})
    run_script(
        convo, "U: how has my stiffness been this week\nA: averaged 3.3\nA: a pattern, not proof"
    )


# -- 9: progression by tolerance -----------------------------------------------------------


def record(*, completed: bool = True, hurt: tuple[str, ...] = ()) -> HistoryRecord:
    return HistoryRecord(routine="strengthening", moves_done=2, moves_total=2,
                         completed=completed, hurt=list(hurt), at=NOW.isoformat())


def test_a_new_move_joins_after_two_sessions_within_the_pain_rule() -> None:
    progress = progression(STRENGTH, 2, 2, [record(), record()])
    assert (progress.count, progress.added) == (3, "clam")


def test_a_painful_or_unfinished_session_holds_the_next_move_back() -> None:
    hurt = progression(STRENGTH, 2, 2, [record(), record(hurt=("glute_bridge",))])
    assert (hurt.count, hurt.added, hurt.held) == (2, None, True)
    unfinished = progression(STRENGTH, 2, 2, [record(completed=False), record()])
    assert (unfinished.count, unfinished.added) == (2, None)


def test_one_good_session_is_not_enough_and_the_calendar_still_gates() -> None:
    assert progression(STRENGTH, 2, 2, [record()]).added is None
    assert progression(STRENGTH, 0, 2, [record(), record(), record()]).added is None


def test_moves_join_one_at_a_time_and_earlier_users_keep_their_moves() -> None:
    assert progression(STRENGTH, 6, 2, [record(), record()]).count == 3
    assert progression(STRENGTH, 6, None, []).count == len(STRENGTH.moves)


def test_sessions_are_read_from_the_history_since_the_last_move_joined() -> None:
    history = dict([session(5), session(3, hurt=("clam",)), session(1)])
    history["2026-03-09"] = {"routine": "bedtime", "moves_done": 6, "moves_total": 6,
                             "completed": True, "at": "2026-03-09T22:00:00+00:00"}
    found = strength_sessions(history, (TODAY - timedelta(days=3)).isoformat())
    assert [r.hurt for r in found] == [["clam"], []]


def test_the_routine_says_when_a_move_is_added_and_keeps_it(
    convo: Conversation, store: SqliteStore
) -> None:
    seed(store, routine={"v": 1, "strength_started": TWO_WEEKS_AGO, "strength_count": 2,
                         "cautioned": True},
         **{HISTORY_KEY: dict([session(3), session(1)])})
    run_script(
        convo,
        """
        U: do my hip strengthening
        A: 3 strengthening moves
        A: there's a new move today: clam shells
        U: stop
        """,
    )
    doc = store.load(USER)["routine"]
    assert doc["strength_count"] == 3 and doc["strength_added"] == TODAY.isoformat()
    run_script(convo, "U: do my hip strengthening\nA: 3 strengthening moves\nA: !new move")


def test_a_session_that_hurt_holds_new_moves_back_and_says_so(
    convo: Conversation, store: SqliteStore
) -> None:
    seed(store, routine={"v": 1, "strength_started": TWO_WEEKS_AGO, "strength_count": 2},
         **{HISTORY_KEY: dict([session(3), session(1, hurt=("glute_bridge",))])})
    run_script(
        convo,
        """
        U: do my hip strengthening
        A: 2 strengthening moves
        A: i'll add the next move once a couple of sessions stay within that rule
        """,
    )


def test_saying_that_hurts_is_recorded_for_progression(
    convo: Conversation, store: SqliteStore
) -> None:
    run_script(convo, "U: do my hip strengthening\nU: next\nU: that hurts\nU: stop")
    (stored,) = store.load(USER)[HISTORY_KEY].values()
    assert stored["hurt"] == ["isometric_abduction"] and not stored["completed"]


def test_that_hurts_before_the_first_move_marks_no_move_as_painful() -> None:
    s = Setup(library=LIB)
    ready = begin("strengthening", s, NOW).state
    assert ready is not None and ready.phase == "ready"
    out = transition(ready, "hurts", NOW, s)
    assert out.state is not None and out.state.hurt == [] and out.state.phase == "ready"
    started = transition(out.state, "next", NOW, s)
    assert started.state is not None and started.state.phase == "running"
    hurt = transition(started.state, "hurts", NOW, s).state
    assert hurt is not None and hurt.hurt == ["isometric_abduction"]


# -- 10: the pain rule once a session, short daytime turns ---------------------------------


@pytest.mark.parametrize("side", ["left", "both", None])
def test_a_strengthening_session_says_the_pain_rule_once_and_every_turn_is_short(
    convo: Conversation, store: SqliteStore, side: str | None
) -> None:
    seed(store, routine={"v": 1, "strength_started": SIX_WEEKS_AGO},
         **({"profile": profile(side)} if side else {}))
    exchanges = whole_routine(convo, "do my hip strengthening")
    assert len(exchanges) >= 7  # all six moves, from the calendar for an earlier user
    said = " ".join(e.text for e in exchanges)
    assert len(re.findall(r"4 or 5", said)) == 1
    assert max(estimate_seconds(e.text) for e in exchanges) <= DAYTIME_TURN_S


def test_the_first_bedtime_routine_turns_are_short_too(convo: Conversation) -> None:
    exchanges = whole_routine(convo, "start my bedtime stretches")
    assert max(estimate_seconds(e.text) for e in exchanges) <= DAYTIME_TURN_S


# -- 11: light isometrics; longer holds for bedtime only, about 40 s at most -----------------


def test_isometrics_start_light_with_five_to_ten_second_holds() -> None:
    for mid in ("isometric_abduction", "isometric_abduction_light", "standing_hip_press"):
        spec = LIB.moves[mid]
        assert 5 <= spec.hold_s <= 10 and 3 <= spec.reps <= 5, mid
        assert "light" in spec.feel and "moderate" not in spec.feel, mid


def hold_rests(routine: str, move: str, scale: float) -> list[float]:
    moves = LIB.routines[routine].move_ids(6)
    state = RoutineState(routine=routine, moves=moves, move=moves.index(move),
                         started=NOW, updated=NOW)
    out = transition(state, "repeat", NOW, Setup(library=LIB, hold_scale=scale))
    return [a.seconds for a in out.acts if isinstance(a, Rest)]


def test_longer_holds_lengthen_bedtime_stretches_up_to_forty_seconds_only() -> None:
    assert sum(hold_rests("bedtime", "knee_to_chest", 2.0)) == pytest.approx(40)
    assert sum(hold_rests("bedtime", "knee_to_chest", 1.25)) == pytest.approx(31)
    strength = hold_rests("strengthening", "isometric_abduction", 2.0)
    assert strength == hold_rests("strengthening", "isometric_abduction", 1.0)


def test_asking_for_longer_holds_stops_at_forty_seconds(convo: Conversation) -> None:
    exchanges = [convo.say("make the holds longer") for _ in range(5)]
    assert "40 seconds" in exchanges[-1].text
    assert all("50 seconds" not in e.text for e in exchanges)


# -- 12: general guidance and the after-surgery caution before the first routine -------------


def test_a_one_shot_start_hears_the_caution_once(convo: Conversation) -> None:
    run_script(
        convo,
        """
        U: start my stretches
        A: general guidance, not medical advice
        A: hip surgery, a hip replacement or a recent injury, check with your physical therapist
        A: bend the hip deeply
        A: knee|breath
        U: stop
        U: start my stretches
        A: !hip replacement
        """,
    )


def test_starting_from_an_offer_also_hears_the_caution(convo: Conversation) -> None:
    run_script(
        convo,
        """
        U: how do i do the figure four stretch
        U: yes
        A: hip surgery, a hip replacement or a recent injury
        """,
    )


# -- 13: wording details ---------------------------------------------------------------------


def test_the_knee_pillow_is_moved_between_the_first_two_bedtime_moves(
    convo: Conversation,
) -> None:
    run_script(
        convo,
        """
        U: start my bedtime stretches
        A: a pillow under your knees
        U: next
        A: slide the pillow from under your knees
        """,
    )


def test_hurting_during_a_hold_is_said_with_the_wake_word() -> None:
    content = default_library().for_locale("en-US")
    assert "say: Alexa, that hurts" in LIB.moves["knee_to_chest"].stop
    assert "Alexa, that hurts" in content.phrase("routine.help").say[0]
    assert "Alexa, that hurts" in content.phrase("routine.pain_rule").say[0]


@pytest.mark.parametrize("mid", ["lateral_band_walk", "side_steps_small"])
def test_side_step_counts_match_the_repetitions(mid: str) -> None:
    spec = LIB.moves[mid]
    assert set(re.findall(r"\d+", spec.movement)) == {str(spec.reps)}


def test_no_band_is_mentioned_before_the_move_that_introduces_it() -> None:
    introduced = False
    for entry in STRENGTH.moves:
        for mid in (entry.move, LIB.moves[entry.move].gentler):
            if mid is None:
                continue
            spec = LIB.moves[mid]
            mentions = [f for f in ("start", "movement", "feel", "easier")
                        if "band" in spec.text(f)]  # type: ignore[arg-type]
            if not introduced and mentions:
                assert mentions[0] == "start", (mid, mentions)
            introduced = introduced or "band" in spec.start
    assert "band" not in LIB.moves["clam"].easier


def test_no_content_states_sore_tendons_or_trigger_points_as_facts() -> None:
    content = default_library().for_locale("en-US")
    for key, phrase in content.phrases.items():
        for variant in phrase.say:
            assert not re.search(r"sore tendons|trigger points", variant, re.I), key


# -- 14: out-of-scope questions --------------------------------------------------------------


@pytest.mark.parametrize(
    "question", ["do i have a tear", "what medication should i take", "do i need surgery",
                 "should i have an injection", "do i need a scan"],
)
def test_out_of_scope_questions_say_who_can_advise_and_what_hip_rest_can_do(
    convo: Conversation, question: str
) -> None:
    run_script(
        convo,
        f"""
        U: {question}
        A: a question for your doctor or physical therapist
        A: i can't advise on medicines, injections, scans or surgery
        A: comfort at night, gentle stretches, or tracking your mornings
        A: !sorry, i didn't catch that
        A: <open>
        """,
    )
