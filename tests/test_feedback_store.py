"""The feedback store (issue 17): SQLite always, PostgreSQL on a throwaway cluster the tests start.

The same contract runs on both backends: versioned migrations, personal data masked before it is
stored, records read back in order, retention, CSV export, the work queue; then SQLite with two
processes writing at once, and the errors a user can meet.
"""
from __future__ import annotations

import csv
import io
import multiprocessing as mp
import sqlite3
from datetime import datetime, timedelta, timezone

import pytest

from replyassist.errors import FeedbackError
from replyassist.feedback import SCHEMA_VERSION, FeedbackRecord, open_store
from replyassist.feedback._migrations import MIGRATIONS
from tests.feedback_support import PostgresCluster, need_module

RECORDS = [
    dict(message="Hallo, wo bleibt meine Bestellung #4711?? Bin erreichbar unter jonas.weiss@web.de oder 0171 2345678",
         action="accepted", language="de", channel="email", agent="mira", suggested_faq_id="order-status",
         suggested_band="confident", suggested_confidence=0.93,
         suggested_text="Hallo Jonas,\n\nden Stand für #4711 siehst du in deinem Kundenkonto ...",
         final_text="Hallo Jonas,\n\nden Stand für #4711 siehst du in deinem Kundenkonto ...",
         chosen_faq_id="order-status", _names=("Jonas Weiß",)),
    dict(message="Szia! Szűcs Ödön vagyok, két hete fizettem de semmi... a számlaszámom HU42117730161111101800000000",
         action="chose_other", language="hu", channel="chat", agent="mira", suggested_faq_id="payment-methods",
         suggested_band="suggest", suggested_confidence=0.55, suggested_text="Szia Ödön! ...",
         final_text="Szia Ödön! Elnézést a késésért, a visszatérítés 5 munkanapon belül megérkezik.",
         chosen_faq_id="refund-timing", _names=("Szűcs Ödön",)),
    dict(message="Продавате ли поклон картице за биоскоп? 🎬", action="no_faq", language="sr", script="Cyrl",
         agent="ana", suggested_faq_id="gift-cards", suggested_band="suggest", suggested_confidence=0.41),
]


def _rec(d: dict) -> tuple[FeedbackRecord, tuple[str, ...]]:
    d = dict(d)
    names = d.pop("_names", ())
    return FeedbackRecord(**d), names


