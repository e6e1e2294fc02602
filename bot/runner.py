"""Running the bot: on Discord/Slack when tokens are set, else on the console (interactive or scripted)."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
import tempfile
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from bot.adapters.console.session import ConsoleSession
from bot.adapters.simulation.adapter import SimulationAdapter
from bot.app import Engagebot
from bot.config import Config, ConfigError, Secrets
from bot.core.clock import VirtualClock
from bot.core.refs import CommunityRef, Platform

log = logging.getLogger("engagebot.run")


def console_community(config: Config) -> CommunityRef:
    """The community you play in the console."""
    return CommunityRef(Platform.CONSOLE, config.console.community)


def platform_adapters(config: Config, secrets: Secrets) -> list[object]:
    """The platform adapters whose tokens are set (Discord, Slack)."""
    adapters: list[object] = []
    if secrets.discord_token:
        from bot.adapters.discord import build_discord_adapter

        adapters.append(build_discord_adapter(config, secrets))
    if secrets.slack_bot_token or config.slack.oauth:
        from bot.adapters.slack import build_slack_adapter

        adapters.append(build_slack_adapter(config, secrets))
    return adapters


def console_for(config: Config, clock: VirtualClock, out: Callable[[str], None]) -> tuple[Engagebot, ConsoleSession]:
    """A bot wired to the console community, and the session that plays lines in it."""
    app = Engagebot(config, clock=clock)
    ref = console_community(config)
    sim = SimulationAdapter(ref, clock)
    app.add_adapter(sim, [ref])
    return app, ConsoleSession(app, sim, clock, out, you=config.console.you)


async def run_script(config: Config, lines: list[str], *, start: datetime, out: Callable[[str], None] = print) -> int:
    """Play console lines on the virtual clock; returns the number of lines that failed."""
    clock = VirtualClock(start)
    app, session = console_for(config, clock, out)
    await app.start()
    try:
        for number, line in enumerate(lines, 1):
            before = session.errors
            if not await session.handle(line):
                break
            if session.errors > before:
                out(f"   · (line {number})")
    finally:
        await app.stop()
    return session.errors


async def run_console(config: Config, *, out: Callable[[str], None] = print) -> None:
    """The interactive console: a virtual clock that follows the wall clock (and `/wait` jumps ahead)."""
    clock = VirtualClock(datetime.now(UTC).replace(microsecond=0))
    app, session = console_for(config, clock, out)
    await app.start()
    out(app.catalog.t(config.bot.locale, "console.banner"))
    stop = asyncio.Event()
    _on_signals(stop)
    lines = _stdin_lines()
    busy = asyncio.Lock()

    async def follow_wall_clock() -> None:
        # scheduled jobs fire on time even while nobody types
        while True:
            await asyncio.sleep(15)
            async with busy:
                now = datetime.now(UTC)
                if now > clock.now():
                    await app.scheduler.advance_to(now)

    ticker = asyncio.create_task(follow_wall_clock(), name="console-clock")
    try:
        while not stop.is_set():
            getter = asyncio.ensure_future(lines.get())
            waiter = asyncio.ensure_future(stop.wait())
            done, _ = await asyncio.wait({getter, waiter}, return_when=asyncio.FIRST_COMPLETED)
            if getter not in done:
                getter.cancel()
                break
            waiter.cancel()
            line = getter.result()
            if line is None:  # end of input
                break
            async with busy:
                now = datetime.now(UTC)
                if now > clock.now():
                    await app.scheduler.advance_to(now)
                if not await session.handle(line):
                    break
    finally:
        ticker.cancel()
        await app.stop()


def _stdin_lines() -> asyncio.Queue[str | None]:
    """Lines of standard input, read by a daemon thread (so a signal never waits on a blocked read)."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[str | None] = asyncio.Queue()

    def read() -> None:
        for line in sys.stdin:
            loop.call_soon_threadsafe(queue.put_nowait, line)
        loop.call_soon_threadsafe(queue.put_nowait, None)

    threading.Thread(target=read, name="console-stdin", daemon=True).start()
    return queue


async def run_platforms(config: Config, adapters: list[object]) -> None:
    """Run on Discord and/or Slack until SIGINT/SIGTERM, then flush and stop."""
    app = Engagebot(config)
    for adapter in adapters:
        app.add_adapter(adapter)  # type: ignore[arg-type]
    stop = asyncio.Event()
    _on_signals(stop)
    try:
        await app.start()
    except BaseException:  # e.g. a role name that matches no role, a locked database: close the connections already open, then say why
        await app.stop()
        await app.db.close()  # `stop` closes it only after a complete start
        raise
    # a platform connection that ends for good (e.g. Discord's 4014 close) stops the bot
    watchers = [asyncio.create_task(a.wait_closed()) for a in adapters if hasattr(a, "wait_closed")]
    for watcher in watchers:
        watcher.add_done_callback(lambda _: stop.set())
    try:
        await stop.wait()
    finally:
        log.info("stopping: flushing what is queued")
        failures = [f for a in adapters if (f := getattr(a, "failure", None))]
        await app.stop()
    if failures:  # a platform refused the bot for good (e.g. Discord's 4014): a supervisor must see it
        raise ConfigError(failures[0])


def _on_signals(stop: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop.set)
        except (NotImplementedError, RuntimeError):  # pragma: no cover - non-Unix
            pass


def scratch_database() -> str:
    """A fresh SQLite file for a scripted run (so a script plays the same every time)."""
    folder = Path(tempfile.mkdtemp(prefix="engagebot-script-"))
    return f"sqlite+aiosqlite:///{folder / 'engagebot.db'}"
