"""What a poll is before it is stored: its kind, scale, limits, deadline and the checks made before posting."""

from __future__ import annotations

import calendar
import csv
import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.commands import CommandError
from bot.i18n import Listed
from storage.polls import PollKind

MAX_OPTIONS = 10
"""At most ten answers: the number emojis stop at 🔟 and Discord's native polls at ten answers."""
MIN_OPTIONS = 2
MAX_QUESTION = 300
"""Discord's native poll question limit; also keeps button messages readable on Slack."""
MAX_OPTION = 55
"""Discord's native poll answer limit (button labels allow 75-80, so it fits them too)."""
MAX_DURATION = timedelta(days=365)
NATIVE_MAX_HOURS = 768
_QUOTES = str.maketrans({"“": '"', "”": '"', "«": '"', "»": '"'})
KEYCAPS = ("1️⃣", "2️⃣", "3️⃣", "4️⃣", "5️⃣", "6️⃣", "7️⃣", "8️⃣", "9️⃣", "🔟")
"""Number emojis members react with to vote in simple polls (option index = position)."""

CHOICE_KINDS = (PollKind.SINGLE, PollKind.MULTIPLE)
SCALE_KINDS = (PollKind.NPS, PollKind.CSAT, PollKind.LIKERT)
SURVEY_KINDS = (PollKind.NPS, PollKind.CSAT, PollKind.LIKERT, PollKind.OPEN)
RECURRENCES = ("weekly", "monthly")

_DURATION = re.compile(r"^(\d+(?:\.\d+)?)\s*(w|d|h|m|min)$")
_UNITS = {"w": "weeks", "d": "days", "h": "hours", "m": "minutes", "min": "minutes"}


def scale_of(kind: str) -> tuple[int, ...]:
    """The scores a scale survey offers (NPS 0-10, CSAT and Likert 1-5); empty for other kinds."""
    if kind == PollKind.NPS:
        return tuple(range(11))
    if kind in (PollKind.CSAT, PollKind.LIKERT):
        return tuple(range(1, 6))
    return ()


@dataclass(frozen=True, slots=True)
class PollDraft:
    """A checked poll ready to be stored and posted."""

    kind: PollKind
    question: str
    options: tuple[str, ...]
    anonymous: bool
    reveal: str
    closes_at: datetime
    recurrence: str | None = None


def parse_options(raw: str | None) -> tuple[str, ...]:
    """Comma-separated answers; an answer in quotes keeps its commas (`"Meetup, in Lyon", Online`); `|` also separates."""
    if not raw:
        return ()
    if "|" in raw:
        return tuple(part.strip() for part in raw.split("|") if part.strip())
    text = raw.translate(_QUOTES)
    parts = next(csv.reader([text], skipinitialspace=True), [])
    return tuple(part.strip() for part in parts if part.strip())


def parse_deadline(raw: str, now: datetime, tz: ZoneInfo) -> datetime:
    """`2d`, `48h`, `90m`, `1w`, a date (`2026-01-10`, the end of that day) or a date and time, in the community's timezone."""
    text = raw.strip().lower()
    if m := _DURATION.match(text):
        return now + timedelta(**{_UNITS[m.group(2)]: float(m.group(1))})
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            day = datetime.fromisoformat(text).date()
            return datetime.combine(day, time(23, 59), tzinfo=tz)
        when = datetime.fromisoformat(text.replace(" ", "T"))
    except ValueError:
        raise CommandError("polls.errors.bad_deadline", value=raw) from None
    return when if when.tzinfo is not None else when.replace(tzinfo=tz)


def add_months(when: datetime, months: int) -> datetime:
    """The same day and time `months` later (clamped to the month's last day)."""
    month0 = when.month - 1 + months
    year, month = when.year + month0 // 12, month0 % 12 + 1
    day = min(when.day, calendar.monthrange(year, month)[1])
    return when.replace(year=year, month=month, day=day)


def next_occurrence(closes_at: datetime, recurrence: str, now: datetime, tz: ZoneInfo) -> datetime:
    """The deadline of the next poll of a recurring series: one period later (local wall time), after `now`."""
    local = closes_at.astimezone(tz)
    step = 0
    while True:
        step += 1
        nxt = local + timedelta(weeks=step) if recurrence == "weekly" else add_months(local, step)
        # re-localise so a daylight-saving change keeps the wall-clock time
        nxt = nxt.replace(tzinfo=None).replace(tzinfo=tz)
        if nxt > now:
            return nxt


def check_draft(
    kind: str, question: str, options: tuple[str, ...], *, anonymous: bool, reveal: str, closes_at: datetime,
    now: datetime, recurrence: str | None = None,
) -> PollDraft:
    """Check a poll against the limits before anything is posted; raise `CommandError` with a clear reason."""
    try:
        poll_kind = PollKind(kind)
    except ValueError:
        raise CommandError("polls.errors.bad_kind", kind=kind, kinds=Listed(tuple(k.value for k in PollKind), "or")) from None
    question = " ".join(question.split())
    if not question:
        raise CommandError("polls.errors.no_question")
    if len(question) > MAX_QUESTION:
        raise CommandError("polls.errors.question_too_long", length=len(question), max=MAX_QUESTION)
    if poll_kind in CHOICE_KINDS:
        if len(options) < MIN_OPTIONS:
            raise CommandError("polls.errors.too_few_options", min=MIN_OPTIONS)
        if len(options) > MAX_OPTIONS:
            raise CommandError("polls.errors.too_many_options", count=len(options), max=MAX_OPTIONS)
        for option in options:
            if len(option) > MAX_OPTION:
                raise CommandError("polls.errors.option_too_long", option=option[:20] + "…", length=len(option), max=MAX_OPTION)
        if len({o.casefold() for o in options}) != len(options):
            raise CommandError("polls.errors.duplicate_options")
    elif options:
        raise CommandError("polls.errors.options_not_used", kind=poll_kind.value)
    if reveal not in ("live", "close"):
        raise CommandError("polls.errors.bad_reveal", value=reveal)
    if anonymous and reveal == "live":
        # a running tally watched between two votes would tell what the member who just voted chose
        raise CommandError("polls.errors.anonymous_live")
    if recurrence is not None and recurrence not in RECURRENCES:
        raise CommandError("polls.errors.bad_recurrence", value=recurrence)
    if closes_at <= now:
        raise CommandError("polls.errors.deadline_past")
    if closes_at - now < timedelta(minutes=5):
        raise CommandError("polls.errors.deadline_too_soon")
    if closes_at - now > MAX_DURATION:
        raise CommandError("polls.errors.deadline_too_far", days=MAX_DURATION.days)
    if recurrence == "weekly" and closes_at - now > timedelta(weeks=1):
        raise CommandError("polls.errors.recurrence_too_long", recurrence=recurrence)
    return PollDraft(poll_kind, question, options, anonymous, reveal, closes_at, recurrence)


def native_hours(draft: PollDraft, now: datetime) -> int | None:
    """Whole hours for a native platform poll, or None when the poll cannot be a native one."""
    if draft.anonymous or draft.kind not in CHOICE_KINDS or draft.reveal != "live":
        return None  # native polls show voters and running results
    hours = max(1, -int(-(draft.closes_at - now).total_seconds() // 3600))
    return hours if hours <= NATIVE_MAX_HOURS else None
