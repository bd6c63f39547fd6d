"""Red-flag triage: which symptom means which urgency (pure, data-driven).

The rules live in ``content/en/safety.yaml`` (section ``triage``) so a clinician
can review them without reading code. This module only parses them, picks the
most urgent of several symptoms, and recognises a symptom in free text that the
interaction model's slot values did not resolve (Alexa passes such words through
as ER_SUCCESS_NO_MATCH).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from itertools import pairwise
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from skill.textnorm import normalise, noun_is

Urgency = Literal["emergency", "urgent", "same_day", "doctor", "gp"]
# Most urgent first: when several symptoms are named, the earliest urgency wins.
URGENCY_ORDER: tuple[Urgency, ...] = ("emergency", "urgent", "same_day", "doctor", "gp")

_WORD = re.compile(r"[a-z0-9]+")
_FILLERS = frozenset({
    "a", "an", "the", "i", "me", "my", "it", "its", "is", "am", "are", "was", "be", "been",
    "feel", "feels", "felt", "feeling", "this", "that", "in", "on", "of", "and", "or", "so",
    "just", "really", "very", "bit", "little", "quite", "now", "there", "here", "some", "much",
})


class SymptomRule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    urgency: Urgency
    # Each cue is a few words in that order (word prefixes; up to two other words may
    # sit between them). See the comment at the top of the triage section.
    cues: tuple[str, ...] = ()
    # One cue from every group, in any order ("numb" + "between my legs").
    groups: tuple[tuple[str, ...], ...] = ()
    # Where a group's cues must meet, and where ``unless`` vetoes: one clause (default)
    # or anywhere in the text.
    within: Literal["clause", "text"] = "clause"
    # Symptoms that must all be heard too ("fever" + "hot_swollen_joint").
    all_of: tuple[str, ...] = ()
    # Words that veto this rule in the clause they share ("fall asleep" is not a fall).
    unless: tuple[str, ...] = ()
    # Words that veto this rule anywhere in the text, whatever ``within`` says: an
    # explanation in the next clause ("burning up, but it's the electric blanket"; "I
    # tripped but didn't fall").
    unless_text: tuple[str, ...] = ()
    # Ambiguous words ("numb" with no body part): ask before answering, and rank
    # just after the specific rules of the same urgency.
    clarify: bool = False
    # The question a clarify rule asks (a pending kind; default: where is it).
    ask: str | None = None
    # A clarify rule whose symptom is certain and only its level is asked about ("I
    # fell": can you put weight on it?): recorded when asked, and kept as the ``also``
    # reading of another question.
    confirmed: bool = False
    # Content key of the answer, when not ``safety.<urgency>``.
    say: str | None = None
    # Counts whoever it is about ("call an ambulance for my husband").
    anyone: bool = False
    # Dropped when one of these was heard too: "my right leg is numb and tingly" says
    # where the tingling is, so it is no ambiguous numbness.
    unless_heard: tuple[str, ...] = ()
    # Said to be over ("I had a fever last week, it's gone now"): no longer a red flag.
    # Only for symptoms that matter while present; a fall or a bladder change still
    # needs checking after it passed.
    resolves: bool = False
    # History counts however long ago ("I had cancer years ago").
    history: bool = False
    source: str | None = None

    @field_validator("unless", "unless_text", mode="before")
    @classmethod
    def _spliced(cls, value: object) -> object:
        # A YAML alias inside a list ("[*fall_unless, fine]") shares another rule's
        # vetoes: its words are spliced in.
        if isinstance(value, list):
            return [w for v in value for w in (v if isinstance(v, list) else [v])]
        return value

    @model_validator(mode="after")
    def _has_a_cue(self) -> SymptomRule:
        if not (self.cues or self.groups or self.all_of):
            raise ValueError("a symptom needs cues, groups or all_of")
        return self


class TriageRules(BaseModel):
    """The ``triage`` content section."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    source: str
    symptoms: dict[str, SymptomRule] = Field(min_length=1)
    # Bedtime words that are no symptom ("a stretch", "relaxed"): words made only of
    # these (and fillers) are ordinary talk, not a red flag to ask about.
    ordinary: tuple[str, ...] = ()
    # A cue after one of these in its clause is denied ("no numbness").
    negations: tuple[str, ...] = ("no", "not", "never", "without")
    # ...and one just before these ("tingling is not there, only pain").
    denied_after: tuple[str, ...] = ()
    # Uncertainty that must not read as a denial ("not sure if my legs are numb").
    hedges: tuple[str, ...] = ()
    # How things were before it started ("before I was fine"): no resolution, no veto.
    onset: tuple[str, ...] = ()
    # A clause naming one of these and not the speaker is about someone else.
    others: tuple[str, ...] = ()
    # Which of ``others`` are no person: a rule said of ``anyone`` (a fall and not
    # getting up) is not about the cat or the pillow.
    things: tuple[str, ...] = ()
    # Body parts: a clause naming none of them, only "it" or "they", is about the one
    # named in the clause before ("my backside feels strange, there's no feeling in it").
    places: tuple[str, ...] = ()
    # A clause with one of these asks about a symptom instead of reporting it.
    hypothetical: tuple[str, ...] = ()
    # General questions ("is that normal", "when should I see a doctor about"): a
    # hypothetical, unless the clause also names the speaker outside the question's own
    # words ("my hip's gone all swollen, is that normal": a report).
    general: tuple[str, ...] = ()
    # Verbs that, opening a clause after "and", continue the clause before when that one
    # is about someone or something else and not the speaker ("the cat jumped and fell
    # off the bed": the cat fell).
    continues: tuple[str, ...] = ()
    # Words a bare denial clause may carry after its "no" ("nah, nothing like that").
    bare_denial: tuple[str, ...] = ()
    # A clause with one of these is about long ago ("years ago I fell off a horse").
    long_ago: tuple[str, ...] = ()
    # ...unless it compares with then ("not like I used to").
    not_long_ago: tuple[str, ...] = ()
    # A clause with one of these is in the past ("I had", "last week")...
    past: tuple[str, ...] = ()
    # ...and one of these, in it or anywhere in the text, says it is over.
    resolved: tuple[str, ...] = ()
    # ...unless a later clause says it came back ("my fever went away but it's back"),
    # and is not about an everyday complaint ("the fever went, the ache came back").
    returned: tuple[str, ...] = ()
    returned_unless: tuple[str, ...] = ()
    # The speaker says it is not theirs ("my husband's leg is numb, not me", "mine's
    # fine"): a carer's report of a non-emergency is then the other person's news, not a
    # red flag for this user. Emergencies still count whoever they are about.
    not_mine: tuple[str, ...] = ()
    # Someone else's trouble said to be long-standing ("for years", "her MS", "the
    # podiatrist checks them")...
    longstanding: tuple[str, ...] = ()
    # ...counts only in a clause that says it is happening now ("tonight", "suddenly").
    now: tuple[str, ...] = ()
    # ...and none counts as old news when the words say tonight's is new.
    tonight: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _every_urgency_has_a_symptom(self) -> TriageRules:
        used = {rule.urgency for rule in self.symptoms.values()}
        missing = set(URGENCY_ORDER) - used
        if missing:
            raise ValueError(f"no symptom maps to urgency {sorted(missing)}")
        for symptom_id, rule in self.symptoms.items():
            unknown = set(rule.all_of + rule.unless_heard) - set(self.symptoms)
            if unknown or symptom_id in rule.all_of:
                raise ValueError(f"{symptom_id}: all_of names unknown symptoms {sorted(unknown)}")
        return self

    def check_sources(self, sources: set[str]) -> None:
        for cited in (self.source, *(r.source for r in self.symptoms.values() if r.source)):
            if cited not in sources:
                raise ValueError(f"unknown source {cited!r}")

    def urgency_of(self, symptom_id: str) -> Urgency | None:
        rule = self.symptoms.get(symptom_id)
        return rule.urgency if rule is not None else None


