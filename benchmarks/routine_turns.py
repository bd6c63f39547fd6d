"""Words and speaking time of every routine turn (issue 15: daytime turns under ~45 s).

    .venv/bin/python -m benchmarks.routine_turns [--markdown]

Runs each routine start to finish ("next" after every turn) through the development
matcher and the real runtime, on a fixed clock and a throwaway store, and prints per
turn: words spoken, speaking time (``skill.speech.estimate_seconds``: 2.6 words a
second, long words count more; about 156 wpm), the timed silence of the holds, and
the whole audio. It also counts how often the full pain-monitoring rule is said.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from skill.builder import build_skill
from skill.content import default_library
from skill.conversation import Conversation
from skill.deps import Deps
from skill.envelopes import Caller
from skill.matcher import Matcher
from skill.models import load_model, slot_types
from skill.runtime import SkillRuntime
from skill.settings import load_settings
from skill.speech import estimate_seconds, estimate_ssml_seconds
from skill.store.patch import diff
from skill.store.sqlite import SqliteStore

NOW = datetime(2026, 3, 10, 10, 0, tzinfo=UTC)  # daytime: the normal voice
_BREAK = re.compile(r'<break time="(\d+(?:\.\d+)?)(ms|s)"/>')
# The full pain-monitoring rule's middle band, said only where the whole rule is.
PAIN_RULE = re.compile(r"4 or 5", re.I)


@dataclass(frozen=True)
class Case:
    name: str
    say: str  # what starts the routine
    seed: Mapping[str, Any]  # stored namespaces before the first turn


SIX_WEEKS_AGO = "2026-01-27"
CASES = (
    Case("bedtime, first routine", "start my bedtime stretches", {}),
    Case(
        "bedtime, left hip sore",
        "start my bedtime stretches",
        {"profile": {"v": 1, "painful_side": "left", "launches": 1}},
    ),
    Case("strengthening, first session", "do my hip strengthening", {}),
    Case(
        "strengthening, week 6, left hip sore",
        "do my hip strengthening",
        {
            "profile": {"v": 1, "painful_side": "left", "launches": 1},
            "routine": {"v": 1, "strength_started": SIX_WEEKS_AGO},
        },
    ),
    Case(
        "strengthening, week 6, both hips sore",
        "do my hip strengthening",
        {
            "profile": {"v": 1, "painful_side": "both", "launches": 1},
            "routine": {"v": 1, "strength_started": SIX_WEEKS_AGO},
        },
    ),
    Case(
        "strengthening, week 6, side not known",
        "do my hip strengthening",
        {"routine": {"v": 1, "strength_started": SIX_WEEKS_AGO}},
    ),
)


@dataclass(frozen=True)
class TurnFigures:
    words: int
    speech_s: float
    silence_s: float
    audio_s: float
    pain_rules: int


def silence(ssml: str) -> float:
    return sum(float(v) / (1000 if unit == "ms" else 1) for v, unit in _BREAK.findall(ssml))


def run_case(case: Case, data_dir: Path) -> list[TurnFigures]:
    store = SqliteStore(data_dir / f"{abs(hash(case.name))}.db")
    try:
        caller = Caller()
        if case.seed:
            store.update(caller.user_id, diff({}, dict(case.seed)))
        deps = Deps(
            settings=load_settings(dev=True, data_dir=data_dir),
            store=store,
            content=default_library(),
            clock=lambda: NOW,
        )
        model = load_model("en-US")
        convo = Conversation(
            runtime=SkillRuntime(build_skill(deps)),
            matcher=Matcher(model),
            caller=caller,
            clock=lambda: NOW,
            slot_types=slot_types(model),
        )
        exchanges = [convo.say(case.say)]
        while not exchanges[-1].ended and len(exchanges) < 40:
            exchanges.append(convo.say("next"))
        return [
            TurnFigures(
                words=len(e.text.split()),
                speech_s=estimate_seconds(e.text),
                silence_s=silence(e.ssml),
                audio_s=estimate_ssml_seconds(e.ssml),
                pain_rules=len(PAIN_RULE.findall(e.text)),
            )
            for e in exchanges
        ]
    finally:
        store.close()


def report(markdown: bool = False) -> Iterator[str]:
    with tempfile.TemporaryDirectory() as tmp:
        for case in CASES:
            turns = run_case(case, Path(tmp))
            longest = max(t.speech_s for t in turns)
            total = sum(t.audio_s for t in turns)
            rules = sum(t.pain_rules for t in turns)
            yield (
                f"{'### ' if markdown else ''}{case.name}: {len(turns)} turns, "
                f"longest speech {longest:.0f} s, whole routine {total / 60:.1f} min, "
                f"full pain rule said {rules}x"
            )
            if markdown:
                yield ""
                yield "| turn | words | speech s | silence s | audio s |"
                yield "|---:|---:|---:|---:|---:|"
            for i, t in enumerate(turns, 1):
                cells = (i, t.words, f"{t.speech_s:.0f}", f"{t.silence_s:.0f}", f"{t.audio_s:.0f}")
                if markdown:
                    yield "| " + " | ".join(map(str, cells)) + " |"
                else:
                    yield "  turn {:>2}: {:>3} words, speech {:>3} s, silence {:>3} s, " \
                        "audio {:>3} s".format(*cells)
            yield ""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--markdown", action="store_true", help="tables for docs/clinical.md")
    args = parser.parse_args(argv)
    for line in report(args.markdown):
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
