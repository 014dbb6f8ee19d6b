"""What the matcher returns: :class:`Match` (one FAQ entry found for a message) and
:class:`MatchResult` (the matches of one message, best first, with the band of the top one).

>>> r = MatchResult(matches=(Match("hours", 0.71, "When are you open?", "en", "service"),), band="suggest",
...                 confidence=0.6)
>>> r.best.faq_id, r.to_dict()["band"]
('hours', 'suggest')
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .decision import BANDS, Band

__all__ = ["Match", "MatchResult", "BANDS", "Band"]


@dataclass(frozen=True)
class Match:
    """One FAQ entry found for a message.

    ``score`` is the matcher's score (higher is better; comparable within one corpus only);
    ``question`` is the entry's paraphrase closest to the message and ``language`` its language.
    """

    faq_id: str
    score: float
    question: str
    language: str
    category: str

    def to_dict(self) -> dict[str, Any]:
        return {"faq_id": self.faq_id, "score": round(float(self.score), 4), "question": self.question,
                "language": self.language, "category": self.category}


@dataclass(frozen=True)
class MatchResult:
    """The matches for one message, best first, with the band of the top one.

    - ``confidence``: calibrated probability that ``matches[0]`` answers the message, for a
      message the FAQ can answer (0.8 means right about 80 % of the time);
    - ``similarity``: the highest plain cosine (main embedder) between the message and the
      listed entries' centroids (usually the top entry's), the "is anything here at all" signal compared with ``min_similarity``;
    - ``band``: ``"confident"``, ``"suggest"`` or ``"no_match"``. With ``no_match`` the matches
      are still listed, for the agent to browse;
    - ``answerable``: estimated probability that the FAQ answers the message at all (the band
      model's; 1.0 without one); ``features``: what the band model read (``matching.bands.FEATURES``);
    - ``not_answered``: the top entry's ``not_question`` the message was closer to than to any of the
      entry's own questions, or the corpus's known-gap question (``not_answered`` in corpus.yaml) it
      was closest to (the band is then ``no_match``), else ``None``; ``known_gap``: that gap's topic
      in the second case, else ``None``;
    - ``scope``: the scope test's p-value (``bands.scope_test``; ``None`` when it is off): the share of
      the corpus's own held-out paraphrases that are no closer to their entries than the message
      (``matching.scope``).
    """

    matches: tuple[Match, ...]
    band: Band
    confidence: float
    similarity: float = 0.0
    answerable: float = 1.0
    features: tuple[float, ...] = ()
    not_answered: str | None = None
    known_gap: str | None = None
    scope: float | None = None

    @property
    def best(self) -> Match | None:
        """The top match, or ``None`` when the band is ``no_match``."""
        return self.matches[0] if self.matches and self.band != "no_match" else None

    def to_dict(self) -> dict[str, Any]:
        return {"band": self.band, "confidence": round(float(self.confidence), 4),
                "similarity": round(float(self.similarity), 4), "answerable": round(float(self.answerable), 4),
                "matches": [m.to_dict() for m in self.matches]}
