"""The demo: a seeded community played through the real pipeline, written to an event log and SQLite."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from bot.config import parse_config
from bot.demo import DemoOptions, run_demo

REQUIRED = {
    "member_joined": {"member"}, "member_left": {"member"}, "message": {"id", "channel", "member"},
    "reaction": {"message", "member", "emoji"}, "reaction_removed": {"message", "member", "emoji"},
    "poll": {"id", "kind", "question", "closes_at"}, "poll_vote": {"poll", "member", "choice"},
    "member": {"member"}, "prompt_answer": {"id", "member", "prompt"}, "anonymous_vote": {"poll", "member"}, "anonymous_ballot": {"poll", "choice"},
    "message_deleted": {"message"},
}


async def test_the_demo_writes_an_event_log_and_a_database_that_agree(tmp_path: Path) -> None:
    printed: list[str] = []
    options = DemoOptions(out=tmp_path / "demo", members=40, weeks=2, quiet=True)
    # every cog but sentiment (the next test runs the model): the log and the database must agree
    result = await run_demo(parse_config({"cogs": {"sentiment": {"backend": "off"}}}), options, out=printed.append)
    lines = [json.loads(line) for line in result.events.read_text(encoding="utf-8").splitlines()]
    assert lines, "the demo wrote no events"
    for line in lines:
        assert {"type", "platform", "community", "at"} <= set(line)
        assert REQUIRED[line["type"]] <= set(line), line
    types = {line["type"] for line in lines}
    assert {"member_joined", "message", "reaction"} <= types
    assert result.database is not None
    with sqlite3.connect(result.database) as conn:
        messages = conn.execute("select count(*) from interactions where kind in ('message', 'reply')").fetchone()[0]
        members = conn.execute("select count(*) from members where is_bot = 0").fetchone()[0]
    assert messages == sum(1 for line in lines if line["type"] == "message")
    assert members >= 40
    text = "\n".join(printed)
    assert "what the bot did" in text and "members at the end:" in text


async def test_the_demo_is_reproducible_with_a_seed(tmp_path: Path) -> None:
    # the default configuration: with the nlp extra installed (as in CI) the sentiment model scores posts too
    a = await run_demo(parse_config({}), DemoOptions(out=tmp_path / "a", members=20, weeks=1, quiet=True), out=lambda _: None)
    b = await run_demo(parse_config({}), DemoOptions(out=tmp_path / "b", members=20, weeks=1, quiet=True), out=lambda _: None)
    assert a.events.read_text(encoding="utf-8") == b.events.read_text(encoding="utf-8")
