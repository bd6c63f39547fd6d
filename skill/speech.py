"""SSML speech builder and checker (pure: no ask-sdk, no Flask).

Every spoken response goes through :class:`SpeechBuilder`, so escaping and the
Alexa response limits are enforced in one place:

* outputSpeech SSML ≤ 8,000 characters (``<speak>`` and style wrappers included);
* each ``<break time>`` ≤ 10 s, so longer silences are chains of breaks;
* total audio ≤ 240 s per response, ≤ 90 s for a reprompt;
* ask-sdk's ``speak()``/``ask()`` do not escape, so dynamic text is escaped here.

Each ``say``/``pause``/``paragraph`` call is one all-or-nothing segment: when a
segment would break a limit it is dropped, the builder stops accepting more and
the result is marked ``truncated``. Output is therefore always a whole, well-formed
document. :func:`validate_ssml` re-checks any SSML string against the same limits
and is meant to be run on every response in tests and the fuzzer.
"""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from xml.etree import ElementTree as ET

__all__ = [
    "BREAK_STRENGTH_SECONDS",
    "MAX_AUDIO_S",
    "MAX_BREAK_S",
    "MAX_REPROMPT_AUDIO_S",
    "MAX_SSML_CHARS",
    "PARAGRAPH_PAUSE_S",
    "SOFT_RATE",
    "WORDS_PER_SECOND",
    "Speech",
    "SpeechBuilder",
    "Style",
    "escape",
    "estimate_seconds",
    "estimate_ssml_seconds",
    "plain",
    "validate_reprompt",
    "validate_ssml",
]

MAX_SSML_CHARS = 8000
MAX_BREAK_S = 10.0
MAX_AUDIO_S = 240.0
MAX_REPROMPT_AUDIO_S = 90.0

# Conversational English runs at about 150–160 words per minute (2.5–2.7 words/s)
# including the natural pauses at punctuation, and Alexa's default en-US voice
# speaks in that range. 2.6 is the middle; estimate_seconds() additionally counts
# long words and every digit as extra units, so estimates err on the long side,
# which is the safe side for the 240 s / 90 s audio limits.
WORDS_PER_SECOND = 2.6
# Letters that one "word unit" covers; longer words count proportionally more.
_LETTERS_PER_UNIT = 7.0

Style = Literal["normal", "soft"]

# Night voice: 90 % speed and Alexa's "soft" volume (both documented prosody values).
# Not <amazon:effect name="whispered">: its undeclared "amazon:" prefix makes the
# document unparseable for namespace-aware XML parsers (ElementTree, which our tests
# and the fuzzer use), and Alexa does not want namespace declarations on <speak>.
SOFT_RATE = 0.9
_SOFT_OPEN = f'<prosody volume="soft" rate="{round(SOFT_RATE * 100)}%">'
_SOFT_CLOSE = "</prosody>"

# Alexa does not publish the length of strength-based pauses; these err long.
BREAK_STRENGTH_SECONDS: dict[str, float] = {
    "none": 0.0,
    "x-weak": 0.0,
    "weak": 0.25,
    "medium": 0.35,
    "strong": 0.6,
    "x-strong": 1.0,
}
# paragraph() emits <break strength="x-strong"/>, Alexa's documented equivalent of
# </p>, which (unlike <p>) can sit anywhere, including inside the soft <prosody>.
PARAGRAPH_PAUSE_S = BREAK_STRENGTH_SECONDS["x-strong"]
_PARAGRAPH_MARKUP = '<break strength="x-strong"/>'

# Pauses at least this long show as an ellipsis in the plain-text rendering.
_PLAIN_PAUSE_MIN_S = 1.0
_PLAIN_PAUSE = " … "
# Float sums of many pauses must not fail an exact-limit comparison.
_EPS = 1e-9

# XML 1.0 Char excludes C0 controls (except tab, LF, CR), surrogates, U+FFFE/FFFF.
# DEL and C1 controls are legal but discouraged and never meaningful in speech.
# Listed as the characters to drop, not as the negation of the allowed ones: the same
# set, but the negated class spanning U+10FFFF took ~5-14 ms to compile at import.
_NOT_XML_CHAR = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_WHITESPACE = re.compile(r"\s+")
_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;"})


def escape(text: str) -> str:
    """XML-escape ``& < > " '`` and drop characters that XML 1.0 does not allow."""
    return _NOT_XML_CHAR.sub("", text).translate(_ESCAPES)


