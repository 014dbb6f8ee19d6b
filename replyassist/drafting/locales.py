"""Per-language phrases and lexicons (``replyassist/data/locales/<lang>.yaml``), and the
spaCy-tokenised lexicon matcher shared by register detection and the tone checker.

>>> loc = get_locale("de")
>>> loc.phrase("closing", "formal")
'Freundliche Grüße'
>>> [m.text for m in loc.find("Könnten Sie mir bitte helfen?", "register_formal")]
['Könnten Sie', 'Sie']
"""
from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Sequence

import yaml

from ..errors import ConfigError, Errors
from .script import cyrillic_to_latin_with_map, has_cyrillic

__all__ = ["Locale", "LexiconMatch", "get_locale", "has_locale", "supported_languages", "tokenize", "LOCALE_DIR"]

LOCALE_DIR = Path(__file__).resolve().parent.parent / "data" / "locales"
FALLBACK_LANGUAGE = "en"
_SPACY_LANGS = {"en", "de", "hu", "sr", "hr", "es", "fr", "it", "pt", "nl", "pl", "cs", "sk", "sl", "ro", "bg", "ru", "uk", "mk"}


_LOCALE_CODE = re.compile(r"[a-z]{2,3}")


def has_locale(language: str | None) -> bool:
    """True if ``language`` (an ISO 639 code such as ``"hr"``) has a locale file.

    Other files in the locale folder (``politeness.yaml``, the tone cue lists) are not languages.
    """
    return (isinstance(language, str) and _LOCALE_CODE.fullmatch(language) is not None
            and (LOCALE_DIR / f"{language}.yaml").is_file())


def supported_languages() -> tuple[str, ...]:
    """Languages with a locale file (drafts and tone checks are fully localised for these).

    >>> "hr" in supported_languages() and "politeness" not in supported_languages()
    True
    """
    return tuple(sorted(p.stem for p in LOCALE_DIR.glob("*.yaml") if has_locale(p.stem)))


# ---------------------------------------------------------------------------------------------
# Tokenisation: spaCy blank pipelines (tokeniser rules only), loaded once per language.

_NLP: dict[str, Any] = {}
_NLP_LOCK = threading.Lock()
_FALLBACK_TOKEN = re.compile(r"\w+(?:[-'’]\w+)*|[^\w\s]", re.UNICODE)
_LONG_RUN = re.compile(r"\S{101,}")


def _nlp(lang: str) -> Any | None:
    key = lang if lang in _SPACY_LANGS else "xx"
    with _NLP_LOCK:
        if key not in _NLP:
            try:
                import spacy
                _NLP[key] = spacy.blank(key)
            except Exception:  # spaCy missing or language not available: regex tokeniser
                _NLP[key] = None
        return _NLP[key]


def tokenize(text: str, lang: str | None) -> list[tuple[str, int]]:
    """``(token, char_offset)`` pairs, with spaCy's tokeniser for ``lang`` (``xx`` if spaCy lacks it).

    Falls back to a regex tokeniser when spaCy is not installed.
    """
    nlp = _nlp(lang or "xx")
    if nlp is None:
        return [(m.group(0), m.start()) for m in _FALLBACK_TOKEN.finditer(text)]
    if not _LONG_RUN.search(text):
        return _spacy_tokens(nlp, text)
    # spaCy's suffix search is quadratic in the length of one whitespace-free run ('😡' * 20000
    # took 62 s, issue 20): such runs are blanked out for spaCy (same length, offsets hold) and
    # tokenised by the linear regex tokeniser instead, their first and last 50 characters only
    # (no word of a lexicon is longer; 20,000 emoji tokens made every lexicon scan slow).
    blanked = _LONG_RUN.sub(lambda m: " " * len(m.group()), text)
    toks = _spacy_tokens(nlp, blanked)
    for run in _LONG_RUN.finditer(text):
        for a, piece in ((run.start(), run.group()[:50]), (run.end() - 50, run.group()[-50:])):
            toks += [(m.group(0), a + m.start()) for m in _FALLBACK_TOKEN.finditer(piece)]
    return sorted(toks, key=lambda tk: tk[1])


_SPACY_CHUNK = 100_000


