"""Hashed n-gram features and the n-gram part of the sentiment head."""
from __future__ import annotations

import numpy as np
import pytest

from replyassist.errors import InputError
from replyassist.signals.ngrams import NgramLinear, ngram_ids, ngram_matrix
from replyassist.signals.sentiment import LABELS, SentimentHead, VectorSentiment, default_model_dir

B = 2 ** 16


def test_ids_are_stable_sorted_unique_and_normalised():
    ids, vals = ngram_ids("Ovo NIJE dobro!!! :( @marko https://x.y/z 123", n_buckets=B)
    assert ids.tolist() == sorted(set(ids.tolist()))
    assert ids.min() >= 0 and ids.max() < B
    assert float(np.linalg.norm(vals)) == pytest.approx(1.0, abs=1e-6)
    again, _ = ngram_ids("Ovo NIJE dobro!!! :( @marko https://x.y/z 123", n_buckets=B)
    assert again.tolist() == ids.tolist()


def test_scripts_case_urls_numbers_and_elongation_fold_together():
    assert ngram_ids("Већ треи пут", n_buckets=B)[0].tolist() == ngram_ids("vec trei put", n_buckets=B)[0].tolist()
    a = ngram_ids("@anna see https://a.b/c order 4711", n_buckets=B)[0].tolist()
    b = ngram_ids("@peter see http://x.y order 12", n_buckets=B)[0].tolist()
    assert a == b
    long_ = set(ngram_ids("super!!!!!!", n_buckets=B)[0].tolist())
    short = set(ngram_ids("super!!!", n_buckets=B)[0].tolist())
    assert long_ == short
    assert ngram_ids("soooo good", n_buckets=B)[0].tolist() != ngram_ids("so good", n_buckets=B)[0].tolist()


@pytest.mark.parametrize("text", ["", "   ", "\u200b"])
def test_empty_text_has_no_features(text):
    ids, vals = ngram_ids(text, n_buckets=B)
    assert len(ids) == 0 and len(vals) == 0


def test_emoji_only_text_has_features():
    ids, _ = ngram_ids("😡😡", n_buckets=B)
    assert len(ids) >= 1


def test_matrix_rows_match_single_texts():
    texts = ["dobar dan", "", "nem jó 😞"]
    indptr, indices, data = ngram_matrix(texts, n_buckets=B)
    assert len(indptr) == 4 and indptr[-1] == len(indices) == len(data)
    for r, t in enumerate(texts):
        ids, vals = ngram_ids(t, n_buckets=B)
        assert indices[indptr[r]:indptr[r + 1]].tolist() == ids.tolist()
        assert np.allclose(data[indptr[r]:indptr[r + 1]], vals)


def test_linear_logits_equal_the_sparse_dot_product():
    rng = np.random.default_rng(0)
    W = rng.normal(size=(B, 3)).astype(np.float16)
    b = np.array([0.1, 0.0, -0.1], np.float32)
    model = NgramLinear(W, b)
    texts = ["Nicht gut!", ""]
    out = model.logits(texts)
    ids, vals = ngram_ids(texts[0], n_buckets=B)
    assert np.allclose(out[0], vals @ W[ids].astype(np.float64) + b)
    assert np.allclose(out[1], b)
    with pytest.raises(InputError, match="NgramLinear"):
        NgramLinear(W, np.zeros(2, np.float32))


def _tiny_head(tmp_path, weight: float, ngram_W: np.ndarray):
    rng = np.random.default_rng(1)
    arrays = {"classes": np.array(LABELS), "languages": np.array(["en"]), "feature_set": np.array("vec"),
              "n_members": np.array(1), "temperature": np.array(1.0),
              "m0_W0": rng.normal(size=(4, 3)).astype(np.float32), "m0_b0": np.zeros(3, np.float32),
              "ngram_W": ngram_W, "ngram_b": np.zeros(3, np.float32), "ngram_weight": np.array(weight)}
    path = tmp_path / f"head_{weight}.npz"
    np.savez(path, **arrays)
    return SentimentHead(path)


def test_head_fuses_the_ngram_part_by_its_weight(tmp_path):
    W = np.zeros((B, 3), np.float16)
    ids, _ = ngram_ids("terrible", n_buckets=B)
    W[ids, 0] = 3.0  # every n-gram of "terrible" votes negative
    vec = np.random.default_rng(2).normal(size=(1, 4)).astype(np.float32)
    off = _tiny_head(tmp_path, 0.0, W)
    on = _tiny_head(tmp_path, 1.0, W)
    p_off = off.probabilities(vec, ["terrible"], ["en"])
    assert np.allclose(p_off, off.predict_proba(off.features(vec, ["terrible"], ["en"])))
    p_on = on.probabilities(vec, ["terrible"], ["en"])
    assert p_on[0, 0] > p_off[0, 0]
    assert np.allclose(p_on.sum(axis=1), 1.0)
    # a text without any of those n-grams is unchanged up to the bias (zero here)
    assert np.allclose(on.probabilities(vec, ["ok"], ["en"]), off.probabilities(vec, ["ok"], ["en"]))


def test_shipped_head_has_an_ngram_part():
    head = SentimentHead(default_model_dir("sentiment") / "sentiment_head.npz")
    assert head.ngram is not None and head.ngram_weight > 0
    assert head.ngram.W.dtype == np.float16


def test_shipped_head_reads_negation_in_serbian_and_hungarian():
    """The n-gram part sees negation that a sentence vector blurs (measured examples, not tuned on)."""
    from replyassist.embeddings import get_embedder
    texts = ["Ovo uopšte nije dobro, jako sam razočaran.", "Ez egyáltalán nem jó, nagyon csalódott vagyok.",
             "Hvala, sve je stiglo, odlično!", "Köszönöm, minden megérkezett, szuper!"]
    vec = get_embedder("e5-small").encode(texts)
    res = VectorSentiment().predict(texts, vec, ["sr", "hu", "sr", "hu"])
    assert [r.label for r in res] == ["negative", "negative", "positive", "positive"]


def test_huge_text_is_read_only_up_to_the_limit():
    from replyassist.signals.ngrams import MAX_CHARS
    head = "Nije dobro. " * (MAX_CHARS // 12 + 1)
    a = ngram_ids(head[:MAX_CHARS] + " kraj" * 200_000, n_buckets=B)
    b = ngram_ids(head[:MAX_CHARS], n_buckets=B)
    assert a[0].tolist() == b[0].tolist()
