"""``e5-static`` against e5-small: FAQ matching, FAQ-gap recovery, sentiment, fidelity and speed;
and the scalable clustering against today's on the held-out-intent benchmarks.

    python -m benchmarks.static_embedder [--sets banking77,clinc150,xsid,xsid-s1,xsid-s2] [--no-write]

Development data in ../shared/eval, read at run time (never copied). e5 vectors come from the shared
embedding cache (``CachedEmbedder(get_embedder("e5-small"))``); static vectors are computed.

1. **Matching** (top-1 accuracy of the entry the matcher ranks first, and the share of messages it
   puts in the ``confident`` band with the right entry): the default matcher (``FaqIndex``, with
   its English second opinion off so that only the embedder differs), FAQ and messages built as in
   ``benchmarks/matching.py``: Banking77 (10 train queries per intent as the FAQ, the 3,080 test
   queries), CLINC150 in-scope (10 train queries per intent, the 3,000 validation queries), xSID
   (English FAQ from one half of the ids, the other half's German and Serbian utterances; seed 0).
2. **Gaps**: ``benchmarks.gaps``'s held-out-intent sets and figures, default settings, per embedder.
3. **Clustering**: the same gap sets with e5, clustering ``exact`` (today's: k-means with full Lloyd
   rounds, then average linkage) against ``scalable`` (mini-batch k-means, then the same linkage),
   forced on every set (``scalable_above=1``, ``max_micro_clusters=500``, so both really summarise the
   candidates into micro-clusters).
4. **Sentiment**: the shipped sentiment analyzer on 600 Mozetič tweets per language (hun, deu, srp,
   hrv, bos, eng; Positive/Negative; seed 0), fed e5 vectors or static vectors; accuracy over the
   two classes (a ``neutral`` answer counts as wrong).
5. **Fidelity and speed**: mean cosine between a text's static and e5 vectors; milliseconds per
   message for each embedder, measured in this run on 400 Banking77/xSID texts (e5 without cache).
"""
from __future__ import annotations

import argparse
import random
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from replyassist.embeddings import CachedEmbedder, get_embedder
from replyassist.gaps import GapSettings, analyze_gaps
from replyassist.matching import FaqIndex, MatchSettings

from . import evaldata as ed
from .gaps import _faq, evaluate, set_banking77, set_clinc150, set_xsid

RESULTS = Path(__file__).resolve().parent / "results" / "static_embedder.md"


