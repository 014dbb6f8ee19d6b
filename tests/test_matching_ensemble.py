"""The second opinion (matching.second_opinion): English messages scored again by the real all-MiniLM-L6-v2."""
from __future__ import annotations

import numpy as np
import pytest

from replyassist.corpus import corpus_from_dicts
from replyassist.errors import ConfigError
from replyassist.matching import FaqIndex, MatchSettings
from replyassist.matching.scoring import EntryScorer, l2_normalise
from replyassist.matching.second_opinion import SecondOpinion, fuse_extra, resolve_second_embedder

from .test_matching import TOPICS, CountingEmbedder, topic_corpus

OFF = MatchSettings(second_embedder=None)


@pytest.fixture()
def fake():
    return CountingEmbedder()


def test_settings_are_validated():
    with pytest.raises(ConfigError, match="second_languages"):
        MatchSettings(second_languages="en")
    with pytest.raises(ConfigError, match="second_weight"):
        MatchSettings(second_weight=-1)
    with pytest.raises(ConfigError, match="second_embedder"):
        MatchSettings(second_embedder=3)  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="second_max_entries"):
        MatchSettings(second_max_entries=0)
    assert MatchSettings.from_dict({"second_languages": ["en", "de"]}).second_languages == ("en", "de")
    assert resolve_second_embedder("auto")[0] == "minilm"       # installed with the [st] extra
    assert resolve_second_embedder(None)[0] is None
    assert resolve_second_embedder("sentence-transformers:/some/path")[0] == "sentence-transformers:/some/path"


def test_english_messages_are_rescued_by_the_second_opinion(fake):
    """The trigram embedder cannot see that "reimburse" means refund or "bill" invoice; MiniLM can."""
    msgs = ["Could you reimburse me for the broken kettle", "The courier still hasn't delivered anything",
            "What time do you close tonight", "I can't sign in to my account", "Can I get the bill as a PDF"]
    want = ["refund", "delivery", "hours", "password", "invoice"]
    q = fake.encode(msgs)
    on = FaqIndex(topic_corpus(), fake, cache_dir=False)
    off = FaqIndex(topic_corpus(), fake, OFF, cache_dir=False)
    assert on.second is not None and on.describe()["second_opinion"]["embedder"] == "minilm"
    assert off.second is None and "switched off" in off.describe()["second_opinion"]["status"]
    en = ["en"] * len(msgs)
    assert all(r.matches[0].faq_id != w for r, w in zip(off.search(q, texts=msgs, languages=en), want))
    assert [r.matches[0].faq_id for r in on.search(q, texts=msgs, languages=en)] == want
    # other languages, unknown language or no texts: the main embedder alone, exactly
    for kw in ({"texts": msgs, "languages": ["de"] * 5}, {"texts": msgs}, {"languages": en}):
        assert [r.to_dict() for r in on.search(q, **kw)] == [r.to_dict() for r in off.search(q, **kw)]
    # mixed batch: only the English rows change
    mixed = on.search(q, texts=msgs, languages=["en", "de", "en", "hu", "en"])
    alone = off.search(q, texts=msgs, languages=["en", "de", "en", "hu", "en"])
    assert [r.matches[0].faq_id for r in mixed][::2] == want[::2]
    assert mixed[1].to_dict() == alone[1].to_dict() and mixed[3].to_dict() == alone[3].to_dict()


def test_scores_are_the_weighted_average_and_calibrated_separately(fake):
    msgs = ["where is my parcel", "opening hours on sunday please", "card payment"]
    q = fake.encode(msgs)
    idx = FaqIndex(topic_corpus(), fake, MatchSettings(keyword_weight=0.0), cache_dir=False)
    assert idx.second is not None
    r = idx.search(q, texts=msgs, languages=["en"] * 3)
    e5 = idx.scorer.scores(idx.scorer.transform(q))
    s2, floor = idx.second.message_scores(msgs)
    for i, res in enumerate(r):
        e = [x.id for x in idx.entries].index(res.matches[0].faq_id)
        expect = (e5[i, e] + 1.0 * (s2[i][1][e] + floor[i])) / 2.0
        assert res.matches[0].score == pytest.approx(float(expect), abs=1e-5)
    st = idx.self_test["second_opinion"]
    assert st["items"] > 0 and 0.0 <= st["accuracy"] <= 1.0
    assert idx.describe()["second_opinion"]["calibration"] is not None


def test_entries_without_an_english_question_keep_their_e5_score(fake):
    topics = [{"id": k, "category": k, "questions": {"en": v}, "answers": {"en": "x"}} for k, v in TOPICS.items()]
    topics.append({"id": "nur-deutsch", "category": "x", "questions": {"de": ["Wo ist mein Paket", "Paket fehlt"]},
                   "answers": {"de": "x"}})
    settings = dict(keyword_weight=0.0, top_k=7)
    on = FaqIndex(corpus_from_dicts(topics), fake, MatchSettings(**settings), cache_dir=False)
    off = FaqIndex(corpus_from_dicts(topics), fake, MatchSettings(second_embedder=None, **settings), cache_dir=False)
    assert on.second is not None and "1 entries without a question in en keep their e5 score" in on.second_status
    msg = ["Wo ist mein Paket denn"]
    r_on = on.search(fake.encode(msg), texts=msg, languages=["en"])[0]
    r_off = off.search(fake.encode(msg), texts=msg, languages=["en"])[0]
    score = {m.faq_id: m.score for m in r_on.matches}
    assert score["nur-deutsch"] == pytest.approx({m.faq_id: m.score for m in r_off.matches}["nur-deutsch"], abs=1e-5)
    assert score != {m.faq_id: m.score for m in r_off.matches}          # the English entries did change


