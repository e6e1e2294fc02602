"""The weekly prompt's engine: schedule, choice, idempotent posting and answers (commands are in cog.py)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import partial
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.cog import Cog, CogContext, listen
from bot.config import ConfigError
from bot.core.events import MessagePosted
from bot.core.markup import verbatim
from bot.core.message import Message
from bot.core.refs import ChannelRef, CommunityRef, MemberRef, Platform
from bot.packs import Pack, Packs, builtin_packs, find_pack, load_packs, merge_packs, pack_names
from bot.scheduler import JobRun, JobSpec
from cogs.prompts.settings import PromptSettings
from storage.models import InteractionKind
from storage.prompts import Choice, PromptStore, prompt_answer_stats
from storage.recorder import PendingRow

JOB_ID = "prompts.weekly"
PLAYGROUND = (Platform.CONSOLE, Platform.SIMULATION)
PLAYGROUND_CHANNEL = "general"


class WeeklyPromptEngine(Cog):
    """Posts the question of the week and counts members' answers to it."""

    name = "prompts"
    Settings = PromptSettings

    def __init__(self, ctx: CogContext) -> None:
        super().__init__(ctx)
        self.store = PromptStore(ctx.db)
        self.packs = self._load_packs()
        self._answers_to: dict[CommunityRef, dict[str, str]] = {}

    # --- configuration --------------------------------------------------------------------
    def _load_packs(self) -> Packs:
        folders = {self.ctx.settings(PromptSettings).packs_folder}
        folders |= {self.ctx.settings(PromptSettings, c).packs_folder for c in self.ctx.communities}
        layers = [builtin_packs()] + [load_packs(Path(f).expanduser()) for f in sorted(f for f in folders if f)]
        return merge_packs(*layers)

    def settings_for(self, community: CommunityRef) -> PromptSettings:
        """The community's prompt settings."""
        return self.ctx.settings(PromptSettings, community)

    def validate_settings(self) -> None:
        """Check every community's settings and that its pack exists."""
        super().validate_settings()
        for community in self.ctx.communities:
            self.pack_for(community)

    def pack_for(self, community: CommunityRef) -> Pack:
        """The community's pack in its language (English when the pack has no translation)."""
        name = self.settings_for(community).pack
        pack = find_pack(name, self.ctx.locale(community), self.packs)
        if pack is None:
            raise ConfigError(f"communities[{community}].cogs.prompts.pack: no pack {name!r} (known: {', '.join(pack_names(self.packs))})")
        return pack

    def timezone_of(self, community: CommunityRef) -> ZoneInfo:
        """The timezone of the community's schedule."""
        tz = self.settings_for(community).timezone
        return ZoneInfo(tz) if tz else self.ctx.config.timezone_of(community)

    def channel_for(self, community: CommunityRef) -> ChannelRef | None:
        """Where prompts go; the console and the simulation default to #general, platforms need a channel."""
        settings = self.settings_for(community)
        if not settings.enabled:
            return None
        if settings.channel:
            name = settings.channel.lstrip("#")
            return ChannelRef(community, name, name)
        if community.platform in PLAYGROUND:
            return ChannelRef(community, PLAYGROUND_CHANNEL, PLAYGROUND_CHANNEL)
        return None

    def job_for(self, community: CommunityRef) -> JobSpec | None:
        """The community's weekly job, or None when prompts are off there."""
        if self.channel_for(community) is None:
            return None
        settings = self.settings_for(community)
        return JobSpec(
            id=JOB_ID, scope=str(community), cron=settings.cron, timezone=self.timezone_of(community).key,
            func=partial(self.post_prompt, community), grace=timedelta(hours=settings.grace_hours), owner=self.name,
        )

    def jobs(self) -> list[JobSpec]:
        """One weekly job per community that has a channel for prompts."""
        specs = []
        for community in self.ctx.communities:
            spec = self.job_for(community)
            if spec is None:
                if self.settings_for(community).enabled:
                    self.ctx.log.warning("weekly prompts are off in %s: set [communities.cogs.prompts] channel", community)
                continue
            specs.append(spec)
        return specs

    def next_run(self, community: CommunityRef) -> datetime | None:
        """When the next prompt will be posted (strictly after now: the current slot has gone out)."""
        spec = self.job_for(community)
        if spec is None:
            return None
        fire: datetime | None = spec.trigger().get_next_fire_time(None, self.ctx.clock.now() + timedelta(microseconds=1))
        return fire

    async def start(self) -> None:
        """Remember which messages are prompts, to recognise their answers."""
        for community in self.ctx.communities:
            cid = await self.ctx.directory.community_id(community)
            self._answers_to[community] = await self.store.post_messages(cid)

    # --- choosing and posting -------------------------------------------------------------
    async def next_choice(self, community: CommunityRef, on: date) -> Choice:
        """The prompt due on a day: a dated one, else the queue's first, else the pack's next unused one."""
        cid = await self.ctx.directory.community_id(community)
        queued = await self.store.queued(cid)
        for q in queued:
            if q.for_date is not None and q.for_date <= on.isoformat():
                return Choice(q.text, "date", queue_id=q.id, for_date=q.for_date)
        for q in queued:
            if q.for_date is None:
                return Choice(q.text, "queue", queue_id=q.id)
        pack = self.pack_for(community)
        cycle, used = await self.store.rotation(cid, pack.key)
        remaining = [p for p in pack.prompts if p.id not in used]
        restarted = not remaining
        if restarted:
            cycle, remaining = cycle + 1, list(pack.prompts)
        first = remaining[0]
        return Choice(first.text, "pack", pack=pack.key, prompt_id=first.id, theme=first.theme, cycle=cycle, restarted=restarted)

    def render(self, community: CommunityRef, choice: Choice) -> Message:
        """The prompt as members see it."""
        t = partial(self.ctx.t, community)
        body = verbatim(choice.text)  # an animator's words, from the queue or a pack they edit: shown as typed
        if choice.restarted:
            body += "\n\n" + t("prompts.restarted", count=len(self.pack_for(community).prompts))
        return Message(body=body, title=t("prompts.title"), footer=t("prompts.footer"))

    async def post_prompt(self, community: CommunityRef, run: JobRun) -> None:
        """The weekly job: reserve the period, post its prompt, then record the message id."""
        channel = self.channel_for(community)
        if channel is None:
            return
        cid = await self.ctx.directory.community_id(community)
        local_day = run.scheduled_for.astimezone(self.timezone_of(community)).date()
        choice = await self.next_choice(community, local_day)
        now = self.ctx.clock.now()
        reserved = await self.store.reserve(cid, run.period, run.scheduled_for, choice, channel.id, now)
        if reserved is None:
            self.ctx.log.info("the prompt of %s for %s was already posted", community, run.period)
            return
        post_id, choice = reserved
        try:
            ref = await self.ctx.messenger.say(channel, self.render(community, choice))
            if ref is None:
                raise RuntimeError(f"no adapter connected for {community}")
        except Exception:  # failed: the period and its prompt are free again (retried). Cut short: it stays "sending"
            await self.store.cancel(post_id, cid, choice)  # and is sent again once the scheduler's lease runs out
            raise
        await self.store.confirm(post_id, ref.id, self.ctx.clock.now())
        self._answers_to.setdefault(community, {})[ref.id] = run.period
        if choice.restarted:
            self.ctx.log.info("the pack %s was used up in %s: starting over", choice.pack, community)
        self.ctx.log.info("posted the prompt of %s for %s%s", community, run.period, " (caught up)" if run.caught_up else "")

    # --- answers --------------------------------------------------------------------------
    def prompt_answered(self, event: MessagePosted) -> str | None:
        """The prompt message a post answers (a reply to it, or a message in its thread), if any."""
        known = self._answers_to.get(event.community)
        if not known:
            return None
        candidates = [event.message.thread]
        if event.reply_to is not None:
            candidates[:0] = [event.reply_to.id, event.reply_to.thread]
        return next((c for c in candidates if c is not None and c in known), None)

    @listen(MessagePosted)
    async def on_message(self, event: MessagePosted) -> None:
        """Count a reply or a thread message under a prompt as a `prompt_answer` contribution."""
        prompt = self.prompt_answered(event)
        if prompt is None:
            return
        self.ctx.recorder.add(PendingRow(event.community, InteractionKind.PROMPT_ANSWER, event.author, event.message.id, event.at,
                                         event.message.channel, parent_external_id=prompt))

    # --- demo, summary, privacy -----------------------------------------------------------
    async def summary(self, community: CommunityRef) -> list[str]:
        """The prompts posted, with their answers."""
        cid = await self.ctx.directory.community_id(community)
        await self.ctx.recorder.flush()
        stats = await prompt_answer_stats(self.ctx.db, cid, datetime.min.replace(tzinfo=ZoneInfo("UTC")), self.ctx.clock.now() + timedelta(seconds=1))
        tz = self.timezone_of(community)
        lines = [self.ctx.t(community, "prompts.summary", count=len(stats))]
        for s in stats:
            text = s.text if len(s.text) <= 70 else s.text[:69] + "…"
            lines.append(self.ctx.t(community, "prompts.summary_line", date=f"{s.posted_at.astimezone(tz):%Y-%m-%d %H:%M}",
                                    text=verbatim(text), answers=self.ctx.t(community, "prompts.summary_answers", count=s.answers),
                                    answerers=self.ctx.t(community, "prompts.summary_answerers", count=s.answerers)))
        waiting = len(await self.store.queued(cid))
        if waiting:
            lines.append(self.ctx.t(community, "prompts.summary_queue", count=waiting))
        return lines

    def demo_script(self) -> list[tuple[timedelta, str, str]]:
        """The animator previews next week's prompt and queues one of their own."""
        demo = next((c for c in self.ctx.communities if c.platform == Platform.SIMULATION), None)
        locale = self.ctx.locale(demo) if demo else self.ctx.config.bot.locale
        custom = self.ctx.t(locale, "prompts.demo_custom")
        return [
            (timedelta(days=16, hours=11), "camille", "prompt preview"),
            (timedelta(days=16, hours=11, minutes=5), "camille", f"prompt add {custom}"),
        ]

    async def _member_id(self, member: MemberRef) -> int | None:
        cid = await self.ctx.directory.community_id(member.community)
        return await self.store.member_row(cid, member.id)

    async def describe_member(self, member: MemberRef) -> list[str]:
        """How many prompts the member queued."""
        mid = await self._member_id(member)
        count = await self.store.queued_by(mid) if mid is not None else 0
        return [self.ctx.t(member.community, "prompts.privacy", count=count)] if count else []
