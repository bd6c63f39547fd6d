"""Behaviour of the SSML speech builder and checker (skill/speech.py)."""

from __future__ import annotations

import math
import re
from xml.etree import ElementTree as ET

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from skill.speech import (
    MAX_AUDIO_S,
    MAX_BREAK_S,
    MAX_REPROMPT_AUDIO_S,
    MAX_SSML_CHARS,
    SOFT_RATE,
    WORDS_PER_SECOND,
    SpeechBuilder,
    Style,
    escape,
    estimate_seconds,
    estimate_ssml_seconds,
    plain,
    validate_reprompt,
    validate_ssml,
)

# -- helpers ---------------------------------------------------------------------------


def _parse(ssml: str) -> ET.Element:
    return ET.fromstring(ssml)


def _break_seconds(element: ET.Element) -> float:
    match = re.fullmatch(r"(\d+)(ms|s)", element.attrib["time"])
    assert match is not None, element.attrib
    return int(match.group(1)) / (1000 if match.group(2) == "ms" else 1)


def _timed_breaks(ssml: str) -> list[float]:
    return [_break_seconds(b) for b in _parse(ssml).iter("break") if "time" in b.attrib]


def _is_xml_char(ch: str) -> bool:
    """XML 1.0 production [2] Char, minus DEL/C1 controls (never spoken)."""
    cp = ord(ch)
    if cp in (0x9, 0xA, 0xD):
        return True
    if 0x7F <= cp <= 0x9F:
        return False
    return 0x20 <= cp <= 0xD7FF or 0xE000 <= cp <= 0xFFFD or 0x10000 <= cp <= 0x10FFFF


def _spoken(text: str) -> str:
    """What the tree's text should be for ``text``: legal chars, whitespace normalised."""
    return " ".join("".join(ch for ch in text if _is_xml_char(ch)).split())


def _tree_text(ssml: str) -> str:
    return " ".join("".join(_parse(ssml).itertext()).split())


# -- escaping --------------------------------------------------------------------------


@pytest.mark.parametrize("char", ["&", "<", ">", '"', "'"])
def test_each_markup_character_is_escaped_and_round_trips(char: str) -> None:
    escaped = escape(f"a{char}b")
    assert char not in re.sub(r"&(amp|lt|gt|quot|apos);", "", escaped)
    assert _parse(f"<speak>{escaped}</speak>").text == f"a{char}b"
    # Attribute context too: quotes must not end an attribute value.
    assert _parse(f"<speak x=\"{escaped}\" y='{escaped}'/>").attrib == {
        "x": f"a{char}b",
        "y": f"a{char}b",
    }


def test_cdata_end_marker_is_escaped() -> None:
    escaped = escape("x ]]> y")
    assert "]]>" not in escaped
    assert _parse(f"<speak>{escaped}</speak>").text == "x ]]> y"


def test_existing_entities_are_escaped_again_not_trusted() -> None:
    assert _parse(f"<speak>{escape('&amp; &lt;')}</speak>").text == "&amp; &lt;"


@pytest.mark.parametrize(
    "bad", ["\x00", "\x08", "\x0b", "\x0c", "\x1b", "\x1f", "\x7f", "\x85", "\ud800", "\ufffe"]
)
def test_characters_illegal_or_control_in_xml_are_dropped(bad: str) -> None:
    escaped = escape(f"a{bad}b")
    assert escaped == "ab"
    assert _parse(f"<speak>{escaped}</speak>").text == "ab"


def test_tab_and_newline_survive_escaping() -> None:
    assert escape("a\tb\nc\r") == "a\tb\nc\r"


@pytest.mark.parametrize("text", ["Schlaf gut 😴", "Ça va — très bien", "股骨", "🏳️‍🌈 ok"])
def test_unicode_and_emoji_are_kept(text: str) -> None:
    assert escape(text) == text
    speech = plain(text)
    assert _tree_text(speech.ssml) == " ".join(text.split())


def test_builder_escapes_ssml_injection_attempts() -> None:
    hostile = '</speak><audio src="https://evil.example/x.mp3"/><speak>'
    speech = SpeechBuilder().say(hostile).build()
    root = _parse(speech.ssml)
    assert [e.tag for e in root.iter()] == ["speak"]
    assert root.text == hostile
    assert speech.text == hostile


