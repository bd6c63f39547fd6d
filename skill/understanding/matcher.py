"""Development matcher: typed text -> the request Alexa would send, from the interaction model.

Part of :mod:`skill.understanding` (``skill.matcher`` re-exports it).

Pure logic (no Flask / ask-sdk). The dev simulator and the ``chat`` console feed it the same
interaction-model JSON that Alexa gets, so a phrase that works here is one the model declares.

It is an approximation of Alexa's NLU, deliberately simple and deterministic:

* Text is normalised (lowercase, contractions expanded, punctuation stripped) on both sides.
* Every sample becomes an anchored regex; ``{Slot}`` becomes a capture group. An exact match wins,
  preferring the sample with the most literal words.
* Otherwise, in order: the exact match again with hesitations and polite wrappers stripped
  ("um", "please", "could you tell me"); a sample (known slot values only) found inside the
  utterance when every other word is filler (stop words, time and place words such as
  "last night", "in the hallway"), longest such stretch first; an exact match with a loose
  capture; a token-overlap score against the nearest sample; last, the intent whose
  distinctive words (IDF over the intents' samples) explain most of the utterance, clearly
  ahead of the runner-up and with its slots heard (``KEYWORD_THRESHOLD``); else
  AMAZON.FallbackIntent. Closing hedges ("... thanks", "... no matter what") are stripped too.
* A slot value overlapping an everyday phrase in ``ORDINARY_PHRASES`` ("fell asleep", "hot
  water bottle"; first word inflected, a degree word after it: "feels a bit better") is not
  heard, so "i fell asleep on my side" is no fall.

Differences from Alexa worth knowing:

* AMAZON.NUMBER keeps halves ("seven and a half" -> "7.5", "six point five" -> "6.5"). Alexa
  drops them; we keep them visible so the handler rounds them the way the skill says it does.
  "a 4", "4/10" and "four out of ten" all give "4".
* Custom slots: a known value or synonym resolves (ER_SUCCESS_MATCH); anything else of 1-4
  words is captured with ``resolved_id=None`` (ER_SUCCESS_NO_MATCH). That loose capture is only
  used in samples that also have a literal word other than a filler ("i", "my", "is"...),
  otherwise "{Side}" or "i {Symptom}" would swallow every short utterance. When two values
  share a synonym, the first in the model wins.
* Only slots that were heard are in ``Match.slots``; use :meth:`Matcher.slot_names` to list the
  intent's empty ones, as Alexa sends those too (without a value).
* "exit" / "quit" give ``SessionEndedRequest``; the request builder should use reason
  ``USER_INITIATED``, as Alexa does.
* Input longer than ``MAX_MATCH_CHARS`` (after normalisation) is cut there, so a pasted essay
  cannot make the regexes slow.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from skill.core.reminders import SpokenTime, parse_time
from skill.textnorm import normalise

if TYPE_CHECKING:
    from skill.understanding.learned import LearnedIntents

__all__ = [
    "BUILTIN_SAMPLES",
    "FALLBACK_INTENT",
    "FUZZY_THRESHOLD",
    "KEYWORD_THRESHOLD",
    "MAX_MATCH_CHARS",
    "ORDINARY_PHRASES",
    "Match",
    "Matcher",
    "SlotValue",
    "normalise",
    "parse_number",
]

FALLBACK_INTENT = "AMAZON.FallbackIntent"
# A fuzzy match must explain more than half of the words (and slots) on both sides.
FUZZY_THRESHOLD = 0.5
MAX_MATCH_CHARS = 400

RequestKind = Literal["LaunchRequest", "IntentRequest", "SessionEndedRequest"]


@dataclass(frozen=True)
class SlotValue:
    name: str
    value: str
    resolved_id: str | None
    resolved_name: str | None


@dataclass(frozen=True)
class Match:
    kind: RequestKind
    intent: str | None
    slots: dict[str, SlotValue]
    score: float


# --------------------------------------------------------------------------- normalisation

# In skill.textnorm (imported on the Lambda path without the matcher); re-exported here.


# --------------------------------------------------------------------------- numbers

_UNITS = {
    "zero": 0, "oh": 0, "nought": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5,
    "six": 6, "seven": 7, "eight": 8, "nine": 9,
}
_TEENS = {
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
}
_TENS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
    "eighty": 80, "ninety": 90,
}
_NON_ZERO_UNITS = [w for w, n in _UNITS.items() if n]


def _alt(words: Iterable[str]) -> str:
    # Longest first so the regex prefers "seventeen" over "seven" without relying on backtracking.
    return "(?:" + "|".join(sorted(words, key=lambda w: (-len(w), w))) + ")"


_NUMBER_CORE = (
    r"(?:\d{1,7}(?:\.\d{1,3})?"
    rf"|(?:a|one) hundred|hundred"
    rf"|{_alt(_TENS)}(?: {_alt(_NON_ZERO_UNITS)})?"
    rf"|{_alt(_TEENS)}"
    rf"|{_alt(_UNITS)})"
)
# One flat pattern, no nested unbounded quantifiers: safe on any input length.
NUMBER_PATTERN = (
    r"(?:-|(?:minus|negative) )?"
    r"(?:a )?"
    + _NUMBER_CORE
    + rf"(?: and a half| point (?:\d|{_alt(_UNITS)}))?"
    + r"(?: out of (?:ten|10))?"
)
_NUMBER_RE = re.compile(NUMBER_PATTERN)
_NUMBER_SEARCH = re.compile(r"(?<!\S)" + NUMBER_PATTERN + r"(?!\S)")


def _format_number(value: float) -> str:
    if value == int(value):
        return str(int(value))
    return f"{value:.3f}".rstrip("0").rstrip(".")


# A number said as a time of day ("3 am", "two in the morning", "four o clock").
# "seven thirty in the morning" and "half past seven" too (issue 14: the first was
# once logged as a stiffness score of 7).
_CLOCK_TIME = re.compile(
    r"\b(?:(?:half|quarter) (?:past|to) (?P<h>[a-z0-9]+)"
    r"|(?P<n>[a-z0-9]+)(?: (?:thirty|fifteen|forty five|forty|twenty|ten|five|oh [a-z]+|[0-5]\d))?"
    r"\s+(?:am|pm|a m|p m|oclock|o clock|in the morning|at night"
    r"|in the afternoon|in the evening))\b"
)


def parse_number(text: str) -> str | None:
    """Turn a captured AMAZON.NUMBER phrase into Alexa's digit string, or None if it is not one."""
    text = normalise(text)
    if not _NUMBER_RE.fullmatch(text):
        return None
    words = text.split()
    if words[-3:] == ["out", "of", "ten"] or words[-3:] == ["out", "of", "10"]:
        words = words[:-3]
    sign = 1.0
    if words and words[0] in ("minus", "negative"):
        sign, words = -1.0, words[1:]
    elif words and words[0].startswith("-"):
        sign, words[0] = -1.0, words[0][1:]
    if words[:1] == ["a"] and words[1:2] != ["hundred"]:
        words = words[1:]
    fraction = 0.0
    if words[-3:] == ["and", "a", "half"]:
        fraction, words = 0.5, words[:-3]
    elif len(words) >= 2 and words[-2] == "point":
        digit = words[-1]
        fraction = (int(digit) if digit.isdigit() else _UNITS[digit]) / 10
        words = words[:-2]
    if len(words) == 1 and re.fullmatch(r"\d+(?:\.\d+)?", words[0]):
        whole = float(words[0])
    elif words in (["a", "hundred"], ["one", "hundred"], ["hundred"]):
        whole = 100.0
    else:
        whole = float(sum(_UNITS.get(w, 0) + _TEENS.get(w, 0) + _TENS.get(w, 0) for w in words))
    return _format_number(sign * (whole + fraction))


# --------------------------------------------------------------------------- built-in phrasings

