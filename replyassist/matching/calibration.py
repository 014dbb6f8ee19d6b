"""Calibration: the probability that a message's top entry is right, learned from the corpus itself.

:func:`cross_fit` scores each held-out paraphrase of the corpus with a scorer fitted without it
(5-fold cross-fitting); :class:`Calibrator` turns ``(top score, margin to the second)`` into a
probability by a small logistic regression fitted on those held-out items (:func:`fit_coef`,
towards the prior :data:`DEFAULT_CALIBRATION`). The same held-out items give the corpus's
learned no-match similarity gate and its self-test accuracy (:class:`~replyassist.matching.FaqIndex`).

>>> c = Calibrator(DEFAULT_CALIBRATION)
>>> round(float(c(np.array([0.6]), np.array([0.3]))[0]), 3)
0.989
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

from .scoring import EntryScorer, Extra, l2_normalise

__all__ = ["Calibrator", "cross_fit", "fit_coef", "DEFAULT_CALIBRATION", "MIN_CALIBRATION_ITEMS"]

#: Calibration used when a corpus has too few paraphrases to fit its own (fewer than
#: ``MIN_CALIBRATION_ITEMS`` held-out paraphrases): the mean of the coefficients fitted on
#: Banking77 and CLINC150 development corpora (see docs/matching.md). Also the prior of every fit.
DEFAULT_CALIBRATION = (4.0, 13.0, -1.8)
#: Fewest held-out paraphrases to fit a corpus's own calibration and no-match gate.
MIN_CALIBRATION_ITEMS = 20


def cross_fit(para_vecs: np.ndarray, para_entry: np.ndarray, n_entries: int, *, folds: int = 5,
              max_items: int = 2000, seed: int = 0, large: int = 20000,
              extra_fn: Callable[[np.ndarray, np.ndarray], Extra] | None = None,
              on_fold: Callable[["EntryScorer", np.ndarray, np.ndarray, np.ndarray], None] | None = None,
              sim_k: int = 1,
              **scorer_kw: object
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Score held-out paraphrases against a scorer fitted without them (K-fold cross-fitting).

    Only entries with at least two paraphrases give held-out items; their paraphrases are dealt
    round-robin into ``folds`` folds (from a seeded random start) so that every entry keeps at
    least one paraphrase in each training part. Returns ``(top, second, sim, correct)``: the best
    and second-best score of each held-out paraphrase, its plain similarity (the highest among
    its ``sim_k`` best entries, as :meth:`FaqIndex.search` measures it) and whether the best
    entry is its own entry.
    These are the data for the per-corpus confidence calibration and the self-test accuracy.
    ``on_fold(scorer, train, test, best)`` is called with each fold's fitted scorer and the best
    entry it gave each ``test`` item (to score the same held-out items another way without
    refitting; not called on the large-corpus path).
    """
    para_entry = np.asarray(para_entry, dtype=np.int64)
    if len(para_entry) > large:
        return _leave_one_out_fixed(para_vecs, para_entry, n_entries, max_items=max_items, seed=seed, **scorer_kw)
    rng = np.random.default_rng(seed)
    counts = np.bincount(para_entry, minlength=n_entries)
    order = np.lexsort((rng.random(len(para_entry)), para_entry))   # by entry, shuffled within
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    rank = np.arange(len(order)) - np.repeat(starts, counts)
    offsets = rng.integers(folds, size=n_entries)
    fold_of = np.empty(len(para_entry), dtype=np.int64)
    fold_of[order] = np.where(counts[para_entry[order]] >= 2, (rank + offsets[para_entry[order]]) % folds, -1)
    held = np.flatnonzero(fold_of >= 0)
    if len(held) == 0 or n_entries < 2:
        e = np.empty(0)
        return e, e, e, e.astype(bool)
    keep_n = min(len(held), max_items)
    chosen = np.zeros(len(para_entry), dtype=bool)
    chosen[rng.choice(held, size=keep_n, replace=False)] = True
    tops, seconds, sims, correct = [], [], [], []
    for f in range(folds):
        test = np.flatnonzero((fold_of == f) & chosen)
        if len(test) == 0:
            continue
        train = np.flatnonzero(fold_of != f)
        kw = dict(scorer_kw)
        if kw.get("para_group") is not None:
            kw["para_group"] = np.asarray(kw["para_group"])[train]
        sc = EntryScorer(para_vecs[train], para_entry[train], n_entries, **kw)  # type: ignore[arg-type]
        extra = extra_fn(train, test) if extra_fn is not None else None
        ents, top, _ = sc.top_k(para_vecs[test], max(2, sim_k), extra=extra)
        tops.append(top[:, 0])
        seconds.append(top[:, 1] if top.shape[1] > 1 else np.full(len(test), -1.0))
        sim = sc.similarity(para_vecs[test], ents[:, 0])
        for j in range(1, min(sim_k, ents.shape[1])):
            sim = np.maximum(sim, sc.similarity(para_vecs[test], ents[:, j]))
        sims.append(sim)
        correct.append(ents[:, 0] == para_entry[test])
        if on_fold is not None:
            on_fold(sc, train, test, ents[:, 0])
    if not tops:
        e = np.empty(0)
        return e, e, e, e.astype(bool)
    return np.concatenate(tops), np.concatenate(seconds), np.concatenate(sims), np.concatenate(correct)


