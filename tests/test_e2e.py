"""End-to-end with an outside simulator: virtual-alexa (npm, pinned in
tests/e2e/package.json) resolves utterances against the interaction model that
``python -m skill package`` generates and posts real-shaped envelopes to a real
``python -m skill serve --dev`` process on 127.0.0.1.

Needs node and npm. Without them this test FAILS (it never passes quietly);
``npm ci`` runs once if tests/e2e/node_modules is missing (npm registry access).
"""

from __future__ import annotations

import fcntl
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.servers import PINNED_NOW

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parent.parent
E2E = ROOT / "tests" / "e2e"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _healthy(port: int) -> bool:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
    try:
        conn.request("GET", "/healthz")
        return conn.getresponse().status == 200
    except OSError:
        return False
    finally:
        conn.close()


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(
            f"!!! {name} is not installed: the virtual-alexa end-to-end tests CANNOT run. "
            "Install Node.js 18+ with npm (e.g. apt-get install nodejs npm).",
            pytrace=False,
        )
    return path


def _installed() -> bool:
    wanted = ("virtual-alexa", "apl-suggester")
    return all((E2E / "node_modules" / name / "package.json").is_file() for name in wanted)


@pytest.fixture(scope="module")
def node_modules() -> Path:
    node, npm = _tool("node"), _tool("npm")
    del node
    # Each xdist worker gets this module-scoped fixture: two ``npm ci`` runs in one
    # folder delete each other's files (ENOTEMPTY, CI stop 21). One worker installs
    # under an exclusive lock; the others wait and then find it done.
    with (E2E / ".npm-ci.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not _installed():
            started = time.monotonic()
            result = subprocess.run(
                [npm, "ci", "--no-audit", "--no-fund"], cwd=E2E, capture_output=True,
                text=True, timeout=600, check=False,
            )
            if result.returncode != 0:
                pytest.fail(f"npm ci failed in tests/e2e:\n{result.stdout}\n{result.stderr}",
                            pytrace=False)
            print(f"npm ci took {time.monotonic() - started:.1f}s")
    return E2E / "node_modules"


@pytest.fixture(scope="module")
def dev_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    data = tmp_path_factory.mktemp("e2e-data")
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("HIPREST_")}
    env["HIPREST_DATA_DIR"] = str(data)
    # Pinned (issue 18): the dialogues below expect the day voice at any hour.
    env.update(HIPREST_NOW=PINNED_NOW, HIPREST_TZ="UTC", TZ="UTC")
    log = (data / "server.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "skill", "serve", "--dev", "--host", "127.0.0.1",
         "--port", str(port)],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 30
        while not _healthy(port):
            if proc.poll() is not None or time.monotonic() > deadline:
                log.flush()
                pytest.fail("dev server did not come up:\n"
                            + (data / "server.log").read_text(errors="replace"))
            time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        # Only the process group we started.
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=10)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)
        log.close()


@pytest.fixture(scope="module")
def packaged_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("ask-project")
    subprocess.run(
        # --draft: the model is what this test needs, not certification-ready links.
        [sys.executable, "-m", "skill", "package", "--draft", "--out", str(out)],
        cwd=ROOT, check=True, capture_output=True, timeout=120,
    )
    model = out / "skill-package" / "interactionModels" / "custom" / "en-US.json"
    assert model.is_file()
    return model


def test_virtual_alexa_scenarios_pass_against_the_running_dev_server(
    node_modules: Path, dev_server: str, packaged_model: Path
) -> None:
    env = dict(os.environ, HIPREST_E2E_URL=dev_server, HIPREST_E2E_MODEL=str(packaged_model))
    started = time.monotonic()
    result = subprocess.run(
        [_tool("node"), "--test"], cwd=E2E, env=env, capture_output=True, text=True,
        timeout=600, check=False,
    )
    elapsed = time.monotonic() - started
    report = result.stdout + result.stderr
    print(report)
    print(f"node --test took {elapsed:.1f}s")
    assert result.returncode == 0, report
    counts = {k: int(v) for k, v in re.findall(r"^# (pass|fail|skipped) (\d+)$", report, re.M)}
    assert counts.get("fail", 0) == 0, report
    assert counts.get("pass", 0) >= 1, "no virtual-alexa scenario ran:\n" + report
    if counts.get("skipped", 0):
        warnings.warn(
            f"{counts['skipped']} virtual-alexa scenario(s) SKIPPED: "
            + "; ".join(re.findall(r"# SKIP (.+)$", report, re.M)),
            stacklevel=1,
        )


def test_apl_documents_pass_apl_suggester_without_warnings(node_modules: Path) -> None:
    docs = sorted((ROOT / "skill" / "apl").glob("*.json"))
    assert len(docs) == 2
    result = subprocess.run(
        [_tool("node"), "apl-lint.js", *map(str, docs)], cwd=E2E, capture_output=True,
        text=True, timeout=120, check=True,
    )
    findings = json.loads(result.stdout.strip().splitlines()[-1])
    assert findings == {str(d): [] for d in docs}


def test_coverage_script_counts_exact_matches_per_class_and_prints_no_phrasing(
    node_modules: Path, packaged_model: Path, tmp_path: Path
) -> None:
    # The lead runs tests/e2e/coverage.js on the held-out set: it must never echo a line.
    phrasings = tmp_path / "set.yaml"
    phrasings.write_text(
        "items:\n"
        '  - {say: "I\'ve got a fever", expect: red_flag, level: same_day}\n'
        '  - {say: "um my zebra keeps snoring", expect: ordinary}\n'
        '  - {say: "which side should i sleep on", expect: intent, intent: WhichSideIntent}\n'
        '  - {say: "quartz xylophone", expect: intent, intent: PillowIntent}\n',
        encoding="utf-8",
    )
    result = subprocess.run(
        [_tool("node"), str(E2E / "coverage.js"), str(packaged_model.parent), str(phrasings)],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
        env=dict(os.environ, PYTHON=sys.executable),
    )
    assert result.returncode == 0, result.stderr
    for word in ("fever", "zebra", "which side", "xylophone"):
        assert word not in (result.stdout + result.stderr).lower()
    rows = {line.split()[0]: line.split() for line in result.stdout.splitlines()[1:]}
    # class, n, sample (pct), right (pct), catch-all (pct), none (pct), red flags
    assert rows["red_flag"][1:3] + rows["red_flag"][4:5] == ["1", "1", "1"]
    assert rows["ordinary"][1] == "1" and rows["ordinary"][5] == "1"  # via the catch-all
    assert rows["intent"][1:3] == ["2", "1"]
    assert rows["intent"][-3] == "1"  # "quartz xylophone": no carrier, words lost
