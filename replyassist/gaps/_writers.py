"""JSON and CSV writers of a :class:`GapReport`. Every free text is PII-masked (again) on the way
out, and CSV cells that a spreadsheet would run as a formula are defused."""
from __future__ import annotations

import contextlib
import csv
import errno
import functools
import io
import json
import os
import tempfile
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Iterator

from ..errors import Errors, StorageError
from ..text import mask_identifier, mask_pii

if TYPE_CHECKING:  # pragma: no cover
    from ._analysis import GapReport

__all__ = ["write_json", "write_csv", "safe_text", "check_output_dir", "atomic_write", "staged_writes"]


def safe_text(value: Any) -> Any:
    """PII-mask a string (idempotent); other values pass through."""
    return mask_pii(value) if isinstance(value, str) else value


#: Keys whose values are codes, names of settings or numbers, not free text: they are not run
#: through :func:`mask_pii` (which would take ``gap-001`` for an order code) ...
_KEYS_KEPT = frozenset({"faq_id", "schema", "source", "band", "language", "script", "timestamp", "first_seen",
                        "last_seen", "suggested_id", "period", "gap_id", "top_match_id", "kind", "period_unit"})
#: ... and these hold identifiers from the input (a ticket id, a channel) that may be an e-mail
#: address or a phone number: masked by :func:`mask_identifier` (issue 20: they were never masked).
_ID_KEYS = frozenset({"id", "channel", "customer_id"})


@functools.lru_cache(maxsize=65536)
def _mask_key(key: str) -> str:
    """Dict keys repeat in every message of a big report: masked once each."""
    return mask_identifier(key)


def _mask_deep(obj: Any) -> Any:
    if isinstance(obj, dict):
        out = {}
        for k, v in obj.items():
            key = _mask_key(k) if isinstance(k, str) else k  # channel names are keys of the counts
            if k in _ID_KEYS and isinstance(v, str):
                out[key] = mask_identifier(v)
            elif k in _KEYS_KEPT and not isinstance(v, (dict, list)):
                out[key] = v
            else:
                out[key] = _mask_deep(v)
        return out
    if isinstance(obj, list):
        return [_mask_deep(v) for v in obj]
    return safe_text(obj)


def check_output_dir(path: str | Path, *, what: str = "--out") -> Path:
    """The report folder ``path``, created if needed and checked writable, before any work.

    Raises :class:`~replyassist.errors.StorageError` ``E901`` when it is a file, cannot be
    created, or cannot be written.

    >>> import tempfile; d = tempfile.mkdtemp()
    >>> check_output_dir(d + "/new/report").is_dir()
    True
    """
    p = Path(path)
    if p.exists() and not p.is_dir():
        raise StorageError(Errors.E901, what=what, p=p)
    try:
        p.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(dir=p, prefix=".write-test-")
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise StorageError(Errors.E904, what=what, p=p, reason=exc.strerror or exc) from None
    return p


_STAGED = threading.local()


@contextlib.contextmanager
def staged_writes() -> Iterator[None]:
    """Inside it, :func:`atomic_write` leaves each file as a written temporary; they are renamed into
    place together when the block ends, or all removed when it fails: a report folder then holds
    the whole previous report or the whole new one, never a mix of the two (issue 20: a full disk
    while writing the fourth of seven files left three new files beside four old ones).

    >>> import tempfile, pathlib; d = pathlib.Path(tempfile.mkdtemp())
    >>> with staged_writes():
    ...     _ = atomic_write(d / "a.txt", "new"); (d / "a.txt").exists()
    False
    >>> (d / "a.txt").read_text()
    'new'
    """
    if getattr(_STAGED, "pending", None) is not None:  # nested: the outer block renames
        yield
        return
    pending: list[tuple[str, Path]] = []
    _STAGED.pending = pending
    try:
        yield
        while pending:
            tmp, path = pending[0]
            try:
                os.replace(tmp, path)
            except OSError as exc:
                raise StorageError(Errors.E905, path=path, hint="", reason=exc.strerror or exc) from None
            pending.pop(0)
    finally:
        _STAGED.pending = None
        for tmp, _ in pending:
            try:
                os.unlink(tmp)
            except OSError:
                pass


def atomic_write(path: Path, data: str) -> Path:
    """Write ``data`` (UTF-8) to ``path`` atomically: a temporary file in the same folder, then a
    rename (inside :func:`staged_writes`: at the end of the block). A full disk or a read-only
    folder leaves the old file (or none), never a partial one, and is
    :class:`~replyassist.errors.StorageError` ``E905``."""
    tmp: str | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        pending = getattr(_STAGED, "pending", None)
        if pending is not None:
            pending.append((tmp, path))
        else:
            os.replace(tmp, path)
        tmp = None
    except OSError as exc:
        hint = " (the disk is full)" if exc.errno == errno.ENOSPC else ""
        raise StorageError(Errors.E905, path=path, hint=hint, reason=exc.strerror or exc) from None
    finally:
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass
    return path


