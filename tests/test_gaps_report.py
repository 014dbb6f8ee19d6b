"""The gap analysis end to end: coverage, gaps, ranking, language gaps, resuming, safe reports, CLI.

The pipeline runs with the real matcher (FaqIndex), reader, clustering and writers. To stay fast
on a busy machine, vectors come from a small deterministic hashed bag-of-words embedder (a real
encoder of its own: identical words give similar vectors), and the language of each message is
given in the log (``detector=False``), except in the test that uses the real detector.
"""
from __future__ import annotations

import csv
import hashlib
import html.parser
import json
import re
from datetime import datetime, timedelta

import numpy as np
import pytest

from replyassist.corpus import corpus_from_dicts
from replyassist.embeddings import CachedEmbedder
from replyassist.gaps import GapSettings, analyze_gaps


class HashBow:
    """Bag of words hashed into 256 dimensions (+ a language-neutral bias); L2-normalised."""

    dim = 256
    model_id = "test-hash-bow-256"

    def __init__(self) -> None:
        self.calls = 0
        self.texts = 0

    def encode(self, texts):
        self.calls += 1
        self.texts += len(texts)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, t in enumerate(texts):
            for w in re.findall(r"\w+", t.lower()):
                h = int(hashlib.md5(w.encode()).hexdigest(), 16)
                out[i, h % self.dim] += 1.0 if (h >> 20) % 2 else -1.0
            out[i, 0] += 0.5
        return out / np.linalg.norm(out, axis=1, keepdims=True)


CORPUS = corpus_from_dicts([
    {"id": "delivery-status", "category": "delivery",
     "questions": {"en": ["where is my parcel", "my parcel has not arrived", "where is my order"]},
     "answers": {"en": "Track it with {tracking_url}.", "de": "Verfolgen Sie sie mit {tracking_url}."}},
    {"id": "returns", "category": "returns",
     "questions": {"en": ["how do I return an item", "can I send my order back"]},
     "answers": {"en": "Use the returns form."}},
], name="test shop")

BASE = datetime(2026, 10, 1, 9, 0)


def _log(tmp_path, extra_rows=(), bad_row=False):
    rows = []
    n = 0

    def add(text, lang, day, channel="email", customer=None):
        nonlocal n
        n += 1
        rows.append({"id": f"m{n}", "timestamp": (BASE + timedelta(days=day)).isoformat(), "channel": channel,
                     "language": lang, "customer_id": customer or f"c{n}", "text": text})
    for d in range(6):
        add("where is my parcel", "en", d)
        add("my parcel has not arrived yet", "en", d, "chat")
    for d in range(5):
        add("how do I return an item please", "de", d)          # answered, but no German answer -> language gap
    gift = ["do you sell gift cards voucher", "gift cards voucher for my sister", "buy gift cards voucher online",
            "gift cards voucher balance check", "are gift cards voucher available"]
    for k, t in enumerate(gift):
        add(t, "en", 20 + k)                                     # recent and neutral
    for k, t in enumerate(["loyalty points bonus missing", "loyalty points bonus all gone",
                           "loyalty points bonus never credited", "loyalty points bonus vanished",
                           "loyalty points bonus expired"]):
        add(t, "en", 2 + k)                                     # older
    add("contact me at anna@example.com or +36 30 123 4567 about ORD-2026-0042 <script>alert(1)</script> "
        "gift cards voucher", "en", 29)
    rows.extend(extra_rows)
    p = tmp_path / "log.csv"
    with open(p, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=["id", "timestamp", "channel", "language", "customer_id", "text"])
        w.writeheader()
        for r in rows:
            w.writerow(r)
    if bad_row:
        with open(p, "a", encoding="utf-8") as fh:   # a row with one column too many
            fh.write("m99,2026-10-30T10:00:00,chat,en,c99,<script>alert(2)</script> bob@example.org,extra\n")
    return p


class NegativeIfWord:
    """A sentiment analyzer for tests: 'gone'/'missing'/'never' make a message negative."""

    settings = "test"

    def __init__(self) -> None:
        self.seen = 0

    def analyze(self, texts, vectors, languages, channels=None):
        from types import SimpleNamespace
        self.seen += len(texts)
        return [SimpleNamespace(sentiment=SimpleNamespace(
            label="negative" if re.search(r"\b(gone|missing|never)\b", t) else "neutral")) for t in texts]


SETTINGS = GapSettings(min_gap_size=3, cluster_threshold=0.3, min_language_count=3)


def _run(tmp_path, log, **kw):
    kw.setdefault("embedder", CachedEmbedder(HashBow(), tmp_path / "emb.sqlite"))
    kw.setdefault("detector", False)
    kw.setdefault("signals", NegativeIfWord())
    kw.setdefault("settings", SETTINGS)
    return analyze_gaps(log, CORPUS, cache_dir=tmp_path / "cache", progress=False, **kw)