def _clean(text: str) -> str:
    """Text as it will be spoken: legal XML characters, single spaces, stripped."""
    return _WHITESPACE.sub(" ", _NOT_XML_CHAR.sub("", text)).strip()


def _units(token: str) -> float:
    digits = sum(ch.isdigit() for ch in token)
    letters = sum(ch.isalnum() and not ch.isdigit() for ch in token)
    if letters == 0:
        # Numbers are read digit group by digit group ("240" is three words);
        # one unit per digit errs long. Pure punctuation/emoji is not spoken.
        return float(digits)
    return digits + max(1.0, letters / _LETTERS_PER_UNIT)


@functools.lru_cache(maxsize=4096)  # pure; the same content lines are timed on every turn
def estimate_seconds(text: str, rate: float = 1.0) -> float:
    """Estimated spoken duration of plain (unescaped) text at ``rate`` × normal speed."""
    if not (rate > 0 and math.isfinite(rate)):
        raise ValueError(f"rate must be a positive finite number, not {rate!r}")
    units = sum(_units(token) for token in text.split())
    return units / (WORDS_PER_SECOND * rate)


def _format_break(ms: int) -> str:
    value = f"{ms // 1000}s" if ms % 1000 == 0 else f"{ms}ms"
    return f'<break time="{value}"/>'


def _break_chain(ms: int) -> list[str]:
    """``ms`` of silence as breaks of at most MAX_BREAK_S each."""
    limit = int(MAX_BREAK_S * 1000)
    full, rest = divmod(ms, limit)
    chain = [_format_break(limit)] * full
    if rest:
        chain.append(_format_break(rest))
    return chain


@dataclass(frozen=True, slots=True)
class Speech:
    """A finished response: SSML for Alexa, plain text for cards and the console."""

    ssml: str
    text: str
    seconds: float
    truncated: bool


@dataclass(frozen=True, slots=True)
class _Segment:
    kind: Literal["text", "pause", "paragraph"]
    markup: str
    text: str  # cleaned, unescaped text; "" for pauses
    seconds: float


