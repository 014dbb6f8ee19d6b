"""A fast language detector for huge logs: fastText lid.176 (with CLD2 as a check) decides the
clear cases, the full :class:`~replyassist.language.LanguageDetector` everything else.

The full detector combines five detectors and a trained model (0.7-3 ms per message on the
shared 2-core machine); over a million messages that is most of the FAQ-gap analysis. Most
messages of a log are not hard: a sentence of German that fastText gives 0.97 is German for
every detector. :class:`FastLanguageDetector` answers those from fastText's own reading
(0.03 ms) and hands the rest to the full detector, so its answers are the full detector's
wherever the two could plausibly differ:

- **The fast path** answers when all of these hold for the detection text (the cleaned text the
  full detector reads, :meth:`LanguageDetector.detection_text`): at least ``min_letters`` letters;
  fastText's best language has probability ``>= min_prob``; it is a language the full detector
  may answer (its candidates; a language outside the 39 trained ones only where the full detector
  reports it too) and not one of ``full_languages`` (by default Serbian, Croatian, Bosnian,
  Montenegrin, Slovenian, Macedonian: the variant matters, and the full detector's second stage
  decides it); CLD2 does not name another language (``cld2_check``); the message's customer
  language or locale hint (if any) is that language; the script does not decide by itself
  (Hangul, kana, Greek ... are cheap for the full detector anyway); no Montenegrin form.
- **Otherwise** the full detector answers, with the same hints (its result is returned as it is).
- **Cache**: results are kept per (detection text, hints), so repeated messages that differ only
  in what the cleaning removes (order numbers, e-mail addresses, links, emoji) are detected once.
  Every result is a function of its key alone, so the cache never changes an answer.

A fast-path result has ``confidence`` = fastText's probability, ``alternatives`` = fastText's
next languages, ``source="text"``. Segments (``segments=True``) are always the full detector's.
How often the two detectors agree, per language (incl. Serbian, Croatian, Bosnian) and what it
does to the gap analysis: ``benchmarks/results/gaps_langid_fast.md`` (99.8 % agreement on a gap log,
the language stage 1.4x faster); the gap analysis uses it with ``GapSettings.language_mode="fast"``
(docs/gaps.md).

>>> det = FastLanguageDetector()
>>> det.detect("Guten Tag, meine Bestellung ist leider noch immer nicht angekommen.").language
'de'
>>> det.detect("Dobar dan, gde je moja porudžbina? Čekam već nedelju dana.").tag   # full detector
'sr-Latn'
"""
from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field, replace
from typing import Any, Iterable, Sequence

from ..errors import ConfigError, Errors, InputError
from . import _backends as B
from ._model import script_counts
from .bcms import bcms_markers
from ..text import strip_salutations
from .cleaning import letter_count
from .detector import (_ME_WORDS, _SCRIPT_LANG, _SCRIPT_OF_LANG, _WORD, NEUTRAL_TOKENS, LanguageDetector,
                       LanguageHints, LanguageResult, LanguageSettings, _bounded, hints_per_text)

__all__ = ["FastLanguageDetector", "FastLanguageSettings", "FAST_FULL_LANGUAGES"]

#: Languages the fast path never answers: the full detector (with its Serbian/Croatian/Bosnian
#: second stage and markers) decides them. ``sh`` is fastText's "Serbo-Croatian".
FAST_FULL_LANGUAGES: tuple[str, ...] = ("bs", "hr", "me", "mk", "sh", "sl", "sr")
_ISO = re.compile(r"^[a-z]{2,3}$")
_LATIN_LANGS = ("hr", "bs", "sl", "cs", "sk", "pl", "de", "en", "hu", "ro")


