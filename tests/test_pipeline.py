"""The one message pipeline (replyassist/pipeline.py) that suggest, suggest_many, the gap analysis,
log learning and evaluate share: each stage once per batch, ONE encode for a message and its
sentences, the same analysis whoever calls it, the settings in one place.

Unit tests use the real FaqIndex and language detector with a small deterministic hashed
bag-of-words embedder (counts its calls); the last test uses the session's real assistant (e5).
"""
from __future__ import annotations

import hashlib
import re

import numpy as np
import pytest

from replyassist.corpus import corpus_from_dicts
from replyassist.errors import InputError
from replyassist.language import LanguageDetector
from replyassist.matching import FaqIndex, MatchSettings
from replyassist.pipeline import AnalysisPipeline, MessageAnalysis, MessageInput, PipelineSettings


class HashBow:
    """Bag of words hashed into 384 dimensions (+ a bias); L2-normalised. Counts calls and texts."""

    dim = 384
    model_id = "test-pipeline-hash-bow-384"

    def __init__(self) -> None:
        self.calls = 0
        self.seen: list[str] = []

    def encode(self, texts):
        self.calls += 1
        self.seen.extend(texts)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, t in enumerate(texts):
            for w in re.findall(r"\w+", t.lower()):
                h = int(hashlib.md5(w.encode()).hexdigest(), 16)
                out[i, h % self.dim] += 1.0 if (h >> 20) % 2 else -1.0
            out[i, 0] += 0.5
        return out / np.linalg.norm(out, axis=1, keepdims=True)


CORPUS = corpus_from_dicts([
    {"id": "order-status", "category": "delivery",
     "questions": {"en": ["where is my parcel", "my order has not arrived", "where is my order"],
                   "de": ["wo ist mein paket", "wo bleibt meine bestellung"],
                   "sr": ["gde je moj paket", "где је мој пакет"]},
     "answers": {"en": "Track it here.", "de": "Hier verfolgen.", "sr": "Pratite ovde."}},
    {"id": "payment", "category": "payment",
     "questions": {"en": ["can I pay with paypal", "which payment methods do you accept"],
                   "de": ["kann ich mit paypal zahlen"], "sr": ["mogu li da platim paypalom"]},
     "answers": {"en": "PayPal and cards.", "de": "PayPal und Karte.", "sr": "PayPal i kartice."}},
], name="pipeline test shop")

MESSAGES = [
    MessageInput("hi, where is my parcel?? still nothing 😡 also can i pay with paypal?", channel="chat"),
    MessageInput("Hallo, wo bleibt meine Bestellung 4711? Danke, Jonas", customer_language="de", channel="email"),
    MessageInput("Здраво, где је мој пакет? Чекам већ недељу дана.", locale="sr-Cyrl-RS"),
    MessageInput("gde je moj paket", customer_language="sr"),
]


class CountingSignals:
    """A signals analyzer for tests: negative on 'nothing'/'still'; counts its calls."""

    settings = "counting"

    def __init__(self) -> None:
        self.calls = 0
        self.texts: list[str] = []

    def analyze(self, texts, vectors, languages, channels=None, histories=None):
        from types import SimpleNamespace
        self.calls += 1
        self.texts.extend(texts)
        assert len(vectors) == len(texts) == len(languages)
        return [SimpleNamespace(sentiment=SimpleNamespace(label="negative" if re.search(r"nothing|still", t)
                                                          else "neutral")) for t in texts]


class CountingIndex:
    """The real FaqIndex; counts search() calls."""

    def __init__(self, index: FaqIndex) -> None:
        self.inner = index
        self.calls = 0

    def search(self, *a, **kw):
        self.calls += 1
        return self.inner.search(*a, **kw)


@pytest.fixture(scope="module")
def parts():
    emb = HashBow()
    index = FaqIndex(CORPUS, emb, MatchSettings(second_embedder=None))
    return emb, index


def _pipe(parts, **kw):
    emb, index = parts
    kw.setdefault("signals", False)
    return AnalysisPipeline.for_corpus(CORPUS, embedder=emb, index=index, **kw)


def _summary(a: MessageAnalysis):
    return (a.language.language, a.language.script, a.match.band, round(float(a.match.confidence), 6),
            [m.faq_id for m in a.match.matches], [r.band for r in a.sentence_matches])