def _matching_sets() -> list[tuple[str, Any, list[str], list[str], list[str]]]:
    """(name, corpus, message texts, gold faq ids, message languages)."""
    out = []
    train, test = ed.banking77()
    rng = random.Random(0)
    by: dict[str, list[str]] = defaultdict(list)
    for t, i in train:
        by[i].append(t)
    faq = {i: rng.sample(v, min(10, len(v))) for i, v in sorted(by.items())}
    corpus = _faq(faq)
    ids = {i: e.id for i, e in zip(sorted(faq), corpus.entries)}
    out.append(("Banking77", corpus, [t for t, _ in test], [ids[i] for _, i in test], ["en"] * len(test)))
    d = ed.clinc150()
    rng = random.Random(0)
    by = defaultdict(list)
    for t, i in d["train"]:
        by[i].append(t)
    faq = {i: rng.sample(v, min(10, len(v))) for i, v in sorted(by.items())}
    corpus = _faq(faq)
    ids = {i: e.id for i, e in zip(sorted(faq), corpus.entries)}
    out.append(("CLINC150 in-scope", corpus, [t for t, _ in d["val"]], [ids[i] for _, i in d["val"]],
                ["en"] * len(d["val"])))
    rows = ed.xsid()
    en = [r for r in rows if r["lang"] == "en"]
    rng = random.Random(0)
    ids_by: dict[str, list[str]] = defaultdict(list)
    for r in en:
        ids_by[r["intent"]].append(r["id"])
    faq_ids: set[str] = set()
    for _, v in sorted(ids_by.items()):
        v = sorted(v)
        rng.shuffle(v)
        faq_ids.update(v[: (len(v) + 1) // 2])
    faqd: dict[str, list[str]] = defaultdict(list)
    for r in en:
        if r["id"] in faq_ids:
            faqd[r["intent"]].append(r["text"])
    corpus = _faq(dict(faqd))
    ids = {i: e.id for i, e in zip(sorted(faqd), corpus.entries)}
    for lang in ("de", "sr"):
        q = [r for r in rows if r["lang"] == lang and r["id"] not in faq_ids and r["intent"] in ids]
        out.append((f"xSID {lang} vs English FAQ", corpus, [r["text"] for r in q], [ids[r["intent"]] for r in q],
                    [lang] * len(q)))
    return out


def matching_rows(embedders: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for name, corpus, texts, gold, langs in _matching_sets():
        r: dict[str, Any] = {"set": name, "messages": len(texts)}
        for ename, emb in embedders.items():
            idx = FaqIndex(corpus, emb, MatchSettings(second_embedder=None), cache_dir=False)
            V = emb.encode(texts)
            res = []
            for s in range(0, len(texts), 1024):
                res.extend(idx.search(V[s:s + 1024], texts=texts[s:s + 1024], languages=langs[s:s + 1024]))
            top = [m.matches[0].faq_id if m.matches else None for m in res]
            r[f"{ename} top-1"] = sum(a == b for a, b in zip(top, gold)) / len(gold)
            r[f"{ename} confident+right"] = sum(m.band == "confident" and t == g
                                                for m, t, g in zip(res, top, gold)) / len(gold)
            r[f"{ename} confident wrong"] = sum(m.band == "confident" and t != g
                                                for m, t, g in zip(res, top, gold)) / len(gold)
        rows.append(r)
        print(f"matching {name} done", file=sys.stderr, flush=True)
    return rows


def gap_rows(embedders: dict[str, Any], sets: Sequence[str], settings_by: dict[str, GapSettings]) -> list[dict]:
    builders = {"banking77": set_banking77, "clinc150": set_clinc150, "xsid": set_xsid,
                "xsid-s1": lambda: set_xsid(seed=1), "xsid-s2": lambda: set_xsid(seed=2)}
    rows = []
    for key in sets:
        name, corpus, msgs, intents, langs, held = builders[key]()
        for ename, emb in embedders.items():
            for sname, st in settings_by.items():
                t0 = time.perf_counter()
                rep = analyze_gaps(msgs, corpus, embedder=emb, signals=False, settings=st, progress=False)
                rows.append({"set": name, "embedder": ename, "clustering": sname,
                             **evaluate(rep, intents, langs, held),
                             "seconds": round(time.perf_counter() - t0, 1)})
        print(f"gaps {name} done", file=sys.stderr, flush=True)
    return rows


def sentiment_rows(embedders: dict[str, Any], per_lang: int = 600) -> list[dict[str, Any]]:
    from replyassist.signals import SignalAnalyzer
    sa = SignalAnalyzer()
    data = ed.mozetic()
    lang2 = {"hun": "hu", "deu": "de", "srp": "sr", "hrv": "hr", "bos": "bs", "eng": "en"}
    rows = []
    for l3, l2 in lang2.items():
        items = [r for r in data if r["lang"] == l3 and r["label"] in ("Positive", "Negative") and r["text"].strip()]
        items = random.Random(0).sample(items, min(per_lang, len(items)))
        texts = [r["text"] for r in items]
        gold = [r["label"].lower() for r in items]
        r: dict[str, Any] = {"set": f"Mozetič {l3}", "messages": len(texts)}
        for ename, emb in embedders.items():
            V = emb.encode(texts)
            res = sa.analyze(texts, V, [l2] * len(texts))
            r[f"{ename} accuracy"] = sum(x.sentiment.label == g for x, g in zip(res, gold)) / len(gold)
        rows.append(r)
    return rows


def fidelity_speed(e5: Any, static: Any) -> dict[str, Any]:
    train, test = ed.banking77()
    xs = [r["text"] for r in ed.xsid() if r["lang"] in ("de", "sr")]
    texts = [t for t, _ in test[:200]] + xs[:200]
    Ve = e5.encode(texts)  # from the cache: fidelity only
    Vs = static.encode(texts)
    fid = float(np.mean(np.sum(Ve * Vs, axis=1)))
    fresh = [t + " ?" + str(i) for i, t in enumerate(texts)]  # not in any cache
    raw = e5.inner if hasattr(e5, "inner") else e5
    t0 = time.perf_counter()
    raw.encode(fresh[:100])
    e5_ms = (time.perf_counter() - t0) / 100 * 1000
    t0 = time.perf_counter()
    for _ in range(5):
        static.encode([t + str(_) for t in fresh])
    st_ms = (time.perf_counter() - t0) / (5 * len(fresh)) * 1000
    return {"fidelity": fid, "e5_ms": e5_ms, "static_ms": st_ms}


def _fmt(v: Any) -> str:
    return f"{v:.3f}" if isinstance(v, float) else str(v)


def table(rows: list[dict[str, Any]], keys: Sequence[str] | None = None) -> str:
    keys = list(keys or rows[0].keys())
    out = ["| " + " | ".join(keys) + " |", "|" + "---|" * len(keys)]
    out += ["| " + " | ".join(_fmt(r.get(k, "–")) for k in keys) + " |" for r in rows]
    return "\n".join(out)


@ed.skip_if_missing
def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sets", default="banking77,clinc150,xsid,xsid-s1,xsid-s2")
    ap.add_argument("--parts", default="speed,matching,gaps,cluster,sentiment")
    ap.add_argument("--no-write", action="store_true")
    a = ap.parse_args(argv)
    parts = set(a.parts.split(","))
    e5 = CachedEmbedder(get_embedder("e5-small"))
    static = get_embedder("e5-static")
    emb = {"e5": e5, "static": static}
    out = ["## e5-static against e5-small (`python -m benchmarks.static_embedder`)", "",
           f"Measured {time.strftime('%Y-%m-%d')}; artefact {static.model_id} "
           f"({static.meta.get('pieces')} pieces, SIF a={static.meta.get('sif_a')}). Method: module docstring.", ""]
    if "speed" in parts:
        fs = fidelity_speed(e5, static)
        out += ["### Fidelity and speed", "",
                f"Mean cosine between the static and the e5 vector of the same text (400 Banking77 / xSID de+sr "
                f"texts): **{fs['fidelity']:.3f}**. Encoding, in this run (shared 2-core machine, "
                f"OMP_WAIT_POLICY=passive): e5-small {fs['e5_ms']:.1f} ms per message, e5-static "
                f"{fs['static_ms']:.3f} ms per message (**{fs['e5_ms'] / fs['static_ms']:.0f}×** faster).", ""]
    if "matching" in parts:
        mr = matching_rows(emb)
        out += ["### FAQ matching (default matcher, second opinion off)", "", table(mr), ""]
    if "gaps" in parts:
        gr = gap_rows(emb, a.sets.split(","), {"default": GapSettings()})
        keys = ["set", "embedder", "held_out_msgs", "gaps", "coverage", "purity", "ari_held", "recovered",
                "false_gap_msgs", "false_gaps", "top10_precision", "mixed_lang_share", "seconds"]
        out += ["### FAQ-gap analysis: held-out intents recovered (default settings)", "", table(gr, keys), ""]
    if "cluster" in parts:
        cr = gap_rows({"e5": e5}, a.sets.split(","),
                      {"exact": GapSettings(cluster_method="exact", max_micro_clusters=500),
                       "scalable": GapSettings(cluster_method="scalable", max_micro_clusters=500)})
        keys = ["set", "clustering", "gaps", "coverage", "purity", "ari_held", "recovered", "false_gap_msgs",
                "false_gaps", "top10_precision", "mixed_lang_share"]
        out += ["### Clustering: exact (full Lloyd rounds) against scalable (mini-batch), e5, 500 micro-clusters",
                "", table(cr, keys), ""]
    if "sentiment" in parts:
        sr = sentiment_rows(emb)
        out += ["### Sentiment head fed static vectors (Mozetič, Positive/Negative)", "", table(sr), ""]
    text = "\n".join(out)
    ed.publish(text, RESULTS, write=not a.no_write)
    return 0


if __name__ == "__main__":
    sys.exit(main())
