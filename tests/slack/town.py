"""A small cog for the Slack tests: welcomes newcomers, runs button polls, fills the App Home."""

from __future__ import annotations

from collections import Counter

from bot.cog import Cog, CogContext, button, command, listen
from bot.commands import Access, Option, OptionType, Reply
from bot.core.events import ButtonPressed, CommandInvoked, MemberJoined
from bot.core.message import Button, ButtonStyle, Message
from bot.core.refs import ChannelRef, MemberRef

WELCOME_CHANNEL = "C0WELCOME"


class Town(Cog):
    """Welcomes by DM (the welcome channel when DMs are closed), button polls, home lines."""

    name = "town"

    def __init__(self, ctx: CogContext) -> None:
        super().__init__(ctx)
        self.votes: dict[str, dict[str, int]] = {}
        self.polls: dict[str, tuple[str, ...]] = {}
        self.welcomed: list[str] = []

    @listen(MemberJoined)
    async def welcome(self, event: MemberJoined) -> None:
        """DM the newcomer."""
        self.welcomed.append(event.member.id)
        fallback = ChannelRef(event.community, WELCOME_CHANNEL)
        await self.ctx.messenger.dm(event.member, Message(title="Welcome!", body=f"Hello **{event.member.display}**, introduce yourself in #intros."), fallback)

    @command("poll create", {"en": "Create a poll", "fr": "Créer un sondage"}, access=Access.STAFF, options=(
        Option("question", OptionType.STRING, {"en": "The question", "fr": "La question"}),
        Option("answers", OptionType.STRING, {"en": "Answers, comma separated", "fr": "Réponses, séparées par des virgules"}),
        Option("hours", OptionType.INTEGER, {"en": "How long it stays open", "fr": "Durée d'ouverture"}, required=False, min_value=1, max_value=168),
    ))
    async def create_poll(self, inv: CommandInvoked) -> Reply:
        """Post a poll with one button per answer."""
        answers = tuple(a.strip() for a in str(inv.options["answers"]).split(",") if a.strip())
        buttons = tuple(Button(a, f"town:vote:{i}", ButtonStyle.PRIMARY) for i, a in enumerate(answers))
        ref = await self.ctx.messenger.say(inv.channel, Message(title=str(inv.options["question"]), buttons=buttons, footer=f"{inv.options.get('hours', 24)} h"))
        if ref is not None:
            self.polls[ref.id] = answers
        return Reply(Message("Poll posted."))

    @button("town:vote:")
    async def vote(self, event: ButtonPressed) -> Reply:
        """Count a vote (one per member and poll)."""
        poll = event.message.id if event.message else "?"
        self.votes.setdefault(poll, {})[event.member.id] = int(event.custom_id.rsplit(":", 1)[1])
        return Reply(Message(f"Vote counted: {self.polls.get(poll, ('?',) * 10)[int(event.custom_id.rsplit(':', 1)[1])]}"))

    def tally(self, poll: str) -> Counter[int]:
        """Votes per answer index."""
        return Counter(self.votes.get(poll, {}).values())

    async def home_lines(self, member: MemberRef, access: Access) -> list[str]:
        """A member sees their progress; staff see a KPI headline."""
        lines = [f"Badges: 🌱 Newcomer · onboarding 1/3 for {member.display}"]
        if access & Access.STAFF:
            lines.append("Active members this week: 3")
        return lines


def setup(ctx: CogContext) -> Town:
    """Load the cog."""
    return Town(ctx)