# Standard phrasings Alexa recognises for built-in intents. Added only for built-ins the model
# declares; the model's own samples for them are kept as well. "right" is left out of Yes and
# "continue" out of Next on purpose: they collide with side slot values and ResumeIntent.
BUILTIN_SAMPLES: dict[str, tuple[str, ...]] = {
    "AMAZON.YesIntent": (
        "yes", "yeah", "yep", "yup", "sure", "ok", "okay", "please do", "go ahead",
        "sounds good", "alright", "all right", "yes please", "of course", "certainly",
        "absolutely", "do it", "i do", "correct", "that is right", "why not",
        "that would be great", "that would be good", "that would be nice", "go for it",
    ),
    "AMAZON.NoIntent": (
        "no", "nope", "no thanks", "no thank you", "not now", "nah", "not really",
        "i do not", "no way", "not today", "maybe later", "i am good", "i am alright",
        "i am fine", "no i am good", "i am ok", "i am okay", "not right now",
    ),
    "AMAZON.StopIntent": (
        "stop", "shut up", "be quiet", "enough", "that is enough", "off", "stop it",
        "i am done", "goodbye", "bye", "that is all", "stop talking", "i want to stop",
        "let us stop", "let us stop here", "stop there", "that is enough for tonight",
        "that will do", "i am finished", "good night", "goodnight", "that is it for tonight",
    ),
    "AMAZON.CancelIntent": ("cancel", "never mind", "nevermind", "forget it", "cancel that"),
    "AMAZON.HelpIntent": (
        "help", "help me", "what can i say", "what can you do", "how does this work",
        "i need help", "what do i do", "how do i use this", "what are my options",
    ),
    "AMAZON.NextIntent": (
        "next", "skip", "next one", "skip this one", "skip it", "go on", "move on",
        "the next one", "skip this", "skip that", "skip that one", "next please",
    ),
    "AMAZON.PreviousIntent": (
        "previous", "back", "go back", "last one", "previous one", "the previous one",
        "the one before", "go back one", "the one before that", "the last one again",
        "go back a step", "back one",
    ),
    "AMAZON.RepeatIntent": (
        "repeat", "say that again", "again", "what did you say", "pardon", "pardon me",
        "repeat that", "come again", "say again", "repeat please", "what was that",
        "sorry what", "say it again", "i did not catch that", "huh",
        "sorry i did not catch that", "did not catch that",
    ),
    "AMAZON.PauseIntent": (
        "pause", "hold on", "wait", "wait a minute", "hang on", "wait a second", "one moment",
        "pause it", "hold up", "give me a sec", "give me a second", "just a sec",
    ),
    "AMAZON.ResumeIntent": ("resume", "continue", "carry on", "keep going"),
    "AMAZON.StartOverIntent": (
        "start over", "restart", "from the beginning", "start again", "begin again",
        "start from the beginning", "start again from the beginning",
    ),
    "AMAZON.NavigateHomeIntent": ("go home", "main menu", "home"),
    "AMAZON.MoreIntent": ("more", "tell me more", "more please"),
}

# --------------------------------------------------------------------------- fuzzy helpers

_STOP_WORDS = frozenset({
    "a", "an", "the", "i", "me", "my", "mine", "is", "am", "are", "was", "be", "to", "of",
    "in", "on", "at", "for", "it", "its", "this", "that", "these", "those", "please", "um",
    "uh", "er", "erm", "so", "just", "and", "or", "really", "very", "can", "could", "would",
    "will", "you", "your", "hey", "alexa", "do", "does", "did", "with", "about",
    # "that one", "the left one": "one" stands for whatever was named, it adds no topic.
    "one", "ones",
})
# Words a person adds without changing what they ask: hesitations, hedges, politeness.
# _HEDGES are stripped before a second exact try; they, stop words and _TIME_WORDS (time,
# degree and place words, never stripped) may surround a sample found inside an utterance.
# Negations ("not", "no", "never") and content words are deliberately absent.
_HEDGES = frozenset({
    "um", "umm", "uh", "er", "erm", "hmm", "mm", "ugh", "oh", "well", "like", "actually",
    "really", "just", "so", "very", "quite", "alexa", "please", "okay", "ok", "anyway",
    "basically", "honestly", "now", "then", "again", "thanks", "thank", "all", "even",
    "usually", "normally", "mostly", "generally", "righto", "right-o",
})
_TIME_WORDS = frozenset({
    "tonight", "today", "yesterday", "morning", "night", "evening", "afternoon", "last",
    "earlier", "lately", "recently", "week", "day", "time", "first", "place", "here", "there",
    "still", "these", "days", "bit", "little",
    "both",  # "both of my legs are numb": the value it leans on says both already
})
_PREPOSITIONS = frozenset({
    "in", "on", "at", "by", "near", "down", "up", "outside", "inside", "into", "onto", "from",
})
_POLITE_OPENERS = (
    "could you tell me ", "can you tell me ", "would you tell me ", "i was wondering ",
    "i wonder ", "do you know ", "i would like to know ", "i want to know ",
    "not bad ", "not too bad ",
    "ok thank you ", "okay thank you ", "ok thanks ", "okay thanks ", "thank you ", "thanks ",
    "i have been wondering ", "just wondering ", "i just wondered ", "i was just wondering ",
)
# Hedges that close an utterance without changing it ("... no matter what", "... i think").
_POLITE_CLOSERS = (
    " no matter what", " i think", " do you think", " i reckon", " i guess", " thank you",
    " thanks", " if that is ok", " if you can", " for me", " i suppose", " eh", " mate",
    " honestly", " to be honest", " do you reckon", " you think",
    # after a score: "i'm like a two this morning not bad"
    " not bad", " not too bad",
    # terms of address closing a sentence ("i'd say i'm a three this morning love")
    " love", " pet", " dear", " darling", " hun",
    # an either-or tail that asks nothing new ("is it cause i sit all day or what")
    " or not", " or what", " or is that bad", " or will it make it worse",
    " or will that make it worse", " or am i wasting my money", " or is it a waste of money",
)
# Keyword fallback: an intent wins on its distinctive words only if they explain this much of
# the utterance's (IDF-weighted) content, and clearly more than the runner-up does.
KEYWORD_THRESHOLD = 0.55
KEYWORD_MARGIN = 1.4
SLOTLESS_SHARE = 0.2
# Everyday phrases that share words with red-flag synonyms ("i fell" in "i fell asleep"):
# a slot value overlapping one of these is not heard as that value.
ORDINARY_PHRASES: tuple[str, ...] = (
    "fell asleep", "fall asleep", "falling asleep", "fallen asleep", "falls asleep",
    "fell for", "fall for", "hot water bottle", "hot bath", "hot drink", "hot shower",
    "warm and relaxed", "feel relaxed", "feel better", "feel fine", "feel good",
    "feel much better", "feel sleepy", "feel tired", "feel warm", "feel comfortable",
    "feel a stretch", "a bit sore", "a little sore", "a bit stiff", "a little stiff",
    "a bit achy", "a little achy",
)
# Degree words that may sit inside an everyday phrase: "feels a bit better", "feel so relaxed".
_DEGREE_GAP = r"(?:(?:a bit|a little|much|so|quite|really|very|a lot) )?"


def _ordinary_pattern(phrase: str) -> str:
    # The first word may be inflected ("feels", "feeling") and a degree word may follow it.
    first, _, rest = phrase.partition(" ")
    head = re.escape(first) + r"(?:s|ing|ed)?"
    return head + (" " + _DEGREE_GAP + re.escape(rest) if rest else "")


_ORDINARY_RE = re.compile(
    r"(?<!\S)(?:"
    + "|".join(_ordinary_pattern(p) for p in sorted(ORDINARY_PHRASES, key=len, reverse=True))
    + r")(?!\S)"
)
_LOOSE = r"\S+(?: \S+){0,3}"
_DETERMINERS = ("the ", "my ", "a ", "an ", "your ")


# Regional words for one body part meet in the fuzzy and keyword passes, so a sample
# written with one ("buttock") hears the others (UK/AU "bum", US "butt", "backside").
_SAME_WORD = {
    "bum": "buttock", "bums": "buttock", "butt": "buttock", "butts": "buttock",
    "bottom": "buttock", "backside": "buttock", "buttocks": "buttock",
    # Medicines by brand and region (US, UK, AU, IN) meet "painkiller", rubs and gels
    # "ointment": no sample can list every name, and each is out of scope the same way.
    **dict.fromkeys((
        "painkillers", "panadol", "panadeine", "nurofen", "tylenol", "advil", "aleve",
        "motrin", "naproxen", "ibuprofen", "paracetamol", "acetaminophen", "codeine",
        "codamol", "cocodamol", "aspirin", "tramadol", "celebrex", "diclofenac", "crocin",
        "combiflam", "dolo", "robaxacet", "meloxicam", "naprosyn",
    ), "painkiller"),
    **dict.fromkeys((
        "ointments", "cream", "creams", "balm", "voltaren", "volini", "moov", "iodex",
    ), "ointment"),
}


def _stem(word: str) -> str:
    # Crude suffix strip so "hurts"/"hurting"/"hurt" meet; good enough for a dev simulator.
    if word in _SAME_WORD:
        return _SAME_WORD[word]
    if len(word) > 5 and word.endswith("ing"):
        return word[:-3]
    if len(word) > 4 and word.endswith("ed"):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def _content(words: Iterable[str]) -> frozenset[str]:
    return frozenset(_stem(w) for w in words if w not in _STOP_WORDS)


# --------------------------------------------------------------------------- compiled model


@dataclass(frozen=True)
class _SlotType:
    pattern: str | None  # alternation of known values; None for number / loose-only types
    lookup: Mapping[str, tuple[str, str]]  # normalised phrase -> (id, name)
    search: re.Pattern[str] | None  # known values anywhere in a text, for the fuzzy pass
    is_number: bool


