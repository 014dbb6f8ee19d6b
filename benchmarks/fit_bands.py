"""Fit the band model (``replyassist.matching.bands``): P(answerable) and P(right) of a top match.

Training data, disjoint from every figure reported with the model:

- the realistic message set (``benchmarks/draft_set``) over the demo corpus: every message through
  the pipeline's matching path (cleaned, greeting and sign-off stripped, sentences as segments);
  labels: answerable (an entry answers it) and right (the top entry is one of them). Its own
  figures are reported leave-one-language-group-out (each group scored by a model fitted on the
  other six), never in-sample;
- CLINC150 **train** queries (10 per intent as the FAQ, 10 other train queries per intent as
  in-scope messages) and ``oos_train`` (out-of-scope). ``val`` and ``oos_val``, on which
  ``benchmarks.clinc_bands`` reports, are not used;
- Banking77 **train** queries with 20 of the 77 intents held out of the FAQ (their queries are
  unanswerable messages); the test split, on which ``benchmarks.matching`` reports, is not used.

Each source has the same total weight. ``python -m benchmarks.fit_bands [--write]`` prints the
coefficients and the cross-validated figures; ``--write`` stores them in ``replyassist/models/bands/bands.json``.
"""
from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from replyassist.corpus import load_corpus
from replyassist.embeddings import CachedEmbedder, get_embedder
from replyassist.language import LanguageDetector, LanguageHints
from replyassist.matching import FaqIndex, MatchSettings
from replyassist.matching.bands import BANDS_FILE, FEATURES, BandModel
from replyassist.matching.decision import decide_band
from replyassist.text import prepare_message, segment_batch

from . import evaldata as ed
from .drafts import SET_DIR, load_set
from .matching import make_corpus, sample_per_label

ROOT = Path(__file__).resolve().parent.parent


def _search(idx: FaqIndex, emb: Any, texts: Sequence[str], langs: Sequence[str | None]) -> list[Any]:
    """The pipeline's matching path (``text.segment_batch``: salutations stripped, sentences as segments)."""
    all_texts, parts = segment_batch(texts)
    all_langs = list(langs) + [langs[i] for i in parts[len(texts):] if i is not None]
    return idx.search(emb.encode(all_texts), texts=all_texts, languages=all_langs, parts=parts)


def draft_set_rows(emb: Any, cache: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str], np.ndarray]:
    """Features, answerable, right, the language group and the scope test's p-value (``scope.py``;
    the features do not depend on it) of every message of the realistic set."""
    corpus = load_corpus(ROOT / "faq_corpus" / "shop")
    idx = FaqIndex(corpus, emb, MatchSettings(band_model=None, scope_test=True), cache_dir=cache)
    det = LanguageDetector()
    rows = load_set(SET_DIR)
    texts, langs = [], []
    for r in rows:
        clean = prepare_message(r.text).clean
        texts.append(clean)
        langs.append(det.detect(clean, hints=LanguageHints(locale=r.locale, corpus_languages=corpus.languages)).language)
    res = _search(idx, emb, texts, langs)
    X = np.array([m.features for m in res])
    ans = np.array([bool(r.expected) for r in rows])
    right = np.array([bool(r.expected) and m.matches[0].faq_id in r.expected for r, m in zip(rows, res)])
    scope = np.array([1.0 if m.scope is None else m.scope for m in res])
    return X, ans, right, [r.set for r in rows], scope


