"""The digest as a neutral `Message` (console, Discord, Slack), in the community's language; plus Markdown."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any
from zoneinfo import ZoneInfo

from bot import numbers
from bot.core import markup
from bot.core.message import Attachment, Field, Message
from bot.i18n import join_list
from storage.kpi.goals import GoalResult
from storage.kpi.keys import RATE_KEYS
from storage.kpi.report import KpiReport

Translate = Callable[..., str]
SYMBOLS = {">=": "≥", "<=": "≤", ">": ">", "<": "<", "==": "="}
MAX_NAMES = 10
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>#|~])")  # what Markdown would read as markup in a member's name


class Numbers:
    """Numbers the way a locale writes them (decimal comma and spaced percent in French)."""

    def __init__(self, locale: str, t: Translate) -> None:
        self.locale = locale
        self.t = t

    def num(self, value: float) -> str:
        """A count or a ratio (one decimal at most), with the locale's decimal mark (Babel)."""
        return numbers.decimal(value, self.locale, 0 if isinstance(value, int) else 1)

    def pct(self, rate: float) -> str:
        """A rate in [0, 1] as a whole percentage (`43 %` in French, `43%` in English)."""
        return numbers.percent(rate, self.locale)

    def minutes(self, value: float) -> str:
        """A duration in minutes."""
        return self.t("minutes", value=self.num(round(value) if value >= 10 else round(value, 1)))

    def value(self, key: str, value: Any) -> str:
        """A KPI value as shown to people."""
        if value is None:
            return str(self.t("none"))
        if key in RATE_KEYS:
            return self.pct(value)
        if key == "median_first_response_minutes":
            return self.minutes(value)
        if key == "nps":
            return numbers.signed(value, self.locale, 0)
        if key == "csat":
            return f"{numbers.decimal(value, self.locale, 0)}/100"
        return self.num(value)

    def gap(self, key: str, gap: float) -> str:
        """How far from a target."""
        if key in RATE_KEYS:
            return self.percentage_points(gap)
        if key == "median_first_response_minutes":
            return self.minutes(gap)
        return self.num(gap)

    def percentage_points(self, rate: float) -> str:
        """A difference of two rates in percentage points: 1 pt, 6.1 pts (French: 0 pt, 1,5 pt)."""
        value = round(rate * 100, 1)
        return self.t("points", value=self.num(value), count=value)

    def delta(self, key: str, delta: float | None) -> str:
        """(▲ 3), (▼ 2 pts), (=) or nothing when there is nothing to compare."""
        if delta is None:
            return ""
        if delta == 0:
            return "(=)"
        arrow = "▲" if delta > 0 else "▼"
        size = abs(delta)
        if key in RATE_KEYS:
            shown = self.percentage_points(size)
        elif key == "median_first_response_minutes":
            shown = self.minutes(size)
        else:
            shown = self.num(size)
        return f"({arrow} {shown})"


def names(report: KpiReport, ids: Sequence[str], t: Translate, locale: str) -> str:
    """Display names of listed members, at most ten, as the locale lists them ("Alice, Bob et 3 autres")."""
    if not ids:
        return str(t("line.nobody"))
    shown = [markup.member(m, report.name(m) if report.name(m) != m else None) for m in ids[:MAX_NAMES]]  # a name, or a mention
    more = len(ids) - MAX_NAMES
    return join_list(locale, shown + ([t("line.more", count=more)] if more > 0 else []))


def _clean(text: str) -> str:
    return " ".join(text.split())


def goal_lines(report: KpiReport, goals: Sequence[GoalResult], t: Translate, n: Numbers) -> list[str]:
    """One line per goal: met, not met with the gap, or not computed."""
    out = []
    for g in goals:
        label = f"{t('kpi.' + g.goal.kpi)} {SYMBOLS[g.goal.op]} {n.value(g.goal.kpi, g.goal.target)}"
        if g.met is None:
            reason = t("reason." + report.reasons.get(g.goal.kpi, "no_posts"))
            out.append(t("line.goal_unknown", goal=label, reason=reason))
        elif g.met:
            out.append(t("line.goal_met", goal=label, value=n.value(g.goal.kpi, report.kpis[g.goal.kpi])))
        else:
            out.append(t("line.goal_missed", goal=label, value=n.value(g.goal.kpi, report.kpis[g.goal.kpi]), gap=n.gap(g.goal.kpi, g.gap or 0)))
    return out


