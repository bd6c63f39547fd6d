"""Check-in dialogues through the dev matcher and the real runtime, checked in the store."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from skill import envelopes
from skill.conversation import Conversation
from skill.deps import Deps
from skill.envelopes import Caller
from skill.runtime import SkillRuntime
from skill.store.patch import SetOp
from skill.store.sqlite import SqliteStore
from tests.conftest import make_conversation
from tests.support.dialog import FakeClock, run_script

USER = Caller().user_id
TODAY = date(2026, 3, 10)  # FakeClock: 2026-03-10 07:30 UTC


def seed(store: SqliteStore, scores: dict[int, int], **extra: Any) -> None:
    """Store scores {days back from TODAY: score} (and other namespaces)."""
    days = {(TODAY - timedelta(days=b)).isoformat(): s for b, s in scores.items()}
    ops = [SetOp(("checkin",), {"v": 1, "days": days, "notice_given": True})]
    ops += [SetOp((k,), v) for k, v in extra.items()]
    store.update(USER, ops)


def stored_days(store: SqliteStore) -> dict[str, int]:
    days = store.load(USER).get("checkin", {}).get("days", {})
    assert isinstance(days, dict)
    return days


# --------------------------------------------------------------------------- one-shot


@pytest.mark.parametrize(
    ("utterance", "score"),
    [
        ("my stiffness is 6", 6),
        ("my hip is a 4 this morning", 4),
        ("log a stiffness of seven", 7),
        ("my stiffness is zero", 0),
        ("my stiffness is ten out of ten", 10),
    ],
)
def test_one_shot_check_in_stores_todays_score(
    convo: Conversation, store: SqliteStore, utterance: str, score: int
) -> None:
    run_script(convo, f"U: {utterance}\nA: Got it, {score} for this morning")
    assert stored_days(store) == {TODAY.isoformat(): score}


def test_first_check_in_says_what_is_stored_and_how_to_delete_it(
    convo: Conversation, clock: FakeClock
) -> None:
    run_script(
        convo,
        """
        U: my stiffness is 5
        A: only this number and today's date
        A: delete my data
        A: <ends>
        """,
    )
    clock.advance(days=1)
    run_script(convo, "U: my stiffness is 4\nA: !delete my data")


def test_feedback_compares_with_yesterday_and_the_past_week(
    convo: Conversation, store: SqliteStore
) -> None:
    seed(store, {1: 7, 2: 6, 3: 5})
    run_script(
        convo,
        """
        U: my stiffness is 6
        A: 6, 1 lower than yesterday
        A: about your usual; the past week averaged 6
        A: summary of your week\\?
        A: <open>
        U: no
        A: <ends>
        """,
    )


def test_a_gap_yesterday_still_compares_with_the_week(
    convo: Conversation, store: SqliteStore
) -> None:
    seed(store, {3: 7, 4: 7})
    run_script(
        convo, "U: my stiffness is 3\nA: Got it, 3\nA: below your average .* 7\nA: !yesterday"
    )


# --------------------------------------------------------------------------- dialog and bad values


def test_dialog_check_in_explains_the_ends_then_takes_a_bare_number(
    convo: Conversation, store: SqliteStore
) -> None:
    run_script(
        convo,
        """
        U: morning check in
        A: from zero to ten
        A: Zero means none
        A: ten the worst
        A: <open>
        U: about a four
        A: Got it, 4 for this morning
        """,
    )
    assert stored_days(store) == {TODAY.isoformat(): 4}


def test_out_of_range_values_are_re_asked_with_the_range(
    convo: Conversation, store: SqliteStore
) -> None:
    run_script(
        convo,
        """
        U: I want to do my morning check in
        A: zero to ten
        U: 15
        A: whole number from zero to ten
        A: <open>
        U: six
        A: Got it, 6
        """,
    )
    assert stored_days(store) == {TODAY.isoformat(): 6}


def test_two_misses_leave_gracefully_storing_nothing(
    convo: Conversation, store: SqliteStore
) -> None:
    run_script(
        convo,
        """
        U: morning check in
        U: minus two
        A: zero to ten
        A: <open>
        U: banana
        A: haven't saved anything
        A: <ends>
        """,
    )
    assert "checkin" not in store.load(USER)


def test_one_shot_out_of_range_is_re_asked(convo: Conversation, store: SqliteStore) -> None:
    run_script(convo, "U: my stiffness is 15\nA: zero to ten\nA: <open>\nU: 3\nA: Got it, 3")
    assert stored_days(store) == {TODAY.isoformat(): 3}


def test_an_unheard_number_counts_as_a_miss(convo: Conversation, store: SqliteStore) -> None:
    # Alexa sends "?" for a number slot it could not fill.
    convo.say("morning check in")
    first = convo.intent("CheckInIntent", {"Score": "?"})
    assert "didn't catch a number" in first.text and not first.ended
    second = convo.intent("LogScoreIntent", {"Score": "?"})
    assert second.ended and "haven't saved" in second.text
    assert "checkin" not in store.load(USER)


def test_help_during_the_check_in_explains_the_scale_and_keeps_asking(
    convo: Conversation, store: SqliteStore
) -> None:
    run_script(
        convo,
        """
        U: morning check in
        U: help
        A: whole number from zero to ten
        A: Halves round up
        A: <open>
        U: 2
        A: Got it, 2
        """,
    )
    assert stored_days(store) == {TODAY.isoformat(): 2}


def test_half_points_from_the_dev_matcher_round_up_and_say_so(
    convo: Conversation, store: SqliteStore
) -> None:
    run_script(convo, "U: my stiffness is six and a half\nA: round halves up, so 6.5 counts as 7")
    assert stored_days(store) == {TODAY.isoformat(): 7}


def test_half_dropped_by_alexa_is_stored_as_heard(
    convo: Conversation, store: SqliteStore
) -> None:
    # Real AMAZON.NUMBER turns "six and a half" into "6" before we see it.
    reply = convo.intent("CheckInIntent", {"Score": "6"})
    assert "round" not in reply.text
    assert stored_days(store) == {TODAY.isoformat(): 6}


def test_a_bare_number_out_of_context_is_confirmed_before_saving(
    convo: Conversation, store: SqliteStore
) -> None:
    run_script(convo, "U: five\nA: Shall I log 5\nA: <open>\nU: no\nA: nothing saved\nA: <ends>")
    assert "checkin" not in store.load(USER)
    run_script(convo, "U: five\nA: Shall I log 5\nU: yes\nA: Got it, 5")
    assert stored_days(store) == {TODAY.isoformat(): 5}


# --------------------------------------------------------------------------- same day


def test_second_check_in_the_same_day_replaces_after_confirmation(
    convo: Conversation, store: SqliteStore, clock: FakeClock
) -> None:
    seed(store, {0: 5, 1: 6})
    clock.advance(hours=2)
    run_script(
        convo,
        """
        U: my stiffness is 3
        A: already gave me a 5 this morning
        A: change it to 3
        A: <open>
        U: yes
        A: 3, 3 lower than yesterday
        """,
    )
    assert stored_days(store)[TODAY.isoformat()] == 3


def test_declining_the_replacement_keeps_the_first_score(
    convo: Conversation, store: SqliteStore
) -> None:
    seed(store, {0: 5})
    run_script(convo, "U: my stiffness is 3\nU: no\nA: kept your 5\nA: <ends>")
    assert stored_days(store) == {TODAY.isoformat(): 5}


def test_same_score_again_needs_no_confirmation(convo: Conversation, store: SqliteStore) -> None:
    seed(store, {0: 5})
    run_script(convo, "U: my stiffness is 5\nA: !already gave me")
    assert stored_days(store) == {TODAY.isoformat(): 5}


# --------------------------------------------------------------------------- referrals


def test_two_bad_mornings_suggest_a_professional_and_ask_about_the_leg(
    convo: Conversation, store: SqliteStore
) -> None:
    seed(store, {1: 8})
    run_script(
        convo,
        """
        U: my stiffness is 8
        A: two mornings in a row at eight or more
        A: rule of thumb
        A: doctor or a physical therapist soon
        A: numbness or weakness in your leg\\?
        A: <open>
        U: yes
        A: worth a visit to your doctor
        A: <ends>
        """,
    )
    assert stored_days(store)[TODAY.isoformat()] == 8


def test_no_numbness_closes_gently(convo: Conversation, store: SqliteStore) -> None:
    seed(store, {1: 9})
    run_script(convo, "U: my stiffness is 8\nA: numbness\nU: no\nA: If that changes\nA: <ends>")


def test_a_worsening_week_suggests_a_gp_or_physio_as_a_rule_of_thumb(
    convo: Conversation, store: SqliteStore
) -> None:
    seed(store, {1: 6, 3: 6, 7: 3, 8: 3, 10: 3})
    run_script(
        convo,
        """
        U: my stiffness is 6
        A: average this week is 6, up from 3
        A: rule of thumb, not a diagnosis
        A: doctor or a physical therapist
        """,
    )
    doc = store.load(USER)["checkin"]
    assert doc["referred"] == {"worsening": TODAY.isoformat()}


def test_the_worsening_referral_is_not_repeated_next_morning(
    convo: Conversation, store: SqliteStore, clock: FakeClock
) -> None:
    seed(store, {1: 6, 3: 6, 7: 3, 8: 3, 10: 3})
    run_script(convo, "U: my stiffness is 6\nA: rule of thumb")
    clock.advance(days=1)
    run_script(convo, "U: my stiffness is 6\nA: !rule of thumb")


def test_six_weeks_without_improvement_suggests_a_physio(
    convo: Conversation, store: SqliteStore
) -> None:
    seed(store, {1: 6, 2: 6, 42: 6, 43: 6, 44: 6})
    run_script(
        convo,
        "U: my stiffness is 6\nA: haven't improved over the last six weeks\nA: physical therapist",
    )


def test_the_british_locale_says_gp_and_physiotherapist(
    runtime: SkillRuntime, clock: FakeClock, store: SqliteStore
) -> None:
    convo = make_conversation(runtime, clock, locale="en-GB")
    seed(store, {1: 9})
    reply = convo.say("my stiffness is 9")
    assert "physiotherapist" in reply.text


# --------------------------------------------------------------------------- summaries


def test_week_summary_after_a_single_check_in_makes_sense(
    convo: Conversation, store: SqliteStore
) -> None:
    run_script(convo, "U: my stiffness is 4")
    exchanges = run_script(
        convo,
        """
        U: how has my stiffness been this week
        A: logged one morning: 4 today
        A: !averaging
        A: <ends>
        """,
    )
    card = exchanges[0].card
    assert card is not None and card["type"] == "Simple"
    lines = card["content"].splitlines()
    assert lines[6] == "Tuesday 10: 4"  # 2026-03-10 is a Tuesday, last of the 7 rows
    assert lines[0] == "Wednesday 4: not logged"


def test_week_summary_with_a_year_of_check_ins(convo: Conversation, store: SqliteStore) -> None:
    seed(store, {b: (b % 5) + 2 for b in range(365)})
    reply = convo.say("how am i doing")
    # Last 7 days (back 0..6): 2,3,4,5,6,2,3 -> average 25/7 = 3.6; best 2 today, worst 6.
    assert "logged 7 mornings, averaging 3.6" in reply.text
    assert "best was 2 today" in reply.text and "hardest 6 on Friday" in reply.text
    assert reply.card is not None and len(reply.card["content"].splitlines()) == 9


def test_summary_with_nothing_logged_offers_to_start(convo: Conversation) -> None:
    run_script(
        convo,
        """
        U: how am i doing
        A: haven't logged any mornings yet
        A: log this morning's score\\?
        U: yes
        A: from zero to ten
        U: 3
        A: Got it, 3
        """,
    )


def test_summary_after_an_empty_week_mentions_the_last_score(
    convo: Conversation, store: SqliteStore
) -> None:
    seed(store, {9: 5})
    run_script(convo, "U: how am i doing\nA: last one was 5, 9 days ago")


def test_summary_offer_after_a_check_in(convo: Conversation, store: SqliteStore) -> None:
    seed(store, {1: 6, 2: 4})
    run_script(
        convo,
        """
        U: my stiffness is 5
        A: summary of your week
        U: yes
        A: logged 3 mornings, averaging 5
        A: <ends>
        """,
    )


def test_summary_links_nights_with_bedtime_routines_to_mornings(
    convo: Conversation, store: SqliteStore
) -> None:
    # Mornings 0..2 back follow a bedtime routine the night before (night key = D-1).
    nights = {
        (TODAY - timedelta(days=b + 1)).isoformat(): {"routine": "bedtime", "completed": True}
        for b in (0, 1, 2)
    }
    seed(store, {0: 3, 1: 4, 2: 3, 3: 5, 4: 5, 5: 5}, routine={"history": nights})
    reply = convo.say("how has my stiffness been this week")
    assert (
        "On mornings after your bedtime stretches your stiffness averaged 3.3; other mornings 5."
        in reply.text
    )


# --------------------------------------------------------------------------- local date


def zone_deps(deps: Deps, zone: str | None) -> Callable[[], SkillRuntime]:
    from skill.builder import build_skill

    deps.apis["timezone"] = lambda turn: zone

    def make() -> SkillRuntime:
        return SkillRuntime(build_skill(deps))

    return make


@pytest.mark.parametrize(
    ("utc", "zone", "local"),
    [
        # 23:30 UTC on the 9th is already the 10th in Berlin.
        (datetime(2026, 3, 9, 23, 30, tzinfo=UTC), "Europe/Berlin", "2026-03-10"),
        # 06:30 UTC on the 10th is still 23:30 on the 9th in Los Angeles (PDT since the 8th),
        # and 00:30 on the 10th an hour later.
        (datetime(2026, 3, 10, 6, 30, tzinfo=UTC), "America/Los_Angeles", "2026-03-09"),
        (datetime(2026, 3, 10, 7, 30, tzinfo=UTC), "America/Los_Angeles", "2026-03-10"),
        # Exactly local midnight belongs to the new day.
        (datetime(2026, 3, 10, 11, 0, tzinfo=UTC), "Pacific/Auckland", "2026-03-11"),
        (datetime(2026, 3, 10, 10, 59, tzinfo=UTC), "Pacific/Auckland", "2026-03-10"),
        # Unknown zone name: UTC.
        (datetime(2026, 3, 9, 23, 30, tzinfo=UTC), "Mars/Olympus", "2026-03-09"),
        (datetime(2026, 3, 9, 23, 30, tzinfo=UTC), None, "2026-03-09"),
    ],
)
def test_check_in_is_stored_under_the_users_local_date(
    deps: Deps, store: SqliteStore, clock: FakeClock, utc: datetime, zone: str | None, local: str
) -> None:
    clock.now = utc
    runtime = zone_deps(deps, zone)()
    response = runtime.handle(envelopes.intent(Caller(), utc, "CheckInIntent", {"Score": "4"}))
    assert "4 for this morning" in str(response)
    assert stored_days(store) == {local: 4}


def test_the_day_turns_at_local_midnight_for_same_day_replacement(
    deps: Deps, store: SqliteStore, clock: FakeClock
) -> None:
    # 23:50 and 00:10 in New York are two mornings; no replacement question.
    runtime = zone_deps(deps, "America/New_York")()
    # EDT (UTC-4) since 8 March 2026.
    moments = (datetime(2026, 3, 10, 3, 50, tzinfo=UTC), datetime(2026, 3, 10, 4, 10, tzinfo=UTC))
    for when, score in zip(moments, ("5", "6"), strict=True):
        clock.now = when
        env = envelopes.intent(Caller(), when, "CheckInIntent", {"Score": score})
        assert "already gave me" not in str(runtime.handle(env))
    assert stored_days(store) == {"2026-03-09": 5, "2026-03-10": 6}


# --------------------------------------------------------------------------- storage


def test_storage_is_pruned_to_about_a_year_on_write(
    convo: Conversation, store: SqliteStore
) -> None:
    seed(store, {b: 4 for b in range(1, 1200)})
    convo.say("my stiffness is 4")
    from skill.core.checkin import stored_days as all_days  # hot days and the archive

    days = all_days(store.load(USER))
    assert len(days) == 400
    assert min(days) == (TODAY - timedelta(days=399)).isoformat()


def test_damaged_entries_do_not_wipe_the_history(convo: Conversation, store: SqliteStore) -> None:
    store.update(USER, [SetOp(("checkin",), {"days": {"2026-03-09": 5, "2026-03-08": "x"}})])
    run_script(convo, "U: my stiffness is 4\nA: 4, 1 lower than yesterday")
    assert stored_days(store) == {"2026-03-09": 5, TODAY.isoformat(): 4}


def test_concurrent_check_ins_on_different_days_merge(
    runtime: SkillRuntime, store: SqliteStore, clock: FakeClock
) -> None:
    # Two conversations write different dates; neither overwrites the other.
    a = make_conversation(runtime, clock)
    a.say("my stiffness is 5")
    clock.advance(days=1)
    b = make_conversation(runtime, clock)
    b.say("my stiffness is 6")
    assert stored_days(store) == {"2026-03-10": 5, "2026-03-11": 6}


# ------------------------------------------------------------------------ re-asks and rounding


@pytest.mark.parametrize("heard", ["ummm pretty bad", "banana"])
def test_a_non_number_is_asked_again_without_calling_it_out_of_range(
    runtime: SkillRuntime, clock: FakeClock, store: SqliteStore, heard: str
) -> None:
    convo = make_conversation(runtime, clock, locale="en-AU")
    run_script(
        convo,
        f"""
        U: morning check in
        U: {heard}
        A: !outside the scale
        A: didn't catch a number
        A: zero to ten
        A: <open>
        U: about a seven i guess
        A: Got it, 7 for this morning
        """,
    )
    assert stored_days(store) == {TODAY.isoformat(): 7}


@pytest.mark.parametrize("heard", ["fifteen", "minus two"])
def test_an_out_of_range_number_is_asked_again_with_the_range(
    convo: Conversation, heard: str
) -> None:
    run_script(
        convo,
        f"U: morning check in\nU: {heard}\nA: outside the scale\nA: zero to ten\nA: <open>",
    )


def test_nothing_heard_asks_again_for_a_number(convo: Conversation) -> None:
    convo.say("morning check in")
    reply = convo.intent("LogScoreIntent", {})
    assert "didn't catch a number" in reply.text and "outside" not in reply.text
    assert not reply.ended


@pytest.mark.parametrize(
    ("answer", "score"),
    [("about a seven i guess", 7), ("i'd say a seven", 7), ("maybe six", 6), ("a six i guess", 6)],
)
def test_hedged_answers_in_the_check_in_are_understood_as_a_score(
    convo: Conversation, store: SqliteStore, answer: str, score: int
) -> None:
    run_script(convo, f"U: morning check in\nU: {answer}\nA: Got it, {score} for this morning")
    assert stored_days(store) == {TODAY.isoformat(): score}


def test_a_bare_half_point_says_the_rounding_in_the_question_not_after_yes(
    convo: Conversation, store: SqliteStore
) -> None:
    run_script(
        convo,
        """
        U: three and a half
        A: round halves up, so 3.5 counts as 4.*Shall I log 4
        U: yes
        A: !round halves up
        A: Got it, 4 for this morning
        """,
    )
    assert stored_days(store) == {TODAY.isoformat(): 4}


def test_a_half_point_replacement_says_the_rounding_in_the_question(
    convo: Conversation, store: SqliteStore
) -> None:
    seed(store, {0: 4})
    run_script(
        convo,
        """
        U: my stiffness is five and a half
        A: round halves up, so 5.5 counts as 6.*change it to 6
        U: yes
        A: !round halves up
        A: changed to 6
        """,
    )
    assert stored_days(store)[TODAY.isoformat()] == 6
