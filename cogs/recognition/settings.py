"""Recognition settings: badge rules, points weights and cooldown, levels, kudos quota, announcements."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from bot.cog import CogSettings
from bot.scheduler import cron_trigger
from storage.models import CONTRIBUTION_KINDS, POST_KINDS

RuleKind = Literal["count", "first", "streak", "onboarding", "prompt_answers", "kudos", "top_percent", "manual"]
CooldownKind = Literal["message", "reply", "reaction", "poll_vote", "prompt_answer"]
ContributionName = Literal["message", "reply", "reaction", "poll_vote", "prompt_answer", "post", "any"]
KUDOS_KIND = "kudos"


def localized(value: Any) -> Any:
    """Accept a plain string for both languages, or a table of texts by locale (English required)."""
    if isinstance(value, str):
        return {"en": value, "fr": value}
    if isinstance(value, dict) and value and "en" not in value:
        raise ValueError("give at least the English text (en = \"…\")")
    return value


def expand_kinds(names: tuple[str, ...]) -> tuple[str, ...]:
    """Contribution names to interaction kinds (`post` = message + reply, `any` = every contribution)."""
    kinds: list[str] = []
    for name in names:
        if name == "any":
            kinds.extend(k.value for k in CONTRIBUTION_KINDS)
        elif name == "post":
            kinds.extend(k.value for k in POST_KINDS)
        else:
            kinds.append(name)
    return tuple(dict.fromkeys(kinds))


class BadgeRule(CogSettings):
    """One badge and the rule that awards it (`[[cogs.recognition.badges]]`)."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,47}$")
    name: dict[str, str]
    emoji: str = "🏅"
    description: dict[str, str] = Field(default_factory=dict)
    kind: RuleKind
    contribution: ContributionName | list[ContributionName] = "any"
    count: int = Field(default=1, ge=1)
    window_days: int | None = Field(default=None, ge=1, le=3660)
    to_others: bool = False
    periods: int = Field(default=4, ge=2, le=520)
    period: Literal["day", "week", "month"] = "week"
    min_contributions: int = Field(default=1, ge=1)
    percent: float = Field(default=10.0, gt=0, le=100)
    table: str = "onboarding_members"
    columns: list[str] = Field(default_factory=list)
    role: str | None = None
    announce: bool = True
    dm: bool = True

    _localized = field_validator("name", "description", mode="before")(localized)

    @model_validator(mode="after")
    def _fits_kind(self) -> BadgeRule:
        if self.kind == "top_percent" and self.period == "day":
            raise ValueError("top_percent ranks a week or a month (period = \"week\" or \"month\")")
        if self.kind == "first" and self.count != 1:
            raise ValueError("a `first` badge has no count (use kind = \"count\")")
        return self

    @property
    def kinds(self) -> tuple[str, ...]:
        """The interaction kinds this rule counts."""
        if self.kind == "prompt_answers":
            return ("prompt_answer",)
        if self.kind == "kudos":
            return (KUDOS_KIND,)
        names = (self.contribution,) if isinstance(self.contribution, str) else tuple(self.contribution)
        return expand_kinds(names)

    def title(self, locale: str) -> str:
        """The badge's name in a locale (English as a fallback)."""
        return self.name.get(locale) or self.name.get("en") or self.id

    def explain(self, locale: str) -> str:
        """The badge's description in a locale (English as a fallback)."""
        return self.description.get(locale) or self.description.get("en") or ""


class PointsSettings(CogSettings):
    """Points per contribution kind and the cooldown that stops bursts from farming them."""

    message: int = Field(default=2, ge=0)
    reply: int = Field(default=3, ge=0)
    reaction: int = Field(default=1, ge=0)
    poll_vote: int = Field(default=2, ge=0)
    prompt_answer: int = Field(default=5, ge=0)
    kudos: int = Field(default=5, ge=0)
    cooldown_seconds: int = Field(default=60, ge=0, le=86_400)
    cooldown_kinds: list[CooldownKind] = Field(default_factory=lambda: list[CooldownKind](["message", "reply", "reaction"]))

    def weight(self, kind: str) -> int:
        """The points a kind is worth (0 for kinds that earn none)."""
        return int(getattr(self, kind, 0)) if kind in type(self).model_fields else 0

    def cooldown_group(self, kind: str) -> tuple[str, ...]:
        """The kinds sharing one cooldown with `kind` (a message and a reply are both posts)."""
        if kind not in self.cooldown_kinds or self.cooldown_seconds == 0:
            return ()
        if kind in ("message", "reply"):
            return tuple(k for k in ("message", "reply") if k in self.cooldown_kinds)
        return (kind,)


