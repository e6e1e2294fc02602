"""Survey scores as KPI.md defines them: NPS, CSAT and the Likert mean."""

from __future__ import annotations

from collections.abc import Mapping


def nps(counts: Mapping[int, int]) -> float | None:
    """% promoters (9-10) - % detractors (0-6) over every answer, from -100 to 100; None without answers."""
    total = sum(counts.values())
    if not total:
        return None
    promoters = sum(n for v, n in counts.items() if v >= 9)
    detractors = sum(n for v, n in counts.items() if v <= 6)
    return round((promoters - detractors) * 100 / total, 4)


def csat(counts: Mapping[int, int]) -> float | None:
    """Share of 4-5 answers on a 1-5 scale x 100; None without answers."""
    total = sum(counts.values())
    if not total:
        return None
    return round(sum(n for v, n in counts.items() if v >= 4) * 100 / total, 4)


def mean(counts: Mapping[int, int]) -> float | None:
    """The mean score; None without answers."""
    total = sum(counts.values())
    if not total:
        return None
    return round(sum(v * n for v, n in counts.items()) / total, 4)


def nps_split(counts: Mapping[int, int]) -> tuple[int, int, int]:
    """(promoters, passives, detractors)."""
    promoters = sum(n for v, n in counts.items() if v >= 9)
    detractors = sum(n for v, n in counts.items() if v <= 6)
    return promoters, sum(counts.values()) - promoters - detractors, detractors
