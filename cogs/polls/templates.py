"""Ready surveys from the community's prompt pack (`[[surveys]]` in prompts/<locale>/<pack>.toml)."""

from __future__ import annotations

import logging
from pathlib import Path

from bot.cog import CogContext
from bot.config import ConfigError
from bot.core.refs import CommunityRef
from bot.packs import Packs, Survey, builtin_packs, find_pack, load_packs, merge_packs

log = logging.getLogger("engagebot.cogs.polls")


class SurveyTemplates:
    """Finds a ready survey by id in the pack the community's prompts use (same `pack` and `packs_folder` settings)."""

    def __init__(self, ctx: CogContext) -> None:
        self.ctx = ctx
        self._packs: Packs | None = None

    def _prompt_setting(self, community: CommunityRef | None, key: str) -> str | None:
        value = self.ctx.config.cog_settings("prompts", community).get(key)
        return str(value) if value else None

    def packs(self) -> Packs:
        """The shipped packs overlaid with the animators' folders (loaded once)."""
        if self._packs is None:
            folders = {self._prompt_setting(None, "packs_folder")} | {self._prompt_setting(c, "packs_folder") for c in self.ctx.communities}
            layers = [builtin_packs()]
            for folder in sorted(f for f in folders if f):
                try:
                    layers.append(load_packs(Path(folder).expanduser()))
                except ConfigError as err:  # the prompts cog stops start-up for it; here the shipped surveys still work
                    log.warning("survey templates: %s", err)
            self._packs = merge_packs(*layers)
        return self._packs

    def find(self, community: CommunityRef, template: str) -> Survey | None:
        """The ready survey `template` of the community's pack, in its language."""
        pack = find_pack(self._prompt_setting(community, "pack") or "default", self.ctx.locale(community), self.packs())
        return pack.survey(template) if pack else None

    def ids(self, community: CommunityRef) -> list[str]:
        """The ready surveys the community can start."""
        pack = find_pack(self._prompt_setting(community, "pack") or "default", self.ctx.locale(community), self.packs())
        return [s.id for s in pack.surveys] if pack else []
