"""Moderation: abusive, insulting, threatening or obscene messages, with the matched reason.

Two sources, combined:

- lexicons the project writes per language (``data/abuse/<lang>.txt``: insult, profanity,
  threat), which give reasons that quote the customer's words;
- a numpy logistic head on the message's e5 vector (``replyassist/models/moderation/``), which catches
  abuse that no list names. Its reason says that the model scored it, with the score.

>>> r = Moderator().check(["Ihr seid doch alle unfähig, ihr Idioten!"], None, ["de"])[0]
>>> r.flagged, r.categories
(True, ('insult',))
>>> r.reasons[0]
"insult: 'Ihr seid doch alle unfähig'"
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from ..errors import ConfigError, Errors, InputError, ModelNotAvailableError
from .lexicon import LEXICON_LANGUAGES, Hit, available_stems, find_all, lexicon_language
from .ngrams import NgramLinear
from .sentiment import default_model_dir

__all__ = ["ModerationResult", "Moderator", "ModerationHead", "abuse_hits"]

#: Categories a lexicon hit or the model can report.
CATEGORIES = ("insult", "profanity", "threat", "abusive")


@dataclass(frozen=True)
class ModerationResult:
    """Whether a moderator should look at the message, in which categories, and why."""

    flagged: bool
    categories: tuple[str, ...] = ()
    reasons: tuple[str, ...] = ()
    #: the head's P(abusive); 0.0 when the head is not applied to the message's language
    score: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {"flagged": self.flagged, "categories": list(self.categories), "reasons": list(self.reasons),
                "score": round(float(self.score), 4)}


class ModerationHead:
    """Logistic head(s) on e5 vectors: P(abusive) = mean over members of sigmoid(x @ w + b).

    Optionally with an n-gram part (``ngram_W``, :mod:`replyassist.signals.ngrams`) whose
    logit is added to every member's: the model then needs the texts as well as the vectors.
    """

    def __init__(self, path: str | Path) -> None:
        path = Path(path)
        if not path.is_file():
            raise ModelNotAvailableError(Errors.E040, path=path)
        with np.load(path, allow_pickle=False) as z:
            self.W = z["W"].astype(np.float32)          # [dim, members]
            self.b = z["b"].astype(np.float32)          # [members]
            self.threshold = float(z["threshold"])
            self.ngram: NgramLinear | None = NgramLinear.from_npz(z, path=path) if "ngram_W" in z else None
        self.dim = int(self.W.shape[0])
        self.path = path

    def predict(self, vectors: np.ndarray, texts: Sequence[str] | None = None) -> np.ndarray:
        """P(abusive) per message; ``texts`` are required when the head has an n-gram part."""
        v = np.asarray(vectors, dtype=np.float32)
        if v.ndim != 2 or v.shape[1] != self.dim:
            raise InputError(Errors.E122, dim=self.dim, shape=v.shape)
        z = (v @ self.W + self.b).astype(np.float64)
        if self.ngram is not None:
            if texts is None or len(texts) != len(v):
                raise InputError(Errors.E124, name=self.path.name)
            z = z + self.ngram.logits(texts)[:, :1]
        return (1.0 / (1.0 + np.exp(-z))).mean(axis=1)


_HEADS: dict[str, ModerationHead] = {}
_LOCK = threading.Lock()


def _load_head(path: Path) -> ModerationHead:
    key = str(path.resolve())
    with _LOCK:
        if key not in _HEADS:
            _HEADS[key] = ModerationHead(key)
        return _HEADS[key]


def _stems(language: str | None) -> list[str]:
    stem = lexicon_language(language)
    if stem is None and language:
        # a known language without a lexicon of its own: English phrases only (words of
        # other languages' lists collide, e.g. Slovak "noviny" = newspaper)
        return ["en"]
    if stem is None:
        # language unknown: every lexicon (word boundaries keep this safe enough)
        return list(available_stems("abuse"))
    return [stem] if stem == "en" else [stem, "en"]


def abuse_hits(text: str, language: str | None, extra_dir: str | None = None) -> list[Hit]:
    """Lexicon matches of abusive language in ``text`` (the detected language's list plus English)."""
    return find_all("abuse", text, _stems(language), extra_dir)


class Moderator:
    """Flags abusive messages from lexicon matches and the vector head.

    ``flag_profanity``: obscene words alone flag the message (default True).
    ``use_model``: also flag when the head's probability reaches ``model_threshold``
    (``None`` = the threshold stored with the head, chosen for precision on held-out data),
    for messages in ``model_languages`` (None = every language).
    """

    def __init__(self, *, flag_profanity: bool = True, use_model: bool = True,
                 model_threshold: float | None = None, model_dir: str | Path | None = None,
                 extra_lexicon_dir: str | None = None,
                 model_languages: Sequence[str] | None = ("de", "en")) -> None:
        if model_threshold is not None and not 0.0 < model_threshold <= 1.0:
            raise ConfigError(Errors.E070, model_threshold=model_threshold)
        self.flag_profanity = flag_profanity
        self.use_model = use_model
        self.model_threshold = model_threshold
        self.model_dir = Path(model_dir) if model_dir else default_model_dir("moderation")
        self.extra_lexicon_dir = extra_lexicon_dir
        #: languages the head is applied to (None = all). The shipped head is trained on German
        #: tweets; on Serbian/Croatian/Hungarian support messages it scored harmless messages
        #: high, so by default it is used for German and English only (lexicons everywhere).
        self.model_languages = None if model_languages is None else tuple(l.lower() for l in model_languages)

    @property
    def head(self) -> ModerationHead | None:
        path = self.model_dir / "moderation_head.npz"
        return _load_head(path) if path.is_file() else None

    def applies_to(self, language: str | None) -> bool:
        """Whether the head is used for messages in ``language`` (``model_languages``)."""
        return self.model_languages is None or (language or "").lower().split("-")[0] in self.model_languages

    def model_scores(self, vectors: np.ndarray | None, texts: Sequence[str],
                     languages: Sequence[str | None] | None = None) -> np.ndarray:
        """The head's P(abusive) per message: 0 without vectors, with ``use_model=False``, and for
        messages whose language the head is not applied to (``languages`` given; see ``model_languages``),
        so those cost nothing."""
        out = np.zeros(len(texts), dtype=np.float64)
        head = self.head if self.use_model else None
        if head is None or vectors is None:
            return out
        rows = np.arange(len(texts)) if languages is None else \
            np.array([i for i, lang in enumerate(languages) if self.applies_to(lang)], dtype=np.int64)
        if len(rows):
            out[rows] = head.predict(np.asarray(vectors)[rows], [texts[i] for i in rows.tolist()])
        return out

    def check(self, texts: Sequence[str], vectors: np.ndarray | None,
              languages: Sequence[str | None]) -> list[ModerationResult]:
        """One :class:`ModerationResult` per text. ``vectors`` may be None (lexicons only)."""
        if vectors is not None and len(vectors) != len(texts):
            raise InputError(Errors.E123, n_texts=len(texts), n_vectors=len(vectors))
        scores = self.model_scores(vectors, texts, languages)
        head = self.head if self.use_model else None
        thr = self.model_threshold if self.model_threshold is not None else (head.threshold if head else 1.0)
        out = []
        for text, lang, s in zip(texts, languages, scores):
            cats: list[str] = []
            reasons: list[str] = []
            for h in abuse_hits(text, lang, self.extra_lexicon_dir):
                if h.category == "profanity" and not self.flag_profanity:
                    continue
                if h.category not in cats:
                    cats.append(h.category)
                reason = f"{h.category}: '{h.text}'"
                if reason not in reasons:
                    reasons.append(reason)
            if head is not None and vectors is not None and self.applies_to(lang) and s >= thr:
                if not cats:
                    cats.append("abusive")
                reasons.append(f"abusive tone (moderation model score {s:.2f} >= {thr:.2f})")
            out.append(ModerationResult(flagged=bool(cats), categories=tuple(cats), reasons=tuple(reasons),
                                        score=float(s)))
        return out


SUPPORTED_LANGUAGES = LEXICON_LANGUAGES
