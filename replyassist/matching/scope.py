"""The scope test: is a message about anything the FAQ is asked about at all? (issue 14)

A conformal out-of-scope test fitted on the corpus alone. Every held-out paraphrase of the corpus
(5-fold cross-fitting, :func:`~replyassist.matching.calibration.cross_fit`) is scored against a
scorer fitted without it, exactly as a message is: its **plain similarity** to the closest of
its top entries (the main embedder's cosine to the entry's centroid, :attr:`MatchResult.similarity`)
and, where the second embedder reads it (English with all-MiniLM-L6-v2), the second model's plain
cosine to those entries' centroids. Each similarity is standardised by the mean and spread of the
held-out paraphrases' own, and the two standardised values averaged: the **scope score**. A
message's **scope p-value** is the share of held-out paraphrases (scored the same way) that
score no higher:

    p = (1 + #{held-out paraphrases with a score <= the message's}) / (1 + #held-out paraphrases)

Under the usual exchangeability assumption a message the FAQ answers gets ``p < alpha`` with
probability about ``alpha``, whatever the share of unanswerable messages: the test controls the
rate of holding replies to answerable messages, and its threshold is never tuned on messages.
With ``BandSettings.scope_test`` on, a message whose p-value is below ``BandSettings.scope_alpha``
is ``no_match`` (:func:`~replyassist.matching.decision.band_decision`).

Why these signals (measured on CLINC150 with 10 paraphrases per intent and on Banking77 with 20
intents held out of the FAQ; docs/matching.md): the plain similarity separated out-of-scope
messages best of every signal tried (whitened scores, Mahalanobis distance, the softmax head's
energy and maximum probability, nearest-paraphrase and k-nearest similarity, per-entry
thresholds from each entry's own paraphrase spread), and averaging it with the second
embedder's raised the area under the ROC curve on CLINC150 from 0.972 to 0.982. Per-entry
thresholds were worse (0.90-0.97): ten paraphrases do not measure an entry's spread.

>>> import numpy as np
>>> st = ScopeStats.from_scores(np.linspace(0.80, 0.95, 200), None, None)
>>> round(st.p_value(0.95, None), 3), st.p_value(0.70, None) < 0.01
(1.0, True)
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import numpy as np

from .calibration import cross_fit
from .scoring import EntryScorer, l2_normalise

__all__ = ["ScopeStats", "ScopeTest", "fit_scope", "load_or_fit_scope", "SCOPE_FORMAT", "MIN_SCOPE_ITEMS"]

#: Version of the fitted scope files (``*-scope.json`` in the cache folder).
SCOPE_FORMAT = 1
#: Fewest held-out paraphrases for the empirical p-value; below it a normal tail is used.
MIN_SCOPE_ITEMS = 100


def _std(x: np.ndarray) -> float:
    s = float(np.std(x)) if len(x) > 1 else 0.0
    return s if s > 1e-6 else 1e-6


@dataclass(frozen=True)
class ScopeStats:
    """What the scope test learned from a corpus's held-out paraphrases.

    ``main``: the sorted standardised similarities (main embedder) of every held-out paraphrase;
    ``both``: the sorted scope scores (mean of the two standardised similarities) of the held-out
    paraphrases the second embedder reads (empty without one); ``main_mean`` / ``main_std`` and
    ``second_mean`` / ``second_std``: the standardisation.
    """

    main: tuple[float, ...]
    both: tuple[float, ...]
    main_mean: float
    main_std: float
    second_mean: float = 0.0
    second_std: float = 1.0

    @classmethod
    def from_scores(cls, sim: np.ndarray, sim2: np.ndarray | None, read: np.ndarray | None) -> "ScopeStats":
        """From the held-out similarities ``sim`` (main embedder, one per item) and ``sim2`` (the
        second embedder's, for the items where ``read`` is true)."""
        sim = np.asarray(sim, dtype=np.float64)
        m1, s1 = float(sim.mean()), _std(sim)
        z1 = (sim - m1) / s1
        both: np.ndarray = np.zeros(0)
        m2, s2 = 0.0, 1.0
        if sim2 is not None and read is not None and int(np.sum(read)) >= 2:
            v2 = np.asarray(sim2, dtype=np.float64)[np.asarray(read, dtype=bool)]
            m2, s2 = float(v2.mean()), _std(v2)
            both = 0.5 * (z1[np.asarray(read, dtype=bool)] + (v2 - m2) / s2)
        return cls(tuple(round(float(x), 6) for x in np.sort(z1)), tuple(round(float(x), 6) for x in np.sort(both)),
                   m1, s1, m2, s2)

    def score(self, sim: float, sim2: float | None) -> float:
        """The scope score of a message: its standardised similarity, averaged with the second
        embedder's when there is one (``sim2`` not ``None``) and the corpus has its statistics."""
        z = (float(sim) - self.main_mean) / self.main_std
        if sim2 is None or not self.both or not math.isfinite(sim2):
            return z
        return 0.5 * (z + (float(sim2) - self.second_mean) / self.second_std)

    def p_value(self, sim: float, sim2: float | None) -> float:
        """The share of held-out paraphrases scoring no higher (conformal p-value, see the module)."""
        two = sim2 is not None and bool(self.both) and math.isfinite(sim2)
        ref = np.asarray(self.both if two else self.main)
        u = self.score(sim, sim2 if two else None)
        if len(ref) >= MIN_SCOPE_ITEMS:
            return float((1 + np.searchsorted(ref, u, side="right")) / (1 + len(ref)))
        if len(ref) < 2:
            return 1.0
        # few items: a normal tail on the items' own standardisation
        mu, sd = float(ref.mean()), _std(ref)
        return float(0.5 * math.erfc(-(u - mu) / (sd * math.sqrt(2.0))))

    def to_dict(self) -> dict[str, Any]:
        return {"format": SCOPE_FORMAT, "main": list(self.main), "both": list(self.both),
                "main_mean": self.main_mean, "main_std": self.main_std,
                "second_mean": self.second_mean, "second_std": self.second_std}

    @classmethod
    def from_dict(cls, data: Any) -> "ScopeStats | None":
        """The statistics from :meth:`to_dict`'s mapping, or ``None`` when it is not one (an older
        or damaged file: the caller refits)."""
        try:
            if not isinstance(data, dict) or data.get("format") != SCOPE_FORMAT:
                return None
            main = tuple(float(x) for x in data["main"])
            both = tuple(float(x) for x in data["both"])
            nums = [float(data[k]) for k in ("main_mean", "main_std", "second_mean", "second_std")]
            if not all(math.isfinite(x) for x in (*main, *both, *nums)) or nums[1] <= 0 or nums[3] <= 0:
                return None
            return cls(main, both, *nums)
        except (KeyError, TypeError, ValueError):
            return None


def _centroids(vecs: np.ndarray, entry: np.ndarray, n_entries: int) -> np.ndarray:
    """Unit-length mean vector per entry (NaN rows for entries without a vector)."""
    x = l2_normalise(np.asarray(vecs, dtype=np.float32)).astype(np.float64)
    sums = np.zeros((n_entries, x.shape[1]))
    np.add.at(sums, entry, x)
    counts = np.bincount(entry, minlength=n_entries)
    out = np.full((n_entries, x.shape[1]), np.nan)
    ok = counts > 0
    out[ok] = l2_normalise(sums[ok].astype(np.float32))
    return out


def _max_sim(v: np.ndarray, centroids: np.ndarray, ents: np.ndarray) -> np.ndarray:
    """Per row ``i``: the highest cosine between ``v[i]`` and the centroids of ``ents[i]`` (NaN
    centroids skipped; NaN when all are)."""
    c = centroids[ents]                                    # (n, k, d)
    s = np.einsum("nkd,nd->nk", c, l2_normalise(np.asarray(v, dtype=np.float32)).astype(np.float64))
    s = np.where(np.isnan(s), -np.inf, s)
    out = s.max(axis=1)
    return np.where(np.isfinite(out), out, np.nan)


def fit_scope(para_vecs: np.ndarray, para_entry: np.ndarray, n_entries: int, *, scorer_kw: dict[str, Any],
              second: Any = None, second_pos: np.ndarray | None = None, top_k: int = 5, seed: int = 0,
              extra_fn: Callable[[np.ndarray, np.ndarray], Any] | None = None) -> ScopeStats | None:
    """The scope statistics of a corpus from its held-out paraphrases (see the module).

    ``para_vecs`` / ``para_entry``: the main embedder's paraphrase vectors and their entries;
    ``scorer_kw``: as for :class:`~replyassist.matching.scoring.EntryScorer` (with ``para_group``);
    ``second``: the :class:`~replyassist.matching.second_opinion.SecondOpinion` in use (or ``None``)
    and ``second_pos``: each paraphrase's row in its vectors (-1: a language it does not read).
    ``None`` when the corpus gives no held-out paraphrase (every entry has one question) or is
    scored on its large-corpus path (above 20,000 paraphrases: no per-fold scorers).
    """
    para_entry = np.asarray(para_entry, dtype=np.int64)
    sims: list[np.ndarray] = []
    sims2: list[np.ndarray] = []
    reads: list[np.ndarray] = []
    k = max(1, min(int(top_k), n_entries))
    vecs2 = None if second is None else second.vectors
    entry2 = None if second is None else second.para_entry

    def on_fold(sc: EntryScorer, train: np.ndarray, test: np.ndarray, best: np.ndarray) -> None:
        q = para_vecs[test]
        s = sc.scores(sc.transform(q))
        extra = extra_fn(train, test) if extra_fn is not None else None
        if extra is not None:
            for i, (e, v) in enumerate(extra):
                if len(e):
                    s[i, e] += np.asarray(v, dtype=s.dtype)
        read = np.zeros(len(test), dtype=bool)
        sim2 = np.full(len(test), np.nan)
        if second is not None and second_pos is not None:
            read = second_pos[test] >= 0
            tr2 = second_pos[train][second_pos[train] >= 0]
            if read.any() and len(tr2):
                t2 = second_pos[test][read]
                s2 = second.fold_scores(tr2, t2)
                s2 = np.where(np.isnan(s2), s[read], s2)
                w = float(second.weight)
                s = s.copy()
                s[read] = (s[read] + w * s2) / (1.0 + w)
        ents = np.argsort(-s, axis=1, kind="stable")[:, :k]
        sim = sc.similarity(q, ents[:, 0]).astype(np.float64)
        for j in range(1, k):
            sim = np.maximum(sim, sc.similarity(q, ents[:, j]))
        if read.any() and vecs2 is not None and entry2 is not None:
            tr2 = second_pos[train][second_pos[train] >= 0]          # type: ignore[index]
            cen2 = _centroids(vecs2[tr2], entry2[tr2], n_entries)
            sim2[read] = _max_sim(vecs2[second_pos[test][read]], cen2, ents[read])   # type: ignore[index]
            read = read & np.isfinite(sim2)
        sims.append(sim)
        sims2.append(sim2)
        reads.append(read)

    cross_fit(para_vecs, para_entry, n_entries, on_fold=on_fold, seed=seed, sim_k=1, **scorer_kw)
    if not sims:
        return None
    sim_all = np.concatenate(sims)
    read_all = np.concatenate(reads)
    return ScopeStats.from_scores(sim_all, np.concatenate(sims2) if read_all.any() else None,
                                  read_all if read_all.any() else None)


class ScopeTest:
    """The scope test of one index: :class:`ScopeStats` and the second embedder's entry centroids.

    ``p_values(sim, v2, ents2)``: one p-value per message from its plain similarity ``sim``
    (already shifted by the cross-lingual margin where the gate is) and, for the messages the
    second embedder read, its vectors ``v2`` and top entries ``ents2``.
    """

    def __init__(self, stats: ScopeStats, second: Any = None) -> None:
        self.stats = stats
        self.second_centroids: np.ndarray | None = None
        if second is not None and stats.both:
            self.second_centroids = _centroids(second.vectors, second.para_entry, int(second.n_entries))

    def second_similarity(self, v2: np.ndarray, ents: np.ndarray) -> np.ndarray:
        """The second embedder's plain cosine between each row of ``v2`` and the closest of its ``ents``
        (NaN where none of them has a question the second embedder reads)."""
        if self.second_centroids is None or len(v2) == 0:
            return np.full(len(v2), np.nan)
        return _max_sim(v2, self.second_centroids, np.asarray(ents, dtype=np.int64))

    def p_values(self, sim: Sequence[float] | np.ndarray, sim2: Sequence[float | None]) -> list[float]:
        return [self.stats.p_value(float(a), None if b is None or not math.isfinite(b) else float(b))
                for a, b in zip(sim, sim2)]

    def search_p_values(self, index: Any, sim: np.ndarray, ents: np.ndarray, rows: np.ndarray, v2: np.ndarray | None,
                        owner: np.ndarray, languages: Sequence[str | None] | None) -> list[float]:
        """The p-value of every row of one :meth:`FaqIndex.search` call.

        ``sim``: the rows' plain similarities (a message's already its best segment's); ``ents``:
        each row's listed entries; ``rows`` / ``v2``: the rows the second embedder read and their
        vectors; ``owner``: each segment row's message row (-1 for a message); ``languages``: for
        the cross-lingual margin (a message in a language its top entry has no question in is
        compared as if it were ``cross_lingual_margin`` more similar, as the similarity gate is).
        """
        n = len(sim)
        sim2 = np.full(n, np.nan)
        if v2 is not None and len(rows) and self.second_centroids is not None:
            seg = owner[rows] >= 0
            width = np.where(seg, 1, ents.shape[1])
            for w in np.unique(width).tolist():
                pick = width == w
                sim2[rows[pick]] = self.second_similarity(v2[pick], ents[rows[pick], :w])
            for i in np.flatnonzero(owner >= 0).tolist():   # a message's own or its best segment's
                m = int(owner[i])
                if np.isfinite(sim2[i]) and not sim2[m] >= sim2[i]:
                    sim2[m] = sim2[i]
        shift = np.zeros(n)
        if languages is not None:
            margin = float(index.settings.bands.cross_lingual_margin)
            for i, lang in enumerate(languages):
                if lang and lang not in index._entry_languages[int(ents[i, 0])]:
                    shift[i] = margin
        return self.p_values(np.asarray(sim, dtype=np.float64) + shift,
                             [None if not np.isfinite(x) else float(x) for x in sim2])


def load_or_fit_scope(index: Any) -> ScopeTest | None:
    """The scope test of a :class:`~replyassist.matching.FaqIndex`: its statistics read from the cache
    folder (or shipped beside the demo corpus's vectors), else fitted now and cached next to the
    fitted calibration (``<calibration file>-scope<N>[-s].json``). ``None`` when the corpus gives
    no held-out paraphrase (:func:`fit_scope`)."""
    import json

    from .cache import atomic_write
    from .scoring import blas_threads

    stem = str(index.calibration_file)
    stem = stem[:-5] if stem.endswith(".json") else stem
    name = f"{stem}-scope{SCOPE_FORMAT}{'-s' if index.second is not None else ''}.json"
    path = None if index.cache.dir is None else index.cache.dir / name
    shipped = None if index.cache.shipped_dir is None else index.cache.shipped_dir / name
    for where in (path, shipped):
        if where is not None and where.is_file():
            try:
                stats = ScopeStats.from_dict(json.loads(where.read_text(encoding="utf-8")))
            except (OSError, ValueError):
                stats = None
            if stats is not None:
                return ScopeTest(stats, index.second)

    def keyword_scores(train: np.ndarray, test: np.ndarray) -> Any:
        return index._keyword_extra(index._keyword_index(train), [index.texts[t] for t in test.tolist()])

    with blas_threads(index.settings.index.blas_threads):
        fitted = fit_scope(index.para_vecs, index.para_entry, len(index.entries), scorer_kw=index._scorer_kw,
                           second=index.second, second_pos=index._second_pos, top_k=index.settings.top_k,
                           extra_fn=keyword_scores if index.settings.scoring.keyword_weight > 0 else None)
    if fitted is None:
        return None
    if path is not None:
        blob = json.dumps(fitted.to_dict()).encode("utf-8")
        atomic_write(path, lambda fh: fh.write(blob))
    return ScopeTest(fitted, index.second)
