"""The onboarding checklist: which steps a member passed, where they are stuck, and how it reads."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot.core import markup
from bot.core.message import Field, Message
from bot.i18n import join_list
from cogs.onboarding.texts import Texts
from storage.onboarding import OnboardingStep
from storage.onboarding_repo import NewcomerState

SHOWN = 25
"""Newcomers named per step in the stuck list; the others are counted."""


def next_step(state: NewcomerState, steps: Sequence[OnboardingStep]) -> OnboardingStep | None:
    """The first configured step the member has not passed yet (None when they passed them all)."""
    return next((s for s in steps if state.done(s) is None), None)


def checklist_message(texts: Texts, state: NewcomerState | None, steps: Sequence[OnboardingStep]) -> Message:
    """A member's checklist: ✅ for the steps passed, ⬜ for those left, and what to do next."""
    if state is None:
        return Message(texts.ui("checklist_none"))
    lines = []
    for step in steps:
        mark = "✅" if state.done(step) else "⬜"
        lines.append(f"{mark} {texts.ui(f'step_{step.value}', **texts.params())}")
    upcoming = next_step(state, steps)
    footer = texts.ui("checklist_next", step=texts.ui(f"step_{upcoming.value}", **texts.params())) if upcoming else texts.ui("checklist_done")
    return Message(title=texts.ui("checklist_title"), body="\n".join(lines), footer=footer)


def stuck_message(texts: Texts, journeys: Sequence[NewcomerState], steps: Sequence[OnboardingStep], now: datetime, days: int) -> Message:
    """For animators: the newcomers of the last `days` days grouped by the step they are stuck at."""
    by_step: dict[OnboardingStep, list[str]] = {s: [] for s in steps}
    done = 0
    for state in journeys:
        step = next_step(state, steps)
        if step is None:
            done += 1
            continue
        waited = max(0, (now - state.joined_at).days)
        by_step[step].append(texts.ui("stuck_member", member=markup.member(state.external_id, state.name), days=waited))
    fields = tuple(
        Field(f"{texts.ui(f'step_{s.value}', **texts.params())} ({len(names)})",
              join_list(texts.locale, names[:SHOWN] + ([texts.ui("stuck_more", count=len(names) - SHOWN)] if len(names) > SHOWN else [])))
        for s, names in by_step.items() if names
    )
    if not journeys:
        body = texts.ui("stuck_nobody", days=days)
    else:
        body = texts.ui("stuck_summary", total=len(journeys), done=done, days=days)
    return Message(title=texts.ui("stuck_title"), body=body, fields=fields)