def most_urgent(urgencies: Iterable[Urgency | None]) -> Urgency | None:
    found = [u for u in urgencies if u is not None]
    if not found:
        return None
    return min(found, key=URGENCY_ORDER.index)


# --------------------------------------------------------------------------- reading text

# Phrases kept whole through clause splitting, and everyday forms read as the cue forms.
_JOINED = (
    ("pins and needles", "pinsandneedles"), ("hot and cold", "hotandcold"),
    ("day and night", "dayandnight"), ("night and day", "dayandnight"),
    ("sick and tired", "sickandtired"), ("on and off", "onandoff"),
    # "giving way more and more", "worse and worse": one cue, not two clauses.
    ("more and more", "moreandmore"), ("worse and worse", "worseandworse"),
    # "now and then" is how often, not "now" (tonight's news): one word, as in ``now``.
    ("now and then", "nowandthen"), ("now and again", "nowandagain"),
    ("bottom of my foot", "sole of my foot"), ("bottom of my feet", "soles of my feet"),
    ("bottom of the stairs", "foot of the stairs"), ("bottoms of my feet", "soles of my feet"),
    ("can no longer", "cannot"), ("could not", "cannot"), ("am unable to", "cannot"),
    ("unable to", "cannot"), ("am not able to", "cannot"), ("not able to", "cannot"),
    ("have not been able to", "cannot"), ("has not been able to", "cannot"),
    ("not been able to", "cannot"), ("can barely", "cannot"), ("can hardly", "cannot"),
    ("struggling to", "cannot"),
    # Caribbean speech: "mi cyaan feel mi foot dem" (my, cannot, the plural after the noun).
    ("cyaan", "cannot"), ("kyaan", "cannot"), ("cyan", "cannot"), ("caan", "cannot"),
    ("mi", "my"), ("foot dem", "feet"), ("leg dem", "legs"), ("toe dem", "toes"),
    # Speech-to-text spellings of a mumble: "can't put wait on it", "worse every nite".
    ("put wait", "put weight"), ("put any wait", "put any weight"), ("bear wait", "bear weight"),
    ("bear any wait", "bear any weight"), ("take wait", "take weight"),
    ("take any wait", "take any weight"), ("wait on my", "weight on my"),
    ("wait on it", "weight on it"), ("nite", "night"), ("nites", "nights"),
    ("tonite", "tonight"),
    # "a lot more than I used to" is now, not long ago.
    ("than i used to", "than before"), ("than it used to", "than before"),
    ("than they used to", "than before"),
    # "the loo's been strange": the "'s" before "been" is "has".
    ("is been", "has been"),
    # "I should say I fell": telling, not the hypothetical "say I fell, then what".
    ("should say", "should mention"), ("meant to say", "should mention"),
    ("forgot to say", "forgot to mention"), ("have to say", "have to mention"),
    ("must say", "must mention"), ("need to say", "need to mention"),
    # English learned late: "the leg it no take my weight", "I no can walk"; a double
    # negative says the same ("can't put no weight on it").
    ("no can", "cannot"), ("no take", "not take"), ("no hold", "not hold"),
    ("no feel", "not feel"), ("no able", "not able"), ("no bear", "not bear"),
    ("put no weight", "put any weight"), ("take no weight", "take any weight"),
    ("bear no weight", "bear any weight"),
)
_JOINED_RE = [(re.compile(rf"(?<!\S){re.escape(a)}(?!\S)"), b) for a, b in _JOINED]
# "my right legs getting weaker": a dropped apostrophe, one leg; never after "and", "or"
# or "both" ("my left and right legs are numb" is both).
_ONE_SIDE_LEGS = re.compile(r"(?<!\band )(?<!\bor )(?<!\bboth )\b(left|right) legs\b")
# Clause breaks: a symptom, a denial or a subject rarely reaches across these.
_BREAKS = frozenset({"but", "and", "though", "although", "however", "plus", "whereas",
                     "except", "then", "also", "anyway"})
