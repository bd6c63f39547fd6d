"""Guided routines: start, navigate, pause, resume, pain-aware pacing, single moves.

Thin: reads the Turn, loads the typed state, calls the pure state machine in
``skill.core.routine`` and words its acts through ``turn.voice``. The live state
rides in the session (key ``routine``) and is mirrored to the persistent
``routine`` namespace every turn, so a stop, a dropped session or a red-flag
hand-over never loses the place.

Public: :func:`start_bedtime` (the bedside "would you like a stretch?" yes) and
:func:`completed_nights` (re-exported for the check-in).
"""

from __future__ import annotations

from datetime import date
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from skill.core.progression import Progress, progression, strength_sessions
from skill.core.routine import (
    HISTORY_SLACK,
    MAX_HOLD_S,
    Act,
    Event,
    Line,
    MoveLine,
    Outcome,
    Rest,
    RoutineState,
    Setup,
    Start,
    add_record,
    adjust_scale,
    begin,
    clamp_scale,
    completed_nights,
    dump_state,
    effective_move,
    first_side,
    history_key,
    hold_seconds,
    load_state,
    record_of,
    resumable,
    scale_for,
    transition,
)
from skill.core.routine_content import RoutineLibrary
from skill.core.routine_history import HISTORY_KEY, history_of, migrate_history
from skill.handlers.base import IntentHandler
from skill.localtime import local_now, night_of
from skill.profile import PROFILE_KEY, Profile
from skill.registry import Registry
from skill.reply import Part, Pause, Reply
from skill.turn import Turn

__all__ = ["KEY", "SESSION_KEY", "RoutineDoc", "completed_nights", "register", "start_bedtime"]

KEY = "routine"  # persistent namespace
SESSION_KEY = "routine"  # session attribute with the live state
BEDTIME_HOLD_S = 25  # the typical bedtime hold, for "how long" answers outside a routine


class RoutineDoc(BaseModel):
    """The persistent ``routine`` namespace. Dicts keyed by id/date merge leaf by leaf."""

    model_config = ConfigDict(extra="ignore")
    v: Literal[1] = 1
    # Raw: validated by load_state, so a damaged place never discards the history.
    saved: dict[str, Any] | None = None
    hold_scale: float = 1.0
    gentler: dict[str, str] = Field(default_factory=dict)  # move id -> date remembered
    strength_started: str | None = None
    # Progression by tolerance (skill.core.progression): moves unlocked so far (None:
    # from before that rule, the calendar's) and the local day the last one joined.
    strength_count: int | None = Field(default=None, ge=0)
    strength_added: str | None = None
    # The general-guidance and after-surgery line is said before the first routine.
    cautioned: bool = False
    # The history lives in its own namespace (HISTORY_KEY); an old ``history``
    # field here is moved there by :func:`_doc` before this model sees it.


# -- plumbing ----------------------------------------------------------------------


def _library(turn: Turn) -> RoutineLibrary:
    library = turn.voice.content.sections["routines"]
    assert isinstance(library, RoutineLibrary)
    return library


def _doc(turn: Turn) -> RoutineDoc:
    migrate_history(turn.doc)
    return turn.state(KEY, RoutineDoc)


def _record(turn: Turn, state: RoutineState) -> None:
    """Add the finished or stopped routine to the history namespace (only then is
    that namespace read or written: steps leave it alone)."""
    moment = local_now(turn)
    key = history_key(state.routine, night_of(moment), moment.date())
    raw = turn.doc.get(HISTORY_KEY)
    history = raw if isinstance(raw, dict) else {}
    turn.doc[HISTORY_KEY] = add_record(history, key, record_of(state, moment), slack=HISTORY_SLACK)


