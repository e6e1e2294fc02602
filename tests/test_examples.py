"""Every console script in examples/ plays without a failing line (they are the user's first steps)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main

EXAMPLES = sorted((Path(__file__).resolve().parents[1] / "examples").glob("*.txt"))


@pytest.mark.parametrize("script", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_example_script_plays_cleanly(script: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = f"sqlite+aiosqlite:///{tmp_path / 'example.db'}"
    code = main(["run", "--script", str(script), "--start", "2026-01-05T09:00:00+01:00", "--database", db])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "⚠" not in out
