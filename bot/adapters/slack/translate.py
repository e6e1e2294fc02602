"""Slack payloads (Events API, interactivity, slash commands) translated into core events."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from bot.core.events import ButtonPressed, Event, MemberJoined, MemberLeft, MessageDeleted, MessagePosted, ReactionAdded, ReactionRemoved
from bot.core.refs import ChannelRef, CommunityRef, MemberRef, MessageRef, Platform

Payload = Mapping[str, Any]

USER_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
CHANNEL_MENTION = re.compile(r"^<#([CGD][A-Z0-9]+)(?:\|[^>]*)?>$")
# message subtypes that are a member's post; every other subtype (edits, deletions, joins…) is not
POST_SUBTYPES = frozenset({None, "thread_broadcast", "file_share", "me_message"})
# Slack reaction names → the emoji other platforms send, so cogs can compare them
EMOJI = {
    "+1": "👍", "thumbsup": "👍", "-1": "👎", "thumbsdown": "👎", "heart": "❤️", "tada": "🎉", "clap": "👏",
    "wave": "👋", "fire": "🔥", "eyes": "👀", "raised_hands": "🙌", "white_check_mark": "✅", "100": "💯",
    "joy": "😂", "smile": "😄", "slightly_smiling_face": "🙂", "rocket": "🚀", "pray": "🙏", "star": "⭐",
    "bulb": "💡", "muscle": "💪", "thinking_face": "🤔", "sparkles": "✨", "heavy_check_mark": "✔️",
    # keycaps: members vote in polls by reacting with them
    "zero": "0️⃣", "one": "1️⃣", "two": "2️⃣", "three": "3️⃣", "four": "4️⃣", "five": "5️⃣", "six": "6️⃣",
    "seven": "7️⃣", "eight": "8️⃣", "nine": "9️⃣", "keycap_ten": "🔟",
}


@dataclass(frozen=True, slots=True)
class Workspace:
    """What translation needs to know about the workspace: the bot's own user and the community channels."""

    team_id: str
    bot_user_id: str | None = None
    community_channels: frozenset[str] = field(default_factory=frozenset)

    @property
    def community(self) -> CommunityRef:
        """The workspace as a community."""
        return community_of(self.team_id)


def community_of(team_id: str) -> CommunityRef:
    """The community reference of a Slack workspace."""
    return CommunityRef(Platform.SLACK, team_id)


def ts_time(ts: str | float | int | None, default: datetime) -> datetime:
    """A Slack timestamp (`"1767600000.000100"` or epoch seconds) as an aware UTC datetime."""
    if ts in (None, ""):
        return default
    try:
        return datetime.fromtimestamp(float(ts), UTC)
    except (TypeError, ValueError):
        return default


def emoji_of(reaction: str) -> str:
    """The emoji of a Slack reaction name (skin tones dropped); unknown names as `:name:`."""
    name = reaction.split("::")[0]
    return EMOJI.get(name, f":{name}:")


def mentions_in(text: str, ws: Workspace, author: str | None = None) -> tuple[MemberRef, ...]:
    """The distinct members mentioned (`<@U…>`) in a message text, the author excepted."""
    ids = dict.fromkeys(m for m in USER_MENTION.findall(text or "") if m != author)
    return tuple(member(ws, uid) for uid in ids)


def member(ws: Workspace, user_id: str, name: str | None = None, bot: bool = False) -> MemberRef:
    """A member of the workspace; the bot's own user is flagged as a bot."""
    return MemberRef(ws.community, user_id, name, bot or user_id == ws.bot_user_id)


def channel_arg(word: str) -> str:
    """A slash-command word: an escaped channel mention `<#C1|general>` becomes the channel id."""
    m = CHANNEL_MENTION.match(word)
    return m.group(1) if m else word