def _contract(store) -> None:
    assert store.schema_version() == SCHEMA_VERSION
    saved = [store.add(r, names=n) for r, n in map(_rec, RECORDS)]
    assert [s.id for s in saved] == sorted(s.id for s in saved)
    got = store.records()
    assert [r.id for r in got] == [s.id for s in saved]
    de, hu, sr = got
    # personal data masked before it was stored: e-mail, phone, order number, IBAN, the customer's name
    assert "jonas.weiss@web.de" not in de.message and "[EMAIL]" in de.message and "[PHONE]" in de.message
    assert "4711" not in de.message and "4711" not in (de.final_text or "") and "4711" not in (de.suggested_text or "")
    assert "Jonas" not in (de.final_text or "") and "[NAME]" in (de.final_text or "")
    assert "Szűcs" not in hu.message and "Ödön" not in hu.message and "Ödön" not in (hu.final_text or "")
    assert "HU42117730161111101800000000" not in hu.message and "[IBAN]" in hu.message
    assert "visszatérítés 5 munkanapon" in (hu.final_text or "")           # the rest is kept, accents and all
    assert sr.message == "Продавате ли поклон картице за биоскоп? 🎬"      # nothing personal: unchanged
    assert (de.label, hu.label, sr.label) == ("order-status", "refund-timing", None)
    assert hu.suggested_confidence == pytest.approx(0.55) and hu.agent == "mira" and sr.script == "Cyrl"
    assert all(r.created_at is not None and r.created_at.tzinfo is not None for r in got)
    assert store.records(since_id=de.id) == [hu, sr]
    assert [r.id for r in store.records(actions=["no_faq"])] == [sr.id]
    assert store.get(hu.id) == hu and store.get(10**9) is None
    assert store.count() == 3 and store.count("accepted") == 1
    st = store.stats()
    assert st["actions"] == {"accepted": 1, "chose_other": 1, "no_faq": 1} and st["languages"]["hu"] == 1

    # CSV export: every record, the masked text, UTF-8
    buf = io.StringIO()
    assert store.export_csv(buf) == 3
    rows = list(csv.DictReader(io.StringIO(buf.getvalue())))
    assert [r["action"] for r in rows] == ["accepted", "chose_other", "no_faq"]
    assert rows[2]["message"].startswith("Продавате") and "[EMAIL]" in rows[0]["message"]

    # the work queue: claimed once, done (and its message deleted) when the decision is recorded
    ids = store.queue_add([{"text": "Wo ist mein Paket? Jonas Weiß, jonas@web.de", "customer_name": "Jonas Weiß",
                            "channel": "email"},
                           {"text": "Hol van a csomagom?", "channel": "chat"}])
    items = store.queue_list()
    assert [i["id"] for i in items] == ids and "jonas@web.de" not in items[0]["preview"]
    assert "Jonas" not in items[0]["preview"]
    a = store.queue_claim("mira")
    b = store.queue_claim("ana")
    assert a["id"] == ids[0] and b["id"] == ids[1] and a["message"]["customer_name"] == "Jonas Weiß"
    assert store.queue_claim("zoe") is None                      # both taken (claims expire after 15 minutes)
    store.add(FeedbackRecord(message=a["message"]["text"], action="accepted", final_text="Hallo Jonas ...",
                             chosen_faq_id="order-status", language="de", queue_id=a["id"]), names=["Jonas Weiß"])
    left = store.queue_list()
    assert [i["id"] for i in left] == [ids[1]]
    done = [i for i in store.queue_list(include_done=True) if i["id"] == ids[0]][0]
    assert done["status"] == "done"

    # retention: what is older than the limit goes, the rest stays
    old = store.add(FeedbackRecord(message="alt", action="no_faq",
                                   created_at=datetime.now(timezone.utc) - timedelta(days=40)))
    assert store.get(old.id) is not None
    n = store.purge(30)
    assert n["records"] == 1 and store.get(old.id) is None and store.count() == 4
    with pytest.raises(FeedbackError) as e:
        store.purge(0)
    assert e.value.code == "E709"   # retention must be a positive number of days
    # migrating again is a no-op
    assert store.migrate() == SCHEMA_VERSION


def test_sqlite_store_contract(tmp_path):
    store = open_store(f"sqlite:///{tmp_path}/fb.db")   # relative form of the URL: tmp_path is absolute
    assert store.path == tmp_path / "fb.db" or str(store.path).endswith("fb.db")
    _contract(store)
    c = sqlite3.connect(store.path)
    assert c.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert [r[0] for r in c.execute("SELECT version FROM schema_version ORDER BY version")] == [1, 2]


def test_sqlite_migrates_an_old_store_and_refuses_a_newer_one(tmp_path):
    path = tmp_path / "old.db"
    store = open_store(str(path), migrate=False)
    assert store.migrate(target=1) == 1                                   # a store made by the first release
    store.close()
    c = sqlite3.connect(path)            # a record written by that release (its columns only)
    c.execute("INSERT INTO feedback (created_at, message, action, language) VALUES "
              "('2026-11-02T10:00:00.000000+00:00', 'Wo ist mein Paket?', 'no_faq', 'de')")
    c.commit()
    c.close()
    reopened = open_store(str(path))                                       # upgraded on open, data kept
    assert reopened.schema_version() == MIGRATIONS[-1].version
    assert [r.message for r in reopened.records()] == ["Wo ist mein Paket?"]
    c = sqlite3.connect(path)
    c.execute("INSERT INTO schema_version VALUES (99, '2030-01-01', 'from the future')")
    c.commit()
    with pytest.raises(FeedbackError) as e:
        open_store(str(path))
    assert e.value.code == "E703" and "Upgrade replyassist" in e.value.message


@pytest.mark.parametrize("url, code", [("mysql://db/x", "E708"), ("", "E701"), ("sqlite://host/x.db", "E710")])
def test_bad_store_urls_say_what_to_write(url, code):
    with pytest.raises(FeedbackError) as e:
        open_store(url)
    assert e.value.code == code and "sqlite:///" in e.value.message


def test_unwritable_store_is_a_clear_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(FeedbackError) as e:
        open_store(str(blocker / "sub" / "fb.db"))
    assert e.value.code == "E702"


