"""The safe wrapper: mask -> translate -> restore -> verify, cached.

If any protected item did not come back exactly once, the result has ``ok=False``,
``lost=(...)`` and ``text`` is the *untranslated* source, so a draft built from it is always safe
to send. The cache is keyed by the masked text, the language pair and the model id.
"""
from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from ..errors import Errors, InputError, MissingDependencyError, TranslationError
from ..text import replace_lone_surrogates
from ._base import _LANG_NAMES, Translator, _lang, _missing_pair_error, _pair
from .protection import _leftover_tokens, _mask, find_protected_spans, restore_spans

__all__ = ["SafeTranslator", "TranslationResult"]


@dataclass(frozen=True)
class TranslationResult:
    """The outcome of :meth:`SafeTranslator.translate`.

    ``text`` is what may be sent: the translation when ``ok``, otherwise the untranslated
    ``source_text`` (``attempt`` then holds the rejected translation for inspection).
    ``lost`` lists protected items that did not come back exactly once.
    """

    text: str
    source_text: str
    source_language: str
    target_language: str
    ok: bool
    lost: tuple[str, ...]
    model_id: str
    machine_translated: bool = False
    attempt: str | None = None
    protected: tuple[str, ...] = ()
    cached: bool = False
    notes: tuple[str, ...] = ()

    @property
    def disclosure(self) -> str:
        """One line for the agent/draft saying what happened and which text was the source."""
        src = f"{_LANG_NAMES.get(self.source_language, self.source_language)} ({self.source_language})"
        tgt = f"{_LANG_NAMES.get(self.target_language, self.target_language)} ({self.target_language})"
        if self.machine_translated:
            return f"Machine-translated from {src} into {tgt} by {self.model_id}; the {src} source text is kept alongside."
        if not self.ok:
            return (f"Machine translation from {src} into {tgt} was rejected (protected items changed: "
                    f"{', '.join(self.lost) or 'see notes'}); the untranslated {src} text is offered instead.")
        return f"Not translated: the text is already in {tgt}."

    def to_dict(self) -> dict[str, object]:
        return {"text": self.text, "source_text": self.source_text, "source_language": self.source_language,
                "target_language": self.target_language, "ok": self.ok, "lost": list(self.lost),
                "model_id": self.model_id, "machine_translated": self.machine_translated,
                "attempt": self.attempt, "protected": list(self.protected), "cached": self.cached,
                "notes": list(self.notes), "disclosure": self.disclosure}


class _Cache:
    """In-memory LRU plus optional SQLite file; values are raw MT outputs of masked text."""

    def __init__(self, cache_dir: Path | None, max_entries: int) -> None:
        self.max_entries = max_entries
        self.memory: OrderedDict[str, str] = OrderedDict()
        self.lock = threading.Lock()
        self.db: sqlite3.Connection | None = None
        if cache_dir is not None:
            cache_dir.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(str(cache_dir / "translations.sqlite"), check_same_thread=False)
            self.db.execute("CREATE TABLE IF NOT EXISTS mt (key TEXT PRIMARY KEY, output TEXT NOT NULL, "
                            "model_id TEXT NOT NULL, pair TEXT NOT NULL)")
            self.db.commit()

    def get(self, key: str) -> str | None:
        with self.lock:
            if key in self.memory:
                self.memory.move_to_end(key)
                return self.memory[key]
            if self.db is not None:
                row = self.db.execute("SELECT output FROM mt WHERE key = ?", (key,)).fetchone()
                if row is not None:
                    self._remember(key, row[0])
                    return row[0]
        return None

    def put(self, key: str, value: str, model_id: str, pair: str) -> None:
        with self.lock:
            self._remember(key, value)
            if self.db is not None:
                self.db.execute("INSERT OR REPLACE INTO mt (key, output, model_id, pair) VALUES (?, ?, ?, ?)",
                                (key, value, model_id, pair))
                self.db.commit()

    def _remember(self, key: str, value: str) -> None:
        self.memory[key] = value
        self.memory.move_to_end(key)
        while len(self.memory) > self.max_entries:
            self.memory.popitem(last=False)


