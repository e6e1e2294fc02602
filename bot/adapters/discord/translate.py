"""Discord payloads to core events: members, messages (replies, threads, mentions), reactions, poll votes, buttons, commands."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import discord

from bot.core.events import (
    ButtonPressed,
    CommandInvoked,
    MemberJoined,
    MemberLeft,
    MessageDeleted,
    MessagePosted,
    PollVoted,
    ReactionAdded,
    ReactionRemoved,
)
from bot.core.refs import ChannelRef, CommunityRef, MemberRef, MessageRef, Platform

_POSTS = (discord.MessageType.default, discord.MessageType.reply)


def community(guild_id: int) -> CommunityRef:
    """The community of a guild."""
    return CommunityRef(Platform.DISCORD, str(guild_id))


def member_ref(guild_id: int, user: discord.abc.User | discord.Member | discord.User) -> MemberRef:
    """A guild member (or a user seen in a guild) as a reference, bots flagged."""
    return MemberRef(community(guild_id), str(user.id), user.display_name, user.bot)


def user_ref(guild: discord.Guild | None, guild_id: int, user_id: int) -> MemberRef:
    """A member by id, named when the guild's cache knows them."""
    cached = guild.get_member(user_id) if guild is not None else None
    if cached is not None:
        return member_ref(guild_id, cached)
    return MemberRef(community(guild_id), str(user_id))


def channel_ref(guild_id: int, channel: Any) -> tuple[ChannelRef, str | None]:
    """A channel reference and, for a thread, the thread id (a thread counts in its parent channel)."""
    if isinstance(channel, discord.Thread):
        parent = channel.parent
        name = parent.name if parent is not None else None
        return ChannelRef(community(guild_id), str(channel.parent_id), name), str(channel.id)
    return ChannelRef(community(guild_id), str(channel.id), getattr(channel, "name", None)), None


def channel_ref_by_id(client: discord.Client, guild_id: int, channel_id: int) -> tuple[ChannelRef, str | None]:
    """Like `channel_ref` from a raw channel id (uncached channels are taken as they are)."""
    channel = client.get_channel(channel_id)
    if channel is None:
        return ChannelRef(community(guild_id), str(channel_id)), None
    return channel_ref(guild_id, channel)


def message_posted(message: discord.Message, at: datetime, me: discord.abc.User | None) -> MessagePosted | None:
    """A member's post in a guild; None for DMs, system messages and the bot's own posts."""
    guild = message.guild
    if guild is None or message.type not in _POSTS or (me is not None and message.author.id == me.id):
        return None
    chan, thread = channel_ref(guild.id, message.channel)
    ref = MessageRef(chan, str(message.id), thread)
    reply_to: MessageRef | None = None
    reply_author: MemberRef | None = None
    reference = message.reference
    if reference is not None and reference.message_id is not None and reference.type is discord.MessageReferenceType.reply:
        target_chan = chan if reference.channel_id in (message.channel.id, None) else ChannelRef(chan.community, str(reference.channel_id))
        reply_to = MessageRef(target_chan, str(reference.message_id), thread)
        resolved = reference.resolved or reference.cached_message
        if isinstance(resolved, discord.Message):
            reply_author = member_ref(guild.id, resolved.author)
    elif thread is not None and str(message.id) != thread:
        # a post in a thread answers the message the thread was started from (same id as the thread)
        reply_to = MessageRef(chan, thread, thread)
        starter = message.channel.starter_message if isinstance(message.channel, discord.Thread) else None
        if starter is not None:
            reply_author = member_ref(guild.id, starter.author)
    mentions = tuple(dict.fromkeys(member_ref(guild.id, u) for u in message.mentions if u.id != message.author.id))
    return MessagePosted(
        message=ref, author=member_ref(guild.id, message.author), text=message.content, at=at,
        reply_to=reply_to, reply_to_author=reply_author, mentions=mentions,
    )


def messages_deleted(client: discord.Client, guild_id: int | None, channel_id: int, message_ids: Iterable[int], at: datetime) -> list[MessageDeleted]:
    """Posts deleted in a server (MESSAGE_DELETE, MESSAGE_DELETE_BULK: raw events, cached or not)."""
    if guild_id is None:
        return []
    chan, thread = channel_ref_by_id(client, guild_id, channel_id)
    return [MessageDeleted(message=MessageRef(chan, str(i), thread), at=at) for i in message_ids]


def member_joined(member: discord.Member, at: datetime) -> MemberJoined:
    """A member joined a guild."""
    return MemberJoined(member=member_ref(member.guild.id, member), at=at)


