"""Serbian / Croatian / Bosnian and script of the reply: replyassist.language.variant.

The messages below are our own, written like customers write to a shop (chat and e-mail, with and
without diacritics, upper case, emoji, Cyrillic), one list per standard.
"""
from __future__ import annotations

import json

import pytest

from replyassist.errors import ConfigError, InputError
from replyassist.language import LanguageResult, VariantDecision, resolve_variant, variant_evidence

SR = [
    "Dobar dan, gde je moja porudžbina? Čekam već nedelju dana.",
    "da li mozete da mi kazete kad stize paket, porucila sam pre 5 dana",
    "cao, htela bih da zamenim patike za veci broj 🙏",
    "Poštovani,\njuče sam uplatio 3.500 dinara, a na sajtu i dalje piše da porudžbina nije plaćena. "
    "Molim vas da proverite i javite mi.\nSrdačan pozdrav,\nMarko",
    "bre ljudi, vec treci put zovem i niko ne zna sta je sa mojom narudzbinom",
    "Hvala lepo na brzom odgovoru, sve je stiglo 👍",
    "KAD CETE VEC JEDNOM DA MI VRATITE PARE??? 2 MESECA CEKAM",
    "promenila sam mejl i sad ne mogu da se ulogujem na nalog",
    "Reklamirao sam usisivač pre dve nedelje i još uvek nemam nikakvo obaveštenje.",
    "koliko kosta dostava do Novog Sada? da li stize pre vikenda?",
    "izvinite što smetam, poslaću vam slike oštećenja, kutija je bila probušena sa leve strane",
    "ne razumem zašto mi je kartica zadužena dva puta, hitno mi treba odgovor",
]
SR_CYRL = [
    "Нисам добио рачун на мејл, можете ли да проверите?",
    "где је мој пакет??? чекам већ две недеље",
    "Здраво, да ли имате ову јакну у величини М?",
    "Поштовани, гдје могу да предам рекламацију?",   # ijekavian Cyrillic: Serbian, answered in Cyrillic
]
HR = [
    "Bok, tko mi može reći kad stiže narudžba?",
    "Poštovani, prije tjedan dana sam naručila hlače i još ništa. Možete li provjeriti?",
    "di je moj paket vec 2 tjedna cekam 😤",
    "je li moguće platiti pouzećem? hvala unaprijed",
    "sukladno zakonu o zaštiti potrošača tražim povrat novca u roku od 14 dana",
    "Računalo mi je stiglo oštećeno, zaslon je napuknut 😡",
    "kaj je s mojom narudžbom??",
    "Ne razumijem zašto mi je naplaćeno dvaput, točno 49,99 eura.",
    "Kupila sam tenisice za kćer, nisu joj dobre, kako ih mogu vratit?",
    "HITNO!!! platio sam tisuću eura i nitko se ne javlja",
    "Osobni podaci su mi krivo upisani, tko to može ispraviti?",
    "javit ću se sutra kad dođem doma, sad nemam račun kod sebe",
    "Dobra večer, vrijedi li jamstvo i za mobitel kupljen u ožujku?",
    "Pozdrav, trebam promijeniti adresu dostave, selim se idući tjedan",
]
BS = [
    "Selam, da li ste poslali moju narudžbu? Čekam već sedmicu dana.",
    "gdje je moj paket, šta se dešava?",
    "hvala vam puno, polahko, nije hitno 🙂",
    "Poštovani, prije dvije sedmice sam naručio kahvu i džezvu, a stiglo mi je nešto sasvim drugo.",
    "jel mozete poslat u Tuzlu i koliko kosta dostava u KM?",
    "da li mogu vratiti aparat za hljeb ako ga nisam ni otvorio?",
    "Historija mojih narudžbi se ne prikazuje, šta da radim?",
    "Haman sedmicu dana čekam odgovor ba, ovo je sramota",
    "platila sam 150 KM a proizvod nije stigao, vratite mi novac",
    "zasto mi niste javili da kasni posiljka? cekam vec dvije sedmice",
    "ne mogu se prijaviti na profil, stalno izbacuje grešku, uopšte ne razumijem šta se dešava",
    "Dobar dan, želio bih da provjerim da li je moja uplata od 45 KM evidentirana.",
    "jarane, kad ce vec ta posiljka, rekli ste sedmica dana a evo ih dvije",
]


