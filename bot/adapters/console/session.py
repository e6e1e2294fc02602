"""The console: a terminal chat where you play the members and see what the bot sends.

The same lines work typed interactively (`engagebot run`) or from a file on the virtual clock
(`engagebot run --script FILE`), where `/wait 3d` lets scheduled jobs fire.
"""

from __future__ import annotations

import re
import secrets
import tempfile
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.adapters.simulation.adapter import Entry, SimulationAdapter, SimulationError
from bot.app import Engagebot
from bot.core.clock import VirtualClock
from bot.core.message import Attachment, Message

_DURATION = re.compile(r"^(\d+(?:\.\d+)?)\s*(w|d|h|m|s)$")
_UNITS = {"w": "weeks", "d": "days", "h": "hours", "m": "minutes", "s": "seconds"}

CONSOLE_KEYS = """console commands:
  alice: hello           post as alice (plain text posts as the current member)
  /as alice              play alice from now on          /join bob    bob joins (and you play bob)
  /leave [name]          the current member (or name) leaves
  /reply m3 text         reply to message m3             /react m3 👍 · /unreact m3 👍
  /delete m3             delete message m3 (it no longer counts)
  /label hello [m3]      name a post (the latest by default): /reply @hello …; also @last @mine @bot @dm
  /press m5 2            click button 2 (or its label) on m5
  /in intros             post in #intros from now on     /role alice animator · /unrole alice animator
  /dms alice off|on      close or open alice's DMs       /wait 3d (2h, 30m)   let time pass
  /time                  show the time                   /keys  this help     /quit
  /help                  the bot's own commands (anything else starting with / goes to the bot)"""


def parse_duration(text: str) -> timedelta:
    """`3d`, `2h`, `30m`, `1w`, `45s` → a timedelta (ValueError otherwise)."""
    m = _DURATION.match(text.strip().lower())
    if not m:
        raise ValueError(f"not a duration: {text!r} (use 3d, 2h, 30m)")
    return timedelta(**{_UNITS[m.group(2)]: float(m.group(1))})


