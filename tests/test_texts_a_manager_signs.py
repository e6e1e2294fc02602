"""Texts a French community manager would sign: agreement, decimal commas, no internal key, the demo in the community's language."""

from __future__ import annotations

from pathlib import Path

from bot.config import parse_config
from bot.demo import DemoOptions, run_demo
from bot.i18n import Catalog
from bot.kpi_cli import digest_catalog
from cogs.digest.render import digest_message
from cogs.polls.render import bound, score_line
from cogs.polls.store import Tally
from storage.db import Database
from storage.kpi.period import Period
from storage.kpi.report import compute_report
from tests.conftest import Harness, make_config
from tests.kpi.conftest import DATA, G1, PARIS


async def test_the_french_digest_agrees_with_its_counts(tmp_path: Path) -> None:
    import io

    from bot.kpi_cli import run_import

    url = f"sqlite+aiosqlite:///{tmp_path / 'k.db'}"
    await run_import(parse_config({"database": {"url": url}}), [DATA / "community.jsonl"], out=io.StringIO(), err=io.StringIO())
    db = Database(url, in_loop=True)
    try:
        report = await compute_report(db, G1, Period.parse("2026-W06", PARIS))
    finally:
        await db.close()
    report.kpis.update(members_total=1, new_members=1, left_members=1, active_members=1, posts=1, activity_rate=1.0)
    catalog = digest_catalog()
    for locale, expected in (("fr", ("1 membre sur 1 a participé", "1 arrivée, 1 départ", "avec 1 message.")),
                             ("en", ("1 of 1 member took part", "1 joined, 1 left", "with 1 post."))):
        text = digest_message(report, [], locale, lambda key, loc=locale, **p: catalog.t(loc, f"digest.{key}", **p)).plain_text()
        assert all(e in text for e in expected), text
    french = digest_message(report, [], "fr", lambda key, **p: catalog.t("fr", f"digest.{key}", **p)).plain_text()
    assert "Chiffres clés\u00a0: " in french and "100\u00a0%" in french


def test_a_likert_mean_has_a_decimal_comma_in_french() -> None:
    from storage.polls import Poll

    catalog = Catalog()
    catalog.load_folder(Path(__file__).resolve().parents[1] / "cogs" / "polls" / "locales", namespace="polls")
    poll = Poll(id=1, community_id=1, external_id="p", kind="likert", question="?", options=[], created_at=None, closes_at=None)  # type: ignore[arg-type]
    tally = Tally(counts={5: 1, 4: 2}, voters=3)
    assert "Moyenne 4,33 / 5" in (score_line(poll, tally, bound(catalog.t, "fr")) or "")
    assert "Mean 4.33 / 5**, 100% agree" in (score_line(poll, tally, bound(catalog.t, "en")) or "")


async def test_members_and_animators_never_see_internal_keys(start_bot, db_url: str) -> None:  # type: ignore[no-untyped-def]
    config = make_config(db_url, communities=[{"platform": "simulation", "id": "sim", "locale": "fr"}])
    h: Harness = await start_bot(config)
    await h.sim.join("alice")
    await h.sim.post("alice", "Bonjour")
    mine = (await h.sim.command("alice", "mydata")).message.plain_text()
    assert "1 arrivée" in mine and "1 message" in mine and "join:" not in mine
    await h.sim.command("admin", 'survey start open "Que changer ?" duration=2d')
    listing = (await h.sim.command("admin", "poll list")).message.plain_text()
    assert "(question ouverte)" in listing and "[open]" not in listing


async def test_the_demo_speaks_the_community_s_language(tmp_path: Path) -> None:
    printed: list[str] = []
    config = parse_config({"cogs": {"sentiment": {"backend": "off"}}})
    await run_demo(config, DemoOptions(out=tmp_path / "demo", members=30, weeks=2, locale="fr"), out=printed.append)
    text = "\n".join(printed)
    assert text.startswith("— semaine 0\u00a0: les membres fondateurs arrivent")
    assert "— semaine 1 (5 janv. 2026) —" in text and "ce qu'a fait le bot\u00a0:" in text and "\nreconnaissance:" in text
    badges = next(line for line in printed if "badges" in line.lower())
    assert "first-post" not in badges and "Premiers pas" in text
