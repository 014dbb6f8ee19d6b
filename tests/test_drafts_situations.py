"""Drafts for situations a team lead reads closely (issue 14): a fault is not "damaged", a step the
customer has taken is not asked again, someone else's password is refused, a forum gets an answer in
the thread, a sad emoji on a stock question is no grievance, an overdue order is checked, not pointed
at "your account", "within the hour" instead of "within 1 hour".

The messages are written as customers write them; the situations come from the real detector
(``detect_situations``) and the answers from the demo corpus, so each test runs the drafter on what
the pipeline would hand it (only the FAQ match is given)."""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from replyassist.corpus import load_corpus
from replyassist.drafting import Drafter, DraftRequest
from replyassist.matching import Match, MatchResult
from replyassist.signals.situation import detect_situations

CORPUS = load_corpus(Path(__file__).resolve().parents[1] / "faq_corpus" / "shop")
OPEN = datetime(2026, 11, 20, 9, 0, tzinfo=timezone.utc)   # a Friday morning, the team is in
DRAFTER = Drafter()


def draft(message: str, lang: str, faq_id: str | None, *, channel: str = "email", sentiment: str = "neutral",
          score: float | None = None, action: str = "answer_publicly", script: str | None = None,
          name: str | None = "Kim Lee"):
    situations = detect_situations(message, lang).kinds
    m = (MatchResult(matches=(), band="no_match", confidence=0.05) if faq_id is None else
         MatchResult(matches=(Match(faq_id, 0.9, "q", lang, "x"),), band="confident", confidence=0.9))
    return DRAFTER.draft(DraftRequest(message=message, language=lang, script=script, match=m, corpus=CORPUS,
                                      sentiment_label=sentiment, sentiment_score=score, escalation_action=action,
                                      customer_name=name, agent_name="Mira Kovač", channel=channel, now=OPEN,
                                      situations=situations))


# -- a fault is not "damaged", a smashed mirror is not "not working" ---------------------------------

@pytest.mark.parametrize("lang,message,says,never", [
    ("en", "Wow, the 'salon quality' hair dryer lasted a whole 7 weeks 👏 now it only blows cold air. How do I get "
           "it fixed?", "isn't working as it should", "damaged"),
    ("de", "Der Mixer läuft nur noch, wenn man ihn schüttelt. Nach 3 Wochen! Wie kann ich das reklamieren?",
     "nicht richtig funktioniert", "beschädigt"),
    ("hu", "a hajszárító elromlott, csak hideg levegőt fúj. hogyan tudom reklamálni?", "nem működik", "sérült"),
    ("sr", "фен је покварен, дува само хладан ваздух. како да га рекламирам?", "не ради како треба", "оштећен"),
])
def test_a_fault_gets_the_not_working_apology(lang, message, says, never):
    d = draft(message, lang, "warranty-claim", sentiment="negative", score=-0.8,
              script="Cyrl" if lang == "sr" else None, name=None)
    assert says in d.text and never not in d.text, d.text


@pytest.mark.parametrize("lang,message,says,never", [
    ("en", "The mirror arrived smashed to pieces, glass all over the box. What now?", "is damaged", "not working"),
    ("de", "Der Spiegel kam komplett zerbrochen an, überall Scherben im Karton. Was nun?", "beschädigt ist",
     "funktioniert"),
])
def test_broken_goods_get_the_damaged_apology(lang, message, says, never):
    d = draft(message, lang, "delivery-damaged-parcel", sentiment="negative", score=-0.8, name=None)
    assert says in d.text and never not in d.text, d.text


# -- what the customer has already done ---------------------------------------------------------

def test_neighbours_already_asked_are_not_suggested_again():
    msg = ('Tracking says "delivered - left in safe place" but we live in a flat, there is no safe place 🙃 asked the '
           "neighbours on our floor, nobodys got it. what happens now??")
    d = draft(msg, "en", "delivery-marked-delivered-not-received", sentiment="negative", score=-0.7)
    assert "neighbour" not in d.text.lower() and "investigation" in d.text, d.text
    assert any("already done" in n for n in d.notes)
    # the same answer to someone who has not asked them yet keeps the step
    d = draft("Tracking says delivered but there's no parcel. What should I do?", "en",
              "delivery-marked-delivered-not-received")
    assert "neighbours" in d.text


def test_forgot_password_already_clicked_is_not_repeated():
    msg = "hab schon 3x auf passwort vergessen geklickt, aber die mail kommt einfach nicht. was soll ich machen?"
    d = draft(msg, "de", "account-password-reset", name=None)
    assert "Passwort vergessen" not in d.text and "Spam" in d.text, d.text


def test_nothing_left_of_the_answer_gives_a_holding_reply():
    msg = ("I clicked forgot password three times, nothing came, and I checked my spam folder too, nothing there. "
           "Can you help?")
    d = draft(msg, "en", "account-password-reset")
    assert d.kind == "acknowledgement" and "Forgot password" not in d.text and "spam" not in d.text.lower(), d.text


# -- someone else's account ---------------------------------------------------------------------

@pytest.mark.parametrize("lang,message,says", [
    ("de", "meine mutter hat ein konto bei euch, kommt aber mit dem ganzen kram nicht klar. könnt ihr ihr passwort "
           "ändern und mir das neue sagen? bin ihre tochter", "nur auf Wunsch der Person"),
    ("en", "hi, my mum can't get into her account, can you reset her password and send the new one to me?",
     "only change a password or other account details"),
    ("sr", "Pozdrav, mozete li mi reci maminu lozinku, ona je zaboravila a ja joj sredjujem porudzbine", "vlasnika naloga"),
])
def test_someone_elses_password_is_refused_first(lang, message, says):
    d = draft(message, lang, "account-password-reset", name=None)
    paras = d.text.split("\n\n")
    assert any(says in p for p in paras[:2]), d.text     # before the steps, not after them
    assert any("another person's account" in n for n in d.notes)
    own = draft("I forgot my password, how do I reset it?", "en", "account-password-reset")
    assert "account holder" not in own.text


# -- public channels ----------------------------------------------------------------------------

def test_forum_holding_reply_says_we_answer_in_the_thread():
    msg = ("Does anyone know if the kids' water bottles Kosarica sells (350ml, dinosaur print) are BPA free? Product "
           "page doesn't say and I'd rather not guess with a toddler")
    d = draft(msg, "en", None, channel="forum", name=None)
    assert "reply here" in d.text and "within 24 hours" in d.text, d.text


def test_sad_emoji_on_a_public_stock_question_is_not_taken_private_or_apologised_for():
    msg = ("Hat jemand ne Ahnung, ob Kosarica die Leinenbettwäsche in Salbeigrün wieder reinbekommt? Ist seit Wochen "
           "ausverkauft und ich will nicht ewig warten 😩")
    d = draft(msg, "de", "order-stock-availability", channel="forum", sentiment="negative", score=-0.89,
              action="move_to_private", name=None)
    assert "private Nachricht" not in d.text and "Ärger" not in d.text and "Benachrichtigen" in d.text, d.text
    # a real case of the customer's own on a public channel still goes private
    d = draft("@kosarica order 58820 still not here after 12 days, this is a joke!!", "en", "order-status",
              channel="twitter", sentiment="negative", score=-0.8, action="move_to_private", name=None)
    assert "private message" in d.text, d.text


def test_public_case_that_goes_private_is_not_also_promised_an_answer_here():
    d = draft("@kosarica you charged me twice for the same order!! sort it out", "en", None, channel="twitter",
              sentiment="negative", score=-0.8, action="move_to_private", name=None)
    assert "private message" in d.text and "get back to you" not in d.text and "reply here" not in d.text, d.text