def _det(lang: str | None, conf: float = 0.7, script: str | None = "Latn",
         alts: tuple[tuple[str, float], ...] = (), reliable: bool = False) -> LanguageResult:
    return LanguageResult(lang, conf, script, alts, reliable, "text")


WRONG = {"sr": "hr", "hr": "sr", "bs": "sr"}          # a misleading detector reading per standard
LOCALE_WRONG = {"sr": "hr-HR", "hr": "sr-Latn-RS", "bs": "hr-HR"}


LOCALE = {"sr": "sr-Latn-RS", "hr": "hr-HR", "bs": "bs-BA"}


@pytest.mark.parametrize("label,text", [("sr", t) for t in SR] + [("hr", t) for t in HR] + [("bs", t) for t in BS])
def test_all_three_answer_sets_against_a_wrong_detector_reading(label: str, text: str) -> None:
    d = resolve_variant(text, _det(WRONG[label]), locale=LOCALE[label], available=("sr", "hr", "bs"))
    assert (d.language, d.script) == (label, "Latn"), d
    assert d.decided_by in ("text", "locale") and d.evidence
    assert d.note is not None and d.language in d.note          # the switch from the detector is said


@pytest.mark.parametrize("label,texts", [("sr", SR), ("hr", HR), ("bs", BS)])
def test_most_messages_are_decided_by_the_text_alone(label: str, texts: list[str]) -> None:
    decided = [resolve_variant(t, _det(WRONG[label]), available=("sr", "hr", "bs")) for t in texts]
    by_text = [d for d in decided if d.decided_by == "text" and d.writer == label]
    assert all(d.language == label for d in by_text)
    assert len(by_text) >= len(texts) - 2, [d.evidence for d in decided if d not in by_text]


@pytest.mark.parametrize("label,text", [("sr", t) for t in SR] + [("hr", t) for t in HR] + [("bs", t) for t in BS])
def test_corpus_with_sr_and_hr_only_text_wins_over_a_wrong_locale(label: str, text: str) -> None:
    d = resolve_variant(text, _det(label), locale=LOCALE_WRONG[label], available=("sr", "hr"))
    expected = "hr" if label == "bs" else label    # a Bosnian writer gets the ijekavian (hr) answers
    assert (d.language, d.decided_by) == (expected, "text"), d
    if label == "bs":
        assert d.note is not None and "Bosnian" in d.note and "no bs answers" in d.note
    else:
        assert d.note is None


@pytest.mark.parametrize("text", SR_CYRL)
def test_cyrillic_writer_gets_serbian_in_cyrillic(text: str) -> None:
    for available in (("sr", "hr"), ("sr", "hr", "bs")):
        d = resolve_variant(text, _det("sr", 0.99, "Cyrl", reliable=True), customer_language="hr",
                            locale="hr-HR", available=available)
        assert (d.language, d.script, d.decided_by) == ("sr", "Cyrl", "text")
        assert "Cyrillic script" in d.evidence


def test_team_example_serbian_read_as_bosnian() -> None:
    text = "Ti ste obični lopovi, vratite mi pare ili ću vas tužiti!"
    d = resolve_variant(text, _det("bs", 0.8, reliable=True), available=("sr", "hr"))
    assert d.language == "sr" and d.script == "Latn"
    assert d.note is not None and "pare" in d.note          # guessed from the lean, and said so
    d = resolve_variant(text, _det("bs", 0.8), locale="sr-RS", available=("sr", "hr"))
    assert (d.language, d.decided_by) == ("sr", "locale")


# ------------------------------------------------------------------ hint, locale, default
UNDECIDED = "Kada stiže paket?"   # shows no variant


def test_undecided_text_uses_customer_language_then_locale_then_default() -> None:
    det = _det("sr", 0.6)
    d = resolve_variant(UNDECIDED, det, customer_language="hr", locale="sr-Latn-RS", default="sr",
                        available=("sr", "hr"))
    assert (d.language, d.decided_by) == ("hr", "customer_language")
    assert d.note == ("Serbian/Croatian/Bosnian: the text does not show which; replied in hr "
                      "(the customer's language hr).")
    d = resolve_variant(UNDECIDED, det, locale="hr-HR", default="sr", available=("sr", "hr"))
    assert (d.language, d.decided_by) == ("hr", "locale")
    assert d.note == "Serbian/Croatian/Bosnian: the text does not show which; replied in hr (locale hr-HR)."
    d = resolve_variant(UNDECIDED, _det("hr", 0.6), default="sr", available=("sr", "hr"))
    assert (d.language, d.decided_by, d.script) == ("sr", "default", "Latn")
    assert d.note is not None and "the corpus default sr" in d.note


