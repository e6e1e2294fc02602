"""Reporting periods in a community's timezone: ISO weeks (the default), calendar months and date ranges."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_RANGE = re.compile(r"^(\d{4}-\d{2}-\d{2})\s*(?:\.\.|/)\s*(\d{4}-\d{2}-\d{2})$")
FORMS = "an ISO week (2026-W05), a month (2026-02) or a date range (2026-01-05..2026-01-18)"


class PeriodError(ValueError):
    """A period label that cannot be read."""


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True, slots=True)
class Period:
    """Local days `[first, after)` in a timezone; `start` and `end` are UTC instants, `end` excluded."""

    first: date
    after: date
    timezone: str
    kind: str = "week"  # week | month | range

    @property
    def label(self) -> str:
        """`2026-W05`, `2026-02` or `2026-01-05..2026-01-18`."""
        if self.kind == "week":
            iso = self.first.isocalendar()
            return f"{iso.year:04d}-W{iso.week:02d}"
        if self.kind == "month":
            return f"{self.first:%Y-%m}"
        return f"{self.first.isoformat()}..{self.last.isoformat()}"

    @property
    def monday(self) -> date:
        """The local date the period starts (a Monday for weeks)."""
        return self.first

    @property
    def last(self) -> date:
        """The period's last local day."""
        return self.after - timedelta(days=1)

    @property
    def start(self) -> datetime:
        """The first instant of the period (00:00 local), in UTC."""
        return _local_midnight(self.first, self.timezone)

    @property
    def end(self) -> datetime:
        """The first instant after the period (00:00 local the day after), in UTC."""
        return _local_midnight(self.after, self.timezone)

    def shift(self, steps: int) -> Period:
        """The period `steps` later (negative: earlier), of the same kind and length."""
        if self.kind == "month":
            return Period(_add_months(self.first, steps), _add_months(self.first, steps + 1), self.timezone, "month")
        length = self.after - self.first
        return Period(self.first + steps * length, self.after + steps * length, self.timezone, self.kind)

    @property
    def previous(self) -> Period:
        """W-1: the period of the same length just before."""
        return self.shift(-1)

    def __str__(self) -> str:
        return self.label

    @classmethod
    def week(cls, year: int, week: int, timezone: str) -> Period:
        """ISO week `week` of `year`."""
        monday = date.fromisocalendar(year, week, 1)
        return cls(monday, monday + timedelta(days=7), timezone)

    @classmethod
    def of_date(cls, day: date, timezone: str, kind: str = "week") -> Period:
        """The week (or month) containing a local date."""
        if kind == "month":
            return cls(day.replace(day=1), _add_months(day, 1), timezone, "month")
        monday = day - timedelta(days=day.weekday())
        return cls(monday, monday + timedelta(days=7), timezone)

    @classmethod
    def containing(cls, when: datetime, timezone: str, kind: str = "week") -> Period:
        """The week (or month) containing an instant (converted to the timezone first)."""
        return cls.of_date(when.astimezone(ZoneInfo(timezone)).date(), timezone, kind)

    @classmethod
    def last_complete(cls, now: datetime, timezone: str, kind: str = "week") -> Period:
        """The latest week (or month) that has ended at `now`."""
        return cls.containing(now, timezone, kind).previous

    @classmethod
    def parse(cls, label: str, timezone: str) -> Period:
        """Read `2026-W05`, `2026-02` or `2026-01-05..2026-01-18`; raise `PeriodError` with the reason."""
        text = label.strip()
        if m := _WEEK.match(text):
            year, week = int(m.group(1)), int(m.group(2))
            try:
                return cls.week(year, week, timezone)
            except ValueError:
                raise PeriodError(f"{label!r}: {year} has no week {week}") from None
        if m := _MONTH.match(text):
            month = int(m.group(2))
            if not 1 <= month <= 12:
                raise PeriodError(f"{label!r}: there is no month {month}")
            return cls.of_date(date(int(m.group(1)), month, 1), timezone, "month")
        if m := _RANGE.match(text):
            try:
                first, last = date.fromisoformat(m.group(1)), date.fromisoformat(m.group(2))
            except ValueError as err:
                raise PeriodError(f"{label!r}: {err}") from None
            if last < first:
                raise PeriodError(f"{label!r}: the range ends before it starts")
            return cls(first, last + timedelta(days=1), timezone, "range")
        raise PeriodError(f"{label!r} is not {FORMS}")


def _local_midnight(day: date, timezone: str) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=ZoneInfo(timezone)).astimezone(UTC)
