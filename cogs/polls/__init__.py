"""Polls and surveys: single/multiple choice, NPS, CSAT, Likert and open feedback, public or anonymous."""

from cogs.polls.cog import Polls, setup
from cogs.polls.settings import PollsSettings

__all__ = ["Polls", "PollsSettings", "setup"]