@dataclass(frozen=True)
class _Sample:
    intent: str
    intent_index: int
    sample_index: int
    from_model: bool
    pattern: str | None  # None when the sample can never match exactly
    known_pattern: str | None  # slots as known values only, for finding it inside an utterance
    groups: tuple[tuple[str, str], ...]  # (group name, slot name)
    slots: tuple[str, ...]  # slot names in order of appearance
    literal_words: frozenset[str]  # every literal word, for the exact-match prefilter
    literal_count: int
    literal_stems: frozenset[str]
    content: frozenset[str]


_SLOT_REF = re.compile(r"\{([A-Za-z0-9_.]+)\}")
_Key = tuple[float, ...]  # compared in order: similarity first, then tie-breaks


class Matcher:
    """Compiled interaction model; :meth:`match` maps one utterance to a request."""

    def __init__(self, model: Mapping[str, Any], learned: LearnedIntents | None = None) -> None:
        # ``learned``: the last-resort reading of words no sample fits (skill.understanding.
        # learned); None hears samples only (model checks, unit tests of the samples).
        self._learned = learned
        language_model = _language_model(model)
        self.invocation_name = normalise(str(language_model.get("invocationName", "")))
        self._types = {
            str(t["name"]): _compile_type(t.get("values", ()))
            for t in language_model.get("types", ())
        }
        self._intent_slots: dict[str, tuple[str, ...]] = {}
        self._slot_types: dict[tuple[str, str], str] = {}
        samples: list[_Sample] = []
        intents: Sequence[Mapping[str, Any]] = language_model.get("intents", ())
        for intent_index, intent in enumerate(intents):
            name = str(intent["name"])
            slot_defs = intent.get("slots", ())
            self._intent_slots[name] = tuple(str(s["name"]) for s in slot_defs)
            for slot in slot_defs:
                self._slot_types[(name, str(slot["name"]))] = str(slot["type"])
            texts = [(str(s), True) for s in intent.get("samples", ())]
            texts += [(s, False) for s in BUILTIN_SAMPLES.get(name, ())]
            seen: set[str] = set()
            for sample_index, (text, from_model) in enumerate(texts):
                if text.lower() in seen:
                    continue
                seen.add(text.lower())
                samples.append(self._compile_sample(name, intent_index, sample_index,
                                                    text, from_model))
        self._samples = tuple(samples)
        # Compiled on first use: compiling ~1000 samples with big value alternations up front
        # costs seconds, while a prefiltered utterance only ever needs a handful of them.
        self._regexes: dict[int, re.Pattern[str]] = {}
        self._contained: dict[int, re.Pattern[str] | None] = {}
        # Indexes so one utterance only visits samples that could match it.
        self._by_anchor: dict[str, list[int]] = {}  # one literal word per sample -> samples
        self._unanchored: list[int] = []  # samples made only of slots
        self._by_content: dict[str, list[int]] = {}  # content word -> samples
        self._slot_heavy: list[int] = []  # samples that can pass the fuzzy bar on slots alone
        for index, sample in enumerate(self._samples):
            if sample.pattern is not None:
                if sample.literal_words:
                    anchor = max(sample.literal_words, key=lambda w: (len(w), w))
                    self._by_anchor.setdefault(anchor, []).append(index)
                else:
                    self._unanchored.append(index)
            for word in sample.content:
                self._by_content.setdefault(word, []).append(index)
            slot_count = len(sample.slots)
            if slot_count and slot_count / (len(sample.content) + slot_count) > FUZZY_THRESHOLD:
                self._slot_heavy.append(index)
        self._keywords, self._idf = _keyword_weights(self._samples)
        # Intents mostly said with a slot (a symptom, a score): the keyword pass must hear
        # one. Those often said without ("where do my pillows go") need not.
        self._slot_bound = frozenset(
            name for name in self._intent_slots
            if _slotless_share(self._samples, name) < SLOTLESS_SHARE
        )
        self._compile_invocation()

    @classmethod
    def from_file(cls, path: Path) -> Matcher:
        return cls(json.loads(Path(path).read_text(encoding="utf-8")))

    def slot_names(self, intent: str) -> tuple[str, ...]:
        """All slots the model declares for ``intent`` (empty for unknown intents)."""
        return self._intent_slots.get(intent, ())

    # ----------------------------------------------------------------- matching

    def match(self, utterance: str, *, expecting: tuple[str, str] | None = None) -> Match:
        """Map typed text to a request: launch, session end (exit), an intent, or Fallback.

        ``expecting`` (intent, slot): the slot the last response elicited
        (``Dialog.ElicitSlot``). As Alexa's NLU is biased towards it, a bare value of
        that slot's type fills it ("about a four" -> the score) unless the words are
        plainly another request ("stop", "help").
        """
        # Cut raw text first too, so normalising a pasted essay stays cheap.
        raw = utterance[: 2 * MAX_MATCH_CHARS]
        corrected = _self_corrections(raw)
        for fixed in corrected:
            # "start the, no, the strength one": what was said after the repair is meant.
            again = self.match(fixed, expecting=expecting)
            if again.intent != FALLBACK_INTENT:
                return again
        text = _cap(_shorthand(normalise(raw)))
        text = self._strip_wake_word(text)
        if self._exit_re.fullmatch(text):
            return Match("SessionEndedRequest", None, {}, 1.0)
        if self._launch_re.fullmatch(text):
            return Match("LaunchRequest", None, {}, 1.0)
        for wrapper in self._one_shot_res:
            found = wrapper.fullmatch(text)
            if found:
                text = found.group("x")
                break
        if not text:
            return self._fallback(0.0)
        result = self._scored(text)
        whole = text
        if self._weak(result) and not corrected:
            # A request after a story or with a tail ("long day at work, can we do the
            # bedtime routine"; "which side am i meant to be on, sorry it's late"): the
            # clause, or the words from a request's opening word on, that fit a sample.
            # Words only a loose capture holds ("i've only got ten minutes" as a
            # symptom) are no reading to stop at while a clause has a real one.
            weak: tuple[Match, str] | None = None
            for part in _request_parts(raw, text):
                partial = self._scored(part)
                if partial.intent == FALLBACK_INTENT:
                    continue
                if self._weak(partial):
                    weak = weak or (partial, part)
                    continue
                result, text = self._after_story(whole, part, partial), part
                break
            else:
                if weak is not None and result.intent == FALLBACK_INTENT:
                    result, text = self._after_story(whole, weak[1], weak[0]), weak[1]
        result = self._pain_plea(whole, result)
        result = self._as_reminder(whole, result)
        result = self._with_time(text, result)
        result = self._with_values(text, result)
        if expecting is not None:
            return self._expected(text, result, *expecting, whole=whole)
        return result

    def _scored(self, text: str) -> Match:
        """The words' request, with no number that is not a 0-10 score taken for one.

        "it's 3 am and my hip hurts", "awake since two", "for three nights", "say
        that one again": a clock time, an hour or a count of something, or "one"
        standing for a thing is no score. Matched again without those words rather
        than log a score nobody gave."""
        result = self._match_text(text)
        for _ in range(3):
            rest = self._without_false_score(text, result)
            if rest is None:
                return result
            if not rest:
                return self._fallback(0.0)
            text, result = rest, self._match_text(rest)
        return result

    def _without_false_score(self, text: str, result: Match) -> str | None:
        """The words without the number the result logs as a score, when that
        number is plainly no score; None when the result holds no such number."""
        scores = {value.value for name, value in result.slots.items()
                  if self._type_of(result.intent or "", name).is_number}
        if not scores:
            return None
        clock = _CLOCK_TIME.search(text)
        if clock is not None and parse_number(clock.group("n") or clock.group("h")) in scores:
            return " ".join(_CLOCK_TIME.sub(" ", text, count=1).split())
        tokens = text.split()
        for start, end, phrase in _find_values(_NUMBER_TYPE, tokens):
            if parse_number(phrase) not in scores:
                continue
            before = tokens[start - 1] if start else ""
            after = tokens[end] if end < len(tokens) else ""
            placed = before == "at" and (
                phrase.startswith("a ") or (start > 1 and tokens[start - 2] in _AT_A_SCORE))
            if (after in _COUNTED or (before in _BEFORE_A_TIME and not placed)
                    or (phrase == "one" and before in _ONE_IS_A_THING)
                    or _REMINDER_WORDS & set(tokens)):
                cut = end + 1 if after in _COUNTED else end
                return " ".join(tokens[:start] + tokens[cut:])
        return None

    def _weak(self, match: Match) -> bool:
        """No reading, or a symptom only a loose capture of unknown words holds (triage
        reads the words themselves, so that capture adds nothing)."""
        return match.intent == FALLBACK_INTENT or (
            match.intent == _TRIAGED_INTENT and match.score < 1.0
            and self._long_unknown_value(match))

    def _pain_plea(self, whole: str, result: Match) -> Match:
        """ "it's three thirty am and my hip is throbbing, ideas?": words about the
        pain closed by a plea ("any ideas", "what can i do", "please help") that no
        sample fits ask what to do about the pain."""
        if result.intent not in (FALLBACK_INTENT, *_PLEAS) or _NIGHT_PAIN not in self._intent_slots:
            return result
        plea = next((p for p in _PLEA_TAILS if whole.endswith(" " + p)), None)
        if plea is None or not _PAIN_WORDS & set(whole[: -len(plea)].split()):
            return result
        return Match("IntentRequest", _NIGHT_PAIN, {}, 0.6)

    def _after_story(self, whole: str, part: str, partial: Match) -> Match:
        """ "been awake since two with this hip, what do i do": a plea for help
        after words about the hip hurting asks what to do about the pain, not how
        the skill works."""
        if (partial.intent not in _PLEAS or _NIGHT_PAIN not in self._intent_slots
                or not _PAIN_WORDS & set(whole.split()) - set(part.split())):
            return partial
        return Match("IntentRequest", _NIGHT_PAIN, {}, min(partial.score, 0.8))

    def _as_reminder(self, text: str, result: Match) -> Match:
        """ "remind me daily morning eight for stiffness", "give us a nudge at half
        ten to do me stretches": a reminder word with no other reminder request is
        a reminder to set, never a score, a routine or a check-in."""
        words = set(text.split())
        if (result.kind != "IntentRequest" or not _REMINDER_WORDS & words
                or result.intent in _REMINDER_INTENTS or result.intent == _TRIAGED_INTENT
                or _NOT_SETTING & words or _SET_INTENT not in self._intent_slots
                or any(cue in f" {text} " for cue in _NOT_SETTING_PHRASES)):
            return result
        slots: dict[str, SlotValue] = {}
        tokens = text.split()
        for name in self.slot_names(_SET_INTENT):
            slot_type = self._type_of(_SET_INTENT, name)
            if not slot_type.lookup:
                continue
            found = _find_values(slot_type, tokens)
            ids = {slot_type.lookup[phrase][0] for _, _, phrase in found}
            if len(ids) == 1:
                phrase = max(found, key=lambda f: f[1] - f[0])[2]
                slots[name] = self._slot_value(_SET_INTENT, name, phrase)
        time_slot = next((name for name in self.slot_names(_SET_INTENT)
                          if self._slot_types.get((_SET_INTENT, name)) == "AMAZON.TIME"), None)
        said = _time_after_preposition(text) or _time_anywhere(tokens)
        if time_slot is not None and said is not None:
            slots[time_slot] = SlotValue(time_slot, said, None, None)
        return Match("IntentRequest", _SET_INTENT, slots, min(result.score, 0.8) or 0.6)

    def _with_time(self, text: str, result: Match) -> Match:
        """Fill an empty AMAZON.TIME slot from "at ten" / "for half nine" anywhere in
        the words: a sample that fits the rest ("remind me to stretch every night")
        must not drop the time that was said with it."""
        if result.kind != "IntentRequest" or result.intent is None:
            return result
        slot = next((name for name in self.slot_names(result.intent)
                     if self._slot_types.get((result.intent, name)) == "AMAZON.TIME"), None)
        if slot is None or slot in result.slots:
            return result
        said = _time_after_preposition(text)
        if said is None:
            return result
        slots = {**result.slots, slot: SlotValue(slot, said, None, None)}
        return Match(result.kind, result.intent, slots, result.score)

    def _with_values(self, text: str, result: Match) -> Match:
        """Fill an empty custom slot with the one known value said anywhere in the
        words: a sample that fits without it ("where should the pillow go") must not
        drop "when I'm lying on my side", or the skill asks again what was said."""
        intent = result.intent
        if result.kind != "IntentRequest" or intent is None or intent == _TRIAGED_INTENT:
            return result
        empty = [name for name in self.slot_names(intent)
                 if name not in result.slots and self._type_of(intent, name).lookup]
        if not empty:
            return result
        tokens = text.split()
        ordinary = _ordinary_tokens(text)
        slots = dict(result.slots)
        for name in empty:
            slot_type = self._type_of(intent, name)
            found = [(start, end, phrase) for start, end, phrase in _find_values(slot_type, tokens)
                     if not any(i in ordinary for i in range(start, end))]
            ids = {slot_type.lookup[phrase][0] for _, _, phrase in found}
            if len(ids) != 1:
                continue  # none, or two different ones ("left or right"): not said
            phrase = max(found, key=lambda f: f[1] - f[0])[2]
            slots[name] = self._slot_value(intent, name, phrase)
        if len(slots) == len(result.slots):
            return result
        return Match(result.kind, intent, slots, result.score)

    def _expected(self, text: str, result: Match, intent: str, slot: str, *,
                  whole: str | None = None) -> Match:
        slot_type = self._type_of(intent, slot)
        if slot_type.is_number and whole is not None and not _CLOCK_TIME.search(whole) and (
                result.intent not in _WAYS_OUT or result.score < 0.9):
            # "five, no, six. call it six", "three, actually four": the value after
            # the repair, in all the words (a clause alone may hold the first).
            said = _find_values(slot_type, whole.split())
            repaired = _one_answer(slot_type, said, whole.split())
            if len(said) > 1 and len(repaired) == 1:
                return Match("IntentRequest", intent,
                             {slot: self._slot_value(intent, slot, repaired[0][2])}, 0.9)
        held = result.slots.get(slot) if result.intent == intent else None
        if held is not None and (slot_type.is_number or held.resolved_id is not None
                                 or not slot_type.lookup):
            return result
        if result.intent in _WAYS_OUT and result.score >= 0.9:
            return result  # a way out stays a way out ("back" may answer "back or side?")
        if slot_type.is_number:
            if _CLOCK_TIME.search(text):
                return result  # a time of day is never a score
            values = _find_values(slot_type, text.split())
        elif slot_type.search is not None:
            values = _find_values(slot_type, text.split())
        else:
            return result  # times, dates: left to the model's own samples
        values = _one_answer(slot_type, values, text.split())
        if len(values) != 1:
            return result  # none, or two candidates: not a bare answer
        value = self._slot_value(intent, slot, values[0][2])
        return Match("IntentRequest", intent, {slot: value}, 0.9)

    def _match_text(self, text: str) -> Match:
        exact = self._match_exact(text)
        if exact is not None and exact.score == 1.0:
            return exact
        # Without the polite wrappers only ("... okay eh": "okay" may be the sample's).
        polite = _strip_polite(text)
        if polite and polite != text:
            wrapped = self._match_exact(polite)
            if wrapped is not None and wrapped.score == 1.0:
                return Match(wrapped.kind, wrapped.intent, wrapped.slots, 0.95)
        # Second exact try without hesitations and polite wrappers ("um", "could you tell me").
        stripped = _strip_fillers(text)
        if stripped and stripped != text:
            bare = self._match_exact(stripped)
            if bare is not None and bare.score == 1.0:
                return Match(bare.kind, bare.intent, bare.slots, 0.95)
            exact = exact or bare
        stripped = stripped or text
        ordinary = _ordinary_tokens(stripped)
        contained = self._match_contained(stripped, ordinary)
        if contained is not None:
            return contained
        # A loose capture is a weak reading; not one that is really an everyday phrase.
        # One of several words that name no value of a custom type ("ow that hurts
        # my" as a hip side) is weaker still: any other reading of the words wins.
        loose: Match | None = None
        if exact is not None and not _captures_ordinary(exact, stripped):
            if not self._long_unknown_value(exact):
                return exact
            loose = exact
        fuzzy = self._match_fuzzy(stripped, ordinary)
        if stripped != text:
            # Hedges can carry meaning ("say that again"): score the raw words too.
            raw = self._match_fuzzy(text, _ordinary_tokens(text))
            if raw.score > fuzzy.score:
                fuzzy = raw
        if fuzzy.intent == _YES and _NEGATIONS & set(text.split()):
            # "not sure": a yes word under a negation is no yes; only a sample says so.
            fuzzy = self._fallback(0.0)
        if fuzzy.intent != FALLBACK_INTENT:
            return fuzzy
        keyword = self._match_keywords(stripped, ordinary)
        if keyword is not None:
            return keyword
        learned = self._match_learned(stripped, ordinary)
        if learned is not None and loose is not None and loose.intent == learned.intent:
            # Both say the same request: the sample's capture keeps every word said
            # ("exercises tomorrow morning" still says when), the learned one only its values.
            return loose
        return learned or loose or fuzzy

    def _long_unknown_value(self, match: Match) -> bool:
        """Whether a custom slot holds words that are none of its values (_UNKNOWN_WORDS)."""
        intent = match.intent or ""
        return any(
            value.resolved_id is None
            and len(value.value.split()) >= _UNKNOWN_WORDS
            and bool(self._type_of(intent, name).lookup)
            for name, value in match.slots.items()
        )

    def _match_keywords(self, text: str, ordinary: frozenset[int]) -> Match | None:
        """Last resort: the intent whose distinctive words (IDF over its samples) dominate.

        Words the model never uses count against every intent, so chatter stays Fallback. An
        intent with slots needs them heard; RedFlagIntent-style slot intents thus still need a
        known value outside any everyday phrase.
        """
        tokens = text.split()
        stems = [_stem(t) for t in tokens if t not in _STOP_WORDS and t not in _HEDGES]
        if not stems:
            return None
        unknown = math.log(len(self._keywords) + 1)
        total = sum(self._idf.get(w, unknown) for w in stems)
        scores = sorted(
            ((sum(self._idf[w] for w in stems if w in words) / total, intent)
             for intent, words in self._keywords.items()),
            reverse=True,
        )
        (best, intent), runner_up = scores[0], scores[1][0] if len(scores) > 1 else 0.0
        if best < KEYWORD_THRESHOLD or best < KEYWORD_MARGIN * runner_up:
            return None
        slots = self._heard_slots(intent, tokens, ordinary)
        if slots is None:
            return None
        return Match("IntentRequest", intent, slots, round(0.7 * best, 3))

    def _heard_slots(self, intent: str, tokens: list[str],
                     ordinary: frozenset[int]) -> dict[str, SlotValue] | None:
        """The intent's slots found anywhere in the words, with no sample aligned; None
        when the intent is never said without one and none was heard."""
        slots: dict[str, SlotValue] = {}
        if self._intent_slots.get(intent):
            # The sample naming the most slots, so every slot is searched for (the first
            # sample may name one only); an intent with some slot heard is no slotless one.
            sample = max((s for s in self._samples if s.intent == intent and s.slots),
                         key=lambda s: len(s.slots), default=None)
            if sample is None:
                return None
            # No sample is aligned here, so its literal words may be a value ("on my back").
            sample = replace(sample, literal_stems=frozenset())
            slots, _ = self._search_slots(sample, tokens, [_stem(t) for t in tokens], {},
                                          ordinary)
            # Only an intent never said without its slot needs it heard ("pillows please"
            # is a PillowIntent without a position; a symptom needs its words).
            if not slots and intent in self._slot_bound:
                return None
        return slots

    def _match_learned(self, text: str, ordinary: frozenset[int]) -> Match | None:
        """Words no sample fits, read by the learned model (skill.understanding.learned):
        only a confident request this model declares, with its slots heard."""
        if self._learned is None:
            return None
        found = self._learned.predict(text)
        if (found is None or found.intent not in self._intent_slots
                or found.intent in self._learned.heard_only):
            return None
        if found.probability < self._learned.threshold:
            return None
        slots = self._heard_slots(found.intent, text.split(), ordinary)
        if slots is None:
            return None
        # Below any sample-based reading: a request said in a sample's words wins.
        return Match("IntentRequest", found.intent, slots, round(0.5 * found.probability, 3))

    def _match_contained(self, text: str, ordinary: frozenset[int]) -> Match | None:
        """A sample (known slot values only) found inside the utterance, the rest filler.

        Longest explained stretch wins, so "i {Symptom} {Detail}" beats "i {Symptom}".
        """
        tokens = text.split()
        filler = _filler_mask(tokens)
        starts = _token_starts(tokens)
        words = frozenset(tokens)
        candidates = list(self._unanchored)
        for word in words:
            candidates += self._by_anchor.get(word, ())
        best: tuple[tuple[int, int, int, int, int, int], _Sample, dict[str, SlotValue]] | None
        best = None
        for index in candidates:
            sample = self._samples[index]
            if not sample.literal_words <= words:
                continue
            regex = self._contained_regex(index)
            if regex is None:
                continue
            for hit in regex.finditer(text):
                first = starts[hit.start()]
                last = first + len(hit.group(0).split())
                if any(not filler[i] for i in range(len(tokens)) if not first <= i < last):
                    continue
                if all(filler[i] for i in range(first, last)):
                    continue  # "okay" inside "is it okay" explains nothing
                slots: dict[str, SlotValue] = {}
                clash = False
                for group, slot in sample.groups:
                    captured = hit.group(group)
                    if captured is None or slot in slots:
                        continue
                    at = starts[hit.start(group)]
                    if any(i in ordinary for i in range(at, at + len(captured.split()))):
                        clash = True
                        break
                    slots[slot] = self._slot_value(sample.intent, slot, captured)
                if clash:
                    continue
                key = (last - first, sample.literal_count, len(slots), int(sample.from_model),
                       -sample.intent_index, -sample.sample_index)
                if best is None or key > best[0]:
                    best = (key, sample, slots)
        if best is None:
            return None
        return Match("IntentRequest", best[1].intent, best[2], 0.9)

    def _contained_regex(self, index: int) -> re.Pattern[str] | None:
        if index in self._contained:
            return self._contained[index]
        sample = self._samples[index]
        regex = None
        if sample.known_pattern is not None:
            regex = re.compile(rf"(?<!\S)(?:{sample.known_pattern})(?!\S)")
        self._contained[index] = regex
        return regex

    def _match_exact(self, text: str) -> Match | None:
        words = frozenset(text.split())
        candidates = list(self._unanchored)
        for word in words:
            candidates += self._by_anchor.get(word, ())
        best: tuple[_Key, _Sample, dict[str, SlotValue]] | None = None
        for index in candidates:
            sample = self._samples[index]
            if sample.pattern is None or not sample.literal_words <= words:
                continue
            regex = self._regexes.get(index)
            if regex is None:
                regex = self._regexes[index] = re.compile(sample.pattern)
            found = regex.fullmatch(text)
            if not found:
                continue
            slots: dict[str, SlotValue] = {}
            for group, slot in sample.groups:
                captured = found.group(group)
                if slot not in slots and captured is not None:
                    slots[slot] = self._slot_value(sample.intent, slot, captured)
            # A loose capture ("it is {Side}" taking "seven") is a weaker reading than a value
            # the slot type knows, numbers included.
            # A value found inside extra words is weaker than one said as the type names
            # it: "my exercises" + "tomorrow morning" are two slots, not one.
            # Found inside extra words counts twice: worse than an unknown word in a
            # slot of its own.
            loose = sum(
                0 if self._named(sample.intent, s)
                else 2 if self._recognised(sample.intent, s) else 1
                for s in slots.values())
            key: _Key = (1.0, sample.literal_count, -loose, int(sample.from_model),
                         -sample.intent_index, -sample.sample_index)
            if best is None or key > best[0]:
                best = (key, sample, slots)
        if best is None:
            return None
        key, sample, slots = best
        unresolved = any(not self._recognised(sample.intent, s) for s in slots.values())
        return Match("IntentRequest", sample.intent, slots, 0.85 if unresolved else 1.0)

    def _match_fuzzy(self, text: str, ordinary: frozenset[int] = frozenset()) -> Match:
        tokens = text.split()
        stems = [_stem(t) for t in tokens]
        said_stems = frozenset(stems)
        utterance_content = _content(tokens)
        found_by_type: dict[int, list[_Found]] = {}
        common: dict[int, int] = dict.fromkeys(self._slot_heavy, 0)
        for word in utterance_content:
            for index in self._by_content.get(word, ()):
                common[index] = common.get(index, 0) + 1
        # Upper bound on each sample's score (every slot filled, no extra words); visiting the
        # most promising first lets the loop stop once nothing left can beat the best.
        bounds = []
        for index, shared in common.items():
            sample = self._samples[index]
            slot_count = len(sample.slots)
            bound = (shared + slot_count) / (len(sample.content) + slot_count)
            if bound > FUZZY_THRESHOLD:
                bounds.append((-bound, index))
        bounds.sort()
        best: tuple[_Key, _Sample, dict[str, SlotValue]] | None = None
        for negative_bound, index in bounds:
            if best is not None and -negative_bound < best[0][0]:
                break
            sample = self._samples[index]
            slot_count = len(sample.slots)
            slots: dict[str, SlotValue] = {}
            consumed: frozenset[str] = frozenset()
            if sample.slots:
                slots, consumed = self._search_slots(sample, tokens, stems, found_by_type,
                                                     ordinary)
            heard = utterance_content - consumed
            overlap = len(heard & sample.content) + len(slots)
            if not overlap:
                continue
            similarity = overlap / (len(heard | sample.content) + slot_count)
            key: _Key = (
                similarity,
                # On a tie, the sample sharing more of the very words ("that" in
                # "that one's sore" ~ "that is sore") before the longer one.
                len(said_stems & sample.literal_stems),
                sample.literal_count,
                len(slots),
                int(sample.from_model),
                -sample.intent_index,
                -sample.sample_index,
            )
            if best is None or key > best[0]:
                best = (key, sample, slots)
        if best is None or best[0][0] <= FUZZY_THRESHOLD:
            return self._fallback(0.0)
        key, sample, slots = best
        return Match("IntentRequest", sample.intent, slots, round(0.8 * key[0], 3))

    def _search_slots(
        self,
        sample: _Sample,
        tokens: Sequence[str],
        stems: Sequence[str],
        found_by_type: dict[int, list[_Found]],
        ordinary: frozenset[int] = frozenset(),
    ) -> tuple[dict[str, SlotValue], frozenset[str]]:
        """Fill slots from known values in the words the sample's literals do not explain."""
        slots: dict[str, SlotValue] = {}
        consumed: set[str] = set()
        taken: set[int] = set()
        for slot in sample.slots:
            slot_type = self._type_of(sample.intent, slot)
            if id(slot_type) not in found_by_type:
                found_by_type[id(slot_type)] = _find_values(slot_type, tokens)
            for start, end, phrase in found_by_type[id(slot_type)]:
                positions = range(start, end)
                if any(i in taken or i in ordinary or stems[i] in sample.literal_stems
                       for i in positions):
                    continue
                taken.update(positions)
                slots[slot] = self._slot_value(sample.intent, slot, phrase)
                consumed |= _content(phrase.split())
                break
        return slots, frozenset(consumed)

    def _slot_value(self, intent: str, slot: str, captured: str) -> SlotValue:
        slot_type = self._type_of(intent, slot)
        if slot_type.is_number:
            number = parse_number(captured)
            return SlotValue(slot, number if number is not None else captured, None, None)
        hit = slot_type.lookup.get(captured)
        if hit is None:
            for determiner in _DETERMINERS:
                if captured.startswith(determiner):
                    hit = slot_type.lookup.get(captured[len(determiner):])
                    if hit:
                        break
        if hit is None and intent != _TRIAGED_INTENT:
            hit = _one_value_inside(slot_type, captured)
        if hit is None:
            return SlotValue(slot, captured, None, None)
        return SlotValue(slot, captured, hit[0], hit[1])

    def _fallback(self, score: float) -> Match:
        return Match("IntentRequest", FALLBACK_INTENT, {}, score)

    # ----------------------------------------------------------------- compilation

    def _type_of(self, intent: str, slot: str) -> _SlotType:
        type_name = self._slot_types.get((intent, slot), "")
        if type_name == "AMAZON.NUMBER":
            return _NUMBER_TYPE
        if type_name == "AMAZON.SearchQuery":
            # The catch-all only carries words Alexa could not place; typed text here
            # is placed by the model itself, so a catch-all sample never matches.
            return _NEVER_TYPE
        return self._types.get(type_name, _LOOSE_TYPE)

    def _named(self, intent: str, value: SlotValue) -> bool:
        """Whether the slot's words are one of its type's values, as said."""
        slot_type = self._type_of(intent, value.name)
        if slot_type.is_number or not slot_type.lookup:
            return True  # numbers and free types have no names to match
        lookup = slot_type.lookup
        return value.value in lookup or any(
            value.value.startswith(d) and value.value[len(d):] in lookup for d in _DETERMINERS)

    def _recognised(self, intent: str, value: SlotValue) -> bool:
        if self._type_of(intent, value.name).is_number:
            return parse_number(value.value) is not None
        return value.resolved_id is not None

    def _compile_sample(self, intent: str, intent_index: int, sample_index: int,
                        text: str, from_model: bool) -> _Sample:
        pieces = _SLOT_REF.split(text)
        # Odd positions are slot names, even ones literal text.
        literal = [_shorthand(normalise(p)) for p in pieces[0::2]]
        slot_names = tuple(pieces[1::2])
        literal_words = [w for chunk in literal for w in chunk.split()]
        loose = bool(_content(literal_words))
        pattern, groups = self._sample_pattern(intent, literal, slot_names, allow_loose=loose)
        known_pattern, _ = self._sample_pattern(intent, literal, slot_names, allow_loose=False)
        return _Sample(
            intent=intent,
            intent_index=intent_index,
            sample_index=sample_index,
            from_model=from_model,
            pattern=pattern,
            known_pattern=known_pattern,
            groups=tuple(groups),
            slots=tuple(dict.fromkeys(slot_names)),
            literal_words=frozenset(literal_words),
            literal_count=len(literal_words),
            literal_stems=frozenset(_stem(w) for w in literal_words),
            content=_content(literal_words),
        )

    def _sample_pattern(
        self, intent: str, literal: Sequence[str], slot_names: Sequence[str], *, allow_loose: bool
    ) -> tuple[str | None, list[tuple[str, str]]]:
        parts: list[str] = []
        groups: list[tuple[str, str]] = []
        for position, chunk in enumerate(literal):
            if chunk:
                parts.append(re.escape(chunk))
            if position < len(slot_names):
                slot = slot_names[position]
                group = f"s{position}"
                slot_pattern = self._slot_pattern(intent, slot, allow_loose=allow_loose)
                if slot_pattern is None:
                    return None, []
                parts.append(f"(?P<{group}>{slot_pattern})")
                groups.append((group, slot))
        return (" ".join(parts) if parts else None), groups

    def _slot_pattern(self, intent: str, slot: str, *, allow_loose: bool) -> str | None:
        slot_type = self._type_of(intent, slot)
        if slot_type.is_number:
            return NUMBER_PATTERN
        if slot_type is _NEVER_TYPE:
            return None
        options = [p for p in (slot_type.pattern, _LOOSE if allow_loose else None) if p]
        return "|".join(options) if options else None

    def _compile_invocation(self) -> None:
        name = re.escape(self.invocation_name) if self.invocation_name else "(?!)"
        skill = rf"(?:the )?{name}(?: skill)?"
        opener = r"(?:open|start|launch|begin|load|run|play|use|talk to|ask|tell)"
        self._launch_re = re.compile(rf"(?:{opener} )?{skill}")
        self._exit_re = re.compile(rf"(?:exit|quit)(?: {skill})?")
        self._one_shot_res = (
            re.compile(rf"(?:ask|tell) {skill} (?:(?:to|for|that|about|if|whether) )?(?P<x>.+)"),
            re.compile(rf"(?:open|start|launch|use|talk to) {skill} (?:(?:and|to|for) )?(?P<x>.+)"),
            re.compile(rf"(?P<x>.+) (?:using|with|from) {skill}"),
        )

    @staticmethod
    def _strip_wake_word(text: str) -> str:
        for prefix in ("hey alexa ", "ok alexa ", "okay alexa ", "alexa "):
            if text.startswith(prefix):
                return text[len(prefix):]
        return "" if text == "alexa" else text


