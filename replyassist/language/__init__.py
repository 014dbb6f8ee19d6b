"""Language detection for short customer messages: see :mod:`replyassist.language.detector`.

After detection, :func:`resolve_variant` (:mod:`replyassist.language.variant`) decides whether a
Serbian/Croatian/Bosnian message is answered in sr, hr or bs and in which script, from the text's
evidence, else the customer's language, the locale or the corpus default, with a note.

>>> from replyassist.language import detect_language
>>> detect_language("Guten Tag, meine Bestellung ist noch nicht angekommen.").language
'de'
"""
from .bcms import bcms_markers, to_latin
from .cleaning import clean_for_detection, strip_quoted_reply
from .detector import (DEFAULT_LANGUAGES, EXTRA_LANGUAGES, LanguageDetector, LanguageHints, LanguageResult,
                       LanguageSegment, LanguageSettings, detect_language)
from .fast import FastLanguageDetector, FastLanguageSettings
from .variant import VariantDecision, VariantEvidence, resolve_variant, variant_evidence

__all__ = ["detect_language", "LanguageDetector", "LanguageHints", "LanguageResult", "LanguageSegment",
           "LanguageSettings", "DEFAULT_LANGUAGES", "EXTRA_LANGUAGES", "clean_for_detection",
           "strip_quoted_reply", "bcms_markers", "to_latin", "resolve_variant", "variant_evidence",
           "VariantDecision", "VariantEvidence", "FastLanguageDetector", "FastLanguageSettings"]
