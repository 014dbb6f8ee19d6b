"""Train the replyassist moderation head (logistic regression on e5-small vectors + hashed n-grams).

    python models/moderation/train.py              # vectors + n-grams (the shipped head)
    python models/moderation/train.py --no-ngram   # vectors only (the head before n-grams)

One logistic regression over the message's e5 vector and its hashed word and character
n-grams (:mod:`replyassist.signals.ngrams`, ``--ngram-buckets``); at run time the n-gram
weights are a float16 column added to the vector's logit.

Data: GermEval 2018 development file only (``../shared/eval/germeval2018_offensive_de``),
OFFENSE vs OTHER, split 80/20 stratified with seed 0 as in ``benchmarks/moderation.py``.

1. Held-out run: fit on the 80% part; the decision threshold is chosen by 5-fold
   cross-validation *inside* the 80% part as the lowest threshold whose out-of-fold precision
   is at least ``--target-precision`` (a moderator queue must not be flooded); saved as
   ``moderation_head_heldout.npz`` and scored by the benchmark on the 20% part.
2. Final head: the same procedure on all development items -> ``moderation_head.npz``.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from benchmarks import moderation as bench  # noqa: E402

from replyassist.signals.sentiment import default_model_dir  # noqa: E402

OUT = Path(__file__).resolve().parent            # the held-out head: for benchmarks/moderation.py, not shipped
SHIPPED = default_model_dir("moderation")        # replyassist/models/moderation: package data, loaded at run time


def design(vecs: np.ndarray, texts: list[str], buckets: int):
    """[vector | n-grams] as one sparse matrix (n-grams omitted when ``buckets`` is 0)."""
    from scipy import sparse
    V = sparse.csr_matrix(np.asarray(vecs, np.float64))
    if not buckets:
        return V
    from replyassist.signals.ngrams import ngram_matrix
    indptr, indices, data = ngram_matrix(texts, n_buckets=buckets)
    G = sparse.csr_matrix((data.astype(np.float64), indices, indptr), shape=(len(texts), buckets))
    return sparse.hstack([V, G], format="csr")


def choose_threshold(X, y: np.ndarray, C: float, target: float, seed: int) -> float:
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold
    oof = np.zeros(len(y))
    for tr, va in StratifiedKFold(5, shuffle=True, random_state=seed).split(X, y):
        clf = LogisticRegression(C=C, max_iter=3000, class_weight="balanced").fit(X[tr], y[tr])
        oof[va] = clf.predict_proba(X[va])[:, 1]
    for thr in np.arange(0.30, 0.99, 0.01):
        pred = oof >= thr
        if pred.sum() and (y[pred] == 1).mean() >= target:
            return float(round(thr, 2))
    return 0.99


def fit(X, y, C, target, seed):
    from sklearn.linear_model import LogisticRegression
    thr = choose_threshold(X, y, C, target, seed)
    clf = LogisticRegression(C=C, max_iter=3000, class_weight="balanced").fit(X, y)
    return clf.coef_[0].astype(np.float32), float(clf.intercept_[0]), thr


def save(path: Path, w, b, thr, meta, dim: int = 384) -> None:
    arrays = dict(W=w[:dim, None].astype(np.float32), b=np.array([b], np.float32), threshold=np.array(thr),
                  meta=np.array(json.dumps(meta)))
    if len(w) > dim:  # the n-gram part: one logit column, no bias of its own
        arrays.update(ngram_W=w[dim:, None].astype(np.float16), ngram_b=np.zeros(1, np.float32))
    np.savez_compressed(path, **arrays)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--C", type=float, default=4.0)
    ap.add_argument("--target-precision", type=float, default=0.75)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--ngram-buckets", type=int, default=2 ** 18)
    ap.add_argument("--no-ngram", dest="ngram_buckets", action="store_const", const=0)
    args = ap.parse_args()
    from scipy import sparse
    tr, te = bench.germeval_split(args.seed)
    Xtr = design(bench.vectors([t for t, _, _ in tr]), [t for t, _, _ in tr], args.ngram_buckets)
    ytr = np.array([y for _, y, _ in tr])
    w, b, thr = fit(Xtr, ytr, args.C, args.target_precision, args.seed)
    meta = {"data": "GermEval 2018 development file, 80% part", "n": len(tr), "C": args.C,
            "target_precision": args.target_precision, "threshold": thr, "class_weight": "balanced",
            "ngram_buckets": args.ngram_buckets}
    save(OUT / "moderation_head_heldout.npz", w, b, thr, meta)
    print(f"held-out head: threshold {thr}", file=sys.stderr)
    Xte = design(bench.vectors([t for t, _, _ in te]), [t for t, _, _ in te], args.ngram_buckets)
    yte = np.array([y for _, y, _ in te])
    X, y = sparse.vstack([Xtr, Xte], format="csr"), np.concatenate([ytr, yte])
    w, b, thr = fit(X, y, args.C, args.target_precision, args.seed)
    meta = dict(meta, data="GermEval 2018 development file, all items", n=len(y), threshold=thr)
    SHIPPED.mkdir(parents=True, exist_ok=True)
    save(SHIPPED / "moderation_head.npz", w, b, thr, meta)
    print(f"final head: threshold {thr}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
