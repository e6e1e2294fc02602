"""`engagebot report` in every format, with goals met / not met and the chart."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from bot.cli import main
from bot.config import ConfigError, parse_config
from storage.kpi import evaluate_goals, parse_goal
from tests.kpi.conftest import DATA
from tests.kpi.test_kpis import EXPECTED_W05, EXPECTED_W06

CONFIG = """
[[communities]]
platform = "discord"
id = "g1"
name = "Les Jardiniers"
timezone = "Europe/Paris"
locale = "{locale}"
goals = ["activity_rate >= 0.25", "median_first_response_minutes <= 30", "nps >= 30", "csat > 50"]
"""


@pytest.fixture
def community_db(tmp_path: Path) -> tuple[str, Path]:
    """A SQLite file with community.jsonl imported, and a configuration for it."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'report.db'}"
    assert main(["import", "--database", url, str(DATA / "community.jsonl")]) == 0
    return url, tmp_path


def _report(url: str, folder: Path, fmt: str, capsys: pytest.CaptureFixture[str], locale: str = "en", *extra: str) -> str:
    config = folder / f"config-{locale}.toml"
    config.write_text(CONFIG.format(locale=locale), encoding="utf-8")
    capsys.readouterr()
    assert main(["report", "--config", str(config), "--database", url, "--platform", "discord", "--community", "g1",
                 "--period", "2026-W06", "--format", fmt, *extra]) == 0
    return capsys.readouterr().out


def test_the_json_report_is_kpi_md_s_object_with_goals(community_db: tuple[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    data = json.loads(_report(*community_db, "json", capsys))
    assert data["kpis"] == EXPECTED_W06 and data["previous"] == EXPECTED_W05
    assert data["period"]["timezone"] == "Europe/Paris" and data["community"]["name"] == "Les Jardiniers"
    assert [(g["goal"], g["met"], g["gap"]) for g in data["goals"]] == [
        ("activity_rate >= 0.25", True, 0.0), ("median_first_response_minutes <= 30", False, 15.0), ("nps >= 30", False, 5.0), ("csat > 50", True, 0.0),
    ]


def test_the_csv_report_has_one_row_per_kpi_with_previous_and_delta(community_db: tuple[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    rows = list(csv.DictReader(io.StringIO(_report(*community_db, "csv", capsys))))
    by_key = {r["kpi"]: r for r in rows}
    assert len(rows) == 27
    assert by_key["active_members"] == {"period": "2026-W06", "kpi": "active_members", "value": "8", "previous": "2", "delta": "6", "null_reason": ""}
    # sentiment is on by default: nothing was scored, or the nlp extra it needs is not installed
    from bot.nlp.sentiment import nlp_installed

    expected = "no post of the period was scored" if nlp_installed() else "sentiment model not installed (pip install 'engagebot[nlp]')"
    assert by_key["sentiment"]["null_reason"] == expected
    assert by_key["hubs"]["value"] == "a b c"


def test_the_text_and_markdown_reports_read_like_the_digest(community_db: tuple[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    chart = community_db[1] / "chart.png"
    out = _report(*community_db, "text", capsys, "en", "--chart", str(chart))
    assert "Weekly digest · Les Jardiniers · week 2026-W06 (02/02 – 08/02)" in out
    assert "Active members: 8 (▲ 6) · activity rate 89% (▲ 66.7 pts)" in out
    assert "✅ Activity rate ≥ 25%: 89% — met" in out
    assert "❌ Median time to a first answer ≤ 30 min: 45 min — not met, 15 min to go" in out
    assert "Regulars gone quiet this week: @H" in out and "Most connected members: @Alice, @B, and @C" in out
    assert chart.read_bytes().startswith(b"\x89PNG")
    md = _report(*community_db, "markdown", capsys, "fr")
    assert md.startswith("# Bilan hebdomadaire · Les Jardiniers · semaine 2026-W06")
    assert "## Objectifs" in md and "- ❌ NPS ≥ +30\u00a0: +25 — non atteint, encore 5" in md


def test_a_report_for_an_unknown_community_or_period_is_one_clear_line(community_db: tuple[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    url, _ = community_db
    assert main(["report", "--database", url, "--platform", "slack", "--community", "T404"]) == 2
    assert "no community slack:T404 in the database" in capsys.readouterr().err
    assert main(["report", "--database", url, "--platform", "discord", "--community", "g1", "--period", "2026-W99"]) == 2
    assert "--period: '2026-W99': 2026 has no week 99" in capsys.readouterr().err


def test_goals_report_the_gap_and_unknown_kpis_or_operators_stop_start_up() -> None:
    results = evaluate_goals([parse_goal("activity_rate >= 0.25"), parse_goal("median_first_response_minutes <= 120"), parse_goal("nps > 0")],
                             {"activity_rate": 0.2, "median_first_response_minutes": 90.5, "nps": None})
    assert [(r.met, r.gap) for r in results] == [(False, 0.05), (True, 0.0), (None, None)]
    for bad, message in (("activty_rate >= 0.2", "unknown KPI 'activty_rate'"), ("activity_rate => 0.2", "unknown operator '=>'"),
                         ("activity_rate >= lots", "write a goal as KPI OPERATOR NUMBER")):
        with pytest.raises(ConfigError, match=message) as err:
            parse_config({"communities": [{"platform": "discord", "id": "1", "goals": [bad]}]}, "config.toml")
        assert str(err.value).startswith("config.toml: communities.0.goals:") and "\n" not in str(err.value)
