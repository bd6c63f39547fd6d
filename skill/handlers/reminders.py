"""Daily reminders by voice: set ("remind me to stretch at nine thirty every
night"), list and cancel Hip Rest's reminders through the Alexa Reminders API.

Permission: when the request carries no consent for the reminders scope (or the
API answers 401/403), we ask by voice with a ``Connections.SendRequest`` AskFor
directive and keep the plan (session and, for safety, the ``reminders``
namespace); the ``Connections.Response`` that follows (accepted, denied, not
answered) finishes the job. Every API failure has its own clear sentence.

Persistent namespace ``reminders``: ``alerts`` (alert token -> kind) and
``pending`` (the plan waiting for permission). Dialog state: ``reminders.confirm``
(a time without a kind: "remind you to stretch at 9 PM?"), ``reminders.other``
(after setting one: "and one to check in each morning?"), ``reminders.cancel_all``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from skill.core import reminders as core
from skill.handlers.base import IntentHandler, RequestTypeHandler
from skill.localtime import local_now, zone_of
from skill.profile import PROFILE_KEY, Profile
from skill.progressive import one_moment
from skill.registry import Registry
from skill.reminders_api import MemoryReminders, Reminders, RemindersClient, RemindersError
from skill.reply import Reply
from skill.turn import Turn

KEY = "reminders"
SCOPE = "alexa::alerts:reminders:skill:readwrite"
ASK_TOKEN = "hiprest.reminder"
PENDING_FOR = timedelta(minutes=10)  # a plan older than this is not set on a late "yes"
CONFIRM, OTHER, CANCEL_ALL = "reminders.confirm", "reminders.other", "reminders.cancel_all"
# "What time?" (the answer may come as SetReminderIntent with the elicited Time, or
# as free words) and "Every day, or just once?".
TIME, REPEAT = "reminders.time", "reminders.repeat"
SET_INTENT, TIME_SLOT = "SetReminderIntent", "Time"


class Plan(BaseModel):
    model_config = ConfigDict(extra="ignore", defer_build=True)  # built on first use
    kind: Literal["stretch", "checkin"]
    hour: int = Field(ge=0, le=23)
    minute: int = Field(ge=0, le=59)
    at: str = ""  # UTC ISO time the plan was made
    daily: bool = True  # False: once, at the next such time

    def schedule(self) -> core.Schedule:
        return core.Schedule(self.kind, self.hour, self.minute, self.daily)


class RemindersDoc(BaseModel):
    model_config = ConfigDict(extra="ignore", defer_build=True)  # built on first use
    v: Literal[1] = 1
    alerts: dict[str, str] = Field(default_factory=dict)  # alert token -> kind
    pending: Plan | None = None


# -- plumbing ----------------------------------------------------------------------


def client(turn: Turn) -> Reminders:
    api = turn.deps.apis.get("reminders")
    if api is None:
        # Registered with a default in register(); this is only a safety net.
        api = MemoryReminders() if turn.deps.settings.dev else RemindersClient()
        turn.deps.apis["reminders"] = api
    return api


def _system(turn: Turn) -> Any:
    return getattr(getattr(turn.hi.request_envelope, "context", None), "system", None)


def api_endpoint(turn: Turn) -> tuple[str | None, str | None]:
    system = _system(turn)
    return getattr(system, "api_endpoint", None), getattr(system, "api_access_token", None)


def consent(turn: Turn) -> core.Consent:
    if isinstance(client(turn), MemoryReminders):
        return "granted"  # the console's stand-in needs no permission
    user = getattr(_system(turn), "user", None)
    scopes = getattr(getattr(user, "permissions", None), "scopes", None)
    return core.consent_of(scopes, SCOPE)


def ask_permission(turn: Turn, plan: Plan) -> Reply:
    """Hand over to Alexa's voice permission prompt; the answer comes back as a
    Connections.Response request."""
    from ask_sdk_model.interfaces.connections import SendRequestDirective

    turn.session[KEY] = plan.model_dump(mode="json")
    doc = turn.state(KEY, RemindersDoc)
    doc.pending = plan
    turn.put(KEY, doc)
    turn.clear_pending()
    directive = SendRequestDirective(
        name="AskFor",
        payload={
            "@type": "AskForPermissionsConsentRequest",
            "@version": "2",
            "permissionScopes": [{"permissionScope": SCOPE, "consentLevel": "ACCOUNT"}],
        },
        token=ASK_TOKEN,
    )
    return Reply(directives=[directive])


def _label(turn: Turn, kind: str) -> str:
    return turn.voice.line(f"reminders.kind.{kind}")


def _when(plan: core.Schedule) -> str:
    return core.spoken_clock(plan.hour, plan.minute)


def failure(turn: Turn, error: RemindersError, doing: str = "set") -> Reply:
    v = turn.voice
    key = {
        "permission": "reminders.error.permission",
        "rate": "reminders.error.busy",
        "server": "reminders.error.busy",
        "timeout": "reminders.error.timeout",
        "network": "reminders.error.timeout",
        "junk": "reminders.error.unknown",
        "refused": "reminders.error.unknown",
    }[error.kind]
    turn.clear_pending()
    return Reply(end_session=True).say(v.line(f"reminders.error.{doing}"), v.line(key))


# -- setting -------------------------------------------------------------------------


def create(turn: Turn, plan: Plan, *, after_consent: bool = False) -> Reply:
    v = turn.voice
    if not after_consent and consent(turn) != "granted":
        return ask_permission(turn, plan)
    zone = zone_of(turn).key
    if turn.state(PROFILE_KEY, Profile).time_zone is None and turn.deps.apis.get("timezone"):
        # A Settings API is configured but gave no zone: a reminder at the wrong hour
        # is worse than none.
        turn.clear_pending()
        return Reply(end_session=True).say(v.line("reminders.error.zone"))
    schedule = plan.schedule()
    text = v.line(f"reminders.text.{plan.kind}")
    body = core.reminder_body(schedule, text, turn.locale, zone, local_now(turn))
    base, token = api_endpoint(turn)
    one_moment(turn)
    try:
        alert = client(turn).create(base, token, body)
    except RemindersError as error:
        if error.kind == "permission" and not after_consent:
            return ask_permission(turn, plan)
        return failure(turn, error)
    doc = turn.state(KEY, RemindersDoc)
    doc.alerts = {**doc.alerts, alert: plan.kind}
    doc.pending = None
    turn.put(KEY, doc)
    turn.session.pop(KEY, None)
    key = "reminders.set" if plan.daily else "reminders.set.once"
    reply = Reply().say(v.line(key, what=_label(turn, plan.kind), when=_when(schedule)))
    other = "checkin" if plan.kind == "stretch" else "stretch"
    if other in doc.alerts.values():
        turn.clear_pending()
        reply.end_session = True
        return reply.say(v.line("reminders.bye"))
    turn.expect(OTHER, remind=other)
    return reply.say(v.line(f"reminders.offer.{other}")).ask(
        v.line(f"reminders.offer.{other}.reprompt")
    )


def _plan(
    kind: core.Kind, schedule: core.Schedule, now: datetime, repeat: core.Repeat = "daily"
) -> Plan:
    return Plan(
        kind=kind,
        hour=schedule.hour,
        minute=schedule.minute,
        at=now.isoformat(),
        daily=repeat == "daily",
    )


def ask_time(
    turn: Turn, kind: str | None, period: str | None, repeat: str | None, *, unclear: bool
) -> Reply:
    """ "What time?": Alexa is told to expect the Time slot (Dialog.ElicitSlot), so a
    "seven thirty in the morning" comes back as a time, never as a score."""
    from skill.handlers.dialog import elicit

    v = turn.voice
    key = "reminders.time_unclear" if unclear else "reminders.ask_time"
    reply = Reply().say(v.line(key)).ask(v.line("reminders.time_unclear.reprompt"))
    filled = {"ReminderKind": kind, "Period": period}
    data = {"kind": kind, "period": period, "repeat": repeat}
    return elicit(turn, reply, TIME, data, SET_INTENT, TIME_SLOT, filled)


def set_reminder(
    turn: Turn,
    kind: core.Kind | None,
    time_raw: str | None,
    period_raw: str | None,
    period_words: str | None,
) -> Reply:
    """A reminder request, however it was said; asks for what is missing: the time
    when it can't be read (or a one-off was asked for without one), whether daily
    or once when the words don't say."""
    v = turn.voice
    asked = turn.pending_data if turn.pending in (TIME, REPEAT) else {}
    if kind is None and asked.get("kind") in core.KINDS:
        kind = asked["kind"]
    period_raw = period_raw or asked.get("period")
    period_words = period_words or asked.get("period")
    said = core.repeat_of(period_words, time_raw)
    repeat = said or (asked.get("repeat") if asked.get("repeat") in ("daily", "once") else None)
    schedule = core.schedule(kind or "stretch", time_raw, period_raw)
    if schedule is None or (repeat == "once" and time_raw is None):
        # "Exercises tomorrow morning": a one-off needs its time, not the daily default.
        return ask_time(turn, kind, period_words, repeat, unclear=schedule is None)
    if kind is None:
        from skill.handlers.dialog import elicit

        once = repeat == "once"
        key = "reminders.confirm.once" if once else "reminders.confirm"
        reply = (
            Reply()
            .say(v.line(key, when=_when(schedule)))
            .ask(v.line(f"{key}.reprompt", when=_when(schedule)))
        )
        # "Shall I remind you at 9:30 PM?" is as often answered "half nine" or "make
        # it ten" as yes or no: the Time slot is elicited so a time comes back as one
        # (and is read back again); yes / no stay the built-in intents.
        data = {"hour": schedule.hour, "minute": schedule.minute, "once": once}
        return elicit(turn, reply, CONFIRM, data, SET_INTENT, TIME_SLOT, {"Period": period_raw})
    if repeat is None:
        turn.expect(REPEAT, kind=kind, hour=schedule.hour, minute=schedule.minute)
        when = _when(schedule)
        return (
            Reply()
            .say(v.line("reminders.repeat.ask", what=_label(turn, kind), when=when))
            .ask(v.line("reminders.repeat.reprompt"))
        )
    return create(turn, _plan(kind, schedule, turn.now, repeat))