@pytest.mark.parametrize("kw, what, code", [
    (dict(message="x", action="liked"), "Unknown feedback action", "E704"),
    (dict(message="  ", action="no_faq"), "needs the customer's message", "E705"),
    (dict(message="x", action="accepted"), "final_text", "E706"),
    (dict(message="x", action="chose_other", final_text="y"), "chosen_faq_id", "E707"),
])
def test_invalid_records_are_refused(kw, what, code):
    with pytest.raises(FeedbackError) as e:
        FeedbackRecord(**kw)
    assert e.value.code == code and what in e.value.message


def _writer(path: str, who: str, n: int, start: "mp.synchronize.Event") -> None:  # type: ignore[name-defined]
    store = open_store(path)
    start.wait()
    for i in range(n):
        store.add(FeedbackRecord(message=f"{who} Nachricht {i}: wo ist mein Paket?", action="accepted",
                                 final_text=f"Antwort {i}", chosen_faq_id="order-status", agent=who, language="de"))


def test_two_processes_writing_at_once_lose_nothing(tmp_path):
    path = str(tmp_path / "shared.db")
    open_store(path)                                 # schema first (workers would race on it otherwise too)
    ctx = mp.get_context("spawn")
    start = ctx.Event()
    procs = [ctx.Process(target=_writer, args=(path, who, 150, start)) for who in ("w1", "w2")]
    for p in procs:
        p.start()
    start.set()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    recs = open_store(path).records()
    assert len(recs) == 300 and len({r.id for r in recs}) == 300
    for who in ("w1", "w2"):
        assert sorted(int(r.message.split()[2].rstrip(":")) for r in recs if r.agent == who) == list(range(150))


@pytest.fixture(scope="module")
def pg():
    need_module("psycopg", "pip install 'replyassist[postgres]'")
    with PostgresCluster() as cluster:
        yield cluster


def test_postgresql_store_contract(pg):
    store = open_store(pg.url)
    try:
        _contract(store)
        assert "replyassist@127.0.0.1" in store.url
    finally:
        store.close()


def test_postgresql_two_processes_and_a_second_migration_race(pg):
    url = pg.url.rsplit("/", 1)[0] + "/race"
    import psycopg
    with psycopg.connect(pg.url, autocommit=True) as c:
        c.execute("CREATE DATABASE race")
    ctx = mp.get_context("spawn")
    start = ctx.Event()
    procs = [ctx.Process(target=_writer, args=(url, who, 60, start)) for who in ("w1", "w2")]
    for p in procs:          # both migrate the empty database at once: the advisory lock lets one do it
        p.start()
    start.set()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    store = open_store(url)
    assert store.schema_version() == SCHEMA_VERSION and store.count() == 120
    store.close()


def test_postgresql_unreachable_is_a_clear_error():
    need_module("psycopg", "pip install 'replyassist[postgres]'")
    from tests.feedback_support import free_port
    with pytest.raises(FeedbackError) as e:
        open_store(f"postgresql://nobody@127.0.0.1:{free_port()}/x", connect_timeout_s=2)
    assert e.value.code == "E722" and "Check the URL" in e.value.message


def test_feedback_command_line(tmp_path, capsys):
    from replyassist.cli import main
    url = f"sqlite:///{tmp_path}/cli.db"
    store = open_store(url)
    for r, n in map(_rec, RECORDS):
        store.add(r, names=n)
    assert main(["feedback", "stats", "--feedback", url]) == 0
    assert '"records": 3' in capsys.readouterr().out
    out = tmp_path / "export" / "fb.csv"
    assert main(["feedback", "export", "--feedback", url, "--out", str(out)]) == 0
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert len(rows) == 3 and rows[1]["language"] == "hu" and "[IBAN]" in rows[1]["message"]
    assert main(["feedback", "purge", "--feedback", url, "--older-than-days", "1"]) == 0
    assert "deleted 0 records" in capsys.readouterr().out
    assert main(["feedback", "purge", "--feedback", url, "--older-than-days", "0"]) == 2     # usage error, said so
    assert "positive number of days" in capsys.readouterr().err
    assert main(["feedback", "stats", "--feedback", "mysql://db/x"]) == 2
