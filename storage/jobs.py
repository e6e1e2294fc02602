"""Job runs: claiming a scheduled job's period (or one part of it) under a lease, then marking it done.

One policy for every job: a run claims its period with a lease (an INSERT on a unique key, so two
processes never both win it), does its work, then marks the claim done. A run that fails gives the
period back at once (it is retried); a run cut short by a crash or a shutdown leaves its lease, which
expires: the period is claimed again and run again. So nothing is lost; what a crash between a send
and its mark can do is send that one part twice (README: "What a crash can duplicate").

Each claim has its own owner token, stored in its row: only the run holding the claim marks it done,
gives it back or releases it. A run so slow that its lease ran out and another run took the period
over finds its claim lost: its late `done` changes nothing (one line in the log) and the period stays
the other run's.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Update, bindparam, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.db import Database
from storage.models import JobRun

log = logging.getLogger("engagebot.jobs")

LEASE = timedelta(minutes=10)


@dataclass(frozen=True, slots=True)
class Claim:
    """A period this run holds: hand it back to `done`, `give_back` or `release` (they act on this claim only)."""

    scope: str
    job: str
    period: str
    owner: str


class JobRuns:
    """Claims of `(scope, job, period)`: a lease while the run works, done once it has.

    A period can also be *owed* before anyone runs it (`owe`, inside the transaction of what makes it
    owed): a row neither claimed (no lease) nor done, which `owed` lists after a restart and `claim` or
    `claim_owed` take. `give_back` ends a failed run's claim and leaves the period owed.
    """

    def __init__(self, db: Database) -> None:
        self.db = db
        self._table = t = JobRun.__table__  # type: ignore[attr-defined]
        self._claim = db.insert_ignore(t).values(scope=bindparam("s"), job=bindparam("j"), period=bindparam("p"), claimed_at=bindparam("at"),
                                                 lease_until=bindparam("until"), owner=bindparam("o"))

    def _key(self, scope: str, job: str, period: str) -> tuple[ColumnElement[bool], ...]:
        t = self._table
        return t.c.scope == scope, t.c.job == job, t.c.period == period

    def _mine(self, claim: Claim) -> tuple[ColumnElement[bool], ...]:
        """The claim's row, while this claim still holds it (not done, not taken over, not given back)."""
        t = self._table
        return *self._key(claim.scope, claim.job, claim.period), t.c.owner == claim.owner, t.c.done_at.is_(None)

    async def claim(self, scope: str, job: str, period: str, at: datetime, lease: timedelta = LEASE) -> Claim | None:
        """The claim, when this call claimed the period: it was free or owed, or its last claim's lease ran out before the run was done."""
        mine = Claim(scope, job, period, secrets.token_hex(16))
        async with self.db.begin() as conn:
            if (await conn.execute(self._claim, {"s": scope, "j": job, "p": period, "at": at, "until": at + lease, "o": mine.owner})).rowcount:
                return mine
            taken = await conn.execute(self._take(mine, at, lease))
        return mine if taken.rowcount else None

    def _take(self, mine: Claim, at: datetime, lease: timedelta) -> Update:
        t = self._table
        free = or_(t.c.lease_until.is_(None), t.c.lease_until < at)  # owed, or its last claim's lease ran out
        return (update(t).where(*self._key(mine.scope, mine.job, mine.period), t.c.done_at.is_(None), free)
                .values(claimed_at=at, lease_until=at + lease, owner=mine.owner))

    async def owe(self, conn: AsyncConnection, scope: str, job: str, period: str, at: datetime) -> None:
        """In the caller's transaction: the period is owed, so it is run even if the process dies right after that transaction."""
        await conn.execute(self._claim, {"s": scope, "j": job, "p": period, "at": at, "until": None, "o": None})

    async def claim_owed(self, scope: str, job: str, period: str, at: datetime, lease: timedelta = LEASE) -> Claim | None:
        """Like `claim`, but only a period that was owed: never one nothing made owed (nor one done)."""
        mine = Claim(scope, job, period, secrets.token_hex(16))
        async with self.db.begin() as conn:
            return mine if (await conn.execute(self._take(mine, at, lease))).rowcount else None

    async def give_back(self, claim: Claim) -> bool:
        """End a claim whose run failed before doing anything visible: the period stays owed, and may be claimed again at once.

        False (and nothing changed) when the claim was lost: its lease ran out and another run holds the period now.
        """
        async with self.db.begin() as conn:
            ended = await conn.execute(update(self._table).where(*self._mine(claim)).values(lease_until=None, owner=None))
        return self._still_mine(claim, ended.rowcount, "given back")

    @staticmethod
    def _still_mine(claim: Claim, rowcount: int, what: str) -> bool:
        if not rowcount:
            log.warning("%s %s, period %s: not %s by this run, whose lease ran out and whose claim another run took over",
                        claim.scope, claim.job, claim.period, what)
        return bool(rowcount)

    async def owed(self, scope: str, prefix: str) -> list[str]:
        """The jobs of a scope, named `prefix…`, that have a period not done yet (owed, or held by a run), oldest first."""
        t = self._table
        async with self.db.begin() as conn:
            rows = (await conn.execute(select(t.c.job).where(t.c.scope == scope, t.c.job.startswith(prefix, autoescape=True), t.c.done_at.is_(None))
                                       .order_by(t.c.claimed_at, t.c.id))).all()
        return [r.job for r in rows]

    async def done(self, claim: Claim, at: datetime) -> bool:
        """The claimed run has done its work: the period is never run again.

        False (and nothing changed) when the claim was lost: its lease ran out and another run took the
        period over, which marks it done itself (or gives it back) when it ends.
        """
        async with self.db.begin() as conn:
            marked = await conn.execute(update(self._table).where(*self._mine(claim)).values(done_at=at, lease_until=None))
        return self._still_mine(claim, marked.rowcount, "marked done")

    async def release(self, claim: Claim) -> bool:
        """Give a claim back (the run failed before doing anything visible): the period may be claimed again at once.

        False (and nothing changed) when the claim was lost to another run.
        """
        async with self.db.begin() as conn:
            dropped = await conn.execute(self._table.delete().where(*self._mine(claim)))
        return self._still_mine(claim, dropped.rowcount, "released")

    async def lease_of(self, scope: str, job: str, period: str) -> datetime | None:
        """When the current claim's lease runs out, if the period is claimed and not done."""
        t = self._table
        async with self.db.begin() as conn:
            row = (await conn.execute(select(t.c.lease_until).where(*self._key(scope, job, period), t.c.done_at.is_(None)))).first()
        return row.lease_until if row is not None else None

    async def has_run(self, scope: str, job: str, period: str) -> bool:
        """Whether the period was claimed (done, or its run still holds the lease)."""
        t = self._table
        async with self.db.begin() as conn:
            found = (await conn.execute(select(t.c.id).where(*self._key(scope, job, period)))).first()
        return found is not None

    async def is_done(self, scope: str, job: str, period: str) -> bool:
        """Whether the period's run has done its work."""
        t = self._table
        async with self.db.begin() as conn:
            found = (await conn.execute(select(t.c.id).where(*self._key(scope, job, period), t.c.done_at.is_not(None)))).first()
        return found is not None

    async def periods(self, scope: str, job: str) -> list[str]:
        """Every period claimed for a job, oldest first."""
        t = self._table
        async with self.db.begin() as conn:
            rows = (await conn.execute(select(t.c.period).where(t.c.scope == scope, t.c.job == job).order_by(t.c.claimed_at, t.c.id))).all()
        return [r.period for r in rows]