class SpeechBuilder:
    """Accumulates text and pauses within the Alexa limits; see the module docstring."""

    def __init__(
        self,
        *,
        style: Style = "normal",
        max_seconds: float = MAX_AUDIO_S,
        max_chars: int = MAX_SSML_CHARS,
    ) -> None:
        if style not in ("normal", "soft"):
            raise ValueError(f"unknown style {style!r}")
        self._style: Style = style
        # Callers may ask for less than the platform allows, never more.
        self._max_seconds = min(max_seconds, MAX_AUDIO_S)
        self._max_chars = min(max_chars, MAX_SSML_CHARS)
        self._rate = SOFT_RATE if style == "soft" else 1.0
        opening, closing = (_SOFT_OPEN, _SOFT_CLOSE) if style == "soft" else ("", "")
        self._open = "<speak>" + opening
        self._close = closing + "</speak>"
        self._segments: list[_Segment] = []
        self._body_chars = 0
        self._seconds = 0.0
        self._truncated = False

    @classmethod
    def for_reprompt(cls, *, style: Style = "normal") -> SpeechBuilder:
        """A builder held to the 90 s reprompt audio limit."""
        return cls(style=style, max_seconds=MAX_REPROMPT_AUDIO_S)

    @property
    def truncated(self) -> bool:
        return self._truncated

    # -- adding segments ---------------------------------------------------------

    def say(self, text: str) -> SpeechBuilder:
        """Speak ``text`` (escaped here); empty or whitespace-only text is ignored."""
        segment = self._text_segment(text)
        if segment is not None:
            self._append([segment])
        return self

    def pause(self, seconds: float) -> SpeechBuilder:
        """Silence of any length as a chain of ≤ 10 s breaks; negative/NaN/inf ignored."""
        segment = self._pause_segment(seconds)
        if segment is not None:
            self._append([segment])
        return self

    def paragraph(self) -> SpeechBuilder:
        """A paragraph boundary; ignored at the start and after another boundary."""
        if self._segments and self._segments[-1].kind != "paragraph":
            self._append([_Segment("paragraph", _PARAGRAPH_MARKUP, "", PARAGRAPH_PAUSE_S)])
        return self

    # -- budget --------------------------------------------------------------------

    def remaining_seconds(self) -> float:
        """Audio time still available (0 once truncated), e.g. to split a long hold."""
        if self._truncated:
            return 0.0
        # Whole milliseconds, rounded down, so pause(remaining_seconds()) always fits.
        return max(0.0, math.floor((self._max_seconds - self._seconds) * 1000 + 1e-6) / 1000)

    def remaining_chars(self) -> int:
        """SSML characters still available (0 once truncated)."""
        if self._truncated:
            return 0
        return max(0, self._max_chars - self._chars_with([]))

    def fits(self, text: str = "", pause: float = 0.0) -> bool:
        """Whether ``say(text)`` followed by ``pause(pause)`` would be accepted whole."""
        if self._truncated:
            return False
        candidates = [self._text_segment(text), self._pause_segment(pause)]
        return self._fits([s for s in candidates if s is not None])

    # -- result --------------------------------------------------------------------

    def build(self) -> Speech:
        segments = list(self._segments)
        while segments and segments[-1].kind == "paragraph":
            segments.pop()  # a trailing boundary is only dead air
        body = " ".join(s.markup for s in segments)
        ssml = f"{self._open}{body}{self._close}" if body else "<speak></speak>"
        seconds = round(sum(s.seconds for s in segments), 3)
        return Speech(
            ssml=ssml, text=_plain_text(segments), seconds=seconds, truncated=self._truncated
        )

    # -- internals -----------------------------------------------------------------

    def _text_segment(self, text: str) -> _Segment | None:
        cleaned = _clean(text)
        if not cleaned:
            return None
        return _Segment("text", escape(cleaned), cleaned, estimate_seconds(cleaned, self._rate))

    @staticmethod
    def _pause_segment(seconds: float) -> _Segment | None:
        if not (seconds >= 0 and math.isfinite(seconds)):
            return None
        if seconds > MAX_AUDIO_S:
            # Can never fit; skip building a chain that could be gigabytes long.
            return _Segment("pause", "", "", math.inf)
        ms = round(seconds * 1000)
        if ms == 0:
            return None
        return _Segment("pause", "".join(_break_chain(ms)), "", ms / 1000)

    def _chars_with(self, extra: list[_Segment]) -> int:
        count = len(self._segments) + len(extra)
        separators = max(0, count - 1)
        body = self._body_chars + sum(len(s.markup) for s in extra)
        return len(self._open) + body + separators + len(self._close)

    def _fits(self, extra: list[_Segment]) -> bool:
        seconds = self._seconds + sum(s.seconds for s in extra)
        return self._chars_with(extra) <= self._max_chars and seconds <= self._max_seconds + _EPS

    def _append(self, extra: list[_Segment]) -> None:
        if self._truncated:
            return
        if not self._fits(extra):
            self._truncated = True
            return
        self._segments.extend(extra)
        self._body_chars += sum(len(s.markup) for s in extra)
        self._seconds += sum(s.seconds for s in extra)


def _plain_text(segments: list[_Segment]) -> str:
    """Text for cards: long pauses as an ellipsis, paragraphs as blank lines."""
    parts: list[str] = []
    separator = ""
    for segment in segments:
        if segment.kind == "text":
            if parts:
                parts.append(separator or " ")
            parts.append(segment.text)
            separator = ""
        elif segment.kind == "paragraph":
            separator = "\n\n"
        elif segment.seconds >= _PLAIN_PAUSE_MIN_S and separator != "\n\n":
            separator = _PLAIN_PAUSE
    return "".join(parts)


def plain(text: str, *, style: Style = "normal") -> Speech:
    """Speech for a single piece of text."""
    return SpeechBuilder(style=style).say(text).build()


# -- validation --------------------------------------------------------------------

_BREAK_TIME = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s)\s*$")
_PERCENT = re.compile(r"^\s*(\d+(?:\.\d+)?)%\s*$")
# Alexa documents the keywords but not their speeds; these are guesses that err slow.
_NAMED_RATES = {"x-slow": 0.5, "slow": 0.75, "medium": 1.0, "fast": 1.25, "x-fast": 1.5}
_MIN_RATE = 0.2  # Alexa's documented minimum prosody rate (20 %)
# Tags in Alexa's SSML reference; anything else is rejected by the platform.
_SUPPORTED_TAGS = frozenset(
    {
        "speak",
        "amazon:domain",
        "amazon:effect",
        "amazon:emotion",
        "alexa:name",
        "audio",
        "break",
        "emphasis",
        "lang",
        "p",
        "phoneme",
        "prosody",
        "s",
        "say-as",
        "sub",
        "voice",
        "w",
    }
)


