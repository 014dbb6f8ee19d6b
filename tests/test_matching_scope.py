"""The scope test (replyassist.matching.scope): a conformal out-of-scope test fitted on the corpus alone.

Unit tests on vectors made here (clusters in a small space, a second "embedder" that sees them
through another projection), the band rule with the test on, the settings, and one real run on a
small English corpus with e5-small (the session's embedder; no second model, for speed).
"""
from __future__ import annotations

import json

import numpy as np
import pytest

from replyassist.errors import ConfigError
from replyassist.matching import FaqIndex, MatchSettings
from replyassist.matching.decision import band_decision
from replyassist.matching.scope import MIN_SCOPE_ITEMS, ScopeStats, ScopeTest, fit_scope
from replyassist.matching.second_opinion import SecondOpinion
from replyassist.matching.settings import BandSettings

# ---- the statistics and the p-value ---------------------------------------------------------------


def test_p_value_is_the_share_of_held_out_items_scoring_no_higher():
    sims = np.linspace(0.80, 0.99, 400)
    st = ScopeStats.from_scores(sims, None, None)
    assert st.p_value(0.5, None) == pytest.approx(1 / 401)           # below every held-out item
    assert st.p_value(1.2, None) == pytest.approx(1.0)
    assert st.p_value(float(np.median(sims)), None) == pytest.approx(0.5, abs=0.01)
    ps = [st.p_value(x, None) for x in np.linspace(0.7, 1.0, 30)]
    assert ps == sorted(ps)                                            # monotone in the similarity


def test_few_items_use_a_normal_tail_not_a_coarse_rank():
    st = ScopeStats.from_scores(np.random.default_rng(0).normal(0.9, 0.02, 40), None, None)
    assert len(st.main) < MIN_SCOPE_ITEMS
    far, near = st.p_value(0.80, None), st.p_value(0.90, None)
    assert far < 1e-4 < 0.3 < near < 0.7                               # 5 spreads below: tiny; at the mean: ~0.5


def test_second_similarity_is_averaged_in_only_when_given():
    rng = np.random.default_rng(1)
    s1 = rng.normal(0.9, 0.02, 300)
    s2 = s1 * 0.5 + rng.normal(0.3, 0.01, 300)
    st = ScopeStats.from_scores(s1, s2, np.ones(300, bool))
    assert len(st.both) == 300
    # typical for the first embedder, far off for the second: the combined p-value is low, the first's alone is not
    assert st.p_value(0.9, None) > 0.3
    assert st.p_value(0.9, 0.5 * 0.9 + 0.3 - 0.1) < 0.01
    assert st.p_value(0.9, float("nan")) == st.p_value(0.9, None)


def test_statistics_round_trip_and_a_damaged_file_is_refitted():
    st = ScopeStats.from_scores(np.linspace(0.8, 0.95, 150), None, None)
    again = ScopeStats.from_dict(json.loads(json.dumps(st.to_dict())))
    assert again is not None and again.p_value(0.85, None) == pytest.approx(st.p_value(0.85, None), abs=1e-3)
    for bad in (None, [], {"format": 999}, {**st.to_dict(), "main": ["x"]}, {**st.to_dict(), "main_std": 0},
                {**st.to_dict(), "main": [float("nan")]}):
        assert ScopeStats.from_dict(bad) is None


# ---- fitting on clusters made here -------------------------------------------------------------------


def _clusters(seed: int = 0, entries: int = 8, per: int = 25, dim: int = 24):
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(entries, dim))
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    owner = np.repeat(np.arange(entries), per)
    vecs = centres[owner] + 0.12 * rng.normal(size=(len(owner), dim))
    return rng, centres, owner, vecs.astype(np.float32)


