"""The `engagebot` command line: run, demo, db upgrade, version (and more, added by features)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

from bot import __version__, doctor, init_cli, jobs_cli
from bot.config import Config, ConfigError, Secrets, load_config

Handler = Callable[[argparse.Namespace, Config], int]


def common_options() -> argparse.ArgumentParser:
    """--config and --database, accepted by every command."""
    parent = argparse.ArgumentParser(add_help=False)
    parent.add_argument("--config", type=Path, default=argparse.SUPPRESS, help="configuration file (default: ./config.toml if present, or $ENGAGEBOT_CONFIG)")
    parent.add_argument("--database", metavar="URL", default=argparse.SUPPRESS, help="database URL, overriding the configuration (sqlite:///FILE or postgresql://USER:PASSWORD@HOST/DB)")
    parent.add_argument("-v", "--verbose", action="store_true", default=argparse.SUPPRESS, help="log more")
    return parent


def build_parser() -> argparse.ArgumentParser:
    """The whole command line."""
    common = common_options()
    parser = argparse.ArgumentParser(
        prog="engagebot", parents=[common],
        description="engagebot: a self-hosted community engagement bot for Discord and Slack.",
        epilog="Run `engagebot demo` to see it on a simulated community; `engagebot run` to play it in the console.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    run = sub.add_parser("run", parents=[common], help="start the bot (Discord/Slack with tokens, else the console)",
                         description="Start the bot. With DISCORD_TOKEN and/or SLACK_BOT_TOKEN set it connects to those platforms; "
                                     "with no token it starts the console, where you play the members.")
    run.add_argument("--script", type=Path, help="play console lines from FILE on the virtual clock, print the transcript and exit")
    run.add_argument("--start", help="with --script: the virtual start time, ISO 8601 (default: now)")
    run.add_argument("--console", action="store_true", help="use the console even when platform tokens are set")
    run.set_defaults(handler=cmd_run)

    demo = sub.add_parser("demo", parents=[common], help="play a simulated community through the real pipeline",
                          description="Simulate a community (members joining and leaving, power-law activity) for some weeks on a "
                                      "virtual clock, through the real event pipeline; writes an event log and a SQLite database.")
    demo.add_argument("--out", type=Path, default=Path("demo-output"), help="folder for events.jsonl, engagebot.db and charts (default: demo-output)")
    demo.add_argument("--seed", type=int, default=7, help="random seed (default: 7)")
    demo.add_argument("--members", type=int, default=200, help="members at the end, roughly (default: 200)")
    demo.add_argument("--weeks", type=int, default=8, help="weeks simulated (default: 8)")
    demo.add_argument("--locale", choices=["en", "fr"], default=None, help="the community's language (default: the configuration's)")
    demo.add_argument("--quiet", action="store_true", help="print only the summary")
    demo.set_defaults(handler=cmd_demo)

    imp = sub.add_parser("import", parents=[common], help="import history: event logs, DiscordChatExporter JSON or a Slack export",
                         description="Import a community's history. --from events (default): event logs (JSON Lines, docs/EVENTS.md); bad lines "
                                     "are reported as FILE:LINE and skipped (exit 1 when any). --from dce: DiscordChatExporter JSON files or "
                                     "folders of them. --from slack-export: a Slack workspace export (the zip, or its folder). Importing the "
                                     "same history twice, or history the live bot already recorded, changes nothing. For dce and "
                                     "slack-export, a file that cannot be read is reported in one line and the rest is imported; the exit "
                                     "code is 2 only when nothing could be read.")
    imp.add_argument("files", nargs="+", type=Path, metavar="PATH", help="event logs (.jsonl), DCE .json files or folders, or a Slack export zip or folder")
    imp.add_argument("--from", dest="source", choices=["events", "dce", "slack-export"], default="events", help="the format (default: events)")
    imp.add_argument("--community", help="slack-export: the workspace, slack:T… (or T…), when users.json does not give it")
    imp.add_argument("--sentiment", action="store_true", help="score posts with the configured sentiment model while importing (the nlp extra)")
    imp.add_argument("--max-mentions", type=int, default=50, metavar="N", help="mentions kept per message (default: 50)")
    imp.set_defaults(handler=cmd_import)

    recog = sub.add_parser("recognition", parents=[common], help="recognition maintenance")
    recog_sub = recog.add_subparsers(dest="recognition_command", metavar="ACTION", required=True)
    rebuild = recog_sub.add_parser("rebuild", parents=[common], help="recompute points, levels and badges over the whole history, announcing nothing",
                                   description="Score every recorded contribution of a community in time order (after an import), "
                                               "awarding the badges and levels it earns, without posting or granting anything.")
    rebuild.add_argument("--community", required=True, help="the community, PLATFORM:ID (e.g. discord:123456789012345678)")
    rebuild.set_defaults(handler=cmd_recognition_rebuild)

    rep = sub.add_parser("report", parents=[common], help="print a community's KPIs for a week",
                         description="Compute every KPI of a period for one community, with the week before and the goals.")
    rep.add_argument("--community", help="the community, PLATFORM:ID (e.g. discord:123456789012345678; not needed when the database holds one)")
    rep.add_argument("--platform", help=argparse.SUPPRESS)  # before --community took PLATFORM:ID
    rep.add_argument("--period", help="an ISO week (2026-W05), a month (2026-02) or dates (2026-01-05..2026-01-18); "
                                      "default: the last complete week that has data")
    rep.add_argument("--format", choices=["text", "markdown", "json", "csv"], default="text", help="output format (default: text)")
    rep.add_argument("--chart", type=Path, metavar="FILE.png", help="also write the 12-week chart to FILE.png")
    rep.add_argument("--locale", choices=["en", "fr"], help="language of the text and Markdown formats (default: the community's)")
    rep.set_defaults(handler=cmd_report)

    exp = sub.add_parser("export", parents=[common], help="write a community's event log (JSON Lines), for import elsewhere",
                         description="Write every event of a community that the KPIs and recognition read (docs/EVENTS.md): "
                                     "`engagebot import` of that file into an empty database gives the same reports.")
    exp.add_argument("--community", help="the community, PLATFORM:ID (not needed when the database holds one)")
    exp.add_argument("--out", type=Path, help="file to write (default: standard output)")
    exp.set_defaults(handler=cmd_export)

    db = sub.add_parser("db", parents=[common], help="database maintenance")
    dbsub = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    up = dbsub.add_parser("upgrade", parents=[common], help="apply the database migrations")
    up.set_defaults(handler=cmd_db_upgrade)

    export = sub.add_parser("export-recognition", parents=[common], help="export a community's badges and points (CSV or JSON)",
                            description="Write a community's recognition data: every member's points, level and badges, and every badge award.")
    export.add_argument("--community", required=True, help="the community, PLATFORM:ID (e.g. discord:123456789012345678 or simulation:demo)")
    export.add_argument("--format", choices=["csv", "json"], default="csv", help="csv (default) or json")
    export.add_argument("--what", choices=["all", "badges", "points"], default="all",
                        help="all (default: CSV gives the points table with badges held), badges (one row per award) or points")
    export.add_argument("--out", type=Path, help="file to write (default: standard output)")
    export.set_defaults(handler=cmd_export_recognition)

    jobs_cli.register(sub, common)
    doctor.register(sub, common)
    init_cli.register(sub, common)

    version = sub.add_parser("version", parents=[common], help="print the version")
    version.set_defaults(handler=lambda args, config: print(f"engagebot {__version__}") or 0)
    return parser


def config_path(args: argparse.Namespace) -> Path | None:
    """The configuration file to read: --config, $ENGAGEBOT_CONFIG, ./config.toml, or none."""
    explicit = getattr(args, "config", None) or os.environ.get("ENGAGEBOT_CONFIG")
    if explicit:
        return Path(explicit)
    default = Path("config.toml")
    return default if default.exists() else None


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `engagebot` command."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if getattr(args, "verbose", False) else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    config: Config | None = None
    try:
        config = load_config(config_path(args), getattr(args, "database", None))
        quiet_run = args.command in ("demo", "report", "import", "export", "jobs", "doctor", "init") or (args.command == "run" and (args.script or args.console or not _has_tokens(config)))
        if not getattr(args, "verbose", False):
            # the console's transcript owns the terminal; platform runs log at the configured level
            logging.getLogger().setLevel(logging.WARNING if quiet_run else getattr(logging, config.bot.log_level))
            if quiet_run:
                _one_line_logs()
        if args.command == "run" and not quiet_run:  # on Discord and Slack: a locked or unreachable database in one line per streak
            from bot.failures import quiet_outages

            quiet_outages(config.database.url)
        logging.getLogger("alembic").setLevel(logging.WARNING)
        code = args.handler(args, config)
    except ConfigError as err:
        print(f"engagebot: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except Exception as err:  # an unusable database is the user's to fix: one line, not a traceback
        from bot.failures import database_failure

        line = database_failure(err, config.database.url) if config is not None else None
        if line is None:
            raise
        print(f"engagebot: {line}", file=sys.stderr)
        return 2
    return int(code or 0)


def _one_line_logs() -> None:
    from bot.failures import OneLineFormatter, QuietLockRetries

    for handler in logging.getLogger().handlers:
        handler.setFormatter(OneLineFormatter("engagebot: %(levelname)s %(name)s: %(message)s"))
        handler.addFilter(QuietLockRetries())


def cmd_run(args: argparse.Namespace, config: Config) -> int:
    """`engagebot run`."""
    from bot import runner

    if args.script is not None:
        try:
            lines = args.script.read_text(encoding="utf-8").splitlines()
        except OSError as err:
            raise ConfigError(f"--script: cannot read {args.script}: {err.strerror}") from None
        start = _parse_start(args.start)
        if getattr(args, "database", None) is None:
            config = config.model_copy(update={"database": config.database.model_copy(update={"url": runner.scratch_database()})})
        errors = asyncio.run(runner.run_script(config, lines, start=start))
        return 1 if errors else 0
    adapters = [] if args.console else runner.platform_adapters(config, Secrets.from_env())
    if adapters:
        asyncio.run(runner.run_platforms(config, adapters))
    else:
        asyncio.run(runner.run_console(config))
    return 0


def _has_tokens(config: Config) -> bool:
    secrets = Secrets.from_env()
    return bool(secrets.discord_token or secrets.slack_bot_token or config.slack.oauth)


def _parse_start(value: str | None) -> datetime:
    if not value:
        return datetime.now(UTC).replace(second=0, microsecond=0)
    try:
        start = datetime.fromisoformat(value)
    except ValueError:
        raise ConfigError(f"--start: {value!r} is not an ISO 8601 time (e.g. 2026-01-05T09:00+01:00)") from None
    return start if start.tzinfo else start.replace(tzinfo=UTC)


def cmd_demo(args: argparse.Namespace, config: Config) -> int:
    """`engagebot demo`."""
    from bot.demo import DemoOptions, run_demo

    options = DemoOptions(out=args.out, seed=args.seed, members=args.members, weeks=args.weeks, locale=args.locale, quiet=args.quiet)
    asyncio.run(run_demo(config, options, explicit_database=getattr(args, "database", None)))
    return 0


def cmd_export_recognition(args: argparse.Namespace, config: Config) -> int:
    """`engagebot export-recognition`."""
    from cogs.recognition.export import export_command_line

    _name, data, _rows = asyncio.run(export_command_line(config, args.community, args.format, args.what))
    if args.out is None:
        sys.stdout.write(data.decode("utf-8"))
    else:
        args.out.write_bytes(data)
        print(f"{_rows} rows written to {args.out}", file=sys.stderr)
    return 0


def cmd_import(args: argparse.Namespace, config: Config) -> int:
    """`engagebot import [--from dce|slack-export] PATH...`."""
    if args.source != "events":
        from bot.history.command import run_history_import

        if args.max_mentions < 1:
            raise ConfigError("import: --max-mentions must be at least 1")
        community = args.community.removeprefix("slack:") if args.community else None  # PLATFORM:ID, as every command takes it
        return asyncio.run(run_history_import(config, args.source, list(args.files), community=community, sentiment=args.sentiment,
                                              max_mentions=args.max_mentions))
    from bot.kpi_cli import run_import

    summary = asyncio.run(run_import(config, list(args.files)))
    return 1 if summary.bad else 0


def cmd_export(args: argparse.Namespace, config: Config) -> int:
    """`engagebot export [--community PLATFORM:ID] [--out FILE]`."""
    from bot.kpi_cli import run_export

    if args.out is None:
        asyncio.run(run_export(config, args.community, sys.stdout))
        return 0
    try:
        with args.out.open("w", encoding="utf-8") as fh:
            ref, n = asyncio.run(run_export(config, args.community, fh))
    except OSError as err:
        raise ConfigError(f"export: --out: cannot write {args.out}: {err.strerror}") from None
    print(f"{n} events of {ref} written to {args.out}", file=sys.stderr)
    return 0


def cmd_recognition_rebuild(args: argparse.Namespace, config: Config) -> int:
    """`engagebot recognition rebuild --community PLATFORM:ID`."""
    from cogs.recognition.rebuild import rebuild_command_line

    print(asyncio.run(rebuild_command_line(config, args.community)))
    return 0


def cmd_report(args: argparse.Namespace, config: Config) -> int:
    """`engagebot report`."""
    from bot.kpi_cli import run_report

    text = asyncio.run(run_report(config, args.community, args.period, args.format, platform=args.platform, chart=args.chart, locale=args.locale))
    sys.stdout.write(text)
    return 0


def cmd_db_upgrade(args: argparse.Namespace, config: Config) -> int:
    """`engagebot db upgrade`."""
    from storage.db import Database

    async def upgrade() -> None:
        db = Database(config.database.url, in_loop=True)
        try:
            await db.upgrade()
        finally:
            await db.close()

    asyncio.run(upgrade())
    print(f"database is up to date: {_safe_url(config.database.url)}")
    return 0


def _safe_url(url: str) -> str:
    """A database URL without its password."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
