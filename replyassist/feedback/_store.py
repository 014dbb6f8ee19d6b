"""The feedback store: one small interface, SQLite (default) and PostgreSQL behind it.

``open_store(url)``:

- ``sqlite:///path/feedback.db`` or a plain path: one file, WAL journal, a busy timeout, short
  write transactions: several worker processes write to it at once without losing a record;
- ``postgresql://user:pass@host:5432/db`` (or ``postgres://``): psycopg 3, for teams with several
  service machines.

Both apply the versioned migrations of :mod:`._migrations` when opened.
"""
from __future__ import annotations

import csv
import json
import os
import sqlite3
import threading
from abc import ABC, abstractmethod
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import IO, Any, Iterator, Mapping, Sequence
from urllib.parse import unquote, urlparse

from ..errors import Errors, FeedbackError, MissingDependencyError
from ._migrations import LATEST, MIGRATIONS
from ._record import ACTIONS, FeedbackRecord, mask_personal_data, now_utc

__all__ = ["FeedbackStore", "SQLiteStore", "PostgresStore", "open_store", "QueueItem", "CSV_COLUMNS"]

#: Columns of the CSV export, in order.
CSV_COLUMNS = ("id", "created_at", "agent", "action", "language", "script", "channel", "message",
               "suggested_faq_id", "suggested_band", "suggested_confidence", "suggested_text", "final_text",
               "chosen_faq_id", "corpus", "corpus_hash", "message_id", "queue_id")

_COLS = ("created_at", "message", "action", "language", "script", "channel", "agent", "suggested_faq_id",
         "suggested_band", "suggested_confidence", "suggested_text", "final_text", "chosen_faq_id", "corpus",
         "corpus_hash", "message_id", "queue_id", "extra")


class QueueItem(dict):
    """A message waiting for an agent: ``id``, ``status`` (open / claimed / done), ``preview``
    (masked), ``language``, ``channel``, ``claimed_by``, ``created_at`` and, when claimed,
    ``message`` (the full message object for ``/v1/suggest``)."""


