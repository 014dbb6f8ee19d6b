from __future__ import annotations

import numpy as np
import pytest

from replyassist.embeddings import CachedEmbedder, SentenceTransformerEmbedder, get_embedder
from replyassist.errors import ConfigError, ModelNotAvailableError


def test_e5_vectors_normalised_deterministic_and_chunk_independent(e5):
    texts = ["Wo ist mein Paket?", "Hol van a csomagom?", "Gde je moja porudžbina?", "Where is my parcel?",
             "How do I reset my password?"]
    a = e5.encode(texts)
    assert a.shape == (5, 384) and a.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(a, axis=1), 1.0, atol=1e-5)
    single = np.stack([e5.encode([t])[0] for t in texts])
    np.testing.assert_allclose(a, single, atol=1e-4)
    np.testing.assert_array_equal(e5.encode(texts), a)
    sims = a @ a.T
    # the four "where is my parcel" questions are closer to each other than to the password one
    assert sims[0, 3] > sims[0, 4] and sims[1, 3] > sims[1, 4] and sims[2, 3] > sims[2, 4]
    assert e5.encode([]).shape == (0, 384)


def test_get_embedder_is_cached_and_validates():
    assert get_embedder("e5-small") is get_embedder("e5-small")
    with pytest.raises(ConfigError, match="Unknown embedder 'bert'"):
        get_embedder("bert")


class Counting:
    model_id = "counting-test"
    dim = 3

    def __init__(self):
        self.seen: list[str] = []

    def encode(self, texts):
        self.seen += list(texts)
        return np.array([[len(t), 1.0, 0.0] for t in texts], dtype=np.float32)


def test_cached_embedder_encodes_each_text_once(tmp_path):
    inner = Counting()
    c = CachedEmbedder(inner, tmp_path / "c.sqlite")
    v1 = c.encode(["a", "bb", "a"])
    assert inner.seen == ["a", "bb"]
    v2 = CachedEmbedder(inner, tmp_path / "c.sqlite").encode(["bb", "ccc"])  # a new process would see the file
    assert inner.seen == ["a", "bb", "ccc"]
    np.testing.assert_array_equal(v1[1], v2[0])
    progress = []
    c.encode(["a", "dddd"], progress=lambda d, n: progress.append((d, n)))
    assert progress[-1] == (2, 2)


def test_sentence_transformers_backend_offline():
    emb = get_embedder("minilm")
    v = emb.encode(["Where is my parcel?", "Where is my package?", "I forgot my password"])
    assert v.shape == (3, emb.dim) and emb.dim == 384
    assert v[0] @ v[1] > v[0] @ v[2]
    assert emb.model_id == "st-all-MiniLM-L6-v2-384"
    # a huge message is cut before tokenising (same vector as its first max_chars characters)
    huge = "My parcel is late. " * 20_000
    np.testing.assert_allclose(emb.encode([huge]), emb.encode([huge[:emb.max_chars]]), atol=1e-6)


def test_sentence_transformers_missing_model_error(tmp_path):
    with pytest.raises(ModelNotAvailableError, match="Could not load sentence-transformers model"):
        SentenceTransformerEmbedder(str(tmp_path / "no-such-model"))
