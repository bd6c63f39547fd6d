"""safety capability: handlers and hooks (filled in by its issue)."""

from __future__ import annotations

from skill.registry import Registry


def register(registry: Registry) -> None:
    """Add this capability's handlers and hooks."""
