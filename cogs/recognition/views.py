"""What members see: leaderboards, badge lists and ranks, as neutral messages in their language."""

from __future__ import annotations

from bot.cog import CogContext
from bot.core import markup
from bot.core.message import Field, Message
from bot.core.refs import CommunityRef
from bot.i18n import join_list
from cogs.recognition.periods import Period
from cogs.recognition.settings import Settings
from storage.recognition_records import AwardRow, MemberInfo, Standing

MEDALS = {1: "🥇", 2: "🥈", 3: "🥉"}


def period_label(ctx: CogContext, locale: str, period: Period) -> str:
    """`this week (2026-W02)`-style label of a period."""
    if period.kind == "all":
        return ctx.t(locale, "recognition.period.all")
    return ctx.t(locale, f"recognition.period.{period.kind}", period=period.key)


def rank_in(standings: list[Standing], member_id: int) -> tuple[int, int] | None:
    """A member's (rank, value) in standings (ranks from 1, ties ordered by member id)."""
    for i, s in enumerate(standings, 1):
        if s.member.id == member_id:
            return i, s.value
    return None


def board_message(ctx: CogContext, community: CommunityRef | str, period: Period, standings: list[Standing], size: int,
                  viewer: MemberInfo | None = None) -> Message:
    """A leaderboard: the top `size` by points, and the viewer's own place when they are further down."""
    locale = community if isinstance(community, str) else ctx.locale(community)
    title = ctx.t(locale, "recognition.board.title", period=period_label(ctx, locale, period))
    if not standings:
        return Message(ctx.t(locale, "recognition.board.empty"), title=title)
    lines = [
        ctx.t(locale, "recognition.board.line", rank=MEDALS.get(i, f"{i}."), member=markup.member(s.member.external_id, s.member.name), points=s.value, count=s.value)
        for i, s in enumerate(standings[:size], 1)
    ]
    footer = None
    if viewer is not None:
        mine = rank_in(standings, viewer.id)
        if mine is not None and mine[0] > size:
            footer = ctx.t(locale, "recognition.board.you", rank=mine[0], points=mine[1], count=mine[1])
    return Message("\n".join(lines), title=title, footer=footer)


def badges_message(ctx: CogContext, locale: str, settings: Settings, member: MemberInfo, awards: list[AwardRow]) -> Message:
    """A member's badges (with when they got them) and the ones still to earn."""
    held = [a for a in awards if a.revoked_at is None]
    lines: list[str] = []
    for award in held:
        rule = settings.badge(award.badge)
        if rule is None:
            lines.append(f"🏅 {award.badge} ({award.awarded_at.date().isoformat()})")
            continue
        lines.append(ctx.t(locale, "recognition.badges.line", emoji=rule.emoji, badge=rule.title(locale), description=rule.explain(locale),
                           date=award.awarded_at.date().isoformat()))
    title = ctx.t(locale, "recognition.badges.title", member=markup.member(member.external_id, member.name), count=len(held))
    body = "\n".join(lines) if lines else ctx.t(locale, "recognition.badges.none")
    to_earn = [f"{r.emoji} {r.title(locale)}" for r in settings.badges if r.id not in {a.badge for a in awards}]
    fields = (Field(ctx.t(locale, "recognition.badges.to_earn"), join_list(locale, to_earn)),) if to_earn else ()
    return Message(body, title=title, fields=fields)


def rank_message(ctx: CogContext, locale: str, settings: Settings, member: MemberInfo, total: int, level: int,
                 week: tuple[int, int] | None, overall: tuple[int, int] | None, badges: int) -> Message:
    """A member's level, points, place on this week's and the all-time board, and badge count."""
    nxt = settings.levels.next_threshold(total)
    progress = ctx.t(locale, "recognition.rank.next", missing=nxt - total, level=level + 1, count=nxt - total) if nxt is not None else ctx.t(locale, "recognition.rank.top")
    fields = (
        Field(ctx.t(locale, "recognition.rank.level"), f"{level} · {ctx.t(locale, 'recognition.rank.points', points=total, count=total)}", inline=True),
        Field(ctx.t(locale, "recognition.rank.week"), ctx.t(locale, "recognition.rank.place", rank=week[0], points=week[1], count=week[1]) if week else "—", inline=True),
        Field(ctx.t(locale, "recognition.rank.overall"), f"#{overall[0]}" if overall else "—", inline=True),
        Field(ctx.t(locale, "recognition.rank.badges"), str(badges), inline=True),
    )
    return Message(progress, title=ctx.t(locale, "recognition.rank.title", member=markup.member(member.external_id, member.name)), fields=fields)
