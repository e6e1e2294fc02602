"""The application: wires configuration, storage, adapters, cogs and the scheduler together."""

from __future__ import annotations

import asyncio
import importlib
import logging
import re
from collections import OrderedDict
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

from bot.adapters.base import Adapter
from bot.builtins import Builtins
from bot.cog import ButtonHandler, Cog, CogContext
from bot.commands import Access, Command, CommandError, CommandRegistry, Reply, caller_access, convert_option, parse_text_options
from bot.config import Config, ConfigError
from bot.core.bus import EventBus
from bot.core.clock import Clock, RealClock, VirtualClock
from bot.core.events import ButtonPressed, CommandInvoked, Event, MemberJoined, MemberLeft, MessagePosted, PollVoted, ReactionAdded, ReactionRemoved
from bot.core.markup import verbatim
from bot.core.message import Message, as_message
from bot.core.refs import CommunityRef, MemberRef, Platform
from bot.i18n import LOCALES, Catalog
from bot.messenger import Messenger
from bot.quiet_dms import QuietDMs
from bot.scheduler import Scheduler
from bot.staff import RoleLookup, Staff, configured, is_platform_id, resolve_staff
from storage.anonymity import BallotKey
from storage.db import Database
from storage.directory import Directory
from storage.jobs import JobRuns
from storage.recorder import Recorder

log = logging.getLogger("engagebot.app")

_MENTION = re.compile(r"^<@!?([A-Za-z0-9_.-]+)(?:\|[^>]*)?>$")
SEEN_EVENTS = 10_000


def actor_of(event: Event) -> MemberRef | None:
    """The member who did the event."""
    if isinstance(event, MessagePosted):
        return event.author
    if isinstance(event, MemberJoined | MemberLeft | ReactionAdded | ReactionRemoved | PollVoted | ButtonPressed | CommandInvoked):
        return event.member
    return None