def _week(turn: Turn, doc: RoutineDoc) -> int:
    if not doc.strength_started:
        return 0
    try:
        started = date.fromisoformat(doc.strength_started)
    except ValueError:
        return 0
    return max(0, (local_now(turn).date() - started).days // 7)


def _setup(turn: Turn, doc: RoutineDoc, progress: Progress | None = None) -> Setup:
    return Setup(
        library=_library(turn),
        hold_scale=clamp_scale(doc.hold_scale),
        painful_side=turn.state(PROFILE_KEY, Profile).painful_side,
        remembered_gentler=frozenset(doc.gentler),
        week=_week(turn, doc),
        strength_count=progress.count if progress else doc.strength_count,
        added=progress.added if progress else None,
        held=progress.held if progress else False,
        caution=not doc.cautioned,
    )


def _progress(turn: Turn, doc: RoutineDoc) -> Progress:
    """Today's strengthening moves, stored so the count only ever grows by tolerance.
    Reads the history namespace, as only a strengthening start does."""
    spec = _library(turn).routines["strengthening"]
    sessions = strength_sessions(history_of(turn.doc), doc.strength_added)
    progress = progression(spec, _week(turn, doc), doc.strength_count, sessions)
    doc.strength_count = progress.count
    if progress.added is not None:
        doc.strength_added = local_now(turn).date().isoformat()
    return progress


def _live(turn: Turn) -> tuple[RoutineState | None, bool]:
    state, damaged = load_state(turn.session.get(SESSION_KEY), _library(turn))
    if damaged:
        turn.session.pop(SESSION_KEY, None)
    return state, damaged


def _damaged_routine(raw: Any, library: RoutineLibrary) -> str:
    name = raw.get("routine") if isinstance(raw, dict) else None
    return name if isinstance(name, str) and name in library.routines else "bedtime"


def render(turn: Turn, acts: list[Act]) -> list[Part]:
    library = _library(turn)
    parts: list[Part] = []
    for act in acts:
        if isinstance(act, Rest):
            parts.append(Pause(act.seconds))
        elif isinstance(act, MoveLine):
            parts.append(library.moves[act.move].text(act.field, act.side))
        else:
            parts.append(turn.voice.line(act.key, **dict(act.params)))
    return parts


def _apply(turn: Turn, doc: RoutineDoc, outcome: Outcome) -> Reply:
    """Store what the outcome changed, then word it."""
    state = outcome.state
    if state is not None:
        doc.cautioned = True  # a routine began or ran: the caution has been said
        if state.phase == "done":
            turn.put_session(SESSION_KEY, None)
            doc.saved = None
        elif state.phase == "stopped":
            turn.put_session(SESSION_KEY, None)
            doc.saved = dump_state(state)
        else:
            dumped = dump_state(state)
            turn.session[SESSION_KEY] = dumped
            doc.saved = dumped  # turn.put below dumps a copy
        if outcome.record:
            _record(turn, state)
    if outcome.remember_gentler is not None:
        doc.gentler = {**doc.gentler, outcome.remember_gentler: turn.now.date().isoformat()}
    turn.put(KEY, doc)
    if outcome.expect is not None:
        turn.expect(outcome.expect)
    elif turn.pending and turn.pending.startswith("routine."):
        turn.clear_pending()
    reply = Reply().say(*render(turn, outcome.acts))
    if outcome.reprompt and not outcome.end_session:
        reply.ask(*render(turn, outcome.reprompt))
    reply.end_session = outcome.end_session or not outcome.reprompt
    return reply


def _run(turn: Turn, event: Event, state: RoutineState | None = None) -> Reply:
    doc = _doc(turn)
    progress = None
    if isinstance(event, Start) and event.routine == "strengthening":
        if not doc.strength_started:
            doc.strength_started = local_now(turn).date().isoformat()
        progress = _progress(turn, doc)
    setup = _setup(turn, doc, progress)
    if state is None and not isinstance(event, Start):
        raw = turn.session.get(SESSION_KEY)
        state, damaged = _live(turn)
        if damaged:
            lead = [Line.of("routine.damaged")]
            routine = _damaged_routine(raw, setup.library)
            return _apply(turn, doc, begin(routine, setup, turn.now, lead))
        if state is None and event in ("resume", "start_over"):
            state, damaged = load_state(doc.saved, setup.library)
            if damaged:
                routine = _damaged_routine(doc.saved, setup.library)
                doc.saved = None
                lead = [Line.of("routine.damaged")]
                return _apply(turn, doc, begin(routine, setup, turn.now, lead))
            if state is not None and state.phase == "done":
                state = None
    return _apply(turn, doc, transition(state, event, turn.now, setup))


def start_bedtime(turn: Turn) -> Reply:
    """Start the bedtime routine from the top (e.g. after "would you like a stretch?")."""
    return _run(turn, Start("bedtime"))


# -- intent handlers -----------------------------------------------------------------


class StartRoutineHandler(IntentHandler):
    intents = ("StartRoutineIntent",)

    def reply(self, turn: Turn) -> Reply:
        slot = turn.slot("RoutineName")
        if slot.resolved_id:
            routine = slot.resolved_id
        elif slot.spoken:
            routine = "unknown"
        else:
            routine = "bedtime"
        return _run(turn, Start(routine))


class NavigationHandler(IntentHandler):
    """Next, back, repeat, pause, resume, start over, progress, other side, that hurts."""

    events: ClassVar[dict[str, Event]] = {
        "AMAZON.NextIntent": "next",
        "AMAZON.PreviousIntent": "previous",
        "AMAZON.RepeatIntent": "repeat",
        "AMAZON.PauseIntent": "pause",
        "AMAZON.ResumeIntent": "resume",
        "AMAZON.StartOverIntent": "start_over",
        "RoutineProgressIntent": "progress",
        "OtherSideIntent": "other_side",
        "MoveHurtsIntent": "hurts",
    }
    intents = tuple(events)

    def reply(self, turn: Turn) -> Reply:
        return _run(turn, self.events[turn.intent or ""])


class HoldLengthHandler(IntentHandler):
    """ "Make the holds shorter/longer" (persisted) and "how long should I hold"."""

    intents = ("HoldLengthIntent",)

    def reply(self, turn: Turn) -> Reply:
        v = turn.voice
        doc = _doc(turn)
        library = _library(turn)
        live, _ = _live(turn)
        direction = turn.slot("Length").resolved_id
        scale = clamp_scale(doc.hold_scale)
        changed = False
        if direction in ("shorter", "longer"):
            scale, changed = adjust_scale(scale, "shorter" if direction == "shorter" else "longer")
            doc.hold_scale = scale
            turn.put(KEY, doc)
        seconds = round(min(MAX_HOLD_S, BEDTIME_HOLD_S * scale))
        if live is not None:
            spec = library.moves[effective_move(live, library)]
            if spec.kind == "hold":
                seconds = round(hold_seconds(spec, scale_for(live.routine, scale)))
        if direction not in ("shorter", "longer"):
            reply = Reply().say(v.line("routine.hold.info", seconds=seconds))
        elif changed:
            reply = Reply().say(v.line("routine.hold.changed", seconds=seconds))
        else:
            reply = Reply().say(v.line("routine.hold.limit", seconds=seconds))
        if live is not None:
            return reply.ask(v.line("routine.hold.reprompt"))
        turn.expect("routine.offer", routine="bedtime")
        reply.say(v.line("routine.offer.start"))
        return reply.ask(v.line("routine.offer.start.reprompt"))


class MoveInfoHandler(IntentHandler):
    """ "How do I do a clam shell": one move, start to stop rule, then an offer."""

    intents = ("MoveInfoIntent",)

    def reply(self, turn: Turn) -> Reply:
        v = turn.voice
        library = _library(turn)
        mid = turn.slot("Move").resolved_id
        live, _ = _live(turn)
        if mid is None or mid not in library.moves:
            return (
                Reply()
                .say(v.line("routine.info.unknown"))
                .ask(v.line("routine.info.unknown.reprompt"))
            )
        spec = library.moves[mid]
        painful = turn.state(PROFILE_KEY, Profile).painful_side
        side, known = first_side(painful)
        if spec.side_lying and known:
            side = "left" if side == "right" else "right"  # the sore leg on top
        routine = _routine_of(library, mid)
        scale = scale_for(routine, _doc(turn).hold_scale)
        parts: list[Part] = [spec.text(f, side) for f in ("start", "movement", "feel")]
        if spec.kind == "hold" and spec.reps > 1:
            dose = v.line(
                "routine.dose.hold_reps", seconds=round(hold_seconds(spec, scale)), reps=spec.reps
            )
        elif spec.kind == "hold":
            dose = v.line("routine.dose.hold", seconds=round(hold_seconds(spec, scale)))
        else:
            dose = v.line("routine.dose.reps", reps=spec.reps)
        parts.append(dose)
        if spec.side_lying and painful == "both":
            parts.append(v.line("routine.dose.both_sore"))
        elif spec.side_lying and known:
            parts.append(v.line("routine.dose.sore_side_only"))
        elif spec.two_sided:
            parts.append(v.line("routine.dose.sides"))
        parts += [spec.stop, v.line("routine.info.easier", text=spec.easier)]
        reply = Reply().say(*parts)
        if live is not None:
            return reply.ask(v.line("routine.reprompt"))
        turn.expect("routine.offer", routine=routine)
        if routine == "strengthening":
            reply.say(v.line("routine.offer.strength"))
            return reply.ask(v.line("routine.offer.strength"))
        reply.say(v.line("routine.offer.start"))
        return reply.ask(v.line("routine.offer.start.reprompt"))


def _routine_of(library: RoutineLibrary, move: str) -> str:
    for rid, routine in library.routines.items():
        for entry in routine.moves:
            spec = library.moves[entry.move]
            if move in (entry.move, spec.gentler, spec.both_sore):
                return rid
    return "bedtime"


# -- hooks -------------------------------------------------------------------------


def _on_launch(turn: Turn) -> Reply | None:
    doc = _doc(turn)
    library = _library(turn)
    saved, _ = load_state(doc.saved, library)
    if saved is None or not resumable(saved, turn.now):
        return None
    v = turn.voice
    name = library.moves[effective_move(saved, library)].name
    turn.expect("routine.resume")
    routine = library.routines[saved.routine].name
    return (
        Reply()
        .say(v.line("routine.offer.resume", routine=routine, name=name))
        .ask(v.line("routine.offer.resume.reprompt"))
    )


def _on_yes(turn: Turn) -> Reply | None:
    pending = turn.pending
    if pending == "routine.resume":
        return _run(turn, "resume")
    if pending == "routine.hurt":
        return _run(turn, "accept_gentler")
    if pending == "routine.offer":
        routine = turn.pending_data.get("routine")
        return _run(turn, Start(routine if isinstance(routine, str) else "bedtime"))
    if pending is None:
        live, _ = _live(turn)
        if live is not None:
            # "Okay" after "say next when you're ready" means go on.
            return _run(turn, "resume" if live.phase == "paused" else "next")
    return None


def _on_no(turn: Turn) -> Reply | None:
    pending = turn.pending
    v = turn.voice
    if pending == "routine.resume":
        turn.clear_pending()
        doc = _doc(turn)
        doc.saved = None
        turn.put(KEY, doc)
        return Reply().say(v.line("routine.resume.declined")).ask(v.line("launch.reprompt"))
    if pending == "routine.hurt":
        return _run(turn, "decline_gentler")
    if pending == "routine.offer":
        turn.clear_pending()
        return Reply(end_session=True).say(v.line("routine.offer.declined"))
    if pending is None:
        live, _ = _live(turn)
        if live is not None:
            return Reply().say(v.line("routine.no.in_routine")).ask(v.line("routine.reprompt"))
    return None


def _on_stop(turn: Turn) -> Reply | None:
    live, _ = _live(turn)
    if live is None:
        return None
    return _run(turn, "stop", live)


def _on_session_end(turn: Turn) -> Reply | None:
    live, _ = _live(turn)
    if live is not None:
        _run(turn, "session_end", live)
    return None  # no speech is allowed here; let other capabilities save too


def _on_help(turn: Turn) -> Reply | None:
    live, _ = _live(turn)
    if live is None:
        return None
    v = turn.voice
    return Reply().say(v.line("routine.help")).ask(v.line("routine.reprompt"))


def _on_fallback(turn: Turn) -> Reply | None:
    live, _ = _live(turn)
    if live is None:
        return None
    v = turn.voice
    return Reply().say(v.line("routine.fallback")).ask(v.line("routine.reprompt"))


def register(registry: Registry) -> None:
    """Add this capability's handlers and hooks."""
    deps = registry.deps
    registry.add(
        StartRoutineHandler(deps),
        NavigationHandler(deps),
        HoldLengthHandler(deps),
        MoveInfoHandler(deps),
    )
    registry.on("launch", _on_launch)
    registry.on("yes", _on_yes)
    registry.on("no", _on_no)
    registry.on("stop", _on_stop)
    registry.on("session_end", _on_session_end)
    registry.on("help", _on_help)
    registry.on("fallback", _on_fallback)
