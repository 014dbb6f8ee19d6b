"""Regression tests of issue 20: hostile input, broken disks and caches (defects 1-6, 8-11).

Each test failed before its fix (the defect's reproducer is in the test's docstring). PII masking
(defect 7) is in ``test_pii_masking.py``, the property-based fuzzing in ``test_fuzz_hostile.py``.
Timing bounds here are generous "does not hang" limits (before: minutes); the figures are
measured by ``benchmarks/hostile_scaling.py``.
"""
from __future__ import annotations

import errno
import hashlib
import io
import json
import os
import re
import sqlite3
import time
from pathlib import Path

import numpy as np
import pytest

from .conftest import write_corpus
from replyassist.corpus import corpus_from_dicts, load_corpus
from replyassist.errors import CorpusError, InputError, StorageError


def _fast(fn, *args, limit: float = 5.0, **kw):
    t0 = time.perf_counter()
    out = fn(*args, **kw)
    took = time.perf_counter() - t0
    assert took < limit, f"{getattr(fn, '__name__', fn)} took {took:.1f} s (limit {limit} s)"
    return out


# ---- defect 1: quadratic time on long unbroken tokens, no length cap ------------------------

@pytest.mark.parametrize("text", ["a." * 30000, "a-" * 30000, "x" * 1_000_000, "\U0001F621" * 20000],
                         ids=["a-dot", "a-dash", "1MB-token", "emoji"])
def test_detect_language_is_fast_on_long_unbroken_tokens(text):
    """detect_language('a.'*10000) took 78 s (the URL pattern), 'x'*1_000_000 14 min (no cap)."""
    from replyassist.language import detect_language
    r = _fast(detect_language, text, segments=True)
    assert json.dumps(r.to_dict())  # a result, not a hang


@pytest.mark.parametrize("text", ["a." * 30000, "a. " * 20000, "\U0001F621" * 50000, "ab@" * 20000],
                         ids=["a-dot", "a-dot-space", "emoji", "ab-at"])
def test_prepare_message_and_sentence_split_are_fast(text):
    """The e-mail pattern rescanned a long token from every position; split_sentences re-split the
    whole text since the last cut at every abbreviation-like full stop ('a. a. a. ...')."""
    from replyassist.text import prepare_message, segment_batch
    p = _fast(prepare_message, text)
    _fast(segment_batch, [p.clean])
    assert len(p.clean) <= 20000


def test_models_see_at_most_64_characters_of_a_run_without_spaces():
    """suggest('a.'*10000) spent seconds encoding 512 tokens of 'a.a.a.'; the clean text keeps the
    start of such a run only (what the models read), the displayed text keeps it all."""
    from replyassist.text import prepare_message
    p = prepare_message("Where is my order? " + "a." * 5000 + " thanks")
    assert "a." * 32 in p.clean and "a." * 33 not in p.clean and p.clean.endswith("thanks")
    assert "a." * 5000 in p.text


def test_spacy_tokenizer_is_fast_on_an_emoji_run():
    """suggest('😡'*20000) spent 62 s in spaCy's find_suffix (drafting)."""
    from replyassist.drafting.locales import tokenize
    tokenize("warm up", "en")
    toks = _fast(tokenize, "Where is my parcel? " + "\U0001F621" * 20000 + " now!", "en", limit=3.0)
    assert toks[:4] == [("Where", 0), ("is", 6), ("my", 9), ("parcel", 12)]
    assert toks[-2:] == [("now", 20021), ("!", 20024)]
    assert len(toks) == 5 + 100 + 2  # the run's first and last 50 characters are tokens, not all 20,000


def test_lexicon_patterns_with_any_word_are_linear():
    """'(\\S+) hete' rescanned a run without spaces from every position (27 s of signals)."""
    from replyassist.signals.lexicon import load_lexicon, fold
    lex = load_lexicon("situation", "hu", None)
    text = "\U0001F621" * 20000
    _fast(lex.find, text, folded=fold(text), limit=3.0)
    assert [h.category for h in lex.find("Már két hete várok a csomagra")]  # still finds "két hete várok"


# ---- defect 2: load_corpus lets other errors escape ----------------------------------------

QUESTIONS = "    questions:\n      en:\n        - Where is my order\n    answers:\n      en: It is on its way.\n"


