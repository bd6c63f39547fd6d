"""A stored check-in history that counts how often it is touched (reads, scans)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping


class CountingDays(Mapping[str, int]):
    def __init__(self, data: dict[str, int]) -> None:
        self.data = data
        self.reads = 0
        self.scans = 0

    def __getitem__(self, k: str) -> int:
        self.reads += 1
        return self.data[k]

    def __iter__(self) -> Iterator[str]:
        self.scans += 1
        return iter(self.data)

    def __len__(self) -> int:
        return len(self.data)
