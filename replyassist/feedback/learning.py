"""Learning from agents: their decisions become labelled paraphrases, gap verdicts and test questions.

- :class:`FeedbackLearner`: every message an agent answered from an entry (``accepted``,
  ``edited``, ``chose_other``) is added to that entry as a labelled paraphrase, in its language,
  the way :meth:`replyassist.matching.FaqIndex.learn_from_log` adds pseudo-labelled messages:
  the whitening, centroids and softmax head are refitted on the corpus's paraphrases plus these,
  the shown questions, the no-match similarity and the calibration stay the corpus's own. The
  agent's newest decision on the same (masked) text wins. Unlike ``learn_from_log`` the label is
  the agent's, not the matcher's guess, so a correction teaches the matcher something it got wrong.
- :func:`feedback_gap_report`: the FAQ-gap analysis over the stored messages, where the agent's
  "no FAQ answers this" overrides the matcher's band (and an answered message counts as answered).
- :func:`feedback_queries`: the store as labelled questions for ``replyassist evaluate``.

>>> learner = FeedbackLearner(assistant.index)                     # doctest: +SKIP
>>> learner.refresh(store)                                         # doctest: +SKIP
12
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import numpy as np

from ..errors import InputError
from ._record import LEARNED_ACTIONS, FeedbackRecord

__all__ = ["FeedbackLearner", "learning_text", "feedback_queries", "feedback_gap_report", "VerdictIndex"]

_MASK = re.compile(r"\[(?:EMAIL|PHONE|ORDER_ID|IBAN|CARD|URL|NAME)\]")


def learning_text(masked_message: str) -> str | None:
    """The text a stored (masked) message is learned and matched as: cleaned like an incoming message
    (:func:`replyassist.text.prepare_message`), the mask tokens removed. ``None`` when nothing is left."""
    from ..text import prepare_message
    t = " ".join(_MASK.sub(" ", masked_message).split())
    if not t:
        return None
    try:
        return prepare_message(t).clean or None
    except InputError:
        return None


@dataclass
class _Item:
    vector: np.ndarray
    entry: int
    language: str | None
    record_id: int


class FeedbackLearner:
    """Labelled paraphrases from agents' decisions, fitted into a :class:`~replyassist.matching.FaqIndex`.

    ``add(records)`` encodes (batched) the new records' messages; ``apply()`` refits the index's
    scorer on the corpus's paraphrases plus every labelled message; ``refresh(store)`` does both
    for the records stored since the last call. Records whose entry is not in the corpus (a
    renamed or deleted entry) are counted in ``unknown_entries`` and not used.
    """

    def __init__(self, index: Any, *, batch_size: int = 64) -> None:
        self.index = index
        self.batch_size = batch_size
        self._entry_of = {e.id: k for k, e in enumerate(index.entries)}
        self._items: dict[str, _Item] = {}
        self.last_id = 0
        self.unknown_entries = 0
        self.applied = 0

    def __len__(self) -> int:
        return len(self._items)

    def add(self, records: Sequence[FeedbackRecord], *, vectors: np.ndarray | None = None) -> int:
        """Take the learnable records (``vectors``: their messages' vectors, if already encoded); returns how many."""
        todo: list[tuple[str, FeedbackRecord]] = []
        rows: list[int] = []
        for i, r in enumerate(records):
            self.last_id = max(self.last_id, int(r.id or 0))
            if r.action not in LEARNED_ACTIONS or not r.label:
                continue
            if r.label not in self._entry_of:
                self.unknown_entries += 1
                continue
            t = learning_text(r.message)
            if t:
                todo.append((t, r))
                rows.append(i)
        if not todo:
            return 0
        if vectors is None:
            texts = [t for t, _ in todo]
            chunks = [np.asarray(self.index.embedder.encode(texts[i:i + self.batch_size]), dtype=np.float32)
                      for i in range(0, len(texts), self.batch_size)]
            vecs = np.concatenate(chunks)
        else:
            vecs = np.asarray(vectors, dtype=np.float32)[rows]
        for (t, r), v in zip(todo, vecs):
            self._items[t] = _Item(v, self._entry_of[str(r.label)], r.language, int(r.id or 0))
        return len(todo)

    def apply(self) -> int:
        """Refit the index on the corpus's paraphrases plus the labelled messages; returns how many are in."""
        from ..matching.scoring import EntryScorer, blas_threads
        idx = self.index
        items = list(self._items.values())
        if not items:
            idx.scorer, idx.log_paraphrases = idx.base_scorer, 0
            self.applied = 0
            return 0
        q = np.stack([it.vector for it in items])
        with blas_threads(idx.settings.blas_threads):
            q = idx._apply_maps(q, [it.language for it in items])   # cross-lingual maps, as search() applies them
            vecs = np.concatenate([idx.para_vecs, q.astype(np.float32)])
            owner = np.concatenate([idx.para_entry, np.array([it.entry for it in items], dtype=np.int64)])
            group = np.concatenate([idx.para_group, np.zeros(len(items), dtype=idx.para_group.dtype)])
            scorer = EntryScorer(vecs, owner, len(idx.entries), **dict(idx._scorer_kw, para_group=group))
        idx.scorer, idx.log_paraphrases = scorer, len(items)
        self.applied = len(items)
        return len(items)

    def reset(self) -> None:
        """Forget every labelled paraphrase: the index is the corpus's own again."""
        self._items.clear()
        self.last_id = 0
        self.unknown_entries = 0
        self.apply()

    def refresh(self, store: Any, *, limit: int | None = None) -> int:
        """Learn the records stored since the last refresh (every worker sees every worker's); returns
        the number of new labelled paraphrases (the index is refitted only when there are some)."""
        recs = store.records(since_id=self.last_id, actions=list(LEARNED_ACTIONS), limit=limit)
        added = self.add(recs)
        if added:
            self.apply()
        return added

    def describe(self) -> dict[str, Any]:
        """Labelled paraphrases per language and per entry (for ``/desk/api/stats`` and the docs)."""
        per_lang: dict[str, int] = {}
        per_entry: dict[str, int] = {}
        for it in self._items.values():
            per_lang[it.language or "?"] = per_lang.get(it.language or "?", 0) + 1
            eid = self.index.entries[it.entry].id
            per_entry[eid] = per_entry.get(eid, 0) + 1
        return {"labelled_paraphrases": len(self._items), "languages": dict(sorted(per_lang.items())),
                "entries": dict(sorted(per_entry.items(), key=lambda kv: -kv[1])),
                "unknown_entries": self.unknown_entries, "last_record": self.last_id}


def feedback_queries(records: Sequence[FeedbackRecord], known_ids: set[str] | None = None) -> list[Any]:
    """Agents' decisions as labelled questions (:class:`replyassist.evaluation.LabelledQuery`):
    the chosen entry, or no entry for ``no_faq``. Skipped records and entries not in ``known_ids``
    are left out; the newest decision on the same text wins."""
    from ..evaluation import LabelledQuery
    by_text: dict[str, LabelledQuery] = {}
    for r in records:
        if r.action == "no_faq":
            label = None
        elif r.action in LEARNED_ACTIONS and r.label and (known_ids is None or r.label in known_ids):
            label = r.label
        else:
            continue
        t = learning_text(r.message)
        if t:
            by_text[t] = LabelledQuery(text=t, faq_id=label, language=r.language, line=int(r.id or 0))
    return list(by_text.values())


class VerdictIndex:
    """An index whose band is the agent's where the agent decided: ``no_faq`` -> ``no_match``; an
    answered message -> ``confident`` on the chosen entry (used by :func:`feedback_gap_report`)."""

    def __init__(self, index: Any, verdicts: dict[str, str | None]) -> None:
        self.index = index
        self.verdicts = verdicts

    def __getattr__(self, name: str) -> Any:
        return getattr(self.index, name)

    def search(self, vectors: Any, *, texts: Sequence[str] | None = None, **kw: Any) -> list[Any]:
        from dataclasses import replace
        out = self.index.search(vectors, texts=texts, **kw)
        if texts is None:
            return out
        res = []
        for t, r in zip(texts, out):
            if t in self.verdicts:
                v = self.verdicts[t]
                if v is None:
                    r = replace(r, band="no_match")
                else:
                    ms = sorted(r.matches, key=lambda m: m.faq_id != v)
                    r = replace(r, band="confident", matches=tuple(ms), confidence=max(r.confidence, 0.99))
            res.append(r)
        return res


def feedback_gap_report(records: Sequence[FeedbackRecord], corpus: Any, *, index: Any = None, embedder: Any = None,
                        settings: Any = None, progress: bool | Callable[..., None] = False, **kwargs: Any) -> Any:
    """The FAQ-gap report (:func:`replyassist.gaps.analyze_gaps`) over the stored messages, with the
    agents' verdicts: "no FAQ answers this" is a gap whatever the matcher thought (``kwargs`` go to
    ``analyze_gaps``, e.g. ``signals=False``, ``cache_dir``)."""
    from ..gaps import analyze_gaps
    if not hasattr(corpus, "entries"):
        from ..corpus import load_corpus
        corpus = load_corpus(corpus)
    if embedder is None:
        from ..embeddings import CachedEmbedder, get_embedder
        embedder = index.embedder if index is not None else CachedEmbedder(get_embedder("e5-small"))
    if index is None:
        from ..matching import FaqIndex
        index = FaqIndex(corpus, embedder)
    rows, verdicts = [], {}
    for r in records:
        if r.action == "skipped":
            continue
        t = learning_text(r.message)
        if not t:
            continue
        rows.append({"text": t, "language": r.language, "channel": r.channel, "id": str(r.id),
                     "timestamp": r.created_at.isoformat() if r.created_at else None})
        verdicts[t] = None if r.action == "no_faq" else r.label
    return analyze_gaps(rows, corpus, index=VerdictIndex(index, verdicts), embedder=embedder, settings=settings,
                        progress=progress, **kwargs)
