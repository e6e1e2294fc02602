"""The console and Discord play the same scenario and record the same interactions."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import discord
import discord.ext.test as dpytest
import discord.ext.test.backend as back
from sqlalchemy import text

from bot import runner
from bot.config import parse_config
from storage.db import Database
from tests.conftest import START
from tests.discord import shim
from tests.discord.conftest import DiscordHarness, discord_config

SCENARIO = Path(__file__).parent / "payloads" / "same_scenario.txt"
ROWS = """
    select i.kind, m.name, t.name, i.removed_at is not null
    from interactions i join members m on m.id = i.member_id left join members t on t.id = i.target_member_id
    order by i.id
"""


async def rows_of(db_url: str) -> list[tuple[Any, ...]]:
    """The interaction rows of a database, by kind and member names."""
    db = Database(db_url)
    try:
        async with db.begin() as conn:
            return [tuple(r) for r in (await conn.execute(text(ROWS))).all()]
    finally:
        await db.close()


async def play_on_discord(h: DiscordHarness, lines: list[str]) -> None:
    """Play console lines with dpytest: each line becomes the gateway event Discord would send."""
    general = h.world.channels["general"]
    members: dict[str, discord.Member] = {}
    posts: dict[str, discord.Message] = {}
    actor = ""

    def mentions(words: str) -> str:
        return " ".join(members[w[1:]].mention if w.startswith("@") and w[1:] in members else w for w in words.split(" "))

    async def post(author: str, words: str, reply_to: str | None = None) -> None:
        message = await shim.post(mentions(words), members[author], general, reply_to=posts[reply_to] if reply_to else None)
        posts[f"m{len(posts) + 1}"] = message

    for line in lines:
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        word, _, rest = line.partition(" ")
        if word == "/join":
            actor = rest
            members[rest] = await dpytest.member_join(0, name=rest)
            await shim.settle()
        elif word == "/as":
            actor = rest
        elif word == "/reply":
            target, words = rest.split(" ", 1)
            await post(actor, words, reply_to=target)
        elif word in ("/react", "/unreact"):
            target, emoji = rest.split(" ", 1)
            act = dpytest.add_reaction if word == "/react" else dpytest.remove_reaction
            await act(members[actor], posts[target], emoji)
            await shim.settle()
        elif word == "/leave":
            back.delete_member(members[rest])
            await shim.settle()
        elif ":" in word and not word.startswith("/"):
            await post(word.rstrip(":"), rest)
        else:
            await post(actor, line)


async def test_the_console_and_discord_record_the_same_interactions(discord_bot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    lines = SCENARIO.read_text(encoding="utf-8").splitlines()
    console_db = f"sqlite+aiosqlite:///{tmp_path / 'console.db'}"
    config = parse_config({"bot": {"cogs": []}, "database": {"url": console_db, "flush_seconds": 0.05}}, "test")
    transcript: list[str] = []
    assert await runner.run_script(config, lines, start=START, out=transcript.append) == 0

    discord_db = f"sqlite+aiosqlite:///{tmp_path / 'discord.db'}"
    h: DiscordHarness = await discord_bot(discord_config(discord_db).model_copy(update={"bot": config.bot}))
    await play_on_discord(h, lines)
    await h.app.stop()

    console_rows, discord_rows = await rows_of(console_db), await rows_of(discord_db)
    assert console_rows == discord_rows
    assert [r[0] for r in console_rows].count("reply") == 2 and ("mention", "yann", "zoe", False) in console_rows
    assert ("reaction", "xavier", "zoe", True) in console_rows  # the removed reaction
    assert console_rows[-1] == ("leave", "yann", None, False)
