"""The tuning sets meet issue 14's targets through the real runtime (held-out
thresholds are asserted by the lead, on data nobody here reads)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.understanding import (
    DataError,
    Figure,
    Item,
    Outcome,
    figures,
    is_heldout,
    load_items,
    run_items,
)
from tests.understanding.__main__ import main

TUNING = Path(__file__).resolve().parents[1] / "data" / "tuning" / "phrasings.yaml"
# Round 2: answers inside dialog states and bedtime-language requests (written before
# the fixes: 112/179 then, 123/179 once the harness entered its states properly).
DIALOG_STATES = TUNING.with_name("dialog_states_2026_12.yaml")


@pytest.fixture(scope="module")
def tuning_figures() -> dict[str, Figure]:
    return figures(run_items(load_items(TUNING)))


def test_tuning_set_is_big_enough_and_covers_every_class() -> None:
    items = load_items(TUNING)
    assert len(items) >= 300
    assert {i.expect for i in items} == {"red_flag", "clarify", "ordinary", "intent"}
    assert {i.level for i in items if i.expect == "red_flag"} == {
        "emergency", "urgent", "same_day", "doctor", "gp"}


def test_red_flags_are_answered_at_the_right_level(tuning_figures: dict[str, Figure]) -> None:
    figure = tuning_figures["class red_flag"]
    assert figure.rate >= 0.98, figure.line()


def test_ordinary_bedtime_talk_rarely_raises_an_alarm(tuning_figures: dict[str, Figure]) -> None:
    figure = tuning_figures["false alarms (ordinary)"]
    assert figure.rate <= 0.02, figure.line()


def test_other_requests_land_on_topic(tuning_figures: dict[str, Figure]) -> None:
    figure = tuning_figures["class intent"]
    assert figure.rate >= 0.92, figure.line()


def test_no_red_flag_is_lost_in_any_dialog_state() -> None:
    states = ("bedtime_routine", "hold", "strength_routine", "checkin_score", "reminder_time",
              "delete_confirm", "pillow_position", "numbness_followup")
    items = [Item("i can't feel anything between my legs", "red_flag", "emergency", state=s)
             for s in states]
    missed = [o.item.state for o in run_items(items) if not o.passed]
    assert not missed


def test_a_red_flag_item_passes_only_at_its_level_or_safer_with_a_question() -> None:
    wrong_level, right_level = run_items([
        Item("i had a fall", "red_flag", "emergency"),
        Item("i had a fall", "red_flag", "same_day"),
    ])
    assert not wrong_level.passed
    assert right_level.passed


def test_a_slot_label_counts_through_the_models_synonyms_and_a_score_is_one_request() -> None:
    front, wrong_side, score_as_checkin, score_wrongly_placed = run_items([
        Item("how should i put my pillows if i sleep on my front", "intent",
             intents=("PillowIntent",), slots={"Position": "front"}),
        Item("how should i put my pillows if i sleep on my front", "intent",
             intents=("PillowIntent",), slots={"Position": "side"}),
        Item("four", "intent", intents=("LogScoreIntent",), state="checkin_score"),
        Item("start my bedtime routine", "intent", intents=("LogScoreIntent",)),
    ])
    assert front.passed and front.slots.get("Position") == "stomach"
    assert not wrong_side.passed
    assert score_as_checkin.passed and score_as_checkin.intent == "CheckInIntent"
    assert not score_wrongly_placed.passed


def test_items_without_a_level_or_with_an_unknown_state_are_refused(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("items:\n  - {say: 'i fell', expect: red_flag}\n", encoding="utf-8")
    with pytest.raises(DataError):
        load_items(bad)
    bad.write_text("items:\n  - {say: 'hi', expect: ordinary, state: dancing}\n",
                   encoding="utf-8")
    with pytest.raises(DataError):
        load_items(bad)


def test_misses_are_never_printed_for_the_heldout_set() -> None:
    heldout = Path(__file__).resolve().parents[1] / "data" / "heldout" / "any.yaml"
    assert is_heldout(heldout)
    assert not is_heldout(TUNING)
    # Refused before the file is opened: it need not even exist here.
    assert main(["--data", str(heldout), "--misses"]) == 2


NEAR_MISSES = TUNING.parent / "near_misses_2026_12.yaml"
# The second probe, written after the first fixes to see whether they generalise.
PROBE = TUNING.parent / "near_misses_2026_12_probe.yaml"


@pytest.fixture(scope="module")
def near_miss_figures() -> dict[str, Figure]:
    return figures(run_items(load_items(NEAR_MISSES) + load_items(PROBE)))


def test_near_miss_set_has_ordinary_talk_and_close_red_flags() -> None:
    items = load_items(NEAR_MISSES) + load_items(PROBE)
    assert sum(i.expect == "ordinary" for i in items) >= 100
    assert sum(i.expect == "red_flag" for i in items) >= 50


def test_near_misses_keep_red_flags_and_questions(near_miss_figures: dict[str, Figure]) -> None:
    red_flags, questions = near_miss_figures["class red_flag"], near_miss_figures["class clarify"]
    assert red_flags.rate >= 0.98, red_flags.line()
    assert questions.rate == 1.0, questions.line()


def test_near_misses_rarely_raise_an_alarm(near_miss_figures: dict[str, Figure]) -> None:
    # 42/145 on the tree before round 2, 11/145 after; most of the rest are questions about
    # a symptom ("can this cause tingling"), where one short question is the safer reading.
    figure = near_miss_figures["false alarms (ordinary)"]
    assert figure.rate <= 0.08, figure.line()


@pytest.fixture(scope="module")
def dialog_state_figures() -> dict[str, Figure]:
    return figures(run_items(load_items(DIALOG_STATES)))


def test_dialog_state_set_has_answers_in_states_and_requests_at_rest() -> None:
    items = load_items(DIALOG_STATES)
    assert sum(i.state != "none" for i in items) >= 70
    assert sum(i.state == "none" for i in items) >= 80


def test_answers_inside_dialog_states_are_heard_as_answers(
    dialog_state_figures: dict[str, Figure],
) -> None:
    assert dialog_state_figures["all"].rate >= 0.85, dialog_state_figures["all"].line()
    for state, floor in (("delete_confirm", 0.95), ("reminder_time", 0.9)):
        figure = dialog_state_figures[f"state {state}"]
        assert figure.rate >= floor, figure.line()


def test_each_dialog_state_is_the_state_it_names() -> None:
    # Once the routine states never started a routine (the routine name carried no
    # resolution), so every routine item was measured at "Which would you like?".
    from skill.conversation import Conversation
    from skill.envelopes import Caller
    from tests.understanding import STATES, Harness

    harness = Harness()
    try:
        matcher, types = harness._model("en-US")

        def enter(state: str) -> Conversation:
            convo = Conversation(runtime=harness.runtime, matcher=matcher,
                                 caller=Caller(user_id=f"amzn1.ask.account.STATE{state}"),
                                 clock=harness.clock, slot_types=types)
            STATES[state](convo)
            return convo

        for state in ("bedtime_routine", "hold", "strength_routine"):
            assert "Say next" in enter(state).history[-1].text, state
        asked = enter("reminder_time")
        assert asked.dialog is not None and asked.dialog.get("slotToElicit") == "Time"
        assert "What time" in asked.history[-1].text
    finally:
        harness.close()


# Round 3: the retired held-out set (tuned on since it was retired) and a second blind
# writer's set, tuned on from its first run (before: 83% / 16% / 74% and 85% / 6.5% / 75%).
ROUND3 = (TUNING.parent / "heldout_2026_12_retired.yaml", TUNING.parent / "phrasings_2026_12c.yaml")


@pytest.fixture(scope="module")
def round3_figures() -> dict[str, Figure]:
    return figures(run_items([item for path in ROUND3 for item in load_items(path)]))


def test_round3_sets_meet_the_targets_they_were_tuned_to(round3_figures: dict[str, Figure]) -> None:
    red_flags, questions = round3_figures["class red_flag"], round3_figures["class clarify"]
    assert red_flags.rate >= 0.98, red_flags.line()
    assert questions.rate >= 0.95, questions.line()
    alarms = round3_figures["false alarms (ordinary)"]
    assert alarms.rate <= 0.02, alarms.line()
    requests = round3_figures["class intent"]
    assert requests.rate >= 0.95, requests.line()


def test_round3_red_flags_are_heard_in_every_dialog_state(
    round3_figures: dict[str, Figure],
) -> None:
    items = [i for path in ROUND3 for i in load_items(path)
             if i.expect in ("red_flag", "clarify") and i.state != "none"]
    assert len(items) >= 100
    lost = [o.item.state for o in run_items(items) if not o.passed]
    assert len(lost) <= 1, lost


# Round 5: the fresh blind sets 12g/12h (before round 5, requests 134/142 and 134/139)
# and the own request probes (probe 184/244 before; the check probe, written after the
# first changes, 61/77 when first measured).
ROUND5 = {
    "phrasings_2026_12g.yaml": 0.97,
    "phrasings_2026_12h.yaml": 0.97,
    "probe_requests_round5.yaml": 0.97,
    "probe_requests_round5_check.yaml": 0.95,
}


@pytest.fixture(scope="module")
def round5_figures() -> dict[str, dict[str, Figure]]:
    return {name: figures(run_items(load_items(TUNING.parent / name))) for name in ROUND5}


@pytest.mark.parametrize("name", sorted(ROUND5))
def test_round5_requests_land_on_topic(
    round5_figures: dict[str, dict[str, Figure]], name: str,
) -> None:
    figure = round5_figures[name]["class intent"]
    assert figure.rate >= ROUND5[name], figure.line()


@pytest.mark.parametrize(("name", "red_flags", "alarms"), [
    # Floors at the figures before round 5: requests must never cost a red flag.
    ("phrasings_2026_12g.yaml", 121 / 125, 4 / 79),
    ("phrasings_2026_12h.yaml", 112 / 123, 4 / 79),
])
def test_round5_sets_keep_their_red_flags_and_false_alarms(
    round5_figures: dict[str, dict[str, Figure]], name: str, red_flags: float, alarms: float,
) -> None:
    found = round5_figures[name]
    assert found["class red_flag"].rate >= red_flags - 1e-9, found["class red_flag"].line()
    alarm = found["false alarms (ordinary)"]
    assert alarm.rate <= alarms + 1e-9, alarm.line()


# Round 5: the blind sets 12g and 12h (before: red flags 121/125 and 112/123, clarify
# 15/15 and 14/15) and the own emergency probe (before: 177/219, 18/18, 9/91 alarms).
ROUND5_BLIND = (TUNING.parent / "phrasings_2026_12g.yaml",
                TUNING.parent / "phrasings_2026_12h.yaml")
EMERGENCY_PROBE = TUNING.parent / "probe_emergency_round5.yaml"


@pytest.mark.parametrize("path", ROUND5_BLIND, ids=lambda p: p.stem)
def test_round5_blind_sets_keep_their_red_flags_and_questions(path: Path) -> None:
    found = figures(run_items(load_items(path)))
    red_flags, questions = found["class red_flag"], found["class clarify"]
    assert red_flags.rate >= 0.97, red_flags.line()
    assert found["red_flag emergency"].rate >= 0.97, found["red_flag emergency"].line()
    assert questions.rate == 1.0, questions.line()


def test_the_emergency_probe_hears_emergencies_in_every_state_and_stays_quiet() -> None:
    found = figures(run_items(load_items(EMERGENCY_PROBE)))
    assert found["class red_flag"].rate >= 0.99, found["class red_flag"].line()
    assert found["class clarify"].rate == 1.0, found["class clarify"].line()
    assert found["false alarms (ordinary)"].passed == 0, found["false alarms (ordinary)"].line()


# Round 5: two blind tuning sets (12g, 12h), measured once before: false alarms 4/79 and
# 4/79; red flags at urgent / same day / doctor / GP 73/75 and 56/58. This part (triage
# near the non-emergency levels and false alarms) is asserted here; the emergency rules'
# figures are another round-5 part's.
ROUND5_LEVELS = ROUND5_BLIND


@pytest.fixture(scope="module")
def round5_outcomes() -> list[Outcome]:
    items = [i for path in ROUND5_LEVELS for i in load_items(path)
             if i.expect == "ordinary" or (i.expect == "red_flag" and i.level != "emergency")]
    return run_items(items)


def test_round5_sets_rarely_alarm_and_keep_non_emergency_levels(
    round5_outcomes: list[Outcome],
) -> None:
    result = figures(round5_outcomes)
    alarms = result["false alarms (ordinary)"]
    assert alarms.rate <= 0.02, alarms.line()
    red_flags = result["class red_flag"]
    assert red_flags.rate >= 0.98, red_flags.line()


def test_no_held_out_sentence_is_in_any_tuning_file_or_model_sample() -> None:
    # The split the figures stand on: a probe written later, or a sample added to fix
    # a miss, must not carry a held-out sentence into what is tuned or trained on.
    import json

    from skill.textnorm import normalise

    data = TUNING.parents[1]
    held = {normalise(item.say) for path in sorted((data / "heldout").glob("*.yaml"))
            for item in load_items(path)}
    tuned = {normalise(item.say) for path in sorted((data / "tuning").glob("*.yaml"))
             for item in load_items(path)}
    models = Path(__file__).resolve().parents[2] / "interaction_models"
    for path in sorted(models.glob("*.json")):
        raw = json.loads(path.read_text(encoding="utf-8"))
        intents = raw.get("interactionModel", {}).get("languageModel", {}).get("intents", [])
        samples = [s for i in intents for s in i.get("samples", [])]
        samples += [s for group in (raw.get("samples") or {}).values() for s in group]
        tuned |= {normalise(s) for s in samples if "{" not in s}
    assert len(held) > 800
    # Short answers ("seven", "both legs") recur in every set by nature; a sentence of
    # four or more words in both is a copy. Only the count is shown: pytest would print
    # the held-out words themselves from a set comparison.
    copies = sum(1 for said in held & tuned if len(said.split()) >= 4)
    assert copies == 0, f"{copies} held-out sentences are in tuning data or samples"
