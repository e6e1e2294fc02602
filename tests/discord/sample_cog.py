"""A small platform-neutral cog the Discord tests load: a welcome, a subcommand with typed options, a staff-only command, a button."""

from __future__ import annotations

import asyncio

from bot.cog import Cog, CogContext, button, command, listen
from bot.commands import Access, Option, OptionType, Reply
from bot.core.events import ButtonPressed, CommandInvoked, MemberJoined
from bot.core.message import Button, Message
from bot.core.refs import ChannelRef, MemberRef


class Sample(Cog):
    """Welcomes newcomers in #welcome, gives kudos, lets staff announce, counts button presses."""

    name = "sample"

    def __init__(self, ctx: CogContext) -> None:
        super().__init__(ctx)
        self.joined: list[MemberJoined] = []
        self.kudos: list[CommandInvoked] = []
        self.presses: list[ButtonPressed] = []
        self.gate = asyncio.Event()
        self.welcome_gate: asyncio.Event | None = None  # when set by a test, the welcome waits for it
        self.at_gate = asyncio.Event()  # set once a welcome waits at `welcome_gate`

    @listen(MemberJoined)
    async def welcome(self, event: MemberJoined) -> None:
        """Say hello in #welcome."""
        self.joined.append(event)
        if self.welcome_gate is not None:
            self.at_gate.set()
            await self.welcome_gate.wait()
        channel = ChannelRef(event.community, "welcome", "welcome")
        await self.ctx.messenger.say(channel, Message(body=f"Welcome {event.member.display}!", mentions=(event.member.id,)))

    @command(
        "kudos give", {"en": "Thank a member", "fr": "Remercier un membre"},
        options=(
            Option("member", OptionType.MEMBER, {"en": "Who to thank", "fr": "Qui remercier"}),
            Option("points", OptionType.INTEGER, {"en": "How many points", "fr": "Combien de points"}, min_value=1, max_value=5),
            Option("reason", OptionType.STRING, {"en": "Why", "fr": "Pourquoi"}, required=False),
            Option("public", OptionType.BOOLEAN, {"en": "Show it to everyone", "fr": "Le montrer à tous"}, required=False),
        ),
    )
    async def give(self, inv: CommandInvoked) -> Reply:
        """Answer with what was understood."""
        self.kudos.append(inv)
        target: MemberRef = inv.options["member"]
        text = f"{inv.member.display} gives {inv.options['points']} points to {target.display}: {inv.options.get('reason', '-')}"
        return Reply(Message(body=text, buttons=(Button("Thanks!", "sample:thanks"),)), ephemeral=not inv.options.get("public", False))

    @command("announce", {"en": "Announce something", "fr": "Annoncer quelque chose"},
             options=(Option("text", OptionType.STRING, {"en": "What to say", "fr": "Quoi dire"}),), access=Access.STAFF)
    async def announce(self, inv: CommandInvoked) -> Reply:
        """Staff only."""
        await self.ctx.messenger.say(inv.channel, inv.options["text"])
        return Reply(Message(body="Announced."))

    @command("report", {"en": "A slow report", "fr": "Un rapport lent"},
             options=(Option("public", OptionType.BOOLEAN, {"en": "For everyone", "fr": "Pour tous"}, required=False),))
    async def report(self, inv: CommandInvoked) -> Reply:
        """Takes as long as the test wants (until `gate` is set)."""
        await self.gate.wait()
        return Reply(Message(body="Here is your report."), ephemeral=inv.options.get("public") is not True)

    @button("sample:")
    async def pressed(self, event: ButtonPressed) -> Reply:
        """Count the press and answer privately."""
        self.presses.append(event)
        return Reply(Message(body=f"Pressed {event.custom_id}"))


def setup(ctx: CogContext) -> Sample:
    """The cog."""
    return Sample(ctx)
