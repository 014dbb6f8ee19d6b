"""Protection (masking/restoring) and SafeTranslator logic, without any MT model."""
from __future__ import annotations

import json

import pytest

from replyassist.errors import InputError, TranslationError
from replyassist.translation import (
    SafeTranslator,
    TranslationResult,
    Translator,
    find_protected_spans,
    protect_spans,
    restore_spans,
    split_sentences,
)

# (language, text, names passed by the caller, every item that must be protected)
CASES = [
    ("en", "Dear Anna Kovács, your order ORD-2024-0042 (1,234.56 USD) ships on 12 May 2024 at 2:30 pm.",
     ["Anna Kovács"], ["Anna Kovács", "ORD-2024-0042", "1,234.56 USD", "12 May 2024", "2:30 pm"]),
    ("en", "Hi {customer_name}, ticket #4711 was closed on May 12, 2024. Call +44 20 7946 0958 or see "
           "www.shop.com/help.", [], ["{customer_name}", "#4711", "May 12, 2024", "+44 20 7946 0958", "www.shop.com/help"]),
    ("en", "Refund of $49.99 and €12 for AB12345 is due 2024-05-12; write to billing+eu@shop.co.uk.", [],
     ["$49.99", "€12", "AB12345", "2024-05-12", "billing+eu@shop.co.uk"]),
    ("de", "Sehr geehrter Herr Müller-Lüdenscheidt, Ihre Rechnung über 1.234,56 € vom 12. Mai 2024 "
           "(Nr. 4711) finden Sie unter https://shop.de/r/4711?x=1.", ["Müller-Lüdenscheidt"],
     ["Müller-Lüdenscheidt", "1.234,56 €", "12. Mai 2024", "4711", "https://shop.de/r/4711?x=1"]),
    ("de", "Hallo {{ kunde }}, Ihr Paket kommt am 12.05. zwischen 14.30 Uhr und 16:00 Uhr, Kosten EUR 19,90.",
     [], ["{{ kunde }}", "12.05.", "14.30", "16:00", "EUR 19,90"]),
    ("de", "Liebe Frau Weiß, bitte überweisen Sie 12,- € bis 03.06.2024 auf DE89 3704 0044 0532 0130 00.",
     ["Weiß"], ["Weiß", "12,- €", "03.06.2024", "DE89 3704 0044 0532 0130 00"]),
    ("hu", "Kedves Kovács Péter! A 12 990 Ft összegű rendelése (#4711) 2024. május 12-én érkezik.",
     ["Kovács Péter"], ["Kovács Péter", "12 990 Ft", "#4711", "2024. május 12"]),
    ("hu", "Tisztelt Szőke Éva, a számla 1.299,00 HUF, határidő május 12., hívja a 06 1 234 5678 számot.",
     ["Szőke Éva"], ["Szőke Éva", "1.299,00 HUF", "május 12.", "06 1 234 5678"]),
    ("sr", "Poštovani Đorđe Petrović, iznos od 1.299,00 RSD je uplaćen 12.05.2024. godine za porudžbinu ORD-7781.",
     ["Đorđe Petrović"], ["Đorđe Petrović", "1.299,00 RSD", "12.05.2024.", "ORD-7781"]),
    ("sr", "Поштовани Ђорђе, износ 2.500 дин. је уплаћен 12. маја 2024. године, тикет #5521.",
     ["Ђорђе"], ["Ђорђе", "2.500 дин.", "12. маја 2024.", "#5521"]),
    ("hr", "Poštovana gospođo Šimić, cijena je 49,99 kn/EUR, a dostava 12. svibnja 2024. na adresu "
           "ivana.simic@mail.hr.", ["Šimić"], ["Šimić", "49,99 kn/EUR", "12. svibnja 2024.", "ivana.simic@mail.hr"]),
    ("hr", "Javite se {agent_name} ili {{7*7}} na 01 234 5678 do 16:30 sati, broj prijave HR-2024-00017.",
     ["{agent_name}", "{{7*7}}"], ["{agent_name}", "{{7*7}}", "01 234 5678", "16:30", "HR-2024-00017"]),
]


