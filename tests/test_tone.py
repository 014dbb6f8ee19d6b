"""Tone check: every finding kind in every language (en, de, hu, sr Latin + Cyrillic, hr)."""
from __future__ import annotations

import pytest

from replyassist.drafting import Draft, DraftSettings, latin_to_cyrillic
from replyassist.tone import ImpolitenessScorer, ToneChecker, ToneFinding, cue_features

CHECKER = ToneChecker()
LANGS = ("en", "de", "hu", "sr", "sr-Cyrl", "hr")


def draft(text: str, lang: str, register: str = "formal", **kw) -> Draft:
    if lang == "sr-Cyrl":
        return Draft(text=latin_to_cyrillic(text), language="sr", register=register, script="Cyrl",
                     personalisation=kw.pop("personalisation", ("customer_name",)), **kw)
    return Draft(text=text, language=lang, register=register,
                 personalisation=kw.pop("personalisation", ("customer_name",)), **kw)


def kinds(findings: list[ToneFinding], kind: str) -> list[ToneFinding]:
    return [f for f in findings if f.kind == kind]


def spans(d: Draft, findings: list[ToneFinding]) -> list[str]:
    return [d.text[f.start:f.end] for f in findings]


def check(d: Draft, **kw) -> list[ToneFinding]:
    kw.setdefault("customer_register", None)
    kw.setdefault("negative_customer", False)
    kw.setdefault("channel", "email")
    return CHECKER.check(d, **kw)


def _src(lang: str) -> str:
    return "sr" if lang == "sr-Cyrl" else lang


# Clean, polite, personalised drafts: no findings at all (the checker must not cry wolf).
CLEAN = {
    "en": "Dear Anna Kovács,\n\nYou can follow order #4711 with the tracking link in your confirmation e-mail.\n\nKind regards,\nPéter",
    "de": "Guten Tag Jonas Weber,\n\nSie können die Bestellung #4711 über den Link in der Versandbestätigung verfolgen.\n\nFreundliche Grüße\nPéter",
    "hu": "Kedves Kovács Anna!\n\nA #4711 számú rendelés útját a visszaigazoló e-mailben található linken követheti.\n\nÜdvözlettel:\nPéter",
    "sr": "Dobar dan, Marko Marković,\n\nPorudžbinu #4711 možete da pratite preko linka iz imejla o slanju.\n\nSrdačan pozdrav,\nPéter",
    "hr": "Dobar dan, Ana Horvat,\n\nNarudžbu #4711 možete pratiti putem poveznice iz e-maila o slanju.\n\nSrdačan pozdrav,\nPéter",
}
CLEAN["sr-Cyrl"] = CLEAN["sr"]


@pytest.mark.parametrize("lang", LANGS)
def test_clean_draft_has_no_findings(lang):
    d = draft(CLEAN[lang], lang)
    assert check(d, customer_register="formal") == []


