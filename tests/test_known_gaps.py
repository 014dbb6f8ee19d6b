"""Known gaps of a corpus (``not_answered:`` in corpus.yaml): a question the FAQ does not answer
gets a holding reply and a note naming the topic, not a neighbouring entry's answer; a question the
FAQ does answer is not held back. Messages as customers write them (labelled in the test names)."""
from __future__ import annotations

import pytest

from replyassist.corpus import load_corpus
from replyassist.errors import CorpusError

from .conftest import write_corpus


@pytest.mark.parametrize("text, topic", [
    ("szia! ajandekkartyat lehet nalatok venni? a hugomnak adnam szulinapra", "gift-cards-sale"),   # hu, no diacritics
    ("Sucht ihr gerade Leute? Wohin kann ich meine Bewerbung schicken?", "jobs"),   # de, informal
    ("Da li zapošljavate? Imam iskustvo u prodaji, gde da pošaljem CV?", "jobs"),   # sr Latin
])
def test_a_known_gap_gets_a_holding_reply_with_the_topic(assistant, text, topic):
    s = assistant.suggest(text, channel="chat")
    assert s.match.band == "no_match" and s.match.known_gap == topic, (s.match, s.notes)
    assert s.draft.kind == "acknowledgement" and s.draft.faq_ids == ()
    assert any(f"known gap {topic!r}" in n for n in s.notes)


def test_the_issues_gift_voucher_reproducer_is_not_answered_with_gift_wrapping(assistant):
    s = assistant.suggest("Verkaufen Sie auch Geschenkgutscheine?")
    # the gift-wrapping entry's own not_question decides first; either way: no wrapping answer
    assert s.match.band == "no_match" and s.match.not_answered and s.draft.faq_ids == ()


@pytest.mark.parametrize("text, entry", [
    ("Kann ich mit einem Gutscheincode bezahlen? Wo gebe ich den ein?", "payment-voucher-code"),
    ("how do i unsubscribe from your newsletter, getting 3 mails a day", "privacy-newsletter-unsubscribe"),
])
def test_an_answered_neighbour_is_not_held_back(assistant, text, entry):
    s = assistant.suggest(text, channel="chat")
    assert s.match.known_gap is None and s.matches[0].faq_id == entry and s.draft.faq_ids == (entry,), s.notes


def test_not_answered_is_validated(tmp_path):
    entry = "entries:\n  - id: a\n    category: c\n    questions: {en: [\"Where is it?\"]}\n    answers: {en: Here.}\n"
    bad = write_corpus(tmp_path / "bad", {"corpus.yaml": "name: x\nnot_answered:\n  Bad Topic!: {en: [\"Hi?\"]}\n  ok: {xx1: [\"Hi?\"]}\n",
                                          "a.yaml": entry})
    with pytest.raises(CorpusError) as err:
        load_corpus(bad)
    assert "topic name 'Bad Topic!'" in str(err.value) and "'xx1' is not an ISO 639-1" in str(err.value)
    good = write_corpus(tmp_path / "good", {"corpus.yaml": "name: x\nnot_answered:\n  jobs: {en: [\"Are you hiring?\"]}\n",
                                            "a.yaml": entry})
    c = load_corpus(good)
    assert c.not_answered == {"jobs": {"en": ("Are you hiring?",)}}
    assert c.content_hash != load_corpus(write_corpus(tmp_path / "plain", {"corpus.yaml": "name: x\n", "a.yaml": entry})).content_hash
