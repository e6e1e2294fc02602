"""Neutral messages rendered for Discord within its limits, and the adapter's start-up messages."""

from __future__ import annotations

import logging

import discord
import pytest

from bot.adapters.discord import DiscordAdapter, build_discord_adapter, invite_url
from bot.adapters.discord.client import intents, new_client, run_gateway
from bot.adapters.discord.render import CONTENT_MAX, EMBED_TOTAL_MAX, render, split_text
from bot.adapters.discord.views import make_button_item
from bot.config import ConfigError, Secrets
from bot.core.markup import member, verbatim
from bot.core.message import Attachment, Button, ButtonStyle, Field, Message
from tests.discord.conftest import SECRETS, discord_config


async def _ignore(interaction: discord.Interaction, custom_id: str) -> None:  # type: ignore[type-arg]
    """A press handler for rendering tests."""


ITEM = make_button_item(_ignore)


def embed_size(embed: discord.Embed) -> int:
    """Characters Discord counts towards the 6000 limit."""
    return len(embed)


def test_a_plain_message_is_plain_content() -> None:
    out = render(Message(body="Hello!"), ITEM)
    kwargs = out.kwargs()
    mentions = kwargs.pop("allowed_mentions")
    assert kwargs == {"content": "Hello!"}
    assert mentions.to_dict() == {"parse": [], "users": []} and not mentions.replied_user  # it may ping nobody


def test_a_long_digest_is_split_into_embeds_within_every_limit() -> None:
    paragraphs = "\n\n".join(f"Paragraph {i}: " + "word " * 150 for i in range(30))  # ~23,000 characters
    fields = tuple(Field(f"Field {i}", "value " * 300) for i in range(40))
    out = render(Message(title="T" * 400, body=paragraphs, fields=fields, footer="the footer"), ITEM)
    assert 1 <= len(out.embeds) <= 10
    assert sum(embed_size(e) for e in out.embeds) <= EMBED_TOTAL_MAX
    assert out.embeds[0].title is not None and len(out.embeds[0].title) == 256 and out.embeds[0].title.endswith("…")
    for e in out.embeds:
        assert len(e.description or "") <= 4096 and len(e.fields) <= 25
        assert all(len(f.name or "") <= 256 and len(f.value or "") <= 1024 for f in e.fields)
    assert out.embeds[0].description and out.embeds[0].description.startswith("Paragraph 0:")


def test_a_body_over_2000_characters_goes_into_an_embed() -> None:
    out = render(Message(body="x" * (CONTENT_MAX + 1)), ITEM)
    assert out.content is None and out.embeds[0].description == "x" * (CONTENT_MAX + 1)


def test_split_text_prefers_paragraph_boundaries() -> None:
    text = "a" * 50 + "\n\n" + "b" * 50
    assert split_text(text, 60) == ["a" * 50, "b" * 50]
    assert all(len(c) <= 10 for c in split_text("z" * 35, 10))


def test_buttons_become_a_persistent_view_five_per_row() -> None:
    buttons = tuple(Button(f"Choice {i}", f"poll:1:{i}", ButtonStyle.PRIMARY) for i in range(7))
    out = render(Message(body="Pick one", buttons=buttons), ITEM)
    assert out.view is not None and out.view.timeout is None and out.view.is_persistent()
    rows = out.view.to_components()
    assert [len(r["components"]) for r in rows] == [5, 2]
    first = rows[0]["components"][0]
    assert (first["type"], first["style"], first["label"], first["custom_id"]) == (2, 1, "Choice 0", "poll:1:0")


def test_an_image_is_attached_and_shown_in_the_embed() -> None:
    out = render(Message(title="Weekly digest", image=Attachment("chart.png", b"\x89PNG...", "activity")), ITEM)
    assert [f.filename for f in out.files] == ["chart.png"]
    assert out.embeds[-1].image.url == "attachment://chart.png"


def test_intents_ask_for_members_message_content_reactions_and_polls() -> None:
    wanted = intents()
    assert wanted.guilds and wanted.members and wanted.message_content and wanted.guild_reactions and wanted.guild_polls
    assert not wanted.presences


def test_sharding_uses_the_auto_sharded_client() -> None:
    assert isinstance(new_client(sharded=True), discord.AutoShardedClient)
    assert not isinstance(new_client(sharded=False), discord.AutoShardedClient)


async def test_a_4014_close_is_one_clear_line_naming_the_intents_to_enable(caplog: pytest.LogCaptureFixture) -> None:
    client = new_client(sharded=False)

    async def refused(*, reconnect: bool = True) -> None:
        raise discord.PrivilegedIntentsRequired(None)

    client.connect = refused  # type: ignore[method-assign]
    with caplog.at_level(logging.INFO):
        await run_gateway(client)
    [record] = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert record.exc_info is None
    assert "4014" in record.getMessage()
    assert "SERVER MEMBERS INTENT" in record.getMessage() and "MESSAGE CONTENT INTENT" in record.getMessage()
    await client.close()


def test_without_a_token_there_is_no_discord_adapter() -> None:
    with pytest.raises(ConfigError, match="DISCORD_TOKEN"):
        build_discord_adapter(discord_config("sqlite+aiosqlite:///x.db"), Secrets())


def test_the_token_never_shows_in_reprs(db_url: str) -> None:
    adapter = build_discord_adapter(discord_config(db_url), SECRETS)
    assert isinstance(adapter, DiscordAdapter)
    assert SECRETS.discord_token not in repr(adapter) and SECRETS.discord_token not in repr(adapter.secrets)


def test_the_invite_url_asks_for_the_bot_and_slash_command_scopes() -> None:
    url = invite_url(123)
    assert "client_id=123" in url and "scope=bot+applications.commands" in url
    perms = discord.Permissions(int(url.split("permissions=")[1].split("&")[0]))
    assert perms.send_messages and perms.manage_roles and perms.add_reactions and perms.send_polls and perms.attach_files
    assert not perms.administrator


def test_a_members_text_in_an_embed_title_is_escaped_for_a_title_and_never_cut_inside_an_escape() -> None:
    title = "🏅 " + verbatim("*Star* of the_week") + " " + member("1234", "__Ana__")
    [embed] = render(Message(title=title, body="**bold** from the bot"), ITEM).embeds
    assert isinstance(embed, discord.Embed)
    assert embed.title == r"🏅 \*Star\* of the\_week @\_\_Ana\_\_"  # a title shows no mention: the name, escaped
    assert embed.description == "**bold** from the bot"  # the bot's own Markdown stays
    [long] = render(Message(title="x" * 254 + verbatim("*y")), ITEM).embeds
    assert long.title == "x" * 254 + "…"  # not `\…`: the escape and its mark go together