class FeedbackStore(ABC):
    """Where agents' decisions are kept. Thread-safe; one instance per process.

    >>> store = open_store("sqlite:///tmp/feedback.db")                      # doctest: +SKIP
    >>> rec = store.add(FeedbackRecord(message="Wo ist mein Paket?", action="accepted", language="de",
    ...                 final_text="Hallo ...", chosen_faq_id="order-status", agent="mira"))  # doctest: +SKIP
    >>> store.count(), store.records()[-1].chosen_faq_id                      # doctest: +SKIP
    (1, 'order-status')
    """

    dialect: str = ""
    #: where the store is (a password in a URL is not shown)
    url: str = ""

    # ---- connection and transactions (per dialect) ----

    @abstractmethod
    def _transaction(self, write: bool = False) -> Any:
        """Context manager yielding a DB-API cursor inside one transaction."""

    def _sql(self, sql: str) -> str:
        return sql

    @abstractmethod
    def _lock_for_migration(self, cur: Any) -> None:
        ...

    @abstractmethod
    def _to_db_time(self, dt: datetime) -> Any:
        ...

    @abstractmethod
    def _from_db_time(self, v: Any) -> datetime | None:
        ...

    @abstractmethod
    def _insert(self, cur: Any, table: str, row: Mapping[str, Any]) -> int:
        ...

    def close(self) -> None:  # noqa: B027 - a hook: nothing to close unless a backend holds connections
        """Close the connections of this process."""

    # ---- schema ----

    def migrate(self, target: int | None = None) -> int:
        """Apply every migration above the recorded version (up to ``target``); returns the version."""
        target = LATEST if target is None else target
        with self._transaction(write=True) as cur:
            self._lock_for_migration(cur)
            cur.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL, applied_at TEXT NOT NULL,"
                        " description TEXT NOT NULL)")
            cur.execute("SELECT MAX(version) FROM schema_version")
            row = cur.fetchone()
            current = int(row[0]) if row and row[0] is not None else 0
            if current > LATEST:
                raise FeedbackError(Errors.E703, url=self.url, current=current, LATEST=LATEST)
            for m in MIGRATIONS:
                if current < m.version <= target:
                    for stmt in m.statements[self.dialect]:
                        cur.execute(stmt)
                    cur.execute(self._sql("INSERT INTO schema_version (version, applied_at, description) "
                                          "VALUES (?, ?, ?)"), (m.version, now_utc().isoformat(), m.description))
                    current = m.version
        return current

    def schema_version(self) -> int:
        with self._transaction() as cur:
            cur.execute("SELECT MAX(version) FROM schema_version")
            row = cur.fetchone()
        return int(row[0]) if row and row[0] is not None else 0

    # ---- records ----

    def add(self, record: FeedbackRecord, *, names: Sequence[str] = ()) -> FeedbackRecord:
        """Mask personal data (:func:`mask_personal_data`, plus ``names``), store, return the stored record."""
        rec = record.masked(tuple(names))
        created = rec.created_at or now_utc()
        row = rec.to_row()
        row["created_at"] = self._to_db_time(created)
        row["extra"] = json.dumps(dict(rec.extra), ensure_ascii=False, sort_keys=True)
        with self._transaction(write=True) as cur:
            rid = self._insert(cur, "feedback", {k: row.get(k) for k in _COLS})
            if rec.queue_id is not None:   # the queue item is done: its message (personal data) is deleted
                cur.execute(self._sql("UPDATE queue SET status = 'done', done_at = ?, payload = NULL WHERE id = ?"),
                            (self._to_db_time(created), rec.queue_id))
        return FeedbackRecord.from_row({**rec.to_row(), "id": rid, "created_at": created})

    def _row_to_record(self, names: Sequence[str], values: Sequence[Any]) -> FeedbackRecord:
        d = dict(zip(names, values))
        d["created_at"] = self._from_db_time(d.get("created_at"))
        try:
            d["extra"] = json.loads(d.get("extra") or "{}")
        except ValueError:
            d["extra"] = {}
        return FeedbackRecord.from_row(d)

    def get(self, record_id: int) -> FeedbackRecord | None:
        got = self.records(ids=[record_id])
        return got[0] if got else None

    def records(self, *, since_id: int = 0, limit: int | None = None, actions: Sequence[str] | None = None,
                ids: Sequence[int] | None = None, newer_than: datetime | None = None) -> list[FeedbackRecord]:
        """Records in the order they were stored (``id`` ascending), filtered."""
        where: list[str] = ["id > ?"]
        args: list[Any] = [since_id]
        if actions:
            bad = [a for a in actions if a not in ACTIONS]
            if bad:
                raise FeedbackError(Errors.E712, bad=bad, ACTIONS=list(ACTIONS))
            where.append("action IN (" + ", ".join("?" for _ in actions) + ")")
            args += list(actions)
        if ids is not None:
            if not ids:
                return []
            where.append("id IN (" + ", ".join("?" for _ in ids) + ")")
            args += [int(i) for i in ids]
        if newer_than is not None:
            where.append("created_at >= ?")
            args.append(self._to_db_time(newer_than))
        sql = "SELECT id, " + ", ".join(_COLS) + " FROM feedback WHERE " + " AND ".join(where) + " ORDER BY id"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        with self._transaction() as cur:
            cur.execute(self._sql(sql), args)
            rows = cur.fetchall()
        return [self._row_to_record(("id",) + _COLS, r) for r in rows]

    def count(self, action: str | None = None) -> int:
        with self._transaction() as cur:
            if action:
                cur.execute(self._sql("SELECT COUNT(*) FROM feedback WHERE action = ?"), (action,))
            else:
                cur.execute("SELECT COUNT(*) FROM feedback")
            return int(cur.fetchone()[0])

    def stats(self) -> dict[str, Any]:
        """Counts per action and per language, the newest record's time."""
        with self._transaction() as cur:
            cur.execute("SELECT action, COUNT(*) FROM feedback GROUP BY action")
            per_action = {a: int(n) for a, n in cur.fetchall()}
            cur.execute("SELECT COALESCE(language, '?'), COUNT(*) FROM feedback GROUP BY COALESCE(language, '?')")
            per_lang = {a: int(n) for a, n in cur.fetchall()}
            cur.execute("SELECT status, COUNT(*) FROM queue GROUP BY status")
            queue = {a: int(n) for a, n in cur.fetchall()}
        return {"records": sum(per_action.values()), "actions": per_action, "languages": per_lang, "queue": queue,
                "schema_version": self.schema_version(), "store": self.url}

    def purge(self, older_than_days: float) -> dict[str, int]:
        """Retention: delete records and finished or abandoned queue items older than the given days."""
        if older_than_days <= 0:
            raise FeedbackError(Errors.E709, older_than_days=older_than_days)
        cutoff = self._to_db_time(now_utc() - timedelta(days=float(older_than_days)))
        with self._transaction(write=True) as cur:
            cur.execute(self._sql("DELETE FROM feedback WHERE created_at < ?"), (cutoff,))
            n_fb = cur.rowcount
            cur.execute(self._sql("DELETE FROM queue WHERE created_at < ?"), (cutoff,))
            n_q = cur.rowcount
        return {"records": int(n_fb or 0), "queue_items": int(n_q or 0)}

    def export_csv(self, dest: str | Path | IO[str], *, since_id: int = 0) -> int:
        """Write every record (masked, as stored) as CSV with :data:`CSV_COLUMNS`; returns the row count."""
        recs = self.records(since_id=since_id)

        def write(fh: IO[str]) -> None:
            w = csv.writer(fh)
            w.writerow(CSV_COLUMNS)
            for r in recs:
                d = r.to_dict()
                w.writerow(["" if d.get(c) is None else d.get(c) for c in CSV_COLUMNS])
        if isinstance(dest, (str, Path)):
            p = Path(dest)
            p.parent.mkdir(parents=True, exist_ok=True)
            with open(p, "w", encoding="utf-8", newline="") as fh:
                write(fh)
        else:
            write(dest)
        return len(recs)

    # ---- the work queue ----

    def queue_add(self, messages: Sequence[Mapping[str, Any]]) -> list[int]:
        """Add messages (``/v1/suggest`` message objects, with ``text``) for agents to work; returns their ids."""
        ids = []
        now = self._to_db_time(now_utc())
        with self._transaction(write=True) as cur:
            for m in messages:
                text = m.get("text")
                if not isinstance(text, str) or not text.strip():
                    raise FeedbackError(Errors.E718)
                names = tuple(str(m[k]) for k in ("customer_name",) if m.get(k))
                preview = mask_personal_data(" ".join(text.split())[:120], names)
                ids.append(self._insert(cur, "queue", {
                    "created_at": now, "status": "open", "payload": json.dumps(dict(m), ensure_ascii=False),
                    "preview": preview, "language": m.get("customer_language"), "channel": m.get("channel"),
                    "external_id": m.get("id")}))
        return ids

    def _queue_item(self, row: Sequence[Any], with_message: bool) -> QueueItem:
        (qid, created, status, payload, preview, language, channel, claimed_by, claimed_at) = row
        item = QueueItem(id=int(qid), created_at=self._iso(created), status=status, preview=preview,
                         language=language, channel=channel, claimed_by=claimed_by,
                         claimed_at=self._iso(claimed_at))
        if with_message and payload:
            item["message"] = json.loads(payload)
        return item

    def _iso(self, v: Any) -> str | None:
        dt = self._from_db_time(v)
        return dt.isoformat() if dt else None

    _Q = "SELECT id, created_at, status, payload, preview, language, channel, claimed_by, claimed_at FROM queue "

    def queue_list(self, *, include_done: bool = False, limit: int = 200) -> list[QueueItem]:
        """Items not yet done (oldest first), without their full message."""
        sql = self._Q + ("" if include_done else "WHERE status <> 'done' ") + f"ORDER BY id LIMIT {int(limit)}"
        with self._transaction() as cur:
            cur.execute(sql)
            return [self._queue_item(r, False) for r in cur.fetchall()]

    def queue_claim(self, agent: str, item_id: int | None = None, *, ttl_s: float = 900.0) -> QueueItem | None:
        """Claim an item for ``agent`` (the given one, or the oldest open one; a claim older than
        ``ttl_s`` may be taken over) and return it with its message; ``None`` when nothing is left."""
        now = now_utc()
        stale = self._to_db_time(now - timedelta(seconds=ttl_s))
        with self._transaction(write=True) as cur:
            self._lock_queue(cur)
            if item_id is None:
                cur.execute(self._sql(self._Q + "WHERE status = 'open' OR (status = 'claimed' AND claimed_at < ?) "
                                                "OR (status = 'claimed' AND claimed_by = ?) ORDER BY id LIMIT 1"),
                            (stale, agent))
            else:
                cur.execute(self._sql(self._Q + "WHERE id = ?"), (int(item_id),))
            row = cur.fetchone()
            if row is None:
                return None
            item = self._queue_item(row, True)
            if item["status"] == "done":
                raise FeedbackError(Errors.E713, item_id=item_id)
            cur.execute(self._sql("UPDATE queue SET status = 'claimed', claimed_by = ?, claimed_at = ? WHERE id = ?"),
                        (agent, self._to_db_time(now), item["id"]))
        item.update(status="claimed", claimed_by=agent, claimed_at=now.isoformat())
        return item

    def _lock_queue(self, cur: Any) -> None:  # noqa: B027 - a hook: only PostgreSQL needs a lock
        """Serialise claims (SQLite: the write transaction already does)."""


