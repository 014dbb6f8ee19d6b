"""Cross-lingual alignment maps: shipped file, fitting, the apply rule, settings, adapt() composition."""
from __future__ import annotations

import numpy as np
import pytest

from replyassist.corpus import corpus_from_dicts
from replyassist.errors import ConfigError
from replyassist.matching import FaqIndex, MatchSettings
from replyassist.matching.alignment import (AlignmentMap, LanguageMap, fit_alignment, load_alignment, read_alignment,
                                            save_alignment)
from replyassist.matching.scoring import l2_normalise

from .test_matching import CountingEmbedder

DIM = 384


class TrigramEmbedder(CountingEmbedder):
    """Deterministic bag-of-character-trigrams vectors; ``model_id`` decides whether maps fit."""

    def __init__(self, model_id: str = "fake-e5-small", dim: int = DIM) -> None:
        super().__init__(dim=dim, model_id=model_id)


EN = {
    "delivery": ["where is my parcel", "my parcel has not arrived", "track my parcel"],
    "refund": ["i want my money back", "how do i get a refund", "refund for my order"],
    "password": ["i forgot my password", "reset my password", "cannot log in"],
    "invoice": ["send me an invoice", "where is my invoice", "download the invoice"],
    "hours": ["when are you open", "opening hours", "are you open on sunday"],
    "payment": ["can i pay by card", "payment methods", "do you take paypal"],
}
DE = {"delivery": ["wo ist mein paket"], "refund": ["ich will mein geld zurück"], "password": ["passwort vergessen"],
      "invoice": ["wo ist meine rechnung"], "hours": ["wann habt ihr offen"], "payment": ["kann ich mit karte zahlen"]}
MESSAGES = ["wo bleibt mein paket", "geld zurück bitte", "rechnung herunterladen", "öffnungszeiten am sonntag"]


def corpus(with_german: bool = False):
    rows = []
    for k, v in EN.items():
        q = {"en": v, **({"de": DE[k]} if with_german else {})}
        rows.append({"id": k, "category": k, "questions": q, "answers": {"en": f"About {k}."}})
    return corpus_from_dicts(rows)


@pytest.fixture(scope="module")
def emb():
    return TrigramEmbedder()


@pytest.fixture(scope="module")
def shift_file(tmp_path_factory):
    """A map file whose German map is a pure, known offset (so its effect can be checked exactly)."""
    rng = np.random.default_rng(0)
    offset = (0.5 * l2_normalise(rng.normal(size=(1, DIM)))[0]).astype(np.float32)
    maps = {"de": AlignmentMap("de", offset, np.zeros((DIM, 1), np.float32), np.zeros((DIM, 1), np.float32))}
    path = tmp_path_factory.mktemp("align") / "maps.npz"
    save_alignment(path, maps, {"gsw": "de"}, dtype=np.float32)
    return str(path), offset


def _scores(results):
    return [(m.faq_id, round(m.score, 6)) for r in results for m in r.matches] + \
        [(r.band, round(r.confidence, 6), round(r.similarity, 6)) for r in results]


# -- the shipped file -------------------------------------------------------------------------------

def test_shipped_maps_load_with_the_right_shapes():
    s = load_alignment("xsid")
    assert s is load_alignment("xsid")                       # loaded once per process
    assert {"de", "sr"} <= set(s.maps) and "en" not in s.maps
    assert s.embedder == "e5-small" and s.version
    for m in s.maps.values():
        assert m.offset.shape == (DIM,) and m.u.shape[0] == DIM and m.u.dtype == np.float32
        assert m.v is None or (m.v.shape == m.u.shape and m.rank <= DIM)
        assert np.isfinite(m.u).all() and np.isfinite(m.offset).all()
        out = m.apply(l2_normalise(np.random.default_rng(1).normal(size=(3, DIM))))
        assert out.shape == (3, DIM) and np.allclose(np.linalg.norm(out, axis=1), 1.0, atol=1e-5)
    assert s.for_language("en") is None and s.for_language(None) is None and s.for_language("xx") is None


# -- fitting ----------------------------------------------------------------------------------------

