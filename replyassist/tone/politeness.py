"""The impoliteness signal: politeness-strategy cues and an optional head on e5 vectors.

Two numpy-only logistic models, trained on the English TyDiP training file only
(``python -m benchmarks.politeness --train``; weights in ``replyassist/models/politeness/``, card in
``models/politeness/``):

- ``cues``: 20 language-independent features (please, thanks, apology, hedges, indirect
  requests, direct questions, sentence-initial "you", negative words, factuality markers, ...)
  computed from per-language cue lists (``replyassist/data/locales/politeness.yaml``), so the
  English-trained weights apply to de, hu, sr, hr, es, fr.
- ``e5``: a logistic head on the multilingual-e5-small vector of the text (needs an embedder).
- ``joint``: one logistic model on [e5 vector, standardised cues / sqrt(21)] (chosen over the
  average of the two by 5-fold CV on the training file).

``ImpolitenessScorer.score`` returns P(impolite) per text: the joint model when vectors (or an
embedder) are available, else the cue model alone.

>>> s = ImpolitenessScorer()
>>> p = s.score(["Could you please check this for me? Thank you!", "Why did you delete it? Stupid."], ["en", "en"])
>>> bool(p[0] < p[1])
True
"""
from __future__ import annotations

import math
import threading
from functools import lru_cache
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import yaml

from ..drafting.locales import LOCALE_DIR, Locale, get_locale, has_locale, tokenize

__all__ = ["CUE_FAMILIES", "FEATURE_NAMES", "cue_features", "ImpolitenessScorer", "MODEL_DIR"]

#: The shipped weights (package data; ``python -m benchmarks.politeness --train`` writes them).
MODEL_DIR = Path(__file__).resolve().parents[1] / "models" / "politeness"
CUE_FAMILIES = ("please", "thanks", "apology", "greeting", "hedge", "indirect", "direct_question",
                "second_person_start", "negative", "factuality", "deference", "first_plural")
FEATURE_NAMES = (*CUE_FAMILIES, "please_start", "greeting_start", "direct_start", "you_start",
                 "questions", "exclamation", "caps", "length", "impolite_lexicon")


@lru_cache(maxsize=None)
def _cues() -> dict[str, Locale]:
    data = yaml.safe_load((LOCALE_DIR / "politeness.yaml").read_text(encoding="utf-8"))
    return {lang: Locale(lang, {"lexicon": fams}) for lang, fams in data.items()}


def _sentence_starts(tokens: list[tuple[str, int]]) -> set[int]:
    starts = {0}
    for i, (t, _) in enumerate(tokens[:-1]):
        if t in (".", "!", "?", "...", "\n") or t.endswith("?") or t.endswith("!"):
            starts.add(i + 1)
    return starts


def cue_features(text: str, language: str | None) -> np.ndarray:
    """The cue feature vector of ``text`` (order: :data:`FEATURE_NAMES`)."""
    cues = _cues()
    lang = language if language in cues else "en"
    loc = cues[lang]
    tokens = tokenize(text, lang)
    starts_tok = _sentence_starts(tokens)
    starts = {tokens[i][1] for i in starts_tok if i < len(tokens)}
    first_two = {tokens[i][1] for i in range(min(2, len(tokens)))}
    feats: list[float] = []
    hits: dict[str, list] = {}
    for fam in CUE_FAMILIES:
        hits[fam] = loc.find(text, fam, tokens=tokens)
        feats.append(1.0 if hits[fam] else 0.0)
    feats.append(1.0 if any(m.start in first_two for m in hits["please"]) else 0.0)
    feats.append(1.0 if any(m.start == (tokens[0][1] if tokens else -1) for m in hits["greeting"]) else 0.0)
    feats.append(1.0 if any(m.start in starts for m in hits["direct_question"]) else 0.0)
    feats.append(1.0 if any(m.start in starts for m in hits["second_person_start"]) else 0.0)
    feats.append(min(text.count("?"), 3) / 3.0)
    feats.append(1.0 if "!" in text else 0.0)
    words = [t for t, _ in tokens if any(c.isalpha() for c in t)]
    caps = sum(1 for w in words if len(w) > 1 and w.isupper())
    feats.append(caps / max(1, len(words)))
    feats.append(math.log1p(len(words)) / 5.0)
    imp = get_locale(language).find(text, "impolite") if has_locale(language) else []
    feats.append(1.0 if imp else 0.0)
    return np.asarray(feats, dtype=np.float32)


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))


