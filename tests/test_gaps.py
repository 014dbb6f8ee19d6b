"""Gap analysis building blocks: reading message logs, clustering, keywords, settings."""
from __future__ import annotations

import json

import numpy as np
import pytest

from replyassist.errors import ConfigError, DataError
from replyassist.gaps import (GapSettings, center_by_language, cluster_keywords, cluster_vectors, read_messages,
                              tokenize)
from replyassist.gaps._cluster import average_linkage, kmeans
from replyassist.gaps._io import parse_timestamp

# ----------------------------------------------------------------------------- reading


def test_csv_bad_rows_are_listed_with_row_numbers_and_nothing_is_dropped(tmp_path):
    p = tmp_path / "log.csv"
    p.write_bytes(
        "id;timestamp;channel;text\n"
        "1;2026-10-01T10:00:00;email;Wo ist mein Paket?\n"
        "2;2026-10-01T11:00:00;chat;\n"                      # empty text
        "3;2026-10-02;chat\n"                                # a column missing
        "4;02.10.2026 12:00;email;\"Zeile mit\nUmbruch\"\n"  # quoted newline: one record, two lines
        "5;yesterday;chat;Hol van a csomagom?\n".encode()     # unreadable timestamp: kept, noted
        + b"6;2026-10-03;email;Gr\xfc\xdfe aus Wien\n"          # Latin-1 bytes: broken encoding
        + "7;2026-10-04;email;Gde je moja porudžbina?;extra\n".encode())  # one column too many
    log = read_messages(p)
    assert log.total == 7
    assert len(log.rows) + len(log.bad) == log.total
    assert [r.row for r in log.rows] == [1, 4, 5]
    bad = {b.row: b for b in log.bad}
    assert set(bad) == {2, 3, 6, 7}
    assert bad[2].reason == "empty text"
    assert "number of columns" in bad[3].reason and "number of columns" in bad[7].reason
    assert "encoding" in bad[6].reason
    assert bad[6].line == 8  # physical line (header = 1; the quoted newline of row 4 shifts it)
    assert log.rows[1].text == "Zeile mit\nUmbruch"
    assert log.rows[0].channel == "email" and log.rows[0].timestamp.day == 1
    assert log.rows[2].timestamp is None and any("timestamp" in n for n in log.notes)


def test_jsonl_errors_have_line_numbers(tmp_path):
    p = tmp_path / "log.jsonl"
    p.write_bytes(b'{"message": "Do you sell gift cards?", "lang": "en", "customer": "C1"}\n'
                  b'{"message": "broken json\n'
                  b'\n'
                  b'["not", "an", "object"]\n'
                  b'"just a string is fine"\n'
                  b'{"message": "caf\xe9"}\n'
                  b'{"other": "no text"}\n')
    log = read_messages(p)
    assert log.total == 6 and len(log.rows) + len(log.bad) == 6
    assert [r.text for r in log.rows] == ["Do you sell gift cards?", "just a string is fine"]
    assert log.rows[0].language == "en" and log.rows[0].customer_id == "C1"
    lines = {b.line: b.reason for b in log.bad}
    assert "invalid JSON" in lines[2]
    assert "JSON object" in lines[4]
    assert "encoding" in lines[6]
    assert "no value in text column" in lines[7]


def test_list_of_strings_and_dicts():
    log = read_messages(["Hi", None, {"text": "Hallo", "channel": "chat"}, 42, b"\xff", b"ok"])
    assert [r.text for r in log.rows] == ["Hi", "Hallo", "ok"]
    assert [b.row for b in log.bad] == [2, 4, 5]
    assert "got int" in log.bad[1].reason


def test_missing_text_column_and_missing_file_are_clear_errors(tmp_path):
    p = tmp_path / "x.csv"
    p.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(DataError, match="No text column"):
        read_messages(p)
    with pytest.raises(DataError, match="not in the input"):
        read_messages(p, text_column="body")
    assert read_messages(p, text_column="b").rows[0].text == "2"
    with pytest.raises(DataError, match="not found"):
        read_messages(tmp_path / "missing.csv")


