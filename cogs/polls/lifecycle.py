"""A poll's life after the command: posted (natively where possible), closed once at its deadline, results and the next of a series posted once."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from functools import partial

from bot.adapters.base import Capability
from bot.cog import CogContext
from bot.core.message import Message
from bot.core.refs import ChannelRef, CommunityRef, MemberRef, MessageRef
from cogs.polls.chart import draw_bars
from cogs.polls.closing import JOB_SCOPE, NEXT, ONCE, RESULTS, Deadlines, owed_job, poll_of
from cogs.polls.model import CHOICE_KINDS, PollDraft, native_hours, next_occurrence
from cogs.polls.render import MIN_RESPONDENTS, Texts, chart_series, poll_message, results_message
from cogs.polls.settings import PollsSettings
from cogs.polls.store import PollStore, Tally
from storage.polls import Poll, PollKind

log = logging.getLogger("engagebot.cogs.polls")


RETRY = timedelta(minutes=1)
"""When a close's posts failed outside the deadline job (`/poll close`, a start): the poll's job tries again this much later."""


class NotPosted(Exception):
    """A post the platform did not take (it refused, or another run holds its claim `until` then): tried again later."""

    def __init__(self, message: str, until: datetime | None = None) -> None:
        super().__init__(message)
        self.until = until


class PollLifecycle:
    """Posts polls, schedules their deadlines (rebuilt at start), closes each exactly once and posts its results once."""

    def __init__(self, ctx: CogContext, store: PollStore, texts: Callable[[CommunityRef], Texts], owner: str) -> None:
        self.ctx, self.store, self.texts = ctx, store, texts
        self.runs = store.runs
        self.deadlines = Deadlines(ctx.scheduler, self.close_by_id, owner)

    async def resume(self) -> None:
        """At start: post what earlier closes still owe, close the polls whose deadline passed while the bot was down, schedule the others.

        A poll whose close or posts fail is logged in one line and left to its job's retry: the others, and the cog, go on.
        """
        now = self.ctx.clock.now()
        owed = sorted({i for job in await self.runs.owed(JOB_SCOPE, RESULTS) + await self.runs.owed(JOB_SCOPE, NEXT) if (i := poll_of(job)) is not None})
        for poll_id in owed:
            poll = await self.store.get(poll_id)
            if poll is not None:
                await self._or_later(poll, self.deliver(poll))
        for poll in await self.store.open_polls():
            if poll.closes_at <= now:
                await self._or_later(poll, self.close_poll(poll))
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
        # a poll that was not posted is closed at once: no later start closes it and posts results nobody was asked for
        try:
            ref = await self.ctx.messenger.say(channel, poll_message(poll, self.texts(community), self.ctx.config.timezone_of(community), native_hours=hours))
        except Exception:
            await self.store.close(poll.id, now)
            raise
        if ref is None:
            await self.store.close(poll.id, now)
            return None, None
        await self.store.set_message(poll.id, ref.id)
        poll.message_external_id = ref.id
        self.deadlines.schedule(poll)
        log.info("poll %s (%s) posted in %s, closes %s", poll.id, poll.kind, channel, poll.closes_at.isoformat())
        return poll, note

    async def close_by_id(self, poll_id: int, scheduled_for: datetime) -> None:
        """The poll's job: close the poll once its deadline has come, and post what its close still owes (raises when a post failed)."""
        poll = await self.store.get(poll_id)
        if poll is None:
            return
        if poll.closed_at is not None:
            await self.deliver(poll)  # a post that failed after the close (or a close by /poll close or at a start)
        elif scheduled_for >= poll.closes_at.replace(second=0, microsecond=0):
            await self.close_poll(poll)

    async def close_poll(self, poll: Poll, *, retry_later: bool = False) -> bool:
        """Close once, then post the results with a chart in the poll's channel and the next poll of a series: True when this call closed it.

        Closing, counting and unlinking are one transaction that holds the poll's row (see PollStore): a vote
        racing the deadline is either counted or refused, never written after the unlinking with its code.
        The same transaction owes the posts (`deliver`): a post that fails raises, or with `retry_later` is
        logged in one line and tried again by the poll's job; it is never lost nor posted twice.
        """
        assert poll.id is not None
        now = self.ctx.clock.now()
        owes = [owed_job(RESULTS, poll.id)] + ([owed_job(NEXT, poll.id)] if poll.recurrence else [])
        closed = await self.store.close_and_tally(poll.id, now, unlink=poll.anonymous, owes=owes) is not None
        if closed:
            if poll.anonymous:
                await self.ctx.db.checkpoint()  # SQLite: the codes' old bytes leave the WAL too (secure_delete clears the file's)
            self.deadlines.forget(poll.id)
            poll.closed_at = now
            channel = await self.store.channel_of(poll)
            if channel is not None and poll.message_external_id and now < poll.closes_at and self._native(poll, channel.community):
                try:  # closed early: the platform's poll too (it takes no vote into account any more anyway)
                    await self.ctx.messenger.end_poll(MessageRef(channel, poll.message_external_id))
                except Exception as err:
                    log.warning("poll %s: its native poll could not be ended early (%s)", poll.id, _why(err))
        if retry_later:
            await self._or_later(poll, self.deliver(poll))
        else:
            await self.deliver(poll)
        return closed

    async def deliver(self, poll: Poll) -> None:
        """Post what a closed poll's close owes: its results, then the next poll of its series; each once, across retries and restarts.

        Each post is claimed in job_runs (owed since the close's transaction) and marked done once the platform
        took it. A send that raises, or that the platform refused, gives its claim back and raises: the retry
        posts it, counted anew (the ballots stay; an erased member's left with them). A claim another run holds
        raises too (that run posts it, or its lease runs out and the retry does). Only a process dying between
        the platform taking a post and its mark can post it again (README: "What a crash can duplicate").
        """
        assert poll.id is not None
        channel = await self.store.channel_of(poll)
        await self._once(owed_job(RESULTS, poll.id), partial(self._post_results, poll, channel))
        await self._once(owed_job(NEXT, poll.id), partial(self._post_next, poll.id, channel))

    async def _once(self, job: str, post: Callable[[], Awaitable[bool]]) -> None:
        runs = self.runs
        claim = await runs.claim_owed(JOB_SCOPE, job, ONCE, self.ctx.clock.now())
        if claim is None:
            held = await runs.lease_of(JOB_SCOPE, job, ONCE)
            if held is not None:
                raise NotPosted(f"{job} is being posted by another run (its claim ends at {held.isoformat()})", held)
            return  # done already, or never owed
        try:
            posted = await post()
        except Exception:
            await runs.give_back(claim)
            raise
        if not posted:
            await runs.give_back(claim)
            raise NotPosted(f"{job}: the platform did not take the post")
        await runs.done(claim, self.ctx.clock.now())

    async def _post_results(self, poll: Poll, channel: ChannelRef | None) -> bool:
        assert poll.id is not None
        if channel is None:
            return True  # nowhere to post (an imported poll)
        min_respondents = self.ctx.settings(PollsSettings, channel.community).min_respondents
        message = self.results_of(poll, await self.store.tally(poll.id), self.texts(channel.community), final=True, min_respondents=min_respondents)
        return await self.ctx.messenger.say(channel, message) is not None

    async def _post_next(self, poll_id: int, channel: ChannelRef | None) -> bool:
        poll = await self.store.get(poll_id)  # as stored now: `/poll close ID stop=yes` may have ended the series since
        if poll is None or poll.recurrence is None or channel is None:
            return True
        posted, _ = await self._next_of(poll, channel, self.ctx.clock.now())
        return posted is not None

    async def _or_later(self, poll: Poll, work: Awaitable[object]) -> None:
        """Run a close or its posts; if it fails, one line in the log and the poll's job tries again later."""
        try:
            await work
        except Exception as err:
            when = self.ctx.clock.now() + RETRY
            if isinstance(err, NotPosted) and err.until is not None:
                when = max(when, err.until + timedelta(seconds=1))
            log.warning("poll %s: its close or results failed (%s): tried again at %s", poll.id, _why(err), when.isoformat())
            self.deadlines.retry(poll, when)

    def _native_allowed(self, community: CommunityRef) -> bool:
        """Native polls are on in the settings and the community's platform has them."""
        return self.ctx.settings(PollsSettings, community).native_polls and self.ctx.messenger.can(community, Capability.NATIVE_POLLS)

    def _native(self, poll: Poll, community: CommunityRef) -> bool:
        """Whether `publish` posted this poll as a platform-native poll (the same rule, on the stored poll)."""
        if not self._native_allowed(community):
            return False
        draft = PollDraft(PollKind(poll.kind), poll.question, tuple(poll.options), poll.anonymous, poll.reveal, poll.closes_at, poll.recurrence)
        return native_hours(draft, poll.created_at) is not None

    async def _next_of(self, poll: Poll, channel: ChannelRef, now: datetime) -> tuple[Poll | None, str | None]:
        assert poll.recurrence is not None
        tz = self.ctx.config.timezone_of(channel.community)
        closes_at = next_occurrence(poll.closes_at, poll.recurrence, now, tz)
        draft = PollDraft(PollKind(poll.kind), poll.question, tuple(poll.options), poll.anonymous, poll.reveal, closes_at, poll.recurrence)
        return await self.publish(draft, channel, None, now)

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


def _why(err: BaseException) -> str:
    """An exception in a few words, for a one-line log."""
    text = str(err).splitlines()[0][:160] if str(err) else ""
    return f"{type(err).__name__}: {text}" if text else type(err).__name__
