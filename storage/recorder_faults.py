"""The recorder under a failing database: back off, keep a bounded queue, and set a bad row aside instead of blocking.

A write can fail for two kinds of reasons. The database is unavailable (locked past its busy timeout,
a PostgreSQL restart, a full disk): every row is kept and written later, with a growing pause between
tries, so a queue of thousands is not retried on every new event. Or one row is bad (a value the
database refuses): retrying it forever would block every row behind it, so the batch is written row by
row, the rows the database refuses are reported and set aside, and the rest is written.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.exc import DataError, IntegrityError, OperationalError, StatementError

log = logging.getLogger("engagebot.recorder")

MAX_PENDING = 200_000
"""Rows the recorder keeps while the database cannot take them; past it, new rows are dropped, counted and logged."""


def bad_data(err: BaseException) -> bool:
    """Whether the database refused the data itself (a retry would fail the same way), not its availability."""
    if isinstance(err, OperationalError):
        return False
    if isinstance(err, IntegrityError | DataError):
        return True
    if isinstance(err, StatementError):  # a value no bind processor could convert
        return isinstance(err.orig, ValueError | TypeError)
    return isinstance(err, ValueError | TypeError)


@dataclass
class Backoff:
    """Pauses between tries after failures: `first` seconds, doubled each time up to `longest`."""

    first: float = 0.5
    longest: float = 60.0
    monotonic: Callable[[], float] = time.monotonic
    failures: int = 0
    _until: float = field(default=0.0, repr=False)

    def ready(self) -> bool:
        """Whether a new try is due."""
        return self.failures == 0 or self.monotonic() >= self._until

    def failed(self) -> float:
        """Note a failure; the pause before the next try."""
        self.failures += 1
        pause = min(self.first * float(2 ** (self.failures - 1)), self.longest)
        self._until = self.monotonic() + pause
        return pause

    def succeeded(self) -> None:
        """Back to normal."""
        self.failures = 0


async def good_rows(rows: Sequence[Any], write_one: Callable[[Any], Awaitable[None]], err: Exception) -> list[int]:
    """The database refused a batch's data: write each row alone; the indexes of the rows it took (the others are reported).

    An error that is not about the data (the database went away meanwhile) is raised: the whole batch stays queued.
    """
    log.warning("the database refused a batch of %d rows (%s): finding the bad ones", len(rows), type(err).__name__)
    kept = []
    for i, row in enumerate(rows):
        try:
            await write_one(row)
        except Exception as one:
            if not bad_data(one):
                raise
            log.error("interaction row set aside, the database refuses it: %s %r of %s at %s (%s: %s)",
                      row.kind, row.external_id, row.member.id, row.at.isoformat(), type(one).__name__, one)
        else:
            kept.append(i)
    return kept
