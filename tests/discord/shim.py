"""A small compatibility shim so dpytest 0.7.0 drives the real discord.py 2.7 client (tests only).

What dpytest 0.7.0 lacks against discord.py 2.7, and what this module adds:
- reaction gateway payloads need `type` and `burst` (discord.py 2.4+): added before parsing;
- role payloads need `colors` (discord.py 2.6+): added to dpytest's role dictionaries;
- slash commands: dpytest has no interactions, so tests build real INTERACTION_CREATE payloads and hand
  them to the connection state (`parse_interaction_create`), the command tree being attached to that
  state, then await discord.py's `CommandTree-invoker` / `discord-ui-*` tasks; interaction answers go
  through a capturing webhook adapter instead of HTTP;
- `tree.sync()` calls (`bulk_upsert_*_commands`) are captured and answered like Discord would;
- the fake websocket has no socket, so `Client.close()` is told it is not open;
- every message the bot sends is captured with its raw JSON payload (dpytest drops polls and
  components from its fake messages), and a DM to a member in `World.closed_dms` is refused with
  Discord's 403 / 50007 "Cannot send messages to this user";
- the guild, channels and members get fixed ids, so a second client (a restart) sees the same world;
- the client is marked ready once the world is built, as the gateway's READY event would.
"""

from __future__ import annotations

import asyncio
import io
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import discord
import discord.ext.test as dpytest
import discord.ext.test.backend as back
import discord.ext.test.factories as facts
import discord.ext.test.runner as runner
import discord.ext.test.state as dstate
import discord.ext.test.websocket as websocket
from discord.webhook import async_ as webhook_async

from bot.adapters.discord import DiscordAdapter

GUILD_ID = 900000000000000001
APP_ID = 900000000000000002
CHANNEL_IDS = {"general": 900000000000000011, "welcome": 900000000000000012}
MEMBER_IDS = {"alice": 900000000000000101, "bob": 900000000000000102, "carol": 900000000000000103, "admin": 900000000000000104}
STAFF_ROLE_ID = 900000000000000201
ANIMATOR_ROLE_ID = 900000000000000202
MANAGE_GUILD = discord.Permissions(manage_guild=True).value | discord.Permissions.general().value
_EVERYONE = 104324161  # dpytest's default @everyone permissions (send messages, read history…)


@dataclass
class Sent:
    """One message the bot sent through the REST API, as Discord would have received it."""

    channel_id: int
    payload: dict[str, Any]
    files: list[str]
    message: discord.Message | None
    refused: bool = False
    uploads: list[bytes] = field(default_factory=list)  # the attached files' bytes, as uploaded

    @property
    def content(self) -> str:
        """The text content."""
        return str(self.payload.get("content") or "")


@dataclass
class World:
    """What the fake Discord saw: sent messages, interaction answers, synced commands, refused DMs."""

    sent: list[Sent] = field(default_factory=list)
    responses: list[dict[str, Any]] = field(default_factory=list)
    synced: dict[int | None, list[dict[str, Any]]] = field(default_factory=dict)
    closed_dms: set[int] = field(default_factory=set)
    ended_polls: list[tuple[int, int]] = field(default_factory=list)
    guild: discord.Guild | None = None
    channels: dict[str, discord.TextChannel] = field(default_factory=dict)
    members: dict[str, discord.Member] = field(default_factory=dict)
    roles: dict[str, discord.Role] = field(default_factory=dict)

    def sent_to(self, channel: str | int) -> list[Sent]:
        """The messages sent to a channel (by name or id)."""
        cid = CHANNEL_IDS.get(channel, channel) if isinstance(channel, str) else channel
        return [s for s in self.sent if s.channel_id == cid and not s.refused]


_installed = False


