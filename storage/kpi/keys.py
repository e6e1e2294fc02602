"""The KPI keys of docs/KPI.md, in report order, and the reasons a KPI can be null."""

from __future__ import annotations

GROWTH = ("members_total", "new_members", "left_members", "net_growth")
ACTIVITY = ("active_members", "activity_rate", "posters", "posts", "replies", "reactions", "posts_per_active")
RESPONSIVENESS = ("response_rate", "median_first_response_minutes")
RETENTION = ("returning_rate", "newcomer_activation", "newcomer_retention", "at_risk")
SHAPE = ("top10_share", "absence_factor", "participation_9091")
NETWORK = ("hubs", "isolated")
VOICE = ("poll_votes", "poll_participation", "nps", "csat", "sentiment")

ALL_KEYS: tuple[str, ...] = GROWTH + ACTIVITY + RESPONSIVENESS + RETENTION + SHAPE + NETWORK + VOICE
LIST_KEYS = frozenset({"hubs", "isolated", "at_risk"})
OBJECT_KEYS = frozenset({"participation_9091", "sentiment"})
NUMERIC_KEYS: tuple[str, ...] = tuple(k for k in ALL_KEYS if k not in LIST_KEYS and k not in OBJECT_KEYS)
RATE_KEYS = frozenset({
    "activity_rate", "response_rate", "returning_rate", "newcomer_activation", "newcomer_retention", "top10_share", "poll_participation",
})

# why a KPI is null: code -> English sentence (the digest translates the codes)
REASONS: dict[str, str] = {
    "no_members": "no members at the end of the period",
    "no_active_member": "no active member in the period",
    "no_root_post": "no root post in the period",
    "no_answered_root": "no root post was answered in the period",
    "no_active_previous": "no active member in the previous period",
    "no_joiner_previous": "no member joined in the previous period",
    "no_posts": "no posts in the period",
    "no_survey": "no survey of this kind closed in the period",
    "sentiment_off": "sentiment model off",
    "sentiment_no_scores": "no post of the period was scored",
    "sentiment_no_extra": "sentiment model not installed (pip install 'engagebot[nlp]')",
    "sentiment_failed": "sentiment model failed to load",
    "sentiment_loading": "sentiment model still loading",
}