def test_fit_scope_held_out_paraphrases_and_new_messages_agree_and_strangers_are_caught():
    rng, centres, owner, vecs = _clusters()
    n_e = len(centres)
    proj = rng.normal(size=(vecs.shape[1], 16)).astype(np.float32)            # the "second embedder"
    second = SecondOpinion(vecs @ proj, owner, n_e, encode=lambda t: np.zeros((len(t), 16)), languages=("en",),
                           weight=1.0, name="test", whiten=False)
    st = fit_scope(vecs, owner, n_e, scorer_kw={"whiten": False}, second=second,
                   second_pos=np.arange(len(owner)), top_k=3)
    assert st is not None and len(st.main) == len(owner) and len(st.both) == len(owner)
    test = ScopeTest(st, second)
    # new messages of the same entries (not in the corpus) and messages about nothing the corpus knows
    near_owner = rng.integers(n_e, size=200)
    near = (centres[near_owner] + 0.12 * rng.normal(size=(200, vecs.shape[1]))).astype(np.float32)
    far = rng.normal(size=(200, vecs.shape[1])).astype(np.float32)

    def p(q: np.ndarray) -> np.ndarray:
        qn = q / np.linalg.norm(q, axis=1, keepdims=True)
        cen = np.stack([vecs[owner == e].mean(0) for e in range(n_e)])
        cen /= np.linalg.norm(cen, axis=1, keepdims=True)
        top = np.argsort(-(qn @ cen.T), axis=1)[:, :3]
        sim = (qn @ cen.T)[np.arange(len(q))[:, None], top].max(axis=1)
        return np.array(test.p_values(sim, list(test.second_similarity(q @ proj, top))))

    p_near, p_far = p(near), p(far)
    assert (p_near < 0.01).mean() <= 0.04          # about alpha of the answerable messages held back
    assert (p_far < 0.01).mean() >= 0.95           # strangers are out of scope


def test_no_held_out_paraphrase_means_no_scope_statistics():
    vecs = np.eye(4, dtype=np.float32)
    assert fit_scope(vecs, np.arange(4), 4, scorer_kw={"whiten": False}) is None


# ---- the band rule with the test on -----------------------------------------------------------------

ON = BandSettings(scope_test=True, scope_answerable=0.1)                     # scope_alpha 0.01 (default)


@pytest.mark.parametrize("scope, answerable, band", [
    (0.0099, 0.99, "no_match"),      # below alpha: out of scope, however sure the band model is
    (0.01, 0.99, "confident"),       # exactly at alpha: in scope
    (0.05, 0.30, "no_match"),        # atypical (below scope_answerable): the band model's answerable test applies
    (0.10, 0.30, "confident"),       # typical: the answerable test does not hold it back
    (None, 0.30, "no_match"),        # no p-value (the test could not be fitted): the band model as before
])
def test_band_rule_with_the_scope_test(scope, answerable, band):
    assert band_decision(0.9, similarity=0.9, gate=0.88, settings=ON, answerable=answerable, scope=scope).band == band


def test_scope_test_off_ignores_the_p_value_and_answerable_one_restores_the_band_model():
    off = BandSettings(scope_test=False)
    assert band_decision(0.9, similarity=0.9, gate=0.88, settings=off, answerable=0.9, scope=0.0).band == "confident"
    always = BandSettings(scope_test=True)              # scope_answerable 1.0 (default): the two tests add up
    assert band_decision(0.9, similarity=0.9, gate=0.88, settings=always, answerable=0.3, scope=0.9).band == "no_match"
    assert band_decision(0.9, similarity=0.9, gate=0.88, settings=always, answerable=0.9, scope=0.001).band == "no_match"
    assert band_decision(0.9, similarity=0.9, gate=0.88, settings=always, answerable=0.9, scope=0.9).band == "confident"


def test_without_band_model_the_scope_test_replaces_the_learned_gate_but_not_a_set_one():
    # learned gate (min_similarity not set): the scope test decides
    assert band_decision(0.9, similarity=0.80, gate=0.88, settings=ON, scope=0.5).band == "confident"
    assert band_decision(0.9, similarity=0.95, gate=0.88, settings=ON, scope=0.001).band == "no_match"
    set_gate = BandSettings(scope_test=True, min_similarity=0.88)
    assert band_decision(0.9, similarity=0.80, gate=0.88, settings=set_gate, scope=0.5).band == "no_match"
    # the held-back rule still wins
    assert band_decision(0.9, similarity=0.95, gate=0.88, settings=ON, scope=0.9, held_back=True).band == "no_match"


