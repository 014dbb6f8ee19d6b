"""Optional machine translation that never mangles what matters.

The package has one module per job:

* :mod:`.protection` -- :func:`protect_spans` / :func:`restore_spans` / :func:`find_protected_spans`:
  small pure functions that replace names, order/ticket numbers, e-mails, URLs, amounts, dates,
  times, phone numbers and ``{placeholders}`` by opaque tokens (``XQ0``, ``XQ1`` ...) before
  translation and put them back afterwards, tolerating what real NMT does to such tokens (spaces
  inside, case changes, moved tokens).
* :mod:`.argos` -- :class:`ArgosTranslator`, the offline backend on argostranslate / CTranslate2
  (any object with ``model_id``, ``supports`` and ``translate`` is a :class:`Translator`); it
  pivots through English when no direct language pack is installed.
* :mod:`.safe` -- :class:`SafeTranslator`: mask -> translate -> restore -> verify, with a cache
  keyed by the masked text, the language pair and the model id. If any protected item did not
  come back exactly once, the result has ``ok=False``, ``lost=(...)`` and ``text`` is the
  *untranslated* source, so a draft built from it is always safe to send.
* :mod:`.packs` -- :func:`install_translation_pair` / :func:`install_package_file`: installing
  argos language packs (the command line ``replyassist models install-translation SRC TGT`` lives
  in :mod:`replyassist.cli`). Language packs are never downloaded at run time.

>>> masked, mapping = protect_spans("Hi {name}, order #4711 costs 1.234,56 € (due 12.05.2024.)")
>>> masked
'Hi XQ0, order XQ1 costs XQ2 (due XQ3)'
>>> restore_spans("Hallo XQ0, Bestellung XQ 1 kostet xq2 (fällig XQ3)", mapping)
('Hallo {name}, Bestellung #4711 kostet 1.234,56 € (fällig 12.05.2024.)', ())
"""
from __future__ import annotations

from ..text import split_sentences
from ._base import INSTALL_COMMAND, PIVOT_LANGUAGE, Translator
from .argos import ArgosTranslator
from .packs import install_package_file, install_translation_pair, installed_pairs
from .protection import ProtectedSpan, find_protected_spans, protect_spans, restore_spans
from .safe import SafeTranslator, TranslationResult

__all__ = [
    "Translator",
    "ArgosTranslator",
    "SafeTranslator",
    "TranslationResult",
    "ProtectedSpan",
    "find_protected_spans",
    "protect_spans",
    "restore_spans",
    "split_sentences",
    "install_translation_pair",
    "install_package_file",
    "installed_pairs",
    "PIVOT_LANGUAGE",
    "INSTALL_COMMAND",
]
