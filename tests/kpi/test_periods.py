"""Which period a manager gets: the last one with data by default, months and ranges, and "no data" before the community existed."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.cli import main
from bot.config import ConfigError, parse_config
from bot.kpi_cli import run_report
from cogs.digest.service import weekly_series
from storage.db import Database
from storage.kpi.period import Period
from tests.kpi.conftest import DATA, G1, PARIS

DECEMBER = datetime(2026, 12, 4, 16, 0, tzinfo=UTC)  # months after community.jsonl ends (its last post: Monday 2026-02-09, W07)


@pytest.fixture
def imported(tmp_path: Path) -> str:
    url = f"sqlite+aiosqlite:///{tmp_path / 'report.db'}"
    assert main(["import", "--database", url, str(DATA / "community.jsonl")]) == 0
    return url


def config_for(url: str) -> object:
    return parse_config({"database": {"url": url}, "communities": [{"platform": "discord", "id": "g1", "timezone": PARIS}]})


async def test_without_a_period_the_report_is_the_last_complete_week_with_data_and_says_so(imported: str) -> None:
    note = io.StringIO()
    out = json.loads(await run_report(config_for(imported), None, None, "json", now=DECEMBER, note=note))  # type: ignore[arg-type]
    assert out["period"]["start"].startswith("2026-02-08T23:00") and out["kpis"]["posts"] > 0  # W07, not December's week
    assert note.getvalue() == "report: discord:g1: 2026-W07, the last complete week with data (its data ends 2026-02-09); choose another with --period\n"


async def test_a_month_and_a_date_range_are_periods_too(imported: str) -> None:
    config = config_for(imported)
    month = json.loads(await run_report(config, "discord:g1", "2026-02", "json", now=DECEMBER))  # type: ignore[arg-type]
    weeks = [json.loads(await run_report(config, "discord:g1", w, "json", now=DECEMBER))["kpis"]["posts"] for w in ("2026-W06", "2026-W07")]  # type: ignore[arg-type]
    assert month["period"]["start"].startswith("2026-01-31T23:00") and month["period"]["end"].startswith("2026-02-28T23:00")
    assert month["kpis"]["posts"] == sum(weeks)  # February's posts are those of W06 and W07 (the log has none later)
    span = json.loads(await run_report(config, "discord:g1", "2026-02-02..2026-02-15", "json", now=DECEMBER))  # type: ignore[arg-type]
    assert span["kpis"]["posts"] == sum(weeks)
    assert span["period"]["start"].startswith("2026-02-01T23:00") and span["period"]["end"].startswith("2026-02-15T23:00")


async def test_a_period_not_over_yet_is_refused_in_one_line(imported: str) -> None:
    with pytest.raises(ConfigError, match="2026-12 is not over yet"):
        await run_report(config_for(imported), "discord:g1", "2026-12", "json", now=DECEMBER)  # type: ignore[arg-type]


def test_report_finds_the_only_community_and_takes_platform_id(imported: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", "--database", imported, "--period", "2026-W06", "--format", "json"]) == 0
    alone = json.loads(capsys.readouterr().out)
    assert main(["report", "--database", imported, "--community", "discord:g1", "--period", "2026-W06", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == alone and alone["community"]["id"] == "g1"
    assert main(["report", "--database", imported, "--community", "g1"]) == 2
    assert "--community: 'g1': write PLATFORM:ID" in capsys.readouterr().err


def test_with_two_communities_report_asks_which_in_one_line(imported: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    other = tmp_path / "other.jsonl"
    other.write_text(json.dumps({"type": "member_joined", "platform": "slack", "community": "T1", "member": "U1", "at": "2026-01-05T09:00:00+00:00"}) + "\n")
    assert main(["import", "--database", imported, str(other)]) == 0
    capsys.readouterr()
    assert main(["report", "--database", imported]) == 2
    assert capsys.readouterr().err.strip() == "engagebot: report: the database holds 2 communities; choose one with --community (discord:g1, slack:T1)"


async def test_weeks_before_the_first_event_are_no_data_not_zero(imported: str) -> None:
    db = Database(imported, in_loop=True)
    try:
        periods, active, posts = await weekly_series(db, G1, Period.parse("2026-W07", PARIS), weeks=6)
    finally:
        await db.close()
    assert [p.label for p in periods][:2] == ["2026-W02", "2026-W03"]  # community.jsonl starts on Monday 2026-01-05 (W02)
    before = Period.parse("2026-W01", PARIS)
    db = Database(imported, in_loop=True)
    try:
        early, early_active, early_posts = await weekly_series(db, G1, before, weeks=3)
    finally:
        await db.close()
    assert early_active == [None, None, None] and early_posts == [None, None, None]
    assert None not in active and None not in posts


def test_a_report_of_a_week_before_the_first_event_says_no_data(imported: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", "--database", imported, "--period", "2025-W50"]) == 0
    assert "No data for 2025-W50: this community's first recorded event is on 05/01/2026." in capsys.readouterr().out
    assert main(["report", "--database", imported, "--period", "2025-W50", "--format", "json"]) == 0
    kpis = json.loads(capsys.readouterr().out)["kpis"]
    assert kpis["members_total"] is None and kpis["active_members"] is None