@dataclass(frozen=True)
class FastLanguageSettings:
    """Settings of :class:`FastLanguageDetector` (validated on creation).

    - ``min_prob``: fastText's probability for its best language from which the fast path answers.
    - ``min_letters``: shorter detection texts always go to the full detector.
    - ``cld2_check``: ``"agree"`` (CLD2's best language must be the same), ``"not_other"`` (CLD2 may
      also be undecided), or ``"off"``.
    - ``strip_salutations``: when fastText is unsure of the whole text, read it once more without
      its greeting and sign-off (:func:`replyassist.text.strip_salutations`): "Szia, where is my
      card? Köszönöm" is English. The full detector reads the whole text (and may say Hungarian),
      so this trades agreement with it for the language of the message's body.
    - ``full_languages``: languages only the full detector answers (default
      :data:`FAST_FULL_LANGUAGES`).
    - ``cache_size``: detection results kept per process (0: no cache).
    - ``language``: the full detector's :class:`~replyassist.language.LanguageSettings`.

    >>> FastLanguageSettings(min_prob=0.95).min_prob
    0.95
    """

    min_prob: float = 0.9
    min_letters: int = 12
    cld2_check: str = "not_other"
    strip_salutations: bool = False
    full_languages: tuple[str, ...] = FAST_FULL_LANGUAGES
    cache_size: int = 200_000
    language: LanguageSettings = field(default_factory=LanguageSettings)

    def __post_init__(self) -> None:
        if not isinstance(self.min_prob, (int, float)) or isinstance(self.min_prob, bool) \
                or not 0.0 <= self.min_prob <= 1.0:
            raise ConfigError(Errors.E087, name="min_prob", what="a number between 0 and 1", value=self.min_prob)
        for name in ("min_letters", "cache_size"):
            v = getattr(self, name)
            if not isinstance(v, int) or isinstance(v, bool) or v < (1 if name == "min_letters" else 0):
                raise ConfigError(Errors.E087, name=name, value=v,
                                  what="an integer >= 1" if name == "min_letters" else "an integer >= 0")
        if self.cld2_check not in ("agree", "not_other", "off"):
            raise ConfigError(Errors.E087, name="cld2_check", what="agree, not_other or off", value=self.cld2_check)
        langs = self.full_languages
        if isinstance(langs, str) or not all(isinstance(c, str) and _ISO.match(c) for c in langs):
            raise ConfigError(Errors.E087, name="full_languages", what="a tuple of language codes such as ('sr', 'hr')",
                              value=langs)
        object.__setattr__(self, "full_languages", tuple(langs))
        if not isinstance(self.language, LanguageSettings):
            raise ConfigError(Errors.E087, name="language", what="a LanguageSettings", value=self.language)
        self.language.validate()


def _cld2_best(text: str) -> str | None:
    """CLD2's best language for ``text`` (ISO code), or None when CLD2 is missing or undecided."""
    mod: Any = B._get("cld2", B._load_cld2)
    if not mod or not text:
        return None
    try:
        reliable, _, details = mod.detect(text, bestEffort=True)
    except Exception:  # pycld2 rejects some invalid UTF-8
        return None
    code = details[0][1] if details else "un"
    if code in ("un", "xxx"):
        return None
    code = B._ALIASES.get(code, code).split("-")[0]
    return code


def _fasttext_many(texts: Sequence[str], k: int = 4) -> list[tuple[list[str], list[float]]]:
    """fastText lid.176's ``k`` best labels (ISO codes) and probabilities for each text.

    One call per text: the list form of fasttext-predict's ``predict`` returns no probabilities."""
    model: Any = B._get("fasttext", B._load_fasttext)
    if not model:
        return [([], []) for _ in texts]
    out = []
    aliases = B._ALIASES
    for t in texts:
        labs, ps = model.predict(t.replace("\n", " ").replace("\r", " "), k=k, threshold=0.0)
        out.append(([aliases.get(c, c) for c in (lab[9:] for lab in labs)], [float(p) for p in ps]))
    return out


