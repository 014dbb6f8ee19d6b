"""Scoring: how well each FAQ entry fits a message vector (used by :class:`~replyassist.matching.FaqIndex`
and the benchmarks).

Nothing here knows about corpora or files: inputs are paraphrase vectors, the entry number of
each paraphrase, and message vectors. Everything is numpy.

The scorer, in order:

1. **Corpus-trained whitening** (``shrinkage``; LDA with a shared within-entry covariance):
   ``W = (S_w + a * mean_eig(S_w) * I)^(-1/2)`` where ``S_w`` is the scatter of the corpus's
   paraphrases around their entry means. Directions in which paraphrases of *one* entry differ
   (wording, and language, when the corpus has paraphrases in several languages) are shrunk;
   directions that separate entries are kept. Fitted in closed form (one 384x384 eigen-
   decomposition, a few ms) whenever the index is built, so it follows the corpus.
2. **Centroid + nearest paraphrase**: ``score = w * cos(z, centroid) + (1 - w) * max cos(z, p)``,
   plus, when ``head_weight > 0``, ``head_weight * log P(entry | z) / 10`` from a softmax head
   trained on the whitened paraphrases (corpora up to ``head_max_entries`` entries).
3. For large corpora (more than ``4 * candidates`` entries) a fast pass over the centroids projected
   on their top ``candidate_dims`` principal directions picks ``candidates`` entries per message,
   and only those are scored exactly (centroid and paraphrases).

>>> rng = np.random.default_rng(0)
>>> p = l2_normalise(rng.normal(size=(6, 8)))
>>> s = EntryScorer(p, np.array([0, 0, 1, 1, 2, 2]), 3)
>>> idx, scores, para = s.top_k(p[[0, 3]], 2)
>>> idx[:, 0].tolist()
[0, 1]
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Iterator, Sequence

import numpy as np

__all__ = ["l2_normalise", "EntryScorer", "fit_whitening", "blas_threads", "train_softmax_head", "Extra",
           "MIN_ENTRIES_TO_WHITEN", "HEAD_MIN_MEAN_PARAPHRASES"]


def l2_normalise(x: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length (zero rows stay zero), as float32."""
    x = np.asarray(x, dtype=np.float32)
    n = np.linalg.norm(x, axis=-1, keepdims=True)
    n[n == 0] = 1.0
    return x / n


#: Per message, (entry numbers, values) to add to the scores.
Extra = Sequence[tuple[np.ndarray, np.ndarray]]

_CONTROLLER: Any = None


@contextmanager
def blas_threads(n: int | None) -> Iterator[None]:
    """Limit BLAS to ``n`` threads inside the block (``None``: leave it alone).

    Matching does small matrix-vector products; on a busy machine, multi-threaded BLAS made
    them 5x slower in wall time (benchmarks/matching.py: 10k entries, 21 ms -> 4 ms per message).
    Uses ``threadpoolctl`` when installed, else does nothing.
    """
    global _CONTROLLER
    if n is None:
        yield
        return
    if _CONTROLLER is None:
        try:
            from threadpoolctl import ThreadpoolController
            _CONTROLLER = ThreadpoolController()
        except Exception:  # pragma: no cover - optional dependency
            _CONTROLLER = False
    if not _CONTROLLER:
        yield
        return
    with _CONTROLLER.limit(limits=n, user_api="blas"):
        yield