class LevelSettings(CogSettings):
    """Level thresholds (total points), announcements and optional role rewards per level."""

    thresholds: list[int] = Field(default_factory=lambda: [25, 60, 120, 200, 300, 450, 650, 900, 1200, 1600])
    announce: bool = True
    roles: dict[int, str] = Field(default_factory=dict)

    @field_validator("thresholds")
    @classmethod
    def _increasing(cls, value: list[int]) -> list[int]:
        if any(b <= a for a, b in zip(value, value[1:], strict=False)) or any(v <= 0 for v in value):
            raise ValueError("thresholds must be positive and strictly increasing")
        return value

    def level_of(self, points: int) -> int:
        """The level a points total gives (0 below the first threshold)."""
        return sum(1 for t in self.thresholds if points >= t)

    def next_threshold(self, points: int) -> int | None:
        """The points needed for the next level, None at the top."""
        return next((t for t in self.thresholds if t > points), None)


def _badge(id: str, emoji: str, en: str, fr: str, den: str, dfr: str, kind: RuleKind, **params: Any) -> BadgeRule:
    return BadgeRule.model_validate({"id": id, "emoji": emoji, "name": {"en": en, "fr": fr}, "description": {"en": den, "fr": dfr}, "kind": kind, **params})


def default_badges() -> list[BadgeRule]:
    """The badges a community gets when its configuration declares none (same as config.example.toml)."""
    return [
        _badge("first-post", "👋", "First steps", "Premiers pas", "Posted for the first time", "A publié pour la première fois", "first", contribution="post",
               announce=False, dm=False),
        _badge("first-vote", "🗳️", "Voice heard", "Voix entendue", "Voted in a poll for the first time", "A voté à un sondage pour la première fois", "first", contribution="poll_vote",
               announce=False, dm=False),
        _badge("helping-hand", "🤝", "Helping hand", "Coup de main", "Replied to other members 10 times in 30 days",
               "A répondu 10 fois à d'autres membres en 30 jours", "count", contribution="reply", count=10, window_days=30, to_others=True),
        _badge("cheerleader", "👏", "Cheerleader", "Supporter", "Reacted to others' posts 30 times in 30 days",
               "A réagi 30 fois aux messages des autres en 30 jours", "count", contribution="reaction", count=30, window_days=30, to_others=True),
        _badge("regular", "🔥", "Regular", "Fidèle", "Took part 4 weeks in a row", "A participé 4 semaines d'affilée", "streak", periods=4, period="week"),
        _badge("settled-in", "🎒", "Settled in", "Bien installé·e", "Completed the welcome journey", "A terminé le parcours d'accueil", "onboarding"),
        _badge("reflective", "💡", "Reflective", "Esprit réflexif", "Answered 3 weekly questions", "A répondu à 3 questions de la semaine", "prompt_answers", count=3),
        _badge("appreciated", "🙌", "Appreciated", "Apprécié·e", "Received 5 kudos", "A reçu 5 remerciements", "kudos", count=5),
        _badge("super-contributor", "🌟", "Super-contributor", "Super-contributeur·rice", "Among the top 5 % of contributors of a week",
               "Parmi les 5 % qui ont le plus contribué en une semaine", "top_percent", percent=5, period="week", min_contributions=5),
        _badge("ambassador", "🎖️", "Ambassador", "Ambassadeur·rice", "Named ambassador of the community by the animators",
               "Nommé·e ambassadeur·rice de la communauté par les animateurs", "manual"),
    ]


class Settings(CogSettings):
    """`[cogs.recognition]`: where to announce, the badges, points, levels, kudos and leaderboards."""

    channel: str | None = "general"
    dm: bool = True
    badges: list[BadgeRule] = Field(default_factory=default_badges)
    points: PointsSettings = PointsSettings()
    levels: LevelSettings = LevelSettings()
    kudos_per_day: int = Field(default=3, ge=0, le=100)
    leaderboard_size: int = Field(default=10, ge=1, le=50)
    nightly_cron: str = "15 3 * * *"
    leaderboard_cron: str | None = "0 9 * * 1"

    @field_validator("badges")
    @classmethod
    def _unique_ids(cls, value: list[BadgeRule]) -> list[BadgeRule]:
        seen: set[str] = set()
        for rule in value:
            if rule.id in seen:
                raise ValueError(f"badge id {rule.id!r} is declared twice")
            seen.add(rule.id)
        return value

    @field_validator("nightly_cron", "leaderboard_cron")
    @classmethod
    def _cron(cls, value: str | None) -> str | None:
        if value:
            cron_trigger(value, "UTC")
        return value

    def badge(self, badge_id: str) -> BadgeRule | None:
        """A badge rule by id."""
        return next((b for b in self.badges if b.id == badge_id), None)
