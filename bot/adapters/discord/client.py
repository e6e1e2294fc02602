"""The discord.py client: intents, sharding, the gateway task and its clear failure messages."""

from __future__ import annotations

import asyncio
import logging

import discord

log = logging.getLogger("engagebot.discord")

PRIVILEGED_INTENTS_ADVICE = (
    "Discord refused the connection (close code 4014): switch on the privileged intents "
    "'SERVER MEMBERS INTENT' and 'MESSAGE CONTENT INTENT' for this bot in the Developer Portal "
    "(https://discord.com/developers/applications > your application > Bot > Privileged Gateway Intents), then restart."
)
BAD_TOKEN_ADVICE = "DISCORD_TOKEN was refused by Discord: copy the bot token again from the Developer Portal (Bot > Reset Token)."


def intents() -> discord.Intents:
    """The gateway intents engagebot needs: guilds, members, messages with content, reactions and polls."""
    wanted = discord.Intents.none()
    wanted.guilds = True
    wanted.members = True  # privileged
    wanted.guild_messages = True
    wanted.message_content = True  # privileged
    wanted.guild_reactions = True
    wanted.guild_polls = True
    wanted.dm_messages = True
    return wanted


def new_client(sharded: bool) -> discord.Client:
    """A client (AutoShardedClient when configured) that pings nobody unless a message declares whom (render.allowed_mentions)."""
    mentions = discord.AllowedMentions.none()
    if sharded:
        return discord.AutoShardedClient(intents=intents(), allowed_mentions=mentions)
    return discord.Client(intents=intents(), allowed_mentions=mentions)


async def run_gateway(client: discord.Client) -> str | None:
    """Stay connected (discord.py reconnects and waits on rate limits); a refusal is explained in one line, and returned."""
    try:
        await client.connect(reconnect=True)
    except discord.PrivilegedIntentsRequired:
        log.error(PRIVILEGED_INTENTS_ADVICE)
        return PRIVILEGED_INTENTS_ADVICE
    except discord.LoginFailure:
        log.error(BAD_TOKEN_ADVICE)
        return BAD_TOKEN_ADVICE
    except asyncio.CancelledError:
        raise
    except Exception as err:
        log.error("the Discord connection stopped: %s: %s", type(err).__name__, err)
        return f"the Discord connection stopped: {type(err).__name__}: {err}"
    return None
