"""Opening the SQLite caches (vectors, gap-analysis stages) so that a damaged cache never stops a run.

A cache holds only what can be recomputed, so:

- a damaged file (cut short, a bad header, "database disk image is malformed") is **discarded
  with a warning and rebuilt**, at open time or when a query meets the damage later;
- a read-only file is **used read-only** (with a warning: new results are not saved); a folder
  that cannot be written gets an in-memory cache (warning);
- a cache path that is a folder, or a cache folder that is a file, is a clear
  :class:`~replyassist.errors.StorageError` (``E902``) before any work: the user named the wrong path.

>>> import tempfile, pathlib
>>> p = pathlib.Path(tempfile.mkdtemp()) / "c.sqlite"
>>> _ = p.write_bytes(b"not a database at all" * 10)
>>> import warnings
>>> with warnings.catch_warnings(record=True) as w:
...     warnings.simplefilter("always")
...     cache = SqliteCache(p, "CREATE TABLE IF NOT EXISTS t (k TEXT PRIMARY KEY, v TEXT)")
>>> "discarded" in str(w[0].message), cache.persistent
(True, True)
"""
from __future__ import annotations

import os
import sqlite3
import threading
import warnings
from pathlib import Path
from typing import Any, Callable, Sequence, TypeVar

from .errors import Errors, StorageError

__all__ = ["SqliteCache", "CacheWarning", "check_cache_path"]

T = TypeVar("T")


class CacheWarning(UserWarning):
    """A cache was damaged (discarded and rebuilt) or cannot be written (results not saved)."""


def check_cache_path(path: Path) -> None:
    """Raise ``StorageError`` E902 when ``path`` (a cache file) cannot be a cache file at all."""
    if path.is_dir():
        raise StorageError(Errors.E902, path=path)
    for parent in [path.parent, *path.parent.parents]:
        if parent.exists():
            if not parent.is_dir():
                raise StorageError(Errors.E903, parent=path.parent, blocker=parent)
            break


