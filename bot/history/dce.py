"""DiscordChatExporter JSON exports, streamed message by message into core events with the live adapter's ids.

The format, as DiscordChatExporter's `JsonMessageWriter` writes it (github.com/Tyrrrz/DiscordChatExporter,
DiscordChatExporter.Core/Exporting/JsonMessageWriter.cs; checked against the 2026-03 sources): one object per
channel, `guild{id,name,iconUrl}` and `channel{id,type,categoryId,category,name,topic}` first (for a thread,
`categoryId`/`category` are the parent channel), then `dateRange`, `exportedAt`, `messages[]` and `messageCount`
last. A message: `id`, `type` (MessageKind names: Default, Reply, GuildMemberJoin, ThreadCreated…; unnamed kinds
as their number), `timestamp` / `timestampEdited` (ISO 8601 with offset), `isPinned`, `content`,
`author{id,name,discriminator,nickname,color,isBot,roles,avatarUrl}`, `attachments`, `embeds`, `stickers`,
`reactions[{emoji{id,name,code,isAnimated,imageUrl}, count, users[]}]` (`users` in recent versions only),
`mentions[]` (users), `reference{type,messageId,channelId,guildId}`, `forwardedMessage`, `interaction`, `inlineEmojis`.

Ids agree with `bot/adapters/discord/translate.py`: the community is the guild id, a message is its snowflake,
a thread's posts count in the parent channel and answer the thread's starter (same id as the thread), a
reaction is `message:member:emoji` with the emoji as discord.py prints it (`👍`, `<:name:id>`, `<a:name:id>`).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import IO, Any

import ijson

from bot.core.events import Event, MemberJoined, MessagePosted, ReactionAdded
from bot.core.refs import ChannelRef, CommunityRef, MemberRef, MessageRef, Platform
from bot.history.files import SourceError
from bot.history.tally import Tally
from storage.recent import RecentMap

POST_TYPES = frozenset({"Default", "Reply"})  # as discord.MessageType.default / reply, the only kinds the live bot records
THREAD_TYPES = frozenset({"GuildPublicThread", "GuildPrivateThread", "GuildNewsThread"})
DM_TYPES = frozenset({"DirectTextChat", "DirectGroupTextChat"})
MESSAGE_FIELDS = frozenset({
    "id", "type", "timestamp", "timestampEdited", "callEndedTimestamp", "isPinned", "content", "author", "attachments", "embeds",
    "stickers", "reactions", "mentions", "reference", "forwardedMessage", "interaction", "inlineEmojis", "poll", "components",
})
HEAD_EVENTS = 10_000
"""Parser events read looking for `guild`, `channel` and `messages` before the file is called another format."""


class Counting:
    """A binary file that counts the bytes read from it (the progress bar's position)."""

    def __init__(self, raw: IO[bytes], tally: Tally) -> None:
        self.raw, self.tally = raw, tally

    def read(self, n: int = -1) -> bytes:
        """Read and count."""
        data = self.raw.read(n)
        self.tally.bytes_done += len(data)
        return data


def discord_emoji(emoji: dict[str, Any]) -> str:
    """A reaction's emoji as discord.py's `str(PartialEmoji)`: the character itself, or `<:name:id>` (`<a:…>` when animated)."""
    ident = emoji.get("id")
    name = str(emoji.get("name") or "")
    if ident:
        return f"<{'a' if emoji.get('isAnimated') else ''}:{name}:{ident}>"
    return name


class DceReader:
    """Reads DCE files into events; what it skips or cannot read goes to the tally, one line per file."""

    def __init__(self, tally: Tally, *, max_mentions: int = 50) -> None:
        self.tally = tally
        self.max_mentions = max_mentions
        self.authors: RecentMap[str, MemberRef] = RecentMap()
        self._members: dict[tuple[str, str], MemberRef] = {}

    def read(self, path: Path) -> Iterator[Event]:
        """The events of one export file; a file that cannot be read whole adds one problem line (what came before it is kept)."""
        tally = self.tally
        try:
            size = path.stat().st_size
        except OSError as err:
            tally.problems.append(f"{path}: cannot read ({err.strerror})")
            return
        if size == 0:
            tally.problems.append(f"{path}: empty file (0 bytes), not a DiscordChatExporter export")
            return
        try:
            guild, channel = self._head(path)
        except SourceError as err:
            tally.problems.append(str(err))
            tally.bytes_done += size
            return
        tally.files_read += 1
        done_before = tally.bytes_done
        count, unknown = 0, set[str]()
        try:
            with path.open("rb") as raw:
                for message in ijson.items(Counting(raw, tally), "messages.item", use_float=True):
                    count += 1
                    if not isinstance(message, dict):
                        tally.skip("messages that are not JSON objects")
                        continue
                    if message.keys() - MESSAGE_FIELDS:
                        unknown |= message.keys() - MESSAGE_FIELDS
                    yield from self._message(message, guild, channel)
        except ijson.JSONError as err:
            tally.problems.append(f"{path}: truncated or invalid JSON after {count} messages ({_short(err)}); those were imported")
        except OSError as err:
            tally.problems.append(f"{path}: read error after {count} messages ({err})")
        tally.bytes_done = done_before + size
        if unknown:
            tally.notes.append(f"{path}: fields not in DCE's format, ignored: {', '.join(sorted(unknown))}")
        if count == 0:
            tally.notes.append(f"{path}: no messages (an empty channel)")

    def _head(self, path: Path) -> tuple[CommunityRef, tuple[ChannelRef, str | None]]:
        """The guild and channel objects at the top of the file (DCE writes them before `messages`)."""
        found: dict[str, dict[str, Any]] = {}
        builders: dict[str, Any] = {}
        with path.open("rb") as raw:
            try:
                for n, (prefix, event, value) in enumerate(ijson.parse(raw)):
                    if n == 0 and event != "start_map":
                        raise SourceError(f"{path}: not a DiscordChatExporter JSON export (the top is not an object: another format?)")
                    if prefix == "messages" and event == "start_array" or n > HEAD_EVENTS:
                        break
                    top = prefix.split(".", 1)[0]
                    if top in ("guild", "channel"):
                        builder = builders.setdefault(top, ijson.ObjectBuilder())
                        builder.event(event, value)
                        if prefix == top and event == "end_map":
                            found[top] = builder.value
            except ijson.JSONError as err:
                raise SourceError(f"{path}: not valid JSON ({_short(err)})") from None
        guild, channel = found.get("guild"), found.get("channel")
        if not isinstance(guild, dict) or not isinstance(channel, dict) or not guild.get("id") or not channel.get("id"):
            raise SourceError(f"{path}: not a DiscordChatExporter JSON export (no guild and channel objects before `messages`)")
        if channel.get("type") in DM_TYPES:
            raise SourceError(f"{path}: a direct-message export, not a server channel: skipped")
        community = CommunityRef(Platform.DISCORD, str(guild["id"]))
        if channel.get("type") in THREAD_TYPES and channel.get("categoryId"):
            # a thread counts in its parent channel, as live (DCE calls the parent the "category")
            chan = ChannelRef(community, str(channel["categoryId"]), channel.get("category"))
            return community, (chan, str(channel["id"]))
        return community, (ChannelRef(community, str(channel["id"]), channel.get("name")), None)

    def _member(self, community: CommunityRef, user: dict[str, Any]) -> MemberRef:
        key = (community.id, str(user["id"]))
        found = self._members.get(key)
        if found is None:
            name = user.get("nickname") or user.get("name")
            found = self._members[key] = MemberRef(community, key[1], str(name) if name else None, bool(user.get("isBot")))
        return found

    def _message(self, m: dict[str, Any], community: CommunityRef, where: tuple[ChannelRef, str | None]) -> Iterator[Event]:
        tally = self.tally
        try:
            mid, kind, user = str(m["id"]), m.get("type"), m["author"]
            at = datetime.fromisoformat(m["timestamp"])
            author = self._member(community, user)
        except (KeyError, TypeError, ValueError) as err:
            tally.skip(f"malformed messages ({type(err).__name__}: {err})")
            return
        if at.tzinfo is None:
            tally.skip("messages whose timestamp has no UTC offset")
            return
        if kind not in POST_TYPES:
            if kind == "GuildMemberJoin":
                tally.joins += 1
                yield MemberJoined(member=author, at=at)
            else:
                tally.skip(f"system messages ({kind})")
            return
        chan, thread = where
        ref = MessageRef(chan, mid, thread)
        reply_to: MessageRef | None = None
        reference = m.get("reference")
        if reference and reference.get("messageId") and reference.get("type", "Default") == "Default":
            target = str(reference["messageId"])
            other = reference.get("channelId")
            target_chan = chan if other in (None, chan.id, thread) else ChannelRef(community, str(other))
            reply_to = MessageRef(target_chan, target, thread)
        elif thread is not None and mid != thread:
            reply_to = MessageRef(chan, thread, thread)  # a thread post answers the thread's starter
        if m.get("timestampEdited"):
            tally.edited += 1
        mentions: tuple[MemberRef, ...] = ()
        if m.get("mentions"):
            mentions = self._mentions(community, m["mentions"], author.id)
        self.authors[mid] = author
        tally.authors.add((community.id, author.id))  # authors of posts, as chat-analytics counts them
        counts = tally.channel(str(community), chan.id, chan.name)
        counts.posts += 1
        yield MessagePosted(
            message=ref, author=author, text=m.get("content") or "", at=at, reply_to=reply_to,
            reply_to_author=self.authors.get(reply_to.id) if reply_to is not None else None, mentions=mentions,
        )
        for reaction in m.get("reactions") or ():
            users = reaction.get("users") or ()
            missing = int(reaction.get("count") or 0) - len(users)
            if missing > 0:
                tally.reactions_without_users += missing
            if not users:
                continue
            emoji = discord_emoji(reaction.get("emoji") or {})
            for u in users:
                counts.reactions += 1
                yield ReactionAdded(message=ref, member=self._member(community, u), emoji=emoji, message_author=author, at=at)

    def _mentions(self, community: CommunityRef, users: list[dict[str, Any]], author: str) -> tuple[MemberRef, ...]:
        """The distinct members mentioned, the author excepted (as live), at most `max_mentions`."""
        seen: dict[str, MemberRef] = {}
        for u in users:
            uid = str(u.get("id") or "")
            if uid and uid != author and uid not in seen:
                seen[uid] = self._member(community, u)
        if len(seen) > self.max_mentions:
            self.tally.mentions_capped += 1
            return tuple(seen.values())[: self.max_mentions]
        return tuple(seen.values())


def _short(err: Exception) -> str:
    text = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
    return text[:120]
