"""The command line: help, version, database upgrade, one-line errors."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from bot import __version__
from bot.cli import build_parser, main


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["version"]) == 0
    assert capsys.readouterr().out.strip() == f"engagebot {__version__}"


def test_help_lists_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        build_parser().parse_args(["--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    for command in ("run", "demo", "db", "version"):
        assert command in out


def test_db_upgrade_creates_the_schema_and_hides_the_password(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "new.db"
    assert main(["db", "upgrade", "--database", f"sqlite+aiosqlite:///{db}"]) == 0
    assert "database is up to date" in capsys.readouterr().out
    with sqlite3.connect(db) as conn:
        tables = {r[0] for r in conn.execute("select name from sqlite_master where type = 'table'")}
    assert {"communities", "members", "channels", "interactions", "job_runs", "alembic_version"} <= tables


def test_a_missing_script_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "--script", str(tmp_path / "nope.txt")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("engagebot: --script: cannot read") and "\n" not in err


def test_a_bad_start_time_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    script = tmp_path / "s.txt"
    script.write_text("/time\n", encoding="utf-8")
    assert main(["run", "--script", str(script), "--start", "next monday"]) == 2
    assert "--start: 'next monday' is not an ISO 8601 time" in capsys.readouterr().err


def test_a_bad_database_url_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["db", "upgrade", "--database", "mysql://localhost/x"]) == 2
    assert "database.url: use sqlite:///FILE or postgresql://USER:PASSWORD@HOST/DB" in capsys.readouterr().err
