"""A poll's life after the command: posted (natively where possible), closed once at its deadline, results, the next of a series."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial

from bot.adapters.base import Capability
from bot.cog import CogContext
from bot.core.message import Message
from bot.core.refs import ChannelRef, CommunityRef, MemberRef, MessageRef
from cogs.polls.chart import draw_bars
from cogs.polls.closing import Deadlines
from cogs.polls.model import CHOICE_KINDS, PollDraft, native_hours, next_occurrence
from cogs.polls.render import MIN_RESPONDENTS, Texts, chart_series, poll_message, results_message
from cogs.polls.settings import PollsSettings
from cogs.polls.store import PollStore, Tally
from storage.polls import Poll, PollKind

log = logging.getLogger("engagebot.cogs.polls")


class PollLifecycle:
    """Posts polls, schedules their deadlines (rebuilt at start), closes each exactly once and posts its results."""

    def __init__(self, ctx: CogContext, store: PollStore, texts: Callable[[CommunityRef], Texts], owner: str) -> None:
        self.ctx, self.store, self.texts = ctx, store, texts
        self.deadlines = Deadlines(ctx.scheduler, self.close_by_id, owner)

    async def resume(self) -> None:
        """At start: close the polls whose deadline passed while the bot was down, schedule the others."""
        now = self.ctx.clock.now()
        for poll in await self.store.open_polls():
            if poll.closes_at <= now:
                await self.close_poll(poll)
            else:
                self.deadlines.schedule(poll)

    async def publish(self, draft: PollDraft, channel: ChannelRef, creator: MemberRef | None, now: datetime) -> tuple[Poll | None, str | None]:
        """Store and post a poll (natively when the platform allows it), then schedule its close."""
        community = channel.community
        hours = native_hours(draft, now)
        can_native = self._native_allowed(community)
        note = "native_too_long" if can_native and hours is None and draft.kind in CHOICE_KINDS and not draft.anonymous and draft.reveal == "live" else None
        if can_native and hours is not None:
            draft = PollDraft(draft.kind, draft.question, draft.options, draft.anonymous, draft.reveal, now + timedelta(hours=hours), draft.recurrence)
        else:
            hours = None
        cid = await self.ctx.directory.community_id(community)
        chid = await self.ctx.directory.channel_id(channel)
        creator_id = await self.ctx.directory.member_id(creator, now) if creator else None
        poll = await self.store.create(cid, draft, channel_id=chid, created_by=creator_id, now=now)
        assert poll.id is not None
        ref = await self.ctx.messenger.say(channel, poll_message(poll, self.texts(community), self.ctx.config.timezone_of(community), native_hours=hours))
        if ref is None:
            await self.store.close(poll.id, now)
            return None, None
        await self.store.set_message(poll.id, ref.id)
        poll.message_external_id = ref.id
        self.deadlines.schedule(poll)
        log.info("poll %s (%s) posted in %s, closes %s", poll.id, poll.kind, channel, poll.closes_at.isoformat())
        return poll, note

    async def close_by_id(self, poll_id: int, scheduled_for: datetime) -> None:
        """The deadline job: close the poll if its deadline has come and nothing closed it yet."""
        poll = await self.store.get(poll_id)
        if poll is not None and scheduled_for >= poll.closes_at.replace(second=0, microsecond=0):
            await self.close_poll(poll)

    async def close_poll(self, poll: Poll) -> bool:
        """Close once: results with a chart in the poll's channel, anonymous codes unlinked, the next of a series posted.

        Closing, counting and unlinking are one transaction that holds the poll's row (see PollStore): a vote
        racing the deadline is either counted or refused, never written after the unlinking with its code.
        """
        assert poll.id is not None
        now = self.ctx.clock.now()
        tally = await self.store.close_and_tally(poll.id, now, unlink=poll.anonymous)
        if tally is None:
            return False
        if poll.anonymous:
            await self.ctx.db.checkpoint()  # SQLite: the codes' old bytes leave the WAL too (secure_delete clears the file's)
        self.deadlines.forget(poll.id)
        poll.closed_at = now
        channel = await self.store.channel_of(poll)
        if channel is not None and poll.message_external_id and now < poll.closes_at and self._native(poll, channel.community):
            await self.ctx.messenger.end_poll(MessageRef(channel, poll.message_external_id))  # closed early: the platform's poll too
        if channel is None:
            return True
        await self.ctx.messenger.say(channel, self.results_of(poll, tally, self.texts(channel.community), final=True,
                                                              min_respondents=self.ctx.settings(PollsSettings, channel.community).min_respondents))
        if poll.recurrence:
            await self._next_of(poll, channel, now)
        return True

    def _native_allowed(self, community: CommunityRef) -> bool:
        """Native polls are on in the settings and the community's platform has them."""
        return self.ctx.settings(PollsSettings, community).native_polls and self.ctx.messenger.can(community, Capability.NATIVE_POLLS)

    def _native(self, poll: Poll, community: CommunityRef) -> bool:
        """Whether `publish` posted this poll as a platform-native poll (the same rule, on the stored poll)."""
        if not self._native_allowed(community):
            return False
        draft = PollDraft(PollKind(poll.kind), poll.question, tuple(poll.options), poll.anonymous, poll.reveal, poll.closes_at, poll.recurrence)
        return native_hours(draft, poll.created_at) is not None

    async def _next_of(self, poll: Poll, channel: ChannelRef, now: datetime) -> None:
        assert poll.recurrence is not None
        tz = self.ctx.config.timezone_of(channel.community)
        closes_at = next_occurrence(poll.closes_at, poll.recurrence, now, tz)
        draft = PollDraft(PollKind(poll.kind), poll.question, tuple(poll.options), poll.anonymous, poll.reveal, closes_at, poll.recurrence)
        await self.publish(draft, channel, None, now)

    async def results(self, poll: Poll, t: Texts, *, final: bool, min_respondents: int) -> Message:
        """The results message as counted now, with its bar chart (drawn in a thread when it is first sent)."""
        assert poll.id is not None
        return self.results_of(poll, await self.store.tally(poll.id), t, final=final, min_respondents=min_respondents)

    @staticmethod
    def results_of(poll: Poll, tally: Tally, t: Texts, *, final: bool, min_respondents: int = MIN_RESPONDENTS) -> Message:
        """The results message of a tally, with its bar chart."""
        chart = None
        if poll.kind != PollKind.OPEN and tally.voters:
            labels, counts, colors = chart_series(poll, tally)
            chart = partial(draw_bars, poll.question, labels, counts, highlight=colors)
        return results_message(poll, tally, t, final=final, chart=chart, min_respondents=min_respondents)
