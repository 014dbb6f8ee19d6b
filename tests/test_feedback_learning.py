"""Learning from the feedback store (issue 17): labelled paraphrases, the gap report with the agents'
verdicts, ``replyassist evaluate --feedback``. Real models (the session's), a SQLite store in a temp folder.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from replyassist.feedback import FeedbackLearner, FeedbackRecord, feedback_gap_report, feedback_queries, open_store

WRONG_ITEM = [  # agents corrected these (the matcher said complaint-missing-item or another entry)
    "Statt des bestellten Toasters lag ein Wasserkocher im Paket.",
    "Ich habe eine Lampe bestellt, bekommen habe ich aber einen Föhn.",
    "Im Karton war ein ganz anderer Artikel als der, den ich bestellt hatte",
    "falscher artikel geliefert, bestellt war ein mixer, gekommen ist ein bügeleisen",
]
NO_FAQ = [  # nobody's FAQ answers these: the agents said so
    "Verkauft ihr auch Kinogutscheine?",
    "habt ihr gutscheine fürs kino??",
    "Kann man bei euch Gutscheine für Kinokarten kaufen? Wäre ein Geschenk",
    "Gibt es bei euch Kino-Geschenkkarten zu kaufen?",
]


@pytest.fixture()
def index(assistant):
    from replyassist.matching import FaqIndex
    cache = Path(assistant.settings.cache_dir) / "index"
    return FaqIndex(assistant.corpus, assistant.embedder, assistant.settings.matching, cache_dir=cache)


@pytest.fixture()
def store(tmp_path):
    s = open_store(tmp_path / "fb.db")
    for t in WRONG_ITEM:
        s.add(FeedbackRecord(message=t + " Grüße, Jonas Weiß (jonas@web.de)", action="chose_other", language="de",
                             suggested_faq_id="complaint-missing-item", final_text="Hallo Jonas, ...",
                             chosen_faq_id="complaint-wrong-item", agent="mira"), names=["Jonas Weiß"])
    for t in NO_FAQ:
        s.add(FeedbackRecord(message=t, action="no_faq", language="de", suggested_faq_id="gift-cards-no",
                             agent="ana"))
    s.add(FeedbackRecord(message="Wo bleibt meine Bestellung?", action="accepted", language="de",
                         suggested_faq_id="order-status", final_text="Hallo, ...", chosen_faq_id="order-status"))
    s.add(FeedbackRecord(message="hmm", action="skipped"))
    s.add(FeedbackRecord(message="Alte Frage", action="chose_other", final_text="x", chosen_faq_id="renamed-entry"))
    return s


def test_learner_adds_the_agents_labels_and_can_forget_them(index, store):
    probe = index.embedder.encode(["Statt des bestellten Toasters lag ein Wasserkocher im Paket."])
    before = index.search(probe, texts=["Statt des bestellten Toasters lag ein Wasserkocher im Paket."],
                          languages=["de"])[0]
    assert before.matches[0].faq_id != "complaint-wrong-item"
    learner = FeedbackLearner(index)
    assert learner.refresh(store) == 5                       # 4 corrections + 1 accepted; not no_faq/skipped
    d = learner.describe()
    assert d["entries"] == {"complaint-wrong-item": 4, "order-status": 1} and d["languages"] == {"de": 5}
    assert d["unknown_entries"] == 1                          # an entry the corpus no longer has
    after = index.search(probe, texts=["Statt des bestellten Toasters lag ein Wasserkocher im Paket."],
                         languages=["de"])[0]
    assert after.matches[0].faq_id == "complaint-wrong-item"
    assert after.matches[0].question in index.texts           # the shown question is the corpus's own
    assert learner.refresh(store) == 0                        # nothing new
    learner.reset()
    again = index.search(probe, texts=["Statt des bestellten Toasters lag ein Wasserkocher im Paket."],
                         languages=["de"])[0]
    assert again.matches[0].faq_id == before.matches[0].faq_id and index.log_paraphrases == 0


def test_stored_messages_are_learned_masked(store):
    texts = [r.message for r in store.records(actions=["chose_other"]) if r.agent == "mira"]
    assert len(texts) == 4
    assert all("Jonas" not in t and "jonas@web.de" not in t and "[EMAIL]" in t for t in texts)
    qs = feedback_queries(store.records(), known_ids={"complaint-wrong-item", "order-status"})
    assert sum(q.faq_id is None for q in qs) == 4 and sum(q.faq_id == "complaint-wrong-item" for q in qs) == 4
    assert all("[EMAIL]" not in q.text and "[NAME]" not in q.text for q in qs)   # mask tokens are not learned


SMALL = """entries:
  - id: order-status
    category: orders
    questions:
      de:
        - Wo bleibt meine Bestellung?
        - Wann kommt mein Paket?
        - Wie ist der Status meiner Bestellung?
    answers:
      de: "Den Stand siehst du in deinem Kundenkonto."
  - id: complaint-wrong-item
    category: complaints
    questions:
      de:
        - Ich habe einen falschen Artikel bekommen.
        - falsches produkt im paket
    answers:
      de: "Das tut uns leid: wir schicken den richtigen Artikel."
  - id: return-window
    category: returns
    questions:
      de:
        - Wie lange kann ich zurückgeben?
        - Kann ich nach drei Wochen noch zurückgeben?
    answers:
      de: "Du hast 30 Tage Zeit."
