"""The onboarding cog: welcome and kit, rules gate, checklist progress, nudges, buddies and the funnel."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from bot.cog import Cog, CogContext, button, command, listen
from bot.commands import Access, Reply
from bot.core.actions import GrantRole
from bot.core.events import ButtonPressed, CommandInvoked, MemberJoined, MemberLeft, MessagePosted, PollVoted, ReactionAdded
from bot.core.message import Message
from bot.core.refs import ChannelRef, CommunityRef, MemberRef
from bot.i18n import join_list
from bot.scheduler import JobFunc, JobRun, JobSpec
from cogs.onboarding.buddies import BuddyMatcher
from cogs.onboarding.checklist import checklist_message, next_step, stuck_message
from cogs.onboarding.delivery import deliver
from cogs.onboarding.funnel import funnel_line, weekly_funnels
from cogs.onboarding.nudges import NudgeSweep
from cogs.onboarding.settings import OnboardingSettings
from cogs.onboarding.texts import ACCEPT, BUDDY_OPT_IN, OPT_OUT, Texts
from storage.onboarding import OnboardingStep, onboarding_funnel
from storage.onboarding_repo import NewcomerState, OnboardingRepo, Progress

KIT, WELCOME, ROLE, COMPLETED = "kit", "welcome", "member_role", "completed"
RULES_AT, COMPLETED_AT = "rules_accepted_at", "completed_at"
MESSAGE_KINDS = ("kit", "welcome", "rules_reminder", "nudge_3d", "nudge_7d")


class Onboarding(Cog):
    """From invitation to first contribution: nobody should fall through the cracks."""

    name = "onboarding"
    Settings = OnboardingSettings

    def __init__(self, ctx: CogContext) -> None:
        super().__init__(ctx)
        self.repo = OnboardingRepo(ctx.db)
        self.sweep = NudgeSweep(ctx, self.repo)
        self.matcher = BuddyMatcher(ctx, self.repo)
        # progress columns already set per member (None: no journey under way), so most events cost no write
        self._known: dict[tuple[int, int], frozenset[str] | None] = {}
        self._settings: dict[CommunityRef, OnboardingSettings] = {}

    def settings_for(self, community: CommunityRef) -> OnboardingSettings:
        """The settings of one community (read once: they do not change while the bot runs)."""
        found = self._settings.get(community)
        if found is None:
            found = self._settings[community] = self.ctx.settings(OnboardingSettings, community)
        return found

    def texts(self, community: CommunityRef) -> Texts:
        """The community's texts."""
        return Texts(self.ctx, community, self.settings_for(community))

    @staticmethod
    def _channel(community: CommunityRef, name: str) -> ChannelRef:
        name = name.lstrip("#")
        return ChannelRef(community, name, name)

    async def _ids(self, member: MemberRef, at: datetime) -> tuple[int, int]:
        cid = await self.ctx.directory.community_id(member.community)
        return cid, await self.ctx.directory.member_id(member, at)

    # --- jobs ----------------------------------------------------------------------------------
    def jobs(self) -> list[JobSpec]:
        """An hourly check (reminders, nudges) and a weekly buddy pairing per community."""
        specs: list[JobSpec] = []
        for community in self.ctx.communities:
            s = self.settings_for(community)
            if not s.enabled:
                continue
            tz = str(self.ctx.config.timezone_of(community))
            specs.append(JobSpec("onboarding-check", str(community), s.check_cron, tz, self._check_job(community), grace=timedelta(hours=6),
                                 idle=self._check_idle(community)))
            if s.buddies:
                specs.append(JobSpec("onboarding-buddies", str(community), s.buddy_cron, tz, self._buddy_job(community), grace=timedelta(days=2)))
        return specs

    def _check_job(self, community: CommunityRef) -> JobFunc:
        async def run(job: JobRun) -> None:
            await self.sweep.run(community, self.settings_for(community), self.ctx.clock.now())

        return run

    def _check_idle(self, community: CommunityRef) -> Callable[[datetime], bool]:
        def idle(now: datetime) -> bool:
            return self.sweep.idle(community, now)

        return idle

    def _buddy_job(self, community: CommunityRef) -> JobFunc:
        async def run(job: JobRun) -> None:
            await self.matcher.run(community, self.settings_for(community), job.scheduled_for, job.period)

        return run

    # --- arrivals and departures ----------------------------------------------------------------
    @listen(MemberJoined)
    async def on_join(self, event: MemberJoined) -> None:
        """Start the journey: the welcome kit by DM, and the public welcome unless it waits for the rules."""
        s = self.settings_for(event.community)
        if not s.enabled:
            return
        member = event.member
        cid, mid = await self._ids(member, event.at)

        def kinds(state: NewcomerState) -> list[str]:
            accepted = state.rules_accepted_at is not None
            wanted = [KIT]
            if not s.gated or accepted:
                wanted.append(WELCOME)
            if s.member_role and (OnboardingStep.RULES not in s.steps or accepted):
                wanted.append(ROLE)
            return wanted

        state, claimed = await self.repo.join_and_claim(cid, mid, event.at, kinds, self.ctx.clock.now())
        self._know((cid, mid), state)
        self.sweep.joined(event.community, state.joined_at, s)
        texts = Texts(self.ctx, event.community, s)
        if KIT in claimed:
            await self.deliver(cid, mid, KIT, lambda: self.ctx.messenger.dm(member, texts.kit(member), self._channel(event.community, s.welcome_channel)))
        if WELCOME in claimed:
            await self.deliver(cid, mid, WELCOME, lambda: self.ctx.messenger.say(self._channel(member.community, s.welcome_channel), texts.welcome(member)))
        if ROLE in claimed and s.member_role:
            role = s.member_role
            await self.deliver(cid, mid, ROLE, lambda: self.ctx.messenger.send(GrantRole(member, role)), answered=False)

    async def deliver(self, cid: int, mid: int, kind: str, send: Callable[[], Awaitable[object]], *, answered: bool = True) -> None:
        """Send a claimed onboarding message; one that fails (or reaches nobody) is noted as not delivered."""
        await deliver(self.ctx.log, self.repo, cid, mid, kind, send, answered=answered)

    @listen(MemberLeft)
    async def on_leave(self, event: MemberLeft) -> None:
        """A member who leaves gets nothing more: every check skips members who left."""
        cid, mid = await self._ids(event.member, event.at)
        await self.repo.left(cid, mid, event.at)
        self._known[(cid, mid)] = None

    # --- progress --------------------------------------------------------------------------------
    def _is_intro(self, channel: ChannelRef, s: OnboardingSettings) -> bool:
        wanted = s.introductions_channel.lstrip("#").casefold()
        return wanted in {channel.id.casefold(), (channel.name or "").lstrip("#").casefold()}

    async def _progress(self, member: MemberRef, at: datetime, progress: Progress, s: OnboardingSettings) -> None:
        cid, mid = await self._ids(member, at)
        key = (cid, mid)
        if key not in self._known:
            self._know(key, await self.repo.get(cid, mid))
        done = self._known[key]
        if done is None:
            return
        new = progress.columns() - done
        if not new:
            return
        # a step passed may complete the checklist: checked in the same transaction
        steps = s.steps if new - {"active_at"} and COMPLETED_AT not in done else None
        updated, completed, thanked = await self.repo.progress_and_complete(cid, mid, progress.only(new), steps, thank=COMPLETED,
                                                                             claimed_at=self.ctx.clock.now())
        self._known[key] = done | new | ({COMPLETED_AT} if completed else set()) if updated else None
        if thanked:
            await self._thank(cid, mid, member, s)

    def _know(self, key: tuple[int, int], state: NewcomerState | None) -> None:
        """Remember what a journey read from the database has set (None: no journey under way)."""
        if state is None or not state.present:
            self._known[key] = None
            return
        extra = {name for name, value in ((RULES_AT, state.rules_accepted_at), (COMPLETED_AT, state.completed_at)) if value is not None}
        self._known[key] = state.columns_set() | extra

    async def _thank(self, cid: int, mid: int, member: MemberRef, s: OnboardingSettings) -> None:
        """Every step passed (noted: recognition's onboarding badges read it; the message claimed): thank the member."""
        texts = Texts(self.ctx, member.community, s)
        await self.deliver(cid, mid, COMPLETED, lambda: self.ctx.messenger.dm(member, texts.completed(member)))

    @listen(MessagePosted)
    async def on_message(self, event: MessagePosted) -> None:
        """An introduction, a first contribution elsewhere, a first reply to someone."""
        s = self.settings_for(event.community)
        if not s.enabled:
            return
        intro = self._is_intro(event.message.channel, s)
        target = event.reply_to_author
        replied = target is not None and not target.bot and target.id != event.author.id
        await self._progress(event.author, event.at, Progress(event.at, introduced=intro and event.reply_to is None, contributed=not intro, replied=replied), s)

    @listen(ReactionAdded)
    async def on_reaction(self, event: ReactionAdded) -> None:
        """A reaction is a contribution (outside the introductions channel, a first one elsewhere)."""
        s = self.settings_for(event.community)
        if s.enabled:
            await self._progress(event.member, event.at, Progress(event.at, contributed=not self._is_intro(event.message.channel, s)), s)

    @listen(PollVoted)
    async def on_vote(self, event: PollVoted) -> None:
        """A poll vote is a contribution too."""
        s = self.settings_for(event.community)
        if s.enabled and not event.removed:
            await self._progress(event.member, event.at, Progress(event.at, contributed=not self._is_intro(event.message.channel, s)), s)

    # --- buttons ---------------------------------------------------------------------------------
    @button(ACCEPT)
    async def accept(self, event: ButtonPressed) -> Reply:
        """The member accepts the rules: the public welcome (if it waited) and the member role follow."""
        s = self.settings_for(event.community)
        texts = Texts(self.ctx, event.community, s)
        cid, mid = await self._ids(event.member, event.at)
        key = (cid, mid)
        known = self._known.get(key)
        if known is None:  # not read yet, or no journey under way
            state = await self.repo.get(cid, mid)
            if state is None:
                return Reply(Message(texts.ui("accept_no_journey")))
            if key not in self._known:
                self._know(key, state)
        elif RULES_AT in known:
            return Reply(Message(texts.ui("accept_already")))
        done = self._known.get(key)
        steps = s.steps if done is None or COMPLETED_AT not in done else None
        wanted = ([WELCOME] if s.gated else []) + ([ROLE] if s.member_role else [])
        accepted, completed, claimed = await self.repo.accept_and_complete(cid, mid, event.at, steps, wanted, self.ctx.clock.now(), thank=COMPLETED)
        if not accepted:
            return Reply(Message(texts.ui("accept_already")))
        if done is not None:
            self._known[key] = done | {RULES_AT} | ({COMPLETED_AT} if completed else set())
        member = event.member
        if WELCOME in claimed:
            await self.deliver(cid, mid, WELCOME, lambda: self.ctx.messenger.say(self._channel(member.community, s.welcome_channel), texts.welcome(member)))
        if ROLE in claimed and s.member_role:
            role = s.member_role
            await self.deliver(cid, mid, ROLE, lambda: self.ctx.messenger.send(GrantRole(member, role)), answered=False)
        if COMPLETED in claimed:
            await self._thank(cid, mid, member, s)
        return Reply(Message(texts.ui("accept_thanks", **texts.params(event.member))))

    @button(OPT_OUT)
    async def opt_out(self, event: ButtonPressed) -> Reply:
        """The member wants no more reminders or nudges."""
        texts = self.texts(event.community)
        cid, mid = await self._ids(event.member, event.at)
        if await self.repo.get(cid, mid) is None:
            return Reply(Message(texts.ui("optout_no_journey")))
        await self.repo.opt_out(cid, mid, event.at)
        return Reply(Message(texts.ui("optout_done")))

    @button(BUDDY_OPT_IN)
    async def buddy_button(self, event: ButtonPressed) -> Reply:
        """The member offers to welcome newcomers."""
        return await self._buddy_consent(event.member, event.at, True)

    async def _buddy_consent(self, member: MemberRef, at: datetime, consent: bool) -> Reply:
        texts = self.texts(member.community)
        cid, mid = await self._ids(member, at)
        changed = await self.repo.set_consent(cid, mid, at, consent)
        key = ("buddy_in" if changed else "buddy_in_already") if consent else ("buddy_out" if changed else "buddy_out_already")
        return Reply(Message(texts.ui(key)))

    # --- commands --------------------------------------------------------------------------------
    @command("onboarding", {"en": "Your onboarding checklist", "fr": "Votre parcours d'accueil"})
    async def checklist(self, inv: CommandInvoked) -> Reply:
        """The caller's checklist (only they see it)."""
        s = self.settings_for(inv.community)
        cid, mid = await self._ids(inv.member, inv.at)
        state = await self.repo.get(cid, mid)
        return Reply(checklist_message(Texts(self.ctx, inv.community, s), state, s.steps))

    @command("onboarding checklist", {"en": "Your onboarding checklist", "fr": "Votre parcours d'accueil"})
    async def checklist_sub(self, inv: CommandInvoked) -> Reply:
        """The same checklist, as a subcommand (Discord shows only the subcommands of a group)."""
        return await self.checklist(inv)

    @command("onboarding stuck", {"en": "Newcomers and the step they are stuck at", "fr": "Les nouveaux arrivants et l'étape où ils bloquent"},
             access=Access.ANIMATOR)
    async def stuck(self, inv: CommandInvoked) -> Reply:
        """Who is stuck at which step, among the newcomers of the last weeks."""
        s = self.settings_for(inv.community)
        cid = await self.ctx.directory.community_id(inv.community)
        now = self.ctx.clock.now()
        journeys = await self.repo.journeys(cid, now - timedelta(days=s.stuck_days))
        return Reply(stuck_message(Texts(self.ctx, inv.community, s), journeys, s.steps, now, s.stuck_days))

    @command("onboarding funnel", {"en": "The onboarding funnel of the last weeks", "fr": "L'entonnoir d'accueil des dernières semaines"},
             access=Access.ANIMATOR)
    async def funnel(self, inv: CommandInvoked) -> Reply:
        """One funnel line per weekly cohort (the last four weeks)."""
        texts = self.texts(inv.community)
        cid = await self.ctx.directory.community_id(inv.community)
        tz = self.ctx.config.timezone_of(inv.community)
        funnels = await weekly_funnels(self.ctx.db, cid, self.ctx.clock.now(), tz, 4)
        lines = [f"**{f.start.astimezone(tz):%d/%m}** {funnel_line(texts, f)}" for f in funnels]
        return Reply(Message(title=texts.ui("funnel_title"), body="\n".join(lines), footer=texts.ui("funnel_footer")))

    @command("buddy optin", {"en": "Offer to welcome newcomers as their buddy", "fr": "Proposer d'accueillir des nouveaux comme parrain ou marraine"})
    async def buddy_optin(self, inv: CommandInvoked) -> Reply:
        """The caller agrees to be a buddy."""
        return await self._buddy_consent(inv.member, inv.at, True)

    @command("buddy optout", {"en": "Stop being a buddy for newcomers", "fr": "Ne plus parrainer de nouveaux arrivants"})
    async def buddy_optout(self, inv: CommandInvoked) -> Reply:
        """The caller no longer wants to be a buddy."""
        return await self._buddy_consent(inv.member, inv.at, False)

    @command("buddy call", {"en": "Invite members to become buddies (post with a button)", "fr": "Inviter les membres à devenir parrains (message avec bouton)"},
             access=Access.ANIMATOR)
    async def buddy_call(self, inv: CommandInvoked) -> Reply:
        """Post the call for buddies in the welcome channel."""
        s = self.settings_for(inv.community)
        texts = Texts(self.ctx, inv.community, s)
        await self.ctx.messenger.say(self._channel(inv.community, s.welcome_channel), texts.buddy_call())
        return Reply(Message(texts.ui("buddy_call_posted", channel=f"#{s.welcome_channel.lstrip('#')}")))

    # --- home view -------------------------------------------------------------------------------
    async def home_lines(self, member: MemberRef, access: Access) -> list[str]:
        """Members see their next onboarding step; animators, how many recent newcomers are still on their way."""
        s = self.settings_for(member.community)
        if not s.enabled:
            return []
        texts = Texts(self.ctx, member.community, s)
        cid = await self.ctx.directory.community_id(member.community)
        lines = []
        mid = await self.repo.member_id(cid, member.id)
        state = await self.repo.get(cid, mid) if mid is not None else None
        if state is not None and state.present and (step := next_step(state, s.steps)) is not None:
            lines.append(texts.ui("home_next", step=texts.ui(f"step_{step.value}")))
        if access & Access.ANIMATOR:
            journeys = await self.repo.journeys(cid, self.ctx.clock.now() - timedelta(days=s.stuck_days))
            under_way = sum(1 for j in journeys if next_step(j, s.steps) is not None)
            lines.append(texts.ui("home_staff", count=under_way, total=len(journeys), days=s.stuck_days))
        return lines

    # --- demo, privacy ---------------------------------------------------------------------------
    async def summary(self, community: CommunityRef) -> list[str]:
        """The funnel of the newcomers the bot followed, and what it sent them."""
        texts = self.texts(community)
        cid = await self.ctx.directory.community_id(community)
        journeys = await self.repo.journeys(cid, datetime.min.replace(tzinfo=self.ctx.clock.now().tzinfo))
        everyone = await onboarding_funnel(self.ctx.db, cid, datetime(1970, 1, 1, tzinfo=self.ctx.clock.now().tzinfo), self.ctx.clock.now(),
                                           as_of=self.ctx.clock.now())
        sent = await self.repo.count_sent(cid)
        pairs = await self.repo.pairs(cid)
        counts = join_list(texts.locale, (f"{texts.ui('sent_' + k)} {sent.get(k, 0)}" for k in MESSAGE_KINDS), "unit")
        return [
            texts.ui("summary_followed", joined=everyone.joined, here=len(journeys)),
            funnel_line(texts, everyone),
            texts.ui("summary_sent", counts=counts),
            texts.ui("summary_buddies", pairs=len(pairs), buddies=len({b for _, b in pairs})),
        ]

    def demo_script(self) -> list[tuple[timedelta, str, str]]:
        """Camille calls for buddies; a few founders opt in by command."""
        lines = [(timedelta(hours=9), "camille", "buddy call")]
        lines += [(timedelta(hours=10, minutes=5 * i), f"u{i:03d}", "buddy optin") for i in range(0, 24, 3)]
        lines.append((timedelta(days=9, hours=9), "camille", "onboarding stuck"))
        return lines

    async def describe_member(self, member: MemberRef) -> list[str]:
        """The member's onboarding progress, the onboarding messages they got, their buddy consent and pairs."""
        texts = self.texts(member.community)
        cid = await self.ctx.directory.community_id(member.community)
        mid = await self._existing_member(member)
        if mid is None:
            return []
        state, kinds, consent, pairs = await self.repo.describe(cid, mid)
        lines = []
        if state is not None:
            passed = [(s, when) for s in OnboardingStep if (when := state.done(s)) is not None]
            steps = join_list(texts.locale, (f"{texts.ui(f'step_short_{s.value}')} {when.date().isoformat()}" for s, when in passed), "unit") or "—"
            lines.append(texts.ui("privacy_journey", date=state.joined_at.date().isoformat(), steps=steps))
            if state.opted_out_at:
                lines.append(texts.ui("privacy_opted_out"))
        if kinds:
            lines.append(texts.ui("privacy_messages", kinds=join_list(texts.locale, (texts.ui(f"sent_{k}") if k in MESSAGE_KINDS else k for k in kinds))))
        if consent is not None:
            lines.append(texts.ui("privacy_buddy", since=consent.opted_in_at.date().isoformat()) if consent.opted_out_at is None
                         else texts.ui("privacy_buddy_stopped"))
        if pairs:
            lines.append(texts.ui("privacy_pairs", count=pairs))
        return lines

    async def forget_member(self, member: MemberRef) -> None:
        """Before the core erases a member (their journey, messages, consent and pairs go with their row): forget them here."""
        mid = await self._existing_member(member)
        if mid is not None:
            cid = await self.ctx.directory.community_id(member.community)
            self.repo.forgotten(mid)
            self._known.pop((cid, mid), None)

    async def _existing_member(self, member: MemberRef) -> int | None:
        cid = await self.ctx.directory.community_id(member.community)
        return await self.repo.member_id(cid, member.id)
