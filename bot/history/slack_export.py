"""Slack workspace exports (the admin's zip, or its folder), streamed day file by day file into core events.

The format (Slack's help "How to read Slack data exports", slack.com/help/articles/220556107, and the message
object of the Web API docs): `users.json` (or `org_users.json` on Enterprise Grid) lists members
`{id, team_id, name, real_name, deleted, is_bot, profile{display_name, real_name}}`; `channels.json` (public) and
`groups.json` (private) list `{id, name, is_general, …}`; each channel has a folder named after it holding one
`YYYY-MM-DD.json` per day: an array of messages `{type, subtype, ts, user, text, thread_ts, parent_user_id,
reply_count, reactions[{name, users, count}], bot_id, edited{user, ts}, …}`. DMs (`dms.json`, `mpims.json`) are
not community channels and are left out, as live.

Ids agree with `bot/adapters/slack/translate.py`: the community is the team id, a message is its `ts` in its
channel's id, a thread reply answers its `thread_ts` and its `parent_user_id`, a reaction is
`ts:member:emoji` with the emoji of `emoji_of` (the tables below are checked equal to the adapter's by a test;
they are copied because importing the adapter package would load slack_bolt).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import ijson

from bot.core.events import Event, MemberJoined, MemberLeft, MessagePosted, ReactionAdded
from bot.core.refs import ChannelRef, CommunityRef, MemberRef, MessageRef, Platform
from bot.history.dce import Counting
from bot.history.files import SourceError, Tree, ZipLimits
from bot.history.tally import Tally

USER_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
POST_SUBTYPES = frozenset({None, "thread_broadcast", "file_share", "me_message"})
BOT_SUBTYPES = frozenset({"bot_message"})  # a bot's post: recorded with its author flagged as a bot (KPIs skip bots)
EMOJI = {
    "+1": "👍", "thumbsup": "👍", "-1": "👎", "thumbsdown": "👎", "heart": "❤️", "tada": "🎉", "clap": "👏",
    "wave": "👋", "fire": "🔥", "eyes": "👀", "raised_hands": "🙌", "white_check_mark": "✅", "100": "💯",
    "joy": "😂", "smile": "😄", "slightly_smiling_face": "🙂", "rocket": "🚀", "pray": "🙏", "star": "⭐",
    "bulb": "💡", "muscle": "💪", "thinking_face": "🤔", "sparkles": "✨", "heavy_check_mark": "✔️",
    "zero": "0️⃣", "one": "1️⃣", "two": "2️⃣", "three": "3️⃣", "four": "4️⃣", "five": "5️⃣", "six": "6️⃣",
    "seven": "7️⃣", "eight": "8️⃣", "nine": "9️⃣", "keycap_ten": "🔟",
}
MESSAGE_FIELDS = frozenset({
    "type", "subtype", "ts", "user", "text", "thread_ts", "parent_user_id", "reply_count", "reply_users_count", "reply_users",
    "latest_reply", "replies", "subscribed", "last_read", "reactions", "bot_id", "bot_profile", "username", "icons", "edited",
    "user_profile", "user_team", "source_team", "team", "client_msg_id", "blocks", "attachments", "files", "upload", "display_as_bot",
    "is_locked", "hidden", "inviter", "purpose", "topic", "name", "old_name", "pinned_to", "pinned_info", "item_type", "item",
    "comment", "root", "app_id", "is_starred", "x_files", "is_thread_broadcast", "reply_broadcast", "metadata", "channel", "permalink",
    "no_notifications", "is_intro", "actions",
})


def emoji_of(reaction: str) -> str:
    """The emoji of a Slack reaction name (skin tones dropped); unknown names as `:name:` (as the live adapter)."""
    name = reaction.split("::")[0]
    return EMOJI.get(name, f":{name}:")


def ts_time(ts: str) -> datetime:
    """A Slack timestamp as an aware UTC datetime."""
    return datetime.fromtimestamp(float(ts), UTC)


class SlackExportReader:
    """Reads one export (zip or folder) into events; problems and skipped records go to the tally."""

    def __init__(self, tally: Tally, *, community: str | None = None, max_mentions: int = 50, limits: ZipLimits | None = None) -> None:
        self.tally = tally
        self.community_id = community
        self.max_mentions = max_mentions
        self.limits = limits
        self.users: dict[str, MemberRef] = {}

    def read(self, path: Path) -> Iterator[Event]:
        """Every event of the export; a file that cannot be read adds one problem line and the rest goes on."""
        try:
            tree = Tree(path, self.limits)
        except SourceError as err:
            self.tally.problems.append(str(err))
            return
        try:
            if not tree.exists("channels.json"):
                self.tally.problems.append(f"{path}: not a Slack export (no channels.json at its top)")
                return
            channels = self._list(tree, "channels.json") + (self._list(tree, "groups.json") if tree.exists("groups.json") else [])
            users_file = "users.json" if tree.exists("users.json") else "org_users.json"
            raw_users = self._list(tree, users_file) if tree.exists(users_file) else []
            community = self._community(path, raw_users, channels, tree)
            if community is None:
                return
            self._people(community, raw_users)
            general = {str(c["id"]) for c in channels if c.get("is_general")}
            days = [(c, name) for c in channels for name in tree.files_in(str(c.get("name") or ""))]
            self.tally.bytes_total += sum(tree.size(name) for _, name in days)
            for c in channels:
                self.tally.channel(str(community), str(c["id"]), str(c.get("name") or c["id"]))
            for channel, name in days:
                chan = ChannelRef(community, str(channel["id"]), channel.get("name"))
                joins = not general or chan.id in general  # a workspace join shows as a join of #general
                yield from self._day(tree, name, chan, joins)
        finally:
            tree.close()

    def _list(self, tree: Tree, name: str) -> list[dict[str, Any]]:
        """A top-level list file, streamed (users.json can be large); entries without an id are skipped."""
        try:
            with tree.open(name) as raw:
                items = [i for i in ijson.items(raw, "item", use_float=True) if isinstance(i, dict) and i.get("id")]
            self.tally.files_read += 1
            return items
        except (ijson.JSONError, SourceError, OSError) as err:
            self.tally.problems.append(f"{tree.label(name)}: cannot be read ({_short(err)})")
            return []

    def _community(self, path: Path, users: list[dict[str, Any]], channels: list[dict[str, Any]], tree: Tree) -> CommunityRef | None:
        """The workspace: --community, else the team id users.json gives."""
        team = self.community_id or next((str(u["team_id"]) for u in users if u.get("team_id")), None)
        if team is None:
            self.tally.problems.append(f"{path}: no team id in users.json: pass --community T… (the workspace id)")
            return None
        if not channels:
            self.tally.notes.append(f"{path}: channels.json lists no channel")
        return CommunityRef(Platform.SLACK, team)

    def _people(self, community: CommunityRef, users: list[dict[str, Any]]) -> None:
        deleted = 0
        for u in users:
            profile = u.get("profile") or {}
            name = profile.get("display_name") or u.get("real_name") or profile.get("real_name") or u.get("name")
            self.users[str(u["id"])] = MemberRef(community, str(u["id"]), str(name) if name else None, bool(u.get("is_bot") or u.get("is_app_user")))
            deleted += bool(u.get("deleted"))
        if deleted:
            self.tally.notes.append(f"{deleted} deactivated accounts in users.json: the export gives no date, so no leave is recorded for them")

    def _member(self, community: CommunityRef, user: str, bot: bool = False) -> MemberRef:
        found = self.users.get(user)
        if found is None:
            found = self.users[user] = MemberRef(community, user, None, bot)
        elif bot and not found.bot:
            found = self.users[user] = MemberRef(community, user, found.name, True)
        return found

    def _day(self, tree: Tree, name: str, chan: ChannelRef, joins: bool) -> Iterator[Event]:
        tally, count, unknown = self.tally, 0, set[str]()
        try:
            with tree.open(name) as raw:
                for m in ijson.items(Counting(raw, tally), "item", use_float=True):
                    count += 1
                    if not isinstance(m, dict):
                        tally.skip("records that are not JSON objects")
                        continue
                    if m.keys() - MESSAGE_FIELDS:
                        unknown |= m.keys() - MESSAGE_FIELDS
                    yield from self._message(m, chan, joins)
            tally.files_read += 1
        except SourceError as err:
            tally.problems.append(str(err))
        except (ijson.JSONError, OSError) as err:
            tally.problems.append(f"{tree.label(name)}: cannot be read after {count} messages ({_short(err)}); those were imported")
        if unknown:
            tally.notes.append(f"{tree.label(name)}: fields not in Slack's export format, ignored: {', '.join(sorted(unknown))}")

    def _message(self, m: dict[str, Any], chan: ChannelRef, joins: bool) -> Iterator[Event]:
        tally, community = self.tally, chan.community
        subtype, user, ts = m.get("subtype"), m.get("user"), m.get("ts")
        try:
            at = ts_time(str(ts))
        except (TypeError, ValueError):
            tally.skip("messages without a valid ts")
            return
        if m.get("type", "message") != "message":
            tally.skip(f"records of type {m.get('type')!r}")
            return
        if subtype in ("channel_join", "channel_leave"):
            if user and joins:
                who = self._member(community, str(user))
                if subtype == "channel_join":
                    tally.joins += 1
                    yield MemberJoined(member=who, at=at)
                else:
                    tally.leaves += 1
                    yield MemberLeft(member=who, at=at)
            else:
                tally.skip("joins and leaves of channels other than #general (not the workspace's)")
            return
        bot = bool(m.get("bot_id")) or subtype in BOT_SUBTYPES
        if not bot and subtype not in POST_SUBTYPES:
            tally.skip(f"messages of subtype {subtype} (not a post)" if subtype != "tombstone" else "deleted thread roots (tombstones)")
            return
        if not user:
            tally.skip("bot messages without a member (no user id)")
            return
        if bot and (known := self.users.get(str(user))) is not None and not known.bot:
            tally.skip("messages an app posted for a member (bot_id set): not the member's posts, as live")
            return
        author = self._member(community, str(user), bot)
        tally.authors.add((community.id, author.id))
        ts, root = str(ts), m.get("thread_ts")
        in_thread = bool(root) and str(root) != ts
        parent = m.get("parent_user_id")
        text = str(m.get("text") or "")
        if m.get("edited"):
            tally.edited += 1
        counts = tally.channel(str(community), chan.id, chan.name)
        counts.posts += 1
        ref = MessageRef(chan, ts, str(root) if in_thread else None)
        yield MessagePosted(
            message=ref, author=author, text=text, at=at,
            reply_to=MessageRef(chan, str(root)) if in_thread else None,
            reply_to_author=self._member(community, str(parent)) if in_thread and parent else None,
            mentions=self._mentions(community, text, author.id),
        )
        for reaction in m.get("reactions") or ():
            users = reaction.get("users") or ()
            missing = int(reaction.get("count") or 0) - len(users)
            if missing > 0:
                tally.reactions_without_users += missing  # Slack's export lists at most a few dozen users per reaction
            emoji = emoji_of(str(reaction.get("name") or ""))
            for u in users:
                counts.reactions += 1
                yield ReactionAdded(message=ref, member=self._member(community, str(u)), emoji=emoji, message_author=author, at=at)

    def _mentions(self, community: CommunityRef, text: str, author: str) -> tuple[MemberRef, ...]:
        if "<@" not in text:
            return ()
        ids = list(dict.fromkeys(u for u in USER_MENTION.findall(text) if u != author))
        if len(ids) > self.max_mentions:
            self.tally.mentions_capped += 1
            ids = ids[: self.max_mentions]
        return tuple(self._member(community, u) for u in ids)


def _short(err: BaseException) -> str:
    text = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
    return text[:120]
