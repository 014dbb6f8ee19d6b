"""Hashed word and character n-gram features, and a linear model over them (numpy only).

Sentence vectors blur the small words that carry sentiment and abuse in tweets (``nije``,
``nem``, ``kein``, slang, emoticons, elongated letters). A linear model over hashed n-grams
sees them directly and costs about a tenth of a millisecond per message, so the sentiment
and moderation heads add one to their vector model (see ``models/sentiment/README.md``).

Features of a text (:func:`ngram_ids`): lower-cased, diacritics and Serbian Cyrillic folded
(:func:`~replyassist.signals._normalize.fold`), URLs, @mentions and numbers replaced by
placeholders (only the first :data:`MAX_CHARS` characters are read); then word unigrams and bigrams and character 2- to 5-grams inside
space-padded words, each hashed with CRC-32 into ``n_buckets`` buckets. Values are
``1 + log(count)``, L2-normalised per text. CRC-32 makes the ids stable across processes
and platforms (Python's ``hash`` is salted per process).

>>> ids, vals = ngram_ids("Nije dobro!!! :(", n_buckets=2**18)
>>> len(ids) == len(vals) and abs(float((vals ** 2).sum()) - 1.0) < 1e-6
True
>>> ngram_ids("Nije dobro!!! :(", n_buckets=2**18)[0].tolist() == ids.tolist()
True
"""
from __future__ import annotations

import math
import re
import unicodedata
import zlib
from collections import Counter
from functools import lru_cache
from pathlib import Path
from typing import Sequence

import numpy as np

from ..errors import Errors, InputError, ModelNotAvailableError
from ._normalize import fold

__all__ = ["ngram_ids", "NgramLinear", "ngram_matrix"]

_URL = re.compile(r"(?:https?://|www\.)\S+", re.I)
_MENTION = re.compile(r"@\w+")
_NUM = re.compile(r"\d+(?:[.,:]\d+)*")
_ELONG = re.compile(r"(\w)\1{2,}")
# words, runs of ! or ?, emoticons, and any other single non-space symbol (emoji)
_TOKEN = re.compile(r"\w+|[!?]+|[:;=8][-']?[()\[\]dDpP/\\|*]+|[()\[\]][-']?[:;=]|[^\w\s]", re.U)


def _tokens(text: str) -> list[str]:
    t = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")  # zero-width and direction marks
    t = _URL.sub(" xurlx ", t)
    t = _MENTION.sub(" xuserx ", t)
    t = _NUM.sub(" 0 ", t)
    t = fold(t)[0]
    toks = []
    for m in _TOKEN.finditer(t):
        tok = m.group(0)
        if tok[0] in "!?" and len(tok) > 3:
            tok = tok[:3]
        elif tok[0].isalnum():
            if _ELONG.search(tok):
                toks.append("xelongx")
                tok = _ELONG.sub(r"\1\1", tok)
        toks.append(tok)
    return toks


def _hash(s: str, n_buckets: int) -> int:
    return zlib.crc32(s.encode("utf-8")) % n_buckets


#: Only the first characters of a text are read (a pasted log file must not cost seconds).
MAX_CHARS = 5000


@lru_cache(maxsize=512)
def _grams(text: str, char_orders: tuple[int, int]) -> tuple[tuple[str, int], ...]:
    """The text's n-grams and counts (cached: sentiment and moderation read the same message)."""
    toks = _tokens(text[:MAX_CHARS])
    grams: Counter[str] = Counter()
    lo, hi = char_orders
    for i, tok in enumerate(toks):
        grams["w:" + tok] += 1
        if i:
            grams["b:" + toks[i - 1] + " " + tok] += 1
        if tok[0].isalnum() and len(tok) > 1:
            padded = f" {tok} "
            for n in range(lo, hi + 1):
                for j in range(len(padded) - n + 1):
                    grams["c:" + padded[j:j + n]] += 1
    return tuple(grams.items())


def ngram_ids(text: str, *, n_buckets: int, char_orders: tuple[int, int] = (2, 5)) -> tuple[np.ndarray, np.ndarray]:
    """Hashed feature ids (sorted, unique) and their L2-normalised values for one text."""
    grams = _grams(text, char_orders)
    if not grams:
        return np.zeros(0, np.int64), np.zeros(0, np.float32)
    acc: dict[int, float] = {}
    for g, c in grams:
        h = _hash(g, n_buckets)
        acc[h] = acc.get(h, 0.0) + 1.0 + math.log(c)
    ids = np.fromiter(sorted(acc), dtype=np.int64, count=len(acc))
    vals = np.array([acc[i] for i in ids.tolist()], dtype=np.float32)
    vals /= float(np.linalg.norm(vals)) or 1.0
    return ids, vals


def ngram_matrix(texts: Sequence[str], *, n_buckets: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """CSR parts ``(indptr, indices, data)`` of the n-gram features of many texts (for training)."""
    indptr = [0]
    idx_parts, val_parts = [], []
    for t in texts:
        ids, vals = ngram_ids(t, n_buckets=n_buckets)
        idx_parts.append(ids)
        val_parts.append(vals)
        indptr.append(indptr[-1] + len(ids))
    indices = np.concatenate(idx_parts) if idx_parts else np.zeros(0, np.int64)
    data = np.concatenate(val_parts) if val_parts else np.zeros(0, np.float32)
    return np.asarray(indptr, np.int64), indices, data


class NgramLinear:
    """A linear model over hashed n-grams: ``logits = x @ W + b`` with ``W`` of shape ``(n_buckets, k)``.

    Stored in an ``.npz`` under ``prefix`` (``{prefix}W``, ``{prefix}b``); ``W`` may be float16.
    """

    def __init__(self, W: np.ndarray, b: np.ndarray) -> None:
        if W.ndim != 2 or b.shape != (W.shape[1],):
            raise InputError(Errors.E125, shape=W.shape, shape_2=b.shape)
        self.W = W
        self.b = b.astype(np.float32)
        self.n_buckets = int(W.shape[0])

    @classmethod
    def from_npz(cls, z: "np.lib.npyio.NpzFile", prefix: str = "ngram_", path: Path | None = None) -> "NgramLinear":
        if f"{prefix}W" not in z:
            raise ModelNotAvailableError(Errors.E041, source=path or 'the model file', prefix=prefix)
        return cls(z[f"{prefix}W"], z[f"{prefix}b"])

    def logits(self, texts: Sequence[str]) -> np.ndarray:
        """``(n, k)`` logits (float64)."""
        out = np.empty((len(texts), self.W.shape[1]), dtype=np.float64)
        for r, t in enumerate(texts):
            ids, vals = ngram_ids(t, n_buckets=self.n_buckets)
            out[r] = vals.astype(np.float64) @ self.W[ids].astype(np.float64) + self.b if len(ids) else self.b
        return out
