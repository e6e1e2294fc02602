"""Periods in a community's timezone: ISO weeks, calendar months, days, and all time."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

PeriodKind = Literal["day", "week", "month", "all"]

_WEEK = re.compile(r"^(\d{4})-?W(\d{1,2})$", re.IGNORECASE)
_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")


@dataclass(frozen=True, slots=True)
class Period:
    """A span of time `[start, end)` (UTC) with its key: `2026-W02`, `2026-01`, `2026-01-05` or `all`."""

    kind: PeriodKind
    key: str
    start: datetime | None = None
    end: datetime | None = None

    def contains(self, when: datetime) -> bool:
        """Whether `when` falls in the period."""
        return (self.start is None or when >= self.start) and (self.end is None or when < self.end)


ALL_TIME = Period("all", "all")


def _at_midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)


def period_of(kind: PeriodKind, when: datetime, tz: ZoneInfo) -> Period:
    """The period of a kind that contains `when`."""
    local = when.astimezone(tz).date()
    if kind == "all":
        return ALL_TIME
    if kind == "day":
        return Period("day", local.isoformat(), _at_midnight(local, tz), _at_midnight(local + timedelta(days=1), tz))
    if kind == "week":
        monday = local - timedelta(days=local.weekday())
        year, week, _ = monday.isocalendar()
        return Period("week", f"{year}-W{week:02d}", _at_midnight(monday, tz), _at_midnight(monday + timedelta(days=7), tz))
    first = local.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return Period("month", f"{first:%Y-%m}", _at_midnight(first, tz), _at_midnight(following, tz))


def previous(period: Period, tz: ZoneInfo) -> Period:
    """The period just before (all time has none: it is returned as is)."""
    if period.start is None:
        return period
    return period_of(period.kind, period.start - timedelta(seconds=1), tz)


def index_of(kind: PeriodKind, when: datetime, tz: ZoneInfo) -> int:
    """A number that grows by one from each period to the next (for streaks)."""
    local = when.astimezone(tz).date()
    if kind == "day":
        return local.toordinal()
    if kind == "week":
        return (local.toordinal() - local.weekday()) // 7
    return local.year * 12 + local.month - 1


def parse_period(text: str | None, now: datetime, tz: ZoneInfo) -> Period | None:
    """`week`, `month`, `all`, `last-week`, `last-month`, `2026-W02` or `2026-01`; None when not understood."""
    value = (text or "week").strip().lower()
    aliases = {"semaine": "week", "mois": "month", "tout": "all", "semaine-derniere": "last-week", "mois-dernier": "last-month"}
    value = aliases.get(value, value)
    if value in ("week", "month", "all"):
        return period_of(value, now, tz)  # type: ignore[arg-type]
    if value in ("last-week", "last-month"):
        return previous(period_of("week" if value == "last-week" else "month", now, tz), tz)
    if m := _WEEK.match(value):
        try:
            monday = date.fromisocalendar(int(m.group(1)), int(m.group(2)), 1)
        except ValueError:
            return None
        return period_of("week", _at_midnight(monday, tz), tz)
    if m := _MONTH.match(value):
        if not 1 <= int(m.group(2)) <= 12:
            return None
        return period_of("month", _at_midnight(date(int(m.group(1)), int(m.group(2)), 1), tz), tz)
    return None
