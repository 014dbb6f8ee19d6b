from __future__ import annotations

import pytest

from replyassist.corpus import corpus_from_dicts, load_corpus, placeholders_in
from replyassist.errors import CorpusError

from .conftest import write_corpus

GOOD = """entries:
  - id: delivery-time
    category: delivery
    tags: [shipping]
    questions:
      en: ["How long does delivery take?", "When will my parcel arrive?"]
      de: ["Wie lange dauert die Lieferung?"]
    answers:
      en: "Delivery takes {days} working days."
      de:
        formal: "Die Lieferung dauert {days} Werktage, {customer_name}."
        informal: "Die Lieferung dauert {days} Werktage."
"""


def test_demo_corpus_is_complete(shop_corpus):
    assert len(shop_corpus.entries) >= 40
    core = [e for e in shop_corpus.entries if len(e.answers) >= 4]
    assert len(core) >= 36
    for e in core:
        for lang in ("en", "de", "hu", "sr"):
            assert e.questions.get(lang), (e.id, lang)
            assert e.answers[lang].for_register("formal"), (e.id, lang)
    single = [e for e in shop_corpus.entries if len(e.answers) == 1 and len(e.questions) == 1]
    assert len(single) >= 3, "the cross-lingual and translation paths need single-language entries"
    cats = {e.category for e in shop_corpus.entries}
    assert {"delivery", "returns", "payment", "account"} <= cats


def test_load_valid_corpus(tmp_path):
    d = write_corpus(tmp_path / "c", {"corpus.yaml": "name: Test\ndefault_language: de\nplaceholders:\n  days:\n    en: a few\n",
                                      "a.yaml": GOOD})
    c = load_corpus(d)
    assert c.name == "Test" and c.default_language == "de"
    e = c.get("delivery-time")
    assert e.questions["en"][1] == "When will my parcel arrive?"
    assert e.answers["de"].for_register("informal") == "Die Lieferung dauert {days} Werktage."
    assert e.answers["en"].for_register("informal") == e.answers["en"].for_register("formal")
    assert e.source.endswith("a.yaml:2")
    assert c.placeholder_defaults["days"]["en"] == "a few"
    assert c.languages == ("de", "en")
    assert len(c.content_hash) == 16


def test_content_hash_changes_with_content(tmp_path):
    a = load_corpus(write_corpus(tmp_path / "a", {"a.yaml": GOOD}))
    b = load_corpus(write_corpus(tmp_path / "b", {"a.yaml": GOOD.replace("working days", "business days")}))
    c = load_corpus(write_corpus(tmp_path / "c", {"x.yaml": GOOD}))
    assert a.content_hash != b.content_hash
    assert a.content_hash == c.content_hash  # same content, other file name


def test_every_problem_reported_with_file_and_line(tmp_path):
    bad = """entries:
  - id: a
    category: x
    questions:
      en: ["Where?"]
    answers:
      en: "Look at {order_id"
  - id: b
    category: y
    questions:
      en: ["Refund?"]
  - id: b2
    questions:
      en: []
    answers:
      xx1: "hi"
  - id: a
    category: z
    questions: {en: ["dup"]}
    answers: {en: "x"}
  - id: a
    category: z
    questions: {en: ["dup"]}
    answers: {en: "{x!r}"}
"""
    d = write_corpus(tmp_path / "c", {"bad.yaml": bad, "broken.yaml": "entries:\n  - id: q\n   category: [\n"})
    with pytest.raises(CorpusError) as ei:
        load_corpus(d)
    probs = [(p.file.split("/")[-1], p.line, p.message) for p in ei.value.problems]
    text = str(ei.value)
    assert ("bad.yaml", 7) in [(f, l) for f, l, _ in probs] and "placeholder" in text  # unclosed {order_id
    assert any(f == "bad.yaml" and l == 8 and "missing 'answers'" in m for f, l, m in probs)
    assert any(l == 12 and "missing 'category'" in m for f, l, m in probs)
    assert any(l == 14 and "no question" in m for f, l, m in probs)
    assert any("'xx1' is not an ISO 639-1" in m for _, _, m in probs)
    assert any(l == 24 and "invalid placeholder" in m for _, l, m in probs)
    assert any(f == "broken.yaml" and l == 3 and "YAML syntax error" in m for f, l, m in probs)
    assert ei.value.code == "E200"


def test_duplicate_ids_across_files(tmp_path):
    d = write_corpus(tmp_path / "c", {"a.yaml": GOOD, "b.yaml": GOOD})
    with pytest.raises(CorpusError, match=r"b.yaml:2: duplicate id 'delivery-time' \(first defined at .*a.yaml:2\)"):
        load_corpus(d)


def test_not_utf8_and_empty_and_missing(tmp_path):
    d = tmp_path / "c"
    d.mkdir()
    (d / "a.yaml").write_bytes(b"entries:\n  - id: x\n    category: caf\xe9\n")
    (d / "b.yaml").write_text("", encoding="utf-8")
    with pytest.raises(CorpusError) as ei:
        load_corpus(d)
    msgs = str(ei.value)
    assert "a.yaml:3: not valid UTF-8" in msgs
    assert "b.yaml: the file is empty" in msgs
    with pytest.raises(CorpusError, match="no such file or folder"):
        load_corpus(tmp_path / "nope")
    with pytest.raises(CorpusError, match="no entry files"):
        load_corpus(write_corpus(tmp_path / "empty", {"corpus.yaml": "name: x\n"}))


def test_manifest_errors(tmp_path):
    d = write_corpus(tmp_path / "c", {"corpus.yaml": "name: x\ndefault_language: english\ncolour: red\n", "a.yaml": GOOD})
    with pytest.raises(CorpusError) as ei:
        load_corpus(d)
    assert "default_language 'english'" in str(ei.value) and "unknown key 'colour'" in str(ei.value)


def test_placeholders_and_dict_corpus():
    assert placeholders_in("Hi {customer_name}, {{literal}} {order_id}") == ["customer_name", "order_id"]
    with pytest.raises(ValueError):
        placeholders_in("Hi {customer_name")
    with pytest.raises(ValueError):
        placeholders_in("{0}")
    c = corpus_from_dicts([{"id": "h", "category": "s", "questions": {"en": ["Open?"]}, "answers": {"en": "Yes."}}])
    assert c.get("h").title() == "Open?"
    with pytest.raises(CorpusError):
        corpus_from_dicts([{"id": "h", "category": "s", "questions": {"en": ["Open?"]}}])
    with pytest.raises(KeyError, match="No FAQ entry 'zz'"):
        c.get("zz")
