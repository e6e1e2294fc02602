"""Pure computations on per-member counts: median, top-10 % share, absence factor, hubs."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping


def median(values: Iterable[float]) -> float | None:
    """The median (mean of the two middle values for an even count); None when empty."""
    ordered = sorted(values)
    n = len(ordered)
    if n == 0:
        return None
    mid = n // 2
    return ordered[mid] if n % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def ranked(counts: Mapping[int, int], key: Mapping[int, str] | None = None) -> list[int]:
    """Counts from the largest, ties broken by member id (external id when given)."""
    return sorted(counts, key=lambda m: (-counts[m], key[m] if key else m))


def top10_share(posts: Mapping[int, int]) -> float | None:
    """Share of the posts made by the top ceil(10 %) of posters; None without posts."""
    total = sum(posts.values())
    if total == 0:
        return None
    posters = [m for m in posts if posts[m] > 0]
    k = math.ceil(len(posters) / 10)
    top = sorted((posts[m] for m in posters), reverse=True)[:k]
    return sum(top) / total


def absence_factor(posts: Mapping[int, int]) -> int | None:
    """The fewest posters who together made at least half of the posts; None without posts."""
    total = sum(posts.values())
    if total == 0:
        return None
    running = 0
    for k, count in enumerate(sorted(posts.values(), reverse=True), 1):
        running += count
        if 2 * running >= total:
            return k
    return None  # pragma: no cover - unreachable when total > 0


def partners(pairs: Iterable[tuple[int, int]]) -> dict[int, set[int]]:
    """Each member's distinct partners, either direction."""
    out: dict[int, set[int]] = {}
    for a, b in pairs:
        out.setdefault(a, set()).add(b)
        out.setdefault(b, set()).add(a)
    return out

