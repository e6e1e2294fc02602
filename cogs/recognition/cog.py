"""The recognition cog's commands: badges, rank, leaderboard, kudos, manual awards and exports."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

from bot.cog import command
from bot.commands import Access, CommandError, Option, OptionType, Reply
from bot.core import markup
from bot.core.events import CommandInvoked
from bot.core.markup import verbatim
from bot.core.message import Attachment, Message
from bot.core.refs import CommunityRef, MemberRef
from bot.i18n import Listed, join_list
from cogs.recognition.core import RecognitionCore
from cogs.recognition.export import ExportFormat, ExportWhat, export_recognition
from cogs.recognition.periods import ALL_TIME, parse_period, period_of, previous
from cogs.recognition.settings import KUDOS_KIND, BadgeRule, Settings
from cogs.recognition.views import badges_message, board_message, rank_in, rank_message
from storage.recognition import kudos_in_period
from storage.recognition_records import MemberInfo, NewEntry

MEMBER = Option("member", OptionType.MEMBER, {"en": "The member (yourself by default)", "fr": "Le membre (vous par défaut)"}, required=False)
WHO = Option("member", OptionType.MEMBER, {"en": "The member", "fr": "Le membre"})
BADGE = Option("badge", OptionType.STRING, {"en": "The badge id (see /badges)", "fr": "L'identifiant du badge (voir /badges)"})
REASON = Option("reason", OptionType.STRING, {"en": "Why", "fr": "Pourquoi"})
REASON_MAX = 300


class Recognition(RecognitionCore):
    """Badges, kudos, levels and leaderboards: contributions seen and thanked, publicly and fairly."""

    name = "recognition"
    Settings = Settings

    # --- helpers --------------------------------------------------------------------
    async def member_info(self, inv: CommandInvoked, ref: MemberRef | None = None) -> tuple[int, MemberInfo]:
        """The community id and the row of `ref` (the caller by default, created on first sight)."""
        community = inv.community
        cid = await self.ctx.directory.community_id(community)
        ref = ref or inv.member
        info = await self.store.member(cid, ref.id)
        if info is None:
            await self.ctx.directory.member_id(ref, inv.at)
            info = await self.store.member(cid, ref.id)
        if info is None:  # pragma: no cover - the directory just created it
            raise CommandError("recognition.errors.unknown_member", member=ref.id)
        return cid, info

    def rule(self, inv: CommandInvoked) -> BadgeRule:
        """The badge named by the `badge` option, or a clear error listing the known ones."""
        settings = self.settings_for(inv.community)
        badge_id = str(inv.options["badge"]).strip().lower()
        rule = settings.badge(badge_id)
        if rule is None:
            raise CommandError("recognition.errors.unknown_badge", badge=badge_id, badges=Listed(tuple(b.id for b in settings.badges)))
        return rule

    @staticmethod
    def reason(inv: CommandInvoked) -> str | None:
        """The `reason` option, trimmed."""
        text = str(inv.options.get("reason") or "").strip()
        return text[:REASON_MAX] or None

    # --- members' commands ----------------------------------------------------------
    @command("badges", {"en": "Show the badges of a member", "fr": "Voir les badges d'un membre"}, options=(MEMBER,))
    async def badges(self, inv: CommandInvoked) -> Reply:
        """A member's badges and the ones still to earn."""
        cid, info = await self.member_info(inv, inv.options.get("member"))
        awards = await self.store.awards(cid, info.id)
        return Reply(badges_message(self.ctx, inv.locale or "en", self.settings_for(inv.community), info, awards))

    @command("rank", {"en": "Show the level and rank of a member", "fr": "Voir le niveau et le classement d'un membre"}, options=(MEMBER,))
    async def rank(self, inv: CommandInvoked) -> Reply:
        """A member's level, points and places on the boards."""
        cid, info = await self.member_info(inv, inv.options.get("member"))
        settings = self.settings_for(inv.community)
        week = period_of("week", inv.at, self.tz(inv.community))
        total = await self.store.points_total(info.id)
        level = max(settings.levels.level_of(total), await self.store.level(info.id))
        this_week = rank_in(await self.store.standings(cid, week.start, week.end), info.id)
        overall = rank_in(await self.store.standings(cid, None, None), info.id)
        badges = sum(1 for held in (await self.store.held(info.id)).values() if held)
        return Reply(rank_message(self.ctx, inv.locale or "en", settings, info, total, level, this_week, overall, badges))

    @command("leaderboard", {"en": "Show the leaderboard: week, month, all, last-week, 2026-W02, 2026-01…",
                             "fr": "Voir le classement : week, month, all, last-week, 2026-W02, 2026-01…"},
             options=(Option("period", OptionType.STRING, {"en": "week (default), month, all, or a past week/month", "fr": "week (par défaut), month, all, ou une semaine/un mois passé"}, required=False),))
    async def leaderboard(self, inv: CommandInvoked) -> Reply:
        """The points leaderboard of a period (past weeks and months are kept, not wiped)."""
        community = inv.community
        raw = inv.options.get("period")
        period = parse_period(raw, inv.at, self.tz(community))
        if period is None:
            raise CommandError("recognition.errors.bad_period", value=raw)
        cid, viewer = await self.member_info(inv)
        standings = await self.store.standings(cid, period.start, period.end)
        return Reply(board_message(self.ctx, inv.locale or "en", period, standings, self.settings_for(community).leaderboard_size, viewer))

    @command("kudos", {"en": "Thank a member publicly", "fr": "Remercier un membre publiquement"},
             options=(WHO, Option("reason", OptionType.STRING, {"en": "What for", "fr": "Pour quoi"}, required=False)))
    async def kudos(self, inv: CommandInvoked) -> Reply:
        """Give kudos: not to yourself, not to a bot, within the daily quota."""
        community, locale = inv.community, inv.locale or "en"
        settings = self.settings_for(community)
        target: MemberRef = inv.options["member"]
        if settings.kudos_per_day == 0:
            return Reply(Message(self.ctx.t(locale, "recognition.kudos.disabled")))
        if target.id == inv.member.id:
            return Reply(Message(self.ctx.t(locale, "recognition.kudos.self")))
        cid, giver = await self.member_info(inv)
        receiver = await self.store.member(cid, target.id)
        if target.bot or (receiver is not None and receiver.is_bot):
            return Reply(Message(self.ctx.t(locale, "recognition.kudos.bot")))
        today = period_of("day", inv.at, self.tz(community))
        if await self.store.kudos_given_since(giver.id, today.start or inv.at) >= settings.kudos_per_day:
            return Reply(Message(self.ctx.t(locale, "recognition.kudos.quota", quota=settings.kudos_per_day)))
        if receiver is None:
            _, receiver = await self.member_info(inv, target)
        reason = self.reason(inv)
        kudos_id = await self.store.add_kudos(cid, giver.id, receiver.id, reason, inv.at)
        await self.give_points(community, NewEntry(receiver.id, KUDOS_KIND, f"kudos:{kudos_id}", inv.at, giver.id))
        params = {"giver": markup.member(inv.member.id, inv.member.name or giver.name), "receiver": markup.member(receiver.external_id, receiver.name),
                  "reason": verbatim(reason or "")}
        key = "recognition.kudos.public" if reason else "recognition.kudos.public_plain"
        if settings.dm:
            dm_key = "recognition.kudos.dm" if reason else "recognition.kudos.dm_plain"
            await self.ctx.messenger.notify(MemberRef(community, receiver.external_id, receiver.name), Message(self.ctx.t(community, dm_key, **params)),
                                            about=inv.member)  # the receiver did not ask: kept during quiet hours
        await self.ctx.messenger.say(inv.channel, Message(self.ctx.t(community, key, **params), mentions=(receiver.external_id,)))
        return Reply(Message(self.ctx.t(locale, "recognition.kudos.sent", receiver=markup.member(receiver.external_id, receiver.name))))

    # --- animators' commands --------------------------------------------------------
    @command("badge award", {"en": "Award a badge by hand, with a reason", "fr": "Décerner un badge à la main, avec une raison"},
             options=(WHO, BADGE, REASON), access=Access.ANIMATOR)
    async def badge_award(self, inv: CommandInvoked) -> Reply:
        """An animator awards a badge (also one a member lost, or a `manual` badge)."""
        rule, locale = self.rule(inv), inv.locale or "en"
        target: MemberRef = inv.options["member"]
        cid, _ = await self.member_info(inv)
        info = await self.store.member(cid, target.id)
        if target.bot or (info is not None and info.is_bot):
            return Reply(Message(self.ctx.t(locale, "recognition.award.bot")))
        _, info = await self.member_info(inv, target)
        _, animator = await self.member_info(inv)
        params = {"member": markup.member(info.external_id, info.name), "emoji": rule.emoji, "badge": rule.title(locale)}
        if not await self.award(inv.community, cid, info.id, rule, inv.at, by=animator.id, reason=self.reason(inv)):
            return Reply(Message(self.ctx.t(locale, "recognition.award.already", **params)))
        self.ctx.log.info("%s awarded %s to %s by hand", inv.member.id, rule.id, info.external_id)
        return Reply(Message(self.ctx.t(locale, "recognition.award.done", **params)))

    @command("badge revoke", {"en": "Take a badge back, with a reason", "fr": "Retirer un badge, avec une raison"},
             options=(WHO, BADGE, REASON), access=Access.ANIMATOR)
    async def badge_revoke(self, inv: CommandInvoked) -> Reply:
        """An animator takes a badge back (it is not awarded again automatically)."""
        rule, locale = self.rule(inv), inv.locale or "en"
        target: MemberRef = inv.options["member"]
        cid, animator = await self.member_info(inv)
        info = await self.store.member(cid, target.id)
        params = {"member": markup.member(info.external_id, info.name) if info else markup.member(target.id, target.name), "emoji": rule.emoji,
                  "badge": rule.title(locale)}
        reason = self.reason(inv)
        if info is None or not await self.store.revoke(info.id, rule.id, inv.at, by=animator.id, reason=reason):
            return Reply(Message(self.ctx.t(locale, "recognition.revoke.not_held", **params)))
        if (state := self.states.loaded(info.id)) is not None:
            state.held[rule.id] = False
        self.ctx.log.info("%s revoked %s from %s", inv.member.id, rule.id, info.external_id)
        await self.announcer.badge_revoked(MemberRef(inv.community, info.external_id, info.name), rule, reason)
        return Reply(Message(self.ctx.t(locale, "recognition.revoke.done", **params)))

    @command("recognition export", {"en": "Export badges and points (CSV or JSON)", "fr": "Exporter badges et points (CSV ou JSON)"},
             options=(Option("format", OptionType.STRING, {"en": "csv or json", "fr": "csv ou json"}, required=False, choices=("csv", "json")),
                      Option("what", OptionType.STRING, {"en": "all, badges or points", "fr": "all, badges ou points"}, required=False,
                             choices=("all", "badges", "points"))),
             access=Access.ANIMATOR)
    async def export(self, inv: CommandInvoked) -> Reply:
        """A file of every member's points and badges, for the animators."""
        community = inv.community
        fmt: ExportFormat = "json" if inv.options.get("format") == "json" else "csv"
        what_raw = inv.options.get("what") or "all"
        what: ExportWhat = "badges" if what_raw == "badges" else "points" if what_raw == "points" else "all"
        await self.ctx.recorder.flush()
        cid = await self.ctx.directory.community_id(community)
        await self.score_unread(community, cid)
        name, data, rows = await export_recognition(self.store, community, cid, fmt, what, inv.at, self.tz(community))
        body = self.ctx.t(inv.locale or "en", "recognition.export.done", rows=rows, file=name)
        return Reply(Message(body, image=Attachment(name, data, description=name)))

    # --- privacy, demo --------------------------------------------------------------
    async def describe_member(self, member: MemberRef) -> list[str]:
        """What the recognition tables hold about a member."""
        cid = await self.ctx.directory.community_id(member.community)
        info = await self.store.member(cid, member.id)
        if info is None:
            return []
        data = await self.store.describe(info.id)
        if not any(data.values()):
            return []
        counted = {key: self.ctx.t(member.community, f"recognition.privacy.{key}", count=data[key])
                   for key in ("points", "badges", "kudos_given", "kudos_received", "points_entries")}
        return [self.ctx.t(member.community, "recognition.privacy.summary", **{**data, **counted})]

    async def forget_member(self, member: MemberRef) -> None:
        """Before the core erases a member: drop their queued entries and state (their rows go with their member row)."""
        cid = await self.ctx.directory.community_id(member.community)
        info = await self.store.member(cid, member.id)
        if info is not None:
            self.forget_elsewhere(cid, info.id)
            self.store.drop_pending(info.id)
            self.states.drop(info.id)

    async def home_lines(self, member: MemberRef, access: Access) -> list[str]:
        """The member's level, points, place this week and badges, for their home view."""
        community = member.community
        cid = await self.ctx.directory.community_id(community)
        info = await self.store.member(cid, member.id)
        if info is None:
            return []
        state = await self.state(community, info.id)
        emojis = " ".join(r.emoji for r in self.settings_for(community).badges if state.held.get(r.id))
        if state.points == 0 and not emojis:
            return []
        week = period_of("week", self.ctx.clock.now(), self.tz(community))
        place = rank_in(await self.store.standings(cid, week.start, week.end), info.id)
        return [self.ctx.t(community, "recognition.home", level=state.level, points=state.points, count=state.points,
                           rank=f"#{place[0]}" if place else "—", badges=emojis or "—")]

    async def summary(self, community: CommunityRef) -> list[str]:
        """Badges awarded, kudos given, and the final leaderboards."""
        cid = await self.ctx.directory.community_id(community)
        t = self.ctx.t
        awards = await self.store.awards(cid, include_revoked=False)
        if not awards and not await self.store.standings(cid, None, None):
            return []
        by_badge = Counter(a.badge for a in awards)
        settings, locale = self.settings_for(community), self.ctx.locale(community)

        def named(badge: str) -> str:  # the badge's name in the community's language, never its id
            rule = settings.badge(badge)
            return f"{rule.emoji} {rule.title(locale)}" if rule else badge

        lines = [t(community, "recognition.summary.badges", count=len(awards),
                   detail=join_list(locale, (f"{named(b)} {n}" for b, n in sorted(by_badge.items(), key=lambda x: (-x[1], x[0]))), "unit") or "—")]
        manual = [a for a in awards if a.manual]
        for a in manual:
            lines.append(t(community, "recognition.summary.manual", member=verbatim(a.member.display), badge=named(a.badge), by=verbatim(a.awarded_by or "?"),
                           reason=verbatim(a.reason or "—")))
        tally = await kudos_in_period(self.ctx.db, cid, datetime(2000, 1, 1, tzinfo=UTC), self.ctx.clock.now() + timedelta(seconds=1))
        lines.append(t(community, "recognition.summary.kudos", count=tally.total, top=join_list(locale, (f"{tally.names[m]} ({n})" for m, n in tally.top_receivers())) or "—"))
        tz = self.tz(community)
        last_week = previous(period_of("week", self.ctx.clock.now(), tz), tz)
        for period, size in ((last_week, 3), (ALL_TIME, 5)):
            standings = await self.store.standings(cid, period.start, period.end)
            message = board_message(self.ctx, community, period, standings, size)
            lines.append(message.title or "")
            lines.extend(f"  {line}" for line in message.body.splitlines())
        return lines

    def demo_script(self) -> list[tuple[timedelta, str, str]]:
        """Camille, the demo's animator, thanks a few members and names an ambassador."""
        day = timedelta(days=1)
        return [
            (day * 2 + timedelta(hours=18), "camille", "kudos @u004 thanks for welcoming the newcomers!"),
            (day * 9 + timedelta(hours=18), "camille", "kudos @u001 great tutorial on composting"),
            (day * 16 + timedelta(hours=18), "camille", "kudos @u004 always there to answer questions"),
            (day * 23 + timedelta(hours=18), "camille", "kudos @u000 thank you for the meetup photos"),
            (day * 30 + timedelta(hours=18), "camille", "kudos @u004 your guide helped so many people"),
            (day * 37 + timedelta(hours=18), "camille", "kudos @u002 for the thoughtful answers this week"),
            (day * 41 + timedelta(hours=10), "camille", "badge award @u004 ambassador welcomes every newcomer and answers everyone"),
            (day * 44 + timedelta(hours=18), "camille", "kudos @u004 thank you for being our ambassador"),
            (day * 51 + timedelta(hours=18), "camille", "kudos @u001 for the end-of-programme retrospective"),
        ]
