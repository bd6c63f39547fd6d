"""Phrasing files (YAML) -> one JSON list for coverage.js: [{say, cls, intents, locale}].

Reads the shared format (``items:`` with ``expect``; tests/data/tuning, the held-out set)
and the older tests/data layouts (a list of {say, intent}; sections of such lists; lists
of plain "ordinary" strings). Prints JSON on stdout; never prints the phrasings' text
anywhere else, and coverage.js prints only aggregate figures.
Usage: python tests/e2e/phrasings_json.py FILE.yaml
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import yaml

RED_FLAG = "RedFlagIntent"


def _item(raw: Any, section: str) -> dict[str, Any] | None:
    if isinstance(raw, str):
        # Plain strings only ever list everyday talk that must not alarm.
        return {"say": raw, "cls": "ordinary", "intents": [], "locale": None}
    if not isinstance(raw, dict) or "say" not in raw:
        return None
    locale = raw.get("locale")
    if "expect" in raw:
        cls = str(raw["expect"])
        wanted = raw.get("intent") or []
        intents = [wanted] if isinstance(wanted, str) else list(wanted)
        if cls in ("red_flag", "clarify"):
            intents = [RED_FLAG]
        return {"say": raw["say"], "cls": cls, "intents": intents, "locale": locale}
    intent = raw.get("intent")
    if intent == RED_FLAG or "symptom" in raw:
        return {"say": raw["say"], "cls": "red_flag", "intents": [RED_FLAG], "locale": locale}
    if intent:
        return {"say": raw["say"], "cls": "intent", "intents": [intent], "locale": locale}
    return {"say": raw["say"], "cls": "ordinary" if "ordinary" in section else "intent",
            "intents": [], "locale": locale}


def items(data: Any) -> list[dict[str, Any]]:
    sections: list[tuple[str, Any]]
    if isinstance(data, list):
        sections = [("", data)]
    elif isinstance(data, dict):
        sections = [(str(k), v) for k, v in data.items() if isinstance(v, list)]
    else:
        sections = []
    out = []
    for name, entries in sections:
        for raw in entries:
            item = _item(raw, name)
            if item is not None:
                out.append(item)
    return out


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    data = yaml.safe_load(Path(argv[1]).read_text(encoding="utf-8"))
    json.dump(items(data), sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
