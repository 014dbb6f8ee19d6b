"""Scale of the FAQ-gap analysis: time and memory per stage on 10k / 30k / 100k messages.

    python -m benchmarks.gaps_scale [--sizes 10000,30000,100000] [--encode-sample 200] [--no-write]

How the messages are built (development data in ../shared/eval, read at run time):

- Source texts: Banking77 train+test, CLINC150 (all splits), xSID (all 9 languages, and the English
  originals) and 4,000 Mozetič tweets per language (bos, hrv, srp, hun, deu, eng, slv, pol, slk):
  the same texts ``benchmarks.precompute_embeddings`` puts in the vector cache.
- Each message is a source text drawn with replacement (``random.Random(0)``) and perturbed so
  that no two are identical: a greeting and/or closing in one of five languages, a random order
  number (``#48213``), e-mail address or phone number in a fifth of them, one adjacent-letter
  swap in a third, random case of the first letter, and extra/removed final punctuation.
  Timestamps spread over 90 days, five channels, 20,000 customer ids.
- The log is written as CSV and read back (the read stage is the real reader).

Which numbers are measured and which are extrapolated:

- **Encoding** (multilingual-e5-small, 4-bit, on this shared 2-core machine) is *measured* on
  ``--encode-sample`` fresh perturbed messages (an empty cache) and *extrapolated* linearly to
  the full size (the encoder is per-text; batching does not change its cost per text here).
- Every other stage runs on the full set and is *measured*. For them the vectors come from the
  cache: each message gets the real e5 vector of its source text, plus Gaussian noise
  (sigma 0.01 per dimension, re-normalised) so duplicates are not identical.
- The *resumed* run repeats the analysis with every per-text result (vectors, languages,
  sentiment) already in the caches: what a re-run after an interruption costs.
- Memory: the process's peak resident set size (``ru_maxrss``) read at the end of each stage; a
  stage's figure is how much it raised the peak (0 = it fit in memory already held).
"""
from __future__ import annotations

import argparse
import csv
import random
import resource
import shutil
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from replyassist.corpus import load_corpus
from replyassist.embeddings import CachedEmbedder, get_embedder
from replyassist.gaps import GapSettings, analyze_gaps, read_messages
from replyassist.text import prepare_message

from . import evaldata as ed
from .precompute_embeddings import _texts

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results" / "gaps.md"

_GREET = ["Hi, ", "Hello! ", "Hallo, ", "Guten Tag, ", "Jó napot! ", "Szia, ", "Zdravo, ", "Poštovani, ", "Bok, ", ""]
_CLOSE = [" Thanks", " Danke!", " Köszönöm", " Hvala", " Regards, Anna", " LG Jonas", "", "", ""]
_CHANNELS = ["email", "chat", "facebook", "instagram", "contact_form"]


def _perturb(text: str, rng: random.Random) -> str:
    t = text.strip()
    if rng.random() < 0.33 and len(t) > 6:
        i = rng.randrange(1, len(t) - 2)
        if t[i].isalpha() and t[i + 1].isalpha():
            t = t[:i] + t[i + 1] + t[i] + t[i + 2:]
    if t and rng.random() < 0.5:
        t = (t[0].lower() if t[0].isupper() else t[0].upper()) + t[1:]
    r = rng.random()
    if r < 0.1:
        t += f" Order #{rng.randint(10000, 99999)}"
    elif r < 0.15:
        t += f" Mail: user{rng.randint(1, 9999)}@example.com"
    elif r < 0.2:
        t += f" Tel +36 30 {rng.randint(100, 999)} {rng.randint(1000, 9999)}"
    t = t.rstrip("?!.") + rng.choice(["?", "??", "!", ".", ""])
    return rng.choice(_GREET) + t + rng.choice(_CLOSE)


_SOURCES: list[str] = []


def _cached_sources() -> list[str]:
    """The development texts whose e5 vectors are already in the shared cache (nothing is re-encoded)."""
    if not _SOURCES:
        import sqlite3

        from replyassist.embeddings import default_cache_dir, text_key
        real = CachedEmbedder(get_embedder("e5-small"))
        texts = sorted({t for _, ts in _texts(4000) for t in ts if t and t.strip()})
        con = sqlite3.connect(str(default_cache_dir() / "embeddings.sqlite"))
        have: set[str] = set()
        keys = [text_key(t) for t in texts]
        for s in range(0, len(keys), 900):
            part = keys[s:s + 900]
            q = f"SELECT key FROM vec WHERE model=? AND key IN ({','.join('?' * len(part))})"
            have.update(k for (k,) in con.execute(q, [real.model_id, *part]))
        con.close()
        _SOURCES.extend(t for t, k in zip(texts, keys) if k in have)
        print(f"{len(_SOURCES)} of {len(texts)} source texts have cached vectors", file=sys.stderr)
    return _SOURCES