def _eigh(m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    # A 384x384 eigendecomposition takes ~50 ms on one thread but can take a second when
    # BLAS threads compete with other processes on a busy machine: run it single-threaded.
    with blas_threads(1):
        return np.linalg.eigh(m)


def fit_whitening(vecs: np.ndarray, labels: np.ndarray, shrinkage: float) -> tuple[np.ndarray, np.ndarray]:
    """``(mean, W)``: the corpus mean and the shrunk within-entry whitening matrix.

    With no within-entry variation (one paraphrase per entry) ``W`` is the identity.
    """
    x = np.asarray(vecs, dtype=np.float64)
    mu = x.mean(axis=0)
    d = x.shape[1]
    n_lab = int(labels.max()) + 1
    counts = np.bincount(labels, minlength=n_lab).astype(np.float64)
    sums = np.zeros((n_lab, d))
    np.add.at(sums, labels, x)
    means = sums / np.maximum(counts, 1)[:, None]
    resid = x - means[labels]
    sw = resid.T @ resid / max(len(x), 1)
    eig, vec = _eigh(sw)
    eig = np.maximum(eig, 0.0)
    scale = eig.mean()
    if scale <= 1e-12 or shrinkage <= 0 and (eig <= 1e-12).any():
        return mu.astype(np.float32), np.eye(d, dtype=np.float32)
    w = vec @ np.diag(1.0 / np.sqrt(eig + shrinkage * scale)) @ vec.T
    # keep the overall scale near 1 so that scores stay in a familiar range
    w /= np.sqrt(np.mean(1.0 / (eig + shrinkage * scale)))
    return mu.astype(np.float32), w.astype(np.float32)


#: Corpora with fewer entries are scored by plain cosine (no centring/whitening).
MIN_ENTRIES_TO_WHITEN = 5
#: The softmax head needs this many paraphrases per entry on average: with 3 (Banking77-3) it
#: gained nothing and made the confidence less calibrated (ECE 0.012 -> 0.053).
HEAD_MIN_MEAN_PARAPHRASES = 4


class EntryScorer:
    """Scores messages against FAQ entries.

    ``para_vecs`` ``(p, dim)``: paraphrase vectors; ``para_entry`` ``(p,)``: entry number
    (0..n_entries-1) of each; every entry needs at least one paraphrase.
    """

    def __init__(self, para_vecs: np.ndarray, para_entry: np.ndarray, n_entries: int, *,
                 centroid_weight: float = 0.5, whiten: bool = True, shrinkage: float = 3.0,
                 candidates: int = 128, candidate_dims: int = 128, para_group: np.ndarray | None = None,
                 head_weight: float = 0.0, head_steps: int = 20, head_max_entries: int = 1000) -> None:
        para_entry = np.asarray(para_entry, dtype=np.int64)
        if para_vecs.shape[0] != para_entry.shape[0]:
            raise ValueError("para_vecs and para_entry differ in length")
        self.n_entries = int(n_entries)
        counts = np.bincount(para_entry, minlength=self.n_entries)
        if len(counts) > self.n_entries or (counts == 0).any():
            raise ValueError("every entry needs at least one paraphrase, and entry numbers < n_entries")
        self.centroid_weight = float(centroid_weight)
        self.candidates = int(candidates)
        order = np.argsort(para_entry, kind="stable")
        self.order = order                       # sorted position -> original paraphrase index
        self.para_entry = para_entry[order]
        self.counts = counts
        self.starts = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)
        raw = l2_normalise(para_vecs)[order]
        # With a handful of entries the corpus mean is nearly one of them: centring would erase it.
        self.W: np.ndarray | None
        if whiten and self.n_entries >= MIN_ENTRIES_TO_WHITEN:
            self.mean, self.W = fit_whitening(raw, self.para_entry, shrinkage)
        else:
            self.mean, self.W = np.zeros(raw.shape[1], np.float32), None
        self.para_z = np.ascontiguousarray(self.transform(raw))
        self.sums = np.add.reduceat(self.para_z, self.starts, axis=0)
        self.centroids = np.ascontiguousarray(l2_normalise(self.sums))
        self.head_weight = float(head_weight)
        self.head: tuple[np.ndarray, np.ndarray] | None = None
        if (self.head_weight > 0 and 2 <= self.n_entries <= head_max_entries
                and counts.mean() >= HEAD_MIN_MEAN_PARAPHRASES):
            self.head = train_softmax_head(self.para_z, self.para_entry, self.n_entries, self.centroids,
                                           steps=head_steps)
        # Large corpora: candidates are picked in the top `candidate_dims` principal directions of
        # the centroids (a third of the memory traffic of the full centroid pass), then scored exactly.
        self.cand_proj: np.ndarray | None = None
        if self._use_candidates() and 0 < candidate_dims < self.centroids.shape[1]:
            c64 = self.centroids.astype(np.float64)
            _, vec = _eigh(c64.T @ c64)
            self.cand_proj = np.ascontiguousarray(vec[:, -candidate_dims:].astype(np.float32))
            self.cand_centroids = np.ascontiguousarray(self.centroids @ self.cand_proj)
        # Centroids in the embedder's own space, one per (entry, group): the "no match" similarity
        # is measured there, against the entry's closest group (groups = languages/scripts, so a
        # message is compared with the entry as written in its own language when it exists).
        group = np.zeros(len(para_entry), np.int64) if para_group is None else np.asarray(para_group, np.int64)[order]
        pair = self.para_entry * (int(group.max()) + 1) + group
        uniq, inv = np.unique(pair, return_inverse=True)
        sums = np.zeros((len(uniq), raw.shape[1]), dtype=np.float64)
        np.add.at(sums, inv, raw)
        self.group_centroids = np.ascontiguousarray(l2_normalise(sums))
        self.group_entry = (uniq // (int(group.max()) + 1)).astype(np.int64)   # sorted by entry
        gcounts = np.bincount(self.group_entry, minlength=self.n_entries)
        self.group_starts = np.concatenate([[0], np.cumsum(gcounts)[:-1]]).astype(np.int64)
        self.group_counts = gcounts

    def similarity(self, q: np.ndarray, entries: np.ndarray) -> np.ndarray:
        """Plain cosine (embedder space) between ``q[i]`` and the closest group centroid of ``entries[i]``."""
        qn = l2_normalise(q)
        out = np.empty(len(qn), dtype=np.float32)
        for i, e in enumerate(np.asarray(entries)):
            a = self.group_starts[e]
            out[i] = float((self.group_centroids[a:a + self.group_counts[e]] @ qn[i]).max())
        return out

    def _use_candidates(self) -> bool:
        """Exact scoring of every entry below ``4 * candidates`` entries; a candidate pass above."""
        return self.n_entries > 4 * self.candidates

    # -- transforms -----------------------------------------------------------------------

    def transform(self, q: np.ndarray) -> np.ndarray:
        """Message (or paraphrase) vectors into the scoring space (centred, whitened, unit length)."""
        q = l2_normalise(q)
        if self.W is None:
            return q
        return l2_normalise((q - self.mean) @ self.W)

    # -- scoring --------------------------------------------------------------------------

    def head_scores(self, z: np.ndarray) -> np.ndarray | None:
        """``head_weight * log P(entry | message) / 10`` from the softmax head, or ``None`` without one."""
        if self.head is None:
            return None
        logits = z @ self.head[0] + self.head[1]
        logits -= logits.max(axis=1, keepdims=True)
        logp = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
        return (self.head_weight / 10.0) * logp

    def scores(self, z: np.ndarray) -> np.ndarray:
        """Exact scores ``(n, n_entries)`` for transformed vectors ``z``."""
        cen = z @ self.centroids.T
        cw = self.centroid_weight
        if cw >= 1.0:
            s = cen
        else:
            best = np.maximum.reduceat(z @ self.para_z.T, self.starts, axis=1)
            s = cw * cen + (1.0 - cw) * best
        h = self.head_scores(z)
        return s if h is None else s + h

    def candidate_scores(self, z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(entries, scores)``, each ``(n, m)``, unsorted, for transformed vectors ``z``: every entry
        when the corpus is small, else the ``candidates`` entries of the centroid pass, scored exactly."""
        if self._use_candidates() and self.centroid_weight < 1.0:
            return self._candidate_scores(z, self.candidates)
        s = self.scores(z)
        return np.tile(np.arange(self.n_entries, dtype=np.int64), (len(z), 1)), s

    def entry_scores(self, q: np.ndarray, entries: np.ndarray, extra: Extra | None = None) -> np.ndarray:
        """The exact score of entry ``entries[i]`` for message ``q[i]`` (``extra`` as in :meth:`top_k`)."""
        z = self.transform(q)
        entries = np.asarray(entries, dtype=np.int64)
        cw = self.centroid_weight
        head = self.head_scores(z)
        out = np.empty(len(z), dtype=np.float32)
        for i, e in enumerate(entries.tolist()):
            a = self.starts[e]
            s = cw * float(self.centroids[e] @ z[i]) + (1.0 - cw) * float((self.para_z[a:a + self.counts[e]] @ z[i]).max())
            if head is not None:
                s += float(head[i, e])
            if extra is not None and len(extra[i][0]):
                s += float(np.asarray(extra[i][1])[np.asarray(extra[i][0]) == e].sum())
            out[i] = s
        return out

    def _candidate_scores(self, z: np.ndarray, k: int, extra: Extra | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Top-``k`` entries and scores, exact for the centroid pass's ``candidates`` best entries."""
        n = z.shape[0]
        m = min(max(self.candidates, k), self.n_entries)
        if self.cand_proj is not None:
            approx = (z @ self.cand_proj) @ self.cand_centroids.T
            cand = np.argpartition(-approx, m - 1, axis=1)[:, :m]
            cen_c = np.einsum("ijd,id->ij", self.centroids[cand], z)
        else:
            cen = z @ self.centroids.T
            cand = np.argpartition(-cen, m - 1, axis=1)[:, :m]
            cen_c = np.take_along_axis(cen, cand, axis=1)
        cw = self.centroid_weight
        head = self.head_scores(z)
        out_s = np.empty((n, m), dtype=np.float32)
        for i in range(n):
            ents = cand[i]
            cnt = self.counts[ents]
            st = self.starts[ents]
            # paraphrase positions of the candidate entries, concatenated
            rel = np.arange(cnt.sum()) - np.repeat(np.cumsum(cnt) - cnt, cnt)
            pos = np.repeat(st, cnt) + rel
            sims = self.para_z[pos] @ z[i]
            best = np.maximum.reduceat(sims, np.concatenate([[0], np.cumsum(cnt)[:-1]]))
            out_s[i] = cw * cen_c[i] + (1.0 - cw) * best
            if head is not None:
                out_s[i] += head[i, ents]
            if extra is not None and len(extra[i][0]):
                full = np.zeros(self.n_entries, dtype=np.float32)
                np.add.at(full, np.asarray(extra[i][0], dtype=np.int64), np.asarray(extra[i][1], dtype=np.float32))
                out_s[i] += full[ents]
        return cand, out_s

    def top_k(self, q: np.ndarray, k: int, *, transformed: bool = False, extra: Extra | None = None
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(entries, scores, paraphrases)``, each ``(n, k')`` with ``k' = min(k, n_entries)``, best first.

        ``paraphrases`` holds the original index of each entry's paraphrase closest to the message.
        ``extra`` adds, per message, ``(entries, values)`` to those entries' scores (keyword boost;
        on large corpora only to the entries the centroid pass kept).
        """
        z = q if transformed else self.transform(q)
        k = min(int(k), self.n_entries)
        if self._use_candidates() and self.n_entries > k and self.centroid_weight < 1.0:
            cand, s = self._candidate_scores(z, k, extra)
        else:
            s = self.scores(z)
            cand = None
            if extra is not None:
                for i, (e, v) in enumerate(extra):
                    if len(e):
                        s[i, e] += v.astype(s.dtype)
        if k < s.shape[1]:
            part = np.argpartition(-s, k - 1, axis=1)[:, :k]
        else:
            part = np.tile(np.arange(s.shape[1]), (s.shape[0], 1))
        ps = np.take_along_axis(s, part, axis=1)
        order = np.argsort(-ps, axis=1, kind="stable")
        part = np.take_along_axis(part, order, axis=1)
        top = np.take_along_axis(s, part, axis=1)
        ents = part if cand is None else np.take_along_axis(cand, part, axis=1)
        paras = np.empty_like(ents)
        for i in range(ents.shape[0]):
            for j in range(ents.shape[1]):
                e = ents[i, j]
                a = self.starts[e]
                paras[i, j] = self.order[a + closest(self.para_z[a:a + self.counts[e]] @ z[i])]
        return ents, top, paras


#: Similarities closer than this to the best count as tied (a message batched with others sums in another
#: order: scores differ in the 7th decimal, and identical paraphrases, such as a Serbian and a Bosnian copy of
#: one question, must not swap with the batch).
TIE_TOLERANCE = 1e-6


def closest(sims: np.ndarray) -> int:
    """The index of the highest similarity; among values within :data:`TIE_TOLERANCE` of it, the first.

    >>> closest(np.array([0.5, 0.9, 0.9 + 1e-8]))
    1
    """
    return int(np.flatnonzero(sims >= sims.max() - TIE_TOLERANCE)[0])


def train_softmax_head(z: np.ndarray, labels: np.ndarray, n_entries: int, centroids: np.ndarray, *,
                       steps: int = 50, lr: float = 0.05, l2: float = 0.01, init_scale: float = 10.0
                       ) -> tuple[np.ndarray, np.ndarray]:
    """A softmax classifier over entries on the whitened paraphrase vectors (numpy Adam, full batch).

    Starts from the centroids (``W = init_scale * centroids.T``), so few steps are needed:
    20 steps (the ``MatchSettings`` default) took 0.05-0.3 s for 77-150 entries on this machine. Deterministic.
    """
    z = np.asarray(z, dtype=np.float32)
    n = len(z)
    w = (np.asarray(centroids, dtype=np.float32).T * init_scale).copy()
    b = np.zeros(n_entries, dtype=np.float32)
    mw, vw = np.zeros_like(w), np.zeros_like(w)
    mb, vb = np.zeros_like(b), np.zeros_like(b)
    b1, b2 = 0.9, 0.999
    rows = np.arange(n)
    for t in range(1, steps + 1):
        logits = z @ w + b
        logits -= logits.max(axis=1, keepdims=True)
        p = np.exp(logits)
        p /= p.sum(axis=1, keepdims=True)
        p[rows, labels] -= 1.0
        gw = z.T @ p / n + l2 * w / n
        gb = p.mean(axis=0)
        mw = b1 * mw + (1 - b1) * gw
        vw = b2 * vw + (1 - b2) * gw * gw
        mb = b1 * mb + (1 - b1) * gb
        vb = b2 * vb + (1 - b2) * gb * gb
        w -= lr * (mw / (1 - b1 ** t)) / (np.sqrt(vw / (1 - b2 ** t)) + 1e-8)
        b -= lr * (mb / (1 - b1 ** t)) / (np.sqrt(vb / (1 - b2 ** t)) + 1e-8)
    return w, b
