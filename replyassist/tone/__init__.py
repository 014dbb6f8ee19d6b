"""Tone checking of drafts (issue 5): :class:`ToneChecker`, :class:`ToneFinding`, and the
impoliteness signal :class:`ImpolitenessScorer` (see ``docs/drafting.md``)."""
from __future__ import annotations

from .checker import KINDS, ToneChecker, ToneFinding
from .politeness import FEATURE_NAMES, ImpolitenessScorer, cue_features

__all__ = ["ToneChecker", "ToneFinding", "KINDS", "ImpolitenessScorer", "cue_features", "FEATURE_NAMES"]
