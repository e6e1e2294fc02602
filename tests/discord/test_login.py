"""The real start-up path against a local stand-in for Discord: log in, sync commands, connect; a 4014 close."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import discord
import pytest
import yarl
from aiohttp import WSMsgType, web

from bot.adapters.discord import build_discord_adapter
from bot.adapters.discord.client import intents
from bot.app import Engagebot
from bot.config import ConfigError, Secrets
from tests.discord import shim
from tests.discord.conftest import COMMUNITY, discord_config

TOKEN = "MTIz.good-token.never-in-logs"
BOT_USER = {"id": str(shim.APP_ID), "username": "engagebot", "discriminator": "0", "global_name": None, "avatar": None, "bot": True}


@dataclass
class FakeDiscord:
    """What the stand-in saw: REST calls and the gateway IDENTIFY."""

    calls: list[tuple[str, str]] = field(default_factory=list)
    commands: dict[str, Any] = field(default_factory=dict)
    roles: list[tuple[int, str]] = field(default_factory=lambda: [(shim.ANIMATOR_ROLE_ID, "animator"), (shim.STAFF_ROLE_ID, "Staff")])
    flags: int = (1 << 15) | (1 << 19)  # the application's flags: both privileged intents on ("limited": under 100 servers)
    channels: list[dict[str, Any]] = field(default_factory=lambda: [
        {"id": str(shim.CHANNEL_IDS["general"]), "name": "general", "type": 0, "permission_overwrites": []},
        {"id": str(shim.CHANNEL_IDS["welcome"]), "name": "welcome", "type": 0, "permission_overwrites": []},
    ])
    members: dict[str, list[str]] = field(default_factory=lambda: {str(shim.APP_ID): [], **{str(i): [] for i in shim.MEMBER_IDS.values()}})
    everyone: int = (1 << 10) | (1 << 11) | (1 << 14)  # View Channel, Send Messages, Embed Links
    identify: dict[str, Any] | None = None
    people: list[dict[str, Any]] | None = None
    """The server's members as `members/search` sees them ({"id", "username", "global_name", "nick"}); None: shim.MEMBER_IDS."""
    posted: list[tuple[str, dict[str, Any]]] = field(default_factory=list)  # (channel id, payload) of each message created


def answer(data: Any, status: int = 200) -> web.Response:
    """JSON with Discord's exact content type (discord.py only parses `application/json`)."""
    return web.Response(body=json.dumps(data).encode(), status=status, headers={"Content-Type": "application/json"})


