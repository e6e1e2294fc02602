"""The weekly prompts cog: the engine's schedule plus the animators' commands."""

from __future__ import annotations

from datetime import datetime, time

from bot.cog import command
from bot.commands import Access, CommandError, Option, OptionType, Reply
from bot.core import markup
from bot.core.events import CommandInvoked
from bot.core.markup import verbatim
from bot.core.message import Message
from bot.core.refs import CommunityRef, MemberRef
from cogs.prompts.settings import parse_day
from cogs.prompts.weekly import WeeklyPromptEngine
from storage.prompts import Choice

MAX_TEXT = 1500
TEXT = Option("text", OptionType.STRING, {"en": "The question to ask the members", "fr": "La question à poser aux membres"})
DAY = Option("date", OptionType.STRING, {"en": "The day, e.g. 2026-03-30", "fr": "Le jour, par exemple 30/03/2026"})


class WeeklyPrompts(WeeklyPromptEngine):
    """Weekly prompts, with commands for animators to queue, schedule, skip and preview them."""

    # --- helpers --------------------------------------------------------------------------
    def _t(self, inv: CommandInvoked, key: str, **params: object) -> str:
        return self.ctx.t(inv.locale or inv.community, key, **params)

    def _text(self, inv: CommandInvoked) -> str:
        text = " ".join(str(inv.options.get("text", "")).split())
        if not text:
            raise CommandError("prompts.empty_text")
        if len(text) > MAX_TEXT:
            raise CommandError("prompts.too_long", max=MAX_TEXT, length=len(text))
        return text

    def _when(self, community: CommunityRef, at: datetime | None) -> str:
        if at is None:
            return "—"
        tz = self.timezone_of(community)
        return f"{at.astimezone(tz):%Y-%m-%d %H:%M} ({tz.key})"

    def _next_run_or_refuse(self, community: CommunityRef) -> datetime:
        when = self.next_run(community)
        if when is None:
            raise CommandError("prompts.off")
        return when

    async def _coming(self, community: CommunityRef) -> tuple[datetime, Choice]:
        when = self._next_run_or_refuse(community)
        return when, await self.next_choice(community, when.astimezone(self.timezone_of(community)).date())

    async def home_lines(self, member: MemberRef, access: Access) -> list[str]:
        """Animators see the next prompt; members see the current one."""
        community = member.community
        if access & Access.ANIMATOR:
            when = self.next_run(community)
            if when is None:
                return []
            choice = await self.next_choice(community, when.astimezone(self.timezone_of(community)).date())
            return [self.ctx.t(community, "prompts.home_next", when=self._when(community, when), text=verbatim(choice.text))]
        cid = await self.ctx.directory.community_id(community)
        sent = [p for p in await self.store.posts(cid) if p.status == "sent"]
        return [self.ctx.t(community, "prompts.home_current", text=verbatim(sent[-1].text))] if sent else []

    # --- commands -------------------------------------------------------------------------
    @command("prompt add", {"en": "Queue a question for an upcoming weekly prompt", "fr": "Mettre une question en file pour une prochaine question de la semaine"},
             options=(TEXT,), access=Access.ANIMATOR)
    async def add(self, inv: CommandInvoked) -> Reply:
        """Queue a custom prompt: it goes out before the pack's, in order of arrival."""
        text = self._text(inv)
        cid = await self.ctx.directory.community_id(inv.community)
        mid = await self.ctx.directory.member_id(inv.member, inv.at)
        await self.store.enqueue(cid, text, self.ctx.clock.now(), added_by=mid)
        position = sum(1 for q in await self.store.queued(cid) if q.for_date is None)
        return Reply(Message(self._t(inv, "prompts.added", position=position, next=self._when(inv.community, self.next_run(inv.community)))))

    @command("prompt schedule", {"en": "Set the weekly prompt for a given day", "fr": "Choisir la question de la semaine pour un jour donné"},
             options=(DAY, TEXT), access=Access.ANIMATOR)
    async def schedule(self, inv: CommandInvoked) -> Reply:
        """Keep a prompt for the first weekly slot on or after a day."""
        raw = str(inv.options.get("date", ""))
        day = parse_day(raw)
        if day is None:
            raise CommandError("prompts.bad_date", value=raw)
        tz = self.timezone_of(inv.community)
        now = self.ctx.clock.now()
        if day < now.astimezone(tz).date():
            raise CommandError("prompts.past_date", date=day.isoformat())
        text = self._text(inv)
        spec = self.job_for(inv.community)
        if spec is None:
            raise CommandError("prompts.off")
        start = max(now, datetime.combine(day, time(0), tz))
        slot: datetime | None = spec.trigger().get_next_fire_time(None, start)
        cid = await self.ctx.directory.community_id(inv.community)
        mid = await self.ctx.directory.member_id(inv.member, inv.at)
        await self.store.enqueue(cid, text, now, for_date=day.isoformat(), added_by=mid)
        return Reply(Message(self._t(inv, "prompts.scheduled", date=day.isoformat(), when=self._when(inv.community, slot))))

    @command("prompt skip", {"en": "Skip the next weekly prompt (the one after it goes out instead)", "fr": "Sauter la prochaine question (la suivante sera publiée à sa place)"},
             access=Access.ANIMATOR)
    async def skip(self, inv: CommandInvoked) -> Reply:
        """Set the next prompt aside; the following one takes its slot."""
        when, choice = await self._coming(inv.community)
        cid = await self.ctx.directory.community_id(inv.community)
        await self.store.use(cid, choice, self.ctx.clock.now(), skipped=True)
        _, after = await self._coming(inv.community)
        return Reply(Message(self._t(inv, "prompts.skipped", skipped=verbatim(choice.text), next=verbatim(after.text), when=self._when(inv.community, when))))

    @command("prompt preview", {"en": "See the next weekly prompt before it goes out", "fr": "Voir la prochaine question avant sa publication"},
             access=Access.ANIMATOR)
    async def preview(self, inv: CommandInvoked) -> Reply:
        """Show the next prompt, where and when it will be posted."""
        when = self.next_run(inv.community)
        channel = self.channel_for(inv.community)
        if when is None or channel is None:
            return Reply(Message(self._t(inv, "prompts.off")))
        choice = await self.next_choice(inv.community, when.astimezone(self.timezone_of(inv.community)).date())
        source = self._t(inv, f"prompts.source_{choice.source}", pack=choice.pack or "", theme=choice.theme or "")
        lines = [self._t(inv, "prompts.preview", when=self._when(inv.community, when), channel=markup.channel(channel.id, channel.name), source=source), "",
                 f"> {verbatim(choice.text)}"]
        if choice.restarted:
            lines += ["", self._t(inv, "prompts.restart_ahead")]
        return Reply(Message("\n".join(lines), title=self._t(inv, "prompts.preview_title")))

    @command("prompt queue", {"en": "List the prompts waiting to go out", "fr": "Lister les questions en attente de publication"},
             access=Access.ANIMATOR)
    async def queue(self, inv: CommandInvoked) -> Reply:
        """The dated prompts, the queue, then how much of the pack is left in this round."""
        cid = await self.ctx.directory.community_id(inv.community)
        lines = []
        for q in await self.store.queued(cid):
            if q.for_date is not None:
                lines.append(self._t(inv, "prompts.queue_dated", date=q.for_date, text=verbatim(q.text)))
        position = 0
        for q in await self.store.queued(cid):
            if q.for_date is None:
                position += 1
                lines.append(self._t(inv, "prompts.queue_item", position=position, text=verbatim(q.text)))
        if not lines:
            lines.append(self._t(inv, "prompts.queue_empty"))
        pack = self.pack_for(inv.community)
        _, used = await self.store.rotation(cid, pack.key)
        left = sum(1 for p in pack.prompts if p.id not in used)
        lines += ["", self._t(inv, "prompts.queue_pack", pack=pack.key, left=left, total=len(pack.prompts))]
        return Reply(Message("\n".join(lines), title=self._t(inv, "prompts.queue_title")))
