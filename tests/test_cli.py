"""The command line, run as a user would: real processes, real ports."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from skill import envelopes
from skill.envelopes import Caller

ROOT = Path(__file__).resolve().parent.parent
SKILL_ID = "amzn1.ask.skill.11111111-2222-4333-8444-555555555555"


# Every development run below is pinned (issue 18): a weekday afternoon in UTC, so the
# day voice answers whatever the hour and zone the suite runs at. Production runs cannot
# be pinned (they refuse HIPREST_NOW) and assert nothing that depends on the hour.
PINNED_NOW = "2026-12-02T15:00:00"
PINNED_TZ = "UTC"
# Envelope timestamps: nothing below verifies them against the real clock.
ENVELOPE_TIME = datetime(2026, 12, 2, 15, 0, tzinfo=UTC)


def _env(tmp_path: Path, pinned: bool = True, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HIPREST_")}
    env["HIPREST_DATA_DIR"] = str(tmp_path / "data")
    # The machine's zone must not leak into a child either.
    env["TZ"] = "UTC"
    if pinned:
        env["HIPREST_NOW"], env["HIPREST_TZ"] = PINNED_NOW, PINNED_TZ
    env.update(extra)
    return env


def _run(
    args: list[str], tmp_path: Path, stdin: str = "", pinned: bool = True, **extra: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "skill", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=_env(tmp_path, pinned, **extra),
        timeout=60,
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_piped_help_prints_the_help(tmp_path: Path) -> None:
    result = _run(["chat"], tmp_path, stdin="help\n")
    assert result.returncode == 0, result.stderr
    assert "which side should I sleep on" in result.stdout


def test_chat_with_ssml_flag_shows_markup(tmp_path: Path) -> None:
    result = _run(["chat", "--ssml"], tmp_path, stdin="help\n")
    assert "<speak>" in result.stdout


def test_chat_keeps_data_per_user_in_the_data_dir(tmp_path: Path) -> None:
    _run(["chat", "--user", "alice"], tmp_path, stdin="open hip rest\nstop\n")
    again = _run(["chat", "--user", "alice"], tmp_path, stdin="open hip rest\n")
    fresh = _run(["chat", "--user", "bob"], tmp_path, stdin="open hip rest\n")
    assert "Welcome back" in again.stdout or "Hi again" in again.stdout
    assert "Welcome to Hip Rest" in fresh.stdout
    assert (tmp_path / "data" / "hiprest.db").exists()


def test_chat_at_night_greets_a_returning_user_in_the_short_night_wording(
    tmp_path: Path,
) -> None:
    _run(["chat", "--user", "alice"], tmp_path, stdin="open hip rest\nstop\n")
    night = _run(
        ["chat", "--user", "alice", "--now", "2026-12-02T23:30"], tmp_path, stdin="open hip rest\n"
    )
    assert night.returncode == 0, night.stderr
    assert "Pillows, a stretch, or your check-in?" in night.stdout
    assert "Welcome back" not in night.stdout


def test_chat_replays_tomorrow_morning_and_compares_with_yesterday(tmp_path: Path) -> None:
    first = _run(
        ["chat", "--now", "2026-12-01T07:00"], tmp_path, stdin="my stiffness is 4\n"
    )
    second = _run(
        ["chat", "--now", "2026-12-02T07:00"], tmp_path, stdin="my stiffness is 6\n"
    )
    assert first.returncode == second.returncode == 0, first.stderr + second.stderr
    assert "first score" in first.stdout
    assert "2 higher than yesterday" in second.stdout


def test_chat_reads_now_as_wall_clock_time_in_the_given_zone(tmp_path: Path) -> None:
    # 07:30 in Auckland is still the evening before in UTC: the morning's date is stored.
    said = _run(
        ["chat", "--now", "2026-12-02T07:30", "--tz", "Pacific/Auckland"],
        tmp_path,
        stdin="my stiffness is 3\n",
    )
    assert said.returncode == 0, said.stderr
    exported = _run(["export", "--user", "amzn1.ask.account.console"], tmp_path)
    assert exported.returncode == 0, exported.stderr
    assert "2026-12-02" in exported.stdout
    assert "2026-12-01" not in json.dumps(json.loads(exported.stdout).get("checkin", {}))


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["--now", "yesterday-ish"], "HIPREST_NOW"),
        (["--tz", "Mars/Olympus"], "HIPREST_TZ"),
    ],
)
def test_a_bad_clock_override_is_one_line(args: list[str], named: str, tmp_path: Path) -> None:
    result = _run(["chat", *args], tmp_path, stdin="help\n", pinned=False)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert named in result.stderr or "date and time" in result.stderr


def test_production_server_refuses_a_pinned_clock_with_one_line(tmp_path: Path) -> None:
    result = _run(
        ["serve", "--port", str(_free_port()), "--now", "2026-12-02T07:00"],
        tmp_path,
        pinned=False,
        HIPREST_SKILL_ID=SKILL_ID,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "development runs only" in result.stderr


def test_check_passes_on_the_shipped_content(tmp_path: Path) -> None:
    result = _run(["check"], tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("command", ["serve", "chat", "check", "package", "export"])
def test_every_command_has_help(command: str, tmp_path: Path) -> None:
    result = _run([command, "--help"], tmp_path)
    assert result.returncode == 0
    assert "usage:" in result.stdout


def test_bad_setting_stops_with_one_line_not_a_traceback(tmp_path: Path) -> None:
    result = _run(["chat"], tmp_path, stdin="help\n", HIPREST_LOG_LEVEL="LOUD")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "HIPREST_LOG_LEVEL" in result.stderr


@pytest.mark.parametrize("command", ["chat", "check", "export --user x", "package --out OUT"])
def test_bad_setting_is_one_line_for_every_command(command: str, tmp_path: Path) -> None:
    args = command.replace("OUT", str(tmp_path / "pkg")).split()
    result = _run(args, tmp_path, stdin="help\n", HIPREST_MAX_BODY_BYTES="lots")
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert "HIPREST_MAX_BODY_BYTES" in result.stderr


def test_serve_without_skill_id_refuses_to_start(tmp_path: Path) -> None:
    result = _run(["serve", "--port", str(_free_port())], tmp_path, pinned=False)
    assert result.returncode == 2
    assert "HIPREST_SKILL_ID" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.fixture
def server(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    port = _free_port()
    dev = request.param == "dev"
    args = ["serve", "--host", "127.0.0.1", "--port", str(port)] + (["--dev"] if dev else [])
    extra = {} if dev else {"HIPREST_SKILL_ID": SKILL_ID}
    proc = subprocess.Popen(
        [sys.executable, "-m", "skill", *args],
        cwd=ROOT,
        env=_env(tmp_path, dev, **extra),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(base + "/healthz", timeout=1) as r:
                    if r.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.2)
        else:
            raise AssertionError("server did not start")
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=15)


def _post(url: str, body: bytes) -> tuple[int, dict[str, object]]:
    req = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


@pytest.mark.slow
@pytest.mark.parametrize("server", ["dev"], indirect=True)
def test_dev_server_answers_launch_and_health(server: str) -> None:
    body = json.dumps(envelopes.launch(Caller(), ENVELOPE_TIME)).encode()
    status, data = _post(server + "/alexa", body)
    assert status == 200
    assert "outputSpeech" in data["response"]  # type: ignore[operator]
    with urllib.request.urlopen(server + "/", timeout=5) as r:
        assert b"Hip Rest simulator" in r.read()


@pytest.mark.slow
@pytest.mark.parametrize("server", ["prod"], indirect=True)
def test_production_server_refuses_unsigned_requests_with_400(server: str) -> None:
    env = envelopes.launch(Caller(application_id=SKILL_ID), ENVELOPE_TIME)
    status, data = _post(server + "/alexa", json.dumps(env).encode())
    assert status == 400
    assert "error" in data


def test_lambda_entry_point_does_not_import_flask() -> None:
    code = (
        "import sys, skill.lambda_function as l; "
        "assert 'flask' not in sys.modules, 'flask imported'; "
        "assert callable(l.lambda_handler)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr


def test_lambda_handler_answers_a_launch_without_flask(tmp_path: Path) -> None:
    event = envelopes.launch(Caller(), ENVELOPE_TIME)
    code = (
        "import json, sys, skill.lambda_function as l; "
        "out = l.lambda_handler(json.loads(sys.stdin.read()), None); "
        "assert 'flask' not in sys.modules; print(json.dumps(out))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        input=json.dumps(event),
        capture_output=True,
        text=True,
        cwd=ROOT,
        # Lambda refuses a pinned clock: the assertion below holds day and night.
        env=_env(tmp_path, pinned=False, HIPREST_DEV="1"),
    )
    assert result.returncode == 0, result.stderr
    assert "Hip Rest" in json.loads(result.stdout)["response"]["outputSpeech"]["ssml"]


def test_nothing_is_written_inside_the_repository(tmp_path: Path) -> None:
    before = set(
        subprocess.run(
            ["git", "status", "--porcelain", "--ignored"], cwd=ROOT, capture_output=True, text=True
        ).stdout.splitlines()
    )
    _run(["chat"], tmp_path, stdin="open hip rest\nhelp\n")
    after = set(
        subprocess.run(
            ["git", "status", "--porcelain", "--ignored"], cwd=ROOT, capture_output=True, text=True
        ).stdout.splitlines()
    )
    new = {line for line in after - before if ".db" in line or "data" in line}
    assert new == set()


@pytest.mark.parametrize(
    ("command", "names"),
    [
        ("serve", ["HIPREST_SKILL_ID", "HIPREST_VERIFY_REQUESTS", "HIPREST_PROFILE", "PORT"]),
        ("chat", ["HIPREST_DATA_DIR", "HIPREST_STORE", "HIPREST_PROFILE"]),
        ("package", ["HIPREST_ENDPOINT_URI", "HIPREST_LAMBDA_ARN", "HIPREST_PRIVACY_POLICY_URL"]),
        ("export", ["HIPREST_DATA_DIR", "HIPREST_STORE"]),
    ],
)
def test_help_lists_the_settings_each_command_reads_and_defaults(
    command: str, names: list[str], tmp_path: Path
) -> None:
    out = _run([command, "--help"], tmp_path).stdout
    for name in names:
        assert name in out, f"{command} --help lacks {name}"
    if command == "serve":
        assert "(default: 127.0.0.1)" in out and "HIPREST_STORE" in out
        assert "default: sqlite" in out and "default: private" in out
    if command != "serve":
        assert "HIPREST_SKILL_ID" not in out  # only what the command really reads


def test_check_help_says_it_reads_no_settings(tmp_path: Path) -> None:
    assert "reads no HIPREST_* settings" in _run(["check", "--help"], tmp_path).stdout


def test_unknown_locale_is_refused_with_the_list_of_locales(tmp_path: Path) -> None:
    result = _run(["chat", "--locale", "de-DE"], tmp_path, stdin="help\n")
    assert result.returncode == 2
    assert "de-DE" in result.stderr
    for locale in ("en-US", "en-GB", "en-CA", "en-AU", "en-IN"):
        assert locale in result.stderr
    assert "alexa>" not in result.stdout  # no quiet answer in en-US


def test_export_says_which_user_id_it_expects(tmp_path: Path) -> None:
    assert "amzn1.ask.account." in _run(["export", "--help"], tmp_path).stdout
    result = _run(["export", "--user", "nobody"], tmp_path)
    assert result.returncode == 1
    assert "amzn1.ask.account." in result.stderr and "chat --user" in result.stderr
