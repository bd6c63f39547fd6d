"""The privacy policy and terms the server publishes at /privacy and /terms."""

from __future__ import annotations

from pathlib import Path

import pytest

from skill import legal
from skill.app import create_app
from skill.settings import load_settings

SKILL_ID = "amzn1.ask.skill.11111111-2222-4333-8444-555555555555"


def _get(path: str, tmp_path: Path, **kw: str) -> tuple[int, str, str]:
    # Production settings (not dev): the store listing links to the real server.
    settings = load_settings(skill_id=SKILL_ID, data_dir=tmp_path / "data", **kw)
    response = create_app(settings).test_client().get(path)
    return response.status_code, response.mimetype, response.get_data(as_text=True)


def test_privacy_policy_page_says_what_is_stored_how_long_and_how_to_delete(
    tmp_path: Path,
) -> None:
    status, mimetype, page = _get("/privacy", tmp_path)
    assert (status, mimetype) == (200, "text/html")
    assert "<h1>Hip Rest privacy policy</h1>" in page
    for heading in ("What Hip Rest stores", "How long it is kept", "How to delete your data"):
        assert f"<h2>{heading}</h2>" in page
    assert "<strong>Morning check-ins</strong>" in page  # the private profile keeps them
    assert "400 days" in page
    assert "<!--" not in page and "&lt;!--" not in page and "skill/legal.py" not in page


def test_public_profile_policy_says_nothing_about_health_is_stored(tmp_path: Path) -> None:
    _, _, page = _get("/privacy", tmp_path, profile="public")
    assert "does <strong>not</strong> store anything about your health" in page
    assert "Morning check-ins" not in page and "400 days" not in page


def test_terms_page_disclaims_and_gives_the_emergency_rule(tmp_path: Path) -> None:
    status, _, page = _get("/terms", tmp_path)
    assert status == 200
    assert "not a substitute for professional medical advice" in page
    assert "call your local emergency number" in page


def test_policy_pages_are_not_writable_routes(tmp_path: Path) -> None:
    settings = load_settings(skill_id=SKILL_ID, data_dir=tmp_path / "data")
    response = create_app(settings).test_client().post("/privacy")
    assert response.status_code == 405


@pytest.mark.parametrize("name", sorted(legal.DOCUMENTS))
def test_documents_render_every_line_and_escape_markup(name: str) -> None:
    text = legal.document_path(name).read_text(encoding="utf-8")
    page = legal.to_html(legal.for_profile(text, "private"), "t")
    for word in ("Hip Rest", "developer"):
        assert word in page
    assert legal.to_html("- a <script> & **b**", "t").count("<script>") == 0
    assert "<li>a &lt;script&gt; &amp; <strong>b</strong></li>" in legal.to_html(
        "- a <script> & **b**", "t"
    )
