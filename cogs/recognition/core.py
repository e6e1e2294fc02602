"""The recognition cog's engine: contributions scored into the ledger, badges and levels checked, nightly jobs."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.cog import Cog, CogContext, listen
from bot.core.events import Event, MessageDeleted, MessagePosted, PollVoted, ReactionAdded, ReactionRemoved
from bot.core.refs import CommunityRef, MemberRef
from bot.scheduler import JobRun, JobSpec
from cogs.recognition.announce import Announcer
from cogs.recognition.badges import BadgeJudge, lookback
from cogs.recognition.ledger import CONTRIBUTIONS, ELSEWHERE, entry_for, points_for, reaction_key
from cogs.recognition.periods import period_of, previous
from cogs.recognition.settings import BadgeRule, Settings
from cogs.recognition.state import MemberState, MemberStates
from cogs.recognition.views import board_message
from storage.onboarding import STEP_COLUMNS, Newcomer, OnboardingStep
from storage.recognition_records import Mark, NewEntry
from storage.recognition_store import RecognitionStore
from storage.recorder import WrittenRow

TRIM_EVERY = timedelta(days=7)
QUIET_AFTER = timedelta(days=1)
"""Badges earned longer ago than this (history read late) are recorded without announcements."""


class RecognitionCore(Cog):
    """Rewards contributions with points, levels and badges (the commands are added by `Recognition`)."""

    def __init__(self, ctx: CogContext) -> None:
        super().__init__(ctx)
        self.store = RecognitionStore(ctx.db)
        self.states = MemberStates(self.store)
        self.judge = BadgeJudge(self.store, self.states)
        self.announcer = Announcer(ctx)
        self._settings: dict[CommunityRef, Settings] = {}
        self._lookback: dict[CommunityRef, timedelta] = {}
        self._elsewhere: dict[int, list[NewEntry]] = {}
        self._cursor: dict[int, int] = {}

    # --- configuration ----------------------------------------------------------------
    def settings_for(self, community: CommunityRef) -> Settings:
        """The community's recognition settings (read once), onboarding badges completed with the onboarding steps."""
        if community not in self._settings:
            settings = self.ctx.settings(Settings, community)
            badges = [self.with_onboarding_steps(rule, community) for rule in settings.badges]
            self._settings[community] = settings.model_copy(update={"badges": badges})
            self._lookback[community] = lookback(self._settings[community])
        return self._settings[community]

    def lookback_for(self, community: CommunityRef) -> timedelta:
        """How much recent history the community's rules need in memory (see `lookback`)."""
        self.settings_for(community)
        return self._lookback[community]

    def with_onboarding_steps(self, rule: BadgeRule, community: CommunityRef) -> BadgeRule:
        """An onboarding badge without `columns` waits for every step the onboarding feature asks of newcomers."""
        if rule.kind != "onboarding" or rule.columns or rule.table != Newcomer.__tablename__:
            return rule
        configured = self.ctx.config.cog_settings("onboarding", community).get("steps")
        steps = [OnboardingStep(s) for s in configured] if isinstance(configured, list) and configured else list(OnboardingStep)
        return rule.model_copy(update={"columns": [STEP_COLUMNS[s] for s in steps if s in STEP_COLUMNS]})

    def timezone_name(self, community: CommunityRef) -> str:
        """The community's IANA timezone."""
        return self.ctx.config.community(community).timezone or self.ctx.config.bot.timezone

    def tz(self, community: CommunityRef) -> ZoneInfo:
        """The community's timezone."""
        return ZoneInfo(self.timezone_name(community))

    async def start(self) -> None:
        """Watch the rows other features record; say once when onboarding badges cannot be earned (no onboarding feature)."""
        self.ctx.recorder.watch(ELSEWHERE, self.written_elsewhere)
        for community in self.ctx.communities:
            for rule in self.settings_for(community).badges:
                if rule.kind == "onboarding" and self.store.onboarding_table(rule.table, rule.columns) is None:
                    self.ctx.log.info("badge %s waits for an onboarding table %r with %s, which is not installed", rule.id, rule.table, rule.columns)

    async def stop(self) -> None:
        """Write the ledger entries still queued."""
        await self.store.flush()

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

    @listen(MessageDeleted)
    async def on_message_deleted(self, event: MessageDeleted) -> None:
        """A deleted post no longer scores (its points are taken back, like a reaction's)."""
        cid = await self.ctx.directory.community_id(event.community)
        for kind in ("message", "reply"):
            member_id = await self.store.remove_entry(cid, kind, event.message.id, event.at)
            if member_id is not None:
                self.states.drop(member_id)

    @listen(ReactionRemoved)
    async def on_reaction_removed(self, event: ReactionRemoved) -> None:
        """A reaction taken back no longer counts."""
        cid = await self.ctx.directory.community_id(event.community)
        member_id = await self.store.remove_entry(cid, "reaction", reaction_key(event.message.id, event.member.id, event.emoji), event.at)
        if member_id is not None:
            self.states.drop(member_id)

    async def contribution(self, event: Event) -> None:
        """Score the event's contribution, and prompt answers or poll votes other features recorded since the last look."""
        community = event.community
        cid = await self.ctx.directory.community_id(community)
        entry = await entry_for(event, self.ctx.directory)
        entries = [entry] if entry is not None else []
        entries += await self.recorded_elsewhere(community, cid)
        await self.score(community, cid, entries)

    def written_elsewhere(self, rows: list[WrittenRow]) -> None:
        """The recorder committed rows of kinds no event tells the cog about: queue the humans' ones for the next look."""
        for r in rows:
            if not r.member_is_bot:
                to_other = r.target_member_id is not None and r.target_member_id != r.member_id and not r.target_is_bot
                self._elsewhere.setdefault(r.community_id, []).append(
                    NewEntry(r.member_id, r.kind, r.external_id, r.at, r.target_member_id, to_other))

    def forget_elsewhere(self, cid: int, member_id: int) -> None:
        """An erased member: drop their queued contributions, and their id from the ones aimed at them."""
        entries = self._elsewhere.get(cid)
        if entries:
            self._elsewhere[cid] = [replace(e, target_member_id=None) if e.target_member_id == member_id else e
                                    for e in entries if e.member_id != member_id]

    async def recorded_elsewhere(self, community: CommunityRef, cid: int) -> list[NewEntry]:
        """Contributions of kinds no event tells the cog about (prompt answers, button poll votes) committed since the last look.

        The recorder pushes them (no query); the nightly job reads the interactions table too, for safety.
        Recent entries are told apart from the ledger's by the members' states; older ones (a late or
        redelivered row) are checked against the ledger in one query.
        """
        entries = self._elsewhere.pop(cid, None)
        if not entries:
            return []
        horizon = self.ctx.clock.now() - self.lookback_for(community)
        old = [e for e in entries if e.at < horizon]
        if old:
            known = await self.store.known_keys(cid, [(e.kind, e.external_id) for e in old])
            entries = [e for e in entries if e.at >= horizon or (e.kind, e.external_id) not in known]
        return entries

    async def unread(self, cid: int, *, since: datetime) -> list[NewEntry]:
        """Every contribution since `since` in the interactions table that the ledger lacks."""
        after, found, more = 0, [], True
        while more:
            after, entries, more = await self.store.interactions_after(cid, after, CONTRIBUTIONS, since=since)
            found += entries
        return found

    async def score_unread(self, community: CommunityRef, cid: int) -> None:
        """Score every contribution recorded after the saved cursor, a batch at a time.

        The cursor moves only once a batch's entries are written to the ledger: a failure or a shutdown
        midway reads them again next time (the ledger skips the keys it holds), never past them.
        """
        if cid not in self._cursor:
            self._cursor[cid] = await self.store.cursor(cid)
        after, more = self._cursor[cid], True
        while more:
            last, entries, more = await self.store.interactions_after(cid, after, CONTRIBUTIONS)
            await self.score(community, cid, entries)
            if last != after:
                await self.store.flush()
                await self.store.set_cursor(cid, last)
                self._cursor[cid] = last
            after = last

    async def state(self, community: CommunityRef, member_id: int) -> MemberState:
        """A member's recognition state (in memory after the first use; entries older than the rules need are let go)."""
        since = self.ctx.clock.now() - self.lookback_for(community)
        state = await self.states.get(member_id, since)
        if since - state.since > TRIM_EVERY:
            state.trim(since)
        return state

    async def score(self, community: CommunityRef, cid: int, entries: list[NewEntry]) -> None:
        """Add entries to the ledger, then check badges and levels of the members they belong to."""
        settings = self.settings_for(community)
        touched: dict[int, set[str]] = {}
        latest: dict[int, datetime] = {}
        scored: set[int] = set()
        for entry in entries:
            state = await self.state(community, entry.member_id)
            if (entry.kind, entry.external_id) in state.keys:
                continue
            points = await points_for(self.store, state, entry, settings.points)
            await self.store.add_entry(cid, entry, points)
            state.add(Mark(entry.kind, entry.external_id, entry.at, points, entry.to_other))
            touched.setdefault(entry.member_id, set()).add(entry.kind)
            latest[entry.member_id] = max(latest.get(entry.member_id, entry.at), entry.at)
            if points:
                scored.add(entry.member_id)
        tz = self.tz(community)
        for member_id, kinds in touched.items():
            at = latest[member_id]
            state = await self.state(community, member_id)
            await self.judge.on_entries(settings, cid, state, kinds, at, tz, self._awarder(community, cid))
            if member_id in scored:
                await self.update_level(community, cid, state, at)

    def _awarder(self, community: CommunityRef, cid: int) -> Callable[[int, BadgeRule, datetime], Awaitable[bool]]:
        async def award(member_id: int, rule: BadgeRule, at: datetime) -> bool:
            return await self.award(community, cid, member_id, rule, at)

        return award

    async def award(self, community: CommunityRef, cid: int, member_id: int, rule: BadgeRule, at: datetime, *,
                    by: int | None = None, reason: str | None = None) -> bool:
        """Award a badge once, announce it and grant its role; False when the member already has (or had) it."""
        new = await self.store.award(cid, member_id, rule.id, at, by=by, reason=reason)
        state = self.states.loaded(member_id)
        if state is not None:
            state.held[rule.id] = True if new else state.held.get(rule.id, False)
        if not new:
            return False
        info = state.info if state is not None and state.info is not None else await self.store.member_by_id(member_id)
        if info is None:
            return True
        member = MemberRef(community, info.external_id, info.name, info.is_bot)
        if at < self.ctx.clock.now() - QUIET_AFTER:
            if rule.role:
                await self.announcer.grant(member, rule.role)
            return True
        await self.announcer.badge(community, self.settings_for(community), member, rule, reason=reason)
        return True

    async def update_level(self, community: CommunityRef, cid: int, state: MemberState, at: datetime) -> None:
        """Raise a member's level when their points cross a threshold (announced once, with role rewards)."""
        settings = self.settings_for(community)
        level = settings.levels.level_of(state.points)
        if level <= state.level:
            return
        before = await self.store.raise_level(cid, state.member_id, level, at)
        state.level = max(level, before)
        if level <= before:
            return
        info = state.info or await self.store.member_by_id(state.member_id)
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
        await self.score(community, cid, await self.recorded_elsewhere(community, cid))
        await self.store.flush()  # the ledger written first: the re-reads below then find only what it lacks
        await self.score_unread(community, cid)
        await self.score(community, cid, await self.unread(cid, since=now - timedelta(days=2)))
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
