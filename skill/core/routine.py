"""The guided-routine state machine (pure: no Flask, no ask-sdk, clock passed in).

``transition(state, event, now, setup) -> Outcome``: the new state plus *acts*, what
to say as content keys, move texts and pauses. The handler words the acts through
``turn.voice`` and the speech builder; nothing here produces SSML or English.

A routine is a list of moves; a two-sided move is done one side per response. A
move's work is a number of *blocks* (one timed hold, or one set of repetitions).
Holds are real silence: pauses of at most ~15 s with a soft cue between them, so
the speech builder turns each into a chain of ≤ 10 s breaks. A response is kept
within an audio budget; blocks that do not fit continue in the next response.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from skill.core.routine_content import MoveField, MoveSpec, RoutineLibrary
from skill.core.routine_history import (
    HISTORY_KEY,
    HISTORY_LIMIT,
    age_key,
    history_of,
)
from skill.speech import SOFT_RATE, estimate_seconds

STATE_VERSION = 1
RESUME_WINDOW = timedelta(hours=12)
# Alexa allows 240 s of audio; keep a margin for estimate error and the night voice.
AUDIO_BUDGET_S = 200.0
# Conservative allowances for phrase keys, whose wording the core does not see.
CUE_ALLOWANCE_S = 3.0
LINE_ALLOWANCE_S = 10.0
CUE_EVERY_S = 15.0
REST_BETWEEN_S = 3.0
HOLD_SCALES = (0.5, 0.75, 1.0, 1.25, 1.5, 2.0)
# The longer-holds preference is for the bedtime stretches only (ACSM: 10-30 s, up to
# 60 s for older adults; kept to about 40 s in bed); strengthening doses stay as set.
MIN_HOLD_S, MAX_HOLD_S = 5.0, 40.0
SCALED_ROUTINES = frozenset({"bedtime"})
# Routines whose opening (the pain-monitoring rule, news of a new move) is a turn of
# its own, so no turn's speech runs past ~45 s (issue 15).
BRIEFED_ROUTINES = frozenset({"strengthening"})
# Prune only once the history is this far over the limit, so most records cost no sort.
HISTORY_SLACK = 40

Side = Literal["left", "right"]
# "ready": the briefing was said, the first move not yet (BRIEFED_ROUTINES).
Phase = Literal["ready", "running", "paused", "hurt", "stopped", "done"]
EventName = Literal[
    "next",
    "previous",
    "repeat",
    "pause",
    "resume",
    "start_over",
    "progress",
    "other_side",
    "hurts",
    "accept_gentler",
    "decline_gentler",
    "stop",
    "session_end",
]


# -- acts ------------------------------------------------------------------------


@dataclass(frozen=True)
class Line:
    """A phrase from content (routine_phrases.yaml) with its parameters."""

    key: str
    params: tuple[tuple[str, str], ...] = ()

    @staticmethod
    def of(key: str, **params: object) -> Line:
        return Line(key, tuple((k, str(v)) for k, v in params.items()))


@dataclass(frozen=True)
class MoveLine:
    """A field of a move from the routines section, for the given working side."""

    move: str
    field: MoveField
    side: Side | None = None


@dataclass(frozen=True)
class Rest:
    """Silence; the speech builder chains it into breaks of at most 10 s."""

    seconds: float


Act = Line | MoveLine | Rest


@dataclass(frozen=True)
class Start:
    routine: str


Event = EventName | Start


# -- state -----------------------------------------------------------------------


class RoutineState(BaseModel):
    """Where the user is. Stored in the session and mirrored to persistent state."""

    # Schema built on first validation: a launch with no routine saved never needs it.
    model_config = ConfigDict(extra="forbid", defer_build=True)
    v: Literal[1] = 1
    routine: str
    # Resolved at start, so content or progression changes cannot shift the place.
    moves: list[str] = Field(min_length=1)
    move: int = Field(default=0, ge=0)
    side: int = Field(default=0, ge=0, le=1)
    block: int = Field(default=0, ge=0)  # first block of the chunk last delivered
    resume_block: int | None = Field(default=None, ge=1)  # cut by the audio budget
    first_side: Side = "left"
    painful_known: bool = False
    # Both hips sore: side-lying moves were swapped for their ``both_sore`` moves.
    both_sore: bool = False
    hurt: list[str] = Field(default_factory=list)  # base ids the user said hurt this run
    gentler: list[str] = Field(default_factory=list)  # base ids swapped this run
    done: list[str] = Field(default_factory=list)  # base ids fully delivered
    phase: Phase = "running"
    started: datetime
    updated: datetime


def load_state(raw: Any, library: RoutineLibrary) -> tuple[RoutineState | None, bool]:
    """(state, damaged). Old versions, bad shapes and unknown moves are damage."""
    if raw is None:
        return None, False
    try:
        state = RoutineState.model_validate(raw)
    except ValidationError:
        return None, True
    routine = library.routines.get(state.routine)
    if (
        routine is None
        or state.move >= len(state.moves)
        or any(m not in library.moves for m in state.moves)
        or any(m not in library.moves for m in state.gentler)
    ):
        return None, True
    return state, False


def dump_state(state: RoutineState) -> dict[str, Any]:
    return state.model_dump(mode="json")


# -- setup and outcome -----------------------------------------------------------


@dataclass(frozen=True)
class Setup:
    library: RoutineLibrary
    hold_scale: float = 1.0
    painful_side: Literal["left", "right", "both"] | None = None
    remembered_gentler: frozenset[str] = frozenset()
    week: int = 0  # weeks since strengthening began (progression)
    # Strengthening moves unlocked by tolerance (skill.core.progression); None: by the
    # calendar alone. ``added``: the move that joins today, announced at the start.
    strength_count: int | None = None
    added: str | None = None
    held: bool = False  # a move is due but waits: the last session hurt
    # The user has never heard the general-guidance and after-surgery line.
    caution: bool = False


@dataclass
class Outcome:
    state: RoutineState | None
    acts: list[Act] = field(default_factory=list)
    reprompt: list[Act] = field(default_factory=list)
    end_session: bool = False
    # A stopped or finished routine is recorded for the check-in.
    record: bool = False
    # The question just asked ("routine.hurt"), for the yes/no hooks.
    expect: str | None = None
    # A move the user found painful: start with its gentler version next time.
    remember_gentler: str | None = None

    @property
    def open(self) -> bool:
        return not self.end_session


# -- pure helpers ------------------------------------------------------------------


def clamp_scale(scale: float) -> float:
    if not math.isfinite(scale):
        return 1.0
    return min(HOLD_SCALES, key=lambda s: abs(s - scale))


def adjust_scale(scale: float, direction: Literal["shorter", "longer"]) -> tuple[float, bool]:
    """One step shorter or longer; (new scale, whether it changed)."""
    i = HOLD_SCALES.index(clamp_scale(scale))
    j = max(0, i - 1) if direction == "shorter" else min(len(HOLD_SCALES) - 1, i + 1)
    return HOLD_SCALES[j], i != j


def scale_for(routine: str, scale: float) -> float:
    """The user's hold preference where it applies (bedtime), else the content's dose."""
    return clamp_scale(scale) if routine in SCALED_ROUTINES else 1.0


def hold_seconds(spec: MoveSpec, scale: float) -> float:
    """A hold from content, scaled by the user's preference, within safe bounds."""
    if spec.kind != "hold":
        return 0.0
    return float(min(MAX_HOLD_S, max(MIN_HOLD_S, round(spec.hold_s * clamp_scale(scale)))))


