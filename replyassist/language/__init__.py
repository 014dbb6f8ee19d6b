"""Language detection for short customer messages: see :mod:`replyassist.language.detector`.

>>> from replyassist.language import detect_language
>>> detect_language("Guten Tag, meine Bestellung ist noch nicht angekommen.").language
'de'
"""
from .bcms import bcms_markers, to_latin
from .cleaning import clean_for_detection, strip_quoted_reply
from .detector import (DEFAULT_LANGUAGES, EXTRA_LANGUAGES, LanguageDetector, LanguageHints, LanguageResult,
                       LanguageSegment, LanguageSettings, detect_language)

__all__ = ["detect_language", "LanguageDetector", "LanguageHints", "LanguageResult", "LanguageSegment",
           "LanguageSettings", "DEFAULT_LANGUAGES", "EXTRA_LANGUAGES", "clean_for_detection",
           "strip_quoted_reply", "bcms_markers", "to_latin"]
