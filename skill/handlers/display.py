"""Echo Show visuals, added after the handler answered (voice is always complete).

A response interceptor: when the device supports ``Alexa.Presentation.APL`` it
adds one ``Alexa.Presentation.APL.RenderDocument`` directive:

* during a guided routine (live state in the session): the move, step n of m, a
  progress bar, the hold or repetitions, the side, and the stop rule;
* for the stiffness summaries (``StiffnessSummaryIntent``, ``SendSummaryIntent``):
  a bar chart of the last 7 (weekly) or 28 (four-week) mornings.

Devices without a screen get nothing extra. The routine and check-in modules are
read, never changed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ask_sdk_core.dispatch_components import AbstractResponseInterceptor

from skill.core import display as core
from skill.turn import TURN_KEY, Turn

if TYPE_CHECKING:
    from ask_sdk_core.handler_input import HandlerInput
    from ask_sdk_model import Response

APL = "Alexa.Presentation.APL"
RENDER_DOCUMENT = "Alexa.Presentation.APL.RenderDocument"
WEEKLY_INTENT = "StiffnessSummaryIntent"
FOUR_WEEK_INTENT = "SendSummaryIntent"


def _routine_screen(turn: Turn) -> tuple[str, dict[str, Any]] | None:
    raw = turn.session.get("routine")
    if raw is None:  # checked first: reading the section validates the routine library
        return None
    library = turn.voice.content.sections.get("routines")
    if library is None:
        return None
    # Imported here, after the cheap checks: a launch with no routine running needs
    # none of it (Lambda cold start).
    from skill.core.routine import (
        clamp_scale,
        effective_move,
        hold_seconds,
        load_state,
        working_side,
    )

    state, _ = load_state(raw, library)
    if state is None or state.phase not in ("running", "paused", "hurt"):
        return None
    spec = library.moves[effective_move(state, library)]
    routine_doc = turn.doc.get("routine")
    scale = routine_doc.get("hold_scale", 1.0) if isinstance(routine_doc, Mapping) else 1.0
    try:
        scale = clamp_scale(float(scale))
    except (TypeError, ValueError):
        scale = 1.0
    side = working_side(state, spec) if spec.sides == "each" else None
    source = core.routine_source(
        turn.voice.line,
        routine=library.routines[state.routine].name,
        move=spec.name,
        step=state.move + 1,
        total=len(state.moves),
        hold_seconds=hold_seconds(spec, scale) if spec.kind == "hold" else None,
        reps=spec.reps if spec.kind == "reps" else None,
        side=side,
        stop=spec.stop,
    )
    return "routine", source


def _chart_screen(turn: Turn) -> tuple[str, dict[str, Any]] | None:
    from skill.localtime import local_today

    length = {WEEKLY_INTENT: 7, FOUR_WEEK_INTENT: 28}.get(turn.intent or "")
    if length is None:
        return None
    from skill.core import checkin as checkin_core

    checkin = turn.doc.get("checkin")
    days = checkin_core.clean_days(checkin.get("days") if isinstance(checkin, Mapping) else None)
    if not days:
        return None
    entries = checkin_core.window(days, local_today(turn), length)
    return "chart", core.chart_source(turn.voice.line, entries)


def screen(turn: Turn) -> tuple[str, dict[str, Any]] | None:
    """(document name, data source) for this answer, or None."""
    if turn.request_type not in ("IntentRequest", "LaunchRequest") or not turn.supports(APL):
        return None
    return _chart_screen(turn) or _routine_screen(turn)


class DisplayInterceptor(AbstractResponseInterceptor):
    def process(self, handler_input: HandlerInput, response: Response | None) -> None:
        turn = handler_input.attributes_manager.request_attributes.get(TURN_KEY)
        if response is None or not isinstance(turn, Turn) or turn.deleted:
            return
        if any(
            getattr(d, "object_type", "").startswith("Connections.")
            for d in response.directives or []
        ):
            return  # handing over to Alexa (permission prompt): no screen of ours
        try:
            shown = screen(turn)
        except Exception:  # the screen is extra; never lose the spoken answer over it
            turn.deps.log.warning("could not build the APL screen")
            return
        if shown is None:
            return
        from ask_sdk_model.interfaces.alexa.presentation.apl import RenderDocumentDirective

        name, source = shown
        # mainTemplate's single parameter "payload" is bound to the whole data source.
        directive = RenderDocumentDirective(
            token=f"hiprest.{name}", document=core.document(name), datasources=source
        )
        assert directive.object_type == RENDER_DOCUMENT
        response.directives = [*(response.directives or []), directive]
