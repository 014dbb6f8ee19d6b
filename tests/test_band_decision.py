"""The band decision as a pure function (replyassist.matching.decision): every boundary, the
cross-lingual margin of the no-match gate, and the known-gap / not_question exclusion.

No model is loaded: these are unit tests of the rule FaqIndex.search applies to what it measured.
"""
from __future__ import annotations

import pytest

from replyassist.matching.decision import (HELD_BACK_CONFIDENCE, BandDecision, band_decision, decide_band,
                                           no_match_gate)
from replyassist.matching.settings import BandSettings

S = BandSettings(confident=0.85, suggest=0.15, answerable=0.45)           # the defaults, spelled out
SET_GATE = BandSettings(confident=0.85, suggest=0.15, answerable=0.45, min_similarity=0.88)


# ---- without the band model: calibrated confidence and the similarity gate -------------------------

@pytest.mark.parametrize("confidence, band", [
    (0.85, "confident"),          # exactly at `confident`: confident
    (0.8499, "suggest"),          # just below
    (0.15, "suggest"),            # exactly at `suggest`: still suggested
    (0.1499, "no_match"),         # just below `suggest`
    (0.0, "no_match"),
    (1.0, "confident"),
])
def test_confidence_boundaries_without_band_model(confidence, band):
    got = band_decision(confidence, similarity=0.95, gate=0.88, settings=S)
    assert got == BandDecision(band, confidence)


@pytest.mark.parametrize("similarity, band", [
    (0.88, "confident"),          # exactly at the gate passes
    (0.8799, "no_match"),         # just below the gate: no match, however confident
    (0.5, "no_match"),
])
def test_similarity_gate_without_band_model(similarity, band):
    assert band_decision(0.99, similarity=similarity, gate=0.88, settings=S).band == band


def test_no_gate_means_only_confidence_decides():
    assert band_decision(0.99, similarity=-1.0, gate=None, settings=S).band == "confident"
    assert band_decision(0.10, similarity=1.0, gate=None, settings=S).band == "no_match"


# ---- with the band model: P(right) and P(answerable) -------------------------------------------------

@pytest.mark.parametrize("p_right, p_answerable, band", [
    (0.85, 0.45, "confident"),    # both exactly at their thresholds
    (0.85, 0.4499, "no_match"),   # the FAQ probably does not answer it
    (0.8499, 0.9, "suggest"),
    (0.15, 0.9, "suggest"),
    (0.1499, 0.9, "no_match"),    # top entry very unlikely to be the answer
])
def test_band_model_boundaries(p_right, p_answerable, band):
    got = band_decision(p_right, similarity=0.95, gate=0.88, settings=S, answerable=p_answerable)
    assert got.band == band and got.confidence == p_right
    assert decide_band(p_right, p_answerable, confident=0.85, suggest=0.15, answerable=0.45) == band


def test_learned_gate_is_only_a_feature_with_the_band_model():
    # below the LEARNED gate (settings.min_similarity unset): the band model decides
    assert band_decision(0.9, similarity=0.70, gate=0.88, settings=S, answerable=0.9).band == "confident"
    # below a gate the user SET: a hard limit
    assert band_decision(0.9, similarity=0.8799, gate=0.88, settings=SET_GATE, answerable=0.9).band == "no_match"
    assert band_decision(0.9, similarity=0.88, gate=0.88, settings=SET_GATE, answerable=0.9).band == "confident"


# ---- the cross-lingual margin -------------------------------------------------------------------------

def test_gate_lowered_when_top_entry_lacks_the_message_language():
    entry_langs = {"en", "de"}
    same = no_match_gate(0.88, language="de", entry_languages=entry_langs, cross_lingual_margin=0.04)
    other = no_match_gate(0.88, language="sr", entry_languages=entry_langs, cross_lingual_margin=0.04)
    unknown = no_match_gate(0.88, language=None, entry_languages=entry_langs, cross_lingual_margin=0.04)
    assert same == 0.88 and unknown == 0.88
    assert other == pytest.approx(0.84)
    # a Serbian message 0.86 similar to a German/English-only entry: answered thanks to the margin
    assert band_decision(0.9, similarity=0.86, gate=other, settings=S).band == "confident"
    # the same similarity in a language the entry has: no match
    assert band_decision(0.9, similarity=0.86, gate=same, settings=S).band == "no_match"
    # without the margin the cross-lingual message would be lost (the mutation issue 15 names)
    no_margin = no_match_gate(0.88, language="sr", entry_languages=entry_langs, cross_lingual_margin=0.0)
    assert band_decision(0.9, similarity=0.86, gate=no_margin, settings=S).band == "no_match"


def test_margin_with_a_set_gate_and_the_band_model():
    gate = no_match_gate(0.88, language="hu", entry_languages={"en"}, cross_lingual_margin=0.04)
    assert band_decision(0.9, similarity=0.85, gate=gate, settings=SET_GATE, answerable=0.9).band == "confident"
    assert band_decision(0.9, similarity=0.83, gate=gate, settings=SET_GATE, answerable=0.9).band == "no_match"


def test_no_gate_stays_no_gate():
    assert no_match_gate(None, language="sr", entry_languages={"en"}, cross_lingual_margin=0.04) is None


# ---- known gaps and not_questions ----------------------------------------------------------------------

@pytest.mark.parametrize("answerable", [None, 0.99])
def test_held_back_message_is_no_match_with_capped_confidence(answerable):
    got = band_decision(0.97, similarity=0.99, gate=0.88, settings=S, answerable=answerable, held_back=True)
    assert got == BandDecision("no_match", HELD_BACK_CONFIDENCE)
    # a low confidence is kept, not raised to the cap
    low = band_decision(0.05, similarity=0.99, gate=0.88, settings=S, answerable=answerable, held_back=True)
    assert low == BandDecision("no_match", 0.05)


def test_not_held_back_keeps_its_band():
    assert band_decision(0.97, similarity=0.99, gate=0.88, settings=S, held_back=False).band == "confident"


def test_thresholds_come_from_the_settings():
    strict = BandSettings(confident=0.99, suggest=0.5)
    assert band_decision(0.9, similarity=0.95, gate=None, settings=strict).band == "suggest"
    assert band_decision(0.4, similarity=0.95, gate=None, settings=strict).band == "no_match"


# ---- the docstring examples of the matching package (no model needed) ---------------------------------

@pytest.mark.parametrize("module", ["decision", "settings", "cache", "calibration", "scoring", "keywords", "bands",
                                    "second_opinion", "alignment", "results"])
def test_matching_docstring_examples_run(module):
    import doctest
    import importlib
    result = doctest.testmod(importlib.import_module(f"replyassist.matching.{module}"),
                             optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted and not result.failed