class SetReminderHandler(IntentHandler):
    intents = (SET_INTENT,)

    def reply(self, turn: Turn) -> Reply:
        kind_slot = turn.slot("ReminderKind")
        time_slot = turn.slot(TIME_SLOT)
        period = turn.slot("Period")
        kind = kind_slot.resolved_id if kind_slot.resolved_id in core.KINDS else None
        # An unresolved kind keeps the words ("exercises tomorrow morning"): when
        # they say when, they count as the period.
        loose = kind_slot.value if kind is None and kind_slot.spoken else None
        if loose is not None and core.period_of(loose) is None and core.repeat_of(loose) is None:
            loose = None
        words = " ".join(w for w in (period.value, loose) if w) or None
        if turn.pending == REPEAT and not time_slot.spoken:
            answered = repeat_answer(turn, words)
            if answered is not None:
                return answered
        return set_reminder(
            turn,
            kind,
            time_slot.value if time_slot.spoken else None,
            period.resolved_id or period.value or loose,
            words,
        )


def repeat_answer(turn: Turn, words: str | None) -> Reply | None:
    """The answer to "every day, or just once?", or None when the words say neither."""
    repeat = core.repeat_of(words)
    data = turn.pending_data
    if repeat is None or data.get("kind") not in core.KINDS:
        return None
    turn.clear_pending()
    try:
        plan = Plan(
            kind=data["kind"],
            hour=data.get("hour"),
            minute=data.get("minute"),
            at=turn.now.isoformat(),
            daily=repeat == "daily",
        )
    except ValueError:
        return None
    return create(turn, plan)


