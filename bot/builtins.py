"""Built-in commands every community has: /help, /ping, /mydata and /forgetme."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from bot.commands import Command, CommandError, Option, OptionType, Reply
from bot.core.events import ButtonPressed, CommandInvoked
from bot.core.message import Button, ButtonStyle, Message
from bot.help import command_help
from bot.i18n import join_list
from storage.privacy import describe_member, erase_member

if TYPE_CHECKING:
    from bot.app import Engagebot

log = logging.getLogger("engagebot.privacy")

ERASE_BUTTON = "privacy:erase"


class Builtins:
    """The core's own commands (always on, whatever cogs are enabled)."""

    def __init__(self, app: Engagebot) -> None:
        self.app = app

    def register(self) -> None:
        """Add the built-in commands and the erase button."""
        add = self.app.commands.add
        add(Command("help", {"en": "List the commands you can use, or how to use one", "fr": "Lister les commandes que vous pouvez utiliser, ou comment en utiliser une"},
                    self.help, options=(Option("command", OptionType.STRING, {"en": "A command, e.g. poll create", "fr": "Une commande, par ex. poll create"},
                                               required=False),)))
        add(Command("ping", {"en": "Check that the bot answers", "fr": "Vérifier que le bot répond"}, self.ping))
        add(Command("mydata", {"en": "See what is stored about you", "fr": "Voir ce qui est enregistré sur vous"}, self.mydata))
        add(Command("forgetme", {"en": "Erase what is stored about you", "fr": "Effacer ce qui est enregistré sur vous"}, self.forgetme))
        self.app._buttons.append((ERASE_BUTTON, self.erase, "core"))

    def _t(self, inv: CommandInvoked | str, key: str, **params: object) -> str:
        locale = inv if isinstance(inv, str) else inv.locale
        return self.app.catalog.t(locale, key, **params)

    async def help(self, inv: CommandInvoked) -> Reply:
        """The commands the caller may run, with descriptions in their locale."""
        access = self.app.access_of(inv)
        locale = inv.locale or "en"
        wanted = str(inv.options.get("command") or "").strip().lstrip("/")
        if wanted:
            found = self.app.commands.split(wanted.split())
            if found is None or found[1] or not found[0].access & access:
                raise CommandError("errors.unknown_command", name=wanted)
            catalog = self.app.catalog
            return Reply(command_help(found[0], locale, lambda key, **p: catalog.t(locale, key, **p), lambda key: catalog.has(key, locale),
                                      self.app.config.slack.command))
        lines = [f"`/{c.name}` — {c.describe(locale)}" for c in self.app.commands.all() if c.access & access]
        return Reply(Message(title=self._t(inv, "help.title"), body="\n".join(lines), footer=self._t(inv, "help.footer")))

    async def ping(self, inv: CommandInvoked) -> Reply:
        """Answer pong."""
        return Reply(Message(self._t(inv, "ping.pong")))

    async def mydata(self, inv: CommandInvoked) -> Reply:
        """Tell a member what is stored about them: every table's rows, then each cog's own words."""
        await self.app.recorder.flush()
        data = await describe_member(self.app.db, inv.member)
        if data is None:
            return Reply(Message(self._t(inv, "privacy.nothing")))
        locale = inv.locale or "en"
        counts = join_list(locale, (self._t(inv, f"privacy.kind.{k}", count=n) for k, n in sorted(data.interactions.items())), "unit") or "—"
        tables = join_list(locale, (f"{self._table(inv, name)} {n}" for name, n in sorted(data.tables.items())), "unit")
        lines = [
            self._t(inv, "privacy.joined", date=data.joined_at.date().isoformat() if data.joined_at else "—"),
            self._t(inv, "privacy.counts", counts=counts),
            self._t(inv, "privacy.text", count=data.text_stored),
            self._t(inv, "privacy.rows", tables=tables),
        ]
        for cog in self.app.cogs.values():
            lines.extend(await cog.describe_member(inv.member))
        return Reply(Message(title=self._t(inv, "privacy.title"), body="\n".join(lines)))

    def _table(self, inv: CommandInvoked, name: str) -> str:
        key = f"privacy.table.{name}"
        return self._t(inv, key) if self.app.catalog.has(key, inv.locale or "en") else name

    async def forgetme(self, inv: CommandInvoked) -> Reply:
        """Ask the member to confirm the erasure with a button."""
        button = Button(self._t(inv, "privacy.confirm_button"), ERASE_BUTTON, ButtonStyle.DANGER)
        return Reply(Message(self._t(inv, "privacy.confirm"), buttons=(button,)))

    async def erase(self, event: ButtonPressed) -> Reply:
        """Erase everything stored about the member who pressed the button, in one transaction (all of it, or nothing)."""
        locale = self.app.locale_for(event.community)
        await self.app.recorder.flush()
        for cog in self.app.cogs.values():  # what the cogs keep in memory; a failure here erases nothing less
            try:
                await cog.forget_member(event.member)
            except Exception:
                log.exception("cog %s could not forget a member from memory", cog.name)
        try:
            await erase_member(self.app.db, event.member, self.app.ballot_key)
        except Exception:
            log.exception("erasing a member failed in %s (rolled back)", event.community)
            return Reply(Message(self._t(locale, "privacy.failed")))
        cid = await self.app.directory.community_id(event.community)
        self.app.directory.forget_member(cid, event.member.id)
        return Reply(Message(self._t(locale, "privacy.erased")))