def write_json(report: "GapReport", path: str | Path) -> Path:
    """Write the report as JSON (``report.to_dict()``, PII-masked). ``path`` may be a folder."""
    p = Path(path)
    if p.is_dir() or not p.suffix:
        p = check_output_dir(p) / "report.json"
    return atomic_write(p, json.dumps(_mask_deep(report.to_dict()), ensure_ascii=False, indent=1))


#: CSV columns holding identifiers or codes: :func:`mask_identifier`, not :func:`mask_pii`.
_ID_COLUMNS = frozenset({"id", "gap_id", "suggested_id", "nearest_faq", "faq_id", "channel", "key", "language",
                         "asked_language", "script", "band", "timestamp", "first_seen", "last_seen", "kind",
                         "dimension"})


def _cell(v: Any, column: str = "") -> Any:
    if v is None:
        return ""
    if isinstance(v, float):
        return f"{v:.4g}"
    if isinstance(v, str):
        v = mask_identifier(v) if column in _ID_COLUMNS else mask_pii(v)
        if v[:1] in ("=", "+", "-", "@", "\t", "\r"):
            v = "'" + v  # no formula execution when opened in a spreadsheet
    return v


def _write(path: Path, header: list[str], rows: Iterable[list[Any]]) -> Path:
    buf = io.StringIO(newline="")
    w = csv.writer(buf)
    w.writerow(header)
    for r in rows:
        w.writerow([_cell(v, col) for v, col in zip(r, header)])
    return atomic_write(path, buf.getvalue())


def _fmt_counts(d: dict[str, int] | None) -> str:
    return " ".join(f"{k}:{v}" for k, v in (d or {}).items())


def write_csv(report: "GapReport", out_dir: str | Path) -> list[Path]:
    """Write ``gaps.csv``, ``language_gaps.csv``, ``coverage.csv``, ``messages.csv``, ``bad_rows.csv``."""
    out = check_output_dir(out_dir)
    paths = []
    paths.append(_write(out / "gaps.csv",
                        ["rank", "gap_id", "kind", "score", "size", "customers", "languages", "channels", "negative_share",
                         "recency", "first_seen", "last_seen", "keywords", "suggested_title", "suggested_id",
                         "nearest_faq", "nearest_similarity", "examples"],
                        ([g.rank, g.id, g.kind, g.score, g.size, g.customers, _fmt_counts(g.languages), _fmt_counts(g.channels),
                          g.negative_share, g.recency, g.first_seen, g.last_seen, " ".join(g.keywords), g.stub["title"],
                          g.stub["suggested_id"], (g.nearest_faq or {}).get("faq_id"),
                          (g.nearest_faq or {}).get("similarity"),
                          " || ".join(e["text"] for e in g.examples)] for g in report.gaps)))
    paths.append(_write(out / "language_gaps.csv",
                        ["faq_id", "faq_title", "faq_languages", "asked_language", "count", "customers",
                         "negative_share", "examples"],
                        ([g.faq_id, g.faq_title, " ".join(g.faq_languages), g.language, g.count, g.customers,
                          g.negative_share, " || ".join(g.examples)] for g in report.language_gaps)))
    cov = report.coverage

    def cov_rows() -> Iterable[list[Any]]:
        def row(dim: str, key: str, c: dict[str, int]) -> list[Any]:
            tot = sum(c.values())
            return [dim, key, c.get("confident", 0), c.get("suggest", 0), c.get("no_match", 0), tot,
                    round((c.get("confident", 0) + c.get("suggest", 0)) / tot, 4) if tot else None]
        yield row("overall", "all", cov.overall)
        for k, c in cov.by_language.items():
            yield row("language", k, c)
        for k, c in cov.by_channel.items():
            yield row("channel", k, c)
        for k, c in cov.by_period:
            yield row(cov.period_unit or "period", k, c)
    paths.append(_write(out / "coverage.csv", ["dimension", "key", "confident", "suggest", "no_match", "total",
                                               "answered_share"], cov_rows()))
    paths.append(_write(out / "messages.csv",
                        ["row", "id", "language", "script", "channel", "timestamp", "band", "faq_id", "score",
                         "sentiment", "gap_id", "text"],
                        ([m.row, m.id, m.language, m.script, m.channel, m.timestamp, m.band, m.faq_id, m.score,
                          m.sentiment, m.gap_id, m.text] for m in report.messages)))
    paths.append(_write(out / "bad_rows.csv", ["row", "line", "reason", "preview"],
                        ([b.row, b.line, b.reason, b.preview] for b in report.bad_rows)))
    return paths
