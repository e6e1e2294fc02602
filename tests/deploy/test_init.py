"""`engagebot init`: a commented config.toml that loads, its ids looked up through the platform, and the next steps."""

from __future__ import annotations

import argparse
import tomllib
from datetime import date
from pathlib import Path

import pytest

from bot.cli import build_parser, main
from bot.config import Secrets, parse_config, read_toml
from bot.init_cli import build, check, render
from tests.discord import shim
from tests.discord.test_login import TOKEN, FakeDiscord, fake_discord  # noqa: F401 - the stand-in's fixture
from tests.slack.fake_slack import TEAM, FakeSlack


def options(*argv: str) -> argparse.Namespace:
    return build_parser().parse_args(["init", *argv])


async def test_with_a_discord_token_the_server_is_looked_up_and_the_invite_link_has_the_application_id(fake_discord: FakeDiscord,  # noqa: F811
                                                                                                      tmp_path: Path) -> None:
    answers, notes = await build(options("--platform", "discord", "--locale", "fr", "--timezone", "Europe/Paris", "--prompts-channel", "general",
                                         "--animator-role", "Animator", "--manager", "alice", "--manager", "nobody"),
                                 Secrets(discord_token=TOKEN), "", None)
    assert (answers.id, answers.name) == (str(shim.GUILD_ID), "Les Jardiniers")
    assert f"application id: {shim.APP_ID}" in notes
    # the names typed are the server's ids now: channels, the animators' role, a manager; what is not found is said
    assert (answers.welcome_channel, answers.prompts_channel) == (str(shim.CHANNEL_IDS["welcome"]), str(shim.CHANNEL_IDS["general"]))
    assert answers.animator_roles == [str(shim.ANIMATOR_ROLE_ID)] and answers.managers == [str(shim.MEMBER_IDS["alice"]), "nobody"]
    assert "member 'nobody': not found: give their user id" in notes and "no channel #rules in the server yet: create it, or give another" in notes
    check(answers)
    written = tmp_path / "config.toml"
    written.write_text(render(answers, date(2026, 12, 4)), encoding="utf-8")
    config = parse_config(read_toml(written), str(written))
    [community] = config.communities
    assert (community.platform, community.id, community.locale, community.timezone) == ("discord", str(shim.GUILD_ID), "fr", "Europe/Paris")
    assert config.cog_settings("onboarding", community.ref)["welcome_channel"] == str(shim.CHANNEL_IDS["welcome"])
    assert "# Tokens never go in this file: export DISCORD_TOKEN" in written.read_text(encoding="utf-8")


async def test_with_a_slack_token_the_workspace_is_looked_up(tmp_path: Path) -> None:
    fake = FakeSlack()
    await fake.start()
    try:
        fake.users = {"UBOB": {"id": "UBOB", "name": "bob", "profile": {"display_name": "Bob"}}}
        fake.usergroups = [{"id": "S0ANIM", "handle": "animateurs", "name": "Animateurs"}]
        answers, notes = await build(options("--platform", "slack", "--animator-role", "animateurs", "--manager", "U0BOSS", "--manager", "bob",
                                             "--prompts-channel", "general"), Secrets(slack_bot_token="xoxb-test"), fake.api, None)
    finally:
        await fake.stop()
    assert answers.id == TEAM and notes[0] == f"workspace: Engage Test ({TEAM})"
    assert answers.prompts_channel == "C0GENERAL" and answers.animator_roles == ["S0ANIM"] and answers.managers == ["U0BOSS", "UBOB"]
    config = parse_config(tomllib.loads(render(answers, date(2026, 12, 4))), "init")
    assert config.communities[0].animator_roles == ["S0ANIM"] and config.communities[0].managers == ["U0BOSS", "UBOB"]


async def test_the_questions_are_asked_with_defaults_when_run_without_a_platform() -> None:
    said: list[str] = []
    replies = {"Platform": "console", "Console community name": "atelier", "Language": "fr", "Timezone": "Europe/Paris"}

    def ask(question: str, default: str) -> str:
        said.append(question)
        return next((v for k, v in replies.items() if question.startswith(k)), default)

    answers, _ = await build(options(), Secrets(), "", ask)
    assert (answers.platform, answers.id, answers.locale, answers.timezone) == ("console", "atelier", "fr", "Europe/Paris")
    assert said[0].startswith("Platform") and any(q.startswith("Welcome channel") for q in said)


