"""Property-based fuzzing of the public entry points (issue 20), seeded and bounded.

hypothesis runs with ``derandomize=True`` (the examples are a function of the test, so a failure
reproduces on every run), a bounded number of examples and a per-example deadline; the whole file
runs in well under a minute. Each property: the call returns a well-formed result or raises a
``ReplyAssistError`` with a code; never another exception, never a result that cannot be written
as UTF-8 JSON, never a row lost. The command line (``replyassist detect/suggest/gaps``) is run
in-process on hostile arguments, standard input bytes and files: a documented exit code and a
one-line error, never a traceback.

A deeper pass (fresh examples, more of them; not run in CI)::

    REPLYASSIST_FUZZ_SCALE=20 REPLYASSIST_FUZZ_SEED=7 nice -n 10 python -m pytest -q -p no:cacheprovider \
        tests/test_fuzz_hostile.py

``REPLYASSIST_FUZZ_SCALE`` multiplies every test's number of examples; ``REPLYASSIST_FUZZ_SEED``
replaces the derandomized examples by random ones from that seed (no example database is written).
"""
from __future__ import annotations

import contextlib
import io
import json
import os
import re
import sys
from datetime import timedelta
from typing import Any, Callable

import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, Phase, given, settings  # noqa: E402
from hypothesis import seed as hypothesis_seed  # noqa: E402
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

_SCALE = max(1, int(os.environ.get("REPLYASSIST_FUZZ_SCALE", "1") or 1))
_SEED = os.environ.get("REPLYASSIST_FUZZ_SEED")


def fuzz(examples: int, deadline: float | None = 10.0, shrink: bool = True) -> Callable[[Any], Any]:
    """The settings of one property: ``examples`` (times ``REPLYASSIST_FUZZ_SCALE``), derandomized
    unless ``REPLYASSIST_FUZZ_SEED`` is set; ``deadline`` per example in seconds (generous: the 2
    shared cores of CI can be busy; a hang is minutes); ``shrink=False`` for properties whose
    example takes a second or more (shrinking one failure took over five minutes)."""
    phases = tuple(Phase) if shrink else tuple(p for p in Phase if p not in (Phase.shrink, Phase.explain))
    s = settings(derandomize=_SEED is None, database=None, max_examples=examples * _SCALE, phases=phases,
                 deadline=None if deadline is None else timedelta(seconds=deadline),
                 suppress_health_check=list(HealthCheck))

    def apply(fn: Any) -> Any:
        fn = s(fn)
        return hypothesis_seed(int(_SEED))(fn) if _SEED is not None else fn
    return apply


FUZZ = fuzz(150)


@pytest.fixture(scope="module", autouse=True)
def _models_loaded():
    """Load the language models before the first example, so no example pays the load time."""
    from replyassist.language import detect_language
    detect_language("Wo ist mein Paket?", segments=True)


def _utf8_json(obj) -> str:
    s = json.dumps(obj, ensure_ascii=False)
    s.encode("utf-8")  # strict: a lone surrogate here is a bug
    return s


def _read_accounted(path):
    """``read_messages(path)`` with every record accounted for (read or reported bad), every text and bad-row
    report valid UTF-8; ``None`` when the whole file is refused with an E4xx error."""
    from replyassist.gaps import read_messages
    try:
        log = read_messages(path)
    except DataError as exc:
        assert exc.code.startswith("E4")
        return None
    assert len(log.rows) + len(log.bad) == log.total
    for r in log.rows:
        r.text.encode("utf-8")
    for b in log.bad:
        _utf8_json(b.to_dict())
    return log


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
    from replyassist.text import MATCH_HEAD_CHARS, MATCH_SEGMENTS_CHARS, segment_batch
    texts, parts = segment_batch([p.clean])
    assert len(texts[0]) <= MATCH_HEAD_CHARS and sum(map(len, texts[1:])) <= MATCH_SEGMENTS_CHARS
    assert parts == [None] + [0] * (len(texts) - 1) and len(texts) <= 7


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


@fuzz(12, deadline=None)
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


@fuzz(6, deadline=None)
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
    p = tmp_path_factory.mktemp("log") / "log.csv"
    body = eol.join(delim.join(r) for r in rows)
    p.write_bytes(("text" + delim + "id" + delim + "timestamp" + eol + body).encode("utf-8", "surrogatepass"))
    _read_accounted(p)


@FUZZ
@given(st.lists(st.one_of(json_value.map(lambda v: json.dumps(v)), st.fixed_dictionaries(
    {"text": st.one_of(message_text, json_value), "timestamp": st.one_of(csv_cell, st.integers())}).map(json.dumps),
    hostile_text, st.just("[" * 1200)), min_size=1, max_size=8), st.sampled_from(["\n", "\r\n", "\r"]))
