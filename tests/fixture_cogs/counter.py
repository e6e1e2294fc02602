"""A small cog used by the tests: a listener that crashes on demand, a counter, commands and a weekly job."""

from __future__ import annotations

from datetime import timedelta
from typing import ClassVar

from bot.cog import Cog, CogContext, CogSettings, button, command, listen
from bot.commands import Access, Option, OptionType, Reply
from bot.core.events import ButtonPressed, CommandInvoked, MessagePosted
from bot.core.message import Button, Message
from bot.scheduler import JobRun, JobSpec


class Settings(CogSettings):
    """Settings of the counter cog."""

    channel: str = "general"
    cron: str = "0 9 * * mon"


class Counter(Cog):
    """Counts messages, announces weekly, and has commands for each audience."""

    name = "counter"
    Settings: ClassVar[type[CogSettings]] = Settings
    runs: ClassVar[list[JobRun]] = []

    def __init__(self, ctx: CogContext) -> None:
        super().__init__(ctx)
        self.seen = 0

    @listen(MessagePosted)
    async def crash_on_boom(self, event: MessagePosted) -> None:
        if "boom" in event.text:
            raise ValueError("boom")

    @listen(MessagePosted)
    async def count(self, event: MessagePosted) -> None:
        self.seen += 1

    @command("count", {"en": "How many messages I saw", "fr": "Combien de messages j'ai vus"})
    async def count_command(self, inv: CommandInvoked) -> Reply:
        return Reply(Message(f"{self.seen} messages"))

    @command(
        "announce", {"en": "Announce something", "fr": "Annoncer quelque chose"},
        options=(Option("times", OptionType.INTEGER, {"en": "how many times", "fr": "combien de fois"}, min_value=1, max_value=3),
                 Option("text", OptionType.STRING, {"en": "what to say", "fr": "quoi dire"})),
        access=Access.ANIMATOR,
    )
    async def announce(self, inv: CommandInvoked) -> Reply:
        for _ in range(inv.options["times"]):
            await self.ctx.messenger.say(inv.channel, Message(inv.options["text"], buttons=(Button("OK", "counter:ok"),)))
        return Reply(Message("done"))

    @command("report", {"en": "Managers only", "fr": "Réservé aux managers"}, access=Access.MANAGER)
    async def report(self, inv: CommandInvoked) -> str:
        return "the report"

    @button("counter:")
    async def ok(self, event: ButtonPressed) -> Reply:
        return Reply(Message(f"ok {event.member.id}"))

    def jobs(self) -> list[JobSpec]:
        specs = []
        for community in self.ctx.communities:
            s = self.ctx.settings(Settings, community)
            specs.append(JobSpec("weekly", str(community), s.cron, str(self.ctx.config.timezone_of(community)), self.weekly, grace=timedelta(days=2)))
        return specs

    async def weekly(self, run: JobRun) -> None:
        Counter.runs.append(run)


def setup(ctx: CogContext) -> Cog:
    return Counter(ctx)
