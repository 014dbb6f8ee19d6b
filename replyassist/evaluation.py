"""Measure a FAQ corpus against labelled questions: ``replyassist evaluate --corpus DIR --queries FILE``.

A team writes down real customer questions and, for each, the FAQ entry that answers it (or
nothing, when no entry does). The report gives top-1 / top-3 accuracy, how often each band is
used and how right it is, no-match precision and recall, a calibration table (is a confidence
of 0.8 right 80 % of the time on *your* questions?) and threshold recommendations for
``[matching]`` in the settings file.

Queries file: ``.jsonl`` (one object per line) or ``.csv`` / ``.tsv`` with a header. Fields:
``text`` (required), ``faq_id`` or ``expected_faq_id`` (the answering entry; empty, ``none`` or
``null`` = no entry answers it), ``language`` (optional ISO 639-1).

>>> report = evaluate_corpus("faq_corpus/shop", "my_questions.jsonl")     # doctest: +SKIP
>>> print(report.to_markdown())                                            # doctest: +SKIP
"""
from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np

from .errors import DataError, Errors, ReplyAssistError
from .matching import FaqIndex, MatchResult, MatchSettings
from .pipeline import AnalysisPipeline, MessageInput, PipelineSettings

__all__ = ["LabelledQuery", "EvaluationReport", "evaluate_corpus", "evaluate_index", "load_queries"]

_NONE_LABELS = {"", "none", "null", "-", "no_match", "oos"}


@dataclass(frozen=True)
class LabelledQuery:
    """One labelled question: ``faq_id`` is ``None`` when no FAQ entry answers it."""

    text: str
    faq_id: str | None
    language: str | None = None
    line: int = 0


