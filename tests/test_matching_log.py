"""FaqIndex.learn_from_log: self-training on unlabelled messages (small data written here)."""
from __future__ import annotations

import numpy as np
import pytest

from replyassist.errors import InputError
from replyassist.matching import FaqIndex, MatchSettings
from replyassist.matching.scoring import EntryScorer, l2_normalise

from tests.test_matching import CountingEmbedder, topic_corpus

TWO = {
    "delivery": ["where is my parcel", "track my parcel"],
    "refund": ["i want my money back", "how do i get a refund"],
    "password": ["i forgot my password", "reset my password"],
    "invoice": ["send me an invoice", "download the invoice"],
    "hours": ["when are you open", "opening hours"],
    "payment": ["can i pay by card", "do you take paypal"],
}
#: Log messages: each repeats a corpus wording plus words the corpus never uses ("courier late").
LOG = ([f"{q} courier late {k}" for q in TWO["delivery"] for k in ("", "!", "?")]
       + [f"{q} reimbursement {k}" for q in TWO["refund"] for k in ("", "!", "?")]
       + [f"{q} {k}" for key in ("password", "invoice", "hours", "payment") for q in TWO[key]
          for k in ("please", "thanks")])


@pytest.fixture()
def fake():
    return CountingEmbedder()


def test_learn_from_log_adds_pseudo_paraphrases_and_helps(fake):
    idx = FaqIndex(topic_corpus(TWO), fake, cache_dir=False)
    q = fake.encode(["courier late"])
    assert idx.search(q)[0].matches[0].faq_id != "delivery"      # the corpus alone cannot do it
    assert idx.learn_from_log(fake.encode(LOG), keep=0.75) == round(0.75 * len(LOG))
    added = idx.learn_from_log(fake.encode(LOG), keep=1.0)
    assert added == len(LOG) and idx.log_paraphrases == added
    assert idx.describe()["log_paraphrases"] == added
    assert idx.scorer is not idx.base_scorer and idx.scorer.head is not None   # enough paraphrases now
    r = idx.search(q, texts=["courier late"])[0]
    assert r.matches[0].faq_id == "delivery"
    assert all(m.question in TWO[m.faq_id] for m in r.matches)   # shown questions are the corpus's own
    assert 0.0 <= r.confidence <= 1.0
    # the no-match similarity is still measured against the corpus's own paraphrases
    # (the highest among the listed entries)
    listed = [[e.id for e in idx.entries].index(m.faq_id) for m in r.matches]
    np.testing.assert_allclose(r.similarity, max(idx.base_scorer.similarity(q, np.array([e]))[0] for e in listed),
                               atol=1e-6)


def test_learn_from_log_replaces_resets_and_is_deterministic(fake):
    idx = FaqIndex(topic_corpus(TWO), fake, cache_dir=False)
    base_cal, base_test = idx.calibrator, dict(idx.self_test)
    q = fake.encode(["courier late"])
    n = idx.learn_from_log(fake.encode(LOG))
    first = idx.search(q)[0].to_dict()
    assert idx.learn_from_log(fake.encode(LOG)) == n and idx.log_paraphrases == n     # replaced, not stacked
    assert idx.search(q)[0].to_dict() == first
    assert idx.self_test == base_test and idx.calibrator == base_cal    # the corpus's own
    assert idx.learn_from_log(np.zeros((0, fake.dim), np.float32)) == 0
    assert idx.scorer is idx.base_scorer and idx.log_paraphrases == 0
    assert idx.calibrator == base_cal and idx.self_test == base_test
    assert idx.learn_from_log(fake.encode(LOG), max_messages=10, keep=0.5) == 5


def test_learn_from_log_bad_input(fake):
    idx = FaqIndex(topic_corpus(TWO), fake, cache_dir=False)
    v = fake.encode(LOG[:4])
    for kw in ({"keep": 0.0}, {"keep": 1.5}, {"keep": True}, {"max_messages": 0}, {"languages": ["en"]}):
        with pytest.raises(InputError):
            idx.learn_from_log(v, **kw)
    with pytest.raises(InputError):
        idx.learn_from_log(np.ones((2, 5), np.float32))              # wrong dimension


def test_entry_scores_match_scores():
    rng = np.random.default_rng(1)
    p = l2_normalise(rng.normal(size=(30, 12)))
    sc = EntryScorer(p, np.repeat(np.arange(6), 5), 6, head_weight=1.0)
    q = l2_normalise(rng.normal(size=(4, 12)))
    full = sc.scores(sc.transform(q))
    ents = np.array([0, 3, 5, 2])
    np.testing.assert_allclose(sc.entry_scores(q, ents), full[np.arange(4), ents], rtol=1e-5, atol=1e-5)
    extra = [(np.array([0]), np.array([0.5])), (np.array([1]), np.array([0.5])),
             (np.array([], np.int64), np.array([])), (np.array([2]), np.array([0.25]))]
    np.testing.assert_allclose(sc.entry_scores(q, ents, extra),
                               full[np.arange(4), ents] + np.array([0.5, 0.0, 0.0, 0.25]), rtol=1e-5, atol=1e-5)


def test_default_head_steps():
    assert MatchSettings().head_steps == 20