class _DoctypeError(Exception):
    pass


def _reject_doctype(*_args: object) -> None:
    raise _DoctypeError


def _parse(ssml: str) -> ET.Element:
    """Parse without namespace processing: Alexa's amazon:* tags use an undeclared
    prefix, which namespace-aware parsers (ElementTree.fromstring) reject."""
    # Imported here: only checks (tests, the fuzzer, the console) parse SSML, not requests.
    from xml.etree import ElementTree as ET
    from xml.parsers import expat

    builder = ET.TreeBuilder()
    parser = expat.ParserCreate()
    parser.StartElementHandler = builder.start
    parser.EndElementHandler = builder.end
    parser.CharacterDataHandler = builder.data
    parser.StartDoctypeDeclHandler = _reject_doctype  # no DTDs, no entity expansion
    parser.Parse(ssml, True)
    return builder.close()


def _break_seconds(element: ET.Element, problems: list[str]) -> float:
    time = element.get("time")
    if time is not None:
        match = _BREAK_TIME.match(time)
        if match is None:
            problems.append(f"break time {time!r} is not a number of s or ms")
            return 0.0
        value = float(match.group(1)) / (1000 if match.group(2) == "ms" else 1)
        if value > MAX_BREAK_S:
            problems.append(f"break time {time!r} exceeds {MAX_BREAK_S:g} s")
        return value
    strength = element.get("strength", "medium")
    if strength not in BREAK_STRENGTH_SECONDS:
        problems.append(f"break strength {strength!r} is not supported")
        return 0.0
    return BREAK_STRENGTH_SECONDS[strength]


def _prosody_rate(element: ET.Element, current: float, problems: list[str]) -> float:
    rate = element.get("rate")
    if rate is None:
        return current
    if rate in _NAMED_RATES:
        return _NAMED_RATES[rate]
    match = _PERCENT.match(rate)
    if match is None or float(match.group(1)) / 100 < _MIN_RATE:
        problems.append(f"prosody rate {rate!r} is not supported")
        return current
    return float(match.group(1)) / 100


def _estimate_tree(element: ET.Element, rate: float, problems: list[str]) -> float:
    tag = element.tag
    if tag not in _SUPPORTED_TAGS:
        problems.append(f"element <{tag}> is not supported by Alexa")
    seconds = 0.0
    if tag == "break":
        seconds += _break_seconds(element, problems)
    elif tag == "p":
        seconds += PARAGRAPH_PAUSE_S
    elif tag == "prosody":
        rate = _prosody_rate(element, rate, problems)
    if element.text:
        seconds += estimate_seconds(element.text, rate)
    for child in element:
        seconds += _estimate_tree(child, rate, problems)
        if child.tail:
            seconds += estimate_seconds(child.tail, rate)
    return seconds


def estimate_ssml_seconds(ssml: str) -> float:
    """Estimated audio length of an SSML document (raises on malformed XML)."""
    return _estimate_tree(_parse(ssml), 1.0, [])


def validate_ssml(ssml: str, *, max_seconds: float = MAX_AUDIO_S) -> list[str]:
    """Problems that would make Alexa reject or cut ``ssml``; empty when it is fine.

    Checks: well-formed XML with a ``<speak>`` root, ≤ 8,000 characters, only
    Alexa-supported elements, every break ≤ 10 s, estimated audio ≤ ``max_seconds``.
    """
    from xml.parsers import expat

    problems: list[str] = []
    if len(ssml) > MAX_SSML_CHARS:
        problems.append(f"SSML is {len(ssml)} characters, over the {MAX_SSML_CHARS} limit")
    try:
        root = _parse(ssml)
    except _DoctypeError:
        return [*problems, "not well-formed SSML: DOCTYPE declarations are not allowed"]
    except expat.ExpatError as error:
        return [*problems, f"not well-formed XML: {error}"]
    if root.tag != "speak":
        problems.append(f"root element is <{root.tag}>, not <speak>")
    seconds = _estimate_tree(root, 1.0, problems)
    if seconds > max_seconds + _EPS:
        problems.append(f"estimated audio {seconds:.1f} s exceeds the {max_seconds:g} s limit")
    return problems


def validate_reprompt(ssml: str) -> list[str]:
    """:func:`validate_ssml` held to the 90 s reprompt audio limit."""
    return validate_ssml(ssml, max_seconds=MAX_REPROMPT_AUDIO_S)
