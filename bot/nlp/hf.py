"""The `transformers` backend: any Hugging Face text-classification model, by hub name or local folder.

A multilingual model that covers French and English well is
`cardiffnlp/twitter-xlm-roberta-base-sentiment` (XLM-R, labels negative / neutral / positive);
`nlptown/bert-base-multilingual-uncased-sentiment` (1 to 5 stars) also works. With HF_HUB_OFFLINE=1
only models already in the local cache (or a folder path) can be used.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from bot.nlp.sentiment import LABELS, BackendUnavailable, score_from_probabilities

RECOMMENDED_MODEL = "cardiffnlp/twitter-xlm-roberta-base-sentiment"
_STARS = re.compile(r"^([1-5])\s*stars?$")
_INDEXED = re.compile(r"^label_(\d+)$")


def polarity_of(label: str, index: int, count: int) -> str | None:
    """Map a model's label to positive / neutral / negative (None when it cannot be told)."""
    name = label.strip().lower()
    if name in ("positive", "pos", "good", "joy") or name.startswith("posit"):
        return "positive"
    if name in ("negative", "neg", "bad") or name.startswith("negat"):
        return "negative"
    if name in ("neutral", "neu", "mixed") or name.startswith("neutr"):
        return "neutral"
    stars = _STARS.match(name)
    if stars:
        return ("negative", "negative", "neutral", "positive", "positive")[int(stars.group(1)) - 1]
    indexed = _INDEXED.match(name)
    if indexed:
        i = int(indexed.group(1))
        if count == 2:
            return ("negative", "positive")[i] if i < 2 else None
        if count == 3:
            return LABELS[i] if i < 3 else None
        if count == 5:
            return ("negative", "negative", "neutral", "positive", "positive")[i] if i < 5 else None
    return None


def label_mapping(id2label: Mapping[int, str], overrides: Mapping[str, str] | None = None) -> dict[str, str]:
    """The polarity of every label of a model; `BackendUnavailable` when one is unknown."""
    overrides = {k.lower(): v for k, v in (overrides or {}).items()}
    mapping: dict[str, str] = {}
    for index, label in sorted(id2label.items()):
        polarity = overrides.get(label.lower()) or polarity_of(label, int(index), len(id2label))
        if polarity not in LABELS:
            raise BackendUnavailable(
                f"cannot tell the polarity of the model's label {label!r} (labels: {sorted(id2label.values())}); "
                "map it in cogs.sentiment.labels"
            )
        mapping[label] = polarity
    return mapping


class TransformersBackend:
    """Scores with a `transformers` text-classification pipeline (CPU by default)."""

    name = "transformers"

    def __init__(self, model: str, *, device: int = -1, labels: Mapping[str, str] | None = None, max_tokens: int = 256, batch_size: int = 16) -> None:
        try:
            from transformers import pipeline
            from transformers.utils import logging as hf_logging

            hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]  # a progress bar would break the console's and the demo's output
        except ImportError as err:
            raise BackendUnavailable(f"the nlp extra is not installed (pip install 'engagebot[nlp]'): {err}") from err
        offline = os.environ.get("HF_HUB_OFFLINE", "") not in ("", "0", "false", "False")
        if offline and not Path(model).exists() and not _cached(model):
            raise BackendUnavailable(f"HF_HUB_OFFLINE is set and the model {model!r} is neither a folder nor in the local cache")
        try:
            self.pipe: Any = pipeline("text-classification", model=model, tokenizer=model, device=device, top_k=None)
        except Exception as err:  # a missing or broken model raises OSError, ValueError, EnvironmentError, ...
            raise BackendUnavailable(f"cannot load the sentiment model {model!r}: {type(err).__name__}: {err}") from err
        id2label = {int(k): str(v) for k, v in (self.pipe.model.config.id2label or {}).items()}
        self.mapping = label_mapping(id2label, labels)
        self.model = model
        self.max_tokens = max_tokens
        self.batch_size = batch_size

    def score(self, texts: Sequence[str]) -> list[float]:
        """One score in [-1, 1] per text: the winning polarity, ordered by P(positive) - P(negative)."""
        if not texts:
            return []
        results = self.pipe(list(texts), batch_size=self.batch_size, truncation=True, max_length=self.max_tokens)
        scores = []
        for ranked in results:
            totals = dict.fromkeys(LABELS, 0.0)
            for item in ranked if isinstance(ranked, list) else [ranked]:
                totals[self.mapping[item["label"]]] += float(item["score"])
            scores.append(score_from_probabilities(totals["negative"], totals["neutral"], totals["positive"]))
        return scores


def _cached(model: str) -> bool:
    try:
        from huggingface_hub import try_to_load_from_cache
    except ImportError:
        return False
    found = try_to_load_from_cache(model, "config.json")
    return isinstance(found, str)