def stand_in(seen: FakeDiscord) -> web.Application:
    """A few Discord API routes and a gateway that refuses privileged intents (close 4014)."""

    async def me(request: web.Request) -> web.Response:
        seen.calls.append((request.method, request.path))
        if request.headers.get("Authorization") != f"Bot {TOKEN}":
            return answer({"message": "401: Unauthorized", "code": 0}, status=401)
        return answer(BOT_USER)

    async def application(request: web.Request) -> web.Response:
        seen.calls.append((request.method, request.path))
        return answer({
            "id": str(shim.APP_ID), "name": "engagebot", "description": "", "icon": None, "rpc_origins": [], "bot_public": True,
            "bot_require_code_grant": False, "owner": {**BOT_USER, "bot": False}, "verify_key": "00", "flags": seen.flags, "team": None,
        })

    async def guild_commands(request: web.Request) -> web.Response:
        seen.calls.append((request.method, request.path))
        payload = await request.json()
        seen.commands[request.match_info["guild"]] = payload
        return answer([{**c, "id": str(900000000000001000 + i), "application_id": str(shim.APP_ID), "version": "1",
                                   "guild_id": request.match_info["guild"]} for i, c in enumerate(payload)])

    async def guild(request: web.Request) -> web.Response:
        seen.calls.append((request.method, request.path))
        gid = request.match_info["guild"]
        role = {"color": 0, "hoist": False, "icon": None, "unicode_emoji": None, "position": 0, "permissions": "0", "managed": False,
                "mentionable": False, "flags": 0}
        roles = [{**role, "id": gid, "name": "@everyone", "permissions": str(seen.everyone)}] + [
            {**role, "id": str(i), "name": n, "position": k + 1} for k, (i, n) in enumerate(seen.roles)]
        return answer({"id": gid, "name": "Test server", "icon": None, "splash": None, "discovery_splash": None, "owner_id": "1",
                       "afk_channel_id": None, "afk_timeout": 300, "verification_level": 0, "default_message_notifications": 0,
                       "explicit_content_filter": 0, "roles": roles, "emojis": [], "features": [], "mfa_level": 0, "application_id": None,
                       "system_channel_id": None, "system_channel_flags": 0, "rules_channel_id": None, "vanity_url_code": None,
                       "description": None, "banner": None, "premium_tier": 0, "preferred_locale": "en-US", "public_updates_channel_id": None,
                       "nsfw_level": 0, "premium_progress_bar_enabled": False, "stickers": []})

    async def gateway(request: web.Request) -> web.WebSocketResponse:
        seen.calls.append((request.method, request.path))
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        await ws.send_str(json.dumps({"op": 10, "d": {"heartbeat_interval": 45000}, "s": None, "t": None}))
        async for msg in ws:
            if msg.type == WSMsgType.TEXT and json.loads(msg.data).get("op") == 2:
                seen.identify = json.loads(msg.data)["d"]
                await ws.close(code=4014, message=b"Disallowed intent(s).")
        return ws

    app = web.Application()
    app.router.add_get("/api/v10/users/@me", me)
    app.router.add_get("/api/v10/oauth2/applications/@me", application)
    app.router.add_put("/api/v10/applications/{app}/guilds/{guild}/commands", guild_commands)
    app.router.add_get("/api/v10/guilds/{guild}", guild)

    async def roles(request: web.Request) -> web.Response:
        data = await guild(request)
        return answer(json.loads(data.body)["roles"])  # type: ignore[arg-type]

    async def channels(request: web.Request) -> web.Response:
        seen.calls.append((request.method, request.path))
        return answer([{**c, "guild_id": request.match_info["guild"], "position": 0} for c in seen.channels])

    async def member(request: web.Request) -> web.Response:
        seen.calls.append((request.method, request.path))
        user = request.match_info["user"]
        if user not in seen.members:
            return answer({"message": "Unknown Member", "code": 10007}, status=404)
        return answer({"user": {**BOT_USER, "id": user}, "roles": seen.members[user], "joined_at": "2026-01-01T00:00:00+00:00", "deaf": False,
                       "mute": False, "flags": 0})

    async def my_guilds(request: web.Request) -> web.Response:
        seen.calls.append((request.method, request.path))
        return answer([{"id": str(shim.GUILD_ID), "name": "Les Jardiniers", "icon": None, "owner": False, "permissions": "0", "features": []}])

    async def search(request: web.Request) -> web.Response:
        seen.calls.append((request.method, request.path))
        query, limit = request.query.get("query", "").casefold(), int(request.query.get("limit", 1))
        people = seen.people if seen.people is not None else [{"id": str(i), "username": n} for n, i in shim.MEMBER_IDS.items()]
        found = [p for p in people if any(str(p.get(k) or "").casefold().startswith(query) for k in ("username", "global_name", "nick"))]
        return answer([{"user": {**BOT_USER, "id": p["id"], "username": p["username"], "global_name": p.get("global_name"), "bot": False},
                        "nick": p.get("nick"), "roles": [], "joined_at": "2026-01-01T00:00:00+00:00", "deaf": False, "mute": False, "flags": 0}
                       for p in found[:limit]])  # Discord's search: a prefix of the username, display name or nickname

    app.router.add_get("/api/v10/users/@me/guilds", my_guilds)
    app.router.add_get("/api/v10/guilds/{guild}/members/search", search)
    app.router.add_get("/api/v10/guilds/{guild}/roles", roles)
    app.router.add_get("/api/v10/guilds/{guild}/channels", channels)
    app.router.add_get("/api/v10/guilds/{guild}/members/{user}", member)
    async def create_message(request: web.Request) -> web.Response:
        seen.calls.append((request.method, request.path))
        if request.content_type.startswith("multipart/"):
            payload = {}
            async for part in await request.multipart():
                if part.name == "payload_json":  # type: ignore[union-attr]
                    payload = json.loads(await part.text())  # type: ignore[union-attr]
        else:
            payload = await request.json()
        channel = request.match_info["channel"]
        seen.posted.append((channel, payload))
        return answer({"id": str(900000000000005000 + len(seen.posted)), "channel_id": channel, "guild_id": str(shim.GUILD_ID), "author": BOT_USER,
                       "content": payload.get("content") or "", "timestamp": "2026-03-04T15:00:00+00:00", "edited_timestamp": None, "tts": False,
                       "mention_everyone": False, "mentions": [], "mention_roles": [], "attachments": [], "embeds": payload.get("embeds") or [],
                       "pinned": False, "type": 0, "flags": 0, "components": []})

    app.router.add_get("/gateway", gateway)
    app.router.add_post("/api/v10/channels/{channel}/messages", create_message)
    return app