def test_jsonl_reader_accounts_for_every_line(tmp_path_factory, lines, eol):
    p = tmp_path_factory.mktemp("log") / "log.jsonl"
    p.write_bytes(eol.join(lines).encode("utf-8", "surrogatepass"))
    log = _read_accounted(p)
    if log is None:
        return
    data = eol.join(lines).encode("utf-8", "surrogatepass")
    assert log.total == sum(1 for ln in re.split(rb"\r\n|\r|\n", data) if ln.strip())  # every non-blank line


long_text = st.lists(st.one_of(realistic, hostile_text, st.sampled_from(["\n", "\n\n", ". ", "? ", " " * 50])),
                     min_size=1, max_size=400).map(lambda parts: " ".join(parts) * 3)


@FUZZ
@given(long_text)
def test_what_the_matcher_reads_of_a_long_message_is_bounded(text):
    """Issue 20: e5 at its 512-token limit cost ~1.1 s of CPU per long message; the matcher reads a
    bounded head and at most MATCH_SEGMENTS_CHARS of sentences, whatever the message."""
    from replyassist.text import MATCH_HEAD_CHARS, MATCH_SEGMENT_CHARS, MATCH_SEGMENTS_CHARS, prepare_message, segment_batch
    try:
        p = prepare_message(text)
    except InputError as exc:
        assert exc.code == "E101"
        return
    texts, _ = segment_batch([p.clean])
    assert len(texts[0]) <= MATCH_HEAD_CHARS and len(texts) <= 7
    assert sum(map(len, texts[1:])) <= MATCH_SEGMENTS_CHARS and all(len(t) <= MATCH_SEGMENT_CHARS for t in texts[1:])
    assert all(t and t in p.clean for t in texts[1:])  # sentences are the message's own text


# ---- raw bytes: files and standard input as they come off a disk ----------------------------------

raw_bytes = st.one_of(
    st.binary(max_size=300),
    st.tuples(st.sampled_from([b"", b"\xef\xbb\xbf", b"\xff\xfe", b"\x00"]), message_text.map(
        lambda t: t.encode("utf-8", "surrogatepass")), st.binary(max_size=20)).map(b"".join),
    message_text.map(lambda t: t.encode("latin-1", "replace")),
    message_text.map(lambda t: t.encode("utf-16", "surrogatepass")))


@FUZZ
@given(raw_bytes, st.sampled_from(["log.csv", "log.jsonl", "log.tsv", "log.txt"]))
def test_log_reader_takes_any_bytes(tmp_path_factory, data, name):
    p = tmp_path_factory.mktemp("log") / name
    p.write_bytes(b"text,id\n" + data if name.endswith("csv") and not data.startswith(b"\xef") else data)
    _read_accounted(p)


@FUZZ
@given(raw_bytes)
def test_load_corpus_takes_any_bytes(tmp_path_factory, data):
    from replyassist.corpus import FaqCorpus, load_corpus
    d = tmp_path_factory.mktemp("c")
    (d / "corpus.yaml").write_text("name: t\n", encoding="utf-8")
    (d / "e.yaml").write_bytes(b"entries:\n  - id: a\n    category: " + data)
    try:
        c = load_corpus(d)
    except CorpusError as exc:
        assert exc.problems and exc.code == "E200"
        str(exc).encode("utf-8")
        return
    assert isinstance(c, FaqCorpus)


# ---- the command line, in-process: exit codes 0 / 2, one-line errors, valid JSON ---------------

class _Stdin:
    """Standard input holding ``data`` (bytes), not a terminal."""

    def __init__(self, data: bytes) -> None:
        self.buffer = io.BytesIO(data)

    def isatty(self) -> bool:
        return False


def _run_cli(argv: list[str], stdin: bytes | None = None) -> tuple[int, str, str]:
    from replyassist.cli import main
    out, err = io.StringIO(), io.StringIO()
    old = sys.stdin
    try:
        if stdin is not None:
            sys.stdin = _Stdin(stdin)  # type: ignore[assignment]
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(argv)
            except SystemExit as exc:  # argparse: a usage error
                code = int(exc.code or 0)
    finally:
        sys.stdin = old
    return code, out.getvalue(), err.getvalue()


def _one_line_error(err: str) -> None:
    assert "Traceback" not in err and re.search(r"\[?E\d{3}\]?|usage:|error:", err), err[-500:]


cli_arg = st.one_of(message_text, st.sampled_from(["-", "--", "-x", "--json", "=", "a=b", "{", '{"text": 1}', ""]))


@FUZZ
@given(st.one_of(st.lists(cli_arg, min_size=1, max_size=3), st.none()), raw_bytes, st.booleans(),
       st.sampled_from(["strict", "replace"]), st.one_of(st.none(), cli_arg), st.one_of(st.none(), cli_arg))
