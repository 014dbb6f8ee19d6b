"""replyassist: multilingual reply suggestions for customer-support teams, offline by default.

>>> from replyassist import ReplyAssistant
>>> assistant = ReplyAssistant.from_corpus("faq_corpus/shop")                 # doctest: +SKIP
>>> s = assistant.suggest("Hol van a csomagom? Már két hete várok!", customer_name="Kovács Anna",
...                       agent_name="Mira K.", channel="email")              # doctest: +SKIP
>>> print(s.draft.text)                                                        # doctest: +SKIP

Public names are imported lazily, so ``from replyassist import detect_language`` does not load
the embedding model or spaCy.
"""
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS = {
    "ReplyAssistant": "assistant", "Suggestion": "assistant", "Message": "assistant",
    "Settings": "settings", "load_settings": "settings",
    "load_corpus": "corpus", "FaqCorpus": "corpus", "FaqEntry": "corpus", "AnswerTemplate": "corpus",
    "corpus_from_dicts": "corpus",
    "detect_language": "language", "LanguageDetector": "language", "LanguageHints": "language",
    "LanguageResult": "language",
    "FaqIndex": "matching", "MatchSettings": "matching", "Match": "matching", "MatchResult": "matching",
    "SignalAnalyzer": "signals", "SignalSettings": "signals",
    "Drafter": "drafting", "DraftSettings": "drafting", "Draft": "drafting",
    "ToneChecker": "tone", "ToneFinding": "tone",
    "get_embedder": "embeddings", "Embedder": "embeddings",
    "prepare_message": "text",
    "ReplyAssistError": "errors", "InputError": "errors", "CorpusError": "errors", "ConfigError": "errors",
}

__all__ = sorted(_EXPORTS) + ["__version__"]

if TYPE_CHECKING:  # pragma: no cover
    from .assistant import Message, ReplyAssistant, Suggestion
    from .corpus import AnswerTemplate, FaqCorpus, FaqEntry, corpus_from_dicts, load_corpus
    from .drafting import Draft, Drafter, DraftSettings
    from .embeddings import Embedder, get_embedder
    from .errors import ConfigError, CorpusError, InputError, ReplyAssistError
    from .language import LanguageDetector, LanguageHints, LanguageResult, detect_language
    from .matching import FaqIndex, Match, MatchResult, MatchSettings
    from .settings import Settings, load_settings
    from .signals import SignalAnalyzer, SignalSettings
    from .text import prepare_message
    from .tone import ToneChecker, ToneFinding


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'replyassist' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
