"""The batched interaction recorder: events become rows, written in one transaction per batch."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, update

from bot.core.events import (
    Event,
    MemberJoined,
    MemberLeft,
    MessagePosted,
    PollVoted,
    ReactionAdded,
    ReactionRemoved,
)
from storage.db import Database
from storage.directory import Directory
from storage.models import Interaction, InteractionKind
from storage.types import UTCDateTime

log = logging.getLogger("engagebot.recorder")


class Recorder:
    """Queues interaction rows and writes them every `flush_seconds` or `batch_size` rows, and on close.

    The unique key `(community, kind, external_id)` turns a redelivered event into a no-op.
    """

    def __init__(self, db: Database, directory: Directory, *, batch_size: int = 500, flush_seconds: float = 0.5, store_text: bool = False) -> None:
        self.db = db
        self.directory = directory
        self.batch_size = batch_size
        self.flush_seconds = flush_seconds
        self.store_text = store_text
        self._rows: list[dict[str, Any]] = []
        self._removals: list[dict[str, Any]] = []
        self._lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None
        self.written = 0
        table = Interaction.__table__  # type: ignore[attr-defined]
        self._insert = db.insert_ignore(table)
        c = table.c
        self._remove = (
            update(table)
            .where(c.community_id == bindparam("cid"), c.kind == InteractionKind.REACTION.value, c.external_id == bindparam("xid"), c.removed_at.is_(None))
            .values(removed_at=bindparam("removed", type_=UTCDateTime()))
        )

    @property
    def pending(self) -> int:
        """Rows waiting to be written."""
        return len(self._rows) + len(self._removals)

    def start(self) -> None:
        """Start the background flusher."""
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="recorder-flush")

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.flush_seconds)
            try:
                await self.flush()
            except Exception:
                log.exception("flushing %d interaction rows failed; they stay queued", self.pending)

    async def record(self, event: Event) -> None:
        """Turn an event into rows (or a removal) and queue them."""
        rows = await self.rows_for(event)
        if rows:
            self._rows.extend(rows)
        if isinstance(event, ReactionRemoved):
            cid = await self.directory.community_id(event.community)
            self._removals.append({"cid": cid, "xid": _reaction_key(event.message.id, event.member.id, event.emoji), "removed": event.at})
        if len(self._rows) >= self.batch_size:
            await self.flush()

    def add_rows(self, rows: list[dict[str, Any]]) -> None:
        """Queue ready-made interaction rows (importers, cogs recording their own contributions)."""
        self._rows.extend(rows)

    async def rows_for(self, event: Event) -> list[dict[str, Any]]:
        """The interaction rows an event produces (membership changes are written at once)."""
        d = self.directory
        if isinstance(event, MemberJoined):
            mid = await d.set_membership(event.member, joined_at=event.at)
            cid = await d.community_id(event.community)
            return [self.row(cid, InteractionKind.JOIN, mid, f"join:{event.member.id}:{event.at.isoformat()}", event.at)]
        if isinstance(event, MemberLeft):
            mid = await d.set_membership(event.member, left_at=event.at)
            cid = await d.community_id(event.community)
            return [self.row(cid, InteractionKind.LEAVE, mid, f"leave:{event.member.id}:{event.at.isoformat()}", event.at)]
        if isinstance(event, MessagePosted):
            cid = await d.community_id(event.community)
            mid = await d.member_id(event.author, event.at)
            chid = await d.channel_id(event.message.channel)
            target = None
            if event.reply_to_author is not None:
                target = await d.member_id(event.reply_to_author, event.at)
            kind = InteractionKind.REPLY if event.reply_to is not None else InteractionKind.MESSAGE
            rows = [
                self.row(
                    cid, kind, mid, event.message.id, event.at, channel_id=chid, target_member_id=target,
                    parent_external_id=event.reply_to.id if event.reply_to else None,
                    text=event.text if self.store_text else None,
                )
            ]
            for mentioned in dict.fromkeys(event.mentions):
                tid = await d.member_id(mentioned, event.at)
                rows.append(self.row(cid, InteractionKind.MENTION, mid, f"{event.message.id}:{mentioned.id}", event.at, channel_id=chid, target_member_id=tid, parent_external_id=event.message.id))
            return rows
        if isinstance(event, ReactionAdded):
            cid = await d.community_id(event.community)
            mid = await d.member_id(event.member, event.at)
            chid = await d.channel_id(event.message.channel)
            target = await d.member_id(event.message_author, event.at) if event.message_author else None
            return [
                self.row(cid, InteractionKind.REACTION, mid, _reaction_key(event.message.id, event.member.id, event.emoji), event.at,
                         channel_id=chid, target_member_id=target, parent_external_id=event.message.id)
            ]
        if isinstance(event, PollVoted) and not event.removed:
            cid = await d.community_id(event.community)
            mid = await d.member_id(event.member, event.at)
            chid = await d.channel_id(event.message.channel)
            return [self.row(cid, InteractionKind.POLL_VOTE, mid, f"{event.message.id}:{event.member.id}", event.at, channel_id=chid, parent_external_id=event.message.id)]
        return []

    @staticmethod
    def row(community_id: int, kind: InteractionKind, member_id: int, external_id: str, at: datetime, **extra: Any) -> dict[str, Any]:
        """One interaction row, as the driver-level insert wants it."""
        return {
            "community_id": community_id,
            "kind": kind.value,
            "member_id": member_id,
            "channel_id": extra.get("channel_id"),
            "target_member_id": extra.get("target_member_id"),
            "external_id": external_id,
            "parent_external_id": extra.get("parent_external_id"),
            "at": at,
            "removed_at": None,
            "sentiment": extra.get("sentiment"),
            "text": extra.get("text"),
        }

    async def flush(self) -> int:
        """Write every queued row in one transaction; on failure the rows stay queued."""
        async with self._lock:
            rows, removals = self._rows, self._removals
            if not rows and not removals:
                return 0
            self._rows, self._removals = [], []
            try:
                async with self.db.begin() as conn:
                    if rows:
                        await conn.execute(self._insert, rows)
                    if removals:
                        await conn.execute(self._remove, removals)
            except Exception:
                self._rows[:0] = rows
                self._removals[:0] = removals
                raise
            self.written += len(rows)
            return len(rows)

    async def close(self) -> None:
        """Stop the background flusher and write what is left."""
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
            self._task = None
        await self.flush()


def _reaction_key(message_id: str, member_id: str, emoji: str) -> str:
    return f"{message_id}:{member_id}:{emoji}"

