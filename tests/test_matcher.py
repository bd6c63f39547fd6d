"""Behaviour of the development matcher (typed text -> Alexa request) on small models."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skill.matcher import (
    BUILTIN_SAMPLES,
    FALLBACK_INTENT,
    Match,
    Matcher,
    normalise,
    parse_number,
)

REAL_MODEL = Path(__file__).resolve().parents[1] / "interaction_models" / "en-US.json"

BUILT_INS = [
    "AMAZON.YesIntent",
    "AMAZON.NoIntent",
    "AMAZON.StopIntent",
    "AMAZON.CancelIntent",
    "AMAZON.HelpIntent",
    "AMAZON.NextIntent",
    "AMAZON.RepeatIntent",
    "AMAZON.ResumeIntent",
    "AMAZON.FallbackIntent",
]


def make_model(
    intents: list[dict[str, Any]],
    types: list[dict[str, Any]] | None = None,
    built_ins: list[str] | None = None,
) -> dict[str, Any]:
    all_intents = [{"name": name, "samples": []} for name in (built_ins or [])] + intents
    return {
        "interactionModel": {
            "languageModel": {
                "invocationName": "hip rest",
                "intents": all_intents,
                "types": types or [],
            }
        }
    }


SIDE_TYPE = {
    "name": "SideType",
    "values": [
        {"id": "LEFT", "name": {"value": "left", "synonyms": ["left side", "my left"]}},
        {"id": "RIGHT", "name": {"value": "right", "synonyms": ["right side"]}},
    ],
}
THING_TYPE = {
    "name": "ThingType",
    "values": [
        {"id": "PILLOW", "name": {"value": "pillow", "synonyms": ["cushion", "knee pillow"]}},
        {"id": "MATTRESS", "name": {"value": "mattress", "synonyms": ["bed"]}},
    ],
}

SKILL_INTENTS: list[dict[str, Any]] = [
    {
        "name": "PillowIntent",
        "slots": [{"name": "Thing", "type": "ThingType"}],
        "samples": ["where should I put my {Thing}", "where does the {Thing} go"],
    },
    {
        "name": "PlaceIntent",
        "slots": [
            {"name": "Thing", "type": "ThingType"},
            {"name": "Side", "type": "SideType"},
        ],
        "samples": ["put my {Thing} on the {Side}"],
    },
    {
        "name": "SideIntent",
        "slots": [{"name": "Side", "type": "SideType"}],
        "samples": ["{Side}", "it is my {Side} hip"],
    },
    {
        "name": "PainScoreIntent",
        "slots": [{"name": "Score", "type": "AMAZON.NUMBER"}],
        "samples": ["{Score}", "my pain is {Score}", "it is {Score}"],
    },
    {"name": "CannotSleepIntent", "samples": ["I cannot sleep", "I can't get comfortable"]},
    {
        "name": "StretchIntent",
        "samples": ["give me a stretch for my hip", "what stretch helps at night"],
    },
]


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher(make_model(SKILL_INTENTS, [SIDE_TYPE, THING_TYPE], BUILT_INS))


def intent_of(result: Match) -> str | None:
    assert result.kind == "IntentRequest", result
    return result.intent


# ------------------------------------------------------------------ exact samples and slots


def test_exact_sample_matches_its_intent_with_full_confidence(matcher: Matcher) -> None:
    result = matcher.match("Give me a stretch for my hip.")
    assert intent_of(result) == "StretchIntent"
    assert result.slots == {}
    assert result.score == 1.0


def test_slot_synonym_resolves_to_the_value_id_and_keeps_what_was_said(matcher: Matcher) -> None:
    result = matcher.match("where should I put my cushion")
    assert intent_of(result) == "PillowIntent"
    thing = result.slots["Thing"]
    assert (thing.value, thing.resolved_id, thing.resolved_name) == ("cushion", "PILLOW", "pillow")


def test_multi_word_synonym_is_preferred_over_a_shorter_value(matcher: Matcher) -> None:
    result = matcher.match("where should I put my knee pillow")
    assert result.slots["Thing"].value == "knee pillow"
    assert result.slots["Thing"].resolved_id == "PILLOW"


def test_unknown_slot_value_is_captured_without_resolution(matcher: Matcher) -> None:
    result = matcher.match("where should I put my rolled up towel")
    assert intent_of(result) == "PillowIntent"
    thing = result.slots["Thing"]
    assert thing.value == "rolled up towel"
    assert thing.resolved_id is None and thing.resolved_name is None
    assert result.score < 1.0


def test_unknown_value_in_slot_only_sample_does_not_swallow_short_phrases(
    matcher: Matcher,
) -> None:
    # "{Side}" alone would otherwise match any 1-4 words as an unresolved side.
    result = matcher.match("purple elephant")
    assert intent_of(result) == FALLBACK_INTENT


def test_filler_words_alone_do_not_license_a_loose_capture() -> None:
    intents = [
        {
            "name": "SymptomIntent",
            "slots": [{"name": "Thing", "type": "ThingType"}],
            "samples": ["i {Thing}", "i have {Thing}"],
        }
    ]
    symptoms = Matcher(make_model(intents, [THING_TYPE]))
    assert symptoms.match("i am tired").intent == FALLBACK_INTENT
    assert symptoms.match("i cushion").slots["Thing"].resolved_id == "PILLOW"
    assert symptoms.match("i have a headache").slots["Thing"].resolved_id is None


def test_slot_only_sample_matches_a_known_value(matcher: Matcher) -> None:
    result = matcher.match("right side")
    assert intent_of(result) == "SideIntent"
    assert result.slots["Side"].resolved_id == "RIGHT"


def test_value_after_a_determiner_still_resolves() -> None:
    model = make_model(
        [
            {
                "name": "SideIntent",
                "slots": [{"name": "Side", "type": "SideType"}],
                "samples": ["it hurts on {Side}"],
            }
        ],
        [SIDE_TYPE],
    )
    result = Matcher(model).match("it hurts on the right")
    assert result.slots["Side"].value == "the right"
    assert result.slots["Side"].resolved_id == "RIGHT"


def test_two_slots_are_both_captured(matcher: Matcher) -> None:
    result = matcher.match("put my bed on the left side")
    assert intent_of(result) == "PlaceIntent"
    assert result.slots["Thing"].resolved_id == "MATTRESS"
    assert result.slots["Side"].resolved_id == "LEFT"


def test_slot_names_lists_every_declared_slot_for_empty_slot_reporting(matcher: Matcher) -> None:
    assert matcher.slot_names("PlaceIntent") == ("Thing", "Side")
    assert matcher.slot_names("NoSuchIntent") == ()


# ------------------------------------------------------------------ numbers


@pytest.mark.parametrize(
    ("said", "expected"),
    [
        ("7", "7"),
        ("-2", "-2"),
        ("7.5", "7.5"),
        ("seven", "7"),
        ("zero", "0"),
        ("fifteen", "15"),
        ("twenty one", "21"),
        ("twenty-one", "21"),
        ("ninety nine", "99"),
        ("a hundred", "100"),
        ("minus two", "-2"),
        ("negative three", "-3"),
        ("seven and a half", "7.5"),
        ("six point five", "6.5"),
        ("a 4", "4"),
        ("4/10", "4"),
        ("four out of ten", "4"),
        ("4 out of 10", "4"),
    ],
)
def test_spoken_and_typed_numbers_fill_a_number_slot_as_digits(
    matcher: Matcher, said: str, expected: str
) -> None:
    result = matcher.match(said)
    assert intent_of(result) == "PainScoreIntent"
    assert result.slots["Score"].value == expected
    assert result.slots["Score"].resolved_id is None


def test_number_inside_a_carrier_phrase(matcher: Matcher) -> None:
    result = matcher.match("My pain is seven and a half!")
    assert intent_of(result) == "PainScoreIntent"
    assert result.slots["Score"].value == "7.5"


def test_number_slot_does_not_accept_words_that_are_not_numbers(matcher: Matcher) -> None:
    assert "Score" not in matcher.match("my pain is terrible").slots
    assert parse_number("terrible") is None
    assert parse_number("none") is None


def test_sample_that_says_out_of_ten_itself_still_gets_the_bare_number() -> None:
    intents = [
        {
            "name": "PainScoreIntent",
            "slots": [{"name": "Score", "type": "AMAZON.NUMBER"}],
            "samples": ["about {Score} out of ten"],
        }
    ]
    result = Matcher(make_model(intents)).match("about seven out of 10")
    assert result.intent == "PainScoreIntent"
    assert result.slots["Score"].value == "7"


# ------------------------------------------------------------------ normalisation


@pytest.mark.parametrize(
    "said", ["I can't sleep!", "i cannot sleep", "I CAN NOT sleep...", "I can\u2019t sleep"]
)
def test_contractions_and_punctuation_match_the_expanded_sample(
    matcher: Matcher, said: str
) -> None:
    result = matcher.match(said)
    assert intent_of(result) == "CannotSleepIntent"
    assert result.score == 1.0


def test_contracted_sample_matches_expanded_utterance(matcher: Matcher) -> None:
    result = matcher.match("I cannot get comfortable")
    assert intent_of(result) == "CannotSleepIntent"
    assert result.score == 1.0


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("What's   UP?", "what is up"),
        ("I'm done, aren't I", "i am done are not i"),
        ("dont   stop", "do not stop"),
        ("it's the hip's fault", "it is the hips fault"),
        ("score: -2, or 7.5", "score -2 or 7.5"),
        ("a 4/10 night", "a 4 out of ten night"),
    ],
)
def test_normalise_expands_contractions_and_strips_punctuation(raw: str, expected: str) -> None:
    assert normalise(raw) == expected


# ------------------------------------------------------------------ invocation wrappers


@pytest.mark.parametrize(
    "said",
    [
        "open hip rest",
        "Alexa, open Hip Rest",
        "start hip rest",
        "launch hip rest",
        "hip rest",
        "ask hip rest",
    ],
)
def test_invocation_alone_launches_the_skill(matcher: Matcher, said: str) -> None:
    result = matcher.match(said)
    assert result.kind == "LaunchRequest"
    assert result.intent is None


@pytest.mark.parametrize(
    "said",
    [
        "ask hip rest where should I put my cushion",
        "tell hip rest where should I put my cushion",
        "Alexa, ask Hip Rest where should I put my cushion?",
        "ask hip rest for where should I put my cushion",
        "open hip rest and where should I put my cushion",
        "where should I put my cushion using hip rest",
    ],
)
def test_one_shot_wrappers_match_the_inner_request(matcher: Matcher, said: str) -> None:
    result = matcher.match(said)
    assert intent_of(result) == "PillowIntent"
    assert result.slots["Thing"].resolved_id == "PILLOW"


def test_ask_to_and_tell_that_connectors_are_dropped(matcher: Matcher) -> None:
    assert intent_of(matcher.match("ask hip rest to give me a stretch for my hip")) == (
        "StretchIntent"
    )
    assert intent_of(matcher.match("tell hip rest that I can't sleep")) == "CannotSleepIntent"


@pytest.mark.parametrize("said", ["exit", "Alexa, exit", "quit"])
def test_exit_ends_the_session_instead_of_sending_an_intent(matcher: Matcher, said: str) -> None:
    result = matcher.match(said)
    assert result.kind == "SessionEndedRequest"
    assert result.intent is None


# ------------------------------------------------------------------ built-in intents


@pytest.mark.parametrize(
    ("said", "intent"),
    [
        ("yes", "AMAZON.YesIntent"),
        ("sounds good", "AMAZON.YesIntent"),
        ("no thanks", "AMAZON.NoIntent"),
        ("not now", "AMAZON.NoIntent"),
        ("shut up", "AMAZON.StopIntent"),
        ("that's enough", "AMAZON.StopIntent"),
        ("never mind", "AMAZON.CancelIntent"),
        ("what can I say", "AMAZON.HelpIntent"),
        ("skip this one", "AMAZON.NextIntent"),
        ("say that again", "AMAZON.RepeatIntent"),
        ("continue", "AMAZON.ResumeIntent"),
        ("keep going", "AMAZON.ResumeIntent"),
    ],
)
def test_built_in_intents_get_alexas_standard_phrasings(
    matcher: Matcher, said: str, intent: str
) -> None:
    assert intent_of(matcher.match(said)) == intent


def test_standard_phrasings_never_collide_between_built_ins() -> None:
    everything = Matcher(make_model([], built_ins=list(BUILTIN_SAMPLES)))
    wrong = [
        f"{phrase!r} -> {everything.match(phrase).intent} (expected {intent})"
        for intent, phrases in BUILTIN_SAMPLES.items()
        for phrase in phrases
        if everything.match(phrase).intent != intent
    ]
    assert not wrong, "\n".join(wrong)


def test_built_in_phrasings_are_only_added_for_intents_the_model_declares() -> None:
    bare = Matcher(make_model(SKILL_INTENTS, [SIDE_TYPE, THING_TYPE], ["AMAZON.StopIntent"]))
    assert bare.match("yes").intent == FALLBACK_INTENT
    assert bare.match("stop").intent == "AMAZON.StopIntent"


def test_model_samples_for_a_built_in_extend_the_standard_ones() -> None:
    intents = [{"name": "AMAZON.HelpIntent", "samples": ["I am confused"]}]
    extended = Matcher(make_model(intents))
    assert extended.match("I'm confused").intent == "AMAZON.HelpIntent"
    assert extended.match("help").intent == "AMAZON.HelpIntent"


# ------------------------------------------------------------------ fuzzy and fallback


def test_near_phrasing_matches_fuzzily_with_lower_confidence(matcher: Matcher) -> None:
    exact = matcher.match("where should I put my pillow")
    near = matcher.match("where do I put the pillow")
    assert intent_of(near) == "PillowIntent"
    assert near.slots["Thing"].resolved_id == "PILLOW"
    assert 0 < near.score < exact.score


def test_polite_filler_around_a_built_in_still_matches(matcher: Matcher) -> None:
    assert intent_of(matcher.match("um, stop please")) == "AMAZON.StopIntent"


@pytest.mark.parametrize("said", ["blorp zzz quux", "the weather in paris tomorrow", "?!"])
def test_unrelated_text_falls_back(matcher: Matcher, said: str) -> None:
    result = matcher.match(said)
    assert intent_of(result) == FALLBACK_INTENT
    assert result.slots == {}


def test_fallback_is_reported_even_when_the_model_lacks_it() -> None:
    bare = Matcher(make_model([{"name": "CannotSleepIntent", "samples": ["I cannot sleep"]}]))
    assert bare.match("blorp").intent == FALLBACK_INTENT


@pytest.mark.parametrize("said", ["", "   ", "\n\t", "alexa"])
def test_empty_input_falls_back(matcher: Matcher, said: str) -> None:
    assert intent_of(matcher.match(said)) == FALLBACK_INTENT


@pytest.mark.parametrize(
    "said",
    [
        "x" * 10_000,
        "my " * 3_400,
        "where should I put my " + "pillow " * 1_500,
        "seven and a half " * 600,
    ],
)
def test_very_long_input_returns_a_result(matcher: Matcher, said: str) -> None:
    result = matcher.match(said)
    assert result.kind == "IntentRequest"
    assert 0.0 <= result.score <= 1.0


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_any_text_gives_a_well_formed_result(said: str) -> None:
    result = MATCHER_FOR_PROPERTIES.match(said)
    assert 0.0 <= result.score <= 1.0
    assert (result.intent is None) == (result.kind != "IntentRequest")


MATCHER_FOR_PROPERTIES = Matcher(make_model(SKILL_INTENTS, [SIDE_TYPE, THING_TYPE], BUILT_INS))


# ------------------------------------------------------------------ ranking


def test_sample_with_more_literal_words_wins(matcher: Matcher) -> None:
    # Also matches "where should I put my {Thing}" with Thing="bed on the left" (loose).
    result = matcher.match("put my bed on the left")
    assert intent_of(result) == "PlaceIntent"


def test_a_recognised_value_beats_a_loose_capture_with_as_many_literal_words() -> None:
    intents = [
        {
            "name": "SideIntent",
            "slots": [{"name": "Side", "type": "SideType"}],
            "samples": ["it is {Side}"],
        },
        {
            "name": "PainScoreIntent",
            "slots": [{"name": "Score", "type": "AMAZON.NUMBER"}],
            "samples": ["it is {Score}"],
        },
    ]
    scoring = Matcher(make_model(intents, [SIDE_TYPE]))
    assert scoring.match("it is seven").intent == "PainScoreIntent"
    assert scoring.match("it is left").intent == "SideIntent"


def test_ties_go_to_the_intent_declared_first_whatever_the_order() -> None:
    first = {"name": "FirstIntent", "samples": ["tell me a tip"]}
    second = {"name": "SecondIntent", "samples": ["tell me a tip"]}
    assert Matcher(make_model([first, second])).match("tell me a tip").intent == "FirstIntent"
    assert Matcher(make_model([second, first])).match("tell me a tip").intent == "SecondIntent"


def test_matching_is_repeatable(matcher: Matcher) -> None:
    said = ["where do I put the pillow", "put my bed on the left", "seven", "continue"]
    assert [matcher.match(s) for s in said] == [matcher.match(s) for s in said]


def test_a_models_own_sample_beats_a_standard_built_in_phrasing() -> None:
    intents = [{"name": "SkipTipIntent", "samples": ["skip"]}]
    result = Matcher(make_model(intents, built_ins=["AMAZON.NextIntent"])).match("skip")
    assert result.intent == "SkipTipIntent"


# ------------------------------------------------------------------ loading


def test_from_file_reads_the_ask_json(tmp_path: Path) -> None:
    path = tmp_path / "en-US.json"
    path.write_text(json.dumps(make_model(SKILL_INTENTS, [SIDE_TYPE, THING_TYPE])), "utf-8")
    assert Matcher.from_file(path).match("I can't sleep").intent == "CannotSleepIntent"


def test_a_model_without_a_language_model_is_rejected() -> None:
    with pytest.raises(ValueError, match="languageModel"):
        Matcher({"interactionModel": {}})


# ------------------------------------------------------------------ the real model


def _filled(sample: str, intent: dict[str, Any], types: dict[str, Any]) -> str:
    slot_types = {s["name"]: s["type"] for s in intent.get("slots", [])}

    def value_for(found: re.Match[str]) -> str:
        slot_type = slot_types.get(found.group(1), "")
        if slot_type == "AMAZON.NUMBER":
            return "seven"
        values = types.get(slot_type, {}).get("values", [])
        return str(values[0]["name"]["value"]) if values else "something"

    return re.sub(r"\{(\w+)\}", value_for, sample)


@pytest.mark.skipif(not REAL_MODEL.exists(), reason="interaction_models/en-US.json not written")
def test_every_sample_in_the_real_model_matches_its_own_intent() -> None:
    model = json.loads(REAL_MODEL.read_text("utf-8"))
    language_model = model["interactionModel"]["languageModel"]
    types = {t["name"]: t for t in language_model.get("types", [])}
    real = Matcher(model)
    wrong = []
    for intent in language_model["intents"]:
        if any(s["type"] == "AMAZON.SearchQuery" for s in intent.get("slots", [])):
            continue  # the catch-all: its words are understood again by the backend
        for sample in intent.get("samples", []):
            said = _filled(sample, intent, types)
            result = real.match(said)
            if result.intent != intent["name"]:
                wrong.append(f"{intent['name']}: {said!r} -> {result.intent}")
    assert not wrong, "\n".join(wrong)


# --------------------------------------------------------------------------- unseen phrasings

UNSEEN = Path(__file__).parent / "data" / "unseen_phrasings.yaml"
# Measured on the held-out eval half: 75.9% before the keyword fallback, 81.6% now (64.4%
# before the fuzzy work). eval2 was written before the keyword round and never tuned on:
# 75.6% before, 80.8% after. Each bar is the measured figure minus a small margin.
MIN_EVAL_ACCURACY = 0.79
MIN_EVAL2_ACCURACY = 0.78


@pytest.fixture(scope="module")
def real() -> Matcher:
    return Matcher.from_file(REAL_MODEL)


def _unseen() -> dict[str, Any]:
    import yaml

    data = yaml.safe_load(UNSEEN.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def _routes(matcher: Matcher, item: dict[str, Any]) -> bool:
    result = matcher.match(item["say"])
    if result.intent != item["intent"]:
        return False
    for name, want in (item.get("slots") or {}).items():
        slot = result.slots.get(name)
        if slot is None or (slot.resolved_id or slot.value) != want:
            return False
    return True


def test_unseen_phrasings_cover_every_intent_of_the_model() -> None:
    data = _unseen()
    model = json.loads(REAL_MODEL.read_text("utf-8"))
    # The catch-all is not a request anyone makes: it only carries words to the backend.
    declared = {i["name"] for i in model["interactionModel"]["languageModel"]["intents"]
                if i["name"] != "CatchAllIntent"}
    covered = {item["intent"] for item in data["tune"] + data["eval"]}
    assert declared <= covered, declared - covered
    assert len(data["tune"]) + len(data["eval"]) >= 120
    assert len(data["ordinary_tune"]) + len(data["ordinary_eval"]) >= 30


def test_held_out_phrasings_route_with_at_least_the_measured_accuracy(real: Matcher) -> None:
    items = _unseen()["eval"]
    accuracy = sum(_routes(real, item) for item in items) / len(items)
    # Only the figure is printed: the misses stay unseen so the eval half stays held out.
    print(f"\nunseen eval accuracy on {len(items)} phrasings: {accuracy:.1%}")
    assert accuracy >= MIN_EVAL_ACCURACY


def test_second_held_out_set_routes_with_at_least_the_measured_accuracy(real: Matcher) -> None:
    items = _unseen()["eval2"]
    accuracy = sum(_routes(real, item) for item in items) / len(items)
    print(f"\nunseen eval2 accuracy on {len(items)} phrasings: {accuracy:.1%}")
    assert len(items) >= 60
    assert accuracy >= MIN_EVAL2_ACCURACY


def test_ordinary_bedtime_talk_never_comes_back_as_a_red_flag(real: Matcher) -> None:
    data = _unseen()
    said = data["ordinary_tune"] + data["ordinary_eval"] + data["ordinary_eval2"]
    alarms = [s for s in said if real.match(s).intent == "RedFlagIntent"]
    assert not alarms


@pytest.mark.parametrize("said", ["my hip feels a bit better", "i am feeling so relaxed",
                                  "i fall asleep quickly"])
def test_an_inflected_everyday_phrase_with_a_degree_word_is_still_ordinary(
    real: Matcher, said: str
) -> None:
    assert real.match(said).intent != "RedFlagIntent"


def test_distinctive_words_route_an_unseen_phrasing_to_their_intent() -> None:
    # No one sample explains half of it, but MattressIntent's samples together do.
    intents = [
        {"name": "MattressIntent", "samples": ["is my mattress too soft", "what should i buy"]},
        {"name": "PillowIntent", "samples": ["where does the pillow go", "is my pillow ok"]},
    ]
    result = Matcher(make_model(intents, built_ins=BUILT_INS)).match(
        "what mattress should i buy if it is too soft")
    assert intent_of(result) == "MattressIntent"
    assert 0 < result.score < 0.8


def test_words_the_model_never_uses_keep_a_keyword_reading_out(matcher: Matcher) -> None:
    # "stretch" is distinctive, but most of what was said is unknown to the model.
    assert intent_of(matcher.match("my neighbour's dog chewed the stretch band")) == FALLBACK_INTENT


def test_a_keyword_reading_of_a_slot_intent_needs_the_slot_heard(matcher: Matcher) -> None:
    # "put" belongs to PlaceIntent/PillowIntent, but no Thing or Side is named.
    assert matcher.match("put everything somewhere nice tonight").intent not in (
        "PlaceIntent", "PillowIntent")


@pytest.mark.parametrize("said", ["the pain never stops no matter what",
                                  "nah i'm alright thanks"])
def test_a_closing_hedge_does_not_hide_the_request(real: Matcher, said: str) -> None:
    assert real.match(said).intent in ("RedFlagIntent", "AMAZON.NoIntent")


@pytest.mark.parametrize(("said", "symptom"), [
    ("i fell in the hallway", "fall"),
    ("um i slipped on the stairs this morning", "fall"),
    ("my hip is all hot and swollen", "hot_swollen_joint"),
])
def test_a_symptom_with_place_time_and_filler_words_still_reaches_triage(
    real: Matcher, said: str, symptom: str
) -> None:
    result = real.match(said)
    assert result.intent == "RedFlagIntent"
    assert result.slots["Symptom"].resolved_id == symptom


@pytest.mark.parametrize("said", ["i fell asleep on my side", "i fell asleep in the hallway",
                                  "i fell for it"])
def test_fell_as_in_fell_asleep_is_not_a_fall(real: Matcher, said: str) -> None:
    assert real.match(said).intent != "RedFlagIntent"


@pytest.mark.parametrize("said", ["i want to stop", "that's enough for tonight",
                                  "let's stop here", "i'm done"])
def test_everyday_ways_of_stopping_stop(real: Matcher, said: str) -> None:
    assert real.match(said).intent == "AMAZON.StopIntent"


def test_a_content_word_outside_the_sample_blocks_the_contained_reading(matcher: Matcher) -> None:
    # "cushion" is a known Thing, but "purple elephant" is not filler around it.
    assert intent_of(matcher.match("purple elephant cushion stew")) == FALLBACK_INTENT


def test_an_exact_match_keeps_full_confidence_over_filler_readings(real: Matcher) -> None:
    assert real.match("where does the pillow go").score == 1.0
    wrapped = real.match("um could you tell me where does the pillow go tonight please")
    assert wrapped.intent == "PillowIntent"
    assert wrapped.score < 1.0


def test_ten_thousand_characters_of_filler_and_symptoms_stay_fast(real: Matcher) -> None:
    import time

    for text in ("i fell " * 1500, "in the " * 1500, "a" * 10_000, "um " * 3000 + "stop"):
        started = time.perf_counter()
        real.match(text)
        # Generous bound for slow CI; warm single utterances measure well under 5 ms.
        assert time.perf_counter() - started < 0.5


@pytest.mark.parametrize(
    "said",
    [
        "it's two in the morning and i'm awake in pain",
        "it is four am and my hip is killing me",
        "it's 3 am and my hip hurts",
    ],
)
def test_a_clock_time_is_never_taken_as_a_stiffness_score(said: str) -> None:
    from skill.models import load_model

    match = Matcher(load_model("en-US")).match(said)
    assert match.intent not in ("CheckInIntent", "LogScoreIntent"), match


def test_a_score_said_with_this_morning_is_still_a_score() -> None:
    from skill.models import load_model

    match = Matcher(load_model("en-US")).match("my hip is a 4 this morning")
    assert match.intent == "CheckInIntent"
    assert match.slots["Score"].value == "4"


def test_an_elicited_slot_takes_a_bare_value_of_its_type(en_us_matcher: Matcher) -> None:
    # Dialog.ElicitSlot biases Alexa's NLU towards the slot; the console does the same.
    heard = en_us_matcher.match("hmm about a four i'd say", expecting=("CheckInIntent", "Score"))
    assert (heard.intent, heard.slots["Score"].value) == ("CheckInIntent", "4")
    position = en_us_matcher.match("mostly the side", expecting=("PillowIntent", "Position"))
    assert position.slots["Position"].resolved_id == "side"


def test_an_elicited_score_never_takes_a_time_or_a_way_out(en_us_matcher: Matcher) -> None:
    timed = en_us_matcher.match("seven thirty in the morning",
                                expecting=("CheckInIntent", "Score"))
    assert "Score" not in timed.slots
    assert en_us_matcher.match("stop", expecting=("CheckInIntent", "Score")).intent == (
        "AMAZON.StopIntent")