def event_of(body: Payload, ws: Workspace, now: datetime) -> Event | None:
    """The core event of an Events API envelope, or None when it is not one the bot counts."""
    event: Payload = body.get("event") or {}
    kind = event.get("type")
    at = ts_time(event.get("event_ts") or body.get("event_time"), now)
    if kind == "team_join":
        user: Payload = event.get("user") or {}
        if not user.get("id"):
            return None
        name = (user.get("profile") or {}).get("display_name") or user.get("real_name") or user.get("name")
        return MemberJoined(member=member(ws, user["id"], name or None, bool(user.get("is_bot"))), at=at)
    if kind in ("member_joined_channel", "member_left_channel"):
        if event.get("channel") not in ws.community_channels or not event.get("user"):
            return None
        who = member(ws, event["user"])
        return MemberJoined(member=who, at=at) if kind == "member_joined_channel" else MemberLeft(member=who, at=at)
    if kind == "user_change":
        user = event.get("user") or {}
        if user.get("deleted") and user.get("id"):
            return MemberLeft(member=member(ws, user["id"], None, bool(user.get("is_bot"))), at=at)
        return None
    if kind == "message":
        if event.get("subtype") == "message_deleted" and event.get("deleted_ts") and event.get("channel"):
            return MessageDeleted(message=MessageRef(ChannelRef(ws.community, str(event["channel"])), str(event["deleted_ts"])), at=at)
        return message_of(event, ws, now)
    if kind in ("reaction_added", "reaction_removed"):
        return reaction_of(event, ws, at)
    return None


def message_of(event: Payload, ws: Workspace, now: datetime) -> MessagePosted | None:
    """A member's post (thread replies point at their thread's root); None for bots, edits and notices."""
    if event.get("subtype") not in POST_SUBTYPES or event.get("bot_id") or not event.get("user"):
        return None
    if event.get("channel_type") == "im" or not event.get("channel") or not event.get("ts"):
        return None
    channel = ChannelRef(ws.community, event["channel"])
    ts, root = str(event["ts"]), event.get("thread_ts")
    in_thread = bool(root) and root != ts
    author = member(ws, event["user"])
    reply_to = MessageRef(channel, str(root)) if in_thread else None
    parent = event.get("parent_user_id")
    return MessagePosted(
        message=MessageRef(channel, ts, str(root) if in_thread else None),
        author=author,
        text=event.get("text") or "",
        reply_to=reply_to,
        reply_to_author=member(ws, parent) if in_thread and parent else None,
        mentions=mentions_in(event.get("text") or "", ws, author.id),
        at=ts_time(ts, now),
    )


def reaction_of(event: Payload, ws: Workspace, at: datetime) -> ReactionAdded | ReactionRemoved | None:
    """A reaction on a message (reactions on files are ignored)."""
    item: Payload = event.get("item") or {}
    if item.get("type") != "message" or not event.get("user") or not item.get("channel") or not item.get("ts"):
        return None
    message = MessageRef(ChannelRef(ws.community, item["channel"]), str(item["ts"]))
    who, emoji = member(ws, event["user"]), emoji_of(event.get("reaction") or "")
    if event.get("type") == "reaction_removed":
        return ReactionRemoved(message=message, member=who, emoji=emoji, at=at)
    author = member(ws, event["item_user"]) if event.get("item_user") else None
    return ReactionAdded(message=message, member=who, emoji=emoji, message_author=author, at=at)


def button_of(body: Payload, ws: Workspace, now: datetime) -> ButtonPressed | None:
    """A click on one of the bot's buttons (or a choice in one of its menus)."""
    actions = body.get("actions") or []
    user: Payload = body.get("user") or {}
    if not actions or not user.get("id"):
        return None
    action: Payload = actions[0]
    custom_id = action.get("value") if action.get("type") == "button" else action.get("action_id")
    if not custom_id:
        return None
    values: tuple[str, ...] = ()
    if action.get("selected_option"):
        values = (str(action["selected_option"].get("value")),)
    elif action.get("selected_options"):
        values = tuple(str(o.get("value")) for o in action["selected_options"])
    container: Payload = body.get("container") or {}
    channel_id = (body.get("channel") or {}).get("id") or container.get("channel_id")
    message_ts = container.get("message_ts") or (body.get("message") or {}).get("ts")
    message = MessageRef(ChannelRef(ws.community, channel_id), str(message_ts), container.get("thread_ts")) if channel_id and message_ts else None
    interaction = body.get("trigger_id") or f"{user['id']}:{action.get('action_ts')}"
    return ButtonPressed(
        custom_id=str(custom_id), member=member(ws, user["id"], user.get("name") or user.get("username")),
        message=message, interaction_id=str(interaction), values=values, at=ts_time(action.get("action_ts"), now),
    )