# ---- SQLite ------------------------------------------------------------------------------------

class SQLiteStore(FeedbackStore):
    """One file; WAL journal (readers do not block the writer), ``busy_timeout`` so that several
    processes wait for each other's short write transactions instead of failing."""

    dialect = "sqlite"

    def __init__(self, path: str | Path, *, busy_timeout_s: float = 30.0, migrate: bool = True) -> None:
        self.path = Path(path)
        self.url = f"sqlite:///{self.path}"
        self.busy_timeout_s = busy_timeout_s
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise FeedbackError(Errors.E702, path=self.path, exc=exc) from None
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._all_lock = threading.Lock()
        if migrate:
            self.migrate()

    def _conn(self) -> sqlite3.Connection:
        c = getattr(self._local, "conn", None)
        if c is None:
            try:
                c = sqlite3.connect(str(self.path), timeout=self.busy_timeout_s, isolation_level=None,
                                    check_same_thread=False)
                c.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout_s * 1000)}")
                mode = c.execute("PRAGMA journal_mode = WAL").fetchone()[0]
                if str(mode).lower() != "wal":  # pragma: no cover - e.g. a network file system
                    raise FeedbackError(Errors.E719, path=self.path, mode=mode)
                c.execute("PRAGMA synchronous = NORMAL")
                c.execute("PRAGMA foreign_keys = ON")
            except sqlite3.Error as exc:
                raise FeedbackError(Errors.E720, path=self.path, exc=exc) from None
            self._local.conn = c
            with self._all_lock:
                self._all.append(c)
        return c

    @contextmanager
    def _transaction(self, write: bool = False) -> Iterator[Any]:
        c = self._conn()
        cur = c.cursor()
        try:
            cur.execute("BEGIN IMMEDIATE" if write else "BEGIN")
        except sqlite3.Error as exc:
            raise FeedbackError(Errors.E714, path=self.path, exc=exc) from None
        try:
            yield cur
        except sqlite3.Error as exc:
            c.rollback()
            raise FeedbackError(Errors.E715, path=self.path, exc=exc) from None
        except BaseException:
            c.rollback()
            raise
        else:
            try:
                c.commit()
            except sqlite3.Error as exc:  # pragma: no cover - disk full and the like
                c.rollback()
                raise FeedbackError(Errors.E721, path=self.path, exc=exc) from None
        finally:
            cur.close()

    def _lock_for_migration(self, cur: Any) -> None:  # BEGIN IMMEDIATE holds the write lock already
        pass

    def _to_db_time(self, dt: datetime) -> str:
        return dt.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f+00:00")

    def _from_db_time(self, v: Any) -> datetime | None:
        if v is None:
            return None
        return datetime.fromisoformat(str(v))

    def _insert(self, cur: Any, table: str, row: Mapping[str, Any]) -> int:
        cols = list(row)
        cur.execute(f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' for _ in cols)})",
                    [row[c] for c in cols])
        return int(cur.lastrowid)

    def close(self) -> None:
        with self._all_lock:
            for c in self._all:
                try:
                    c.close()
                except sqlite3.Error:  # pragma: no cover
                    pass
            self._all.clear()
        self._local = threading.local()


