"""Live runs (Discord, Slack) when the database is locked or unreachable: one line per failure streak, no traceback, no row lost."""

from __future__ import annotations

import io
import logging
import socket
import sqlite3
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import discord.ext.test as dpytest
import pytest
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError, OperationalError

import storage.db
from bot.cli import main
from bot.config import parse_config
from bot.failures import DatabaseOutages, outage
from storage.db import Database
from storage.directory import Directory
from storage.recorder import Recorder
from storage.recorder_faults import Backoff
from tests.discord import shim
from tests.test_storage import post

LOCKED = "is locked by another process"


class Clock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def live_log(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[io.StringIO, list[DatabaseOutages]]]:
    """What a live run's log shows (WARNING and up, through the filter `engagebot run` installs on Discord and Slack)."""
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    monkeypatch.setattr(root, "level", logging.WARNING)
    root.addHandler(handler)
    installed: list[DatabaseOutages] = []
    yield out, installed
    root.removeHandler(handler)


def install(log: tuple[io.StringIO, list[DatabaseOutages]], url: str, **options: Any) -> DatabaseOutages:
    outages = DatabaseOutages(url, **options)
    for handler in logging.getLogger().handlers:
        if isinstance(handler, logging.StreamHandler) and handler.stream is log[0]:
            handler.addFilter(outages)
    log[1].append(outages)
    return outages


def lines(out: io.StringIO, needle: str) -> list[str]:
    return [line for line in out.getvalue().splitlines() if needle in line]


def live_config(db_url: str) -> Any:
    """The Discord test guild with the recognition feature, whose listeners write to the database on every post."""
    return parse_config({
        "bot": {"cogs": ["tests.discord.sample_cog", "recognition"]},
        "database": {"url": db_url, "flush_seconds": 0.05},
        "communities": [{"platform": "discord", "id": str(shim.GUILD_ID), "locale": "en", "timezone": "Europe/Paris", "animator_roles": ["animator"]}],
        "discord": {"application_id": shim.APP_ID},
        "cogs": {"recognition": {"channel": ""}},
    }, "test")


