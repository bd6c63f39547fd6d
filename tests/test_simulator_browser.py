"""The simulator page in a real browser (Debian's Chromium driven by Playwright).

Skipped, with the reason, where Chromium or Playwright is not installed; CI
installs both (see .ci/run).
"""

from __future__ import annotations

import json
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import make_server

from skill.app import create_app
from skill.deps import Deps

CHROMIUM = "/usr/bin/chromium"
# Offline and quiet: without the background-networking flag Chromium keeps trying to
# reach Google's hosts, which this machine's closed network refuses.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
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
            args=CHROMIUM_ARGS,
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


@pytest.fixture
def browser_page(base_url: str) -> Iterator[Any]:
    if not shutil.which(CHROMIUM):
        pytest.skip(f"{CHROMIUM} not installed (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(base_url + "/")
            page.wait_for_selector("#intent option", state="attached")
            yield page
        finally:
            browser.close()


def _say(page: Any, text: str) -> dict[str, Any]:
    """Type an utterance; return the response the page shows under "raw JSON"."""
    before = page.text_content("#response-json")
    page.fill("#text", text)
    page.press("#text", "Enter")
    page.wait_for_function(
        "b => document.querySelector('#response-json').textContent !== b", arg=before
    )
    response: dict[str, Any] = json.loads(page.text_content("#response-json"))
    return response


def _render_directive(response: dict[str, Any]) -> dict[str, Any]:
    (directive,) = [d for d in response["response"].get("directives", [])
                    if d["type"] == "Alexa.Presentation.APL.RenderDocument"]
    return directive


def test_echo_show_preview_draws_the_routine_screen_the_directive_describes(
    browser_page: Any, tmp_path: Path
) -> None:
    from tests.support.png import close, decode, hex_rgb

    page = browser_page
    page.check("#apl")
    _say(page, "start my bedtime stretches")
    response = _say(page, "next")
    directive = _render_directive(response)
    routine = directive["datasources"]["routine"]
    assert 0 < routine["percent"] < 100
    assert page.is_visible("#display")
    # The texts the directive binds are on the screen.
    screen_text = page.inner_text("#apl-root")
    for key in ("title", "move", "step", "stop"):
        assert routine[key] and routine[key] in screen_text, key
    # The screenshot: a black (dim) screen, and the progress bar's filled part as
    # wide as the directive's percent of its track, in the document's colours.
    shot = tmp_path / "echo-show.png"
    page.locator("#screen").screenshot(path=str(shot))
    rows = decode(shot.read_bytes())
    track = page.locator("#apl-root [data-apl=Frame] > [data-apl=Frame]").first
    screen_box = page.locator("#screen").bounding_box()
    bar_box = track.locator("..").bounding_box()
    y = round(bar_box["y"] - screen_box["y"] + bar_box["height"] / 2)
    x0 = round(bar_box["x"] - screen_box["x"])
    width = round(bar_box["width"])
    line = rows[y][x0 : x0 + width]
    filled = hex_rgb("#3d4f66")
    empty = hex_rgb("#1c1c1c")
    filled_px = sum(1 for px in line if close(px, filled, 10))
    empty_px = sum(1 for px in line if close(px, empty, 10))
    assert filled_px + empty_px > 0.9 * width, "the bar row is neither fill nor track"
    assert abs(filled_px / width - routine["percent"] / 100) < 0.05
    assert close(rows[2][2], (0, 0, 0), 2), "the screen is black like the APL background"
    # Raw JSON on demand: the request that produced this screen asked with APL.
    page.click("#raw summary")
    request = json.loads(page.inner_text("#request-json"))
    assert "Alexa.Presentation.APL" in request["context"]["System"]["device"][
        "supportedInterfaces"]


def test_echo_show_preview_draws_one_bar_per_morning_for_the_week(browser_page: Any) -> None:
    page = browser_page
    page.check("#apl")
    _say(page, "my stiffness is 4")
    directive = _render_directive(_say(page, "how was my week"))
    bars = directive["datasources"]["chart"]["bars"]
    drawn = page.locator("#apl-root [data-apl=Container] [data-apl=Container] > [data-apl=Frame]")
    assert drawn.count() == len(bars)
    heights = [drawn.nth(i).bounding_box()["height"] for i in range(len(bars))]
    tallest = max(range(len(bars)), key=lambda i: int(bars[i]["percent"]))
    assert bars[tallest]["percent"] == 40 and heights[tallest] == max(heights)
    assert directive["datasources"]["chart"]["title"] in page.inner_text("#apl-root")


def test_without_a_screen_no_preview_is_shown(browser_page: Any) -> None:
    page = browser_page
    response = _say(page, "start my bedtime stretches")
    assert not response["response"].get("directives")
    assert not page.is_visible("#display")
