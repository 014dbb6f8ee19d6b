"""Situation qualifiers and what the drafter does with them (issue 14, item 4):

- ``overdue``: a customer who has already waited longer than the FAQ's usual time (or writes
  again) is not told "usually 2-4 working days" again: the timeline answer becomes "this takes
  too long, we are checking your order", after an apology without "thanks for your patience";
- ``injury``: a safety incident in which a person was hurt gets a reply that names the injury and
  asks them to see a doctor, not "we hope everyone is all right";
- a legal threat about a real problem opens with the apology for that problem;
- an answer missing in the customer's language gives a holding reply in their language.

Messages are written as customers write (no diacritics, Cyrillic, lower-case chat); labels are in
the parametrisation.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from replyassist.corpus import load_corpus
from replyassist.drafting import Drafter, DraftRequest
from replyassist.matching import Match, MatchResult
from replyassist.signals.situation import detect_situations

ROOT = Path(__file__).resolve().parent.parent
SHOP = load_corpus(ROOT / "faq_corpus" / "shop")
DRAFTER = Drafter()


@pytest.mark.parametrize("lang, text, overdue", [
    ("en", "ordered 3 weeks ago and still nothing. where is my parcel??", True),
    ("en", "My parcel is late, it was supposed to come yesterday.", False),
    ("en", "This is my fourth email about the refund, still nothing!", True),
    ("de", "Ich warte seit zwei Wochen auf meine Bestellung 40211, wo bleibt sie?", True),
    ("de", "Meine Bestellung ist noch nicht da, wann kommt sie?", False),
    ("hu", "mar 3 hete varok a csomagra, hol van??", True),
    ("hu", "Még nem érkezett meg a csomagom, mikor jön?", False),
    ("sr", "Поручио сам пре три недеље и пакет још није стигао.", True),
    ("hr", "cekam povrat novca vec 5 tjedana, a nitko se ne javlja", True),
    ("bs", "Paket jos nije stigao, kad mogu ocekivati?", False),
    ("sr", "„достава 2-4 радна дана“ 😂 данас је 11. дан. јел пакет иде пешке?", True),   # "day 11"
    ("de", "Heute ist der 12. Tag und meine Bestellung ist immer noch nicht da.", True),
])
def test_overdue_is_told_from_a_plain_delay(lang, text, overdue):
    s = detect_situations(text, lang)
    assert ("overdue" in s.kinds) is overdue, s.evidence
    assert s.primary != "overdue"


@pytest.mark.parametrize("lang, text, injury", [
    ("en", "The kettle exploded and my son needed 4 stitches on his hand.", True),
    ("en", "The charger caught fire on my desk, luckily nobody was home.", False),
    ("de", "Das Ladegerät hat gebrannt, meine Tochter hat sich die Hand verbrannt und war beim Arzt.", True),
    ("hu", "a vízforraló megrázott, azóta zsibbad a karom, orvoshoz kell mennem", True),
    ("hu", "A töltő kigyulladt az asztalon, szerencsére senki nem sérült meg.", False),
    ("hr", "punjac se zapalio i dijete se opeklo, morali smo na hitnu pomoc", True),
    ("sr", "Пуњач је почео да дими и искочила је варница.", False),
])
def test_injury_only_with_a_safety_incident(lang, text, injury):
    s = detect_situations(text, lang)
    assert s.primary == "safety", s.evidence
    assert ("injury" in s.kinds) is injury, s.evidence
    assert "injury" not in detect_situations("Can I get stitches in the sleeve repaired?", "en").kinds


def _match(faq_id: str, band: str = "confident") -> MatchResult:
    return MatchResult(matches=(Match(faq_id, 0.8, "q", "en", "x"),), band=band, confidence=0.9)


def _draft(text: str, lang: str, faq_id: str, **kw) -> object:
    s = detect_situations(text, lang)
    return DRAFTER.draft(DraftRequest(message=text, language=lang, script=None, match=_match(faq_id), corpus=SHOP,
                                      situations=s.kinds, sentiment_label=kw.pop("sentiment", "negative"),
                                      channel=kw.pop("channel", "email"), **kw))


@pytest.mark.parametrize("lang, text, timeline, checking", [
    ("en", "I ordered three weeks ago and nothing has arrived. Where is it?", "2-4", "taking longer than it should"),
    ("de", "Ich warte seit drei Wochen auf meine Lieferung. Wo bleibt sie?", "2-4", "länger, als es sollte"),
    ("hu", "Már három hete várok a csomagomra, hol van?", "2-4", "tovább tart, mint kellene"),
    ("hr", "Narudžba kasni, čekam već tri tjedna. Gdje je paket?", "2-4", "dulje nego što bi trebalo"),
])
def test_overdue_customer_is_not_told_the_usual_delivery_time(lang, text, timeline, checking):
    d = _draft(text, lang, "delivery-times", values={"order_id": "#40211"})
    assert timeline not in d.text and checking in d.text and "40211" in d.text, d.text
    assert any("waited longer than the usual time" in n for n in d.notes)
    # a customer who is not overdue gets the normal answer
    calm = _draft("How long does delivery take to Hungary?", "en", "delivery-times", sentiment="neutral")
    assert "working days" in calm.text


def test_repeat_apology_has_no_thanks_for_patience():
    d = _draft("This is my fourth email. Where is my refund??", "en", "refund-timing")
    assert "patience" not in d.text.lower() and "contact us again" in d.text
    d = _draft("Ovo je četvrti put da pišem, gdje je povrat novca?", "hr", "refund-timing")
    assert "strpljenj" not in d.text and "ponovno pisati" in d.text


def test_legal_threat_about_a_problem_opens_with_the_apology():
    text = "Third email about the double charge. If it is not refunded by Friday I will contact my lawyer."
    s = detect_situations(text, "en")
    assert {"legal", "repeat"} <= set(s.kinds)
    d = _draft(text, "en", "payment-charged-twice")
    assert "sorry" in d.text.lower() and "senior colleague" in d.text and "Thank you for your message" not in d.text


def test_hungarian_legal_letter_is_addressed_tisztelt():
    text = "Harmadszor írok a dupla terhelés miatt. Ha péntekig nem rendezik, ügyvédhez fordulok."
    d = _draft(text, "hu", "payment-charged-twice", customer_name="Dr. Molnár Ákos")
    assert d.text.startswith("Tisztelt "), d.text


def test_safety_with_injury_names_it_in_every_language():
    # (the customer's son, daughter or child is named: "your daughter was hurt")
    cases = [("en", "The heater caught fire and my daughter got burned, she needed stitches.", "your daughter was hurt"),
             ("de", "Der Wasserkocher ist explodiert, mein Sohn hat sich verletzt und musste ins Krankenhaus.",
              "Ihr Sohn verletzt"),
             ("hu", "A töltő kigyulladt, a lányom megégette a kezét, kórházba kellett vinni.", "a lánya megsérült"),
             ("sr", "Пуњач се запалио и дете се опекло, морали смо у болницу.", "Ваше дете повредило"),
             ("bs", "Punjač se zapalio i dijete je povrijeđeno, bili smo kod ljekara.", "Vaše dijete povrijedilo"),
             ("en", "The heater caught fire and I burned my hand, I needed stitches.", "injury"),
             ("de", "Der Wasserkocher ist explodiert, ich habe mich verbrüht und musste ins Krankenhaus.",
              "Verletzung")]
    for lang, text, word in cases:
        d = _draft(text, lang, "delivery-times")
        assert d.kind == "safety" and word in d.text, (lang, d.text)
        assert "everyone" not in d.text and "mindenki" not in d.text


def test_answer_missing_in_the_customers_language_gives_a_holding_reply_in_it():
    # delivery-packstation-de has a German answer only
    text = "Dobar dan, živim u Minhenu. Da li mogu da poručim na DHL Packstation?"
    d = _draft(text, "sr", "delivery-packstation-de", sentiment="neutral")
    assert d.language == "sr" and d.kind == "acknowledgement" and "Packstation" not in d.text
    assert any("delivery-packstation-de" in n and "(the entry has de)" in n for n in d.notes)


def test_praise_without_a_question_gets_thanks_not_a_doubtful_answer():
    text = "@kosarica great service, ordered monday night and the parcel was at my door wednesday morning 😍"
    s = detect_situations(text, "en")
    assert s.kinds == ("praise",)
    d = DRAFTER.draft(DraftRequest(message=text, language="en", script=None, match=_match("delivery-times", "suggest"),
                                   corpus=SHOP, situations=s.kinds, sentiment_label="positive", channel="twitter"))
    assert d.kind == "thanks" and "working days" not in d.text and "kind words" in d.text


def test_praise_with_an_unanswered_question_thanks_once_and_holds():
    text = "Love your shop, every order was perfect! Could you wrap a tea set as a gift and leave out the price?"
    d = DRAFTER.draft(DraftRequest(message=text, language="en", script=None, match=_match_none(), corpus=SHOP,
                                   situations=("praise",), sentiment_label="positive", channel="email"))
    assert "kind words" in d.text and "passed your message on" in d.text and d.text.count("Thank") == 1, d.text


def _match_none() -> MatchResult:
    return MatchResult(matches=(), band="no_match", confidence=0.05)


@pytest.mark.parametrize("lang, text", [
    ("en", "The charger caught fire on my desk. Fortunately nobody was hurt, but the desk is scorched."),
    ("de", "Das Ladegerät hat Feuer gefangen, zum Glück wurde niemand verletzt."),
    ("hu", "A töltő kigyulladt, szerencsére senki nem sérült meg."),
    ("hr", "Punjač se zapalio, srećom nitko nije ozlijeđen."),
])
def test_nobody_hurt_is_no_injury(lang, text):
    s = detect_situations(text, lang)
    assert s.primary == "safety" and "injury" not in s.kinds, s.evidence
