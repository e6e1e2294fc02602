"""The Slack adapter: a slack-bolt AsyncApp (Socket Mode or HTTP) speaking the `Adapter` protocol."""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.app.async_app import AsyncApp
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.oauth.async_callback_options import AsyncCallbackOptions, AsyncFailureArgs, AsyncSuccessArgs
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.base import AppPort, Capability
from bot.adapters.slack.client import Sleep, web_client
from bot.adapters.slack.commands import MODAL_PREFIX, ModalOrigin, command_words, modal_view, options_from_view, wants_modal
from bot.adapters.slack.home import home_view
from bot.adapters.slack.installs import Installations, Pages, States
from bot.adapters.slack.outbox import Outbox, api_error
from bot.adapters.slack.people import People
from bot.adapters.slack.translate import Workspace, button_of, community_of, event_of, member
from bot.commands import Command, CommandError, Reply, convert_option
from bot.config import ConfigError, SlackSettings
from bot.core.actions import Action
from bot.core.actions import community_of as community_of_action
from bot.core.clock import Clock, RealClock
from bot.core.events import CommandInvoked
from bot.core.refs import ChannelRef, CommunityRef, MessageRef, Platform
from bot.staff import is_platform_id

log = logging.getLogger("engagebot.slack")

SEEN_EVENTS = 5_000
TEAM_TTL = 60.0  # OAuth mode: seconds a workspace's token is used before its installation is read again
# OAuth mode: the client that exchanges install codes; slack_sdk's DEBUG lines would print oauth.v2.access's answer, a bot token
OAUTH_WEB_LOG = logging.getLogger("engagebot.slack.oauth.web")
STOP_GRACE = 10.0  # seconds `stop()` lets the events being handled finish


def order_key(body: dict[str, Any]) -> str:
    """Whose events must be handled in turn: the member's (a join before their first post, a post before its deletion), else the channel's."""
    event = body.get("event") or {}
    user = event.get("user") or (event.get("previous_message") or {}).get("user")  # message_deleted names its author there
    if isinstance(user, dict):  # team_join, user_change
        user = user.get("id")
    return str(user or event.get("channel") or "")


@dataclass(frozen=True, slots=True)
class Team:
    """What the adapter says a workspace with: its bot token's Web API client, its people and its outbox."""

    client: AsyncWebClient
    people: People
    outbox: Outbox
    bot_user_id: str | None = None