def test_dataframe_input():
    pd = pytest.importorskip("pandas")
    df = pd.DataFrame({"text": ["Wo ist mein Paket?", None], "channel": ["email", "chat"]})
    log = read_messages(df)
    assert len(log.rows) == 1 and len(log.bad) == 1


@pytest.mark.parametrize("value,expected", [
    ("2026-10-03T14:05:00Z", (2026, 10, 3, 14)), ("2026.10.03.", (2026, 10, 3, 0)),
    (1790000000, (2026, 9, 21, 14)), ("1790000000000", (2026, 9, 21, 14)), ("", None), (None, None)])
def test_parse_timestamp(value, expected):
    dt = parse_timestamp(value)
    assert (None if dt is None else (dt.year, dt.month, dt.day, dt.hour)) == expected


# ----------------------------------------------------------------------------- clustering

def _blobs(rng, centers, n_each, noise):
    X, y = [], []
    for k, c in enumerate(centers):
        for _ in range(n_each):
            X.append(c + noise * rng.normal(size=c.shape))
            y.append(k)
    X = np.asarray(X, dtype=np.float32)
    return X / np.linalg.norm(X, axis=1, keepdims=True), np.asarray(y)


def test_cluster_vectors_recovers_blobs_and_leaves_outliers():
    rng = np.random.default_rng(1)
    centers = rng.normal(size=(4, 64))
    X, y = _blobs(rng, centers, 12, 0.4)
    outliers = rng.normal(size=(3, 64)).astype(np.float32)
    outliers /= np.linalg.norm(outliers, axis=1, keepdims=True)
    lab = cluster_vectors(np.vstack([X, outliers]), threshold=0.4, min_size=3)
    assert (lab[-3:] == -1).all()
    main = lab[:-3]
    for k in range(4):
        assert len(set(main[y == k])) == 1          # each blob one cluster
    assert len(set(main)) == 4                       # no two blobs merged
    assert sorted(np.bincount(main).tolist()) == [12, 12, 12, 12]


def test_cluster_vectors_deterministic_and_two_stage_path_agrees():
    rng = np.random.default_rng(2)
    X, y = _blobs(rng, rng.normal(size=(5, 48)), 40, 0.5)
    a = cluster_vectors(X, threshold=0.3, min_size=3, max_micro=60, seed=0)   # k-means micro-clusters first
    b = cluster_vectors(X, threshold=0.3, min_size=3, max_micro=60, seed=0)
    assert (a == b).all()
    exact = cluster_vectors(X, threshold=0.3, min_size=3)
    from collections import Counter
    for lab in (a, exact):  # every blob is one cluster, and clusters are pure
        for k in range(5):
            assert Counter(lab[y == k].tolist()).most_common(1)[0][1] >= 38
    assert cluster_vectors(np.zeros((0, 8), np.float32), threshold=0.3).shape == (0,)


def test_average_linkage_is_exact_mean_similarity():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(6, 16))
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    sims = X @ X.T
    np.fill_diagonal(sims, -np.inf)
    i, j = np.unravel_index(np.argmax(sims), sims.shape)
    lab = average_linkage(X, np.ones(6, int), threshold=float(sims[i, j]) - 1e-9)
    assert lab[i] == lab[j] and len(set(lab.tolist())) == 5   # exactly the most similar pair merged
    lab2 = average_linkage(X, np.ones(6, int), threshold=float(sims[i, j]) + 1e-6)
    assert len(set(lab2.tolist())) == 6


def test_kmeans_seeded():
    rng = np.random.default_rng(4)
    X, _ = _blobs(rng, rng.normal(size=(3, 16)), 30, 0.3)
    assert (kmeans(X, 3, seed=5) == kmeans(X, 3, seed=5)).all()
    assert len(set(kmeans(X, 3, seed=5).tolist())) == 3