def test_each_stage_once_per_batch_and_one_encode_for_messages_and_sentences(parts):
    emb, index = parts
    counting = CountingIndex(index)
    sig = CountingSignals()
    pipe = AnalysisPipeline.for_corpus(CORPUS, embedder=emb, index=counting, signals=sig)
    emb.calls, emb.seen = 0, []
    res = pipe.run(MESSAGES)
    assert emb.calls == 1 and counting.calls == 1 and sig.calls == 1
    assert all(isinstance(a, MessageAnalysis) for a in res.analyses)
    first = res.analyses[0]
    assert isinstance(first, MessageAnalysis)
    # the message without its greeting, then its sentences and the second question inside the second one
    # ("... also can i pay with paypal?"): all in the one encode
    assert first.matched_text.startswith("where is my parcel")
    assert first.sentences == ("where is my parcel??", "still nothing 😡 also can i pay with paypal?",
                               "can i pay with paypal?"), first.sentences
    assert set(emb.seen) >= {first.matched_text, *first.sentences}
    assert len(emb.seen) == len(MESSAGES) + sum(len(a.sentences) for a in res.ok)
    # the vector the signals and clustering use is the message's vector from that encode
    np.testing.assert_allclose(first.vector, emb.encode([first.matched_text])[0], atol=1e-6)
    assert res.vectors.shape == (len(MESSAGES), emb.dim)
    # signals got the normalised text (with greeting) and the language
    assert sig.texts[1].startswith("Hallo") and first.sentiment == "negative"
    assert [m.faq_id for m in first.sentence_matches[1].matches][:1] == ["payment"]


def test_hints_and_variant_in_the_language_stage(parts):
    res = _pipe(parts).run(MESSAGES)
    de, sr_cyr, sr_lat = res.analyses[1], res.analyses[2], res.analyses[3]
    assert isinstance(de, MessageAnalysis) and isinstance(sr_cyr, MessageAnalysis)
    assert isinstance(sr_lat, MessageAnalysis)
    assert de.hints.customer_language == "de" and de.hints.corpus_languages == CORPUS.languages
    assert de.language.language == "de" and de.match.matches[0].faq_id == "order-status"
    assert sr_cyr.hints.locale == "sr-Cyrl-RS" and (sr_cyr.language.language, sr_cyr.language.script) == ("sr", "Cyrl")
    assert sr_cyr.variant is not None and sr_lat.language.script == "Latn"


def test_results_do_not_depend_on_the_batch_or_the_chunking(parts):
    pipe = _pipe(parts)
    together = [_summary(a) for a in pipe.run(MESSAGES).ok]
    alone = [_summary(pipe.run([m]).ok[0]) for m in MESSAGES]
    chunked = [_summary(a) for a in pipe.run(MESSAGES, chunk_size=1).ok]
    assert together == alone == chunked


def test_bad_message_in_place_and_the_length_limit_from_the_settings(parts):
    emb, index = parts
    pipe = _pipe(parts, settings=PipelineSettings(max_message_chars=300))
    long = "Where is my parcel? " + "I have been waiting a long time. " * 40
    res = pipe.run([MessageInput("   \x00 "), MessageInput(long), MessageInput(42)])
    assert isinstance(res.analyses[0], InputError) and isinstance(res.analyses[2], InputError)
    ok = res.analyses[1]
    assert isinstance(ok, MessageAnalysis) and ok.prepared.truncated and len(ok.prepared.text) <= 300
    assert res.vectors.shape == (1, emb.dim)


def test_cache_detects_and_analyses_each_text_once(parts, tmp_path):
    from replyassist.gaps._stagecache import StageCache
    calls = []

    class Spy(LanguageDetector):
        def detect(self, text, *, hints=None, segments=False):
            calls.append((text, hints))
            return super().detect(text, hints=hints, segments=segments)
    sig = CountingSignals()
    pipe = _pipe(parts, detector=Spy(), signals=sig)
    cache = StageCache(tmp_path / "c.sqlite")
    first = pipe.run(MESSAGES + MESSAGES[:1], cache=cache)
    assert len(calls) == len(MESSAGES) and len(sig.texts) == len(MESSAGES)   # the repeated message once
    again = pipe.run(MESSAGES, cache=cache)
    assert len(calls) == len(MESSAGES) and len(sig.texts) == len(MESSAGES)   # nothing recomputed
    assert [_summary(a) for a in again.ok] == [_summary(a) for a in first.ok[:len(MESSAGES)]]
    assert [a.sentiment for a in again.ok] == [a.sentiment for a in first.ok[:len(MESSAGES)]]
    cache.close()


