"""Poll and results messages, in the community's language, as neutral `Message`s the adapters render."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot import numbers
from bot.core.markup import verbatim
from bot.core.message import Attachment, Button, ButtonStyle, Field, Message, NativePoll
from cogs.polls import scores
from cogs.polls.model import CHOICE_KINDS, KEYCAPS, SCALE_KINDS, scale_of
from cogs.polls.store import Tally
from storage.polls import Poll, PollKind

Texts = Callable[..., str]
"""`t(key, **params)`: a text of the polls catalog in the community's language (key without the `polls.` prefix)."""

BUTTON_PREFIX = "poll:"
MAX_TEXTS_SHOWN = 15


def custom_id(poll_id: int, value: int | str) -> str:
    """The custom_id of a poll button: `poll:<poll id>:<value>` (no state needed to handle it, even after a restart)."""
    return f"{BUTTON_PREFIX}{poll_id}:{value}"


def values_of(poll: Poll) -> list[int]:
    """The values a member can choose: option indexes from 0, or the scale's scores."""
    if poll.kind in SCALE_KINDS:
        return list(scale_of(poll.kind))
    return list(range(len(poll.options)))


def label_of(poll: Poll, value: int) -> str:
    """How a value reads: the option's text, or the score."""
    if poll.kind in CHOICE_KINDS and 0 <= value < len(poll.options):
        return str(poll.options[value])
    return str(value)


def shown(poll: Poll, value: int) -> str:
    """A value's label inside a message: an option an animator typed is shown as typed on every platform."""
    return verbatim(label_of(poll, value))


def is_survey(poll: Poll) -> bool:
    """Scales and open feedback are surveys; choice polls are polls."""
    return poll.kind not in CHOICE_KINDS


def local_time(when: datetime, tz: ZoneInfo) -> str:
    """A deadline as the community reads it."""
    return when.astimezone(tz).strftime("%Y-%m-%d %H:%M")


def reacts_ok(poll: Poll) -> bool:
    """Simple polls take number-emoji reactions: public choice polls (a reaction is public, so never anonymous ones)."""
    return poll.kind in CHOICE_KINDS and not poll.anonymous


def poll_message(poll: Poll, t: Texts, tz: ZoneInfo, *, native_hours: int | None = None) -> Message:
    """The message that carries a poll: question, answers, how to vote, deadline, and what anonymous means."""
    assert poll.id is not None
    kind = PollKind(poll.kind)
    lines: list[str] = []
    if kind in CHOICE_KINDS and native_hours is None:
        lines.extend(f"{KEYCAPS[i]} {verbatim(option)}" for i, option in enumerate(poll.options))
        lines.append("")
    how = {
        PollKind.SINGLE: "how_single", PollKind.MULTIPLE: "how_multiple", PollKind.NPS: "how_nps",
        PollKind.CSAT: "how_csat", PollKind.LIKERT: "how_likert", PollKind.OPEN: "how_open",
    }[kind]
    if native_hours is None:
        lines.append(t(how))
        if reacts_ok(poll):
            lines.append(t("how_react", last=KEYCAPS[len(poll.options) - 1]))
    fields = [Field(t("closes"), local_time(poll.closes_at, tz), inline=True),
              Field(t("results"), t("reveal_live") if poll.reveal == "live" else t("reveal_close"), inline=True)]
    if poll.recurrence:
        fields.append(Field(t("recurring"), t(f"recurrence_{poll.recurrence}"), inline=True))
    fields.append(Field(t("anonymous_title"), t("anonymous_explained")) if poll.anonymous else Field(t("public_title"), t("public_explained")))
    buttons: tuple[Button, ...] = ()
    native: NativePoll | None = None
    if native_hours is not None:
        native = NativePoll(verbatim(poll.question), tuple(verbatim(o) for o in poll.options), hours=native_hours, multiple=kind == PollKind.MULTIPLE, poll_id=str(poll.id))
    elif kind == PollKind.OPEN:
        buttons = (Button(t("answer_button"), custom_id(poll.id, "answer"), ButtonStyle.PRIMARY, "✍️"),)
    else:
        style = ButtonStyle.PRIMARY if kind in CHOICE_KINDS else ButtonStyle.SECONDARY
        buttons = tuple(
            Button(label_of(poll, v), custom_id(poll.id, v), style, KEYCAPS[v] if kind in CHOICE_KINDS else None) for v in values_of(poll)
        )
    if poll.reveal == "live" and native is None:
        buttons += (Button(t("results_button"), custom_id(poll.id, "results"), ButtonStyle.SECONDARY, "📊"),)
    title = t("survey_title" if is_survey(poll) else "poll_title", question=verbatim(poll.question))
    return Message(body="\n".join(lines).strip(), title=title, fields=tuple(fields), buttons=buttons, native_poll=native,
                   footer=t("footer_open" if kind == PollKind.OPEN else "footer", id=poll.id))


