"""Carrying out the core's actions on Discord: posts in channels, DMs (with their fallback), roles."""

from __future__ import annotations

import logging
from collections import OrderedDict
from dataclasses import replace
from typing import Any

import discord

from bot.adapters.discord import translate
from bot.adapters.discord.render import ButtonFactory, render
from bot.core.actions import Action, EndPoll, GrantRole, RemoveRole, SendDM, SendMessage
from bot.core.message import scoped, with_content
from bot.core.refs import ChannelRef, MemberRef, MessageRef

log = logging.getLogger("engagebot.discord")

DM_MEMORY = 10_000


class Outbox:
    """Sends for the adapter; remembers which server each DM was sent for (a button in it belongs there)."""

    def __init__(self, client: discord.Client, button_item: ButtonFactory) -> None:
        self.client = client
        self.button_item = button_item
        self.dm_guilds: OrderedDict[int, int] = OrderedDict()
        self.rest_only = False
        """Logged in over HTTP without the gateway (`engagebot jobs run`): servers and channels are looked up through the REST API."""

    async def send(self, action: Action) -> MessageRef | None:
        """Post, DM or change roles; a Discord refusal is logged once, never raised."""
        try:
            if isinstance(action, SendMessage):
                return await self._send_message(replace(action, message=await with_content(action.message)))
            if isinstance(action, SendDM):
                return await self._send_dm(replace(action, message=await with_content(action.message)))
            if isinstance(action, GrantRole | RemoveRole):
                await self._change_role(action)
                return None
            if isinstance(action, EndPoll):
                await self._end_poll(action.message)
                return None
        except discord.HTTPException as err:
            log.warning("Discord refused %s: %s", type(action).__name__, err)
            return None
        raise TypeError(f"unknown action {action!r}")

    async def _end_poll(self, ref: MessageRef) -> None:
        """Expire the native poll of one of the bot's messages (Discord: POST /channels/{c}/polls/{m}/expire)."""
        channel = await self._channel(ref.channel)
        if channel is None or not ref.id.isdigit() or not hasattr(channel, "get_partial_message"):
            return
        await channel.get_partial_message(int(ref.id)).end_poll()

    async def _channel(self, ref: ChannelRef) -> discord.abc.Messageable | None:
        """A channel by id, or by name in the community's server (`welcome`, `#general`)."""
        channel: Any = None
        if ref.id.isdigit():
            channel = self.client.get_channel(int(ref.id))
            if channel is None:
                try:
                    channel = await self.client.fetch_channel(int(ref.id))
                except (discord.NotFound, discord.Forbidden):
                    channel = None
        elif ref.community.id.isdigit() and (guild := self.client.get_guild(int(ref.community.id))) is not None:
            name = ref.id.lstrip("#")
            channel = discord.utils.get(guild.text_channels, name=name) or discord.utils.get(guild.threads, name=name)
        elif ref.community.id.isdigit() and self.rest_only:  # logged in over HTTP only (no gateway, no cache): ask the REST API
            channel = await self._channel_named(int(ref.community.id), ref.id.lstrip("#"))
        if not isinstance(channel, discord.abc.Messageable):
            log.warning("channel %s not found in server %s (or the bot cannot see it)", ref.name or ref.id, ref.community.id)
            return None
        return channel

    async def _channel_named(self, guild_id: int, name: str) -> Any:
        """A text channel of a server by name, through the REST API (GET /guilds/{id}, then its channels)."""
        try:
            guild = await self.client.fetch_guild(guild_id)
            return discord.utils.get([c for c in await guild.fetch_channels() if isinstance(c, discord.TextChannel)], name=name)
        except (discord.NotFound, discord.Forbidden):
            return None

    async def _send_message(self, action: SendMessage) -> MessageRef | None:
        channel = await self._channel(action.channel)
        if channel is None:
            return None
        kwargs = render(action.message, self.button_item).kwargs()
        reply_to = action.reply_to
        if reply_to is not None and reply_to.id.isdigit():
            in_thread = reply_to.thread if reply_to.thread and reply_to.thread.isdigit() else None
            if in_thread:
                channel = await self._channel(ChannelRef(action.channel.community, in_thread)) or channel
            if reply_to.id != in_thread:  # the thread's starter message is answered by posting in the thread
                ref_channel = in_thread or (reply_to.channel.id if reply_to.channel.id.isdigit() else str(getattr(channel, "id", 0)))
                kwargs["reference"] = discord.MessageReference(message_id=int(reply_to.id), channel_id=int(ref_channel), fail_if_not_exists=False)
        sent = await channel.send(**kwargs)
        chan, thread = translate.channel_ref(int(action.channel.community.id) if action.channel.community.id.isdigit() else 0, sent.channel)
        return MessageRef(replace(chan, community=action.channel.community), str(sent.id), thread)

    async def _user(self, member: MemberRef) -> discord.User | None:
        if not member.id.isdigit():
            return None
        user = self.client.get_user(int(member.id))
        if user is None:
            try:
                user = await self.client.fetch_user(int(member.id))
            except discord.NotFound:
                return None
        return user

    async def _send_dm(self, action: SendDM) -> MessageRef | None:
        user = await self._user(action.member)
        try:
            if user is None:
                raise LookupError(action.member.id)
            message = action.message
            if message.buttons and action.member.community.id.isdigit():  # a DM has no server: its buttons say which one
                message = replace(message, buttons=tuple(replace(b, custom_id=scoped(b.custom_id, action.member.community.id)) for b in message.buttons))
            sent = await user.send(**render(message, self.button_item).kwargs())
        except (discord.Forbidden, LookupError):
            if action.fallback is None:
                log.info("DM to member %s not delivered (DMs closed) and no fallback channel", action.member.id)
                return None
            log.info("DMs of member %s are closed: posting in %s instead", action.member.id, action.fallback.name or action.fallback.id)
            message = replace(action.message, mentions=(*action.message.mentions, action.member.id))
            return await self._send_message(SendMessage(action.fallback, message))
        if action.member.community.id.isdigit():
            self.dm_guilds[sent.id] = int(action.member.community.id)
            while len(self.dm_guilds) > DM_MEMORY:
                self.dm_guilds.popitem(last=False)
        return MessageRef(ChannelRef(action.member.community, str(sent.channel.id), "DM"), str(sent.id))

    async def _change_role(self, action: GrantRole | RemoveRole) -> None:
        community = action.member.community
        guild = self.client.get_guild(int(community.id)) if community.id.isdigit() else None
        if guild is None and self.rest_only and community.id.isdigit():
            try:
                guild = await self.client.fetch_guild(int(community.id))  # with its roles
            except (discord.NotFound, discord.Forbidden):
                guild = None
        if guild is None or not action.member.id.isdigit():
            log.warning("cannot change roles of %s in %s: unknown server or member", action.member.id, community.id)
            return
        wanted = action.role.strip()
        role = guild.get_role(int(wanted)) if wanted.isdigit() else None
        role = role or next((r for r in guild.roles if r.name.casefold() == wanted.casefold()), None)
        if role is None:
            log.warning("role %r does not exist in server %s: create it or fix the configuration", action.role, guild.id)
            return
        member = guild.get_member(int(action.member.id)) or await guild.fetch_member(int(action.member.id))
        try:
            if isinstance(action, GrantRole):
                await member.add_roles(role, reason="engagebot")
            else:
                await member.remove_roles(role, reason="engagebot")
        except discord.Forbidden:
            log.warning("cannot change role %r: give the bot 'Manage Roles' and put its role above %r", role.name, role.name)
