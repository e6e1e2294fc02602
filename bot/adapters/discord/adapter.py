"""The Discord adapter: discord.py events to core events, neutral actions to Discord messages, DMs and roles."""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any, ParamSpec

import discord
from discord import app_commands

from bot.adapters.base import AppPort, Capability
from bot.adapters.discord import translate
from bot.adapters.discord.client import BAD_TOKEN_ADVICE, new_client, run_gateway
from bot.adapters.discord.commands import DescriptionTranslator, build_tree
from bot.adapters.discord.outbox import Outbox
from bot.adapters.discord.render import render
from bot.adapters.discord.views import make_button_item
from bot.commands import Command, Reply
from bot.config import Config, ConfigError, Secrets
from bot.core.actions import Action
from bot.core.clock import Clock, RealClock
from bot.core.events import Event
from bot.core.message import unscoped, with_content
from bot.core.refs import CommunityRef, MessageRef, Platform
from bot.core.tasks import Running, cancel_and_wait
from bot.i18n import Catalog

log = logging.getLogger("engagebot.discord")

Connector = Callable[["DiscordAdapter"], Awaitable[None]]
DEFER_AFTER = 2.5  # seconds: Discord wants an answer within 3 s
STOP_GRACE = 10.0  # seconds `stop()` lets event handlers and commands still running finish
P = ParamSpec("P")

INVITE_PERMISSIONS = discord.Permissions(
    view_channel=True, send_messages=True, send_messages_in_threads=True, embed_links=True, attach_files=True,
    read_message_history=True, add_reactions=True, manage_roles=True, send_polls=True, use_application_commands=True,
)


def invite_url(application_id: int | str) -> str:
    """The link that adds the bot to a server with the permissions and scopes it needs."""
    return discord.utils.oauth_url(application_id, permissions=INVITE_PERMISSIONS, scopes=("bot", "applications.commands"))


async def login_and_connect(adapter: DiscordAdapter) -> None:
    """Log in with DISCORD_TOKEN (runs `setup_hook`), then keep the gateway connection in a background task."""
    await log_in(adapter)
    adapter.gateway = asyncio.create_task(run_gateway(adapter.client), name="discord-gateway")


async def log_in(adapter: DiscordAdapter) -> None:
    """Log in over HTTP with DISCORD_TOKEN: the REST API works from then on; nothing connects to the gateway."""
    token = adapter.secrets.discord_token
    if not token:
        raise ConfigError("DISCORD_TOKEN is not set")
    try:
        await adapter.client.login(token)
    except discord.LoginFailure:
        raise ConfigError(BAD_TOKEN_ADVICE) from None