def install() -> None:
    """Patch dpytest's fake HTTP and state once (idempotent)."""
    global _installed
    if _installed:
        return
    _installed = True

    def with_reaction_fields(parse: Callable[[Any, dict[str, Any]], None]) -> Callable[[Any, dict[str, Any]], None]:
        def parse_with_fields(self: Any, data: dict[str, Any]) -> None:
            data.setdefault("type", 0)
            data.setdefault("burst", False)
            parse(self, data)

        return parse_with_fields

    dstate.FakeState.parse_message_reaction_add = with_reaction_fields(dstate.FakeState.parse_message_reaction_add)  # type: ignore[method-assign]
    dstate.FakeState.parse_message_reaction_remove = with_reaction_fields(dstate.FakeState.parse_message_reaction_remove)  # type: ignore[method-assign]

    def with_colors(make: Callable[..., dict[str, Any]]) -> Callable[..., dict[str, Any]]:
        def role_dict(*args: Any, **kwargs: Any) -> dict[str, Any]:
            data = make(*args, **kwargs)
            data.setdefault("colors", {"primary_color": data.get("color", 0), "secondary_color": None, "tertiary_color": None})
            return data

        return role_dict

    facts.make_role_dict = with_colors(facts.make_role_dict)
    facts.dict_from_role = with_colors(facts.dict_from_role)

    original_send = back.FakeHttp.send_message

    async def send_message(self: Any, channel_id: int, *, params: Any) -> dict[str, Any]:
        world: World = self.world
        payload = dict(params.payload or {})
        if params.multipart and not payload:
            payload = json.loads(params.multipart[0]["value"])
        files = [f.filename for f in params.files or ()]
        uploads = [bytes(f.fp.getbuffer()) if isinstance(f.fp, io.BytesIO) else b"" for f in params.files or ()]
        channel = back._get_higher_locs(1).get("channel")
        if isinstance(channel, discord.DMChannel) and channel.recipient is not None and channel.recipient.id in world.closed_dms:
            world.sent.append(Sent(channel_id, payload, files, None, refused=True, uploads=uploads))
            raise discord.Forbidden(back.FakeRequest(403, "Forbidden"), {"code": 50007, "message": "Cannot send messages to this user"})  # type: ignore[arg-type]
        data: dict[str, Any] = await _call_with_locals(original_send, self, channel_id, params=params, channel=channel)
        message = back.get_state()._get_message(int(data["id"]))
        world.sent.append(Sent(channel_id, payload, files, message, uploads=uploads))
        return data

    back.FakeHttp.send_message = send_message  # type: ignore[method-assign]

    async def end_poll(self: Any, channel_id: int, message_id: int) -> dict[str, Any]:
        """POST /channels/{channel_id}/polls/{message_id}/expire (dpytest has no such route): recorded, answered with the message."""
        world: World = self.world
        world.ended_polls.append((int(channel_id), int(message_id)))
        state = back.get_state()
        channel = state.get_channel(int(channel_id))
        return facts.make_message_dict(channel, state.user, id_num=int(message_id))

    back.FakeHttp.end_poll = end_poll  # type: ignore[method-assign]

    async def bulk_upsert(self: Any, application_id: int, *args: Any, payload: list[dict[str, Any]]) -> list[dict[str, Any]]:
        guild_id = args[0] if args else None
        self.world.synced[guild_id] = payload
        return [{**p, "id": str(facts.make_id()), "application_id": str(application_id), "version": "1",
                 **({"guild_id": str(guild_id)} if guild_id else {})} for p in payload]

    # the fake websocket has no socket: closing the client must not look at it
    websocket.FakeWebSocket.open = property(lambda self: False)  # type: ignore[method-assign,assignment]

    back.FakeHttp.bulk_upsert_guild_commands = bulk_upsert  # type: ignore[attr-defined]
    back.FakeHttp.bulk_upsert_global_commands = bulk_upsert  # type: ignore[attr-defined]


async def _call_with_locals(fn: Callable[..., Awaitable[Any]], self: Any, channel_id: int, *, params: Any, channel: Any) -> Any:
    """Call dpytest's original `send_message`, which reads the caller's local `channel` from the stack."""
    del channel_id  # dpytest reads the channel from this frame's locals
    return await fn(self, channel.id, params=params)


class CapturingWebhookAdapter(webhook_async.AsyncWebhookAdapter):
    """Interaction answers and follow-ups, captured instead of sent over HTTP."""

    def __init__(self, world: World) -> None:
        super().__init__()
        self.world = world

    async def request(self, route: Any, session: Any, *, payload: Any = None, multipart: Any = None, files: Any = None, **kwargs: Any) -> Any:
        """Record the call and answer like Discord."""
        body = payload if payload is not None else (json.loads(multipart[0]["value"]) if multipart else {})
        self.world.responses.append({"method": route.method, "path": route.path, "body": body, "files": [f.filename for f in files or ()]})
        if route.path.endswith("/callback"):
            return {"interaction": {"id": str(route.webhook_id), "type": 2}}
        data = body.get("data", body)
        channel = self.world.channels["general"]
        bot = back.get_state().user
        return facts.make_message_dict(channel, bot, content=data.get("content") or "", flags=data.get("flags", 0))


