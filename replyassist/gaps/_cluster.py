"""Clustering of message vectors into topics: numpy only, deterministic, scales to 100k+.

Two stages:

1. **Micro-clusters.** Up to ``max_micro`` points are kept as they are; a larger set is first
   summarised by seeded k-means (random distinct points as seeds, a few Lloyd rounds in chunks;
   above ``scalable_above`` points mini-batch k-means, :func:`minibatch_kmeans`, which fits on a
   fixed number of points and passes over all of them once) into ``max_micro`` micro-clusters.
2. **Average linkage with a threshold** over the micro-clusters. For L2-normalised vectors the
   mean cosine between every member of A and every member of B is ``dot(S_A, S_B) / (n_A n_B)``
   with ``S`` the sum of the members' vectors, so merging on summed vectors is *exact* average
   linkage over the points (given the micro-partition). Merging stops when no two groups have a
   mean cross-similarity of at least ``threshold``.

Then groups smaller than ``min_size`` are dropped (label ``-1``) and a centroid pass moves every
point to the group it is on average most similar to (a left-over point joins only if that mean
similarity reaches ``threshold``). Labels are numbered by decreasing size.

>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> a, b = rng.normal(size=384), rng.normal(size=384)
>>> X = np.stack([a + 0.3 * rng.normal(size=384) for _ in range(5)] + [b + 0.3 * rng.normal(size=384) for _ in range(4)])
>>> X /= np.linalg.norm(X, axis=1, keepdims=True)
>>> cluster_vectors(X, threshold=0.5, min_size=2).tolist()
[0, 0, 0, 0, 0, 1, 1, 1, 1]
"""
from __future__ import annotations

from typing import Callable, Sequence

import numpy as np

__all__ = ["cluster_vectors", "kmeans", "minibatch_kmeans", "average_linkage", "center_by_language", "normalise_rows",
           "SCALABLE_ABOVE"]

#: Above this many candidates ``method="auto"`` summarises them with mini-batch k-means.
SCALABLE_ABOVE = 20000


def normalise_rows(X: np.ndarray) -> np.ndarray:
    X = np.asarray(X, dtype=np.float32)
    n = np.linalg.norm(X, axis=1, keepdims=True)
    n[n == 0] = 1.0
    return X / n


#: Languages whose vectors share one mean: Bosnian, Croatian, Montenegrin and Serbian are one
#: continuum for the embedder, and short texts are often told apart wrongly by the detector.
_FAMILY = {"bs": "sh", "hr": "sh", "sr": "sh", "sh": "sh", "cnr": "sh", "me": "sh"}


def center_by_language(X: np.ndarray, languages: Sequence[str | None], *, min_count: int = 20,
                       mask: np.ndarray | None = None) -> np.ndarray:
    """Subtract each language's mean vector (global mean for rare languages), then re-normalise.

    Multilingual sentence vectors carry a language component: a German and a Hungarian
    question about the same thing are closer after it is removed. Means are computed over the
    rows in ``mask`` (default: all), i.e. over the whole log, not only the unanswered part.
    """
    X = np.asarray(X, dtype=np.float32)
    if len(X) == 0:
        return X.copy()
    m = np.ones(len(X), dtype=bool) if mask is None else np.asarray(mask, dtype=bool)
    glob = (X.mean(axis=0) if mask is None else X[m].mean(axis=0)) if m.any() else X.mean(axis=0)
    fam = [_FAMILY.get(lg or "und", lg or "und") for lg in languages]
    names = sorted(set(fam))
    col = {lg: i for i, lg in enumerate(names)}
    lang_idx = np.fromiter((col[f] for f in fam), dtype=np.int64, count=len(fam))
    mus = np.empty((len(names), X.shape[1]), dtype=np.float32)
    for i in range(len(names)):
        ref = (lang_idx == i) & m
        mus[i] = X[ref].mean(axis=0) if ref.sum() >= min_count else glob
    # chunked, in place: no full-size temporaries beyond the output (1M x 384 float32 is 1.5 GB)
    out = np.empty_like(X)
    for s in range(0, len(X), 65536):
        blk = out[s:s + 65536]
        np.subtract(X[s:s + 65536], mus[lang_idx[s:s + 65536]], out=blk)
        nrm = np.linalg.norm(blk, axis=1, keepdims=True)
        nrm[nrm == 0] = 1.0
        blk /= nrm
    return out