class DiscordAdapter:
    """Connects engagebot to Discord guilds through discord.py."""

    platform = Platform.DISCORD
    capabilities = frozenset({
        Capability.BUTTONS, Capability.NATIVE_POLLS, Capability.ROLES, Capability.EPHEMERAL,
        Capability.DMS, Capability.IMAGES, Capability.THREADS,
    })

    def __init__(
        self, config: Config, secrets: Secrets, *, clock: Clock | None = None,
        connector: Connector = login_and_connect, defer_after: float = DEFER_AFTER,
    ) -> None:
        self.config = config
        self.secrets = secrets
        self.clock: Clock = clock or RealClock()
        self.connector = connector
        self.defer_after = defer_after
        self.stop_grace = STOP_GRACE
        self.catalog = Catalog()
        self.client: discord.Client = new_client(config.discord.sharded)
        self._busy = Running()  # discord.py's tasks running one of our handlers (it does not keep them)
        self.button_item = make_button_item(self._tracked(self._on_press))
        self.tree: app_commands.CommandTree[Any] | None = None
        self.gateway: asyncio.Task[str | None] | None = None
        self.app: AppPort | None = None
        self.outbox = Outbox(self.client, self.button_item)
        self.sending_only = False
        self._wire()

    def __repr__(self) -> str:
        return f"DiscordAdapter(sharded={self.config.discord.sharded}, sync={self.config.discord.sync!r})"

    # --- lifecycle ------------------------------------------------------------------------
    async def start(self, app: AppPort) -> None:
        """Log in and start the gateway in the background; returns once logged in and commands are synced."""
        self.app = app
        await self.connector(self)

    async def start_sending(self, app: AppPort) -> None:
        """Log in over HTTP only (`engagebot jobs run` beside the running bot): posts go through the REST API; no
        gateway connection, so no event arrives, and the slash commands stay as the running bot synced them."""
        self.app = app
        self.sending_only = self.outbox.rest_only = True
        await log_in(self)

    async def ready(self) -> None:
        """Wait until the gateway is ready (servers, channels and roles cached), or has closed: `start` returns right after logging in."""
        waiting = asyncio.ensure_future(self.client.wait_until_ready())
        watched: set[asyncio.Future[Any]] = {waiting}
        if self.gateway is not None:
            watched.add(self.gateway)
        try:
            await asyncio.wait(watched, return_when=asyncio.FIRST_COMPLETED)
        finally:
            waiting.cancel()

    async def stop(self) -> None:
        """Let the event handlers and commands still running finish (up to `stop_grace`), then close the connection.

        discord.py runs each event in a task it does not keep; closing first would cut them off from
        the HTTP session, and the app's final flush of the recorder would run before their rows are queued.
        """
        deadline = asyncio.get_running_loop().time() + self.stop_grace
        await self._finish_running(deadline)
        if not self.client.is_closed():
            await self.client.close()
        await self._finish_running(deadline, warn=False)  # events that arrived while the connection closed
        await cancel_and_wait(self.gateway)
        self.gateway = None

    async def _finish_running(self, deadline: float, *, warn: bool = True) -> None:
        left = await self._busy.finish(deadline)
        if left and warn:
            log.warning("%d Discord event handler(s) still running after %.0f s: closing anyway", left, self.stop_grace)

    def _tracked(self, handler: Callable[P, Awaitable[None]]) -> Callable[P, Awaitable[None]]:
        """`handler`, with the task running it known to `stop()` while it runs."""

        @functools.wraps(handler)
        async def run(*args: P.args, **kwargs: P.kwargs) -> None:
            with self._busy.track():
                await handler(*args, **kwargs)

        return run

    async def wait_closed(self) -> None:
        """Wait until the gateway connection ends for good."""
        if self.gateway is not None:
            await asyncio.shield(self.gateway)

    @property
    def failure(self) -> str | None:
        """Why the connection ended for good (Discord refused it), if it did: the bot must then exit non-zero."""
        task = self.gateway
        return task.result() if task is not None and task.done() and not task.cancelled() and task.exception() is None else None

    def _wire(self) -> None:
        handlers: dict[str, Callable[..., Awaitable[None]]] = {
            "setup_hook": self.setup_hook,
            "on_ready": self.on_ready,
            "on_member_join": self.on_member_join,
            "on_raw_member_remove": self.on_raw_member_remove,
            "on_message": self.on_message,
            "on_raw_message_delete": self.on_raw_message_delete,
            "on_raw_bulk_message_delete": self.on_raw_bulk_message_delete,
            "on_raw_reaction_add": self.on_raw_reaction,
            "on_raw_reaction_remove": self.on_raw_reaction,
            "on_raw_poll_vote_add": self.on_raw_poll_vote_add,
            "on_raw_poll_vote_remove": self.on_raw_poll_vote_remove,
        }
        for name, handler in handlers.items():
            setattr(self.client, name, handler if name == "setup_hook" else self._tracked(handler))  # setup_hook runs in login()

    async def setup_hook(self) -> None:
        """Register the persistent buttons and the slash commands (called by discord.py at login)."""
        if self.sending_only:  # nothing to receive: the running bot registered and synced them
            return
        self.client.add_dynamic_items(self.button_item)
        self.tree = build_tree(self.client, self._app().commands, self._tracked(self._run_command), self.catalog)
        await self.tree.set_translator(DescriptionTranslator())
        await self.sync_commands()

    async def sync_commands(self) -> None:
        """Publish the slash commands: per configured guild (instant) or globally (slow), as configured."""
        if self.tree is None:
            return
        try:
            if self.config.discord.sync == "global":
                synced = await self.tree.sync()
                log.info("%d slash commands synced globally (Discord may take up to an hour to show them)", len(synced))
                return
            guilds = [c for c in self.config.communities if c.platform == Platform.DISCORD]
            if not guilds:
                log.warning("no Discord community in the configuration: slash commands are not synced "
                            "(add a [[communities]] entry with platform = \"discord\" and the server id, or set discord.sync = \"global\")")
            for community in guilds:
                if not community.id.isdigit():
                    log.error("communities: Discord server id %r must be a number (Developer Mode > right-click the server > Copy ID)", community.id)
                    continue
                guild = discord.Object(id=int(community.id))
                self.tree.copy_global_to(guild=guild)
                synced = await self.tree.sync(guild=guild)
                log.info("%d slash commands synced to server %s", len(synced), community.id)
        except discord.Forbidden:
            log.error("Discord refused the slash commands: invite the bot with the 'applications.commands' scope (see README)")
        except (discord.HTTPException, app_commands.AppCommandError) as err:
            log.error("syncing slash commands failed: %s", err)

    async def on_ready(self) -> None:
        """Say where the bot is, and how to invite it where it is missing."""
        user = self.client.user
        joined = {str(g.id) for g in self.client.guilds}
        log.info("connected to Discord as %s in %d servers", user, len(joined))
        missing = [c.id for c in self.config.communities if c.platform == Platform.DISCORD and c.id not in joined]
        if missing and self.client.application_id:
            log.warning("not a member of server(s) %s yet: invite the bot with %s", ", ".join(missing), invite_url(self.client.application_id))

    async def roles_named(self, community: CommunityRef, name: str) -> list[tuple[str, str]]:
        """The (id, name) of the server's roles called `name`, case aside (at start, to turn a configured name into its id)."""
        if not community.id.isdigit():
            return []
        guild = self.client.get_guild(int(community.id))
        if guild is None:  # not in the gateway's cache yet: Discord's REST API sends the server with its roles
            try:
                guild = await self.client.fetch_guild(int(community.id))
            except discord.HTTPException as err:
                raise ConfigError(f"cannot read the roles of Discord server {community.id} ({err.status}): is the bot a member? "
                                  "Or give role ids instead of names") from None
        wanted = name.casefold()
        return [(str(r.id), r.name) for r in guild.roles if not r.is_default() and r.name.casefold() == wanted]

    def _app(self) -> AppPort:
        if self.app is None:
            raise RuntimeError("the Discord adapter is not started")
        return self.app

    async def _dispatch(self, event: Event | None) -> None:
        if event is not None:
            await self._app().dispatch(event)

    # --- gateway events -------------------------------------------------------------------
    async def on_member_join(self, member: discord.Member) -> None:
        """A member joined a server."""
        await self._dispatch(translate.member_joined(member, self.clock.now()))

    async def on_raw_member_remove(self, payload: discord.RawMemberRemoveEvent) -> None:
        """A member left a server."""
        await self._dispatch(translate.member_left(payload, self.clock.now()))

    async def on_message(self, message: discord.Message) -> None:
        """A message was posted."""
        await self._dispatch(translate.message_posted(message, self.clock.now(), self.client.user))

    async def on_raw_message_delete(self, payload: discord.RawMessageDeleteEvent) -> None:
        """A post was deleted (cached or not)."""
        for event in translate.messages_deleted(self.client, payload.guild_id, payload.channel_id, [payload.message_id], self.clock.now()):
            await self._dispatch(event)

    async def on_raw_bulk_message_delete(self, payload: discord.RawBulkMessageDeleteEvent) -> None:
        """Posts deleted at once by a moderator."""
        for event in translate.messages_deleted(self.client, payload.guild_id, payload.channel_id, sorted(payload.message_ids), self.clock.now()):
            await self._dispatch(event)

    async def on_raw_reaction(self, payload: discord.RawReactionActionEvent) -> None:
        """A reaction was added or removed (cached message or not)."""
        await self._dispatch(translate.reaction(self.client, payload, self.clock.now()))

    async def on_raw_poll_vote_add(self, payload: discord.RawPollVoteActionEvent) -> None:
        """A vote in a native poll."""
        await self._dispatch(translate.poll_vote(self.client, payload, False, self.clock.now()))

    async def on_raw_poll_vote_remove(self, payload: discord.RawPollVoteActionEvent) -> None:
        """A vote taken back in a native poll."""
        await self._dispatch(translate.poll_vote(self.client, payload, True, self.clock.now()))

    # --- interactions ---------------------------------------------------------------------
    async def _run_command(self, interaction: discord.Interaction[Any], command: Command, values: dict[str, Any]) -> None:
        guild_id = interaction.guild_id or 0
        options = {name: translate.option_value(guild_id, value) for name, value in values.items()}
        invocation = translate.command_invoked(interaction, command.name, options, self.clock.now())
        await self._answer(interaction, self._app().invoke(invocation), component=False)

    async def _on_press(self, interaction: discord.Interaction[Any], custom_id: str) -> None:
        guild_id = self._guild_of(interaction, custom_id)
        if guild_id is None:
            await interaction.response.defer()
            return
        event = translate.button_pressed(interaction, unscoped(custom_id)[0], guild_id, self.clock.now())
        await self._answer(interaction, self._app().press(event), component=True)

    def _guild_of(self, interaction: discord.Interaction[Any], custom_id: str = "") -> int | None:
        """The server a press belongs to; for a button in a DM, the server its custom_id names (or the DM was sent for)."""
        if interaction.guild_id is not None:
            return interaction.guild_id
        _, named = unscoped(custom_id)
        if named is not None and named.isdigit():
            return int(named)
        if interaction.message is not None and interaction.message.id in self.outbox.dm_guilds:
            return self.outbox.dm_guilds[interaction.message.id]
        configured = [int(c.id) for c in self.config.communities if c.platform == Platform.DISCORD and c.id.isdigit()]
        mutual = [g.id for g in interaction.user.mutual_guilds] if isinstance(interaction.user, discord.User) else []
        return next((g for g in configured if g in mutual), mutual[0] if mutual else None)

    async def _answer(self, interaction: discord.Interaction[Any], job: Awaitable[Reply | None], *, component: bool) -> None:
        """Answer within Discord's 3 s: defer when the bot is slower (its image drawn included), then follow up."""
        task = asyncio.ensure_future(_drawn(job))
        deferred = False
        done, _ = await asyncio.wait({task}, timeout=self.defer_after)
        if not done:
            if component:
                await interaction.response.defer()
            else:
                await interaction.response.defer(ephemeral=True, thinking=True)
            deferred = True
        reply = await task
        if reply is None:
            if not interaction.response.is_done():
                await interaction.response.defer()
            return
        kwargs = render(reply.message, self.button_item).kwargs()
        if not deferred:
            await interaction.response.send_message(**kwargs, ephemeral=reply.ephemeral)
        elif reply.ephemeral or component or not isinstance(interaction.channel, discord.abc.Messageable):
            await interaction.followup.send(**kwargs, ephemeral=reply.ephemeral)
        else:
            # the "thinking…" placeholder was private: replace it with a public post in the channel
            await interaction.delete_original_response()
            await interaction.channel.send(**kwargs)

    # --- actions --------------------------------------------------------------------------
    async def send(self, action: Action) -> MessageRef | None:
        """Post, DM or change roles; a Discord refusal is logged once, never raised."""
        return await self.outbox.send(action)


async def _drawn(job: Awaitable[Reply | None]) -> Reply | None:
    """The reply of `job`, with its image's bytes drawn (a chart is drawn only when it is sent)."""
    reply = await job
    return reply if reply is None else replace(reply, message=await with_content(reply.message))


def build_discord_adapter(config: Config, secrets: Secrets, *, clock: Clock | None = None) -> DiscordAdapter:
    """The Discord adapter for `engagebot run` when DISCORD_TOKEN is set."""
    if not secrets.discord_token:
        raise ConfigError("DISCORD_TOKEN is not set")
    return DiscordAdapter(config, secrets, clock=clock)