# -- overdue orders ------------------------------------------------------------------------------

def test_overdue_order_is_checked_not_pointed_at_the_account():
    msg = "This is my third e-mail. Order 58820 was placed 12 days ago and is still not here. Where is it?"
    d = draft(msg, "en", "order-status", sentiment="negative", score=-0.7)
    assert "My orders" not in d.text and "check your order 58820" in d.text, d.text
    # a first, calm question gets the self-service answer
    d = draft("Hi, where can I see where my order is?", "en", "order-status")
    assert "My orders" in d.text


def test_calm_question_with_a_sad_emoji_gets_no_generic_apology_but_outrage_does():
    d = draft("das kleid ist in M leider zu weit 😕 kann ich das gegen ein S umtauschen oder muss ich neu bestellen?",
              "de", "return-exchange", sentiment="negative", score=-0.9, name=None)
    assert "Ärger" not in d.text and "Unmut" not in d.text, d.text
    d = draft("Das ist eine Frechheit, wie kann ich das Kleid umtauschen?", "de", "return-exchange",
              sentiment="negative", score=-0.9, name=None)
    assert "tut mir sehr leid" in d.text or "tut mir wirklich leid" in d.text, d.text


@pytest.mark.parametrize("lang,phrase", [("en", "within the hour"), ("de", "innerhalb einer Stunde"),
                                         ("hu", "egy órán belül"), ("hr", "u roku od sat vremena")])
def test_one_hour_reads_naturally(lang, phrase):
    d = draft("?", lang, None, channel="facebook_messenger", name=None)
    assert phrase in d.text, d.text


# -- letters from a solicitor --------------------------------------------------------------------

@pytest.mark.parametrize("lang,message,greeting,never", [
    ("en", "Dear Sirs,\n\nWe act for Mrs Eleanor Grant in connection with the dishwasher supplied under order 44102, "
           "which has failed twice within four months. Please provide, within 14 days, details of your complaints "
           "procedure. Failing a satisfactory response, our client will issue proceedings.\n\nHarwood & Lyle Solicitors",
     "Dear Sir or Madam,", "photos"),
    ("de", "Sehr geehrte Damen und Herren,\n\nin Vertretung meiner Mandantin, Frau Brigitte Lang, wende ich mich wegen "
           "der Waschmaschine aus Bestellung 44987 an Sie. Andernfalls werden wir rechtliche Schritte einleiten.\n\n"
           "Dr. Stefan Huber, Rechtsanwalt", "Sehr geehrte Damen und Herren,", "Fotos"),
])
def test_a_solicitors_letter_is_answered_to_the_firm_without_consumer_steps(lang, message, greeting, never):
    d = draft(message, lang, "complaint-procedure", sentiment="negative", score=-0.8, action="hand_to_senior",
              name="Eleanor Grant" if lang == "en" else "Brigitte Lang")
    assert d.text.startswith(greeting) and never not in d.text and "Grant" not in d.text and "Lang" not in d.text, d.text
    # a customer who threatens to hand it to their own lawyer is still the one answered
    d = draft("Ha nem kapom vissza a pénzem, átadom az ügyet a jogi képviselőmnek. Kétszer vonták le az összeget!",
              "hu", "payment-charged-twice", sentiment="negative", score=-0.8, name="Molnár Ákos")
    assert "Címzett" not in d.text and d.kind == "answer", d.text


@pytest.mark.parametrize("name,expected", [("Nikola Petrović", "Poštovani gospodine Petroviću,"),
                                           ("Mirza Kovačević", "Poštovani gospodine Kovačeviću,"),
                                           ("Ana Horvat", "Poštovana gospođo Horvat,")])
def test_formal_bcms_greeting_knows_mens_names_in_a(name, expected):
    d = draft("Poštovani, da li mogu da platim pouzećem? Srdačan pozdrav", "sr", "payment-methods", name=name)
    assert d.text.startswith(expected), d.text


# -- safety when nobody was hurt; lost parcels; refunds; the thanks after an apology -------------

def test_safety_when_nobody_was_hurt_is_relieved_not_hopeful_and_asks_to_keep_the_remains():
    msg = ("Last night the USB-C charger I bought from you overheated and began to smoke beside my son's bed. "
           "Fortunately nobody was hurt. Please tell me how to report this formally.")
    d = draft(msg, "en", "warranty-claim", sentiment="negative", score=-0.9, action="hand_to_senior")
    assert "nobody was hurt" in d.text and "hope everyone" not in d.text and "damaged parts" in d.text, d.text
    # the message is the official report they asked how to make; no FAQ answer
    assert "official report of a safety incident" in d.text and d.kind == "safety", d.text
    assert "you do not need to file anything else" in d.text


@pytest.mark.parametrize("lang,message,says,never", [
    ("en", 'Tracking says "delivered - left in safe place" but we live in a flat 🙃 nobody has it. what now??',
     "hasn't reached you", "still waiting"),
    ("hu", "A csomag kézbesítve státuszban van, de nem kaptam meg semmit. Mit tegyek?", "nem jutott el", "várnia"),
    ("sr", "пише да је пакет испоручен, али ја нисам ништа добила. шта сад?", "није стигао до", "чека"),
])
def test_parcel_marked_delivered_gets_its_own_apology(lang, message, says, never):
    d = draft(message, lang, "delivery-marked-delivered-not-received", sentiment="negative", score=-0.7,
              script="Cyrl" if lang == "sr" else None, name=None)
    assert says in d.text and never not in d.text, d.text


def test_refund_problem_is_not_called_a_payment_problem_and_a_calm_money_question_gets_no_apology():
    d = draft("I returned the lamp three weeks ago and still haven't received my refund. Where is my money??", "en",
              "refund-timing", sentiment="negative", score=-0.8)
    assert "refund" in d.text.split("\n\n")[1] and "payment" not in d.text.split("\n\n")[1], d.text
    calm = ("I returned one of three cushions and got EUR 14.00 back; I had expected part of the delivery charge to be "
            "refunded as well. Could you explain how the amount was calculated?")
    d = draft(calm, "en", "refund-shipping-costs", sentiment="negative", score=-0.43)
    assert "sorry" not in d.text.lower(), d.text


def test_overdue_on_a_public_channel_asks_for_a_private_message():
    d = draft("@kosarica my vacuum went to your service partner 5 weeks ago and I'm still waiting. any news? 🙄",
              "en", "warranty-repair-status", channel="twitter", sentiment="negative", score=-0.6, name=None)
    assert "private message" in d.text, d.text


def test_holding_reply_after_an_apology_does_not_thank_again():
    d = draft("I am so fed up with your website, nothing works on it!!", "en", None, sentiment="negative", score=-0.9)
    assert "Thank you for your message" not in d.text and "passed your message on" in d.text, d.text


def test_a_request_without_a_question_mark_counts_as_a_second_question():
    from replyassist.drafting import asks   # the one detector the assistant and the drafter share
    assert asks("pls close my account, moving abroad", "en") and asks("bitte auch vom Newsletter abmelden", "de")
    assert asks("Молим вас да ме скинете са те листе.", "sr") and asks("kérem, töröljék a fiókomat", "hu")
    # statements and complaints are not
    assert not asks("sinu za rođendan želim pokloniti slušalice.", "bs") and not asks("The parcel arrived broken.", "en")


def test_overdue_with_nothing_in_the_faq_says_the_case_is_checked_and_goes_private_on_twitter():
    d = draft("@kosarica svaka čast 👏👏 treći tjedan čekam jednu tavu. ide li pješke ili? narudžba 38812, di je zapela",
              "hr", None, channel="twitter", sentiment="negative", score=-0.9, action="move_to_private", name=None)
    assert "dulje nego što bi trebalo" in d.text and "privatnoj poruci" in d.text and "Hvala na poruci" not in d.text, d.text


