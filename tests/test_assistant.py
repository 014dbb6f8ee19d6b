"""End to end through the public API, on the demo corpus and the offline default models."""
from __future__ import annotations

import json
import re

import pytest

from replyassist import InputError, ReplyAssistant
from replyassist.assistant import SCHEMA, Suggestion


def test_german_order_question(assistant):
    s = assistant.suggest("Wo bleibt meine Bestellung 4711?", customer_name="Jonas", channel="email",
                          agent_name="Mira K.")
    assert s.language == "de" and s.language_confidence > 0.5
    assert s.matches[0].faq_id == "order-status"
    assert s.match.band == "confident"
    longer = assistant.suggest("Wo bleibt meine Bestellung 4711? Ich warte schon seit zwei Wochen.")
    # "seit zwei Wochen warte ich" is also a refund paraphrase: the agent must at least see order-status
    assert "order-status" in [m.faq_id for m in longer.matches[:3]]
    assert s.draft.language == "de"
    assert "Jonas" in s.draft.text and "Mira" in s.draft.text
    assert "{" not in s.draft.text
    # a plain question: neutral, nothing to escalate
    assert s.sentiment.label == "neutral", s.sentiment
    assert s.escalation.level == "none" and s.escalation.reasons == () and s.escalation.action == "answer_publicly"


def test_hungarian_angry_message(assistant):
    s = assistant.suggest("Hol van a csomagom? Már két hete várok! Ez felháborító!", customer_name="Kovács Anna",
                          agent_name="Mira K.", channel="facebook")
    assert s.language == "hu"
    assert s.draft.language == "hu"
    assert s.sentiment.label == "negative"
    # Facebook is a social channel: greeted by first name, no letter closing
    assert s.draft.text.startswith("Kedves Anna!") and "Üdvözlettel" not in s.draft.text
    s = assistant.suggest("Hol van a csomagom? Már két hete várok! Ez felháborító!", customer_name="Kovács Anna",
                          agent_name="Mira K.", channel="email")
    assert "Kovács Anna" in s.draft.text


def test_serbian_cyrillic_and_latin(assistant):
    lat = assistant.suggest("Zdravo, gde je moja porudžbina? Čekam već nedelju dana.")
    cyr = assistant.suggest("Здраво, где је моја поруџбина? Чекам већ недељу дана.")
    assert lat.language == "sr" and cyr.language == "sr"
    assert lat.matches[0].faq_id == cyr.matches[0].faq_id
    assert lat.draft.language == "sr"


def test_no_match_acknowledges(assistant):
    s = assistant.suggest("Do you also repair vintage motorcycles and sell spare carburettors?", channel="email",
                          agent_name="Mira K.")
    assert s.match.band == "no_match"
    assert s.draft.kind == "acknowledgement"
    assert s.draft.faq_id is None


def test_to_dict_is_stable_json(assistant):
    s = assistant.suggest("How long do refunds take?", customer_name="Sam", agent_name="Mira K.", channel="chat")
    d = json.loads(json.dumps(s.to_dict()))
    assert d["schema"] == SCHEMA
    assert set(d) >= {"schema", "message", "language", "match", "sentiment", "moderation", "escalation", "draft",
                      "tone", "notes", "timings_ms"}
    assert set(d["match"]) == {"band", "confidence", "matches"}
    assert set(d["match"]["matches"][0]) >= {"faq_id", "score", "question", "language", "category"}
    assert set(d["draft"]) >= {"text", "language", "register", "machine_translated", "faq_id", "kind"}
    assert set(d["escalation"]) >= {"escalate", "level", "reasons", "action"}


def test_suggest_many_equals_single_and_keeps_order(assistant):
    msgs = ["Hol van a csomagom?", "Wie kann ich zurücksenden?", "Zaboravio sam lozinku"]
    many = assistant.suggest_many(msgs)
    for m, s in zip(msgs, many):
        assert isinstance(s, Suggestion)
        one = assistant.suggest(m)
        assert s.matches[0].faq_id == one.matches[0].faq_id
        assert abs(s.matches[0].score - one.matches[0].score) < 1e-4
        assert s.draft.text == one.draft.text


def test_suggest_many_encodes_each_message_once(shop_corpus, ra_cache):
    from replyassist.embeddings import get_embedder

    class Counting:
        def __init__(self, inner):
            self.inner, self.model_id, self.dim, self.calls = inner, inner.model_id, inner.dim, []

        def encode(self, texts):
            self.calls.append(list(texts))
            return self.inner.encode(texts)

    emb = Counting(get_embedder("e5-small"))
    a = ReplyAssistant(shop_corpus, {"cache_dir": str(ra_cache)}, embedder=emb)   # the session's corpus vectors
    emb.calls.clear()
    a.suggest_many(["Hol van a csomagom?", "Where is my refund?", "Mikor nyitnak?"])
    assert emb.calls == [["Hol van a csomagom?", "Where is my refund?", "Mikor nyitnak?"]]


