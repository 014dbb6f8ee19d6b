"""The scalable clustering path (mini-batch k-means micro-clusters, then the same average linkage)."""
from __future__ import annotations

import numpy as np
import pytest

from replyassist.errors import ConfigError
from replyassist.gaps import GapSettings, cluster_vectors
from replyassist.gaps._cluster import minibatch_kmeans, normalise_rows


def _topics(n_topics: int = 25, per: int = 240, dim: int = 96, noise: float = 0.9, seed: int = 0):
    """Points around random topic directions, plus 300 isolated points (label -1)."""
    rng = np.random.default_rng(seed)
    centers = rng.normal(size=(n_topics, dim))
    X = np.concatenate([c + noise * rng.normal(size=(per, dim)) for c in centers] + [3 * rng.normal(size=(300, dim))])
    y = np.concatenate([np.full(per, t) for t in range(n_topics)] + [np.full(300, -1)])
    perm = rng.permutation(len(X))
    return normalise_rows(X[perm]), y[perm]


def _purity_and_recall(labels: np.ndarray, y: np.ndarray) -> tuple[float, int]:
    inside = labels >= 0
    pur = 0
    found = set()
    for g in np.unique(labels[inside]):
        members = y[labels == g]
        vals, counts = np.unique(members, return_counts=True)
        pur += counts.max()
        if vals[counts.argmax()] >= 0:
            found.add(int(vals[counts.argmax()]))
    return pur / max(1, inside.sum()), len(found)


def test_minibatch_kmeans_is_seeded_and_covers_the_data():
    X, _ = _topics(n_topics=10, per=100)
    a = minibatch_kmeans(X, 50, seed=3, batch=256)
    b = minibatch_kmeans(X, 50, seed=3, batch=256)
    assert np.array_equal(a, b)
    assert a.min() == 0 and len(np.unique(a)) == a.max() + 1 and len(np.unique(a)) > 40  # labels 0..k'-1, few empty
    assert not np.array_equal(a, minibatch_kmeans(X, 50, seed=4, batch=256))


def test_scalable_clustering_matches_exact_quality_on_topics():
    X, y = _topics()
    kw = dict(threshold=0.3, min_size=5, max_micro=400, seed=0)
    exact = cluster_vectors(X, method="exact", **kw)
    scal = cluster_vectors(X, method="scalable", **kw)
    pe, re_ = _purity_and_recall(exact, y)
    ps, rs = _purity_and_recall(scal, y)
    assert re_ == 25 and rs == 25           # every topic is the majority of some group, both ways
    assert ps >= 0.95 and ps >= pe - 0.02   # as clean as the exact path
    # isolated points are left out about as often (k-means puts them into micro-clusters either way)
    assert (scal[y == -1] < 0).mean() >= (exact[y == -1] < 0).mean() - 0.1


def test_auto_switches_above_the_candidate_count():
    X, _ = _topics(n_topics=8, per=100)
    kw = dict(threshold=0.3, min_size=5, max_micro=200, seed=0)
    scal = cluster_vectors(X, method="scalable", **kw)
    exact = cluster_vectors(X, method="exact", **kw)
    assert np.array_equal(cluster_vectors(X, method="auto", scalable_above=len(X) - 1, **kw), scal)
    assert np.array_equal(cluster_vectors(X, method="auto", scalable_above=len(X), **kw), exact)
    # at most max_micro points: exact linkage over the points, whatever the method
    small = X[:150]
    assert np.array_equal(cluster_vectors(small, method="scalable", **kw), cluster_vectors(small, method="exact", **kw))


@pytest.mark.parametrize("bad", [{"cluster_method": "fast"}, {"scalable_above": 0}, {"scalable_above": True},
                                 {"sentiment_scope": "some"}])
def test_new_settings_are_validated(bad):
    with pytest.raises(ConfigError):
        GapSettings(**bad)
