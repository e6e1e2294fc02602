"""Polls and surveys: single/multiple choice, NPS, CSAT, Likert and open feedback, public or anonymous."""

from cogs.polls.cog import Polls, PollsSettings, setup

__all__ = ["Polls", "PollsSettings", "setup"]