_PUNCTUATION = re.compile(r"[.,;:!?\n]+")
_FIRST_PERSON = frozenset({"i", "me", "myself", "mine", "we", "us"})
# Words that put the speaker in a clause (a general question about them is a report).
_SPEAKER = _FIRST_PERSON | {"my", "our"}
_MAX_GAP = 2
_SHORT_TAIL = 2
_NEGATION_REACH = {"no": 2, "without": 2, "none": 3, "never": 4, "nothing": 2}
_DEFAULT_REACH = 6
_LIST_WORDS = frozenset({"or", "nor", "any", "real", "more", "new"})
_SUBJECTLESS = frozenset({"feel", "feels", "feeling", "felt", "are", "is", "gone", "went",
                         "keep", "keeps", "getting", "got", "cannot", "can", "could", "will",
                         "would", "seems", "looks", "has"})
# "after" and "since" name an event that happened: "won't take any weight after the fall"
# denies the weight, not the fall.
_RESETS = frozenset({"just", "only", "rather", "instead", "more", "after", "since"})
_FRAMING = frozenset({"like", "that", "as", "if", "though", "i", "say", "saying", "to"})
_TRAILING_DENIALS = frozenset({"no", "nope", "nah", "none"})
# Words a bare denial clause may carry besides the denial ("no, not really", "nope, none").
_BARE_DENIAL = _TRAILING_DENIALS | {"not", "really", "thanks", "thank", "you", "at", "all",
                                    "i", "do", "am", "is", "it"}
_NEGATION_LEADS = frozenset({"no", "not", "never", "without", "none"})
_SOFT_GAP = frozenset({"any", "real", "more", "much", "proper", "properly", "really", "quite",
                       "even", "always", "the", "a", "that", "of", "at", "all", "just"})


def _words(text: str) -> list[str]:
    # Alexa's slot text says "can't"; the cues say "cannot", as the dev matcher does.
    return _WORD.findall(normalise(noun_is(text)))


# "a hundred and one" is one number: its "and" is no clause break.
_HUNDRED_AND = re.compile(r"\bhundred and (?=one|two|three|four|five|six|seven|eight|nine|\d)")


def _joined(words: str) -> list[str]:
    words = _HUNDRED_AND.sub("hundred ", _ONE_SIDE_LEGS.sub(r"\1 leg", words))
    for pattern, replacement in _JOINED_RE:
        words = pattern.sub(replacement, words)
    return words.split()


def _phrase(text: str) -> tuple[str, ...]:
    return tuple(_joined(" ".join(_words(text))))


# Longer words a cue's prefix must not reach: "numb" is not "number", "temp" not a
# "tempur" mattress, "butt" not a "button".
_NOT_PREFIX = {
    "numb": ("number",), "temp": ("tempur", "templ", "tempt", "tempo"),
    "butt": ("button", "butter"), "arse": ("arsenal",), "anal": ("analy",),
    "dead": ("deadline",), "fell": ("fellow", "fella"), "crotch": ("crotchet",),
    "slip": ("slipper",), "thin": ("thing", "think"), "milk": ("milking",),
}


def _word_matches(part: str, word: str) -> bool:
    # Short words must be whole (or plural): "hot" is not "hotel", "wee" not "week".
    if len(part) < 4:
        return word == part or word == part + "s"
    return word.startswith(part) and not word.startswith(_NOT_PREFIX.get(part, ()))


def _find(phrase: Sequence[str], words: Sequence[str]) -> list[tuple[int, ...]]:
    """Every occurrence of ``phrase`` in order, up to ``_MAX_GAP`` words between parts."""
    if not phrase:
        return []
    hits: list[tuple[int, ...]] = []
    # A cue that is itself a denial ("no feeling") holds its words together: "no
    # weakness just feeling sleepy" has no "no feeling" in it.
    strict = phrase[0] in _NEGATION_LEADS
    for start, word in enumerate(words):
        if not _word_matches(phrase[0], word):
            continue
        positions = [start]
        for part in phrase[1:]:
            last = positions[-1]
            nxt = next((i for i in range(last + 1, min(len(words), last + 2 + _MAX_GAP))
                        if _word_matches(part, words[i])), None)
            if strict and nxt is not None and any(
                    w not in _SOFT_GAP for w in words[last + 1:nxt]):
                nxt = None
            if nxt is None:
                break
            positions.append(nxt)
        if len(positions) == len(phrase):
            hits.append(tuple(positions))
    return hits


@dataclass(frozen=True)
class _Compiled:
    cues: dict[str, tuple[tuple[str, ...], ...]]
    groups: dict[str, tuple[tuple[tuple[str, ...], ...], ...]]
    unless: dict[str, tuple[tuple[str, ...], ...]]
    unless_text: dict[str, tuple[tuple[str, ...], ...]]
    negations: tuple[tuple[str, ...], ...]
    denied_after: tuple[tuple[str, ...], ...]
    hedges: tuple[tuple[str, ...], ...]
    onset: tuple[tuple[str, ...], ...]
    others: tuple[tuple[str, ...], ...]
    things: tuple[tuple[str, ...], ...]
    places: tuple[tuple[str, ...], ...]
    hypothetical: tuple[tuple[str, ...], ...]
    general: tuple[tuple[str, ...], ...]
    long_ago: tuple[tuple[str, ...], ...]
    not_long_ago: tuple[tuple[str, ...], ...]
    past: tuple[tuple[str, ...], ...]
    resolved: tuple[tuple[str, ...], ...]
    returned: tuple[tuple[str, ...], ...]
    returned_unless: tuple[tuple[str, ...], ...]
    not_mine: tuple[tuple[str, ...], ...]
    longstanding: tuple[tuple[str, ...], ...]
    now: tuple[tuple[str, ...], ...]
    tonight: tuple[tuple[str, ...], ...]


