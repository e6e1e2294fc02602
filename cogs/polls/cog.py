"""The polls cog: animators post polls and surveys, members vote by button, reaction or native poll, results at the deadline."""

from __future__ import annotations

from datetime import timedelta

from bot.cog import Cog, CogContext, button, command, listen
from bot.commands import Access, CommandError, Option, OptionType, Reply
from bot.config import ConfigError
from bot.core import markup
from bot.core.events import ButtonPressed, CommandInvoked, PollVoted, ReactionAdded, ReactionRemoved
from bot.core.markup import verbatim
from bot.core.message import Message
from bot.core.refs import ChannelRef, CommunityRef, MemberRef, MessageRef
from bot.i18n import Listed, join_list
from cogs.polls.lifecycle import PollLifecycle
from cogs.polls.model import KEYCAPS, SURVEY_KINDS, check_draft, parse_deadline, parse_options
from cogs.polls.render import BUTTON_PREFIX, Texts, bound, results_message, score_line, shown, withheld
from cogs.polls.settings import PollsSettings
from cogs.polls.store import PollStore
from cogs.polls.templates import SurveyTemplates
from cogs.polls.voting import Ballots
from storage.anonymity import BallotKey, BallotKeyError
from storage.polls import Poll, PollKind


def _d(en: str, fr: str) -> dict[str, str]:
    return {"en": en, "fr": fr}


KIND_OPTION = Option("kind", OptionType.STRING, _d("single, multiple, nps, csat, likert or open", "single, multiple, nps, csat, likert ou open"),
                     required=False, choices=tuple(k.value for k in PollKind))
COMMON_OPTIONS = (
    Option("anonymous", OptionType.BOOLEAN, _d("Anonymous votes (nobody can see who voted what)", "Votes anonymes (personne ne peut savoir qui a voté quoi)"), required=False),
    Option("duration", OptionType.STRING, _d("How long it stays open (2d, 48h) or until a date (2026-02-01)", "Durée (2d, 48h) ou date de clôture (2026-02-01)"), required=False),
    Option("results", OptionType.STRING, _d("Show results live or only at the close", "Résultats visibles en direct (live) ou à la clôture (close)"), required=False, choices=("live", "close")),
    Option("recurring", OptionType.STRING, _d("Post it again at each close: weekly or monthly", "Le reposer à chaque clôture : weekly ou monthly"), required=False, choices=("no", "weekly", "monthly")),
)
ID_OPTION = Option("id", OptionType.INTEGER, _d("The poll's number", "Le numéro du sondage"), min_value=1)


