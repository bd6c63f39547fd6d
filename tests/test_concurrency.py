"""Many writers at once on one SQLite file: several processes and threads write
check-ins and routine progress for the same users. No update is lost, no day is
doubled, and SQLite's integrity check passes. The 8 x 500 variant is
``python -m tests.stress --concurrency``.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import pytest

from skill import envelopes
from skill.core.routine_history import history_of
from skill.envelopes import Caller, SlotInput
from skill.store.sqlite import SqliteStore
from tests.support.concurrency import run_all
from tests.support.servers import Server, free_port, running_server, server_env

SKILL_ID = "amzn1.ask.skill.11111111-2222-4333-8444-555555555555"


@pytest.mark.slow
def test_processes_and_threads_writing_the_same_users_lose_nothing(tmp_path: Path) -> None:
    result = run_all(tmp_path / "conc" / "hiprest.db", writers=8, writes=60, processes=2)
    assert result["apologies"] == 0
    assert result["lost_checkins"] == 0
    assert result["unexpected_days"] == 0
    assert result["lost_routine_nights"] == 0
    assert result["duplicate_user_rows"] == 0
    assert result["integrity_ok"] == 1


def _post(server: Server, env: dict[str, Any]) -> dict[str, Any]:
    answer = server.post(json.dumps(env).encode())
    assert answer.status == 200, answer.body[:300]
    data: dict[str, Any] = answer.json()
    return data


@pytest.mark.slow
def test_real_server_processes_share_one_database_safely(tmp_path: Path) -> None:
    data_dir = tmp_path / "shared"
    users = [f"amzn1.ask.account.SRV{i}" for i in range(4)]
    # Not an Amazon API host, so no Settings API call: the fallback (UTC) at once.
    api = f"http://127.0.0.1:{free_port()}"
    prod_env = server_env(data_dir, HIPREST_SKILL_ID=SKILL_ID, HIPREST_VERIFY_REQUESTS="0")
    scores: dict[str, set[int]] = {u: set() for u in users}
    failures: list[str] = []
    lock = threading.Lock()

    with (
        running_server(
            prod_env,
            workers=4,
            log_path=tmp_path / "gunicorn.log",
            extra_args=["--insecure-no-verify"],
        ) as gunicorn,
        running_server(server_env(data_dir), dev=True, log_path=tmp_path / "dev.log") as dev,
    ):
        servers = [gunicorn, dev]

        def writer(w: int) -> None:
            from datetime import UTC, datetime

            for i in range(15):
                user = users[(w + i) % len(users)]
                caller = Caller(user_id=user, api_endpoint=api, application_id=SKILL_ID)
                server = servers[(w + i) % 2]
                now = datetime(2026, 12, 2, 15, 0, tzinfo=UTC)
                try:
                    if i % 3 == 0:
                        slot = SlotInput("bedtime", "bedtime", "bedtime", "RoutineName")
                        out = _post(
                            server,
                            envelopes.intent(
                                caller, now, "StartRoutineIntent", {"RoutineName": slot}
                            ),
                        )
                        stop = envelopes.intent(caller, now, "AMAZON.StopIntent", new=False)
                        stop["session"]["attributes"] = out.get("sessionAttributes") or {}
                        out = _post(servers[(w + i + 1) % 2], stop)
                    else:
                        score = (w * 3 + i) % 11
                        with lock:
                            scores[user].add(score)
                        out = _post(
                            server,
                            envelopes.intent(caller, now, "CheckInIntent", {"Score": str(score)}),
                        )
                    if "couldn" in out["response"]["outputSpeech"]["ssml"]:
                        raise AssertionError("storage apology")
                except Exception as exc:  # collected: a thread's assert would be lost
                    with lock:
                        failures.append(f"writer {w} write {i}: {exc}")

        threads = [threading.Thread(target=writer, args=(w,)) for w in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        logs = gunicorn.log_text() + dev.log_text()

    assert failures == []
    assert "Traceback" not in logs
    store = SqliteStore(data_dir / "hiprest.db")
    try:
        assert store.integrity_check()
        for user in users:
            doc = store.load(user)
            days = doc["checkin"]["days"]
            assert len(days) == 1  # one day, however many servers wrote it
            (score,) = days.values()
            assert score in scores[user]
            assert len(history_of(doc)) == 1  # routine progress survived alongside
    finally:
        store.close()