def _truncated(path: Path) -> bool:
    """True when the SQLite header promises more pages than the file holds (a file cut short)."""
    try:
        size = path.stat().st_size
        with open(path, "rb") as fh:
            head = fh.read(100)
    except OSError:
        return False
    if size == 0 or len(head) < 100:
        return size != 0  # 1..99 bytes: not even a header
    if not head.startswith(b"SQLite format 3\x00"):
        return True
    page_size = int.from_bytes(head[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    pages = int.from_bytes(head[28:32], "big")
    valid = head[24:28] == head[92:96]  # the in-header size is valid only then (SQLite file format 1.3.14)
    return bool(valid and pages and size < pages * page_size)


class SqliteCache:
    """One SQLite file with one schema, opened defensively (see the module docstring).

    ``read(fn)`` / ``write(fn)`` run ``fn(connection)`` under a lock; a damaged database met by a
    query is discarded (warning) and rebuilt, and ``read`` then returns ``default``; a write to
    a read-only cache is skipped (one warning).
    """

    def __init__(self, path: str | os.PathLike[str] | None, schema: str, *, what: str = "cache") -> None:
        self.schema = schema
        self.what = what
        self.path = Path(path) if path is not None else None
        self.persistent = self.path is not None
        self.read_only = False
        self._warned_ro = False
        self._lock = threading.Lock()
        if self.path is not None:
            check_cache_path(self.path)
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                self._warn(f"the {what} folder {self.path.parent} cannot be created ({exc.strerror}); "
                           "results are kept in memory only")
                self.path, self.persistent = None, False
        self._conn = self._open()

    # ------------------------------------------------------------------ opening
    def _warn(self, message: str) -> None:
        warnings.warn(f"replyassist {self.what}: {message}", CacheWarning, stacklevel=4)

    def _connect(self, uri: str | None = None) -> sqlite3.Connection:
        target = uri or (str(self.path) if self.path is not None else ":memory:")
        conn = sqlite3.connect(target, timeout=60, check_same_thread=False, uri=uri is not None)
        if uri is None and self.path is not None:
            conn.execute("PRAGMA journal_mode=WAL")
        if uri is None:
            conn.execute(self.schema)
            conn.commit()
        conn.execute("SELECT name FROM sqlite_master LIMIT 1").fetchall()
        return conn

    def _open(self) -> sqlite3.Connection:
        if self.path is None:
            return self._connect()
        if self.path.exists() and _truncated(self.path):
            self._discard("the file is cut short or is not an SQLite database")
        try:
            return self._connect()
        except sqlite3.DatabaseError as exc:
            if _is_read_only(exc) or not os.access(self.path.parent, os.W_OK):
                return self._open_read_only(exc)
            self._discard(str(exc))
            try:
                return self._connect()
            except sqlite3.DatabaseError as exc2:  # still unusable (e.g. a read-only folder)
                return self._open_read_only(exc2)

    def _open_read_only(self, exc: Exception) -> sqlite3.Connection:
        assert self.path is not None
        # "mode=ro" needs the -shm file of a WAL database, which a read-only folder or mount cannot
        # hold: there the file cannot change under us, so it is opened as immutable
        for query in ("mode=ro", "mode=ro&immutable=1"):
            if not self.path.exists():
                break
            try:
                conn = self._connect(uri=f"{self.path.resolve().as_uri()}?{query}")
                self.read_only = True
                self._warn(f"{self.path} cannot be written ({exc}); it is used read-only and new results "
                           "are not saved")
                return conn
            except sqlite3.DatabaseError:
                continue
        self._warn(f"{self.path} cannot be opened ({exc}); results are kept in memory only")
        self.path, self.persistent = None, False
        return self._connect()

    def _discard(self, reason: str) -> None:
        assert self.path is not None
        self._warn(f"{self.path} is damaged ({reason}); it was discarded and is rebuilt "
                   "(cached results are recomputed)")
        for suffix in ("", "-wal", "-shm", "-journal"):
            try:
                Path(str(self.path) + suffix).unlink()
            except FileNotFoundError:
                pass
            except OSError:
                break

    # ------------------------------------------------------------------ use
    def read(self, fn: Callable[[sqlite3.Connection], T], default: T) -> T:
        with self._lock:
            try:
                return fn(self._conn)
            except sqlite3.DatabaseError as exc:
                self._reset(exc)
                return default

    def write(self, fn: Callable[[sqlite3.Connection], Any]) -> None:
        with self._lock:
            if self.read_only:
                return
            try:
                fn(self._conn)
                self._conn.commit()
            except sqlite3.DatabaseError as exc:
                if _is_read_only(exc) or _is_full(exc):
                    if not self._warned_ro:
                        self._warned_ro = True
                        self._warn(f"{self.path} cannot be written ({exc}); new results are not saved")
                    self.read_only = True
                    try:
                        self._conn.rollback()
                    except sqlite3.Error:
                        pass
                    return
                self._reset(exc)

    def _reset(self, exc: Exception) -> None:
        """A query met a damaged database: discard it and start an empty one."""
        try:
            self._conn.close()
        except sqlite3.Error:
            pass
        if self.path is not None and not self.read_only:
            self._discard(str(exc))
        elif self.path is not None:
            self._warn(f"{self.path} is damaged ({exc}) and read-only; results are kept in memory only")
            self.path, self.persistent, self.read_only = None, False, False
        self._conn = self._connect()

    def close(self) -> None:
        with self._lock:
            try:
                self._conn.close()
            except sqlite3.Error:
                pass


def _is_read_only(exc: Exception) -> bool:
    msg = str(exc).lower()
    return "readonly" in msg or "read-only" in msg or "unable to open" in msg or "permission" in msg


def _is_full(exc: Exception) -> bool:
    return "full" in str(exc).lower()


def chunks(seq: Sequence[T], n: int = 900) -> list[Sequence[T]]:
    """``seq`` in parts of at most ``n`` (SQLite's limit on bound parameters)."""
    return [seq[i:i + n] for i in range(0, len(seq), n)]
