"""`engagebot doctor`: one line per check with its fix, against the same Discord and Slack stand-ins the adapter tests use."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from bot.cli import main
from bot.config import Secrets, parse_config
from bot.doctor import exit_code, key_checks, run_doctor
from storage.anonymity import load_or_create_key
from storage.db import Database, _upgrade_to, code_revisions
from tests.discord import shim
from tests.discord.test_login import TOKEN, FakeDiscord, fake_discord  # noqa: F401 - the stand-in's fixture
from tests.slack.fake_slack import TEAM, FakeSlack

NOW = datetime(2026, 3, 4, 15, 0, tzinfo=UTC)


def lines(checks: list[Any]) -> list[str]:
    return [c.line() for c in checks]


async def test_a_console_install_passes_and_shows_its_schedule(db_url: str) -> None:
    config = parse_config({"database": {"url": db_url}, "bot": {"cogs": ["prompts"]}}, "test")
    checks = await run_doctor(config, Secrets(), NOW)
    out = lines(checks)
    assert out[0].startswith("✓ configuration: test, 0 community(ies), cogs: prompts")
    assert out[1].startswith("✓ database: ") and out[1].endswith(", migrations current")
    assert any(line.startswith("✓ ballot key: none yet: created at ") for line in out)
    assert any("console" in line and "next: Mon 2026-03-09 09:00" in line for line in out)
    assert exit_code(checks) == 0


def discord_install(db_url: str, **community: Any) -> Any:
    return parse_config({
        "database": {"url": db_url}, "bot": {"cogs": ["onboarding", "prompts"]},
        "communities": [{"platform": "discord", "id": str(shim.GUILD_ID), "animator_roles": [str(shim.ANIMATOR_ROLE_ID)],
                         "managers": [str(shim.MEMBER_IDS["alice"])], **community}],
        "cogs": {"onboarding": {"rules_channel": "general", "introductions_channel": "general"}, "prompts": {"channel": "general"}},
    }, "test")


async def test_discord_all_good_then_each_problem_with_its_fix(fake_discord: FakeDiscord, db_url: str) -> None:  # noqa: F811
    secrets = Secrets(discord_token=TOKEN)
    checks = await run_doctor(discord_install(db_url), secrets, NOW)
    assert exit_code(checks) == 0, "\n".join(lines(checks))
    assert "✓ discord intents: server members and message content on" in lines(checks)
    assert f"✓ discord {shim.GUILD_ID}: prompts.channel: #general, the bot can post" in lines(checks)

    fake_discord.flags = 0
    fake_discord.everyone = 1 << 10  # View Channel only: nobody may post
    checks = await run_doctor(discord_install(db_url, managers=["900000000000000999"], animator_roles=["900000000000000777"]), secrets, NOW)
    out = "\n".join(lines(checks))
    assert exit_code(checks) == 1
    assert "✗ discord intents: SERVER MEMBERS INTENT and MESSAGE CONTENT INTENT off — Developer Portal" in out
    assert f"✗ discord {shim.GUILD_ID}: prompts.channel: the bot cannot post in #general — give its role View Channel, Send Messages" in out
    assert f"✗ discord {shim.GUILD_ID}: animator_roles: no role 900000000000000777 in this server" in out
    assert f"✗ discord {shim.GUILD_ID}: managers: 900000000000000999 is not a member of this server" in out
    checks = await run_doctor(discord_install(db_url), Secrets(), NOW)
    assert "✗ discord: DISCORD_TOKEN is not set — export DISCORD_TOKEN=" in "\n".join(lines(checks))


@pytest.fixture
async def slack_api() -> AsyncIterator[FakeSlack]:
    fake = FakeSlack(users={"UALICE": {"id": "UALICE", "name": "alice"}}, usergroups=[{"id": "S0ANIM", "handle": "animators", "users": []}])
    await fake.start()
    yield fake
    await fake.stop()


def slack_install(db_url: str, fake: FakeSlack, enabled: tuple[str, ...] = ("prompts",), **community: Any) -> Any:
    return parse_config({
        "database": {"url": db_url}, "bot": {"cogs": list(enabled)}, "slack": {"mode": "socket", "api_base_url": fake.api},
        "communities": [{"platform": "slack", "id": TEAM, "animator_roles": ["S0ANIM"], "managers": ["UALICE"],
                         "cogs": {"prompts": {"channel": "C0GENERAL"}}, **community}],
    }, "test")


async def test_slack_all_good_then_each_problem_with_its_fix(slack_api: FakeSlack, db_url: str) -> None:
    secrets = Secrets(slack_bot_token="xoxb-test", slack_app_token="xapp-test")
    checks = await run_doctor(slack_install(db_url, slack_api), secrets, NOW)
    assert exit_code(checks) == 0, "\n".join(lines(checks))
    assert f"✓ slack {TEAM}: prompts.channel: #general, the bot can post" in lines(checks)
    slack_api.scopes = "chat:write,commands"
    broken = slack_install(db_url, slack_api, managers=["UNOBODY"], animator_roles=["S0GONE"], cogs={"prompts": {"channel": "C0NOPE"}})
    out = "\n".join(lines(await run_doctor(broken, Secrets(slack_bot_token="xoxb-test"), NOW)))
    assert "✗ slack scopes: missing channels:history" in out and "reinstall the app" in out
    assert "✗ slack: Socket Mode needs SLACK_APP_TOKEN" in out
    assert f"✗ slack {TEAM}: prompts.channel: no channel 'C0NOPE'" in out
    assert f"✗ slack {TEAM}: animator_roles: no user group S0GONE" in out
    assert f"✗ slack {TEAM}: managers: no user UNOBODY" in out


async def test_slack_channels_given_by_name_are_looked_up_on_every_page(slack_api: FakeSlack, db_url: str) -> None:
    slack_api.page_size = 2
    slack_api.channels = {f"C0{i}": {"id": f"C0{i}", "name": f"room{i}", "is_member": True} for i in range(4)} | {
        "C0OUT": {"id": "C0OUT", "name": "annonces", "is_member": False},
        "G0TEAM": {"id": "G0TEAM", "name": "equipe", "is_member": True, "is_private": True}} | slack_api.channels
    install = slack_install(db_url, slack_api, ("prompts", "onboarding"), cogs={
        "prompts": {"channel": "#general"}, "onboarding": {"welcome_channel": "equipe", "rules_channel": "#annonces", "introductions_channel": "intros"}})
    out = lines(await run_doctor(install, Secrets(slack_bot_token="xoxb-test", slack_app_token="xapp-test"), NOW))
    assert f"✓ slack {TEAM}: prompts.channel: #general (C0GENERAL), the bot can post" in out  # on the last page
    assert f"✓ slack {TEAM}: onboarding.welcome_channel: #equipe (G0TEAM), the bot can post" in out  # private: listed too
    assert (f"! slack {TEAM}: onboarding.rules_channel: the bot is not a member of #annonces (C0OUT): it can post there but does not "
            "read it — /invite @engagebot in #annonces") in out
    assert (f"✗ slack {TEAM}: onboarding.introductions_channel: no channel #intros — create it, invite the bot if it is private "
            "(/invite @engagebot), or give the channel's id (C…)") in out
    [listing] = {c.params.get("types") for c in slack_api.called("conversations.list")}
    assert listing == "public_channel,private_channel" and len(slack_api.called("conversations.list")) == 4  # 7 channels, 2 a page: once


async def test_slack_without_the_usergroups_scope_says_which_scope_to_add_and_why(slack_api: FakeSlack, db_url: str) -> None:
    slack_api.fail("usergroups.list", error="missing_scope", needed="usergroups:read", provided="chat:write,commands")
    checks = await run_doctor(slack_install(db_url, slack_api), Secrets(slack_bot_token="xoxb-test", slack_app_token="xapp-test"), NOW)
    assert (f"✗ slack {TEAM}: user groups: cannot be listed: the token lacks the usergroups:read scope, needed to check the user-group "
            "ids (S…) and names in animator_roles and manager_roles — add usergroups:read to the app's Bot Token Scopes (or paste "
            "slack/manifest.yml again), then reinstall the app") in lines(checks)
    assert exit_code(checks) == 1


async def test_slack_a_user_group_name_in_the_configuration_matches_exactly_one(slack_api: FakeSlack, db_url: str) -> None:
    slack_api.usergroups = [{"id": "S0ANIM", "handle": "animators"}, {"id": "S0BOARD", "handle": "board", "name": "Board"},
                            {"id": "S0BOARD2", "handle": "board-2", "name": "board"}]
    checks = await run_doctor(slack_install(db_url, slack_api, animator_roles=["animators", "nobody"], manager_roles=["@board"]),
                              Secrets(slack_bot_token="xoxb-test", slack_app_token="xapp-test"), NOW)
    out = lines(checks)
    assert not any("'animators'" in line for line in out)
    assert f"✗ slack {TEAM}: animator_roles: no user group(s) named 'nobody' — give the right group's id (S…): start-up stops on this name" in out
    assert f"✗ slack {TEAM}: manager_roles: 2 user group(s) named '@board': @board (S0BOARD), @board-2 (S0BOARD2) — give the right group's id (S…): start-up stops on this name" in out


async def test_the_ballot_key_line_says_where_it_is_and_that_it_can_be_read_never_the_key(db_url: str, tmp_path: Path, config_home: Path) -> None:
    def key_line(key_file: Path | None = None) -> str:
        polls = {"key_file": str(key_file)} if key_file else {}
        [line] = [c.line() for c in key_checks(parse_config({"database": {"url": db_url}, "cogs": {"polls": polls}}, "test"))]
        return line

    default = config_home / "engagebot" / "ballot.key"
    assert key_line() == f"✓ ballot key: none yet: created at {default} when the polls cog starts ({config_home} is writable; back it up apart from the database)"
    key = load_or_create_key(default)
    assert key_line() == f"✓ ballot key: {default}, readable by the bot's user only (mode 600)"
    default.chmod(0o640)
    assert key_line() == f"✗ ballot key: {default} is readable by other users (mode 640) — chmod 600 {default}"
    (tmp_path / "a-folder").mkdir()
    assert key_line(tmp_path / "a-folder") == (f"✗ ballot key: {tmp_path / 'a-folder'} cannot be read (Is a directory) — make it a file the bot's user can read "
                                               "(chmod 600), or set [cogs.polls] key_file to another file, or set ENGAGEBOT_SECRET (see SECURITY.md)")
    (tmp_path / "garbage").write_text(key.hex()[:20] + "\n")
    assert key_line(tmp_path / "garbage").startswith(f"✗ ballot key: {tmp_path / 'garbage'} holds no key (64 hexadecimal digits expected) — put back")
    (tmp_path / "plain-file").write_text("")
    assert key_line(tmp_path / "plain-file" / "ballot.key").startswith(f"✗ ballot key: {tmp_path / 'plain-file' / 'ballot.key'} cannot be created: "
                                                                       f"{tmp_path / 'plain-file'} is not a folder")
    everything = "\n".join(key_line(k) for k in (None, tmp_path / "a-folder", tmp_path / "garbage"))
    assert key.hex() not in everything and key.hex()[:20] not in everything


def on_disk(folder: Path) -> list[str]:
    """The files in a folder (the database and the side files SQLite may create beside it)."""
    return sorted(p.name for p in folder.iterdir())


def console_install(url: str) -> Any:
    return parse_config({"database": {"url": url}, "bot": {"cogs": ["prompts"]}}, "test")


async def test_doctor_and_jobs_list_on_an_old_database_say_so_in_one_line_and_change_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "engagebot.db"
    url = f"sqlite+aiosqlite:///{path}"
    old = Database(url)
    await _upgrade_to(old, ["0001_foundation"])  # as the first release left it
    await old.close()
    before, files = path.read_bytes(), on_disk(tmp_path)
    expects = ", ".join(sorted(code_revisions(url)[0]))
    said = (f"the database at {url} is at revision 0001_foundation, the code expects {expects}: "
            "start the bot (or `engagebot db upgrade`) to upgrade")
    checks = await run_doctor(console_install(url), Secrets(), NOW)
    out = lines(checks)
    assert out[1] == f"! database: {said}"
    assert any(line.startswith("✓ ballot key: ") for line in out)  # the other checks go on
    assert any("console" in line and "next: Mon 2026-03-09 09:00 · last period: unknown" in line for line in out)
    assert exit_code(checks) == 0
    capsys.readouterr()
    assert await asyncio.to_thread(main, ["jobs", "list", "--database", url]) == 0
    assert capsys.readouterr().out.splitlines()[0] == said
    assert path.read_bytes() == before and on_disk(tmp_path) == files  # no WAL side file either
    with closing(sqlite3.connect(path)) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchall() == [("0001_foundation",)]


async def test_doctor_on_a_missing_or_empty_database_creates_nothing(database_url: str) -> None:
    checks = await run_doctor(console_install(database_url), Secrets(), NOW)
    where = database_url.split("@")[-1]
    have = "none (no database file yet)" if database_url.startswith("sqlite") else "none (no table yet)"
    assert lines(checks)[1].startswith(f"! database: the database at {where} is at revision {have}, the code expects ")
    assert lines(checks)[1].endswith(": start the bot (or `engagebot db upgrade`) to upgrade")
    assert any("last period: unknown" in line for line in lines(checks))
    if database_url.startswith("sqlite"):
        folder = Path(database_url.split("///", 1)[1]).parent
        assert on_disk(folder) == []  # no file created
        return
    db = Database(database_url)
    try:
        async with db.begin() as conn:
            tables = (await conn.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'"))).all()
    finally:
        await db.close()
    assert tables == []  # nothing created or migrated