def clinc_rows(emb: Any, cache: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    c = ed.clinc150()
    faq = sample_per_label(c["train"], 10)
    in_faq = {t for t, _ in faq}
    rest = [(t, lab) for t, lab in c["train"] if t not in in_faq]
    msgs = sample_per_label(rest, 10, seed=1) + list(c["oos_train"])
    idx = FaqIndex(make_corpus(faq), emb, MatchSettings(band_model=None), cache_dir=cache)
    label_of = {e.id: e.category for e in idx.entries}
    res = _search(idx, emb, [t for t, _ in msgs], ["en"] * len(msgs))
    X = np.array([m.features for m in res])
    ans = np.array([lab != "oos" for _, lab in msgs])
    right = np.array([lab != "oos" and label_of[m.matches[0].faq_id] == lab for (_, lab), m in zip(msgs, res)])
    return X, ans, right


def banking_rows(emb: Any, cache: Path, held_out: int = 20) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    train, _ = ed.banking77()
    intents = sorted({lab for _, lab in train})
    rng = random.Random(0)
    out_int = set(rng.sample(intents, held_out))
    faq = sample_per_label([(t, lab) for t, lab in train if lab not in out_int], 10)
    in_faq = {t for t, _ in faq}
    rest = [(t, lab) for t, lab in train if t not in in_faq]
    msgs = sample_per_label(rest, 8, seed=1)
    idx = FaqIndex(make_corpus(faq), emb, MatchSettings(band_model=None), cache_dir=cache)
    label_of = {e.id: e.category for e in idx.entries}
    res = _search(idx, emb, [t for t, _ in msgs], ["en"] * len(msgs))
    X = np.array([m.features for m in res])
    ans = np.array([lab not in out_int for _, lab in msgs])
    right = np.array([lab not in out_int and label_of[m.matches[0].faq_id] == lab for (_, lab), m in zip(msgs, res)])
    return X, ans, right


def fit_logistic(X: np.ndarray, y: np.ndarray, w: np.ndarray, l2: float = 1.0) -> np.ndarray:
    """Weighted L2-regularised logistic regression (Newton steps); coefficients then intercept."""
    Xb = np.c_[X, np.ones(len(X))]
    beta = np.zeros(Xb.shape[1])
    reg = np.full(Xb.shape[1], l2)
    reg[-1] = 0.0
    for _ in range(100):
        p = 1.0 / (1.0 + np.exp(-np.clip(Xb @ beta, -50, 50)))
        g = Xb.T @ (w * (p - y)) + reg * beta
        h = (Xb * (w * p * (1 - p))[:, None]).T @ Xb + np.diag(reg) + 1e-9 * np.eye(len(beta))
        step = np.linalg.solve(h, g)
        beta -= step
        if np.abs(step).max() < 1e-8:
            break
    return beta


def fit(parts: Sequence[tuple[np.ndarray, np.ndarray, np.ndarray]]) -> BandModel:
    X = np.concatenate([p[0] for p in parts])
    ans = np.concatenate([p[1] for p in parts]).astype(float)
    right = np.concatenate([p[2] for p in parts]).astype(float)
    w = np.concatenate([np.full(len(p[0]), 1.0 / len(p[0])) for p in parts]) * len(X) / len(parts)
    a = fit_logistic(X, ans, w)
    r = fit_logistic(X, right, w)
    return BandModel(tuple(float(x) for x in a), tuple(float(x) for x in r), source="benchmarks/fit_bands.py")


def outcome(model: BandModel, X: np.ndarray, ans: np.ndarray, right: np.ndarray,
            settings: MatchSettings, scope: np.ndarray | None = None) -> dict[str, float]:
    """The band figures of ``model`` on rows ``X``; with ``scope`` (p-values) and ``settings.scope_test``
    the rule of ``decision.band_decision`` with the scope test (held-back messages are not modelled here)."""
    pr, pa = model.p_right(X), model.p_answerable(X)
    b = settings.bands
    if scope is not None and b.scope_test:
        pa = np.where(scope >= b.scope_answerable, 1.0, pa)
    bands = np.array([decide_band(a, p, confident=settings.confident, suggest=settings.suggest,
                                  answerable=settings.answerable) for a, p in zip(pr, pa)])
    if scope is not None and b.scope_test:
        bands[scope < b.scope_alpha] = "no_match"
    conf, nm = bands == "confident", bands == "no_match"
    n_ans, n_unc = max(1, int(ans.sum())), max(1, int((~ans).sum()))
    return {"holding": float((nm & ans).sum() / n_ans), "unc_conf": float((conf & ~ans).sum() / n_unc),
            "conf_wrong": float((conf & ans & ~right).sum() / n_ans), "confident_right": float((conf & right).sum() / n_ans),
            "unc_no_match": float((nm & ~ans).sum() / n_unc)}


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--write", action="store_true", help=f"write the fitted model to {BANDS_FILE}")
    args = ap.parse_args(argv)
    emb = CachedEmbedder(get_embedder("e5-small"))
    import tempfile
    cache = Path(tempfile.mkdtemp(prefix="ra-bands-"))
    Xd, ad, rd, groups, sd = draft_set_rows(emb, cache)
    try:
        sources = [clinc_rows(emb, cache), banking_rows(emb, cache)]
    except ed.EvalDataMissing as exc:
        print(f"(public data missing: {exc}; fitting on the realistic set only)")
        sources = []
    # the realistic set, leave-one-language-group-out; scope test off and on (the default)
    g = np.array(groups)
    for label, settings in (("scope test off (`scope_test = false`)", MatchSettings(scope_test=False)),
                            ("scope test on (the default)", MatchSettings())):
        rows = []
        for name in sorted(set(groups)):
            te = g == name
            m = fit([(Xd[~te], ad[~te], rd[~te]), *sources])
            rows.append((name, outcome(m, Xd[te], ad[te], rd[te], settings, sd[te])))
        pooled = {k: float(np.mean([r[k] for _, r in rows])) for k in rows[0][1]}
        print(f"## Band model: the realistic set, each language group scored by a model fitted without it; {label}\n")
        print("| group | holding to answerable | uncovered confident | confident-wrong | confident-right | uncovered no_match |")
        print("|---|---|---|---|---|---|")
        for name, r in rows + [("mean", pooled)]:
            print(f"| {name} | {r['holding']:.1%} | {r['unc_conf']:.1%} | {r['conf_wrong']:.1%} | {r['confident_right']:.1%} | "
                  f"{r['unc_no_match']:.1%} |")
        print()
    model = fit([(Xd, ad, rd), *sources])
    print("\nfeatures:", ", ".join(FEATURES))
    print("answerable:", [round(x, 3) for x in model.answerable])
    print("right:     ", [round(x, 3) for x in model.right])
    if args.write:
        BANDS_FILE.parent.mkdir(parents=True, exist_ok=True)
        BANDS_FILE.write_text(json.dumps(model.to_dict(), indent=1) + "\n", encoding="utf-8")
        print(f"written to {BANDS_FILE}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
