"""The recognition cog's engine: contributions scored into the ledger, badges and levels checked, nightly jobs."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.cog import Cog, CogContext, listen
from bot.core.events import Event, MessagePosted, PollVoted, ReactionAdded, ReactionRemoved
from bot.core.refs import CommunityRef, MemberRef
from bot.scheduler import JobRun, JobSpec
from cogs.recognition.announce import Announcer
from cogs.recognition.badges import BadgeJudge
from cogs.recognition.ledger import CONTRIBUTIONS, entry_for, points_for, reaction_key
from cogs.recognition.periods import period_of, previous
from cogs.recognition.settings import BadgeRule, Settings
from cogs.recognition.views import board_message
from storage.recognition_store import NewEntry, RecognitionStore

QUIET_AFTER = timedelta(days=1)
"""Badges earned longer ago than this (history read late) are recorded without announcements."""


class RecognitionCore(Cog):
    """Rewards contributions with points, levels and badges (the commands are added by `Recognition`)."""

    def __init__(self, ctx: CogContext) -> None:
        super().__init__(ctx)
        self.store = RecognitionStore(ctx.db)
        self.judge = BadgeJudge(self.store)
        self.announcer = Announcer(ctx)
        self._settings: dict[CommunityRef, Settings] = {}
        self._cursors: dict[int, int] = {}

    # --- configuration ----------------------------------------------------------------
    def settings_for(self, community: CommunityRef) -> Settings:
        """The community's recognition settings (read once)."""
        if community not in self._settings:
            self._settings[community] = self.ctx.settings(Settings, community)
        return self._settings[community]

    def timezone_name(self, community: CommunityRef) -> str:
        """The community's IANA timezone."""
        return self.ctx.config.community(community).timezone or self.ctx.config.bot.timezone

    def tz(self, community: CommunityRef) -> ZoneInfo:
        """The community's timezone."""
        return ZoneInfo(self.timezone_name(community))

    async def start(self) -> None:
        """Say once when onboarding badges cannot be earned (the onboarding feature is not installed)."""
        for community in self.ctx.communities:
            for rule in self.settings_for(community).badges:
                if rule.kind == "onboarding" and self.store.onboarding_table(rule.table) is None:
                    self.ctx.log.info("badge %s waits for an onboarding table %r, which is not installed", rule.id, rule.table)

    def jobs(self) -> list[JobSpec]:
        """Per community: the nightly badge check, and the weekly leaderboard post."""
        specs: list[JobSpec] = []
        for community in self.ctx.communities:
            settings = self.settings_for(community)
            tz = self.timezone_name(community)
            specs.append(JobSpec("recognition-nightly", str(community), settings.nightly_cron, tz, self._job(self.nightly, community)))
            if settings.leaderboard_cron and settings.channel:
                specs.append(JobSpec("recognition-leaderboard", str(community), settings.leaderboard_cron, tz, self._job(self.post_weekly_board, community)))
        return specs

    @staticmethod
    def _job(func: Callable[[CommunityRef, JobRun], Awaitable[None]], community: CommunityRef) -> Callable[[JobRun], Awaitable[None]]:
        async def run(job: JobRun) -> None:
            await func(community, job)

        return run

    # --- contributions ----------------------------------------------------------------
    @listen(MessagePosted)
    async def on_message(self, event: MessagePosted) -> None:
        """A post or a reply scores points and may complete badges."""
        await self.contribution(event)

    @listen(ReactionAdded)
    async def on_reaction(self, event: ReactionAdded) -> None:
        """A reaction scores points and may complete badges."""
        await self.contribution(event)

    @listen(PollVoted)
    async def on_vote(self, event: PollVoted) -> None:
        """A native poll vote scores points and may complete badges."""
        await self.contribution(event)

    @listen(ReactionRemoved)
    async def on_reaction_removed(self, event: ReactionRemoved) -> None:
        """A reaction taken back no longer counts."""
        cid = await self.ctx.directory.community_id(event.community)
        await self.store.remove_entry(cid, "reaction", reaction_key(event.message.id, event.member.id, event.emoji), event.at)

    async def contribution(self, event: Event) -> None:
        """Score the event's contribution and those recorded by other paths since the last look (prompt answers…)."""
        community = event.community
        cid = await self.ctx.directory.community_id(community)
        entry = await entry_for(event, self.ctx.directory)
        entries = [entry] if entry is not None else []
        entries += await self.unread(cid)
        await self.score(community, cid, entries)

    async def unread(self, cid: int, *, since: datetime | None = None, pages: int = 1) -> list[NewEntry]:
        """Contributions in the interactions table the ledger lacks (from the cursor, or every one since `since`)."""
        use_cursor = since is None
        after = (self._cursors.get(cid) or await self.store.cursor(cid)) if use_cursor else 0
        found: list[NewEntry] = []
        for _ in range(pages):
            last, entries = await self.store.interactions_after(cid, after, CONTRIBUTIONS, since=since)
            found += entries
            if last == after:
                break
            after = last
            if use_cursor:
                await self.store.set_cursor(cid, last)
                self._cursors[cid] = last
        return found

    async def score(self, community: CommunityRef, cid: int, entries: list[NewEntry]) -> None:
        """Add entries to the ledger, then check badges and levels of the members they belong to."""
        settings = self.settings_for(community)
        touched: dict[int, set[str]] = {}
        latest: dict[int, datetime] = {}
        scored: set[int] = set()
        for entry in entries:
            points = await points_for(self.store, entry, settings.points)
            if not await self.store.add_entry(cid, entry, points):
                continue
            touched.setdefault(entry.member_id, set()).add(entry.kind)
            latest[entry.member_id] = max(latest.get(entry.member_id, entry.at), entry.at)
            if points:
                scored.add(entry.member_id)
        tz = self.tz(community)
        for member_id, kinds in touched.items():
            at = latest[member_id]
            await self.judge.on_entries(settings, cid, member_id, kinds, at, tz, self._awarder(community, cid))
            if member_id in scored:
                await self.update_level(community, cid, member_id, at)

    def _awarder(self, community: CommunityRef, cid: int) -> Callable[[int, BadgeRule, datetime], Awaitable[bool]]:
        async def award(member_id: int, rule: BadgeRule, at: datetime) -> bool:
            return await self.award(community, cid, member_id, rule, at)

        return award

    async def award(self, community: CommunityRef, cid: int, member_id: int, rule: BadgeRule, at: datetime, *,
                    by: int | None = None, reason: str | None = None) -> bool:
        """Award a badge once, announce it and grant its role; False when the member already has (or had) it."""
        if not await self.store.award(cid, member_id, rule.id, at, by=by, reason=reason):
            return False
        info = await self.store.member_by_id(member_id)
        if info is None:
            return True
        member = MemberRef(community, info.external_id, info.name, info.is_bot)
        if at < self.ctx.clock.now() - QUIET_AFTER:
            if rule.role:
                await self.announcer.grant(member, rule.role)
            return True
        await self.announcer.badge(community, self.settings_for(community), member, rule, reason=reason)
        return True

    async def update_level(self, community: CommunityRef, cid: int, member_id: int, at: datetime) -> None:
        """Raise a member's level when their points cross a threshold (announced once, with role rewards)."""
        settings = self.settings_for(community)
        level = settings.levels.level_of(await self.store.points_total(member_id))
        if level == 0:
            return
        before = await self.store.raise_level(cid, member_id, level, at)
        if level <= before:
            return
        info = await self.store.member_by_id(member_id)
        if info is not None:
            await self.announcer.level_up(community, settings, MemberRef(community, info.external_id, info.name), level, before)

    async def give_points(self, community: CommunityRef, entry: NewEntry) -> None:
        """Score one entry made by the cog itself (kudos)."""
        cid = await self.ctx.directory.community_id(community)
        await self.score(community, cid, [entry])

    # --- scheduled jobs ---------------------------------------------------------------
    async def nightly(self, community: CommunityRef, job: JobRun) -> None:
        """Read contributions recorded elsewhere, then award onboarding, top-contributor and any missed badges."""
        await self.ctx.recorder.flush()
        cid = await self.ctx.directory.community_id(community)
        now = self.ctx.clock.now()
        await self.score(community, cid, await self.unread(cid, pages=10_000))
        await self.score(community, cid, await self.unread(cid, since=now - timedelta(days=2), pages=10_000))
        await self.judge.nightly(self.settings_for(community), cid, now, self.tz(community), self._awarder(community, cid))

    async def post_weekly_board(self, community: CommunityRef, job: JobRun) -> None:
        """Post last week's leaderboard (boards stay: any past week can be shown again)."""
        settings = self.settings_for(community)
        channel = self.announcer.channel(community, settings)
        tz = self.tz(community)
        week = previous(period_of("week", self.ctx.clock.now(), tz), tz)
        if channel is None:
            return
        cid = await self.ctx.directory.community_id(community)
        standings = await self.store.standings(cid, week.start, week.end)
        if standings:
            await self.ctx.messenger.say(channel, board_message(self.ctx, community, week, standings, settings.leaderboard_size))
