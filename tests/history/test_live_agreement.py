"""Live and imported ids agree: what the real adapters recorded is not counted again when its export is imported."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

from bot.history.command import run_history_import
from tests.discord import shim
from tests.discord.conftest import DiscordHarness, discord_bot  # noqa: F401 - the real Discord adapter on dpytest
from tests.history.conftest import config_for
from tests.slack.conftest import SlackHarness, fake_slack, slack_bot  # noqa: F401 - the real Bolt app on a fake Web API
from tests.slack.test_slack_events import message

ALL_ROWS = "select i.kind, i.external_id, m.external_id, t.external_id from interactions i join members m on m.id = i.member_id " \
           "left join members t on t.id = i.target_member_id order by i.kind, i.external_id"


def dce_user(member: Any) -> dict[str, Any]:
    """A discord.py member as DCE writes a user."""
    return {"id": str(member.id), "name": member.name, "discriminator": "0000", "nickname": member.display_name, "color": None,
            "isBot": member.bot, "avatarUrl": ""}


def dce_message(message: Any, **extra: Any) -> dict[str, Any]:
    """A discord.py message as DCE writes it."""
    return {"id": str(message.id), "type": "Reply" if message.reference else "Default", "timestamp": message.created_at.isoformat(),
            "timestampEdited": None, "isPinned": False, "content": message.content, "author": dce_user(message.author),
            "attachments": [], "embeds": [], "stickers": [], "reactions": [], "mentions": [dce_user(u) for u in message.mentions], **extra}


async def test_a_discord_export_of_what_the_live_bot_recorded_adds_nothing(discord_bot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    h: DiscordHarness = await discord_bot()
    alice, bob = h.world.members["alice"], h.world.members["bob"]
    general = h.world.channels["general"]
    first = await shim.post("Bonjour à tous !", alice, general)
    answer = await shim.post(f"Salut {alice.mention}", bob, general, reply_to=first)
    await shim.react_uncached(bob, general, first.id, alice.id, "👍")
    live = await h.rows(ALL_ROWS)
    assert [r[0] for r in live] == ["mention", "message", "reaction", "reply"]
    thumbs = {"id": "", "name": "👍", "code": "thumbsup", "isAnimated": False, "imageUrl": ""}
    messages = [
        dce_message(first, reactions=[{"emoji": thumbs, "count": 1, "users": [dce_user(bob)]}]),
        dce_message(answer, reference={"type": "Default", "messageId": str(first.id), "channelId": str(general.id), "guildId": str(shim.GUILD_ID)}),
    ]
    export = {"guild": {"id": str(shim.GUILD_ID), "name": "Test", "iconUrl": ""},
              "channel": {"id": str(general.id), "type": "GuildTextChat", "categoryId": None, "category": None, "name": "general", "topic": None},
              "messages": messages, "messageCount": 2}
    (tmp_path / "general.json").write_text(json.dumps(export, indent=2), encoding="utf-8")
    out = io.StringIO()
    assert await run_history_import(config_for(h.app.db.url), "dce", [tmp_path / "general.json"], out=out, err=io.StringIO()) == 0
    assert await h.rows(ALL_ROWS) == live
    assert "imported 0 posts and 0 reactions; already there 2 posts and 1 reactions" in out.getvalue()


async def test_a_slack_export_of_what_the_live_bot_recorded_adds_nothing(slack_bot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    h: SlackHarness = await slack_bot()
    root, reply = "1767600300.000200", "1767600900.000300"
    await h.event(message(root, "Bonjour à tous !"))
    await h.event(message(reply, "Salut <@UALICE> !", user="UBOB", thread_ts=root, parent_user_id="UALICE"))
    reaction = json.loads((Path(__file__).parents[1] / "slack" / "payloads" / "reaction_added.json").read_text(encoding="utf-8"))
    await h.event(reaction)  # UBOB reacts :wave: to Alice's message
    live = await h.rows(ALL_ROWS)
    assert [r[0] for r in live] == ["mention", "message", "reaction", "reply"]
    export = tmp_path / "export"
    (export / "general").mkdir(parents=True)
    users = [{"id": u, "team_id": "T0ENGAGE", "name": u.lower(), "is_bot": False, "profile": {}} for u in ("UALICE", "UBOB")]
    (export / "users.json").write_text(json.dumps(users), encoding="utf-8")
    (export / "channels.json").write_text(json.dumps([{"id": "C0GENERAL", "name": "general", "is_general": True}]), encoding="utf-8")
    day = [
        {"type": "message", "ts": root, "user": "UALICE", "text": "Bonjour à tous !", "thread_ts": root, "reply_count": 1,
         "reactions": [{"name": "wave", "users": ["UBOB"], "count": 1}]},
        {"type": "message", "ts": reply, "user": "UBOB", "text": "Salut <@UALICE> !", "thread_ts": root, "parent_user_id": "UALICE"},
    ]
    (export / "general" / "2026-01-05.json").write_text(json.dumps(day), encoding="utf-8")
    out = io.StringIO()
    assert await run_history_import(config_for(h.app.db.url), "slack-export", [export], out=out, err=io.StringIO()) == 0
    assert await h.rows(ALL_ROWS) == live
    assert "imported 0 posts and 0 reactions; already there 2 posts and 1 reactions" in out.getvalue()