def on_heard(turn: Turn) -> Reply | None:
    """Free words answering our question: a time after "what time?", "every day" or
    "just once" after "every day, or just once?"."""
    from skill.core.heard import time_words

    said = time_words(turn.heard)
    if turn.pending == TIME and said is not None and core.schedule("stretch", said) is not None:
        return set_reminder(turn, None, said, None, None)
    if turn.pending == REPEAT:
        return repeat_answer(turn, turn.heard)
    return None


class PermissionResponseHandler(RequestTypeHandler):
    """Alexa's answer to our AskFor: accepted, denied or not answered."""

    request_types = ("Connections.Response",)

    def reply(self, turn: Turn) -> Reply:
        v = turn.voice
        request = turn.request
        status = getattr(request, "status", None)
        answer = core.permission_answer(
            getattr(request, "name", None),
            getattr(status, "code", None),
            getattr(request, "payload", None),
        )
        plan = self._plan(turn)
        doc = turn.state(KEY, RemindersDoc)
        if doc.pending is not None:
            doc.pending = None
            turn.put(KEY, doc)
        turn.session.pop(KEY, None)
        if answer == "accepted":
            if plan is None:
                return (
                    Reply()
                    .say(v.line("reminders.granted.no_plan"))
                    .ask(v.line("reminders.granted.no_plan.reprompt"))
                )
            return create(turn, plan, after_consent=True)
        if answer == "denied":
            return Reply(end_session=True).say(v.line("reminders.denied"))
        if answer == "not_answered":
            payload = getattr(request, "payload", None)
            card = isinstance(payload, dict) and str(payload.get("isCardThrown")).lower() == "true"
            key = "reminders.not_answered.card" if card else "reminders.not_answered"
            return Reply(end_session=True).say(v.line(key))
        return Reply(end_session=True).say(
            v.line("reminders.error.set"), v.line("reminders.error.unknown")
        )

    @staticmethod
    def _plan(turn: Turn) -> Plan | None:
        raw = turn.session.get(KEY)
        if raw is not None:
            try:
                return Plan.model_validate(raw)
            except ValueError:
                pass
        pending = turn.state(KEY, RemindersDoc).pending
        if pending is None:
            return None
        try:
            made = datetime.fromisoformat(pending.at)
        except ValueError:
            return None
        if made.tzinfo is None or turn.now - made > PENDING_FOR:
            return None
        return pending


