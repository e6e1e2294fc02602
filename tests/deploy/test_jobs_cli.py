"""`engagebot jobs list` and `jobs run`: see what fires when, fire a prompt or a digest now, never twice for a period."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from bot.adapters.slack import build_slack_adapter
from bot.app import Engagebot
from bot.cli import main
from bot.config import ConfigError, Secrets, parse_config
from bot.core.clock import VirtualClock
from bot.core.refs import CommunityRef, Platform
from bot.jobs_cli import find_job, job_lines, planned_bot, run_job
from storage.db import Database
from tests.discord import shim
from tests.discord.test_login import TOKEN, FakeDiscord, fake_discord  # noqa: F401 - the Discord API stand-in's fixture
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


async def test_jobs_run_on_discord_logs_in_over_http_only_and_the_running_bot_does_not_post_the_period_again(
        fake_discord: FakeDiscord, db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    monkeypatch.setenv("DISCORD_TOKEN", TOKEN)
    monkeypatch.delenv("SLACK_BOT_TOKEN", raising=False)
    community = CommunityRef(Platform.DISCORD, str(shim.GUILD_ID))
    config = parse_config({
        "database": {"url": db_url}, "bot": {"cogs": ["prompts"]}, "discord": {"application_id": shim.APP_ID},
        "communities": [{"platform": "discord", "id": str(shim.GUILD_ID), "timezone": "Europe/Paris", "cogs": {"prompts": {"channel": "general"}}}],
    }, "test")
    said: list[str] = []
    assert await run_job(config, community, "prompts", None, out=said.append, now=NOW) == 0
    assert said == [f"ran prompts.weekly for {community}, period 2026-03-02T09:00"]
    assert fake_discord.identify is None and ("GET", "/gateway") not in fake_discord.calls  # logged in over HTTP, never on the gateway
    assert ("GET", "/api/v10/users/@me") in fake_discord.calls
    assert not [c for c in fake_discord.calls if c[1].endswith("/commands")]  # the running bot's slash commands are left alone
    [(channel, payload)] = fake_discord.posted  # the channel named `general`, found through the REST API
    assert channel == str(shim.CHANNEL_IDS["general"]) and "Question of the week" in json.dumps(payload, ensure_ascii=False)
    # the running bot's scheduler, on the same database, finds the period done: it does not post it again
    running = planned_bot(config, [community], clock=VirtualClock(NOW))
    try:
        spec = find_job(running.scheduler.specs, community, "prompts.weekly")
        assert await running.scheduler.run(spec, datetime(2026, 3, 2, 8, 0, tzinfo=UTC)) is False
        assert await running.scheduler.runs.is_done(str(community), "prompts.weekly", "2026-03-02T09:00")
    finally:
        await running.db.close()
    assert len(fake_discord.posted) == 1


@pytest.mark.parametrize("mode", ["http", "socket"])
async def test_jobs_run_beside_the_running_slack_bot_opens_no_socket_binds_no_port_and_posts_the_period_once(
        mode: str, db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakeSlack()
    await fake.start()
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test-token")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "test-signing-secret")
    monkeypatch.setenv("SLACK_APP_TOKEN", "xapp-test-token")
    monkeypatch.delenv("DISCORD_TOKEN", raising=False)
    community = CommunityRef(Platform.SLACK, TEAM)

    def config(port: int) -> Any:
        return parse_config({
            "database": {"url": db_url}, "bot": {"cogs": ["prompts"]},
            "communities": [{"platform": "slack", "id": TEAM, "timezone": "Europe/Paris", "cogs": {"prompts": {"channel": "C0GENERAL"}}}],
            "slack": {"mode": mode, "host": "127.0.0.1", "port": port, "api_base_url": fake.api},
        }, "test")

    # the bot runs (Monday 08:30 in Paris, its clock virtual, its SQLite on aiosqlite's thread as live): it listens
    clock = VirtualClock(datetime(2026, 3, 2, 7, 30, tzinfo=UTC))
    bot = Engagebot(config(0), clock=clock, database=Database(db_url))
    adapter = build_slack_adapter(config(0), Secrets.from_env(), clock=clock)
    assert adapter is not None
    bot.add_adapter(adapter)
    await bot.start()
    try:
        listening = adapter.port or 0  # HTTP mode: the running bot's port, which `jobs run` must not try to bind
        sockets = len(fake.called("apps.connections.open"))
        said: list[str] = []
        assert await run_job(config(listening), community, "prompts", None, out=said.append, now=NOW) == 0
        assert len(fake.called("apps.connections.open")) == sockets  # no Socket Mode connection of its own
        posts = [c for c in fake.called("chat.postMessage") if c.params.get("channel") == "C0GENERAL"]
        assert len(posts) == 1 and "Question of the week" in posts[0].text_of_blocks()  # through the Web API
        await bot.scheduler.advance_to(datetime(2026, 3, 2, 8, 1, tzinfo=UTC))  # 09:00 in Paris: the bot's own run of that period
        assert [c for c in fake.called("chat.postMessage") if c.params.get("channel") == "C0GENERAL"] == posts  # not posted again
    finally:
        await bot.stop()
        await fake.stop()
