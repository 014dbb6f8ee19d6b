"""Tests for replyassist.language (own sentences, no evaluation data)."""
from __future__ import annotations

import json

import numpy as np
import pytest

from replyassist.errors import ConfigError, InputError
from replyassist.language import (LanguageDetector, LanguageHints, LanguageResult, LanguageSettings,
                                  bcms_markers, clean_for_detection, detect_language, strip_quoted_reply,
                                  to_latin)


@pytest.mark.parametrize("text,lang", [
    ("Hello, I was charged twice for my order, can you please refund one payment?", "en"),
    ("My parcel still hasn't arrived, what's going on?", "en"),
    ("Guten Tag, meine Bestellung ist immer noch nicht angekommen. Können Sie nachsehen?", "de"),
    ("Ich möchte mein Abo kündigen, wie geht das?", "de"),
    ("Jó napot! Két hete rendeltem, de még nem kaptam meg a csomagot.", "hu"),
    ("Elfelejtettem a jelszavamat, hogyan tudom visszaállítani?", "hu"),
    ("Poštovani, narudžba mi još nije stigla, a prošlo je već tjedan dana.", "hr"),
    ("Molim vas, tko mi može pomoći oko računa za prosinac?", "hr"),
    ("Zdravo, porudžbina mi još nije stigla, a prošlo je već nedelju dana.", "sr"),
    ("Da li mogu da vratim proizvod ako mi se ne dopada?", "sr"),
    ("Поштовани, поруџбина ми још није стигла. Шта да радим?", "sr"),
    ("Dzień dobry, chciałbym zwrócić zamówienie.", "pl"),
    ("Dobrý den, objednávka mi ještě nepřišla.", "cs"),
])
def test_short_customer_messages(text: str, lang: str) -> None:
    r = detect_language(text)
    assert r.language == lang, (text, r.to_dict())
    assert 0.0 < r.confidence <= 1.0
    assert r.source == "text"


def test_serbian_script_is_reported() -> None:
    lat = detect_language("Zdravo, da li je moguće promeniti adresu dostave?")
    cyr = detect_language("Здраво, да ли је могуће променити адресу доставе?")
    assert (lat.language, lat.script, lat.tag) == ("sr", "Latn", "sr-Latn")
    assert (cyr.language, cyr.script, cyr.tag) == ("sr", "Cyrl", "sr-Cyrl")
    assert lat.variety == "ekavian"


def test_macedonian_cyrillic_not_serbian() -> None:
    r = detect_language("Добар ден, пратката уште не ми е доставена. Што треба да направам?")
    assert r.language == "mk"


@pytest.mark.parametrize("text", ["", "   ", "👍👍🙂", "12345 678", "!!! ??? ...", "@support #help http://x.io/a"])
def test_undetermined(text: str) -> None:
    r = detect_language(text)
    assert r.language is None and r.confidence == 0.0 and r.tag == "und"
    assert r.source == "none" and not r.reliable


def test_not_text_is_a_clear_error() -> None:
    with pytest.raises(InputError):
        detect_language(b"bytes")  # type: ignore[arg-type]


def test_hint_decides_weak_reading() -> None:
    # "Hvala!" is the same word in Croatian, Serbian and Bosnian: the text alone cannot tell.
    alone = detect_language("Hvala!")
    assert alone.confidence < 0.85
    for lang in ("hr", "sr", "bs"):
        r = detect_language("Hvala!", hints=LanguageHints(customer_language=lang))
        assert r.language == lang and r.source == "text+hint"


def test_hint_cannot_override_what_the_text_rules_out() -> None:
    # a weak reading among BCMS languages, but German is ruled out by the text
    r = detect_language("Hvala!", hints=LanguageHints(customer_language="de"))
    assert r.language in ("hr", "sr", "bs", "sl") and r.source == "text"


def test_confident_text_beats_hint() -> None:
    r = detect_language("Guten Tag, meine Bestellung ist immer noch nicht angekommen.",
                        hints=LanguageHints(customer_language="hu", locale="hu-HU"))
    assert r.language == "de" and r.source == "text"


