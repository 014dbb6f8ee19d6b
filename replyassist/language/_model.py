"""The trained part of the detector: a hashed character n-gram naive Bayes model and a small
combiner (softmax regression / one-hidden-layer network) over its scores, the third-party
detectors' scores, the Serbian/Croatian/Bosnian markers and length/script features, and a
discriminative second stage among Serbian, Croatian and Bosnian (:class:`BcmsStage`).

Both are numpy-only at run time; weights live in ``replyassist/models/langid/langid.npz`` (float16).
The same feature code is used by the training script (``benchmarks/langid_train.py``), so
training and inference cannot drift apart.
"""
from __future__ import annotations

import math
import re
import zlib
from typing import TYPE_CHECKING
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from . import _backends as B
from .bcms import MARKER_KEYS, bcms_markers, to_latin
from .cleaning import script_counts as _script_counts_uncached

if TYPE_CHECKING:  # loaded lazily, on first use
    from ._lexicon import Lexicon

#: Letters per script of a text, cached: the detector asks for the same text's scripts up to three
#: times per message (0.2 ms each on a 60-character message). The dict is shared: do not mutate it.
script_counts = lru_cache(maxsize=256)(_script_counts_uncached)

HASH_BITS = 18
NGRAM_MAX = 4
MAX_CHARS = 400
_TOKEN = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")

MODEL_DIR = Path(__file__).resolve().parent.parent / "models" / "langid"
MODEL_FILE = MODEL_DIR / "langid.npz"


@lru_cache(maxsize=1 << 14)
def _nb_token(tok: str, bits: int) -> np.ndarray:
    """Hashed features of one word (memoised: frequent words are hashed once per process)."""
    mask = (1 << bits) - 1
    crc = zlib.crc32
    w = " " + tok + " "
    out = [crc(b"W" + w.encode("utf-8")) & mask]
    L = len(w)
    for n in range(1, NGRAM_MAX + 1):
        for i in range(0, L - n + 1):
            g = w[i:i + n]
            if g != " ":
                out.append(crc(g.encode("utf-8")) & mask)
    return np.asarray(out, dtype=np.int32)


