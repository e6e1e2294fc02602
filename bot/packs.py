"""Prompt packs: weekly discussion prompts and ready surveys, as TOML files animators edit.

A pack file lives at `<folder>/<locale>/<name>.toml` (the shipped ones in the `prompts` package):

    title = "Default pack"                # optional
    [[prompts]]
    id = "wins-01"                        # unique in the file
    theme = "wins"                        # a lowercase word: introductions, experience, wins…
    text = "What went well for you this week?"
    [[surveys]]
    id = "nps"                            # unique in the file
    kind = "nps"                          # nps (0-10), csat (1-5), likert (1-5), open, single, multiple
    question = "How likely are you to recommend this community to a friend or colleague?"
    labels = ["Not at all likely", "Extremely likely"]   # optional: both ends, or one per point
    options = []                          # single / multiple only: the choices

The API other cogs use (the polls cog starts ready surveys with it):

    packs = load_packs(folder)                 # every pack of a folder, or ConfigError
    packs = builtin_packs()                    # the shipped packs
    pack = find_pack("default", "fr", packs)   # a pack in a locale (falls back to English)
    survey = pack.survey("nps")                # a ready survey by id (None if unknown)
    survey.kind, survey.question, survey.scale, survey.options, survey.label_for(10)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from importlib.resources import files
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from bot.config import ConfigError, describe_validation_error, read_toml

BUILTIN_PACKS = Path(str(files("prompts")))
FALLBACK_LOCALE = "en"
SCALES: dict[str, range] = {"nps": range(0, 11), "csat": range(1, 6), "likert": range(1, 6)}
SurveyKind = Literal["nps", "csat", "likert", "open", "single", "multiple"]
_SLUG = r"^[a-z0-9][a-z0-9_-]*$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Prompt(_Strict):
    """One weekly discussion prompt."""

    id: str = Field(min_length=1, max_length=64, pattern=_SLUG)
    theme: str = Field(min_length=1, max_length=32, pattern=_SLUG)
    text: str = Field(min_length=1, max_length=1500)


class Survey(_Strict):
    """A ready survey: a scale question (NPS, CSAT, Likert), open feedback, or a choice poll."""

    id: str = Field(min_length=1, max_length=64, pattern=_SLUG)
    kind: SurveyKind
    question: str = Field(min_length=1, max_length=300)
    options: tuple[str, ...] = ()
    labels: tuple[str, ...] = ()
    anonymous: bool = True

    @field_validator("options", "labels")
    @classmethod
    def _no_blank(cls, values: tuple[str, ...]) -> tuple[str, ...]:
        if any(not v.strip() for v in values):
            raise ValueError("entries must not be empty")
        return tuple(v.strip() for v in values)

    @model_validator(mode="after")
    def _fits_kind(self) -> Survey:
        if self.kind in ("single", "multiple"):
            if len(self.options) < 2:
                raise ValueError(f"a {self.kind} survey needs at least 2 options")
            if self.labels:
                raise ValueError(f"labels are for scale surveys, not {self.kind}")
        else:
            if self.options:
                raise ValueError(f"options are for single/multiple surveys, not {self.kind}")
            points = len(SCALES.get(self.kind, ()))
            if self.kind == "open" and self.labels:
                raise ValueError("an open survey has no labels")
            if self.labels and len(self.labels) not in (2, points):
                raise ValueError(f"labels: give 2 (both ends) or {points} (one per point), not {len(self.labels)}")
        return self

    @property
    def scale(self) -> range:
        """The scores a member can give (empty for open and choice surveys)."""
        return SCALES.get(self.kind, range(0))

    def label_for(self, value: int) -> str | None:
        """The label of a scale point, if the pack gives one."""
        scale = self.scale
        if not self.labels or value not in scale:
            return None
        if len(self.labels) == len(scale):
            return self.labels[value - scale.start]
        if value == scale.start:
            return self.labels[0]
        if value == scale.stop - 1:
            return self.labels[-1]
        return None


class Pack(_Strict):
    """A prompt pack: prompts posted in rotation, and ready surveys."""

    name: str
    locale: str
    title: str = ""
    description: str = ""
    source: str = ""
    prompts: tuple[Prompt, ...] = Field(min_length=1)
    surveys: tuple[Survey, ...] = ()

    @model_validator(mode="after")
    def _unique_ids(self) -> Pack:
        lists: tuple[tuple[str, list[str]], ...] = (("prompts", [p.id for p in self.prompts]), ("surveys", [s.id for s in self.surveys]))
        for key, ids in lists:
            seen: set[str] = set()
            for i, ident in enumerate(ids):
                if ident in seen:
                    raise _Duplicate(f"{key}.{i}.id", ident)
                seen.add(ident)
        return self

    @property
    def key(self) -> str:
        """`name/locale`, how the rotation remembers a pack."""
        return f"{self.name}/{self.locale}"

    def prompt(self, prompt_id: str) -> Prompt | None:
        """A prompt by id."""
        return next((p for p in self.prompts if p.id == prompt_id), None)

    def survey(self, survey_id: str) -> Survey | None:
        """A ready survey by id."""
        return next((s for s in self.surveys if s.id == survey_id), None)


class _Duplicate(ValueError):
    def __init__(self, where: str, ident: str) -> None:
        super().__init__(f"duplicate id {ident!r}")
        self.where = where


Packs = dict[tuple[str, str], Pack]


def load_pack(path: Path, *, locale: str | None = None) -> Pack:
    """Read one pack file; a mistake raises `ConfigError` naming the file, the key and the reason."""
    data = read_toml(path)
    data.setdefault("name", path.stem)
    data.setdefault("locale", locale or path.parent.name)
    data["source"] = str(path)
    try:
        return Pack.model_validate(data)
    except ValidationError as err:
        dup = _duplicate_in(err)
        if dup is not None:
            raise ConfigError(f"{path}: {dup.where}: {dup}") from None
        raise ConfigError(f"{path}: {describe_validation_error(err)}{_which(data, err)}") from None


def _which(data: dict[str, object], err: ValidationError) -> str:
    """` (id 'wins-01')` when the mistake is inside a prompt or survey that has an id."""
    loc = err.errors()[0]["loc"]
    if len(loc) >= 2 and loc[0] in ("prompts", "surveys") and isinstance(loc[1], int):
        items = data.get(str(loc[0]))
        if isinstance(items, list) and loc[1] < len(items) and isinstance(items[loc[1]], dict) and items[loc[1]].get("id"):
            return f" (in {loc[0][:-1]} {items[loc[1]]['id']!r})"
    return ""


def _duplicate_in(err: ValidationError) -> _Duplicate | None:
    for item in err.errors():
        ctx = item.get("ctx") or {}
        found = ctx.get("error")
        if isinstance(found, _Duplicate):
            return found
    return None


def load_packs(folder: Path) -> Packs:
    """Every pack under `folder/<locale>/*.toml`, keyed by (name, locale)."""
    packs: Packs = {}
    if not folder.is_dir():
        raise ConfigError(f"{folder}: no such folder of prompt packs")
    for path in sorted(folder.glob("*/*.toml")):
        pack = load_pack(path)
        packs[(pack.name, pack.locale)] = pack
    return packs


def builtin_packs() -> Packs:
    """The packs shipped with engagebot (the `prompts` package data)."""
    return load_packs(BUILTIN_PACKS)


def merge_packs(*layers: Mapping[tuple[str, str], Pack]) -> Packs:
    """Later layers (an animator's own folder) replace packs of the same name and locale."""
    merged: Packs = {}
    for layer in layers:
        merged.update(layer)
    return merged


def find_pack(name: str, locale: str, packs: Mapping[tuple[str, str], Pack] | None = None) -> Pack | None:
    """The pack `name` in `locale`, else in English, else None (the shipped packs by default)."""
    found = builtin_packs() if packs is None else packs
    return found.get((name, locale)) or found.get((name, FALLBACK_LOCALE))


def pack_names(packs: Iterable[tuple[str, str]]) -> list[str]:
    """`name/locale` of every pack, sorted (for error messages)."""
    return sorted(f"{n}/{loc}" for n, loc in packs)
