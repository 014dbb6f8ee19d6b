"""The band decision: one message's band from what the matcher measured (pure functions, no state).

:class:`~replyassist.matching.FaqIndex` measures, for a message's top entry, its calibrated
confidence (or, with the band model, ``P(right)`` and ``P(answerable)``), the plain similarity
and whether the message is closer to a question the corpus does not answer; these functions
turn that into ``confident``, ``suggest`` or ``no_match``:

1. :func:`no_match_gate`: the no-match similarity gate for this message: the corpus's gate
   (``min_similarity``, set or learned), lowered by ``cross_lingual_margin`` when the message's
   language is known and the top entry has no question in it;
2. :func:`band_decision`:

   - with the band model (``answerable`` given): ``no_match`` when ``answerable`` is below
     ``BandSettings.answerable`` or the confidence below ``suggest``; ``confident`` from
     ``confident``; else ``suggest``; the similarity gate is a hard limit only when the user set
     ``min_similarity`` (the learned gate is one of the band model's features);
   - without it: ``no_match`` when the similarity is below the gate or the confidence below
     ``suggest``; ``confident`` from ``confident``; else ``suggest``;
   - a message held back (closer to a ``not_question`` of the top entry or to a known gap of the
     corpus, ``not_answered`` in corpus.yaml) is ``no_match`` with its confidence capped at
     :data:`HELD_BACK_CONFIDENCE`, whatever the rest says.

>>> from replyassist.matching.settings import BandSettings
>>> gate = no_match_gate(0.88, language="sr", entry_languages={"en", "de"}, cross_lingual_margin=0.04)
>>> round(gate, 2)
0.84
>>> band_decision(0.9, similarity=0.86, gate=gate, settings=BandSettings())
BandDecision(band='confident', confidence=0.9)
>>> band_decision(0.9, similarity=0.86, gate=gate, settings=BandSettings(), held_back=True)
BandDecision(band='no_match', confidence=0.1)
"""
from __future__ import annotations

from typing import Collection, Literal, NamedTuple

from .settings import BandSettings

__all__ = ["BANDS", "Band", "BandDecision", "band_decision", "decide_band", "no_match_gate", "HELD_BACK_CONFIDENCE"]

#: The bands, from most to least sure.
BANDS = ("confident", "suggest", "no_match")
Band = Literal["confident", "suggest", "no_match"]
#: The highest confidence a held-back message (not_question / known gap) keeps.
HELD_BACK_CONFIDENCE = 0.1


class BandDecision(NamedTuple):
    """The band and the confidence reported with it (lowered for a held-back message)."""

    band: Band
    confidence: float


def no_match_gate(min_similarity: float | None, *, language: str | None, entry_languages: Collection[str],
                  cross_lingual_margin: float) -> float | None:
    """The no-match similarity gate for one message: ``min_similarity`` (``None``: no gate), lowered by
    ``cross_lingual_margin`` when ``language`` is known and not among the top entry's ``entry_languages``.

    >>> no_match_gate(0.88, language="de", entry_languages={"de", "en"}, cross_lingual_margin=0.04)
    0.88
    >>> no_match_gate(0.88, language=None, entry_languages={"en"}, cross_lingual_margin=0.04)
    0.88
    >>> no_match_gate(None, language="hu", entry_languages={"en"}, cross_lingual_margin=0.04) is None
    True
    """
    if min_similarity is None:
        return None
    if language and language not in entry_languages:
        return min_similarity - cross_lingual_margin
    return min_similarity


def decide_band(p_right: float, p_answerable: float, *, confident: float, suggest: float,
                answerable: float) -> Band:
    """The band model's rule: ``no_match`` when the FAQ probably does not answer the message
    (``p_answerable`` below ``answerable``) or the top entry is very unlikely to be the answer
    (``p_right`` below ``suggest``); ``confident`` from ``p_right >= confident``; else ``suggest``.

    >>> decide_band(0.9, 0.95, confident=0.8, suggest=0.1, answerable=0.5)
    'confident'
    >>> decide_band(0.6, 0.95, confident=0.8, suggest=0.1, answerable=0.5)
    'suggest'
    >>> decide_band(0.9, 0.3, confident=0.8, suggest=0.1, answerable=0.5)
    'no_match'
    """
    if p_answerable < answerable or p_right < suggest:
        return "no_match"
    return "confident" if p_right >= confident else "suggest"


def band_decision(confidence: float, *, similarity: float, gate: float | None, settings: BandSettings,
                  answerable: float | None = None, held_back: bool = False,
                  scope: float | None = None) -> BandDecision:
    """The band of one message's top match (see the module docstring).

    ``confidence``: the calibrated confidence, or the band model's ``P(right)``; ``answerable``:
    the band model's ``P(answerable)``, ``None`` without a band model; ``similarity`` and ``gate``
    (from :func:`no_match_gate`); ``settings``: the thresholds (``settings.min_similarity`` not
    ``None`` makes the gate a hard limit with the band model); ``held_back``: the message is
    closer to a question the entry or the corpus does not answer; ``scope``: the scope test's
    p-value (:mod:`replyassist.matching.scope`), read when ``settings.scope_test`` is on: below
    ``scope_alpha`` the band is ``no_match``; the band model's answerable test then holds back only
    messages with a p-value below ``scope_answerable``, and without a band model the scope test
    replaces the learned similarity gate (a gate the user set still applies).

    >>> on = BandSettings(scope_test=True, scope_answerable=0.1)
    >>> band_decision(0.9, similarity=0.9, gate=0.88, settings=on, answerable=0.9, scope=0.004).band
    'no_match'
    >>> band_decision(0.6, similarity=0.9, gate=0.88, settings=on, answerable=0.3, scope=0.5).band
    'suggest'
    >>> band_decision(0.6, similarity=0.9, gate=0.88, settings=on, answerable=0.3, scope=0.05).band
    'no_match'

    >>> s = BandSettings(confident=0.85, suggest=0.15)
    >>> band_decision(0.5, similarity=0.80, gate=0.88, settings=s).band
    'no_match'
    >>> band_decision(0.5, similarity=0.80, gate=0.88, settings=s, answerable=0.9).band
    'suggest'
    """
    band: Band
    scoped = settings.scope_test and scope is not None
    if answerable is not None:
        # with the scope test, the band model's answerable test holds back only atypical messages
        if scoped and scope is not None and scope >= settings.scope_answerable:
            answerable = 1.0
        band = decide_band(confidence, answerable, confident=settings.confident, suggest=settings.suggest,
                           answerable=settings.answerable)
        # a gate the user SET is a hard limit (a measured choice); the learned one is only a feature
        if settings.min_similarity is not None and gate is not None and similarity < gate:
            band = "no_match"
    elif (gate is not None and similarity < gate and (settings.min_similarity is not None or not scoped)) \
            or confidence < settings.suggest:   # (the scope test stands in for a learned gate)
        band = "no_match"
    elif confidence >= settings.confident:
        band = "confident"
    else:
        band = "suggest"
    if scoped and scope is not None and scope < settings.scope_alpha:
        band = "no_match"
    if held_back:
        return BandDecision("no_match", min(confidence, HELD_BACK_CONFIDENCE))
    return BandDecision(band, confidence)
