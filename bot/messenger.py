"""The messenger: cogs' one way to act on the world, routed to the adapter of the target platform."""

from __future__ import annotations

import logging
from typing import Protocol

from bot.adapters.base import Adapter, Capability
from bot.core.actions import Action, EndPoll, SendDM, SendMessage, community_of
from bot.core.message import Message, as_message
from bot.core.refs import ChannelRef, CommunityRef, MemberRef, MessageRef, Platform

log = logging.getLogger("engagebot.messenger")


class Holder(Protocol):
    """Where a DM waits during a community's quiet hours (bot/quiet_dms.py)."""

    def quiet(self, community: CommunityRef) -> bool:
        """Whether the community is in its quiet hours now."""
        ...

    async def hold(self, member: MemberRef, message: Message, fallback: ChannelRef | None, about: MemberRef | None) -> None:
        """Keep the DM until the quiet hours end."""
        ...


class Messenger:
    """Sends actions through the adapter of each community's platform."""

    def __init__(self) -> None:
        self.adapters: dict[Platform, Adapter] = {}
        self.holder: Holder | None = None
        """Where `notify` keeps DMs during quiet hours (none: they go at once)."""

    def register(self, adapter: Adapter) -> None:
        """Route actions of `adapter.platform` to it."""
        self.adapters[adapter.platform] = adapter

    def adapter_for(self, community: CommunityRef) -> Adapter | None:
        """The adapter serving a community, if it is connected."""
        return self.adapters.get(community.platform)

    def can(self, community: CommunityRef, capability: Capability) -> bool:
        """Whether the community's platform has a capability."""
        adapter = self.adapter_for(community)
        return adapter is not None and capability in adapter.capabilities

    async def send(self, action: Action) -> MessageRef | None:
        """Carry out an action; None (and one log line) when its platform is not connected."""
        community = community_of(action)
        adapter = self.adapter_for(community)
        if adapter is None:
            log.warning("no adapter for %s: dropped %s", community, type(action).__name__)
            return None
        return await adapter.send(action)

    async def say(self, channel: ChannelRef, message: Message | str, reply_to: MessageRef | None = None) -> MessageRef | None:
        """Post in a channel."""
        return await self.send(SendMessage(channel, as_message(message), reply_to))

    async def dm(self, member: MemberRef, message: Message | str, fallback: ChannelRef | None = None) -> MessageRef | None:
        """Send a direct message (posted in `fallback` when the member's DMs are closed)."""
        return await self.send(SendDM(member, as_message(message), fallback))

    async def notify(self, member: MemberRef, message: Message | str, fallback: ChannelRef | None = None, *, about: MemberRef | None = None) -> bool:
        """A DM the member did not ask for (a badge, a buddy, kudos, a digest): sent now, or kept until the community's quiet hours end."""
        # `about`: the member the message names (erasing them drops the kept message). True when sent or kept, False when
        # refused. A reply to a member's own command is not a notification: it goes with `dm`, never held back.
        holder = self.holder
        if holder is not None and holder.quiet(member.community):
            await holder.hold(member, as_message(message), fallback, about)
            return True
        return await self.dm(member, message, fallback) is not None

    async def end_poll(self, message: MessageRef) -> None:
        """End the native poll of a message now (a poll closed before its deadline)."""
        await self.send(EndPoll(message))