# Console and text-message shorthand, and dialect spellings with one plain meaning
# ("wat side shud i sleep on", "i cannae sleep wi this hip"). Only words that mean
# nothing else in a request: "cause", "wee", "love" keep their own readings.
_SHORTHAND_WORDS = {
    "u": "you", "ya": "you", "ye": "you", "ur": "your", "yer": "your", "pls": "please",
    "plz": "please", "plez": "please", "wat": "what", "wot": "what", "wut": "what",
    "wats": "what is", "wots": "what is", "shud": "should", "shld": "should",
    "cud": "could", "wud": "would", "abt": "about", "nite": "night", "tonite": "tonight",
    "doin": "doing", "cos": "because", "coz": "because", "cuz": "because",
    "cannae": "cannot", "canna": "cannot", "dinnae": "do not", "wi": "with", "mi": "my",
    "thx": "thanks", "ty": "thank you", "r": "are", "b4": "before", "tmrw": "tomorrow",
    "2moro": "tomorrow", "wanna": "want to", "gonna": "going to", "gotta": "got to",
    "kinda": "kind of", "sorta": "sort of", "dunno": "do not know", "lemme": "let me",
    "gimme": "give me", "rmd": "remind", "hw": "how", "wht": "what", "excercise": "exercise",
    "excercises": "exercises", "streches": "stretches", "strech": "stretch",
    # Politeness particles and terms of address (Filipino "po", Hindi "ji", "hen",
    # "pet", "luv"): they change nothing that is asked.
    "po": "", "ji": "", "hen": "", "luv": "", "yaar": "",
}
# Regional "me" for "my" before what a person owns ("me hip's playing up").
_ME_BEFORE = frozenset({
    "hip", "hips", "leg", "legs", "bum", "back", "knee", "knees", "side", "bed", "money",
    "pillow", "pillows", "mattress", "foot", "feet", "thigh", "backside", "bottom",
    "scores", "data", "reminders", "reminder", "stretches", "exercises", "sleep", "joints",
})


