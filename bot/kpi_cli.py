"""`engagebot import` (event logs) and `engagebot report` (a period's KPIs as text, Markdown, JSON or CSV)."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO
from zoneinfo import ZoneInfo

from bot.config import Config, ConfigError
from bot.core.refs import CommunityRef, Platform
from bot.i18n import Catalog
from storage.db import Database
from storage.eventlog_import import FullLogImporter
from storage.eventlog_parse import BadLine, LogFileError
from storage.importer import ImportSummary
from storage.kpi.export import to_csv, to_json
from storage.kpi.period import Period, PeriodError
from storage.kpi.report import UnknownCommunity, community_row
from storage.kpi.span import data_span, default_period, known_communities

FORMATS = ("text", "markdown", "json", "csv")


class ProgressBar:
    """A one-line progress bar on stderr, shown only for long imports."""

    def __init__(self, stream: TextIO | None = None, *, min_total: int = 5000, width: int = 30) -> None:
        self.stream = stream or sys.stderr
        self.min_total = min_total
        self.width = width
        self._shown = -1

    def __call__(self, done: int, total: int) -> None:
        if total < self.min_total:
            return
        percent = done * 100 // total
        if percent == self._shown and done != total:
            return
        self._shown = percent
        filled = self.width * done // total
        self.stream.write(f"\rimporting [{'#' * filled}{'.' * (self.width - filled)}] {percent:3d}% {done}/{total} events")
        if done == total:
            self.stream.write("\n")
        self.stream.flush()


async def run_import(config: Config, files: list[Path], *, out: TextIO | None = None, err: TextIO | None = None) -> ImportSummary:
    """Import event logs into the configured database and print the summary."""
    out, err = out or sys.stdout, err or sys.stderr
    for path in files:
        if path.is_dir():
            raise ConfigError(f"import: {path}: is a folder; give the event log files (e.g. {path}/events.jsonl)")
        if not path.is_file():
            raise ConfigError(f"import: {path}: no such file")
    db = Database(config.database.url, in_loop=True)  # a one-shot command: nothing else waits on the loop
    try:
        await db.upgrade()

        def bad(line: BadLine) -> None:
            err.write(f"skipped {line}\n")

        key_file = config.cog_settings("polls").get("key_file")  # the live bot's ballot key: imported anonymous ballots get the codes live votes get
        importer = FullLogImporter(db, store_text=config.database.store_text, key_file=str(key_file) if key_file else None)
        try:
            summary = await importer.import_files(files, progress=ProgressBar(err), on_bad=bad)
        except LogFileError as error:
            raise ConfigError(f"import: {error}") from None
    finally:
        await db.close()
    for line in summary.lines_out():
        out.write(line + "\n")
    return summary


async def run_export(config: Config, community: str | None, out: TextIO) -> tuple[CommunityRef, int]:
    """Write a community's event log (docs/EVENTS.md) to `out`; returns the community and the number of lines."""
    from storage.eventlog_export import export_events, write_lines

    wanted = parse_community(community) if community else None
    db = Database(config.database.url, in_loop=True)  # a one-shot command: nothing else waits on the loop
    try:
        await db.upgrade()
        ref = await _which_community(db, wanted, "export")
        try:
            lines = await export_events(db, ref)
        except UnknownCommunity as err:
            raise ConfigError(f"export: {err}") from None
    finally:
        await db.close()
    return ref, write_lines(lines, out)


def digest_catalog() -> Catalog:
    """The core texts with the digest's."""
    catalog = Catalog()
    catalog.load_folder(Path(__file__).resolve().parent.parent / "cogs" / "digest" / "locales", namespace="digest")
    return catalog


def parse_community(value: str, platform: str | None = None) -> CommunityRef:
    """`platform:id` (or an id with `platform` given apart) as a community; ConfigError naming the problem."""
    if platform is None:
        platform, sep, ident = value.partition(":")
        if not sep or not ident:
            raise ConfigError(f"--community: {value!r}: write PLATFORM:ID, e.g. discord:123456789012345678 or console:console")
    else:
        ident = value.removeprefix(f"{platform}:")
    try:
        return CommunityRef(Platform(platform), ident)
    except ValueError:
        raise ConfigError(f"--community: unknown platform {platform!r} (one of {', '.join(p.value for p in Platform)})") from None


async def _which_community(db: Database, wanted: CommunityRef | None, command: str = "report") -> CommunityRef:
    known = await known_communities(db)
    if wanted is not None:
        return wanted
    if len(known) == 1:
        return known[0]
    if not known:
        raise ConfigError(f"{command}: the database holds no community yet (import its event log first: engagebot import FILE)")
    raise ConfigError(f"{command}: the database holds {len(known)} communities; choose one with --community ({', '.join(map(str, known))})")


async def run_report(config: Config, community: str | None, period: str | None, fmt: str, *, platform: str | None = None,
                     chart: Path | None = None, locale: str | None = None, now: datetime | None = None,
                     note: TextIO | None = None) -> str:
    """A period's report for a community, in one of FORMATS (and the chart written to `chart`).

    Without `period`, the last complete week that has data, said on `note` (stderr).
    """
    from cogs.digest.render import markdown
    from cogs.digest.service import build_digest, sentiment_on

    wanted = parse_community(community, platform) if community else None
    now = now or datetime.now(UTC)
    db = Database(config.database.url, in_loop=True)  # a one-shot command: nothing else waits on the loop
    try:
        await db.upgrade()
        ref = await _which_community(db, wanted)
        tz = config.timezone_of(ref).key
        if period:
            try:
                chosen = Period.parse(period, tz)
            except PeriodError as err:
                raise ConfigError(f"report: --period: {err}") from None
            if chosen.end > now:
                raise ConfigError(f"report: --period: {chosen.label} is not over yet (it ends {chosen.end.astimezone(ZoneInfo(tz)):%Y-%m-%d %H:%M})")
        else:
            try:
                span = await data_span(db, (await community_row(db, ref))[0])
            except UnknownCommunity:
                span = None
            chosen = default_period(span, now, tz)
            if span is not None and chosen != Period.last_complete(now, tz):
                (note or sys.stderr).write(f"report: {ref}: {chosen.label}, the last complete week with data "
                                           f"(its data ends {span.last.astimezone(ZoneInfo(tz)):%Y-%m-%d}); choose another with --period\n")
        locale = locale or config.locale_of(ref)
        catalog = digest_catalog()

        def t(key: str, **params: object) -> str:
            return catalog.t(locale, f"digest.{key}", **params)

        digest = await build_digest(db, ref, chosen, locale=locale, t=t, goals=config.community(ref).goals, chart=chart is not None,
                                    name=config.community(ref).name, sentiment=sentiment_on(config, ref))
    except UnknownCommunity as err:
        raise ConfigError(f"report: {err} (import its event log first: engagebot import FILE)") from None
    finally:
        await db.close()
    if chart is not None and digest.chart:
        chart.write_bytes(await digest.chart.content())  # noqa: ASYNC240 - one file, the command's output
    if fmt == "json":
        return to_json(digest.report, digest.goals) + "\n"
    if fmt == "csv":
        return to_csv(digest.report)
    if fmt == "markdown":
        return markdown(digest.message)
    return digest.message.plain_text() + "\n"