# -- pauses ----------------------------------------------------------------------------


@pytest.mark.parametrize("seconds", [0.5, 10.0, 10.5, 25.0, 240.0, 3.25, 19.999])
def test_pause_becomes_chain_of_breaks_each_at_most_ten_seconds(seconds: float) -> None:
    speech = SpeechBuilder().pause(seconds).build()
    breaks = _timed_breaks(speech.ssml)
    assert all(0 < b <= MAX_BREAK_S for b in breaks)
    assert sum(breaks) == pytest.approx(seconds, abs=1e-3)
    assert len(breaks) == math.ceil(seconds / MAX_BREAK_S)
    assert speech.seconds == pytest.approx(seconds, abs=1e-3)
    assert validate_ssml(speech.ssml) == []


def test_fractional_pauses_use_milliseconds() -> None:
    ssml = SpeechBuilder().pause(10.5).pause(0.25).build().ssml
    times = [b.attrib["time"] for b in _parse(ssml).iter("break")]
    assert times[-2:] == ["500ms", "250ms"]
    assert all(re.fullmatch(r"\d+(s|ms)", t) for t in times)


@pytest.mark.parametrize("seconds", [0.0, 0.0001, -1.0, float("nan"), float("inf"), -math.inf])
def test_zero_negative_and_non_finite_pauses_add_nothing(seconds: float) -> None:
    speech = SpeechBuilder().say("before").pause(seconds).say("after").build()
    assert list(_parse(speech.ssml).iter("break")) == []
    assert not speech.truncated
    assert speech.seconds == pytest.approx(estimate_seconds("before after"), abs=1e-3)


def test_paragraph_is_a_boundary_between_content_only() -> None:
    builder = SpeechBuilder().paragraph().say("one").paragraph().paragraph().say("two").paragraph()
    speech = builder.build()
    breaks = list(_parse(speech.ssml).iter("break"))
    # Leading, doubled and trailing boundaries would only be dead air.
    assert [b.attrib for b in breaks] == [{"strength": "x-strong"}]
    assert speech.text == "one\n\ntwo"


# -- plain text ------------------------------------------------------------------------


def test_plain_text_has_no_markup_and_shows_long_pauses_as_ellipsis() -> None:
    speech = (
        SpeechBuilder()
        .pause(3)
        .say("Lie on your back & breathe.")
        .pause(5)
        .say("Now turn.")
        .pause(0.3)
        .say("Slowly.")
        .pause(12)
        .build()
    )
    assert speech.text == "Lie on your back & breathe. … Now turn. Slowly."
    assert "<" not in speech.text and "&amp;" not in speech.text


def test_plain_text_collapses_whitespace_and_drops_control_characters() -> None:
    speech = SpeechBuilder().say("  one\n\t two\x00 ").say("\x1b three").build()
    assert speech.text == "one two three"


def test_paragraph_wins_over_pause_in_plain_text() -> None:
    speech = SpeechBuilder().say("a").pause(4).paragraph().pause(4).say("b").build()
    assert speech.text == "a\n\nb"


def test_empty_and_whitespace_text_is_ignored() -> None:
    speech = SpeechBuilder().say("").say("   \n ").say("\x00\x01").build()
    assert speech.ssml == "<speak></speak>"
    assert speech.text == ""
    assert speech.seconds == 0
    assert not speech.truncated


# -- duration estimate -----------------------------------------------------------------


def test_estimate_scales_with_word_count_and_rate() -> None:
    ten = " ".join(["rest"] * 10)
    assert estimate_seconds(ten) == pytest.approx(10 / WORDS_PER_SECOND)
    assert estimate_seconds(ten + " " + ten) == pytest.approx(2 * estimate_seconds(ten))
    assert estimate_seconds(ten, rate=0.5) == pytest.approx(2 * estimate_seconds(ten))


def test_estimate_counts_long_words_and_numbers_as_more_than_one_word() -> None:
    assert estimate_seconds("anti-inflammatory") > estimate_seconds("hip")
    assert estimate_seconds("240") > estimate_seconds("hip")


