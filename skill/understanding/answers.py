"""Natural answers to the safety follow-up questions (pure).

"Is it only in one leg?" is answered "it's both", "my bum", "just the left", "I don't
know" as often as yes or no. Anything unclear errs on the side of care: it is read as
the more urgent answer, never as the reassuring one.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Literal, TypeVar

from skill.textnorm import normalise, noun_is

# Pending kinds of the safety questions (session attribute ``pending``).
WHERE = "safety.where"  # "Is it only in one leg?"
BLADDER = "safety.bladder"  # "Is it hard to control, or to feel, when you need to go?"
CLARIFY = "safety.clarify"  # "Is it numbness, weakness, a fall, or a fever?"
FALL = "safety.fall"  # "Can you stand and put weight on that leg?"
QUESTIONS = frozenset({WHERE, BLADDER, CLARIFY, FALL})

Where = Literal["one_leg", "both_legs", "saddle", "unsure"]
YesNo = Literal["yes", "no", "unsure"]


def _has(words: str, *phrases: str) -> bool:
    return any(re.search(rf"(?<!\S){re.escape(p)}(?!\S)", words) for p in phrases)


_UNSURE = ("do not know", "not sure", "no idea", "dunno", "cannot tell", "maybe",
           "not certain", "i think so", "hard to say", "i guess", "possibly", "perhaps",
           "not really sure", "not quite sure", "not too sure", "not totally sure",
           "not entirely sure", "unsure", "hard to tell", "hard to know", "difficult to say",
           "difficult to tell", "difficult to know", "cannot say", "cannot really say",
           "cannot really tell", "cannot tell you", "no clue", "not a clue", "who knows",
           "not really know", "do not really know", "could be", "might be")
_SADDLE = ("bum", "bottom", "backside", "butt", "buttock", "buttocks", "groin", "between",
           "down there", "private", "privates", "saddle", "genitals", "back passage", "crotch",
           "inner thigh", "inner thighs", "bits", "down below", "where i sit", "i sit on",
           "you sit on", "rear", "rear end", "tush", "seat", "cheeks", "bum cheeks", "perineum",
           "genital", "private parts", "nether", "undercarriage", "anus")
# Both legs, or more than one leg: "the other one too", "from the waist down", "not
# just one".
_BOTH = ("both", "each", "either", "legs", "feet", "two", "all over", "everywhere",
         "both sides", "both of them", "the pair", "the other", "other one", "other leg",
         "other side", "waist down", "hips down", "hip down", "lower half", "bottom half",
         "whole of", "all of", "not just one", "not only one", "not one leg", "not just the one",
         "not only the one", "not one", "not only in one", "not just in one", "not only",
         "not just", "everything")
_ONE = ("left", "right", "one", "single", "one side", "the one", "that leg",
        "this leg", "leg", "foot", "thigh", "calf", "knee", "shin", "ankle", "toe", "toes",
        "side", "hip")
# A side corrected to another ("left, no, right") is one leg; a side added after a
# repair ("the left, actually the right as well") is both.
_REPAIR = re.compile(r"\b(?:no|actually|sorry|wait|i mean|well|or rather|hmm)\b")
_ADDED = ("too", "as well", "also", "and", "plus")
_NOT_A_SIDE = re.compile(r"\b(?:that is right|is that right|all right|right now|right then|"
                         r"right away|right here|right there|right in|right at|right up|"
                         r"right down|right through|right round|right across|right into)\b")
_YES = ("yes", "yeah", "yep", "yup", "aye", "correct", "that is right", "sure",
        "uh huh", "mm hmm", "right")
_NO = ("no", "nope", "nah", "not really", "it is not", "not at all", "never")


_Result = TypeVar("_Result", bound=str)
_EMPTY: tuple[str, ...] = ("",)  # stands for no words at all


def _read(text: str | None, intent: str | None, on_yes: _Result, on_no: _Result,
          table: Sequence[tuple[Sequence[str], _Result]], default: _Result) -> _Result:
    """The first row of ``table`` whose phrases occur in the words (most telling first).

    A bare Yes/No intent (no words carried) is its own answer.
    """
    words = normalise(text or "")
    if not words and intent in ("AMAZON.YesIntent", "AMAZON.NoIntent"):
        return on_yes if intent == "AMAZON.YesIntent" else on_no
    for phrases, result in table:
        if (phrases is _EMPTY and not words) or _has(words, *phrases):
            return result
    return default


def _both_sides(words: str) -> bool:
    """Left and right both named, unless the later one only corrects the first."""
    words = _NOT_A_SIDE.sub(" ", words)
    if not (_has(words, "left") and _has(words, "right")):
        return False
    last = max(words.rfind("left"), words.rfind("right"))
    first = min(words.find("left"), words.find("right"))
    between = words[first:last]
    return not _REPAIR.search(between) or _has(words[last:], *_ADDED) or _has(between, *_ADDED)


def _not_sure(words: str) -> bool:
    # "sure" under a "not" a few words before ("not really that sure") is no yes.
    split = words.split()
    return any(w == "sure" and "not" in split[max(0, i - 4):i] for i, w in enumerate(split))


# A part said to be fine is no answer naming it: "just the right leg, the bum is fine",
# "just my left leg, the other's normal".
_OTHER = ("other", "other one", "other leg", "other side")
_FINE_PART = re.compile(
    r"\b(?:the |my )?(?:" + "|".join(re.escape(p) for p in (*_SADDLE, *_OTHER)) + r")"
    r" (?:is|are|feels|feel) (?:fine|ok|okay|alright|all right|normal|not numb)\b")


def _answer_words(text: str | None) -> str:
    # "my leg's gone weak all of a sudden": one leg, and no "all of" (both) in it.
    return normalise(noun_is(text or "")).replace("all of a sudden", "suddenly")


# One leg's length: "only the left, from the hip down to the knee" (no "hip down": both).
_EXTENT = re.compile(r"\b(?:from )?(?:the |my )?hip down to (?:the |my )?"
                     r"(?:knee|ankle|foot|calf|shin|toe|toes)\b")


# "I think so, yes" is a yes, not a doubt ("I think so yes, it's just the right").
_THINK_YES = re.compile(r"\bi think so,? (?:yes|yeah|yep)\b")


def where_answer(text: str | None, intent: str | None = None) -> Where:
    """Where the numbness or weakness is, from an answer to "Is it only in one leg?"."""
    words = _EXTENT.sub(" leg ", _FINE_PART.sub(" ", _answer_words(text))).strip()
    words = _THINK_YES.sub("yes", words)
    if _both_sides(words):
        return "both_legs"
    if _not_sure(words) and not _has(words, *_SADDLE, *_BOTH):
        return "unsure"
    return _read(words, intent, "one_leg", "both_legs", (
        (_SADDLE, "saddle"), (_BOTH, "both_legs"), (_EMPTY, "unsure"), (_UNSURE, "unsure"),
        (_ONE, "one_leg"), (_YES, "one_leg"), (_NO, "both_legs"),
    ), "unsure")


_CANNOT = ("cannot", "hard", "difficult", "struggle", "struggling", "leak", "leaking",
           "accident", "accidents", "wet", "lost control", "no control", "numb", "not feel",
           "both")
_FINE = ("i can", "fine", "normal", "just often", "only often", "just a lot", "just need",
         "it is okay", "it is ok", "all right", "alright", "no problem", "i am okay", "i am ok")


def bladder_answer(text: str | None, intent: str | None = None) -> YesNo:
    """Whether control or feeling is lost, from an answer to the bladder question."""
    return _read(text, intent, "yes", "no", (
        (_EMPTY, "unsure"), (_UNSURE, "unsure"), (_CANNOT, "yes"), (_FINE, "no"),
        (_YES, "yes"), (_NO, "no"),
    ), "unsure")


_NO_WEIGHT = ("cannot", "not fine", "not ok", "not okay", "not good", "not great",
              "not really", "barely", "hardly", "too sore",
              "too painful", "too much", "hurts too", "no way", "on the floor", "on the ground",
              "stuck", "gives way", "gave way", "giving way", "not able", "unable", "will not",
              "would not", "not put", "not stand", "not walk", "not bear", "not without",
              "only just", "kind of", "sort of", "a bit", "a little", "with help", "crawl",
              "crawled", "on my knees", "on my own", "hold on", "holding on", "hang on to",
              "not tried", "not try", "scared", "afraid", "frightened", "no chance",
              "not a chance", "gives out", "gave out", "folds", "not take", "not hold",
              "if i hold", "lean on", "leaning on", "not yet", "still down", "down here")
_CAN_WALK = ("i can", "can walk", "can stand", "walking", "walked", "standing", "i am up",
             "got up", "got back up", "on my feet", "managed", "just bruised", "just sore",
             "only sore", "only bruised")
# Pain with no word on standing answers "no": a hip that hurts too much to stand on.
_PAIN = ("hurts", "hurt", "hurting", "painful", "pain", "agony", "sore", "killing me", "ouch",
         "aching", "throbbing")
_WEIGHT_OK = ("fine", "all right", "alright", "okay", "ok", "no problem", "no bother",
              "no worries", "no trouble", "no issue", "it is fine", "no harm")


def weight_answer(text: str | None, intent: str | None = None) -> YesNo:
    """Whether the person can stand and put weight on the leg after a fall ("yes" = they
    can). Any hint of not managing reads as "no": the ambulance answer is the safe one."""
    words = normalise(text or "")
    if any(w.startswith(("struggl", "buckl", "collaps")) for w in words.split()):
        return "no"
    return _read(text, intent, "yes", "no", (
        (_EMPTY, "unsure"), (_UNSURE, "unsure"), (_NO_WEIGHT, "no"), (_CAN_WALK, "yes"),
        (_PAIN, "no"), (_WEIGHT_OK, "yes"), (_NO, "no"), (_YES, "yes"),
    ), "unsure")


_RETRACT = ("misspoke", "i meant", "my mistake", "false alarm", "never mind", "nevermind",
            "ignore that", "ignore me", "only joking", "just joking", "kidding", "fell asleep",
            "gone to sleep", "went to sleep", "fine now", "gone now", "all good now",
            "back to normal", "wore off", "worn off", "not numb", "not weak", "no numbness",
            "no weakness", "not tingly", "no tingling", "it was nothing", "wrong word",
            "did not mean", "scratch that", "forget it", "forget that", "not what i meant",
            "did not actually", "not really numb", "not actually numb",
            # Someone else's words, not the speaker's ("it was my husband who said numb").
            "not me", "was not me", "not about me", "not my leg", "not my legs")


def retracts(text: str | None) -> bool:
    """Whether an answer to a safety question takes back what was said ("sorry, I meant
    my leg fell asleep", "no I'm not numb, I misspoke"). Never when it also names both
    legs or between them: those are answers, whatever else is said."""
    words = _answer_words(text)
    return _has(words, *_RETRACT) and not _has(words, *_SADDLE, *_BOTH)


def unsure(text: str | None) -> bool:
    """Whether the words say the person does not know ("not sure", "maybe")."""
    words = normalise(text or "")
    return _has(words, *_UNSURE) or _not_sure(words)


def yes_no(text: str | None, intent: str | None = None) -> YesNo:
    """A plain yes or no (the clarify question), unsure otherwise."""
    if intent in ("AMAZON.YesIntent", "AMAZON.NoIntent"):
        return "yes" if intent == "AMAZON.YesIntent" else "no"
    return _read(text, None, "yes", "no", (
        (_EMPTY, "unsure"), (_UNSURE, "unsure"), (_NO, "no"), (_YES, "yes"),
    ), "unsure")


# "Delete it all?" (Dialog.ConfirmIntent) is answered in many words. A "no" word
# anywhere wins over a "yes" ("yes... actually no", "hang on no"): what is confirmed
# may not be undone, and keeping is always safe to ask again.
_CONFIRM_NO = ("no", "nope", "nah", "do not", "not", "never", "keep", "leave", "wait",
               "hang on", "hold on", "changed my mind", "never mind", "not yet", "rather not",
               "cancel", "stop")
_CONFIRM_YES = ("yes", "yeah", "yep", "yup", "aye", "yea", "sure", "ok", "okay", "alright",
                "all right", "go on", "go ahead", "do it", "delete", "wipe", "clear", "erase",
                "bin", "get rid", "remove", "definitely", "absolutely", "certainly",
                "of course", "please", "correct", "uh huh", "mm hmm", "fine", "right")


def confirm_answer(text: str | None) -> YesNo:
    """Yes or no to a request read back for confirmation, unsure when neither is heard."""
    return _read(text, None, "yes", "no", (
        (_EMPTY, "unsure"), (_CONFIRM_NO, "no"), (_CONFIRM_YES, "yes"),
    ), "unsure")


def opens_as_answer(text: str | None) -> bool:
    """Whether the words begin with a yes or a no ("keep my data", "no don't delete
    anything"), so they answer the question even if they name another topic."""
    words = normalise(text or "").split()
    return any(_has(" ".join(words[:n]), *_CONFIRM_NO, *_CONFIRM_YES) and
               " ".join(words[:n]) in (*_CONFIRM_NO, *_CONFIRM_YES) for n in (1, 2))