def test_coverage_gaps_ranking_and_language_gaps(tmp_path):
    rep = _run(tmp_path, _log(tmp_path))
    assert rep.processed == rep.total_rows == 28 and not rep.bad_rows
    cov = rep.coverage
    assert sum(cov.overall.values()) == 28
    assert cov.overall["confident"] >= 12                       # the parcel questions
    assert set(cov.by_language) == {"en", "de"} and set(cov.by_channel) == {"email", "chat"}
    assert cov.period_unit == "week" and sum(sum(c.values()) for _, c in cov.by_period) == 28
    topics = {frozenset(g.keywords[:4]) for g in rep.gaps}
    gift = next(g for g in rep.gaps if "gift" in g.keywords)
    loyal = next(g for g in rep.gaps if "loyalty" in g.keywords)
    assert len(topics) == len(rep.gaps) >= 2
    assert gift.size >= 5 and loyal.size == 5
    # loyalty: as many messages, 3/5 negative, but older; gift cards: recent. Ranking formula:
    for g in (gift, loyal):
        assert g.score == pytest.approx(g.size * (1 + (g.negative_share or 0)) * g.recency, rel=1e-3)
    assert loyal.negative_share == pytest.approx(0.6) and gift.recency > 1 > loyal.recency
    assert [g.rank for g in rep.gaps] == list(range(1, len(rep.gaps) + 1))
    assert gift.nearest_faq is not None and gift.nearest_faq["faq_id"] in ("delivery-status", "returns")
    assert gift.stub["title"] and gift.stub["questions"]["en"] and gift.customers == gift.size
    # the German return questions are answered (matched), but the entry has no German answer
    lg = [x for x in rep.language_gaps if x.faq_id == "returns"]
    assert lg and lg[0].language == "de" and lg[0].count == 5 and lg[0].faq_languages == ["en"]
    # every message accounted for, gap ids consistent
    in_gaps = {m.row for m in rep.messages if m.gap_id}
    assert in_gaps == {r for g in rep.gaps for r in g.rows}


def test_report_files_are_safe_masked_and_consistent(tmp_path):
    rep = _run(tmp_path, _log(tmp_path, bad_row=True))
    assert [(b.row, b.line) for b in rep.bad_rows] == [(29, 30)]
    out = tmp_path / "out"
    paths = rep.write(out)
    names = sorted(p.name for p in paths)
    assert names == ["bad_rows.csv", "coverage.csv", "gaps.csv", "language_gaps.csv", "messages.csv",
                     "report.html", "report.json"]
    page = (out / "report.html").read_text(encoding="utf-8")
    everything = page + "".join((out / n).read_text(encoding="utf-8") for n in names if n != "report.html")
    for secret in ("anna@example.com", "123 4567", "ORD-2026-0042", "bob@example.org"):
        assert secret not in everything
    assert "[EMAIL]" in everything and "[PHONE]" in everything
    assert "<script" not in page.lower() and "&lt;script&gt;" in page
    assert not re.search(r"(src|href)=['\"]?(https?:)?//", page)   # self-contained: nothing fetched
    assert "<svg" in page
    # well-formed enough for an HTML parser
    parser = html.parser.HTMLParser()
    parser.feed(page)
    data = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert data["schema"] == "replyassist.gaps/1"
    assert [g["id"] for g in data["gaps"]] == [g.id for g in rep.gaps]
    assert data["processed"] + data["bad_row_count"] == data["total_rows"]
    with open(out / "gaps.csv", encoding="utf-8") as fh:
        assert len(list(csv.DictReader(fh))) == len(rep.gaps)


def test_csv_cells_cannot_run_as_formulas(tmp_path):
    extra = [{"id": "x", "timestamp": "", "channel": "=HYPERLINK(\"http://evil\")", "language": "en",
              "customer_id": "", "text": "=1+1 gift cards voucher"}]
    rep = _run(tmp_path, _log(tmp_path, extra))
    rep.write_csv(tmp_path / "o")
    text = (tmp_path / "o" / "messages.csv").read_text(encoding="utf-8")
    assert "'=1+1" in text and "'=HYPERLINK" in text
    assert not re.search(r"(^|,)=", text, re.M)


def test_second_run_encodes_and_detects_nothing(tmp_path):
    log = _log(tmp_path)
    inner = HashBow()
    emb = CachedEmbedder(inner, tmp_path / "emb.sqlite")
    sig = NegativeIfWord()
    calls = []

    def detect(text):
        calls.append(text)
        return "en"
    r1 = _run(tmp_path, log, embedder=emb, detector=detect, signals=sig)
    first_texts, first_calls, first_seen = inner.texts, len(calls), sig.seen
    # each distinct text (with its language hint / channel) once: 28 messages, fewer distinct
    assert 0 < first_calls < 28 and 0 < first_seen <= 28 and first_texts > 0
    emb2 = CachedEmbedder(inner, tmp_path / "emb.sqlite")     # as after a restart
    sig2 = NegativeIfWord()
    r2 = _run(tmp_path, log, embedder=emb2, detector=detect, signals=sig2)
    # only the FAQ questions are looked up again (from the cache too): no message is encoded twice
    assert inner.texts == first_texts and len(calls) == first_calls and sig2.seen == 0
    assert r1.to_dict() == r2.to_dict()