# (text, expected span) per language for each lexicon kind, in the formal register
CASES = {
    "register_mismatch": {
        "en": ("Hey guys, your order #4711 has shipped.", "Hey"),
        "de": ("Guten Tag, du kannst die Bestellung #4711 jetzt verfolgen.", "du"),
        "hu": ("Kedves Anna! A rendelésed útnak indult, te is követheted.", "te"),
        "sr": ("Dobar dan, porudžbinu #4711 možeš da pratiš preko linka.", "možeš"),
        "sr-Cyrl": ("Dobar dan, porudžbinu #4711 možeš da pratiš preko linka.", "можеш"),
        "hr": ("Dobar dan, narudžbu #4711 možeš pratiti putem poveznice.", "možeš"),
    },
    "slang": {
        "en": ("No worries, we will get the ball rolling on order #4711.", "No worries"),
        "de": ("Kein Stress, die Bestellung #4711 ist unterwegs.", "Kein Stress"),
        "hu": ("Semmi gáz, a #4711 rendelés már úton van.", "Semmi gáz"),
        "sr": ("Nema frke, porudžbina #4711 je već poslata.", "Nema frke"),
        "sr-Cyrl": ("Nema frke, porudžbina #4711 je već poslata.", "Нема фрке"),
        "hr": ("Nema frke, narudžba #4711 je već poslana.", "Nema frke"),
    },
    "blame": {
        "en": ("You should have checked the size chart before ordering #4711.", "You should have"),
        "de": ("Sie hätten die Größentabelle vor der Bestellung #4711 prüfen müssen.", "Sie hätten"),
        "hu": ("A #4711 rendelés előtt meg kellett volna néznie a mérettáblázatot.", "kellett volna"),
        "sr": ("Trebali ste da proverite tabelu veličina pre porudžbine #4711.", "Trebali ste"),
        "sr-Cyrl": ("Trebali ste da proverite tabelu veličina pre porudžbine #4711.", "Требали сте"),
        "hr": ("Trebali ste provjeriti tablicu veličina prije narudžbe #4711.", "Trebali ste"),
    },
    "overpromise": {
        "en": ("We guarantee that order #4711 will arrive tomorrow.", "guarantee"),
        "de": ("Die Bestellung #4711 kommt garantiert morgen an.", "garantiert"),
        "hu": ("A #4711 rendelést azonnal kiszállítjuk.", "azonnal"),
        "sr": ("Porudžbinu #4711 šaljemo odmah.", "odmah"),
        "sr-Cyrl": ("Porudžbinu #4711 šaljemo odmah.", "одмах"),
        "hr": ("Jamčimo da narudžba #4711 stiže sutra.", "Jamčimo"),
    },
    "impolite": {
        "en": ("Calm down, order #4711 is not lost.", "Calm down"),
        "de": ("Beruhigen Sie sich, die Bestellung #4711 ist nicht verloren.", "Beruhigen Sie sich"),
        "hu": ("Nyugodjon le, a #4711 rendelés nem veszett el.", "Nyugodjon le"),
        "sr": ("Smirite se, porudžbina #4711 nije izgubljena.", "Smirite se"),
        "sr-Cyrl": ("Smirite se, porudžbina #4711 nije izgubljena.", "Смирите се"),
        "hr": ("Smirite se, narudžba #4711 nije izgubljena.", "Smirite se"),
    },
    "shouting": {
        "en": ("Your order #4711 has ALREADY BEEN SHIPPED!!!", "ALREADY BEEN SHIPPED"),
        "de": ("Ihre Bestellung #4711 wurde BEREITS VERSCHICKT!!!", "BEREITS VERSCHICKT"),
        "hu": ("A #4711 rendelést MÁR FELADTUK!!!", "MÁR FELADTUK"),
        "sr": ("Porudžbina #4711 je VEĆ POSLATA!!!", "VEĆ POSLATA"),
        "sr-Cyrl": ("Porudžbina #4711 je VEĆ POSLATA!!!", "ВЕЋ ПОСЛАТА"),
        "hr": ("Narudžba #4711 je VEĆ POSLANA!!!", "VEĆ POSLANA"),
    },
    "unfilled_placeholder": {
        "en": ("You can follow {order_id} at the link.", "{order_id}"),
        "de": ("Sie können [ORDER NUMBER] über den Link verfolgen.", "[ORDER NUMBER]"),
        "hu": ("A {order_id} rendelést a linken követheti.", "{order_id}"),
        "sr": ("Porudžbinu {order_id} možete da pratite preko linka.", "{order_id}"),
        "sr-Cyrl": ("Porudžbinu {order_id} možete da pratite preko linka.", "{order_id}"),
        "hr": ("Narudžbu {{order_id}} možete pratiti putem poveznice.", "{{order_id}}"),
    },
    "generic": {
        "en": ("Dear customer,\n\nyour order has shipped.", "Dear customer"),
        "de": ("Sehr geehrte Damen und Herren,\n\nIhre Bestellung ist unterwegs.", "Sehr geehrte Damen und Herren"),
        "hu": ("Kedves Ügyfelünk!\n\nA rendelését feladtuk.", "Kedves Ügyfelünk"),
        "sr": ("Poštovani korisniče,\n\nVaša porudžbina je poslata.", "Poštovani korisniče"),
        "sr-Cyrl": ("Poštovani korisniče,\n\nVaša porudžbina je poslata.", "Поштовани корисниче"),
        "hr": ("Poštovani korisniče,\n\nVaša narudžba je poslana.", "Poštovani korisniče"),
    },
}


@pytest.mark.parametrize("kind", sorted(CASES))
@pytest.mark.parametrize("lang", LANGS)
def test_lexicon_kinds(kind, lang):
    text, span = CASES[kind][lang]
    d = draft(text, lang, personalisation=() if kind == "generic" else ("customer_name",))
    found = kinds(check(d, customer_register="formal"), kind)
    assert span in spans(d, found), (kind, lang, [(f.kind, d.text[f.start:f.end]) for f in check(d)])
    for f in found:
        assert 0 <= f.start <= f.end <= len(d.text) and f.message and f.suggestion
        assert f.severity in ("error", "warning", "info")