@pytest.mark.parametrize("lang,text,names,expected", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_every_item_is_protected_and_round_trips(lang, text, names, expected):
    spans = find_protected_spans(text, names)
    assert [s.text for s in spans] == expected
    masked, mapping = protect_spans(text, names)
    for item in expected:
        assert item not in masked
    assert list(mapping.values()) == expected
    assert restore_spans(masked, mapping) == (text, ())


@pytest.mark.parametrize("text", [
    "Danke für Ihre Geduld, wir melden uns im Mai.",
    "You may return the item within a week.",
    "Köszönjük a türelmét, hamarosan jelentkezünk.",
    "Hvala na strpljenju, javit ćemo se uskoro.",
    "Хвала на стрпљењу.",
])
def test_plain_text_has_nothing_to_protect(text):
    assert find_protected_spans(text) == []
    assert protect_spans(text) == (text, {})


@pytest.mark.parametrize("number", ["1.234,56 €", "1,234.56 USD", "12 990 Ft", "1.299,00 RSD", "49,99 kn/EUR",
                                    "€ 5", "$1,000,000.00", "CHF 12.50", "12\u00a0990\u00a0Ft", "99,90 KM",
                                    "-15,00 EUR", "1 299 din"])
def test_amount_formats(number):
    spans = find_protected_spans(f"The total is {number} today.")
    assert [(s.kind, s.text) for s in spans] == [("amount", number)]


@pytest.mark.parametrize("date", ["12.05.2024", "2024-05-12", "12 May 2024", "May 12, 2024", "12. Mai 2024",
                                  "12. Jänner 2024", "2024. május 12", "12. maja 2024", "12. svibnja 2024",
                                  "12. мај 2024", "05/12/2024", "2024.05.12", "1. 2. 2024", "3rd March 2024"])
def test_date_formats(date):
    spans = find_protected_spans(f"It arrives on {date} as promised.")
    assert [s.text for s in spans] == [date]
    assert spans[0].kind in ("date",)


@pytest.mark.parametrize("name", ["Đurđa Čolić", "Szőke Éva", "Jean-Luc O'Brien", "Ana (Ani) Horvat",
                                  "{agent_name}", "{{7*7}}", "${user}", "Ђорђе Петровић", "Zoë"])
def test_caller_names_any_shape(name):
    text = f"Hello {name}, thank you, {name}!"
    masked, mapping = protect_spans(text, [name])
    assert name not in masked and list(mapping.values()) == [name, name]
    assert restore_spans(masked, mapping) == (text, ())


def test_name_matching_is_whole_word_case_aware_and_whitespace_flexible():
    text = "ANNA MARIA\nHorvat wrote; Annabelle did not; Anna  Maria did."
    spans = find_protected_spans(text, ["Anna Maria"])
    assert [s.text for s in spans] == ["ANNA MARIA", "Anna  Maria"]
    assert find_protected_spans("Annabelle", ["Anna"]) == []
    # an agent called Will does not freeze the verb
    assert [s.text for s in find_protected_spans("Will says we will call.", ["Will"])] == ["Will"]
    # a decomposed name (NFD) still matches the NFC text
    import unicodedata
    assert [s.text for s in find_protected_spans("Hallo Jürgen!", [unicodedata.normalize("NFD", "Jürgen")])] == ["Jürgen"]
    spans = find_protected_spans("Anna Maria Horvat", ["Anna Maria Horvat", "Anna"])
    assert [s.text for s in spans] == ["Anna Maria Horvat"]   # longest wins


def test_word_suffixes_stay_outside_the_protected_span():
    # Hungarian case endings and compound words belong to the translatable text, not to the number
    spans = find_protected_spans("A #4711-es rendelés 2008-ban, az 1940-es években; ein 3-Tonnen-Boot.")
    assert [s.text for s in spans] == ["#4711", "2008", "1940", "3"]
    assert [s.text for s in find_protected_spans("Ticket #1234-B and ord-2024-0042.")] == ["#1234-B", "ord-2024-0042"]


def test_email_containing_a_name_stays_one_span():
    spans = find_protected_spans("Write to anna.horvat@shop.hr, Anna.", ["Anna"])
    assert [(s.kind, s.text) for s in spans] == [("email", "anna.horvat@shop.hr"), ("name", "Anna")]


def test_sentence_final_dot_stays_outside_unless_part_of_the_date():
    assert [s.text for s in find_protected_spans("Stiže 12.05.2024. Hvala.")] == ["12.05.2024"]
    assert [s.text for s in find_protected_spans("Stiže 12.05.2024. godine.")] == ["12.05.2024."]


def test_restore_tolerates_what_mt_does_to_tokens():
    text = "Dear {name}, order #4711 costs 12 990 Ft."
    masked, mapping = protect_spans(text)
    assert masked == "Dear XQ0, order XQ1 costs XQ2."
    variants = {
        "Kedves XQ 0, a XQ1 rendelés ára XQ2.": "Kedves {name}, a #4711 rendelés ára 12 990 Ft.",
        "kedves xq0, a x q1 rendelés ára Xq2.": "kedves {name}, a #4711 rendelés ára 12 990 Ft.",
        "XQ2 kostet Bestellung XQ-1, liebe XQ0.": "12 990 Ft kostet Bestellung #4711, liebe {name}.",
        "Kedves XQ0nak, XQ1-es rendelés: XQ2.": "Kedves {name}nak, #4711-es rendelés: 12 990 Ft.",
    }
    for translated, expected in variants.items():
        assert restore_spans(translated, mapping) == (expected, ())


def test_restore_reports_dropped_and_duplicated_items():
    masked, mapping = protect_spans("Order #4711 of 12.05.2024 for Ana.", ["Ana"])
    restored, lost = restore_spans("Order XQ0 for XQ2 and XQ2.", mapping)
    assert restored == "Order #4711 for Ana and Ana."
    assert lost == ("12.05.2024", "Ana")
    # a different number is not a near match: XQ10 is not XQ1
    assert restore_spans("XQ10 XQ0 XQ2", mapping)[1] == ("12.05.2024",)


def test_token_prefix_changes_when_text_already_contains_tokens():
    text = "Code XQ1 is not ours; order #4711."
    masked, mapping = protect_spans(text)
    assert masked == "Code QZ0 is not ours; order QZ1." and mapping == {"QZ0": "XQ1", "QZ1": "#4711"}
    assert restore_spans(masked, mapping) == (text, ())


def test_bad_input():
    with pytest.raises(InputError):
        find_protected_spans(b"bytes")  # type: ignore[arg-type]
    with pytest.raises(InputError):
        find_protected_spans("x", [3])  # type: ignore[list-item]
    with pytest.raises(InputError):
        restore_spans("x", {"XQ0": "a", "QZ1": "b"})
    assert protect_spans("") == ("", {})
    assert restore_spans("unchanged", {}) == ("unchanged", ())


def test_split_sentences():
    assert split_sentences("Danke, Dr. Weber. Ihre Bestellung kommt z.B. morgen! Gut?") == [
        "Danke, Dr. Weber.", "Ihre Bestellung kommt z.B. morgen!", "Gut?"]
    assert split_sentences("Stiže 12. maja. Hvala!") == ["Stiže 12. maja.", "Hvala!"]
    assert split_sentences("Version 1.2 is out. Update now.") == ["Version 1.2 is out.", "Update now."]
    assert split_sentences("  ") == []


# --------------------------------------------------------------------------------------------
# SafeTranslator with small scripted backends
# --------------------------------------------------------------------------------------------

class Scripted:
    """A backend that applies ``fn`` to the masked text and counts calls."""

    def __init__(self, fn, model_id="scripted-1", pairs=(("de", "en"), ("en", "de"))):
        self.fn, self.model_id, self.pairs, self.calls = fn, model_id, list(pairs), 0

    def supports(self, source, target):
        return (source, target) in self.pairs

    def translate(self, text, source, target):
        self.calls += 1
        return self.fn(text)


def test_protocol_is_runtime_checkable():
    assert isinstance(Scripted(str.upper), Translator)
    assert not isinstance(object(), Translator)


def test_safe_translation_ok_and_marked_machine_translated():
    backend = Scripted(lambda t: t.replace("Ihre Bestellung", "Your order").replace("kommt am", "arrives on"))
    safe = SafeTranslator(backend)
    r = safe.translate("Ihre Bestellung #4711 kommt am 12. Mai 2024, {name}.", "de", "en")
    assert r.ok and r.machine_translated and r.lost == ()
    assert r.text == "Your order #4711 arrives on 12. Mai 2024, {name}."
    assert r.source_text.startswith("Ihre Bestellung") and r.source_language == "de"
    assert r.protected == ("#4711", "12. Mai 2024", "{name}") and r.model_id == "scripted-1"
    d = r.to_dict()
    assert json.loads(json.dumps(d)) == d and d["disclosure"].startswith("Machine-translated from German (de)")


def test_lost_item_flags_result_and_offers_untranslated_text():
    safe = SafeTranslator(Scripted(lambda t: t.replace("XQ1", "4711")))  # MT "localised" the token
    text = "Hallo Ana, Bestellung #4711 ist da."
    r = safe.translate(text, "de", "en", protect=["Ana"])
    assert not r.ok and r.lost == ("#4711",) and r.text == text and not r.machine_translated
    assert r.attempt == "Hallo Ana, Bestellung 4711 ist da."
    assert any("#4711" in n for n in r.notes)


def test_duplicated_and_hallucinated_tokens_are_rejected():
    dup = SafeTranslator(Scripted(lambda t: t + " XQ0")).translate("Hallo Ana.", "de", "en", protect=["Ana"])
    assert not dup.ok and dup.lost == ("Ana",)
    extra = SafeTranslator(Scripted(lambda t: t + " XQ7")).translate("Hallo Ana.", "de", "en", protect=["Ana"])
    assert not extra.ok and extra.lost == () and any("XQ7" in n for n in extra.notes)
    empty = SafeTranslator(Scripted(lambda t: "  ")).translate("Hallo.", "de", "en")
    assert not empty.ok and empty.text == "Hallo."


def test_same_language_and_empty_text_do_not_call_the_backend():
    backend = Scripted(str.upper)
    safe = SafeTranslator(backend)
    r = safe.translate("Hallo Ana", "de-AT", "DE", protect="Ana")
    assert r.ok and not r.machine_translated and r.text == "Hallo Ana" and r.protected == ("Ana",)
    assert safe.translate("   ", "de", "en").text == "   "
    assert backend.calls == 0


def test_missing_pair_and_backend_failures_raise_translation_error():
    safe = SafeTranslator(Scripted(str.upper))
    with pytest.raises(TranslationError) as err:
        safe.translate("Hallo", "de", "hu")
    assert "replyassist models install-translation de hu" in str(err.value)

    def boom(_):
        raise RuntimeError("out of memory")
    with pytest.raises(TranslationError, match="out of memory"):
        SafeTranslator(Scripted(boom)).translate("Hallo", "de", "en")
    with pytest.raises(TranslationError, match="expected str"):
        SafeTranslator(Scripted(lambda t: None)).translate("Hallo", "de", "en")
    with pytest.raises(InputError):
        safe.translate("Hallo", "deutsch!", "en")
    with pytest.raises(InputError):
        safe.translate(None, "de", "en")  # type: ignore[arg-type]


def test_cache_is_keyed_by_masked_text_pair_and_model(tmp_path):
    backend = Scripted(str.upper)
    safe = SafeTranslator(backend, cache_dir=tmp_path)
    a = safe.translate("Danke Ana, Bestellung #4711.", "de", "en", protect=["Ana"])
    b = safe.translate("Danke Mia, Bestellung #9000.", "de", "en", protect=["Mia"])
    assert backend.calls == 1 and b.cached and b.text == "DANKE Mia, BESTELLUNG #9000."
    safe.translate("Danke Ana, Bestellung #4711.", "en", "de", protect=["Ana"])
    assert backend.calls == 2
    backend.model_id = "scripted-2"                     # new model version -> new key
    safe.translate("Danke Ana, Bestellung #4711.", "de", "en", protect=["Ana"])
    assert backend.calls == 3
    assert safe.cache_info()["hits"] == 1 and safe.cache_info()["misses"] == 3
    assert (tmp_path / "translations.sqlite").is_file()
    assert not a.cached


def test_translation_result_is_frozen():
    r = TranslationResult("a", "a", "de", "de", True, (), "m")
    with pytest.raises(AttributeError):   # dataclasses.FrozenInstanceError
        r.ok = False  # type: ignore[misc]


def test_identity_round_trip_on_random_text():
    """restore(protect(t)) == t for arbitrary strings, including ones that contain token look-alikes."""
    import random

    rng = random.Random(0)
    pieces = ["XQ1", "xq 2", "QZ0", "ZX3", "#4711", "12.05.2024.", "1.234,56 €", "{name}", "{{7*7}}", "Ana",
              "a@b.hr", "www.x.de/a_b", "2024-05-12", "14:30", "+36 1 234 5678", "ő", "Ђ", " ", "  ", "\n", ",",
              ".", "-", "ban", "Ft", "7", "0", "(", ")", "%(x)s", "<b>", "№", "XQ", "Q", "X"]
    for _ in range(500):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 25)))
        masked, mapping = protect_spans(text, ["Ana"])
        assert restore_spans(masked, mapping) == (text, ()), text


def test_without_argostranslate_nothing_is_supported_and_the_hint_is_precise(monkeypatch):
    from replyassist.errors import MissingDependencyError
    from replyassist.translation import argos as translation

    def missing():
        raise MissingDependencyError.for_package("argostranslate", "Machine translation", "translate")
    monkeypatch.setattr(translation, "_import_argos", missing)
    tr = translation.ArgosTranslator()
    assert not tr.supports("de", "en") and tr.pairs == [] and tr.supports("de", "de")
    assert 'pip install "replyassist[translate]"' in tr.problems[0]
    with pytest.raises(MissingDependencyError, match=r'replyassist\[translate\]'):
        tr.translate("Hallo", "de", "en")
    with pytest.raises(MissingDependencyError):
        SafeTranslator(tr).translate("Hallo", "de", "en")
    assert SafeTranslator(tr).translate("Hallo", "de", "de").ok