def test_a_doctor_is_greeted_by_title_and_a_firm_is_closed_faithfully():
    msg = ("Good afternoon,\n\nLast night the charger I bought from you began to smoke. Fortunately nobody was hurt.\n\n"
           "Regards,\nDr Helen Okafor")
    d = draft(msg, "en", "warranty-claim", sentiment="negative", score=-0.9, name="Helen Okafor")
    assert d.text.startswith("Dear Dr Okafor,"), d.text
    d = draft("Dear Sirs,\n\nWe act for Mrs Grant. Our client will issue proceedings.\n\nHarwood Solicitors", "en",
              "complaint-procedure", sentiment="negative", score=-0.8, name="Eleanor Grant")
    assert "Yours faithfully," in d.text and "Kind regards" not in d.text, d.text


@pytest.mark.parametrize("lang,message,says,never", [
    ("en", "My parcel came today but the baby bath is missing from the box, only the towels were in it. What now?",
     "missing from your parcel", "what you ordered"),
    ("bs", "Stigao paket ali u njemu nije bilo kadice za bebu, fali. Šta sad?", "nešto nedostaje", "pogrešan"),
])
def test_a_missing_item_is_not_called_a_wrong_item(lang, message, says, never):
    d = draft(message, lang, "complaint-missing-item", sentiment="negative", score=-0.6, name=None)
    assert says in d.text and never not in d.text, d.text


@pytest.mark.parametrize("name,lang,greeting", [("Dušica Petrović", "sr", "Zdravo, Dušice,"),
                                                ("Ivica Horvat", "hr", "Bok, Ivice,")])
def test_names_in_ica_are_greeted_in_the_vocative(name, lang, greeting):
    d = draft("cao, koliko kosta dostava?", lang, "delivery-costs", name=name)
    assert d.text.startswith(greeting), d.text


@pytest.mark.parametrize("lang", ["en", "de", "hu", "sr", "hr", "bs"])
def test_our_own_phrases_pass_our_own_tone_check(lang):
    """No locale or empathy phrase may be flagged by the tone check's lexicons (the overdue line once said
    "azonnal"/"sofort"/"odmah", and every draft using it came with an overpromise finding)."""
    import yaml
    from replyassist.drafting.locales import get_locale
    from replyassist.signals.situation import EMPATHY_DIR
    loc = get_locale(lang)
    base = Path(__file__).resolve().parents[1] / "replyassist" / "data" / "locales"
    data = yaml.safe_load((base / f"{lang}.yaml").read_text(encoding="utf-8"))
    data.update({"empathy." + k: v for k, v in
                 yaml.safe_load((EMPATHY_DIR / f"{lang}.yaml").read_text(encoding="utf-8")).items()})
    skip = {"lexicon", "register_swap", "order_number_given", "status_pointer", "already_done"}
    bad = []

    def walk(key, value):
        if isinstance(value, str):
            bad.extend((key, lex, [h.text for h in loc.find(value, lex)]) for lex in ("overpromise", "blame", "impolite")
                       if loc.find(value, lex))
        elif isinstance(value, dict):
            for k, v in value.items():
                walk(f"{key}.{k}", v)
    for k, v in data.items():
        if k not in skip:
            walk(k, v)
    assert not bad, bad


def test_refund_weeks_overdue_after_two_unanswered_letters_is_checked_not_told_bank_times():
    msg = ("Sehr geehrte Damen und Herren,\n\nbereits am 2. und am 16. Februar habe ich Ihnen wegen der ausstehenden "
           "Erstattung zu Bestellung 40917 geschrieben, ohne eine Antwort zu erhalten. Auf meinem Konto ist bis heute "
           "nichts eingegangen.\n\nJürgen Hoffmann")
    d = draft(msg, "de", "refund-not-received", sentiment="negative", score=-0.5, name="Jürgen Hoffmann")
    assert "5-10 Werktage" not in d.text and "Bestellung 40917 vorrangig" in d.text, d.text
    assert "erneut bei uns melden mussten" in d.text
    # an overcharge the customer wants refunded is a charge problem, not a refund problem
    s = detect_situations("My card statement shows a charge of EUR 93.99 instead of 39.99. Please refund the difference.",
                          "en")
    assert "billing" in s.kinds and "refund" not in s.kinds


def test_a_dropped_step_leaves_no_word_pointing_back_at_it():
    # (a "what do I do?" question gets the how-to answer; without it the report gets the "requested" answer)
    msg = "KÉZBESÍTVE??? Egész nap itthon voltam, a szomszéd se tud semmiről!!! Mit tegyek most?"
    d = draft(msg, "hu", "delivery-marked-delivered-not-received", sentiment="negative", score=-0.9, name=None)
    assert "szomszéd" not in d.text and "így sem" not in d.text and "Ha a csomag nem kerül elő" in d.text, d.text


# -- a public reply cut to 280 characters keeps a short apology ---------------------------------------

@pytest.mark.parametrize("lang,message,apology", [
    ("hu", "@kosarica Gratulálok 👏👏 ma van pont 3 hete, hogy leadtam a rendelést, a csomag meg valahol Narnia felé "
           "járhat. Elárulnátok, hol tart? 🙃", "Bocsi a csúszásért!"),
    ("en", "@kosarica my stick vacuum went off to your service partner 5 weeks ago, loving the suspense 🍿 any chance "
           "it comes home before easter?", "sorry for the wait!"),
])
def test_twitter_cut_keeps_a_short_apology(lang, message, apology):
    faq = "order-status" if lang == "hu" else "warranty-repair-status"
    d = draft(message, lang, faq, channel="twitter", sentiment="negative", score=-0.9,
              action="move_to_private", name=None)
    # the full empathy line when it fits, else the short apology: never none
    assert ("Sajnálom" in d.text or "sorry" in d.text.lower() or apology in d.text) and len(d.text) <= 280, d.text


def test_the_short_apology_replaces_a_long_empathy_line():
    from replyassist.drafting.drafter import Drafter
    from replyassist.drafting.locales import get_locale
    loc = get_locale("hu")
    assert Drafter._short_empathy(loc, "informal", ("delay", "sarcasm")) == "Bocsi a csúszásért!"
    assert Drafter._short_empathy(loc, "formal", ("safety", "injury")) is None
    msg = ("@kosarica Gratulálok 👏👏 ma van pont 3 hete, hogy leadtam a rendelést, de azóta sem jött semmi, a "
           "csomag meg valahol Narnia felé járhat, pedig expressz szállítást fizettem és már többször írtam. "
           "Elárulnátok végre, hol tart? 🙃")
    d = draft(msg, "hu", "order-status", channel="twitter", sentiment="negative", score=-0.9,
              action="move_to_private", name="Kovács Eszter")
    assert len(d.text) <= 280 and ("Bocsi" in d.text or "Sajnálom" in d.text), d.text


# -- the one hurt is named ------------------------------------------------------------------------------

