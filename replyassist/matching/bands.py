"""The band model: does the FAQ answer this message, and is the top entry the answer?

Two small logistic models over features that mean the same on every corpus decide the band of a
message's top match (``docs/matching.md``):

- ``P(answerable)``: the FAQ has an entry that answers the message. Below
  ``MatchSettings.answerable`` the band is ``no_match`` (a holding reply).
- ``P(right)``: the top entry is that answer; this is the result's ``confidence``. At
  ``MatchSettings.confident`` and above the band is ``confident`` (the answer is drafted as it
  is), below it ``suggest`` (the answer is drafted for the agent to check).

The features of the top entry (:func:`band_features`):

1. its score (whitened cosine + head, as ranked), and the margin to the second entry;
2. the plain similarity minus the corpus's learned no-match gate (``min_similarity``; lowered by
   ``cross_lingual_margin`` when the entry has no paraphrase in the message's language);
3. **key-content coverage**: how much of what the message says that the corpus knows about is
   said in the top entry's questions and tags (:class:`CoverageIndex`): ``log(1 + covered idf /
   log(entries))`` and the covered share. A gift-VOUCHER question scores high on the gift-WRAPPING
   entry by embedding, but "voucher" is a word of another entry, not of that one.

The coefficients are fitted by ``benchmarks/fit_bands.py`` on data disjoint from every figure
reported with them: the realistic message set over the demo corpus (cross-validated by language
there) and CLINC150 *train* queries and ``oos_train`` against an FAQ of other train queries; the
fitted values are shipped in ``replyassist/models/bands/bands.json`` (package data).

>>> m = BandModel.default()
>>> f = np.array([[0.45, 0.30, 0.02, 1.2, 0.5]])
>>> bool(m.p_right(f)[0] > 0.5) and bool(m.p_answerable(f)[0] > 0.5)
True
"""
from __future__ import annotations

import json
import math
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from ..errors import ConfigError, Errors
from .keywords import keyword_tokens

__all__ = ["CoverageIndex", "BandModel", "band_features", "FEATURES", "BANDS_FILE"]

#: Feature names, in order (the models' coefficients follow this order, then the intercept).
FEATURES = ("score", "margin", "similarity_over_gate", "coverage", "coverage_share")
BANDS_FILE = Path(__file__).resolve().parent.parent / "models" / "bands" / "bands.json"
_STEM = 5


class CoverageIndex:
    """The words each entry is asked with (questions in every language, and tags), for the key-content check.

    ``coverage(text, entry)`` is ``(covered, share)``: the idf mass of the message's words found in
    the entry's questions, over ``log(entries)``, and its share of the idf mass of the message's
    words the corpus knows at all. Words are folded like the keyword index's (case, diacritics,
    Serbian Cyrillic) and cut to five letters.

    >>> cov = CoverageIndex([["Can you gift wrap my order?"], ["Do you accept gift vouchers?"], ["Where is my parcel?"]])
    >>> cov.coverage("Do you sell gift vouchers?", 0)[1] < cov.coverage("Do you sell gift vouchers?", 1)[1]
    True
    """

    def __init__(self, docs: Sequence[Sequence[str]]) -> None:
        self.vocab = [frozenset(t for text in d for t in keyword_tokens(text, stem=_STEM) if not t.isdigit())
                      for d in docs]
        n = max(len(self.vocab), 2)
        df: Counter[str] = Counter(t for v in self.vocab for t in v)
        self.idf = {t: math.log(n / f) for t, f in df.items()}
        self.norm = math.log(n)

    def coverage(self, text: str, entry: int) -> tuple[float, float]:
        toks = {t for t in keyword_tokens(text, stem=_STEM) if t in self.idf}
        known = sum(self.idf[t] for t in toks)
        if known <= 0.0:
            return 0.0, 0.0
        got = sum(self.idf[t] for t in toks if t in self.vocab[entry])
        return got / self.norm, got / known


def band_features(score: float, second: float, similarity: float, gate: float | None,
                  covered: float, share: float) -> list[float]:
    """The feature row of one message's top entry (see the module docstring)."""
    return [float(score), float(score - second), float(similarity - (gate if gate is not None else similarity)),
            math.log1p(max(covered, 0.0)), float(share)]


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -50.0, 50.0)))


@dataclass(frozen=True)
class BandModel:
    """Two logistic models over :data:`FEATURES` (coefficients, then the intercept)."""

    answerable: tuple[float, ...]
    right: tuple[float, ...]
    source: str = ""

    def __post_init__(self) -> None:
        for name in ("answerable", "right"):
            v = getattr(self, name)
            if len(v) != len(FEATURES) + 1 or not all(isinstance(x, (int, float)) and math.isfinite(x) for x in v):
                raise ConfigError(Errors.E520, name=name, n_numbers=len(FEATURES) + 1, names=', '.join(FEATURES), v=v)

    def _p(self, coef: tuple[float, ...], f: np.ndarray) -> np.ndarray:
        w = np.asarray(coef, dtype=np.float64)
        return _sigmoid(np.asarray(f, dtype=np.float64) @ w[:-1] + w[-1])

    def p_answerable(self, features: np.ndarray) -> np.ndarray:
        """P(the FAQ answers the message), one per feature row."""
        return self._p(self.answerable, features)

    def p_right(self, features: np.ndarray) -> np.ndarray:
        """P(the top entry answers the message), one per feature row."""
        return self._p(self.right, features)

    def to_dict(self) -> dict[str, Any]:
        return {"features": list(FEATURES), "answerable": list(self.answerable), "right": list(self.right),
                "source": self.source}

    @classmethod
    def load(cls, path: str | Path) -> "BandModel":
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
            if list(data.get("features", [])) != list(FEATURES):
                raise ConfigError(Errors.E521, path=path, value=data.get('features'), FEATURES=list(FEATURES))
            return cls(tuple(data["answerable"]), tuple(data["right"]), str(data.get("source", "")))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ConfigError(Errors.E522, path=path, exc=exc) from None

    @classmethod
    def default(cls) -> "BandModel":
        """The shipped model (``replyassist/models/bands/bands.json``)."""
        return cls.load(BANDS_FILE)
