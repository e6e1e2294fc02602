"""The one slash command (`/engage …`): its words, and modals generated from a command's typed options."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.adapters.slack.render import clip
from bot.adapters.slack.translate import channel_arg
from bot.commands import Command, CommandRegistry, Option, OptionType, split_words
from bot.core.refs import CommunityRef, MemberRef
from bot.i18n import Catalog

MODAL_PREFIX = "engage:"
MODAL_TITLE = 24
LABEL = 2000
SELECT_OPTIONS = 100
OPTION_TEXT = 75
METADATA = 3000
ACTION = "value"
# option names that usually hold a sentence or a paragraph: a multi-line input
LONG_TEXT = frozenset({"text", "body", "message", "description", "question", "prompt", "content", "answers", "choices"})


def command_words(text: str) -> list[str]:
    """The words after the slash command (`help` when there are none); channel mentions become ids."""
    words = [channel_arg(w) for w in split_words(text.strip())]
    return words or ["help"]


def wants_modal(registry: CommandRegistry, words: list[str]) -> Command | None:
    """The command to ask for in a modal: named without arguments while it has required options."""
    found = registry.split(words)
    if found is None:
        return None
    command, rest = found
    if rest or not any(o.required for o in command.options):
        return None
    return command


@dataclass(frozen=True, slots=True)
class ModalOrigin:
    """Where a modal was opened from, carried in the view's private_metadata."""

    command: str
    channel: str
    response_url: str | None = None
    locale: str | None = None

    def dump(self) -> str:
        """As private_metadata (at most 3000 characters)."""
        data = {"n": self.command, "c": self.channel, "r": self.response_url, "l": self.locale}
        text = json.dumps(data, separators=(",", ":"))
        if len(text) > METADATA:  # a response_url is long; without it the answer goes through chat.postEphemeral
            data["r"] = None
            text = json.dumps(data, separators=(",", ":"))
        return text

    @classmethod
    def load(cls, text: str) -> ModalOrigin | None:
        """Read private_metadata back (None when it is not ours)."""
        try:
            data = json.loads(text or "{}")
            return cls(str(data["n"]), str(data["c"]), data.get("r"), data.get("l"))
        except (ValueError, KeyError, TypeError):
            return None


def plain(text: str, limit: int) -> dict[str, Any]:
    """A plain_text object."""
    return {"type": "plain_text", "text": clip(text, limit) or " ", "emoji": True}


def element_for(option: Option, locale: str) -> dict[str, Any]:
    """The input element that fits an option's type."""
    if option.choices:
        return {
            "type": "static_select", "action_id": ACTION,
            "options": [{"text": plain(c, OPTION_TEXT), "value": c} for c in option.choices[:SELECT_OPTIONS]],
        }
    if option.type in (OptionType.INTEGER, OptionType.NUMBER):
        element: dict[str, Any] = {"type": "number_input", "action_id": ACTION, "is_decimal_allowed": option.type == OptionType.NUMBER}
        if option.min_value is not None:
            element["min_value"] = f"{option.min_value:g}"
        if option.max_value is not None:
            element["max_value"] = f"{option.max_value:g}"
        return element
    if option.type == OptionType.BOOLEAN:
        text = option.description.get(locale) or option.description.get("en") or option.name
        return {"type": "checkboxes", "action_id": ACTION, "options": [{"text": plain(text, OPTION_TEXT), "value": "yes"}]}
    if option.type == OptionType.MEMBER:
        return {"type": "users_select", "action_id": ACTION}
    if option.type == OptionType.CHANNEL:
        return {"type": "conversations_select", "action_id": ACTION, "default_to_current_conversation": True,
                "filter": {"include": ["public", "private"], "exclude_bot_users": True}}
    return {"type": "plain_text_input", "action_id": ACTION, "multiline": option.name in LONG_TEXT}


def modal_view(command: Command, origin: ModalOrigin, catalog: Catalog, locale: str) -> dict[str, Any]:
    """A modal asking for every option of a command, typed (selects, number inputs, user pickers…)."""
    blocks = []
    for option in command.options:
        block: dict[str, Any] = {
            "type": "input", "block_id": option.name, "label": plain(option.name.replace("_", " "), LABEL),
            "element": element_for(option, locale), "optional": not option.required or option.type == OptionType.BOOLEAN,
        }
        hint = option.description.get(locale) or option.description.get("en")
        if hint and option.type != OptionType.BOOLEAN:
            block["hint"] = plain(hint, LABEL)
        blocks.append(block)
    return {
        "type": "modal",
        "callback_id": clip(MODAL_PREFIX + command.name, 255),
        "title": plain(f"/{command.name}", MODAL_TITLE),
        "submit": plain(catalog.t(locale, "slack.modal_submit"), MODAL_TITLE),
        "close": plain(catalog.t(locale, "slack.modal_close"), MODAL_TITLE),
        "private_metadata": origin.dump(),
        "blocks": blocks[:100],
    }


def options_from_view(command: Command, values: Mapping[str, Any], community: CommunityRef) -> dict[str, Any]:
    """The typed options of a submitted modal (`view.state.values`), ready for `CommandInvoked.options`."""
    out: dict[str, Any] = {}
    for option in command.options:
        state: Mapping[str, Any] = (values.get(option.name) or {}).get(ACTION) or {}
        kind = state.get("type")
        value: Any = None
        if kind in ("plain_text_input", "number_input"):
            value = state.get("value")
        elif kind == "static_select":
            value = (state.get("selected_option") or {}).get("value")
        elif kind == "checkboxes":
            value = bool(state.get("selected_options"))
        elif kind == "users_select":
            value = MemberRef(community, state["selected_user"]) if state.get("selected_user") else None
        elif kind == "conversations_select":
            value = state.get("selected_conversation")
        elif kind == "channels_select":
            value = state.get("selected_channel")
        if value is not None and value != "":
            out[option.name] = value
    return out
