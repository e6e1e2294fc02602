"""The digest's chart: weekly active members and posts over the last periods (matplotlib, Agg, PNG bytes)."""

from __future__ import annotations

import io
from collections.abc import Sequence


def render_chart(labels: Sequence[str], active: Sequence[int | None], posts: Sequence[int | None], *, title: str, active_label: str, posts_label: str) -> bytes:
    """A PNG line chart; blocking, so call it in a thread. None is "no data" (a gap), not zero."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    fig = Figure(figsize=(8, 3.6), dpi=110)
    # fixed margins (room for six-digit ticks and both axis labels): tight_layout would draw the figure twice
    fig.subplots_adjust(left=0.115, right=0.89, top=0.88, bottom=0.1)
    ax = fig.add_subplot()
    x = range(len(labels))
    nan = float("nan")
    ax.bar(x, [nan if v is None else v for v in posts], color="#c9d7f2", label=posts_label)
    ax.set_ylabel(posts_label)
    ax2 = ax.twinx()
    ax2.plot(x, [nan if v is None else v for v in active], color="#1f5fbf", marker="o", linewidth=2, label=active_label)
    ax2.set_ylabel(active_label)
    ax2.set_ylim(bottom=0)
    ax.set_xticks(list(x), list(labels), fontsize=8)
    ax.set_title(title.replace("$", r"\$"), fontsize=11)  # a community's name shown as typed (no mathtext)
    ax.spines[["top"]].set_visible(False)
    ax2.spines[["top"]].set_visible(False)
    handles = ax.get_legend_handles_labels()[0] + ax2.get_legend_handles_labels()[0]
    ax.legend(handles, [posts_label, active_label], loc="upper left", fontsize=8, frameon=False)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", pil_kwargs={"compress_level": 1})  # fast zlib: a few kB more, half the time
    return buf.getvalue()