# -- listing and cancelling ------------------------------------------------------------


def _listed(turn: Turn) -> list[tuple[core.Listed, str]]:
    base, token = api_endpoint(turn)
    one_moment(turn)
    payload = client(turn).list(base, token)
    known = turn.state(KEY, RemindersDoc).alerts
    stretch_word = turn.voice.line("reminders.match.stretch")
    out = []
    for item in core.read_alerts(payload, tag=""):
        out.append((item, known.get(item.token) or core.kind_of(item.text, stretch_word)))
    return out


def _describe(turn: Turn, items: list[tuple[core.Listed, str]]) -> str:
    parts = []
    for item, kind in items:
        if item.hour is not None and item.minute is not None:
            when = core.spoken_clock(item.hour, item.minute)
            parts.append(turn.voice.line("reminders.item", what=_label(turn, kind), when=when))
        else:
            parts.append(_label(turn, kind))
    if len(parts) == 1:
        return parts[0]
    return turn.voice.line("reminders.and", first=", ".join(parts[:-1]), last=parts[-1])


class ListRemindersHandler(IntentHandler):
    intents = ("ListRemindersIntent",)

    def reply(self, turn: Turn) -> Reply:
        v = turn.voice
        if consent(turn) != "granted":
            return Reply(end_session=True).say(v.line("reminders.list.no_permission"))
        try:
            items = _listed(turn)
        except RemindersError as error:
            return failure(turn, error, "list")
        if not items:
            turn.clear_pending()
            return Reply(end_session=True).say(v.line("reminders.list.none"))
        said = _describe(turn, items)
        turn.expect(CANCEL_ALL, count=len(items))
        key = "reminders.list.one" if len(items) == 1 else "reminders.list.many"
        ask = "reminders.cancel_offer.one" if len(items) == 1 else "reminders.cancel_offer.many"
        return Reply().say(v.line(key, items=said, count=len(items)), v.line(ask)).ask(v.line(ask))


def cancel(turn: Turn, kind: str | None) -> Reply:
    v = turn.voice
    turn.clear_pending()
    if consent(turn) != "granted":
        return Reply(end_session=True).say(v.line("reminders.list.no_permission"))
    try:
        items = _listed(turn)
    except RemindersError as error:
        return failure(turn, error, "cancel")
    chosen = [(item, k) for item, k in items if kind is None or k == kind]
    if not chosen:
        key = "reminders.cancel.none_of_kind" if kind and items else "reminders.list.none"
        what = _label(turn, kind) if kind else ""
        return Reply(end_session=True).say(v.line(key, what=what))
    base, token = api_endpoint(turn)
    doc = turn.state(KEY, RemindersDoc)
    alerts = dict(doc.alerts)
    try:
        for item, _ in chosen:
            client(turn).delete(base, token, item.token)
            alerts.pop(item.token, None)
    except RemindersError as error:
        doc.alerts = alerts
        turn.put(KEY, doc)
        return failure(turn, error, "cancel")
    doc.alerts = alerts
    turn.put(KEY, doc)
    said = _describe(turn, chosen)
    return Reply(end_session=True).say(v.line("reminders.cancelled", items=said))


