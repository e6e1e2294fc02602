"""The KPI report of an imported DCE export equals the report of the same history played live through the console."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.config import parse_config
from bot.kpi_cli import run_report
from bot.runner import run_script
from storage.db import Database
from tests.history.conftest import config_for, run_import

START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)  # a Monday
SCRIPT = """
/join alice
alice: Hello everyone
/join bob
/wait 10m
/as bob
/reply m1 Hi alice!
/react m1 👍
/wait 1h
/join carol
carol: hello @alice
/wait 2d
/as alice
/reply m3 welcome carol
/wait 7d
bob: still here
/as carol
/react m5 🎉
/wait 7d
""".strip().splitlines()
IDS = {"alice": "1001", "bob": "1002", "carol": "1003"}


def user(name: str) -> dict[str, Any]:
    return {"id": IDS[name], "name": name, "discriminator": "0000", "nickname": name, "color": None, "isBot": False, "avatarUrl": ""}


def message(mid: str, kind: str, minutes: float, author: str, **extra: Any) -> dict[str, Any]:
    at = (START + timedelta(minutes=minutes)).isoformat()
    return {"id": mid, "type": kind, "timestamp": at, "timestampEdited": None, "isPinned": False, "content": "", "author": user(author),
            "attachments": [], "embeds": [], "stickers": [], "reactions": [], "mentions": [], **extra}


def reacted(emoji: str, *names: str) -> list[dict[str, Any]]:
    return [{"emoji": {"id": "", "name": emoji, "code": "", "isAnimated": False, "imageUrl": ""}, "count": len(names), "users": [user(n) for n in names]}]


def reference(mid: str) -> dict[str, Any]:
    return {"type": "Default", "messageId": mid, "channelId": "222", "guildId": "111"}


# the same history as SCRIPT, as DiscordChatExporter writes it (reactions are dated with their message: same week)
EXPORT = {
    "guild": {"id": "111", "name": "Parity", "iconUrl": ""},
    "channel": {"id": "222", "type": "GuildTextChat", "categoryId": None, "category": None, "name": "general", "topic": None},
    "messages": [
        message("90", "GuildMemberJoin", 0, "alice"),
        message("100", "Default", 0, "alice", reactions=reacted("👍", "bob")),
        message("91", "GuildMemberJoin", 0, "bob"),
        message("101", "Reply", 10, "bob", reference=reference("100")),
        message("92", "GuildMemberJoin", 70, "carol"),
        message("102", "Default", 70, "carol", mentions=[user("alice")]),
        message("103", "Reply", 70 + 2 * 24 * 60, "alice", reference=reference("102")),
        message("104", "Default", 70 + 9 * 24 * 60, "bob", reactions=reacted("🎉", "carol")),
    ],
}


def by_name(value: Any) -> Any:
    """A KPI value with member ids replaced by names (the console's ids are names)."""
    names = {v: k for k, v in IDS.items()}
    if isinstance(value, list):
        return sorted(by_name(v) for v in value)
    if isinstance(value, dict):
        return {k: by_name(v) for k, v in value.items()}
    return names.get(value, value) if isinstance(value, str) else value


async def test_the_imported_history_reports_the_same_kpis_as_the_history_played_live(history_db: Database, tmp_path: Path) -> None:
    console_config = parse_config({"bot": {"cogs": []}, "database": {"url": history_db.url}}, "test")
    assert await run_script(console_config, SCRIPT, start=START, out=lambda _: None) == 0
    (tmp_path / "general.json").write_text(json.dumps(EXPORT, indent=2, ensure_ascii=False), encoding="utf-8")
    assert (await run_import(history_db, "dce", tmp_path / "general.json")).code == 0
    config = config_for(history_db.url)
    for week in ("2026-W02", "2026-W03"):
        live = json.loads(await run_report(config, "console:console", week, "json"))
        imported = json.loads(await run_report(config, "discord:111", week, "json"))
        assert by_name(imported["kpis"]) == live["kpis"], week
        assert imported["previous"] == live["previous"]
    w2 = json.loads(await run_report(config, "discord:111", "2026-W02", "json"))["kpis"]
    assert (w2["new_members"], w2["posts"], w2["replies"], w2["reactions"], w2["response_rate"]) == (3, 4, 2, 1, 1.0)