_COMPILED: dict[int, tuple[TriageRules, _Compiled]] = {}


def _compiled(rules: TriageRules) -> _Compiled:
    cached = _COMPILED.get(id(rules))
    if cached is not None and cached[0] is rules:
        return cached[1]

    def many(texts: Iterable[str]) -> tuple[tuple[str, ...], ...]:
        return tuple(p for p in (_phrase(t) for t in texts) if p)

    compiled = _Compiled(
        cues={k: many(r.cues) for k, r in rules.symptoms.items()},
        groups={k: tuple(many(g) for g in r.groups) for k, r in rules.symptoms.items()},
        unless={k: many(r.unless) for k, r in rules.symptoms.items()},
        unless_text={k: many(r.unless_text) for k, r in rules.symptoms.items()},
        negations=many(rules.negations),
        denied_after=many(rules.denied_after),
        hedges=many(rules.hedges),
        onset=many(rules.onset),
        others=many(rules.others),
        things=many(rules.things),
        places=many(rules.places),
        hypothetical=many(rules.hypothetical),
        general=many(rules.general),
        long_ago=many(rules.long_ago),
        not_long_ago=many(rules.not_long_ago),
        past=many(rules.past),
        resolved=many(rules.resolved),
        returned=many(rules.returned),
        returned_unless=many(rules.returned_unless),
        not_mine=many(rules.not_mine),
        longstanding=many(rules.longstanding),
        now=many(rules.now),
        tonight=many(rules.tonight),
    )
    if len(_COMPILED) > 16:  # content reloads in tests: keep the cache small
        _COMPILED.clear()
    _COMPILED[id(rules)] = (rules, compiled)
    return compiled


@dataclass(frozen=True)
class _Clause:
    words: tuple[str, ...]
    others: frozenset[int]  # where someone or something else is named
    hypothetical: bool
    long_ago: bool = False
    past: bool = False
    resolved: bool = False
    things: frozenset[int] = frozenset()  # which of ``others`` are no person
    # Names no body part and points back with "it" / "they" ("no feeling in it").
    anaphoric: bool = False
    # Says that what was over came back ("it's back", "it came back again").
    returned: bool = False


def _clauses(rules: TriageRules, text: str) -> list[_Clause]:
    compiled = _compiled(rules)
    out: list[_Clause] = []
    for piece in _PUNCTUATION.split(text):
        words = _joined(" ".join(_words(piece)))
        for hedge in (*compiled.hedges, *compiled.onset):
            for hit in reversed(_find_exact(hedge, words)):
                words = words[:hit] + words[hit + len(hedge):]
        if out and words and words[0] in _TRAILING_DENIALS and all(
                w in _BARE_DENIAL or w in rules.bare_denial for w in words) and len(
                [w for w in words if w not in rules.bare_denial]) <= 4:
            # "Numb or tingly? No.": a bare denial answers the clause before it.
            out[-1] = _clause(compiled, [*out[-1].words, words[0]])
            continue
        pieces: list[list[str]] = [[]]
        for at, word in enumerate(words):
            if word in _BREAKS:
                pieces.append([])
            else:
                if _restarts(pieces[-1], words, at):
                    pieces.append([])
                pieces[-1].append(word)
        merged: list[list[str]] = []
        for part in pieces:
            if merged and 0 < len(part) <= _SHORT_TAIL:
                # "my leg is numb and tingly": a word or two after the break share the
                # clause's subject, so they stay in it.
                merged[-1].extend(part)
            elif part:
                merged.append(part)
        for part in merged:
            if out and (part[0] in _SUBJECTLESS or _inherits_other(compiled, out[-1], part) or (
                    part[0] in rules.continues and out[-1].others
                    and not _FIRST_PERSON & set(out[-1].words))):
                # "both my legs are sore and feel very weak": a clause with no subject of
                # its own is about the one before.
                part = [*out[-1].words, *part]
            out.append(_clause(compiled, part))
    return out


def _inherits_other(compiled: _Compiled, before: _Clause, part: Sequence[str]) -> bool:
    """A clause naming no subject after one about someone or something else is theirs:
    "the cat jumped off the bed and fell on the floor"."""
    if not before.others or _FIRST_PERSON & set(before.words):
        return False
    if _FIRST_PERSON & set(part) or {"my", "our", "it", "they", "he", "she", "we"} & set(part):
        return False
    return not any(_find_exact(o, part) for o in compiled.others)


def _find_exact(phrase: Sequence[str], words: Sequence[str]) -> list[int]:
    n = len(phrase)
    return [i for i in range(len(words) - n + 1)
            if all(_word_matches(p, w) for p, w in zip(phrase, words[i:i + n], strict=True))]


_ANAPHORA = frozenset({"it", "its", "they", "them", "there"})
# "is it normal my pee is weird", "my hip's gone swollen, is that normal": a report
# with a question about it is still a report (not "is numbness normal", "is it normal
# for legs to go numb", which ask in general).
_NORMAL_Q = re.compile(r"\b(?:is|was) (?:it|that|this) (?:normal|common|usual|ok|okay)\b"
                       r"(?= my\b| that my\b| i\b| the\b|$)")


# Questions that may follow a report in one breath ("I'm a breast cancer survivor, does
# this hip pain matter"); "if", "in case", "suppose" never report.
_ASKING = frozenset({"does", "do", "can", "could", "what", "how", "should", "will", "why",
                     "when", "would", "is"})


