"""`engagebot jobs list` and `jobs run`: see what fires when, fire a prompt or a digest now, never twice for a period."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from bot.cli import main
from bot.config import ConfigError, Secrets, parse_config
from bot.core.refs import CommunityRef, Platform
from bot.jobs_cli import job_lines, run_job
from tests.slack.fake_slack import TEAM, FakeSlack

NOW = datetime(2026, 3, 4, 15, 0, tzinfo=UTC)  # a Wednesday
CONSOLE = CommunityRef(Platform.CONSOLE, "console")


def console_config(db_url: str) -> Any:
    return parse_config({"database": {"url": db_url}, "bot": {"cogs": ["prompts", "digest"], "timezone": "Europe/Paris"},
                         "cogs": {"sentiment": {"backend": "off"}}}, "test")


async def test_jobs_list_shows_each_job_s_next_run_in_its_timezone_and_its_last_period(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("DISCORD_TOKEN", "SLACK_BOT_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    lines = await job_lines(console_config(db_url), Secrets(), NOW)
    prompts = next(line for line in lines if "prompts.weekly" in line)
    assert prompts.startswith("console:console") and "0 9 * * mon (Europe/Paris)" in prompts
    assert "next: Mon 2026-03-09 09:00" in prompts and "last period: never" in prompts
    assert any("digest" in line for line in lines)


async def test_jobs_run_fires_the_current_period_once_and_another_with_period(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("DISCORD_TOKEN", "SLACK_BOT_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    config, said = console_config(db_url), []
    assert await run_job(config, CONSOLE, "prompts", None, out=said.append, now=NOW) == 0
    assert "**💬 Question of the week**" in "\n".join(said) and said[-1] == "ran prompts.weekly for console:console, period 2026-03-02T09:00"
    said.clear()
    assert await run_job(config, CONSOLE, "prompts", None, out=said.append, now=NOW) == 1  # claimed like a scheduled run
    assert said == ["prompts.weekly already ran for console:console, period 2026-03-02T09:00: nothing sent (--period runs another)"]
    assert await run_job(config, CONSOLE, "prompts.weekly", "2026-03-09T09:00", out=said.append, now=NOW) == 0
    lines = await job_lines(config, Secrets(), NOW)
    assert "last period: 2026-03-09T09:00" in next(line for line in lines if "prompts.weekly" in line)


async def test_an_unknown_job_or_community_is_one_line(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DISCORD_TOKEN", raising=False)
    monkeypatch.delenv("SLACK_BOT_TOKEN", raising=False)
    with pytest.raises(ConfigError, match=r"no job 'weekly' for console:console \(its jobs: digest, prompts.weekly, quiet-dms\)"):
        await run_job(console_config(db_url), CONSOLE, "weekly", None, out=lambda _: None, now=NOW)
    with pytest.raises(ConfigError, match="is not served"):
        await run_job(console_config(db_url), CommunityRef(Platform.DISCORD, "1"), "digest", None, out=lambda _: None, now=NOW)
    assert main(["jobs", "run", "prompts", "--community", "nowhere", "--database", db_url]) == 2


async def test_jobs_run_posts_a_slack_community_s_prompt_through_the_web_api(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakeSlack()
    await fake.start()
    try:
        monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test-token")
        monkeypatch.setenv("SLACK_SIGNING_SECRET", "test-signing-secret")
        monkeypatch.delenv("DISCORD_TOKEN", raising=False)
        config = parse_config({
            "database": {"url": db_url}, "bot": {"cogs": ["prompts"]},
            "communities": [{"platform": "slack", "id": TEAM, "timezone": "Europe/Paris", "cogs": {"prompts": {"channel": "C0GENERAL"}}}],
            "slack": {"mode": "http", "host": "127.0.0.1", "port": 0, "api_base_url": fake.api},
        }, "test")
        said: list[str] = []
        assert await run_job(config, CommunityRef(Platform.SLACK, TEAM), "prompts", None, out=said.append, now=NOW) == 0
        [posted] = [c for c in fake.called("chat.postMessage") if c.params.get("channel") == "C0GENERAL"]
        assert "Question of the week" in posted.text_of_blocks()
    finally:
        await fake.stop()