class ConsoleSession:
    """Interprets console lines against a simulated community and formats the transcript."""

    def __init__(self, app: Engagebot, sim: SimulationAdapter, clock: VirtualClock, out: Callable[[str], None], *, you: str = "you") -> None:
        self.app, self.sim, self.clock, self.out = app, sim, clock, out
        self.actor = you
        self.channel = "general"
        self.tz = ZoneInfo(str(app.config.timezone_of(sim.community)))
        self.errors = 0
        self._day: str | None = None
        self.files = Path(tempfile.gettempdir()) / "engagebot-console"
        if not sim.session:  # ids restart at m1 in every session: the session keeps them apart in the database
            sim.session = f"c{clock.now():%Y%m%d%H%M}{secrets.token_hex(3)}"
        sim.admins.add(you)
        sim.present.add(you)
        sim.member(you)
        sim.observers.append(self._show)

    # --- formatting -------------------------------------------------------------------------
    def _stamp(self, at: datetime) -> str:
        local = at.astimezone(self.tz)
        day = local.strftime("%a %Y-%m-%d")
        if day != self._day:
            self._day = day
            self.out(f"— {day} ({self.tz.key}) —")
        return local.strftime("%H:%M")

    def _show(self, e: Entry) -> None:
        t = self._stamp(e.at)
        who = e.member.display if e.member else ""
        short = self.sim.short_id(e.ref) if e.ref else ""
        if e.kind == "post":
            reply = f" ↳{self.sim.short_id(e.reply_to)}" if e.reply_to else ""
            self.out(f"{t} {short} #{e.channel.id if e.channel else '?'}{reply} {who}: {e.text}")
        elif e.kind == "bot":
            head = f"{t} {short} #{e.channel.id if e.channel else '?'} 🤖"
            self.out(_block(head, e.message or Message(e.text)))
        elif e.kind == "dm":
            self.out(_block(f"{t} {short} 🤖 → {who} (DM)", e.message or Message(e.text)))
        elif e.kind == "ephemeral":
            self.out(_block(f"{t} {short + ' ' if short else ''}🤖 (only {who} {'see' if who == 'you' else 'sees'})", e.message or Message(e.text)))
        elif e.kind in ("join", "leave", "react", "role", "notice", "delete"):
            detail = f"{who} {e.text}" if e.kind in ("react", "role", "delete") else e.text
            self.out(f"{t} ✦ {detail}")

    def say(self, text: str) -> None:
        """A line from the console itself (errors, time)."""
        self.out(f"   · {text}")

    # --- lines ------------------------------------------------------------------------------
    async def handle(self, line: str) -> bool:
        """Play one line; False when the session should end."""
        line = line.strip()
        if not line or line.startswith("#"):
            return True
        try:
            return await self._handle(line)
        except (SimulationError, ValueError) as err:
            self.errors += 1
            self.say(f"⚠ {err}")
            return True

    async def _handle(self, line: str) -> bool:
        sim = self.sim
        if not line.startswith("/"):
            m = re.match(r"^([\w.-]+):\s+(.*)$", line)
            if m and not line.startswith("http"):
                await sim.post(m.group(1), m.group(2), channel=self.channel)
            else:
                await sim.post(self.actor, line, channel=self.channel)
            await self._settle()
            return True
        word, _, rest = line[1:].partition(" ")
        rest = rest.strip()
        args = rest.split()
        if word in ("quit", "exit"):
            return False
        if word == "keys":
            self.out(CONSOLE_KEYS)
        elif word == "as":
            self._need(args, 1, "/as NAME")
            self.actor = args[0].lstrip("@")
            sim.member(self.actor)
            sim.present.add(self.actor)
            self.say(f"you are now {self.actor}")
        elif word == "join":
            self._need(args, 1, "/join NAME")
            self.actor = args[0].lstrip("@")
            await sim.join(self.actor)
        elif word == "leave":
            await sim.leave(args[0].lstrip("@") if args else self.actor)
        elif word == "reply":
            self._need(args, 2, "/reply MESSAGE_ID TEXT")
            await sim.post(self.actor, rest.split(None, 1)[1], reply_to=self.resolve(args[0]))
        elif word in ("react", "unreact"):
            self._need(args, 2, f"/{word} MESSAGE_ID EMOJI")
            await sim.react(self.actor, self.resolve(args[0]), args[1], remove=word == "unreact")
        elif word == "delete":
            self._need(args, 1, "/delete MESSAGE_ID")
            await sim.delete(self.actor, self.resolve(args[0]))
        elif word in ("press", "click"):
            self._need(args, 2, "/press MESSAGE_ID BUTTON")
            await sim.press(self.actor, self.resolve(args[0]), rest.split(None, 1)[1])
        elif word == "label":
            self._need(args, 1, "/label NAME [MESSAGE_ID]")
            target = self.resolve(args[1]) if len(args) > 1 else self.resolve("@last")
            sim.labels[args[0].lstrip("@")] = target
            self.say(f"@{args[0].lstrip('@')} is {target}")
        elif word == "in":
            self._need(args, 1, "/in CHANNEL")
            self.channel = args[0].lstrip("#")
            self.say(f"posting in #{self.channel}")
        elif word in ("role", "unrole"):
            self._need(args, 2, f"/{word} NAME ROLE")
            roles = sim.roles.setdefault(args[0].lstrip("@"), set())
            (roles.add if word == "role" else roles.discard)(args[1])
            self.say(f"{args[0]} roles: {', '.join(sorted(roles)) or '—'}")
        elif word == "dms":
            self._need(args, 2, "/dms NAME off|on")
            (sim.dm_closed.add if args[1] == "off" else sim.dm_closed.discard)(args[0].lstrip("@"))
            self.say(f"{args[0]}'s DMs are {'closed' if args[1] == 'off' else 'open'}")
        elif word == "wait":
            self._need(args, 1, "/wait 3d")
            await self.wait(parse_duration(args[0]))
        elif word == "time":
            self.say(self.clock.now().astimezone(self.tz).strftime("%a %Y-%m-%d %H:%M %Z"))
        else:
            reply = await sim.command(self.actor, line, channel=self.channel)
            if reply.message.image is not None:  # a file the bot hands over (an export): written where you can open it
                await self._save(reply.message.image)
        await self._settle()
        return True

    def resolve(self, word: str) -> str:
        """A message id from what a script names: `m4`, a label (`@welcome`), `@last`, `@mine` (your latest post), `@bot` (the bot's latest post), `@dm` (its latest DM to you)."""
        if not word.startswith("@") or word[1:] in self.sim.labels:
            return word
        kinds = {"@last": ("post", "bot", "dm"), "@bot": ("bot",), "@dm": ("dm", "ephemeral"), "@mine": ("post",)}.get(word)
        if kinds is None:
            raise ValueError(f"no post labelled {word} (label one with /label NAME [MESSAGE_ID])")
        for entry in reversed(self.sim.transcript):
            own = entry.member is not None and entry.member.id == self.actor
            mine = own if entry.kind in ("dm", "ephemeral") or word == "@mine" else True
            if entry.kind in kinds and entry.ref is not None and mine:
                return self.sim.short_id(entry.ref)
        raise ValueError(f"no message for {word} yet")

    async def _save(self, attachment: Attachment) -> None:
        self.files.mkdir(parents=True, exist_ok=True)
        path = self.files / attachment.filename
        path.write_bytes(await attachment.content())
        self.say(f"file written: {path}")

    @staticmethod
    def _need(args: list[str], n: int, usage: str) -> None:
        if len(args) < n:
            raise ValueError(f"usage: {usage}")

    async def wait(self, delta: timedelta) -> None:
        """Let virtual time pass, running the jobs that fall due."""
        await self.app.scheduler.advance_to(self.clock.now() + delta, between=self._settle)
        await self._settle()

    async def _settle(self) -> None:
        await self.app.recorder.flush()


def _block(head: str, message: Message) -> str:
    text = message.plain_text().splitlines() or [""]
    if len(text) == 1:
        return f"{head} {text[0]}"
    return head + "\n" + "\n".join(f"      │ {line}" for line in text)
