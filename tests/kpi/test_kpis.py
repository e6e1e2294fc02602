"""Every KPI of KPI.md on small hand-computed event logs (tests/kpi/data), week boundaries in Europe/Paris."""

from __future__ import annotations

import json

import pytest

from bot.core.refs import CommunityRef, Platform
from storage.db import Database
from storage.directory import Directory
from storage.kpi import ALL_KEYS, NUMERIC_KEYS, Period, compute_report
from storage.kpi.export import report_dict
from tests.kpi.conftest import G1, PARIS, import_logs

W06 = Period.parse("2026-W06", PARIS)

# community.jsonl, worked out by hand (see the comments in tests/kpi/data/README.md)
EXPECTED_W06 = {
    "members_total": 9, "new_members": 2, "left_members": 2, "net_growth": 0,
    "active_members": 8, "activity_rate": 0.8889, "posters": 6, "posts": 11, "replies": 5, "reactions": 5, "posts_per_active": 1.375,
    "response_rate": 0.3333, "median_first_response_minutes": 45.0,
    "returning_rate": 1.0, "newcomer_activation": 0.5, "newcomer_retention": 1.0, "at_risk": ["h"],
    "top10_share": 0.2727, "absence_factor": 3,
    "participation_9091": {"lurkers": 2, "contributors": 6, "super_contributors": 1},
    "hubs": ["a", "b", "c"], "isolated": ["e", "g"],
    "poll_votes": 7, "poll_participation": 0.4444, "nps": 25.0, "csat": 66.6667, "sentiment": None,
}
EXPECTED_W05 = {
    "members_total": 9, "new_members": 2, "left_members": 0, "net_growth": 2,
    "active_members": 2, "activity_rate": 0.2222, "posters": 2, "posts": 2, "replies": 0, "reactions": 0, "posts_per_active": 1.0,
    "response_rate": 0.0, "median_first_response_minutes": None,
    "returning_rate": 0.0, "newcomer_activation": None, "newcomer_retention": None,
    "top10_share": 0.5, "absence_factor": 1, "poll_votes": 0, "poll_participation": 0.0, "nps": None, "csat": None,
}


async def test_every_kpi_of_a_hand_computed_week(kpi_db: Database) -> None:
    await import_logs(kpi_db, "community.jsonl")
    report = await compute_report(kpi_db, G1, W06, sentiment=False)
    assert report.kpis == EXPECTED_W06
    assert report.previous == EXPECTED_W05
    assert report.reasons == {"sentiment": "sentiment_off"}
    assert report.previous_reasons == {"median_first_response_minutes": "no_answered_root", "newcomer_activation": "no_joiner_previous",
                                       "newcomer_retention": "no_joiner_previous", "nps": "no_survey", "csat": "no_survey"}
    assert report.delta("active_members") == 6 and report.delta("activity_rate") == 0.6667
    assert report.names["a"] == "Alice"


async def test_events_after_the_end_of_the_week_never_change_it(kpi_db: Database) -> None:
    """A reply on Monday 00:10 does not answer Sunday's post; a reaction removed later still counts."""
    await import_logs(kpi_db, "community.jsonl")
    report = await compute_report(kpi_db, G1, W06)
    later = await compute_report(kpi_db, G1, W06.shift(1))
    assert report.kpis["response_rate"] == 0.3333  # d2 was answered on Monday 00:10, in W07
    assert later.previous == {k: report.kpis[k] for k in NUMERIC_KEYS}
    assert later.kpis["posts"] == 1 and later.kpis["replies"] == 1  # a5


