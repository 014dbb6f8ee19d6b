"""Property-based fuzzing of the public entry points (issue 20), seeded and bounded.

hypothesis runs with ``derandomize=True`` (the examples are a function of the test, so a failure
reproduces on every run), a bounded number of examples and a per-example deadline; the whole file
runs in well under a minute. Each property: the call returns a well-formed result or raises a
``ReplyAssistError`` with a code; never another exception, never a result that cannot be written
as UTF-8 JSON, never a row lost.
"""
from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from replyassist.errors import CorpusError, DataError, InputError, ReplyAssistError  # noqa: E402

#: Characters that broke something once: controls, NUL, lone surrogates, zero-width and bidi
#: characters, separators, quotes, delimiters, emoji, Cyrillic, Hungarian accents, URL/e-mail bits.
HOSTILE = list("\x00\x01\x1b\x7f\x85\u200b\u200d\u202e\u2066\u2028\u2029\ufeff\ufffd\udcff\ud800\r\n\t \"',;|#@.:/-_"
               "aAxZ0159😡👍🏽ЖђћшőűÁßé{}[]<>&=+%!?()") + ["http://", "www.", ".com", "a.", "a-", "\r\n", "\\"]
hostile_text = st.lists(st.one_of(st.sampled_from(HOSTILE), st.characters()), max_size=80).map("".join)
realistic = st.sampled_from([
    "Where is my order?? 😡", "wo bleibt mein paket", "Hol van a csomagom? Már két hete várok!",
    "Gde je moja porudzbina", "Где је моја поруџбина?", "pls refund asap!!! order #4711",
    "Hi @shop, see https://x.io/t?a=1", "Kedves Ügyfélszolgálat!\n\nMikor jön?\n\nÜdv, Anna",
])
message_text = st.one_of(hostile_text, realistic, st.tuples(realistic, hostile_text, realistic).map("".join))

#: A generous per-example deadline: the 2 shared cores of CI can be busy; a hang is minutes.
FUZZ = settings(derandomize=True, max_examples=150, deadline=timedelta(seconds=10),
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module", autouse=True)
def _models_loaded():
    """Load the language models before the first example, so no example pays the load time."""
    from replyassist.language import detect_language
    detect_language("Wo ist mein Paket?", segments=True)


def _utf8_json(obj) -> str:
    s = json.dumps(obj, ensure_ascii=False)
    s.encode("utf-8")  # strict: a lone surrogate here is a bug
    return s


@FUZZ
@given(message_text, st.integers(min_value=1, max_value=300))
def test_prepare_message_returns_clean_text_or_e101(text, max_chars):
    from replyassist.text import INVISIBLE, PreparedText, prepare_message
    try:
        p = prepare_message(text, max_chars=max_chars)
    except InputError as exc:
        assert exc.code == "E101"
        return
    assert isinstance(p, PreparedText) and p.text and p.clean
    assert len(p.text) <= max_chars and not INVISIBLE.search(p.text)
    p.text.encode("utf-8"), p.clean.encode("utf-8")
    for s in p.pii:
        assert 0 <= s.start < s.end <= len(p.text)


@FUZZ
@given(message_text, st.booleans())
def test_detect_language_result_is_valid_json_with_true_offsets(text, segments):
    from replyassist.language import detect_language
    from replyassist.text import replace_lone_surrogates
    r = detect_language(text, segments=segments)
    d = json.loads(_utf8_json(r.to_dict()))
    assert 0.0 <= d["confidence"] <= 1.0 and (d["language"] is None or len(d["language"]) in (2, 3))
    for seg in r.segments:
        assert replace_lone_surrogates(text)[seg.start:seg.end] == seg.text


@settings(derandomize=True, max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(st.one_of(message_text, st.fixed_dictionaries({"text": message_text}),
                          st.dictionaries(st.one_of(st.sampled_from(["text", "channel", "foo", "history"]),
                                                    st.integers()), st.one_of(message_text, st.integers(),
                                                                              st.none()), max_size=3),
                          st.integers(), st.none()), min_size=1, max_size=4))
def test_suggest_many_returns_one_result_per_message(assistant, items):
    out = assistant.suggest_many(items, on_error="return")
    assert len(out) == len(items)
    for o in out:
        if isinstance(o, ReplyAssistError):
            assert o.code.startswith("E")
        else:
            _utf8_json(o.to_dict())


@settings(derandomize=True, max_examples=6, deadline=None, suppress_health_check=list(HealthCheck))
@given(message_text)
def test_suggest_drafts_or_says_why(assistant, text):
    try:
        s = assistant.suggest(text, customer_name=text[:20] or None, channel="chat")
    except InputError as exc:
        assert exc.code in ("E101", "E105")
        return
    assert s.draft.text and "\udcff" not in s.draft.text
    _utf8_json(s.to_dict())


yaml_scalar = st.one_of(st.sampled_from(["a", "!foo a", "!!int abc", "!!timestamp 2024-13-45", "*e", "&e x", "<<",
                                         "[", "{", "]", "'", "\"", "- ", ": ", "~", "null", "yes", "1e9999",
                                         "9" * 50]), hostile_text)
yaml_doc = st.lists(st.tuples(st.integers(0, 3), yaml_scalar, yaml_scalar), max_size=12).map(
    lambda lines: "entries:\n" + "".join(f"{'  ' * ind}- {k}: {v}\n" for ind, k, v in lines))


@FUZZ
@given(st.one_of(yaml_doc, hostile_text, st.just("entries:\n  - id: " + "[" * 300)))
def test_load_corpus_loads_or_lists_problems(tmp_path_factory, text):
    from replyassist.corpus import FaqCorpus, load_corpus
    d = tmp_path_factory.mktemp("c")
    (d / "corpus.yaml").write_text("name: t\n", encoding="utf-8")
    (d / "e.yaml").write_text(text, encoding="utf-8", errors="surrogatepass")
    try:
        c = load_corpus(d)
    except CorpusError as exc:
        assert exc.problems and all(p.file.endswith(".yaml") for p in exc.problems)
        return
    assert isinstance(c, FaqCorpus)


json_value = st.recursive(st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), hostile_text),
                          lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                  st.dictionaries(st.one_of(hostile_text, st.integers()), inner,
                                                                  max_size=3)), max_leaves=12)