_MODELS: dict[str, dict[str, np.ndarray] | None] = {}
_LOCK = threading.Lock()


def _load(name: str, model_dir: Path) -> dict[str, np.ndarray] | None:
    key = f"{model_dir}/{name}"
    with _LOCK:
        if key not in _MODELS:
            path = model_dir / f"{name}.npz"
            if path.is_file():
                with np.load(path) as z:
                    _MODELS[key] = {k: z[k] for k in z.files}
            else:
                _MODELS[key] = None
        return _MODELS[key]


class ImpolitenessScorer:
    """P(impolite) for short texts in any language with cue lists (en, de, hu, sr, hr, es, fr).

    ``embedder``: an :class:`~replyassist.embeddings.Embedder` (e.g. ``CachedEmbedder(get_embedder("e5-small"))``)
    to add the e5 head; without it only the cue model is used (numpy only, no model download).
    Without trained weights in ``replyassist/models/politeness/`` the cue model falls back to a fixed
    lexicon rule (impolite words, direct questions without please/thanks).
    """

    def __init__(self, embedder: Any = None, model_dir: str | Path | None = None) -> None:
        self.embedder = embedder
        self.model_dir = Path(model_dir) if model_dir else MODEL_DIR

    @property
    def has_weights(self) -> bool:
        return _load("cues", self.model_dir) is not None

    def score_cues(self, texts: Sequence[str], languages: Sequence[str | None]) -> np.ndarray:
        X = np.stack([cue_features(t, l) for t, l in zip(texts, languages)]) if texts else np.zeros((0, len(FEATURE_NAMES)))
        m = _load("cues", self.model_dir)
        if m is None:  # documented rule without weights
            idx = {n: i for i, n in enumerate(FEATURE_NAMES)}
            z = (2.0 * X[:, idx["impolite_lexicon"]] + 1.5 * X[:, idx["negative"]] + 0.8 * X[:, idx["direct_start"]]
                 + 0.6 * X[:, idx["factuality"]] - 1.0 * X[:, idx["please"]] - 1.0 * X[:, idx["thanks"]]
                 - 0.8 * X[:, idx["greeting"]] - 0.6 * X[:, idx["hedge"]] - 0.6 * X[:, idx["indirect"]] - 0.3)
            return _sigmoid(z)
        Z = (X - m["mu"]) / m["sd"]
        return _sigmoid(Z @ m["w"] + m["b"])

    def score_vectors(self, vectors: np.ndarray) -> np.ndarray | None:
        m = _load("e5", self.model_dir)
        if m is None:
            return None
        return _sigmoid(np.asarray(vectors, dtype=np.float32) @ m["w"] + m["b"])

    def score(self, texts: Sequence[str], languages: Sequence[str | None],
              vectors: np.ndarray | None = None) -> np.ndarray:
        """P(impolite) per text. ``vectors`` (e5, query mode) may be passed to avoid encoding."""
        texts = list(texts)
        if not texts:
            return np.zeros(0, dtype=np.float32)
        p = self.score_cues(texts, languages)
        if vectors is None and self.embedder is not None and (_load("joint", self.model_dir) is not None
                                                              or _load("e5", self.model_dir) is not None):
            vectors = self.embedder.encode(texts)
        if vectors is not None:
            joint = self.score_joint(texts, languages, vectors)
            if joint is not None:
                return joint.astype(np.float32)
            pv = self.score_vectors(vectors)
            if pv is not None:
                p = (p + pv) / 2.0
        return p.astype(np.float32)

    def score_joint(self, texts: Sequence[str], languages: Sequence[str | None],
                    vectors: np.ndarray) -> np.ndarray | None:
        """The joint model on [vector, cues]; None without its weights."""
        m = _load("joint", self.model_dir)
        if m is None:
            return None
        F = np.stack([cue_features(t, l) for t, l in zip(texts, languages)])
        X = np.hstack([np.asarray(vectors, dtype=np.float32), (F - m["mu"]) / m["sd"] * m["scale"]])
        return _sigmoid(X @ m["w"] + m["b"])