async def test_monday_midnight_local_time_opens_the_new_week(kpi_db: Database) -> None:
    await import_logs(kpi_db, "week_boundary.jsonl")
    report = await compute_report(kpi_db, G1, Period.parse("2026-W02", PARIS))
    assert report.period.start.isoformat() == "2026-01-04T23:00:00+00:00"
    assert (report.kpis["posts"], report.kpis["new_members"], report.kpis["members_total"]) == (2, 2, 3)  # m2 (00:00 Paris), m3 (00:30 Paris)
    assert (report.previous["posts"], report.previous["members_total"]) == (1, 1)  # m1, Sunday 23:59:59
    assert report.kpis["activity_rate"] == 0.6667 and report.previous["activity_rate"] == 1.0
    utc = await compute_report(kpi_db, G1, Period.parse("2026-W02", "UTC"))
    assert (utc.kpis["posts"], utc.previous["posts"]) == (0, 3)  # in UTC, m2 and m3 are still Sunday


async def test_an_empty_community_reports_nulls_with_reasons_never_zero_rates(kpi_db: Database) -> None:
    await Directory(kpi_db).community_id(CommunityRef(Platform.SLACK, "T0"))
    report = await compute_report(kpi_db, CommunityRef(Platform.SLACK, "T0"), W06)
    assert report.no_data and all(v is None for v in report.kpis.values())  # nothing recorded yet: no data, not 0 of 0 members
    assert set(report.reasons.values()) == {"no_data"} and set(report.reasons) == set(report.kpis)


async def test_a_member_flagged_as_bot_later_is_a_bot_for_good(kpi_db: Database) -> None:
    await import_logs(kpi_db, "community.jsonl")
    from bot.core.refs import MemberRef

    await Directory(kpi_db).member_id(MemberRef(G1, "g", bot=True), W06.start)
    report = await compute_report(kpi_db, G1, W06)
    assert report.kpis["members_total"] == 8 and report.kpis["posts"] == 10 and "g" not in report.kpis["isolated"]
    assert report.previous["members_total"] == 8


async def test_the_json_export_has_every_key_rates_as_fractions_and_sorted_lists(kpi_db: Database) -> None:
    await import_logs(kpi_db, "community.jsonl")
    data = json.loads(json.dumps(report_dict(await compute_report(kpi_db, G1, W06, sentiment=False))))
    assert list(data["kpis"]) == list(ALL_KEYS)
    assert set(data["previous"]) == set(NUMERIC_KEYS)
    assert data["period"] == {"label": "2026-W06", "start": "2026-02-01T23:00:00+00:00", "end": "2026-02-08T23:00:00+00:00", "timezone": PARIS}
    assert data["community"] == {"platform": "discord", "id": "g1", "name": None}
    assert data["reasons"] == {"sentiment": "sentiment model off"}
    assert 0 <= data["kpis"]["activity_rate"] <= 1


@pytest.mark.parametrize("label", ["2026-W6", "2026-W54", "W05"])
def test_a_bad_period_label_is_refused(label: str) -> None:
    from storage.kpi import PeriodError

    with pytest.raises(PeriodError):
        Period.parse(label, PARIS)


async def test_sentiment_comes_from_the_sentiment_module_when_there_is_one(kpi_db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    import sys
    import types
    from dataclasses import dataclass
    from typing import Any

    @dataclass
    class Kpi:
        value: dict[str, Any] | None
        code: str | None = None

    calls: list[tuple[Any, ...]] = []

    async def sentiment_kpi(db: Database, cid: int, start: Any, end: Any, *, previous: Any) -> Kpi:
        calls.append((start, end, previous))
        return Kpi({"positive": 0.5, "neutral": 0.25, "negative": 0.25, "mean": 0.1}) if len(calls) == 1 else Kpi(None, "no_scores")

    monkeypatch.setitem(sys.modules, "storage.sentiment", types.SimpleNamespace(sentiment_kpi=sentiment_kpi))
    await import_logs(kpi_db, "community.jsonl")
    first = await compute_report(kpi_db, G1, W06)
    assert first.kpis["sentiment"] == {"positive": 0.5, "neutral": 0.25, "negative": 0.25, "mean": 0.1} and "sentiment" not in first.reasons
    assert calls[0] == (W06.start, W06.end, (W06.previous.start, W06.previous.end))
    second = await compute_report(kpi_db, G1, W06)
    assert second.kpis["sentiment"] is None and second.reasons["sentiment"] == "sentiment_no_scores"
