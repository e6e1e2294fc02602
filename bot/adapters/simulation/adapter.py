"""The simulation adapter: a community in memory, for tests, scripts, the console and the demo."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime

from bot.adapters.base import AppPort, Capability
from bot.commands import Reply, split_words
from bot.core.actions import Action, EndPoll, GrantRole, RemoveRole, SendDM, SendMessage
from bot.core.clock import Clock
from bot.core.events import (
    ButtonPressed,
    CommandInvoked,
    MemberJoined,
    MemberLeft,
    MessageDeleted,
    MessagePosted,
    ReactionAdded,
    ReactionRemoved,
)
from bot.core.message import Message, as_plain
from bot.core.refs import ChannelRef, CommunityRef, MemberRef, MessageRef, Platform


@dataclass(frozen=True, slots=True)
class Entry:
    """One line of the transcript: a member's post, a bot post, a DM, a private answer, a role change."""

    kind: str  # post | bot | dm | ephemeral | role | join | leave | react | notice
    at: datetime
    text: str
    ref: MessageRef | None = None
    member: MemberRef | None = None
    channel: ChannelRef | None = None
    message: Message | None = None
    reply_to: MessageRef | None = None


@dataclass(slots=True)
class Posted:
    """A message that exists in the simulated community."""

    ref: MessageRef
    author: MemberRef | None
    text: str
    message: Message | None = None


class SimulationError(ValueError):
    """A mistake in a simulated action (unknown message id, no such button…)."""


