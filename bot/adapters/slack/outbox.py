"""What the bot says on Slack: posts, thread replies, DMs with a channel fallback, private answers, images."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Collection
from dataclasses import replace
from typing import Any, Protocol

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.adapters.slack.client import Sleep, retry_handlers
from bot.adapters.slack.render import blocks_for, fallback_text, slack_commands, with_prefix
from bot.adapters.slack.translate import Workspace, member
from bot.commands import Reply
from bot.core.actions import Action, EndPoll, GrantRole, RemoveRole, SendDM, SendMessage
from bot.core.message import Message, with_content
from bot.core.refs import ChannelRef, CommunityRef, MessageRef

log = logging.getLogger("engagebot.slack")


class Texts(Protocol):
    """A text of the core catalog for a community (in the caller's locale when given)."""

    def __call__(self, community: CommunityRef, key: str, locale: str | None = None, **params: Any) -> str: ...


def api_error(err: SlackApiError) -> str:
    """The Slack error code of a failed call (never the token)."""
    return str(err.response.get("error") if err.response is not None else err)


class Outbox:
    """Carries out actions and answers through the Web API (and response_url for answers)."""

    def __init__(self, client: AsyncWebClient, command: str, texts: Texts, command_names: Callable[[], set[str]], sleep: Sleep,
                 names: Callable[[Collection[str]], Awaitable[dict[str, str]]]) -> None:
        self.client = client
        self.names = names
        self.command = command
        self.t = texts
        self.command_names = command_names
        self.sleep = sleep
        self._dm_channels: dict[str, str] = {}

    async def answer(self, reply: Reply, ws: Workspace, user: str, channel: str | None, response_url: str | None) -> None:
        """Answer a command or a click: through response_url, else chat.postEphemeral, else a DM."""
        reply = replace(reply, message=await with_content(reply.message))  # a chart is drawn before anything is posted
        message = await self.for_slack(reply.message)
        blocks, text = blocks_for(message, more=self.t(ws.community, "slack.more_blocks")), fallback_text(message)
        if response_url:
            webhook = AsyncWebhookClient(response_url, retry_handlers=retry_handlers(self.sleep))
            sent = await webhook.send(text=text, blocks=blocks, response_type="ephemeral" if reply.ephemeral else "in_channel", replace_original=False)
            if sent.status_code == 200:
                await self._image_of_answer(ws, user, channel, reply)
                return
            log.warning("slack response_url answered %s; answering through the Web API", sent.status_code)
        if channel:
            try:
                if reply.ephemeral:
                    await self.client.chat_postEphemeral(channel=channel, user=user, text=text, blocks=blocks)
                    await self._image_of_answer(ws, user, channel, reply)
                else:
                    await self._post(ChannelRef(ws.community, channel), message, None)
                return
            except SlackApiError as err:
                log.info("slack answer in %s failed (%s): sending it as a DM", channel, api_error(err))
        await self.send(SendDM(member(ws, user), message))

    async def _image_of_answer(self, ws: Workspace, user: str, channel: str | None, reply: Reply) -> None:
        """Slack cannot attach a file to an answer: the image goes to the channel, or privately by DM."""
        image = reply.message.image
        if image is None:
            return
        if reply.ephemeral or not channel:
            channel = await self._dm_channel(user)
        await self.client.files_upload_v2(channel=channel, file=await image.content(), filename=image.filename,
                                          title=image.description or image.filename, alt_txt=image.description)

    async def _dm_channel(self, user: str) -> str:
        channel_id = self._dm_channels.get(user)
        if channel_id is None:
            opened = await self.client.conversations_open(users=user)
            channel_id = self._dm_channels[user] = str(opened["channel"]["id"])
        return channel_id

    async def send(self, action: Action) -> MessageRef | None:
        """Post a message (thread replies, images by file upload) or a DM; Slack has no roles to grant."""
        if isinstance(action, SendMessage | SendDM):  # a chart is drawn before anything is posted: text and image go out together
            action = replace(action, message=await with_content(action.message))
        if isinstance(action, SendMessage):
            try:
                return await self._post(action.channel, action.message, action.reply_to)
            except SlackApiError as err:
                log.error("slack post in %s failed: %s", action.channel.id, api_error(err))
                return None
        if isinstance(action, SendDM):
            return await self._dm(action)
        if isinstance(action, GrantRole | RemoveRole):
            log.info("slack has no roles: %s %r for %s not applied", type(action).__name__, action.role, action.member.id)
            return None
        if isinstance(action, EndPoll):
            return None  # polls on Slack are messages with buttons: nothing native to end
        raise TypeError(f"unknown action {action!r}")

    async def for_slack(self, message: Message) -> Message:
        """The message with the bot's commands written as subcommands of the slash command, and the members it names
        without pinging them named (users.info, cached): `<@U…>` would notify them."""
        message = slack_commands(message, self.command, self.command_names())
        unnamed = message.nameless_members() - set(message.mentions)
        return message.with_names(await self.names(unnamed)) if unnamed else message

    async def _post(self, channel: ChannelRef, message: Message, reply_to: MessageRef | None) -> MessageRef | None:
        message = await self.for_slack(message)
        thread = (reply_to.thread or reply_to.id) if reply_to else None
        ref: MessageRef | None = None
        if message.body or message.title or message.fields or message.buttons or message.native_poll or message.footer or not message.image:
            more = self.t(channel.community, "slack.more_blocks")
            sent = await self.client.chat_postMessage(
                channel=channel.id, text=fallback_text(message), blocks=blocks_for(message, more=more),
                thread_ts=thread, unfurl_links=False, unfurl_media=False,
            )
            ref = MessageRef(ChannelRef(channel.community, str(sent.get("channel") or channel.id), channel.name), str(sent["ts"]), thread)
        if message.image is not None:
            image = message.image
            await self.client.files_upload_v2(
                channel=ref.channel.id if ref else channel.id, file=await image.content(), filename=image.filename,
                title=image.description or image.filename, alt_txt=image.description, thread_ts=thread,
            )
        return ref

    async def _dm(self, action: SendDM) -> MessageRef | None:
        user = action.member.id
        try:
            channel_id = await self._dm_channel(user)
            return await self._post(ChannelRef(action.member.community, channel_id), action.message, None)
        except SlackApiError as err:
            log.info("slack DM to %s failed (%s)%s", user, api_error(err), "; posting in the fallback channel" if action.fallback else "")
            self._dm_channels.pop(user, None)
        if action.fallback is None:
            return None
        prefix = self.t(action.member.community, "slack.dm_fallback", user=user)
        try:
            return await self._post(action.fallback, with_prefix(action.message, prefix), None)
        except SlackApiError as err:
            log.error("slack post in fallback channel %s failed: %s", action.fallback.id, api_error(err))
            return None