@pytest.mark.parametrize("lang,message,says", [
    ("en", "The glass lid shattered and my 8-year-old daughter cut her hand, she needed stitches at A&E.",
     "your daughter was hurt"),
    ("de", "Der Deckel ist zersprungen, mein Sohn hat sich an der Hand geschnitten und musste genäht werden.",
     "dass Ihr Sohn verletzt wurde"),
    ("hu", "Szétpattant a fedő, a hatéves lányom megvágta a kezét, az ügyeletre kellett vinnünk.", "a lánya megsérült"),
    ("hr", "Poklopac je puknuo, a sin (4 godine) se porezao po ruci. Bili smo na hitnoj, morali su ga šivati.",
     "Vaš sin ozlijedio"),
    ("sr", "Ћерка (9 година) се посекла на поклопац који је био напукао, били смо код лекара.",
     "Ваша ћерка повредила"),
])
def test_an_injured_child_is_named_in_the_safety_reply(lang, message, says):
    d = draft(message, lang, "warranty-claim", sentiment="negative", score=-0.9, action="escalate",
              script="Cyrl" if lang == "sr" else None, name=None)
    assert says in d.text, d.text
    assert "quick recovery" not in d.text or "wish her" in d.text


def test_an_adult_injury_keeps_the_general_line():
    d = draft("The kettle handle broke and I burned my hand, I had to see a doctor.", "en", "warranty-claim",
              sentiment="negative", score=-0.9, action="escalate", name=None)
    assert "sorry to hear about the injury" in d.text, d.text


# -- an order number the customer gave is not asked for again ------------------------------------------

def test_a_bare_order_number_is_not_asked_for_again():
    d = draft("hi just checked my banking app and theres 2 payments of 74.99 to kosarica from yesterday but i only "
              "placed 1 order?? its 61204", "en", "payment-charged-twice", channel="chat", sentiment="negative",
              score=-0.5)
    assert "order number" not in d.text, d.text


@pytest.mark.parametrize("text,number", [("Elárulnátok, hol tart az 51207-es? 🙃", "51207"),
                                         ("поруџбина бр. 58120 још није стигла", "58120"),
                                         ("где је поруџбина 58120?", "58120")])
def test_order_numbers_in_hungarian_suffix_form_and_cyrillic_are_found(text, number):
    from replyassist.text import find_pii
    assert [text[s.start:s.end] for s in find_pii(text) if s.kind == "order_id"] == [number]


@pytest.mark.parametrize("text", ["ma van 3 hete, a 20000-es összeg még nem jött vissza", "a 12990-es cipő kicsi",
                                  "10000 Zagreb, Ilica 5"])
def test_amounts_and_postcodes_are_not_order_numbers(text):
    from replyassist.drafting.drafter import _bare_number_given
    from replyassist.text import find_pii
    assert not [s for s in find_pii(text) if s.kind == "order_id"]
    assert not _bare_number_given(text) or "Zagreb" not in text


# -- Serbian Cyrillic writes loanwords in Cyrillic; a formal chat reply greets formally -----------------

def test_loanwords_are_transliterated_but_urls_are_not():
    from replyassist.drafting.script import latin_to_cyrillic
    out = latin_to_cyrillic("Odjava sa newslettera: https://shop.example/newsletter ili news@shop.example")
    assert out.startswith("Одјава са њузлетера:") and "https://shop.example/newsletter" in out
    assert "news@shop.example" in out


def test_formal_serbian_chat_greeting_is_not_zdravo():
    d = draft("Dobar dan, da li imate program lojalnosti? Kupujem kod Vas već tri godine.", "sr", None,
              channel="facebook", name="Vesna Marković")
    assert d.text.startswith("Dobar dan, Vesna,"), d.text


# -- a question without "?" is a question --------------------------------------------------------------

@pytest.mark.parametrize("lang,sentence", [("de", "und kann ich beim zusteller bar zahlen"),
                                           ("sr", "jel moze i placanje pouzecem"),
                                           ("hu", "szeretném a fiókomat is törölni"),
                                           ("en", "do you ship to ireland too")])
def test_questions_without_a_question_mark_ask(lang, sentence):
    from replyassist.drafting import asks
    assert asks(sentence, lang)


# -- the message is the request itself: the entry's "requested" answer -----------------------------------

@pytest.mark.parametrize("lang,message,faq,says,never", [
    ("en", "Under Article 15 GDPR I request a copy of all personal data you hold about me.", "privacy-data-export",
     "We have received your request", "by replying to this message"),
    ("hr", "Na računu za narudžbu 50733 upisan je pogrešan OIB. Ispravan OIB je 71234509876, molim novi račun.",
     "invoice-correction", "hvala na ispravnim podacima", "pošaljete broj narudžbe"),
    ("sr", "u praćenju piše isporučeno u utorak, a ja ništa nisam primio. pitao sam i komšije. šta sad?",
     "delivery-marked-delivered-not-received", "Pokrećemo reklamaciju", "u roku od 7 dana"),
])
def test_a_request_gets_the_requested_answer(lang, message, faq, says, never):
    d = draft(message, lang, faq)
    assert says in d.text and never not in d.text, d.text


@pytest.mark.parametrize("lang,message", [("en", "How can I get a copy of my personal data?"),
                                          ("sr", "Kako da dobijem kopiju svojih ličnih podataka?")])
def test_a_how_to_question_keeps_the_how_to_answer(lang, message):
    d = draft(message, lang, "privacy-data-export")
    assert ("Download my data" in d.text or "Preuzmi moje podatke" in d.text), d.text


def test_a_doubtful_match_never_commits_to_the_request():
    situations = detect_situations("cancel my order and give me my money back", "en").kinds
    m = MatchResult(matches=(Match("account-delete", 0.3, "q", "en", "x"),), band="suggest", confidence=0.4)
    d = DRAFTER.draft(DraftRequest(message="cancel my order and give me my money back", language="en", script=None, match=m,
                                   corpus=CORPUS, sentiment_label="negative", escalation_action="answer_publicly",
                                   channel="chat", now=OPEN, situations=situations))
    assert "We'll close your account" not in d.text and "We will close your account" not in d.text, d.text


def test_the_corpus_reads_requested_answers():
    from replyassist.corpus import CorpusError, corpus_from_dicts
    c = corpus_from_dicts([{"id": "x", "category": "c", "questions": {"en": ["delete my account"]},
                            "answers": {"en": "You can delete it in settings."},
                            "requested": {"en": {"formal": "We will delete it.", "informal": "We'll delete it."}}}])
    assert c.get("x").requested["en"].informal == "We'll delete it."
    assert "requested" in c.get("x").to_dict()
    with pytest.raises(CorpusError, match="unknown register"):
        corpus_from_dicts([{"id": "x", "category": "c", "questions": {"en": ["q"]}, "answers": {"en": "a"},
                            "requested": {"en": {"polite": "b"}}}])


# -- someone else's password: the holder's own way, no steps addressed to the wrong person ---------------

def test_third_party_password_request_gets_no_faq_steps():
    d = draft("suprug je na putu i ne može se prijaviti. Možete li promijeniti lozinku na njegovu računu i poslati "
              "je meni? Imam sve njegove podatke.", "hr", "account-password-reset")
    assert "Vlasnik računa može" in d.text and "svojeg korisničkog računa" not in d.text, d.text


# -- a cancel request on an order that has not shipped is not a delay; "clicked twice" is not a repeat ------

@pytest.mark.parametrize("lang,message", [
    ("sr", "otkazite mi porudzbinu 77310 pls, nasla sam istu lampu jeftinije 🙈 jos nije poslata"),
    ("en", "can you cancel my order 4411? it hasn't shipped yet"),
    ("bs", "jel mogu otkazat narudzbu? slucajno sam dvaput kliknuo pa sad imam dvije iste"),
])
def test_cancel_requests_are_calm(lang, message):
    assert not {"delay", "repeat"} & set(detect_situations(message, lang).kinds)


# -- a safety incident where the product is already put aside (or burnt): "keep it", not "do not use it", and
# no thanks for "acting so quickly" (it reads oddly after a fire or a night in A&E) ------------------------