def _spacy_tokens(nlp: Any, text: str) -> list[tuple[str, int]]:
    """spaCy's tokens of ``text`` in pieces of at most 100,000 characters cut at white space: spaCy
    refuses a text over ``nlp.max_length`` (1,000,000) with a ValueError (issue 20: a 1 MB draft)."""
    if len(text) <= _SPACY_CHUNK:
        return [(t.text, t.idx) for t in nlp.make_doc(text) if not t.is_space]
    out: list[tuple[str, int]] = []
    pos = 0
    while pos < len(text):
        end = min(len(text), pos + _SPACY_CHUNK)
        if end < len(text):
            cut = max(text.rfind(" ", pos, end), text.rfind("\n", pos, end))
            end = cut + 1 if cut > pos else end
        out += [(t.text, pos + t.idx) for t in nlp.make_doc(text[pos:end]) if not t.is_space]
        pos = end
    return out


# ---------------------------------------------------------------------------------------------
# Lexicon patterns


@dataclass(frozen=True)
class _Tok:
    text: str
    prefix: bool
    case: bool


@dataclass(frozen=True)
class _Pattern:
    source: str
    toks: tuple[_Tok, ...]
    weight: float


@dataclass(frozen=True)
class LexiconMatch:
    """A lexicon hit: character span in the searched text, the matched text and the pattern."""

    start: int
    end: int
    text: str
    pattern: str
    weight: float


def _compile(entry: str, lang: str) -> _Pattern:
    src = str(entry).split("=>", 1)[0].strip()
    weight = 1.0
    if "^" in src:
        src, w = src.rsplit("^", 1)
        weight = float(w)
    force_case = src.startswith("=")
    if force_case:
        src = src[1:]
    toks: list[Any] = []
    for word, _ in tokenize(src.replace("*", "\u2063"), lang):
        prefix = word.endswith("\u2063")
        word = word.replace("\u2063", "")
        if not word:
            if toks:
                toks[-1] = _Tok(toks[-1].text, True, toks[-1].case)
            continue
        case = force_case or any(c.isupper() for c in word)
        toks.append(_Tok(word if case else word.lower(), prefix, case))
    return _Pattern(entry, tuple(toks), weight)


def _tok_match(p: _Tok, word: str) -> bool:
    w = word if p.case else word.lower()
    return w.startswith(p.text) if p.prefix else w == p.text


def _build_index(pats: list[_Pattern]) -> tuple[dict[str, list[_Pattern]], list[_Pattern]]:
    """Patterns keyed by their exact first token (lower case unless case-sensitive); prefix-first
    patterns are checked at every position."""
    exact: dict[str, list[_Pattern]] = {}
    loose: list[_Pattern] = []
    for p in pats:
        if not p.toks:
            continue
        if p.toks[0].prefix:
            loose.append(p)
        else:
            exact.setdefault(p.toks[0].text, []).append(p)
    return exact, loose


