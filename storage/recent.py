"""A bounded map of recent entries: the history readers remember recent message authors without growing with the history."""

from __future__ import annotations

from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class RecentMap(Generic[K, V]):
    """A dict that keeps only the most recent entries (two generations of `size`): memory stays flat whatever the history.

    Replies and reactions nearly always aim at recent posts; the rest are found by `fill_targets` once the import is written.
    """

    def __init__(self, size: int = 200_000) -> None:
        self.size = size
        self._new: dict[K, V] = {}
        self._old: dict[K, V] = {}

    def __setitem__(self, key: K, value: V) -> None:
        self._new[key] = value
        if len(self._new) >= self.size:
            self._old, self._new = self._new, {}

    def get(self, key: K) -> V | None:
        """The value of a recent key, else None."""
        found = self._new.get(key)
        return found if found is not None else self._old.get(key)

    def __len__(self) -> int:
        return len(self._new) + len(self._old)