def test_locale_forms_and_bosnian_locale_without_bs_answers() -> None:
    det = _det("sr", 0.6)
    for loc, expected in (("sr-Latn-RS", "sr"), ("sr_RS", "sr"), ("hr-HR", "hr"), ("HR", "hr"), ("en-HR", "hr"),
                          ("bs-BA", "hr"), ("bs-Latn-BA", "hr")):
        d = resolve_variant(UNDECIDED, det, locale=loc, available=("sr", "hr"))
        assert (d.language, d.decided_by) == (expected, "locale"), loc
    d = resolve_variant(UNDECIDED, det, locale="bs-BA", available=("sr", "hr"))
    assert d.note is not None and "no bs answers" in d.note and "locale bs-BA" in d.note
    d = resolve_variant(UNDECIDED, det, locale="bs-BA", available=("sr", "hr", "bs"))
    assert (d.language, d.decided_by) == ("bs", "locale")
    d = resolve_variant(UNDECIDED, det, customer_language="bs", available=("en", "de", "sr", "hr", "bs"))
    assert (d.language, d.decided_by) == ("bs", "customer_language")


def test_hint_chooses_only_among_what_the_text_leaves_open() -> None:
    # ijekavian: not Serbian; Croatian or Bosnian stays open, and the locale picks between them
    d = resolve_variant("gdje je moj paket?", _det("hr"), locale="bs-BA", available=("sr", "hr", "bs"))
    assert (d.language, d.decided_by) == ("bs", "locale")
    d = resolve_variant("gdje je moj paket?", _det("bs"), locale="sr-RS", available=("sr", "hr", "bs"))
    assert d.language in ("hr", "bs") and d.decided_by == "text" and d.note is not None


def test_nothing_to_go_by_follows_the_detector_and_says_so() -> None:
    d = resolve_variant(UNDECIDED, _det("hr", 0.9, reliable=True), available=("sr", "hr"))
    assert (d.language, d.decided_by) == ("hr", "text")
    assert d.note is not None and "no customer language, locale or default" in d.note
    d = resolve_variant(UNDECIDED, _det("bs", 0.9, reliable=True), available=("sr", "hr"))
    assert d.language == "hr"          # a Bosnian reading answered with the ijekavian set


def test_script_from_locale_when_the_text_has_no_letters() -> None:
    d = resolve_variant("👍👍 !!!", _det("sr", 0.5, "Latn"), locale="sr-Cyrl-RS", available=("sr", "hr"))
    assert (d.language, d.script, d.decided_by) == ("sr", "Cyrl", "locale")


def test_single_answer_set() -> None:
    d = resolve_variant("tjedan dana čekam, tko je odgovoran?", _det("hr"), available=("sr",))
    assert d.language == "sr" and d.decided_by == "default"
    assert d.note is not None and "only sr answers" in d.note and "Croatian" in d.note


# ------------------------------------------------------------------ applicability
def test_not_bcms_passes_through() -> None:
    d = resolve_variant("Wo bleibt meine Bestellung?", _det("de", 0.99, reliable=True), available=("sr", "hr"))
    assert (d.language, d.decided_by, d.evidence, d.note) == ("de", "not_bcms", (), None)
    d = resolve_variant("🙂", _det(None, 0.0, None), available=("sr", "hr"))
    assert (d.language, d.decided_by) == ("und", "not_bcms")


def test_unsure_detector_with_bcms_alternative() -> None:
    det = _det(None, 0.15, "Latn", (("hr", 0.14), ("sl", 0.1)))
    d = resolve_variant("tjedan dana cekam", det, available=("sr", "hr"))
    assert (d.language, d.decided_by) == ("hr", "text")
    assert d.note is not None and "unsure" in d.note
    # another language read weakly, BCMS only an alternative, the text not clear: left alone
    d = resolve_variant("kdaj pride paket", _det("sl", 0.5, "Latn", (("hr", 0.3),)), available=("sr", "hr"))
    assert (d.language, d.decided_by) == ("sl", "not_bcms")


