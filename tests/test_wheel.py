"""The built wheel, installed as a user would, outside the checkout.

Builds the wheel from a copy of the tracked sources (the checkout is left
untouched), installs it with ``--no-deps`` into a fresh venv in a temporary
directory whose dependencies come from this test run's environment (a ``.pth``
line: no network), and runs the ``hiprest`` console script from that directory.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# What setup.py must carry into the wheel, and what a source copy needs to build one.
BUILD_INPUTS = ("pyproject.toml", "setup.py", "MANIFEST.in", "README.md", "LICENSE")
SOURCE_DIRS = ("skill", "content", "interaction_models", "docs", "infra")

pytestmark = pytest.mark.slow


def _copy_sources(dest: Path) -> Path:
    for name in BUILD_INPUTS:
        shutil.copy2(ROOT / name, dest / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "_data")
    for name in SOURCE_DIRS:
        shutil.copytree(ROOT / name, dest / name, ignore=ignore)
    return dest


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    src = _copy_sources(tmp_path_factory.mktemp("src"))
    dist = tmp_path_factory.mktemp("dist")
    # No build isolation: the dev extras hold the setuptools floor pyproject declares,
    # so the build needs no download and tests that floor.
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
         "--no-index", "-q", "-w", str(dist), str(src)],
        check=True, capture_output=True, text=True, timeout=300,
    )
    (built,) = dist.glob("hiprest-*.whl")
    return built


@pytest.fixture(scope="module")
def venv(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("fresh")
    env_dir = home / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(env_dir)],
                   check=True, timeout=120)
    purelib = Path(subprocess.run(
        [str(env_dir / "bin" / "python"), "-c",
         "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True, capture_output=True, text=True, timeout=60,
    ).stdout.strip())
    # The runtime dependencies already installed for this run, on the path after the
    # venv's own site-packages (so the wheel's `skill` wins). A plain path line: the
    # .pth files over there (this checkout's editable install) are not processed.
    (purelib / "_hiprest_test_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(env_dir / "bin" / "python"), "install",
         "--no-deps", "--no-index", "-q", str(wheel)],
        check=True, capture_output=True, text=True, timeout=300,
    )
    return env_dir


def _hiprest(venv: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    cwd = venv.parent  # outside the checkout: nothing can be found relative to it
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("HIPREST_", "PYTHON", "VIRTUAL_ENV"))}
    env["HIPREST_DATA_DIR"] = str(cwd / "data")
    return subprocess.run([str(venv / "bin" / "hiprest"), *args], input=stdin, cwd=cwd,
                          env=env, capture_output=True, text=True, timeout=120)


def test_wheel_carries_content_models_license_and_metadata(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        metadata = zf.read("hiprest-0.1.0.dist-info/METADATA").decode()
    for src in (ROOT / "content").rglob("*.yaml"):
        assert f"skill/_data/content/{src.relative_to(ROOT / 'content').as_posix()}" in names
    for src in (ROOT / "interaction_models").glob("*.json"):
        assert f"skill/_data/interaction_models/{src.name}" in names
    assert "skill/apl/routine.json" in names and "skill/static/simulator.html" in names
    # The policy pages the server publishes, and only those of docs/.
    assert {n for n in names if n.startswith("skill/_data/docs/")} == {
        "skill/_data/docs/privacy.md", "skill/_data/docs/terms.md"}
    assert "hiprest-0.1.0.dist-info/licenses/LICENSE" in names
    assert "License-Expression: MIT" in metadata
    assert "Author: The Hip Rest authors" in metadata
    assert "Classifier: Programming Language :: Python :: 3.13" in metadata
    assert "Project-URL: Source," in metadata
    # Only what the skill reads: no tests, benchmarks or docs sources as modules.
    assert not any(n.startswith(("tests/", "benchmarks/")) for n in names)


def test_installed_cli_answers_help_from_outside_the_checkout(venv: Path) -> None:
    result = _hiprest(venv, "chat", stdin="help\n")
    assert result.returncode == 0, result.stderr
    assert "which side should I sleep on" in result.stdout


def test_installed_server_publishes_the_privacy_policy(venv: Path) -> None:
    code = ("from skill import legal; p = legal.page('privacy', 'public'); "
            "print(legal.document_path('privacy')); print('about your health' in p)")
    out = subprocess.run([str(venv / "bin" / "python"), "-c", code], cwd=venv.parent,
                         capture_output=True, text=True, timeout=60, check=True).stdout.split()
    assert Path(out[0]).is_relative_to(venv) and out[1] == "True"


def test_installed_check_passes_and_reads_the_shipped_copies(venv: Path) -> None:
    result = _hiprest(venv, "check")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("ok:")
    where = subprocess.run(
        [str(venv / "bin" / "python"), "-c",
         "import skill.content as c, skill.models as m; print(c.CONTENT_DIR); print(m.MODELS_DIR)"],
        cwd=venv.parent, capture_output=True, text=True, timeout=60, check=True,
    ).stdout.split()
    assert all(Path(p).is_relative_to(venv) for p in where), where
    assert all(Path(p).parent.name == "_data" for p in where), where


def test_installed_package_command_writes_the_one_command_deploy_project(venv: Path) -> None:
    out = venv.parent / "ask-project"
    result = _hiprest(venv, "package", "--deployer", "cfn", "--draft", "--out", str(out))
    assert result.returncode == 0, result.stderr
    for rel in ("ask-resources.json", "hooks/build.sh", "lambda/requirements.txt",
                "infrastructure/cfn-deployer/skill-stack.yaml", "lambda/content/sources.yaml",
                "lambda/interaction_models/en-US.json", "lambda/skill/lambda_function.py",
                "skill-package/assets/images/hiprest-512.png"):
        assert (out / rel).is_file(), rel
    assert not (out / "lambda" / "skill" / "_data").exists()