class CancelReminderHandler(IntentHandler):
    intents = ("CancelReminderIntent",)

    def reply(self, turn: Turn) -> Reply:
        slot = turn.slot("ReminderKind")
        kind = slot.resolved_id if slot.resolved_id in core.KINDS else None
        return cancel(turn, kind)


# -- hooks -------------------------------------------------------------------------------


def on_yes(turn: Turn) -> Reply | None:
    pending, data = turn.pending, turn.pending_data
    if pending == REPEAT:
        return _repeat_again(turn)  # "yes" to "every day, or just once?" says neither
    if pending == CONFIRM:
        turn.clear_pending()
        try:
            plan = Plan(
                kind="stretch",
                hour=data.get("hour"),
                minute=data.get("minute"),
                at=turn.now.isoformat(),
                daily=data.get("once") is not True,
            )
        except ValueError:
            return None
        return create(turn, plan)
    if pending == OTHER:
        turn.clear_pending()
        kind: core.Kind = "checkin" if data.get("remind") == "checkin" else "stretch"
        hour, minute = core.DEFAULT_TIME[kind]
        return create(turn, Plan(kind=kind, hour=hour, minute=minute, at=turn.now.isoformat()))
    if pending == CANCEL_ALL:
        return cancel(turn, None)
    return None


def _repeat_again(turn: Turn) -> Reply:
    v = turn.voice
    turn.expect(REPEAT, **turn.pending_data)
    return Reply().say(v.line("reminders.repeat.reprompt")).ask(v.line("reminders.repeat.reprompt"))


def on_no(turn: Turn) -> Reply | None:
    pending = turn.pending
    v = turn.voice
    if pending == REPEAT:
        return _repeat_again(turn)
    if pending == CONFIRM:
        turn.clear_pending()
        return (
            Reply().say(v.line("reminders.confirm.no")).ask(v.line("reminders.confirm.no.reprompt"))
        )
    if pending in (OTHER, CANCEL_ALL):
        turn.clear_pending()
        key = "reminders.bye.no" if pending == OTHER else "reminders.kept"
        return Reply(end_session=True).say(v.line(key))
    return None


def on_unclear(turn: Turn) -> Reply | None:
    """Words that are no clock time while one is awaited ("after dinner", "before
    bed"): ask for the time again instead of the general fallback, which would
    change the subject."""
    pending, data = turn.pending, turn.pending_data
    if pending == TIME:
        kind = data.get("kind") if data.get("kind") in core.KINDS else None
        return ask_time(turn, kind, data.get("period"), data.get("repeat"), unclear=True)
    if pending == CONFIRM:
        return ask_time(turn, None, None, "once" if data.get("once") is True else None,
                        unclear=True)
    return None


def on_help(turn: Turn) -> Reply | None:
    pending = turn.pending
    if pending in (TIME, REPEAT):
        v = turn.voice
        turn.expect(pending, **turn.pending_data)  # still waiting for that answer
        return Reply().say(v.line(f"{pending}.help")).ask(v.line(f"{pending}.help"))
    if pending not in (CONFIRM, OTHER, CANCEL_ALL):
        return None
    v = turn.voice
    turn.expect(pending, **turn.pending_data)  # the yes/no question is still open
    return Reply().say(v.line("reminders.help")).ask(v.line("reminders.help.reprompt"))


def register(registry: Registry) -> None:
    """Add this capability's handlers and hooks."""
    deps = registry.deps
    deps.apis.setdefault("reminders", MemoryReminders() if deps.settings.dev else RemindersClient())
    if not deps.settings.dev:
        from skill.progressive import ProgressiveClient

        deps.apis.setdefault("progressive", ProgressiveClient())
    registry.add(
        SetReminderHandler(deps),
        ListRemindersHandler(deps),
        CancelReminderHandler(deps),
        PermissionResponseHandler(deps),
    )
    registry.on("yes", on_yes)
    registry.on("no", on_no)
    registry.on("help", on_help)
    registry.on("fallback", on_unclear)
    registry.on("heard", on_heard)