def block_count(spec: MoveSpec) -> int:
    return spec.reps if spec.kind == "hold" else 1


def chunks(seconds: float) -> list[float]:
    """Split a hold into pieces of at most ~15 s, an even count so halfway is a seam."""
    if seconds <= 0:
        return []
    k = math.ceil(seconds / CUE_EVERY_S - 1e-9)
    if k > 1 and k % 2:
        k += 1
    piece = math.floor(seconds / k * 1000) / 1000  # whole milliseconds, as breaks are
    out = [piece] * (k - 1)
    out.append(round(seconds - piece * (k - 1), 3))
    return out


def timed_silence(seconds: float, cue: str) -> list[Act]:
    """``seconds`` of silence with ``cue`` (or "halfway" at the middle) between pieces."""
    pieces = chunks(seconds)
    acts: list[Act] = []
    for i, piece in enumerate(pieces):
        if i:
            acts.append(Line.of("routine.cue.halfway" if i * 2 == len(pieces) else cue))
        acts.append(Rest(piece))
    return acts


def block_acts(spec: MoveSpec, index: int, scale: float) -> list[Act]:
    if spec.kind == "hold":
        acts: list[Act] = []
        if index:
            acts += [Rest(REST_BETWEEN_S), Line.of("routine.cue.again")]
        acts.append(Line.of("routine.cue.hold" if spec.cue == "hold" else "routine.cue.breathe"))
        acts += timed_silence(hold_seconds(spec, scale), "routine.cue.breath")
        acts.append(Line.of("routine.cue.release"))
        return acts
    return [
        Line.of("routine.cue.begin_reps", reps=spec.reps),
        *timed_silence(spec.reps * spec.pace_s, "routine.cue.keep_going"),
        Line.of("routine.cue.rest"),
    ]


