"""Compatibility shim: the development matcher now lives in :mod:`skill.understanding`.

Kept so ``from skill.matcher import Matcher, Match`` keeps working for other modules
and branches; new code imports from ``skill.understanding``.
"""

from skill.understanding.matcher import (
    BUILTIN_SAMPLES,
    FALLBACK_INTENT,
    FUZZY_THRESHOLD,
    KEYWORD_THRESHOLD,
    MAX_MATCH_CHARS,
    NUMBER_PATTERN,
    ORDINARY_PHRASES,
    Match,
    Matcher,
    SlotValue,
    normalise,
    parse_number,
)

__all__ = [
    "BUILTIN_SAMPLES",
    "FALLBACK_INTENT",
    "FUZZY_THRESHOLD",
    "KEYWORD_THRESHOLD",
    "MAX_MATCH_CHARS",
    "NUMBER_PATTERN",
    "ORDINARY_PHRASES",
    "Match",
    "Matcher",
    "SlotValue",
    "normalise",
    "parse_number",
]
