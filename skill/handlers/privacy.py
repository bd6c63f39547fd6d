"""The user's data under their control: "what do you know about me", "delete my
data" (after a spoken confirmation), and the ``AlexaSkillEvent.SkillDisabled``
event, which deletes silently. Listing is generic over every stored namespace,
so a capability added later is still mentioned (as "notes from the X feature").
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from skill.core.checkin import ARCHIVE_KEY, stored_days
from skill.handlers.base import IntentHandler, RequestTypeHandler
from skill.registry import Registry
from skill.reminders_api import RemindersError
from skill.reply import Reply
from skill.turn import Turn, turn_of

if TYPE_CHECKING:
    from ask_sdk_core.handler_input import HandlerInput
    from ask_sdk_model import Response

# Time for deleting reminders at Amazon before "delete my data" answers anyway.
DELETE_BUDGET_S = 4.0

# Namespaces with nothing of the user's own in them (bookkeeping only).
_QUIET_KEYS = frozenset({"v", "version", "schema"})
_ORDER = {"checkin": 0, "checkin_archive": 0, "profile": 1, "routine": 2, "routine_history": 3}


def _count_days(value: Any) -> int:
    days = value.get("days") if isinstance(value, Mapping) else None
    return len(days) if isinstance(days, Mapping) else 0


def stored_items(turn: Turn) -> list[str]:
    """One spoken item per kind of thing stored, in a stable order."""
    v = turn.voice
    doc = turn.doc
    items: list[str] = []
    for name in sorted(doc, key=lambda n: (_ORDER.get(n, 9), n)):
        value = doc[name]
        if name in _QUIET_KEYS or value in (None, {}, []):
            continue
        if name in ("checkin", ARCHIVE_KEY):
            if name == ARCHIVE_KEY and "checkin" in doc:
                continue  # counted with the hot days: one item for all check-ins
            count = len(stored_days(doc))
            if count == 1:
                items.append(v.line("privacy.item.checkins_one"))
            elif count > 1:
                items.append(v.line("privacy.item.checkins", count=count))
        elif name == "profile":
            side = value.get("painful_side") if isinstance(value, Mapping) else None
            if side in ("left", "right", "both"):
                items.append(v.line("privacy.item.side", side=side))
            items.append(v.line("privacy.item.preferences"))
        elif name in ("routine", "routine_history"):
            # Progress and history are one thing to the user: say it once.
            line = v.line("privacy.item.routine")
            if line not in items:
                items.append(line)
        elif name == "safety":
            items.append(v.line("privacy.item.red_flags"))
        elif name == "reminders":
            items.append(v.line("privacy.item.reminders"))
        else:
            items.append(v.line("privacy.item.other", name=name.replace("_", " ")))
    return items


def spoken_list(turn: Turn, items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {turn.voice.line('privacy.and')} {items[-1]}"


class WhatDoYouKnowHandler(IntentHandler):
    intents = ("WhatDoYouKnowIntent",)

    def reply(self, turn: Turn) -> Reply:
        v = turn.voice
        turn.clear_pending()
        items = stored_items(turn)
        if not items:
            return Reply(end_session=True).say(v.line("privacy.known.none"))
        return Reply(end_session=True).say(
            v.line("privacy.known.list", items=spoken_list(turn, items))
        )


class DeleteDataHandler(IntentHandler):
    intents = ("DeleteDataIntent",)

    def reply(self, turn: Turn) -> Reply:
        v = turn.voice
        turn.expect("privacy.delete")
        return Reply().say(v.line("privacy.delete.ask")).ask(v.line("privacy.delete.reprompt"))


class SkillDisabledHandler(RequestTypeHandler):
    """The user disabled the skill: forget them. No session, no speech."""

    request_types = ("AlexaSkillEvent.SkillDisabled",)

    def handle(self, handler_input: HandlerInput) -> Response:
        turn = turn_of(handler_input)
        turn.forget_user()
        turn.deps.log.info("user data deleted on skill disable")
        return handler_input.response_builder.response

    def reply(self, turn: Turn) -> Reply:  # pragma: no cover - handle() overrides
        return Reply()


def on_yes(turn: Turn) -> Reply | None:
    if turn.pending != "privacy.delete":
        return None
    reminders_removed = delete_reminders(turn)
    turn.forget_user()
    turn.clear_pending()
    done = "privacy.delete.done" if reminders_removed else "privacy.delete.done_reminders_kept"
    return Reply(end_session=True).say(turn.voice.line(done))


def delete_reminders(turn: Turn) -> bool:
    """Delete the user's Hip Rest reminders at Amazon; False if some may remain.

    The stored alert tokens plus whatever the Reminders API lists (it lists only
    this skill's reminders). A reminder already gone (404) counts as deleted.
    With none stored and none listable (no permission: nothing we could have
    set), there is nothing to say.
    """
    from skill.handlers import reminders

    api = reminders.client(turn)
    base, token = reminders.api_endpoint(turn)
    known = set(turn.state(reminders.KEY, reminders.RemindersDoc).alerts)
    try:
        listed = api.list(base, token).get("alerts")
    except RemindersError:
        listed = None
        if not known:
            return True
    for alert in listed if isinstance(listed, list) else []:
        alert_token = alert.get("alertToken") if isinstance(alert, Mapping) else None
        if isinstance(alert_token, str) and alert_token:
            known.add(alert_token)
    removed = True
    # Each call has its own timeout; stop starting new ones near Alexa's 8 s.
    give_up = time.monotonic() + DELETE_BUDGET_S
    for alert_token in sorted(known):
        if time.monotonic() > give_up:
            removed = False
            break
        try:
            api.delete(base, token, alert_token)
        except RemindersError as exc:
            if exc.status != 404:
                removed = False
    if not removed:
        turn.deps.log.warning("reminders left at Amazon after delete my data")
    return removed


def on_no(turn: Turn) -> Reply | None:
    if turn.pending != "privacy.delete":
        return None
    turn.clear_pending()
    return Reply(end_session=True).say(turn.voice.line("privacy.delete.kept"))


def register(registry: Registry) -> None:
    """Add this capability's handlers and hooks."""
    deps = registry.deps
    registry.add(WhatDoYouKnowHandler(deps), DeleteDataHandler(deps), SkillDisabledHandler(deps))
    registry.on("yes", on_yes)
    registry.on("no", on_no)