def _reported_first(words: Sequence[str], phrase: Sequence[str], hit: Sequence[int]) -> bool:
    """Whether the speaker reports something before the question starts: the question
    is about it, and does not make it hypothetical."""
    before = words[:hit[0]]
    return (len(before) >= 3 and phrase[0] in _ASKING and bool(_SPEAKER & set(before))
            and not {"if", "when", "whether", "case"} & set(before))


def _asked_about_it(phrase: Sequence[str], hit: Sequence[int]) -> bool:
    """ "the pain gets worse every night, is that bad": "is that" / "is this" after a
    few words asks about what was just said, a report."""
    return hit[0] >= 3 and tuple(phrase[:2]) in (("is", "that"), ("is", "this"))


def _clause(compiled: _Compiled, words: list[str]) -> _Clause:
    joined = " ".join(words)
    if _NORMAL_Q.search(joined) and (_NORMAL_Q.sub("", joined).split() != []):
        words = _NORMAL_Q.sub("", joined).split()
    others = frozenset(i for phrase in compiled.others for i in _find_exact(phrase, words))
    things = frozenset(i for phrase in compiled.things for i in _find_exact(phrase, words))
    hypothetical = any(not _reported_first(words, p, hit) for p in compiled.hypothetical
                       for hit in _find(p, words)) or any(
        not _SPEAKER & {w for i, w in enumerate(words) if i not in hit}
        and not _asked_about_it(p, hit)
        for p in compiled.general for hit in _find(p, words))

    def has(phrases: tuple[tuple[str, ...], ...]) -> bool:
        return any(_find_exact(p, words) for p in phrases)

    anaphoric = bool(_ANAPHORA & set(words)) and not has(compiled.places)
    # "it hasn't gone away" says it is not over.
    # "not now", "not any more" answer at the end ("numb last week but not now"); with
    # more after them they refuse something else ("not now, I've got a high fever").
    resolved = any(not {"not", "never"} & set(words[max(0, at - 2):at])
                   and (p[0] != "not" or len(words) - at - len(p) <= 2)
                   for p in compiled.resolved for at in _find_exact(p, words))
    compared = {i for q in compiled.not_long_ago for b in _find_exact(q, words)
                for i in range(b, b + len(q))}
    long_ago = any(at not in compared for p in compiled.long_ago
                   for at in _find_exact(p, words))
    return _Clause(tuple(words), others, hypothetical, long_ago,
                   has(compiled.past), resolved, things & others, anaphoric,
                   has(compiled.returned) and not has(compiled.returned_unless))


def _over(rule: SymptomRule, clause: _Clause, any_resolved: bool) -> bool:
    """Whether the clause puts this symptom in the past, not tonight."""
    if rule.history:
        return False
    if clause.long_ago:
        return True
    return rule.resolves and (clause.resolved or (clause.past and any_resolved))


_PREPOSITIONS = frozenset({"off", "on", "onto", "over", "into", "from", "with", "at", "in",
                           "under", "against", "by", "for", "of", "to", "down", "up"})
_DETERMINERS = frozenset({"the", "a", "an", "my", "our", "his", "her", "their", "that", "this"})


def _object(clause: _Clause, i: int) -> bool:
    """Whether the other named at ``i`` is a preposition's object ("I slid off the chair",
    "tripped over the dog"), not the subject."""
    j = i - 1
    while j >= 0 and clause.words[j] in _DETERMINERS:
        j -= 1
    if j >= 1 and clause.words[j] == "on" and clause.words[j - 1] in ("hold", "hang"):
        return False  # "hold on, the book fell": an aside, the book is the subject
    return j >= 0 and clause.words[j] in _PREPOSITIONS


def _about_thing(clause: _Clause, hit: Sequence[int]) -> bool:
    """Whether the nearest subject before the cue is a thing or an animal, no person."""
    for i in range(hit[0] - 1, -1, -1):
        if i in clause.others and not _object(clause, i):
            return i in clause.things
        if clause.words[i] in _FIRST_PERSON:
            return False
    return False


_FINE_AFTER = frozenset({"okay", "ok", "fine", "alright", "good", "well"})


def _about_speaker(clause: _Clause, hit: Sequence[int]) -> bool:
    """Whether the cue at ``hit`` is about the speaker: the nearest subject before it
    decides ("I think my husband has a fever": the husband; "my husband says my legs
    are numb": the speaker). Nothing named before it ("fell over twice"): the speaker."""
    words = clause.words
    after = words[hit[-1] + 1:hit[-1] + 3]
    if "not" in after:
        after = ()  # "the one with the temperature, not me"
    if any(words[i] in ("me", "myself") for i in hit) or (
            {"me", "myself"} & set(after) and not _FINE_AFTER & set(after)):
        return True  # "the dog knocked me over" (not "sick with flu, me okay")
    for i in range(hit[0] - 1, -1, -1):
        if i in clause.others and not _object(clause, i):
            return False
        if words[i] in _FIRST_PERSON or (words[i] in ("my", "our") and i + 1 not in clause.others):
            return True
    return True


