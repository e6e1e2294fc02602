"""Clocks: the real one, and a virtual one that tests, scripts and the demo move by hand."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    """What the bot asks for the time."""

    def now(self) -> datetime:
        """The current time, timezone-aware, in UTC."""
        ...

    @property
    def virtual(self) -> bool:
        """True when time only moves when told to."""
        ...


class RealClock:
    """The wall clock."""

    virtual = False

    def now(self) -> datetime:
        """The current UTC time."""
        return datetime.now(UTC)


class VirtualClock:
    """A clock that only moves when `advance`/`set` are called (simulation, scripts, tests)."""

    virtual = True

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("VirtualClock needs a timezone-aware start")
        self._now = start.astimezone(UTC)

    def now(self) -> datetime:
        """The current virtual time."""
        return self._now

    def set(self, when: datetime) -> None:
        """Move to `when` (never backwards)."""
        when = when.astimezone(UTC)
        if when < self._now:
            raise ValueError("a virtual clock never goes back in time")
        self._now = when

    def advance(self, delta: timedelta) -> None:
        """Move forward by `delta`."""
        self.set(self._now + delta)


async def sleep_until(clock: Clock, when: datetime) -> None:
    """Sleep on the real loop until `when` (only meaningful for a real clock)."""
    delay = (when - clock.now()).total_seconds()
    if delay > 0:
        await asyncio.sleep(delay)