@pytest.mark.parametrize("lang,message,says,never", [
    ("en", "The kettle gave me an electric shock from its metal body this morning. We have stopped using it. "
           "Is this model being recalled?", "until we have examined them", "do not use the product"),
    ("en", "The charger caught fire on my bedside table last night!!! How do I report this?",
     "until we have examined them", "do not use the product"),
    ("de", "Der Heizlüfter hat gestern gequalmt, die Steckdose ist angekohlt. Mein Mann hat das Gerät sofort "
           "ausgesteckt. Wohin soll ich es schicken?", "bis wir sie geprüft haben", "nicht weiter"),
    ("hu", "A radiátor kapcsolója megrázott, a karom még most is zsibbad. Többé nem merem használni. Hogyan "
           "küldhetem vissza?", "amíg meg nem vizsgáljuk", "ne használja"),
    ("sr", "Кувало ме ударило струјом преко металне дршке. Одмах смо га искључили и више га не користимо. "
           "Како да га рекламирам?", "док их не прегледамо", "више не користите"),
    ("sr", "Пуњач се ноћас ЗАПАЛИО на ноћном сточићу!!! Изгорео кабл. Где да вам пошаљем остатке?",
     "док их не прегледамо", "више не користи"),
    ("bs", "ketler me udario strujom kad sam ga ukljucio!! sad je iskljucen i ne diram ga vise. kako da ga "
           "reklamiram?", "dok ih ne pregledamo", "više ne koristi"),
])
def test_safety_asks_a_customer_who_already_put_the_product_aside_to_keep_it(lang, message, says, never):
    found = detect_situations(message, lang)
    assert "safety" in found.kinds and "secured" in found.kinds, found
    d = draft(message, lang, None, sentiment="negative", score=-0.8, script="Cyrl" if lang == "sr" else None,
              action="hand_to_senior", name=None)
    assert says in d.text and never not in d.text, d.text
    for thanks in ("so quickly", "so schnell", "gyorsan intézkedett", "брзој реакцији", "brzoj reakciji"):
        assert thanks not in d.text, d.text


def test_safety_without_a_word_about_the_product_still_says_do_not_use_it():
    message = "The heater gave my daughter a shock when she touched it!!! How do I report this?"
    assert "secured" not in detect_situations(message, "en").kinds
    d = draft(message, "en", None, sentiment="negative", score=-0.9, action="hand_to_senior", name=None)
    assert "Please do not use the product any more" in d.text, d.text


@pytest.mark.parametrize("lang,channel,photos", [("en", "email", "photos of the product"),
                                                 ("de", "chat", "Fotos vom Produkt"),
                                                 ("hr", "facebook", None)])
def test_safety_reply_says_the_message_is_the_report_and_asks_for_photos_only_in_private(lang, channel, photos):
    message = {"en": "The lid of the pan shattered while I was cooking and my son cut his hand. Who do I report this to?",
               "de": "Der Deckel ist beim Kochen zersprungen, mein Sohn hat sich geschnitten. Wo melde ich das?",
               "hr": "Poklopac je puknuo dok sam kuhala i sin se porezao. Kome se ovo prijavljuje?"}[lang]
    d = draft(message, lang, None, sentiment="negative", score=-0.8, action="hand_to_senior", name=None,
              channel=channel)
    report = {"en": "official report", "de": "offizielle Meldung", "hr": "službenu prijavu"}[lang]
    assert report in d.text, d.text
    if photos:
        assert photos in d.text, d.text
    else:
        assert "fotografije" not in d.text and "privatnoj poruci" in d.text, d.text


# -- the same problem again ("the THIRD time you send red instead of grey"): not "sorry you had to write again"

@pytest.mark.parametrize("lang,message,kinds,never", [
    ("sr", "@kosarica koji ste vi kreteni bre, TRECI put mi saljete crvenu posteljinu umesto sive. sta sad da radim",
     {"repeat", "wrong_item", "recurring"}, "ponovo da nam pišeš"),
    ("en", "This is the third time you have sent me the wrong size instead of a medium. What now?",
     {"repeat", "wrong_item", "recurring"}, "get in touch again"),
])
def test_a_recurring_problem_is_not_called_a_repeated_contact(lang, message, kinds, never):
    found = detect_situations(message, lang)
    assert kinds <= set(found.kinds), found
    d = draft(message, lang, "complaint-wrong-item", sentiment="negative", score=-0.8, name=None)
    assert never not in d.text, d.text


@pytest.mark.parametrize("lang,message", [
    ("hu", "Április 9-én írtam Önöknek egy hibás hajszárító ügyében, de azóta nem érkezett válasz."),
    ("en", "I wrote to you twice about the broken kettle and still nothing."),
])
def test_a_repeated_contact_about_a_fault_is_not_a_recurring_problem(lang, message):
    assert "recurring" not in detect_situations(message, lang).kinds


@pytest.mark.parametrize("lang,message", [
    ("en", "hi just checked my banking app and theres 2 payments of 74.99 to you from yesterday but i only placed 1 order??"),
    ("de", "hallo, ich seh auf meinem konto 2x 59,90 von euch, hab aber nur einmal bestellt. könnt ihr das bitte checken?"),
])
def test_a_calm_question_about_a_double_charge_still_gets_an_apology(lang, message):
    assert "charge" in detect_situations(message, lang).kinds
    d = draft(message, lang, "payment-charged-twice", sentiment="negative", score=-0.3, name=None)
    assert {"en": "Sorry about the extra charge", "de": "zu viel abgebucht"}[lang] in d.text, d.text


@pytest.mark.parametrize("lang,message", [
    ("en", "I ordered the white bedding and you sent me pink. what now"),
    ("de", "Ich habe weiße Bettwäsche bestellt und ihr schickt mir rosa. Was jetzt?"),
    ("hu", "Fehér ágyneműt rendeltem, rózsaszínt küldtetek. Most mi legyen?"),
    ("bs", "narucim bijelu posteljinu a vi posaljete rozu. sta da radim"),
])
def test_a_colour_ordered_and_another_sent_is_a_wrong_item(lang, message):
    assert "wrong_item" in detect_situations(message, lang).kinds


# -- a public post: photos and the order number are sent privately -------------------------------------

@pytest.mark.parametrize("lang,message,says", [
    ("en", "half the plates turned up smashed, what do you need from me??", "private message, so your details stay"),
    ("de", "Spiegel kam zerbrochen an, was braucht ihr von mir?", "per privater Nachricht, damit"),
    ("hu", "összetörve jött a tányérkészlet, mit kell tennem?", "privát üzenetben küldd el"),
    ("sr", "стигао тањир разбијен, шта треба да урадим?", "у приватној поруци, ради заштите"),
])
def test_public_answer_asking_for_photos_moves_them_to_a_private_message(lang, message, says):
    d = draft(message, lang, "delivery-damaged-parcel", channel="facebook", sentiment="negative", score=-0.7,
              script="Cyrl" if lang == "sr" else None, name=None)
    assert says in d.text, d.text
    # the same answer by e-mail asks for them directly
    e = draft(message, lang, "delivery-damaged-parcel", channel="email", sentiment="negative", score=-0.7,
              script="Cyrl" if lang == "sr" else None, name=None)
    assert says not in e.text, e.text


# -- a deadline the customer sets is not a wait; details already given are not asked again -------------

