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


class Plan(BaseModel):
    model_config = ConfigDict(extra="ignore", defer_build=True)  # built on first use
    kind: Literal["stretch", "checkin"]
    hour: int = Field(ge=0, le=23)
    minute: int = Field(ge=0, le=59)
    at: str = ""  # UTC ISO time the plan was made

    def schedule(self) -> core.Schedule:
        return core.Schedule(self.kind, self.hour, self.minute)


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
    reply = Reply().say(v.line("reminders.set", what=_label(turn, plan.kind), when=_when(schedule)))
    other = "checkin" if plan.kind == "stretch" else "stretch"
    if other in doc.alerts.values():
        turn.clear_pending()
        reply.end_session = True
        return reply.say(v.line("reminders.bye"))
    turn.expect(OTHER, remind=other)
    return reply.say(v.line(f"reminders.offer.{other}")).ask(
        v.line(f"reminders.offer.{other}.reprompt")
    )


def _plan(kind: core.Kind, schedule: core.Schedule, now: datetime) -> Plan:
    return Plan(kind=kind, hour=schedule.hour, minute=schedule.minute, at=now.isoformat())


class SetReminderHandler(IntentHandler):
    intents = ("SetReminderIntent",)

    def reply(self, turn: Turn) -> Reply:
        v = turn.voice
        kind_slot = turn.slot("ReminderKind")
        time_slot = turn.slot("Time")
        period = turn.slot("Period")
        kind = kind_slot.resolved_id if kind_slot.resolved_id in core.KINDS else None
        schedule = core.schedule(
            kind or "stretch",
            time_slot.value if time_slot.spoken else None,
            period.resolved_id or period.value,
        )
        if schedule is None:
            turn.clear_pending()
            return (
                Reply()
                .say(v.line("reminders.time_unclear"))
                .ask(v.line("reminders.time_unclear.reprompt"))
            )
        if kind is None:
            turn.expect(CONFIRM, hour=schedule.hour, minute=schedule.minute)
            return (
                Reply()
                .say(v.line("reminders.confirm", when=_when(schedule)))
                .ask(v.line("reminders.confirm.reprompt", when=_when(schedule)))
            )
        return create(turn, _plan(kind, schedule, turn.now))


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
    if pending == CONFIRM:
        turn.clear_pending()
        try:
            plan = Plan(
                kind="stretch",
                hour=data.get("hour"),
                minute=data.get("minute"),
                at=turn.now.isoformat(),
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


def on_no(turn: Turn) -> Reply | None:
    pending = turn.pending
    v = turn.voice
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


def on_help(turn: Turn) -> Reply | None:
    if turn.pending not in (CONFIRM, OTHER, CANCEL_ALL):
        return None
    v = turn.voice
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