def build_log(n: int, path: Path, seed: int = 0) -> dict[str, str]:
    """Write ``n`` messages to ``path``; return {clean text: source text} for the vector proxy."""
    sources = _cached_sources()
    rng = random.Random(seed)
    start = datetime(2026, 8, 1)
    origin: dict[str, str] = {}
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "timestamp", "channel", "customer_id", "text"])
        for i in range(n):
            src = sources[rng.randrange(len(sources))]
            text = _perturb(src, rng)
            ts = start + timedelta(seconds=rng.randrange(90 * 86400))
            w.writerow([f"m{i}", ts.isoformat(timespec="seconds"), rng.choice(_CHANNELS), f"c{rng.randrange(20000)}",
                        text])
            try:
                origin[prepare_message(text).clean] = src
            except Exception:
                pass
    return origin


class ProxyEmbedder:
    """Real e5 vectors of the *source* texts (from the cache) + N(0, 0.01) noise; see the module doc."""

    def __init__(self, real: CachedEmbedder, origin: dict[str, str], seed: int = 0) -> None:
        self.real, self.origin = real, origin
        self.dim, self.model_id = real.dim, real.model_id + "-scale-proxy"
        self.rng = np.random.default_rng(seed)

    def encode(self, texts: Sequence[str], progress: Any = None) -> np.ndarray:
        src = [self.origin.get(t, t) for t in texts]
        v = self.real.encode(src) + self.rng.normal(0, 0.01, size=(len(texts), self.dim)).astype(np.float32)
        if progress:
            progress(len(texts), len(texts))
        return v / np.linalg.norm(v, axis=1, keepdims=True)


def _maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


class StageWatch:
    """Progress hook that records the peak RSS when each stage ends."""

    def __init__(self) -> None:
        self.rss: dict[str, float] = {}
        self.last_label: str | None = None
        self.base = _maxrss_mb()

    def __call__(self, label: str, done: int, total: int) -> None:
        if done >= total:
            self.rss[label] = _maxrss_mb()


def run_size(n: int, corpus: Any, real: CachedEmbedder, work: Path, settings: GapSettings) -> dict[str, Any]:
    log_path = work / f"log-{n}.csv"
    t0 = time.perf_counter()
    origin = build_log(n, log_path)
    build_s = time.perf_counter() - t0
    cache = work / f"cache-{n}"
    proxy = ProxyEmbedder(real, origin)
    emb = CachedEmbedder(proxy, cache / "embeddings.sqlite")
    res: dict[str, Any] = {"n": n, "build_s": build_s}
    rss0 = _maxrss_mb()
    t0 = time.perf_counter()
    log = read_messages(log_path)
    res["read_s"] = time.perf_counter() - t0
    res["rss_read"] = _maxrss_mb()
    watch = StageWatch()
    rep = analyze_gaps(log, corpus, embedder=emb, settings=settings, cache_dir=cache, progress=watch)
    res["timings"] = dict(rep.timings)
    res["rss"] = dict(watch.rss)
    res["rss0"] = rss0
    res["unanswered"] = rep.stats["unanswered"]
    res["gaps"] = len(rep.gaps)
    res["bad"] = len(rep.bad_rows)
    t0 = time.perf_counter()
    rep.write(work / f"report-{n}")
    res["write_s"] = time.perf_counter() - t0
    # resumed run: every per-text result cached
    emb2 = CachedEmbedder(ProxyEmbedder(real, origin), cache / "embeddings.sqlite")
    t0 = time.perf_counter()
    rep2 = analyze_gaps(log_path, corpus, embedder=emb2, settings=settings, cache_dir=cache, progress=False)
    res["resume_s"] = time.perf_counter() - t0
    res["resume_timings"] = dict(rep2.timings)
    res["same_result"] = [g.rows for g in rep.gaps] == [g.rows for g in rep2.gaps]
    res["peak_rss"] = _maxrss_mb()
    return res


def measure_encoding(sample: int, work: Path) -> float:
    """Seconds per message for real e5 encoding of fresh (uncached) perturbed messages."""
    path = work / "enc.csv"
    build_log(sample, path, seed=123)
    texts = [prepare_message(r.text).clean for r in read_messages(path).rows]
    emb = CachedEmbedder(get_embedder("e5-small"), work / "enc-cache.sqlite")   # empty cache: real encoding
    t0 = time.perf_counter()
    emb.encode(texts)
    return (time.perf_counter() - t0) / len(texts)


def _fmt_s(x: float) -> str:
    return f"{x:.1f}" if x < 100 else f"{x:.0f}"