def estimate_acts(acts: list[Act], library: RoutineLibrary) -> float:
    """Seconds of audio the acts may take, erring long (night voice is slower)."""
    total = 0.0
    for act in acts:
        if isinstance(act, Rest):
            total += act.seconds
        elif isinstance(act, MoveLine):
            text = library.moves[act.move].text(act.field, act.side)
            total += estimate_seconds(text, SOFT_RATE)
        else:
            total += CUE_ALLOWANCE_S if act.key.startswith("routine.cue.") else LINE_ALLOWANCE_S
    return total


def first_side(painful: str | None) -> tuple[Side, bool]:
    """The side to start on, and whether it is the one that doesn't hurt."""
    if painful == "left":
        return "right", True
    if painful == "right":
        return "left", True
    return "left", False


def _other(side: Side) -> Side:
    return "right" if side == "left" else "left"


def effective_move(state: RoutineState, library: RoutineLibrary) -> str:
    base = state.moves[state.move]
    gentler = library.moves[base].gentler
    mid = gentler if base in state.gentler and gentler is not None else base
    instead = library.moves[mid].both_sore
    # A gentler version done lying on one hip is no gentler when both hips are sore.
    return instead if state.both_sore and instead is not None else mid


def side_count(state: RoutineState, spec: MoveSpec) -> int:
    """Sides delivered for this move: a side-lying move with a known sore side is done
    with the sore leg on top only, since the other side means lying on the sore hip."""
    if not spec.two_sided or (spec.side_lying and state.painful_known):
        return 1
    return 2


def working_side(state: RoutineState, spec: MoveSpec | None = None) -> Side:
    """The leg that works on this side of the move. ``first_side`` is the side that
    doesn't hurt; a side-lying move (``spec.side_lying``) starts with the sore leg
    on top instead, so the user first lies on the good hip."""
    first = state.first_side
    if spec is not None and spec.side_lying and state.painful_known:
        first = _other(first)
    return first if state.side == 0 else _other(first)


def side_line(state: RoutineState, spec: MoveSpec, side: Side) -> Line:
    """Which side comes now, worded for how the user lies."""
    if spec.side_lying:
        if state.painful_known:
            return Line.of("routine.side.only_lying_sore")
        when = "first" if state.side == 0 else "second"
        return Line.of(f"routine.side.{when}_lying", side=side)
    if state.side == 1:
        return Line.of("routine.side.second", side=side)
    if state.painful_known:
        return Line.of("routine.side.first_good", side=side)
    return Line.of("routine.side.first", side=side)