@pytest.mark.parametrize("lang,message", [
    ("hu", "Kétszer terhelték a kártyámra a rendelés összegét. Amennyiben nyolc napon belül nem utalják vissza, "
           "ügyvédhez fordulok."),
    ("en", "You charged my card twice for the same order. Refund it within 14 days or I go to my solicitor."),
    ("de", "Sie haben meine Karte doppelt belastet. Erstatten Sie den Betrag innerhalb von 8 Tagen, sonst gehe ich "
           "zum Anwalt."),
    ("sr", "Naplatili ste mi porudžbinu dva puta. Ako ne vratite novac u roku od 8 dana, tužiću vas."),
])
def test_a_deadline_is_not_an_overdue_wait(lang, message):
    kinds = detect_situations(message, lang).kinds
    assert "billing" in kinds and "overdue" not in kinds, kinds


@pytest.mark.parametrize("lang,message,never", [
    ("sr", "platila sam karticom pre sat vremena, pare skinute a mejla s potvrdom nigde, ni u spamu. jel proslo?",
     "neželjenu poštu"),
    ("hr", "platio sam prije sat vremena, potvrde nigdje, ni u spamu. jel narudzba prosla?", "neželjene pošte"),
    ("hu", "Ma reggel leadtam egy rendelést, de visszaigazoló levelet nem kaptam, a promóciók mappában sincs. "
           "Beérkezett a rendelésem?", "levélszemét"),
])
def test_a_checked_spam_folder_is_not_pointed_at_again(lang, message, never):
    assert "done_spam" in detect_situations(message, lang).kinds
    d = draft(message, lang, "order-confirmation-missing", channel="chat", name=None)
    assert never not in d.text, d.text


@pytest.mark.parametrize("lang,message,never,keeps", [
    ("hr", "U paketu iz narudžbe 54002 nije bilo računa. Narudžbu sam napravila kao gost. Možete li mi poslati račun?",
     "brojem narudžbe", "ćemo Vam poslati račun"),
    ("bs", "stigao paket ali fali kadica za bebu, a u kutiji samo peskiri. narudzba 61733", "brojem narudžbe",
     "fotografijom otpremnice"),
])
def test_a_given_order_number_is_not_asked_for_in_bcms(lang, message, never, keeps):
    faq = "invoice-download" if lang == "hr" else "complaint-missing-item"
    d = draft(message, lang, faq, channel="email" if lang == "hr" else "chat", name=None)
    assert never not in d.text and keeps in d.text, d.text


def test_public_answer_keeps_its_general_part_when_a_sentence_needs_personal_data():
    """The refund-method answer asks cash-on-delivery customers for an IBAN: on a public post that
    sentence gives way to the private message, the rest (where refunds go) is said publicly."""
    msg = "returning the speaker. i paid with apple pay so where does the refund actually land, my phone?? 😅"
    d = draft(msg, "en", "refund-method", channel="facebook", name=None)
    assert "refund to the payment method you used" in d.text and "private message" in d.text, d.text
    assert "IBAN" not in d.text, d.text
    e = draft(msg, "en", "refund-method", channel="email", name=None)   # a private channel: the whole answer
    assert "IBAN" in e.text, e.text


def test_german_greeting_keeps_the_title_the_customer_signs_with():
    msg = "Ist es möglich, die Rechnung auf die Praxis auszustellen?\n\nMit freundlichen Grüßen\nDr. Thomas Reiter"
    d = draft(msg, "de", "invoice-company-vat", name="Thomas Reiter")
    assert d.text.startswith("Guten Tag Dr. Thomas Reiter,"), d.text
    plain = draft(msg.replace("Dr. ", ""), "de", "invoice-company-vat", name="Thomas Reiter")
    assert plain.text.startswith("Guten Tag Thomas Reiter,"), plain.text


@pytest.mark.parametrize("lang,message,closing", [
    ("de", "In Vertretung meiner Mandantin, Frau Brigitte Lang, ersuche ich Sie, mir binnen 14 Tagen Ihr "
           "Beschwerdeverfahren bekanntzugeben. Andernfalls leiten wir rechtliche Schritte ein.",
     "Mit freundlichen Grüßen"),
    ("en", "We act for our client, Mrs Grant, regarding a washing machine that failed twice. Please set out your "
           "complaints procedure within 14 days, failing which we will issue proceedings.", "Yours faithfully,"),
])
def test_a_letter_to_a_solicitor_closes_formally_and_offers_no_hotline(lang, message, closing):
    assert "representative" in detect_situations(message, lang).kinds
    d = draft(message, lang, "complaint-procedure", action="hand_to_senior", sentiment="neutral", name=None)
    assert closing in d.text and "+43" not in d.text and "+36" not in d.text, d.text


def test_a_likely_match_for_review_answers_the_request_and_a_public_one_goes_private():
    """'Tracking says delivered to a neighbour, nobody has it': a match drafted for review at P(right) 0.85
    still answers with the entry's requested answer (we start the search), and on Facebook the order
    number is asked for in a private message, not in the thread."""
    msg = "Tracking says my parcel was left with a neighbour yesterday. Which one?? Rang every bell, nobody has it."
    situations = detect_situations(msg, "en").kinds
    m = MatchResult(matches=(Match("delivery-marked-delivered-not-received", 0.4, "q", "en", "x"),), band="suggest",
                    confidence=0.85)
    d = DRAFTER.draft(DraftRequest(message=msg, language="en", script=None, match=m, corpus=CORPUS,
                                   sentiment_label="negative", escalation_action="answer_publicly",
                                   channel="facebook", now=OPEN, situations=situations))
    assert any(n.startswith("the message makes the request itself") for n in d.notes), d.notes
    assert "private message" in d.text, d.text


def test_a_sarcastic_billing_question_gets_the_billing_apology_not_only_understanding():
    msg = "Wow, so generous 👏 one order and my card was charged twice, 74.99 each. Is the second one a bonus or will you refund it?"
    kinds = detect_situations(msg, "en").kinds
    assert "billing" in kinds and "sarcasm" in kinds, kinds
    d = draft(msg, "en", "payment-charged-twice", channel="chat", sentiment="negative", score=-0.3, name=None)
    assert "sorry" in d.text.lower(), d.text


def test_a_weak_suggestion_is_acknowledged_not_answered():
    """A suggest-band match below answer_on_suggest_above (0.3) gets the holding reply and the suggestions
    in the notes: "is the lunch box lid BPA-free?" is not answered with the voucher-code entry."""
    from replyassist.drafting import DraftSettings
    from replyassist.errors import ConfigError
    msg = "does anyone know if the glass lunch box lids are BPA free? nothing on the product page"
    weak = MatchResult(matches=(Match("payment-voucher-code", 0.2, "q", "en", "x"),), band="suggest", confidence=0.25)
    req = DraftRequest(message=msg, language="en", script=None, match=weak, corpus=CORPUS, sentiment_label="neutral",
                       escalation_action="answer_publicly", channel="chat", now=OPEN, situations=())
    d = DRAFTER.draft(req)
    assert not d.faq_ids and any("Suggestions: payment-voucher-code" in n for n in d.notes), (d.text, d.notes)
    assert Drafter(DraftSettings(answer_on_suggest_above=0.2)).draft(req).faq_ids == ("payment-voucher-code",)
    with pytest.raises(ConfigError, match="E578"):
        DraftSettings(answer_on_suggest_above=1.5)


@pytest.mark.parametrize("message,wrong", [
    ("Fekete bakancsot rendeltem, erre egy rózsaszín gyerek gumicsizmát küldtetek 🤬", True),
    ("Rendeltem egy kék pulóvert, de helyette zöldet kaptam.", True),
    ("Rendeltem tegnap, de még nem érkezett meg.", False),
    ("Rendeltem, erre még mindig nem kaptam semmit.", False),
])
def test_hungarian_ordered_x_got_y_is_a_wrong_item(message, wrong):
    assert ("wrong_item" in detect_situations(message, "hu").kinds) is wrong