"""


def test_no_faq_answers_this_is_a_gap_in_the_report(assistant, store, tmp_path):
    from replyassist.corpus import load_corpus
    from replyassist.matching import FaqIndex
    from tests.conftest import write_corpus
    corpus = load_corpus(write_corpus(tmp_path / "c", {"corpus.yaml": "name: Klein\ndefault_language: de\n",
                                                       "faq.yaml": SMALL}))
    index = FaqIndex(corpus, assistant.embedder, cache_dir=False)
    report = feedback_gap_report(store.records(), corpus, index=index, embedder=assistant.embedder,
                                 settings={"min_gap_size": 3}, signals=False, cache_dir=tmp_path / "gaps")
    by_text = {m.text: m for m in report.messages}
    for t in NO_FAQ:
        assert by_text[t].band == "no_match"
    gap_rows = {r for g in report.gaps for r in g.rows}
    assert len(gap_rows & {m.row for m in report.messages if m.text in NO_FAQ}) >= 3
    assert by_text["Wo bleibt meine Bestellung?"].band == "confident"
    assert report.stats["unanswered"] >= 4


def test_replyassist_evaluate_on_the_feedback_store(assistant, store, capsys, tmp_path):
    from replyassist.cli import main
    settings = tmp_path / "s.toml"
    settings.write_text(f'cache_dir = "{Path(assistant.settings.cache_dir).as_posix()}"\n', encoding="utf-8")
    url = f"sqlite:///{store.path}"
    corpus = str(assistant.corpus.path)
    assert main(["evaluate", "--corpus", corpus, "--feedback", url, "--settings", str(settings), "--json"]) == 0
    rep = json.loads(capsys.readouterr().out)
    assert rep["queries"] == 9 and rep["unanswerable"] == 4 and rep["answerable"] == 5
    assert rep["index"]["feedback"]["records"] == 11 and rep["index"]["feedback"]["learned"] is None
    assert main(["evaluate", "--corpus", corpus, "--feedback", url, "--settings", str(settings), "--json",
                 "--learn-split", "0.5"]) == 0
    split = json.loads(capsys.readouterr().out)
    assert split["index"]["feedback"]["learned"]["labelled_paraphrases"] >= 3
    assert main(["evaluate", "--corpus", corpus]) == 2         # neither --queries nor --feedback: usage error
    assert "--feedback URL" in capsys.readouterr().err