def _shorthand(text: str) -> str:
    words = text.split()
    out: list[str] = []
    for index, word in enumerate(words):
        if word == "me" and index + 1 < len(words) and words[index + 1] in _ME_BEFORE:
            out.append("my")
            continue
        plain = _SHORTHAND_WORDS.get(word, word)
        if plain:
            out.append(plain)
    return " ".join(out)


# A repair: "X, no, Y", "X no wait Y", "X, sorry, I mean Y", "X or rather Y".
_REPAIR = re.compile(
    r"^(?P<head>.*?\w.*?)(?:\s*[,.;:-]+\s*(?:no+|nope|sorry|wait|no wait|no sorry|sorry no"
    r"|i mean|i meant|no i mean|sorry i mean|sorry i meant|actually|no actually)\s*[,.;:-]+\s*"
    r"|\s*[,.;:-]*\s*\b(?<!am )(?<!was )(?<!are )"  # "am i meant to": no repair
    r"(?:no wait|sorry i mean|sorry i meant|no i mean|no i meant|i mean|i meant"
    r"|or rather)\b(?!\s+to\b)\s*[,.;:-]*\s*)(?P<fix>\w.*)$",
    re.IGNORECASE,
)


def _self_corrections(raw: str) -> list[str]:
    """What the words mean after a repair, most likely first: the head with its
    repaired part replaced ("start the, no, the strength one" -> "start the strength
    one"; "remind me at eight, no, nine" -> "remind me at nine"), then the repair
    alone ("left, sorry I mean right side" -> "right side")."""
    found = _REPAIR.match(raw.strip())
    if found is None:
        return []
    head = normalise(found.group("head")).split()
    fix = normalise(found.group("fix")).split()
    if not head or not fix:
        return []
    readings: list[str] = []
    numbers = [i for i, word in enumerate(head) if parse_number(word) is not None]
    if numbers and parse_number(fix[0]) is not None:
        # "remind me at nine, no, ten tonight" -> "remind me at ten tonight"
        readings.append(" ".join(head[:numbers[-1]] + fix))
    if fix[0] in head:
        at = len(head) - 1 - head[::-1].index(fix[0])
        readings.append(" ".join(head[:at] + fix))
    elif len(head) > len(fix):
        readings.append(" ".join(head[: len(head) - len(fix)] + fix))
    readings.append(" ".join(fix))
    # "where do the pillows go, sorry, i mean for lying on my side": a repair that
    # adds to the words rather than replacing them.
    marker = raw.strip()[found.end("head"):found.start("fix")]
    if re.search(r"[,.;:-]", marker):
        readings.append(" ".join(head + fix))
    return [r for r in dict.fromkeys(readings) if r]