def test_a_rude_public_post_about_a_wrong_item_is_taken_to_a_private_message():
    msg = "Ti tényleg ennyire hülyék vagytok?? Fekete bakancsot rendeltem, erre rózsaszín gumicsizmát küldtetek 🤬"
    d = draft(msg, "hu", None, channel="facebook", sentiment="negative", score=-0.7, action="warn_author", name=None)
    assert "privát üzenet" in d.text and "itt válaszolunk" not in d.text and "Köszönjük" not in d.text, d.text


# -- overdue after a legal threat on e-mail: the senior review and when we answer, said once ------------------

@pytest.mark.parametrize("lang,message,when", [
    ("en", "This is my third e-mail about order 40112. You confirmed a refund of 120 EUR five weeks ago and nothing "
           "has arrived. If the money is not in my account within 7 days I will go to the small claims court.",
     "within one working day"),
    ("de", "Ich schreibe Ihnen nun zum dritten Mal wegen Bestellung 40112. Die Erstattung von 120 EUR wurde vor fünf "
           "Wochen bestätigt, angekommen ist nichts. Ohne Zahlung bis Freitag schalte ich meinen Anwalt ein.",
     "innerhalb eines Werktages"),
])
def test_overdue_legal_case_on_email_says_senior_review_and_when_once(lang, message, when):
    found = detect_situations(message, lang)
    assert {"legal", "overdue"} <= set(found.kinds), found
    d = draft(message, lang, "refund-not-received", sentiment="negative", score=-0.8, action="hand_to_senior")
    assert when in d.text, d.text
    senior = {"en": "senior colleague", "de": "leitendes Mitglied"}[lang]
    assert d.text.count(senior) == 1, d.text


@pytest.mark.parametrize("confidence,requested", [(0.7, True), (0.6, False)])
def test_a_request_matched_for_review_at_p_right_065_is_answered_as_received(confidence, requested):
    """"Can you swap it to a double before it ships?" is the request itself: from P(right) 0.65 a match drafted
    for review answers that we will check the change (not "tell us what to change"); below, the how-to."""
    msg = "omg i ordered the duvet cover in single not double, order went in 20 min ago, can u swap it before it ships??"
    m = MatchResult(matches=(Match("order-change", 0.37, "q", "en", "x"),), band="suggest", confidence=confidence)
    d = DRAFTER.draft(DraftRequest(message=msg, language="en", script=None, match=m, corpus=CORPUS,
                                   sentiment_label="neutral", escalation_action="answer_publicly", channel="chat",
                                   now=OPEN, situations=detect_situations(msg, "en").kinds))
    assert ("check whether your change can still be made" in d.text) is requested, d.text
    assert ("reply with what you would like to change" in d.text.lower()) is not requested, d.text


def test_the_second_of_two_requests_is_answered_as_received_too():
    """"close my account ... and stop the newsletters": the account is closed for them, whichever entry comes first."""
    msg = "pls close my account, moving abroad and wont be using it. and stop the newsletters too while ur at it thx"
    m = MatchResult(matches=(Match("privacy-newsletter-unsubscribe", 0.52, "q", "en", "x"),
                             Match("account-delete", 0.33, "q", "en", "x")), band="suggest", confidence=0.73)
    d = DRAFTER.draft(DraftRequest(message=msg, language="en", script=None, match=m, corpus=CORPUS,
                                   sentiment_label="neutral", escalation_action="answer_publicly", channel="chat",
                                   now=OPEN, situations=(), also_answer=("account-delete",)))
    assert "close your account for you" in d.text and "Delete account" not in d.text, d.text


# -- facts that settle an answer's condition: paid cash on delivery; both charges booked ----------------------

@pytest.mark.parametrize("lang,message,says,never", [
    ("en", "I paid the courier in cash for the boots and sent them back last week. How do I get my money back?",
     "As you paid cash on delivery, please send us your IBAN", "card or PayPal"),
    ("de", "Ich habe per Nachnahme bezahlt und die Jacke zurückgeschickt. Wie bekomme ich mein Geld?",
     "Da Sie per Nachnahme bezahlt haben", "PayPal-Konto"),
    ("hu", "Utánvéttel fizettem, a csomagot már visszaküldtem. Hogyan kapom vissza a pénzt?",
     "Mivel utánvéttel fizetett", "PayPal"),
    ("hr", "Narudžbu sam platila dostavljaču u gotovini jer nemam karticu. Kako ćete mi vratiti novac?",
     "Budući da ste platili pouzećem", "PayPal"),
])
def test_a_customer_who_paid_cash_on_delivery_is_not_told_about_card_refunds(lang, message, says, never):
    assert "done_cod" in detect_situations(message, lang).kinds
    d = draft(message, lang, "refund-method", name=None)
    assert says.lower() in d.text.lower() and never not in d.text, d.text


@pytest.mark.parametrize("lang,message,says,never", [
    ("en", "My statement shows two charges of 74.99 for order 61204 and both have been booked, it is not a "
           "reservation. Please refund one.", "As both amounts have been booked", "temporary reservation"),
    ("hr", "U banci su mi potvrdili da su obje transakcije proknjižene, dakle nije riječ o rezervaciji. Vratite mi "
           "dvostruko naplaćeni iznos.", "Budući da su oba iznosa skinuta", "privremena rezervacija"),
])
def test_a_double_charge_both_booked_is_not_called_a_reservation(lang, message, says, never):
    assert "done_booked" in detect_situations(message, lang).kinds
    d = draft(message, lang, "payment-charged-twice", sentiment="negative", score=-0.6, name=None)
    assert says in d.text and never not in d.text, d.text


@pytest.mark.parametrize("lang,message", [("en", "Can I pay cash on delivery?"), ("hr", "Mogu li platiti pouzećem?"),
                                          ("en", "I see two charges on my card, is one of them a reservation?")])
def test_a_question_about_the_condition_is_not_the_fact(lang, message):
    kinds = detect_situations(message, lang).kinds
    assert "done_cod" not in kinds and "done_booked" not in kinds, kinds


@pytest.mark.parametrize("lang,message,says,never", [
    ("sr", "otkazite mi porudzbinu 77310 pls, nasla sam istu lampu jeftinije 🙈 jos nije poslata",
     "Otkazaćemo porudžbinu i vratiti ti novac", "umesto tebe"),
    ("en", "Please cancel order 51022, it hasn't been shipped yet and I no longer need it.",
     "We will cancel the order for you", "already been shipped"),
    ("de", "Bitte stornieren Sie meine Bestellung 51022, sie ist noch nicht versendet.",
     "Wir stornieren die Bestellung", "bereits versendet"),
])
def test_a_cancellation_of_an_unshipped_order_is_confirmed_without_conditions(lang, message, says, never):
    assert "done_unshipped" in detect_situations(message, lang).kinds
    d = draft(message, lang, "order-cancel", channel="chat", name=None,
              script="Latn" if lang == "sr" else None)
    assert says.lower() in d.text.lower() and never not in d.text, d.text


@pytest.mark.parametrize("lang,message,says", [
    ("en", "The glass lid shattered when my daughter opened the box and she cut her hand. I have kept the box and "
           "photos of everything. What do you need from me?", "Please send us the photos you took"),
    ("de", "Der Glasboden ist zersprungen, mein Sohn hat sich geschnitten. Karton und Fotos habe ich aufbewahrt.",
     "die Fotos, die Sie gemacht haben"),
])
def test_a_safety_reply_asks_for_the_photos_the_customer_has(lang, message, says):
    kinds = detect_situations(message, lang).kinds
    assert "safety" in kinds and "has_photos" in kinds, kinds
    d = draft(message, lang, None, sentiment="negative", score=-0.8, action="hand_to_senior", name=None)
    assert says in d.text and "If you have photos" not in d.text, d.text


