"""Text normalisation shared by the development matcher and the triage cues.

Its own module so the Lambda path (content validation normalises triage cues) does
not import the matcher, whose number patterns cost a cold start tens of ms.
"""

from __future__ import annotations

import re
import unicodedata

_SPECIFIC_CONTRACTIONS = {
    "can't": "cannot",
    "won't": "will not",
    "shan't": "shall not",
    "ain't": "is not",
    "let's": "let us",
    "it's": "it is",
    "what's": "what is",
    "that's": "that is",
    "there's": "there is",
    "here's": "here is",
    "where's": "where is",
    "who's": "who is",
    "how's": "how is",
    "he's": "he is",
    "she's": "she is",
    "y'all": "you all",
}
_GENERIC_SUFFIXES = (("n't", " not"), ("'re", " are"), ("'m", " am"), ("'ll", " will"),
                     ("'ve", " have"), ("'d", " would"))
# Typed without the apostrophe. Only forms that are not ordinary words themselves
# ("its", "well", "were", "id" are left alone).
_BARE_CONTRACTIONS = {
    "im": "i am",
    "ive": "i have",
    "dont": "do not",
    "doesnt": "does not",
    "didnt": "did not",
    "cant": "cannot",
    "wont": "will not",
    "isnt": "is not",
    "arent": "are not",
    "wasnt": "was not",
    "werent": "were not",
    "couldnt": "could not",
    "shouldnt": "should not",
    "wouldnt": "would not",
    "hasnt": "has not",
    "havent": "have not",
    "whats": "what is",
    "thats": "that is",
    "youre": "you are",
}

# Word-start anchors and possessive quantifiers keep these linear on a long run of letters
# or digits (the plain forms retry from every position: quadratic).
_APOSTROPHE_WORD = re.compile(r"(?<![a-z'])[a-z]++(?:'[a-z]++)+")
_OUT_OF_TEN = re.compile(r"(?<![\d.])(\d++(?:\.\d++)?)\s*+/\s*+10(?!\d)")
_OUT_OF_10_WORDS = re.compile(r"\bout of 10\b")
_KEEP_MINUS = re.compile(r"(?<![\w.])-(?=\d)")
_DECIMAL_POINT = re.compile(r"(?<=\d)\.(?=\d)")
_NON_WORD = re.compile(r"[^a-z0-9\x01\x02 ]+")
_SPACES = re.compile(r"\s+")


def _expand_word(word: str) -> str:
    if word in _SPECIFIC_CONTRACTIONS:
        return _SPECIFIC_CONTRACTIONS[word]
    for suffix, expansion in _GENERIC_SUFFIXES:
        if word.endswith(suffix) and len(word) > len(suffix):
            return word[: -len(suffix)] + expansion
    # Possessive or unknown: drop the apostrophe ("hip's" -> "hips").
    return word.replace("'", "")


def normalise(text: str) -> str:
    """Lowercase, expand contractions, strip punctuation and collapse whitespace.

    Digits keep a leading minus and a decimal point ("-2", "7.5"); "4/10" becomes
    "4 out of ten" so scores typed either way read the same.
    """
    text = unicodedata.normalize("NFKC", text).lower()
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("`", "'")
    text = text.replace("&", " and ")
    text = _OUT_OF_TEN.sub(r"\1 out of ten", text)
    text = _APOSTROPHE_WORD.sub(lambda m: _expand_word(m.group(0)), text)
    # Protect the minus sign and decimal point from the punctuation strip with placeholders.
    text = _KEEP_MINUS.sub("\x01", text)
    text = _DECIMAL_POINT.sub("\x02", text)
    text = _NON_WORD.sub(" ", text)
    text = text.replace("\x01", "-").replace("\x02", ".")
    words = [_BARE_CONTRACTIONS.get(w, w) for w in text.split()]
    text = " ".join(words)
    text = text.replace("can not", "cannot")
    text = _OUT_OF_10_WORDS.sub("out of ten", text)
    return _SPACES.sub(" ", text).strip()


# "my leg's tingling", "down below's gone numb": a possessive-looking "'s" after a
# noun is "is" or "has", never a plural ("legs" would read as both legs).
_APOSTROPHE_S = re.compile(r"(?<=[a-z])['\u2019]s\b", re.IGNORECASE)
_KEEP_S = frozenset({"it", "that", "what", "there", "here", "where", "who", "how", "he",
                     "she", "let"})


def _split_s(match: re.Match[str]) -> str:
    start = match.string.rfind(" ", 0, match.start()) + 1
    word = match.string[start:match.start()].lower()
    return match.group(0) if word in _KEEP_S else " is"


def noun_is(text: str) -> str:
    """``text`` with a noun's "'s" read as "is" (before :func:`normalise`)."""
    return _APOSTROPHE_S.sub(_split_s, text)
