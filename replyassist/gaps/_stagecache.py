"""A small persistent cache for per-text results of the cheap-but-not-free stages (language,
sentiment), so an interrupted gap analysis resumes where it stopped. Vectors have their own
cache (:class:`replyassist.embeddings.CachedEmbedder`)."""
from __future__ import annotations

import json
import sqlite3
import warnings
from pathlib import Path
from typing import Any, Callable, Iterable

from .._sqlite_cache import CacheWarning, SqliteCache

__all__ = ["StageCache"]


#: What each stage's cached value must look like; a row that does not (hand-edited, damaged,
#: from another version) is discarded with a warning and recomputed (issue 20).
_VALID: dict[str, Callable[[Any], bool]] = {
    "language": lambda v: isinstance(v, list) and len(v) == 2 and all(x is None or isinstance(x, str) for x in v),
    "sentiment": lambda v: v is None or isinstance(v, str),
}


class StageCache:
    """SQLite table ``(stage, key) -> JSON``. ``path=None`` keeps everything in memory.

    A damaged file is discarded (warning) and rebuilt, a read-only one used read-only, and a row
    with bad JSON or a value of the wrong shape is recomputed (see :mod:`replyassist._sqlite_cache`).

    >>> c = StageCache(None)
    >>> c.put_many("sentiment", {"k": "negative"}); c.get_many("sentiment", ["k", "x"])
    {'k': 'negative'}
    """

    def __init__(self, path: str | Path | None) -> None:
        self._db = SqliteCache(path, "CREATE TABLE IF NOT EXISTS res (stage TEXT, key TEXT, v TEXT, "
                                     "PRIMARY KEY (stage, key))", what="gap-analysis stage cache")
        self.path = str(path) if path is not None else ":memory:"
        #: rows found damaged and recomputed, over this object's life
        self.damaged = 0

    def get_many(self, stage: str, keys: Iterable[str]) -> dict[str, Any]:
        klist = list(dict.fromkeys(keys))
        valid = _VALID.get(stage, lambda v: True)

        def query(conn: sqlite3.Connection) -> dict[str, Any]:
            out: dict[str, Any] = {}
            bad = 0
            for s in range(0, len(klist), 900):
                part = klist[s:s + 900]
                q = f"SELECT key, v FROM res WHERE stage=? AND key IN ({','.join('?' * len(part))})"
                for k, v in conn.execute(q, [stage, *part]):
                    try:
                        val = json.loads(v)
                    except (TypeError, ValueError, RecursionError):
                        bad += 1
                        continue
                    if not valid(val):
                        bad += 1
                        continue
                    out[k] = val
            if bad:
                self.damaged += bad
                warnings.warn(f"replyassist gap-analysis stage cache: {bad} damaged {stage!r} row(s) in {self.path} "
                              "were discarded and are recomputed", CacheWarning, stacklevel=3)
            return out

        return self._db.read(query, {})

    def put_many(self, stage: str, items: dict[str, Any]) -> None:
        rows = [(stage, k, json.dumps(v, ensure_ascii=False)) for k, v in items.items()]
        self._db.write(lambda conn: conn.executemany("INSERT OR REPLACE INTO res VALUES (?, ?, ?)", rows))

    def close(self) -> None:
        self._db.close()