def load_queries(path: str | Path) -> list[LabelledQuery]:
    """Read a ``.jsonl``, ``.csv`` or ``.tsv`` file of labelled questions (see the module docs).

    Raises :class:`~replyassist.errors.DataError` listing every bad line.
    """
    p = Path(path)
    if not p.is_file():
        raise DataError(Errors.E401, p=p)
    try:
        raw = p.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DataError(Errors.E402, p=p, exc=exc) from None
    rows: list[tuple[int, Mapping[str, Any]]] = []
    problems: list[str] = []
    if p.suffix.lower() in (".jsonl", ".ndjson", ".json"):
        # split on "\n" only: str.splitlines() would also cut at U+2028, U+0085, ... which JSON allows in strings
        for n, line in enumerate(raw.split("\n"), start=1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except ValueError as exc:
                problems.append(f"{p.name}:{n}: not valid JSON ({exc.args[0] if exc.args else exc})")
                continue
            if not isinstance(obj, dict):
                problems.append(f"{p.name}:{n}: expected a JSON object with 'text' and 'faq_id'")
                continue
            rows.append((n, obj))
    elif p.suffix.lower() in (".csv", ".tsv"):
        # newline="": the csv module's own line handling (quoted line breaks; U+2028 is not a line end)
        reader = csv.reader(io.StringIO(raw, newline=""), delimiter="\t" if p.suffix.lower() == ".tsv" else ",")
        header = next(reader, None)
        if not header or "text" not in header or not ({"faq_id", "expected_faq_id"} & set(header)):
            raise DataError(Errors.E420, name=p.name, header=header)
        label_col = max(header.index(c) for c in ("faq_id", "expected_faq_id") if c in header)
        start = reader.line_num + 1
        for fields in reader:
            if fields and (len(fields) > len(header) or len(fields) <= label_col):
                # too many: an unquoted delimiter; too few: the label is missing (not "no match", which is
                # an empty value), so the row must not count as a no-match question
                problems.append(f"{p.name}:{start}: {len(fields)} value(s), the header has {len(header)} columns "
                                "(quote a text that contains the delimiter; leave faq_id empty for 'no match')")
            elif fields:
                rows.append((start, dict(zip(header, fields))))
            start = reader.line_num + 1
    else:
        raise DataError(Errors.E403, name=p.name, suffix=p.suffix)
    out: list[LabelledQuery] = []
    for n, r in rows:
        text = r.get("text")
        if not isinstance(text, str) or not text.strip():
            problems.append(f"{p.name}:{n}: 'text' is missing or empty")
            continue
        label = r.get("faq_id", r.get("expected_faq_id"))
        if label is not None and not isinstance(label, str):
            problems.append(f"{p.name}:{n}: 'faq_id' must be a string or null, got {type(label).__name__}")
            continue
        label = None if label is None or label.strip().lower() in _NONE_LABELS else label.strip()
        lang = r.get("language") or None
        out.append(LabelledQuery(text=text.strip(), faq_id=label, language=lang if isinstance(lang, str) else None,
                                 line=n))
    if problems:
        raise DataError(Errors.E404, name=p.name, n=len(problems), problems="".join(f"\n  - {x}" for x in problems))
    if not out:
        raise DataError(Errors.E419, name=p.name)
    return out


@dataclass(frozen=True)
class EvaluationReport:
    """Results of :func:`evaluate_corpus`; ``to_dict()`` (JSON) and ``to_markdown()`` (for people)."""

    corpus: str
    queries: int
    answerable: int
    unanswerable: int
    top1: float | None
    top3: float | None
    bands: Mapping[str, Mapping[str, float]]
    no_match_precision: float | None
    no_match_recall: float | None
    calibration: Sequence[Mapping[str, float]]
    ece: float | None
    recommendations: Mapping[str, Any]
    confusions: Sequence[Mapping[str, Any]]
    index: Mapping[str, Any]
    settings: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "corpus": self.corpus, "queries": self.queries, "answerable": self.answerable,
            "unanswerable": self.unanswerable, "top1": _r(self.top1), "top3": _r(self.top3),
            "bands": {k: {kk: _r(vv) for kk, vv in v.items()} for k, v in self.bands.items()},
            "no_match": {"precision": _r(self.no_match_precision), "recall": _r(self.no_match_recall)},
            "calibration": [{k: _r(v) for k, v in row.items()} for row in self.calibration],
            "ece": _r(self.ece), "recommendations": dict(self.recommendations),
            "confusions": [dict(c) for c in self.confusions], "index": dict(self.index),
            "settings": dict(self.settings),
        }

    def to_markdown(self) -> str:
        f = lambda x: "–" if x is None else f"{x:.3f}"  # noqa: E731
        lines = [f"# FAQ evaluation: {self.corpus}", "",
                 f"{self.queries} labelled questions: {self.answerable} answerable by an entry, "
                 f"{self.unanswerable} that no entry answers.", "",
                 "| measure | value |", "|---|---|",
                 f"| top-1 accuracy (answerable questions) | {f(self.top1)} |",
                 f"| top-3 accuracy (answerable questions) | {f(self.top3)} |",
                 f"| no-match precision (band `no_match` on a question no entry answers) | {f(self.no_match_precision)} |",
                 f"| no-match recall (questions no entry answers that got `no_match`) | {f(self.no_match_recall)} |",
                 f"| expected calibration error | {f(self.ece)} |",
                 f"| self-test accuracy (held-out FAQ paraphrases) | {f(self.index.get('self_test', {}).get('accuracy'))} |",
                 *([f"| English second opinion (held-out English paraphrases: with / without) | "
                    f"{f(so['accuracy'])} / {f(so['accuracy_without'])} |"]
                   if (so := self.index.get("self_test", {}).get("second_opinion")) else []),
                 *([f"| second opinion | {self.index['second_opinion']['status']} |"]
                   if self.index.get("second_opinion") else []),
                 *([f"| learned from the log {self.index['log']['source']} | {self.index['log']['added']} extra paraphrases "
                    f"from {self.index['log']['used']} of {self.index['log']['rows']} messages "
                    f"({self.index['log']['skipped']} skipped) |"] if self.index.get("log") else []),
                 "", "## Bands", "", "| band | share of questions | top-1 right (answerable) | no entry answers |",
                 "|---|---|---|---|"]
        for band, v in self.bands.items():
            lines.append(f"| {band} | {v['share']:.1%} | {f(v.get('accuracy'))} | {int(v.get('unanswerable', 0))} |")
        lines += ["", "## Calibration (answerable questions)", "",
                  "| confidence | questions | mean confidence | accuracy |", "|---|---|---|---|"]
        for row in self.calibration:
            lines.append(f"| {row['low']:.1f}–{row['high']:.1f} | {int(row['n'])} | {row['confidence']:.3f} | "
                         f"{row['accuracy']:.3f} |")
        lines += ["", "## Recommended settings", ""]
        rec = self.recommendations
        if rec.get("toml"):
            lines += ["```toml", "[matching]", *rec["toml"], "```", ""]
        lines += [f"- {note}" for note in rec.get("notes", [])]
        if self.confusions:
            lines += ["", "## Most frequent confusions", "", "| expected | matched instead | questions |", "|---|---|---|"]
            lines += [f"| {c['expected']} | {c['matched']} | {c['count']} |" for c in self.confusions]
        return "\n".join(lines) + "\n"


def _r(x: Any) -> Any:
    return None if x is None else round(float(x), 4)