# -- transitions -----------------------------------------------------------------


def _touch(state: RoutineState, now: datetime, **changes: Any) -> RoutineState:
    return state.model_copy(update={**changes, "updated": now})


def _deliver(
    state: RoutineState, setup: Setup, lead: Sequence[Act], *, named: bool = False
) -> Outcome:
    """Say the current step from ``state.block``, as far as the audio budget allows.
    ``named``: the lead already named the move ("Picking up at ..."), so no heading."""
    lib = setup.library
    mid = effective_move(state, lib)
    spec = lib.moves[mid]
    side = working_side(state, spec) if spec.two_sided else None
    scale = scale_for(state.routine, setup.hold_scale)
    acts: list[Act] = list(lead)
    if state.block == 0:
        if state.side == 0 and not named:
            acts.append(
                Line.of(
                    "routine.move.heading",
                    number=state.move + 1,
                    total=len(state.moves),
                    name=spec.name,
                )
            )
        if spec.two_sided and side is not None:
            acts.append(side_line(state, spec, side))
        # The second side is kept short, but a stop rule goes with every side.
        fields: tuple[MoveField, ...] = (
            ("start", "movement", "feel", "breath", "stop")
            if state.side == 0
            else ("movement", "breath", "stop")
        )
        # (After a break, the starting position is said again.)
        if state.side == 0 and state.move > 0 and state.block == 0 and not named:
            before = state.model_copy(update={"move": state.move - 1})
            if lib.moves[effective_move(before, lib)].start == spec.start:
                fields = fields[1:]  # same starting position as the last move: keep it short
        acts += [MoveLine(mid, f, side) for f in fields]
    elif not named:
        acts.append(Line.of("routine.continue", name=spec.name))
    used = estimate_acts(acts, lib) + CUE_ALLOWANCE_S + LINE_ALLOWANCE_S  # closing lines
    total_blocks = block_count(spec)
    cut: int | None = None
    for b in range(state.block, total_blocks):
        piece = block_acts(spec, b, scale)
        cost = estimate_acts(piece, lib)
        if b > state.block and used + cost > AUDIO_BUDGET_S:
            cut = b
            break
        acts += piece
        used += cost
    if cut is not None:
        new = state.model_copy(update={"resume_block": cut, "phase": "running"})
        closing = Line.of("routine.after.partial")
        return Outcome(new, [*acts, closing], [Line.of("routine.reprompt")])
    new = state.model_copy(update={"resume_block": None, "phase": "running"})
    last_side = state.side + 1 >= side_count(state, spec)
    if last_side:
        base = state.moves[state.move]
        if base not in new.done:
            new = new.model_copy(update={"done": [*new.done, base]})
        if state.move == len(state.moves) - 1:
            return _finish(new, acts)
    closing = Line.of("routine.after.move" if last_side else "routine.after.side")
    return Outcome(new, [*acts, closing], [Line.of("routine.reprompt")])


def _finish(state: RoutineState, acts: Sequence[Act]) -> Outcome:
    done = state.model_copy(update={"phase": "done", "resume_block": None})
    return Outcome(
        done,
        [*acts, Line.of(f"routine.finished.{state.routine}")],
        end_session=True,
        record=True,
    )


def _advance(state: RoutineState, setup: Setup, lead: Sequence[Act], now: datetime) -> Outcome:
    """On to the following step: the other side, the next move, or the end."""
    spec = setup.library.moves[effective_move(state, setup.library)]
    if state.side + 1 < side_count(state, spec):
        return _deliver(_touch(state, now, side=1, block=0), setup, lead)
    if state.move + 1 >= len(state.moves):
        return _finish(_touch(state, now), lead)
    return _deliver(_touch(state, now, move=state.move + 1, side=0, block=0), setup, lead)


