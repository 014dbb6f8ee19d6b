"""Let the FAQ index learn from a log of past, *unlabelled* customer messages.

Reads the log with :mod:`replyassist.gaps`'s reader and runs it through the message pipeline
(:mod:`replyassist.pipeline`: cleaning, length limit, language with hints, one encode) around
:meth:`replyassist.matching.FaqIndex.learn_from_log`, which adds the clearest matches of the
log to their entries as extra paraphrases. Measured (docs/matching.md): Banking77 with 3
paraphrases per intent 0.732 -> 0.764 top-1 with 5,000 unlabelled past queries.

Used by :meth:`replyassist.ReplyAssistant.learn_from_log` and ``replyassist evaluate --log``.

>>> from replyassist import ReplyAssistant                                # doctest: +SKIP
>>> ra = ReplyAssistant.from_corpus("faq_corpus/shop")                    # doctest: +SKIP
>>> ra.learn_from_log("examples/messages_log.csv").added > 0              # doctest: +SKIP
True
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from .errors import DataError, Errors

__all__ = ["LogLearning", "learn_index_from_log"]


@dataclass(frozen=True)
class LogLearning:
    """What :func:`learn_index_from_log` did: rows read, rows skipped (with why), paraphrases added."""

    source: str
    rows: int
    used: int
    added: int
    skipped: tuple[dict[str, Any], ...] = field(default_factory=tuple)

    def to_dict(self) -> dict[str, Any]:
        return {"source": self.source, "rows": self.rows, "used": self.used, "added": self.added,
                "skipped": list(self.skipped)}


def learn_index_from_log(index: Any, source: Any, *, pipeline: Any = None, text_column: str | None = None,
                         keep: float = 0.7, max_messages: int = 5000,
                         progress: Callable[[int, int], None] | None = None) -> LogLearning:
    """Read ``source`` (CSV/JSONL path, list of strings or dicts, DataFrame), run its messages through
    the message pipeline (:class:`replyassist.pipeline.AnalysisPipeline`: the same cleaning, length
    limit, language detection with hints and ONE encode as :meth:`ReplyAssistant.suggest`), and call
    ``index.learn_from_log`` with the message vectors. ``pipeline``: the assistant's (default: one
    around ``index`` with the default settings; a ``language`` column of the log is the customer's
    language or locale hint). Every unusable row is reported in :attr:`LogLearning.skipped` with its
    row number; none is dropped silently.
    """
    from .gaps import read_messages
    from .pipeline import AnalysisPipeline, MessageAnalysis, MessageInput

    if pipeline is None:
        pipeline = AnalysisPipeline.for_corpus(getattr(index, "corpus", None), embedder=index.embedder, index=index,
                                               signals=False)
    log = read_messages(source, text_column=text_column)
    skipped = [b.to_dict() for b in log.bad]
    inputs = [MessageInput.from_tag(row.text, row.language, channel=row.channel) for row in log.rows]

    def factory(stage: str, total: int) -> Callable[..., None]:
        if stage != "encoding" or progress is None:
            return lambda *a: None
        return lambda done, *a: progress(int(done), total)
    res = pipeline.run(inputs, match=False, signals=False, progress=factory if progress else None)
    texts: list[str] = []
    langs: list[str | None] = []
    rows: list[np.ndarray] = []
    for row, a in zip(log.rows, res.analyses):
        if not isinstance(a, MessageAnalysis):  # empty or unreadable text: report the row, go on
            skipped.append({"row": row.row, "line": row.line, "reason": str(a), "preview": row.text[:60]})
            continue
        if not a.prepared.clean.strip():
            skipped.append({"row": row.row, "line": row.line, "reason": "nothing left to match after cleaning",
                            "preview": row.text[:60]})
            continue
        rows.append(a.vector)
        texts.append(a.matched_text)
        langs.append(a.language.language)
    if log.total and not texts:
        raise DataError(Errors.E407, source=log.source, total=log.total,
                        problem=skipped[0]['reason'] if skipped else 'unknown')
    vecs = np.zeros((0, index.dim), np.float32)   # an empty log restores the corpus-only index
    if rows:
        vecs = np.asarray(np.stack(rows), dtype=np.float32)
    added = index.learn_from_log(vecs, languages=langs, keep=keep, max_messages=max_messages)
    return LogLearning(source=log.source, rows=log.total, used=len(texts), added=int(added),
                       skipped=tuple(sorted(skipped, key=lambda d: d.get("row") or 0)))
