"""The points ledger: members' contributions scored with the community's weights and cooldown."""

from __future__ import annotations

from datetime import timedelta

from bot.core.events import Event, MessagePosted, PollVoted, ReactionAdded
from bot.core.refs import MemberRef
from cogs.recognition.settings import PointsSettings
from cogs.recognition.state import MemberState
from storage.directory import Directory
from storage.models import CONTRIBUTION_KINDS, POST_KINDS, InteractionKind
from storage.recognition_records import NewEntry
from storage.recognition_store import RecognitionStore

CONTRIBUTIONS = tuple(k.value for k in CONTRIBUTION_KINDS)
POSTS = tuple(k.value for k in POST_KINDS)
ELSEWHERE = (InteractionKind.PROMPT_ANSWER.value, InteractionKind.POLL_VOTE.value)
"""Contribution kinds other features record without an event the cog hears (prompt answers, button poll votes)."""


def reaction_key(message_id: str, member_id: str, emoji: str) -> str:
    """A reaction's natural key, the same as its interaction row's."""
    return f"{message_id}:{member_id}:{emoji}"


async def entry_for(event: Event, directory: Directory) -> NewEntry | None:
    """The ledger entry of a contribution event (keyed like its interaction row), None for other events."""
    if isinstance(event, MessagePosted):
        kind = InteractionKind.REPLY if event.reply_to is not None else InteractionKind.MESSAGE
        target = await directory.member_id(event.reply_to_author, event.at) if event.reply_to_author else None
        other = _aimed_at_other(event.author, event.reply_to_author)
        return NewEntry(await directory.member_id(event.author, event.at), kind.value, event.message.id, event.at, target, other)
    if isinstance(event, ReactionAdded):
        target = await directory.member_id(event.message_author, event.at) if event.message_author else None
        key = reaction_key(event.message.id, event.member.id, event.emoji)
        other = _aimed_at_other(event.member, event.message_author)
        return NewEntry(await directory.member_id(event.member, event.at), InteractionKind.REACTION.value, key, event.at, target, other)
    if isinstance(event, PollVoted) and not event.removed:
        key = f"{event.message.id}:{event.member.id}"
        return NewEntry(await directory.member_id(event.member, event.at), InteractionKind.POLL_VOTE.value, key, event.at)
    return None


def _aimed_at_other(actor: MemberRef, target: MemberRef | None) -> bool:
    return target is not None and not target.bot and target.id != actor.id


async def points_for(store: RecognitionStore, state: MemberState | None, entry: NewEntry, points: PointsSettings) -> int:
    """What an entry is worth: its kind's weight, or nothing while the member's cooldown runs."""
    value = points.weight(entry.kind)
    group = points.cooldown_group(entry.kind)
    if value == 0 or not group:
        return value
    after = entry.at - timedelta(seconds=points.cooldown_seconds)
    if state is not None and after >= state.since:
        return 0 if state.scored(group, after, entry.at) else value
    return 0 if await store.scored_since(entry.member_id, group, after, entry.at) else value