def test_fit_alignment_learns_a_language_offset_and_low_rank_and_strength():
    rng = np.random.default_rng(0)
    en = l2_normalise(rng.normal(size=(60, 32)))
    shift = 0.4 * l2_normalise(rng.normal(size=(1, 32)))
    de = l2_normalise(en + shift)
    before = float((de * en).sum(1).mean())
    m = fit_alignment(de, en, ridge=0.1, language="de")
    assert float((m.apply(de) * en).sum(1).mean()) > before + 0.02
    low = fit_alignment(de, en, ridge=0.1, rank=4)
    assert low.u.shape == (32, 4) and low.v is not None and low.v.shape == (32, 4) and low.rank == 4
    off = fit_alignment(de, en, ridge=0.1, strength=0.0)
    assert np.allclose(off.apply(de), de, atol=1e-6)        # strength 0 = no change
    shift_only = fit_alignment(de, en, method="shift")
    assert np.allclose(shift_only.offset, en.mean(0) - de.mean(0), atol=1e-5)
    with pytest.raises(ValueError):
        fit_alignment(de, en[:10])


def test_save_and_read_round_trip_float16(tmp_path):
    rng = np.random.default_rng(2)
    m = fit_alignment(l2_normalise(rng.normal(size=(40, 16))), l2_normalise(rng.normal(size=(40, 16))), rank=3,
                      language="de")
    version = save_alignment(tmp_path / "m.npz", {"de": m}, {"hr": "de"})
    s = read_alignment(tmp_path / "m.npz")
    assert s.version == version and s.source_of("hr") == "de" and s.for_language("hr") is s.maps["de"]
    q = l2_normalise(rng.normal(size=(5, 16)))
    assert np.allclose(s.maps["de"].apply(q), m.apply(q), atol=2e-3)
    (tmp_path / "bad.npz").write_bytes(b"not a zip")
    with pytest.raises(ConfigError, match="cannot read"):
        read_alignment(tmp_path / "bad.npz")


# -- settings ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("value", ["xsdi", "english", 42, ["xsid"]])
def test_bad_alignment_setting_is_a_clear_config_error(value):
    with pytest.raises(ConfigError, match="language_alignment"):
        MatchSettings(language_alignment=value)


def test_alignment_setting_values():
    assert MatchSettings().language_alignment == "xsid"
    for off in (None, "none", "off", "", False):
        assert MatchSettings(language_alignment=off).language_alignment is None
    assert MatchSettings.from_dict({"language_alignment": "none"}).language_alignment is None
    with pytest.raises(ConfigError, match="alignment_when"):
        MatchSettings(alignment_when="sometimes")
    settings = MatchSettings(language_alignment="/nonexistent/maps.npz")     # a path: checked when loaded
    with pytest.raises(ConfigError, match="missing"):
        FaqIndex(corpus(), TrigramEmbedder(), settings, cache_dir=False)


# -- the rule ---------------------------------------------------------------------------------------

def test_map_applies_only_when_the_corpus_lacks_the_language(emb, shift_file):
    # (band_model=None: the band model reads the message's language through the no-match gate, so its
    # confidence differs between "de" and no language even where no map applies; the maps are tested here)
    path, offset = shift_file
    q = emb.encode(MESSAGES)
    en_only = FaqIndex(corpus(), emb, MatchSettings(band_model=None, language_alignment=path), cache_dir=False)
    plain = FaqIndex(corpus(), emb, MatchSettings(band_model=None, language_alignment=None), cache_dir=False)
    assert en_only.aligned_languages == {"de", "gsw"}
    # German messages are mapped: same result as searching the mapped vectors without a language
    mapped = l2_normalise(q + offset)
    assert _scores(en_only.search(q, texts=MESSAGES, languages=["de"] * 4)) == \
        _scores(plain.search(mapped, texts=MESSAGES))
    assert _scores(en_only.search(q, texts=MESSAGES, languages=["gsw"] * 4)) == \
        _scores(plain.search(mapped, texts=MESSAGES))                    # alias -> the German map
    # ...but not against a corpus that has German questions (default rule), unless "always"
    bilingual = FaqIndex(corpus(True), emb, MatchSettings(band_model=None, language_alignment=path), cache_dir=False)
    bi_plain = FaqIndex(corpus(True), emb, MatchSettings(band_model=None, language_alignment=None), cache_dir=False)
    assert bilingual.aligned_languages == frozenset()
    assert _scores(bilingual.search(q, texts=MESSAGES, languages=["de"] * 4)) == \
        _scores(bi_plain.search(q, texts=MESSAGES, languages=["de"] * 4))
    always = FaqIndex(corpus(True), emb, MatchSettings(band_model=None, language_alignment=path, alignment_when="always"),
                      cache_dir=False)
    assert "de" in always.aligned_languages
    assert _scores(always.search(q, texts=MESSAGES, languages=["de"] * 4)) == \
        _scores(bi_plain.search(mapped, texts=MESSAGES, languages=["de"] * 4))


