"""JSON and CSV writers of a :class:`GapReport`. Every free text is PII-masked (again) on the way
out, and CSV cells that a spreadsheet would run as a formula are defused."""
from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable

from ..text import mask_pii

if TYPE_CHECKING:  # pragma: no cover
    from ._analysis import GapReport

__all__ = ["write_json", "write_csv", "safe_text"]


def safe_text(value: Any) -> Any:
    """PII-mask a string (idempotent); other values pass through."""
    return mask_pii(value) if isinstance(value, str) else value


def _mask_deep(obj: Any, skip: frozenset[str] = frozenset({"faq_id", "id", "schema", "source", "band", "language",
                                                           "script", "timestamp", "first_seen", "last_seen",
                                                           "suggested_id", "period", "gap_id", "channel"})) -> Any:
    if isinstance(obj, dict):
        return {k: (v if k in skip and not isinstance(v, (dict, list)) else _mask_deep(v, skip)) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_mask_deep(v, skip) for v in obj]
    return safe_text(obj)


def write_json(report: "GapReport", path: str | Path) -> Path:
    """Write the report as JSON (``report.to_dict()``, PII-masked). ``path`` may be a folder."""
    p = Path(path)
    if p.is_dir() or not p.suffix:
        p.mkdir(parents=True, exist_ok=True)
        p = p / "report.json"
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(json.dumps(_mask_deep(report.to_dict()), ensure_ascii=False, indent=1), encoding="utf-8")
    return p


def _cell(v: Any) -> Any:
    if v is None:
        return ""
    if isinstance(v, float):
        return f"{v:.4g}"
    if isinstance(v, str):
        v = mask_pii(v)
        if v[:1] in ("=", "+", "-", "@", "\t", "\r"):
            v = "'" + v  # no formula execution when opened in a spreadsheet
    return v


def _write(path: Path, header: list[str], rows: Iterable[list[Any]]) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        for r in rows:
            w.writerow([_cell(v) for v in r])
    return path


def _fmt_counts(d: dict[str, int] | None) -> str:
    return " ".join(f"{k}:{v}" for k, v in (d or {}).items())


def write_csv(report: "GapReport", out_dir: str | Path) -> list[Path]:
    """Write ``gaps.csv``, ``language_gaps.csv``, ``coverage.csv``, ``messages.csv``, ``bad_rows.csv``."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
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
