"""Writing a stream of history events through the live recorder: batched, idempotent, optionally scored for sentiment."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import text

from bot.core.events import Event, MemberJoined, MemberLeft, MessagePosted
from bot.core.refs import CommunityRef, Platform
from bot.history.reading import Decoder, ReaderProcess
from bot.history.tally import Tally
from storage.bulk import BulkPolicy, BulkRecorder, bulk_writes
from storage.db import Database
from storage.directory import Directory
from storage.history import fill_targets, last_interaction_id
from storage.recorder import PendingRow

PROGRESS_EVERY = 5000
"""Events between two progress updates (each costs a few microseconds)."""


class Scorer(Protocol):
    """Scores texts in [-1, 1] (the sentiment backends)."""

    def score(self, texts: Sequence[str]) -> list[float]:
        """One score per text, in order."""
        ...


@dataclass(frozen=True)
class IngestOptions:
    """How to write: store texts (the configuration's rule), rows per transaction, sentiment scoring."""

    store_text: bool = False
    batch_size: int = 50_000
    scorer: Scorer | None = None
    sentiment_batch: int = 64
    expected_rows: int = 0
    """About how many rows the import will write (a large import into SQLite rebuilds the secondary indexes once, at the end)."""
    bulk: BulkPolicy = BulkPolicy()


class HistoryIngest:
    """Feeds events to the recorder (the live path, so rows match), then fills targets and counts what is new."""

    def __init__(self, db: Database, options: IngestOptions, tally: Tally) -> None:
        self.db, self.options, self.tally = db, options, tally
        self.directory = Directory(db)
        self.recorder = BulkRecorder(db, self.directory, batch_size=options.batch_size, store_text=options.store_text)
        self.events = 0
        self.scored = 0
        self._to_score: list[tuple[list[PendingRow], str]] = []

    async def run(self, events: Iterable[Event] | ReaderProcess, progress: Callable[[int], None] | None = None) -> None:
        """Write every event (or the rows a reader process sends); afterwards the tally's channels know how many posts and reactions were new."""
        after = await last_interaction_id(self.db)
        async with bulk_writes(self.db, self.options.expected_rows, self.options.bulk):
            if isinstance(events, ReaderProcess):
                await self._write_chunks(events, progress)
            else:
                await self._write_all(events, progress)
        for community in {key for key, _ in self.tally.channels}:
            platform, _, ident = community.partition(":")
            await fill_targets(self.db, await self.directory.community_id(CommunityRef(Platform(platform), ident)), after)
        await self._count_new(after)

    async def _write_all(self, events: Iterable[Event], progress: Callable[[int], None] | None) -> None:
        """Queue every event's rows and write them in batches (the last one too)."""
        rec, batch, scorer = self.recorder, self.options.batch_size, self.options.scorer
        n = 0
        for event in events:
            n += 1
            if isinstance(event, MemberJoined | MemberLeft):
                await rec.queue_membership(event)
                continue
            rows = rec.rows_of(event)
            if scorer is not None and isinstance(event, MessagePosted) and event.text.strip() and not event.author.bot:
                self._to_score.append((rows, event.text))
                if len(self._to_score) >= self.options.sentiment_batch:
                    self._score()
            else:
                for row in rows:
                    rec.add(row)
            if rec.pending >= batch:
                await rec.flush()
            if progress is not None and n % PROGRESS_EVERY == 0:
                progress(n)
        self._score()
        await rec.flush()
        self.events = n
        if progress is not None:
            progress(n)

    async def _write_chunks(self, reader: ReaderProcess, progress: Callable[[int], None] | None) -> None:
        """Write the rows and memberships a reader process sends, in batches (no sentiment scoring on this path)."""
        rec, batch, tally = self.recorder, self.options.batch_size, self.tally
        decoder = Decoder(self.directory)
        for raw, (n, tally.bytes_done, tally.bytes_total, tally.posts_read, problems) in reader.chunks():
            tally.problems.extend(problems)
            for item in await decoder.decode(raw):  # batches end where `_write_all` ends them: the same rows
                if isinstance(item, MemberJoined | MemberLeft):
                    await rec.queue_membership(item)
                elif isinstance(item, list):
                    rec.add_rows(item)
                    if rec.pending >= batch:
                        await rec.flush()
            self.events = n
            if progress is not None:
                progress(n)
        await rec.flush()
        vars(tally).update(vars(reader.final))  # the reader's own: channels, skipped, notes…

    def _score(self) -> None:
        """Score the waiting posts in one batch, then queue their rows with the scores (rounded as live)."""
        waiting, self._to_score = self._to_score, []
        if not waiting or self.options.scorer is None:
            return
        scores = self.options.scorer.score([t for _, t in waiting])
        for (rows, _), score in zip(waiting, scores, strict=True):
            rows[0].sentiment = round(float(score), 4)
            for row in rows:
                self.recorder.add(row)
        self.scored += len(waiting)

    async def _count_new(self, after: int) -> None:
        """Posts and reactions written by this import, per channel (rows already there were not written again)."""
        sql = text(
            "SELECT c.platform, c.external_id, ch.external_id, i.kind, COUNT(*) FROM interactions i"
            " JOIN communities c ON c.id = i.community_id JOIN channels ch ON ch.id = i.channel_id"
            " WHERE i.id > :after AND i.kind IN ('message', 'reply', 'reaction') GROUP BY c.platform, c.external_id, ch.external_id, i.kind"
        )
        async with self.db.begin() as conn:
            rows = (await conn.execute(sql, {"after": after})).all()
        for platform, community, channel, kind, count in rows:
            tally = self.tally.channels.get((f"{platform}:{community}", str(channel)))
            if tally is None:
                continue
            if kind == "reaction":
                tally.new_reactions += int(count)
            else:
                tally.new_posts += int(count)