class FastLanguageDetector:
    """Detects the language of huge logs fast; the full detector decides whatever is not clear.
    See the module docstring for the rule.

    ``detect`` / ``detect_many`` take the same arguments as :class:`LanguageDetector`'s and give
    its results where it matters; ``counts`` says how many texts each path answered (fast,
    full, cache).

    >>> det = FastLanguageDetector()
    >>> [r.language for r in det.detect_many(["Where is my parcel, I ordered it two weeks ago?", "Hvala puno!", "👍"])]
    ['en', 'hr', None]
    >>> det.counts["fast"], det.counts["full"]
    (1, 2)
    """

    def __init__(self, settings: FastLanguageSettings | None = None, *, full: LanguageDetector | None = None) -> None:
        """``full``: the full detector to fall back to (default: one built from ``settings.language``)."""
        settings = settings if settings is not None else FastLanguageSettings(
            language=full.settings if full is not None else LanguageSettings())
        if not isinstance(settings, FastLanguageSettings):
            raise ConfigError(Errors.E087, name="settings", what="a FastLanguageSettings", value=type(settings).__name__)
        self.full = full if full is not None else LanguageDetector(settings.language)
        self.settings = replace(settings, language=self.full.settings)
        self.counts = {"fast": 0, "full": 0, "cache": 0}
        self._cache: dict[tuple[str, LanguageHints | None], LanguageResult] = {}
        self._lock = threading.Lock()

    def __getstate__(self) -> dict[str, Any]:  # pickled for Dask workers: without the cache and lock
        d = dict(self.__dict__)
        d["_cache"] = {}
        d["counts"] = {"fast": 0, "full": 0, "cache": 0}
        d.pop("_lock", None)
        return d

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()

    detection_text = staticmethod(LanguageDetector.detection_text)

    # ------------------------------------------------------------------ public
    def detect(self, text: str, *, hints: LanguageHints | None = None, segments: bool = False) -> LanguageResult:
        """The language of ``text`` (see the class docs); ``segments=True``: the full detector's result."""
        return self.detect_many([text], hints=hints, segments=segments)[0]

    def detect_many(self, texts: Iterable[str], *, hints: Sequence[LanguageHints | None] | LanguageHints | None = None,
                    segments: bool = False) -> list[LanguageResult]:
        """Detect each text (each distinct detection text once); ``hints`` is one LanguageHints for
        all or one per text."""
        texts = list(texts)
        hs = hints_per_text(hints, len(texts))
        for t, h in zip(texts, hs):
            if not isinstance(t, str):
                raise InputError.not_text(t)
            if h is not None and not isinstance(h, LanguageHints):
                raise ConfigError(Errors.E020, hints_type=type(h).__name__)
        if segments:
            self.counts["full"] += len(texts)
            return [self.full.detect(t, hints=h, segments=True) for t, h in zip(texts, hs)]
        max_chars = self.settings.language.max_chars
        keys = [(self.full.detection_text(_bounded(t, max_chars)[0]), h) for t, h in zip(texts, hs)]
        out: dict[tuple[str, LanguageHints | None], LanguageResult] = {}
        todo: list[tuple[str, LanguageHints | None]] = []
        cache = self._cache
        for key in keys:
            if key in out:
                continue
            hit = cache.get(key)
            if hit is not None:
                out[key] = hit
                self.counts["cache"] += 1
            else:
                out[key] = None  # type: ignore[assignment]  # placeholder, filled below
                todo.append(key)
        # texts the fast path may answer: enough letters (else the full detector is cheap anyway)
        quick = [k for k in todo if letter_count(k[0]) >= self.settings.min_letters]
        ft = dict(zip(quick, _fasttext_many([k[0] for k in quick]))) if quick else {}
        for key in todo:
            res = None
            if key in ft:
                res = self._fast(key[0], key[1], *ft[key])
                if res is None and self.settings.strip_salutations and ft[key][1] \
                        and ft[key][1][0] < self.settings.min_prob:
                    body = strip_salutations(key[0])
                    if body != key[0] and letter_count(body) >= self.settings.min_letters:
                        res = self._fast(body, key[1], *_fasttext_many([body])[0])
            if res is None:
                res = self.full._detect_clean(key[0], key[1])
                self.counts["full"] += 1
            else:
                self.counts["fast"] += 1
            out[key] = res
        if self.settings.cache_size and todo:
            with self._lock:
                if len(cache) + len(todo) > self.settings.cache_size:
                    cache.clear()   # every result depends on its key alone: dropping entries changes no answer
                for key in todo[: self.settings.cache_size]:
                    cache[key] = out[key]
        return [out[k] for k in keys]

    # ------------------------------------------------------------------ internals
    def _fast(self, text: str, hints: LanguageHints | None, labels: list[str], probs: list[float]
              ) -> LanguageResult | None:
        """The fast-path answer for a detection text, or None when the full detector must decide."""
        s = self.settings
        ls = s.language
        if not labels:
            return None
        best, p = labels[0], probs[0]
        if p < s.min_prob or best in s.full_languages:
            return None
        cands = self.full._candidates(hints)
        if best not in cands:
            return None
        n_letters = letter_count(text)
        if best not in B.LABEL_INDEX and (p < ls.extra_language_min_prob or n_letters < 6
                                          or not (ls.extra_languages or ls.languages is not None)):
            return None   # a language outside the trained 39 only where the full detector reports it too
        if hints is not None:
            for lang in (hints.customer_language, hints.locale_language()):
                if lang and lang.lower() != best:
                    return None
        words = _WORD.findall(text.lower())
        if all(w in NEUTRAL_TOKENS for w in words) or any(w in _ME_WORDS for w in words):
            return None
        counts = script_counts(text)
        if not counts:
            return None
        script = max(counts.items(), key=lambda kv: (kv[1], kv[0]))[0]
        if script in _SCRIPT_LANG or script == "Hani":
            return None
        if script == "Cyrl":
            marks = bcms_markers(text)
            if marks["sr_cyr_letters"] or marks["mk_letters"]:
                return None
        if s.cld2_check != "off":
            c = _cld2_best(text)
            if (c != best) if s.cld2_check == "agree" else (c is not None and c != best):
                return None
        out_script = _SCRIPT_OF_LANG.get(best, script)
        if best in _LATIN_LANGS:
            out_script = "Latn"
        alts = tuple((lab, float(q)) for lab, q in zip(labels[1:], probs[1:]) if lab in cands)[:ls.max_alternatives]
        return LanguageResult(best, float(p), out_script, alts, bool(p >= ls.reliable_at and n_letters >= 4), "text")
