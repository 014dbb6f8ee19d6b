"""The trained part of the detector: a hashed character n-gram naive Bayes model and a small
combiner (softmax regression / one-hidden-layer network) over its scores, the third-party
detectors' scores, the Serbian/Croatian/Bosnian markers and length/script features.

Both are numpy-only at run time; weights live in ``models/langid/langid.npz`` (float16).
The same feature code is used by the training script (``models/langid/train.py``), so
training and inference cannot drift apart.
"""
from __future__ import annotations

import math
import re
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import _backends as B
from .bcms import MARKER_KEYS, bcms_markers, to_latin
from .cleaning import script_counts

HASH_BITS = 18
NGRAM_MAX = 4
MAX_CHARS = 400
_TOKEN = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")

MODEL_DIR = Path(__file__).resolve().parent.parent / "models" / "langid"
MODEL_FILE = MODEL_DIR / "langid.npz"


def hashed_ngrams(text: str, bits: int = HASH_BITS) -> tuple[np.ndarray, np.ndarray]:
    """Hashed features of ``text``: character 1..4-grams of each padded word and the words.

    Returns (unique indices, counts). crc32 keeps hashing stable across processes.
    """
    mask = (1 << bits) - 1
    feats: dict[int, int] = {}
    toks = _TOKEN.findall(text[:MAX_CHARS].lower())
    crc = zlib.crc32
    for tok in toks:
        w = " " + tok + " "
        enc = w.encode("utf-8")
        h = crc(b"W" + enc) & mask
        feats[h] = feats.get(h, 0) + 1
        L = len(w)
        for n in range(1, NGRAM_MAX + 1):
            for i in range(0, L - n + 1):
                g = w[i:i + n]
                if g == " ":
                    continue
                h = crc(g.encode("utf-8")) & mask
                feats[h] = feats.get(h, 0) + 1
    if not feats:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
    idx = np.fromiter(feats.keys(), dtype=np.int64, count=len(feats))
    cnt = np.fromiter(feats.values(), dtype=np.float32, count=len(feats))
    return idx, cnt


def nb_scores(weights: np.ndarray, prior: np.ndarray, idx: np.ndarray, cnt: np.ndarray) -> np.ndarray:
    """Per-feature average log-likelihood ratio against the best class (<= 0), shape (n_labels,)."""
    if idx.size == 0:
        return np.zeros(weights.shape[1], dtype=np.float32)
    # sublinear counts: repeated n-grams in one message are not independent evidence
    c = np.log1p(cnt)
    s = c @ weights[idx].astype(np.float32) + prior
    s = s - s.max()
    return (s / max(float(c.sum()), 1.0)).astype(np.float32)


N_MARK = len(MARKER_KEYS)
# layout of the combiner input
FEATURE_BLOCKS = ("nb", "nb_lat", "fasttext", "lingua", "cld2", "extra")


def extra_features(text: str, n_letters: int, ft_sh: float, ft_other: float, marks: dict[str, int]) -> np.ndarray:
    sc = script_counts(text)
    tot = max(sum(sc.values()), 1)
    toks = _TOKEN.findall(text)
    v = [math.log1p(n_letters) / 6.0, min(len(toks), 30) / 30.0, 1.0 if len(toks) <= 1 else 0.0,
         1.0 if len(toks) == 2 else 0.0, sc.get("Latn", 0) / tot, sc.get("Cyrl", 0) / tot,
         sc.get("Grek", 0) / tot, ft_sh, ft_other]
    v += [math.log1p(marks[k]) for k in MARKER_KEYS]
    return np.asarray(v, dtype=np.float32)


N_EXTRA = 9 + N_MARK


@dataclass
class RawFeatures:
    """Everything the combiner needs except the naive Bayes scores (they depend on the fold)."""

    fasttext: np.ndarray
    lingua: np.ndarray
    cld2: np.ndarray
    extra: np.ndarray
    ft_all: dict[str, float]
    lex: np.ndarray | None = None