# Words a request opens with, where a story before it ends.
_REQUEST_OPENERS = frozenset({
    "what", "which", "why", "how", "where", "should", "can", "could", "would", "tell",
    "anything", "any", "remind", "set", "start", "do", "does", "will", "give", "read",
    "put", "help", "who", "whats",
})
_AFTER_IS = frozenset({"it", "that", "there", "this", "a", "the", "sitting", "walking"})
_MAX_PARTS = 24


def _request_parts(raw: str, text: str) -> list[str]:
    """Shorter readings of words no sample fits, longest first: runs of the clauses
    the punctuation marks, then the words from a request's opening word to the end
    (the request after a story)."""
    clauses = [c for c in (_shorthand(normalise(piece)) for piece in re.split(r"[,.;:?!]+", raw))
               if c]
    parts: list[str] = []
    for size in range(len(clauses) - 1, 0, -1):
        for start in range(len(clauses) - size + 1):
            parts.append(" ".join(clauses[start:start + size]))
    tokens = text.split()
    for index in range(1, len(tokens)):
        word = tokens[index]
        if word in _REQUEST_OPENERS or (
                word == "is" and index + 1 < len(tokens) and tokens[index + 1] in _AFTER_IS):
            parts.append(" ".join(tokens[index:]))
    unique = [part for part in dict.fromkeys(parts) if part != text]
    return unique[:_MAX_PARTS]