@pytest.mark.parametrize("body, expect", [
    ("entries:\n  - id: " + "[" * 500 + "]" * 500 + "\n", "nested too deeply"),
    ("entries:\n  - id: !foo a\n    category: c\n" + QUESTIONS, "tag '!foo' is not allowed"),
    ("entries:\n  - &e\n    id: a\n    category: c\n" + QUESTIONS + "  - <<: *e\n    id: b\n", "merge key"),
    ("entries:\n  - id: a\n    category: !!timestamp 2024-13-45\n" + QUESTIONS, "timestamp value '2024-13-45'"),
    ("entries:\n  - id: a\n    category: !!int abc\n" + QUESTIONS, "int value 'abc'"),
    ("entries:\n  - id: a\n    category: c\n    tags: [" + "9" * 5000 + "]\n" + QUESTIONS, "cannot be read"),
], ids=["nesting", "unknown-tag", "merge-key", "bad-timestamp", "bad-int", "huge-int"])
def test_load_corpus_reports_yaml_oddities_as_corpus_errors(tmp_path, body, expect):
    """RecursionError, yaml ConstructorError and ValueError escaped load_corpus."""
    write_corpus(tmp_path, {"corpus.yaml": "name: t\n", "e.yaml": body})
    with pytest.raises(CorpusError) as err:
        load_corpus(tmp_path)
    assert any(expect in p.message and p.file.endswith("e.yaml") for p in err.value.problems), err.value


@pytest.mark.parametrize("arg", [None, 5, "abc", {"id": "a"}])
def test_corpus_from_dicts_refuses_what_is_not_a_list_of_dicts(arg):
    """corpus_from_dicts(None) raised TypeError."""
    with pytest.raises(CorpusError, match="takes a list of entry dicts"):
        corpus_from_dicts(arg)


def test_corpus_from_dicts_reports_deep_nesting():
    deep: dict = {}
    node = deep
    for _ in range(3000):
        node["x"] = {}
        node = node["x"]
    with pytest.raises(CorpusError, match="nested too deeply"):
        corpus_from_dicts([{"id": "a", "category": "c", "questions": {"en": ["q"]}, "answers": {"en": "a"},
                            "tags": [deep]}])


# ---- defects 3 and 8: one bad log row, rows lost or merged ----------------------------------

def test_a_timestamp_before_year_one_in_utc_keeps_the_row(tmp_path):
    """0001-01-01T00:00:00+01:00 raised OverflowError and stopped the whole gap run."""
    from replyassist.gaps import read_messages
    from replyassist.gaps._io import parse_timestamp
    assert parse_timestamp("0001-01-01T00:00:00+01:00") is None
    p = tmp_path / "log.csv"
    p.write_text("text,timestamp\nWhere is my order?,0001-01-01T00:00:00+01:00\nWo ist mein Paket?,"
                 "2026-10-03T10:00:00+02:00\n", encoding="utf-8")
    log = read_messages(p)
    assert [r.timestamp for r in log.rows] == [None, parse_timestamp("2026-10-03T08:00:00")]
    assert "rows 1" in log.notes[0]


def test_deeply_nested_jsonl_line_is_a_bad_row(tmp_path):
    """A JSONL line with 1,000 nested arrays raised RecursionError (traceback, exit 1)."""
    from replyassist.gaps import read_messages
    p = tmp_path / "log.jsonl"
    p.write_text('{"text": "Where is my order?"}\n' + "[" * 1000 + "]" * 1000 + "\n"
                 + '{"text": "hi", "id": ' + "[" * 900 + "]" * 900 + "}\n" + '{"text": "Hol van a csomagom?"}\n',
                 encoding="utf-8")
    log = read_messages(p)
    assert [r.text for r in log.rows] == ["Where is my order?", "hi", "Hol van a csomagom?"]
    assert [(b.row, b.line) for b in log.bad] == [(2, 2)] and "nested too deeply" in log.bad[0].reason
    assert len(log.rows) + len(log.bad) == log.total == 4


def test_jsonl_with_cr_only_line_endings_reads_every_message(tmp_path):
    """A CR-only JSONL file read 3 messages as 1 bad row."""
    from replyassist.gaps import read_messages
    p = tmp_path / "log.jsonl"
    p.write_bytes(b'{"text": "Where is my order?"}\r{"text": "Wo ist mein Paket?"}\r\n{"text": "Gde je paket?"}\r')
    log = read_messages(p)
    assert [r.text for r in log.rows] == ["Where is my order?", "Wo ist mein Paket?", "Gde je paket?"]
    assert [r.line for r in log.rows] == [1, 2, 3] and not log.bad and log.total == 3


def test_csv_rows_swallowed_up_to_a_later_stray_quote_are_recovered(tmp_path):
    """Row 1 opens a quote that a stray quote on row 3 closes: rows 2 and 3 disappeared into row 1's
    text, without a bad-row entry (3 rows counted for 4 records)."""
    from replyassist.gaps import read_messages
    p = tmp_path / "log.csv"
    p.write_text('id,text\n1,"Where is my order\n2,Hello there\n3,bye"\n4,ok thanks\n', encoding="utf-8")
    log = read_messages(p)
    assert [(r.row, r.text) for r in log.rows] == [(2, "Hello there"), (3, 'bye"'), (4, "ok thanks")]
    assert [(b.row, b.line) for b in log.bad] == [(1, 2)] and "unbalanced quote" in log.bad[0].reason
    assert len(log.rows) + len(log.bad) == log.total == 4