def test_hint_only_when_no_text() -> None:
    r = detect_language("👍", hints=LanguageHints(customer_language="de"))
    assert (r.language, r.source, r.reliable) == ("de", "hint", False)
    r = detect_language("👍", hints=LanguageHints(locale="sr-Cyrl-RS"))
    assert (r.language, r.script) == ("sr", "Cyrl")


def test_restrict_to_corpus_option() -> None:
    det = LanguageDetector(LanguageSettings(restrict_to_corpus=True))
    r = det.detect("Dobrý den, kdy dorazí můj balík?", hints=LanguageHints(corpus_languages=("sk", "de")))
    assert r.language == "sk"
    r = LanguageDetector().detect("Dobrý den, kdy dorazí můj balík?", hints=LanguageHints(corpus_languages=("sk", "de")))
    assert r.language == "cs"  # by default the corpus is only a weak prior


def test_mixed_message_main_language_and_segments() -> None:
    text = ('Hallo, beim Bezahlen bekomme ich immer die Meldung "Your card was declined by the issuer". '
            'Was kann ich tun?')
    r = detect_language(text, segments=True)
    assert r.language == "de"
    langs = [s.language for s in r.segments]
    assert "en" in langs and langs.count("de") >= 1
    en = next(s for s in r.segments if s.language == "en")
    assert "declined" in text[en.start:en.end]


def test_noise_is_ignored() -> None:
    tweet = "@TelekomHilfe seit 3 Tagen kein Internet!!! 😡😡 #störung http://t.co/abc123 RT"
    assert detect_language(tweet).language == "de"
    mail = ("Köszönöm, megkaptam a csomagot.\n\n-- \nKovács Péter\nSent from my iPhone\n\n"
            "On Mon, 3 Jun 2024, Support <help@example.com> wrote:\n> Dear customer, your parcel has shipped.")
    assert clean_for_detection(mail) == "Köszönöm, megkaptam a csomagot"
    assert detect_language(mail).language == "hu"


def test_strip_quoted_reply_german_header() -> None:
    s = "Danke, das hat geholfen.\nAm 02.05.2024 um 10:12 schrieb Kundenservice:\n> Bitte starten Sie neu."
    assert strip_quoted_reply(s) == "Danke, das hat geholfen."


def test_bcms_markers_and_transliteration() -> None:
    assert to_latin("Љубазно молим одговор, ђак") == "Ljubazno molim odgovor, đak"
    m = bcms_markers("Gdje je moj račun? Tjedan dana čekam.")
    assert m["ijekavian"] >= 1 and m["hr"] >= 1 and m["ekavian"] == 0
    m = bcms_markers("Šta se dešava sa porudžbinom, gde je?")
    assert m["sr"] >= 1 and m["ekavian"] >= 1
    assert bcms_markers("Đe si, śutra se viđamo")["me"] >= 2


def test_result_to_dict_is_json() -> None:
    r = detect_language("Hvala puno, sve je u redu.", segments=True)
    d = json.loads(json.dumps(r.to_dict()))
    assert set(d) >= {"language", "confidence", "script", "alternatives", "reliable", "source", "segments", "tag"}
    assert isinstance(d["alternatives"], list)
    assert isinstance(r, LanguageResult)


def test_settings_are_validated() -> None:
    with pytest.raises(ConfigError):
        LanguageDetector(LanguageSettings(min_confidence=1.5))
    with pytest.raises(ConfigError):
        LanguageDetector(LanguageSettings(languages=("german",)))
    with pytest.raises(ConfigError):
        LanguageDetector().detect_many(["a", "b"], hints=[None])


def test_detect_many_matches_detect() -> None:
    det = LanguageDetector()
    texts = ["Thank you very much!", "Vielen Dank für die schnelle Hilfe!", "Köszönöm a segítséget!"]
    assert [r.language for r in det.detect_many(texts)] == [det.detect(t).language for t in texts] == ["en", "de", "hu"]


