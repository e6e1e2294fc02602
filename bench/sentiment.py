"""Sentiment benchmark: messages/s and peak memory per backend at batch sizes 1/16/64, accuracy per language.

    python bench/sentiment.py [--backends embedding,transformers] [--model NAME_OR_FOLDER] [--threads 1,2] [--seconds 3] [--rounds 3]

Each backend runs in its own process (so its peak RSS is its own): load the model, score the
held-out set (data/sentiment/heldout.tsv, never used for training) for accuracy per language
(the label is the one the KPI uses: `label_of(score)`), then score held-out lines cycled in
batches of 1, 16 and 64 for `--seconds` each. `transformers` needs `--model` (a folder, or a hub
name already in the cache when HF_HUB_OFFLINE=1). Prints a Markdown table. Besides wall-clock
messages/s it gives messages per CPU-second at batch 16 (the process's CPU time, all threads), which
shared or busy machines distort much less; the load average is printed with the table. Each
configuration runs `--rounds` times, the configurations alternating; the table gives each figure's
median, and msg/s at batch 16 as min / median / max.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
HELDOUT = ROOT / "data" / "sentiment" / "heldout.tsv"
SHORT = {"neg": "negative", "neu": "neutral", "pos": "positive"}


def heldout() -> list[tuple[str, str, str]]:
    """The held-out rows (lang, label, text)."""
    lines = HELDOUT.read_text(encoding="utf-8").splitlines()[1:]
    return [(lang, SHORT[label], text) for lang, label, text in (line.split("\t", 2) for line in lines if line.strip())]


def rss_mb() -> float:
    """The peak resident memory of this process so far, in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def worker(backend: str, model: str | None, threads: int, seconds: float) -> dict[str, object]:
    """Measure one backend in this process."""
    import torch

    torch.set_num_threads(threads)
    from bot.nlp.sentiment import BackendSpec, label_of, load_backend

    before = rss_mb()
    started = time.perf_counter()
    scorer = load_backend(BackendSpec(backend, model))  # type: ignore[arg-type]
    load_s = time.perf_counter() - started
    rows = heldout()
    scores = []
    for i in range(0, len(rows), 32):
        scores.extend(scorer.score([r[2] for r in rows[i:i + 32]]))
    accuracy = {}
    for lang in sorted({r[0] for r in rows}):
        idx = [i for i, r in enumerate(rows) if r[0] == lang]
        accuracy[lang] = round(sum(label_of(scores[i]) == rows[i][1] for i in idx) / len(idx), 3)
    texts = [r[2] for r in rows]
    rates, cpu_rates = {}, {}
    for batch in (1, 16, 64):
        n, k, t0, c0 = 0, 0, time.perf_counter(), time.process_time()
        while time.perf_counter() - t0 < seconds:
            chunk = [texts[(k + j) % len(texts)] for j in range(batch)]
            scorer.score(chunk)
            n += batch
            k += batch
        rates[batch] = round(n / (time.perf_counter() - t0), 1)
        cpu_rates[batch] = round(n / max(time.process_time() - c0, 1e-9), 1)
    return {"backend": backend, "model": model, "threads": threads, "load_s": round(load_s, 1), "accuracy": accuracy,
            "msgs_per_s": rates, "msgs_per_cpu_s": cpu_rates, "peak_rss_mb": round(rss_mb()), "rss_before_load_mb": round(before), "heldout": len(rows)}


def main() -> None:
    """Run each backend in a child process and print the table."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--backends", default="embedding")
    ap.add_argument("--model", default=None, help="model name or folder for the transformers backend")
    ap.add_argument("--threads", default="1,2", help="torch CPU threads, one run per value")
    ap.add_argument("--seconds", type=float, default=3.0)
    ap.add_argument("--rounds", type=int, default=3, help="runs of each configuration, alternating (at least 1)")
    ap.add_argument("--worker", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    if args.worker:
        print(json.dumps(worker(args.worker, args.model, int(args.threads), args.seconds)))
        return
    configs = [(b, t) for b in args.backends.split(",") for t in args.threads.split(",")]
    if "transformers" in args.backends.split(",") and not args.model:
        print("transformers: skipped (give --model)", file=sys.stderr)
        configs = [(b, t) for b, t in configs if b != "transformers"]
    runs: dict[tuple[str, str], list[dict[str, Any]]] = {c: [] for c in configs}
    load_before = os.getloadavg()[0]
    for _ in range(max(1, args.rounds)):
        for backend, threads in configs:  # alternating: a slow moment of the machine hits every configuration alike
            cmd = [sys.executable, __file__, "--worker", backend, "--threads", threads, "--seconds", str(args.seconds)]
            if args.model and backend == "transformers":
                cmd += ["--model", args.model]
            done = subprocess.run(cmd, capture_output=True, text=True, check=False)
            if done.returncode != 0:
                print(f"{backend}: failed\n{done.stderr[-2000:]}", file=sys.stderr)
                continue
            runs[(backend, threads)].append(json.loads(done.stdout.strip().splitlines()[-1]))
    results = [r for r in runs.values() if r]
    print(f"{os.cpu_count()} CPUs, load average {load_before:.1f} before and {os.getloadavg()[0]:.1f} after; "
          f"held-out lines: {results[0][0]['heldout'] if results else 0}; {max(1, args.rounds)} rounds, medians\n")
    print("| backend | threads | load (s) | msg/s @1 | msg/s @16 (min / median / max) | msg/s @64 | msg per CPU-s @16 | peak RSS (MB) | accuracy en | accuracy fr |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for rs in results:
        r = rs[0]

        def med(*key: str, rs: list[dict[str, Any]] = rs) -> float:
            return round(statistics.median(_get(x, key) for x in rs), 1)

        at16 = sorted(float(x["msgs_per_s"]["16"]) for x in rs)
        name = r["backend"] + (f" ({r['model']})" if r["model"] else "")
        acc = r["accuracy"]
        print(f"| {name} | {r['threads']} | {med('load_s')} | {med('msgs_per_s', '1')} | {at16[0]} / {med('msgs_per_s', '16')} / {at16[-1]} "
              f"| {med('msgs_per_s', '64')} | {med('msgs_per_cpu_s', '16')} | {round(med('peak_rss_mb'))} | {acc.get('en')} | {acc.get('fr')} |")
    print("| off | – | 0 | – | – | – | – | no model | null | null |")


def _get(result: dict[str, Any], key: tuple[str, ...]) -> float:
    value: Any = result
    for k in key:
        value = value[k]
    return float(value)


if __name__ == "__main__":
    main()