@ed.skip_if_missing
def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="10000,30000,100000")
    ap.add_argument("--encode-sample", type=int, default=200)
    ap.add_argument("--no-write", action="store_true")
    ap.add_argument("--keep", action="store_true", help="keep the work folder (logs, caches, reports)")
    a = ap.parse_args(argv)
    corpus = load_corpus(ROOT / "faq_corpus" / "shop")
    real = CachedEmbedder(get_embedder("e5-small"))
    settings = GapSettings()
    work = Path(tempfile.mkdtemp(prefix="gaps-scale-"))
    try:
        per_text = measure_encoding(a.encode_sample, work)
        print(f"encoding: {per_text * 1000:.1f} ms per message (measured on {a.encode_sample})", file=sys.stderr)
        results = []
        for n in [int(x) for x in a.sizes.split(",")]:
            r = run_size(n, corpus, real, work, settings)
            results.append(r)
            print(f"{n}: {r['timings']}", file=sys.stderr, flush=True)
    finally:
        if not a.keep:
            shutil.rmtree(work, ignore_errors=True)
    stages = ["read", "prepare", "language", "encode", "match", "sentiment", "cluster", "describe", "write"]
    lines = ["### FAQ-gap analysis at scale (`python -m benchmarks.gaps_scale`)", "",
             f"Encoding measured on {a.encode_sample} fresh messages: **{per_text * 1000:.0f} ms per message** "
             "(e5-small 4-bit, shared 2-core CPU); the encode row is that figure times n (*extrapolated*). "
             "All other rows are measured on the full set (vectors from the cache, see the module docstring).", "",
             "Seconds per stage:", "",
             "| stage | " + " | ".join(f"{r['n']:,}" for r in results) + " |",
             "|---|" + "---|" * len(results)]
    for st in stages:
        cells = []
        for r in results:
            if st == "read":
                v = r["read_s"]
            elif st == "write":
                v = r["write_s"]
            elif st == "encode":
                cells.append(f"{_fmt_s(per_text * r['n'])} (extrapolated; cache path measured: "
                             f"{_fmt_s(r['timings'].get('encode', 0))})")
                continue
            else:
                v = r["timings"].get(st, 0.0)
            cells.append(_fmt_s(v))
        lines.append(f"| {st} | " + " | ".join(cells) + " |")
    lines.append("| **total without encoding** | " + " | ".join(
        _fmt_s(r["read_s"] + r["write_s"] + sum(v for k, v in r["timings"].items() if k not in ("total", "encode", "read")))
        for r in results) + " |")
    lines.append("| **total with encoding (extrapolated)** | " + " | ".join(
        _fmt_s(r["read_s"] + r["write_s"] + per_text * r["n"] +
               sum(v for k, v in r["timings"].items() if k not in ("total", "encode", "read"))) for r in results) + " |")
    lines.append("| resumed run (all per-text results cached) | " + " | ".join(
        f"{_fmt_s(r['resume_s'])}" + ("" if r["same_result"] else " (different result!)") for r in results) + " |")
    lines += ["", "Resumed run, seconds per stage: " + "; ".join(
        f"{r['n']:,}: " + ", ".join(f"{k} {v:.1f}" for k, v in r["resume_timings"].items()) for r in results)]
    lines += ["", "Memory (peak RSS of the process in MB at the end of each stage; first row: before the analysis):",
              "", "| after | " + " | ".join(f"{r['n']:,}" for r in results) + " |", "|---|" + "---|" * len(results)]
    lines.append("| start (data built, log read) | " + " | ".join(f"{r['rss_read']:.0f}" for r in results) + " |")
    for label in ("prepare", "language", "encoding", "matching", "sentiment", "clustering", "describe"):
        lines.append(f"| {label} | " + " | ".join(f"{r['rss'].get(label, float('nan')):.0f}" for r in results) + " |")
    lines.append("| end (incl. writing the report, resumed run) | " + " | ".join(f"{r['peak_rss']:.0f}" for r in results) + " |")
    lines += ["", "| | " + " | ".join(f"{r['n']:,}" for r in results) + " |", "|---|" + "---|" * len(results),
              "| unanswered (clustered) messages | " + " | ".join(f"{r['unanswered']:,}" for r in results) + " |",
              "| gaps found | " + " | ".join(str(r["gaps"]) for r in results) + " |",
              "| bad rows | " + " | ".join(str(r["bad"]) for r in results) + " |"]
    text = "\n".join(lines)
    print(text)
    if not a.no_write:
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        old = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else ""
        marker = "### FAQ-gap analysis at scale"
        old = old.split(marker)[0].rstrip()
        RESULTS.write_text((old + "\n\n" if old else "") + text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