def test_restricted_languages_setting() -> None:
    det = LanguageDetector(LanguageSettings(languages=("de", "en")))
    r = det.detect("Dobar dan, gde je moja porudžbina?")
    assert r.language in ("de", "en", None)
    assert all(lang in ("de", "en") for lang, _ in r.alternatives)


@pytest.mark.parametrize("text", ["ok", "OK haha", "lol 😂😂", "thx!!"])
def test_language_neutral_tokens_are_und(text: str) -> None:
    assert detect_language(text).language is None
    assert detect_language(text, hints=LanguageHints(customer_language="hu")).language == "hu"


def test_montenegrin_forms_stay_in_bcms() -> None:
    r = detect_language("Đe si, śutra ćemo se viđet kod banke?")
    assert r.language in ("sr", "hr", "bs") and r.variety == "montenegrin"
    assert detect_language("Dziś jest śliczna pogoda, idziemy na spacer.").language == "pl"


def test_extra_languages_by_script_and_fasttext() -> None:
    assert detect_language("Спасибо большое за помощь с заказом!").language == "ru"
    assert detect_language("Cảm ơn bạn rất nhiều vì đã giúp đỡ tôi").language == "vi"
    assert detect_language("감사합니다, 주문이 아직 도착하지 않았어요").language == "ko"
    assert LanguageDetector(LanguageSettings(extra_languages=False)).detect(
        "Cảm ơn bạn rất nhiều vì đã giúp đỡ tôi").language != "vi"


def test_languages_keyword_shortcut() -> None:
    det = LanguageDetector(languages=["hr", "en"])
    assert det.settings.languages == ("hr", "en")
    assert det.detect("Dobar dan, gdje je moja narudžba?").language == "hr"


def test_bcms_hashed_features_fold_diacritics() -> None:
    from replyassist.language._model import bcms_hashed
    a, va = bcms_hashed("Ćao, šta ima?")
    b, vb = bcms_hashed("Cao, sta ima?")
    c, _ = bcms_hashed("Ћао, шта има?")
    assert set(b) < set(a)                      # folded forms shared, raw diacritic forms extra
    assert set(c) == set(a)                     # Cyrillic is transliterated first
    assert abs(float((va ** 2).sum()) - 1.0) < 1e-4 and abs(float((vb ** 2).sum()) - 1.0) < 1e-4
    assert bcms_hashed("123 !!")[0].size == 0


def test_bcms_stage_only_redistributes_sr_hr_bs() -> None:
    from replyassist.language import _backends as B
    from replyassist.language.detector import _trained_model
    model = _trained_model()
    if not model or model.bcms_stage is None:
        pytest.skip("no trained Serbian/Croatian/Bosnian stage in replyassist/models/langid/langid.npz")
    stage = model.bcms_stage
    idx = [B.LABEL_INDEX[c] for c in ("sr", "hr", "bs")]
    text = "Poštovani, gdje je moja narudžba? Čekam već tjedan dana."
    raw = model.raw(text, 40)
    p = np.full(B.N, 0.01)
    p[idx] = [0.30, 0.25, 0.20]
    p /= p.sum()
    out = stage.refine(p, text, raw)
    assert np.isclose(out[idx].sum(), p[idx].sum()) and np.isclose(out.sum(), 1.0)
    others = [i for i in range(B.N) if i not in idx]
    assert np.allclose(out[others], p[others])
    assert out[B.LABEL_INDEX["hr"]] > p[B.LABEL_INDEX["hr"]]  # ijekavian + "tjedan": Croatian gains
    q = stage.proba(text, raw)
    assert q.shape == (3,) and np.isclose(q.sum(), 1.0)
    # a German reading is left alone, and so is Cyrillic text
    pde = np.full(B.N, 0.01)
    pde[B.LABEL_INDEX["de"]] = 0.9
    assert np.array_equal(stage.refine(pde, text, raw), pde)
    cyr = "Поштовани, где је моја поруџбина?"
    assert np.array_equal(stage.refine(p, cyr, model.raw(cyr, 25)), p)
