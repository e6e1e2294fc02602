"""The results bar chart: a PNG drawn with matplotlib's Agg canvas (matplotlib is imported at the first chart)."""

from __future__ import annotations

import io
import textwrap


def as_typed(text: str) -> str:
    """Text for matplotlib shown as typed: a `$` would start mathtext, and a question like "$\\foo{$" would fail the drawing."""
    return text.replace("$", r"\$")


def draw_bars(title: str, labels: list[str], counts: list[int], *, highlight: list[str] | None = None) -> bytes:
    """A horizontal bar chart of counts per answer, as PNG bytes (no pyplot: safe in a thread)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    height = 1.2 + 0.45 * max(len(labels), 1)
    fig = Figure(figsize=(7, height), dpi=100)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    positions = list(range(len(labels)))[::-1]
    colors = highlight or ["#4C72B0"] * len(labels)
    bars = ax.barh(positions, counts, color=colors)
    ax.set_yticks(positions, [as_typed(textwrap.shorten(label, 40, placeholder="…")) for label in labels])
    ax.bar_label(bars, labels=[str(c) for c in counts], padding=3)
    ax.set_xlim(0, max([*counts, 1]) * 1.15)
    ax.set_title(as_typed(textwrap.shorten(title, 70, placeholder="…")), loc="left", fontsize=11)
    ax.spines[["top", "right"]].set_visible(False)
    ax.xaxis.set_visible(False)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", pil_kwargs={"compress_level": 1})  # fast zlib: a few kB more, much less time
    return buf.getvalue()
