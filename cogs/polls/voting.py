"""Casting ballots: button clicks, number-emoji reactions, native poll votes and open answers, one member one ballot."""

from __future__ import annotations

import asyncio
from datetime import datetime

from bot.commands import CommandError
from bot.core.refs import ChannelRef, MemberRef
from cogs.polls.model import KEYCAPS
from cogs.polls.render import values_of
from cogs.polls.store import PollStore, Voter
from storage.anonymity import BallotKey
from storage.directory import Directory
from storage.models import InteractionKind
from storage.polls import Poll, PollKind
from storage.recorder import PendingRow, Recorder

MAX_ANSWER = 1000


class Ballots:
    """Applies votes to the ballot table; a changed vote replaces the previous one, multiple choice toggles."""

    def __init__(self, store: PollStore, key: BallotKey, directory: Directory, recorder: Recorder) -> None:
        self.store, self.key, self.directory, self.recorder = store, key, directory, recorder
        self._lock = asyncio.Lock()

    @staticmethod
    def is_open(poll: Poll, now: datetime) -> bool:
        """A poll takes votes until its deadline (even before the closing job has run)."""
        return poll.closed_at is None and now < poll.closes_at

    async def voter(self, poll: Poll, member: MemberRef, now: datetime) -> Voter:
        """The ballot's owner as stored: a keyed code alone for anonymous polls (no member row, no time)."""
        assert poll.id is not None
        if poll.anonymous:
            return Voter(self.key.voter(poll.id, str(member.community), member.id), None, None)
        return Voter(member.id, await self.directory.member_id(member, now), now)

    async def participation(self, poll: Poll, member: MemberRef, now: datetime, channel: ChannelRef | None = None) -> None:
        """A `poll_vote` contribution row: who took part and when, never what they chose."""
        channel = channel or await self.store.channel_of(poll)
        row = PendingRow(
            member.community, InteractionKind.POLL_VOTE, member, f"poll:{poll.id}:{member.id}", now,
            channel=channel, parent_external_id=poll.message_external_id,
        )
        self.recorder.add(row)

    async def click(self, poll: Poll, member: MemberRef, value: int, now: datetime, channel: ChannelRef | None = None) -> list[int]:
        """A button click: the member's ballot afterwards (values selected); refused once the poll is closed."""
        assert poll.id is not None
        if value not in values_of(poll):
            raise CommandError("polls.errors.bad_value")
        if not self.is_open(poll, now):
            raise CommandError("polls.errors.closed", id=poll.id)
        async with self._lock:
            voter = await self.voter(poll, member, now)
            if poll.kind == PollKind.MULTIPLE:
                ballot = await self.store.toggle(poll.id, voter, value, now)
            else:
                ballot = await self.store.replace(poll.id, voter, [value], now)
        if ballot is None:  # closed meanwhile: the store checks again, in the ballot's own transaction
            raise CommandError("polls.errors.closed", id=poll.id)
        await self.participation(poll, member, now, channel)
        return ballot

    async def react(self, poll: Poll, member: MemberRef, emoji: str, now: datetime, *, removed: bool, channel: ChannelRef | None = None) -> bool:
        """A number-emoji reaction on a simple poll (added or taken back); False when it is no vote."""
        assert poll.id is not None
        if emoji not in KEYCAPS or poll.anonymous or poll.kind not in (PollKind.SINGLE, PollKind.MULTIPLE):
            return False
        value = KEYCAPS.index(emoji)
        if value >= len(poll.options) or not self.is_open(poll, now):
            return False
        async with self._lock:
            voter = await self.voter(poll, member, now)
            if removed:
                return await self.store.remove(poll.id, voter, value, now)
            if poll.kind == PollKind.MULTIPLE:
                ballot = await self.store.toggle(poll.id, voter, value, now, on=True)
            else:
                ballot = await self.store.replace(poll.id, voter, [value], now)
        if ballot is None:
            return False
        await self.participation(poll, member, now, channel)
        return True

    async def native(self, poll: Poll, member: MemberRef, choice: int, now: datetime, *, removed: bool) -> bool:
        """A vote in the platform's own poll (the recorder already wrote the contribution row)."""
        assert poll.id is not None
        if not 0 <= choice < len(poll.options) or not self.is_open(poll, now):
            return False
        async with self._lock:
            voter = await self.voter(poll, member, now)
            if removed:
                return await self.store.remove(poll.id, voter, choice, now)
            if poll.kind == PollKind.MULTIPLE:
                ballot = await self.store.toggle(poll.id, voter, choice, now, on=True)
            else:
                ballot = await self.store.replace(poll.id, voter, [choice], now)
        return ballot is not None

    async def answer(self, poll: Poll, member: MemberRef, text: str, now: datetime) -> None:
        """An open-feedback answer: only here is text stored, and a new answer replaces the previous one."""
        assert poll.id is not None
        if poll.kind != PollKind.OPEN:
            raise CommandError("polls.errors.not_open_feedback", id=poll.id)
        if not self.is_open(poll, now):
            raise CommandError("polls.errors.closed", id=poll.id)
        text = text.strip()
        if not text:
            raise CommandError("polls.errors.empty_answer")
        if len(text) > MAX_ANSWER:
            raise CommandError("polls.errors.answer_too_long", length=len(text), max=MAX_ANSWER)
        async with self._lock:
            ballot = await self.store.replace(poll.id, await self.voter(poll, member, now), [0], now, text=text)
        if ballot is None:
            raise CommandError("polls.errors.closed", id=poll.id)
        await self.participation(poll, member, now)