def test_a_real_quoted_line_break_stays_one_row(tmp_path):
    from replyassist.gaps import read_messages
    p = tmp_path / "log.csv"
    p.write_text('id,text\n1,"Hello,\nmy order, it is late\nthanks"\n2,ok thanks\n', encoding="utf-8")
    log = read_messages(p)
    assert [r.text for r in log.rows] == ["Hello,\nmy order, it is late\nthanks", "ok thanks"] and not log.bad


def test_sniffing_a_long_quoted_value_is_fast(tmp_path):
    """csv.Sniffer over 20,000 characters of one quoted value with 10,000 line breaks took 1.4 s."""
    from replyassist.gaps import read_messages
    p = tmp_path / "log.csv"
    p.write_text('id,text\n1,"' + "\n" * 10000 + 'Where is my order?"\n2,ok\n', encoding="utf-8")
    log = _fast(read_messages, p, limit=0.5)
    assert [r.text.strip() for r in log.rows] == ["Where is my order?", "ok"]


# ---- defect 4: suggest_many(..., on_error="return") aborts the batch ----------------------

def test_message_coerce_gives_input_errors_for_odd_dicts():
    """{'text': 'hi', 'foo': 1, 2: 3} raised TypeError while sorting the keys; no 'text' TypeError."""
    from replyassist.assistant import Message
    with pytest.raises(InputError, match=r"Unknown message field\(s\) \['2', 'foo'\]|Unknown message field"):
        Message.coerce({"text": "hi", "foo": 1, 2: 3})
    with pytest.raises(InputError, match="has no 'text' field") as err:
        Message.coerce({"channel": "email"})
    assert err.value.code == "E134"


def test_suggest_many_returns_errors_for_odd_dicts_in_place(assistant):
    out = assistant.suggest_many([{"text": "hi", "foo": 1, 2: 3}, {"channel": "email"}, "Wo ist mein Paket?"],
                                 on_error="return")
    assert [type(o).__name__ for o in out] == ["InputError", "InputError", "Suggestion"]
    assert out[2].language == "de"


# ---- defect 5: lone surrogates in language segments ----------------------------------------

def test_language_segments_never_hold_lone_surrogates(capsys, monkeypatch):
    """detect_language(..., segments=True).to_dict() could not be encoded; the CLI wrote byte 0xff."""
    from replyassist.language import detect_language
    r = detect_language("Wo ist mein Paket? \udcff Hol van a csomagom?", segments=True)
    json.dumps(r.to_dict(), ensure_ascii=False).encode("utf-8")  # raised UnicodeEncodeError
    assert [(s.start, s.end, s.language) for s in r.segments] == [(0, 18, "de"), (19, 40, "hu")]
    from replyassist.cli import main
    assert main(["detect", "--segments", "Wo ist mein Paket? \udcff Hol van a csomagom?"]) == 0
    out = capsys.readouterr().out
    out.encode("utf-8")  # strict: no surrogate reaches the output
    assert json.loads(out)["segments"][1]["text"] == "\ufffd Hol van a csomagom?"


def test_detection_skips_padding_and_keeps_offsets():
    from replyassist.language import detect_language
    text = "\u200b" * 1_000_000 + "Wo ist mein Paket? Ich warte seit zwei Wochen."
    r = _fast(detect_language, text, segments=True)
    assert r.language == "de" and r.segments and r.segments[0].start == 1_000_000
    assert text[r.segments[0].start:r.segments[0].end] == r.segments[0].text


# ---- defect 6: damaged caches, unwritable folders, full disk -------------------------------

class CountingEmbedder:
    """Deterministic vectors from a hash of the text, counting what it encodes."""

    model_id = "test-counting-8"
    dim = 8

    def __init__(self) -> None:
        self.encoded = 0

    def encode(self, texts):
        self.encoded += len(texts)
        out = np.array([[b / 255 for b in hashlib.sha256(t.encode()).digest()[:8]] for t in texts], dtype=np.float32)
        return out / np.linalg.norm(out, axis=1, keepdims=True)


TEXTS = ["Where is my order?", "Wo ist mein Paket?", "Hol van a csomagom?", "Gde je moj paket?"]


def _filled_cache(path: Path) -> np.ndarray:
    from replyassist.embeddings import CachedEmbedder
    emb = CachedEmbedder(CountingEmbedder(), path)
    vecs = emb.encode(TEXTS)
    emb.close()
    return vecs


