"""engagebot's platform-neutral core: references, events, actions, messages, bus and clock."""

from bot.core.actions import Action, GrantRole, RemoveRole, SendDM, SendMessage
from bot.core.bus import EventBus
from bot.core.clock import Clock, RealClock, VirtualClock
from bot.core.events import (
    ButtonPressed,
    CommandInvoked,
    Event,
    MemberJoined,
    MemberLeft,
    MessagePosted,
    PollVoted,
    ReactionAdded,
    ReactionRemoved,
)
from bot.core.message import Attachment, Button, ButtonStyle, Field, Message, NativePoll, as_message
from bot.core.refs import ChannelRef, CommunityRef, MemberRef, MessageRef, Platform

__all__ = [
    "Action",
    "Attachment",
    "Button",
    "ButtonPressed",
    "ButtonStyle",
    "ChannelRef",
    "Clock",
    "CommandInvoked",
    "CommunityRef",
    "Event",
    "EventBus",
    "Field",
    "GrantRole",
    "MemberJoined",
    "MemberLeft",
    "MemberRef",
    "Message",
    "MessagePosted",
    "MessageRef",
    "NativePoll",
    "Platform",
    "PollVoted",
    "RealClock",
    "ReactionAdded",
    "ReactionRemoved",
    "RemoveRole",
    "SendDM",
    "SendMessage",
    "VirtualClock",
    "as_message",
]
