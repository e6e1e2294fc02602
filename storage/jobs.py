"""Job runs: claiming a scheduled job's period exactly once, even across processes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, select

from storage.db import Database
from storage.models import JobRun


class JobRuns:
    """Exactly-once claims of `(scope, job, period)`: an INSERT on a unique key."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._table = JobRun.__table__  # type: ignore[attr-defined]
        self._claim = db.insert_ignore(self._table).values(scope=bindparam("s"), job=bindparam("j"), period=bindparam("p"), claimed_at=bindparam("at"))

    async def claim(self, scope: str, job: str, period: str, at: datetime) -> bool:
        """True when this call claimed the period; False when it had already run."""
        async with self.db.begin() as conn:
            result = await conn.execute(self._claim, {"s": scope, "j": job, "p": period, "at": at})
        return bool(result.rowcount)

    async def release(self, scope: str, job: str, period: str) -> None:
        """Forget a claim (the run failed before doing anything visible)."""
        t = self._table
        async with self.db.begin() as conn:
            await conn.execute(t.delete().where(t.c.scope == scope, t.c.job == job, t.c.period == period))

    async def has_run(self, scope: str, job: str, period: str) -> bool:
        """Whether the period was already claimed."""
        t = self._table
        async with self.db.begin() as conn:
            found = (await conn.execute(select(t.c.id).where(t.c.scope == scope, t.c.job == job, t.c.period == period))).first()
        return found is not None

    async def periods(self, scope: str, job: str) -> list[str]:
        """Every period claimed for a job, oldest first."""
        t = self._table
        async with self.db.begin() as conn:
            rows = (await conn.execute(select(t.c.period).where(t.c.scope == scope, t.c.job == job).order_by(t.c.claimed_at, t.c.id))).all()
        return [r.period for r in rows]