def _denied(compiled: _Compiled, words: Sequence[str], hit: Sequence[int]) -> bool:
    """A negation before the cue, close enough to reach it, that is not part of it, or
    one in the words a cue lets between its own ("hip is not red" is no "hip red")."""
    first = hit[0]
    if any(words[i] in ("not", "no", "never") for i in range(first + 1, hit[-1])
           if i not in hit):
        return True
    if any(hit[-1] < at <= hit[-1] + 2 for p in compiled.denied_after
           for at in _find_exact(p, words)):
        return True
    if words[first] in _NEGATION_LEADS or words[first] in ("cannot", "nothing"):
        # A cue that is a denial itself ("can't feel it", "no feeling") is not undone by
        # another ("the seat isn't there, I can't feel it"), unless the denial frames it:
        # "it's not like I can't feel my legs", "not that I can't walk".
        for at in range(max(0, first - 4), first):
            if words[at] in ("not", "never") and all(
                    w in _FRAMING for w in words[at + 1:first]):
                return True
        return False
    # "numb or tingly? no": a bare denial closing the clause, just after the cue (not
    # after one that is a denial itself: "I can't feel my legs, no" confirms it).
    if words[-1] in _TRAILING_DENIALS and 0 < len(words) - 1 - hit[-1] <= 3:
        return True
    for negation in compiled.negations:
        reach = _NEGATION_REACH.get(" ".join(negation), _DEFAULT_REACH)
        for at in _find_exact(negation, words):
            span = range(at, at + len(negation))
            if any(i in hit for i in span):
                continue  # "no feeling", "not feel anything": the cue itself
            follower = words[at + len(negation)] if at + len(negation) < len(words) else ""
            if follower in ("only", "just", "sure"):
                continue  # "not only my leg"
            if negation == ("no",) and follower in _INTERJECTED:
                continue  # "wait no, I fell on the stairs": a correction, then the news
            # "no numbness or weakness": a list joined by "or" stays denied.
            between = [w for w in words[at + len(negation):first] if w not in _LIST_WORDS]
            if any(w in _RESETS for w in between) or _new_subject(between):
                continue  # "not numb, just weak": the denial stops at "just"

            if at < first and len(between) < reach:
                return True
    return False


# After "no", words that make it an answer or a correction of its own ("no I fell",
# "no my leg's numb"), not the denial of what follows.
_INTERJECTED = frozenset({"i", "my", "it", "wait", "actually", "sorry", "hang", "listen"})
# Subjects and verbs that open a new clause inside one with no break word ("it's not
# numb it's hot", "not now I've got a fever")...
_SUBJECTS = frozenset({"i", "it", "they"})
_VERBS = frozenset({"is", "am", "are", "have", "has", "got"})
# ...unless the words after the denial frame it: "I don't think I have a fever", "not
# that it is swollen", "I'm not saying I'm numb".
_THOUGHT = frozenset({"think", "thought", "believe", "reckon", "suppose", "guess", "say",
                      "saying", "said", "that", "like", "feel", "mean", "know", "seem",
                      "seems", "look", "looks", "want", "realise", "realize", "notice",
                      "noticed", "expect", "imagine", "worry", "worried", "if", "whether",
                      "as", "because", "cos", "so", "sure", "certain", "convinced", "claim",
                      "tell", "telling", "told", "mind"})

# Run-together speech with no break word: "I'm running a fever I had a knee replaced
# years back" is two clauses, so the second one's "years back" is not the fever's.
_RESTART_VERBS = frozenset({"had", "was", "used"})
_NO_RESTART_AFTER = _THOUGHT | {"when", "while", "until", "before", "after", "since", "where",
                                 "what", "how", "why", "who", "or", "than", "once", "maybe",
                                 "hope", "wish", "wonder", "can", "do", "did", "should",
                                 "would", "will", "am", "have", "has", "had", "was", "were",
                                 "see", "saw", "and", "mention", "not", "never", "because"}


def _restarts(piece: Sequence[str], words: Sequence[str], at: int) -> bool:
    """Whether "I had" / "I was" at ``at`` starts a new clause: the piece so far already
    has the speaker as its subject and the word before it does not lead into it."""
    return (words[at] == "i" and at + 1 < len(words) and words[at + 1] in _RESTART_VERBS
            and len(piece) >= 3 and "i" in piece and piece[-1] not in _NO_RESTART_AFTER)


def _new_subject(between: Sequence[str]) -> bool:
    """Whether a new subject and verb start after the denied words (see ``_SUBJECTS``)."""
    if not between or between[0] in _THOUGHT:
        return False
    return any(a in _SUBJECTS and b in _VERBS for a, b in pairwise(between[1:]))


def _said_not(words: Sequence[str], at: int) -> bool:
    """Whether the words at ``at`` follow a plain "not" / "never" ("not tired")."""
    return at > 0 and words[at - 1] in ("not", "never")


def _veto_denied(hit: Sequence[int], words: Sequence[str]) -> bool:
    """An explanation said not to be there: "I haven't had a heating pad on it", "no heat
    pack" ("no, the heat pack's on" is an answer, then the explanation)."""
    first = hit[0]
    return (first > 0 and words[first - 1] == "no") or any(
        w in ("not", "never") for w in words[max(0, first - 3):first])


def _plain(hit: Sequence[int], words: Sequence[str]) -> bool:
    """A veto heard as said, no denial inside it: "he is not fine" is no "is fine", and
    no new subject ("a temperature today, is it fine to go on" is no "temperature is
    fine")."""
    return not {"not", "never", "no", "it", "i", "that", "this", "they", "you"} & {
        words[i] for i in range(hit[0], hit[-1] + 1) if i not in hit}


@dataclass
class Reading:
    """What free text says about each symptom rule."""

    found: list[str]
    # Some cue was heard but denied, vetoed, hypothetical or about someone else.
    discounted: bool


def _clause_hits(compiled: _Compiled, cues: Iterable[tuple[str, ...]], clause: _Clause,
                 denials: bool = True, anyone: bool = False,
                 people: bool = False, others_over: bool = False) -> tuple[bool, bool]:
    """(heard, discounted) for any of ``cues`` in one clause. ``denials``: a denial or
    someone else as the subject discounts a hit (the symptom words, not a body part).
    ``others_over``: the words say someone's trouble is old or long-standing, so another
    person's symptom counts only in a clause that says it is happening now."""
    heard = discounted = False
    for cue in cues:
        for hit in _find(cue, clause.words):
            # A symptom denied or about someone else; a body part just after "not".
            symptom_off = denials and (_denied(compiled, clause.words, hit)
                                       or (people and _about_thing(clause, hit))
                                       or not (anyone or _about_speaker(clause, hit))
                                       or (anyone and others_over
                                           and not _about_speaker(clause, hit)
                                           and not any(_find_exact(p, clause.words)
                                                       for p in compiled.now)))
            if symptom_off or (not denials and _place_denied(clause.words, hit[0])):
                discounted = True
            else:
                heard = True
    return heard, discounted


