"""OAuth mode: the workspaces that installed the app, kept in the bot's own database (storage/slack_installs.py).

slack_sdk's SQLAlchemy stores run on an async engine (`AsyncSQLAlchemyInstallationStore`,
`AsyncSQLAlchemyOAuthStateStore`): the adapter hands them the bot's engine once the bot starts (the
tables come from the migrations, never from `create_tables`). Bolt's `authorize` reads the bot token of
each request's workspace from them; the adapter reads the same rows for what it posts on its own
(scheduled jobs). The pages the installer sees after Slack's consent screen speak the bot's language.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Callable

from slack_sdk.oauth.installation_store.models.bot import Bot
from slack_sdk.oauth.installation_store.sqlalchemy import AsyncSQLAlchemyInstallationStore, SQLAlchemyInstallationStore
from slack_sdk.oauth.redirect_uri_page_renderer import RedirectUriPageRenderer
from slack_sdk.oauth.state_store.sqlalchemy import AsyncSQLAlchemyOAuthStateStore
from sqlalchemy import and_, desc, select
from sqlalchemy.ext.asyncio import AsyncEngine

log = logging.getLogger("engagebot.slack")

STATE_SECONDS = 600  # an install link is good for ten minutes


class Installations(AsyncSQLAlchemyInstallationStore):
    """slack_sdk's installation store on the bot's database (bound at start)."""

    def __init__(self, client_id: str) -> None:
        super().__init__(client_id, None, logger=log)  # type: ignore[arg-type]  # the engine comes with `bind`

    def bind(self, engine: AsyncEngine) -> None:
        """Use the bot's database."""
        self.engine = engine

    async def teams(self) -> list[tuple[str, str | None]]:
        """The (team id, team name) of every workspace whose bot token is stored: the ones the bot serves."""
        c = self.bots.c
        query = select(c.team_id, c.team_name).where(and_(c.client_id == self.client_id, c.team_id.is_not(None), c.bot_token.is_not(None)))
        query = query.order_by(c.installed_at)
        teams: dict[str, str | None] = {}
        async with self.engine.connect() as conn:
            for team_id, name in (await conn.execute(query)).all():
                teams[str(team_id)] = name  # the latest installation's name wins
        return list(teams.items())

    async def bot_of(self, team_id: str) -> Bot | None:
        """The latest bot installation of a workspace (whichever Enterprise Grid org it belongs to), None if it has none."""
        c = self.bots.c
        query = (self.bots.select().where(and_(c.client_id == self.client_id, c.team_id == team_id, c.bot_token.is_not(None)))
                 .order_by(desc(c.installed_at)).limit(1))
        async with self.engine.connect() as conn:
            row = (await conn.execute(query)).mappings().first()
        return SQLAlchemyInstallationStore.build_bot_entity(row) if row is not None else None

    def __repr__(self) -> str:
        return f"Installations(client_id={self.client_id!r})"


class States(AsyncSQLAlchemyOAuthStateStore):
    """slack_sdk's OAuth state store on the bot's database (bound at start)."""

    def __init__(self) -> None:
        super().__init__(STATE_SECONDS, None, logger=log)  # type: ignore[arg-type]  # the engine comes with `bind`

    def bind(self, engine: AsyncEngine) -> None:
        """Use the bot's database."""
        self.engine = engine


Texts = Callable[..., str]


class Pages(RedirectUriPageRenderer):
    """The pages Slack's redirect ends on: installed, or why not (in the bot's language)."""

    def __init__(self, texts: Texts, *, install_path: str, redirect_uri_path: str) -> None:
        super().__init__(install_path=install_path, redirect_uri_path=redirect_uri_path)
        self.texts = texts

    def render_success_page(self, app_id: str, team_id: str | None, is_enterprise_install: bool | None = None, enterprise_url: str | None = None) -> str:
        """Installed: where to go next (the app in Slack)."""
        url = f"slack://app?team={team_id}&id={app_id}" if team_id and app_id else "slack://open"
        body = html.escape(self.texts("slack.oauth.installed"), quote=False)
        link = html.escape(self.texts("slack.oauth.open_slack"), quote=False)
        return page(self.texts("slack.oauth.installed_title"), f"<p>{body}</p><p><a href=\"{html.escape(url)}\">{link}</a></p>")

    def render_failure_page(self, reason: str) -> str:
        """Not installed: why (bolt's reason code, without its English details), and the link to try again."""
        body = html.escape(self.texts("slack.oauth.failed", reason=reason.split(":", 1)[0]), quote=False)
        again = html.escape(self.texts("slack.oauth.try_again"), quote=False)
        return page(self.texts("slack.oauth.failed_title"), f"<p>{body}</p><p><a href=\"{html.escape(self.install_path)}\">{again}</a></p>")


def page(title: str, body: str) -> str:
    """A small HTML page."""
    title = html.escape(title, quote=False)
    return (f"<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>{title}</title></head>"
            f"<body style=\"font-family: sans-serif; text-align: center; padding: 1em\"><h2>{title}</h2>{body}</body></html>\n")