class Engagebot:
    """One bot process: every adapter, every cog, one event loop, one database."""

    def __init__(self, config: Config, *, clock: Clock | None = None, database: Database | None = None) -> None:
        self.config = config
        self.clock: Clock = clock or RealClock()
        # on a virtual clock (demo, console, script) nothing real waits on the loop: SQLite is called in it
        self.db = database or Database(config.database.url, in_loop=isinstance(self.clock, VirtualClock))
        self.directory = Directory(self.db, self.clock.now)
        key_file = config.cog_settings("polls").get("key_file")
        self.ballot_key = BallotKey(self.db.url, str(key_file) if key_file else None)
        """The anonymous-ballot key, as the polls cog finds it: an erasure recomputes a member's codes in open polls (read only then)."""
        self.recorder = Recorder(
            self.db, self.directory, batch_size=config.database.batch_size,
            flush_seconds=config.database.flush_seconds, store_text=config.database.store_text,
        )
        self.bus = EventBus()
        self.commands = CommandRegistry()
        self.messenger = Messenger()
        self.quiet_dms = self.messenger.holder = QuietDMs(config, self.db, self.directory, self.clock, self.messenger)
        self.scheduler = Scheduler(self.clock, JobRuns(self.db), since=self._first_seen)
        self.catalog = Catalog()
        self.cogs: dict[str, Cog] = {}
        self.disabled: dict[str, str] = {}
        self.adapters: list[Adapter] = []
        self.communities: list[CommunityRef] = [c.ref for c in config.communities]
        self.staff: dict[CommunityRef, Staff] = {}  # role ids of each community's animators and managers (bot/staff.py)
        self._buttons: list[tuple[str, ButtonHandler, str]] = []
        self._seen: OrderedDict[tuple[str, ...], None] = OrderedDict()
        self._states: OrderedDict[tuple[str, ...], bool] = OrderedDict()  # reactions: set or unset, last seen
        self.started = False
        self.ready_timeout = 60.0
        """How long `start` waits for the platforms to be ready before the scheduler catches up."""

    # --- wiring ---------------------------------------------------------------------------
    def add_adapter(self, adapter: Adapter, communities: list[CommunityRef] = ()) -> None:  # type: ignore[assignment]
        """Connect a platform; `communities` are communities it serves beyond the configured ones."""
        self.adapters.append(adapter)
        self.messenger.register(adapter)
        for ref in communities:
            if ref not in self.communities:
                self.communities.append(ref)

    async def add_community(self, ref: CommunityRef, name: str | None = None) -> None:
        """Serve a community found while running (a Slack workspace that installed the app): its row, and each
        cog's jobs for it (with the configuration's defaults, or its `[[communities]]` entry when it has one)."""
        await self.directory.community_id(ref, name)
        if ref in self.communities:
            return
        self.communities.append(ref)
        scope = str(ref)
        for cog in list(self.cogs.values()):
            try:
                specs = [spec for spec in cog.jobs() if spec.scope == scope and spec.key not in self.scheduler.specs]
                for spec in specs:
                    self.scheduler.add(replace(spec, owner=cog.name))
            except Exception:
                log.exception("cog %s could not schedule its jobs in %s", cog.name, ref)
        for spec in self.quiet_dms.jobs([ref]):
            self.scheduler.add(spec)
        log.info("now serving %s", ref)

    async def remove_community(self, ref: CommunityRef) -> None:
        """Stop acting in a community (a Slack workspace that uninstalled the app): its jobs go; its data stays."""
        if ref in self.communities:
            self.communities.remove(ref)
        scope = str(ref)
        for key in [k for k, spec in self.scheduler.specs.items() if spec.scope == scope]:
            self.scheduler.remove(key)
        self.staff.pop(ref, None)
        log.info("no longer serving %s", ref)

    def context(self, name: str) -> CogContext:
        """The context handed to a cog."""
        return CogContext(
            name=name, config=self.config, db=self.db, directory=self.directory, recorder=self.recorder,
            clock=self.clock, messenger=self.messenger, scheduler=self.scheduler, catalog=self.catalog,
            communities=self.communities,
        )

    def load_cog(self, name: str) -> Cog | None:
        """Import `cogs.NAME`, call its `setup(ctx)` and register what it declares; None if it failed."""
        try:
            module = importlib.import_module(name if "." in name else f"cogs.{name}")
            locales = Path(module.__file__ or "").parent / "locales"
            if locales.is_dir():
                self.catalog.load_folder(locales, namespace=name)
            cog: Cog = module.setup(self.context(name))
            cog.validate_settings()
            self.install(cog)
        except ConfigError:
            raise
        except ModuleNotFoundError as err:
            if err.name in (name, f"cogs.{name}"):
                raise ConfigError(f"bot.cogs: no cog named {name!r}") from None
            self._disable(name, err)
            return None
        except Exception as err:  # a broken cog must not take the bot down
            self._disable(name, err)
            return None
        return cog

    def install(self, cog: Cog) -> None:
        """Register a cog's listeners, commands, buttons and jobs."""
        self.cogs[cog.name] = cog
        for event_type, handler in cog.listeners():
            self.bus.subscribe(event_type, handler, owner=cog.name)
        for command in cog.commands():
            self.commands.add(command)
        for prefix, on_press in cog.buttons():
            self._buttons.append((prefix, on_press, cog.name))
        for spec in cog.jobs():
            self.scheduler.add(replace(spec, owner=cog.name))

    def _disable(self, name: str, err: BaseException) -> None:
        """Log a cog's failure and remove everything it registered; the others keep running."""
        log.error("cog %s failed and is disabled: %s", name, err, exc_info=err)
        self.disabled[name] = f"{type(err).__name__}: {err}"
        self.cogs.pop(name, None)
        self.bus.unsubscribe_owner(name)
        self.commands.remove_owner(name)
        self.scheduler.remove_owner(name)
        self._buttons = [b for b in self._buttons if b[2] != name]

    async def _first_seen(self, scope: str) -> datetime | None:
        """When the bot first knew the community a job's scope names (None for other scopes)."""
        platform, _, ident = scope.partition(":")
        if platform not in {p.value for p in Platform} or not ident:
            return None
        return await self.directory.first_seen(CommunityRef(Platform(platform), ident))

    # --- lifecycle ------------------------------------------------------------------------
    async def start(self, *, schedule: bool = True, listen: bool = True) -> None:
        """Migrate the database, load cogs, start adapters and the scheduler (catching up missed runs).

        `schedule=False, listen=False` is a job fired by hand (`engagebot jobs run`) beside the running bot:
        no scheduler, and the platforms are connected for sending only (an adapter's `start_sending`: REST
        or Web API calls, no gateway, socket or HTTP listener), so no event is received or dispatched; the
        cogs are not started either (their start-up work, such as closing overdue polls, is the bot's).
        """
        await self.db.upgrade()
        for ref in self.communities:
            await self.directory.community_id(ref, self.config.community(ref).name)
        if listen and not isinstance(self.clock, VirtualClock):  # simulated time flushes at `settle` and where data is read: reproducible
            self.recorder.start()
        Builtins(self).register()
        for name in self.config.bot.cogs:
            self.load_cog(name)
        self._check_commands()
        for adapter in self.adapters:
            sending_only = None if listen else getattr(adapter, "start_sending", None)
            await (sending_only(self) if sending_only is not None else adapter.start(self))
        if listen:
            await self._wait_until_ready()
        await self._resolve_staff()
        for name, cog in list(self.cogs.items()) if listen else ():
            try:
                await cog.start()
            except ConfigError:  # e.g. the polls cog's ballot key cannot be read: the start stops, in one line
                raise
            except Exception as err:
                self._disable(name, err)
        for spec in self.quiet_dms.jobs(self.communities):  # DMs kept during the quiet hours go when they end (caught up after a restart)
            self.scheduler.add(spec)
        if schedule:
            await self.scheduler.start()
        self.started = True
        log.info("engagebot started%s: cogs %s, adapters %s", "" if listen else " (sending only)", sorted(self.cogs),
                 [a.platform.value for a in self.adapters])

    async def _wait_until_ready(self) -> None:
        """Let each platform finish connecting (Discord's gateway) before jobs catch up: a channel named in a job must be found."""
        for adapter in self.adapters:
            ready = getattr(adapter, "ready", None)
            if ready is None:
                continue
            try:
                await asyncio.wait_for(ready(), self.ready_timeout)
            except TimeoutError:
                log.warning("%s is not ready after %.0f s: starting anyway (jobs that fail are retried)", adapter.platform, self.ready_timeout)

    async def _resolve_staff(self) -> None:
        """Every served community's staff ids; a role given by name is looked up now, once (ConfigError if unknown or ambiguous)."""
        for ref in self.communities:
            lookup = self._role_lookup(ref)
            if lookup is None and ref.platform in (Platform.DISCORD, Platform.SLACK):
                continue  # no adapter serves it in this process (e.g. the console run of a Discord configuration)
            index = next((i for i, c in enumerate(self.config.communities) if c.ref == ref), None)
            where = f"{self.config.source}: communities.{index}" if index is not None else f"community {ref}"
            self.staff[ref] = await resolve_staff(where, self.config.community(ref), lookup)

    def _role_lookup(self, ref: CommunityRef) -> RoleLookup | None:
        for adapter in self.adapters:
            if adapter.platform == ref.platform:
                found: RoleLookup | None = getattr(adapter, "roles_named", None)
                return found
        return None

    def staff_of(self, ref: CommunityRef) -> Staff:
        """The ids whose holders animate or manage a community (one first seen after start: its configured ids only)."""
        staff = self.staff.get(ref)
        if staff is None:
            cc = self.config.community(ref)
            ids = [frozenset(e for e in configured(cc, key) if is_platform_id(ref.platform, e)) for key in ("animator_roles", "manager_roles")]
            staff = self.staff[ref] = Staff(*ids)
        return staff

    def _check_commands(self) -> None:
        for command in self.commands.all():
            for locale in LOCALES:
                if not command.description.get(locale):
                    log.warning("command /%s has no %s description", command.name, locale)

    async def settle(self) -> None:
        """Write the queued interactions and let every cog finish the background work past events started.

        A simulation calls it when it skips ahead (real time would have done both meanwhile).
        """
        await self.recorder.flush()
        for cog in list(self.cogs.values()):
            try:
                await cog.settle()
            except Exception:
                log.exception("cog %s failed to settle", cog.name)

    async def stop(self) -> None:
        """Stop everything and flush what is queued; safe to call twice."""
        await self.scheduler.stop()
        for adapter in self.adapters:
            try:
                await adapter.stop()
            except Exception:
                log.exception("adapter %s failed to stop", adapter.platform)
        for cog in self.cogs.values():
            try:
                await cog.stop()
            except Exception:
                log.exception("cog %s failed to stop", cog.name)
        await self.recorder.close()
        if self.started:
            await self.db.close()
        self.started = False

    # --- events ---------------------------------------------------------------------------
    def _first_time(self, key: tuple[str, ...]) -> bool:
        if key in self._seen:
            return False
        self._seen[key] = None
        if len(self._seen) > SEEN_EVENTS:
            self._seen.popitem(last=False)
        return True

    def _changes_state(self, key: tuple[str, ...], on: bool) -> bool:
        """Whether a set/unset event changes its state (a redelivery repeats the state it already set)."""
        if self._states.get(key) is on:
            return False
        self._states[key] = on
        self._states.move_to_end(key)
        if len(self._states) > SEEN_EVENTS:
            self._states.popitem(last=False)
        return True

    async def dispatch(self, event: Event) -> None:
        """Record an event and deliver it to the cogs (a redelivered event is ignored).

        A reaction added, removed and added again is three events; the same addition delivered twice is one.
        """
        toggle = event.toggle
        if toggle is not None:
            if not self._changes_state((str(event.community), *toggle[0]), toggle[1]):
                return
        elif not self._first_time((str(event.community), *event.dedupe_key)):
            return
        try:
            await self.recorder.record(event)
        except Exception:
            log.exception("recording %s failed", type(event).__name__)
        actor = actor_of(event)
        if actor is not None and actor.bot:
            return
        await self.bus.publish(event)

    def locale_for(self, community: CommunityRef, requested: str | None = None) -> str:
        """The caller's locale when it is one we speak, else the community's."""
        if requested:
            short = requested.split("-")[0].lower()
            if short in LOCALES:
                return short
        return self.config.locale_of(community)

    def access_of(self, invocation: CommandInvoked) -> Access:
        """The audiences the caller of a command belongs to."""
        return caller_access(invocation.roles, invocation.is_admin, self.staff_of(invocation.community))

    async def invoke(self, invocation: CommandInvoked) -> Reply:
        """Run a command with its permission enforced here, whatever the platform."""
        locale = self.locale_for(invocation.community, invocation.locale)
        invocation = replace(invocation, locale=locale)
        key = (str(invocation.community), *invocation.dedupe_key)
        if invocation.interaction_id and not self._first_time(key):
            return Reply(Message(self.catalog.t(locale, "errors.duplicate")))
        try:
            command, options = await self._resolve_command(invocation)
        except CommandError as err:
            return Reply(Message(self._error(locale, err)))
        try:
            result = await command.handler(replace(invocation, name=command.name, options=options, args=()))
        except CommandError as err:
            return Reply(Message(self._error(locale, err)))
        except Exception:
            log.exception("command /%s failed for %s in %s", command.name, invocation.member.id, invocation.community)
            return Reply(Message(self.catalog.t(locale, "errors.internal")))
        return result if isinstance(result, Reply) else Reply(as_message(result))

    async def _resolve_command(self, invocation: CommandInvoked) -> tuple[Command, dict[str, Any]]:
        community = invocation.community
        typed: dict[str, str] = {}  # members named by a bare word: checked against the directory below

        def resolve(text: str) -> MemberRef | None:
            text = text.strip()
            m = _MENTION.match(text)
            ident = m.group(1) if m else text.lstrip("@")
            if not ident:
                return None
            if not m or community.platform in (Platform.CONSOLE, Platform.SIMULATION):  # only Discord and Slack vouch for a mention
                typed[ident] = text
            return MemberRef(community, ident)

        if invocation.name:
            command = self.commands.get(invocation.name)
            args = list(invocation.args)
        else:
            found = self.commands.split(list(invocation.args))
            command, args = found if found else (None, [])
        if command is None:
            name = invocation.name or (invocation.args[0] if invocation.args else "")
            raise CommandError("errors.unknown_command", name=name)
        if not command.access & self.access_of(invocation):  # before parsing: a refused caller gets no option errors
            log.info("refused /%s to %s in %s", command.name, invocation.member.id, invocation.community)
            raise CommandError("errors.not_allowed", command=command.name)
        options = parse_text_options(command, args, resolve) if args else {}
        for opt in command.options:
            if opt.name in invocation.options:
                options[opt.name] = convert_option(opt, invocation.options[opt.name], resolve)
            elif opt.required and opt.name not in options:
                raise CommandError("errors.missing_option", option=opt.name, command=command.name)
        for name, value in options.items():
            if isinstance(value, MemberRef) and value.id in typed:
                options[name] = await self._known_member(name, value, typed[value.id])
        return command, options

    async def _known_member(self, option: str, ref: MemberRef, typed: str) -> MemberRef:
        """A member named by a word must be one the community has seen: a word never creates a member (nor a KPI)."""
        found = await self.directory.find_member(ref.community, ref.id)
        if not found:
            raise CommandError("errors.unknown_member", option=option, value=typed)
        if len(found) > 1:
            raise CommandError("errors.ambiguous_member", option=option, value=typed)
        return found[0]

    def _error(self, locale: str, err: CommandError) -> str:
        """A user error's text; the values it echoes (what the caller typed) are shown as typed."""
        return self.catalog.t(locale, err.key, **{k: verbatim(v) if isinstance(v, str) else v for k, v in err.params.items()})

    async def home(self, member: MemberRef, roles: frozenset[str] = frozenset(), is_admin: bool = False, locale: str | None = None) -> Message:
        """A member's home view (Slack App Home): what each cog has to say to them, by their access."""
        loc = self.locale_for(member.community, locale)
        access = caller_access(roles, is_admin, self.staff_of(member.community))
        lines: list[str] = []
        for cog in list(self.cogs.values()):
            try:
                lines.extend(await cog.home_lines(member, access))
            except Exception:
                log.exception("home lines of %s failed for %s", cog.name, member.id)
        body = "\n".join(lines) or self.catalog.t(loc, "home.empty")
        return Message(title=self.catalog.t(loc, "home.title"), body=body)

    async def press(self, event: ButtonPressed) -> Reply | None:
        """Route a button press to the cog owning its custom_id prefix (longest prefix wins)."""
        if event.interaction_id and not self._first_time((str(event.community), *event.dedupe_key)):
            return None
        matches = [b for b in self._buttons if event.custom_id.startswith(b[0])]
        locale = self.locale_for(event.community)
        if not matches:
            return Reply(Message(self.catalog.t(locale, "errors.stale_button")))
        prefix, handler, owner = max(matches, key=lambda b: len(b[0]))
        try:
            return await handler(event)
        except CommandError as err:
            return Reply(Message(self._error(locale, err)))
        except Exception:
            # the prefix only: a full custom_id next to the member could reveal an anonymous vote
            log.exception("button %s… of %s failed in %s", prefix, owner, event.community)
            return Reply(Message(self.catalog.t(locale, "errors.internal")))