async def test_a_database_locked_during_a_discord_run_is_one_line_per_streak_and_every_row_is_kept(
        discord_bot, db_url: str, live_log: tuple[io.StringIO, list[DatabaseOutages]], monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(storage.db, "BUSY_TIMEOUT_MS", 20)  # a locked write gives up after 20 ms, not 5 s
    h = await discord_bot(live_config(db_url))
    h.app.recorder.backoff = Backoff(first=0.0, longest=0.0)  # every flusher tick tries again
    out, _ = live_log
    install(live_log, db_url)
    alice, general = h.world.members["alice"], h.world.channels["general"]
    holder = sqlite3.connect(make_url(db_url).database or "", isolation_level=None)  # another process holding a write
    holder.execute("BEGIN IMMEDIATE")
    try:
        for i in range(3):
            await shim.post(f"post {i} while the file is locked", alice, general)  # recognition's listener fails to write
        await dpytest.member_join(0, name="erin")  # a join is written at once: it fails too
        await shim.settle()
        for _ in range(3):
            await h.app.recorder._flush_or_keep()  # the flusher's ticks
        assert h.app.recorder.backoff.failures >= 4
        shown = lines(out, LOCKED)
        assert len(shown) == 1, out.getvalue()
        assert "Traceback" not in out.getvalue() and "sqlite3.OperationalError" not in out.getvalue()
        assert "retrying (said once until it works again" in shown[0]
    finally:
        holder.execute("ROLLBACK")
    await h.app.recorder._flush_or_keep()
    assert len(lines(out, "the database takes interaction rows again: the queue is written (after ")) == 1
    posts = await h.rows("select count(*) from interactions where kind = 'message'")
    joins = await h.rows("select count(*) from interactions where kind = 'join'")
    assert posts[0][0] == 3 and joins[0][0] == 1  # kept in the queue, written once the lock was gone
    holder.execute("BEGIN IMMEDIATE")  # a new streak: one new line
    try:
        await shim.post("locked again", alice, general)
        await shim.settle()
        await h.app.recorder._flush_or_keep()
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert len(lines(out, LOCKED)) == 2 and "Traceback" not in out.getvalue()


async def test_an_unreachable_postgresql_during_a_run_is_one_line_and_the_rows_wait(live_log: tuple[io.StringIO, list[DatabaseOutages]]) -> None:
    with socket.socket() as sock:  # a port nobody listens on: the connection is refused at once
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"postgresql+asyncpg://bot:secret@127.0.0.1:{port}/engagebot"
    out, _ = live_log
    clock = Clock()
    install(live_log, url, monotonic=clock)
    db = Database(url)
    rec = Recorder(db, Directory(db), batch_size=1000, flush_seconds=60, backoff=Backoff(first=0.0, longest=0.0))
    try:
        for i in range(4):
            await rec.record(post(f"m{i}", "alice", i))
            await rec._flush_or_keep()
        assert rec.pending == 4 and rec.backoff.failures == 4
        shown = lines(out, "cannot connect")
        assert len(shown) == 1 and "Traceback" not in out.getvalue() and "secret" not in out.getvalue()
        assert "writing 1 interaction rows failed; they stay queued" in shown[0] and f"127.0.0.1:{port}" in shown[0]
        clock.now += 601  # ten minutes without a failure: the next one starts a new streak, said again
        await rec._flush_or_keep()
        assert len(lines(out, "cannot connect")) == 2
    finally:
        await db.close()


def test_only_database_outages_are_shortened_and_a_debug_run_keeps_every_traceback() -> None:
    url = "sqlite+aiosqlite:///bot.db"
    locked = OperationalError("INSERT …", {}, sqlite3.OperationalError("database is locked"))
    assert outage(locked, url) == f"database {url} {LOCKED} (another engagebot, or a tool holding a write)"
    assert outage(IntegrityError("INSERT …", {}, sqlite3.IntegrityError("UNIQUE constraint failed")), url) is None  # a bug: its traceback stays
    assert outage(ConnectionRefusedError(111, "Connect call failed"), url) is None  # not raised by the database layer (e.g. a platform's HTTP)
    outages = DatabaseOutages(url)

    def record(logger: str, err: BaseException) -> logging.LogRecord:
        try:
            raise err
        except BaseException:
            return logging.LogRecord(logger, logging.ERROR, __file__, 1, "writing rows failed", (), sys.exc_info())

    bug = record("engagebot.cogs.x", KeyError("oops"))
    assert outages.filter(bug) and bug.exc_info is not None
    debug = logging.getLogger("engagebot.test-debug")
    debug.setLevel(logging.DEBUG)
    try:
        verbose = record("engagebot.test-debug", locked)
        assert outages.filter(verbose) and verbose.exc_info is not None  # `-v`: every failure, with its traceback
        assert outages.filter(record("engagebot.test-debug", locked))
    finally:
        debug.setLevel(logging.NOTSET)


def own_logging(monkeypatch: pytest.MonkeyPatch) -> None:
    """`main` configures logging itself, as in a real process (pytest's own handlers set aside until the test ends)."""
    monkeypatch.setattr(logging.root, "handlers", [])
    monkeypatch.setattr(logging.root, "level", logging.root.level)


def one_line(capsys: pytest.CaptureFixture[str]) -> str:
    noise = ("voice will NOT be supported", "`token` will be unused")  # discord.py's and Bolt's own warnings at start, not about the database
    err = "\n".join(line for line in capsys.readouterr().err.splitlines() if not any(n in line for n in noise))
    assert "Traceback" not in err and "\n" not in err.strip(), err
    return err.strip()


@pytest.mark.parametrize("token", ["DISCORD_TOKEN", "SLACK_BOT_TOKEN"])
def test_engagebot_run_with_tokens_on_a_locked_database_is_one_line_and_exit_2(tmp_path: Path, migrated_template: Path, token: str,
                                                                              capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(storage.db, "BUSY_TIMEOUT_MS", 50)
    monkeypatch.setenv(token, "xoxb-test" if token.startswith("SLACK") else "MTIz.test.token")
    monkeypatch.setenv("SLACK_APP_TOKEN", "xapp-test")
    path = tmp_path / "bot.db"
    path.write_bytes(migrated_template.read_bytes())
    config = tmp_path / "config.toml"
    config.write_text(f'[database]\nurl = "sqlite:///{path}"\n[[communities]]\nplatform = "discord"\nid = "1"\n[[communities]]\nplatform = "slack"\nid = "T1"\n',
                      encoding="utf-8")
    holder = sqlite3.connect(path, isolation_level=None)  # another engagebot writing: the database opens, the first write waits
    holder.execute("BEGIN IMMEDIATE")
    own_logging(monkeypatch)
    try:
        assert main(["run", "--config", str(config)]) == 2
    finally:
        holder.close()
    assert "locked by another process" in one_line(capsys)


@pytest.mark.parametrize("token", ["DISCORD_TOKEN", "SLACK_BOT_TOKEN"])
def test_engagebot_run_with_tokens_on_an_unreachable_postgresql_is_one_line_and_exit_2(token: str, capsys: pytest.CaptureFixture[str],
                                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(token, "xoxb-test" if token.startswith("SLACK") else "MTIz.test.token")
    monkeypatch.setenv("SLACK_APP_TOKEN", "xapp-test")
    own_logging(monkeypatch)
    assert main(["run", "--database", "postgresql://127.0.0.1:1/x"]) == 2
    assert one_line(capsys) == "engagebot: database postgresql+asyncpg://127.0.0.1:1/x: cannot connect ([Errno 111] Connect call failed ('127.0.0.1', 1))"


def test_engagebot_run_with_tokens_logs_a_runtime_lock_in_one_line(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from bot import runner

    monkeypatch.setenv("DISCORD_TOKEN", "MTIz.test.token")
    monkeypatch.setattr(runner, "platform_adapters", lambda config, secrets: [object()])

    async def a_run_meeting_a_lock(config: Any, adapters: list[object]) -> None:
        for n in range(3):  # the recorder's flushes, a cog's write, a job: all within one streak
            try:
                raise OperationalError("INSERT …", {}, sqlite3.OperationalError("database is locked"))
            except OperationalError:
                logging.getLogger("engagebot.recorder").exception("writing %d interaction rows failed; they stay queued", n + 1)

    monkeypatch.setattr(runner, "run_platforms", a_run_meeting_a_lock)
    own_logging(monkeypatch)
    assert main(["run", "--database", f"sqlite:///{tmp_path / 'bot.db'}"]) == 0
    err = one_line(capsys)
    assert err.endswith("ERROR engagebot.recorder: writing 1 interaction rows failed; they stay queued: "
                        f"database sqlite+aiosqlite:///{tmp_path / 'bot.db'} is locked by another process (another engagebot, or a tool holding a write); "
                        "retrying (said once until it works again, -v shows every failure)"), err