@pytest.mark.parametrize("lang", LANGS)
def test_register_mismatch_informal_customer(lang):
    """The customer writes du/te/ti and the brand mirrors: formal pronouns are flagged."""
    texts = {"en": "Dear Anna, we would be grateful if you checked the link.",
             "de": "Hallo Jonas, Sie können die Bestellung verfolgen.",
             "hu": "Szia Anna! Önnek már elküldtük a linket.",
             "sr": "Zdravo, Marko, Vi možete da pratite porudžbinu.",
             "sr-Cyrl": "Zdravo, Marko, Vi možete da pratite porudžbinu.",
             "hr": "Bok, Ana, Vi možete pratiti narudžbu."}
    expected = {"en": "Dear", "de": "Sie", "hu": "Önnek", "sr": "Vi", "sr-Cyrl": "Ви", "hr": "Vi"}
    d = draft(texts[lang], lang, register="informal")
    found = kinds(check(d, customer_register="informal"), "register_mismatch")
    assert expected[lang] in spans(d, found)
    # the brand's policy wins over the customer
    strict = ToneChecker(DraftSettings(formality="formal"))
    d2 = draft(CLEAN[lang], lang)
    assert not kinds(strict.check(d2, customer_register="informal", negative_customer=False, channel=None), "register_mismatch")


@pytest.mark.parametrize("lang", LANGS)
def test_missing_empathy(lang):
    d = draft(CLEAN[lang], lang)
    found = kinds(check(d, negative_customer=True, customer_register="formal"), "missing_empathy")
    assert len(found) == 1 and found[0].start > 0   # points at the first paragraph after the greeting
    empathic = {"en": "I am very sorry for the trouble.", "de": "Es tut mir sehr leid.", "hu": "Nagyon sajnálom a kellemetlenséget.",
                "sr": "Izvinjavamo se zbog neprijatnosti.", "sr-Cyrl": "Izvinjavamo se zbog neprijatnosti.",
                "hr": "Ispričavamo se zbog neugodnosti."}[lang]
    src = CLEAN[lang].replace("\n\n", "\n\n" + empathic + "\n\n", 1)
    assert not kinds(check(draft(src, lang), negative_customer=True, customer_register="formal"), "missing_empathy")


@pytest.mark.parametrize("lang,cheer", [("en", "Great news"), ("de", "Gute Nachrichten"), ("hu", "Jó hír"),
                                        ("sr", "Dobre vesti"), ("hr", "Dobre vijesti")])
def test_cheerful_opener_to_angry_customer(lang, cheer):
    text = CLEAN[lang].replace("\n\n", f"\n\n{cheer}! I am sorry. Sajnálom. Žao nam je. Es tut mir leid.\n\n", 1)
    d = draft(text, lang)
    found = kinds(check(d, negative_customer=True, customer_register="formal"), "missing_empathy")
    assert cheer in spans(d, found)


@pytest.mark.parametrize("lang", LANGS)
def test_generic_without_personalisation(lang):
    d = draft(CLEAN[lang], lang, personalisation=())
    assert kinds(check(d, customer_register="formal"), "generic")


@pytest.mark.parametrize("lang", LANGS)
def test_too_long_for_twitter(lang):
    d = draft(" ".join([CLEAN[lang].replace("\n", " ")] * 3), lang)
    found = kinds(check(d, channel="x", customer_register="formal"), "too_long")
    assert len(found) == 1 and found[0].end == len(d.text) and 0 < found[0].start <= 280
    assert not kinds(check(d, channel="email", customer_register="formal"), "too_long")


@pytest.mark.parametrize("lang,ask", [("en", "Please send us your phone number."), ("de", "Bitte nennen Sie uns Ihre Telefonnummer."),
                                      ("hu", "Kérjük, adja meg a telefonszámát."), ("sr", "Pošaljite nam Vaš broj telefona."),
                                      ("hr", "Pošaljite nam Vaš broj telefona.")])
def test_personal_data_in_public_channels(lang, ask):
    d = draft(CLEAN[lang].replace("\n\n", "\n\n" + ask + "\n\n", 1), lang)
    assert kinds(check(d, channel="facebook", customer_register="formal"), "public_personal_data")
    assert not kinds(check(d, channel="email", customer_register="formal"), "public_personal_data")