class Locale:
    """Phrases and lexicons of one language (read-only)."""

    def __init__(self, language: str, data: dict[str, Any]) -> None:
        self.language = language
        self.data = data
        self._patterns: dict[str, list[_Pattern]] = {}

    def _index(self, lexicon: str, pats: list[_Pattern]) -> tuple[dict[str, list[_Pattern]], list[_Pattern]]:
        key = "\0idx:" + lexicon
        if key not in self._patterns:
            self._patterns[key] = _build_index(pats)  # type: ignore[assignment]
        return self._patterns[key]  # type: ignore[return-value]

    def has(self, key: str) -> bool:
        return key in self.data

    def phrase(self, key: str, register: str = "formal", sub: str | None = None) -> str:
        """The phrase ``key`` (optionally ``key.register.sub``) for ``register``."""
        val = self.data.get(key)
        if isinstance(val, dict) and register in val:
            val = val[register]
        elif isinstance(val, dict) and ("formal" in val or "informal" in val):
            val = val.get("formal") or val.get("informal")
        if sub is not None and isinstance(val, dict):
            val = val.get(sub)
        if not isinstance(val, str):
            raise KeyError(f"locale {self.language!r} has no phrase {key!r}/{register!r}/{sub!r}")
        return val

    def get(self, key: str, default: Any = None) -> Any:
        return self.data.get(key, default)

    def empathy_for(self, situation: str, register: str = "formal") -> str | None:
        """The empathy line for a situation (``"delay"``, ``"damage"``, ``"safety"``...) in
        ``register``, or ``None`` when the locale has none for it.

        >>> get_locale("en").empathy_for("no-such-situation") is None
        True
        """
        val = (self.data.get("empathy_for") or {}).get(situation)
        if isinstance(val, dict):
            val = val.get(register) or val.get("formal") or val.get("informal")
        return val if isinstance(val, str) and val.strip() else None

    def patterns(self, lexicon: str, extra: Sequence[str] = ()) -> list[_Pattern]:
        if lexicon not in self._patterns:
            entries = (self.data.get("lexicon") or {}).get(lexicon) or []
            self._patterns[lexicon] = [_compile(e, self.language) for e in entries]
        if extra:
            return self._patterns[lexicon] + [_compile(e, self.language) for e in extra]
        return self._patterns[lexicon]

    def find(self, text: str, lexicon: str, *, extra: Sequence[str] = (),
             tokens: list[tuple[str, int]] | None = None) -> list[LexiconMatch]:
        """Every hit of ``lexicon`` in ``text`` (longest first at a position; overlapping hits of
        different patterns are all returned). Serbian Cyrillic text is matched through its exact
        Latin transliteration, with spans mapped back to the Cyrillic text."""
        pats = self.patterns(lexicon, extra)
        if not pats:
            return []
        src_map: list[int] | None = None
        search = text
        if tokens is None:
            if has_cyrillic(text) and self.language in ("sr", "mk", "bs"):
                search, src_map = cyrillic_to_latin_with_map(text)
            tokens = tokenize(search, self.language)
        out: list[LexiconMatch] = []
        words = [t for t, _ in tokens]
        exact, loose = self._index(lexicon, pats) if not extra else _build_index(pats)
        for i in range(len(tokens)):
            w = words[i]
            cands = exact.get(w, []) + (exact.get(w.lower(), []) if w.lower() != w else []) + loose
            for p in cands:
                n = len(p.toks)
                if n == 0 or i + n > len(tokens):
                    continue
                if all(_tok_match(p.toks[k], words[i + k]) for k in range(n)):
                    s = tokens[i][1]
                    e = tokens[i + n - 1][1] + len(words[i + n - 1])
                    if src_map is not None:
                        s2 = src_map[s] if s < len(src_map) else len(text)
                        e2 = (src_map[e - 1] + 1) if e - 1 < len(src_map) else len(text)
                        s, e = s2, e2
                    out.append(LexiconMatch(s, e, text[s:e], p.source, p.weight))
        out.sort(key=lambda m: (m.start, -(m.end - m.start)))
        return out


@lru_cache(maxsize=None)
def _load(language: str) -> Locale:
    path = LOCALE_DIR / f"{language}.yaml"
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:  # pragma: no cover - packaging error
        raise ConfigError(Errors.E544, path=path, exc=exc) from None
    # Situation-specific empathy lines live beside the locale (``empathy/<lang>.yaml``: one phrase
    # per situation and register); they are read into ``data["empathy_for"]``.
    emp = LOCALE_DIR / "empathy" / f"{language}.yaml"
    if emp.is_file():
        try:
            data["empathy_for"] = yaml.safe_load(emp.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as exc:  # pragma: no cover - packaging error
            raise ConfigError(Errors.E544, path=emp, exc=exc) from None
    return Locale(language, data)


def get_locale(language: str | None) -> Locale:
    """The locale for ``language``; English for languages without a locale file."""
    lang = (language or FALLBACK_LANGUAGE).lower().split("-")[0].split("_")[0]
    if not has_locale(lang):
        lang = FALLBACK_LANGUAGE
    return _load(lang)


def asks(text: str, language: str | None) -> bool:
    """A question or a request, not a statement: a "?" or a word of the locale's ``asks`` lexicon
    ("please", "bitte", "kérem", "molim", "zanima me"; Serbian Cyrillic through its Latin spelling).
    The drafter's praise rule and the assistant's second questions both ask this.

    >>> asks("and stop the newsletters too", "en"), asks("pls close my account", "en"), asks("Wo ist es?", "de")
    (False, True, True)
    """
    if "?" in text:
        return True
    return bool(get_locale(language if has_locale(language) else "en").find(text, "asks"))