entry = st.fixed_dictionaries({"id": st.one_of(st.just("a"), json_value), "category": json_value,
                               "questions": st.one_of(st.just({"en": ["Where is it?"]}), json_value),
                               "answers": st.one_of(st.just({"en": "Here."}), json_value)})


@FUZZ
@given(st.one_of(st.lists(st.one_of(entry, json_value), max_size=3), json_value))
def test_corpus_from_dicts_builds_or_lists_problems(entries):
    from replyassist.corpus import FaqCorpus, corpus_from_dicts
    try:
        c = corpus_from_dicts(entries)
    except CorpusError as exc:
        assert exc.code == "E200"
        return
    assert isinstance(c, FaqCorpus)


csv_cell = st.one_of(st.sampled_from(["", "\"", "\"\"", "a,b", "x\ny", "\r", "0001-01-01T00:00:00+01:00",
                                      "2026-10-03", "[[[[", "\x00"]), hostile_text)


@FUZZ
@given(st.lists(st.lists(csv_cell, min_size=1, max_size=4), min_size=1, max_size=8),
       st.sampled_from([",", ";", "\t"]), st.sampled_from(["\n", "\r\n", "\r"]))
def test_csv_reader_accounts_for_every_row(tmp_path_factory, rows, delim, eol):
    from replyassist.gaps import read_messages
    p = tmp_path_factory.mktemp("log") / "log.csv"
    body = eol.join(delim.join(r) for r in rows)
    p.write_bytes(("text" + delim + "id" + delim + "timestamp" + eol + body).encode("utf-8", "surrogatepass"))
    try:
        log = read_messages(p)
    except DataError as exc:
        assert exc.code.startswith("E4")
        return
    assert len(log.rows) + len(log.bad) == log.total
    for b in log.bad:
        _utf8_json(b.to_dict())


@FUZZ
@given(st.lists(st.one_of(json_value.map(lambda v: json.dumps(v)), st.fixed_dictionaries(
    {"text": st.one_of(message_text, json_value), "timestamp": st.one_of(csv_cell, st.integers())}).map(json.dumps),
    hostile_text, st.just("[" * 1200)), min_size=1, max_size=8), st.sampled_from(["\n", "\r\n", "\r"]))
def test_jsonl_reader_accounts_for_every_line(tmp_path_factory, lines, eol):
    from replyassist.gaps import read_messages
    p = tmp_path_factory.mktemp("log") / "log.jsonl"
    p.write_bytes(eol.join(lines).encode("utf-8", "surrogatepass"))
    try:
        log = read_messages(p)
    except DataError as exc:
        assert exc.code.startswith("E4")
        return
    assert len(log.rows) + len(log.bad) == log.total
    data = eol.join(lines).encode("utf-8", "surrogatepass")
    assert log.total == sum(1 for ln in re.split(rb"\r\n|\r|\n", data) if ln.strip())  # every non-blank line