def evaluate_corpus(corpus_path: str | Path, queries_path: str | Path, *, embedder: Any = None,
                    settings: Any = None, log: Any = None) -> EvaluationReport:
    """Evaluate the corpus at ``corpus_path`` against the labelled questions in ``queries_path``.

    ``embedder`` defaults to the cached e5-small embedder (or the one named in ``settings``);
    ``settings`` may be :class:`~replyassist.matching.MatchSettings`, the full
    :class:`~replyassist.settings.Settings`, a mapping, a settings file path, or ``None``.
    ``log``: past unlabelled messages (CSV/JSONL path, list) the matcher learns from first
    (:mod:`replyassist.log_learning`); the report's ``index`` then says how many were added. The
    log must not contain the labelled questions, or the figures are optimistic.
    """
    from .corpus import load_corpus

    corpus = load_corpus(corpus_path)
    queries = load_queries(queries_path)
    match_settings, embedder_name, cache_dir = _resolve_settings(settings)
    if embedder is None:
        from .embeddings import CachedEmbedder, get_embedder
        embedder = CachedEmbedder(get_embedder(embedder_name))
    index = FaqIndex(corpus, embedder, match_settings, cache_dir=cache_dir)
    # the message pipeline of suggest(): the same cleaning, length limit, language hints and matching
    pipeline = AnalysisPipeline.for_corpus(corpus, embedder=embedder, index=index, signals=False,
                                           settings=_pipeline_settings(settings))
    learned = None
    if log is not None:
        from .gaps import read_messages
        from .log_learning import learn_index_from_log
        log = read_messages(log)  # read once: checked here, learned from below
        overlap = {q.text.strip() for q in queries} & {r.text.strip() for r in log.rows}
        if overlap:
            raise DataError(Errors.E408, n_overlap=len(overlap), overlap=sorted(overlap)[0])
        learned = learn_index_from_log(index, log, pipeline=pipeline)
    report = evaluate_index(index, queries, name=getattr(corpus, "name", str(corpus_path)), pipeline=pipeline)
    if learned is not None:
        report = replace(report, index={**report.index, "log": learned.to_dict() | {"skipped": len(learned.skipped)}})
    return report


def _pipeline_settings(settings: Any) -> PipelineSettings:
    """The pipeline settings of the full settings (defaults for ``None`` or bare ``MatchSettings``)."""
    if settings is None or isinstance(settings, MatchSettings):
        return PipelineSettings()
    return PipelineSettings.from_settings(settings)


def _resolve_settings(settings: Any) -> tuple[MatchSettings, str, Path | None]:
    if settings is None:
        return MatchSettings(), "e5-small", None
    if isinstance(settings, MatchSettings):
        return settings, "e5-small", None
    from .settings import load_settings
    s = load_settings(settings)
    cache = Path(s.cache_dir) / "index" if s.cache_dir else None
    return s.matching, s.embedder, cache


def evaluate_index(index: FaqIndex, queries: Sequence[LabelledQuery], *, name: str = "corpus",
                   batch_size: int = 64, pipeline: AnalysisPipeline | None = None) -> EvaluationReport:
    """Evaluate a built index (the API behind :func:`evaluate_corpus`).

    Each question goes through the message pipeline of :meth:`ReplyAssistant.suggest`
    (``pipeline``; default: one around ``index`` with the default settings): cleaned, its language
    detected (its ``language`` field is the customer-language hint), encoded with its sentences in
    one call, matched. ``batch_size`` is not used any more (the embedder batches); kept for callers.
    """
    known = {e.id for e in index.entries}
    unknown = sorted({q.faq_id for q in queries if q.faq_id is not None and q.faq_id not in known})
    if unknown:
        lines = [f"line {q.line}: {q.faq_id!r}" for q in queries if q.faq_id in unknown][:20]
        raise DataError(Errors.E406, n=len(unknown), values=", ".join(lines))
    if pipeline is None:
        pipeline = AnalysisPipeline.for_corpus(index.corpus, embedder=index.embedder, index=index, signals=False)
    res = pipeline.run([MessageInput.from_tag(q.text, q.language) for q in queries], signals=False)
    bad = [f"line {q.line}: {a.message}" for q, a in zip(queries, res.analyses) if isinstance(a, ReplyAssistError)]
    if bad:
        raise DataError(Errors.E421, n=len(bad), questions="; ".join(bad[:20]))
    results = [a.match for a in res.ok]
    return _report(index, queries, results, name)