def test_off_when_most_entries_lack_english_or_the_corpus_is_too_large(fake):
    topics = [{"id": k, "category": k, "questions": {"de": v}, "answers": {"de": "x"}} for k, v in TOPICS.items()]
    topics[0]["questions"] = {"en": TOPICS["delivery"]}
    idx = FaqIndex(corpus_from_dicts(topics), fake, cache_dir=False)
    assert idx.second is None and "5 of 6 entries have no question in en" in idx.second_status
    small = FaqIndex(topic_corpus(), fake, MatchSettings(second_max_entries=3), cache_dir=False)
    assert small.second is None and "second_max_entries" in small.second_status


def test_second_vectors_are_cached_on_disk(tmp_path, fake, monkeypatch):
    first = FaqIndex(topic_corpus(), fake, cache_dir=tmp_path)
    files = list(tmp_path.glob("minilm-*-second-*.npz"))
    assert len(files) == 1
    # built again from the cache: the second model is not even loaded (it would fail here)
    import replyassist.embeddings as embeddings

    def no_load(name):
        raise AssertionError(f"{name} loaded although its vectors are cached")
    monkeypatch.setattr(embeddings, "get_embedder", no_load)
    again = FaqIndex(topic_corpus(), fake, cache_dir=tmp_path)
    assert again.second is not None and first.second is not None
    np.testing.assert_array_equal(again.second.vectors, first.second.vectors)
    with pytest.raises(AssertionError, match="loaded although"):   # the first English message loads it
        again.search(fake.encode(["where is my parcel"]), texts=["where is my parcel"], languages=["en"])


def test_fuse_extra_keeps_the_keyword_weight_and_merges_duplicates():
    second = [(np.array([0, 1, 2]), np.array([0.3, 0.1, 0.0], np.float32))]
    base = [(np.array([1]), np.array([0.2], np.float32)), (np.array([2]), np.array([0.5], np.float32))]
    out = fuse_extra(second, np.array([0]), base, 1.0, 2)
    e, v = out[0]
    assert e.tolist() == [0, 1, 2]
    np.testing.assert_allclose(v, [0.3, 0.1 + 2 * 0.2, 0.0], rtol=1e-6)
    assert out[1][0].tolist() == [2] and out[1][1].tolist() == [0.5]        # untouched row


def test_large_corpus_uses_candidates_and_keeps_the_exact_top_entry():
    rng = np.random.default_rng(0)
    n, dim = 700, 32
    base = rng.standard_normal((n, dim)).astype(np.float32)
    para = l2_normalise(np.repeat(base, 2, axis=0) + 0.3 * rng.standard_normal((2 * n, dim)).astype(np.float32))
    owner = np.repeat(np.arange(n), 2)
    q = l2_normalise(base[:20] + 0.3 * rng.standard_normal((20, dim)).astype(np.float32))
    so = SecondOpinion(para, owner, n, encode=lambda texts: q[:len(texts)], languages=("en",), weight=1.0,
                       name="synthetic", candidates=128)
    scores, floor = so.message_scores(["x"] * 20)
    assert all(len(e) == 128 for e, _ in scores) and (floor != 0).any()
    exact = EntryScorer(para, owner, n, candidates=10 ** 9).scores(so.scorer.transform(q))
    for i, (e, v) in enumerate(scores):
        assert int(e[np.argmax(v)]) == int(np.argmax(exact[i]))
        np.testing.assert_allclose(v + floor[i], exact[i, e], rtol=1e-4, atol=1e-5)


def test_second_when_helps_switches_it_off_where_the_self_test_says_it_hurts(assistant):
    """On the demo shop corpus the held-out English paraphrases are matched no better with the second
    opinion than by e5 alone, so it stays off (it costs a second model and an encode per message)."""
    idx = assistant.index
    st = idx.self_test["second_opinion"]
    assert st["items"] >= 20 and st["accuracy"] <= st["accuracy_without"]
    assert idx.second is None and idx.second_status.startswith("off on this corpus (second_when = helps)")
    assert f"{st['accuracy']:.3f}" in idx.second_status
    always = FaqIndex(assistant.corpus, assistant.embedder, MatchSettings(second_when="always"),
                      cache_dir=idx.cache_path.parent)
    assert always.second is not None and always.self_test["second_opinion"] == st
    with pytest.raises(ConfigError, match="second_when"):
        MatchSettings(second_when="sometimes")


def test_a_second_embedder_that_cannot_load_is_a_clear_error(fake):
    from replyassist.errors import ModelNotAvailableError
    with pytest.raises(ModelNotAvailableError, match="Could not load sentence-transformers model"):
        FaqIndex(topic_corpus(), fake, MatchSettings(second_embedder="sentence-transformers:/no/such/model"),
                 cache_dir=False)


def test_second_opinion_after_learn_from_log(fake):
    log = ["parcel still not here", "where is the parcel", "refund please", "money back for the order",
           "forgot password again", "opening hours saturday", "invoice missing", "pay with paypal"] * 3
    msgs = ["Could you reimburse me for the broken kettle", "What time do you close tonight"]
    idx = FaqIndex(topic_corpus(), fake, MatchSettings(second_when="always"), cache_dir=False)
    before = [r.matches[0].faq_id for r in idx.search(fake.encode(msgs), texts=msgs, languages=["en", "en"])]
    assert idx.learn_from_log(fake.encode(log), keep=1.0) == len(log)
    after = idx.search(fake.encode(msgs), texts=msgs, languages=["en", "en"])
    assert before == ["refund", "hours"] and [r.matches[0].faq_id for r in after] == before
    assert all(0.0 <= r.confidence <= 1.0 and r.matches[0].score >= r.matches[1].score for r in after)
