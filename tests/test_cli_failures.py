"""What a user meets when a database or a file cannot be used: one line and exit 2, never a traceback."""

from __future__ import annotations

import json
import logging
import socket
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy.exc import OperationalError

from bot.cli import main
from bot.failures import OneLineFormatter

JOIN = {"type": "member_joined", "platform": "console", "community": "c", "member": "u1", "name": "Ana", "at": "2026-01-05T09:00:00+00:00"}


def one_line(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err.strip()
    assert "Traceback" not in err and "\n" not in err, err
    return err


def test_a_database_in_a_missing_folder_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'nowhere' / 'bot.db'}"
    assert main(["db", "upgrade", "--database", url]) == 2
    assert "cannot open the file (does its folder exist" in one_line(capsys)


def test_a_corrupt_database_file_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bot.db"
    bad.write_bytes(b"this is not sqlite" * 500)
    assert main(["db", "upgrade", "--database", f"sqlite+aiosqlite:///{bad}"]) == 2
    assert "is not a SQLite database, or it is damaged" in one_line(capsys)


def test_an_unreachable_postgresql_is_one_line_without_the_password(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    assert main(["db", "upgrade", "--database", f"postgresql+asyncpg://bot:secret@127.0.0.1:{port}/engagebot"]) == 2
    err = one_line(capsys)
    assert "cannot connect" in err and "secret" not in err


def test_a_database_locked_at_start_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("storage.db.BUSY_TIMEOUT_MS", 50)  # gives up on the lock after 50 ms, not 5 s
    path = tmp_path / "bot.db"
    holder = sqlite3.connect(path, isolation_level=None)
    try:
        holder.execute("create table t (a)")
        holder.execute("begin exclusive")
        assert main(["db", "upgrade", "--database", f"sqlite+aiosqlite:///{path}"]) == 2
    finally:
        holder.close()
    assert "locked by another process" in one_line(capsys)


def test_an_import_file_that_is_not_utf8_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    log = tmp_path / "latin1.jsonl"
    log.write_bytes(json.dumps(JOIN).encode() + b"\n" + json.dumps({**JOIN, "name": "Zoé"}, ensure_ascii=False).encode("latin-1") + b"\n")
    assert main(["import", str(log), "--database", f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}"]) == 2
    assert "latin1.jsonl: line 2 is not UTF-8 text" in one_line(capsys)


def test_an_import_file_starting_with_a_byte_order_mark_is_imported(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    log = tmp_path / "notepad.jsonl"
    log.write_text(json.dumps(JOIN) + "\n", encoding="utf-8-sig")
    assert main(["import", str(log), "--database", f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}"]) == 0
    assert "imported 1 member_joined" in capsys.readouterr().out


def test_a_folder_given_to_import_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["import", str(tmp_path), "--database", f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}"]) == 2
    assert "is a folder" in one_line(capsys)


def test_a_lock_met_while_running_is_logged_in_one_line() -> None:
    """The recorder keeps its rows queued and retries; what it logs in the console's transcript is one line."""
    try:
        raise OperationalError("INSERT …", {}, sqlite3.OperationalError("database is locked"))
    except OperationalError:
        record = logging.LogRecord("engagebot.recorder", logging.ERROR, __file__, 1, "writing 3 rows failed; they stay queued", (), None)
        import sys

        record.exc_info = sys.exc_info()
    text = OneLineFormatter("%(message)s").format(record)
    assert text == "writing 3 rows failed; they stay queued (OperationalError: database is locked)"


def test_lock_contention_is_retried_quietly_then_said_once() -> None:
    from bot.failures import QuietLockRetries

    quiet = QuietLockRetries(every=10)
    shown = []
    for _ in range(25):
        try:
            raise OperationalError("INSERT …", {}, sqlite3.OperationalError("database is locked"))
        except OperationalError:
            import sys

            record = logging.LogRecord("engagebot.recorder", logging.ERROR, __file__, 1, "writing rows failed; they stay queued", (), sys.exc_info())
        if quiet.filter(record):
            shown.append(record.getMessage())
    assert shown == [f"writing rows failed; they stay queued (the database has been locked for {n} tries; still retrying)" for n in (10, 20)]
    other = logging.LogRecord("engagebot", logging.ERROR, __file__, 1, "something else", (), None)
    assert quiet.filter(other)
