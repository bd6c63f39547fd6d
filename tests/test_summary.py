"""The four-week summary: pure builder on built histories, the card through the
real runtime, red flags recorded by the safety module, and the export."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from skill.conversation import Conversation
from skill.core import summary as core
from skill.export import summary_of
from skill.store.sqlite import SqliteStore
from tests.support.dialog import FakeClock, run_script

TODAY = date(2026, 3, 10)
USER = "amzn1.ask.account.DEVUSER"


def _days(scores: dict[int, int]) -> dict[str, int]:
    """days-ago -> score, as stored in checkin.days."""
    return {(TODAY - timedelta(days=ago)).isoformat(): s for ago, s in scores.items()}


def _line(key: str, **params: Any) -> str:
    return key + "|" + "|".join(f"{k}={v}" for k, v in sorted(params.items()))


def test_weeks_are_oldest_first_with_averages_of_scored_days_only() -> None:
    doc = {"checkin": {"days": _days({0: 4, 1: 6, 7: 8, 27: 2, 28: 9})}}
    report = core.build(doc, TODAY)
    assert report.start == TODAY - timedelta(days=27)
    assert [w.logged for w in report.weeks] == [1, 0, 1, 2]
    assert report.weeks[-1].average == 5
    assert report.weeks[0].scores[0] == 2  # day 27 is in, day 28 is not
    assert report.logged == 4


def test_routines_gentler_moves_and_red_flags_in_the_window_only() -> None:
    night = (TODAY - timedelta(days=2)).isoformat()
    old = (TODAY - timedelta(days=40)).isoformat()
    doc = {
        "routine": {
            "history": {
                night: {"routine": "bedtime", "completed": True, "gentler": ["clam"], "at": night},
                f"{TODAY.isoformat()}/strengthening": {
                    "routine": "strengthening",
                    "completed": False,
                    "at": "x",
                },
                old: {"routine": "bedtime", "completed": True, "gentler": ["fire_hydrant"]},
                "junk": "not a record",
            },
            "gentler": {
                "glute_bridge": (TODAY - timedelta(days=3)).isoformat(),
                "side_leg_lift": old,
            },
        },
        "safety": {
            "red_flags": {
                datetime(2026, 3, 9, 23, 0, tzinfo=UTC).isoformat(): {
                    "symptom": "one_leg",
                    "urgency": "gp",
                },
                datetime(2026, 1, 1, tzinfo=UTC).isoformat(): {
                    "symptom": "fall",
                    "urgency": "urgent",
                },
                "not a time": {"symptom": "fever"},
            }
        },
    }
    report = core.build(doc, TODAY, local_day=lambda m: m.date())
    assert [(r.routine, r.sessions, r.completed) for r in report.routines] == [
        ("bedtime", 1, 1),
        ("strengthening", 1, 0),
    ]
    assert report.gentler == ["clam", "glute_bridge"]
    assert [(f.symptom, f.urgency) for f in report.red_flags] == [("one_leg", "gp")]


def test_referral_rules_are_re_evaluated_for_each_scored_morning() -> None:
    # Two bad mornings in a row, twice; nothing else.
    doc = {"checkin": {"days": _days({0: 8, 1: 9, 5: 9, 6: 8, 10: 2})}}
    report = core.build(doc, TODAY)
    (fired,) = report.rules
    assert fired.rule == "high_streak"
    assert fired.days == (TODAY - timedelta(days=5), TODAY)


def test_worsening_rule_fires_when_the_week_is_two_points_up() -> None:
    scores = {ago: 3 for ago in range(7, 14)} | {ago: 6 for ago in range(0, 7)}
    report = core.build({"checkin": {"days": _days(scores)}}, TODAY)
    assert "worsening" in [r.rule for r in report.rules]


def test_damaged_namespaces_read_as_empty() -> None:
    for junk in (None, "x", [1], {"days": "nope", "history": 3}):
        report = core.build({"checkin": junk, "routine": junk, "safety": junk}, TODAY)
        assert report.empty


def test_card_text_has_every_section_and_stays_within_the_card_limit() -> None:
    scores = {ago: (ago * 7) % 11 for ago in range(28)}
    doc = {
        "checkin": {"days": _days(scores)},
        "safety": {
            "red_flags": {
                f"2026-03-0{i}T01:00:00+00:00": {"symptom": "fall", "urgency": "urgent"}
                for i in range(1, 10)
            }
        },
    }
    text = core.card_text(core.build(doc, TODAY, local_day=lambda m: m.date()), _line)
    for key in (
        "report.card.period",
        "report.card.week",
        "report.card.routines.none",
        "report.card.gentler.none",
        "report.card.red_flags",
        "report.card.footer",
    ):
        assert key in text
    assert text.count("report.card.week|") == 4
    assert len(text) <= core.CARD_LIMIT


def test_to_json_has_28_days_and_4_weeks() -> None:
    data = core.to_json(core.build({"checkin": {"days": _days({0: 3})}}, TODAY))
    assert len(data["days"]) == 28 and len(data["weeks"]) == 4
    assert data["days"][-1] == {"date": TODAY.isoformat(), "stiffness_0_10": 3}


def test_send_my_summary_puts_a_readable_card_in_the_app(
    convo: Conversation, clock: FakeClock
) -> None:
    for score in (7, 6, 8, 5):
        convo.say(f"my stiffness is {score}")
        convo.end()
        clock.advance(days=1)
    convo.say("start my bedtime stretches")
    convo.say("stop")
    exchanges = run_script(
        convo,
        """
        U: send my summary to my phone
        A: summary of the last four weeks in the Alexa app
        A: 4 mornings scored, and 1 routines
        A: <ends>
        """,
    )
    card = exchanges[0].card
    assert card is not None and card["type"] == "Simple"
    assert card["title"] == "Hip Rest: last four weeks"
    content = card["content"]
    assert " 7 6 8 5 " in content  # scores by day, in order
    assert "avg 6.5 (4/7)" in content
    assert "Mornings scored: 4 of 28" in content
    assert "bedtime" in content.lower()
    assert "Warning signs reported: none." in content
    assert len(card["title"]) + len(content) <= 8000
    # Readable in a minute: about 200 words a minute for a skim of a structured card.
    assert len(content.split()) < 200


def test_red_flag_answers_are_recorded_and_appear_on_the_card(
    convo: Conversation, store: SqliteStore
) -> None:
    convo.say("my stiffness is 4")
    convo.end()
    urgent = convo.say("i can't put weight on my leg")
    assert urgent.ended
    flags = store.load(USER)["safety"]["red_flags"]
    assert [f["urgency"] for f in flags.values()] == ["urgent"]
    exchanges = run_script(
        convo,
        """
        U: send my summary to my phone
        A: warning signs you told me about
        """,
    )
    assert "Warning signs reported:" in exchanges[0].card["content"]  # type: ignore[index]
    assert "advised: urgent care today" in exchanges[0].card["content"]  # type: ignore[index]


def test_nothing_stored_says_so_without_a_card(convo: Conversation) -> None:
    exchanges = run_script(
        convo,
        """
        U: send my summary
        A: nothing to summarise yet
        """,
    )
    assert exchanges[0].card is None


def test_export_summary_uses_the_stored_time_zone() -> None:
    doc = {"profile": {"time_zone": "America/Los_Angeles"}, "checkin": {"days": {"2026-03-09": 5}}}
    # 03:00 UTC on the 10th is still the 9th in Los Angeles.
    data = summary_of(doc, datetime(2026, 3, 10, 3, 0, tzinfo=UTC))
    assert data["end"] == "2026-03-09"
    assert data["days"][-1]["stiffness_0_10"] == 5
    assert (
        summary_of({"profile": {"time_zone": "Not/AZone"}}, datetime(2026, 3, 10, tzinfo=UTC))[
            "end"
        ]
        == "2026-03-10"
    )
