"""The scoring queue: bounded, batched, off the event loop; under load it drops scoring, never messages."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

from storage.sentiment import ScoreRow

log = logging.getLogger("engagebot.cogs.sentiment")

ScoreFn = Callable[[Sequence[str]], list[float]]
StoreFn = Callable[[list[ScoreRow]], Awaitable[list[ScoreRow]]]
RETRIES = 3


@dataclass(slots=True)
class Job:
    """A post waiting to be scored; its text lives only here, in memory, until it is scored."""

    community_id: int
    kind: str
    external_id: str
    text: str


@dataclass
class Stats:
    """What the queue did: posts scored, scoring dropped (queue full or model off), scores stored."""

    queued: int = 0
    scored: int = 0
    dropped: int = 0
    stored: int = 0
    unmatched: int = 0
    batches: int = 0
    failures: int = 0
    batch_sizes: list[int] = field(default_factory=list)


class ScoringQueue:
    """Posts go in with `offer` (never blocks); a worker scores them in batches in a thread and stores the scores.

    `score` is blocking (model inference) and runs in a worker thread; `store` writes scores and
    returns those whose row is not written yet (the recorder batches its writes), retried with
    the next batches a few times.
    """

    def __init__(self, score: ScoreFn, store: StoreFn, *, maxsize: int = 2000, batch_size: int = 16) -> None:
        self.score = score
        self.store = store
        self.batch_size = batch_size
        self.queue: asyncio.Queue[Job] = asyncio.Queue(maxsize=maxsize)
        self.stats = Stats()
        self._retry: list[tuple[ScoreRow, int]] = []

    def offer(self, job: Job) -> bool:
        """Queue a post for scoring; when the queue is full the scoring is dropped (and counted)."""
        try:
            self.queue.put_nowait(job)
        except asyncio.QueueFull:
            self.stats.dropped += 1
            return False
        self.stats.queued += 1
        return True

    def discard(self) -> int:
        """Drop every queued post (the model is off); returns how many."""
        n = 0
        while not self.queue.empty():
            self.queue.get_nowait()
            self.queue.task_done()
            n += 1
        self.stats.dropped += n
        return n

    async def run(self) -> None:
        """Score batches for ever (cancel to stop)."""
        while True:
            await self.step()
            if self.queue.empty():
                await self.retry_pending()

    async def step(self) -> int:
        """Wait for at least one post, then score and store one batch; returns its size."""
        batch = [await self.queue.get()]
        while len(batch) < self.batch_size and not self.queue.empty():
            batch.append(self.queue.get_nowait())
        try:
            await self._score_and_store(batch)
        finally:
            for _ in batch:
                self.queue.task_done()
        return len(batch)

    async def _score_and_store(self, batch: list[Job]) -> None:
        texts = [job.text for job in batch]
        for job in batch:
            job.text = ""  # the text is not kept beyond this batch
        try:
            scores = await asyncio.to_thread(self.score, texts)
        except Exception:
            self.stats.failures += 1
            self.stats.dropped += len(batch)
            log.exception("scoring a batch of %d posts failed; their scoring is dropped", len(batch))
            return
        finally:
            del texts
        self.stats.batches += 1
        self.stats.scored += len(batch)
        if len(self.stats.batch_sizes) < 1000:
            self.stats.batch_sizes.append(len(batch))
        rows = [ScoreRow(j.community_id, j.kind, j.external_id, round(float(s), 4)) for j, s in zip(batch, scores, strict=True)]
        await self._store(rows)

    async def _store(self, rows: list[ScoreRow]) -> None:
        attempts = {(r.community_id, r.kind, r.external_id): n for r, n in self._retry}
        rows = [r for r, _ in self._retry] + rows
        self._retry = []
        try:
            missing = await self.store(rows)
        except Exception:
            log.exception("storing %d sentiment scores failed; they are retried with the next batch", len(rows))
            missing = rows
        self.stats.stored += len(rows) - len(missing)
        for row in missing:
            n = attempts.get((row.community_id, row.kind, row.external_id), 0) + 1
            if n >= RETRIES:
                self.stats.unmatched += 1
            else:
                self._retry.append((row, n))

    @property
    def pending_retries(self) -> int:
        """Scores waiting for their interaction row."""
        return len(self._retry)

    async def retry_pending(self) -> None:
        """Store the scores still waiting for their row (called when the queue goes idle)."""
        if self._retry:
            await self._store([])

    async def drain(self) -> None:
        """Wait until every queued post is scored and stored (tests, shutdown)."""
        await self.queue.join()
        for _ in range(RETRIES):
            if not self._retry:
                break
            await self.retry_pending()