def test_estimate_ignores_punctuation_only_tokens() -> None:
    assert estimate_seconds("") == 0
    assert estimate_seconds(" … — !! ") == 0
    assert estimate_seconds("rest … rest") == estimate_seconds("rest rest")


@pytest.mark.parametrize("rate", [0.0, -1.0, float("nan"), float("inf")])
def test_estimate_rejects_nonsense_rates(rate: float) -> None:
    with pytest.raises(ValueError):
        estimate_seconds("rest", rate=rate)


def test_speech_seconds_is_text_plus_pauses() -> None:
    speech = SpeechBuilder().say("Bend your knee.").pause(7.5).say("Relax.").build()
    expected = estimate_seconds("Bend your knee.") + 7.5 + estimate_seconds("Relax.")
    assert speech.seconds == pytest.approx(expected, abs=1e-3)
    assert estimate_ssml_seconds(speech.ssml) == pytest.approx(speech.seconds, abs=1e-3)


# -- soft style ------------------------------------------------------------------------


def test_soft_style_wraps_everything_in_quiet_slow_prosody() -> None:
    speech = SpeechBuilder(style="soft").say("Sleep well.").pause(2).say("Goodnight.").build()
    root = _parse(speech.ssml)
    assert len(root) == 1 and root.text is None
    prosody = root[0]
    assert prosody.tag == "prosody"
    assert prosody.attrib == {"volume": "soft", "rate": f"{round(SOFT_RATE * 100)}%"}
    assert len(list(prosody.iter("break"))) == 1
    assert validate_ssml(speech.ssml) == []


def test_soft_style_is_estimated_slower_but_pauses_are_not_stretched() -> None:
    text = "Let the top knee rest on a pillow."
    normal = SpeechBuilder().say(text).pause(5).build()
    soft = SpeechBuilder(style="soft").say(text).pause(5).build()
    assert soft.seconds - 5 == pytest.approx((normal.seconds - 5) / SOFT_RATE, abs=1e-3)
    assert estimate_ssml_seconds(soft.ssml) == pytest.approx(soft.seconds, abs=1e-3)


def test_empty_soft_speech_has_no_wrapper() -> None:
    assert SpeechBuilder(style="soft").build().ssml == "<speak></speak>"


def test_unknown_style_is_rejected() -> None:
    with pytest.raises(ValueError):
        SpeechBuilder(style="loud")  # type: ignore[arg-type]


# -- truncation ------------------------------------------------------------------------


@pytest.mark.parametrize("style", ["normal", "soft"])
def test_character_limit_counts_the_wrappers_exactly(style: Style) -> None:
    text = "a & b"
    exact = len(SpeechBuilder(style=style).say(text).build().ssml)
    fits = SpeechBuilder(style=style, max_chars=exact).say(text).build()
    assert not fits.truncated and len(fits.ssml) == exact
    short = SpeechBuilder(style=style, max_chars=exact - 1).say(text).build()
    assert short.truncated
    assert short.ssml == "<speak></speak>"


def test_character_limit_stops_at_last_whole_segment_and_ignores_later_ones() -> None:
    builder = SpeechBuilder()
    # Markup-heavy and nearly silent, so the character limit is reached before the audio one.
    sentence = "<&> " * 10 + "Rest. "
    added = 0
    while builder.fits(sentence):
        builder.say(sentence)
        added += 1
    builder.say(sentence).say("tiny")  # the first is refused, so is everything after
    speech = builder.build()
    assert speech.truncated
    assert len(speech.ssml) <= MAX_SSML_CHARS
    assert len(speech.ssml) + len(escape(sentence.strip())) + 1 > MAX_SSML_CHARS
    assert _tree_text(speech.ssml) == " ".join([sentence.strip()] * added)
    assert "tiny" not in speech.text
    assert validate_ssml(speech.ssml) == []


def test_entity_heavy_text_is_never_cut_inside_an_entity() -> None:
    # "&" becomes 5 characters; a naive cut at 8000 would split "&amp;".
    speech = SpeechBuilder().say("&" * 1000).say("&" * 1000).build()
    assert speech.truncated
    assert _tree_text(speech.ssml) == "&" * 1000


def test_text_longer_than_the_limit_is_dropped_whole() -> None:
    speech = SpeechBuilder().say("hello").say("x " * 5000).build()
    assert speech.truncated
    assert _tree_text(speech.ssml) == "hello"


