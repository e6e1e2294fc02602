"""The onboarding console example and the demo's funnel of simulated newcomers."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from bot.config import parse_config
from bot.demo import DemoOptions, run_demo
from bot.runner import run_script

EXAMPLE = Path(__file__).parent.parent / "examples" / "onboarding.txt"


async def test_console_example_plays_a_newcomers_first_week_without_errors(db_url: str) -> None:
    out: list[str] = []
    config = parse_config({"database": {"url": db_url}})
    errors = await run_script(config, EXAMPLE.read_text(encoding="utf-8").splitlines(), start=datetime.fromisoformat("2026-01-05T09:00+01:00"),
                              out=out.append)
    text = "\n".join(out)
    assert errors == 0, text
    assert "Welcome to our community 🌱" in text and "@you will be your buddy this week" in text
    assert "It's been 3 days since you joined" in text and "one week with us already" not in text  # bob opted out
    assert "**05/01** joined 2, of whom: accepted the rules 1 (50%)" in text


async def test_demo_prints_the_funnel_of_its_simulated_newcomers(tmp_path: Path) -> None:
    out: list[str] = []
    config = parse_config({"cogs": {"onboarding": {"check_cron": "5 */6 * * *"}}})  # checked less often: a faster test
    await run_demo(config, DemoOptions(out=tmp_path, members=24, weeks=2, quiet=True), out=out.append)
    text = "\n".join(out)
    assert "onboarding:" in text and "newcomers followed: 26" in text  # 24 members, the animator and the manager
    assert "joined 26, of whom: accepted the rules" in text and "active in their second week" in text
