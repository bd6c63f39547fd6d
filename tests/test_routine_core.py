"""Pure tests of the routine state machine: every transition, legal and illegal."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from skill.content import default_library
from skill.core.routine import (
    AUDIO_BUDGET_S,
    HOLD_SCALES,
    Act,
    Line,
    MoveLine,
    Outcome,
    Rest,
    RoutineState,
    Setup,
    Start,
    add_record,
    adjust_scale,
    begin,
    chunks,
    completed_nights,
    dump_state,
    estimate_acts,
    hold_seconds,
    load_state,
    record_of,
    resumable,
    transition,
)
from skill.core.routine_content import MoveSpec, RoutineLibrary

NOW = datetime(2026, 3, 10, 22, 0, tzinfo=UTC)
LIB: RoutineLibrary = default_library().for_locale("en-US").sections["routines"]
BEDTIME = LIB.routines["bedtime"].move_ids()


def setup(**kw: object) -> Setup:
    return Setup(library=LIB, **kw)  # type: ignore[arg-type]


def keys(outcome: Outcome) -> list[str]:
    return [a.key for a in outcome.acts if isinstance(a, Line)]


def rests(acts: list[Act]) -> list[float]:
    return [a.seconds for a in acts if isinstance(a, Rest)]


def at(move: str, side: int = 0, **kw: object) -> RoutineState:
    return RoutineState(
        routine="bedtime",
        moves=BEDTIME,
        move=BEDTIME.index(move),
        side=side,
        started=NOW,
        updated=NOW,
        **kw,  # type: ignore[arg-type]
    )


def test_start_introduces_then_gives_first_move_with_a_real_hold() -> None:
    out = transition(None, Start("bedtime"), NOW, setup())
    assert out.state is not None and out.state.move == 0 and out.open
    assert keys(out)[0] == "routine.intro.bedtime"
    assert "routine.move.heading" in keys(out)
    first = LIB.moves[BEDTIME[0]]
    assert sum(rests(out.acts)) == pytest.approx(first.hold_s)
    assert all(r <= 15 for r in rests(out.acts))
    assert keys(out)[-2:] == ["routine.cue.release", "routine.after.move"]


def test_every_move_has_a_stop_rule_and_is_said_on_its_first_side() -> None:
    out = transition(at("knee_to_chest"), "repeat", NOW, setup())
    fields = [a.field for a in out.acts if isinstance(a, MoveLine)]
    assert {"start", "movement", "feel", "breath", "stop"} <= set(fields)


def test_unknown_routine_asks_which_and_changes_nothing() -> None:
    out = transition(None, Start("yoga"), NOW, setup())
    assert out.state is None and keys(out) == ["routine.unknown"] and out.open


def test_next_on_a_two_sided_move_goes_to_the_other_side() -> None:
    out = transition(at("knee_to_chest"), "next", NOW, setup())
    assert out.state is not None and (out.state.move, out.state.side) == (1, 1)
    assert "routine.side.second" in keys(out)


def test_next_after_the_second_side_goes_to_the_next_move_and_counts_it_done() -> None:
    out = transition(at("knee_to_chest", side=1), "next", NOW, setup())
    assert out.state is not None and out.state.move == 2 and out.state.side == 0
    assert "pelvic_tilt" in out.state.done


def test_delivering_the_last_move_finishes_ends_and_records() -> None:
    out = transition(at("gentle_figure_four", side=1), "next", NOW, setup())
    assert out.state is not None and out.state.phase == "done"
    assert out.end_session and out.record
    assert keys(out)[-1] == "routine.finished.bedtime"
    assert sum(rests(out.acts)) > 0  # the last move itself was said before the goodbye


def test_next_after_the_last_move_is_refused_without_changing_state() -> None:
    done = at("sleep_breathing", phase="done")
    out = transition(done, "next", NOW, setup())
    assert keys(out) == ["routine.already_done"] and out.state == done


def test_previous_at_the_first_move_is_refused() -> None:
    state = at("settle_breathing")
    out = transition(state, "previous", NOW, setup())
    assert keys(out) == ["routine.at_first"] and out.state == state and out.open


def test_previous_goes_back_a_side_then_a_move() -> None:
    back_side = transition(at("knee_to_chest", side=1), "previous", NOW, setup())
    assert back_side.state is not None and (back_side.state.move, back_side.state.side) == (1, 0)
    back_move = transition(at("pelvic_tilt"), "previous", NOW, setup())
    assert back_move.state is not None and (back_move.state.move, back_move.state.side) == (1, 0)


def test_other_side_on_a_one_sided_move_is_refused() -> None:
    state = at("pelvic_tilt")
    out = transition(state, "other_side", NOW, setup())
    assert keys(out) == ["routine.no_other_side"] and out.state == state


def test_other_side_after_both_sides_is_refused() -> None:
    state = at("knee_to_chest", side=1)
    out = transition(state, "other_side", NOW, setup())
    assert keys(out) == ["routine.both_sides_done"] and out.state == state


def test_other_side_moves_to_the_second_side() -> None:
    out = transition(at("gentle_figure_four"), "other_side", NOW, setup())
    assert out.state is not None and out.state.side == 1


def test_resume_with_nothing_saved_is_refused_calmly() -> None:
    out = transition(None, "resume", NOW, setup())
    assert out.state is None and keys(out) == ["routine.nothing_to_resume"] and out.open


@pytest.mark.parametrize(
    "event", ["next", "previous", "repeat", "pause", "start_over", "progress", "other_side"]
)
def test_navigation_without_a_routine_gives_the_calm_answer(event: str) -> None:
    out = transition(None, event, NOW, setup())  # type: ignore[arg-type]
    assert out.state is None and keys(out) == ["routine.none"] and out.open


def test_stop_and_session_end_without_a_routine_say_nothing() -> None:
    for event in ("stop", "session_end"):
        out = transition(None, event, NOW, setup())  # type: ignore[arg-type]
        assert out.state is None and out.acts == [] and not out.record


def test_pause_then_resume_repeats_the_same_move() -> None:
    paused = transition(at("pelvic_tilt"), "pause", NOW, setup())
    assert paused.state is not None and paused.state.phase == "paused" and paused.open
    resumed = transition(paused.state, "resume", NOW + timedelta(minutes=1), setup())
    assert resumed.state is not None and resumed.state.phase == "running"
    assert resumed.state.move == BEDTIME.index("pelvic_tilt")
    assert keys(resumed)[0] == "routine.resuming"


def test_resume_after_twelve_hours_starts_the_routine_fresh() -> None:
    old = at("pelvic_tilt", phase="stopped")
    out = transition(old, "resume", NOW + timedelta(hours=13), setup())
    assert out.state is not None and out.state.move == 0
    assert keys(out)[0] == "routine.stale"


def test_resumable_only_within_twelve_hours_and_unfinished() -> None:
    stopped = at("pelvic_tilt", phase="stopped")
    assert resumable(stopped, NOW + timedelta(hours=11))
    assert not resumable(stopped, NOW + timedelta(hours=13))
    assert not resumable(at("pelvic_tilt", phase="done"), NOW)
    assert not resumable(None, NOW)


def test_stop_saves_the_place_ends_and_records() -> None:
    out = transition(at("knee_rocks"), "stop", NOW, setup())
    assert out.state is not None and out.state.phase == "stopped"
    assert out.state.move == BEDTIME.index("knee_rocks")
    assert out.end_session and out.record and keys(out) == ["routine.stopped"]


def test_start_over_goes_to_the_first_move_and_clears_progress() -> None:
    state = at("knee_rocks", done=["settle_breathing"])
    out = transition(state, "start_over", NOW, setup())
    assert out.state is not None and out.state.move == 0 and out.state.done == ["settle_breathing"]
    assert keys(out)[0] == "routine.starting_over"


def test_progress_counts_moves_left() -> None:
    out = transition(at("pelvic_tilt"), "progress", NOW, setup())
    line = out.acts[0]
    assert isinstance(line, Line) and dict(line.params)["left"] == str(len(BEDTIME) - 3)
    last = transition(at("sleep_breathing"), "progress", NOW, setup())
    assert keys(last) == ["routine.progress.last"]


def test_hurts_offers_the_gentler_version_and_waits_for_an_answer() -> None:
    out = transition(at("gentle_figure_four"), "hurts", NOW, setup())
    assert out.state is not None and out.state.phase == "hurt"
    assert out.expect == "routine.hurt"
    assert keys(out) == ["routine.hurt.stop", "routine.hurt.offer"]
    assert rests(out.acts) == []  # the painful move is not continued


def test_accepting_the_gentler_version_swaps_it_and_remembers_it() -> None:
    hurt = transition(at("gentle_figure_four"), "hurts", NOW, setup()).state
    out = transition(hurt, "accept_gentler", NOW, setup())
    assert out.state is not None and out.state.phase == "running"
    assert out.remember_gentler == "gentle_figure_four"
    moves = {a.move for a in out.acts if isinstance(a, MoveLine)}
    assert moves == {"glute_knee_hug"}


def test_saying_that_hurts_again_while_offered_means_gentler() -> None:
    hurt = transition(at("knee_to_chest"), "hurts", NOW, setup()).state
    out = transition(hurt, "hurts", NOW, setup())
    assert out.remember_gentler == "knee_to_chest"


def test_declining_the_gentler_version_skips_the_move_without_counting_it() -> None:
    hurt = transition(at("knee_to_chest"), "hurts", NOW, setup()).state
    out = transition(hurt, "decline_gentler", NOW, setup())
    assert out.state is not None and out.state.move == BEDTIME.index("pelvic_tilt")
    assert "knee_to_chest" not in out.state.done and out.remember_gentler is None


def test_hurts_on_a_move_with_no_gentler_version_skips_it() -> None:
    out = transition(at("settle_breathing"), "hurts", NOW, setup())
    assert out.state is not None and out.state.move == 1
    assert keys(out)[:2] == ["routine.hurt.stop", "routine.hurt.skip"]


def test_gentler_answers_outside_a_pain_question_change_nothing() -> None:
    state = at("pelvic_tilt")
    for event in ("accept_gentler", "decline_gentler"):
        out = transition(state, event, NOW, setup())  # type: ignore[arg-type]
        assert out.state == state


def test_next_routine_starts_with_the_remembered_gentler_version() -> None:
    out = begin("bedtime", setup(remembered_gentler=frozenset({"knee_to_chest"})), NOW)
    assert out.state is not None and out.state.gentler == ["knee_to_chest"]
    assert "routine.using_gentler" in keys(out)
    swapped = transition(out.state.model_copy(update={"move": 1}), "repeat", NOW, setup())
    assert {a.move for a in swapped.acts if isinstance(a, MoveLine)} == {
        "knee_to_chest_supported"
    }


def test_painful_side_decides_the_first_side() -> None:
    out = begin("bedtime", setup(painful_side="left"), NOW)
    assert out.state is not None and out.state.first_side == "right"
    step = transition(out.state, "next", NOW, setup(painful_side="left"))
    line = next(a for a in step.acts if isinstance(a, Line) and a.key.startswith("routine.side"))
    assert line.key == "routine.side.first_good" and dict(line.params)["side"] == "right"


def test_strengthening_grows_with_the_weeks_and_states_the_pain_rule() -> None:
    week0 = begin("strengthening", setup(week=0), NOW)
    week5 = begin("strengthening", setup(week=5), NOW)
    assert week0.state is not None and week5.state is not None
    assert len(week0.state.moves) < len(week5.state.moves)
    assert "routine.pain_rule" in keys(week0)


def test_long_moves_continue_in_the_next_response() -> None:
    long_hold = MoveSpec.model_validate(
        {
            "name": "long hold", "source": "acsm", "kind": "hold", "hold_s": 60, "reps": 6,
            "start": "Lie down.", "movement": "Hold still.", "feel": "Calm.",
            "breath": "Breathe.", "stop": "Stop if it hurts.", "easier": "Rest instead.",
        }
    )
    lib = RoutineLibrary(
        routines={"bedtime": LIB.routines["bedtime"].model_copy(
            update={"moves": (LIB.routines["bedtime"].moves[0].model_copy(update={"move": "x"}),)}
        )},
        moves={"x": long_hold},
    )
    s = Setup(library=lib, hold_scale=2.0)
    first = begin("bedtime", s, NOW)
    assert first.state is not None and first.state.resume_block is not None
    assert estimate_acts(first.acts, lib) <= AUDIO_BUDGET_S
    assert keys(first)[-1] == "routine.after.partial"
    delivered = first.state.resume_block
    second = transition(first.state, "next", NOW, s)
    assert second.state is not None and second.state.block == delivered
    assert keys(second)[0] == "routine.continue"
    # Every block is eventually delivered, none twice, each response within budget.
    releases = keys(first).count("routine.cue.release")
    out = second
    while True:
        releases += keys(out).count("routine.cue.release")
        assert estimate_acts(out.acts, lib) <= AUDIO_BUDGET_S
        if out.state is None or out.state.phase == "done":
            break
        out = transition(out.state, "next", NOW, s)
    assert releases == long_hold.reps and out.end_session


@given(st.floats(min_value=1, max_value=400, allow_nan=False))
def test_chunks_sum_to_the_hold_and_stay_short(seconds: float) -> None:
    pieces = chunks(seconds)
    assert sum(pieces) == pytest.approx(seconds, abs=0.02)
    assert all(0 < p <= 15.05 for p in pieces)
    assert len(pieces) == 1 or len(pieces) % 2 == 0  # "halfway" falls on a seam


def test_hold_scale_steps_and_stops_at_the_ends() -> None:
    assert adjust_scale(1.0, "shorter") == (0.75, True)
    assert adjust_scale(HOLD_SCALES[0], "shorter") == (HOLD_SCALES[0], False)
    assert adjust_scale(HOLD_SCALES[-1], "longer") == (HOLD_SCALES[-1], False)
    assert adjust_scale(float("nan"), "longer") == (1.25, True)


def test_hold_seconds_follow_content_and_preference_within_bounds() -> None:
    spec = LIB.moves["knee_to_chest"]
    assert hold_seconds(spec, 1.0) == spec.hold_s
    assert hold_seconds(spec, 0.5) < spec.hold_s < hold_seconds(spec, 1.5)
    assert hold_seconds(spec, 2.0) <= 60
    assert hold_seconds(LIB.moves["pelvic_tilt"], 2.0) == 0


def test_state_round_trips_through_json() -> None:
    state = at("knee_rocks", gentler=["knee_to_chest"], done=["settle_breathing"])
    loaded, damaged = load_state(dump_state(state), LIB)
    assert loaded == state and not damaged


@pytest.mark.parametrize(
    "raw",
    [
        {"v": 0, "routine": "bedtime"},
        {"garbage": True},
        "not a dict",
        {**dump_state(at("knee_rocks")), "v": 2},
        {**dump_state(at("knee_rocks")), "routine": "gone"},
        {**dump_state(at("knee_rocks")), "moves": ["removed_move"]},
        {**dump_state(at("knee_rocks")), "move": 99},
    ],
)
def test_old_or_damaged_state_is_reported_not_raised(raw: object) -> None:
    assert load_state(raw, LIB) == (None, True)


def test_no_state_is_not_damage() -> None:
    assert load_state(None, LIB) == (None, False)


def test_history_merges_per_night_and_stays_bounded() -> None:
    done = record_of(at("sleep_breathing", phase="done", done=BEDTIME), NOW)
    stopped = record_of(at("knee_rocks", phase="stopped"), NOW + timedelta(minutes=5))
    history = add_record({}, "2026-03-10", done)
    history = add_record(history, "2026-03-10", stopped)
    assert history["2026-03-10"]["completed"] is True
    assert history["2026-03-10"]["moves_done"] == len(BEDTIME)
    for i in range(30):
        day = date(2025, 1, 1) + timedelta(days=i)
        rec = record_of(at("knee_rocks", phase="stopped"), NOW - timedelta(days=400 - i))
        history = add_record(history, day.isoformat(), rec, limit=10)
    assert len(history) == 10 and "2026-03-10" in history


def test_completed_nights_counts_only_completed_bedtime_routines() -> None:
    doc = {
        "history": {
            "2026-03-08": {"routine": "bedtime", "moves_done": 6, "moves_total": 6,
                           "gentler": [], "completed": True, "at": "2026-03-08T22:00:00+00:00"},
            "2026-03-09": {"routine": "bedtime", "moves_done": 2, "moves_total": 6,
                           "gentler": [], "completed": False, "at": "2026-03-09T22:00:00+00:00"},
            "2026-03-09/strengthening": {"routine": "strengthening", "moves_done": 2,
                                         "moves_total": 2, "gentler": [], "completed": True,
                                         "at": "2026-03-09T10:00:00+00:00"},
            "2026-03-07": {"routine": "bedtime", "completed": "maybe"},
            "not-a-date": {"routine": "bedtime", "moves_done": 6, "moves_total": 6,
                           "gentler": [], "completed": True, "at": "x"},
        }
    }
    assert completed_nights(doc) == {date(2026, 3, 8)}
    assert completed_nights({}) == set() and completed_nights(None) == set()


def test_every_phrase_the_core_can_emit_exists_in_content() -> None:
    source = Path("skill/core/routine.py").read_text(encoding="utf-8")
    emitted = set(re.findall(r"\"(routine\.[a-z_.]*[a-z])\"", source))
    emitted |= {f"routine.intro.{r}" for r in LIB.routines}
    emitted |= {f"routine.finished.{r}" for r in LIB.routines}
    emitted.discard("routine.hurt")  # the expect kind, not a phrase
    phrases = default_library().for_locale("en-US").phrases
    assert emitted and not sorted(k for k in emitted if k not in phrases)


def test_bedtime_routine_follows_the_clinical_notes() -> None:
    bedtime = [LIB.moves[m] for m in BEDTIME]
    assert 4 <= len(bedtime) <= 6
    holds = [m.hold_s for m in bedtime if m.kind == "hold"]
    assert all(20 <= h <= 30 for h in holds)
    for move in LIB.moves.values():
        text = " ".join(move.text(f) for f in ("start", "movement", "feel", "stop")).lower()
        assert "across your body" not in text.replace("not across your body", "")
        assert not re.search(r"\b(treats?|cures?|heals?|diagnos\w*)\b", text)


# -- content review: stop rules, resume, side-lying moves ------------------------------

STRENGTH = LIB.routines["strengthening"].move_ids(week=6)
TWO_SIDED = [mid for mid, spec in LIB.moves.items() if spec.two_sided]
SIDE_LYING = [mid for mid, spec in LIB.moves.items() if spec.side_lying]
_STOP_WORDS = re.compile(r"\bstop\b|ease off|pain sharpens|above \d|skip", re.I)


def strength_at(move: str, side: int = 0, **kw: object) -> RoutineState:
    return RoutineState(
        routine="strengthening",
        moves=STRENGTH,
        move=STRENGTH.index(move),
        side=side,
        started=NOW,
        updated=NOW,
        **kw,
    )


def side_line(outcome: Outcome) -> Line:
    return next(a for a in outcome.acts if isinstance(a, Line) and a.key.startswith("routine.side"))


def move_sides(outcome: Outcome) -> set[str | None]:
    return {a.side for a in outcome.acts if isinstance(a, MoveLine)}


@pytest.mark.parametrize("mid", TWO_SIDED)
def test_the_second_side_of_every_two_sided_move_says_its_stop_rule(mid: str) -> None:
    lib = LIB.model_copy(
        update={"routines": {"bedtime": LIB.routines["bedtime"].model_copy(
            update={"moves": (LIB.routines["bedtime"].moves[0].model_copy(update={"move": mid}),)}
        )}}
    )
    state = RoutineState(
        routine="bedtime", moves=[mid], side=1, started=NOW, updated=NOW
    )
    out = transition(state, "repeat", NOW, Setup(library=lib))
    fields = [a.field for a in out.acts if isinstance(a, MoveLine)]
    assert "stop" in fields and "movement" in fields


@pytest.mark.parametrize("mid", sorted(LIB.moves))
def test_only_the_stop_line_carries_the_stop_rule_so_it_is_never_said_twice(mid: str) -> None:
    spec = LIB.moves[mid]
    for field in ("start", "movement", "feel", "breath"):
        assert not _STOP_WORDS.search(spec.text(field, "left")), (mid, field)
    assert spec.stop.strip()


def test_resuming_names_the_move_once_without_the_heading() -> None:
    out = transition(at("settle_breathing", phase="paused"), "resume", NOW, setup())
    assert keys(out)[0] == "routine.resuming"
    assert "routine.move.heading" not in keys(out) and "routine.continue" not in keys(out)
    assert "start" in [a.field for a in out.acts if isinstance(a, MoveLine)]


def test_resuming_a_cut_move_does_not_say_carrying_on_as_well() -> None:
    out = transition(at("knee_to_chest", block=1, phase="paused"), "resume", NOW, setup())
    assert "routine.resuming" in keys(out) and "routine.continue" not in keys(out)


def test_a_fresh_step_still_gets_its_heading() -> None:
    out = transition(at("settle_breathing"), "next", NOW, setup())
    assert "routine.move.heading" in keys(out)


def test_side_lying_moves_are_the_clams_and_side_leg_lifts() -> None:
    assert {"clam", "clam_small", "side_leg_lift"} <= set(SIDE_LYING)
    assert not {"knee_to_chest", "gentle_figure_four", "fire_hydrant"} & set(SIDE_LYING)


@pytest.mark.parametrize("painful", ["left", "right"])
@pytest.mark.parametrize("mid", ["clam", "side_leg_lift"])
def test_side_lying_moves_with_a_known_sore_side_are_done_on_the_good_hip_only(
    mid: str, painful: str
) -> None:
    s = setup(painful_side=painful, week=6)
    state = begin("strengthening", s, NOW).state
    assert state is not None
    here = state.model_copy(update={"move": STRENGTH.index(mid), "phase": "running"})
    first = transition(here, "repeat", NOW, s)
    assert side_line(first).key == "routine.side.only_lying_sore"
    assert move_sides(first) == {painful}  # the sore leg on top: lying on the good hip
    assert "routine.after.side" not in keys(first)
    after = transition(first.state, "next", NOW, s)  # never the side lying on the sore hip
    assert after.state is not None and after.state.side == 0
    assert after.state.phase == "done" or after.state.move == here.move + 1
    assert keys(transition(here, "other_side", NOW, s)) == ["routine.side.sore_only"]


def test_side_lying_moves_without_a_known_sore_side_name_the_top_leg() -> None:
    s = setup(week=6)
    state = begin("strengthening", s, NOW).state
    assert state is not None
    clam = state.model_copy(update={"move": STRENGTH.index("clam"), "phase": "running"})
    first = transition(clam, "repeat", NOW, s)
    assert side_line(first).key == "routine.side.first_lying"
    second = transition(first.state, "next", NOW, s)
    assert side_line(second).key == "routine.side.second_lying"
    assert move_sides(first) != move_sides(second)


def test_lying_on_the_back_moves_still_start_with_the_side_that_does_not_hurt() -> None:
    s = setup(painful_side="left")
    state = begin("bedtime", s, NOW).state
    assert state is not None
    out = transition(state.model_copy(update={"move": 1}), "repeat", NOW, s)
    assert side_line(out).key == "routine.side.first_good" and move_sides(out) == {"right"}


def test_kneeling_moves_start_with_the_side_that_does_not_hurt() -> None:
    s = setup(painful_side="right", week=6)
    state = strength_at("fire_hydrant", first_side="left", painful_known=True)
    out = transition(state, "repeat", NOW, s)
    assert side_line(out).key == "routine.side.first_good" and move_sides(out) == {"left"}