def test_audio_limit_stops_at_last_whole_segment() -> None:
    builder = SpeechBuilder(max_seconds=30).say("Hold.").pause(25)
    left = builder.remaining_seconds()
    assert left == pytest.approx(30 - 25 - estimate_seconds("Hold."), abs=1e-3)
    assert not builder.fits(pause=left + 0.01)
    assert builder.fits(pause=left - 0.01)
    speech = builder.pause(left + 0.01).say("Release.").build()
    assert speech.truncated
    assert speech.seconds <= 30
    assert speech.text == "Hold."
    assert builder.remaining_seconds() == 0


def test_full_240_second_hold_fits_the_default_budget_but_no_more() -> None:
    exact = SpeechBuilder().pause(MAX_AUDIO_S).build()
    assert not exact.truncated and exact.seconds == MAX_AUDIO_S
    assert len(_timed_breaks(exact.ssml)) == MAX_AUDIO_S / MAX_BREAK_S
    over = SpeechBuilder().pause(MAX_AUDIO_S + 0.01).build()
    assert over.truncated and over.ssml == "<speak></speak>"


def test_long_hold_can_be_split_across_responses_with_remaining_seconds() -> None:
    hold = 600.0
    left = hold
    responses = []
    while left > 0:
        builder = SpeechBuilder().say("Keep holding.")
        chunk = min(left, builder.remaining_seconds())
        builder.pause(chunk)
        responses.append(builder.build())
        left -= chunk
    assert all(not r.truncated and validate_ssml(r.ssml) == [] for r in responses)
    assert sum(sum(_timed_breaks(r.ssml)) for r in responses) == pytest.approx(hold, abs=0.01)


def test_budget_cannot_be_raised_above_platform_limits() -> None:
    speech = SpeechBuilder(max_seconds=1000, max_chars=100_000).pause(300).build()
    assert speech.truncated
    long_text = SpeechBuilder(max_seconds=1000, max_chars=100_000).say("a " * 4500).build()
    assert long_text.truncated


def test_reprompt_builder_is_held_to_ninety_seconds() -> None:
    ok = SpeechBuilder.for_reprompt().pause(MAX_REPROMPT_AUDIO_S).build()
    assert not ok.truncated and validate_reprompt(ok.ssml) == []
    over = SpeechBuilder.for_reprompt(style="soft").say("Still there?").pause(90).build()
    assert over.truncated


def test_fits_is_false_once_truncated() -> None:
    builder = SpeechBuilder(max_seconds=1).pause(2)
    assert builder.truncated
    assert not builder.fits()
    assert builder.remaining_chars() == 0


# -- validate_ssml ---------------------------------------------------------------------


def test_validate_accepts_alexa_ssml_with_amazon_prefixed_tags() -> None:
    ssml = '<speak><amazon:effect name="whispered">Shh.</amazon:effect><p>Done.</p></speak>'
    assert validate_ssml(ssml) == []


@pytest.mark.parametrize(
    ("ssml", "problem"),
    [
        ("<speak>unclosed", "well-formed"),
        ("plain text", "well-formed"),
        ("<speak>a & b</speak>", "well-formed"),
        ("<say>hi</say>", "root"),
        ('<speak><break time="10.5s"/></speak>', "exceeds 10"),
        ('<speak><break time="11000ms"/></speak>', "exceeds 10"),
        ('<speak><break time="soon"/></speak>', "break time"),
        ('<speak><break strength="huge"/></speak>', "strength"),
        ("<speak><script>x</script></speak>", "not supported"),
        ('<speak><prosody rate="5%">x</prosody></speak>', "rate"),
        ('<!DOCTYPE speak [<!ENTITY e "x">]><speak>&e;</speak>', "DOCTYPE"),
        ("<speak>" + "word " * 1700 + "</speak>", "characters"),
    ],
)
def test_validate_reports_problems(ssml: str, problem: str) -> None:
    problems = validate_ssml(ssml)
    assert any(problem in p for p in problems), problems