def kmeans(X: np.ndarray, k: int, *, seed: int = 0, iterations: int = 6, chunk: int = 8192,
           progress: Callable[[int, int], None] | None = None) -> np.ndarray:
    """Seeded spherical k-means (cosine); returns labels ``0..k'-1`` (empty clusters removed).

    Initialised with ``k`` distinct points drawn with ``numpy.random.default_rng(seed)`` (here
    k-means only over-segments for the linkage step that follows, so a k-means++ start, which
    costs ``k`` sequential passes over the data, does not pay off), then ``iterations`` Lloyd
    rounds with chunked assignment."""
    n = len(X)
    if k >= n:
        return np.arange(n)
    rng = np.random.default_rng(seed)
    centers = X[np.sort(rng.choice(n, size=k, replace=False))].astype(np.float32, copy=True)
    labels = np.zeros(n, dtype=np.int64)
    for it in range(iterations + 1):
        for s in range(0, n, chunk):
            labels[s:s + chunk] = np.argmax(X[s:s + chunk] @ centers.T, axis=1)
        if it == iterations:
            break
        sums = _group_sums(X, labels, k)
        nonempty = np.bincount(labels, minlength=k) > 0
        centers[nonempty] = normalise_rows(sums[nonempty])
        if progress:
            progress(it + 1, iterations)
    _, labels = np.unique(labels, return_inverse=True)
    return labels.astype(np.int64)