def raw_features(text: str, n_letters: int) -> RawFeatures:
    ft, sh, allp = B.fasttext_vec(text)
    other = max(0.0, 1.0 - float(sum(allp.values())) + sum(p for c, p in allp.items() if c not in B.LABEL_INDEX))
    marks = bcms_markers(text)
    return RawFeatures(ft, B.lingua_low(text), B.cld2_vec(text), extra_features(text, n_letters, sh, other, marks), allp)


def nb_block(weights: np.ndarray, prior: np.ndarray, text: str) -> np.ndarray:
    """NB scores on the text and on its Latin transliteration (so Cyrillic Serbian and Latin
    Serbian share evidence)."""
    idx, cnt = hashed_ngrams(text)
    a = nb_scores(weights, prior, idx, cnt)
    lat = to_latin(text)
    if lat != text:
        idx2, cnt2 = hashed_ngrams(lat)
        b = nb_scores(weights, prior, idx2, cnt2)
    else:
        b = a
    return np.concatenate([a, b])


def combine_input(nb2: np.ndarray, raw: RawFeatures) -> np.ndarray:
    parts = [nb2 * 4.0, raw.fasttext, raw.lingua, raw.cld2, raw.extra]
    if raw.lex is not None:
        parts.append(raw.lex)
    return np.concatenate(parts).astype(np.float32)


_LEXICON = None


def lexicon():
    """The word-form lexicon (loaded once)."""
    global _LEXICON
    if _LEXICON is None:
        from ._lexicon import Lexicon
        _LEXICON = Lexicon()
    return _LEXICON


class Combiner:
    """Softmax regression or a one-hidden-layer network, numpy forward pass."""

    def __init__(self, arrays: dict[str, np.ndarray]) -> None:
        self.mean = arrays["mean"].astype(np.float32)
        self.scale = arrays["scale"].astype(np.float32)
        self.layers = []
        i = 0
        while f"W{i}" in arrays:
            self.layers.append((arrays[f"W{i}"].astype(np.float32), arrays[f"b{i}"].astype(np.float32)))
            i += 1

    def proba(self, x: np.ndarray) -> np.ndarray:
        h = (x - self.mean) / self.scale
        for j, (W, b) in enumerate(self.layers):
            h = h @ W + b
            if j < len(self.layers) - 1:
                h = np.maximum(h, 0.0)
        h = h - h.max(axis=-1, keepdims=True)
        e = np.exp(h)
        return e / e.sum(axis=-1, keepdims=True)


class TrainedModel:
    """Naive Bayes weights + combiner, loaded from ``langid.npz`` (or given as arrays when training)."""

    def __init__(self, path: Path | None = MODEL_FILE, arrays: dict[str, np.ndarray] | None = None) -> None:
        data = arrays if arrays is not None else dict(np.load(path, allow_pickle=False))
        self.labels = tuple(str(x) for x in data["labels"])
        if self.labels != B.LABELS:
            raise ValueError(f"{path}: label set does not match this version of replyassist")
        self.nb_w = data["nb_w"]  # float16 (2**bits, n_labels)
        self.nb_prior = data["nb_prior"].astype(np.float32)
        self.combiner = Combiner({k: data[k] for k in data if k in ("mean", "scale") or k[0] in "Wb"})
        self.use_lexicon = bool(int(data["use_lexicon"])) if "use_lexicon" in data else False
        if self.use_lexicon:
            lexicon()

    def raw(self, text: str, n_letters: int) -> RawFeatures:
        rf = raw_features(text, n_letters)
        if self.use_lexicon:
            rf.lex = lexicon().features(text)
        return rf

    def predict(self, text: str, n_letters: int) -> tuple[np.ndarray, RawFeatures]:
        raw = self.raw(text, n_letters)
        x = combine_input(nb_block(self.nb_w, self.nb_prior, text), raw)
        return self.combiner.proba(x[None, :])[0], raw
