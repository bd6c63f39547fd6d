"""The privacy policy and terms of use, served at /privacy and /terms.

``docs/privacy.md`` and ``docs/terms.md`` are the single source (the wheel carries
copies, see skill/data.py). Blocks between ``<!-- profile: NAME -->`` and
``<!-- end profile -->`` apply to one deployment profile only, so the page a
server shows says what *that* server stores. The Markdown here is the small
subset the two documents use: headings, paragraphs, ``-`` lists, ``**bold**``.

Pure: the standard library only.
"""

from __future__ import annotations

import html
import re
from functools import cache
from pathlib import Path

from skill.data import data_dir

DOCUMENTS = {"privacy": "privacy.md", "terms": "terms.md"}
_PROFILE = re.compile(r"^<!-- profile: (\w+) -->$")
_END = "<!-- end profile -->"
_BOLD = re.compile(r"\*\*(.+?)\*\*")
# Dark and dim like the Echo Show screens: the page is opened from a bedside phone too.
_STYLE = (
    "body{background:#0b142b;color:#d9deea;font:17px/1.55 system-ui,sans-serif;"
    "max-width:42rem;margin:2rem auto;padding:0 1rem}h1,h2{color:#f2d48c;font-weight:600}"
)


def for_profile(markdown: str, profile: str) -> str:
    """``markdown`` without the blocks meant for other profiles, the markers and other
    HTML comments."""
    kept: list[str] = []
    active: str | None = None
    in_comment = False
    for line in markdown.splitlines():
        marker = _PROFILE.match(line.strip())
        if in_comment or (line.strip().startswith("<!--") and not marker
                          and line.strip() != _END):
            # An editor's note, never published.
            in_comment = not line.strip().endswith("-->")
            continue
        if marker:
            active = marker.group(1)
        elif line.strip() == _END:
            active = None
        elif active is None or active == profile:
            kept.append(line)
    return "\n".join(kept)


def _inline(text: str) -> str:
    return _BOLD.sub(r"<strong>\1</strong>", html.escape(text, quote=False))


def to_html(markdown: str, title: str) -> str:
    """A complete HTML page for the Markdown subset above, every text escaped."""
    out: list[str] = []
    para: list[str] = []
    items: list[str] = []

    def flush() -> None:
        if para:
            out.append(f"<p>{_inline(' '.join(para))}</p>")
            para.clear()
        if items:
            out.append("<ul>" + "".join(f"<li>{_inline(i)}</li>" for i in items) + "</ul>")
            items.clear()

    for raw in markdown.splitlines():
        line = raw.strip()
        if not line:
            flush()
        elif line.startswith("#"):
            flush()
            level = min(len(line) - len(line.lstrip("#")), 3)
            out.append(f"<h{level}>{_inline(line.lstrip('#').strip())}</h{level}>")
        elif line.startswith("- "):
            if para:
                flush()
            items.append(line[2:])
        elif items and raw.startswith("  "):
            items[-1] += " " + line  # a list item's continuation line
        else:
            if items:
                flush()
            para.append(line)
    flush()
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head>"
        f"<body>{''.join(out)}</body></html>"
    )


def document_path(name: str) -> Path:
    return data_dir("docs") / DOCUMENTS[name]


@cache
def page(name: str, profile: str) -> str:
    """The served page ``name`` ("privacy" or "terms") for this deployment profile.
    Rendered once per process: the shipped documents do not change while it runs."""
    markdown = for_profile(document_path(name).read_text(encoding="utf-8"), profile)
    title = next((ln.lstrip("# ").strip() for ln in markdown.splitlines() if ln.startswith("# ")),
                 "Hip Rest")
    return to_html(markdown, title)