def test_gaps_and_log_learning_use_the_same_pipeline(parts, tmp_path):
    from replyassist.gaps import analyze_gaps
    from replyassist.log_learning import learn_index_from_log
    from replyassist.text import MATCH_HEAD_CHARS
    emb, index = parts
    pipe = _pipe(parts)
    ref = [_summary(a) for a in pipe.run(MESSAGES).ok]
    rows = [{"text": m.text, "language": m.customer_language or m.locale or "", "channel": m.channel or ""}
            for m in MESSAGES]
    rep = analyze_gaps(rows, CORPUS, index=index, embedder=emb, signals=False, cache_dir=tmp_path, progress=False)
    got = [(m.language, m.script, m.band, m.faq_id, m.confidence) for m in rep.messages]
    assert got == [(r[0], r[1], r[2], r[4][0] if r[4] else None, round(r[3], 4)) for r in ref]

    # log learning: the pipeline's length limit and hints (not a limit of its own, no hint-less detection)
    seen = []

    class Spy(LanguageDetector):
        def detect(self, text, *, hints=None, segments=False):
            seen.append(hints)
            return super().detect(text, hints=hints, segments=segments)
    learner = FaqIndex(CORPUS, emb, MatchSettings(second_embedder=None))
    lpipe = AnalysisPipeline.for_corpus(CORPUS, embedder=emb, index=learner, detector=Spy(), signals=False,
                                        settings=PipelineSettings(max_message_chars=5000))
    long = "Where is my parcel? " + "It has been weeks and nobody answers my mails. " * 80   # ~3,800 characters
    emb.seen = []
    out = learn_index_from_log(learner, [{"text": long, "language": "en"}, {"text": "gde je moj paket"}, ""],
                               pipeline=lpipe, keep=1.0)
    assert out.rows == 3 and out.used == 2 and [s["row"] for s in out.skipped] == [3]
    # the pipeline's own reading of a long message (its head, text.MATCH_HEAD_CHARS, as suggest reads it),
    # not a limit of log learning's own (the old one cut at 2,000 characters)
    assert 0.7 * MATCH_HEAD_CHARS <= max(len(t) for t in emb.seen) <= MATCH_HEAD_CHARS
    assert seen[0].customer_language == "en" and seen[0].corpus_languages == CORPUS.languages


def test_evaluate_index_matches_like_the_pipeline(parts):
    from replyassist.evaluation import LabelledQuery, evaluate_index
    emb, index = parts
    qs = [LabelledQuery(text=m.text, faq_id="order-status") for m in MESSAGES[1:]]
    rep = evaluate_index(index, qs, name="t")
    expected = [a.match.matches[0].faq_id == "order-status" for a in _pipe(parts).run(MESSAGES[1:]).ok]
    assert rep.top1 == pytest.approx(sum(expected) / len(expected))


def test_suggest_and_gaps_agree_on_real_messages(assistant, tmp_path):
    """The shared assistant (e5): a message gets the same language and match from suggest_many and
    from the gap analysis with the same components."""
    from replyassist.gaps import analyze_gaps
    texts = ["Wo bleibt meine Bestellung 4711? Ich warte schon seit zwei Wochen.",
             "Hol van a csomagom? Már két hete várok!",
             "Zdravo, gde je moja porudžbina? I da li mogu da platim karticom?",
             "hi can i pay with paypal or only card?? thx"]
    sugs = assistant.suggest_many(texts)
    rep = analyze_gaps(texts, assistant.corpus, index=assistant.index, embedder=assistant.embedder,
                       detector=assistant.detector, signals=False, cache_dir=tmp_path, progress=False)
    for s, m in zip(sugs, rep.messages):
        assert (m.language, m.script) == (s.language_result.language, s.language_result.script)
        assert (m.band, m.faq_id) == (s.match.band, s.matches[0].faq_id if s.matches else None)
        assert m.confidence == round(float(s.match.confidence), 4)
