"""`python -m benchmarks --quick` runs end to end and prints every section.

Timing is never asserted here (machines are noisy); the benchmark itself reports
ratios against the hello-world skill measured in the same run.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.run import SECTIONS

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_quick_benchmark_runs_and_prints_every_section(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HIPREST_")}
    env["TMPDIR"] = str(tmp_path)
    out = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--quick"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    for title in SECTIONS:
        assert f"## {title}" in out.stdout, f"section {title!r} missing"
    # Every Hip Rest request answered (a non-200 stops the run), and the
    # reference was measured beside it.
    assert "hello-world launch p50" in out.stdout
    assert "lost updates | 0 |" in out.stdout