class SlackAdapter:
    """Slack: one workspace (its bot token), or every workspace that installed the app (`slack.oauth`).

    Events API, interactivity and the slash command in; Web API calls out, each with its workspace's token.
    """

    platform = Platform.SLACK
    capabilities = frozenset({Capability.BUTTONS, Capability.DMS, Capability.IMAGES, Capability.THREADS, Capability.EPHEMERAL, Capability.APP_HOME})

    def __init__(self, settings: SlackSettings, *, bot_token: str | None = None, app_token: str | None = None, signing_secret: str | None = None,
                 clock: Clock | None = None, sleep: Sleep = asyncio.sleep, known_communities: frozenset[str] = frozenset(),
                 client_id: str | None = None, client_secret: str | None = None, locale: str = "en") -> None:
        self.settings = settings
        self.clock: Clock = clock or RealClock()
        self.sleep = sleep
        self.oauth = settings.oauth
        self.locale = locale  # the install pages' language (the bot's)
        if self.oauth and not (client_id and client_secret and signing_secret and settings.mode == "http"):
            raise ConfigError("slack.oauth: needs slack.mode = \"http\" and SLACK_CLIENT_ID, SLACK_CLIENT_SECRET, SLACK_SIGNING_SECRET in the environment")
        if not self.oauth and not bot_token:
            raise ConfigError("slack: needs SLACK_BOT_TOKEN in the environment (or slack.oauth = true)")
        # OAuth mode: no token of its own (the OAuth flow calls oauth.v2.access with it); each workspace's comes from its installation
        self.client = web_client(None if self.oauth else bot_token, settings.api_base_url, sleep, OAUTH_WEB_LOG if self.oauth else None)
        self.app_token = app_token
        self.known_communities = known_communities
        self.installations: Installations | None = None
        self.states: States | None = None
        if self.oauth:
            assert client_id and client_secret
            self.installations, self.states = Installations(client_id), States()
            oauth = AsyncOAuthSettings(
                client_id=client_id, client_secret=client_secret, scopes=settings.scopes, user_scopes=[], redirect_uri=settings.redirect_uri,
                install_path=settings.install_path, install_page_rendering_enabled=False, redirect_uri_path=settings.redirect_path,
                installation_store=self.installations, installation_store_bot_only=True, state_store=self.states,
                callback_options=AsyncCallbackOptions(success=self._installed, failure=self._not_installed),
                logger=logging.getLogger("engagebot.slack.oauth"),
            )
            oauth.redirect_uri_page_renderer = Pages(self._page_text, install_path=settings.install_path, redirect_uri_path=settings.redirect_path)
            # no token here: each workspace's comes from its installation (SLACK_BOT_TOKEN set too is a configuration error)
            self.bolt = AsyncApp(
                client=self.client, signing_secret=signing_secret or "", process_before_response=True, oauth_settings=oauth,
                logger=logging.getLogger("engagebot.slack.bolt"),
            )
        else:
            # Bolt gets the token, not our client: given a client without a token, it reads SLACK_BOT_TOKEN from the environment
            # and warns at every start that this token "will be unused". The client it makes goes where ours goes (same base URL,
            # same retry handlers), and it copies both into the client of each request; Socket Mode gets our client itself.
            self.bolt = AsyncApp(
                token=bot_token, signing_secret=signing_secret or "", process_before_response=True,
                logger=logging.getLogger("engagebot.slack.bolt"),
            )
            self.bolt.client.base_url = self.client.base_url
            self.bolt.client.retry_handlers = self.client.retry_handlers
        self.people = People(self.client, settings.admin_group)
        self.outbox = Outbox(self.client, settings.command, self.t, self._command_names, sleep, self.people.names)
        self._teams: dict[str, tuple[float, str, Team]] = {}  # OAuth mode: each installed workspace's (read at, token, team)
        self.team_ttl = TEAM_TTL
        self._installed_teams: list[tuple[str, str | None]] = []  # OAuth mode: the workspaces installed at start (for the start's log line)
        self.app: AppPort | None = None
        self.team_id: str | None = None
        self.bot_user_id: str | None = None
        self.port: int | None = None
        self._seen: OrderedDict[str, None] = OrderedDict()
        self._tasks: set[asyncio.Task[None]] = set()
        self._last_event: dict[str, asyncio.Task[None]] = {}  # per member (or channel): the last event handled in order
        self.stop_grace = STOP_GRACE
        self._runner: web.AppRunner | None = None
        self._socket: AsyncSocketModeHandler | None = None
        self._wire()

    # --- wiring -------------------------------------------------------------------------
    def _wire(self) -> None:
        bolt = self.bolt
        bolt.middleware(self._skip_redeliveries)
        if self.oauth:  # before the catch-all: the first listener that matches is the one run
            bolt.event("app_uninstalled")(self._on_uninstalled)
            bolt.event("tokens_revoked")(self._on_tokens_revoked)
        bolt.event(re.compile(".*"))(self._on_event)  # every subscribed event is acked, even the ones not counted
        bolt.command(self.settings.command)(self._on_command)
        bolt.action(re.compile(".*"))(self._on_action)
        bolt.view(re.compile("^" + re.escape(MODAL_PREFIX)))(self._on_submission)

    async def _skip_redeliveries(self, req: AsyncBoltRequest, next: Callable[[], Awaitable[Any]]) -> BoltResponse | None:
        body = req.body if isinstance(req.body, dict) else {}
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        if event_id:
            if event_id in self._seen:
                retry = (req.headers.get("x-slack-retry-num") or ["?"])[0]
                log.info("slack event %s redelivered (retry %s): acked, not processed again", event_id, retry)
                return BoltResponse(status=200, body="")
            self._seen[event_id] = None
            if len(self._seen) > SEEN_EVENTS:
                self._seen.popitem(last=False)
        return await next()  # type: ignore[no-any-return]

    def _spawn(self, work: Coroutine[Any, Any, None], what: str) -> None:
        """Run `work` after the ack (Slack wants an answer within 3 s); failures are logged once."""
        task = asyncio.create_task(self._guard(work, what), name=f"slack-{what}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _spawn_in_order(self, work: Coroutine[Any, Any, None], what: str, key: str) -> None:
        """Like `_spawn`, but each event of one member (or channel) is handled after their previous one (a join before the
        newcomer's first post); other members' events go on meanwhile: one slow Web API call stalls nobody else."""
        previous = self._last_event.get(key)

        async def in_turn() -> None:
            if previous is not None and not previous.done():
                await asyncio.wait([previous])
            await self._guard(work, what)

        task = asyncio.create_task(in_turn(), name=f"slack-{what}")
        self._tasks.add(task)
        self._last_event[key] = task

        def done(finished: asyncio.Task[None]) -> None:
            self._tasks.discard(finished)
            if self._last_event.get(key) is finished:
                del self._last_event[key]

        task.add_done_callback(done)

    @staticmethod
    async def _guard(work: Coroutine[Any, Any, None], what: str) -> None:
        try:
            await work
        except SlackApiError as err:
            log.error("slack %s failed: %s", what, api_error(err))
        except Exception:
            log.exception("slack %s failed", what)

    async def idle(self, key: str | None = None) -> None:
        """Wait until the work started by incoming requests is done (all of it, or one member's or channel's events)."""
        if key is not None:
            if (task := self._last_event.get(key)) is not None:
                await asyncio.gather(task, return_exceptions=True)
            return
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    def _app(self) -> AppPort:
        if self.app is None:
            raise RuntimeError("the Slack adapter is not started")
        return self.app

    def workspace(self, team_id: str | None = None) -> Workspace:
        """The workspace a payload comes from (the installed one when the payload does not say)."""
        team_id = team_id or self.team_id or ""
        bot_user_id = self.bot_user_id
        if self.oauth:
            cached = self._teams.get(team_id)
            bot_user_id = cached[2].bot_user_id if cached else None
        return Workspace(team_id, bot_user_id, frozenset(self.settings.community_channels))

    async def team(self, team_id: str | None) -> Team | None:
        """What to say things in a workspace with: the one token's (token mode), or its installation's (None: not installed)."""
        if not self.oauth:
            return Team(self.client, self.people, self.outbox, self.bot_user_id)
        if not team_id:
            return None
        cached = self._teams.get(team_id)
        if cached is not None and time.monotonic() - cached[0] < self.team_ttl:
            return cached[2]
        assert self.installations is not None
        # read again now and then: another process of the bot may have seen the workspace uninstall or reinstall the app
        bot = await self.installations.bot_of(team_id)
        if bot is None:
            self._teams.pop(team_id, None)
            return None
        if cached is not None and cached[1] == bot.bot_token:
            team = cached[2]
        else:
            client = web_client(bot.bot_token, self.settings.api_base_url, self.sleep)
            people = People(client, self.settings.admin_group)
            team = Team(client, people, Outbox(client, self.settings.command, self.t, self._command_names, self.sleep, people.names), bot.bot_user_id)
        self._teams[team_id] = (time.monotonic(), bot.bot_token, team)
        return team

    def t(self, community: CommunityRef, key: str, locale: str | None = None, **params: Any) -> str:
        """A text of the core catalog in the caller's or the community's locale."""
        app = self._app()
        return app.catalog.t(app.locale_for(community, locale), key, **params)

    # --- lifecycle ----------------------------------------------------------------------
    async def start(self, app: AppPort) -> None:
        """Check the token (auth.test), then listen: Socket Mode, or HTTP on the configured host and port (OAuth mode: HTTP)."""
        await self.start_sending(app)
        if self.settings.mode == "http":
            await self._start_http()
            if self.oauth:
                log.info("slack: OAuth mode, %d workspace(s) installed, HTTP mode on %s:%s (events %s, install %s)",
                         len(self._installed_teams), self.settings.host, self.port, self.settings.path, self.settings.install_path)
            else:
                log.info("slack: workspace %s, HTTP mode on %s:%s%s", self.team_id, self.settings.host, self.port, self.settings.path)
        else:
            self._socket = AsyncSocketModeHandler(self.bolt, self.app_token, web_client=self.client)
            await self._socket.connect_async()  # type: ignore[no-untyped-call]
            log.info("slack: workspace %s, Socket Mode connected", self.team_id)

    async def start_sending(self, app: AppPort) -> None:
        """Check the token (auth.test), or in OAuth mode load the installed workspaces, and stop there: Web API calls only
        (`engagebot jobs run` beside the running bot). No Socket Mode connection and no HTTP listener: no event, command or
        click is received.
        """
        self.app = app
        if self.oauth:
            await self._start_oauth(app)
            return
        auth = await self.client.auth_test()
        self.team_id, self.bot_user_id = str(auth["team_id"]), str(auth["user_id"])
        if self.known_communities and self.team_id not in self.known_communities:
            log.warning("slack workspace %s is not in the configuration's communities: scheduled jobs will not run there", self.team_id)
        await self._resolve_admin_group()

    async def _start_oauth(self, app: AppPort) -> None:
        """OAuth mode: serve every workspace installed so far (stored in the bot's database); `start` then listens over HTTP."""
        assert self.installations is not None and self.states is not None
        # tokens are written to the database: never let a DEBUG log level print them
        for logger in (OAUTH_WEB_LOG, logging.getLogger("aiosqlite")):  # aiosqlite's DEBUG lines show every statement's values
            logger.setLevel(max(logger.getEffectiveLevel(), logging.INFO))
        self.installations.bind(app.db.engine)
        self.states.bind(app.db.engine)
        teams = await self.installations.teams()
        for team_id, name in teams:
            await app.add_community(community_of(team_id), name)
        self._installed_teams = teams

    async def _installed(self, args: AsyncSuccessArgs) -> BoltResponse:
        """A workspace installed the app (its installation is stored): it gets its community, then the installer the success page."""
        installation = args.installation
        team_id = installation.team_id
        if team_id:
            self._teams.pop(team_id, None)  # a new token: the next call reads it
            await self._app().add_community(community_of(team_id), installation.team_name)
            log.info("slack: installed in workspace %s by %s", team_id, installation.user_id)
        response: BoltResponse = await args.default.success(args)
        return response

    async def _not_installed(self, args: AsyncFailureArgs) -> BoltResponse:
        """The OAuth flow failed (a refused consent, an unknown or replayed state, a bad code): bolt's failure page; nothing stored."""
        log.warning("slack: installation failed (%s)", args.reason)
        response: BoltResponse = await args.default.failure(args)
        return response

    def _page_text(self, key: str, **params: Any) -> str:
        return self._app().catalog.t(self.locale, key, **{"command": self.settings.command, **params})

    async def _on_uninstalled(self, ack: Callable[..., Awaitable[Any]], context: AsyncBoltContext) -> None:
        """app_uninstalled: the workspace's installation and tokens are deleted and the bot stops acting there (its data stays)."""
        await ack()
        assert self.installations is not None
        await self.installations.async_delete_all(enterprise_id=context.enterprise_id, team_id=context.team_id)
        await self._forget(context.team_id, "app uninstalled")

    async def _on_tokens_revoked(self, ack: Callable[..., Awaitable[Any]], event: dict[str, Any], context: AsyncBoltContext) -> None:
        """tokens_revoked: the revoked tokens are deleted; without its bot token the bot stops acting in the workspace."""
        await ack()
        await self.bolt.default_tokens_revoked_event_listener()(event=event, context=context)
        if (event.get("tokens") or {}).get("bot"):
            await self._forget(context.team_id, "bot token revoked")

    async def _forget(self, team_id: str | None, why: str) -> None:
        if not team_id:
            return
        self._teams.pop(team_id, None)
        await self._app().remove_community(community_of(team_id))
        log.info("slack: %s in workspace %s: its tokens are deleted, its community's data is kept", why, team_id)

    async def _resolve_admin_group(self) -> None:
        """`slack.admin_group` given by handle: its id, looked up once (an unknown or ambiguous handle stops start-up)."""
        group = self.settings.admin_group
        if not group or is_platform_id(Platform.SLACK, group):
            return
        found = await self.people.groups_named(group)
        if len(found) != 1:
            what = "no user group" if not found else f"{len(found)} user groups ({', '.join(i for i, _ in found)})"
            raise ConfigError(f"slack.admin_group: {what} named {group!r} in workspace {self.team_id}: give the S… id of the group")
        self.people.admin_group = found[0][0]

    async def roles_named(self, community: CommunityRef, name: str) -> list[tuple[str, str]]:
        """The (id, handle) of the workspace's user groups called `name` (at start, to turn a configured name into its id)."""
        team = await self.team(community.id)
        return await team.people.groups_named(name) if team else []

    async def _start_http(self) -> None:
        web_app = web.Application()
        web_app.router.add_post(self.settings.path, self._http)
        if self.oauth:
            web_app.router.add_get(self.settings.install_path, self._install)
            web_app.router.add_get(self.settings.redirect_path, self._oauth_redirect)
        self._runner = web.AppRunner(web_app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, self.settings.host, self.settings.port).start()
        self.port = int(self._runner.addresses[0][1])

    async def _http(self, request: web.Request) -> web.Response:
        return await to_aiohttp_response(await self.bolt.async_dispatch(await to_bolt_request(request)))

    async def _install(self, request: web.Request) -> web.Response:
        """The install link: a new state, then Slack's consent screen (bolt's OAuth flow)."""
        flow = self.bolt.oauth_flow
        assert flow is not None
        return await to_aiohttp_response(await flow.handle_installation(await to_bolt_request(request)))

    async def _oauth_redirect(self, request: web.Request) -> web.Response:
        """Where Slack sends the installer back: the state checked, the code exchanged (oauth.v2.access), the installation stored."""
        flow = self.bolt.oauth_flow
        assert flow is not None
        return await to_aiohttp_response(await flow.handle_callback(await to_bolt_request(request)))

    async def stop(self) -> None:
        """Stop listening and finish the work in progress."""
        if self._socket is not None:
            await self._socket.close_async()  # type: ignore[no-untyped-call]
            self._socket = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self._tasks:  # the work in progress gets `stop_grace` seconds; a call stuck longer is cut short
            _, late = await asyncio.wait(list(self._tasks), timeout=self.stop_grace)
            if late:
                log.warning("%d Slack event(s) still being handled after %.0f s: cut short", len(late), self.stop_grace)
                for task in late:
                    task.cancel()
                await asyncio.gather(*late, return_exceptions=True)

    # --- incoming -----------------------------------------------------------------------
    async def _on_event(self, ack: Callable[..., Awaitable[Any]], body: dict[str, Any]) -> None:
        await ack()
        kind = (body.get("event") or {}).get("type")
        if kind == "app_home_opened":
            self._spawn(self._handle_event(body), "app home")
        else:
            self._spawn_in_order(self._handle_event(body), f"event {kind}", order_key(body))

    async def _handle_event(self, body: dict[str, Any]) -> None:
        if await self.team(body.get("team_id")) is None:
            return  # uninstalled meanwhile
        ws = self.workspace(body.get("team_id"))
        event = body.get("event") or {}
        if event.get("type") == "app_home_opened":
            if event.get("tab", "home") == "home" and event.get("user"):
                await self.publish_home(ws, str(event["user"]))
            return
        core_event = event_of(body, ws, self.clock.now())
        if core_event is not None:
            await self._app().dispatch(core_event)

    async def publish_home(self, ws: Workspace, user_id: str) -> None:
        """Publish a member's App Home tab (views.publish)."""
        team = await self._team_of(ws)
        caller = await team.people.caller(user_id)
        message = await self._app().home(member(ws, user_id, caller.name, caller.is_bot), caller.roles, caller.is_admin, caller.locale)
        message = await team.outbox.for_slack(message)
        hint = self.t(ws.community, "slack.home_hint", caller.locale, command=self.settings.command)
        view = home_view(message, hint, self.t(ws.community, "slack.more_blocks", caller.locale))
        await team.client.views_publish(user_id=user_id, view=view)

    async def _team_of(self, ws: Workspace) -> Team:
        team = await self.team(ws.team_id)
        if team is None:
            raise RuntimeError(f"slack workspace {ws.team_id} is not installed")
        return team

    async def _on_command(self, ack: Callable[..., Awaitable[Any]], body: dict[str, Any]) -> None:
        await ack()
        self._spawn(self._handle_command(body), "slash command")

    async def _handle_command(self, body: dict[str, Any]) -> None:
        app = self._app()
        team = await self.team(body.get("team_id"))
        if team is None:
            return
        ws = self.workspace(body.get("team_id"))
        user, channel_id = str(body["user_id"]), str(body["channel_id"])
        caller = await team.people.caller(user)
        words = command_words(body.get("text") or "")
        invocation = CommandInvoked(
            name="", args=tuple(words), member=member(ws, user, caller.name or body.get("user_name"), caller.is_bot),
            channel=ChannelRef(ws.community, channel_id, body.get("channel_name")), roles=caller.roles, is_admin=caller.is_admin,
            locale=caller.locale, interaction_id=body.get("trigger_id"), at=self.clock.now(),
        )
        command = wants_modal(app.commands, words)
        if command is not None and body.get("trigger_id") and command.access & app.access_of(invocation):
            origin = ModalOrigin(command.name, channel_id, body.get("response_url"), caller.locale)
            locale = app.locale_for(ws.community, caller.locale)
            await team.client.views_open(trigger_id=body["trigger_id"], view=modal_view(command, origin, app.catalog, locale))
            return
        reply = await app.invoke(invocation)  # a refusal comes back as an ephemeral reply
        await self.answer(reply, ws, user, channel_id, body.get("response_url"))

    async def _on_submission(self, ack: Callable[..., Awaitable[Any]], body: dict[str, Any], view: dict[str, Any]) -> None:
        app = self._app()
        origin = ModalOrigin.load(view.get("private_metadata") or "")
        command = app.commands.get(origin.command) if origin else None
        if origin is None or command is None:
            await ack()
            return
        ws = self.workspace((body.get("team") or {}).get("id") or (body.get("user") or {}).get("team_id"))
        options = options_from_view(command, (view.get("state") or {}).get("values") or {}, ws.community)
        errors = self._check_options(command, options, ws, origin.locale)
        if errors:
            await ack(response_action="errors", errors=errors)  # shown next to the fields; the modal stays open
            return
        await ack()
        self._spawn(self._handle_submission(body, view, origin, command, options, ws), "modal submission")

    def _check_options(self, command: Command, options: dict[str, Any], ws: Workspace, locale: str | None) -> dict[str, str]:
        errors: dict[str, str] = {}
        for option in command.options:
            if option.name not in options:
                continue
            try:
                convert_option(option, options[option.name], lambda text: member(ws, text))
            except CommandError as err:
                errors[option.name] = self.t(ws.community, err.key, locale, **err.params)[:150]
        return errors

    async def _handle_submission(self, body: dict[str, Any], view: dict[str, Any], origin: ModalOrigin, command: Command,
                                 options: dict[str, Any], ws: Workspace) -> None:
        user = str((body.get("user") or {})["id"])
        caller = await (await self._team_of(ws)).people.caller(user)
        invocation = CommandInvoked(
            name=command.name, options=options, member=member(ws, user, caller.name, caller.is_bot),
            channel=ChannelRef(ws.community, origin.channel), roles=caller.roles, is_admin=caller.is_admin,
            locale=origin.locale or caller.locale, interaction_id=f"view:{view.get('id')}", at=self.clock.now(),
        )
        reply = await self._app().invoke(invocation)
        await self.answer(reply, ws, user, origin.channel, origin.response_url)

    async def _on_action(self, ack: Callable[..., Awaitable[Any]], body: dict[str, Any]) -> None:
        await ack()
        self._spawn(self._handle_action(body), "button")

    async def _handle_action(self, body: dict[str, Any]) -> None:
        team_id = (body.get("team") or {}).get("id") or (body.get("user") or {}).get("team_id")
        if await self.team(team_id) is None:
            return
        ws = self.workspace(team_id)
        press = button_of(body, ws, self.clock.now())
        if press is None:
            return
        reply = await self._app().press(press)
        if reply is not None:
            channel = press.message.channel.id if press.message else None
            await self.answer(reply, ws, press.member.id, channel, body.get("response_url"))

    # --- outgoing -----------------------------------------------------------------------
    async def answer(self, reply: Reply, ws: Workspace, user: str, channel: str | None, response_url: str | None) -> None:
        """Answer a command or a click only the caller sees (see `Outbox.answer`)."""
        await (await self._team_of(ws)).outbox.answer(reply, ws, user, channel, response_url)

    async def send(self, action: Action) -> MessageRef | None:
        """Post a message (thread replies, images by file upload) or a DM, with its workspace's token; Slack has no roles to grant."""
        community = community_of_action(action)
        team = await self.team(community.id)
        if team is None:
            log.info("slack workspace %s is not installed: %s not sent", community.id, type(action).__name__)
            return None
        return await team.outbox.send(action)

    def _command_names(self) -> set[str]:
        return {c.name.split()[0] for c in self.app.commands.all()} | {"help"} if self.app else set()
