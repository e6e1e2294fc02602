"""Configuration: a bad file or value stops start-up with one line naming the key and the reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main
from bot.config import ConfigError, Secrets, load_config

ROOT = Path(__file__).resolve().parents[1]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_example_configuration_is_valid() -> None:
    config = load_config(ROOT / "config.example.toml")
    assert config.database.url.startswith("sqlite+aiosqlite://")
    assert config.database.store_text is False


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('[[communities]]\nplatform = "discord"\nid = "1"\ntimezone = "Europe/Pariss"\n', "communities.0.timezone: unknown timezone 'Europe/Pariss'"),
        ('[bot]\nlocale = "de"\n', "bot.locale: Input should be 'en' or 'fr'"),
        ('[database]\nurl = "mysql://x"\n', "database.url: use sqlite:///FILE or postgresql://USER:PASSWORD@HOST/DB"),
        ('[databse]\nurl = "x"\n', "databse: unknown key (typo?)"),
        ('[database]\nbatch_size = 0\n', "database.batch_size: Input should be greater than or equal to 1"),
        ('[[communities]]\nplatform = "irc"\nid = "1"\n', "communities.0.platform: Input should be"),
        ('[[communities]]\nplatform = "slack"\nid = "T1"\n[[communities]]\nplatform = "slack"\nid = "T1"\n', "communities.1.id: community slack:T1 is configured twice"),
        ("[bot\nlocale = 'en'\n", "not valid TOML"),
    ],
)
def test_bad_configurations_are_refused_in_one_line(tmp_path: Path, text: str, expected: str) -> None:
    with pytest.raises(ConfigError) as err:
        load_config(write(tmp_path, text))
    message = str(err.value)
    assert expected in message
    assert "\n" not in message
    assert message.startswith(str(tmp_path / "config.toml"))


def test_cli_prints_one_line_and_exits_2_on_a_bad_config(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, '[bot]\ntimezone = "Mars/Olympus"\n')
    assert main(["--config", str(path), "version"]) == 2
    err = capsys.readouterr().err.strip()
    assert err == f"engagebot: {path}: bot.timezone: unknown timezone 'Mars/Olympus' (use an IANA name such as Europe/Paris)"


def test_missing_config_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="file not found"):
        load_config(tmp_path / "nope.toml")


def test_database_override_replaces_the_configured_url(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, '[database]\nurl = "sqlite+aiosqlite:///a.db"\n'), "sqlite+aiosqlite:///b.db")
    assert config.database.url == "sqlite+aiosqlite:///b.db"


def test_secrets_come_from_the_environment_and_never_show_in_repr() -> None:
    secrets = Secrets.from_env({"DISCORD_TOKEN": "very-secret-token", "SLACK_BOT_TOKEN": ""})
    assert secrets.discord_token == "very-secret-token"
    assert secrets.slack_bot_token is None
    assert "very-secret-token" not in repr(secrets) and "very-secret-token" not in str(secrets)
    assert "discord_token=set" in repr(secrets)


def test_per_community_cog_settings_override_the_defaults(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, """
[cogs.demo]
channel = "general"
hour = 9
[[communities]]
platform = "discord"
id = "42"
[communities.cogs.demo]
channel = "annonces"
"""))
    from bot.core.refs import CommunityRef, Platform

    assert config.cog_settings("demo", CommunityRef(Platform.DISCORD, "42")) == {"channel": "annonces", "hour": 9}
    assert config.cog_settings("demo", CommunityRef(Platform.DISCORD, "other")) == {"channel": "general", "hour": 9}