def build_world(client: discord.Client, world: World) -> None:
    """Configure dpytest around `client` with the fixed guild, channels, roles and members."""
    install()
    runner.configure(client, guilds=0, text_channels=0, voice_channels=0, members=0)
    state = back.get_state()
    state.http.world = world  # type: ignore[attr-defined]
    state.application_id = APP_ID
    state.stop_dispatch()
    guild = back.make_guild("Test Guild", id_num=GUILD_ID)
    world.guild = guild
    for name, cid in CHANNEL_IDS.items():
        world.channels[name] = back.make_text_channel(name, guild, id_num=cid)
    world.roles["staff"] = back.make_role("Staff", guild, id_num=STAFF_ROLE_ID, permissions=MANAGE_GUILD)
    world.roles["animator"] = back.make_role("animator", guild, id_num=ANIMATOR_ROLE_ID, permissions=_EVERYONE)
    for name, uid in MEMBER_IDS.items():
        user = back.make_user(name, "0001", id_num=uid)
        roles = [world.roles["staff"]] if name == "admin" else []
        world.members[name] = back.make_member(user, guild, roles=roles)
    back.make_member(state.user, guild)
    state.start_dispatch()
    runner._cur_config = runner.RunnerConfig(client, [guild], list(world.channels.values()), list(world.members.values()))
    webhook_async.async_context.set(CapturingWebhookAdapter(world))


def connector(world: World) -> Callable[[DiscordAdapter], Awaitable[None]]:
    """What the adapter does instead of logging in: dpytest's fake gateway, then `setup_hook` as `login()` would."""

    async def connect(adapter: DiscordAdapter) -> None:
        await adapter.client._async_setup_hook()
        build_world(adapter.client, world)
        await adapter.setup_hook()
        adapter.client._handle_ready()  # what the gateway's READY does: dpytest's world is all there

    return connect


async def settle() -> None:
    """Wait for every event, command and button task discord.py started."""
    prefixes = ("CommandTree-invoker", "discord-ui-", "discord.py:")
    for _ in range(50):
        await dpytest.run_all_events()
        pending = [
            t for t in asyncio.all_tasks()
            if not t.done() and (t.get_name().startswith(prefixes) or runner._task_coro_name(t) == "_run_event")
        ]
        if not pending:
            return
        await asyncio.gather(*pending, return_exceptions=True)


def _member_payload(member: discord.Member) -> dict[str, Any]:
    data = facts.dict_from_member(member)
    data["permissions"] = str(member.guild_permissions.value)
    return data


def _base_interaction(kind: int, member: discord.Member, channel: discord.abc.GuildChannel, locale: str) -> dict[str, Any]:
    return {
        "id": str(facts.make_id()), "application_id": str(APP_ID), "type": kind, "token": "interaction-token", "version": 1,
        "guild_id": str(GUILD_ID), "channel_id": str(channel.id), "channel": facts.dict_from_channel(channel),
        "member": _member_payload(member), "locale": locale, "guild_locale": "en-US", "app_permissions": str(MANAGE_GUILD),
        "entitlements": [], "authorizing_integration_owners": {"0": str(GUILD_ID)}, "context": 0, "attachment_size_limit": 8 * 1024 * 1024,
    }


_OPTION_TYPES = {str: 3, int: 4, bool: 5, float: 10}


def option(name: str, value: Any) -> dict[str, Any]:
    """A slash command option as Discord sends it (members: pass the `discord.Member`)."""
    if isinstance(value, discord.Member):
        return {"name": name, "type": 6, "value": str(value.id)}
    return {"name": name, "type": _OPTION_TYPES[type(value)], "value": value}


async def slash(state_client: discord.Client, name: str, member: discord.Member, channel: discord.abc.GuildChannel,
                options: list[dict[str, Any]] = (), locale: str = "en-US") -> dict[str, Any]:  # type: ignore[assignment]
    """Dispatch a real INTERACTION_CREATE for `/name` (`group sub` for a subcommand) and wait for the tree to answer."""
    head, _, sub = name.partition(" ")
    opts: list[dict[str, Any]] = list(options)
    if sub:
        opts = [{"name": sub, "type": 1, "options": opts}]
    resolved_users = [o for o in options if o["type"] == 6]
    data = _base_interaction(2, member, channel, locale)
    data["data"] = {"id": str(facts.make_id()), "name": head, "type": 1, "guild_id": str(GUILD_ID), "options": opts}
    if resolved_users:
        guild = member.guild
        users: dict[str, Any] = {}
        members: dict[str, Any] = {}
        for o in resolved_users:
            target = guild.get_member(int(o["value"]))
            assert target is not None
            users[o["value"]] = facts.dict_from_user(target._user)
            m = _member_payload(target)
            m.pop("user", None)
            members[o["value"]] = m
        data["data"]["resolved"] = {"users": users, "members": members}
    back.get_state().parse_interaction_create(data)
    await settle()
    return data


async def press(custom_id: str, member: discord.Member, channel: discord.abc.GuildChannel, components: list[dict[str, Any]],
                message_id: int | None = None, flags: int = 0) -> dict[str, Any]:
    """Dispatch a button press on a bot message carrying `components` and wait for the answer."""
    bot = back.get_state().user
    message = facts.make_message_dict(channel, bot, id_num=message_id or facts.make_id(), content="", flags=flags)
    message["components"] = components
    data = _base_interaction(3, member, channel, "en-US")
    data["message"] = message
    data["data"] = {"custom_id": custom_id, "component_type": 2}
    back.get_state().parse_interaction_create(data)
    await settle()
    return data


