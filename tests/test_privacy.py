"""What Hip Rest keeps, deleting it on request and when the skill is disabled."""

from __future__ import annotations

from typing import Any

from skill import envelopes
from skill.conversation import Conversation
from skill.envelopes import Caller
from skill.runtime import SkillRuntime
from skill.store.patch import SetOp
from skill.store.sqlite import SqliteStore
from tests.support.dialog import FakeClock, run_script

USER = Caller().user_id


def seed_everything(store: SqliteStore) -> None:
    store.update(
        USER,
        [
            SetOp(("checkin",), {"v": 1, "days": {"2026-03-09": 5, "2026-03-08": 6}}),
            SetOp(("profile",), {"v": 1, "painful_side": "left", "launches": 3}),
            SetOp(("routine",), {"history": {"2026-03-08": {"routine": "bedtime"}}}),
            SetOp(("bedside",), {"tips_heard": {"pillow": True}}),
            SetOp(("safety",), {"red_flags": {"2026-03-07T22:00:00Z": {"symptom": "fall"}}}),
            SetOp(("reminders",), {"alerts": {"abc": {"kind": "stretch"}}}),
        ],
    )


def test_nothing_stored_says_so(convo: Conversation) -> None:
    run_script(convo, "U: what do you know about me\nA: don't have anything stored\nA: <ends>")


def test_what_do_you_know_lists_every_namespace(convo: Conversation, store: SqliteStore) -> None:
    seed_everything(store)
    run_script(
        convo,
        """
        U: what do you know about me
        A: 2 morning stiffness scores, each just a number and a date
        A: your left side is the painful one
        A: your settings
        A: bedtime routine progress
        A: notes from the bedside feature
        A: warning signs you told me about
        A: reminders you asked for
        A: say: delete my data
        """,
    )


def test_delete_my_data_asks_then_deletes_everything(
    convo: Conversation, store: SqliteStore
) -> None:
    seed_everything(store)
    run_script(
        convo,
        """
        U: delete my data
        A: deletes everything
        A: can't be undone
        A: <open>
        U: yes
        A: has been deleted
        A: <ends>
        """,
    )
    assert store.load(USER) == {}
    assert USER not in set(store.user_ids())


def test_deleting_after_a_check_in_in_the_same_session_leaves_nothing(
    convo: Conversation, store: SqliteStore
) -> None:
    run_script(convo, "U: <launch>\nU: my stiffness is 4")
    assert store.load(USER)  # something to delete
    run_script(convo, "U: <launch>\nU: delete my data\nU: yes\nA: deleted")
    assert store.load(USER) == {}


def test_no_keeps_the_data(convo: Conversation, store: SqliteStore) -> None:
    seed_everything(store)
    before = store.load(USER)
    run_script(convo, "U: delete my data\nU: no\nA: kept everything\nA: <ends>")
    assert store.load(USER) == before


def test_stop_during_the_confirmation_deletes_nothing(
    convo: Conversation, store: SqliteStore
) -> None:
    seed_everything(store)
    run_script(convo, "U: delete my data\nU: stop\nA: <ends>")
    assert store.load(USER)["checkin"]["days"]


def test_a_yes_after_the_question_expired_deletes_nothing(
    convo: Conversation, store: SqliteStore
) -> None:
    seed_everything(store)
    convo.say("delete my data")
    convo.end()  # the session closed before an answer
    reply = convo.say("yes")
    assert "deleted" not in reply.text
    assert store.load(USER)["profile"]["painful_side"] == "left"


def test_skill_disabled_event_deletes_silently(
    convo: Conversation, store: SqliteStore
) -> None:
    seed_everything(store)
    exchange = convo.event("AlexaSkillEvent.SkillDisabled")
    assert exchange.text == ""
    assert "outputSpeech" not in exchange.body
    assert store.load(USER) == {}


def test_skill_disabled_for_one_user_leaves_others(
    runtime: SkillRuntime, store: SqliteStore, clock: FakeClock
) -> None:
    other = "amzn1.ask.account.OTHER"
    store.update(other, [SetOp(("checkin",), {"days": {"2026-03-09": 4}})])
    seed_everything(store)
    event = "AlexaSkillEvent.SkillDisabled"
    env: dict[str, Any] = envelopes.skill_event(Caller(), clock.now, event)
    runtime.handle(env)
    assert store.load(USER) == {}
    assert store.load(other)["checkin"]["days"] == {"2026-03-09": 4}