def member_left(payload: discord.RawMemberRemoveEvent, at: datetime) -> MemberLeft:
    """A member left a guild (raw event: works for uncached members)."""
    return MemberLeft(member=member_ref(payload.guild_id, payload.user), at=at)


def reaction(client: discord.Client, payload: discord.RawReactionActionEvent, at: datetime) -> ReactionAdded | ReactionRemoved | None:
    """A reaction added or removed (raw event: counts on uncached messages); None outside guilds or for the bot's own."""
    if payload.guild_id is None or (client.user is not None and payload.user_id == client.user.id):
        return None
    guild = client.get_guild(payload.guild_id)
    chan, thread = channel_ref_by_id(client, payload.guild_id, payload.channel_id)
    message = MessageRef(chan, str(payload.message_id), thread)
    member = member_ref(payload.guild_id, payload.member) if payload.member else user_ref(guild, payload.guild_id, payload.user_id)
    emoji = str(payload.emoji)
    if payload.event_type == "REACTION_REMOVE":
        return ReactionRemoved(message=message, member=member, emoji=emoji, at=at)
    author_id = payload.message_author_id
    if author_id is None:
        cached = discord.utils.get(client.cached_messages, id=payload.message_id)
        author_id = cached.author.id if cached is not None else None
    author = user_ref(guild, payload.guild_id, author_id) if author_id is not None else None
    return ReactionAdded(message=message, member=member, emoji=emoji, message_author=author, at=at)


def poll_vote(client: discord.Client, payload: discord.RawPollVoteActionEvent, removed: bool, at: datetime) -> PollVoted | None:
    """A vote in a native poll (`answer_id` counts from 1 on Discord, `choice` from 0 in the core)."""
    if payload.guild_id is None:
        return None
    chan, thread = channel_ref_by_id(client, payload.guild_id, payload.channel_id)
    member = user_ref(client.get_guild(payload.guild_id), payload.guild_id, payload.user_id)
    return PollVoted(message=MessageRef(chan, str(payload.message_id), thread), member=member, choice=payload.answer_id - 1, removed=removed, at=at)


def _caller(interaction: discord.Interaction[Any], guild_id: int) -> tuple[MemberRef, frozenset[str], bool]:
    user = interaction.user
    roles: set[str] = set()
    is_admin = interaction.permissions.manage_guild
    if isinstance(user, discord.Member):
        roles = {str(role.id) for role in user.roles if not role.is_default()}  # ids only: anyone may name a role "Manager"
        is_admin = is_admin or user.guild_permissions.manage_guild
    return member_ref(guild_id, user), frozenset(roles), is_admin


def command_invoked(interaction: discord.Interaction[Any], name: str, options: dict[str, Any], at: datetime) -> CommandInvoked:
    """A slash command: typed options, the caller's role ids, Manage Server as admin, their locale."""
    guild_id = interaction.guild_id or 0
    member, roles, is_admin = _caller(interaction, guild_id)
    # answers go where the command was typed (a thread included)
    channel = interaction.channel
    chan = ChannelRef(community(guild_id), str(interaction.channel_id or 0), getattr(channel, "name", None))
    return CommandInvoked(
        name=name, member=member, channel=chan, options=options, roles=roles, is_admin=is_admin,
        locale=interaction.locale.value, interaction_id=str(interaction.id), at=at,
    )


def option_value(guild_id: int, value: Any) -> Any:
    """A slash command option value in core terms (members become `MemberRef`s, channels their id)."""
    if isinstance(value, discord.Member | discord.User):
        return member_ref(guild_id, value)
    if isinstance(value, discord.abc.GuildChannel | discord.Thread | discord.app_commands.AppCommandChannel | discord.app_commands.AppCommandThread):
        return str(value.id)
    if isinstance(value, discord.Role):
        return str(value.id)
    return value


def button_pressed(interaction: discord.Interaction[Any], custom_id: str, guild_id: int, at: datetime) -> ButtonPressed:
    """A press on one of the bot's buttons (`guild_id` is the community, also for buttons in DMs)."""
    member, _roles, _admin = _caller(interaction, guild_id)
    message: MessageRef | None = None
    if interaction.message is not None:
        chan, thread = channel_ref_by_id(interaction.client, guild_id, interaction.message.channel.id)
        message = MessageRef(chan, str(interaction.message.id), thread)
    data: dict[str, Any] = dict(interaction.data or {})
    values = tuple(str(v) for v in data.get("values", ()))
    return ButtonPressed(custom_id=custom_id, member=member, message=message, interaction_id=str(interaction.id), values=values, at=at)