MIN_RESPONDENTS = 3  # like Officevibe: below this, an anonymous answer could be traced back to its author


def _bar(share: float, width: int = 12) -> str:
    full = round(share * width)
    return "█" * full + "░" * (width - full)


def results_lines(poll: Poll, tally: Tally, t: Texts) -> list[str]:
    """The results as text: one line per answer with a bar, then the survey's score."""
    if poll.kind == PollKind.OPEN:
        answers = [f"• {verbatim(text)}" for text in tally.texts[:MAX_TEXTS_SHOWN]]
        if len(tally.texts) > MAX_TEXTS_SHOWN:
            answers.append(t("more_answers", count=len(tally.texts) - MAX_TEXTS_SHOWN))
        return answers or [t("no_answers")]
    if not tally.voters:
        return [t("no_votes")]
    lines = []
    for v in values_of(poll):
        n = tally.counts.get(v, 0)
        share = n / tally.voters
        prefix = f"{KEYCAPS[v]} " if poll.kind in CHOICE_KINDS else ""
        lines.append(f"{prefix}{shown(poll, v)} `{_bar(share)}` {n} ({numbers.percent(share, getattr(t, 'locale', 'en'))})")
    score = score_line(poll, tally, t)
    if score:
        lines.extend(["", score])
    return lines


def score_line(poll: Poll, tally: Tally, t: Texts) -> str | None:
    """The survey's headline figure: NPS, CSAT or the Likert mean with the share who agree."""
    if poll.kind == PollKind.NPS and (value := scores.nps(tally.counts)) is not None:
        promoters, passives, detractors = scores.nps_split(tally.counts)
        return t("nps_line", nps=f"{value:+.0f}", promoters=t("promoters", count=promoters), passives=t("passives", count=passives),
                 detractors=t("detractors", count=detractors))
    if poll.kind == PollKind.CSAT and (value := scores.csat(tally.counts)) is not None:
        return t("csat_line", csat=f"{value:.0f}")
    if poll.kind == PollKind.LIKERT and (value := scores.mean(tally.counts)) is not None:
        agree = scores.csat(tally.counts) or 0.0
        locale = getattr(t, "locale", "en")
        return t("likert_line", mean=numbers.fixed(value, locale), agree=numbers.decimal(agree, locale, 0))
    return None


def withheld(poll: Poll, tally: Tally, min_respondents: int = MIN_RESPONDENTS) -> bool:
    """Whether too few people answered an anonymous poll or an open question for its results to be shown (they could be recognised)."""
    return (poll.anonymous or poll.kind == PollKind.OPEN) and tally.voters < min_respondents


def results_message(poll: Poll, tally: Tally, t: Texts, *, final: bool, chart: Callable[[], bytes] | None = None,
                    min_respondents: int = MIN_RESPONDENTS) -> Message:
    """Results of a poll (final at close, or live so far), with the chart image when there is one (`chart` draws its PNG).

    An anonymous poll or an open question answered by fewer than `min_respondents` people shows no result, only how many answered.
    """
    title_key = "results_title" if final else "results_so_far_title"
    if withheld(poll, tally, min_respondents):
        body = t("too_few_answers", min=min_respondents, answers=t("answers", count=tally.voters))
        footer = t("results_footer", voters=t("voters", count=tally.voters)) + (" · " + t("anonymous_short") if poll.anonymous else "")
        return Message(body=body, title=t(title_key, question=verbatim(poll.question)), footer=footer)
    body = "\n".join(results_lines(poll, tally, t))
    image = Attachment.drawn_later(f"poll-{poll.id}.png", chart, t("chart_description", question=poll.question)) if chart else None
    footer = t("results_footer", voters=t("voters", count=tally.voters)) + (" · " + t("anonymous_short") if poll.anonymous else "")
    return Message(body=body[:4000], title=t(title_key, question=verbatim(poll.question)), image=image, footer=footer)


def chart_series(poll: Poll, tally: Tally) -> tuple[list[str], list[int], list[str] | None]:
    """Labels, counts and (NPS) colours for the results chart."""
    values = values_of(poll)
    labels = [label_of(poll, v) for v in values]
    counts = [tally.counts.get(v, 0) for v in values]
    colors = None
    if poll.kind == PollKind.NPS:
        colors = ["#C44E52" if v <= 6 else "#CCB974" if v <= 8 else "#55A868" for v in values]
    return labels, counts, colors


class Bound:
    """The polls catalog bound to a locale (`t(key, **params)`), which also says which locale it writes."""

    def __init__(self, t_full: Callable[..., str], locale: str) -> None:
        self.t_full, self.locale = t_full, locale

    def __call__(self, key: str, **params: Any) -> str:
        """The text of `polls.<key>`."""
        return self.t_full(self.locale, f"polls.{key}", **params)


def bound(t_full: Callable[..., str], locale: str) -> Texts:
    """Bind the catalog to a locale and the `polls.` prefix."""
    return Bound(t_full, locale)