@dataclass
class SimulationAdapter:
    """An in-memory community that speaks the `Adapter` protocol and plays members' actions."""

    community: CommunityRef
    clock: Clock
    bot_name: str = "engagebot"
    capabilities: frozenset[Capability] = frozenset(
        {Capability.BUTTONS, Capability.ROLES, Capability.DMS, Capability.IMAGES, Capability.THREADS, Capability.EPHEMERAL}
    )
    members: dict[str, MemberRef] = field(default_factory=dict)
    roles: dict[str, set[str]] = field(default_factory=dict)
    ended_polls: list[MessageRef] = field(default_factory=list)
    admins: set[str] = field(default_factory=set)
    dm_closed: set[str] = field(default_factory=set)
    unreachable: set[str] = field(default_factory=set)
    """Members and channels (ids) a send to fails, as when the platform's API errors (tests of retries)."""
    present: set[str] = field(default_factory=set)
    messages: dict[str, Posted] = field(default_factory=dict)
    transcript: list[Entry] = field(default_factory=list)
    observers: list[Callable[[Entry], None]] = field(default_factory=list)
    app: AppPort | None = None
    session: str = ""
    """Carried in every message's external id (`SESSION.m3`): two console sessions on one database never share an id."""
    labels: dict[str, str] = field(default_factory=dict)
    """Labels given to posts (`@welcome` → `m4`), so scripts can name a post whatever its number."""
    _ids: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    @property
    def platform(self) -> Platform:
        """The platform this simulated community pretends to be."""
        return self.community.platform

    # --- Adapter protocol -------------------------------------------------------------
    async def start(self, app: AppPort) -> None:
        """Remember the app to deliver events to."""
        self.app = app

    async def stop(self) -> None:
        """Nothing to disconnect."""

    async def send(self, action: Action) -> MessageRef | None:
        """Carry out a bot action in memory and log it in the transcript."""
        now = self.clock.now()
        target = action.channel.id if isinstance(action, SendMessage) else action.member.id if isinstance(action, SendDM) else None
        if target in self.unreachable:
            raise SimulationError(f"sending to {target} failed (the platform answered with an error)")
        if isinstance(action, SendMessage | SendDM):  # a plain-text platform: members see their texts as typed
            action = replace(action, message=as_plain(action.message))
        if isinstance(action, SendMessage):
            ref = self._new_ref(action.channel, thread=action.reply_to.id if action.reply_to else None)
            self.messages[self.short_id(ref)] = Posted(ref, None, action.message.plain_text(), action.message)
            self._emit(Entry("bot", now, action.message.plain_text(), ref=ref, channel=action.channel, message=action.message, reply_to=action.reply_to))
            return ref
        if isinstance(action, SendDM):
            if action.member.id in self.dm_closed or action.member.id not in self.present and action.member.id in self.members:
                if action.fallback is None:
                    self._emit(Entry("notice", now, f"DM to {action.member.display} not delivered (DMs closed)", member=action.member))
                    return None
                mention = f"@{action.member.display} "
                msg = Message(body=mention + action.message.body, title=action.message.title, fields=action.message.fields,
                              buttons=action.message.buttons, footer=action.message.footer)
                return await self.send(SendMessage(action.fallback, msg))
            channel = ChannelRef(self.community, f"dm-{action.member.id}", f"DM {action.member.display}")
            ref = self._new_ref(channel)
            self.messages[self.short_id(ref)] = Posted(ref, None, action.message.plain_text(), action.message)
            self._emit(Entry("dm", now, action.message.plain_text(), ref=ref, member=action.member, channel=channel, message=action.message))
            return ref
        if isinstance(action, GrantRole):
            self.roles.setdefault(action.member.id, set()).add(action.role)
            self._emit(Entry("role", now, f"+{action.role}", member=action.member))
            return None
        if isinstance(action, RemoveRole):
            self.roles.setdefault(action.member.id, set()).discard(action.role)
            self._emit(Entry("role", now, f"-{action.role}", member=action.member))
            return None
        if isinstance(action, EndPoll):
            self.ended_polls.append(action.message)  # no native polls here: kept so that tests can see the request
            return None
        raise TypeError(f"unknown action {action!r}")

    # --- helpers ------------------------------------------------------------------------
    def channel(self, name: str) -> ChannelRef:
        """A channel of the simulated community, by name."""
        name = name.lstrip("#")
        return ChannelRef(self.community, name, name)

    def member(self, member_id: str, name: str | None = None, bot: bool = False) -> MemberRef:
        """A member by id (created on first use)."""
        if member_id not in self.members:
            self.members[member_id] = MemberRef(self.community, member_id, name or member_id, bot)
        return self.members[member_id]

    def _new_ref(self, channel: ChannelRef, thread: str | None = None) -> MessageRef:
        short = f"m{next(self._ids)}"
        return MessageRef(channel, f"{self.session}.{short}" if self.session else short, thread)

    def short_id(self, ref: MessageRef) -> str:
        """The id a person types (`m3`), without the session carried in the external id."""
        return ref.id.rpartition(".")[2] if self.session else ref.id

    def _emit(self, entry: Entry) -> None:
        self.transcript.append(entry)
        for observer in self.observers:
            observer(entry)

    def _app(self) -> AppPort:
        if self.app is None:
            raise RuntimeError("the simulation adapter is not started")
        return self.app

    def find(self, message_id: str) -> Posted:
        """A posted message by its short id."""
        wanted = self.labels.get(message_id.lstrip("@"), message_id) if message_id.startswith("@") else message_id
        posted = self.messages.get(wanted)
        if posted is None:
            raise SimulationError(f"no message {message_id}" if wanted == message_id else f"no post labelled {message_id}")
        return posted

    # --- members' actions -------------------------------------------------------------
    async def join(self, member_id: str, name: str | None = None, bot: bool = False) -> MemberRef:
        """A member joins."""
        member = self.member(member_id, name, bot)
        self.present.add(member_id)
        self._emit(Entry("join", self.clock.now(), f"{member.display} joined", member=member))
        await self._app().dispatch(MemberJoined(member=member, at=self.clock.now()))
        return member

    async def leave(self, member_id: str) -> None:
        """A member leaves."""
        member = self.member(member_id)
        self.present.discard(member_id)
        self._emit(Entry("leave", self.clock.now(), f"{member.display} left", member=member))
        await self._app().dispatch(MemberLeft(member=member, at=self.clock.now()))

    def _visible(self, posted: Posted, member_id: str, message_id: str) -> Posted:
        """A message the member can see: a direct message is its recipient's alone."""
        channel = posted.ref.channel.id
        if channel.startswith("dm-") and channel != f"dm-{member_id}":
            raise SimulationError(f"{message_id} is a direct message to {channel.removeprefix('dm-')}: only they can see it")
        return posted

    async def post(self, member_id: str, text: str, channel: str = "general", reply_to: str | None = None, mentions: Iterable[str] = ()) -> MessageRef:
        """A member posts (or replies to `reply_to`, in its channel and thread)."""
        author = self.member(member_id)
        target: Posted | None = self._visible(self.find(reply_to), member_id, reply_to) if reply_to else None
        chan = target.ref.channel if target else self.channel(channel)
        thread = (target.ref.thread or target.ref.id) if target else None
        ref = self._new_ref(chan, thread)
        self.messages[self.short_id(ref)] = Posted(ref, author, text)
        mentioned = tuple(self.member(m) for m in mentions) + tuple(
            self.members[w[1:]] for w in text.split() if w.startswith("@") and w[1:] in self.members and w[1:] not in mentions
        )
        self._emit(Entry("post", self.clock.now(), text, ref=ref, member=author, channel=chan, reply_to=target.ref if target else None))
        await self._app().dispatch(
            MessagePosted(
                message=ref, author=author, text=text, at=self.clock.now(),
                reply_to=target.ref if target else None,
                reply_to_author=target.author if target and target.author else (self._bot_ref() if target else None),
                mentions=mentioned,
            )
        )
        return ref

    def _bot_ref(self) -> MemberRef:
        return MemberRef(self.community, "engagebot", self.bot_name, bot=True)

    async def react(self, member_id: str, message_id: str, emoji: str, *, remove: bool = False) -> None:
        """A member adds (or removes) a reaction."""
        member = self.member(member_id)
        posted = self._visible(self.find(message_id), member_id, message_id)
        now = self.clock.now()
        self._emit(Entry("react", now, f"{'-' if remove else '+'}{emoji} on {message_id}", ref=posted.ref, member=member))
        if remove:
            await self._app().dispatch(ReactionRemoved(message=posted.ref, member=member, emoji=emoji, at=now))
        else:
            author = posted.author or self._bot_ref()
            await self._app().dispatch(ReactionAdded(message=posted.ref, member=member, emoji=emoji, message_author=author, at=now))

    async def delete(self, member_id: str, message_id: str) -> None:
        """A member deletes a post (theirs, or any as a moderator)."""
        posted = self.find(message_id)
        self._emit(Entry("delete", self.clock.now(), f"deleted {message_id}", ref=posted.ref, member=self.member(member_id)))
        await self._app().dispatch(MessageDeleted(message=posted.ref, at=self.clock.now()))

    async def press(self, member_id: str, message_id: str, which: str) -> Reply | None:
        """A member clicks a button (by number from 1, label or custom_id) on a bot message."""
        posted = self._visible(self.find(message_id), member_id, message_id)
        buttons = posted.message.buttons if posted.message else ()
        chosen = None
        if which.isdigit() and 1 <= int(which) <= len(buttons):
            chosen = buttons[int(which) - 1]
        else:
            chosen = next((b for b in buttons if which.casefold() in (b.label.casefold(), b.custom_id.casefold())), None)
        if chosen is None:
            raise SimulationError(f"no button {which!r} on {message_id}")
        member = self.member(member_id)
        reply = await self._app().press(ButtonPressed(custom_id=chosen.custom_id, member=member, message=posted.ref, at=self.clock.now()))
        if reply is not None:
            reply = replace(reply, message=as_plain(reply.message))
            self._private(member, reply)
        return reply

    async def command(self, member_id: str, line: str, channel: str = "general") -> Reply:
        """A member runs a slash command written as text (`poll create "Question?" yes,no`)."""
        member = self.member(member_id)
        invocation = CommandInvoked(
            name="", args=tuple(split_words(line.strip().lstrip("/"))), member=member, channel=self.channel(channel),
            roles=frozenset(self.roles.get(member_id, set())), is_admin=member_id in self.admins, at=self.clock.now(),
        )
        reply = await self._app().invoke(invocation)
        reply = replace(reply, message=as_plain(reply.message))
        self._private(member, reply)
        return reply

    def _private(self, member: MemberRef, reply: Reply) -> None:
        if reply.ephemeral:
            ref = None
            if reply.message.buttons:  # its buttons can be pressed (a confirmation): it gets an id, seen by its member alone
                ref = self._new_ref(ChannelRef(self.community, f"dm-{member.id}", f"DM {member.display}"))
                self.messages[self.short_id(ref)] = Posted(ref, None, reply.message.plain_text(), reply.message)
            self._emit(Entry("ephemeral", self.clock.now(), reply.message.plain_text(), ref=ref, member=member, message=reply.message))