def _leave_one_out_fixed(para_vecs: np.ndarray, para_entry: np.ndarray, n_entries: int, *, max_items: int,
                         seed: int, **scorer_kw: object) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    sc = EntryScorer(para_vecs, para_entry, n_entries, **scorer_kw)  # type: ignore[arg-type]
    rng = np.random.default_rng(seed)
    eligible = np.flatnonzero(sc.counts[para_entry] >= 2)
    if len(eligible) == 0:
        e = np.empty(0)
        return e, e, e, e.astype(bool)
    pick = np.sort(rng.choice(eligible, size=min(max_items, len(eligible)), replace=False))
    own = para_entry[pick]
    z = sc.transform(para_vecs[pick])
    ents, top, _ = sc.top_k(z, 3, transformed=True)
    cw = sc.centroid_weight
    own_s = np.empty(len(pick), dtype=np.float64)
    raw = l2_normalise(para_vecs[pick])
    for i, (p, e) in enumerate(zip(pick, own)):
        a, c = sc.starts[e], sc.counts[e]
        pos = np.flatnonzero(sc.order[a:a + c] != p) + a          # the entry's other paraphrases
        cen = float(z[i] @ l2_normalise((sc.sums[e] - z[i])[None])[0])
        own_s[i] = cw * cen + (1.0 - cw) * float((sc.para_z[pos] @ z[i]).max())
        h = sc.head_scores(z[i:i + 1])
        if h is not None:  # (the head was trained with this paraphrase: slightly optimistic)
            own_s[i] += float(h[0, e])
    tops, seconds, sims, correct = [], [], [], []
    for i in range(len(pick)):
        others = [(float(s), int(e)) for s, e in zip(top[i], ents[i]) if e != own[i]]
        cand = sorted(others + [(own_s[i], int(own[i]))], reverse=True)
        tops.append(cand[0][0])
        seconds.append(cand[1][0] if len(cand) > 1 else -1.0)
        correct.append(cand[0][1] == own[i])
        # (the held-out paraphrase still counts in its own centroid here: slightly optimistic)
        sims.append(float(sc.similarity(raw[i:i + 1], np.array([cand[0][1]]))[0]))
    return np.array(tops), np.array(seconds), np.array(sims), np.array(correct)


@dataclass(frozen=True)
class Calibrator:
    """``P(top entry is right) = sigmoid(a * top + b * (top - second) + c)``.

    :meth:`fit` is a small L2-regularised logistic regression (Newton steps) towards ``prior``.

    >>> c = Calibrator((10.0, 0.0, -5.0))
    >>> round(float(c(np.array([0.5]), np.array([0.4]))[0]), 2)
    0.5
    """

    coef: tuple[float, float, float]

    @staticmethod
    def features(top: np.ndarray, second: np.ndarray) -> np.ndarray:
        top = np.asarray(top, dtype=np.float64)
        return np.stack([top, top - np.asarray(second, dtype=np.float64), np.ones_like(top)], axis=1)

    def __call__(self, top: np.ndarray, second: np.ndarray) -> np.ndarray:
        z = self.features(top, second) @ np.asarray(self.coef)
        return 1.0 / (1.0 + np.exp(-np.clip(z, -50.0, 50.0)))

    @classmethod
    def fit(cls, top: np.ndarray, second: np.ndarray, correct: np.ndarray, *,
            prior: tuple[float, float, float], l2: float = 1.0) -> "Calibrator":
        x = cls.features(top, second)
        y = np.asarray(correct, dtype=np.float64)
        w0 = np.asarray(prior, dtype=np.float64)
        w = w0.copy()
        for _ in range(100):
            p = 1.0 / (1.0 + np.exp(-np.clip(x @ w, -50.0, 50.0)))
            g = x.T @ (p - y) + l2 * (w - w0)
            h = (x * (p * (1.0 - p))[:, None]).T @ x + l2 * np.eye(3)
            step = np.linalg.solve(h, g)
            w -= step
            if np.abs(step).max() < 1e-7:
                break
        return cls((float(w[0]), float(w[1]), float(w[2])))


def fit_coef(top: np.ndarray, second: np.ndarray, correct: np.ndarray, *, calibrate: bool = True,
             fallback: Sequence[float] = DEFAULT_CALIBRATION) -> tuple[tuple[float, ...], str]:
    """``(coefficients, "corpus" | "default")``: a :class:`Calibrator` fitted on held-out items when
    ``calibrate`` is on, there are at least :data:`MIN_CALIBRATION_ITEMS` of them and they are
    neither all right nor all wrong; else ``fallback``.

    >>> fit_coef(np.array([0.5]), np.array([0.4]), np.array([True]))
    ((4.0, 13.0, -1.8), 'default')
    """
    if calibrate and len(top) >= MIN_CALIBRATION_ITEMS and 0 < correct.sum() < len(correct):
        return tuple(Calibrator.fit(top, second, correct, prior=DEFAULT_CALIBRATION, l2=1.0).coef), "corpus"
    return tuple(fallback), "default"