def test_off_unknown_language_and_english_pass_through_unchanged(emb, shift_file):
    path, _ = shift_file
    q = emb.encode(MESSAGES)
    # (second opinion off: English messages would otherwise also be scored by MiniLM)
    on = FaqIndex(corpus(), emb, MatchSettings(band_model=None, language_alignment=path, second_embedder=None), cache_dir=False)
    off = FaqIndex(corpus(), emb, MatchSettings(band_model=None, language_alignment=None, second_embedder=None), cache_dir=False)
    ref = _scores(off.search(q, texts=MESSAGES))
    assert off.alignment is None and off.aligned_languages == frozenset()
    for langs in (None, ["xx"] * 4, ["en"] * 4, [None] * 4):
        assert _scores(on.search(q, texts=MESSAGES, languages=langs)) == ref
    # off: German messages get exactly the unmapped scores
    assert _scores(off.search(q, texts=MESSAGES, languages=["de"] * 4)) == _scores(off.search(q, texts=MESSAGES))
    # mixed batch: only the German message changes
    mixed = on.search(q, texts=MESSAGES, languages=["de", "xx", None, "en"])
    assert _scores(mixed[1:]) == _scores(off.search(q[1:], texts=MESSAGES[1:]))
    assert _scores(mixed[:1]) != _scores(off.search(q[:1], texts=MESSAGES[:1]))


def test_maps_of_another_embedder_are_not_applied(shift_file):
    path, _ = shift_file
    other = TrigramEmbedder(model_id="fake-minilm")
    idx = FaqIndex(corpus(), other, MatchSettings(language_alignment=path), cache_dir=False)
    assert idx.aligned_languages == frozenset()
    assert idx.describe()["language_alignment"]["applies_to"] == []


def test_adapt_learns_on_top_of_the_alignment(emb, shift_file):
    path, offset = shift_file
    idx = FaqIndex(corpus(), emb, MatchSettings(language_alignment=path), cache_dir=False)
    msgs = [f"{m} {k}" for k in range(10) for m in MESSAGES]
    v = emb.encode(msgs)
    assert idx.adapt(v, ["de"] * len(v)) == {"de": len(v)}
    expected = LanguageMap.from_unlabelled(l2_normalise(v + offset), idx.para_vecs)
    assert np.allclose(idx.language_maps["de"].source_mean, expected.source_mean, atol=1e-6)
    got = idx._apply_maps(v[:3], ["de"] * 3)
    assert np.allclose(got, expected.apply(l2_normalise(v[:3] + offset)), atol=1e-6)


def test_alignment_does_not_change_the_cached_index(tmp_path, emb, shift_file):
    path, _ = shift_file
    off = FaqIndex(corpus(), emb, MatchSettings(language_alignment=None), cache_dir=tmp_path)
    on = FaqIndex(corpus(), emb, MatchSettings(language_alignment=path), cache_dir=tmp_path)
    # message-side only: paraphrase vectors and the calibration are shared, and read from the cache
    assert on.from_cache and on.calibrator.coef == off.calibrator.coef
    assert on.learned_min_similarity == off.learned_min_similarity
    d = on.describe()["language_alignment"]
    assert d["applies_to"] == ["de", "gsw"] and d["version"]
