"""`engagebot demo`: a seeded simulated community played through the real pipeline on a virtual clock."""

from __future__ import annotations

import math
import random
import shutil
import tempfile
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from babel.dates import format_date
from babel.numbers import format_decimal

from bot.adapters.simulation.adapter import Entry, SimulationAdapter
from bot.app import Engagebot
from bot.config import Config
from bot.core.clock import VirtualClock
from bot.core.markup import plain
from bot.core.refs import CommunityRef, Platform
from bot.demo_summary import print_summary
from bot.demo_texts import DEMO_TEXTS, INTRODUCTIONS
from storage.eventlog_export import export_events, write_lines

DEMO = CommunityRef(Platform.SIMULATION, "demo")
DEMO_TZ = "Europe/Paris"
CHANNELS = ("general", "introductions", "help", "show-and-tell", "random")
ANIMATOR = "camille"
MANAGER = "morgan"
FIRST_NAMES = (
    "alice bob chloe david emma farid gabriel hana ines jules karim lea marius nadia oscar paul quentin rose sami "
    "theo ugo valentine william xavier yasmine zoe amelie bastien celine dylan elise fatou gaspard helene ismael "
    "jeanne kevin louise mehdi noemie olivia pierre rachid sarah thomas victor wendy yanis adele boris clara"
).split()


@dataclass(frozen=True)
class DemoOptions:
    """What to simulate."""

    out: Path = Path("demo-output")
    seed: int = 7
    members: int = 200
    weeks: int = 8
    locale: str | None = None
    quiet: bool = False


@dataclass
class Persona:
    """A simulated member: how active they are, when they arrive and leave."""

    id: str
    name: str
    weight: float
    joins_at: datetime
    leaves_at: datetime | None = None
    present: bool = False


@dataclass
class DemoResult:
    """What the demo produced (for tests and the summary)."""

    database: Path | None
    events: Path
    bot_actions: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


def demo_start() -> datetime:
    """The demo's first simulated day: a Monday, at midnight in the demo's timezone."""
    return datetime(2026, 1, 5, tzinfo=ZoneInfo(DEMO_TZ))


def demo_config(config: Config, database_url: str, locale: str | None, out: Path | None = None) -> Config:
    """The user's configuration with the demo community (and the given database) in it; charts go to `out`."""
    demo = {"platform": "simulation", "id": DEMO.id, "name": "Demo community", "timezone": DEMO_TZ,
            "locale": locale or config.bot.locale, "managers": [MANAGER],
            "goals": ["activity_rate >= 0.25", "median_first_response_minutes <= 120"]}
    communities = [c for c in config.communities if not (c.platform == Platform.SIMULATION and c.id == DEMO.id)]
    data = config.model_dump(mode="json")
    data["communities"] = [c.model_dump(mode="json") for c in communities] + [demo]
    data["database"]["url"] = database_url
    if out is not None:
        data["cogs"] = {**data["cogs"], "digest": {**data["cogs"].get("digest", {}), "chart_dir": str(out)}}
    # a throwaway community: its anonymous-ballot key is a throwaway too, in the system's temporary folder
    polls = data["cogs"].get("polls", {})
    if not polls.get("key_file"):
        data["cogs"] = {**data["cogs"], "polls": {**polls, "key_file": str(Path(tempfile.gettempdir()) / "engagebot-demo" / "ballot.key")}}
    return Config.model_validate(data)


def _poisson(rng: random.Random, lam: float) -> int:
    if lam <= 0:
        return 0
    limit, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