async def post(content: str, author: discord.Member, channel: discord.abc.GuildChannel, reply_to: discord.Message | None = None) -> discord.Message:
    """A member posts (optionally as a reply, with the referenced message resolved as Discord sends it)."""
    if reply_to is None:
        message = await dpytest.message(content, channel=channel, member=author)
        return message
    mentions = back.find_user_mentions(content, author.guild)
    data = facts.make_message_dict(channel, author, content=content, mentions=mentions, guild_id=author.guild.id)
    data["type"] = 19
    data["message_reference"] = {"type": 0, "message_id": str(reply_to.id), "channel_id": str(reply_to.channel.id), "guild_id": str(GUILD_ID)}
    data["referenced_message"] = facts.dict_from_message(reply_to)
    state = back.get_state()
    state.parse_message_create(data)
    back._cur_config.messages.setdefault(channel.id, []).append(data)  # type: ignore[union-attr]
    await settle()
    found = state._get_message(int(data["id"]))
    assert found is not None
    return found


async def vote(member: discord.Member, message_id: int, channel: discord.abc.GuildChannel, answer_id: int, *, remove: bool = False) -> None:
    """A member votes (or unvotes) in a native poll: the raw gateway event, as for an uncached message."""
    data = {"user_id": str(member.id), "channel_id": str(channel.id), "message_id": str(message_id), "guild_id": str(GUILD_ID), "answer_id": answer_id}
    state = back.get_state()
    if remove:
        state.parse_message_poll_vote_remove(data)  # type: ignore[arg-type]
    else:
        state.parse_message_poll_vote_add(data)  # type: ignore[arg-type]
    await settle()


def open_thread(starter: discord.Message, name: str, owner: discord.Member) -> discord.Thread:
    """A public thread started from a message (Discord gives the thread the starter message's id)."""
    data = {
        "id": str(starter.id), "guild_id": str(GUILD_ID), "parent_id": str(starter.channel.id), "owner_id": str(owner.id),
        "name": name, "type": 11, "message_count": 0, "member_count": 1, "rate_limit_per_user": 0, "flags": 0,
        "thread_metadata": {"archived": False, "auto_archive_duration": 1440, "archive_timestamp": starter.created_at.isoformat(), "locked": False},
    }
    state = back.get_state()
    state.parse_thread_create(data)  # type: ignore[arg-type]
    guild = state._get_guild(GUILD_ID)
    assert guild is not None
    thread = guild.get_thread(starter.id)
    assert thread is not None
    return thread


async def press_in_dm(custom_id: str, user: discord.abc.User, dm_channel_id: int, message_id: int, components: list[dict[str, Any]]) -> None:
    """A press on a button of a DM the bot sent (no guild in the payload, a `user` instead of a `member`)."""
    bot = back.get_state().user
    dm = {"id": str(dm_channel_id), "type": 1, "recipients": [facts.dict_from_user(user)]}  # type: ignore[arg-type]
    message = {
        "id": str(message_id), "channel_id": str(dm_channel_id), "author": facts.dict_from_user(bot), "content": "", "type": 0,
        "timestamp": "2026-01-05T08:00:00+00:00", "edited_timestamp": None, "tts": False, "mention_everyone": False,
        "mentions": [], "mention_roles": [], "attachments": [], "embeds": [], "pinned": False, "flags": 0, "components": components,
    }
    data = {
        "id": str(facts.make_id()), "application_id": str(APP_ID), "type": 3, "token": "interaction-token", "version": 1,
        "channel_id": str(dm_channel_id), "channel": dm, "user": facts.dict_from_user(user), "locale": "fr", "app_permissions": "0",
        "entitlements": [], "authorizing_integration_owners": {}, "context": 1, "attachment_size_limit": 8 * 1024 * 1024,
        "message": message, "data": {"custom_id": custom_id, "component_type": 2},
    }
    back.get_state().parse_interaction_create(data)  # type: ignore[arg-type]
    await settle()


async def react_uncached(member: discord.Member, channel: discord.abc.GuildChannel, message_id: int, author_id: int, emoji: str) -> None:
    """A reaction on a message the bot never saw (older than its cache): only the raw event arrives."""
    data = {
        "user_id": str(member.id), "channel_id": str(channel.id), "message_id": str(message_id), "guild_id": str(GUILD_ID),
        "emoji": {"id": None, "name": emoji}, "member": facts.dict_from_member(member), "message_author_id": str(author_id),
    }
    back.get_state().parse_message_reaction_add(data)  # type: ignore[arg-type]
    await settle()
