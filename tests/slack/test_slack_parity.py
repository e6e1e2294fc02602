"""The console and Slack play the same scenario and record the same interactions."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import text

from bot.config import parse_config
from bot.runner import run_script
from storage.db import Database
from tests.conftest import START
from tests.slack.conftest import SlackHarness, payload

SCENARIO = """
/join alice
/join bob
alice: Bonjour à tous !
/as bob
/reply m1 Salut @alice
/react m1 👋
/unreact m1 👋
/join caro
caro: hello @bob
"""

INTERACTIONS = (
    "select i.kind, a.external_id, t.external_id, i.removed_at is not null from interactions i "
    "join members a on a.id = i.member_id left join members t on t.id = i.target_member_id"
)


def slack_id(console_id: str | None) -> str | None:
    """The Slack user id the scenario gives a console member."""
    return None if console_id is None else "U" + console_id.upper()


def team_join(user: str, name: str, ts: str) -> dict[str, Any]:
    body = payload("team_join")
    body["event_id"] = f"EvJOIN{user}"
    body["event"]["event_ts"] = ts
    body["event"]["user"].update(id=user, name=name, profile={"display_name": name})
    return body


def posted(user: str, words: str, ts: str, **extra: str) -> dict[str, Any]:
    body = payload("message")
    body["event_id"] = f"EvMSG{ts}"
    body["event"].update(user=user, text=words, ts=ts, event_ts=ts, **extra)
    return body


def reaction(kind: str, ts: str) -> dict[str, Any]:
    body = payload("reaction_added")
    body["event_id"] = f"Ev{kind}{ts}"
    body["event"].update(type=kind, event_ts=ts, item={"type": "message", "channel": "C0GENERAL", "ts": "1767600300.000200"})
    return body


async def test_console_and_slack_record_the_same_interactions(slack_bot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    url = f"sqlite+aiosqlite:///{tmp_path / 'console.db'}"
    config = parse_config({"database": {"url": url, "flush_seconds": 0.05}, "bot": {"cogs": []}}, "test")
    transcript: list[str] = []
    assert await run_script(config, SCENARIO.strip().splitlines(), start=START, out=transcript.append) == 0
    db = Database(url)
    async with db.begin() as conn:
        console_rows = sorted((k, slack_id(a), slack_id(t), r) for k, a, t, r in (await conn.execute(text(INTERACTIONS))).all())
    await db.close()

    h: SlackHarness = await slack_bot()
    h.town.welcomed.clear()
    for body in (
        team_join("UALICE", "alice", "1767600000.000100"),
        team_join("UBOB", "bob", "1767600060.000100"),
        posted("UALICE", "Bonjour à tous !", "1767600300.000200"),
        posted("UBOB", "Salut <@UALICE>", "1767600360.000300", thread_ts="1767600300.000200", parent_user_id="UALICE"),
        reaction("reaction_added", "1767600400.000100"),
        reaction("reaction_removed", "1767600460.000100"),
        team_join("UCARO", "caro", "1767600500.000100"),
        posted("UCARO", "hello <@UBOB>", "1767600560.000400"),
    ):
        assert (await h.event(body)).status == 200
    slack_rows = sorted(tuple(row) for row in await h.rows(INTERACTIONS))

    assert slack_rows == console_rows
    assert ("reply", "UBOB", "UALICE", False) in slack_rows and ("reaction", "UBOB", "UALICE", True) in slack_rows
