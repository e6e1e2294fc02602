"""Every console script in examples/ plays without a failing line (they are the user's first steps)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.cli import main

EXAMPLES = sorted((Path(__file__).resolve().parents[1] / "examples").glob("*.txt"))


@pytest.mark.parametrize("start", ["2026-01-05T09:00:00+01:00", "2026-01-05T08:59:00+01:00"], ids=["documented", "a-minute-earlier"])
@pytest.mark.parametrize("script", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_example_script_plays_cleanly(script: Path, start: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """At the documented start, and a minute earlier (the weekly prompt then goes out first and every id moves)."""
    db = f"sqlite+aiosqlite:///{tmp_path / 'example.db'}"
    code = main(["run", "--script", str(script), "--start", start, "--database", db])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "⚠" not in out


@pytest.mark.parametrize("script", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_examples_name_posts_by_label_not_by_number(script: Path) -> None:
    lines = [line for line in script.read_text(encoding="utf-8").splitlines() if not line.startswith("#")]
    assert not [line for line in lines if re.search(r"^/(reply|react|unreact|press|click|label \S+) m\d+\b", line)]