def test_an_existing_file_is_not_overwritten_and_bad_answers_are_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("DISCORD_TOKEN", "SLACK_BOT_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    assert main(["init", "--platform", "discord", "--id", "123456789012345678"]) == 0
    assert "wrote config.toml" in capsys.readouterr().out
    assert main(["init", "--platform", "discord", "--id", "123456789012345678"]) == 2
    assert "config.toml exists: edit it, or run again with --force" in capsys.readouterr().err
    assert main(["init", "--platform", "discord", "--timezone", "Europe/Pariss", "--out", "other.toml", "--id", "1"]) == 2
    assert "init: timezone: unknown timezone 'Europe/Pariss'" in capsys.readouterr().err
    assert main(["init", "--platform", "slack", "--out", "slack.toml"]) == 2
    assert "the server or team id is needed" in capsys.readouterr().err




async def test_discord_names_matching_several_roles_or_members_stay_as_typed_and_the_note_lists_their_ids(
        fake_discord: FakeDiscord, tmp_path: Path) -> None:  # noqa: F811
    fake_discord.roles = [(900000000000000301, "Animateurs"), (900000000000000302, "animateurs"), (900000000000000303, "Gestion")]
    fake_discord.people = [{"id": "900000000000000401", "username": "ann"}, {"id": "900000000000000402", "username": "anna"},
                           {"id": "900000000000000403", "username": "sam_1", "global_name": "Sam"},
                           {"id": "900000000000000404", "username": "sam_2", "nick": "sam"},
                           {"id": "900000000000000405", "username": "bobby_99", "nick": "Bobby"}]
    answers, notes = await build(options("--platform", "discord", "--animator-role", "animateurs", "--animator-role", "nobody",
                                         "--manager-role", "gestion", "--manager", "ann", "--manager", "sam", "--manager", "BOBBY",
                                         "--manager", "bob"), Secrets(discord_token=TOKEN), "", None)
    assert answers.animator_roles == ["animateurs", "nobody"] and answers.manager_roles == ["900000000000000303"]
    assert ("role 'animateurs': 2 roles have this name, Animateurs (900000000000000301), animateurs (900000000000000302): left as typed, "
            "which stops start-up: put the right one's id in the file") in notes
    assert "role 'nobody': no such role in the server: give its id" in notes
    # members: the whole name only (never "anna" for "ann", nor "bobby_99" for "bob"), nickname or display name or username
    assert answers.managers == ["900000000000000401", "sam", "900000000000000405", "bob"]
    assert ("member 'sam': 2 members have this name, Sam (@sam_1, 900000000000000403), sam (@sam_2, 900000000000000404): "
            "left as typed: put the right one's user id in the file") in notes and "member 'bob': not found: give their user id" in notes
    config = parse_config(tomllib.loads(render(answers, date(2026, 12, 4))), "init")
    assert config.communities[0].animator_roles == ["animateurs", "nobody"]


async def test_slack_members_on_every_page_are_found_and_ambiguous_groups_or_members_stay_as_typed(tmp_path: Path) -> None:
    fake = FakeSlack(page_size=2)
    fake.users = {u: {"id": u, "name": n, "profile": {"display_name": d}} for u, n, d in [
        ("UANN", "ann", "Ann"), ("UBOB", "bob", ""), ("UCAROL", "carol", "Caro"), ("USAM1", "sam.one", "Sam"), ("USAM2", "sam", "")]}
    fake.usergroups = [{"id": "S0ANIM", "handle": "animateurs", "name": "Animateurs"}, {"id": "S0ANIM2", "handle": "anim", "name": "animateurs"},
                       {"id": "S0BOARD", "handle": "board", "name": "Board"}]
    fake.channels = {f"C0{i}": {"id": f"C0{i}", "name": f"room{i}"} for i in range(5)} | fake.channels
    await fake.start()
    try:
        answers, notes = await build(options("--platform", "slack", "--animator-role", "animateurs", "--manager-role", "board",
                                             "--manager-role", "gone", "--manager", "caro", "--manager", "sam", "--manager", "ann",
                                             "--prompts-channel", "general"), Secrets(slack_bot_token="xoxb-test"), fake.api, None)
    finally:
        await fake.stop()
    assert [c.params.get("cursor") for c in fake.called("users.list")] == [None, "2", "4"]  # every page, then no next cursor
    assert answers.prompts_channel == "C0GENERAL"  # on the third page of channels
    assert answers.managers == ["UCAROL", "sam", "UANN"]
    assert ("member 'sam': 2 members have this name, Sam (@sam.one, USAM1), sam (@sam, USAM2): left as typed: "
            "put the right one's member id (U…) in the file") in notes
    assert answers.animator_roles == ["animateurs"] and answers.manager_roles == ["S0BOARD", "gone"]
    assert ("user group 'animateurs': 2 user groups have this name, @animateurs (S0ANIM), @anim (S0ANIM2): left as typed, "
            "which stops start-up: put the right one's id in the file") in notes
    assert "user group 'gone': not found: give its id (S…)" in notes
    config = parse_config(tomllib.loads(render(answers, date(2026, 12, 4))), "init")
    assert config.communities[0].animator_roles == ["animateurs"] and config.communities[0].managers == ["UCAROL", "sam", "UANN"]


def test_a_console_config_writes_no_empty_staff_list_and_its_animator_role_still_works(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["init", "--platform", "console", "--id", "atelier"]) == 0
    written = tomllib.loads((tmp_path / "config.toml").read_text(encoding="utf-8"))
    [community] = written["communities"]
    assert community["platform"] == "console" and not {"animator_roles", "manager_roles", "managers"} & community.keys()
    [parsed] = parse_config(written, "init").communities
    assert (parsed.animator_roles, parsed.manager_roles, parsed.managers) == (None, None, [])  # the console's role names stay
    (tmp_path / "script.txt").write_text("/join alice\n/as you\n/poll list\n/role alice animator\n/as alice\n/poll list\n/as carol\n"
                                         "/join carol\n/poll list\n", encoding="utf-8")
    capsys.readouterr()
    assert main(["run", "--script", "script.txt", "--start", "2026-01-05T09:00:00+00:00", "--config", "config.toml",
                 "--database", f"sqlite+aiosqlite:///{tmp_path / 'console.db'}"]) == 0
    out = capsys.readouterr().out
    assert out.count("No polls yet. Start one with `/poll create`.") == 2  # you (an administrator), then alice, animator by /role
    assert out.count("`/poll list` is for animators or managers of this community") == 1  # carol, a member, is not
    assert main(["init", "--platform", "console", "--id", "atelier", "--animator-role", "host", "--out", "hosts.toml"]) == 0
    [community] = tomllib.loads((tmp_path / "hosts.toml").read_text(encoding="utf-8"))["communities"]
    assert community["animator_roles"] == ["host"] and not {"manager_roles", "managers"} & community.keys()