def digest_message(report: KpiReport, goals: Sequence[GoalResult], locale: str, t: Translate, image: Attachment | None = None,
                   funnel: Sequence[tuple[str, int]] = ()) -> Message:
    """The weekly digest: headline figures with deltas, goals, 90-9-1, responsiveness, newcomers, names, voice.

    `funnel`: the onboarding stages of last week's newcomers, (stage, count), shown when given.
    """
    n = Numbers(locale, t)
    k, d = report.kpis, report.delta

    def v(key: str) -> str:
        if k.get(key) is None and key in report.reasons:
            return str(t("not_computed", reason=t("reason." + report.reasons[key])))
        return n.value(key, k.get(key))

    tz = ZoneInfo(report.period.timezone)
    start = report.period.start.astimezone(tz)
    title = t("title", community=report.community.name or report.community.id, week=report.period.label,
              start=start.strftime("%d/%m"), end=report.period.last.strftime("%d/%m"))
    if report.no_data:
        first = report.first_event.astimezone(tz).strftime("%d/%m/%Y") if report.first_event else "—"
        return Message(body=t("before_data", period=report.period.label, date=first), title=title)
    body = t("body", active=k["active_members"], members=k["members_total"], rate=v("activity_rate"), posts=k["posts"])
    fields = [Field(t("field.headline"), "\n".join(_clean(x) for x in (
        t("line.members", members=k["members_total"], delta=n.delta("members_total", d("members_total")), new=k["new_members"], left=k["left_members"]),
        t("line.active", active=k["active_members"], delta=n.delta("active_members", d("active_members")), rate=v("activity_rate"),
          rate_delta=n.delta("activity_rate", d("activity_rate"))),
        t("line.posts", posts=k["posts"], delta=n.delta("posts", d("posts")), replies=k["replies"], reactions=k["reactions"],
          reactions_delta=n.delta("reactions", d("reactions"))),
    )))]
    if goals:
        fields.append(Field(t("field.goals"), "\n".join(goal_lines(report, goals, t, n))))
    shape = k["participation_9091"]
    total = max(k["members_total"], 1)
    shape_lines = [t("line.shape", lurkers=shape["lurkers"], contributors=shape["contributors"], super=shape["super_contributors"],
                     lurkers_pct=n.pct(shape["lurkers"] / total), contributors_pct=n.pct(shape["contributors"] / total),
                     super_pct=n.pct(shape["super_contributors"] / total))]
    shape_lines.append(t("line.concentration", share=v("top10_share"), absence=v("absence_factor")) if k["posts"] else t("line.concentration_none"))
    fields.append(Field(t("field.shape"), "\n".join(shape_lines)))
    fields.append(Field(t("field.responsiveness"), "\n".join(_clean(x) for x in (
        t("line.response_rate", rate=v("response_rate"), delta=n.delta("response_rate", d("response_rate"))),
        t("line.first_response", minutes=v("median_first_response_minutes"),
          delta=n.delta("median_first_response_minutes", d("median_first_response_minutes"))),
    ))))
    fields.append(Field(t("field.newcomers"), "\n".join(_clean(x) for x in (
        t("line.newcomers", activation=v("newcomer_activation"), retention=v("newcomer_retention")),
        t("line.returning", rate=v("returning_rate"), delta=n.delta("returning_rate", d("returning_rate"))),
    )) + ("\n" + t("line.funnel", stages=join_list(locale, (f"{t('funnel.' + key)} {count}" for key, count in funnel), "unit")) if funnel else "")))
    fields.append(Field(t("field.reach_out"), "\n".join((
        t("line.at_risk", names=names(report, k["at_risk"], t, locale)),
        t("line.isolated", names=names(report, k["isolated"], t, locale)),
    ))))
    fields.append(Field(t("field.hubs"), t("line.hubs", names=names(report, k["hubs"], t, locale))))
    voice = [_clean(t("line.polls", votes=k["poll_votes"], delta=n.delta("poll_votes", d("poll_votes")), participation=v("poll_participation")))]
    if k["nps"] is not None:
        voice.append(t("line.nps", value=v("nps")))
    if k["csat"] is not None:
        voice.append(t("line.csat", value=v("csat")))
    fields.append(Field(t("field.voice"), "\n".join(voice)))
    footer = t("footer", end=report.period.end.astimezone(tz).strftime("%d/%m/%Y %H:%M"), timezone=report.period.timezone)
    return Message(body=body, title=title, fields=tuple(fields), image=image, footer=footer, locale=locale)


def key_figures_message(report: KpiReport, locale: str, t: Translate) -> Message:
    """The public "key figures" post for members: counts only, no names."""
    n = Numbers(locale, t)
    k = report.kpis
    answered = t("key_figures_answered", rate=n.pct(k["response_rate"])) if k["response_rate"] is not None else ""
    body = _clean(t("key_figures_body", members=k["members_total"], active=k["active_members"],
                    rate=n.value("activity_rate", k["activity_rate"]), posts=k["posts"], reactions=k["reactions"], answered=answered))
    return Message(body=body, title=t("key_figures_title", week=report.period.label))


def _md_escape(text: str) -> str:
    return _MD_SPECIAL.sub(r"\\\1", text)


def markdown(message: Message) -> str:
    """A Markdown rendering of a message (for `engagebot report --format markdown`); members' names shown as typed."""
    parts = []
    if message.title:
        parts.append(f"# {markup.render(message.title, _md_escape)}")
    if message.body:
        parts.append(markup.render(message.body, _md_escape))
    for f in message.fields:
        value = markup.render(f.value, _md_escape)
        parts.append(f"## {markup.render(f.name, _md_escape)}\n\n" + "\n".join(f"- {line}" for line in value.splitlines()))
    if message.image:
        parts.append(f"![{message.image.description or ''}]({message.image.filename})")
    if message.footer:
        parts.append(f"_{markup.render(message.footer, _md_escape)}_")
    return "\n\n".join(parts) + "\n"