def test_validate_reports_audio_over_the_limit() -> None:
    ssml = "<speak>" + '<break time="10s"/>' * 25 + "</speak>"
    assert any("exceeds the 240" in p for p in validate_ssml(ssml))
    ninety_plus = "<speak>" + '<break time="10s"/>' * 10 + "</speak>"
    assert validate_ssml(ninety_plus) == []
    assert any("exceeds the 90" in p for p in validate_reprompt(ninety_plus))


def test_validate_counts_slow_prosody_as_longer_audio() -> None:
    words = "rest " * 200
    normal = f"<speak>{words}</speak>"
    slow = f'<speak><prosody rate="50%">{words}</prosody></speak>'
    assert estimate_ssml_seconds(slow) == pytest.approx(2 * estimate_ssml_seconds(normal))


# -- properties ------------------------------------------------------------------------

_FRAGMENTS = [
    '<audio src="https://example.com/a.mp3"/>',
    "</speak>",
    "<speak>",
    "&amp;",
    "&#x0;",
    "]]>",
    "<![CDATA[x]]>",
    '<break time="99s"/>',
    "<!-- c -->",
    "\x00",
    "\x1b[31m",
    "\ud800",
    "\ufffe",
    "😴",
    "'\"",
    "\n\t",
]

_texts = st.one_of(
    st.text(),
    st.lists(st.sampled_from(_FRAGMENTS + list("ab <>&;'\"")), max_size=20).map("".join),
    # Long inputs, built by repetition because generating 10,000 characters is slow.
    st.builds(lambda s, n: s * n, st.text(min_size=1, max_size=10), st.integers(100, 10_000)),
)
_pauses = st.one_of(
    st.floats(min_value=0, max_value=300),
    st.floats(allow_nan=True, allow_infinity=True),
)
_ops = st.lists(
    st.one_of(
        st.tuples(st.just("say"), _texts),
        st.tuples(st.just("pause"), _pauses),
        st.tuples(st.just("paragraph"), st.none()),
    ),
    max_size=40,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ops=_ops, style=st.sampled_from(["normal", "soft"]))
def test_any_sequence_of_operations_yields_valid_bounded_ssml(
    ops: list[tuple[str, object]], style: Style
) -> None:
    builder = SpeechBuilder(style=style)
    said: list[str] = []
    for name, arg in ops:
        if name == "say":
            assert isinstance(arg, str)
            builder.say(arg)
            if _spoken(arg):
                said.append(_spoken(arg))
        elif name == "pause":
            assert isinstance(arg, float)
            builder.pause(arg)
        else:
            builder.paragraph()
    speech = builder.build()

    root = _parse(speech.ssml)
    assert root.tag == "speak"
    allowed = {"speak", "break"} | ({"prosody"} if style == "soft" else set())
    assert {e.tag for e in root.iter()} <= allowed
    assert len(speech.ssml) <= MAX_SSML_CHARS
    assert all(b <= MAX_BREAK_S for b in _timed_breaks(speech.ssml))
    assert 0 <= speech.seconds <= MAX_AUDIO_S
    assert speech.seconds == pytest.approx(estimate_ssml_seconds(speech.ssml), abs=0.01)
    assert validate_ssml(speech.ssml) == []

    # All input text is character data: the spoken text is a prefix of what was said,
    # all of it unless something was refused.
    prefixes = {" ".join(said[:k]) for k in range(len(said) + 1)}
    assert _tree_text(speech.ssml) in prefixes
    if not speech.truncated:
        assert _tree_text(speech.ssml) == " ".join(said)


@settings(max_examples=200, deadline=None)
@given(text=_texts)
def test_escaped_text_parses_back_to_the_legal_characters(text: str) -> None:
    root = _parse(f"<speak>{escape(text)}</speak>")
    expected = "".join(ch for ch in text if _is_xml_char(ch))
    # XML parsers normalise CR and CRLF to LF.
    assert (root.text or "") == expected.replace("\r\n", "\n").replace("\r", "\n")
    assert len(root) == 0


@settings(max_examples=200, deadline=None)
@given(seconds=st.floats(min_value=0, max_value=MAX_AUDIO_S))
def test_any_pause_within_budget_is_kept_whole(seconds: float) -> None:
    speech = SpeechBuilder().pause(seconds).build()
    assert not speech.truncated
    assert sum(_timed_breaks(speech.ssml)) == pytest.approx(seconds, abs=5e-4)