def test_bad_inputs(assistant):
    for bad in ("", "   \n\t", "\x00\x00"):
        with pytest.raises(InputError, match="empty"):
            assistant.suggest(bad)
    res = assistant.suggest_many(["", "Where is my parcel?", None], on_error="return")  # type: ignore[list-item]
    assert len(res) == 3
    assert isinstance(res[0], InputError) and isinstance(res[1], Suggestion) and isinstance(res[2], InputError)


def test_emoji_only_message(assistant):
    s = assistant.suggest("😡😡😡", agent_name="Mira K.")
    assert s.language is None
    assert s.draft.text  # a safe acknowledgement in the default language, not an exception
    assert "{" not in s.draft.text


def test_huge_message(assistant):
    s = assistant.suggest("Where is my parcel? " * 50000)  # 1 MB
    assert s.message.truncated
    assert any("truncated" in n for n in s.notes)


@pytest.mark.parametrize("name", ["{agent_name}", "{{7*7}}", "{customer_name!r}", "${jndi:x}", "{0.__class__}"])
def test_template_like_customer_names_appear_literally(assistant, name):
    s = assistant.suggest("How long do refunds take?", customer_name=name, agent_name="Mira K.")
    assert name in s.draft.text
    assert "49" not in s.draft.text


def test_unknown_language_falls_back(assistant):
    s = assistant.suggest("Hvor er pakken min? Jeg har ventet i to uger.")  # Danish: not in the corpus
    assert s.language == "da"
    # no translator configured: an English draft, and a note naming Danish and the fallback
    assert s.draft.language == "en" and not s.draft.machine_translated
    assert any(re.search(r"\bda\b", n) and re.search(r"\ben\b", n) for n in s.draft.notes), s.draft.notes


def test_sentence_matching_option(shop_corpus, ra_cache):
    # on by default: a question inside a complaint counts as much as the complaint around it
    off_ra = ReplyAssistant(shop_corpus, {"cache_dir": str(ra_cache), "match_sentences": False}, warm_up=False)
    on_ra = ReplyAssistant(shop_corpus, {"cache_dir": str(ra_cache)}, warm_up=False)
    assert on_ra.settings.match_sentences
    msg = "Ich bin total sauer. Wo ist mein Paket?? Schon zum dritten Mal schreibe ich euch!"
    off, on = off_ra.suggest(msg), on_ra.suggest(msg)
    assert on.matches[0].faq_id == "order-status" and on.match.band != "no_match"
    assert on.match.confidence >= off.match.confidence
    # two questions: both answered only when the sentences are matched on their own
    two = "Kann ich mit PayPal bezahlen? Und wie lange dauert die Lieferung normalerweise?"
    both = on_ra.suggest(two)
    assert len(both.draft.faq_ids) == 2 and "payment-methods" in both.draft.faq_ids, both.draft.faq_ids
    assert any(n.startswith("second question answered from") for n in both.notes)
    assert len(off_ra.suggest(two).draft.faq_ids) <= 1
    # a one-sentence message is matched whole, no notes
    assert not on_ra.suggest("Wo bleibt meine Bestellung?").notes


def test_learn_from_log_reports_every_skipped_row_and_replaces_earlier_logs(fresh_assistant, assistant):
    shared = assistant
    assistant = fresh_assistant      # learning changes the index: not the session's shared assistant
    before = assistant.suggest("Wo ist mein Paket?").match.matches[0].faq_id
    res = assistant.learn_from_log(["Wo bleibt meine Bestellung?", "", "Kann ich mit PayPal zahlen?",
                                    "Hol van a csomagom?", "Koliko košta dostava?", "💥💥", "How do I return shoes?"])
    assert res.rows == 7
    assert res.used + len(res.skipped) == 7
    assert {d["row"] for d in res.skipped} >= {2}
    assert res.added == round(0.7 * res.used)
    assert assistant.index.log_paraphrases == res.added
    assert assistant.suggest("Wo ist mein Paket?").match.matches[0].faq_id == before
    again = assistant.learn_from_log(["Wo bleibt meine Bestellung?"], keep=1.0)
    assert again.added == 1 and assistant.index.log_paraphrases == 1
    assistant.learn_from_log([], keep=1.0)
    assert assistant.index.log_paraphrases == 0
    assert shared.index.log_paraphrases == 0 and shared.index is not assistant.index