def test_interrupted_encoding_resumes_where_it_stopped(tmp_path):
    texts = [f"question number {i} about topic {i % 7}" for i in range(300)]

    class Flaky(HashBow):
        def __init__(self, fail_after):
            super().__init__()
            self.fail_after = fail_after

        def encode(self, batch):
            if self.calls >= self.fail_after:
                raise KeyboardInterrupt
            return super().encode(batch)
    flaky = Flaky(fail_after=1)  # the first batch of 256 is encoded and stored, then the run dies
    with pytest.raises(KeyboardInterrupt):
        _run(tmp_path, texts, embedder=CachedEmbedder(flaky, tmp_path / "emb.sqlite"), signals=False)
    again = HashBow()
    _run(tmp_path, texts, embedder=CachedEmbedder(again, tmp_path / "emb.sqlite"), signals=False)
    assert again.texts <= 300 - 256 + 5   # the rest of the messages (+ the FAQ questions)


def test_bad_rows_reported_and_empty_after_cleaning(tmp_path):
    rep = _run(tmp_path, ["where is my parcel", "", "\x00\x01", "  ", "gift cards voucher"], signals=False,
               settings=GapSettings(min_gap_size=1))
    assert rep.total_rows == 5 and rep.processed == 2
    assert {b.row: b.reason for b in rep.bad_rows} == {2: "empty text", 3: rep.bad_rows[1].reason, 4: "empty text"}
    assert "empty after cleaning" in rep.bad_rows[1].reason


def test_empty_input_gives_an_empty_report(tmp_path):
    rep = _run(tmp_path, [], signals=False)
    assert rep.processed == 0 and rep.gaps == [] and rep.coverage.overall == {"confident": 0, "suggest": 0,
                                                                              "no_match": 0}
    assert "<html" in (rep.write_html(tmp_path / "o")).read_text(encoding="utf-8")


def test_real_language_detector_on_a_few_messages(tmp_path):
    pytest.importorskip("lingua")
    rep = _run(tmp_path, ["Wo ist mein Paket? Es ist immer noch nicht angekommen.",
                          "Hol van a csomagom? Még mindig nem érkezett meg.",
                          "Where is my parcel? It still has not arrived."], detector=None, signals=False)
    assert [m.language for m in rep.messages] == ["de", "hu", "en"]


def test_cli_writes_the_report_and_fails_cleanly(tmp_path, monkeypatch):
    import io

    import replyassist.gaps._cli as cli
    log = _log(tmp_path)
    corpus_dir = tmp_path / "corpus"
    corpus_dir.mkdir()
    (corpus_dir / "corpus.yaml").write_text("name: t\ndefault_language: en\n", encoding="utf-8")
    (corpus_dir / "faq.yaml").write_text(
        "entries:\n  - id: delivery-status\n    category: delivery\n    questions:\n      en:\n"
        "        - where is my parcel\n    answers:\n      en: \"Track it.\"\n", encoding="utf-8")
    monkeypatch.setattr("replyassist.embeddings.get_embedder", lambda name="e5-small": HashBow())
    settings = tmp_path / "s.toml"
    settings.write_text("[gaps]\nmin_gap_size = 3\ncluster_threshold = 0.3\n", encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    code = cli.run_gaps_cli(log, corpus_dir, tmp_path / "rep", settings=settings, cache_dir=tmp_path / "c",
                            no_sentiment=True, progress=False, stdout=out, stderr=err)
    assert code == 0, err.getvalue()
    assert (tmp_path / "rep" / "report.html").is_file() and "rows analysed" in out.getvalue()
    code = cli.run_gaps_cli(tmp_path / "missing.csv", corpus_dir, tmp_path / "rep2", cache_dir=tmp_path / "c",
                            progress=False, stdout=out, stderr=err)
    assert code == 2 and "not found" in err.getvalue()
    bad = tmp_path / "bad.toml"
    bad.write_text("[gaps]\nmin_gap_size = 0\n", encoding="utf-8")
    assert cli.run_gaps_cli(log, corpus_dir, tmp_path / "rep3", settings=bad, progress=False, stdout=out,
                            stderr=err) == 2


def test_sentiment_failure_is_a_note_not_a_crash(tmp_path):
    class Broken:
        settings = "broken"

        def analyze(self, texts, vectors, languages, channels=None):
            raise ValueError("expects 384-dimensional vectors")
    rep = _run(tmp_path, _log(tmp_path), signals=Broken())
    assert rep.gaps and all(g.negative_share is None for g in rep.gaps)
    assert any("Sentiment not available" in n for n in rep.notes)
