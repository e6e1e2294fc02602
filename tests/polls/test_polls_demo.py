"""The demo shows a poll and an NPS survey run by the animator, and their results."""

from __future__ import annotations

from pathlib import Path

from bot.config import parse_config
from bot.demo import DemoOptions, run_demo


async def test_demo_animator_runs_a_poll_and_an_nps_survey_and_the_summary_shows_results(tmp_path: Path) -> None:
    lines: list[str] = []
    options = DemoOptions(out=tmp_path / "demo", members=40, weeks=2, quiet=True)
    await run_demo(parse_config({"bot": {"cogs": ["polls"]}}), options, out=lines.append)
    text = "\n".join(lines)
    assert "polls:" in text
    assert "#1 Which event should we hold next month? (closed," in text
    assert "#2 How likely are you to recommend this community to a friend or colleague? (closed," in text and "NPS " in text