def test_words_to_avoid_and_value_spans():
    tc = ToneChecker({"words_to_avoid": ["cheap", "unfortunately"]})
    d = Draft(text="Dear {agent_name},\n\nUnfortunately the cheap model is sold out.", language="en", register="formal",
              value_spans=((5, 17, "customer_name"),), personalisation=("customer_name",))
    found = tc.check(d, customer_register=None, negative_customer=False, channel="email")
    assert {"cheap", "Unfortunately"} <= set(spans(d, kinds(found, "avoid_word")))
    # a customer literally called "{agent_name}" is not an unfilled placeholder
    assert not kinds(found, "unfilled_placeholder")


def test_acronyms_and_single_exclamation_are_not_shouting():
    d = Draft(text="Kedves Kovács Anna!\n\nA DHL-es csomagot (PDF számla, IBAN) feladtuk.", language="hu",
              register="formal", personalisation=("customer_name",))
    assert not kinds(check(d, customer_register="formal"), "shouting")


def test_findings_serialise_and_are_sorted():
    d = draft(CASES["blame"]["en"][0] + " We guarantee it!!!", "en")
    found = check(d, customer_register="formal")
    assert [f.start for f in found] == sorted(f.start for f in found)
    assert all(isinstance(f.to_dict()["start"], int) for f in found)


# ------------------------------------------------------------------------------ impoliteness signal


def test_impoliteness_scores_order_polite_below_rude():
    s = ImpolitenessScorer()
    polite = ["Could you please take a look at this when you have a moment? Thanks a lot!",
              "Hallo, könnten Sie mir bitte helfen? Vielen Dank!",
              "Jó napot! Megnézné, kérem, hol tart a rendelés? Köszönöm szépen."]
    rude = ["Why did you revert my edit? This is stupid and obviously wrong.",
            "Warum haben Sie das gelöscht? Das ist doch Unsinn, offensichtlich falsch.",
            "Miért törölték? Ez hülyeség, nyilvánvalóan rossz, komolyan."]
    p = s.score(polite + rude, ["en", "de", "hu"] * 2)
    assert (p[:3] < p[3:]).all(), p
    assert cue_features("Thanks!", "hu").shape == cue_features("Köszönöm!", "hu").shape


def test_impolite_sentence_flag_from_the_model():
    tc = ToneChecker(impolite_threshold=0.55)
    d = draft("Dear Anna,\n\nWhy did you not read it? That is stupid and obviously wrong, seriously.\n\nKind regards,\nPéter", "en")
    assert kinds(tc.check(d, customer_register="formal", negative_customer=False, channel="email"), "impolite")


def test_e5_head_direction():
    """With vectors, the joint model is used: its vector-weight direction raises P(impolite)."""
    import numpy as np
    from replyassist.tone.politeness import MODEL_DIR
    s = ImpolitenessScorer()
    if not (MODEL_DIR / "joint.npz").is_file():
        pytest.skip("joint head not trained (python -m benchmarks.politeness --train)")
    w = np.load(MODEL_DIR / "joint.npz")["w"][:384]
    v = np.stack([w, -w]) / np.linalg.norm(w)
    texts = ["Could you check it, please?"] * 2
    p = s.score(texts, ["en", "en"], vectors=v.astype(np.float32))
    cues_only = s.score_cues(texts, ["en", "en"])
    assert p[0] > cues_only[0] > p[1]


@pytest.mark.parametrize("lang,text,word,replacement", [
    ("de", "Guten Tag, du kannst die Bestellung verfolgen.", "du", "Sie"),
    ("hu", "Kedves Kovács Anna! Neked már elküldtük a linket.", "Neked", "Önnek"),
    ("sr", "Dobar dan, možeš da pratiš porudžbinu.", "možeš", "možete"),
    ("sr-Cyrl", "Dobar dan, možeš da pratiš porudžbinu.", "можеш", "можете"),
    ("hr", "Dobar dan, tvoja narudžba je poslana.", "tvoja", "Vaša"),
    ("en", "Hey Anna, your order has shipped.", "Hey", "Dear ..."),
])
def test_register_suggestions_name_the_replacement(lang, text, word, replacement):
    d = draft(text, lang)
    found = [f for f in kinds(check(d, customer_register="formal"), "register_mismatch") if d.text[f.start:f.end] == word]
    assert found and repr(replacement) in found[0].suggestion, [f.suggestion for f in found]


def test_overpromise_suggests_a_safer_phrase():
    d = draft("Your order will ship immediately.", "en")
    f = kinds(check(d, customer_register="formal"), "overpromise")[0]
    assert "as soon as possible" in f.suggestion