def _place_denied(words: Sequence[str], at: int) -> bool:
    """A body part just after a "not" ("dead down the side, not my bum": the leg, not the
    bum), unlike "no feeling down there", where the "no" is the symptom's."""
    before = words[max(0, at - 3):at]
    return bool(before) and "not" in before and all(
        w in ("not", "my", "the", "in", "on", "me", "a") for w in before[before.index("not"):])


def _mentioned(compiled: _Compiled, symptom_id: str, clauses: Sequence[_Clause]) -> bool:
    """Whether a rule's own words are said at all: one of its cues, or a cue of every one
    of its groups, anywhere. A rule none of whose words occur cannot be heard, nor
    denied, so its vetoes need no reading."""
    def said(cues: Iterable[tuple[str, ...]]) -> bool:
        return any(_find(cue, c.words) for cue in cues for c in clauses)

    groups = compiled.groups[symptom_id]
    return said(compiled.cues[symptom_id]) or (bool(groups) and all(map(said, groups)))


def read_text(rules: TriageRules, text: str | None) -> Reading:
    """Every symptom the words report (not deny), before ranking."""
    if not text:
        return Reading([], False)
    compiled = _compiled(rules)
    clauses = _clauses(rules, text)
    # "it went away, now it's back": a return said after the resolution undoes it, so
    # the clauses before the last return are read as tonight's.
    back = max((i for i, c in enumerate(clauses) if c.returned), default=-1)
    clauses = [replace(c, resolved=False, past=False, long_ago=False) if i < back else c
               for i, c in enumerate(clauses)]
    any_resolved = any(c.resolved for c in clauses)
    # "my dad's feet have been numb for years from his diabetes", "my friend had a numb
    # bum after her epidural, she laughs about it now": someone else's old news.
    # Unless the text says tonight's is new ("for years, but tonight she can't control it").
    others_over = (any_resolved or any(c.long_ago for c in clauses) or any(
        _find_exact(p, c.words) for p in compiled.longstanding for c in clauses)) and not any(
        _find_exact(p, c.words) for p in compiled.tonight for c in clauses)
    # ``unless_text`` reads the words whole, across clause breaks ("sick, that stretch").
    whole = _phrase(text)

    def heard_rule(symptom_id: str, anyone: bool, people: bool = False) -> tuple[bool, bool]:
        rule = rules.symptoms[symptom_id]
        if not (rule.all_of and not rule.cues and not rule.groups) and not _mentioned(
                compiled, symptom_id, clauses):
            return False, False  # none of its words: neither heard nor discounted
        # A history ("mum had cancer years back") is old news by nature.
        over = others_over and not rule.history
        # A combination said of anyone ("my husband fell, he can't get up") means a
        # person; a plain call for help counts whatever word precedes it ("phone 000").
        people = people or (anyone and bool(rule.groups or rule.all_of))
        unless = compiled.unless[symptom_id]
        discounted = False
        # ``within: text`` widens the veto too ("on a diet and lost weight"), unless the
        # veto itself is denied ("I've lost weight and I'm not trying to").
        vetoed = (rule.within == "text" and any(
            not _denied(compiled, c.words, range(at, at + len(u)))
            for u in unless for c in clauses for at in _find_exact(u, c.words))) or any(
            _plain(hit, whole) and not _veto_denied(hit, whole)
            for u in compiled.unless_text[symptom_id] for hit in _find(u, whole))
        usable = [
            c for c in clauses
            if not vetoed and not c.hypothetical and not _over(rule, c, any_resolved)
            # A denied veto is none: of a ``within: text`` rule anywhere ("weight is
            # reducing without any diet"), of a clause rule when "not" says it ("both
            # legs have no power, not tired"; "nothing helps me sleep" still vetoes).
            and not any(not (_denied(compiled, c.words, range(at, at + len(u)))
                             if rule.within == "text" else _said_not(c.words, at))
                        for u in unless for at in _find_exact(u, c.words))
        ]
        heard = False
        for clause in clauses:
            ok, denied = _clause_hits(compiled, compiled.cues[symptom_id], clause,
                                      anyone=anyone, people=people, others_over=over)
            if clause in usable:
                heard = heard or ok
                discounted = discounted or denied
            elif ok or denied:
                discounted = True
        groups = compiled.groups[symptom_id]
        if groups and not heard:
            scopes = [usable] if rule.within == "text" else [[c] for c in usable]
            for scope in scopes:
                # Only the first group (the symptom) can be denied: in "no feeling down
                # there" the "no" belongs to the feeling, not to the place.
                if all(any(_clause_hits(compiled, g, c, index == 0, anyone, people,
                                        over)[0]
                               for c in scope)
                       for index, g in enumerate(groups)):
                    heard = True
                    break
            if not heard and rule.within == "clause" and len(groups) > 1:
                # "my backside feels odd, there's no feeling in it": the symptom in a
                # clause that only points back ("it", "they"), the place in the one before.
                for before, clause in pairwise(clauses):
                    if (clause.anaphoric and before in usable and clause in usable
                            and any(_find_exact(pl, before.words) for pl in compiled.places)
                            and _clause_hits(compiled, groups[0], clause, True, anyone,
                                             people, over)[0]
                            and all(_clause_hits(compiled, g, before, False, anyone, people)[0]
                                    for g in groups[1:])):
                        heard = True
                        break
            if not heard and any(
                all(any(_find(cue, c.words) for cue in g) for g in groups) for c in clauses
            ):
                discounted = True
        if rule.all_of and not rule.cues and not rule.groups:
            heard = not vetoed  # decided below, from the other symptoms
        return heard, discounted

    found: list[str] = []
    discounted = False
    not_mine = any(_find_exact(p, c.words) for p in compiled.not_mine for c in clauses)
    anyone = {k: r.anyone and not (not_mine and r.urgency in ("doctor", "gp"))
              for k, r in rules.symptoms.items()}
    for symptom_id, rule in rules.symptoms.items():
        heard, denied = heard_rule(symptom_id, anyone[symptom_id])
        discounted = discounted or denied
        if heard and anyone[symptom_id] and rule.all_of and not all(
                heard_rule(n, True, True)[0] for n in rule.all_of):
            heard = False
        elif heard and anyone[symptom_id] and rule.all_of:
            # A combination said of anyone ("my husband fell, he cannot stand"): its
            # parts count whoever they are about, and it stands on its own.
            found.append(symptom_id)
            continue
        if heard:
            found.append(symptom_id)
    found = [s for s in found if not set(rules.symptoms[s].unless_heard) & set(found)]
    # A combination holds only when all its parts were heard (iterate until stable).
    changed = True
    while changed:
        changed = False
        for symptom_id in list(found):
            rule = rules.symptoms[symptom_id]
            if anyone[symptom_id] and rule.all_of:
                continue  # its parts were read about anyone above
            if rule.all_of and not all(n in found for n in rule.all_of):
                found.remove(symptom_id)
                changed = True
    return Reading(found, discounted)


