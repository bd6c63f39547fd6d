"""The referral rules compare averages with integer sums; they must agree exactly with
the definitions in Fractions (Salaffi/Farrar thresholds) for every history."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from skill.core.checkin import (
    IMPORTANT_POINTS,
    IMPORTANT_RATIO,
    MIN_PER_WEEK,
    NO_IMPROVEMENT_FLOOR,
    NOTICEABLE,
    RATIO_FLOOR,
    SIX_WEEKS,
    is_not_improving,
    is_worsening,
    key,
    week_pair,
    window,
)

TODAY = date(2026, 3, 10)


def _worsening_by_fractions(days: dict[str, int], today: date) -> bool:
    pair = week_pair(days, today)
    if pair.recent_n < MIN_PER_WEEK or pair.earlier_n < MIN_PER_WEEK:
        return False
    assert pair.recent is not None and pair.earlier is not None
    rise = pair.recent - pair.earlier
    if rise < NOTICEABLE:
        return False
    # The 30% branch only from a recent average of RATIO_FLOOR (issue 15).
    return rise >= IMPORTANT_POINTS or (
        pair.recent >= RATIO_FLOOR and pair.recent >= pair.earlier * IMPORTANT_RATIO
    )


def _not_improving_by_fractions(days: dict[str, int], today: date) -> bool:
    pair = week_pair(days, today, gap=SIX_WEEKS)
    if pair.recent_n < MIN_PER_WEEK or pair.earlier_n < MIN_PER_WEEK:
        return False
    assert pair.recent is not None and pair.earlier is not None
    if pair.recent < NO_IMPROVEMENT_FLOOR:
        return False
    return pair.earlier - pair.recent < NOTICEABLE


histories = st.lists(st.one_of(st.none(), st.integers(0, 10)), min_size=50, max_size=50).map(
    lambda scores: {
        key(TODAY - timedelta(days=back)): s for back, s in enumerate(scores) if s is not None
    }
)


@settings(max_examples=400, deadline=None)
@given(histories)
def test_integer_referral_rules_agree_with_fraction_averages(days: dict[str, int]) -> None:
    assert is_worsening(days, TODAY) == _worsening_by_fractions(days, TODAY)
    assert is_not_improving(days, TODAY) == _not_improving_by_fractions(days, TODAY)


def test_a_thirty_percent_rise_to_an_average_under_three_is_not_worsening() -> None:
    # earlier 1.0, recent 2.0: +1 point and +100%, but a low score (Farrar/Salaffi
    # measured change from moderate baselines).
    days = {key(TODAY - timedelta(days=b)): 2 for b in range(7)}
    days |= {key(TODAY - timedelta(days=7 + b)): 1 for b in range(7)}
    assert not is_worsening(days, TODAY) and not _worsening_by_fractions(days, TODAY)


def test_thirty_percent_rise_below_two_points_counts_as_worsening() -> None:
    # earlier 3.0, recent 4.0: +1 point (noticeable) and +33% (>= 30%), under 2 points.
    days = {key(TODAY - timedelta(days=b)): 4 for b in range(7)}
    days |= {key(TODAY - timedelta(days=7 + b)): 3 for b in range(7)}
    assert is_worsening(days, TODAY)


def test_window_keys_follow_the_end_date() -> None:
    days = {key(TODAY): 5, key(TODAY - timedelta(days=1)): 6}
    assert window(days, TODAY, 2) == [(TODAY - timedelta(days=1), 6), (TODAY, 5)]
    tomorrow = TODAY + timedelta(days=1)
    assert window(days, tomorrow, 2) == [(TODAY, 5), (tomorrow, None)]
