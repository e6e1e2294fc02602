"""The onboarding cog's settings (`[cogs.onboarding]`, overridable per community)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

from bot.cog import CogSettings
from bot.scheduler import cron_trigger
from storage.onboarding import OnboardingStep

TEXT_KEYS = frozenset(
    {
        "welcome", "welcome_gated", "kit_title", "kit_intro", "purpose", "rules", "introduce", "activities_title",
        "resources_title", "rules_reminder", "nudge_3", "nudge_7", "nudge", "buddy_newcomer", "buddy_buddy", "completed",
    }
)
"""The texts a community may rewrite, per locale (`[cogs.onboarding.texts.fr]`)."""


class Resource(BaseModel):
    """A link of the welcome kit."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    label: str = Field(min_length=1, max_length=200)
    url: str = Field(min_length=1, max_length=500)


class OnboardingSettings(CogSettings):
    """How newcomers are welcomed, reminded, nudged and introduced to a buddy."""

    enabled: bool = True
    welcome_channel: str = "general"
    introductions_channel: str = "introductions"
    rules_channel: str = "rules"
    steps: list[OnboardingStep] = Field(default_factory=lambda: list(OnboardingStep))
    rules_gate: bool = False
    member_role: str | None = None
    rules_reminder_hours: float = Field(default=48, gt=0, le=24 * 60)
    nudge_days: list[int] = Field(default_factory=lambda: [3, 7])
    nudge_window_days: float = Field(default=2, gt=0, le=60)
    check_cron: str = "5 * * * *"
    resources: list[Resource] = Field(default_factory=list)
    activities: list[str] = Field(default_factory=list)
    texts: dict[str, dict[str, str]] = Field(default_factory=dict)
    buddies: bool = True
    buddy_cron: str = "0 10 * * 1"
    buddy_active_days: int = Field(default=14, ge=1, le=365)
    buddy_max_per_week: int = Field(default=3, ge=1, le=50)
    stuck_days: int = Field(default=30, ge=1, le=365)

    @field_validator("nudge_days")
    @classmethod
    def _days(cls, value: list[int]) -> list[int]:
        if any(d < 1 or d > 90 for d in value):
            raise ValueError("nudge days are between 1 and 90")
        return sorted(set(value))

    @field_validator("steps")
    @classmethod
    def _steps(cls, value: list[OnboardingStep]) -> list[OnboardingStep]:
        return [s for s in OnboardingStep if s in value]

    @field_validator("check_cron", "buddy_cron")
    @classmethod
    def _cron(cls, value: str) -> str:
        cron_trigger(value, "UTC")
        return value

    @field_validator("texts")
    @classmethod
    def _texts(cls, value: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
        for locale, texts in value.items():
            if locale not in ("en", "fr"):
                raise ValueError(f"texts.{locale}: use a locale the bot speaks (en, fr)")
            unknown = sorted(set(texts) - TEXT_KEYS)
            if unknown:
                raise ValueError(f"texts.{locale}.{unknown[0]}: unknown text (one of {', '.join(sorted(TEXT_KEYS))})")
        return value

    @property
    def gated(self) -> bool:
        """Whether the public welcome (and the member role) waits for the rules to be accepted."""
        return self.rules_gate and OnboardingStep.RULES in self.steps