@pytest.fixture
async def fake_discord(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeDiscord]:
    """The stand-in on 127.0.0.1, with discord.py pointed at it."""
    seen = FakeDiscord()
    runner = web.AppRunner(stand_in(seen))
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    monkeypatch.setattr(discord.http.Route, "BASE", f"http://127.0.0.1:{port}/api/v10")
    monkeypatch.setattr(discord.gateway.DiscordWebSocket, "DEFAULT_GATEWAY", yarl.URL(f"ws://127.0.0.1:{port}/gateway"))
    yield seen
    await runner.cleanup()


async def test_the_bot_logs_in_syncs_commands_and_explains_a_4014_close_in_one_line(fake_discord: FakeDiscord, db_url: str,
                                                                                      caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    config = discord_config(db_url)
    app = Engagebot(config)
    adapter = build_discord_adapter(config, Secrets(discord_token=TOKEN))
    app.add_adapter(adapter)
    await app.start()  # returns once logged in, with the gateway running in the background
    try:
        assert adapter.gateway is not None  # the gateway runs in the background
        assert ("GET", "/api/v10/users/@me") in fake_discord.calls
        synced = fake_discord.commands[str(shim.GUILD_ID)]
        assert {"kudos", "help"} <= {c["name"] for c in synced}
        # the animators' role, configured by name, was looked up through the REST API before the gateway was ready
        assert app.staff_of(COMMUNITY).animators == {str(shim.ANIMATOR_ROLE_ID)}
        await asyncio.wait_for(adapter.wait_closed(), timeout=10)
    finally:
        await app.stop()
    assert fake_discord.identify is not None and fake_discord.identify["intents"] == intents().value
    problems = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(problems) == 1 and problems[0].exc_info is None
    assert "4014" in problems[0].getMessage() and "MESSAGE CONTENT INTENT" in problems[0].getMessage()
    assert TOKEN not in caplog.text


async def test_a_wrong_token_stops_start_up_with_one_clear_line(fake_discord: FakeDiscord, db_url: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    config = discord_config(db_url)
    app = Engagebot(config)
    adapter = build_discord_adapter(config, Secrets(discord_token="not-the-token"))
    app.add_adapter(adapter)
    with pytest.raises(ConfigError, match="DISCORD_TOKEN was refused"):
        await app.start()
    await app.stop()
    assert "not-the-token" not in caplog.text


@pytest.mark.parametrize(("roles", "message"), [
    ([(shim.ANIMATOR_ROLE_ID, "Moderator")], "no role named 'animator' in discord:900000000000000001; give its id"),
    ([(shim.ANIMATOR_ROLE_ID, "animator"), (shim.STAFF_ROLE_ID, "Animator")],
     "2 roles are named 'animator' in discord:900000000000000001 (900000000000000202 (animator), 900000000000000201 (Animator))"),
])
async def test_a_role_name_that_matches_no_role_or_two_stops_start_up_with_one_line(fake_discord: FakeDiscord, db_url: str, roles: list[tuple[int, str]],
                                                                                  message: str) -> None:
    fake_discord.roles = roles
    config = discord_config(db_url)
    app = Engagebot(config)
    app.add_adapter(build_discord_adapter(config, Secrets(discord_token=TOKEN)))
    with pytest.raises(ConfigError) as raised:
        await app.start()
    await app.stop()
    assert str(raised.value).startswith("test: communities.0.animator_roles: ") and message in str(raised.value)
    assert "\n" not in str(raised.value)


async def test_a_4014_close_stops_the_bot_with_its_advice_and_a_non_zero_exit(fake_discord: FakeDiscord, db_url: str) -> None:
    from bot.runner import run_platforms

    config = discord_config(db_url)
    with pytest.raises(ConfigError, match="close code 4014.*MESSAGE CONTENT INTENT"):  # `engagebot run` prints it in one line, exit 2
        await asyncio.wait_for(run_platforms(config, [build_discord_adapter(config, Secrets(discord_token=TOKEN))]), timeout=20)
