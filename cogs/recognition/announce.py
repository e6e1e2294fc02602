"""Telling the community: new badges and levels in the announcement channel and by DM (kept during quiet hours), and role rewards."""

from __future__ import annotations

from bot.adapters.base import Capability
from bot.cog import CogContext
from bot.core import markup
from bot.core.actions import GrantRole, RemoveRole
from bot.core.markup import verbatim
from bot.core.message import Message
from bot.core.refs import ChannelRef, CommunityRef, MemberRef
from cogs.recognition.settings import BadgeRule, Settings


class Announcer:
    """Posts recognition news and carries out role rewards (when the platform has roles)."""

    def __init__(self, ctx: CogContext) -> None:
        self.ctx = ctx

    @staticmethod
    def channel(community: CommunityRef, settings: Settings) -> ChannelRef | None:
        """The announcement channel, if one is configured."""
        return ChannelRef(community, settings.channel, settings.channel) if settings.channel else None

    async def badge(self, community: CommunityRef, settings: Settings, member: MemberRef, rule: BadgeRule, *, reason: str | None = None) -> None:
        """Announce a new badge publicly and to its holder, and grant its role."""
        t, locale = self.ctx.t, self.ctx.locale(community)
        params = {"member": markup.member(member.id, member.name), "emoji": rule.emoji, "badge": rule.title(locale), "description": rule.explain(locale)}
        why = "\n" + t(community, "recognition.badge.reason", reason=verbatim(reason)) if reason else ""
        channel = self.channel(community, settings)
        if channel is not None and rule.announce:
            await self.ctx.messenger.say(channel, Message(title=t(community, "recognition.badge.title"), body=t(community, "recognition.badge.announce", **params) + why,
                                                          mentions=(member.id,)))
        if settings.dm and (rule.dm or reason):
            await self.ctx.messenger.notify(member, Message(t(community, "recognition.badge.dm", **params) + why))  # kept during quiet hours
        if rule.role:
            await self.grant(member, rule.role)

    async def badge_revoked(self, member: MemberRef, rule: BadgeRule, reason: str | None) -> None:
        """Tell the member a badge was taken back, and take its role back."""
        community = member.community
        locale = self.ctx.locale(community)
        body = self.ctx.t(community, "recognition.badge.revoked_dm", emoji=rule.emoji, badge=rule.title(locale))
        if reason:
            body += "\n" + self.ctx.t(community, "recognition.badge.reason", reason=verbatim(reason))
        await self.ctx.messenger.notify(member, Message(body))
        if rule.role and self.ctx.messenger.can(community, Capability.ROLES):
            await self.ctx.messenger.send(RemoveRole(member, rule.role))

    async def level_up(self, community: CommunityRef, settings: Settings, member: MemberRef, level: int, before: int) -> None:
        """Announce a new level and grant the roles of every level crossed."""
        channel = self.channel(community, settings)
        if settings.levels.announce and channel is not None:
            await self.ctx.messenger.say(channel, Message(self.ctx.t(community, "recognition.level.announce", member=markup.member(member.id, member.name), level=level),
                                                          mentions=(member.id,)))
        for reached in range(before + 1, level + 1):
            role = settings.levels.roles.get(reached)
            if role:
                await self.grant(member, role)

    async def grant(self, member: MemberRef, role: str) -> None:
        """Give a role when the platform has roles (Slack has none: the reward is skipped)."""
        if self.ctx.messenger.can(member.community, Capability.ROLES):
            await self.ctx.messenger.send(GrantRole(member, role))
        else:
            self.ctx.log.info("no roles on %s: role %s not granted to %s", member.community.platform, role, member.id)
