"""A community's event log round-trips: export → import into an empty database → the same report, week after week."""

from __future__ import annotations

import io
import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.cli import main
from bot.config import Config, parse_config
from bot.demo import DEMO_TZ, DemoOptions, demo_start, run_demo
from bot.kpi_cli import run_export, run_import, run_report
from storage.kpi.period import Period
from tests.kpi.conftest import DATA

NOW = datetime(2026, 12, 1, tzinfo=UTC)


def sqlite_url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path}"


def config_for(url: str, platform: str, community: str, timezone: str) -> Config:
    return parse_config({"database": {"url": url}, "cogs": {"sentiment": {"backend": "off"}},
                         "communities": [{"platform": platform, "id": community, "timezone": timezone}]})


async def weekly_reports(url: str, community: str, first: Period, last: Period, timezone: str) -> list[dict[str, object]]:
    platform, _, ident = community.partition(":")
    config = config_for(url, platform, ident, timezone)
    reports, period = [], first
    while period.start <= last.start:
        reports.append(json.loads(await run_report(config, community, period.label, "json", now=NOW)))
        period = period.shift(1)
    return reports


def names(path: Path) -> dict[str, str | None]:
    with sqlite3.connect(path) as conn:
        return dict(conn.execute("select external_id, name from members"))


async def test_the_demo_s_event_log_imported_into_an_empty_database_reports_like_the_demo(tmp_path: Path) -> None:
    options = DemoOptions(out=tmp_path / "demo", members=40, weeks=3, quiet=True)
    result = await run_demo(parse_config({"cogs": {"sentiment": {"backend": "off"}}}), options, out=lambda _: None)
    assert result.database is not None
    types = {json.loads(line)["type"] for line in result.events.read_text(encoding="utf-8").splitlines()}
    assert {"poll", "anonymous_vote", "anonymous_ballot", "prompt_answer", "member_joined", "message", "reaction"} <= types
    copy = tmp_path / "imported.db"
    await run_import(config_for(sqlite_url(copy), "simulation", "demo", DEMO_TZ), [result.events], out=io.StringIO(), err=io.StringIO())
    first = Period.containing(demo_start() - timedelta(days=7), DEMO_TZ)
    last = Period.containing(demo_start() + timedelta(weeks=options.weeks - 1), DEMO_TZ)
    demo = await weekly_reports(sqlite_url(result.database), "simulation:demo", first, last, DEMO_TZ)
    imported = await weekly_reports(sqlite_url(copy), "simulation:demo", first, last, DEMO_TZ)
    assert imported == demo
    assert any(r["kpis"]["nps"] is not None or r["kpis"]["poll_votes"] for r in demo)  # polls and votes made the trip  # type: ignore[index]
    assert names(copy) == names(result.database)


@pytest.mark.parametrize("log", ["community.jsonl", "week_boundary.jsonl"])
async def test_export_then_import_gives_the_same_reports_for_the_kpi_test_logs(log: str, tmp_path: Path) -> None:
    original, copy, exported = tmp_path / "original.db", tmp_path / "copy.db", tmp_path / "exported.jsonl"
    await run_import(config_for(sqlite_url(original), "discord", "g1", "Europe/Paris"), [DATA / log], out=io.StringIO(), err=io.StringIO())
    with exported.open("w", encoding="utf-8") as fh:
        ref, n = await run_export(config_for(sqlite_url(original), "discord", "g1", "Europe/Paris"), None, fh)
    assert str(ref) == "discord:g1" and n == len(exported.read_text(encoding="utf-8").splitlines())
    await run_import(config_for(sqlite_url(copy), "discord", "g1", "Europe/Paris"), [exported], out=io.StringIO(), err=io.StringIO())
    first, last = Period.parse("2025-W51", "Europe/Paris"), Period.parse("2026-W08", "Europe/Paris")
    assert await weekly_reports(sqlite_url(copy), "discord:g1", first, last, "Europe/Paris") == \
        await weekly_reports(sqlite_url(original), "discord:g1", first, last, "Europe/Paris")
    assert names(copy) == names(original)
    again = io.StringIO()
    await run_import(config_for(sqlite_url(copy), "discord", "g1", "Europe/Paris"), [exported], out=again, err=io.StringIO())
    assert "new interaction rows: 0" in again.getvalue()  # the same log twice changes nothing


