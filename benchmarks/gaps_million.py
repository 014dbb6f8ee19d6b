"""FAQ-gap analysis of 10k / 100k / 1M messages: in-process and on Dask, with e5-small and e5-static.

    python -m benchmarks.gaps_million [--sizes 10000,100000,1000000] [--configs static,dask-static,e5,dask-e5]
                                      [--work /tmp/gaps-million] [--no-write]

Each (configuration, size) runs in a fresh subprocess (``--one``) with fresh caches (a cold run:
nothing is read from an earlier run), under the environment the caller gives (run it with
``nice -n 10`` and ``OMP_WAIT_POLICY=passive`` on a shared machine).

**Messages** (development data in ../shared/eval, read at run time, never copied): a seeded mix
(``random.Random(seed)``) of Banking77 (train + test, 35 %), CLINC150 (all splits incl.
out-of-scope, 35 %), xSID (all nine languages, 15 %) and Mozetič tweets (hun, deu, srp, hrv, bos,
eng, 15 %: chatter that belongs to no intent), sampled with replacement and perturbed as in
``benchmarks/gaps_scale.py`` (greeting/closing in five languages, order numbers, e-mails, phone
numbers, a letter swap, case and punctuation), with timestamps over 90 days, five channels and
20,000 customer ids. **Planted gaps**: 15 of Banking77's 77 intents, 30 of CLINC150's 150 and 4 of
xSID's 16 are held out of the FAQ (seeded); the FAQ has one entry per other intent (10 train
queries each; xSID: the English utterances of half the ids), and no FAQ question is a message.

**Settings, the same for every configuration**: the matcher without its English second opinion
(``MatchSettings(second_embedder=None)``: it runs a MiniLM transformer per English message, the
default with e5-static in the gap analysis) and ``GapSettings(sentiment_scope="reported")``
(sentiment only for the messages whose sentiment the report uses); everything else default.

**Language detection**: ``GapSettings.language_mode`` as the configuration says: ``full`` (the default:
``LanguageDetector``) or, for the ``-fast`` configurations, ``FastLanguageDetector``.

**Figures**: wall seconds per stage (for Dask the per-message stages run in parallel: their row
is the *sum over partitions* of worker time and "partitions (wall)" is the elapsed time of the
whole parallel phase), peak RSS of the driver and of the largest worker process, and the
``benchmarks.gaps`` figures against the planted gaps: intents recovered (held-out intents that
are the majority of some gap, of 49), coverage (held-out messages inside a gap), purity, and
the false-gap rate (messages of answered intents inside a gap). On a shared machine wall time says
as much about the other jobs as about this one, so each run also reports the CPU seconds of the driver
process and of the worker processes, the load average at its start and end, and the time the run
needs on two idle cores when it is CPU-bound: driver CPU + worker CPU / 2 (an estimate: it assumes
the partitions spread evenly over the two workers).

e5-small at 1M messages would take many hours here (tens of milliseconds per message): its 1M
row is *extrapolated* (encoding at the rate measured at the largest e5 size, the FAQ index as
measured there, the other stages from the e5-static run of the same size: in-process, else the Dask
run's stage times summed over partitions) and marked so.
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import time
from collections import defaultdict
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Sequence

from . import evaldata as ed
from .gaps import _faq, evaluate
from .gaps_scale import _CHANNELS, _perturb

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results" / "gaps_million.md"
#: configuration -> (embedder, engine, GapSettings.language_mode); "-fast": the fast language detector
CONFIGS = {"e5": ("e5-small", "inprocess", "full"), "static": ("e5-static", "inprocess", "full"),
           "dask-e5": ("e5-small", "dask", "full"), "dask-static": ("e5-static", "dask", "full"),
           "static-fast": ("e5-static", "inprocess", "fast"), "dask-static-fast": ("e5-static", "dask", "fast")}


def _pools(seed: int = 0) -> tuple[dict[str, list[tuple[str, str]]], dict[str, list[str]], set[str]]:
    """(message pools per source as (text, intent), FAQ questions per intent, held-out intents).

    ``_POOL_LANGS[source]`` is filled alongside: the language of each pool text (ISO 639-1)."""
    rng = random.Random(seed)
    pools: dict[str, list[tuple[str, str]]] = {}
    faq: dict[str, list[str]] = {}
    held: set[str] = set()
    # Banking77
    train, test = ed.banking77()
    intents = sorted({i for _, i in train})
    h = set(rng.sample(intents, 15))
    by: dict[str, list[str]] = defaultdict(list)
    for t, i in train:
        by[i].append(t)
    used: set[str] = set()
    for i in intents:
        if i not in h:
            faq["b77 " + i] = rng.sample(by[i], min(10, len(by[i])))
            used.update(faq["b77 " + i])
    held.update("b77 " + i for i in h)
    pools["banking77"] = [(t, "b77 " + i) for t, i in train + test if t not in used]
    _POOL_LANGS["banking77"] = ["en"] * len(pools["banking77"])
    # CLINC150
    d = ed.clinc150()
    intents = sorted({i for _, i in d["train"]})
    h = set(rng.sample(intents, 30))
    by = defaultdict(list)
    for t, i in d["train"]:
        by[i].append(t)
    used = set()
    for i in intents:
        if i not in h:
            faq["clinc " + i] = rng.sample(by[i], min(10, len(by[i])))
            used.update(faq["clinc " + i])
    held.update("clinc " + i for i in h)
    items = [x for k in ("train", "val", "test") for x in d.get(k, [])]
    items += [(t, "oos") for k in ("oos_train", "oos_val", "oos_test") for t, _ in d.get(k, [])]
    pools["clinc150"] = [(t, i if i == "oos" else "clinc " + i) for t, i in items if t not in used]
    _POOL_LANGS["clinc150"] = ["en"] * len(pools["clinc150"])
    # xSID: English FAQ from half of the ids
    rows = ed.xsid()
    en = [r for r in rows if r["lang"] == "en"]
    intents = sorted({r["intent"] for r in en})
    h = set(rng.sample(intents, 4))
    ids_by: dict[str, list[str]] = defaultdict(list)
    for r in en:
        ids_by[r["intent"]].append(r["id"])
    faq_ids: set[str] = set()
    for i in intents:
        v = sorted(ids_by[i])
        rng.shuffle(v)
        faq_ids.update(v[: (len(v) + 1) // 2])
    for r in en:
        if r["id"] in faq_ids and r["intent"] not in h:
            faq.setdefault("xsid " + r["intent"], []).append(r["text"])
    held.update("xsid " + i for i in h)
    pools["xsid"] = [(r["text"], "xsid " + r["intent"]) for r in rows if r["id"] not in faq_ids and r["text"].strip()]
    _POOL_LANGS["xsid"] = [{"de-st": "de", "gsw": "de"}.get(r["lang"], r["lang"]) for r in rows
                           if r["id"] not in faq_ids and r["text"].strip()]
    # Mozetič: chatter without an intent
    moz = [r for r in ed.mozetic() if r["lang"] in ("hun", "deu", "srp", "hrv", "bos", "eng") and r["text"].strip()]
    sample = random.Random(seed).sample(moz, min(24000, len(moz)))
    pools["mozetic"] = [(r["text"], "oos") for r in sample]
    _POOL_LANGS["mozetic"] = [_MOZ_LANG[r["lang"]] for r in sample]
    return pools, faq, held


_POOL_LANGS: dict[str, list[str]] = {}
_MOZ_LANG = {"hun": "hu", "deu": "de", "srp": "sr", "hrv": "hr", "bos": "bs", "eng": "en"}


_MIX = (("banking77", 0.35), ("clinc150", 0.35), ("xsid", 0.15), ("mozetic", 0.15))


def build(n: int, work: Path, seed: int = 0) -> tuple[Path, Path, Path]:
    """Write the log (CSV), the ground truth (one intent per data row) and the FAQ corpus (JSON);
    also ``lang-{n}.txt``: the language of each row's source text (the greeting and sign-off added
    by the perturbation may be in another language)."""
    log, truth, faq_path = work / f"log-{n}.csv", work / f"truth-{n}.txt", work / "faq.json"
    langs_path = work / f"lang-{n}.txt"
    if log.exists() and truth.exists() and faq_path.exists() and langs_path.exists():
        return log, truth, faq_path
    pools, faq, held = _pools(seed)
    faq_path.write_text(json.dumps({"faq": faq, "held": sorted(held)}), encoding="utf-8")
    rng = random.Random(seed + n)
    start = datetime(2026, 8, 1)
    names, weights = zip(*_MIX)
    with open(log, "w", newline="", encoding="utf-8") as fh, open(truth, "w", encoding="utf-8") as th, \
            open(langs_path, "w", encoding="utf-8") as lh:
        w = csv.writer(fh)
        w.writerow(["id", "timestamp", "channel", "customer_id", "text"])
        for k in range(n):
            src = rng.choices(names, weights)[0]
            j = rng.randrange(len(pools[src]))
            text, intent = pools[src][j]
            lh.write(_POOL_LANGS[src][j] + "\n")
            ts = start + timedelta(seconds=rng.randrange(90 * 86400))
            w.writerow([f"m{k}", ts.isoformat(timespec="seconds"), rng.choice(_CHANNELS), f"c{rng.randrange(20000)}",
                        _perturb(text, rng)])
            th.write(intent + "\n")
    return log, truth, faq_path


def _children_peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def run_one(config: str, n: int, work: Path, write_report: bool) -> dict[str, Any]:
    """One configuration on one size, in this (fresh) process."""
    from replyassist.gaps import GapSettings, analyze_gaps
    emb_name, engine, language_mode = CONFIGS[config]
    log, truth, faq_path = build(n, work)
    meta = json.loads(faq_path.read_text(encoding="utf-8"))
    corpus = _faq(meta["faq"])
    held = set(meta["held"])
    intents = truth.read_text(encoding="utf-8").splitlines()
    run_dir = work / f"run-{config}-{n}"
    shutil.rmtree(run_dir, ignore_errors=True)
    run_dir.mkdir(parents=True)
    stages: list[tuple[str, float]] = []

    def progress(stage: str, done: int, total: int) -> None:
        if done >= total and (not stages or stages[-1][0] != stage):
            stages.append((stage, time.perf_counter()))
    load0 = os.getloadavg()
    ru0 = resource.getrusage(resource.RUSAGE_SELF)
    t0 = time.perf_counter()
    from replyassist.embeddings import CachedEmbedder, get_embedder
    from replyassist.matching import FaqIndex, MatchSettings
    inner = get_embedder(emb_name)
    emb = CachedEmbedder(inner, run_dir / "cache" / "embeddings.sqlite") if getattr(inner, "cacheable", True) else inner
    index = FaqIndex(corpus, emb, MatchSettings(second_embedder=None), cache_dir=run_dir / "cache" / "index")
    t_index = time.perf_counter() - t0
    kw: dict[str, Any] = {"engine": engine}
    if engine == "dask":
        kw.update(workers=2, partition_size=max(2000, min(50000, n // 20)))
    rep = analyze_gaps(str(log), corpus, index=index, embedder=emb, cache_dir=run_dir / "cache", progress=progress,
                       settings=GapSettings(sentiment_scope="reported", language_mode=language_mode), **kw)
    rep.timings["index"] = t_index
    t_an = time.perf_counter() - t0
    load1 = os.getloadavg()
    ru1 = resource.getrusage(resource.RUSAGE_SELF)
    ruc = resource.getrusage(resource.RUSAGE_CHILDREN)   # the local cluster's worker processes (reaped)
    cpu_driver = (ru1.ru_utime + ru1.ru_stime) - (ru0.ru_utime + ru0.ru_stime)
    cpu_workers = ruc.ru_utime + ruc.ru_stime
    peak_analysis = ru1.ru_maxrss / 1024
    t_w = None
    if write_report:
        t1 = time.perf_counter()
        rep.write(run_dir / "report")
        t_w = time.perf_counter() - t1
    ev = evaluate(rep, intents[: rep.total_rows], None, held)
    out = {"config": config, "n": n, "timings": {k: round(v, 2) for k, v in rep.timings.items()},
           "analysis_seconds": round(t_an, 1), "write_seconds": None if t_w is None else round(t_w, 1),
           "cpu_driver": round(cpu_driver, 1), "cpu_workers": round(cpu_workers, 1),
           # what the run needs on two idle cores: the driver's CPU plus the workers' CPU shared by two
           "cpu_bound_2cores": round(cpu_driver + cpu_workers / 2, 1), "load": [round(load0[0], 1), round(load1[0], 1)],
           "language_mode": language_mode,
           "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
           "peak_rss_analysis_mb": round(peak_analysis), "worker_peak_rss_mb": round(_children_peak_mb()),
           "processed": rep.processed, "bad": len(rep.bad_rows), "total": rep.total_rows,
           "unanswered": rep.stats.get("unanswered"), "gaps_found": len(rep.gaps),
           "run": {k: v for k, v in rep.run.items() if k != "_driver_embedder"}, "eval": ev,
           "held_out_intents": len(held)}
    shutil.rmtree(run_dir, ignore_errors=True)
    return out


def _fmt(v: Any) -> str:
    if v is None:
        return "–"
    if isinstance(v, float):
        return f"{v:.3f}" if v < 1 else f"{v:.1f}"
    return str(v)


_STAGE_ROWS = ["index", "read", "load", "prepare", "language", "encode", "match", "sentiment", "message_stages_cpu",
               "partitions_wall", "coverage", "cluster", "describe"]


_LABELS = {"partitions_wall": "partitions (wall)", "message_stages_cpu": "(CPU seconds of the five stages above)"}


def tables(results: list[dict[str, Any]], extrapolated: list[dict[str, Any]]) -> str:
    allr = results + extrapolated
    cols = [(r["config"], r["n"]) for r in allr]
    head = "| | " + " | ".join(f"{c} {n:,}" + (" (extrapolated)" if r.get("extrapolated") else "")
                                for (c, n), r in zip(cols, allr)) + " |"
    sep = "|---|" + "---|" * len(cols)
    out = ["Seconds per stage (Dask: the per-message rows are summed over partitions, i.e. worker time; "
           "\"partitions (wall)\" is the elapsed time of that parallel phase):", "", head, sep]
    for st in _STAGE_ROWS:
        if any(st in r["timings"] for r in allr):
            out.append(f"| {_LABELS.get(st, st)} | "
                       + " | ".join(_fmt(r["timings"].get(st)) for r in allr) + " |")
    out.append("| **analysis total (wall)** | " + " | ".join(_fmt(r["analysis_seconds"]) for r in allr) + " |")
    out.append("| CPU seconds, driver process | " + " | ".join(_fmt(r.get("cpu_driver")) for r in allr) + " |")
    out.append("| CPU seconds, worker processes | " + " | ".join(
        _fmt(r.get("cpu_workers")) if r["config"].startswith("dask") and "cpu_workers" in r else "–" for r in allr) + " |")
    out.append("| CPU-bound time on 2 idle cores (driver + workers / 2) | " + " | ".join(
        _fmt(r.get("cpu_bound_2cores")) for r in allr) + " |")
    out.append("| load average, start / end | " + " | ".join(
        f"{r['load'][0]} / {r['load'][1]}" if r.get("load") else "–" for r in allr) + " |")
    out.append("| writing the report | " + " | ".join(_fmt(r.get("write_seconds")) for r in allr) + " |")
    out.append("| peak RSS driver (MB) | " + " | ".join(_fmt(r.get("peak_rss_mb")) for r in allr) + " |")
    out.append("| peak RSS largest worker (MB) | " + " | ".join(
        _fmt(r.get("worker_peak_rss_mb")) if r["config"].startswith("dask") else "–" for r in allr) + " |")
    out += ["", "Gaps against the planted ones (held-out intents: "
            f"{allr[0]['held_out_intents'] if allr else 49}):", "", head, sep]
    for key, name in (("recovered", "held-out intents recovered"), ("coverage", "coverage (held-out msgs in gaps)"),
                      ("purity", "purity"), ("false_gap_msgs", "false-gap rate (answered msgs in gaps)"),
                      ("false_gaps", "false gaps"), ("top10_precision", "top-10 gaps that are held-out intents"),
                      ("gaps", "gaps")):
        out.append(f"| {name} | " + " | ".join(_fmt(r["eval"].get(key)) if r.get("eval") else "–" for r in allr) + " |")
    out.append("| unanswered (clustered) msgs | " + " | ".join(_fmt(r.get("unanswered")) for r in allr) + " |")
    out.append("| processed + bad = total | " + " | ".join(
        f"{r['processed']}+{r['bad']}={r['total']}" if "processed" in r else "–" for r in allr) + " |")
    return "\n".join(out)


def extrapolate_e5(results: list[dict[str, Any]], sizes: Sequence[int]) -> list[dict[str, Any]]:
    """e5 rows for sizes without a measured e5 run: encoding at the measured e5 rate, the rest from static."""
    out = []
    e5 = [r for r in results if r["config"] == "e5"]
    if not e5:
        return out
    ref = max(e5, key=lambda r: r["n"])
    rate = ref["timings"].get("encode", 0.0) / ref["n"]
    for n in sizes:
        if any(r["config"] == "e5" and r["n"] == n for r in results):
            continue
        st = next((r for r in results if r["config"] == "static" and r["n"] == n), None)
        if st is None:  # only a Dask run at this size: its summed stage times stand for one process
            st = next((r for r in results if r["config"] == "dask-static" and r["n"] == n), None)
            if st is None:
                continue
            st = {**st, "analysis_seconds": sum(v for k, v in st["timings"].items()
                                                 if k in _STAGE_ROWS and k not in ("partitions_wall", "message_stages_cpu"))}
        t = {k: v for k, v in st["timings"].items() if k not in ("partitions_wall", "message_stages_cpu")}
        t["encode"] = rate * n
        t["index"] = ref["timings"].get("index", 0.0)  # encoding the FAQ with e5 does not grow with n
        total = (st["analysis_seconds"] - st["timings"].get("encode", 0.0) - st["timings"].get("index", 0.0)
                 + t["index"] + rate * n)
        out.append({"config": "e5", "n": n, "extrapolated": True, "timings": {k: round(v, 1) for k, v in t.items()},
                    "analysis_seconds": round(total, 1), "write_seconds": st.get("write_seconds"),
                    "held_out_intents": st["held_out_intents"], "eval": None})
    return out


@ed.skip_if_missing
def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="10000,100000,1000000")
    ap.add_argument("--configs", default="static,dask-static,e5,dask-e5",
                    help="which configurations; e5 ones only up to --e5-max")
    ap.add_argument("--e5-max", type=int, default=10000, help="largest size run with e5-small (the rest extrapolated)")
    ap.add_argument("--work", default="/tmp/gaps-million")
    ap.add_argument("--no-write", action="store_true", help="do not write benchmarks/results/gaps_million.md")
    ap.add_argument("--no-report", action="store_true", help="do not time writing the report files")
    ap.add_argument("--tables-only", action="store_true",
                    help="only print (and write) the tables from the finished runs in --work/results.jsonl")
    ap.add_argument("--results-file", default="results.jsonl",
                    help="finished runs are appended to this file in --work (and read by --tables-only)")
    ap.add_argument("--one", nargs=2, metavar=("CONFIG", "SIZE"), help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    work = Path(a.work)
    work.mkdir(parents=True, exist_ok=True)
    if a.one:
        res = run_one(a.one[0], int(a.one[1]), work, not a.no_report)
        print("RESULT " + json.dumps(res))
        return 0
    sizes = [int(x) for x in a.sizes.split(",")]
    results: list[dict[str, Any]] = []
    res_file = work / a.results_file
    if a.tables_only:
        results = [json.loads(ln) for ln in res_file.read_text(encoding="utf-8").splitlines() if ln.strip()]
        results.sort(key=lambda r: (r["n"], list(CONFIGS).index(r["config"])))
        sizes = []
    for n in sizes:
        build(n, work)
        for c in a.configs.split(","):
            if CONFIGS[c][0] == "e5-small" and n > a.e5_max:
                continue
            t0 = time.time()
            cmd = [sys.executable, "-m", "benchmarks.gaps_million", "--one", c, str(n), "--work", str(work)]
            if a.no_report:
                cmd.append("--no-report")
            p = subprocess.run(cmd, capture_output=True, text=True, cwd=str(ROOT), env=dict(os.environ))
            line = next((ln for ln in p.stdout.splitlines() if ln.startswith("RESULT ")), None)
            if line is None:
                print(f"{c} {n}: failed\n{p.stderr[-3000:]}", file=sys.stderr)
                continue
            r = json.loads(line[7:])
            results.append(r)
            with open(res_file, "a", encoding="utf-8") as fh:
                fh.write(json.dumps(r) + "\n")
            print(f"{c} {n}: {time.time() - t0:.0f}s, recovered {r['eval']['recovered']}", file=sys.stderr, flush=True)
    text = "\n".join(["## FAQ-gap analysis of 10k-1M messages (`python -m benchmarks.gaps_million`)", "",
                      f"Measured {time.strftime('%Y-%m-%d')} on this shared 2-core machine (nice 10, "
                      "OMP_WAIT_POLICY=passive, other jobs running). Method: module docstring.", "",
                      tables(results, extrapolate_e5(results, sorted({r["n"] for r in results})))])
    ed.publish(text, RESULTS, write=not a.no_write)
    return 0


if __name__ == "__main__":
    sys.exit(main())