def _skip(state: RoutineState, setup: Setup, lead: Sequence[Act], now: datetime) -> Outcome:
    """Leave the whole current move out (both sides) and go to the next one."""
    if state.move + 1 >= len(state.moves):
        return _finish(_touch(state, now), lead)
    moved = _touch(state, now, move=state.move + 1, side=0, block=0, resume_block=None)
    return _deliver(moved, setup, lead)


def _say(state: RoutineState | None, *keys: Line, reprompt: Line | None = None) -> Outcome:
    return Outcome(
        state,
        list(keys),
        [reprompt or Line.of("routine.reprompt")],
    )


def _none(key: str = "routine.none") -> Outcome:
    return Outcome(None, [Line.of(key)], [Line.of("routine.none.reprompt")])


def begin(routine: str, setup: Setup, now: datetime, lead: Sequence[Act] = ()) -> Outcome:
    lib = setup.library
    spec = lib.routines.get(routine)
    if spec is None:
        return Outcome(None, [Line.of("routine.unknown")], [Line.of("routine.unknown.reprompt")])
    moves = spec.move_ids(setup.week)
    if routine == "strengthening" and setup.strength_count is not None:
        moves = moves[: max(1, setup.strength_count)]
    both = setup.painful_side == "both"
    if both:
        # Side-lying would mean lying on a sore hip: each becomes its both_sore move
        # (once, however many it replaces).
        swapped = [lib.moves[m].both_sore or m for m in moves]
        moves = list(dict.fromkeys(swapped))
    side, known = first_side(setup.painful_side)
    gentler = [m for m in moves if m in setup.remembered_gentler and lib.moves[m].gentler]
    state = RoutineState(
        routine=routine,
        moves=moves,
        first_side=side,
        painful_known=known,
        both_sore=both,
        gentler=gentler,
        started=now,
        updated=now,
    )
    acts: list[Act] = list(lead)
    if setup.caution:
        acts.append(Line.of("routine.caution"))
    acts.append(Line.of(f"routine.intro.{routine}", count=len(moves)))
    if routine == "strengthening":
        # The full pain-monitoring rule, once per session; moves say the short form.
        acts.append(Line.of("routine.pain_rule"))
        new = lib.moves.get(setup.added or "")
        # With both hips sore a new side-lying move folds into the standing one: no news.
        if new is not None and not (both and new.side_lying):
            acts.append(Line.of("routine.progress.added", name=new.name))
        elif setup.held:
            acts.append(Line.of("routine.progress.held"))
    if gentler:
        acts.append(Line.of("routine.using_gentler"))
    if routine in BRIEFED_ROUTINES:
        ready = state.model_copy(update={"phase": "ready"})
        acts.append(Line.of("routine.intro.ready"))
        return Outcome(ready, acts, [Line.of("routine.reprompt")])
    return _deliver(state, setup, acts)


def resumable(state: RoutineState | None, now: datetime) -> bool:
    """A saved place worth offering: unfinished and from the last 12 hours."""
    return (
        state is not None
        and state.phase != "done"
        and timedelta(0) <= now - state.updated <= RESUME_WINDOW
    )


