"""Pure triage rules: symptom -> urgency, most urgent wins, free text recognised."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from skill.content import default_library
from skill.core.triage import (
    URGENCY_ORDER,
    Assessment,
    TriageRules,
    assess,
    classify,
    most_urgent,
    triage,
)


@pytest.fixture(scope="module")
def rules() -> TriageRules:
    found = default_library().for_locale("en-US").sections["triage"]
    assert isinstance(found, TriageRules)
    return found


@pytest.mark.parametrize(
    ("symptom", "urgency"),
    [
        ("saddle_numbness", "emergency"),
        ("bladder_bowel", "emergency"),
        ("weak_both_legs", "emergency"),
        ("fall", "same_day"),
        ("fall_cannot_bear_weight", "emergency"),
        ("hot_swollen_fever", "urgent"),
        ("leg_weakness", "doctor"),
        ("sudden_leg_weakness", "same_day"),
        ("cannot_bear_weight", "urgent"),
        ("fever", "same_day"),
        ("hot_swollen_joint", "same_day"),
        ("unwell", "same_day"),
        ("weight_loss", "doctor"),
        ("cancer_history", "doctor"),
        ("constant_pain", "doctor"),
        ("worsening_night_pain", "doctor"),
        ("one_leg", "gp"),
    ],
)
def test_each_red_flag_maps_to_the_urgency_in_the_clinical_notes(
    rules: TriageRules, symptom: str, urgency: str
) -> None:
    assert rules.urgency_of(symptom) == urgency


def test_unknown_symptom_id_has_no_urgency(rules: TriageRules) -> None:
    assert rules.urgency_of("sore_elbow") is None


@pytest.mark.parametrize(
    ("text", "symptom"),
    [
        ("numbness between my legs", "saddle_numbness"),
        ("my groin has gone numb", "saddle_numbness"),
        ("i peed the bed without knowing", "bladder_bowel"),
        ("both of my legs feel weak", "weak_both_legs"),
        ("my legs are numb", "weak_both_legs"),
        ("i fell on the ice", "fall"),
        ("slipped in the shower", "fall"),
        ("i cannot put any weight on it", "cannot_bear_weight"),
        ("shivering with a high temperature", "fever"),
        ("my hip is swollen", "hot_swollen_joint"),
        ("lost a lot of weight", "weight_loss"),
        ("i had breast cancer", "cancer_history"),
        ("it hurts all the time", "constant_pain"),
        ("it is getting worse every week", "worsening_night_pain"),
        ("my leg is numb", "one_leg"),
        ("tingling in my calf", "one_leg"),
    ],
)
def test_free_text_the_model_did_not_resolve_is_recognised(
    rules: TriageRules, text: str, symptom: str
) -> None:
    assert classify(rules, text) == symptom


@pytest.mark.parametrize(
    "text",
    ["i cannot fall asleep", "my hot water bottle", "i cannot stand the pain", "", "pillow", None],
)
def test_ordinary_words_are_not_mistaken_for_a_red_flag(
    rules: TriageRules, text: str | None
) -> None:
    assert classify(rules, text) is None


def test_numbness_between_the_legs_is_never_downgraded_to_one_leg(rules: TriageRules) -> None:
    # Both the emergency and the GP rule contain "numb"; the emergency one must win.
    assert classify(rules, "numb between my legs") == "saddle_numbness"


def test_the_more_urgent_reading_wins_when_slot_and_words_disagree(rules: TriageRules) -> None:
    # The slot resolved loosely to one leg, but the words say bladder: emergency.
    assert triage(rules, "one_leg", "my leg is numb and i wet myself") == (
        "bladder_bowel",
        "emergency",
    )
    # Issue 15: a fall when the person can walk is same-day care, not urgent.
    assert triage(rules, "fall", "i fell") == ("fall", "same_day")


def test_nothing_recognised_gives_no_urgency(rules: TriageRules) -> None:
    assert triage(rules, None, "the sofa") == (None, None)
    assert triage(rules, "made_up", None) == (None, None)


def test_most_urgent_orders_emergency_first() -> None:
    assert most_urgent(["gp", None, "same_day", "urgent"]) == "urgent"
    assert most_urgent([None]) is None
    assert URGENCY_ORDER[0] == "emergency"


def test_rules_without_an_emergency_symptom_are_rejected() -> None:
    with pytest.raises(ValidationError, match="emergency"):
        TriageRules.model_validate(
            {"source": "red-flags", "symptoms": {"x": {"urgency": "gp", "cues": ["numb"]}}}
        )


def test_rules_citing_an_unknown_source_are_rejected(rules: TriageRules) -> None:
    with pytest.raises(ValueError, match="unknown source"):
        rules.check_sources({"brief"})


@pytest.mark.parametrize(
    ("text", "symptom"),
    [("can't walk", "cannot_bear_weight"), ("i can't feel my legs", "weak_both_legs"),
     ("i can\u2019t feel my bottom", "saddle_numbness"),
     ("cant stand on it", "cannot_bear_weight")],
)
def test_contractions_in_raw_slot_text_match_the_cannot_cues(
    rules: TriageRules, text: str, symptom: str
) -> None:
    assert classify(rules, text) == symptom


@pytest.mark.parametrize("text", ["weak", "numb", "gone all tingly", "pins and needles"])
def test_numbness_with_no_body_part_is_the_ambiguous_reading(rules: TriageRules, text: str) -> None:
    found = assess(rules, None, text)
    assert (found.kind, found.symptom) == ("clarify", "numb_or_weak")


@pytest.mark.parametrize(
    ("text", "symptom"),
    [("my left leg is numb", "one_leg"), ("numb in my foot", "one_leg"),
     ("my legs are both weak", "weak_both_legs"), ("numb down there", "saddle_numbness")],
)
def test_a_named_body_part_settles_the_ambiguity(
    rules: TriageRules, text: str, symptom: str
) -> None:
    assert assess(rules, None, text) == Assessment("answer", symptom, rules.urgency_of(symptom))


def test_a_specific_resolved_id_is_preferred_over_the_ambiguous_words(rules: TriageRules) -> None:
    # Entity resolution matched "my leg feels weak"; the words alone also read "weak".
    assert assess(rules, "one_leg", "weak").symptom == "one_leg"


def test_an_ambiguous_resolved_id_still_loses_to_a_specific_emergency(rules: TriageRules) -> None:
    assert assess(rules, "numb_or_weak", "both legs weak").symptom == "weak_both_legs"


def test_ambiguous_numbness_with_a_fall_asks_and_remembers_the_fall(rules: TriageRules) -> None:
    found = assess(rules, None, "i fell and now i feel numb")
    assert (found.kind, found.symptom, found.also) == ("clarify", "numb_or_weak", "fall")


@pytest.mark.parametrize("text", ["a stretch", "heavy and relaxed", "a bit better", "sleepy"])
def test_bedtime_words_are_ordinary_not_a_question(rules: TriageRules, text: str) -> None:
    assert assess(rules, None, text).kind == "ordinary"


@pytest.mark.parametrize("text", ["purple spots", "a bit strange", "heavy and strange"])
def test_words_we_cannot_place_are_asked_about(rules: TriageRules, text: str) -> None:
    assert assess(rules, None, text) == Assessment("clarify")


def test_no_words_at_all_get_the_cautious_answer(rules: TriageRules) -> None:
    assert assess(rules, None, None) == Assessment("answer")


@pytest.mark.parametrize(
    "text", ["call an ambulance", "nine one one", "get me help now", "call 999", "an emergency"]
)
def test_asking_for_emergency_help_is_the_call_now_answer(rules: TriageRules, text: str) -> None:
    found = assess(rules, None, text)
    assert (found.kind, found.symptom, found.urgency) == ("answer", "call_for_help", "emergency")
    assert rules.symptoms["call_for_help"].say == "safety.call_now"


@pytest.mark.parametrize(
    "text",
    ["years ago I fell off a horse", "I used to get pins and needles when I was pregnant",
     "I had a fever last week but it's gone now", "the numbness from the dentist has worn off",
     "I was sick on monday, all good now"],
)
def test_a_symptom_long_ago_or_said_to_be_over_is_not_a_red_flag(
    rules: TriageRules, text: str
) -> None:
    assert assess(rules, None, text, free_text=True).kind == "ordinary"


@pytest.mark.parametrize(
    ("text", "symptom"),
    [
        # Passed, but still needs checking: a fall, a bladder change, saddle numbness.
        # ("fine now" after a fall: the same-day fall answer for someone walking).
        ("I fell yesterday but I'm fine now", "fall_walking"),
        ("I wet myself earlier, it's gone back to normal", "bladder_bowel"),
        ("I was numb between my legs earlier, it's gone now", "saddle_numbness"),
        # History counts however long ago.
        ("I had cancer years ago", "cancer_history"),
        # Past, but nothing says it is over, or it came back.
        ("I had a fever last week and it's back again tonight", "fever"),
    ],
)
def test_what_passed_but_still_matters_is_still_a_red_flag(
    rules: TriageRules, text: str, symptom: str
) -> None:
    assert classify(rules, text) == symptom


def test_an_intent_to_lose_weight_in_another_clause_explains_the_loss(rules: TriageRules) -> None:
    assert classify(rules, "I've been on a diet and lost half a stone") is None
    assert classify(rules, "I've lost weight and I'm not trying to") == "weight_loss"


def test_nothing_coming_when_trying_to_wee_is_retention_across_a_clause_break(
    rules: TriageRules,
) -> None:
    assert rules.urgency_of(classify(rules, "I need a wee but nothing will come out") or "") == (
        "emergency")
    assert classify(rules, "I need a wee") is None


def test_bedding_explains_sweating_but_not_shivering(rules: TriageRules) -> None:
    assert classify(rules, "I'm sweating under this doona") is None
    assert classify(rules, "I've been shivering all night under three blankets") == "chills"
    assert rules.urgency_of(classify(rules, "I'm shivering and my hip is hot and swollen")
                            or "") == "urgent"


def _answer(rules: TriageRules, text: str) -> str | None:
    """The urgency answered at once, "clarify" for one short question, None for none."""
    found = assess(rules, None, text, free_text=True)
    return found.urgency if found.kind == "answer" else (
        "clarify" if found.kind == "clarify" else None)


@pytest.mark.parametrize(("text", "want"), [
    # One leg, said with "'s" (is / has), is one leg, not both.
    ("my left calf's gone numb", "gp"),
    ("my right foot's been tingling since tea time", "gp"),
    ("my thigh's a bit numb on the outside", "gp"),
    # ...and "legs" said as a plural still is both.
    ("both my feet have gone numb", "emergency"),
])
def test_one_limb_with_an_apostrophe_s_is_one_leg(rules: TriageRules, text: str, want: str) -> None:
    assert _answer(rules, text) == want


@pytest.mark.parametrize("text", [
    "i can't feel the toilet paper when i wipe",
    "it's like the chair isn't there, i can't feel it under my bum",
    "down below has gone numb",
    "i can't feel anything between my bum cheeks",
    "my bottom feels like the dentist has numbed it",
])
def test_saddle_numbness_said_as_the_seat_the_paper_or_down_below(
    rules: TriageRules, text: str
) -> None:
    assert _answer(rules, text) == "emergency"


@pytest.mark.parametrize("text", [
    "i didn't realise i'd wet myself until i stood up",
    "i've been leaking and didn't notice a thing",
    "i can't hold my wee anymore",
    "i can't control my bowels since this morning",
    "i don't get the urge to go any more",
    "i haven't had a wee since breakfast",
    "i went to the loo and nothing would come",
    "i keep having little accidents and i don't feel them",
])
def test_bladder_or_bowel_loss_said_of_the_act_itself(rules: TriageRules, text: str) -> None:
    assert _answer(rules, text) == "emergency"


@pytest.mark.parametrize(("text", "want"), [
    ("i took a spill on the patio", "clarify"),
    ("i had a bingle in the car", "clarify"),
    ("i missed the bottom step and went down", "clarify"),
    ("i came off my bike", "clarify"),
    ("i went over on my ankle and i can't put any weight on it", "emergency"),
    ("i came off the ladder and the leg won't take my weight", "emergency"),
    ("i slipped in the kitchen but i'm walking ok", "same_day"),
    ("i tripped over the mat but didn't go down", None),
    ("i nearly fell but caught myself", None),
    ("my glasses fell off the bedside table", None),
])
def test_a_fall_in_everyday_words_asks_about_weight_unless_walking_is_said(
    rules: TriageRules, text: str, want: str | None
) -> None:
    assert _answer(rules, text) == want


@pytest.mark.parametrize(("text", "want"), [
    ("my leg's been getting weaker over the last day", "same_day"),
    ("my foot doesn't pick up when i walk", "doctor"),
    ("my toes keep catching on the carpet", "doctor"),
    ("my clothes are hanging off me and i'm eating fine", "doctor"),
    ("i've lost a few kilos and i don't know why", "doctor"),
    ("it's a bit worse every night", "doctor"),
    ("it hurts whichever way i lie", "doctor"),
])
def test_doctor_and_same_day_signs_said_in_other_words(
    rules: TriageRules, text: str, want: str
) -> None:
    assert _answer(rules, text) == want


@pytest.mark.parametrize("text", [
    "i'm getting up for a wee four times a night",
    "i'm using the restroom a lot more than normal",
    "i've got some waterworks problem",
    "peeing feels a bit odd lately",
    "my legs feel weird",
])
def test_broad_bladder_and_odd_legs_words_ask_one_question(rules: TriageRules, text: str) -> None:
    assert _answer(rules, text) == "clarify"


@pytest.mark.parametrize("text", [
    "the doctor ruled out cancer", "i'm walking for a cancer charity",
    "i tripped on the rug but didn't actually fall", "i had a wee before bed as usual",
    "we watched a documentary about paramedics", "no weakness, just tired",
    "i'm boiling but it's the electric blanket", "my legs are like jelly after leg day",
    "i'm numb with boredom", "my friend called an ambulance for her dad last month",
    "no problems with the waterworks", "i've lost weight since my doctor told me to walk more",
    "can this cause tingling", "is it normal to feel numb after lying on it",
    "i saw an ambulance go past", "i'm peeing a lot because i drink lots of tea",
    "my leg went dead from sitting on it", "i don't know when i need to stretch",
    "i feel rough after that party", "my knees went weak at the price",
])
def test_ordinary_talk_near_red_flag_words_is_no_alarm(rules: TriageRules, text: str) -> None:
    assert _answer(rules, text) is None


def test_a_red_flag_said_with_a_score_keeps_its_own_level(rules: TriageRules) -> None:
    assert _answer(rules, "four but my right leg's tingly") == "gp"
    assert _answer(rules, "seven and i haven't peed all day") == "emergency"


def test_a_denial_framing_a_denied_cue_still_denies(rules: TriageRules) -> None:
    assert _answer(rules, "it's not like i can't feel my legs, it just aches") is None
    assert _answer(rules, "the seat isn't there i can't feel it") == "emergency"
    assert _answer(rules, "numb or tingly? no, it's just sore") is None


@pytest.mark.parametrize(("text", "want"), [
    ("since last night i'm not getting any feeling in my private parts", "emergency"),
    ("my wee comes out on its own without me knowing", "emergency"),
    ("i am unable to pass urine since lunch", "emergency"),
    ("i'm straining to wee and it won't come", "emergency"),
    ("i didn't make it to the loo in time", "emergency"),
    ("i had an accident in bed last night", "emergency"),
    ("i keep waking up soaked in sweat", "same_day"),
    ("i keep having to rush to the loo", "clarify"),
])
def test_more_ways_to_say_loss_of_control_retention_and_night_sweats(
    rules: TriageRules, text: str, want: str
) -> None:
    assert _answer(rules, text) == want


@pytest.mark.parametrize("text", [
    "i had a spill of coffee on the rug", "the sun went down on the drive home",
    "i'm sweaty after the walk", "i had to rush to the toilet before bed",
    "i didn't make it in time for the train", "i had a little accident on the stairs, all fine",
    "my legs feel like lead after walking all day", "how often should i pee at night",
    "why do you ask about bladder problems", "my cheeks are numb from the cold",
    "i fell asleep on my leg and now it's numb",
])
def test_everyday_words_that_share_a_red_flag_word_stay_ordinary(
    rules: TriageRules, text: str
) -> None:
    assert _answer(rules, text) is None


@pytest.mark.parametrize(("text", "want"), [
    # A clause with no subject of its own is about the one before it.
    ("both my legs are aching and feel really weak tonight", "emergency"),
    # A fall ranks before a plain same-day answer: its question may mean an ambulance.
    ("i've been poorly all week and had a fall this morning", "clarify"),
    ("i went arse over on the ice", "clarify"),
    ("i'm unable to do urine since last night", "emergency"),
])
def test_subjectless_clauses_fall_ranking_and_more_regional_words(
    rules: TriageRules, text: str, want: str
) -> None:
    assert _answer(rules, text) == want


@pytest.mark.parametrize("text", [
    "what's the number for the non emergency line", "my tempur pillow is lovely",
    "my pyjama button came off", "i slipped my shoes off", "the fall weather makes it ache",
    "the emergency exit at the shops was blocked", "i can't feel the stretch in my bum",
    "i'm feeling crook about missing my stretches", "i lie flat on my back",
])
def test_words_that_only_look_like_cues_are_no_alarm(rules: TriageRules, text: str) -> None:
    assert _answer(rules, text) is None


# --------------------------------------------------------------------------- round 4
# Own phrasings of each family (not the tuning sentences).

@pytest.mark.parametrize(("text", "want"), [
    # Weight loss said by what the clothes do.
    ("my skirt keeps slipping down and i eat the same as always", "doctor"),
    ("i'm on the last hole of my belt and not trying to slim", "doctor"),
    ("my rings are falling off my fingers these days", "doctor"),
    ("everyone says i'm looking thin and i haven't changed a thing", "doctor"),
    # Both legs said by what they do (or don't).
    ("neither of my legs will take me tonight, my legs would not take me", "emergency"),
    ("my legs have no power in them since tea", "emergency"),
    ("my legs don't feel attached to me", "emergency"),
    ("i can't feel the ground under my feet", "emergency"),
    # A leg that won't hold me: urgent alone, the ambulance after a fall.
    ("the leg won't carry me to the bathroom", "urgent"),
    ("went down on the tiles and the leg won't go under me", "emergency"),
    # Someone else's fall with no weight bearing is still the ambulance answer...
    ("my dad slipped in the hall and he can't stand up", "emergency"),
    # ...unless they are up again; an older person's fall alone asks about weight
    # (round 11: at their age it may be a broken hip).
    ("my dad slipped in the hall and couldn't get up for a moment but he's fine now", None),
    ("my dad slipped in the hall this evening", "clarify"),
    # Retention and unfelt leaks, said of the act.
    ("my urine is not passing since lunch", "emergency"),
    ("went to pass water and nothing came out", "emergency"),
    ("i woke up and the bed was wet, i didn't feel it happen", "emergency"),
    ("i can't hold my wee any more", "emergency"),
    # Unwell, in regional words.
    ("i'm feeling proper grotty tonight", "same_day"),
    ("not keeping well at all since monday", "same_day"),
    # A leg that just gave out on me is sudden.
    ("my knee just gave way on me at the sink", "same_day"),
    # One leg buzzing.
    ("my left calf is fizzing like pop", "gp"),
    # A bare denial after a clause denies only itself.
    ("my hip is red and swollen, no temperature", "same_day"),
])
def test_round4_effect_descriptions_reach_their_level(
    rules: TriageRules, text: str, want: str | None
) -> None:
    assert _answer(rules, text) == want


@pytest.mark.parametrize("text", [
    "nothing numb, nothing tingly, just achy",
    "our cat is limping and can't walk properly",
    "my neighbour's dog fell off the wall and can't stand, poor thing, he's fine now",
    "the snow is falling outside",
    "i fell off the wagon with the exercises",
    "my trousers are falling down, the elastic is shot",
    "i want to drop a few kilos before summer",
    "the physio says losing weight would help my hip",
    "i've been sweating after my walk",
    "i'm weak with laughter",
    "my knees felt weak after the stairs",
    "i feel sick after that takeaway",
    "i feel rotten about skipping my stretches",
    "the swelling has gone down in the night",
    "i went down on one knee for the stretch",
    "i'm bursting for the loo, back in a sec",
    "nothing's wrong with my bladder",
    "the tap water is not coming out",
    "a bowel tumour runs in the family, they said it was benign" ,
])
def test_round4_ordinary_talk_near_those_words_stays_ordinary(
    rules: TriageRules, text: str
) -> None:
    assert _answer(rules, text) is None


# --------------------------------------------------------------------------- round 5
# Own phrasings of each family (neither the probe's nor the tuning sets' sentences).

@pytest.mark.parametrize(("text", "want"), [
    # Fever said by a reading or a clinical word, with a hot or swollen hip: urgent.
    ("the thermometer showed thirty nine and my hip has puffed up", "urgent"),
    ("pyrexial all evening and the hip joint is swollen", "urgent"),
    ("i'm febrile and the skin over my hip is red", "urgent"),
    ("my temperature is not normal and my hip is swollen", "urgent"),
    # A heat source explains a warm hip, never a swollen one.
    ("i've had the heat pack on and my hip is swollen", "same_day"),
    ("lovely and warm in bed but my hip is puffy and hot", "same_day"),
    # A general question about one's own symptom is a report.
    ("my hip has come up all red, is this normal", "same_day"),
    ("is it normal that my leg's gone numb since the weekend", "gp"),
    ("my thigh has gone weak, when should i see someone", "doctor"),
    # The left or right one is one leg.
    ("not the left, the right one is tingling", "gp"),
    # A fall said by the leg going, or rolling off the bed.
    ("my knee gave way and now i'm down here and can't get up", "emergency"),
    ("i rolled off the bed and can't stand up", "emergency"),
    ("i went over in the bathroom and i can't put weight on it", "emergency"),
    # A car hit with the speaker in it is a fall; walking said in any order.
    ("a lorry smashed into my car this morning, i'm walking ok though", "same_day"),
    ("someone rammed my car at the roundabout", "clarify"),
    # Sudden leg weakness said by the time of day.
    ("my right leg went weak at lunchtime, a couple of hours ago", "same_day"),
    # Weight loss whose "reason" is denied, or is not one.
    ("i've lost weight without dieting at all", "doctor"),
    ("the nurse said it's nothing but i keep losing weight", "doctor"),
    # Night pain increasing.
    ("the pain at night has been increasing, keeps increasing", "doctor"),
    # Over, unless it is not.
    ("my foot went numb and it hasn't gone away", "gp"),
    # Someone up again, unless they are not.
    ("my husband fell and can't get up, he is not fine", "emergency"),
])
def test_round5_red_flags_said_in_other_words_keep_their_level(
    rules: TriageRules, text: str, want: str | None
) -> None:
    assert _answer(rules, text) == want


@pytest.mark.parametrize("text", [
    # Someone or something else fell, said after "and".
    "my little dog jumped off the chair and fell over",
    "the lamp wobbled and fell on the carpet",
    # Heat sources, cold rooms and feelings.
    "the hot water bottle has made my hip nice and toasty",
    "it's so cold in the bedroom, i can't stop shivering",
    "that story sent chills down my spine",
    "i checked my temperature and it was normal",
    # Swelling that is not a hip.
    "my eyelids are puffy this morning",
    "my ankles always swell on the coach, it's normal for me",
    # Numbers that fall.
    "my sugar levels fell overnight",
    # Reasons for weight loss, a scare that came back clear.
    "i've given up the wine and lost half a stone",
    "smaller portions and no more crisps, the weight is coming off",
    "they thought it might be a tumour but the scan came back clear",
    # Getting worse, constant: not the pain.
    "the rain is getting worse every night",
    "the dog barking is a constant worry",
    # Weakness and tingling that are no sign.
    "i go weak at the knees when i heard that song",
    "my feet caught on the sheet as i rolled over",
    "i love the tingly feeling of a foot massage",
    "i tingled all over for a second then i was fine",
    "tingling down there? nope, nothing of the kind",
    # A lifelong short leg.
    "one leg has been shorter than the other all my life",
])
def test_round5_ordinary_talk_near_those_words_stays_ordinary(
    rules: TriageRules, text: str
) -> None:
    assert _answer(rules, text) is None


@pytest.mark.parametrize(("text", "want"), [
    # A carer's report of the person's own legs (BRIEF.md): both is the emergency.
    ("my wife's legs have both gone numb tonight", "emergency"),
    ("dad says his left foot keeps tingling", "gp"),
    # The person a carer speaks for: unwell, a fever, weight loss or cancer, with their hip.
    ("mum has been poorly all day and her hip is much worse", "same_day"),
    ("my husband's running a temperature and his hip is sore", "same_day"),
    ("grandad's been losing weight and his hip aches at night", "doctor"),
    ("my dad had chemo last year and his hip pain is new", "doctor"),
    # "after" and "since" name what happened: the fall is still said.
    ("my leg won't take my weight since the fall", "emergency"),
    # "more and more" is one cue, not two clauses.
    ("my right leg is giving way more and more", "same_day"),
    ("came off my skateboard and can't stand up", "emergency"),
    ("the insides of my legs feel like they're not mine", "emergency"),
])
def test_round7_red_flags_said_in_other_words_keep_their_level(
    rules: TriageRules, text: str, want: str | None
) -> None:
    assert _answer(rules, text) == want


@pytest.mark.parametrize("text", [
    # Someone else's illness beside the speaker's own hip.
    "my husband is poorly and my hip is sore tonight",
    # A negation inside a cue's words.
    "my hip is not red",
    "hang on, the remote fell off the bed",
    # Figures of speech, an expected loss, a resolved symptom.
    "that's a weight off my shoulders",
    "i lost weight after giving birth, which was expected",
    "that stretch knocked me out, in a good way",
    "the fever is completely gone now, it was last week",
    # Questions asked in general, the person saying they do not have it.
    "i don't have a fever, i'm asking hypothetically",
    "why do people ask about weight loss with hip pain",
    "no history of cancer in me, i just wondered",
    # The usual trip to the loo.
    "i get up for a wee once a night, always have",
])
def test_round7_ordinary_talk_near_those_words_stays_ordinary(
    rules: TriageRules, text: str
) -> None:
    assert _answer(rules, text) is None


@pytest.mark.parametrize(("text", "want"), [
    # A denial ends where a new subject and verb start, with no break word said.
    ("it's not numb it's hot and swollen and i've got a fever", "urgent"),
    ("not now i have a high fever and the hip is swelled up", "urgent"),
    # "no" as a correction, then what happened.
    ("eight wait no i fell on the stairs earlier i'm walking but it hurts", "same_day"),
    # A dropped apostrophe: "my right legs" is one leg.
    ("my right legs getting weaker and weaker all of a sudden", "same_day"),
    ("nah my left legs been numb for days", "gp"),
    # Speech-to-text spellings of "weight" and "night".
    ("fell in the bathroom cannot bear any wait on my right leg", "emergency"),
    ("the pain gets worse every nite", "doctor"),
    # A fever is no effort's sweat: stretching said beside it does not explain it away.
    ("i don't think i should be stretching i've got a fever and the hip's swollen up",
     "urgent"),
    ("burning up and my hip is swollen", "urgent"),
    ("i've been having night sweats", "same_day"),
    # A report before a question, and a tag question about what was just said.
    ("i'm a breast cancer survivor does this new hip pain matter", "doctor"),
    ("the pain gets worse every night is that bad", "doctor"),
    ("is it normal the hip is red hot and i am having fever", "urgent"),
    # More places and ways of saying it.
    ("numb in between the thighs suddenly", "emergency"),
    ("since last week i've lost all feeling in the bedroom department", "emergency"),
    ("things down there aren't working and its kinda numb", "emergency"),
    ("no position ever makes it better its just constant", "doctor"),
    ("she's gone down by the wardrobe and she can't put any weight on that leg", "emergency"),
    ("i keep getting up to spend a penny a lot more than i used to", "clarify"),
])
def test_round8_red_flags_said_in_other_words_keep_their_level(
    rules: TriageRules, text: str, want: str
) -> None:
    assert _answer(rules, text) == want


@pytest.mark.parametrize("text", [
    # The denial still holds when the words after it frame it.
    "i don't think i have a fever",
    "i'm not saying it is swollen",
    # Someone else's, disowned after the cue.
    "my husband's the one with the temperature not me",
    "stuck in traffic cos of an accident on the motorway, wasn't me",
    # Effort explains sweating; a question about sweating stays a question.
    "im sweating buckets after those bridges haha",
    "i'm hot at night whichever way i lie",
    # Over, long ago, or never what it sounded like.
    "i was off work poorly last week but i'm right as rain now",
    "i had a fall back in twenty nineteen but that's all long mended",
    "i had a cancer scare two years ago but it turned out to be a cyst",
    "i had a water infection in the summer but the antibiotics cleared it up",
    "it was numb last week but not now",
    # Things and children that fell, said with words the rules did not know.
    "again the piller fell down from bed",
    "i dropped the baby monitor and the battery fell out",
    "my little one fell out of the top bunk but he's fine",
    # Questions in general stay questions.
    "does hip pain cause numbness",
    "can a fall cause hip pain",
])
def test_round8_ordinary_talk_near_those_words_stays_ordinary(
    rules: TriageRules, text: str
) -> None:
    assert _answer(rules, text) is None


def test_both_legs_named_side_by_side_stay_both(rules: TriageRules) -> None:
    assert _answer(rules, "my left and right legs are numb") == "emergency"
    assert _answer(rules, "both left legs and right legs feel weak") == "emergency"


@pytest.mark.parametrize(("text", "want"), [
    # Clinical words (tuning set 12q's health-literate speakers).
    ("perianal numbness started tonight", "emergency"),
    ("bilateral leg numbness came on tonight", "emergency"),
    ("paraesthesia running down the lateral left thigh", "gp"),
    ("pyrexia thirty eight point two and erythema over the trochanter", "urgent"),
    # English learned late: "no" for "not", the present for the past.
    ("yesterday i fall from stairs and the leg it no take my weight", "emergency"),
    ("i slip on the ice this morning and i no can walk", "emergency"),
    ("i fall off the bed doing the bridge and now the leg no hold me", "emergency"),
    ("fell off the porch step and i can't put no weight on that leg at all", "emergency"),
    # A veto said with "not" is none: "not tired".
    ("suddenly both leg have no power not tired just no power", "emergency"),
    # More ways to fall, to sit and feel nothing, to say it is getting worse.
    ("i went over doing that last one and now i can't get up", "emergency"),
    ("i've come off the exercise ball and i can't put weight on my leg", "emergency"),
    ("my hip just went and i hit the driveway and i can't put any weight on my leg",
     "emergency"),
    ("when i sit on the loo it feels like i'm sitting on nothing", "emergency"),
    ("the part where you sit on the bicycle is fully numb", "emergency"),
    ("can't get an erection and it's gone numb there since last week", "emergency"),
    ("i can't feel the floor with either foot", "emergency"),
    ("been running a fever and my hip is swole right up", "urgent"),
    ("my hip is very warm when i touch it", "same_day"),
    ("my right leg is getting more weak every day", "same_day"),
    ("the night pain keeps ramping up night after night", "doctor"),
    ("my left leg it's pins and needles all the time", "gp"),
    ("someone bumped into my car in the car park today", "clarify"),
    ("something change with the peeing", "clarify"),
])
def test_round9_red_flags_said_in_other_words_keep_their_level(
    rules: TriageRules, text: str, want: str
) -> None:
    assert _answer(rules, text) == want


@pytest.mark.parametrize("text", [
    "my leg's shaking a bit in this hold but it's okay",
    "sweating heaps from this ha",
    "i've got a fever blister on my lip lol",
    "the cancer test was clear",
    "the weight loss was my thyroid tablets the doctor sorted it",
    "i watched a video about foot drop and got scared but my feet are totally fine",
    "my leg it falls off the pillow in the night",
    "i had one fall years back",
    "i had the bike accident when i am child long ago",
    "my foot keeps slipping on the sheet",
    "no bladder or bowel changes i went through the checklist",
    # A veto said with another denial still vetoes.
    "nothing helps me sleep except tea",
])
def test_round9_ordinary_talk_near_those_words_stays_ordinary(
    rules: TriageRules, text: str
) -> None:
    assert _answer(rules, text) is None


# Round 10 (tuning set 12s): effort said as "doing these" explains sweating, and being
# out of breath ("puffed out") is no swollen hip; a hip said to be puffed still is.
@pytest.mark.parametrize("text", [
    "i'm sweating doing these",
    "i am a bit puffed after the bridges",
    "getting puffed out on the last one",
])
def test_round10_effort_and_breathlessness_stay_ordinary(rules: TriageRules, text: str) -> None:
    assert _answer(rules, text) is None


@pytest.mark.parametrize(("text", "urgency"), [
    ("my hip is a bit puffed", "same_day"),
    ("i'm sweating doing these and my hip is hot and swollen", "same_day"),
    ("my hip is swollen and i'm sweating doing nothing", "urgent"),
])
def test_round10_a_puffed_hip_and_sweats_without_effort_keep_their_level(
    rules: TriageRules, text: str, urgency: str
) -> None:
    assert _answer(rules, text) == urgency


# Round 11 (tuning sets 12s and 12u): what was over and came back is tonight's; an older
# person's fall said by a carer asks the fall question; an explanation said not to be
# there explains nothing; "like I used to" is no long ago.
@pytest.mark.parametrize(("text", "urgency"), [
    ("my temperature went away this afternoon but it's come back", "same_day"),
    ("the numbness between my legs wore off, now it's back again", "emergency"),
    ("had a fever earlier, it went, and now it's started again", "same_day"),
])
def test_round11_a_symptom_that_came_back_is_tonights(
    rules: TriageRules, text: str, urgency: str
) -> None:
    assert _answer(rules, text) == urgency


@pytest.mark.parametrize("text", [
    "the fever broke last night and i'm fine",
    "my fever went away but the ache came back",
    "had a temperature on monday, it's gone now and the stiffness is back",
])
def test_round11_a_symptom_that_stayed_over_is_no_red_flag(rules: TriageRules, text: str) -> None:
    assert _answer(rules, text) is None


@pytest.mark.parametrize("text", [
    "grandma just had a fall in the hallway",
    "my husband came off his bike this evening",
    "never mind the data, dad's had a tumble",
    "my wife tripped over the dog a minute ago",
])
def test_round11_a_carer_telling_of_an_older_persons_fall_is_asked_about_weight(
    rules: TriageRules, text: str
) -> None:
    found = assess(rules, None, text, free_text=True)
    assert (found.kind, found.symptom) == ("clarify", "fall_someone")


@pytest.mark.parametrize("text", [
    "my grandson fell off the trampoline",
    "my wife tripped last week but she's fine",
    "my husband fell asleep watching telly",
    "the cat's limping, she fell off the fence",
    "my mum's cat fell off the bed",
    "my dad is worried he might fall",
    "my grandmother broke her hip when she fell",
])
def test_round11_a_childs_tumble_an_old_fall_and_a_pets_are_no_alarm(
    rules: TriageRules, text: str
) -> None:
    assert _answer(rules, text) is None


def test_round11_a_carers_fall_with_no_weight_bearing_is_still_the_ambulance(
    rules: TriageRules,
) -> None:
    assert _answer(rules, "mum's had a fall and can't put any weight on her leg") == "emergency"


@pytest.mark.parametrize(("text", "urgency"), [
    ("my hip's warm to touch and there's no heat pack on it", "same_day"),
    ("the hip is hot and i haven't used the hot water bottle", "same_day"),
    ("my right leg is weaker every day, i can't do the bridges like i used to", "same_day"),
    ("i've got so thin lately", "doctor"),
    ("i'm off my food and poorly with this hip", "same_day"),
    ("the pain won't stop even lying flat", "doctor"),
    ("my legs are not taking my orders", "emergency"),
    ("my legs feel like lead, i can't lift either one", "emergency"),
    ("lost all feeling in my sitting area", "emergency"),
    ("my bladder is not good, i can't control it", "emergency"),
    ("i'm feeling crook with this hip", "same_day"),
    # Round 11 (12u): how it was before is no resolution; a treated cancer is a history.
    ("i was fine until tea time, now i can't control my bladder", "emergency"),
    ("had bowel cancer a while back, all clear now, and this hip aches at night", "doctor"),
    # A veto that jumps a new subject vetoes nothing.
    ("been running a temperature tonight, is it fine to do the stretches", "same_day"),
    ("one hundred and one on the thermometer and my hip is swollen", "urgent"),
    ("pins and needles down my left leg, not in my bottom", "gp"),
])
def test_round11_new_ways_of_saying_a_red_flag_keep_their_level(
    rules: TriageRules, text: str, urgency: str
) -> None:
    assert _answer(rules, text) == urgency


@pytest.mark.parametrize("text", [
    "my hip feels hot, the heat pack is on it",
    "i used to get tingling between my legs when i was pregnant",
    "the thing is my hip aches",
    "i had some dodgy food and feel sick",
    "i'm not losing weight no matter what i do",
    "my bladder is good thank goodness",
    "my knee's a bit crook",
    "mummy had cancer long back, not me",
    "i had a scan for cancer and it came back clear",
    "tingling is not there, only the ache",
    "numbness not an issue, it's just sore",
    "my brother has the flu but me okay",
    "slipped on some spilt milk but caught myself and didn't fall",
])
def test_round11_ordinary_talk_near_those_words_stays_ordinary(
    rules: TriageRules, text: str
) -> None:
    assert _answer(rules, text) is None


# Round 12 (tuning set 12w): run-together speech is cut where "I had" / "I was" starts
# again, so an old event's "years ago" is not tonight's symptom's; "I should say I
# fell" tells, it does not suppose; a carer who says "not me" of a GP- or doctor-level
# symptom is telling someone else's news (an emergency still counts whoever it is about).
@pytest.mark.parametrize(("text", "urgency"), [
    ("my hip is hot and i've got a fever i had my gallbladder out years ago", "urgent"),
    ("i can't feel my bum at all i was in hospital last year for my heart", "emergency"),
    ("i should say i slipped on the step this evening but i'm walking", "same_day"),
    ("i forgot to say i fell in the garden today, i can't stand on it", "emergency"),
    ("a motorbike hit me outside the shop this evening, i walked home", "same_day"),
    ("the loo's been odd all day", "clarify"),
    ("i haven't felt the need to pee since lunch", "emergency"),
    ("my leg keeps buckling on the way to the toilet since this morning", "same_day"),
    ("my left leg is not having strength since today", "same_day"),
    ("my wife can't feel her bottom, not me", "emergency"),
])
def test_round12_new_ways_of_saying_a_red_flag_keep_their_level(
    rules: TriageRules, text: str, urgency: str
) -> None:
    assert _answer(rules, text) == urgency


@pytest.mark.parametrize("text", [
    "i had numbness years ago i was fine after",
    "the fella at the pharmacy was helpful",
    "knocked me glass over reaching for the lamp",
    "the book slid off the shelf and hit the floor, made me jump",
    "fell down the internet rabbit hole again",
    "dead on me feet tonight",
    "me star sign is cancer",
    "the wee one has a temperature so i'm up",
    "our labrador has lost weight, the vet is happy",
    "my mum has had bladder trouble for years, she's under the doctor",
    "my husband has pins and needles in his foot, not me",
    "i'm drenched in sweat, these are tough",
])
def test_round12_ordinary_talk_near_those_words_stays_ordinary(
    rules: TriageRules, text: str
) -> None:
    assert _answer(rules, text) is None


# Round 13 (tuning set 12y): someone else's old or long-standing trouble is their news
# unless its own clause says it is happening now; stories, podcasts and "out of
# interest" ask, they do not report; objects, idioms and children's accidents are quiet.
@pytest.mark.parametrize("text", [
    "my uncle's had numb feet from his diabetes for years",
    "my mum has ms and her legs go weak now and then, she copes",
    "my neighbour had a numb bottom after her spinal, she laughs about it now",
    "my grandad's leg was turned out after his fall but that was years ago",
    "there was a documentary about bladder problems, mine are fine",
    "out of interest why is numbness between the legs serious",
    "my sister asked me if a fever with hip pain is bad",
    "saturday night fever is my favourite film",
    "the temperature has dropped below zero outside",
    "my toddler wet the bed again",
    "lost twenty quid at the pub quiz",
    "the tablet slipped off the bed",
    "the cat jumped on me and woke me up",
    "the tumble dryer is still going",
    "the hot water bottle leaked on the sheet",
    "pins and needles in my hand from lying on it, shaking it out",
])
def test_round13_other_peoples_old_news_and_everyday_words_stay_quiet(
    rules: TriageRules, text: str
) -> None:
    assert _answer(rules, text) is None


@pytest.mark.parametrize(("text", "urgency"), [
    # Someone else's trouble that is new tonight still counts.
    ("my husband is diabetic and tonight he can't feel his legs", "emergency"),
    ("my wife had a stroke years ago and now she can't feel her bottom", "emergency"),
    ("mum has had bladder trouble for ages, but tonight she can't control it at all", "emergency"),
    ("i've had bladder trouble for years, but tonight i can't control it at all", "emergency"),
    # Narrow vetoes: a pub, a cup or a son in the words explain nothing by themselves.
    ("i've lost weight and can't face the pub anymore", "doctor"),
    ("my son says i can't control my bladder tonight", "emergency"),
    ("slipped reaching for me phone this evening", "clarify"),
    ("my dad had bowel cancer years back and now his hip hurts at night", "doctor"),
    # "fell into bed" is tiredness; falling while getting into bed is a fall.
    ("i fell getting into bed and can't put weight on my leg", "emergency"),
    ("i went down trying to catch the dog and now i can't stand", "emergency"),
    ("the washroom's been different all week", "clarify"),
])
def test_round13_new_news_and_real_falls_keep_their_level(
    rules: TriageRules, text: str, urgency: str
) -> None:
    assert _answer(rules, text) == urgency
