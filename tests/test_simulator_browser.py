"""The simulator page in a real browser (Debian's Chromium driven by Playwright).

Skipped, with the reason, where Chromium or Playwright is not installed; CI
installs both (see .ci/run).
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from skill.app import create_app
from skill.deps import Deps

CHROMIUM = "/usr/bin/chromium"
pytestmark = pytest.mark.browser


@pytest.fixture
def base_url(deps: Deps) -> Iterator[str]:
    app = create_app(deps.settings, deps=deps)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def test_typing_an_utterance_shows_speech_ssml_and_session(base_url: str, tmp_path: Path) -> None:
    if not shutil.which(CHROMIUM):
        pytest.skip(f"{CHROMIUM} not installed (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        try:
            page = browser.new_page()
            page.goto(base_url + "/")
            page.wait_for_selector("#intent option", state="attached")
            page.click("#launch")
            page.wait_for_function("document.querySelector('#speech').textContent.length > 0")
            assert "Hip Rest" in page.inner_text("#speech")
            page.fill("#text", "which side should I sleep on if my right hip hurts")
            page.press("#text", "Enter")
            page.wait_for_function("document.querySelector('#speech').textContent.includes('left')")
            assert "<speak>" in page.inner_text("#ssml")
            assert "pending" in page.inner_text("#attrs")
            assert page.inner_text("#problems") == ""
            log = page.inner_text("#log")
            assert "WhichSideIntent" in log
            page.screenshot(path=str(tmp_path / "simulator.png"))
            assert (tmp_path / "simulator.png").stat().st_size > 10_000
        finally:
            browser.close()
