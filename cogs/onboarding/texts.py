"""The onboarding texts: the community's own (per locale) over the catalog defaults, and the welcome kit."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.cog import CogContext
from bot.core import markup
from bot.core.message import Button, ButtonStyle, Field, Message
from bot.core.refs import CommunityRef, MemberRef
from bot.i18n import LocaleFormatter
from cogs.onboarding.settings import OnboardingSettings
from storage.onboarding import OnboardingStep

log = logging.getLogger("engagebot.cogs.onboarding")

ACCEPT = "onboarding:accept"
OPT_OUT = "onboarding:optout"
BUDDY_OPT_IN = "onboarding:buddy"


class _Keep(dict[str, Any]):
    """Leaves unknown placeholders as they are, so a typo in a community's text shows instead of failing."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def fill(text: str, params: Mapping[str, Any], locale: str = "en") -> str:
    """`text` with its `{placeholders}` replaced (`{n:plural:day|days}` agreeing in the locale); unknown ones stay visible."""
    try:
        return LocaleFormatter(locale).vformat(text, (), _Keep(params))
    except (ValueError, IndexError):
        log.warning("onboarding text %r has a broken placeholder", text[:60])
        return text


@dataclass(frozen=True)
class Texts:
    """The texts of one community, in its locale, with its placeholders filled."""

    ctx: CogContext
    community: CommunityRef
    settings: OnboardingSettings

    @property
    def locale(self) -> str:
        """The community's locale."""
        return self.ctx.locale(self.community)

    def params(self, member: MemberRef | None = None, **extra: Any) -> dict[str, Any]:
        """The placeholders every text may use."""
        s = self.settings
        name = self.ctx.config.community(self.community).name or self.ctx.t(self.locale, "onboarding.our_community")
        out: dict[str, Any] = {
            "community": name,
            "rules_channel": markup.channel(s.rules_channel.lstrip("#"), s.rules_channel),
            "introductions_channel": markup.channel(s.introductions_channel.lstrip("#"), s.introductions_channel),
            "welcome_channel": markup.channel(s.welcome_channel.lstrip("#"), s.welcome_channel),
        }
        if member is not None:
            out["member"] = markup.member(member.id, member.name)  # @name on the console, a mention on the platforms
        out.update(extra)
        return out

    def get(self, key: str, member: MemberRef | None = None, **extra: Any) -> str:
        """A text: the community's own version for its locale, else the catalog's."""
        own = self.settings.texts.get(self.locale, {}).get(key)
        return fill(own if own is not None else self._catalog(key), self.params(member, **extra), self.locale)

    def ui(self, key: str, **params: Any) -> str:
        """A catalog-only text (button labels, replies), with the same placeholders."""
        return fill(self._catalog(key), {**self.params(), **params}, self.locale)

    def _catalog(self, key: str) -> str:
        entries = self.ctx.catalog.entries
        full = f"onboarding.{key}"
        text = entries.get(self.locale, {}).get(full) or entries.get("en", {}).get(full)
        if text is None:
            log.warning("missing translation %s", full)
            return full
        return text

    # --- messages ------------------------------------------------------------------------------
    def welcome(self, member: MemberRef) -> Message:
        """The public welcome, mentioning the newcomer."""
        key = "welcome_gated" if self.settings.gated else "welcome"
        return Message(body=self.get(key, member), mentions=(member.id,))

    def kit(self, member: MemberRef) -> Message:
        """The welcome kit sent by DM: purpose, rules, resources, how to introduce oneself, activities."""
        s = self.settings
        fields = [Field(self.ui("kit_purpose"), self.get("purpose", member)), Field(self.ui("kit_rules"), self.get("rules", member))]
        if s.resources:
            fields.append(Field(self.get("resources_title", member), "\n".join(f"• {r.label}: {r.url}" for r in s.resources)))
        if OnboardingStep.INTRODUCE in s.steps:
            fields.append(Field(self.ui("kit_introduce"), self.get("introduce", member)))
        if s.activities:
            fields.append(Field(self.get("activities_title", member), "\n".join(f"• {a}" for a in s.activities)))
        buttons = [Button(self.ui("accept_button"), ACCEPT, ButtonStyle.SUCCESS, "✅")] if OnboardingStep.RULES in s.steps else []
        buttons.append(Button(self.ui("optout_button"), OPT_OUT, ButtonStyle.SECONDARY))
        footer = self.ui("kit_footer_gated") if s.gated else self.ui("kit_footer")
        return Message(title=self.get("kit_title", member), body=self.get("kit_intro", member), fields=tuple(fields),
                       buttons=tuple(buttons), footer=footer)

    def rules_reminder(self, member: MemberRef) -> Message:
        """The one reminder to accept the rules."""
        buttons = (Button(self.ui("accept_button"), ACCEPT, ButtonStyle.SUCCESS, "✅"), Button(self.ui("optout_button"), OPT_OUT))
        return Message(body=self.get("rules_reminder", member), buttons=buttons)

    def nudge(self, member: MemberRef, days: int, introduced: bool) -> Message:
        """A kind DM to a newcomer who has not contributed after `days` days."""
        key = f"nudge_{days}" if f"nudge_{days}" in ("nudge_3", "nudge_7") else "nudge"
        body = self.get(key, member, days=days)
        hint = self.ui("hint_reply") if introduced else self.ui("hint_introduce", introductions_channel=self.params()["introductions_channel"])
        return Message(body=f"{body}\n\n{hint}", buttons=(Button(self.ui("optout_button"), OPT_OUT),), footer=self.ui("nudge_footer", count=len(self.settings.nudge_days)))

    def buddy_for_newcomer(self, newcomer: MemberRef, buddy: MemberRef) -> Message:
        """The DM telling a newcomer who their buddy is."""
        return Message(body=self.get("buddy_newcomer", newcomer, buddy=markup.member(buddy.id, buddy.name),
                                newcomer=markup.member(newcomer.id, newcomer.name)), mentions=(buddy.id,))

    def buddy_for_buddy(self, buddy: MemberRef, newcomer: MemberRef) -> Message:
        """The DM asking a buddy to welcome a newcomer."""
        return Message(body=self.get("buddy_buddy", buddy, buddy=markup.member(buddy.id, buddy.name),
                                newcomer=markup.member(newcomer.id, newcomer.name)), mentions=(newcomer.id,))

    def completed(self, member: MemberRef) -> Message:
        """The thanks sent once every step is passed, with an invitation to become a buddy."""
        buttons = (Button(self.ui("buddy_button"), BUDDY_OPT_IN, ButtonStyle.PRIMARY, "🤝"),) if self.settings.buddies else ()
        return Message(body=self.get("completed", member), buttons=buttons)

    def buddy_call(self) -> Message:
        """The animators' call for buddies, with its opt-in button."""
        return Message(title=self.ui("buddy_call_title"), body=self.ui("buddy_call_body", **self.params()),
                       buttons=(Button(self.ui("buddy_button"), BUDDY_OPT_IN, ButtonStyle.PRIMARY, "🤝"),))
