"""The console, scripted on the virtual clock: the way a new user (and the README) plays the bot."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from bot.cli import main

ROOT = Path(__file__).resolve().parents[1]


def play(tmp_path: Path, script: str, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, str]:
    path = tmp_path / "script.txt"
    path.write_text(textwrap.dedent(script), encoding="utf-8")
    db = f"sqlite+aiosqlite:///{tmp_path / 'console.db'}"
    config = tmp_path / "config.toml"  # the console itself, without feature cogs posting on their own
    config.write_text("[bot]\ncogs = []\n", encoding="utf-8")
    code = main(["run", "--script", str(path), "--start", "2026-01-05T09:00:00+00:00", "--database", db, "--config", str(config), *extra])
    return code, capsys.readouterr().out


def test_a_scripted_conversation_shows_ids_replies_reactions_and_private_answers(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = play(tmp_path, """
        /join alice
        hello everyone
        /join bob
        bob: welcome alice!
        /reply m1 thanks bob
        /react m1 👍
        /as alice
        /ping
    """, capsys)
    assert code == 0
    lines = out.splitlines()
    assert "09:00 ✦ alice joined" in lines
    assert "09:00 m1 #general alice: hello everyone" in lines
    assert "09:00 m2 #general bob: welcome alice!" in lines
    assert "09:00 m3 #general ↳m1 bob: thanks bob" in lines
    assert "09:00 ✦ bob +👍 on m1" in lines
    assert "09:00 🤖 (only alice sees) 🏓 Pong! I'm here." in lines


def test_wait_moves_the_virtual_clock_and_bad_lines_are_reported_with_their_number(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = play(tmp_path, """
        /wait 2d
        /time
        /react m42 👍
        /wait soon
    """, capsys)
    assert code == 1
    assert "Wed 2026-01-07 09:00 UTC" in out
    assert "⚠ no message m42\n   · (line 4)" in out  # the script starts with an empty line
    assert "⚠ not a duration: 'soon' (use 3d, 2h, 30m)" in out


def test_a_script_records_what_members_did_in_the_database(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import sqlite3

    play(tmp_path, """
        /join alice
        hi
        /join bob
        /reply m1 hey
        /react m1 🎉
        /unreact m1 🎉
        /leave
    """, capsys)
    with sqlite3.connect(tmp_path / "console.db") as conn:
        kinds = dict(conn.execute("select kind, count(*) from interactions group by kind").fetchall())
        removed = conn.execute("select count(*) from interactions where kind = 'reaction' and removed_at is not null").fetchone()[0]
        left = conn.execute("select left_at is not null from members where external_id = 'bob'").fetchone()[0]
    assert kinds == {"join": 2, "message": 1, "reply": 1, "reaction": 1, "leave": 1}
    assert removed == 1 and left == 1


def test_sigterm_flushes_every_queued_interaction_before_exit(tmp_path: Path) -> None:
    """The interactive console on stdin; SIGTERM while rows wait in the recorder's queue loses nothing."""
    db = tmp_path / "flush.db"
    config = tmp_path / "config.toml"
    # a long flush interval and a large batch: nothing is written until shutdown (no sentiment model to load)
    config.write_text('[database]\nflush_seconds = 60\nbatch_size = 10000\n[cogs.sentiment]\nbackend = "off"\n', encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("DISCORD_TOKEN", None)
    env.pop("SLACK_BOT_TOKEN", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "--config", str(config), "--database", f"sqlite+aiosqlite:///{db}", "run", "--console"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=tmp_path,
    )
    assert proc.stdin is not None and proc.stdout is not None
    lines = ["/join alice", *[f"message {i}" for i in range(25)], "/time"]
    proc.stdin.write("\n".join(lines) + "\n")
    proc.stdin.flush()
    # wait until the console has played every line (it answers /time last), then terminate it
    for line in proc.stdout:
        if "UTC" in line and "·" in line:
            break
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
    import sqlite3

    with sqlite3.connect(db) as conn:
        count = conn.execute("select count(*) from interactions where kind = 'message'").fetchone()[0]
    assert count == 25


def test_a_second_script_on_the_same_database_keeps_every_post(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Ids restart at m1 in each session; the database must not take the second session's posts for redeliveries."""
    import sqlite3

    script = """
        /join alice
        one
        two
        /reply m2 three
    """
    for _ in range(2):
        code, out = play(tmp_path, script, capsys)
        assert code == 0 and "m3 #general ↳m2 alice: three" in out
    with sqlite3.connect(tmp_path / "console.db") as conn:
        posts = conn.execute("select count(*) from interactions where kind in ('message', 'reply')").fetchone()[0]
        answered = conn.execute("select count(*) from interactions where kind = 'reply' and target_member_id is not null").fetchone()[0]
    assert posts == 6 and answered == 2


def test_a_member_cannot_answer_another_member_s_dm_and_presses_their_own_confirmation(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = play(tmp_path, """
        /join alice
        hello
        /forgetme
        /as bob
        /press m2 1
        /reply m2 me too
        /react m2 👍
        /as alice
        /press @dm 1
    """, capsys)
    assert code == 1  # bob's three lines failed
    assert "m2 🤖 (only alice sees)" in out  # the confirmation has an id: its button can be pressed
    assert out.count("⚠ m2 is a direct message to alice: only they can see it") == 3
    assert "(only alice sees) Done: everything stored about you has been erased." in out


def test_a_file_the_bot_hands_over_is_written_and_its_path_printed(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    script = tmp_path / "export.txt"
    script.write_text("/join alice\nhello\n/as you\n/recognition export csv\n", encoding="utf-8")
    config = tmp_path / "config.toml"
    config.write_text('[bot]\ncogs = ["recognition"]\n', encoding="utf-8")
    assert main(["run", "--script", str(script), "--start", "2026-01-05T09:00:00+00:00", "--config", str(config),
                 "--database", f"sqlite+aiosqlite:///{tmp_path / 'c.db'}"]) == 0
    written = [line for line in capsys.readouterr().out.splitlines() if "file written: " in line]
    path = Path(written[0].split("file written: ", 1)[1])
    assert path.parent == tmp_path / "engagebot-console" and path.read_text(encoding="utf-8").startswith("member")