def minibatch_kmeans(X: np.ndarray, k: int, *, seed: int = 0, batch: int = 4096, samples_per_center: int = 200,
                     max_epochs: float = 3.0, chunk: int = 8192,
                     progress: Callable[[int, int], None] | None = None) -> np.ndarray:
    """Seeded spherical mini-batch k-means (Sculley 2010); returns labels ``0..k'-1``.

    Same start as :func:`kmeans` (``k`` distinct points drawn with ``default_rng(seed)``), then
    mini-batches of ``batch`` points (a seeded permutation, read in order) move each centre
    towards the mean of the points assigned to it with a per-centre learning rate
    ``1 / (points it has seen)``. It stops after ``samples_per_center * k`` points (at most
    ``max_epochs`` passes): the cost of fitting does not grow with ``n``. One final chunked pass
    assigns every point: ``O(n k d)`` once, instead of once per Lloyd round.

    >>> rng = np.random.default_rng(1)
    >>> X = normalise_rows(np.repeat(np.eye(4, 16), 50, axis=0) + 0.05 * rng.normal(size=(200, 16)))
    >>> len(set(minibatch_kmeans(X, 4, seed=0, batch=64).tolist()))
    4
    """
    n = len(X)
    if k >= n:
        return np.arange(n)
    rng = np.random.default_rng(seed)
    centers = X[np.sort(rng.choice(n, size=k, replace=False))].astype(np.float64, copy=True)
    seen = np.ones(k, dtype=np.float64)  # the seed point counts as seen
    total = int(min(max_epochs * n, max(samples_per_center * k, batch)))
    steps = max(1, -(-total // batch))
    perm = rng.permutation(n)
    pos = 0
    for step in range(steps):
        if pos + batch > n:
            perm = rng.permutation(n)
            pos = 0
        idx = np.sort(perm[pos:pos + batch])
        pos += batch
        xb = X[idx]
        lab = np.argmax(xb @ centers.T.astype(np.float32), axis=1)
        cnt = np.bincount(lab, minlength=k).astype(np.float64)
        sums = _group_sums(xb, lab, k)
        hit = cnt > 0
        seen[hit] += cnt[hit]
        eta = (cnt[hit] / seen[hit])[:, None]
        centers[hit] = (1.0 - eta) * centers[hit] + eta * (sums[hit] / cnt[hit][:, None])
        nrm = np.linalg.norm(centers[hit], axis=1, keepdims=True)
        nrm[nrm == 0] = 1.0
        centers[hit] /= nrm
        if progress:
            progress(step + 1, steps)
    c32 = centers.astype(np.float32)
    labels = np.empty(n, dtype=np.int64)
    for s in range(0, n, chunk):
        labels[s:s + chunk] = np.argmax(X[s:s + chunk] @ c32.T, axis=1)
    _, labels = np.unique(labels, return_inverse=True)
    return labels.astype(np.int64)


def average_linkage(sums: np.ndarray, counts: np.ndarray, threshold: float, *,
                    langsets: np.ndarray | None = None, bonus: float = 0.0) -> np.ndarray:
    """Merge groups (given by summed member vectors and sizes) while the best mean cross-similarity
    is at least ``threshold``. Returns a group label per input group.

    ``langsets`` (groups x languages, bool) and ``bonus``: two groups that both have a known
    language but share none get ``bonus`` added to their similarity (the residual language
    signal in the vectors otherwise keeps one topic asked in two languages apart)."""
    k = len(sums)
    if k == 0:
        return np.zeros(0, dtype=np.int64)
    S = sums.astype(np.float64)
    M = S @ S.T  # dot of sums; mean cross-similarity = M[i, j] / (n_i n_j)
    n = counts.astype(np.float64).copy()
    active = np.ones(k, dtype=bool)
    parent = np.arange(k)
    use_bonus = bonus != 0.0 and langsets is not None and langsets.shape[1] > 1
    if use_bonus:
        L = np.asarray(langsets, dtype=np.float64).copy()
        known: np.ndarray = np.asarray(L.any(axis=1))

    def _bonus_row(i: int) -> np.ndarray:
        if not use_bonus or not known[i]:
            return np.zeros(k)
        return bonus * (((L @ L[i]) == 0) & known)

    A = M / np.outer(n, n)
    if use_bonus:
        A += bonus * (((L @ L.T) == 0) & np.outer(known, known))
    np.fill_diagonal(A, -np.inf)
    # row-wise best partner cache
    best = np.argmax(A, axis=1)
    bestv = A[np.arange(k), best]
    while True:
        i = int(np.argmax(np.where(active, bestv, -np.inf)))
        if not active[i] or bestv[i] < threshold:
            break
        j = int(best[i])
        # merge j into i
        M[i, :] += M[j, :]
        M[:, i] = M[i, :]
        M[i, i] = M[i, i]  # self term unused
        n[i] += n[j]
        active[j] = False
        parent[parent == j] = i
        A[j, :] = -np.inf
        A[:, j] = -np.inf
        if use_bonus:
            L[i] = np.maximum(L[i], L[j])
            known[i] = known[i] or known[j]
        row = M[i, :] / (n[i] * n) + _bonus_row(i)
        row[~active] = -np.inf
        row[i] = -np.inf
        A[i, :] = row
        A[:, i] = row
        # refresh caches: row i, rows that pointed at i or j, rows for which i is now better
        bi = int(np.argmax(A[i]))
        best[i], bestv[i] = bi, A[i, bi]
        stale = active & ((best == i) | (best == j))
        stale[i] = False
        for r in np.nonzero(stale)[0]:
            br = int(np.argmax(A[r]))
            best[r], bestv[r] = br, A[r, br]
        better = active & (row > bestv)
        best[better] = i
        bestv[better] = row[better]
        bestv[j] = -np.inf
    _, lab = np.unique(parent, return_inverse=True)
    return lab.astype(np.int64)


def _group_sums(X: np.ndarray, labels: np.ndarray, k: int, chunk: int = 16384) -> np.ndarray:
    """Per-label sums of rows (float64 accumulators; sorted by label, one ``sum`` per run of a
    label, chunked so no float64 copy of all of ``X`` is made). ``np.add.reduceat`` along axis 0
    gives the same sums but took 5.7x as long here (200k x 384 rows, 1,500 labels)."""
    sums = np.zeros((k, X.shape[1]), dtype=np.float64)
    for s in range(0, len(X), chunk):
        lab = labels[s:s + chunk]
        order = np.argsort(lab, kind="stable")
        ls = lab[order]
        starts = np.flatnonzero(np.r_[True, ls[1:] != ls[:-1]])
        ends = np.r_[starts[1:], len(ls)]
        xs = X[s:s + chunk][order]
        for a, b in zip(starts.tolist(), ends.tolist()):
            sums[ls[a]] += xs[a:b].sum(axis=0, dtype=np.float64)
    return sums


def cluster_vectors(X: np.ndarray, *, threshold: float, min_size: int = 3, max_micro: int = 1500, seed: int = 0,
                    progress: Callable[[int, int], None] | None = None,
                    languages: Sequence[str | None] | None = None, cross_language_bonus: float = 0.0,
                    method: str = "auto", scalable_above: int = SCALABLE_ABOVE) -> np.ndarray:
    """Cluster L2-normalised rows of ``X``; returns one label per row, ``-1`` for unclustered.

    ``threshold``: minimum mean cosine similarity between the members of two groups for them to
    merge. ``min_size``: smaller groups are left unclustered. See the module docstring.

    ``method``: how more than ``max_micro`` points are summarised into micro-clusters before the
    linkage: ``"exact"`` (full Lloyd rounds, :func:`kmeans`), ``"scalable"`` (mini-batch,
    :func:`minibatch_kmeans`) or ``"auto"``: scalable above ``scalable_above`` points.
    """
    X = np.asarray(X, dtype=np.float32)
    n = len(X)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    if method not in ("auto", "exact", "scalable"):
        raise ValueError(f"method must be auto, exact or scalable, got {method!r}")
    # below max_micro points: exact average linkage over the points; above: k-means micro-clusters
    # (about three points each at least, at most max_micro of them)
    k = min(max_micro, max(2, n // 3))
    scalable = method == "scalable" or (method == "auto" and n > scalable_above)
    if n <= max_micro:
        micro = np.arange(n)
    elif scalable:
        micro = minibatch_kmeans(X, k, seed=seed, progress=progress)
    else:
        micro = kmeans(X, k, seed=seed, progress=progress)
    k = int(micro.max()) + 1
    sums = _group_sums(X, micro, k)
    counts = np.bincount(micro, minlength=k)
    langsets = None
    if languages is not None and cross_language_bonus:
        fam = [_FAMILY.get(lg, lg) if lg else None for lg in languages]
        names = sorted({f for f in fam if f})
        col = {f: c for c, f in enumerate(names)}
        langsets = np.zeros((k, max(1, len(names))), dtype=bool)
        for m, f in zip(micro.tolist(), fam):
            if f:
                langsets[m, col[f]] = True
    group = average_linkage(sums, counts, threshold, langsets=langsets, bonus=cross_language_bonus)[micro]
    sizes = np.bincount(group)
    keep = np.nonzero(sizes >= max(1, min_size))[0]
    if len(keep) == 0:
        return np.full(n, -1, dtype=np.int64)
    # centroid pass: mean similarity of each point to each kept group
    gsum = _group_sums(X, group, int(group.max()) + 1)
    C = (gsum[keep] / sizes[keep][:, None]).astype(np.float32)
    labels = np.full(n, -1, dtype=np.int64)
    in_kept = np.isin(group, keep)
    for s in range(0, n, 8192):
        sims = X[s:s + 8192] @ C.T
        arg = np.argmax(sims, axis=1)
        val = sims[np.arange(len(arg)), arg]
        ok = in_kept[s:s + 8192] | (val >= threshold)
        labels[s:s + 8192] = np.where(ok, arg, -1)
    # drop groups that fell under min_size after the pass; renumber by size (ties: first member)
    sizes2 = np.bincount(labels[labels >= 0], minlength=len(keep))
    first = np.full(len(keep), n, dtype=np.int64)
    present, first_pos = np.unique(labels, return_index=True)
    for g, p in zip(present.tolist(), first_pos.tolist()):
        if g >= 0:
            first[g] = p
    order = sorted((g for g in range(len(keep)) if sizes2[g] >= max(1, min_size)), key=lambda g: (-sizes2[g], first[g]))
    remap = np.full(len(keep) + 1, -1, dtype=np.int64)
    for new, g in enumerate(order):
        remap[g] = new
    return remap[labels]  # -1 maps to remap[-1] == -1