def _report(index: FaqIndex, queries: Sequence[LabelledQuery], results: Sequence[MatchResult],
            name: str) -> EvaluationReport:
    ans = np.array([q.faq_id is not None for q in queries])
    top1 = np.array([bool(r.matches) and r.matches[0].faq_id == q.faq_id for q, r in zip(queries, results)])
    top3 = np.array([q.faq_id in [m.faq_id for m in r.matches[:3]] for q, r in zip(queries, results)])
    conf = np.array([r.confidence for r in results])
    sim = np.array([r.similarity for r in results])
    band = np.array([r.band for r in results])
    n = len(queries)
    bands: dict[str, dict[str, float]] = {}
    for b in ("confident", "suggest", "no_match"):
        m = band == b
        bands[b] = {"share": float(m.mean()), "count": int(m.sum()), "unanswerable": int((m & ~ans).sum()),
                    "accuracy": float(top1[m & ans].mean()) if (m & ans).any() else None}  # type: ignore[dict-item]
    nm = band == "no_match"
    prec = float((~ans[nm]).mean()) if nm.any() and (~ans).any() else None
    rec = float(nm[~ans].mean()) if (~ans).any() else None
    calib: list[dict[str, float]] = []
    ece = None
    if ans.any():
        edges = (0.0, 0.2, 0.4, 0.6, 0.8, 0.9, 1.0)
        ece = 0.0
        for lo, hi in zip(edges[:-1], edges[1:]):
            m = ans & (conf >= lo) & ((conf < hi) if hi < 1.0 else (conf <= hi))
            if m.any():
                calib.append({"low": lo, "high": hi, "n": int(m.sum()), "confidence": float(conf[m].mean()),
                              "accuracy": float(top1[m].mean())})
                ece += m.sum() / ans.sum() * abs(float(conf[m].mean()) - float(top1[m].mean()))
    confusions: dict[tuple[str, str], int] = {}
    for q, r, ok in zip(queries, results, top1):
        if q.faq_id is not None and not ok and r.matches:
            key = (q.faq_id, r.matches[0].faq_id)
            confusions[key] = confusions.get(key, 0) + 1
    conf_list = [{"expected": a, "matched": b, "count": c}
                 for (a, b), c in sorted(confusions.items(), key=lambda kv: (-kv[1], kv[0]))[:10]]
    return EvaluationReport(
        corpus=name, queries=n, answerable=int(ans.sum()), unanswerable=int((~ans).sum()),
        top1=float(top1[ans].mean()) if ans.any() else None, top3=float(top3[ans].mean()) if ans.any() else None,
        bands=bands, no_match_precision=prec, no_match_recall=rec, calibration=calib, ece=ece,
        recommendations=_recommend(index, ans, top1, conf, sim), confusions=conf_list,
        index=index.describe(), settings=index.settings.to_dict())


def _recommend(index: FaqIndex, ans: np.ndarray, top1: np.ndarray, conf: np.ndarray, sim: np.ndarray,
               target: float = 0.95) -> dict[str, Any]:
    """Thresholds from the labelled questions: ``confident`` for ``target`` accuracy, ``min_similarity`` by F1."""
    notes: list[str] = []
    toml: list[str] = []
    s = index.settings
    if ans.sum() >= 20:
        best = None
        for thr in np.round(np.arange(0.5, 0.991, 0.01), 2):
            m = ans & (conf >= thr)
            if m.sum() >= 10 and top1[m].mean() >= target:
                best = float(thr)
                break
        if best is not None:
            cover = float((ans & (conf >= best)).sum() / ans.sum())
            toml.append(f"confident = {best:.2f}")
            notes.append(f"`confident = {best:.2f}`: the lowest threshold at which the top match was right for at least "
                         f"{target:.0%} of your answerable questions; it covers {cover:.0%} of them "
                         f"(now {s.confident:.2f}).")
        else:
            notes.append(f"No confidence threshold reached {target:.0%} accuracy on your questions: add paraphrases "
                         "to the entries in the confusion list below.")
    else:
        notes.append("Fewer than 20 answerable questions: too few to recommend a `confident` threshold.")
    if (~ans).sum() >= 10 and ans.sum() >= 10:
        cands = np.unique(sim)
        mids = np.concatenate([[cands[0] - 1e-6], (cands[:-1] + cands[1:]) / 2])
        f1s = []
        for t in mids:
            pred = sim < t
            tp = int((pred & ~ans).sum())
            fp = int((pred & ans).sum())
            fn = int((~pred & ~ans).sum())
            f1s.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
        k = int(np.argmax(f1s))
        toml.append(f"min_similarity = {mids[k]:.3f}")
        current = index.min_similarity
        notes.append(f"`min_similarity = {mids[k]:.3f}` separates questions no entry answers from the others best "
                     f"on your data (F1 {f1s[k]:.2f}); now {'learned ' if s.min_similarity is None else ''}"
                     f"{'none' if current is None else f'{current:.3f}'}. Fitted on these questions: "
                     "check it on questions you did not use here.")
    else:
        notes.append("Add at least 10 questions that no entry answers (faq_id empty) to get a `min_similarity` "
                     "recommendation and no-match precision/recall.")
    return {"toml": toml, "notes": notes, "target_accuracy": target}
