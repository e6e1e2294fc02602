"""Small things an admin meets on day one: database URLs as typed, sentiment's reason without the nlp extra."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main
from bot.config import ConfigError, load_config
from cogs.digest.service import sentiment_on
from tests.conftest import COMMUNITY, make_config


@pytest.mark.parametrize(("typed", "used"), [
    ("sqlite:///engagebot.db", "sqlite+aiosqlite:///engagebot.db"),
    ("postgresql://bot:secret@db.example/engagebot", "postgresql+asyncpg://bot:secret@db.example/engagebot"),
    ("postgres://db.example/engagebot", "postgresql+asyncpg://db.example/engagebot"),
    ("postgresql+psycopg2://db.example/engagebot", "postgresql+asyncpg://db.example/engagebot"),
    ("sqlite+aiosqlite:///x.db", "sqlite+aiosqlite:///x.db"),
])
def test_a_database_url_is_taken_as_a_user_types_it(typed: str, used: str) -> None:
    assert load_config(None, typed).database.url == used


def test_an_unknown_database_is_one_line() -> None:
    with pytest.raises(ConfigError, match=r"^defaults: database.url: use sqlite:///FILE or postgresql://USER:PASSWORD@HOST/DB$"):
        load_config(None, "mysql://db.example/engagebot")


def test_db_upgrade_and_report_run_on_a_plain_sqlite_url(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'plain.db'}"
    assert main(["db", "upgrade", "--database", url]) == 0
    assert (tmp_path / "plain.db").exists()


def test_without_the_nlp_extra_sentiment_says_it_is_not_installed(monkeypatch: pytest.MonkeyPatch, db_url: str) -> None:
    import bot.nlp.sentiment as nlp

    monkeypatch.setattr(nlp, "nlp_installed", lambda: False)
    wanted = make_config(db_url, cogs={"sentiment": {"backend": "auto"}})
    assert sentiment_on(wanted, COMMUNITY) == "sentiment_no_extra"
    off = make_config(db_url, cogs={"sentiment": {"backend": "off"}})
    assert sentiment_on(off, COMMUNITY) == "sentiment_off"