@pytest.mark.parametrize("kw", [{"scope_alpha": 1.5}, {"scope_alpha": "0.01"}, {"scope_answerable": -0.1},
                                {"scope_test": "yes"}])
def test_bad_scope_settings_are_clear_errors(kw):
    with pytest.raises(ConfigError) as err:
        MatchSettings(**kw)
    assert next(iter(kw)) in str(err.value)


def test_scope_settings_are_on_by_default_and_read_from_a_file_form():
    assert MatchSettings().bands.scope_test is True    # on by default (docs/matching.md)
    s = MatchSettings.from_dict({"bands": {"scope_test": True, "scope_alpha": 0.02}})
    assert s.scope_test and s.scope_alpha == 0.02 and s.to_flat_dict()["scope_answerable"] == 1.0


# ---- the real path: e5-small on a small English corpus ---------------------------------------------------

ENTRIES = [
    {"id": "returns", "category": "returns", "answers": {"en": "Send it back within 30 days."}, "questions": {"en": [
        "How do I return an item?", "Can I send my order back?", "what is your return policy",
        "I want to return the shoes I bought", "How many days do I have to return something?"]}},
    {"id": "delivery", "category": "delivery", "answers": {"en": "Delivery takes 2-3 days."}, "questions": {"en": [
        "How long does delivery take?", "When will my parcel arrive?", "where is my package",
        "My order has not arrived yet", "Do you deliver on Saturdays?"]}},
    {"id": "payment", "category": "payment", "answers": {"en": "We take cards and PayPal."}, "questions": {"en": [
        "Which payment methods do you accept?", "Can I pay with PayPal?", "do you take credit cards",
        "Is cash on delivery possible?", "Can I pay by bank transfer?"]}},
    {"id": "invoice", "category": "billing", "answers": {"en": "Invoices are in your account."}, "questions": {"en": [
        "Where can I find my invoice?", "I need an invoice for my company", "can you send me the receipt",
        "The invoice has the wrong address", "How do I download my bill?"]}},
]


def test_real_index_scope_p_values_cache_and_bands(e5, tmp_path, monkeypatch):
    from replyassist.corpus import corpus_from_dicts
    corpus = corpus_from_dicts(ENTRIES, name="scope-test")
    settings = MatchSettings(scope_test=True, second_embedder=None)
    index = FaqIndex(corpus, e5, settings, cache_dir=tmp_path)
    assert index.scope is not None and len(index.scope.stats.main) == 20     # every paraphrase held out once
    assert index.describe()["scope_test"] == {"held_out": 20, "held_out_second": 0}
    texts = ["hi, how many days do i have to send back shoes that dont fit??",
             "Where is my parcel, ordered last week 😩",
             "What is the capital of Australia?",
             "Can you recommend a good recipe for banana bread"]
    res = index.search(e5.encode(texts), texts=texts, languages=["en"] * 4)
    p = [r.scope for r in res]
    assert all(isinstance(x, float) and 0.0 < x <= 1.0 for x in p)
    assert min(p[:2]) > max(p[2:])                       # the shop questions are more typical than the strangers
    assert [r.band for r in res[2:]] == ["no_match", "no_match"]
    assert res[0].matches[0].faq_id == "returns" and res[1].matches[0].faq_id == "delivery"
    # fitted once: a second index of the same corpus reads the statistics from the cache folder
    assert list(tmp_path.glob("*-scope1.json"))
    monkeypatch.setattr("replyassist.matching.scope.fit_scope", lambda *a, **k: pytest.fail("refitted"))
    again = FaqIndex(corpus, e5, settings, cache_dir=tmp_path)
    assert again.scope is not None and again.scope.stats == index.scope.stats
    # off: no p-value, and the bands are those of the band model alone
    off = FaqIndex(corpus, e5, MatchSettings(second_embedder=None, scope_test=False), cache_dir=tmp_path)
    assert off.scope is None and all(r.scope is None for r in off.search(e5.encode(texts), texts=texts))
    assert off.describe()["scope_test"] is None