def test_language_centring_groups_one_topic_across_languages():
    rng = np.random.default_rng(5)
    topics = rng.normal(size=(3, 64))
    lang_offset = {"de": 3.0 * rng.normal(size=64), "hu": 3.0 * rng.normal(size=64)}
    X, langs, topic = [], [], []
    for lg, off in lang_offset.items():
        for t in range(3):
            for _ in range(10):
                X.append(topics[t] + off + 0.3 * rng.normal(size=64))
                langs.append(lg)
                topic.append(t)
    X = np.asarray(X, np.float32)
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    plain = cluster_vectors(center_by_language(X, [None] * len(X), min_count=5), threshold=0.3, min_size=3)
    centred = cluster_vectors(center_by_language(X, langs, min_count=5), threshold=0.3, min_size=3)
    topic = np.asarray(topic)
    langs_a = np.asarray(langs)
    # without centring, clusters are split by language; with it, one cluster per topic holds both languages
    assert all(len(set(langs_a[plain == c])) == 1 for c in set(plain.tolist()) if c >= 0)
    for t in range(3):
        assert len(set(centred[topic == t].tolist())) == 1
        assert set(langs_a[centred == centred[topic == t][0]]) == {"de", "hu"}


# ----------------------------------------------------------------------------- keywords

def test_tokenize_drops_stopwords_digits_emails_and_transliterates_cyrillic():
    assert tokenize("Где је моја поруџбина 4711? mail a@b.com") == ["porudžbina", "mail"]
    assert tokenize("Hallo, wo ist meine Bestellung? Danke") == ["bestellung"]
    assert tokenize("Jó napot, hol van a csomagom?") == ["csomagom"]


def test_cluster_keywords_prefers_distinctive_words():
    texts = ["gift card balance please", "buy a gift card", "gift card expired",
             "where is my parcel please", "parcel late please", "parcel missing"]
    kw = cluster_keywords(texts, [0, 0, 0, 1, 1, 1], top_k=2)
    assert set(kw[0]) == {"gift", "card"}
    assert kw[1][0] == "parcel"
    assert cluster_keywords(["x"], [-1]) == {}


# ----------------------------------------------------------------------------- settings

@pytest.mark.parametrize("bad", [{"gap_bands": ("maybe",)}, {"cluster_threshold": 2}, {"min_gap_size": 0},
                                 {"period": "year"}, {"unanswered_below": 1.5}, {"rephrase_agreement": -0.1},
                                 {"half_life_days": 0}, {"colour": "red"}])
def test_settings_are_validated(bad):
    with pytest.raises(ConfigError):
        GapSettings.from_dict(bad)


def test_settings_round_trip():
    s = GapSettings(min_gap_size=4, gap_bands=["no_match"])
    assert GapSettings.from_dict(s.to_dict()) == s
    json.dumps(s.to_dict())


# ----------------------------------------------------------------------------- progress, courtesy stripping

def test_progress_bar_writes_stage_lines():
    import io

    from replyassist.gaps._progress import Progress, make_progress
    class Tty(io.StringIO):
        def isatty(self):
            return True
    buf = Tty()
    p = Progress("encoding", 10, stream=buf, min_interval=0.0)
    for i in range(11):
        p(i)
    out = buf.getvalue()
    assert "[gaps] encoding" in out and "10/10" in out and "done: 10" in out
    log = io.StringIO()  # not a terminal: one line per stage
    p = Progress("language", 5, stream=log, min_interval=0.0)
    for i in range(6):
        p(i)
    assert log.getvalue().count("\n") == 1 and "done: 5" in log.getvalue() and "\r" not in log.getvalue()
    seen = []
    cb = make_progress(lambda label, done, total: seen.append((label, done, total)))("language", 3)
    cb(1)
    cb(3)
    assert seen == [("language", 1, 3), ("language", 3, 3)]
    make_progress(False)("x", 3)(2)  # silent, no error


@pytest.mark.parametrize("text,expected", [
    ("Jó napot! Hol van a csomagom? Köszönöm, Anna", "Hol van a csomagom?"),
    ("Guten Tag, wo ist mein Paket? LG Jonas", "Wo ist mein Paket?"),
    ("Poštovani, nisu mi dodati bodovi. Hvala, Jelena", "Nisu mi dodati bodovi."),
    ("Hi, can I cancel? Thanks", "Can I cancel?"),
    ("Thanks", "Thanks"),
])
def test_strip_courtesy(text, expected):
    from replyassist.gaps._analysis import strip_courtesy
    assert strip_courtesy(text) == expected