def transition(state: RoutineState | None, event: Event, now: datetime, setup: Setup) -> Outcome:
    """The routine's one entry point. Illegal events leave the state as it was."""
    lib = setup.library
    if isinstance(event, Start):
        return begin(event.routine, setup, now)
    if state is None:
        if event == "resume":
            return _none("routine.nothing_to_resume")
        if event in ("stop", "session_end"):
            return Outcome(None)
        if event == "hurts":
            reprompt = Line.of("routine.hurts_outside.reprompt")
            return Outcome(None, [Line.of("routine.hurts_outside")], [reprompt])
        return _none()

    if event == "session_end":
        if state.phase == "done":
            return Outcome(state)
        return Outcome(_touch(state, now, phase="stopped"), end_session=True, record=True)
    if event == "stop":
        if state.phase == "done":
            return Outcome(None)
        name = lib.moves[effective_move(state, lib)].name
        return Outcome(
            _touch(state, now, phase="stopped"),
            [Line.of("routine.stopped", name=name)],
            end_session=True,
            record=True,
        )
    if state.phase == "done":
        if event == "start_over":
            return _deliver(
                _touch(state, now, move=0, side=0, block=0, done=[], phase="running"),
                setup,
                [Line.of("routine.starting_over")],
            )
        if event == "resume":
            return _none("routine.nothing_to_resume")
        return _say(state, Line.of("routine.already_done"))

    if state.phase == "ready":
        if event in ("next", "resume", "start_over"):
            return _deliver(_touch(state, now, phase="running"), setup, [])
        if event == "repeat":
            return _say(state, Line.of("routine.pain_rule"), Line.of("routine.intro.ready"))
        if event == "hurts":
            # No move has begun, so none is marked as painful (that would hold back
            # progression); the general answer is given instead.
            return _say(state, Line.of("routine.hurts_outside"))
        # Anything else acts on the first move, as if it had begun.

    spec = lib.moves[effective_move(state, lib)]
    if state.phase == "hurt":
        if event in ("accept_gentler", "hurts"):
            event = "accept_gentler"
        elif event in ("decline_gentler", "next"):
            event = "decline_gentler"

    if event == "next":
        if state.resume_block is not None:
            return _deliver(_touch(state, now, block=state.resume_block), setup, [])
        return _advance(state, setup, [], now)
    if event == "previous":
        if state.side == 1:
            return _deliver(_touch(state, now, side=0, block=0), setup, [])
        if state.move == 0:
            return _say(state, Line.of("routine.at_first"))
        return _deliver(_touch(state, now, move=state.move - 1, side=0, block=0), setup, [])
    if event == "repeat":
        if state.phase == "hurt":
            name = lib.moves[spec.gentler].name if spec.gentler else spec.name
            return Outcome(
                state,
                [Line.of("routine.hurt.offer", name=name)],
                [Line.of("routine.hurt.reprompt")],
                expect="routine.hurt",
            )
        return _deliver(_touch(state, now), setup, [])
    if event == "pause":
        return Outcome(
            _touch(state, now, phase="paused"),
            [Line.of("routine.paused")],
            [Line.of("routine.paused.reprompt")],
        )
    if event == "resume":
        if now - state.updated > RESUME_WINDOW:
            name = lib.routines[state.routine].name
            return begin(state.routine, setup, now, [Line.of("routine.stale", routine=name)])
        lead = [Line.of("routine.resuming", name=spec.name)]
        return _deliver(_touch(state, now, phase="running"), setup, lead, named=True)
    if event == "start_over":
        fresh = _touch(state, now, move=0, side=0, block=0, resume_block=None, done=[])
        return _deliver(fresh, setup, [Line.of("routine.starting_over")])
    if event == "progress":
        number, total = state.move + 1, len(state.moves)
        if number == total:
            return _say(state, Line.of("routine.progress.last", number=number, total=total))
        line = Line.of("routine.progress", number=number, total=total, left=total - number)
        return _say(state, line)
    if event == "other_side":
        if not spec.two_sided:
            return _say(state, Line.of("routine.no_other_side"))
        if side_count(state, spec) == 1:
            return _say(state, Line.of("routine.side.sore_only"))
        if state.side == 1:
            return _say(state, Line.of("routine.both_sides_done"))
        return _deliver(_touch(state, now, side=1, block=0, resume_block=None), setup, [])
    if event == "hurts":
        stop = Line.of("routine.hurt.stop")
        base = state.moves[state.move]
        if base not in state.hurt:
            # Kept for progression: a session with a painful move holds new moves back.
            state = state.model_copy(update={"hurt": [*state.hurt, base]})
        if spec.gentler is not None and state.moves[state.move] not in state.gentler:
            return Outcome(
                _touch(state, now, phase="hurt"),
                [stop, Line.of("routine.hurt.offer", name=lib.moves[spec.gentler].name)],
                [Line.of("routine.hurt.reprompt")],
                expect="routine.hurt",
            )
        return _skip(state, setup, [stop, Line.of("routine.hurt.skip")], now)
    if event == "accept_gentler":
        if state.phase != "hurt":
            return _say(state, Line.of("routine.after.move"))
        base = state.moves[state.move]
        swapped = _touch(
            state, now, gentler=[*state.gentler, base], side=0, block=0, resume_block=None
        )
        intro: list[Act] = [Line.of("routine.gentler.intro")]
        outcome = _deliver(swapped, setup, intro)
        outcome.remember_gentler = base
        return outcome
    if event == "decline_gentler":
        if state.phase != "hurt":
            return _say(state, Line.of("routine.no.in_routine"))
        return _skip(state, setup, [Line.of("routine.skipping")], now)
    raise ValueError(f"unknown routine event {event!r}")  # pragma: no cover - Literal guards


