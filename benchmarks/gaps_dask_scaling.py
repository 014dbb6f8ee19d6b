"""Dask engine scaling with e5-small: one worker against two, on the same kind of work.

    python -m benchmarks.gaps_dask_scaling [--messages 800] [--work /tmp/gaps-million] [--no-write]

Uses the log and FAQ of ``benchmarks.gaps_million`` (built there if missing). Four runs alternate
1, 2, 1, 2 local workers (one thread each); each run takes the next ``--messages`` rows of the 10k
log, so its message vectors are fresh (a cold encode), while the FAQ index vectors are on disk
(copied into each run's cache). The language detector and sentiment are off so that the figure is
the e5 encoding path the issue asks about. **Compute wall** is the time from the first progress event
of a worker to the last partition finished (cluster start-up excluded); partitions of 50 messages.
"""
from __future__ import annotations

import argparse
import csv
import json
import shutil
import sys
import time
from pathlib import Path
from typing import Any, Sequence

from replyassist.embeddings import CachedEmbedder, get_embedder
from replyassist.gaps import analyze_gaps
from replyassist.matching import FaqIndex, MatchSettings

from . import evaldata as ed
from .gaps import _faq
from .gaps_million import build

RESULTS = Path(__file__).resolve().parent / "results" / "gaps_dask_scaling.md"


@ed.skip_if_missing
def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--messages", type=int, default=800)
    ap.add_argument("--work", default="/tmp/gaps-million")
    ap.add_argument("--no-write", action="store_true")
    a = ap.parse_args(argv)
    work = Path(a.work)
    work.mkdir(parents=True, exist_ok=True)
    log_path, _, faq_path = build(10000, work)
    corpus = _faq(json.loads(faq_path.read_text(encoding="utf-8"))["faq"])
    rows = list(csv.reader(open(log_path, encoding="utf-8", newline="")))
    run_dir = work / "scaling"
    base = run_dir / "base"
    FaqIndex(corpus, CachedEmbedder(get_embedder("e5-small"), base / "embeddings.sqlite"),
             MatchSettings(second_embedder=None), cache_dir=base / "index")
    results: list[dict[str, Any]] = []
    for k, workers in enumerate((1, 2, 1, 2)):
        log = run_dir / f"log{k}.csv"
        with open(log, "w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow(rows[0])
            w.writerows(rows[1 + k * a.messages: 1 + (k + 1) * a.messages])
        cache = run_dir / f"c{k}"
        shutil.rmtree(cache, ignore_errors=True)
        shutil.copytree(base / "index", cache / "index")
        emb = CachedEmbedder(get_embedder("e5-small"), cache / "embeddings.sqlite")
        idx = FaqIndex(corpus, emb, MatchSettings(second_embedder=None), cache_dir=cache / "index")
        marks: list[tuple[float, str, int, int]] = []

        def prog(stage: str, done: int, total: int, marks: list[tuple[float, str, int, int]] = marks) -> None:
            marks.append((time.perf_counter(), stage, done, total))
        rep = analyze_gaps(str(log), corpus, index=idx, embedder=emb, cache_dir=cache, engine="dask", workers=workers,
                           partition_size=50, detector=False, signals=False, progress=prog,
                           checkpoint_dir=cache / "ck")
        first = min(t for t, s, d, _ in marks if d > 0)
        last = max(t for t, s, d, tot in marks if s == "sentiment" and d >= tot)
        results.append({"run": k + 1, "workers": workers, "messages": rep.processed,
                        "compute_wall": last - first, "encode_worker": rep.timings["encode"]})
        print(results[-1], file=sys.stderr, flush=True)
    one = [r["compute_wall"] for r in results if r["workers"] == 1]
    two = [r["compute_wall"] for r in results if r["workers"] == 2]
    m1, m2 = sum(one) / len(one), sum(two) / len(two)
    lines = ["## Dask engine scaling with e5-small (`python -m benchmarks.gaps_dask_scaling`)", "",
             f"Measured {time.strftime('%Y-%m-%d %H:%M')} (nice 10, OMP_WAIT_POLICY=passive, shared 2-core "
             "machine). Method: module docstring.", "",
             "| run | workers | messages | compute wall (s) | e5 encoding, summed over workers (s) |",
             "|---|---|---|---|---|"]
    lines += [f"| {r['run']} | {r['workers']} | {r['messages']} | {r['compute_wall']:.1f} | {r['encode_worker']:.1f} |"
              for r in results]
    lines += ["", f"Mean compute wall: 1 worker {m1:.1f} s, 2 workers {m2:.1f} s; speed-up {m1 / m2:.2f}× "
              f"(ideal 2×): 2 workers take **{m2 / (m1 / 2):.2f}×** the ideal linear time."]
    text = "\n".join(lines)
    ed.publish(text, RESULTS, write=not a.no_write)
    return 0


if __name__ == "__main__":
    sys.exit(main())
