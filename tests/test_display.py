"""Echo Show screens: sent only to APL devices, valid documents, every bound field present."""

from __future__ import annotations

import json
from datetime import date, timedelta
from importlib import resources

import pytest

from skill.conversation import Conversation
from skill.core import display as core
from skill.handlers.display import RENDER_DOCUMENT
from skill.runtime import SkillRuntime
from tests.conftest import make_conversation
from tests.support.dialog import FakeClock


def _line(key: str, **params: object) -> str:
    return f"{key}:{','.join(f'{k}={v}' for k, v in sorted(params.items()))}"


@pytest.mark.parametrize("name", ["routine", "chart"])
def test_documents_are_valid_apl_json_shipped_in_the_package(name: str) -> None:
    text = resources.files("skill").joinpath("apl", f"{name}.json").read_text(encoding="utf-8")
    doc = json.loads(text)
    assert doc["type"] == "APL" and doc["mainTemplate"]["parameters"] == ["payload"]
    assert core.document(name) == doc


def test_routine_source_binds_every_field_the_document_uses() -> None:
    source = core.routine_source(
        _line,
        routine="Bedtime",
        move="clam shells",
        step=3,
        total=6,
        hold_seconds=None,
        reps=10,
        side="left",
        stop="Stop if it hurts.",
    )
    assert core.missing_bindings(core.document("routine"), source) == []
    assert source["routine"]["percent"] == 33
    assert "reps=10" in source["routine"]["hold"]
    json.dumps(source)


@pytest.mark.parametrize("length", [1, 7, 28, 40])
def test_chart_source_binds_every_field_for_each_bar(length: int) -> None:
    start = date(2026, 3, 1)
    entries = [(start + timedelta(days=i), None if i % 3 == 0 else i % 11) for i in range(length)]
    source = core.chart_source(_line, entries)
    assert core.missing_bindings(core.document("chart"), source) == []
    bars = source["chart"]["bars"]
    assert len(bars) == min(length, core.MAX_BARS)
    assert all(0 <= b["percent"] <= 100 for b in bars)
    assert bars[0]["opacity"] < 1  # a missing morning is a faint stub, not a zero score


def test_the_binding_check_catches_a_missing_field() -> None:
    source = core.routine_source(
        _line,
        routine="r",
        move="m",
        step=1,
        total=1,
        hold_seconds=20,
        reps=None,
        side=None,
        stop="s",
    )
    del source["routine"]["hold"]
    assert core.missing_bindings(core.document("routine"), source) == ["payload.routine.hold"]
    chart = core.chart_source(_line, [(date(2026, 3, 1), 3)])
    del chart["chart"]["bars"][0]["label"]
    assert core.missing_bindings(core.document("chart"), chart) == ["data[0].label"]


def _apl(exchange: object) -> list[dict[str, object]]:
    return [d for d in exchange.directives if d.get("type") == RENDER_DOCUMENT]  # type: ignore[attr-defined]


def test_routine_screen_goes_only_to_devices_with_a_screen(
    runtime: SkillRuntime, clock: FakeClock
) -> None:
    show = make_conversation(runtime, clock, apl=True, user_id="amzn1.ask.account.SHOW")
    dot = make_conversation(runtime, clock, user_id="amzn1.ask.account.DOT")
    on_show = show.say("start my bedtime stretches")
    on_dot = dot.say("start my bedtime stretches")
    assert on_show.text == on_dot.text  # the voice is complete on its own
    assert _apl(on_dot) == []
    (directive,) = _apl(on_show)
    data = directive["datasources"]["routine"]  # type: ignore[index]
    assert data["step"] == "Step 1 of 6"
    assert data["move"].lower() in on_show.text.lower()
    assert core.missing_bindings(directive["document"], directive["datasources"]) == []  # type: ignore[arg-type]
    nxt = show.say("next")
    assert _apl(nxt)[0]["datasources"]["routine"]["step"] == "Step 2 of 6"  # type: ignore[index]


def test_no_screen_once_the_routine_is_over_or_for_plain_answers(
    runtime: SkillRuntime, clock: FakeClock
) -> None:
    show = make_conversation(runtime, clock, apl=True)
    assert _apl(show.say("which side should i sleep on")) == []
    show.say("start my bedtime stretches")
    assert _apl(show.say("stop")) == []


def test_weekly_summary_chart_on_a_show_and_not_on_a_speaker(
    runtime: SkillRuntime, clock: FakeClock
) -> None:
    show = make_conversation(runtime, clock, apl=True, user_id="amzn1.ask.account.CHART")
    for score in (6, 5, 4):
        show.say(f"my stiffness is {score}")
        show.end()
        clock.advance(days=1)
    summary = show.say("how was my week")
    (directive,) = _apl(summary)
    bars = directive["datasources"]["chart"]["bars"]  # type: ignore[index]
    assert len(bars) == 7
    assert [b["score"] for b in bars][-4:-1] == ["6", "5", "4"]
    dot = make_conversation(runtime, clock, user_id="amzn1.ask.account.CHART")
    assert _apl(dot.say("how was my week")) == []


def test_no_screen_on_a_speaker_even_mid_routine(convo: Conversation) -> None:
    convo.say("start my bedtime stretches")
    assert _apl(convo.say("next")) == []
