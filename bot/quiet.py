"""Quiet hours: the local hours when the bot sends no unrequested direct message (nudges, reminders, badges, buddies, digests)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

_SPAN = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)\s*-\s*([01]?\d|2[0-3]):([0-5]\d)$")
DEFAULT = "21:00-08:00"


@dataclass(frozen=True, slots=True)
class QuietHours:
    """`[start, end)` local times, across midnight when start > end; None: never quiet."""

    start: time | None = None
    end: time | None = None

    @classmethod
    def parse(cls, text: str) -> QuietHours:
        """`21:00-08:00`; empty or `off`: none. ValueError with the expected form otherwise."""
        if text.strip().lower() in ("", "off", "none"):
            return cls()
        m = _SPAN.match(text.strip())
        if not m:
            raise ValueError(f"{text!r}: write HH:MM-HH:MM, e.g. {DEFAULT} (or \"off\")")
        start, end = time(int(m.group(1)), int(m.group(2))), time(int(m.group(3)), int(m.group(4)))
        return cls(start, end) if start != end else cls()

    def contains(self, when: datetime, timezone: ZoneInfo) -> bool:
        """Whether `when` falls in the quiet hours of that timezone."""
        if self.start is None or self.end is None:
            return False
        local = when.astimezone(timezone).time()
        if self.start < self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end

    @property
    def length(self) -> timedelta:
        """How long the quiet hours last each day."""
        if self.start is None or self.end is None:
            return timedelta(0)
        minutes = (self.end.hour * 60 + self.end.minute - self.start.hour * 60 - self.start.minute) % (24 * 60)
        return timedelta(minutes=minutes)

    def end_after(self, when: datetime, timezone: ZoneInfo) -> datetime:
        """When the quiet hours holding `when` end (`when` itself when it is outside them)."""
        if self.end is None or not self.contains(when, timezone):
            return when
        local = when.astimezone(timezone)
        end = datetime.combine(local.date(), self.end, tzinfo=timezone)
        if end <= local:
            end = datetime.combine(local.date() + timedelta(days=1), self.end, tzinfo=timezone)
        return end.astimezone(when.tzinfo)