def test_cli_detect_exits_0_or_2_with_valid_utf8_json(args, stdin, segments, errors, lang, locale):
    argv = ["detect", *(["--segments"] if segments else []), "--encoding-errors", errors]
    argv += [*(["--customer-language", lang] if lang is not None else []), *(["--locale", locale] if locale is not None
                                                                           else [])]
    argv += ["--", *args] if args else []
    code, out, err = _run_cli(argv, stdin=stdin if not args else None)
    assert code in (0, 2), (code, err[-500:])
    if code == 0:
        d = json.loads(out)
        out.encode("utf-8")
        assert "language" in d
    else:
        _one_line_error(err)


@pytest.fixture()
def cli_assistant(assistant, monkeypatch):
    """`replyassist suggest` loads the models on every call; here it gets the session's assistant
    (the corpus and settings it would load are the same), so many examples run in seconds."""
    from replyassist.assistant import ReplyAssistant
    monkeypatch.setattr(ReplyAssistant, "from_corpus", classmethod(lambda cls, *a, **k: assistant))
    return assistant


@fuzz(10, deadline=None, shrink=False)
@given(st.one_of(message_text, st.none()), raw_bytes, st.lists(st.tuples(st.sampled_from(
    ["--customer-name", "--agent-name", "--channel", "--customer-language", "--locale", "--history", "--value"]),
    cli_arg), max_size=4), st.booleans())
def test_cli_suggest_exits_0_or_2_with_valid_json(cli_assistant, text, stdin, opts, as_json):
    argv = ["suggest", "--corpus", "faq_corpus/shop", "--encoding-errors", "replace", *(["--json"] if as_json else [])]
    for flag, value in opts:
        argv += [f"{flag}={value}"]
    argv += ["--", text] if text is not None else []
    code, out, err = _run_cli(argv, stdin=stdin if text is None else None)
    assert code in (0, 2), (code, err[-500:])
    if code == 0:
        out.encode("utf-8")
        if as_json:
            assert json.loads(out)["draft"]["text"]
        else:
            assert "Draft (" in out
    else:
        _one_line_error(err)


TINY = {"corpus.yaml": "name: tiny\n", "e.yaml": (
    "entries:\n  - id: order-status\n    category: orders\n    questions:\n      en:\n        - Where is my order?\n"
    "        - My parcel has not arrived\n      de:\n        - Wo ist meine Bestellung?\n    answers:\n"
    "      en: On its way.\n      de: Unterwegs.\n  - id: payment\n    category: payment\n    questions:\n      en:\n"
    "        - Can I pay with PayPal?\n        - Which payment methods do you take?\n      de:\n"
    "        - Kann ich mit PayPal zahlen?\n    answers:\n      en: Card and PayPal.\n      de: Karte und PayPal.\n")}


@pytest.fixture(scope="module")
def gaps_home(tmp_path_factory):
    """A small corpus and one cache folder for every gaps example (a team's cache persists too)."""
    d = tmp_path_factory.mktemp("gaps-home")
    for name, body in TINY.items():
        (d / "corpus").mkdir(exist_ok=True)
        (d / "corpus" / name).write_text(body, encoding="utf-8")
    return d


log_row = st.fixed_dictionaries({"text": st.one_of(message_text, st.just("")), "id": cli_arg,
                                 "channel": st.one_of(cli_arg, st.just("email")), "timestamp": csv_cell,
                                 "customer_id": cli_arg, "customer_name": cli_arg})


@fuzz(4, deadline=None, shrink=False)
@given(st.one_of(st.lists(log_row, min_size=1, max_size=6).map(lambda rows: ("log.jsonl", "\n".join(
    json.dumps(r, ensure_ascii=False) for r in rows).encode("utf-8", "surrogatepass"))),
    st.lists(log_row, min_size=1, max_size=6).map(lambda rows: ("log.csv", _csv_bytes(rows))),
    st.tuples(st.sampled_from(["log.csv", "log.jsonl"]), raw_bytes)), st.booleans())
def test_cli_gaps_exits_0_or_2_and_accounts_for_every_row(gaps_home, tmp_path_factory, log, mask_names):
    name, data = log
    d = tmp_path_factory.mktemp("gaps")
    (d / name).write_bytes(data)
    argv = ["gaps", str(d / name), "--corpus", str(gaps_home / "corpus"), "--out", str(d / "out"),
            "--cache-dir", str(gaps_home / "cache"), "--no-progress", *(["--mask-names"] if mask_names else [])]
    code, out, err = _run_cli(argv)
    assert code in (0, 2), (code, err[-800:])
    if code == 0:
        rep = json.loads((d / "out" / "report.json").read_text(encoding="utf-8"))
        assert rep["processed"] + rep["bad_row_count"] == rep["total_rows"]
        assert len(rep["messages"]) == rep["processed"]
        assert not [p for p in (d / "out").iterdir() if p.name.endswith(".tmp")]
    else:
        _one_line_error(err)


def _csv_bytes(rows: list[dict[str, Any]]) -> bytes:
    import csv
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(rows[0]))
    w.writeheader()
    w.writerows(rows)
    return buf.getvalue().encode("utf-8", "surrogatepass")