class SafeTranslator:
    """Translation that is safe to send: mask -> translate -> restore -> verify, cached.

    The cache key is the *masked* text, the language pair and ``translator.model_id``, so the same
    FAQ answer is translated once even for different customers' names and order numbers.
    ``cache_dir`` adds a persistent SQLite cache (``translations.sqlite``) next to the in-memory one.

    >>> class Upper:                       # any object with model_id / supports / translate
    ...     model_id = "upper-1"
    ...     def supports(self, s, t): return True
    ...     def translate(self, text, s, t): return text.upper()
    >>> r = SafeTranslator(Upper()).translate("hi {name}, order #4711", "en", "de", protect=["Ana"])
    >>> r.text, r.ok, r.machine_translated
    ('HI {name}, ORDER #4711', True, True)
    """

    def __init__(self, translator: Translator, cache_dir: str | Path | None = None, *,
                 max_cache_entries: int = 10_000) -> None:
        for attr in ("model_id", "supports", "translate"):
            if not hasattr(translator, attr):
                from ..errors import ConfigError
                raise ConfigError(Errors.E516, translator_type=type(translator).__name__, attr=attr)
        self.translator = translator
        self._cache = _Cache(Path(cache_dir).expanduser() if cache_dir is not None else None, max_cache_entries)
        self.hits = 0
        self.misses = 0

    @property
    def model_id(self) -> str:
        return str(self.translator.model_id)

    def supports(self, source: str, target: str) -> bool:
        s, t = _lang(source), _lang(target)
        return s == t or bool(self.translator.supports(s, t))

    def _model_id_for(self, source: str, target: str) -> str:
        per_pair = getattr(self.translator, "pair_model_id", None)
        if callable(per_pair) and source != target:
            return str(per_pair(source, target))
        return self.model_id

    def cache_info(self) -> dict[str, int]:
        return {"hits": self.hits, "misses": self.misses, "memory_entries": len(self._cache.memory)}

    def _key(self, masked: str, source: str, target: str, model_id: str) -> str:
        payload = json.dumps([masked, source, target, model_id], ensure_ascii=False)
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()

    def translate(self, text: str, source: str, target: str, *, protect: Sequence[str] = ()) -> TranslationResult:
        """Translate ``text`` keeping protected items intact; never returns a mangled text.

        ``protect`` are extra literal items (names, product names, ...) on top of the automatic ones.
        Raises :class:`TranslationError` (E301) when the pair is not installed; returns
        ``ok=False`` (with the untranslated text) when a protected item was lost.
        """
        if not isinstance(text, str):
            raise InputError.not_text(text)
        if isinstance(protect, str):
            protect = [protect]
        # A lone surrogate (from bad decoding) cannot be encoded for the cache key or the MT model.
        text = replace_lone_surrogates(text)
        protect = [replace_lone_surrogates(p) if isinstance(p, str) else p for p in protect]
        source, target = _lang(source, "source language"), _lang(target, "target language")
        model_id = self._model_id_for(source, target)
        spans = find_protected_spans(text, protect)
        protected = tuple(s.text for s in spans)
        if source == target or not text.strip():
            return TranslationResult(text=text, source_text=text, source_language=source, target_language=target,
                                     ok=True, lost=(), model_id=model_id, protected=protected)
        if not self.translator.supports(source, target):
            missing_dep = getattr(self.translator, "_missing_dependency", None)
            if isinstance(missing_dep, MissingDependencyError):
                raise missing_dep
            installed = list(getattr(self.translator, "pairs", []) or [])
            raise _missing_pair_error(source, target, installed)
        masked, mapping = _mask(text, spans)
        key = self._key(masked, source, target, model_id)
        raw = self._cache.get(key)
        cached = raw is not None
        if raw is None:
            self.misses += 1
            try:
                raw = self.translator.translate(masked, source, target)
            except TranslationError:
                raise
            except Exception as exc:
                raise TranslationError(Errors.E306, model_id=model_id, pair=_pair(source, target),
                                       exc_type=type(exc).__name__, exc=exc) from exc
            if not isinstance(raw, str):
                raise TranslationError(Errors.E300, model_id=model_id, raw_type=type(raw).__name__)
            self._cache.put(key, raw, model_id, _pair(source, target))
        else:
            self.hits += 1
        restored, lost = restore_spans(raw, mapping)
        notes: list[str] = []
        unknown = [tok for tok in _leftover_tokens(restored, mapping)]
        if unknown:
            notes.append(f"the translation contains masking tokens that were not in the source: {', '.join(unknown)}")
        if not restored.strip():
            notes.append("the translation is empty")
        if lost:
            notes.append(f"protected items not restored exactly once: {', '.join(lost)}")
        ok = not lost and not unknown and bool(restored.strip())
        if ok:
            return TranslationResult(text=restored, source_text=text, source_language=source,
                                     target_language=target, ok=True, lost=(), model_id=model_id,
                                     machine_translated=True, attempt=restored, protected=protected,
                                     cached=cached, notes=tuple(notes))
        notes.append("the untranslated text is offered instead")
        return TranslationResult(text=text, source_text=text, source_language=source, target_language=target,
                                 ok=False, lost=lost, model_id=model_id, machine_translated=False,
                                 attempt=restored, protected=protected, cached=cached, notes=tuple(notes))
