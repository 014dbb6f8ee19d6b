"""Alignment: cross-lingual maps applied to message vectors before matching (numpy only).

A multilingual embedder puts a German question and its English translation close together, but
not on top of each other: every language sits a little apart, and a German message against an
English-only FAQ loses accuracy (xSID: 0.95 top-1 for English questions, 0.84 for German ones).
An :class:`AlignmentMap` moves the vector of a message in language ``L`` towards where its
English translation would be::

    q' = normalise(q + q @ U @ V.T + offset)          (low rank; or q @ (I + D) + offset)

learned from parallel sentences (the same utterance in ``L`` and in English) by
:func:`fit_alignment`: ridge regression of the *difference* ``en - L`` on the centred ``L``
vectors, truncated to a low rank and scaled by ``strength``. ``models/alignment/train.py``
learns the shipped maps (``xsid``: de, sr, da, nl, it, lt from the xSID development split) and
:class:`~replyassist.matching.FaqIndex` applies them by default (``MatchSettings.language_alignment``).
:class:`LanguageMap` is the other kind: a per-language mean shift learned from *unlabelled*
messages by :meth:`FaqIndex.adapt <replyassist.matching.FaqIndex.adapt>` (or a ridge map from
parallel questions), applied on top of the alignment.

>>> rng = np.random.default_rng(0)
>>> en = l2_normalise(rng.normal(size=(40, 8)))
>>> de = l2_normalise(en + 0.3)                 # "German" = English plus a language offset
>>> m = fit_alignment(de, en, ridge=0.1, rank=0, language="de")
>>> bool((m.apply(de) * en).sum(1).mean() > (de * en).sum(1).mean())
True
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, cast

import numpy as np

from ..errors import ConfigError, Errors
from .scoring import blas_threads, l2_normalise

__all__ = ["AlignmentMap", "AlignmentSet", "LanguageMap", "fit_alignment", "load_alignment", "read_alignment",
           "save_alignment", "resolve_alignment_path", "ALIGNMENT_SETS", "MODELS_DIR"]

MODELS_DIR = Path(__file__).resolve().parent.parent / "models" / "alignment"
#: Shipped alignment sets: ``name -> file`` under ``replyassist/models/alignment``.
ALIGNMENT_SETS = {"xsid": "xsid_maps.npz"}


@dataclass(frozen=True)
class AlignmentMap:
    """One language's map towards English: ``q -> normalise(q + q @ U @ V.T + offset)``.

    ``u``/``v`` are ``(dim, rank)``; a full-rank map stores ``D`` as ``u`` with ``v = None``
    (``q + q @ D + offset``). ``source`` is the language it was learned for.
    """

    source: str
    offset: np.ndarray
    u: np.ndarray
    v: np.ndarray | None = None
    target: str = "en"
    info: Mapping[str, Any] = field(default_factory=dict)

    @property
    def dim(self) -> int:
        return int(self.offset.shape[0])

    @property
    def rank(self) -> int:
        return int(self.u.shape[1]) if self.v is not None else self.dim

    def apply(self, q: np.ndarray) -> np.ndarray:
        """Map message vectors ``(n, dim)`` (unit length in, unit length out)."""
        x = np.asarray(q, dtype=np.float32)
        if x.ndim == 1:
            x = x[None, :]
        if x.shape[1] != self.dim:
            raise ValueError(f"alignment map for {self.source!r} has dimension {self.dim}, vectors have {x.shape[1]}")
        delta = (x @ self.u) @ self.v.T if self.v is not None else x @ self.u
        return l2_normalise(x + delta + self.offset)


def fit_alignment(source: np.ndarray, target: np.ndarray, *, ridge: float = 1.0, rank: int = 0,
                  strength: float = 1.0, center: bool = True, language: str = "xx",
                  method: str = "ridge") -> AlignmentMap:
    """Learn a map from ``source`` vectors (one language) to ``target`` vectors (their translations).

    - ``method="ridge"``: ``D = (Xc'Xc + ridge I)^-1 Xc'(Yc - Xc)`` (shrunk towards the identity
      map), ``Xc``/``Yc`` centred on their means when ``center``; the offset carries the means.
    - ``method="procrustes"``: the orthogonal ``R`` nearest to ``Xc'Yc``; ``D = R - I``.
    - ``method="shift"``: only the offset ``mean(Y) - mean(X)`` (no matrix).

    ``rank > 0`` keeps the ``rank`` leading singular directions of ``D`` (smaller file, less
    overfitting); ``strength`` in (0, 1] scales the whole correction (``q + strength * (map(q) - q)``).
    Deterministic.
    """
    with blas_threads(1):   # small dense algebra: one thread is fastest on a busy machine
        return _fit_alignment(source, target, ridge=ridge, rank=rank, strength=strength, center=center,
                              language=language, method=method)


def _svd(m: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """SVD; falls back to LAPACK gesvd (scipy) when numpy's divide-and-conquer does not converge."""
    try:
        return np.linalg.svd(m)
    except np.linalg.LinAlgError:
        from scipy.linalg import svd  # training-time only
        return svd(m, lapack_driver="gesvd")


def _fit_alignment(source: np.ndarray, target: np.ndarray, *, ridge: float, rank: int, strength: float,
                   center: bool, language: str, method: str) -> AlignmentMap:
    x = l2_normalise(source).astype(np.float64)
    y = l2_normalise(target).astype(np.float64)
    if x.shape != y.shape or x.ndim != 2 or len(x) < 2:
        raise ValueError(f"fit_alignment needs two (n, dim) arrays of the same shape with n >= 2, got {x.shape}, {y.shape}")
    d = x.shape[1]
    mx, my = (x.mean(axis=0), y.mean(axis=0)) if center else (np.zeros(d), np.zeros(d))
    xc, yc = x - mx, y - my
    if method == "ridge":
        dm = np.linalg.solve(xc.T @ xc + ridge * np.eye(d), xc.T @ (yc - xc))
    elif method == "procrustes":
        a, _, bt = _svd(xc.T @ yc)
        dm = a @ bt - np.eye(d)
    elif method == "shift":
        dm = np.zeros((d, d))
    else:
        raise ValueError(f"unknown alignment method {method!r}")
    dm *= strength
    u: np.ndarray
    v: np.ndarray | None
    if rank and rank < d and method != "shift":
        a, s, bt = _svd(dm)
        u, v = a[:, :rank] * s[:rank], bt[:rank].T
        dm_eff = u @ v.T
    elif method == "shift":
        u, v = np.zeros((d, 1)), np.zeros((d, 1))
        dm_eff = np.zeros((d, d))
    else:
        u, v, dm_eff = dm, None, dm
    # q + strength * ((q - mx) @ D + my - q) = q + q @ (strength D) + strength * (my - mx - mx @ D)
    offset = strength * (my - mx) - mx @ dm_eff
    info = {"method": method, "ridge": float(ridge), "rank": int(rank), "strength": float(strength),
            "center": bool(center), "pairs": int(len(x))}
    return AlignmentMap(source=language, offset=offset.astype(np.float32), u=u.astype(np.float32),
                        v=None if v is None else v.astype(np.float32), info=info)


@dataclass(frozen=True)
class AlignmentSet:
    """The maps of one alignment set: ``maps[language]``, plus ``aliases`` (e.g. ``hr -> sr``:
    Croatian messages use the Serbian map), the file's ``version`` and the ``embedder`` family
    the maps were learned for (they are applied only to that embedder's vectors)."""

    name: str
    maps: Mapping[str, AlignmentMap]
    aliases: Mapping[str, str]
    version: str
    embedder: str = "e5-small"

    def fits(self, model_id: str) -> bool:
        """Whether the maps were learned for this embedder (its ``model_id`` names the family)."""
        return self.embedder in model_id

    def for_language(self, language: str | None) -> AlignmentMap | None:
        """The map to apply to messages in ``language`` (``None`` for English/unknown languages)."""
        if not language:
            return None
        return self.maps.get(language) or self.maps.get(self.aliases.get(language, ""))

    def languages(self) -> list[str]:
        """Every message language a map applies to (aliases included)."""
        return sorted(set(self.maps) | {a for a, s in self.aliases.items() if s in self.maps})

    def source_of(self, language: str) -> str | None:
        """The language whose map serves ``language`` (itself, its alias target, or ``None``)."""
        if language in self.maps:
            return language
        s = self.aliases.get(language)
        return s if s in self.maps else None


def save_alignment(path: str | Path, maps: Mapping[str, AlignmentMap], aliases: Mapping[str, str],
                   dtype: Any = np.float16, embedder: str = "e5-small") -> str:
    """Write maps to an ``.npz`` (``dtype`` float16 by default); returns the version string."""
    import hashlib
    import json

    arrays: dict[str, np.ndarray] = {}
    for lang, m in sorted(maps.items()):
        arrays[f"{lang}.offset"] = m.offset.astype(np.float32)   # the offset stays float32 (tiny)
        arrays[f"{lang}.u"] = m.u.astype(dtype)
        if m.v is not None:
            arrays[f"{lang}.v"] = m.v.astype(dtype)
    h = hashlib.sha1()
    for k in sorted(arrays):
        h.update(k.encode())
        h.update(np.ascontiguousarray(arrays[k]).tobytes())
    h.update(json.dumps({"aliases": dict(aliases), "embedder": embedder}, sort_keys=True).encode())
    version = h.hexdigest()[:12]
    meta = {"languages": sorted(maps), "aliases": dict(aliases), "target": "en", "version": version,
            "embedder": embedder,
            "info": {lang: dict(m.info) for lang, m in maps.items()}}
    arrays["meta"] = np.asarray(json.dumps(meta, sort_keys=True))
    with open(path, "wb") as fh:
        np.savez_compressed(fh, **cast(dict[str, Any], arrays))
    return version


def read_alignment(path: str | Path, name: str | None = None) -> AlignmentSet:
    """Read an alignment ``.npz`` written by :func:`save_alignment`."""
    import json

    p = Path(path)
    try:
        with np.load(p, allow_pickle=False) as data:
            meta = json.loads(str(data["meta"]))
            maps = {}
            for lang in meta["languages"]:
                v = data[f"{lang}.v"].astype(np.float32) if f"{lang}.v" in data else None
                maps[lang] = AlignmentMap(source=lang, offset=data[f"{lang}.offset"].astype(np.float32),
                                          u=data[f"{lang}.u"].astype(np.float32), v=v,
                                          target=meta.get("target", "en"), info=meta.get("info", {}).get(lang, {}))
    except (OSError, KeyError, ValueError) as exc:
        raise ConfigError(Errors.E518, p=p, exc=exc) from None
    return AlignmentSet(name=name or p.stem, maps=maps, aliases=dict(meta.get("aliases", {})),
                        version=str(meta.get("version", "")), embedder=str(meta.get("embedder", "e5-small")))


_LOCK = threading.Lock()
_LOADED: dict[str, AlignmentSet] = {}


def resolve_alignment_path(name: str) -> Path:
    """The file of alignment set ``name`` (a shipped name such as ``"xsid"`` or a path to an ``.npz``)."""
    if name in ALIGNMENT_SETS:
        return MODELS_DIR / ALIGNMENT_SETS[name]
    if name.endswith(".npz"):
        return Path(name).expanduser()
    raise ConfigError(Errors.E517, ALIGNMENT_SETS=sorted(ALIGNMENT_SETS), name=name)


def load_alignment(name: str) -> AlignmentSet:
    """The alignment set ``name``, loaded once per process (thread-safe).

    >>> s = load_alignment("xsid")
    >>> s.for_language("de").dim, s.for_language("hr").source, s.for_language("en")
    (384, 'sr', None)
    """
    path = resolve_alignment_path(name)
    key = str(path)
    with _LOCK:
        got = _LOADED.get(key)
        if got is None:
            if not path.is_file():
                raise ConfigError(Errors.E519, path=path)
            got = read_alignment(path, name)
            _LOADED[key] = got
        return got


class LanguageMap:
    """An affine map applied to message vectors of one language before matching.

    ``q -> (q - source_mean) @ matrix + target_mean`` (``matrix=None`` is the identity: a
    mean shift). Two ways to learn one:

    - :meth:`from_unlabelled`: the mean of a sample of *unlabelled* messages in the language
      and the mean of the corpus paraphrases (no labels, no translations needed);
    - :meth:`from_parallel`: ridge regression from message vectors to the vectors of their
      translations (e.g. an FAQ's questions written in both languages), shrunk to the identity.

    >>> m = LanguageMap.from_unlabelled(np.eye(3)[:2], np.eye(3)[2:])
    >>> m.apply(np.eye(3)[:1]).shape
    (1, 3)
    """

    def __init__(self, source_mean: np.ndarray, target_mean: np.ndarray, matrix: np.ndarray | None = None,
                 *, n: int = 0, kind: str = "shift") -> None:
        self.source_mean = np.asarray(source_mean, dtype=np.float32)
        self.target_mean = np.asarray(target_mean, dtype=np.float32)
        self.matrix = None if matrix is None else np.asarray(matrix, dtype=np.float32)
        self.n = int(n)
        self.kind = kind

    def apply(self, q: np.ndarray) -> np.ndarray:
        x = np.asarray(q, dtype=np.float32) - self.source_mean
        if self.matrix is not None:
            x = x @ self.matrix
        return l2_normalise(x + self.target_mean)

    @classmethod
    def from_unlabelled(cls, messages: np.ndarray, corpus: np.ndarray) -> "LanguageMap":
        m = l2_normalise(messages)
        return cls(m.mean(axis=0), l2_normalise(corpus).mean(axis=0), n=len(m), kind="shift")

    @classmethod
    def from_parallel(cls, source: np.ndarray, target: np.ndarray, *, ridge: float = 0.3) -> "LanguageMap":
        x, y = l2_normalise(source).astype(np.float64), l2_normalise(target).astype(np.float64)
        mx, my = x.mean(axis=0), y.mean(axis=0)
        xc, yc = x - mx, y - my
        eye = np.eye(x.shape[1])
        a = np.linalg.solve(xc.T @ xc + ridge * eye, xc.T @ yc + ridge * eye)
        return cls(mx, my, a, n=len(x), kind="parallel")

    def to_arrays(self) -> dict[str, np.ndarray]:
        out = {"source_mean": self.source_mean, "target_mean": self.target_mean,
               "n": np.asarray(self.n), "kind": np.asarray(self.kind)}
        if self.matrix is not None:
            out["matrix"] = self.matrix
        return out

    @classmethod
    def from_arrays(cls, data: "dict[str, np.ndarray] | np.lib.npyio.NpzFile") -> "LanguageMap":
        matrix = data["matrix"] if "matrix" in data else None
        return cls(data["source_mean"], data["target_mean"], matrix, n=int(data["n"]), kind=str(data["kind"]))