# ---- PostgreSQL ----------------------------------------------------------------------------------

class PostgresStore(FeedbackStore):
    """PostgreSQL through psycopg 3: one connection per thread, reconnected when the server went away."""

    dialect = "postgresql"
    _MIGRATION_LOCK = 7_170_017  # advisory lock key for migrations

    def __init__(self, url: str, *, connect_timeout_s: float = 10.0, migrate: bool = True) -> None:
        try:
            import psycopg
        except ImportError:
            raise MissingDependencyError.for_package("psycopg", "A PostgreSQL feedback store", extra="postgres") from None
        self._psycopg = psycopg
        self._dsn = url.replace("postgres://", "postgresql://", 1) if url.startswith("postgres://") else url
        p = urlparse(self._dsn)
        self.url = f"postgresql://{p.username + '@' if p.username else ''}{p.hostname or ''}" \
                   f"{':' + str(p.port) if p.port else ''}{p.path}"
        self.connect_timeout_s = connect_timeout_s
        self._local = threading.local()
        self._all: list[Any] = []
        self._all_lock = threading.Lock()
        if migrate:
            self.migrate()

    def _conn(self) -> Any:
        c = getattr(self._local, "conn", None)
        if c is None or c.closed or c.broken:
            try:
                c = self._psycopg.connect(self._dsn, connect_timeout=max(1, int(self.connect_timeout_s)),
                                          application_name="replyassist-feedback")
            except self._psycopg.Error as exc:
                raise FeedbackError(Errors.E722, url=self.url, detail=str(exc).strip()) from None
            self._local.conn = c
            with self._all_lock:
                self._all.append(c)
        return c

    def _sql(self, sql: str) -> str:
        return sql.replace("?", "%s")

    @contextmanager
    def _transaction(self, write: bool = False) -> Iterator[Any]:
        psycopg = self._psycopg
        c = self._conn()
        try:
            with c.transaction():
                with c.cursor() as cur:
                    yield cur
        except (psycopg.OperationalError, psycopg.InterfaceError) as exc:
            self._local.conn = None  # the next call reconnects (e.g. after a server restart)
            raise FeedbackError(Errors.E716, url=self.url, detail=str(exc).strip()) from None
        except psycopg.Error as exc:
            raise FeedbackError(Errors.E717, url=self.url, detail=str(exc).strip()) from None

    def _lock_for_migration(self, cur: Any) -> None:
        cur.execute("SELECT pg_advisory_xact_lock(%s)", (self._MIGRATION_LOCK,))

    def _lock_queue(self, cur: Any) -> None:
        cur.execute("LOCK TABLE queue IN SHARE ROW EXCLUSIVE MODE")

    def _to_db_time(self, dt: datetime) -> datetime:
        return dt.astimezone(timezone.utc)

    def _from_db_time(self, v: Any) -> datetime | None:
        if v is None:
            return None
        if isinstance(v, datetime):
            return v.astimezone(timezone.utc)
        return datetime.fromisoformat(str(v))

    def _insert(self, cur: Any, table: str, row: Mapping[str, Any]) -> int:
        cols = list(row)
        cur.execute(f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('%s' for _ in cols)}) RETURNING id",
                    [row[c] for c in cols])
        return int(cur.fetchone()[0])

    def close(self) -> None:
        with self._all_lock:
            for c in self._all:
                try:
                    c.close()
                except Exception:  # pragma: no cover
                    pass
            self._all.clear()
        self._local = threading.local()


def open_store(url: str | Path, **kwargs: Any) -> FeedbackStore:
    """The store at ``url``: ``sqlite:///PATH`` (or a plain path) or ``postgresql://...``.

    >>> store = open_store("sqlite:///var/lib/replyassist/feedback.db")     # doctest: +SKIP
    """
    s = str(url).strip()
    if not s:
        raise FeedbackError(Errors.E701)
    if s.startswith(("postgresql://", "postgres://", "postgresql+psycopg://")):
        return PostgresStore(s.replace("postgresql+psycopg://", "postgresql://", 1), **kwargs)
    if s.startswith("sqlite://"):
        p = urlparse(s)
        path = unquote(p.path)
        if p.netloc and p.netloc not in ("", "localhost"):
            raise FeedbackError(Errors.E710, s=s)
        if s.startswith("sqlite:////"):
            path = "/" + path.lstrip("/")
        else:
            path = path[1:] if path.startswith("/") else path
        if not path:
            raise FeedbackError(Errors.E711, s=s)
        return SQLiteStore(path, **kwargs)
    if "://" in s:
        raise FeedbackError(Errors.E708, scheme=s.split('://')[0])
    return SQLiteStore(os.path.expanduser(s), **kwargs)