# -- history (for the morning check-in) --------------------------------------------


class HistoryRecord(BaseModel):
    model_config = ConfigDict(extra="ignore", defer_build=True)  # not needed to launch
    routine: str
    moves_done: int = Field(ge=0)
    moves_total: int = Field(ge=0)
    gentler: list[str] = Field(default_factory=list)
    hurt: list[str] = Field(default_factory=list)  # moves the user said hurt
    completed: bool
    at: str


def record_of(state: RoutineState, now: datetime) -> HistoryRecord:
    return HistoryRecord(
        routine=state.routine,
        moves_done=len(state.done),
        moves_total=len(state.moves),
        gentler=list(state.gentler),
        hurt=list(state.hurt),
        completed=state.phase == "done",
        at=now.isoformat(),
    )


def history_key(routine: str, night: date, local_day: date) -> str:
    """Bedtime records are keyed by the night (check-in reads them); others by day/id."""
    return night.isoformat() if routine == "bedtime" else f"{local_day.isoformat()}/{routine}"


def add_record(
    history: dict[str, Any],
    key: str,
    record: HistoryRecord,
    limit: int = HISTORY_LIMIT,
    slack: int = 0,
) -> dict[str, Any]:
    """A new history dict with ``record`` merged in (a later stop never undoes a
    completion that night); past ``limit + slack`` entries the oldest keys are
    dropped down to ``limit``.

    Keys start with the ISO night/day, so sorting the keys orders them by age
    without parsing any record (it used to validate every record on every add).
    """
    out = dict(history)
    old = parse_record(out.get(key))
    if old is not None and old.routine == record.routine:
        record = record.model_copy(
            update={
                "completed": old.completed or record.completed,
                "moves_done": max(old.moves_done, record.moves_done),
                "gentler": sorted(set(old.gentler) | set(record.gentler)),
                "hurt": sorted(set(old.hurt) | set(record.hurt)),
            }
        )
    out[key] = record.model_dump(mode="json")
    if len(out) > limit + slack:
        for stale in sorted(out, key=age_key)[: len(out) - limit]:
            del out[stale]
    return out


def parse_record(raw: Any) -> HistoryRecord | None:
    try:
        return HistoryRecord.model_validate(raw)
    except ValidationError:
        return None


def completed_nights(history: Any) -> set[date]:
    """Nights on which the bedtime routine was completed. ``history`` is the
    :data:`HISTORY_KEY` namespace (night key -> record), a whole user doc, or the
    old ``routine`` namespace (a dict or model with a ``history``). Damaged
    entries are ignored."""
    if isinstance(history, BaseModel):
        history = getattr(history, "history", None)
    elif isinstance(history, Mapping) and (HISTORY_KEY in history or "routine" in history):
        history = history_of(history)
    elif isinstance(history, Mapping) and isinstance(history.get("history"), Mapping):
        history = history["history"]
    if not isinstance(history, Mapping):
        return set()
    nights: set[date] = set()
    for key, raw in history.items():
        record = parse_record(raw)
        if record is None or record.routine != "bedtime" or not record.completed:
            continue
        try:
            nights.add(date.fromisoformat(str(key)))
        except ValueError:
            continue
    return nights