@pytest.mark.parametrize("lang,message,says,never", [
    ("hr", "U paketu iz narudžbe 54002 nije bilo računa. Narudžbu sam napravila bez registracije, kao gost. Možete li "
           "mi poslati račun?", "ponovno ćemo Vam poslati račun", "korisničkom računu"),
    ("en", "I ordered as a guest and never got an invoice for it. Can you send it?",
     "reply with the order number and we will send you the invoice again", "in your account"),
    ("en", "I ordered as a guest (order 63790) and never got an invoice for it. Can you send it?",
     "we will send you the invoice again", "in your account"),
])
def test_a_guest_is_not_sent_to_an_account_they_do_not_have(lang, message, says, never):
    assert "done_guest" in detect_situations(message, lang).kinds
    d = draft(message, lang, "invoice-download", name=None)
    assert says.lower() in d.text.lower() and never not in d.text, d.text


@pytest.mark.parametrize("lang,message", [
    ("en", "I received order 70215 today with a 20 cm saucepan instead of the 24 cm pan I ordered. What do I do?"),
    ("de", "Ich habe heute Bestellung 70215 bekommen, statt der Pfanne war ein Topf drin. Was soll ich tun?"),
    ("hu", "Ma megkaptam a 70215-ös rendelést, a serpenyő helyett egy lábas volt benne. Mit tegyek?"),
    ("sr", "Danas sam primio porudžbinu 70215, umesto tiganja je stigla šerpa. Šta da radim?"),
    ("hr", "Danas sam primio narudžbu 70215, umjesto tave je stigao lonac. Što da radim?"),
    ("bs", "Danas sam primio narudžbu 70215, umjesto tave je stigao lonac. Šta da radim?"),
])
def test_leaving_out_the_order_number_request_leaves_clean_punctuation(lang, message):
    d = draft(message, lang, "complaint-wrong-item", name=None, script="Latn" if lang == "sr" else None)
    for bad in (",.", ", .", " ,", ",,"):
        assert bad not in d.text, d.text


@pytest.mark.parametrize("message,answers", [
    ("The charger caught fire on my bedside table last night! Is this model being recalled?", True),
    ("The charger caught fire on my bedside table last night. Luckily nobody was hurt.", False),
])
def test_a_safety_reply_says_the_colleague_answers_the_customers_questions(message, answers):
    d = draft(message, "en", None, sentiment="negative", score=-0.9, action="hand_to_senior", name=None)
    assert ("answer your questions" in d.text) is answers, d.text


@pytest.mark.parametrize("lang,message,says,never", [
    ("bs", "Vratila sam haljinu iz narudžbe 60277. Da li je moguće da mi umjesto povrata novca na karticu izdate vaučer "
           "na isti iznos?", "Da, umjesto povrata novca izdat ćemo Vam vaučer", "PayPal"),
    ("hu", "Visszaküldtem egy lámpát. A visszautalás helyett megkaphatnám az összeget levásárolható utalványként?",
     "Igen, a visszatérítés helyett azonos értékű kupont állítunk ki", "PayPal"),
    ("en", "I sent the boots back. Could I get a voucher instead of the refund? I'll order again anyway.",
     "Yes, we will issue you a voucher for the same amount instead of the refund", "PayPal"),
])
def test_a_voucher_instead_of_the_refund_is_answered_yes(lang, message, says, never):
    assert "done_voucher" in detect_situations(message, lang).kinds
    d = draft(message, lang, "refund-method", name=None)
    assert says.lower() in d.text.lower() and never not in d.text, d.text


def test_a_rewrite_tagged_with_a_step_applies_only_after_that_step():
    """Cash on delivery settles the refund way; the voucher offer stays an offer ("Ako želite"), not a "Da"."""
    d = draft("Narudžbu sam platila dostavljaču u gotovini. Kako ćete mi vratiti novac?", "hr", "refund-method",
              name=None)
    assert "Ako želite, umjesto povrata novca" in d.text and "Da, umjesto" not in d.text, d.text


def test_someone_elses_account_in_german_names_no_gender_pair():
    """"meine Mutter hat ein Konto": the holder is not "sie oder er" (robotic), nor guessed."""
    msg = "meine mutter hat ein konto bei euch. könnt ihr ihr passwort ändern und mir das neue sagen?"
    assert "third_party" in detect_situations(msg, "de").kinds
    d = draft(msg, "de", "account-password-reset", channel="chat", name=None)
    assert "sie oder er" not in d.text and "Wem das Konto gehört" in d.text, d.text


@pytest.mark.parametrize("lang,message,greets", [
    ("en", "Could we pay the sofa in instalments?\n\nKind regards,\nDaniel and Ruth Adler", "Dear Daniel and Ruth Adler,"),
    ("de", "Können wir in Raten zahlen?\n\nMit freundlichen Grüßen\nFamilie Pichler", "Familie Pichler,"),
])
def test_a_message_signed_by_a_couple_or_family_greets_them_all(lang, message, greets):
    d = draft(message, lang, "payment-instalments", name="Ruth Adler" if lang == "en" else "Stefan Pichler")
    assert greets in d.text, d.text


@pytest.mark.parametrize("lang,message,says", [
    ("en", "This morning I received an electric shock from the kettle I bought from you. We have stopped using it.",
     "I hope you are all right"),
    ("de", "Heute früh habe ich beim Berühren des Toasters einen Stromschlag bekommen. Wir benutzen ihn nicht mehr.",
     "dass es Ihnen gut geht"),
    ("sr", "Kuvalo me udarilo strujom preko metalne drške. Više ga ne koristimo.", "nadamo se da ste dobro"),
])
def test_a_safety_incident_that_happened_to_the_writer_hopes_they_are_all_right(lang, message, says):
    kinds = detect_situations(message, lang).kinds
    assert "safety" in kinds and "self" in kinds, kinds
    d = draft(message, lang, None, sentiment="negative", score=-0.8, action="hand_to_senior", name=None,
              script="Latn" if lang == "sr" else None)
    assert says in d.text and "everyone" not in d.text, d.text


@pytest.mark.parametrize("lang,guessed,greets", [("hr", True, "Pozdrav"), ("hr", False, "Bok"),
                                                 ("bs", True, "Pozdrav"), ("bs", False, "Zdravo")])
def test_a_guessed_bcms_variant_gets_the_greeting_all_three_use(lang, guessed, greets):
    """"Bok" reads Croatian and "Zdravo" Serbian/Bosnian: when the text did not show the variant and nothing
    else decided it, the informal greeting is "Pozdrav"."""
    msg = "moze li se kod vas platit preko paypala?"
    m = MatchResult(matches=(Match("payment-methods", 0.6, "q", lang, "x"),), band="confident", confidence=0.94)
    d = DRAFTER.draft(DraftRequest(message=msg, language=lang, script=None, match=m, corpus=CORPUS, channel="chat",
                                   now=OPEN, situations=(), variant_guessed=guessed))
    assert d.text.startswith(greets), d.text


def test_a_guessed_variant_on_a_forum_does_not_greet_and_sign_with_the_same_word():
    m = MatchResult(matches=(), band="no_match", confidence=0.05)
    d = DRAFTER.draft(DraftRequest(message="jel su tiganji iz serije Granit bez PFOA?", language="sr", script="Latn",
                                   match=m, corpus=CORPUS, channel="forum", now=OPEN, situations=(),
                                   variant_guessed=True, agent_name="Mira Kovač"))
    assert d.text.startswith("Dobar dan") and d.text.count("Pozdrav") <= 1, d.text