# A custom slot holding this many words that are none of its values ("hip" as a hip
# side, "why does my bum" as one) is a weak reading: any other reading of the words
# wins, and it is kept only when there is none.
_UNKNOWN_WORDS = 1
# Words a capture may hold around the one value it names (see _one_value_inside).
_VALUE_SLACK = 2
_YES = "AMAZON.YesIntent"
# Built-ins that stay themselves whatever slot was elicited. Previous, Next, Yes and
# No are not among them: "back i suppose" answers "back, side or front?".
_WAYS_OUT = frozenset({
    "AMAZON.StopIntent", "AMAZON.CancelIntent", "AMAZON.HelpIntent", "AMAZON.RepeatIntent",
    "AMAZON.PauseIntent", "AMAZON.ResumeIntent", "AMAZON.StartOverIntent",
    "AMAZON.NavigateHomeIntent", "AMAZON.MoreIntent",
})
_NEGATIONS = frozenset({"not", "no", "never", "nope", "nah"})
_WHEN_WORDS = frozenset({"tomorrow", "tonight", "every", "each", "at", "clock", "am", "pm"})
# Its slots are read by triage from the raw words, never resolved by the matcher's guess.
_TRIAGED_INTENT = "RedFlagIntent"
_NUMBER_TYPE = _SlotType(pattern=None, lookup={}, search=None, is_number=True)
_LOOSE_TYPE = _SlotType(pattern=None, lookup={}, search=None, is_number=False)
_NEVER_TYPE = _SlotType(pattern=None, lookup={}, search=None, is_number=False)


_Found = tuple[int, int, str]  # token start, token end, phrase


def _one_value_inside(slot_type: _SlotType, captured: str) -> tuple[str, str] | None:
    """The one value a short capture names inside a few more words ("daytime
    workout" -> workout -> strengthening, "on my back please" -> back), as Alexa's
    entity resolution matches a value said with a word or two around it. None when
    it names none, two different ones, or the capture is mostly other words."""
    words = captured.split()
    found = _find_values(slot_type, words)
    ids = {slot_type.lookup[phrase][0] for _, _, phrase in found if phrase in slot_type.lookup}
    if len(ids) != 1:
        return None
    longest = max(end - start for start, end, _ in found)
    if len(words) - longest > _VALUE_SLACK:
        return None
    inside = {i for start, end, _ in found for i in range(start, end)}
    if any(w in _TIME_WORDS or w in _WHEN_WORDS or parse_number(w) is not None
           for i, w in enumerate(words) if i not in inside):
        return None  # "exercises tomorrow morning": the time is a slot of its own
    phrase = next(p for s, e, p in found if e - s == longest)
    return slot_type.lookup[phrase]


# Words that take back what was said before them: "five, no, six", "three, actually
# four", "seven sorry i mean six", "four, make it five".
_REPAIR_WORDS = frozenset({"no", "nope", "actually", "sorry", "mean", "meant", "make",
                           "rather", "wait", "call"})


def _one_answer(slot_type: _SlotType, values: list[_Found],
                tokens: Sequence[str]) -> list[_Found]:
    """The values that answer an elicited slot: one value said twice ("front, face
    down") is one answer; after a repair ("five, no, six. call it six") the last."""
    if len(values) < 2:
        return values
    if slot_type.is_number:
        said = {parse_number(phrase) for _, _, phrase in values}
    else:
        said = {slot_type.lookup[phrase][0] for _, _, phrase in values
                if phrase in slot_type.lookup}
    if len(said) == 1:
        return values[-1:]
    between = tokens[values[0][1]:values[-1][0]]
    if _REPAIR_WORDS & set(between):
        return values[-1:]
    return values


def _find_values(slot_type: _SlotType, tokens: Sequence[str]) -> list[_Found]:
    """Known values (or numbers) anywhere in the utterance, as token ranges."""
    pattern = _NUMBER_SEARCH if slot_type.is_number else slot_type.search
    if pattern is None:
        return []
    text = " ".join(tokens)
    # Map character offsets back to token indexes; tokens are single-space separated.
    starts: dict[int, int] = {}
    offset = 0
    for index, token in enumerate(tokens):
        starts[offset] = index
        offset += len(token) + 1
    found: list[_Found] = []
    for hit in pattern.finditer(text):
        first = starts[hit.start()]
        found.append((first, first + len(hit.group(0).split()), hit.group(0)))
    return found


def _compile_type(values: Iterable[Mapping[str, Any]]) -> _SlotType:
    lookup: dict[str, tuple[str, str]] = {}
    for value in values:
        name = str(value["name"]["value"])
        value_id = str(value.get("id") or name)
        for phrase in (name, *value["name"].get("synonyms", ())):
            key = normalise(str(phrase))
            if key:
                lookup.setdefault(key, (value_id, name))
    if not lookup:
        return _LOOSE_TYPE
    pattern = _alt(re.escape(k) for k in lookup)
    return _SlotType(
        pattern=pattern,
        lookup=lookup,
        search=re.compile(rf"(?<!\S){pattern}(?!\S)"),
        is_number=False,
    )