def _cut_in_half(p: Path) -> None:
    data = p.read_bytes()
    p.write_bytes(data[: len(data) // 2])


def _bad_header(p: Path) -> None:
    data = bytearray(p.read_bytes())
    data[:16] = b"NOT A DATABASE!!"
    p.write_bytes(bytes(data))


def _checkpoint(p: Path) -> None:
    conn = sqlite3.connect(p)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()


@pytest.mark.parametrize("damage", [_cut_in_half, _bad_header], ids=["cut-in-half", "bad-header"])
def test_damaged_vector_cache_is_discarded_with_a_warning_and_rebuilt(tmp_path, damage):
    """A cut or overwritten embeddings.sqlite raised sqlite3.DatabaseError (a raw traceback)."""
    from replyassist._sqlite_cache import CacheWarning
    from replyassist.embeddings import CachedEmbedder
    path = tmp_path / "emb.sqlite"
    expected = _filled_cache(path)
    # make the file big enough that cutting it in half loses pages
    conn = sqlite3.connect(path)
    conn.executemany("INSERT INTO vec VALUES (?, ?, ?)", [("x", str(i), b"\0" * 4000) for i in range(50)])
    conn.commit()
    conn.close()
    _checkpoint(path)
    damage(path)
    inner = CountingEmbedder()
    with pytest.warns(CacheWarning, match="discarded"):
        emb = CachedEmbedder(inner, path)
        got = emb.encode(TEXTS)
    np.testing.assert_allclose(got, expected, rtol=1e-6)
    assert inner.encoded == 4
    again = CountingEmbedder()
    CachedEmbedder(again, path).encode(TEXTS)  # rebuilt: now a hit
    assert again.encoded == 0


def test_shortened_and_nan_vector_blobs_are_recomputed(tmp_path):
    from replyassist._sqlite_cache import CacheWarning
    from replyassist.embeddings import CachedEmbedder, text_key
    path = tmp_path / "emb.sqlite"
    expected = _filled_cache(path)
    conn = sqlite3.connect(path)
    conn.execute("UPDATE vec SET v=? WHERE key=?", (b"\0" * 12, text_key(TEXTS[0])))
    conn.execute("UPDATE vec SET v=? WHERE key=?", (np.full(8, np.nan, np.float32).tobytes(), text_key(TEXTS[1])))
    conn.execute("UPDATE vec SET v=? WHERE key=?", ("text, not bytes", text_key(TEXTS[2])))
    conn.commit()
    conn.close()
    inner = CountingEmbedder()
    with pytest.warns(CacheWarning, match="3 damaged vector"):
        got = CachedEmbedder(inner, path).encode(TEXTS)
    np.testing.assert_allclose(got, expected, rtol=1e-6)
    assert inner.encoded == 3


def test_cache_path_under_a_file_or_being_a_folder_is_a_clear_error(tmp_path):
    from replyassist.embeddings import CachedEmbedder
    blocker = tmp_path / "cache"
    blocker.write_text("not a folder")
    with pytest.raises(StorageError, match="is a file") as err:
        CachedEmbedder(CountingEmbedder(), blocker / "embeddings.sqlite")
    assert err.value.code == "E903"
    (tmp_path / "dir.sqlite").mkdir()
    with pytest.raises(StorageError, match="is a folder"):
        CachedEmbedder(CountingEmbedder(), tmp_path / "dir.sqlite")


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root ignores file permissions")
def test_read_only_cache_is_used_read_only(tmp_path):
    from replyassist._sqlite_cache import CacheWarning
    from replyassist.embeddings import CachedEmbedder
    path = tmp_path / "ro" / "emb.sqlite"
    _filled_cache(path)
    _checkpoint(path)
    os.chmod(path, 0o444)
    os.chmod(path.parent, 0o555)
    try:
        inner = CountingEmbedder()
        with pytest.warns(CacheWarning, match="read-only|cannot be written"):
            emb = CachedEmbedder(inner, path)
            emb.encode(TEXTS + ["new text"])
        assert inner.encoded == 1
    finally:
        os.chmod(path.parent, 0o755)
        os.chmod(path, 0o644)


def test_read_only_cache_file_as_root_or_not_never_raises(tmp_path, monkeypatch):
    """Simulated: every write fails as on a read-only file; the results are still returned."""
    from replyassist._sqlite_cache import CacheWarning, SqliteCache
    from replyassist.embeddings import CachedEmbedder
    path = tmp_path / "emb.sqlite"
    emb = CachedEmbedder(CountingEmbedder(), path)

    class ReadOnly:
        def __init__(self, conn):
            self.conn = conn

        def executemany(self, *a, **k):
            raise sqlite3.OperationalError("attempt to write a readonly database")

        def __getattr__(self, name):
            return getattr(self.conn, name)
    emb._db._conn = ReadOnly(emb._db._conn)
    with pytest.warns(CacheWarning, match="cannot be written"):
        out = emb.encode(TEXTS)
    assert out.shape == (4, 8) and isinstance(emb._db, SqliteCache) and emb._db.read_only


def test_stage_cache_rows_with_bad_json_or_wrong_types_are_recomputed(tmp_path):
    from replyassist._sqlite_cache import CacheWarning
    from replyassist.gaps._stagecache import StageCache
    path = tmp_path / "gaps-stages.sqlite"
    c = StageCache(path)
    c.put_many("language", {"a": ["de", "Latn"], "b": ["hu", None], "c": ["en", "Latn"]})
    c.put_many("sentiment", {"a": "negative"})
    c.close()
    conn = sqlite3.connect(path)
    conn.execute("UPDATE res SET v='{not json' WHERE stage='language' AND key='a'")
    conn.execute("UPDATE res SET v='{\"lang\": 5}' WHERE stage='language' AND key='b'")
    conn.execute("UPDATE res SET v='[1, 2, 3]' WHERE stage='sentiment' AND key='a'")
    conn.commit()
    conn.close()
    c = StageCache(path)
    with pytest.warns(CacheWarning, match="2 damaged 'language'"):
        assert c.get_many("language", ["a", "b", "c"]) == {"c": ["en", "Latn"]}
    with pytest.warns(CacheWarning, match="1 damaged 'sentiment'"):
        assert c.get_many("sentiment", ["a"]) == {}


def test_damaged_stage_cache_file_is_rebuilt(tmp_path):
    from replyassist._sqlite_cache import CacheWarning
    from replyassist.gaps._stagecache import StageCache
    path = tmp_path / "gaps-stages.sqlite"
    path.write_bytes(b"SQLite format 3\x00" + os.urandom(3000))
    with pytest.warns(CacheWarning, match="discarded"):
        c = StageCache(path)
        c.put_many("sentiment", {"k": "neutral"})
        assert c.get_many("sentiment", ["k"]) == {"k": "neutral"}


def _tiny_report(tmp_path):
    from replyassist.embeddings import CachedEmbedder
    from replyassist.gaps import GapSettings, analyze_gaps
    corpus = corpus_from_dicts([{"id": "delivery", "category": "d", "questions": {"en": ["where is my parcel"]},
                                 "answers": {"en": "On its way."}}])
    from replyassist.matching import FaqIndex, MatchSettings
    emb = CachedEmbedder(CountingEmbedder(), tmp_path / "e.sqlite")
    index = FaqIndex(corpus, emb, MatchSettings(second_embedder="none"), cache_dir=False)
    return analyze_gaps(["where is my parcel", "do you sell gift cards", "gift cards please", "gift cards for mum"],
                        corpus, index=index, embedder=emb, detector=False,
                        signals=False, cache_dir=tmp_path / "cache", progress=False,
                        settings=GapSettings(min_gap_size=2))


def test_full_disk_leaves_no_partial_report(tmp_path, monkeypatch):
    """A full disk left a 0-byte report.html behind (and a raw OSError)."""
    rep = _tiny_report(tmp_path)
    out = tmp_path / "out"
    rep.write(out)
    before = (out / "report.html").read_bytes()
    real_fdopen = os.fdopen

    class Full(io.TextIOWrapper):
        pass

    def full_fdopen(fd, *a, **k):
        fh = real_fdopen(fd, *a, **k)

        def write(_data):
            raise OSError(errno.ENOSPC, "No space left on device")
        fh.write = write  # type: ignore[method-assign]
        return fh
    monkeypatch.setattr(os, "fdopen", full_fdopen)
    with pytest.raises(StorageError, match="disk is full") as err:
        rep.write_html(out)
    assert err.value.code == "E905"
    monkeypatch.undo()
    assert (out / "report.html").read_bytes() == before  # the old report, whole
    assert not [p for p in out.iterdir() if p.name.endswith(".tmp")]


def test_out_pointing_at_a_file_or_an_uncreatable_path_fails_before_any_work(tmp_path, capsys):
    from replyassist.gaps import run_gaps_cli
    blocker = tmp_path / "report.txt"
    blocker.write_text("x")
    err = io.StringIO()
    # the messages file does not exist: the --out check must come first
    assert run_gaps_cli(tmp_path / "missing.csv", "faq_corpus/shop", blocker, stderr=err, stdout=io.StringIO()) == 2
    assert "E901" in err.getvalue() and "is a file" in err.getvalue()
    err = io.StringIO()
    assert run_gaps_cli(tmp_path / "missing.csv", "faq_corpus/shop", blocker / "sub", stderr=err,
                        stdout=io.StringIO()) == 2
    assert "E904" in err.getvalue() and "cannot be written" in err.getvalue()


# ---- defect 9: padding before the text ------------------------------------------------------

@pytest.mark.parametrize("pad", ["\n" * 40001, "\u200b" * 1_000_000, " \u200b\n" * 100_000, "\ufeff\u2060" * 30_000],
                         ids=["newlines", "zero-width", "mixed", "bom-joiner"])
def test_padding_before_the_text_does_not_empty_the_message(pad):
    """40,001 newlines or 1 MB of zero-width characters, then the question: 'empty message' (E101)."""
    from replyassist.text import prepare_message
    p = _fast(prepare_message, pad + "Where is my order?")
    assert p.text == p.clean == "Where is my order?"


# ---- defect 10: the index cache file name (fixed before; the test lives in test_matching) --

def test_index_cache_file_name_regression_test_exists():
    """Defect 10 was fixed in an earlier session; its regression test is
    tests/test_matching.py::test_cache_file_keeps_the_whole_model_id_and_corpus_hash."""
    src = (Path(__file__).parent / "test_matching.py").read_text(encoding="utf-8")
    assert "def test_cache_file_keeps_the_whole_model_id_and_corpus_hash" in src


# ---- defect 11: E103 names a flag that does not exist ---------------------------------------

def test_e103_names_the_real_flag():
    from replyassist.cli import build_parser
    msg = str(InputError.bad_encoding("standard input", "byte 0xff at offset 3"))
    flags = set(re.findall(r"--[a-z-]+", msg))
    assert flags == {"--encoding-errors"}
    for cmd in ("suggest", "detect"):
        opts = {o for a in build_parser()._subparsers._group_actions[0].choices[cmd]._actions  # type: ignore[union-attr]
                for o in a.option_strings}
        assert flags <= opts, (cmd, opts)


def test_index_calibration_json_of_wrong_types_is_refitted(tmp_path):
    """A calibration JSON with the right format number but wrong types raised TypeError in FaqIndex."""
    from replyassist.matching import FaqIndex, MatchSettings
    corpus = corpus_from_dicts([{"id": f"e{i}", "category": "c", "questions": {"en": [f"question {i} {w}" for w in
                                                                                    ("one", "two", "three")]},
                                 "answers": {"en": "a"}} for i in range(4)])
    settings = MatchSettings(band_model=None, second_embedder="none")
    FaqIndex(corpus, CountingEmbedder(), settings, cache_dir=tmp_path)
    (cal,) = [p for p in tmp_path.rglob("*.json") if "-scope" not in p.name]   # (not the scope test's statistics)
    data = json.loads(cal.read_text(encoding="utf-8"))
    data["coef"], data["self_test"] = "abc", [1, 2]
    cal.write_text(json.dumps(data), encoding="utf-8")
    with pytest.warns(UserWarning, match="wrong type"):
        idx = FaqIndex(corpus, CountingEmbedder(), settings, cache_dir=tmp_path)
    assert isinstance(idx.self_test, dict)
    cal.write_text("[1, 2, 3]", encoding="utf-8")  # not an object
    FaqIndex(corpus, CountingEmbedder(), settings, cache_dir=tmp_path)


def test_cache_that_cannot_be_written_at_open_is_used_read_only(tmp_path, monkeypatch):
    """Simulated (root ignores permissions): the schema write fails as on a read-only file; the
    cached vectors are still read and new ones computed, nothing raises."""
    from replyassist._sqlite_cache import CacheWarning, SqliteCache
    from replyassist.embeddings import CachedEmbedder
    path = tmp_path / "emb.sqlite"
    _filled_cache(path)
    _checkpoint(path)
    real = SqliteCache._connect

    def connect(self, uri=None):
        if uri is None and self.path is not None:
            raise sqlite3.OperationalError("attempt to write a readonly database")
        return real(self, uri)
    monkeypatch.setattr(SqliteCache, "_connect", connect)
    inner = CountingEmbedder()
    with pytest.warns(CacheWarning, match="used read-only"):
        emb = CachedEmbedder(inner, path)
        out = emb.encode(TEXTS + ["a new text"])
    assert emb._db.read_only and inner.encoded == 1 and out.shape == (5, 8)


def test_tokenizer_takes_text_longer_than_spacys_limit():
    """A 1 MB draft (a 1 MB order number as a value) made the tone check raise spaCy's ValueError E088."""
    from replyassist.drafting.locales import tokenize
    toks = _fast(tokenize, "Where is my order? " * 60000 + "x" * 200_000 + " ok", "en", limit=20.0)
    assert toks[-1] == ("ok", 60000 * 19 + 200_001) and len(toks) == 60000 * 5 + 2 + 1


# ---- found by the issue-20 re-run (benchmarks/issue20_reproducers.py, a real tmpfs) ----------

def test_a_full_disk_while_writing_the_report_set_keeps_the_whole_previous_report(tmp_path, monkeypatch):
    """A full disk while writing the 4th of 7 report files left 3 new files beside 4 old ones (each
    file whole, the set a mix of two runs); now every file is staged and renamed at the end."""
    import dataclasses
    rep = _tiny_report(tmp_path)
    out = tmp_path / "out"
    rep.write(out)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    newer = dataclasses.replace(rep, source="another-log.csv")  # every file would differ
    real_fdopen = os.fdopen
    calls = []

    def fdopen(fd, *a, **k):
        fh = real_fdopen(fd, *a, **k)
        calls.append(fd)
        if len(calls) == 4:
            def write(_data):
                raise OSError(errno.ENOSPC, "No space left on device")
            fh.write = write  # type: ignore[method-assign]
        return fh
    monkeypatch.setattr(os, "fdopen", fdopen)
    with pytest.raises(StorageError, match="disk is full"):
        newer.write(out)
    monkeypatch.undo()
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before  # the previous report, whole, no temporaries
    newer.write(out)
    assert b"another-log.csv" in (out / "report.json").read_bytes()


def test_report_write_to_a_file_is_a_storage_error(tmp_path):
    """GapReport.write(a file) raised a raw FileExistsError (the CLI checked --out, the API did not)."""
    rep = _tiny_report(tmp_path)
    blocker = tmp_path / "report.txt"
    blocker.write_text("x")
    with pytest.raises(StorageError) as err:
        rep.write(blocker)
    assert err.value.code == "E901"


def test_read_only_wal_cache_where_no_shm_file_can_be_made_is_still_read(tmp_path, monkeypatch):
    """On a read-only mount (tmpfs remounted ro) ``mode=ro`` cannot open a WAL database (its -shm file
    cannot be made): the cache fell back to memory and every vector was recomputed. Simulated here
    (the real mount needs root; benchmarks/issue20_reproducers.py runs it): the file is opened
    immutable and read."""
    from replyassist._sqlite_cache import CacheWarning, SqliteCache
    from replyassist.embeddings import CachedEmbedder
    path = tmp_path / "emb.sqlite"
    _filled_cache(path)
    real = SqliteCache._connect

    def connect(self, uri=None):
        if uri is None and self.path is not None or (uri and "immutable=1" not in uri):
            raise sqlite3.OperationalError("unable to open database file")
        return real(self, uri)
    monkeypatch.setattr(SqliteCache, "_connect", connect)
    inner = CountingEmbedder()
    with pytest.warns(CacheWarning, match="used read-only"):
        emb = CachedEmbedder(inner, path)
        out = emb.encode(TEXTS)
    assert inner.encoded == 0 and out.shape == (4, 8) and emb._db.read_only


def test_the_cache_dir_option_the_storage_errors_name_exists_in_replyassist_gaps(tmp_path, capsys):
    """E902/E903 tell the user to pass --cache-dir, which `replyassist gaps` did not accept."""
    from replyassist.cli import build_parser, main
    from replyassist.errors import Errors
    named = set(re.findall(r"--[a-z-]+", Errors.E902.fix + Errors.E903.fix))
    gaps = build_parser()._subparsers._group_actions[0].choices["gaps"]  # type: ignore[union-attr]
    assert named and named <= {o for a in gaps._actions for o in a.option_strings}
    log = tmp_path / "log.csv"
    log.write_text("text\nWhere is my order?\n", encoding="utf-8")
    blocker = tmp_path / "cache"
    blocker.write_text("a file")
    assert main(["gaps", str(log), "--corpus", "faq_corpus/shop", "--out", str(tmp_path / "out"),
                 "--cache-dir", str(blocker / "sub"), "--no-progress"]) == 2
    assert "E903" in capsys.readouterr().err


def test_a_long_email_is_matched_by_a_bounded_head_and_its_questions_first():
    """Encoding a long e-mail cost ~1.1 s of CPU (e5 at its 512-token limit), a run-on text with long
    lines ~4 s (three 2,000-character texts), and a question after six sentences of story was not
    matched on its own. Now the message is read up to MATCH_HEAD_CHARS and its sentences up to
    MATCH_SEGMENTS_CHARS, questions first."""
    from replyassist.text import MATCH_HEAD_CHARS, MATCH_SEGMENTS_CHARS, question_segments, segment_batch
    story = " ".join(f"Am {d}. März war ich bei meinen Eltern auf dem Land, das Wetter war schön." for d in range(1, 30))
    texts, parts = segment_batch([story + "\n\nWo bleibt meine Bestellung? Ich warte seit zwei Wochen!"])
    assert len(texts[0]) <= MATCH_HEAD_CHARS and sum(map(len, texts[1:])) <= MATCH_SEGMENTS_CHARS
    assert "Wo bleibt meine Bestellung?" in texts[1:] and parts == [None] + [0] * (len(texts) - 1)
    runon = "\n".join(f"line {i} " + "i ordered a jacket and it never came and nobody answers me " * 60
                      for i in range(40))
    texts, _ = segment_batch([runon])
    assert sum(map(len, texts)) <= MATCH_HEAD_CHARS + MATCH_SEGMENTS_CHARS
    # a message within the bounds is matched as before: whole, with its sentences in order
    short = "Hallo! Mein Paket ist nicht angekommen. Wo ist es? Und kann ich mit Karte zahlen?"
    assert segment_batch([short])[0] == [
        "Mein Paket ist nicht angekommen. Wo ist es? Und kann ich mit Karte zahlen?",
        "Mein Paket ist nicht angekommen.", "Wo ist es?", "Und kann ich mit Karte zahlen?"]
    seven = ("ich schreibe Ihnen zum dritten Mal. Niemand hat mir geantwortet. Das Paket ist bezahlt. "
             "Es war ein Geschenk für meine Tochter. Sie ist sehr traurig. Ich bin wirklich enttäuscht. "
             "Wo ist mein Paket?")
    assert question_segments(seven)[-1] == "Wo ist mein Paket?" and len(question_segments(seven)) == 6


def test_undecodable_bytes_in_an_id_or_channel_column_do_not_stop_the_report(tmp_path):
    """Found by the fuzz pass of the CLI: a channel holding bytes that are not UTF-8 (read as lone
    surrogates) reached report.html, and writing it raised UnicodeEncodeError (traceback, exit 1)."""
    from replyassist.embeddings import CachedEmbedder
    from replyassist.gaps import GapSettings, analyze_gaps, read_messages
    from replyassist.matching import FaqIndex, MatchSettings
    p = tmp_path / "log.csv"
    p.write_bytes(b"text,id,channel\nWhere is my order?,m\xff1,whats\xed\xb3\xbfapp\nWo ist mein Paket?,m2,email\n"
                  b"do you sell gift cards,m3,\xff\n")
    log = read_messages(p)
    assert [(r.id, r.channel) for r in log.rows] == [("m\ufffd1", "whats\ufffd\ufffd\ufffdapp"), ("m2", "email"),
                                                     ("m3", "\ufffd")]
    corpus = corpus_from_dicts([{"id": "delivery", "category": "d", "questions": {"en": ["where is my parcel"]},
                                 "answers": {"en": "On its way."}}])
    emb = CachedEmbedder(CountingEmbedder(), tmp_path / "e.sqlite")
    index = FaqIndex(corpus, emb, MatchSettings(second_embedder="none"), cache_dir=False)
    rep = analyze_gaps(log, corpus, index=index, embedder=emb, detector=False, signals=False,
                       cache_dir=tmp_path / "cache", progress=False, settings=GapSettings(min_gap_size=2))
    files = rep.write(tmp_path / "out")
    assert len(files) == 7 and "whats\ufffd\ufffd\ufffdapp" in (tmp_path / "out" / "report.json").read_text("utf-8")


def test_tone_sentence_spans_are_the_same_as_before_and_linear():
    """The tone check's sentence splitter required an end mark after a run of text, so on a long line
    without one the regex engine retried every suffix (quadratic: 5 s on 100 kB of run-on chat lines,
    benchmarks/hostile_scaling.py). The end mark is now optional and checked after the match: the same
    spans, and the whole 100 kB is split in one pass (the timing is in the benchmark, not here)."""
    import random
    import re as _re

    from replyassist.tone.checker import _sentences, _worth_scoring

    def old(text):   # the quadratic pattern it replaced, as the reference
        return _worth_scoring(text, [m.span() for m in _re.finditer(r"[^\n.!?]+(?:[.!?]+|$)", text)])

    rng = random.Random(7)
    for _ in range(3000):
        t = "".join(rng.choice("ab .!?\nabcdefgh") for _ in range(rng.randint(0, 80)))
        assert _sentences(t) == old(t), repr(t)
    line = "i ordered a jacket two weeks ago and it never came and nobody answers " * 40
    assert _sentences((line + "\n") * 3 + "Where is it?") == [(3 * (len(line) + 1), 3 * (len(line) + 1) + 12)]


def test_a_lone_surrogate_escaped_in_jsonl_becomes_a_replacement_character(tmp_path):
    """'{"text": "\\ud800 ..."}' is valid JSON but no character: the row is read with U+FFFD (found when
    the log-reader fuzz tests shared one check that every text can be written as UTF-8)."""
    from replyassist.gaps import read_messages
    p = tmp_path / "log.jsonl"
    p.write_text('{"text": "\\ud800 where is my order?"}\n{"text": "\\ud800"}\n', encoding="utf-8")
    log = read_messages(p)
    assert [r.text for r in log.rows] == ["\ufffd where is my order?", "\ufffd"] and not log.bad
    for r in log.rows:
        r.text.encode("utf-8")