def _rank(rules: TriageRules, symptom_id: str) -> tuple[int, bool, int, bool]:
    rule = rules.symptoms[symptom_id]
    # A combination ranks before its parts at the same urgency; an ambiguous reading
    # after the specific ones; a confirmed question (the fall: it may be the ambulance
    # answer) before the plain answers of its own urgency.
    return (URGENCY_ORDER.index(rule.urgency), rule.clarify and not rule.confirmed,
            -len(rule.all_of), not rule.confirmed)


def classify_all(rules: TriageRules, text: str | None) -> list[str]:
    """Every symptom the text reports, most urgent first."""
    return sorted(read_text(rules, text).found, key=lambda s: _rank(rules, s))


def classify(rules: TriageRules, text: str | None) -> str | None:
    """The most urgent symptom ``text`` reports, or None.

    Checking the most urgent rules first means "numb between my legs" is never
    mistaken for one numb leg.
    """
    found = classify_all(rules, text)
    return found[0] if found else None


def is_ordinary(rules: TriageRules, text: str | None) -> bool:
    """True when every word of ``text`` is a filler or an ordinary bedtime word."""
    words = [w for w in _words(text or "") if w not in _FILLERS]
    return bool(words) and all(
        any(w.startswith(o) for o in rules.ordinary) for w in words
    )


def candidates(rules: TriageRules, resolved_id: str | None, heard: str | None,
               reading: Reading | None = None) -> list[str]:
    """Every reading of one red-flag request, most urgent first (``reading``: the words'
    :func:`read_text`, when the caller has it already).

    The id from entity resolution comes with the heard words' readings; the more
    urgent wins, so a loosely resolved value never lowers the urgency of what was
    said. A specific resolved id (the user named a body part) drops the ambiguous
    readings of the same words.
    """
    found: list[str] = []
    known = resolved_id is not None and resolved_id in rules.symptoms
    if known:
        assert resolved_id is not None
        found.append(resolved_id)
    specific = known and not rules.symptoms[resolved_id or ""].clarify
    said = (reading if reading is not None else read_text(rules, heard)).found
    for symptom_id in said:
        if symptom_id in found or (specific and rules.symptoms[symptom_id].clarify):
            continue
        found.append(symptom_id)
    return sorted(found, key=lambda s: _rank(rules, s))


def triage(
    rules: TriageRules, resolved_id: str | None, heard: str | None
) -> tuple[str | None, Urgency | None]:
    """(symptom id, urgency) of the most urgent reading of one red-flag request."""
    found = candidates(rules, resolved_id, heard)
    if not found:
        return None, None
    return found[0], rules.symptoms[found[0]].urgency


AssessmentKind = Literal["answer", "clarify", "ordinary"]


@dataclass(frozen=True)
class Assessment:
    """What to do with one red-flag request.

    ``answer``: say the answer for ``symptom``/``urgency`` (both None: the cautious
    general answer). ``clarify``: ask before answering; ``symptom`` is the ambiguous
    reading (None: words we cannot place) and ``also`` the most urgent specific
    reading heard with it, if any. ``ordinary``: no symptom at all, only bedtime words.
    """

    kind: AssessmentKind
    symptom: str | None = None
    urgency: Urgency | None = None
    also: str | None = None


def assess(
    rules: TriageRules, resolved_id: str | None, heard: str | None, *, free_text: bool = False,
    reading: Reading | None = None,
) -> Assessment:
    """What to do with one red-flag request, or (``free_text``) any words a person said.

    Free text that reports no symptom is ``ordinary``; a red-flag request whose words
    we cannot place is asked about. Words that only deny or discount a symptom ("no
    numbness", "my husband has a fever") are ordinary either way. ``reading``: the
    words' :func:`read_text`, when the caller has it already; they are read once.
    """
    reading = reading if reading is not None else read_text(rules, heard)
    found = candidates(rules, resolved_id, heard, reading)
    if found:
        best = rules.symptoms[found[0]]
        if best.clarify:
            also = next((s for s in found[1:] if not rules.symptoms[s].clarify
                         or rules.symptoms[s].confirmed), None)
            return Assessment("clarify", found[0], best.urgency, also)
        return Assessment("answer", found[0], best.urgency)
    if not heard or not heard.strip():
        # Samples without a symptom are unambiguous ("this is an emergency").
        return Assessment("ordinary") if free_text else Assessment("answer")
    if free_text or is_ordinary(rules, heard) or reading.discounted:
        return Assessment("ordinary")
    return Assessment("clarify")