def _keyword_weights(
    samples: Iterable[_Sample],
) -> tuple[dict[str, frozenset[str]], dict[str, float]]:
    """Content stems per intent, and each stem's IDF over intents (rare = distinctive)."""
    words: dict[str, set[str]] = {}
    for sample in samples:
        words.setdefault(sample.intent, set()).update(
            w for w in sample.content if w not in _HEDGES
        )
    words.pop(FALLBACK_INTENT, None)
    frequency: dict[str, int] = {}
    for stems in words.values():
        for stem in stems:
            frequency[stem] = frequency.get(stem, 0) + 1
    count = len(words)
    idf = {stem: math.log((count + 1) / n) for stem, n in frequency.items()}
    return {intent: frozenset(stems) for intent, stems in words.items()}, idf


def _slotless_share(samples: Sequence[_Sample], intent: str) -> float:
    own = [s for s in samples if s.intent == intent and s.from_model]
    return sum(not s.slots for s in own) / len(own) if own else 0.0


def _language_model(model: Mapping[str, Any]) -> Mapping[str, Any]:
    if "interactionModel" in model:
        model = model["interactionModel"]
    language_model = model.get("languageModel")
    if not isinstance(language_model, Mapping):
        raise ValueError("interaction model has no interactionModel.languageModel")
    return language_model


def _token_starts(tokens: Sequence[str]) -> dict[int, int]:
    """Character offset -> token index; tokens are single-space separated."""
    starts: dict[int, int] = {}
    offset = 0
    for index, token in enumerate(tokens):
        starts[offset] = index
        offset += len(token) + 1
    return starts


def _strip_fillers(text: str) -> str:
    text = _strip_polite(text)
    return " ".join(w for w in text.split() if w not in _HEDGES)


def _strip_polite(text: str) -> str:
    """Without polite openers ("could you tell me") and closers ("i think", "eh")."""
    changed = True
    while changed:
        changed = False
        for opener in _POLITE_OPENERS:
            if text.startswith(opener):
                text, changed = text[len(opener):], True
    for prefix in ("if ", "whether ", "about "):
        # "i was wondering if ..." / "can you tell me about ..." leave a connector behind.
        if text.startswith(prefix) and text != prefix.strip():
            text = text[len(prefix):]
    changed = True
    while changed:
        changed = False
        for closer in _POLITE_CLOSERS:
            if text.endswith(closer) and text != closer.strip():
                text, changed = text[: -len(closer)], True
    return text


def _filler_mask(tokens: Sequence[str]) -> list[bool]:
    """Which tokens are filler: stop words, hedges, time words, and short place phrases."""
    mask = [t in _STOP_WORDS or t in _HEDGES or t in _TIME_WORDS for t in tokens]
    for index, token in enumerate(tokens):
        if token not in _PREPOSITIONS:
            continue
        # "in the hallway", "on the landing", "at work": preposition, determiner, one noun.
        after = index + 1
        if after < len(tokens) and tokens[after] in ("the", "my", "a", "our", "his", "her"):
            after += 1
        if after < len(tokens):
            mask[after] = True
    return mask


def _ordinary_tokens(text: str) -> frozenset[int]:
    if not _ORDINARY_RE.search(text):
        return frozenset()
    starts = _token_starts(text.split())
    covered: set[int] = set()
    for hit in _ORDINARY_RE.finditer(text):
        first = starts[hit.start()]
        covered.update(range(first, first + len(hit.group(0).split())))
    return frozenset(covered)


def _captures_ordinary(match: Match, text: str) -> bool:
    """An unresolved capture that overlaps an everyday phrase ("fell asleep")."""
    ordinary = {w for hit in _ORDINARY_RE.finditer(text) for w in hit.group(0).split()}
    return any(
        s.resolved_id is None and ordinary & set(s.value.split()) for s in match.slots.values()
    )


_TIME_PREPOSITIONS = frozenset({"at", "for", "around", "about", "by"})
# A number that counts something ("two hours", "three nights running", "five
# minutes"), follows a word that places it in time ("since two", "till four"), or
# sits before a part of the day ("four am", "six in the morning") is no score;
# "one" after a determiner ("that one", "the next one") is a thing.
_COUNTED = frozenset({
    "hour", "hours", "hr", "hrs", "minute", "minutes", "min", "mins", "second", "seconds",
    "sec", "secs", "night", "nights", "day", "days", "week", "weeks", "month", "months",
    "year", "years", "times", "time", "am", "pm", "oclock", "o", "kids", "children",
    "pillows", "pillow", "reps", "rep", "steps", "stairs", "flights", "miles", "km",
    "kilometres", "kilometers", "tablets", "pills", "more", "of",
})
_BEFORE_A_TIME = frozenset({
    "since", "till", "until", "til", "past", "after", "before", "from", "by", "at",
    "gone", "last", "every", "each", "these", "those", "few", "next",
})
# "i'm at a five", "stays at four": a score placed, not a time.
_AT_A_SCORE = frozenset({"am", "is", "are", "was", "be", "stay", "stays", "stayed", "sitting",
                         "holding", "still", "about", "around", "maybe", "probably"})
_ONE_IS_A_THING = frozenset({
    "that", "this", "the", "next", "last", "other", "which", "each", "every", "no", "any",
    "some", "another", "first", "new", "same", "good", "bad", "sore", "left", "right",
})
# Requests with no topic of their own that, after words about the pain, ask what to
# do about it ("my hip's throbbing, what do i do" / "any ideas" / "help me out").
_PLEAS = frozenset({"AMAZON.HelpIntent", "AMAZON.CancelIntent", "AMAZON.YesIntent",
                    "AMAZON.NextIntent", "OutOfScopeIntent", "CatchAllIntent"})
_NIGHT_PAIN = "NightPainIntent"
_PLEA_TAILS = (
    "ideas", "any ideas", "any tips", "tips", "help", "help me", "please help", "help me out",
    "what can i do", "what do i do", "what should i do", "what to do", "anything i can do",
    "anything you can suggest", "any suggestions", "suggestions", "what now", "now what",
    "can you help", "can you help me", "what can i do about it", "what do i do about it",
)
_PAIN_WORDS = frozenset({
    "hip", "hips", "pain", "painful", "paining", "ache", "aches", "aching", "achy", "sore",
    "throbbing", "throbs", "hurts", "hurting", "killing", "awake", "settle", "agony",
    "bum", "buttock", "backside", "thumping", "stabbing", "burning", "crook",
})
# "remind me ...", "a nudge at ten": a reminder, set unless the words cancel or list.
_REMINDER_WORDS = frozenset({
    "remind", "reminder", "reminders", "reminding", "nudge", "alarm", "alert", "ping", "shout",
})
_REMINDER_INTENTS = frozenset({"SetReminderIntent", "ListRemindersIntent",
                               "CancelReminderIntent"})
_SET_INTENT = "SetReminderIntent"
_NOT_SETTING = frozenset({
    "cancel", "stop", "delete", "remove", "off", "what", "which", "list", "any",
    "anymore", "change", "when", "how", "why", "existing", "read", "tell", "show", "hear",
})
_NOT_SETTING_PHRASES = (" no more ", " do not want ", " get rid ", " too many ")


def _time_after_preposition(text: str) -> str | None:
    """The longest clock time after "at"/"for"/"around"... ("at ten thirty pm"),
    or None. Parts of the day ("at night") are the Period slot's, not a time."""
    tokens = text.split()
    for i, token in enumerate(tokens):
        if token not in _TIME_PREPOSITIONS:
            continue
        for end in range(min(len(tokens), i + 6), i + 1, -1):
            words = " ".join(tokens[i + 1:end])
            if isinstance(parse_time(words), SpokenTime):
                return words
    return None


def _time_anywhere(tokens: Sequence[str]) -> str | None:
    """The longest clock time said anywhere ("daily morning eight", "six thirty am"),
    or None: a reminder's hour needs no "at" before it."""
    best: str | None = None
    for start, token in enumerate(tokens):
        if parse_number(token) is None and token not in ("half", "quarter"):
            continue
        for end in range(min(len(tokens), start + 5), start, -1):
            words = " ".join(tokens[start:end])
            if isinstance(parse_time(words), SpokenTime):
                if best is None or len(words) > len(best):
                    best = words
                break
    return best


def _cap(text: str) -> str:
    if len(text) <= MAX_MATCH_CHARS:
        return text
    cut = text[:MAX_MATCH_CHARS]
    return cut.rsplit(" ", 1)[0] if " " in cut else cut


# For skill.understanding.learned: the same words and stems the matcher reads.
STOP_WORDS = _STOP_WORDS
HEDGES = _HEDGES
stem = _stem