def test_a_name_given_after_a_member_s_first_post_travels_with_their_first_sight(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    log = tmp_path / "late_join.jsonl"
    lines = [
        {"type": "message", "platform": "discord", "community": "g", "id": "m1", "channel": "c", "member": "u037", "at": "2026-01-05T09:00:00+00:00"},
        {"type": "member_joined", "platform": "discord", "community": "g", "member": "u037", "name": "Rose", "at": "2026-01-07T09:00:00+00:00"},
    ]
    log.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    original, exported = tmp_path / "a.db", tmp_path / "out.jsonl"
    assert main(["import", "--database", sqlite_url(original), str(log)]) == 0
    assert main(["export", "--database", sqlite_url(original), "--out", str(exported)]) == 0
    assert capsys.readouterr().err.endswith(f"3 events of discord:g written to {exported}\n")
    first = json.loads(exported.read_text(encoding="utf-8").splitlines()[0])
    assert (first["type"], first["member"], first["name"], first["at"]) == ("member", "u037", "Rose", "2026-01-05T09:00:00+00:00")


def interaction_rows(path: Path) -> list[tuple[str, str, bool]]:
    """Each interaction's kind, natural key (a taken-back reaction's removal time cut off) and whether it was taken back."""
    with sqlite3.connect(path) as conn:
        rows = conn.execute("select kind, external_id, removed_at is not null from interactions").fetchall()
    return sorted((kind, key.split("#20", 1)[0] if removed else key, bool(removed)) for kind, key, removed in rows)


DELETIONS = [
    {"type": "member_joined", "member": "ana", "name": "Ana", "at": "2026-01-05T09:00:00+00:00"},
    {"type": "member_joined", "member": "bob", "name": "Bob", "at": "2026-01-05T09:01:00+00:00"},
    {"type": "message", "id": "spam", "channel": "general", "member": "bob", "mentions": ["ana"], "at": "2026-01-05T10:00:00+00:00"},
    {"type": "message", "id": "m2", "channel": "general", "member": "ana", "at": "2026-01-05T10:05:00+00:00"},
    {"type": "reaction", "message": "m2", "member": "bob", "emoji": "#\ufe0f\u20e3", "at": "2026-01-05T10:06:00+00:00"},
    {"type": "reaction", "message": "m2", "member": "ana", "emoji": "#\ufe0f\u20e3", "at": "2026-01-05T10:07:00+00:00"},
    {"type": "reaction_removed", "message": "m2", "member": "ana", "emoji": "#\ufe0f\u20e3", "at": "2026-01-05T10:08:00+00:00"},
    {"type": "message_deleted", "message": "spam", "at": "2026-01-05T10:30:00+00:00"},
    {"type": "message", "id": "m3", "channel": "general", "member": "bob", "at": "2026-01-14T10:00:00+00:00"},
    {"type": "message_deleted", "message": "m3", "at": "2026-01-21T10:00:00+00:00"},  # deleted the week after: counts in its own
]


@pytest.mark.parametrize("reader_process", [False, True], ids=["in-process", "reader-process"])
async def test_deleted_posts_and_a_keycap_reaction_survive_export_and_import(reader_process: bool, tmp_path: Path,
                                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("storage.importer.READER_PROCESS_LINES", 1 if reader_process else 10**9)
    log, original, copy, exported = tmp_path / "log.jsonl", tmp_path / "original.db", tmp_path / "copy.db", tmp_path / "exported.jsonl"
    log.write_text("".join(json.dumps({"platform": "discord", "community": "g1", **line}) + "\n" for line in DELETIONS), encoding="utf-8")
    config = config_for(sqlite_url(original), "discord", "g1", "UTC")
    summary = await run_import(config, [log], out=io.StringIO(), err=io.StringIO())
    assert summary.bad == [] and summary.imported["message_deleted"] == 2
    rows = interaction_rows(original)
    assert ("message", "spam", True) in rows and ("mention", "spam:ana", True) in rows and ("message", "m3", True) in rows
    assert ("reaction", "m2:bob:#\ufe0f\u20e3", False) in rows and ("reaction", "m2:ana:#\ufe0f\u20e3", True) in rows
    with exported.open("w", encoding="utf-8") as fh:
        await run_export(config, None, fh)
    lines = [json.loads(line) for line in exported.read_text(encoding="utf-8").splitlines()]
    assert [(x["message"], x["at"][:10]) for x in lines if x["type"] == "message_deleted"] == [("spam", "2026-01-05"), ("m3", "2026-01-21")]
    assert {x["emoji"] for x in lines if x["type"].startswith("reaction")} == {"#\ufe0f\u20e3"}
    await run_import(config_for(sqlite_url(copy), "discord", "g1", "UTC"), [exported], out=io.StringIO(), err=io.StringIO())
    assert interaction_rows(copy) == rows
    first, last = Period.parse("2026-W02", "UTC"), Period.parse("2026-W04", "UTC")
    reports = await weekly_reports(sqlite_url(copy), "discord:g1", first, last, "UTC")
    assert reports == await weekly_reports(sqlite_url(original), "discord:g1", first, last, "UTC")
    assert [r["kpis"]["posts"] for r in reports] == [1, 1, 0]  # type: ignore[index]