class CommunitySimulation:
    """Generates members' days: joins, leaves, posts, replies, mentions, reactions and button clicks."""

    def __init__(self, sim: SimulationAdapter, rng: random.Random, start: datetime, options: DemoOptions, locale: str = "en") -> None:
        self.sim, self.rng, self.start, self.options = sim, rng, start, options
        self.prompt_title: str | None = None  # the weekly prompts' title, known once the cogs' catalogs are loaded
        self.personas = self._cast()
        self.recent: list[str] = []
        self.bot_posts: list[tuple[datetime, str, set[str]]] = []  # the bot's public posts, and who answered them
        self.clickable: deque[tuple[datetime, str]] = deque()  # the bot's messages with buttons (polls, DMs), oldest first
        self.dm_buttons: dict[str, str] = {}  # per DM channel, the bot's latest message there with buttons
        self.answer_rng = random.Random(options.seed + 1)
        self.regret_rng = random.Random(options.seed + 2)  # its own stream: deleting a post now and then leaves the rest of the story as it was
        self.locale = locale
        self.texts = DEMO_TEXTS.get(locale, DEMO_TEXTS["en"])
        for p in self.personas:
            sim.member(p.id, p.name)
        sim.observers.append(self._notice_bot_post)

    def _notice_bot_post(self, entry: Entry) -> None:
        """Members see the bot's posts: questions invite answers, buttons invite clicks."""
        if entry.kind not in ("bot", "dm") or entry.ref is None or entry.message is None:
            return
        if entry.message.buttons:
            self.clickable.append((entry.at, entry.ref.id))
            if entry.kind == "dm":
                self.dm_buttons[entry.ref.channel.id] = entry.ref.id
        elif entry.kind == "bot" and (entry.message.title == self.prompt_title or "?" in entry.text and "@" not in entry.text):
            # a weekly prompt (also when it asks without a question mark: "Share a resource…"), not a welcome or an announcement
            self.recent.append(entry.ref.id)
            self.bot_posts.append((entry.at, entry.ref.id, set()))
            del self.bot_posts[:-5]

    def say(self, kind: str) -> str:
        """Something a member might write, with the community's usual mix of moods."""
        mood = self.rng.choices(("positive", "neutral", "negative"), weights=(4, 5, 1.5))[0]
        return self.rng.choice(self.texts[kind][mood])

    def fresh_bot_post(self, p: Persona, now: datetime) -> str | None:
        """A bot post of the last three days this member has not answered yet, now and then (prompts invite answers)."""
        for at, ref, answered in reversed(self.bot_posts):
            if now - at < timedelta(days=3) and p.id not in answered and self.answer_rng.random() < 0.2:
                answered.add(p.id)
                return ref
        return None

    def _cast(self) -> list[Persona]:
        rng, n = self.rng, self.options.members
        founders = int(n * 0.7)
        personas: list[Persona] = []
        for i in range(n):
            name = f"{FIRST_NAMES[i % len(FIRST_NAMES)]}{'' if i < len(FIRST_NAMES) else i // len(FIRST_NAMES)}"
            lurker = rng.random() < 0.55
            weight = 0.0 if lurker else min(rng.paretovariate(1.3) - 1.0, 25.0) + 0.05
            if i < founders:
                joins = self.start - timedelta(days=7) + timedelta(minutes=rng.randrange(7 * 24 * 60))
            else:
                joins = self.start + timedelta(minutes=rng.randrange(self.options.weeks * 7 * 24 * 60))
            personas.append(Persona(f"u{i:03d}", name, weight, joins))
        for p in rng.sample(personas, k=max(1, n // 12)):
            span = self.options.weeks * 7 * 24 * 60
            p.leaves_at = p.joins_at + timedelta(days=3, minutes=rng.randrange(span))
        return personas

    def day_plan(self, day: datetime) -> list[tuple[datetime, str, Persona]]:
        """Everything members will do on one day, in time order."""
        rng, plan = self.rng, []
        end = day + timedelta(days=1)
        for p in self.personas:
            if day <= p.joins_at < end:
                plan.append((p.joins_at, "join", p))
                reader = random.Random(f"{self.options.seed}:{p.id}")  # its own stream: the rest of the plan is unchanged
                if reader.random() < 0.7:
                    plan.append((min(p.joins_at + timedelta(minutes=reader.randrange(5, 8 * 60)), end - timedelta(minutes=1)), "read_dms", p))
            if p.leaves_at and day <= p.leaves_at < end:
                plan.append((p.leaves_at, "leave", p))
            lam = p.weight * 0.22
            for _ in range(_poisson(rng, lam)):
                plan.append((day + timedelta(minutes=rng.randrange(8 * 60, 23 * 60)), "post", p))
            for _ in range(_poisson(rng, lam * 1.6 + (0.03 if p.weight == 0 else 0))):
                plan.append((day + timedelta(minutes=rng.randrange(7 * 60, 23 * 60)), "react", p))
            for _ in range(_poisson(rng, 0.25 if p.weight > 0 else 0.04)):
                plan.append((day + timedelta(minutes=rng.randrange(8 * 60, 22 * 60)), "click", p))
        plan.sort(key=lambda x: (x[0], x[1], x[2].id))
        return plan

    async def act(self, kind: str, p: Persona) -> None:
        """Carry out one planned action through the simulation adapter."""
        sim, rng = self.sim, self.rng
        if kind == "join":
            p.present = True
            await sim.join(p.id, p.name)
            if rng.random() < 0.6:
                ref = await sim.post(p.id, INTRODUCTIONS.get(self.locale, INTRODUCTIONS["en"]).format(name=p.name.title()), channel="introductions")
                self.recent.append(ref.id)
            return
        if not p.present:  # nobody posts before joining: founders arrive in week 0, welcomed like everyone
            return
        if kind == "read_dms":
            await self.read_dms(p)
            return
        if kind == "leave":
            p.present = False
            await sim.leave(p.id)
            return
        if kind == "post":
            channel = rng.choices(CHANNELS, weights=(6, 1, 3, 2, 2))[0]
            if (answered := self.fresh_bot_post(p, sim.clock.now())) is not None:
                ref = await sim.post(p.id, self.say("answer"), reply_to=answered)
            elif self.recent and rng.random() < 0.45:
                target = rng.choice(self.recent[-30:])
                author = sim.messages[target].author
                mentions = [author.id] if author and rng.random() < 0.15 and author.id != p.id else []
                ref = await sim.post(p.id, self.say("reply"), reply_to=target, mentions=mentions)
            else:
                ref = await sim.post(p.id, self.say("post"), channel=channel)
                if self.regret_rng.random() < 0.02:  # posted in the wrong channel: deleted at once, it counts nowhere
                    await sim.delete(p.id, ref.id)
                    return
            self.recent.append(ref.id)
            del self.recent[:-200]
            return
        if kind == "react" and self.recent:
            target = rng.choice(self.recent[-40:])
            await sim.react(p.id, target, rng.choice(("👍", "❤️", "🎉", "👀", "🙏")))
            if rng.random() < 0.03:
                await sim.react(p.id, target, "👍", remove=True)
            return
        if kind == "click":
            await self.click_something(p)

    async def read_dms(self, p: Persona) -> None:
        """A newcomer reads the bot's latest direct message and clicks its first button (e.g. accepting the rules)."""
        sim = self.sim
        latest = self.dm_buttons.get(f"dm-{p.id}")
        message = sim.messages[latest].message if latest is not None else None
        if latest is not None and message is not None:
            await sim.press(p.id, latest, message.buttons[0].custom_id)

    async def click_something(self, p: Persona) -> None:
        """Press a button on a recent bot message this member can see (a poll, their DM…)."""
        sim = self.sim
        cutoff = sim.clock.now() - timedelta(days=5)
        clickable = self.clickable
        while clickable and clickable[0][0] <= cutoff:  # older than 5 days: never clicked again (time only moves on)
            clickable.popleft()
        recent = [ref for at, ref in clickable if at > cutoff]
        candidates = [
            m for m in (sim.messages[ref] for ref in recent)
            if not m.ref.channel.id.startswith("dm-") or m.ref.channel.id == f"dm-{p.id}"
        ]
        if not candidates:
            return
        posted = self.rng.choice(candidates)
        buttons = posted.message.buttons if posted.message else ()
        # on a scale (many buttons) members lean towards the higher scores, as a satisfied community would
        weights = [(i + 1) ** 2 if len(buttons) >= 5 else 1 for i in range(len(buttons))]
        button = self.rng.choices(buttons, weights=weights)[0]
        await sim.press(p.id, posted.ref.id, button.custom_id)


async def run_demo(config: Config, options: DemoOptions, *, explicit_database: str | None = None,
                   out: Callable[[str], None] = print) -> DemoResult:
    """Play the simulated community and print what the bot did and the figures it recorded."""
    started = time.perf_counter()
    options.out.mkdir(parents=True, exist_ok=True)
    db_path: Path | None = None
    if explicit_database is None:
        db_path = options.out / "engagebot.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db_path}{suffix}").unlink(missing_ok=True)  # noqa: ASYNC240 - once, before anything runs
        url = f"sqlite+aiosqlite:///{db_path}"
    else:
        url = explicit_database
    start = demo_start()
    config = demo_config(config, url, options.locale, options.out)
    clock = VirtualClock(start - timedelta(days=7))
    app = Engagebot(config, clock=clock)
    sim = SimulationAdapter(DEMO, clock)
    sim.roles[ANIMATOR] = {"animator"}
    sim.roles[MANAGER] = {"manager"}
    sim.present.update({ANIMATOR, MANAGER})
    sim.member(ANIMATOR, "Camille (animator)")
    sim.member(MANAGER, "Morgan (manager)")
    app.add_adapter(sim, [DEMO])
    events_path = options.out / "events.jsonl"
    result = DemoResult(db_path, events_path)
    logged = 0
    tz = ZoneInfo(DEMO_TZ)
    actions: dict[str, int] = {}

    def show(entry: Entry) -> None:
        if entry.kind in ("bot", "dm", "role", "notice"):
            actions[entry.kind] = actions.get(entry.kind, 0) + 1
            if not options.quiet:
                where = f"#{entry.channel.id}" if entry.kind == "bot" and entry.channel else f"→ {entry.member.display if entry.member else '?'}"
                first = (entry.message.title or entry.text) if entry.message else entry.text
                first = first.splitlines()[0] if first else ""
                out(f"  {entry.at.astimezone(tz):%a %d %b %H:%M} 🤖 {entry.kind:<4} {where:<16} {first[:90]}")

    sim.observers.append(show)
    rng = random.Random(options.seed)
    locale = config.locale_of(DEMO)
    world = CommunitySimulation(sim, rng, start, options, locale)
    await app.start()
    world.prompt_title = app.catalog.t(locale, "prompts.title")  # the cogs' catalogs are loaded at start
    script = sorted(
        ((start + offset, member, line) for cog in app.cogs.values() for offset, member, line in cog.demo_script()),
        key=lambda x: x[0],
    )
    try:
        day = start - timedelta(days=7)
        end = start + timedelta(weeks=options.weeks)
        while day < end:
            if not options.quiet and (day - start).days % 7 == 0:
                number = (day - start).days // 7 + 1
                when = format_date(day, "d MMM yyyy", locale=locale)
                out(app.catalog.t(locale, "demo.week", number=number, date=when) if number else app.catalog.t(locale, "demo.week_zero", date=when))
            if day == start - timedelta(days=7):
                await app.scheduler.advance_to(day + timedelta(hours=8, minutes=30))  # the staff arrive first, in the morning
                for staff, name in ((ANIMATOR, "Camille (animator)"), (MANAGER, "Morgan (manager)")):
                    await sim.join(staff, name)  # members too: they count among the joined, like everyone the KPIs count
            plan = world.day_plan(day)
            todays = [s for s in script if day <= s[0] < day + timedelta(days=1)]
            merged = sorted([(t, 0, k, p) for t, k, p in plan] + [(t, 1, line, member) for t, member, line in todays], key=lambda x: (x[0], x[1]))
            for at, is_script, what, who in merged:
                await app.scheduler.advance_to(max(at, clock.now()))
                if is_script:
                    await sim.command(str(who), str(what))
                else:
                    await world.act(str(what), who)  # type: ignore[arg-type]
            day += timedelta(days=1)
            await app.settle()  # a day of real time lets background work finish (sentiment scoring)
            await app.scheduler.advance_to(day)
        await app.recorder.flush()
        with events_path.open("w", encoding="utf-8") as fh:
            # the database's own log: importing it elsewhere gives the same reports (polls, votes and prompt answers included)
            logged = write_lines(await export_events(app.db, DEMO), fh)
        result.bot_actions = actions
        await print_summary(app, DEMO, start - timedelta(days=7), end - timedelta(days=1), actions, out)
        for cog in app.cogs.values():
            lines = await cog.summary(DEMO)
            if lines:
                out(f"\n{app.catalog.t(locale, 'demo.cog.' + cog.name) if app.catalog.has('demo.cog.' + cog.name, locale) else cog.name}:")
                out("\n".join(f"  {plain(line)}" for line in lines))
    finally:
        await app.stop()
    result.seconds = time.perf_counter() - started
    out("\n" + app.catalog.t(locale, "demo.event_log", path=events_path, lines=logged))
    if db_path:
        out(app.catalog.t(locale, "demo.database", path=db_path))
    seconds = format_decimal(round(result.seconds, 1), locale=locale)
    out(app.catalog.t(locale, "demo.simulated", count=options.weeks, seconds=seconds, seed=options.seed))
    if not app.cogs:
        out(app.catalog.t(locale, "demo.no_cogs"))
    shutil.rmtree(options.out / "__pycache__", ignore_errors=True)
    return result
