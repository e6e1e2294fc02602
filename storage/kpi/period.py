"""Reporting periods: ISO weeks `[Monday 00:00, next Monday 00:00)` in a community's timezone."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

_LABEL = re.compile(r"^(\d{4})-W(\d{2})$")


class PeriodError(ValueError):
    """A period label that cannot be read."""


@dataclass(frozen=True, slots=True)
class Period:
    """One ISO week in a timezone; `start` and `end` are UTC instants, `end` excluded."""

    year: int
    week: int
    timezone: str

    @property
    def label(self) -> str:
        """The ISO week label, e.g. `2026-W05`."""
        return f"{self.year:04d}-W{self.week:02d}"

    @property
    def monday(self) -> date:
        """The local date the period starts."""
        return date.fromisocalendar(self.year, self.week, 1)

    @property
    def start(self) -> datetime:
        """The first instant of the period (Monday 00:00 local), in UTC."""
        return _local_midnight(self.monday, self.timezone)

    @property
    def end(self) -> datetime:
        """The first instant after the period (next Monday 00:00 local), in UTC."""
        return _local_midnight(self.monday + timedelta(days=7), self.timezone)

    def shift(self, weeks: int) -> Period:
        """The period `weeks` later (negative: earlier)."""
        return Period.of_date(self.monday + timedelta(weeks=weeks), self.timezone)

    @property
    def previous(self) -> Period:
        """W-1."""
        return self.shift(-1)

    def __str__(self) -> str:
        return self.label

    @classmethod
    def of_date(cls, day: date, timezone: str) -> Period:
        """The period containing a local date."""
        iso = day.isocalendar()
        return cls(iso.year, iso.week, timezone)

    @classmethod
    def containing(cls, when: datetime, timezone: str) -> Period:
        """The period containing an instant (converted to the timezone first)."""
        return cls.of_date(when.astimezone(ZoneInfo(timezone)).date(), timezone)

    @classmethod
    def last_complete(cls, now: datetime, timezone: str) -> Period:
        """The latest period that has ended at `now`."""
        return cls.containing(now, timezone).previous

    @classmethod
    def parse(cls, label: str, timezone: str) -> Period:
        """Read `2026-W05`; raise `PeriodError` with the reason."""
        m = _LABEL.match(label.strip())
        if not m:
            raise PeriodError(f"{label!r} is not an ISO week such as 2026-W05")
        year, week = int(m.group(1)), int(m.group(2))
        try:
            date.fromisocalendar(year, week, 1)
        except ValueError:
            raise PeriodError(f"{label!r}: {year} has no week {week}") from None
        return cls(year, week, timezone)


def _local_midnight(day: date, timezone: str) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=ZoneInfo(timezone)).astimezone(UTC)
