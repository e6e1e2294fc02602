"""Themes of open answers: texts grouped by k-means over embeddings, each named by its telling words."""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

Matrix = npt.NDArray[np.float32]
Embed = Callable[[Sequence[str]], Matrix]

_WORD = re.compile(r"[^\W\d_]{3,}")
STOPWORDS = frozenset(
    """
    the and for are but not you all any can had her was one our out has have him his how its may new now old see two who
    did get got let put say she too use that this with from they will would there their what when which while about into
    more some than then them these those been were very just also like really much many make made because could should
    your yours mine ours over only other such here where why after before being each does doing done even every most
    les des une est pas que qui pour dans sur par plus avec son ses aux du au ce cette ces mais ou et donc car ni
    nous vous ils elles leur leurs mes tes nos vos lui elle être avoir fait faire comme tout tous toute toutes très
    bien aussi encore peu trop moins sans sous chez entre vers depuis pendant avant après alors ainsi quand comment
    oui non ça cela ceci celui celle ceux dont quoi quel quelle quels quelles était sont ont été suis avait j'ai c'est
    """.split()
)


@dataclass(frozen=True, slots=True)
class Theme:
    """A group of answers: its label (the most representative words), size and share of all answers."""

    label: str
    words: tuple[str, ...]
    size: int
    share: float


def words_of(text: str) -> list[str]:
    """Lower-cased words of 3+ letters that are not stop words (French and English)."""
    t = unicodedata.normalize("NFKC", text.lower()).replace("’", "'")
    out = []
    for w in _WORD.findall(t.replace("'", " ")):
        if w not in STOPWORDS:
            out.append(w)
    return out


def tfidf(texts: Sequence[str]) -> Matrix:
    """L2-normalised TF-IDF rows (the embedding used when no sentence model is available)."""
    docs = [words_of(t) for t in texts]
    vocab = sorted({w for d in docs for w in d})
    index = {w: j for j, w in enumerate(vocab)}
    df = Counter(w for d in docs for w in set(d))
    out = np.zeros((len(texts), max(1, len(vocab))), dtype=np.float64)
    for row, d in enumerate(docs):
        for w, n in Counter(d).items():
            out[row, index[w]] = n * math.log((1 + len(docs)) / (1 + df[w]) + 1.0)
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    normalised: Matrix = (out / np.where(norms == 0, 1, norms)).astype(np.float32)
    return normalised


def kmeans(x: Matrix, k: int, *, seed: int = 0, iterations: int = 50, restarts: int = 8) -> npt.NDArray[np.int64]:
    """Cluster rows with k-means: the tightest of a few k-means++ starts from a fixed seed (same input, same groups)."""
    rng = np.random.default_rng(seed)
    best: tuple[float, npt.NDArray[np.int64]] | None = None
    for _ in range(restarts):
        labels = _kmeans_once(x, k, rng, iterations)
        inertia = float(sum(((x[labels == j] - x[labels == j].mean(axis=0)) ** 2).sum() for j in set(labels.tolist())))
        if best is None or inertia < best[0] - 1e-9:
            best = (inertia, labels)
    assert best is not None
    return best[1]


def _kmeans_once(x: Matrix, k: int, rng: np.random.Generator, iterations: int) -> npt.NDArray[np.int64]:
    n = len(x)
    centres = [x[int(rng.integers(n))]]
    for _ in range(1, k):
        d2 = np.min(((x[:, None, :] - np.array(centres)[None, :, :]) ** 2).sum(-1), axis=1)
        total = float(d2.sum())
        nxt = int(rng.choice(n, p=d2 / total)) if total > 0 else int(rng.integers(n))
        centres.append(x[nxt])
    c = np.array(centres)
    labels = np.zeros(n, dtype=np.int64)
    for step in range(iterations):
        new = ((x[:, None, :] - c[None, :, :]) ** 2).sum(-1).argmin(axis=1)
        if step and np.array_equal(new, labels):
            break
        labels = new
        for j in range(k):
            members = x[labels == j]
            if len(members):
                c[j] = members.mean(axis=0)
    return labels


def silhouette(x: Matrix, labels: npt.NDArray[np.int64]) -> float:
    """The mean silhouette of a clustering (Euclidean), in [-1, 1]."""
    d = np.sqrt(np.maximum(((x[:, None, :] - x[None, :, :]) ** 2).sum(-1), 0.0))
    values = []
    for i in range(len(x)):
        same = labels == labels[i]
        if same.sum() <= 1:
            values.append(0.0)
            continue
        a = d[i, same].sum() / (same.sum() - 1)
        b = min(d[i, labels == j].mean() for j in set(labels.tolist()) if j != labels[i])
        values.append(float((b - a) / max(a, b)) if max(a, b) > 0 else 0.0)
    return float(np.mean(values))


def label_words(texts: Sequence[str], labels: npt.NDArray[np.int64], k: int, top: int = 3) -> list[tuple[str, ...]]:
    """The most representative words of each group (class-based TF-IDF)."""
    per = [Counter(w for t, lab in zip(texts, labels, strict=True) if lab == j for w in words_of(t)) for j in range(k)]
    overall: Counter[str] = Counter()
    for c in per:
        overall.update(c)
    average = sum(overall.values()) / max(1, k)
    out = []
    for c in per:
        size = max(1, sum(c.values()))
        ranked = sorted(c, key=lambda w: (-(c[w] / size) * math.log(1 + average / overall[w]), w))
        out.append(tuple(ranked[:top]))
    return out


def themes_for(texts: Sequence[str], embed: Embed | None = None, *, max_themes: int = 5, min_size: int = 2, seed: int = 0) -> list[Theme]:
    """Group texts into at most `max_themes` themes (biggest first); `embed` defaults to TF-IDF.

    The number of themes is the one with the best silhouette; groups smaller than `min_size`
    are left out (their answers still count in the shares' denominator).
    """
    texts = [t for t in texts if words_of(t)]
    n = len(texts)
    if n < 2 * min_size:
        return []
    x = (embed(texts) if embed is not None else tfidf(texts)).astype(np.float32)
    best: tuple[float, npt.NDArray[np.int64], int] | None = None
    for k in range(2, min(max_themes, n // min_size) + 1):
        labels = kmeans(x, k, seed=seed)
        if len(set(labels.tolist())) < 2:
            continue
        score = silhouette(x, labels)
        if best is None or score > best[0] + 1e-9:
            best = (score, labels, k)
    if best is None:
        labels, k = np.zeros(n, dtype=np.int64), 1
    else:
        _, labels, k = best
    names = label_words(texts, labels, k)
    themes = []
    for j in range(k):
        size = int((labels == j).sum())
        if size >= min_size and names[j]:
            themes.append(Theme(" · ".join(names[j]), names[j], size, round(size / n, 4)))
    return sorted(themes, key=lambda t: (-t.size, t.label))
