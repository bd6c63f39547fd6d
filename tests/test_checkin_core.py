"""Pure check-in rules on built histories: parsing, feedback, referrals, summaries."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from fractions import Fraction
from typing import Any

import pytest

from skill.core import checkin as core
from tests.support.counting import CountingDays

TODAY = date(2026, 3, 10)


def history(scores: Mapping[int, int], today: date = TODAY) -> dict[str, int]:
    """{days back: score} -> stored days."""
    return {(today - timedelta(days=back)).isoformat(): s for back, s in scores.items()}


def weeks(recent: list[int], earlier: list[int], gap: int = 7) -> dict[str, int]:
    """Scores on consecutive days ending today (recent) and ending ``gap`` days back."""
    days = {i: s for i, s in enumerate(reversed(recent))}
    days.update({gap + i: s for i, s in enumerate(reversed(earlier))})
    return history(days)


# --------------------------------------------------------------------------- parsing


@pytest.mark.parametrize(
    ("raw", "score"),
    [("0", 0), ("6", 6), ("10", 10), ("seven", 7), (" 4 ", 4), ("6.0", 6)],
)
def test_whole_scores_in_range_are_accepted(raw: str, score: int) -> None:
    parsed = core.parse_score(raw)
    assert parsed.score == score and parsed.error is None and parsed.rounded_from is None


@pytest.mark.parametrize(("raw", "score"), [("6.5", 7), ("0.5", 1), ("9.5", 10), ("2.4", 2)])
def test_half_points_round_half_up_and_say_so(raw: str, score: int) -> None:
    parsed = core.parse_score(raw)
    assert parsed.score == score
    assert parsed.rounded_from == float(raw)


@pytest.mark.parametrize("raw", ["15", "-2", "10.5", "11", "-0.5", "100"])
def test_values_outside_the_scale_are_out_of_range(raw: str) -> None:
    assert core.parse_score(raw) == core.ParsedScore(None, "out_of_range")


@pytest.mark.parametrize("raw", ["banana", "nan", "inf", "6 7"])
def test_non_numbers_are_rejected(raw: str) -> None:
    assert core.parse_score(raw).error == "not_a_number"


@pytest.mark.parametrize("raw", [None, "", "  ", "?"])
def test_nothing_heard_is_missing(raw: str | None) -> None:
    assert core.parse_score(raw).error == "missing"


# --------------------------------------------------------------------------- storage


def test_damaged_entries_are_dropped_one_by_one() -> None:
    raw = {"2026-03-09": 5, "2026-03-08": True, "2026-03-07": 11, "bad": 3, "2026-03-06": "4"}
    assert core.clean_days(raw) == {"2026-03-09": 5}
    assert core.clean_days(["not", "a", "dict"]) == {}


def test_prune_leaves_a_year_alone_without_scanning() -> None:
    days = history({i: 3 for i in range(core.KEEP_DAYS + core.PRUNE_SLACK)})
    assert core.prune(days, TODAY) is days


def test_prune_drops_entries_older_than_the_kept_window() -> None:
    days = history({i: 3 for i in range(1000)})
    kept = core.prune(days, TODAY)
    assert len(kept) == core.KEEP_DAYS
    assert min(kept) == (TODAY - timedelta(days=core.KEEP_DAYS - 1)).isoformat()
    assert TODAY.isoformat() in kept


# --------------------------------------------------------------------------- feedback


def test_first_score_ever_has_nothing_to_compare() -> None:
    fb = core.feedback(history({0: 6}), TODAY, any_before=False)
    assert fb.first_ever and fb.yesterday is None and fb.past_week_avg is None


def test_feedback_compares_with_yesterday_and_the_week_before_today() -> None:
    fb = core.feedback(history({0: 6, 1: 7, 2: 5, 3: 6}), TODAY, any_before=True)
    assert fb.yesterday == 7
    assert fb.past_week_avg == Fraction(6)  # today's 6 is not in its own baseline
    assert fb.vs_week == "same"


def test_a_gap_yesterday_is_not_compared_with_older_days() -> None:
    fb = core.feedback(history({0: 3, 2: 7}), TODAY, any_before=True)
    assert fb.yesterday is None
    assert fb.vs_week == "better"


def test_direction_needs_a_one_point_change_to_count() -> None:
    assert core.direction(Fraction(5), Fraction(6)) == "better"  # exactly 1 lower
    assert core.direction(Fraction(59, 10), Fraction(5)) == "same"
    assert core.direction(7, 6) == "worse"


def test_spoken_numbers_keep_one_decimal_rounding_half_up() -> None:
    assert core.spoken_number(Fraction(7, 2)) == "3.5"
    assert core.spoken_number(Fraction(5)) == "5"
    assert core.spoken_number(Fraction(16, 3)) == "5.3"
    assert core.spoken_number(0.25) == "0.3"


# --------------------------------------------------------------------------- referrals


def test_rise_of_exactly_two_points_is_worsening() -> None:
    assert core.is_worsening(weeks([9, 9, 9], [7, 7, 7]), TODAY)  # +2, only 29%


def test_rise_just_under_two_points_and_thirty_percent_is_not() -> None:
    assert not core.is_worsening(weeks([9, 9, 8], [7, 7, 7]), TODAY)  # +1.67, 24%


def test_rise_of_exactly_thirty_percent_is_worsening() -> None:
    assert core.is_worsening(weeks([4, 4, 5], [3, 3, 4]), TODAY)  # 10/3 -> 13/3, +1 point


def test_thirty_percent_of_a_tiny_score_is_not_worsening() -> None:
    # 1 -> 1.33 is 33% but under the 1-point noticeable change (Salaffi 2004)
    assert not core.is_worsening(weeks([1, 1, 2], [1, 1, 1]), TODAY)


def test_a_one_point_rise_under_thirty_percent_is_not_worsening() -> None:
    assert not core.is_worsening(weeks([5, 5, 5], [4, 4, 4]), TODAY)


def test_worsening_needs_three_scores_in_each_week() -> None:
    assert not core.is_worsening(weeks([9, 9, 9], [2, 2]), TODAY)
    assert not core.is_worsening(weeks([9, 9], [2, 2, 2]), TODAY)


def test_worsening_averages_only_logged_days_across_gaps() -> None:
    days = history({0: 8, 3: 8, 6: 8, 7: 5, 10: 5, 13: 5})
    assert core.is_worsening(days, TODAY)


@pytest.mark.parametrize(
    ("today", "yesterday", "expected"), [(8, 8, True), (10, 9, True), (8, 7, False), (7, 9, False)]
)
def test_two_consecutive_mornings_at_eight_or_more(
    today: int, yesterday: int, expected: bool
) -> None:
    assert core.is_high_streak(history({0: today, 1: yesterday}), TODAY) is expected


def test_high_mornings_with_a_gap_between_are_not_a_streak() -> None:
    assert not core.is_high_streak(history({0: 9, 2: 9}), TODAY)


def test_no_improvement_over_six_weeks() -> None:
    assert core.is_not_improving(weeks([6, 6, 5], [6, 6, 6], gap=42), TODAY)


def test_a_one_point_fall_over_six_weeks_is_improvement() -> None:
    assert not core.is_not_improving(weeks([5, 5, 5], [6, 6, 6], gap=42), TODAY)


def test_low_scores_are_not_flagged_for_no_improvement() -> None:
    assert not core.is_not_improving(weeks([2, 2, 2], [2, 2, 2], gap=42), TODAY)


def test_six_week_rule_needs_a_baseline_week() -> None:
    assert not core.is_not_improving(weeks([6, 6, 6], [6, 6], gap=42), TODAY)


def test_two_bad_mornings_outrank_a_worsening_week() -> None:
    days = weeks([9, 9, 9], [3, 3, 3])
    assert core.is_worsening(days, TODAY)
    assert core.referral(days, TODAY) == "high_streak"


def test_slow_referrals_stay_quiet_for_a_week_after_being_said() -> None:
    days = weeks([6, 7, 7], [3, 3, 3])
    said = {"worsening": (TODAY - timedelta(days=6)).isoformat()}
    assert core.referral(days, TODAY, said) is None
    said = {"worsening": (TODAY - timedelta(days=7)).isoformat()}
    assert core.referral(days, TODAY, said) == "worsening"
    assert core.referral(days, TODAY, {"worsening": "garbled"}) == "worsening"


# --------------------------------------------------------------------------- summaries


def test_summary_with_no_scores_at_all() -> None:
    s = core.week_summary({}, TODAY)
    assert s.logged == 0 and s.avg is None and s.last_before is None and len(s.entries) == 7


def test_summary_with_one_check_in() -> None:
    s = core.week_summary(history({2: 6}), TODAY)
    assert s.logged == 1 and s.avg == 6 and s.best == s.worst == (TODAY - timedelta(days=2), 6)
    assert s.trend is None


def test_summary_remembers_the_last_score_before_an_empty_week() -> None:
    s = core.week_summary(history({9: 5, 20: 3}), TODAY)
    assert s.logged == 0 and s.last_before == (TODAY - timedelta(days=9), 5)


def test_summary_best_worst_and_trend_against_the_previous_week() -> None:
    s = core.week_summary(history({0: 3, 1: 5, 3: 4, 8: 7, 9: 6}), TODAY)
    assert s.logged == 3 and s.avg == 4
    assert s.best == (TODAY, 3) and s.worst == (TODAY - timedelta(days=1), 5)
    assert s.trend == "better"
    assert [d for d, _ in s.entries] == [TODAY - timedelta(days=i) for i in range(6, -1, -1)]


def test_summary_trend_within_the_week_when_nothing_before() -> None:
    s = core.week_summary(history({0: 7, 4: 4}), TODAY)
    assert s.trend == "worse"


def test_a_year_of_data_summarises_only_the_week() -> None:
    year = history({i: (i % 11) for i in range(365)})
    week = {k: v for k, v in year.items() if k > (TODAY - timedelta(days=7)).isoformat()}
    full, short = core.week_summary(year, TODAY), core.week_summary(week, TODAY)
    assert (full.logged, full.avg, full.best, full.worst) == (
        short.logged,
        short.avg,
        short.best,
        short.worst,
    )


# --------------------------------------------------------------------------- nights and mornings


def bedtime_nights(mornings_back: list[int], routine: str = "bedtime") -> dict[str, Any]:
    """Routine history for the nights before the given mornings (night key = D-1)."""
    return {
        (TODAY - timedelta(days=back + 1)).isoformat(): {"routine": routine, "completed": True}
        for back in mornings_back
    }


def test_bedtime_link_compares_mornings_after_a_routine_with_the_rest() -> None:
    days = history({0: 3, 1: 4, 2: 3, 3: 5, 4: 5, 5: 5, 6: 5})
    link = core.bedtime_link(days, bedtime_nights([0, 1, 2, 4]), TODAY)
    assert link is not None
    assert (link.after_avg, link.other_avg) == (Fraction(15, 4), Fraction(5))
    assert (link.after_n, link.other_n) == (4, 3)


def test_bedtime_link_waits_for_three_of_each() -> None:
    days = history({0: 3, 1: 4, 2: 3, 3: 5, 4: 5})
    assert core.bedtime_link(days, bedtime_nights([0, 1, 2]), TODAY) is None


def test_other_routines_do_not_count_as_bedtime() -> None:
    days = history({i: 4 for i in range(6)})
    assert core.bedtime_link(days, bedtime_nights([0, 1, 2], routine="morning"), TODAY) is None


def test_a_routine_counts_for_the_next_morning_not_the_same_day() -> None:
    days = history({0: 2, 1: 2, 2: 2, 3: 6, 4: 6, 5: 6})
    # Routines on the evenings of days 0, 1 and 2 back: they precede mornings 0 and 1 only
    # (today's evening has no morning yet; day 2's morning came before its evening).
    nights = {(TODAY - timedelta(days=b)).isoformat(): {"routine": "bedtime"} for b in (0, 1, 2)}
    link = core.bedtime_link(days, nights, TODAY, minimum=2)
    assert link is not None
    assert (link.after_n, link.other_n) == (2, 4)
    assert (link.after_avg, link.other_avg) == (Fraction(2), Fraction(5))


# --------------------------------------------------------------------------- bounded cost


def touches(size: int) -> tuple[int, int]:
    days = CountingDays(history({i: (i * 7) % 11 for i in range(size)}))
    core.feedback(days, TODAY, any_before=True)
    core.referral(days, TODAY)
    core.week_summary(days, TODAY)
    core.bedtime_link(days, {}, TODAY)
    return days.reads, days.scans


def test_check_in_and_summary_touch_the_same_entries_for_10_or_10000_days() -> None:
    # Past the longest window (60 days) more history changes nothing; less only skips work.
    small, year, large = touches(10), touches(400), touches(10_000)
    assert large == year
    # The windows read: feedback 9, referrals 30, summary 14 (+60 if the week is empty),
    # nights-and-mornings 60.
    assert max(small[0], year[0], large[0]) <= 9 + 30 + 14 + 60 + 60
    assert large[1] == 0  # never iterates the stored history


def test_a_clean_history_is_kept_whole_and_one_bad_entry_is_dropped_alone() -> None:
    days = history({i: i % 11 for i in range(400)})
    assert core.clean_days(days) == days
    for junk in ({"2030-01-01": True}, {"2030-01-01": 11}, {"2030-1-01": 4}, {"2030-01-01x": 4}):
        assert core.clean_days({**days, **junk}) == days