class Polls(Cog):
    """Polls and satisfaction surveys with public or anonymous ballots, deadlines, charts and recurring series."""

    name = "polls"
    Settings = PollsSettings

    def __init__(self, ctx: CogContext) -> None:
        super().__init__(ctx)
        settings = ctx.settings(PollsSettings)
        self.store = PollStore(ctx.db)
        self.ballots = Ballots(self.store, BallotKey(ctx.db.url, settings.key_file), ctx.directory, ctx.recorder)
        self.life = PollLifecycle(ctx, self.store, self.texts, self.name)
        self.templates = SurveyTemplates(ctx)

    # --- helpers --------------------------------------------------------------------------
    def texts(self, community: CommunityRef | str) -> Texts:
        """The polls catalog bound to a community's (or a caller's) language."""
        locale = community if isinstance(community, str) else self.ctx.locale(community)
        return bound(self.ctx.catalog.t, locale)

    def settings_for(self, community: CommunityRef) -> PollsSettings:
        """This community's polls settings."""
        return self.ctx.settings(PollsSettings, community)

    async def _poll_of(self, community: CommunityRef, poll_id: int) -> Poll:
        cid = await self.ctx.directory.community_id(community)
        poll = await self.store.get(poll_id, cid)
        if poll is None:
            raise CommandError("polls.errors.unknown_poll", id=poll_id)
        return poll

    # --- lifecycle ------------------------------------------------------------------------
    async def start(self) -> None:
        """Read (or create) the ballot key, so a key that cannot be read stops the start instead of a member's vote;
        then polls survive restarts: close the ones whose deadline passed while down, schedule the others."""
        try:
            where = self.ballots.key.load()
        except BallotKeyError as err:
            raise ConfigError(str(err)) from None
        self.ctx.log.info("anonymous-ballot key from %s", where)
        await self.life.resume()

    # --- animator commands ----------------------------------------------------------------
    @command("poll create", _d("Post a poll (single or multiple choice, or a scale)", "Publier un sondage (choix unique ou multiple, ou une échelle)"),
             options=(
                 Option("question", OptionType.STRING, _d("The question", "La question")),
                 Option("options", OptionType.STRING, _d("Answers, separated by commas", "Réponses, séparées par des virgules"), required=False),
                 KIND_OPTION, *COMMON_OPTIONS,
             ), access=Access.ANIMATOR)
    async def poll_create(self, inv: CommandInvoked) -> Reply:
        """Check the poll against every limit, then post it."""
        options = parse_options(inv.options.get("options"))
        kind = inv.options.get("kind") or (PollKind.SINGLE.value if options else "")
        if not kind:
            raise CommandError("polls.errors.too_few_options", min=2)
        settings = self.settings_for(inv.community)
        return await self._create(inv, kind, str(inv.options["question"]), options, anonymous=bool(inv.options.get("anonymous", False)), settings=settings)

    @command("survey start", _d("Start a ready survey (NPS, CSAT, Likert, open feedback…) from the prompt pack",
                                "Lancer une enquête prête (NPS, CSAT, Likert, retour libre…) du pack de questions"),
             options=(
                 Option("template", OptionType.STRING, _d("A ready survey of the pack (nps, csat, likert-progress, feedback…) or a kind: nps, csat, likert, open",
                                                          "Une enquête prête du pack (nps, csat, likert-progress, feedback…) ou un type : nps, csat, likert, open")),
                 Option("question", OptionType.STRING, _d("Your own question instead of the ready one", "Votre propre question à la place de celle prévue"), required=False),
                 *COMMON_OPTIONS,
             ), access=Access.ANIMATOR)
    async def survey_start(self, inv: CommandInvoked) -> Reply:
        """Post a ready survey of the community's pack, or a quick one of a given kind."""
        template = str(inv.options["template"]).strip()
        settings = self.settings_for(inv.community)
        t = self.texts(inv.locale or inv.community)
        ready = self.templates.find(inv.community, template)
        kind: str
        if ready is not None:
            kind, question, options, anonymous = ready.kind, ready.question, tuple(ready.options), ready.anonymous and settings.surveys_anonymous
        elif template in SURVEY_KINDS:
            kind, question, options, anonymous = template, t(f"default_question.{template}"), (), settings.surveys_anonymous
        else:
            known = Listed(tuple(self.templates.ids(inv.community)) or tuple(k.value for k in SURVEY_KINDS))
            raise CommandError("polls.errors.unknown_template", template=template, known=known)
        question = str(inv.options.get("question") or question)
        anonymous = bool(inv.options.get("anonymous", anonymous))
        return await self._create(inv, kind, question, options, anonymous=anonymous, settings=settings)

    async def _create(self, inv: CommandInvoked, kind: str, question: str, options: tuple[str, ...], *, anonymous: bool, settings: PollsSettings) -> Reply:
        now = self.ctx.clock.now()
        tz = self.ctx.config.timezone_of(inv.community)
        closes_at = parse_deadline(str(inv.options.get("duration") or settings.default_duration), now, tz)
        recurring = inv.options.get("recurring")
        reveal = inv.options.get("results") or ("close" if anonymous else settings.results)
        draft = check_draft(kind, question, options, anonymous=anonymous, reveal=str(reveal),
                            closes_at=closes_at, now=now, recurrence=None if recurring in (None, "no") else str(recurring))
        channel = ChannelRef(inv.community, settings.channel) if settings.channel else inv.channel
        poll, note = await self.life.publish(draft, channel, inv.member, now)
        t = self.texts(inv.locale or inv.community)
        if poll is None:
            return Reply(Message(t("errors.not_posted")))
        created = t("created", id=poll.id, channel=markup.channel(channel.id, channel.name), closes=poll.closes_at.astimezone(tz).strftime("%Y-%m-%d %H:%M"))
        return Reply(Message("\n".join([created, *([t(note)] if note else [])])))

    @command("poll close", _d("Close a poll now and post its results", "Clore un sondage maintenant et publier ses résultats"),
             options=(ID_OPTION, Option("stop", OptionType.BOOLEAN, _d("Also stop a recurring series", "Arrêter aussi la série récurrente"), required=False)),
             access=Access.ANIMATOR)
    async def poll_close(self, inv: CommandInvoked) -> Reply:
        """Close a poll before its deadline."""
        poll = await self._poll_of(inv.community, int(inv.options["id"]))
        assert poll.id is not None
        t = self.texts(inv.locale or inv.community)
        if inv.options.get("stop"):
            await self.store.stop_recurrence(poll.id)
            poll.recurrence = None
        if not await self.life.close_poll(poll, retry_later=True):  # a results post that fails is logged and tried again
            raise CommandError("polls.errors.already_closed", id=poll.id)
        return Reply(Message(t("closed", id=poll.id)))

    @command("poll results", _d("See a poll's results so far (only you see them)", "Voir les résultats d'un sondage (vous seul les voyez)"),
             options=(ID_OPTION,), access=Access.ANIMATOR)
    async def poll_results(self, inv: CommandInvoked) -> Reply:
        """The results with their chart, for the animator's eyes only (anonymous polls: only once closed)."""
        poll = await self._poll_of(inv.community, int(inv.options["id"]))
        if poll.anonymous and poll.closed_at is None:
            raise CommandError("polls.errors.anonymous_results_at_close", id=poll.id)
        return Reply(await self.life.results(poll, self.texts(inv.locale or inv.community), final=poll.closed_at is not None,
                                             min_respondents=self.settings_for(inv.community).min_respondents))

    @command("poll list", _d("List open and recent polls", "Lister les sondages ouverts et récents"), access=Access.ANIMATOR)
    async def poll_list(self, inv: CommandInvoked) -> Reply:
        """Open polls first, then the latest closed ones, with their voters."""
        cid = await self.ctx.directory.community_id(inv.community)
        tz = self.ctx.config.timezone_of(inv.community)
        t = self.texts(inv.locale or inv.community)
        lines = []
        for poll in await self.store.recent(cid):
            assert poll.id is not None
            tally = await self.store.tally(poll.id)
            state = t("list_closed", at=(poll.closed_at or poll.closes_at).astimezone(tz).strftime("%Y-%m-%d %H:%M")) if poll.closed_at \
                else t("list_open", at=poll.closes_at.astimezone(tz).strftime("%Y-%m-%d %H:%M"))
            lines.append(t("list_line", id=poll.id, kind=t(f"kind_label.{poll.kind}"), question=verbatim(poll.question[:80]), state=state, voters=t("voters", count=tally.voters)))
        return Reply(Message("\n".join(lines) or t("list_empty"), title=t("list_title")))

    @command("poll answer", _d("Answer an open-feedback survey", "Répondre à une enquête à réponse libre"),
             options=(ID_OPTION, Option("text", OptionType.STRING, _d("Your answer", "Votre réponse"))))
    async def poll_answer(self, inv: CommandInvoked) -> Reply:
        """Store a member's open answer (text is stored for this kind only)."""
        poll = await self._poll_of(inv.community, int(inv.options["id"]))
        await self.ballots.answer(poll, inv.member, str(inv.options["text"]), self.ctx.clock.now())
        t = self.texts(inv.locale or inv.community)
        return Reply(Message(t("answer_recorded_anonymous" if poll.anonymous else "answer_recorded")))

    # --- members' votes -------------------------------------------------------------------
    @button(BUTTON_PREFIX)
    async def on_button(self, event: ButtonPressed) -> Reply | None:
        """`poll:<id>:<value>`: vote (or toggle), `results` to peek when results are live, `answer` for open feedback."""
        _, poll_id, value = (event.custom_id.split(":", 2) + ["", ""])[:3]
        if not poll_id.isdigit():
            raise CommandError("polls.errors.bad_value")
        poll = await self._poll_of(event.community, int(poll_id))
        assert poll.id is not None
        t = self.texts(event.community)
        now = self.ctx.clock.now()
        if value == "results":
            if poll.reveal != "live" and poll.closed_at is None:
                return Reply(Message(t("results_at_close", closes=poll.closes_at.astimezone(self.ctx.config.timezone_of(event.community)).strftime("%Y-%m-%d %H:%M"))))
            return Reply(results_message(poll, await self.store.tally(poll.id), t, final=poll.closed_at is not None,
                                         min_respondents=self.ctx.settings(PollsSettings, event.community).min_respondents))
        if value == "answer":
            if not self.ballots.is_open(poll, now):
                raise CommandError("polls.errors.closed", id=poll.id)
            return Reply(Message(t("answer_how", id=poll.id)))
        if not value.lstrip("-").isdigit():
            raise CommandError("polls.errors.bad_value")
        ballot = await self.ballots.click(poll, event.member, int(value), now, event.message.channel if event.message else None)
        chosen = join_list(self.ctx.locale(event.community), (shown(poll, v) for v in ballot)) or t("nothing_chosen")
        key = "voted_anonymous" if poll.anonymous else "voted"
        return Reply(Message(t(key, choice=chosen)))

    @listen(ReactionAdded)
    async def on_reaction(self, event: ReactionAdded) -> None:
        """A number emoji on a simple poll is a vote."""
        await self._react(event.message, event.member, event.emoji, removed=False)

    @listen(ReactionRemoved)
    async def on_reaction_removed(self, event: ReactionRemoved) -> None:
        """Taking the number emoji back takes the vote back."""
        await self._react(event.message, event.member, event.emoji, removed=True)

    async def _react(self, message: MessageRef, member: MemberRef, emoji: str, *, removed: bool) -> None:
        if emoji not in KEYCAPS:
            return  # most reactions are no votes: no database round trip for them
        cid = await self.ctx.directory.community_id(member.community)
        poll = await self.store.by_message(cid, message.id)
        if poll is not None:
            await self.ballots.react(poll, member, emoji, self.ctx.clock.now(), removed=removed, channel=message.channel)

    @listen(PollVoted)
    async def on_native_vote(self, event: PollVoted) -> None:
        """A vote in a native platform poll the bot posted."""
        cid = await self.ctx.directory.community_id(event.community)
        poll = await self.store.by_message(cid, event.message.id)
        if poll is not None:
            await self.ballots.native(poll, event.member, event.choice, self.ctx.clock.now(), removed=event.removed)

    # --- demo, summary, privacy -----------------------------------------------------------
    def demo_script(self) -> list[tuple[timedelta, str, str]]:
        """Camille runs a poll in week 1 and an NPS survey in week 2."""
        locale = next((self.ctx.locale(c) for c in self.ctx.communities if c.id == "demo"), self.ctx.config.bot.locale)
        t = self.texts(locale)
        return [
            (timedelta(hours=10), "camille", f'poll create "{t("demo.question")}" "{t("demo.options")}" duration=3d'),
            (timedelta(days=7, hours=11), "camille", "survey start nps duration=5d"),
            (timedelta(days=21, hours=9), "camille", "survey start likert-belonging duration=4d"),
        ]

    async def summary(self, community: CommunityRef) -> list[str]:
        """Each poll with its voters and headline result."""
        cid = await self.ctx.directory.community_id(community)
        t = self.texts(community)
        lines = []
        for poll in reversed(await self.store.recent(cid, limit=20)):
            assert poll.id is not None
            tally = await self.store.tally(poll.id)
            hidden = withheld(poll, tally, self.ctx.settings(PollsSettings, community).min_respondents)
            headline = None if hidden else (score_line(poll, tally, t) or "").replace("**", "") or None
            if headline is None and not hidden and poll.kind in (PollKind.SINGLE, PollKind.MULTIPLE) and tally.counts:
                best = max(tally.counts, key=lambda v: (tally.counts[v], -v))
                headline = t("summary_top", option=verbatim(poll.options[best]), votes=tally.counts[best])
            state = t("summary_closed") if poll.closed_at else t("summary_open")
            lines.append(t("summary_line", id=poll.id, question=verbatim(poll.question), state=state, voters=t("voters", count=tally.voters), headline=headline or "—"))
        return lines

    async def home_lines(self, member: MemberRef, access: Access) -> list[str]:
        """The open polls of the member's community, and whether they have answered each."""
        cid = await self.ctx.directory.community_id(member.community)
        t = self.texts(member.community)
        tz = self.ctx.config.timezone_of(member.community)
        now = self.ctx.clock.now()
        lines = []
        for poll in await self.store.recent(cid):
            if poll.id is None or not self.ballots.is_open(poll, now):
                continue
            voter = await self.ballots.voter(poll, member, now)
            answered = bool(await self.store.values_of(poll.id, voter))
            key = "home_answered" if answered else "home_waiting"
            lines.append(t(key, id=poll.id, question=verbatim(poll.question), closes=poll.closes_at.astimezone(tz).strftime("%Y-%m-%d %H:%M")))
        return ([t("home_title")] + lines) if lines else []

    async def _member_row(self, member: MemberRef) -> int | None:
        cid = await self.ctx.directory.community_id(member.community)
        return await self.store.member_row(cid, member.id)

    async def describe_member(self, member: MemberRef) -> list[str]:
        """How many public ballots the member has."""
        mid = await self._member_row(member)
        count = await self.store.member_votes(mid) if mid is not None else 0
        return [self.texts(member.community)("privacy_votes", count=count)]


def setup(ctx: CogContext) -> Polls:
    """Create the polls cog."""
    return Polls(ctx)