# ------------------------------------------------------------------ evidence
def test_evidence_matches_with_and_without_diacritics() -> None:
    for a, b in (("porudžbina", "porudzbina"), ("takođe", "takodje"), ("takođe", "takode"), ("točno", "tocno"),
                 ("uopšte", "uopste"), ("tisuća", "tisuca")):
        ea, eb = variant_evidence(a), variant_evidence(b)
        assert dict(ea.scores) == dict(eb.scores) and sum(ea.scores.values()) > 0, (a, b)


def test_grammar_markers() -> None:
    assert variant_evidence("jel stiglo?").evidence == ()          # "jel" does not tell
    assert variant_evidence("je li stiglo?").scores["hr"] > 0
    assert variant_evidence("da li je stiglo?").evidence == ("'da li'",)
    e = variant_evidence("mogu da vratim")
    assert e.scores["sr"] > e.scores["hr"]
    e = variant_evidence("mogu li vratiti")
    assert e.scores["hr"] > e.scores["sr"]
    assert variant_evidence("vratiću vam se").scores["sr"] > 0
    e = variant_evidence("vratit ću vam se")
    assert e.scores["hr"] > e.scores["sr"] and e.scores["bs"] > e.scores["sr"]
    assert "plaću" not in " ".join(variant_evidence("dobio sam plaću").evidence)   # a noun, not a future


def test_reflexes() -> None:
    for text in ("gde", "mesec dana", "lepo", "vreme isporuke", "nedelju dana", "sledeće nedelje"):
        e = variant_evidence(text)
        assert e.scores["sr"] > 0 and e.scores["hr"] == e.scores["bs"] == 0, text
    for text in ("gdje", "dje ste", "mjesec dana", "lijepo", "vrijeme isporuke", "sljedeći tjedan"):
        e = variant_evidence(text)
        assert e.scores["hr"] > e.scores["sr"], text
    assert variant_evidence("vremena nemam").evidence == ()       # genitive: the same in both


# ------------------------------------------------------------------ contract
def test_to_dict_is_json_and_deterministic() -> None:
    det = _det("bs", 0.6)
    a = resolve_variant(SR[0], det, available=("sr", "hr"))
    b = resolve_variant(SR[0], det, available=("sr", "hr"))
    assert a == b and isinstance(a, VariantDecision)
    data = json.loads(json.dumps(a.to_dict()))
    assert data["language"] == "sr" and isinstance(data["evidence"], list)
    assert set(data) >= {"language", "script", "decided_by", "evidence", "note"}


def test_errors() -> None:
    det = _det("sr")
    with pytest.raises(InputError):
        resolve_variant(b"gde", det)  # type: ignore[arg-type]
    with pytest.raises(ConfigError):
        resolve_variant("gde", {"language": "sr"})  # type: ignore[arg-type]
    with pytest.raises(ConfigError):
        resolve_variant("gde", det, available="sr")
    with pytest.raises(ConfigError):
        resolve_variant("gde", det, locale=5)  # type: ignore[arg-type]
    with pytest.raises(ConfigError):
        resolve_variant("gde", det, margin=-1)


def test_never_switches_silently() -> None:
    """Whenever the reply's language differs from the detector's reading, there is a note."""
    for _label, texts in (("sr", SR), ("hr", HR), ("bs", BS)):
        for text in texts:
            for det_lang in ("sr", "hr", "bs"):
                for available in (("sr", "hr"), ("sr", "hr", "bs")):
                    d = resolve_variant(text, _det(det_lang), available=available)
                    if d.language != det_lang:
                        assert d.note, (text, det_lang, available)


def test_with_the_real_detector() -> None:
    from replyassist.language import LanguageDetector, LanguageHints

    det = LanguageDetector()
    hints = LanguageHints(corpus_languages=("en", "de", "hu", "sr", "hr"))
    cases = [(t, "sr", "Latn") for t in SR] + [(t, "sr", "Cyrl") for t in SR_CYRL] + \
            [(t, "hr", "Latn") for t in HR] + [(t, "bs", "Latn") for t in BS]
    for text, label, script in cases:
        r = det.detect(text, hints=hints)
        d = resolve_variant(text, r, available=("sr", "hr", "bs"))
        assert (d.language, d.script) == (label, script), (text, r.language, d)
        d = resolve_variant(text, r, available=("sr", "hr"))
        assert (d.language, d.script) == ("hr" if label == "bs" else label, script), (text, r.language, d)
