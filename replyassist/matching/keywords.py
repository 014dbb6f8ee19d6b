"""Keywords: the keyword boost of FAQ matching, BM25 over each entry's paraphrases (and tags).

Embeddings blur names and codes ("Packstation", "Foxpost", "KS-1234", "Klarna"); a small
keyword score added to the embedding score brings them back. Texts are folded first so that
customers' spelling variants meet the corpus's: lower case, Serbian Cyrillic read as Latin,
diacritics removed (``porudžbina`` = ``porudzbina``, ``Größe`` = ``grosse``), words cut to
their first ``stem`` letters (a crude stemmer that copes with inflected languages: ``csomagom``
and ``csomagot`` both become ``csomag``).

Scores are divided by one corpus-wide constant (the 95th percentile of the corpus's own
paraphrases' best scores), not per message: a per-message max normalisation made matching
worse in the measurements quoted in issue 8.

>>> kw = KeywordIndex([["Where is my Packstation parcel?"], ["How do I pay?"]])
>>> ents, vals = kw.scores(["Packstation delivery"])[0]
>>> ents.tolist()
[0]
"""
from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from functools import lru_cache
from typing import Sequence

import numpy as np

__all__ = ["keyword_tokens", "KeywordIndex", "dense"]

_WORD = re.compile(r"\w+", re.UNICODE)
_CYR = dict(zip("абвгдђежзијклљмнњопрстћуфхцчџш",
                ["a", "b", "v", "g", "d", "dj", "e", "z", "z", "i", "j", "k", "l", "lj", "m", "n", "nj", "o", "p",
                 "r", "s", "t", "c", "u", "f", "h", "c", "c", "dz", "s"]))
_SPECIAL = {"ß": "ss", "đ": "dj", "ø": "o", "æ": "ae", "ł": "l", "ı": "i"}
_STOP = {"the", "and", "you", "your", "can", "how", "what", "ich", "und", "die", "der", "das", "ist", "mein", "meine",
         "wie", "kann", "hogy", "van", "nem", "egy", "kako", "mogu", "moja", "moje", "moj", "li", "je", "da", "se",
         "is", "my", "do", "to", "of", "it", "in", "on", "for", "me", "an", "a", "i", "am", "are", "be", "es", "zu"}


def _fold(text: str) -> str:
    out = []
    for ch in text.lower():
        if ch in _CYR:
            out.append(_CYR[ch])
        elif ch in _SPECIAL:
            out.append(_SPECIAL[ch])
        else:
            out.append(ch)
    decomposed = unicodedata.normalize("NFKD", "".join(out))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def keyword_tokens(text: str, *, stem: int = 6) -> list[str]:
    """Folded, truncated word tokens of ``text`` (stop words and 1-letter words dropped).

    >>> keyword_tokens("Gde je moja porudžbina KS-1234?")
    ['gde', 'porudz', 'ks', '1234']
    """
    if len(text) <= _MEMO_CHARS:
        return list(_memo_tokens(text, stem))
    return list(_tokens(text, stem))


#: Texts up to this length (FAQ questions, short messages) are tokenised once per process: the
#: calibration builds a keyword index per cross-fitting fold over the same paraphrases (the folding
#: is per character, in Python). Longer texts are not kept (memory of a long-running service).
_MEMO_CHARS = 300


def _tokens(text: str, stem: int) -> tuple[str, ...]:
    toks = []
    for w in _WORD.findall(_fold(text)):
        if len(w) < 2 or w in _STOP or w == "_":
            continue
        toks.append(w if w.isdigit() else w[:stem])
    return tuple(toks)


_memo_tokens = lru_cache(maxsize=1 << 15)(_tokens)


class KeywordIndex:
    """BM25 over entries: ``docs[e]`` is the list of texts (paraphrases, tags) of entry ``e``.

    Words found in more than ``max(50, 2 %)`` of the entries are not indexed (no discrimination,
    long posting lists).
    """

    def __init__(self, docs: Sequence[Sequence[str]], *, k1: float = 1.2, b: float = 0.3, stem: int = 6) -> None:
        self.stem = stem
        self.k1 = k1
        counts = [Counter(t for text in d for t in keyword_tokens(text, stem=stem)) for d in docs]
        self.n = len(counts)
        df: Counter[str] = Counter()
        for c in counts:
            df.update(c.keys())
        lengths = np.array([sum(c.values()) for c in counts], dtype=np.float64)
        avg = float(lengths.mean()) if self.n and lengths.mean() > 0 else 1.0
        self.idf = {t: math.log(1.0 + (self.n - f + 0.5) / (f + 0.5)) for t, f in df.items()}
        self.postings: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        tmp: dict[str, list[tuple[int, float]]] = {}
        for e, c in enumerate(counts):
            norm = k1 * (1.0 - b + b * lengths[e] / avg)
            for t, tf in c.items():
                tmp.setdefault(t, []).append((e, tf * (k1 + 1.0) / (tf + norm)))
        # Words in very many entries discriminate little and cost the most (long posting lists):
        # on a 10,000-entry corpus they made keyword scoring 10x slower. They are left out.
        max_df = max(50, int(0.02 * self.n))
        for t, lst in tmp.items():
            if len(lst) > max_df:
                continue
            self.postings[t] = (np.array([e for e, _ in lst], dtype=np.int64),
                                np.array([w for _, w in lst], dtype=np.float64) * self.idf[t])
        self.scale = 1.0

    def scores(self, texts: Sequence[str]) -> list[tuple[np.ndarray, np.ndarray]]:
        """Per text, ``(entries, scores)`` for the entries sharing a keyword, divided by ``scale``."""
        out = []
        acc = np.zeros(self.n, dtype=np.float64)
        for text in texts:
            posts = [p for t in set(keyword_tokens(text, stem=self.stem)) if (p := self.postings.get(t)) is not None]
            if not posts:
                out.append((np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float64)))
                continue
            for ents, w in posts:
                acc[ents] += w          # entries are unique within one posting list
            hit = np.unique(np.concatenate([e for e, _ in posts]))
            out.append((hit, acc[hit] / self.scale))
            acc[hit] = 0.0
        return out

    def calibrate_scale(self, texts: Sequence[str], quantile: float = 0.95) -> float:
        """Set ``scale`` to the ``quantile`` of the best raw score of each of ``texts`` (the corpus's own)."""
        self.scale = 1.0
        best = [float(v.max()) if len(v) else 0.0 for _, v in self.scores(texts)]
        q = float(np.quantile(best, quantile)) if best else 0.0
        self.scale = q if q > 0 else 1.0
        return self.scale


def dense(sparse: Sequence[tuple[np.ndarray, np.ndarray]], n_entries: int) -> np.ndarray:
    """``(n, n_entries)`` array from :meth:`KeywordIndex.scores` output."""
    out = np.zeros((len(sparse), n_entries), dtype=np.float32)
    for i, (e, v) in enumerate(sparse):
        out[i, e] = v
    return out