def _count(parts: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    if not parts:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
    idx, cnt = np.unique(np.concatenate(parts), return_counts=True)
    return idx.astype(np.int64), cnt.astype(np.float32)


def hashed_ngrams(text: str, bits: int = HASH_BITS) -> tuple[np.ndarray, np.ndarray]:
    """Hashed features of ``text``: character 1..4-grams of each padded word and the words.

    Returns (unique indices, counts). crc32 keeps hashing stable across processes.

    >>> idx, cnt = hashed_ngrams("da da")
    >>> int(cnt.sum())  # per " da ": the word, 2 letters, 3 bigrams, 2 trigrams, 1 four-gram
    18
    """
    return _count([_nb_token(tok, bits) for tok in _TOKEN.findall(text[:MAX_CHARS].lower())])


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


_LEXICON: Lexicon | None = None


def lexicon() -> Lexicon:
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
        if arrays is None and path is None:
            raise ValueError("TrainedModel needs a path or arrays")
        data = arrays if arrays is not None else dict(np.load(str(path), allow_pickle=False))
        self.labels = tuple(str(x) for x in data["labels"])
        if self.labels != B.LABELS:
            raise ValueError(f"{path}: label set does not match this version of replyassist")
        self.nb_w = data["nb_w"]  # float16 (2**bits, n_labels)
        self.nb_prior = data["nb_prior"].astype(np.float32)
        self.combiner = Combiner({k: data[k] for k in data if k in ("mean", "scale") or k[0] in "Wb"})
        self.use_lexicon = bool(int(data["use_lexicon"])) if "use_lexicon" in data else False
        if self.use_lexicon:
            lexicon()
        self.bcms_stage = BcmsStage(data) if "s2_w" in data else None

    def raw(self, text: str, n_letters: int) -> RawFeatures:
        rf = raw_features(text, n_letters)
        if self.use_lexicon:
            rf.lex = lexicon().features(text)
        return rf

    def predict(self, text: str, n_letters: int) -> tuple[np.ndarray, RawFeatures]:
        raw = self.raw(text, n_letters)
        x = combine_input(nb_block(self.nb_w, self.nb_prior, text), raw)
        p = self.combiner.proba(x[None, :])[0]
        if self.bcms_stage is not None:
            p = self.bcms_stage.refine(p, text, raw)
        return p, raw


# ---------------------------------------------------------------- Serbian / Croatian / Bosnian stage
# A discriminative second stage among sr, hr, bs: applied when the combiner's best language is one of
# them (Latin script or transliterated Cyrillic). Logistic regression over hashed features of the
# transliterated text (raw and diacritic-folded character 1-5-grams, words, word bigrams) plus the
# dense evidence the combiner also sees (third-party scores of sr/hr/bs/sl, markers, lexicons).
BCMS3 = ("sr", "hr", "bs")
S2_BITS = 20
_FOLD = str.maketrans({"č": "c", "ć": "c", "š": "s", "ž": "z", "đ": "dj", "ś": "s", "ź": "z"})


@lru_cache(maxsize=1 << 14)
def _s2_token(tok: str, bits: int) -> np.ndarray:
    """Stage-2 features of one (transliterated, lower-cased) word, memoised."""
    mask = (1 << bits) - 1
    crc = zlib.crc32
    ft = tok.translate(_FOLD)
    keys = ["w " + ft]
    if tok != ft:
        keys.append("W " + tok)
    w = " " + ft + " "
    L = len(w)
    for n in range(2, 6):
        for i in range(0, L - n + 1):
            keys.append(w[i:i + n])
    if tok != ft:  # raw n-grams around the diacritics only
        w = " " + tok + " "
        for i, ch in enumerate(w):
            if ch in "čćšžđśź":
                keys.append("D" + w[max(0, i - 2):i + 3])
                keys.append("D" + ch)
    return np.asarray([crc(k.encode("utf-8")) & mask for k in keys], dtype=np.int32)


def bcms_hashed(text: str, bits: int = S2_BITS) -> tuple[np.ndarray, np.ndarray]:
    """Hashed stage-2 features of ``text`` (Cyrillic transliterated): (unique indices, L2-normalised
    sublinear counts). Folded forms (``c`` for ``č``/``ć`` ...) share features with text typed without
    diacritics; the raw forms keep the diacritic evidence (``ć`` vs ``č``, ``ije`` vs ``je``).

    >>> idx, val = bcms_hashed("Gdje je paket?")
    >>> bool(idx.size) and abs(float((val ** 2).sum()) - 1.0) < 1e-4
    True
    """
    mask = (1 << bits) - 1
    toks = _TOKEN.findall(to_latin(text[:MAX_CHARS]).lower())
    parts = [_s2_token(tok, bits) for tok in toks]
    if len(toks) > 1:
        folded = [t.translate(_FOLD) for t in toks]
        parts.append(np.asarray([zlib.crc32(("B " + a + " " + b).encode("utf-8")) & mask
                                 for a, b in zip(folded, folded[1:])], dtype=np.int32))
    idx, cnt = _count(parts)
    if not idx.size:
        return idx, cnt
    val = np.log1p(cnt)
    return idx, val / max(float(np.sqrt((val ** 2).sum())), 1e-6)


_IDX5 = [B.LABEL_INDEX[c] for c in ("sr", "hr", "bs", "sl", "mk")]
_BCMS_IDX = np.array([B.LABEL_INDEX[c] for c in BCMS3])


def bcms_dense(raw: RawFeatures) -> np.ndarray:
    """Dense stage-2 inputs: fastText / lingua / CLD2 scores of sr hr bs sl mk, the length, script and
    variety-marker features, and the lexicon shares (when the model uses the lexicons)."""
    parts = [raw.fasttext[_IDX5], raw.lingua[_IDX5], raw.cld2[_IDX5], raw.extra]
    if raw.lex is not None:
        parts.append(raw.lex)
    return np.concatenate(parts).astype(np.float32)


class BcmsStage:
    """Second stage among Serbian, Croatian, Bosnian (weights ``s2_*`` in ``langid.npz``).

    ``refine(p, text, raw)``: when the combiner's best language is sr, hr or bs and the text is not
    Cyrillic, the combiner's sr+hr+bs mass is redistributed by
    ``softmax(log p_combiner + blend * log q_stage2)`` over the three; other languages are untouched.
    """

    def __init__(self, arrays: dict[str, np.ndarray]) -> None:
        self.w = arrays["s2_w"].astype(np.float32)  # stored float16 (2**S2_BITS, 3); 12 MB as float32
        self.bits = int(np.log2(self.w.shape[0]))
        self.dense_mean = arrays["s2_dense_mean"].astype(np.float32)
        self.dense_scale = arrays["s2_dense_scale"].astype(np.float32)
        self.dense_w = arrays["s2_dense_w"].astype(np.float32)
        self.bias = arrays["s2_bias"].astype(np.float32)
        self.blend = float(arrays["s2_blend"])

    def proba(self, text: str, raw: RawFeatures) -> np.ndarray:
        """Stage-2 probabilities over (sr, hr, bs)."""
        idx, val = bcms_hashed(text, self.bits)
        z = self.bias.copy()
        if idx.size:
            z += val @ self.w[idx]
        z += ((bcms_dense(raw) - self.dense_mean) / self.dense_scale) @ self.dense_w
        z -= z.max()
        e = np.exp(z)
        return e / e.sum()

    def refine(self, p: np.ndarray, text: str, raw: RawFeatures) -> np.ndarray:
        if int(np.argmax(p)) not in _BCMS_IDX or raw.extra[5] > 0:  # extra[5]: Cyrillic share
            return p
        pb = p[_BCMS_IDX]
        mass = float(pb.sum())
        lp = np.log(pb + 1e-9) + self.blend * np.log(self.proba(text, raw) + 1e-9)
        lp -= lp.max()
        e = np.exp(lp)
        out = p.copy()
        out[_BCMS_IDX] = mass * e / e.sum()
        return out
