"""The whole pipeline on realistic messages (issue 14): what the agent receives.

Messages written for these tests (not from the benchmark set), labelled with what a team lead
expects. They run through the session's shared assistant (demo corpus, offline defaults)."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

pytestmark = pytest.mark.slow

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=timezone.utc)


def run(assistant, text: str, **kw):
    kw.setdefault("channel", "email")
    kw.setdefault("agent_name", "Mira Kovač")
    return assistant.suggest(text, now=NOW, **kw)


def test_the_issue_examples_answer_when_the_faq_has_the_answer(assistant):
    # hu: a return question with a reason, once a holding reply
    s = run(assistant, "Szeretném visszaküldeni a cipőt, mert kicsi. Hogyan tehetem meg?")
    assert s.draft.kind == "answer" and s.draft.faq_id in ("return-how-to", "return-exchange"), s.match
    # hr: company invoice with OIB, once no_match at the right entry
    s = run(assistant, "Molim Vas, trebam račun s OIB-om za tvrtku, narudžba je od prošlog tjedna.")
    assert s.draft.faq_id == "invoice-company-vat" and s.draft.language == "hr"


def test_a_neighbouring_entry_is_never_answered_confidently(assistant):
    for text in ("Verkaufen Sie auch Geschenkgutscheine?", "do you guys sell gift cards? want one for my mum"):
        s = run(assistant, text)
        assert not (s.match.band == "confident" and s.draft.faq_id == "order-gift-wrapping"), (text, s.match)


def test_the_customers_own_variant_and_script(assistant):
    s = run(assistant, "Ti ste obični lopovi, vratite mi pare ili ću vas tužiti!")
    # the detector reads bs; the text shows Serbian ("pare"): the note names the variant the reply uses
    assert s.draft.language == "sr"
    assert any(n.startswith("Serbian/Croatian/Bosnian") and "replied in sr" in n for n in s.notes), s.notes
    s = run(assistant, "Bok, tko mi može reći kad stiže narudžba? Čekam već tjedan dana.")
    assert s.draft.language == "hr" and s.draft.script == "Latn"
    s = run(assistant, "Здраво, да ли могу да платим поузећем?")
    assert s.draft.language == "sr" and s.draft.script == "Cyrl"


def test_a_serbian_refund_is_not_a_safety_incident(assistant):
    s = run(assistant, "Za koliko dana mogu da očekujem povraćaj novca?")
    assert "safety" not in s.escalation.signals and s.draft.kind == "answer"


def test_a_charger_on_fire_gets_the_safety_path(assistant):
    s = run(assistant, "Мој пуњач се синоћ запалио у утичници, шта сада да радим?")
    assert s.draft.kind == "safety" and s.escalation.escalate and s.draft.script == "Cyrl"
    assert "извињавамо се због непријатности" not in s.draft.text.lower()


def test_two_questions_get_two_answers(assistant):
    s = run(assistant, "Hi! Can I pay with PayPal? And how long does delivery to Austria usually take?",
            channel="chat")
    assert len(s.draft.faq_ids) == 2 and "payment-methods" in s.draft.faq_ids, s.draft.faq_ids


def test_sarcasm_is_not_positive_and_the_calm_question_gets_no_apology(assistant):
    s = run(assistant, "Amazing 👏👏 third week and still no parcel. Great service guys", channel="twitter")
    assert s.sentiment.label != "positive" and s.draft.situation in ("sarcasm", "delay")
    s = run(assistant, "Can I pay by bank transfer?")
    assert s.draft.situation is None and "sorry" not in s.draft.text.lower()


def test_informal_customers_are_answered_informally(assistant):
    for text, _lang in (("hey where's my stuff lol", "en"), ("hallo, kannst du mir sagen wo mein paket ist?", "de"),
                       ("szia, hol a csomagom?", "hu"), ("bok, di mi je paket", "hr"),
                       ("ćao, gde mi je paket", "sr")):
        s = run(assistant, text, channel="chat")
        assert s.draft.register == "informal", (text, s.draft.register)
