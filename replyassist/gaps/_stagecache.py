"""A small persistent cache for per-text results of the cheap-but-not-free stages (language,
sentiment), so an interrupted gap analysis resumes where it stopped. Vectors have their own
cache (:class:`replyassist.embeddings.CachedEmbedder`)."""
from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path
from typing import Any, Iterable

__all__ = ["StageCache"]


class StageCache:
    """SQLite table ``(stage, key) -> JSON``. ``path=None`` keeps everything in memory."""

    def __init__(self, path: str | Path | None) -> None:
        if path is not None:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self.path = str(path) if path is not None else ":memory:"
        self._conn = sqlite3.connect(self.path, timeout=60, check_same_thread=False)
        if path is not None:
            self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("CREATE TABLE IF NOT EXISTS res (stage TEXT, key TEXT, v TEXT, PRIMARY KEY (stage, key))")
        self._conn.commit()
        self._lock = threading.Lock()

    def get_many(self, stage: str, keys: Iterable[str]) -> dict[str, Any]:
        klist = list(dict.fromkeys(keys))
        out: dict[str, Any] = {}
        with self._lock:
            for s in range(0, len(klist), 900):
                part = klist[s:s + 900]
                q = f"SELECT key, v FROM res WHERE stage=? AND key IN ({','.join('?' * len(part))})"
                for k, v in self._conn.execute(q, [stage, *part]):
                    out[k] = json.loads(v)
        return out

    def put_many(self, stage: str, items: dict[str, Any]) -> None:
        with self._lock:
            self._conn.executemany("INSERT OR REPLACE INTO res VALUES (?, ?, ?)",
                                   [(stage, k, json.dumps(v, ensure_ascii=False)) for k, v in items.items()])
            self._conn.commit()

    def close(self) -> None:
        with self._lock:
            self._conn.close()
