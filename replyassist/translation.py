"""Optional machine translation that never mangles what matters.

Three layers:

* :class:`Translator` -- the protocol of a raw MT backend (``model_id``, ``supports``,
  ``translate``). :class:`ArgosTranslator` is the offline backend on argostranslate /
  CTranslate2; it pivots through English when no direct language pack is installed.
* :func:`protect_spans` / :func:`restore_spans` -- small pure functions that replace names,
  order/ticket numbers, e-mails, URLs, amounts, dates, times, phone numbers and
  ``{placeholders}`` by opaque tokens (``XQ0``, ``XQ1`` ...) before translation and put them back
  afterwards, tolerating what real NMT does to such tokens (spaces inside, case changes,
  moved tokens).
* :class:`SafeTranslator` -- mask -> translate -> restore -> verify, with a cache keyed by
  the masked text, the language pair and the model id. If any protected item did not come back
  exactly once, the result has ``ok=False``, ``lost=(...)`` and ``text`` is the *untranslated*
  source, so a draft built from it is always safe to send.

>>> masked, mapping = protect_spans("Hi {name}, order #4711 costs 1.234,56 € (due 12.05.2024.)")
>>> masked
'Hi XQ0, order XQ1 costs XQ2 (due XQ3)'
>>> restore_spans("Hallo XQ0, Bestellung XQ 1 kostet xq2 (fällig XQ3)", mapping)
('Hallo {name}, Bestellung #4711 kostet 1.234,56 € (fällig 12.05.2024.)', ())

Language packs are never downloaded at run time; :func:`install_translation_pair` (CLI:
``replyassist models install-translation SRC TGT``) installs them for users who have internet.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import re
import sqlite3
import threading
import unicodedata
import zipfile
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Mapping, Protocol, Sequence, runtime_checkable

from .errors import InputError, MissingDependencyError, TranslationError
from .text import replace_lone_surrogates, split_sentences

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
    "cli_install_translation",
    "PIVOT_LANGUAGE",
    "INSTALL_COMMAND",
]

#: Language used as pivot when no direct pack is installed.
PIVOT_LANGUAGE = "en"
#: The command users run to install language packs (the lead wires it in cli.py).
INSTALL_COMMAND = "replyassist models install-translation"

_LANG_NAMES = {"en": "English", "de": "German", "hu": "Hungarian", "sr": "Serbian", "hr": "Croatian",
               "bs": "Bosnian", "sl": "Slovenian", "fr": "French", "it": "Italian", "es": "Spanish"}


def _lang(code: str, what: str = "language") -> str:
    """Normalise ``"sr-Latn-RS"`` / ``"DE"`` / ``"de_AT"`` to the ISO 639-1 base code."""
    if not isinstance(code, str) or not code.strip():
        raise InputError(f"The {what} must be an ISO 639-1 code such as 'de' or 'hu', got {code!r}.",
                         code="E104")
    base = re.split(r"[-_]", code.strip())[0].lower()
    if not re.fullmatch(r"[a-z]{2,3}", base):
        raise InputError(f"The {what} must be an ISO 639-1 code such as 'de' or 'hu', got {code!r}.",
                         code="E104")
    return base


def _pair(source: str, target: str) -> str:
    return f"{source}→{target}"


# --------------------------------------------------------------------------------------------
# Errors (all TranslationError, with codes E301..E304)
# --------------------------------------------------------------------------------------------

def _missing_pair_error(source: str, target: str, installed: Sequence[tuple[str, str]] = ()) -> TranslationError:
    have = ", ".join(_pair(a, b) for a, b in sorted(installed)) or "none"
    return TranslationError(
        f"No translation model for {_pair(source, target)} is installed, and no pivot through English "
        f"({_pair(source, PIVOT_LANGUAGE)} + {_pair(PIVOT_LANGUAGE, target)}) is possible either "
        f"(installed pairs: {have}). With internet access, install the language pack with: "
        f"{INSTALL_COMMAND} {source} {target}   (it installs {_pair(source, PIVOT_LANGUAGE)} and "
        f"{_pair(PIVOT_LANGUAGE, target)} when there is no direct pack). On an offline machine, copy the "
        f".argosmodel files over and run: {INSTALL_COMMAND} --file PATH.argosmodel",
        code="E301")


def _offline_error(url: str, detail: str) -> TranslationError:
    return TranslationError(
        f"Could not reach the Argos Translate package index at {url} ({detail}). Installing language "
        f"packs needs internet access. Run '{INSTALL_COMMAND} SRC TGT' on a machine that is online, or "
        f"download the .argosmodel files elsewhere and install them with "
        f"'{INSTALL_COMMAND} --file PATH.argosmodel'. Translation is optional: without packs, drafts come "
        f"from the FAQ corpus's own languages.",
        code="E302")


def _bad_package_error(path: Path, detail: str) -> TranslationError:
    return TranslationError(
        f"{path} is not a usable Argos Translate package ({detail}). A package is a zip archive "
        f"(.argosmodel) holding one folder with metadata.json, model/ (CTranslate2) and "
        f"sentencepiece.model or bpe.model.", code="E303")


# --------------------------------------------------------------------------------------------
# Protection: finding, masking and restoring spans that must not be translated
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ProtectedSpan:
    """A span ``[start, end)`` of the text that must pass through translation unchanged."""

    start: int
    end: int
    kind: str
    text: str

    def to_dict(self) -> dict[str, object]:
        return {"start": self.start, "end": self.end, "kind": self.kind, "text": self.text}


_MONTHS = {
    "en": "january february march april may june july august september october november december "
          "jan feb mar apr jun jul aug sep sept oct nov dec",
    "de": "januar jänner februar feber märz april mai juni juli august september oktober november dezember "
          "jan feb mär märz apr jun jul aug sep sept okt nov dez",
    "hu": "január február március április május június július augusztus szeptember október november december "
          "jan febr márc ápr máj jún júl aug szept okt nov dec",
    "hr": "siječanj veljača ožujak travanj svibanj lipanj srpanj kolovoz rujan listopad studeni prosinac "
          "siječnja veljače ožujka travnja svibnja lipnja srpnja kolovoza rujna listopada studenoga studenog "
          "prosinca",
    "sr": "januar februar mart april maj jun juni jul juli avgust septembar oktobar novembar decembar "
          "januara februara marta aprila maja juna jula avgusta septembra oktobra novembra decembra "
          "јануар фебруар март април мај јун јул август септембар октобар новембар децембар "
          "јануара фебруара марта априла маја јуна јула августа септембра октобра новембра децембра",
}
_MONTH = "(?:" + "|".join(sorted({m for v in _MONTHS.values() for m in v.split()}, key=len, reverse=True)) + r")\.?"
_CUR_SYM = r"[€$£¥₽]"
_CUR_CODE = (r"(?:EUR|USD|GBP|CHF|HUF|RSD|HRK|BAM|PLN|CZK|RON|BGN|RUB|SEK|NOK|DKK|Ft|kn|KM|din|Din|дин|"
             r"eur|usd)\.?")
_CUR = rf"(?:{_CUR_SYM}|(?<![^\W\d_]){_CUR_CODE}(?![^\W\d_]))"
_NUM = r"(?:\d{1,3}(?:[ \u00a0\u202f.,’']\d{3})+(?:[.,]\d{1,2})?|\d+(?:[.,]\d+)?)"
_WB = r"(?<![^\W_])"      # not preceded by a letter or digit
_WE = r"(?![^\W_])"       # not followed by a letter or digit
_NB = r"(?<![\w.,])"      # number start
_NE = r"(?![\w]|[.,]\d)"  # number end

# (kind, pattern); earlier kinds win ties on equal length.
_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("placeholder", re.compile(r"\{\{.{0,80}?\}\}|\{%.{0,80}?%\}|\$\{[^{}\n]{1,60}\}|\{[^{}\n]{1,60}\}"
                               r"|%\(\w{1,40}\)[sdifr]|\[\[[^\[\]\n]{1,60}\]\]|</?[A-Za-z][^<>\n]{0,80}>")),
    ("email", re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")),
    ("url", re.compile(r"(?:https?://|www\.)[^\s<>\"']+[^\s<>\"'.,;:!?)\]]"
                       r"|\b[\w-]+(?:\.[\w-]+)*\.(?:com|org|net|io|eu|de|at|ch|hu|rs|hr|ba|si|shop|info)"
                       r"(?:/[^\s<>\"']*[^\s<>\"'.,;:!?)\]])?(?![\w@])", re.I)),
    ("iban", re.compile(r"\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]{4}){3,7}(?:[ ]?[A-Z0-9]{1,4})?\b")),
    ("card", re.compile(r"\b(?:\d{4}[ -]){3}\d{4}\b")),
    ("date", re.compile(
        rf"{_NB}\d{{1,2}}(?:st|nd|rd|th|\.)?\s?(?:of\s)?{_MONTH}(?:,?\s?\d{{4}}\.?)?{_WE}"                 # 12 May 2024 / 12. Mai / 12. maja 2024.
        rf"|{_WB}{_MONTH}\s\d{{1,2}}(?:st|nd|rd|th|\.)?(?:,?\s\d{{4}})?{_NE}"      # May 12, 2024 / május 12.
        rf"|{_NB}\d{{4}}\.\s?{_MONTH}\s?\d{{1,2}}\.?{_NE}"                        # 2024. május 12.
        rf"|{_NB}\d{{4}}-\d{{1,2}}-\d{{1,2}}(?:T\d{{2}}:\d{{2}}(?::\d{{2}})?Z?)?{_NE}"   # ISO
        rf"|{_NB}\d{{4}}\.\s?\d{{1,2}}\.\s?\d{{1,2}}\.?{_NE}"                      # 2024.05.12.
        rf"|{_NB}\d{{1,2}}\.\s?\d{{1,2}}\.\s?(?:\d{{4}}|\d{{2}})\.?{_NE}"          # 12.05.2024. / 12. 5. 24
        rf"|{_NB}\d{{1,2}}/\d{{1,2}}/(?:\d{{4}}|\d{{2}}){_NE}"                     # 05/12/2024
        rf"|{_NB}\d{{1,2}}\.\s?\d{{1,2}}\.(?!\s?\d)"                             # 12.05. / 12. 5.
        rf"|{_NB}\d{{1,2}}\.\s?[IVX]{{1,4}}\.\s?\d{{4}}\.?{_NE}"                      # 12. V. 2024.
        rf"|{_NB}\d{{1,2}}-\d{{1,2}}-\d{{4}}{_NE}|{_NB}\d{{4}}/\d{{1,2}}/\d{{1,2}}{_NE}",  # 12-05-2024, 2024/05/12
        re.I)),
    ("time", re.compile(rf"{_NB}\d{{1,2}}:\d{{2}}(?::\d{{2}})?(?:\s?[ap]\.?\s?m\.?{_WE})?{_NE}"
                        rf"|{_NB}\d{{1,2}}\s?[ap]\.?m\.?{_WE}"
                        rf"|{_NB}\d{{1,2}}\s?h(?:\s?\d{{2}})?{_WE}"
                        rf"|{_NB}\d{{1,2}}\.\d{{2}}(?=\s?(?:Uhr|h|óra|órakor|sati|sata|časova|часова)\b)", re.I)),
    ("phone", re.compile(r"(?<![\w+])(?:\+|00)\d{1,3}[\s/-]?(?:\(?\d{1,4}\)?[\s/-]?){2,4}\d{2,4}(?!\d)"
                         r"|(?<![\w.,])0\d{1,3}(?:[\s/-]\d{1,4}){1,3}[\s/-]\d{3,4}(?![\d,.]\d)"
                         r"|\(0\d{1,4}\)\s?\d{2,4}(?:[\s/-]\d{2,4}){1,3}(?![\d,.]\d)")),
    ("amount", re.compile(rf"{_CUR}\s?-?{_NUM}(?:,-|,–)?(?:\s?{_CUR}(?:\s?/\s?{_CUR})?)?{_NE}"
                          rf"|{_NB}-?{_NUM}(?:,-|,–)?\s?{_CUR}(?:\s?/\s?{_CUR})?")),
    ("order_id", re.compile(r"(?:#|№|Nº|N°)\s?\d{2,20}(?:[-/][A-Z0-9]{1,12})*\b"
                            r"|\b(?=[\w/-]*\d)(?=[\w/-]*[A-Za-z])[A-Za-z0-9]{1,12}(?:[-/][A-Za-z0-9]{1,12}){0,3}[-/](?:[A-Z]{1,3}|[A-Za-z]*\d[A-Za-z0-9]*)\b"
                            r"|\b[A-Z]{1,6}\d[A-Z0-9]{1,20}\b|\b[A-Z]{2,6}\d{1,20}\b|\b\d+[A-Z]{1,4}\d+[A-Z0-9]*\b")),
    ("number", re.compile(rf"{_NB}{_NUM}(?:[-/]\d+)*{_NE}")),
]
_KIND_RANK = {kind: i for i, (kind, _) in enumerate(_PATTERNS)}
_TOKEN_PREFIXES = ("XQ", "QZ", "ZX", "JQX", "QXJ", "XZQ")


def _name_pattern(name: str) -> re.Pattern[str] | None:
    """Whole-word, whitespace-flexible match of ``name`` as written or in capitals.

    Case-sensitive on purpose: an agent called "Will" or "Mark" must not freeze "will"/"mark".
    """
    words = unicodedata.normalize("NFC", name).split()
    if not words:
        return None
    variants = []
    for ws in (words, [w.upper() for w in words]):
        body = r"\s+".join(re.escape(w) for w in ws)
        if body not in variants:
            variants.append(body)
    start = _WB if re.match(r"\w", words[0]) else ""
    end = _WE if re.search(r"\w$", words[-1]) else ""
    return re.compile(start + "(?:" + "|".join(variants) + ")" + end)


def _strip_sentence_dot(text: str, start: int, end: int) -> int:
    """Leave a final '.' outside the span when it (also) ends the sentence."""
    if end - start > 1 and text[end - 1] == ".":
        rest = text[end:]
        if not rest.strip() or re.match(r"[ \t]*(?:\n|[ \t][A-ZÀ-ÖØ-ÞŐŰČĆŽŠĐА-ЯЂЈЉЊЋЏ])", rest):
            return end - 1
    return end


def find_protected_spans(text: str, extra: Sequence[str] = ()) -> list[ProtectedSpan]:
    """Find every span of ``text`` that must not be translated, non-overlapping, in text order.

    ``extra`` are literal strings the caller knows must survive (customer and agent names, product
    names, ...); they are matched as written or in capitals, with flexible whitespace and word
    boundaries (an agent called "Will" does not freeze the verb "will").
    Overlaps are resolved longest-first, so an e-mail address containing a name stays one span.

    >>> [(s.kind, s.text) for s in find_protected_spans("Dear Đurđa Čolić, ticket T-4711 ships 12. maja 2024.",
    ...                                                  extra=["Đurđa Čolić"])]
    [('name', 'Đurđa Čolić'), ('order_id', 'T-4711'), ('date', '12. maja 2024')]
    """
    if not isinstance(text, str):
        raise InputError.not_text(text)
    candidates: list[tuple[int, int, int, str]] = []
    for name in extra:
        if not isinstance(name, str):
            raise InputError(f"Protected items must be strings, got {type(name).__name__}.", code="E104")
        pattern = _name_pattern(name.strip())
        if pattern is None:
            continue
        for m in pattern.finditer(text):
            candidates.append((m.start(), m.end(), -1, "name"))
    for kind, pattern in _PATTERNS:
        for m in pattern.finditer(text):
            start, end = m.start(), m.end()
            while end > start and text[end - 1].isspace():
                end -= 1
            if kind in ("date", "amount", "number", "order_id", "time"):
                end = _strip_sentence_dot(text, start, end)
            if end > start:
                candidates.append((start, end, _KIND_RANK[kind], kind))
    # longest first; on equal length: caller's names, then pattern order; then leftmost
    candidates.sort(key=lambda c: (-(c[1] - c[0]), c[2], c[0]))
    taken: list[tuple[int, int, str]] = []
    occupied = bytearray(len(text) + 1)
    for start, end, _, kind in candidates:
        if any(occupied[start:end]):
            continue
        occupied[start:end] = b"\x01" * (end - start)
        taken.append((start, end, kind))
    taken.sort()
    # A token must not be glued to a following digit ("XQ4" + "7" would read as token 47): swallow
    # such a digit run into the span, merging with the next span if they then touch.
    merged: list[list[Any]] = []
    for start, end, kind in taken:
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
            merged[-1][2] = merged[-1][2] if merged[-1][2] == kind else "mixed"
        else:
            merged.append([start, end, kind])
        while merged[-1][1] < len(text) and text[merged[-1][1]].isdigit():
            merged[-1][1] += 1
    return [ProtectedSpan(s, e, k, text[s:e]) for s, e, k in merged]


def _token_prefix(text: str) -> str:
    """The first prefix whose tokens cannot be confused with anything already in ``text``."""
    for prefix in _TOKEN_PREFIXES:
        letters = r"\s?".join(re.escape(ch) for ch in prefix)
        if not re.search(rf"{letters}\s?-?\s?\d", text, re.I):   # stricter than _token_regex: no word check
            return prefix
    raise InputError("The text already contains every masking token pattern (XQ0, QZ0, ...); "
                     "it cannot be protected for translation.", code="E104")


def _token_regex(prefix: str) -> re.Pattern[str]:
    # exact 'XQ3' anywhere (even glued to a word); 'XQ 3', 'X Q3', 'xq3', 'XQ-3' at a word start
    letters = r"\s?".join(re.escape(ch) for ch in prefix)
    return re.compile(rf"(?:{re.escape(prefix)}|(?<![^\W\d_])(?i:{letters}))\s?-?\s?(\d{{1,3}})(?!\d)")


def protect_spans(text: str, extra: Sequence[str] = ()) -> tuple[str, dict[str, str]]:
    """Replace every protected span by an opaque token; return ``(masked_text, mapping)``.

    ``mapping`` maps each token (``"XQ0"``, ``"XQ1"`` ... in text order; another prefix is chosen if
    the text already contains such tokens) to the original span. Each occurrence gets its own token.

    >>> protect_spans("Call +36 1 234 5678 or write to help@shop.hu", extra=())
    ('Call XQ0 or write to XQ1', {'XQ0': '+36 1 234 5678', 'XQ1': 'help@shop.hu'})
    """
    return _mask(text, find_protected_spans(text, extra))


def _mask(text: str, spans: Sequence[ProtectedSpan]) -> tuple[str, dict[str, str]]:
    prefix = _token_prefix(text)
    mapping: dict[str, str] = {}
    out: list[str] = []
    pos = 0
    for i, span in enumerate(spans):
        token = f"{prefix}{i}"
        mapping[token] = span.text
        out.append(text[pos:span.start])
        out.append(token)
        pos = span.end
    out.append(text[pos:])
    return "".join(out), mapping


def _mapping_prefix(mapping: Mapping[str, str]) -> str | None:
    prefixes = {re.sub(r"\d+$", "", token) for token in mapping}
    if len(prefixes) > 1:
        raise InputError(f"The mapping mixes token prefixes {sorted(prefixes)}; pass the mapping "
                         "returned by protect_spans unchanged.", code="E104")
    return next(iter(prefixes), None)


def restore_spans(text: str, mapping: Mapping[str, str]) -> tuple[str, tuple[str, ...]]:
    """Put the protected originals back; return ``(restored, lost)``.

    Tokens are found even when the translation changed them a little (``XQ 1``, ``xq1``, ``X Q1``).
    ``lost`` lists, in token order, every original whose token did not come back exactly once
    (dropped, or duplicated -- a duplicate is restored but still reported). An empty ``lost`` means
    every protected item is in ``restored`` exactly as it was.

    >>> restore_spans("Bestellung XQ1 von XQ 0", {"XQ0": "Anna", "XQ1": "#4711"})
    ('Bestellung #4711 von Anna', ())
    >>> restore_spans("Bestellung von XQ0", {"XQ0": "Anna", "XQ1": "#4711"})
    ('Bestellung von Anna', ('#4711',))
    """
    if not isinstance(text, str):
        raise InputError.not_text(text)
    prefix = _mapping_prefix(mapping)
    if prefix is None:
        return text, ()
    index = {int(token[len(prefix):]): original for token, original in mapping.items()}
    counts: dict[int, int] = {i: 0 for i in index}

    def repl(m: re.Match[str]) -> str:
        i = int(m.group(1))
        if i not in index:
            return m.group(0)
        counts[i] += 1
        return index[i]

    restored = _token_regex(prefix).sub(repl, text)
    lost = tuple(index[i] for i in sorted(index) if counts[i] != 1)
    return restored, lost


def _leftover_tokens(text: str, mapping: Mapping[str, str]) -> list[str]:
    prefix = _mapping_prefix(mapping)
    if prefix is None:
        return []
    return [m.group(0) for m in _token_regex(prefix).finditer(text)]


# --------------------------------------------------------------------------------------------
# Translator protocol and the argostranslate backend
# --------------------------------------------------------------------------------------------

@runtime_checkable
class Translator(Protocol):
    """A raw machine-translation backend (no protection, no cache: see :class:`SafeTranslator`)."""

    @property
    def model_id(self) -> str: ...

    def supports(self, source: str, target: str) -> bool: ...

    def translate(self, text: str, source: str, target: str) -> str: ...


_argos_lock = threading.RLock()
_CT2_CACHE: dict[str, Any] = {}   # model dir -> ctranslate2.Translator, loaded once per process


def _import_argos() -> tuple[Any, Any]:
    try:
        from argostranslate import package as argos_package
        from argostranslate import settings as argos_settings
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise MissingDependencyError.for_package("argostranslate", "Machine translation", "translate") from exc
    return argos_package, argos_settings


@contextlib.contextmanager
def _argos_packages_dir(packages_dir: Path | None) -> Iterator[Any]:
    """Point argostranslate at ``packages_dir`` for the duration (its settings are read at import)."""
    argos_package, settings = _import_argos()
    if packages_dir is None:
        yield settings
        return
    with _argos_lock:
        old_dir, old_dirs = settings.package_data_dir, list(settings.package_dirs)
        packages_dir.mkdir(parents=True, exist_ok=True)
        settings.package_data_dir = packages_dir
        settings.package_dirs[:] = [packages_dir]
        try:
            yield settings
        finally:
            settings.package_data_dir = old_dir
            settings.package_dirs[:] = old_dirs


def _default_package_dirs() -> list[Path]:
    _, settings = _import_argos()
    return [Path(p) for p in settings.package_dirs]


def _load_installed(dirs: Sequence[Path]) -> tuple[dict[tuple[str, str], Any], list[str]]:
    argos_package, _ = _import_argos()
    pairs: dict[tuple[str, str], Any] = {}
    problems: list[str] = []
    for directory in dirs:
        if not directory.is_dir():
            continue
        for path in sorted(directory.iterdir()):
            if not path.is_dir():
                continue
            try:
                pkg = argos_package.Package(path)
            except Exception as exc:  # a broken folder must not hide the good ones
                problems.append(f"{path}: {exc}")
                continue
            if getattr(pkg, "type", "translate") != "translate" or not pkg.from_code or not pkg.to_code:
                continue
            if not (path / "model").is_dir() or not hasattr(pkg, "tokenizer"):
                problems.append(f"{path}: no model/ folder or tokenizer (sentencepiece.model / bpe.model)")
                continue
            key = (pkg.from_code, pkg.to_code)
            if key not in pairs or _version(pkg) > _version(pairs[key]):   # newest version of a pair wins
                pairs[key] = pkg
    return pairs, problems


def _version(pkg: Any) -> tuple[int, ...]:
    return tuple(int(x) for x in re.findall(r"\d+", str(getattr(pkg, "package_version", "") or "0"))[:4])


class ArgosTranslator:
    """Offline MT on argostranslate language packs (CTranslate2 + SentencePiece), pivoting via English.

    Without argostranslate installed, or with no packs installed, ``supports()`` is False for every
    pair (so callers fall back to the corpus's own languages) and ``translate()`` raises
    :class:`MissingDependencyError` / :class:`TranslationError` saying what to install.

    ``packages_dir`` is the folder holding installed packs; by default argostranslate's own
    (``ARGOS_PACKAGES_DIR`` or ``~/.local/share/argos-translate/packages``). Packs are read lazily
    on first use and each CTranslate2 model is loaded once per process. Sentences are split with
    :func:`split_sentences` (argostranslate's default splitter would download a model).

    >>> t = ArgosTranslator(packages_dir="/nonexistent")   # doctest: +SKIP
    >>> t.supports("de", "hu")                             # doctest: +SKIP
    False
    """

    def __init__(self, packages_dir: str | Path | None = None, *, beam_size: int = 4, threads: int = 1,
                 device: str = "cpu", max_decoding_length: int = 256, max_input_tokens: int = 200) -> None:
        if beam_size < 1 or threads < 0 or max_decoding_length < 1 or max_input_tokens < 8:
            from .errors import ConfigError
            raise ConfigError("beam_size and max_decoding_length must be >= 1, max_input_tokens >= 8 "
                              "and threads >= 0.")
        #: sentences longer than this (in the pack's subword tokens) are split at clause boundaries
        #: (, ; : – —) or, failing that, between words, so nothing is cut off by the model's limits
        self.max_input_tokens = max_input_tokens
        self.packages_dir = Path(packages_dir).expanduser() if packages_dir is not None else None
        self.beam_size = beam_size
        self.threads = threads
        self.device = device
        self.max_decoding_length = max_decoding_length
        self._pairs: dict[tuple[str, str], Any] | None = None
        self._missing_dependency: MissingDependencyError | None = None
        #: packs that could not be read (and, without argostranslate, the install hint)
        self.problems: list[str] = []

    # -- packages -------------------------------------------------------------------------
    def _packages(self) -> dict[tuple[str, str], Any]:
        if self._pairs is None:
            try:
                dirs = [self.packages_dir] if self.packages_dir is not None else _default_package_dirs()
                self._pairs, self.problems = _load_installed(dirs)
            except MissingDependencyError as exc:   # no argostranslate: nothing is supported
                self._pairs, self.problems = {}, [exc.message]
                self._missing_dependency = exc
        return self._pairs

    def reload(self) -> None:
        """Forget the list of installed packs (call after installing new ones)."""
        self._pairs = None

    @property
    def pairs(self) -> list[tuple[str, str]]:
        """Installed direct pairs, sorted."""
        return sorted(self._packages())

    @property
    def model_id(self) -> str:
        """Identifies the installed packs and their versions (part of every cache key)."""
        parts = [f"{a}-{b}@{getattr(p, 'package_version', '') or '0'}" for (a, b), p in sorted(self._packages().items())]
        return "argos:" + (",".join(parts) or "none")

    def pair_model_id(self, source: str, target: str) -> str:
        """Identifies the packs used for this pair (``argos:de-en@1.9>en-hu@1.9``); cache keys use it,
        so installing an unrelated pack does not invalidate cached translations."""
        pairs = self._packages()
        hops = self.route(source, target)
        if not hops:
            return self.model_id
        return "argos:" + ">".join(f"{a}-{b}@{getattr(pairs[(a, b)], 'package_version', '') or '0'}" for a, b in hops)

    def route(self, source: str, target: str) -> list[tuple[str, str]]:
        """The hops used for ``source -> target`` (direct, or two hops via English); [] if impossible."""
        source, target = _lang(source, "source language"), _lang(target, "target language")
        pairs = self._packages()
        if source == target:
            return []
        if (source, target) in pairs:
            return [(source, target)]
        if (source, PIVOT_LANGUAGE) in pairs and (PIVOT_LANGUAGE, target) in pairs:
            return [(source, PIVOT_LANGUAGE), (PIVOT_LANGUAGE, target)]
        return []

    def supports(self, source: str, target: str) -> bool:
        """True if a direct pack or a pivot through English is installed (or source == target)."""
        return _lang(source) == _lang(target) or bool(self.route(source, target))

    # -- translation ----------------------------------------------------------------------
    def _ct2(self, pkg: Any) -> Any:
        try:
            import ctranslate2
        except ImportError as exc:  # pragma: no cover
            raise MissingDependencyError.for_package("ctranslate2", "Machine translation", "translate") from exc
        model_dir = str((Path(pkg.package_path) / "model").resolve())
        key = f"{model_dir}|{self.device}|{self.threads}"
        with _argos_lock:
            if key not in _CT2_CACHE:
                try:
                    _CT2_CACHE[key] = ctranslate2.Translator(model_dir, device=self.device, inter_threads=1,
                                                             intra_threads=self.threads)
                except Exception as exc:
                    raise TranslationError(f"Could not load the translation model in {model_dir}: {exc}. "
                                           f"Reinstall the pack with: {INSTALL_COMMAND} {pkg.from_code} "
                                           f"{pkg.to_code}", code="E304") from exc
            return _CT2_CACHE[key]

    def _translate_hop(self, text: str, pkg: Any) -> str:
        translator = self._ct2(pkg)
        out_paragraphs: list[str] = []
        for paragraph in text.split("\n"):
            sentences = split_sentences(paragraph)
            if not sentences:
                out_paragraphs.append("")
                continue
            tokenized: list[list[str]] = []
            for sentence in sentences:
                tokenized.extend(self._chunks(sentence, pkg))
            prefix = getattr(pkg, "target_prefix", "") or ""
            longest = max(len(t) for t in tokenized)
            results = translator.translate_batch(
                tokenized, target_prefix=[[prefix]] * len(tokenized) if prefix else None,
                replace_unknowns=True, beam_size=self.beam_size, num_hypotheses=1, length_penalty=0.2,
                max_decoding_length=max(self.max_decoding_length, 2 * longest + 16))
            outs = []
            for result in results:
                value = pkg.tokenizer.decode(result.hypotheses[0])
                if prefix and value.startswith(prefix):
                    value = value[len(prefix):]
                outs.append(value.strip())
            out_paragraphs.append(" ".join(o for o in outs if o))
        return "\n".join(out_paragraphs)

    def _chunks(self, sentence: str, pkg: Any) -> list[list[str]]:
        """Tokenise ``sentence``; split it at clause boundaries (then words) while it is too long."""
        tokens = pkg.tokenizer.encode(sentence)
        if len(tokens) <= self.max_input_tokens:
            return [tokens]
        cuts = [m.end() for m in re.finditer(r"[,;:–—]\s+", sentence)] or [m.end() for m in re.finditer(r"\s+", sentence)]
        if not cuts:   # one enormous "word": cut the token list itself
            n = self.max_input_tokens
            return [tokens[i:i + n] for i in range(0, len(tokens), n)]
        middle = len(sentence) / 2
        cut = min(cuts, key=lambda c: abs(c - middle))
        return self._chunks(sentence[:cut].strip(), pkg) + self._chunks(sentence[cut:].strip(), pkg)

    def translate(self, text: str, source: str, target: str) -> str:
        """Translate ``text`` (no protection; use :class:`SafeTranslator` for that)."""
        if not isinstance(text, str):
            raise InputError.not_text(text)
        source, target = _lang(source, "source language"), _lang(target, "target language")
        if source == target or not text.strip():
            return text
        hops = self.route(source, target)
        if not hops:
            if self._missing_dependency is not None:
                raise self._missing_dependency
            raise _missing_pair_error(source, target, self.pairs)
        pairs = self._packages()
        for hop in hops:
            text = self._translate_hop(text, pairs[hop])
        return text


# --------------------------------------------------------------------------------------------
# SafeTranslator: protection + verification + cache
# --------------------------------------------------------------------------------------------

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
                from .errors import ConfigError
                raise ConfigError(f"translator must have model_id, supports() and translate(); "
                                  f"{type(translator).__name__} has no {attr!r}.")
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
                raise TranslationError(f"The translation backend {model_id} failed on {_pair(source, target)}: "
                                       f"{type(exc).__name__}: {exc}", code="E300") from exc
            if not isinstance(raw, str):
                raise TranslationError(f"The translation backend {model_id} returned "
                                       f"{type(raw).__name__}, expected str.", code="E300")
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


# --------------------------------------------------------------------------------------------
# Installing language packs
# --------------------------------------------------------------------------------------------

def installed_pairs(packages_dir: str | Path | None = None) -> list[tuple[str, str]]:
    """Language pairs installed in ``packages_dir`` (default: argostranslate's packages folder)."""
    return ArgosTranslator(packages_dir).pairs


def install_package_file(path: str | Path, *, packages_dir: str | Path | None = None) -> tuple[str, str]:
    """Install a local ``.argosmodel`` file (offline); return its ``(from_code, to_code)``.

    The archive is checked first (zip with one top folder holding metadata.json, model/ and a
    tokenizer), then installed with ``argostranslate.package.install_from_path``.
    """
    path = Path(path).expanduser()
    if not path.is_file():
        raise _bad_package_error(path, "file not found")
    if not zipfile.is_zipfile(path):
        raise _bad_package_error(path, "not a zip archive")
    with zipfile.ZipFile(path) as zf:
        names = zf.namelist()
        metas = [n for n in names if n.count("/") == 1 and n.endswith("/metadata.json")]
        if len(metas) != 1:
            raise _bad_package_error(path, "expected exactly one <folder>/metadata.json")
        top = metas[0].split("/")[0]
        if any(not n.startswith(top + "/") for n in names):
            raise _bad_package_error(path, f"every file must be inside the folder {top}/")
        if not any(n.startswith(f"{top}/model/") for n in names):
            raise _bad_package_error(path, "no model/ folder")
        if f"{top}/sentencepiece.model" not in names and f"{top}/bpe.model" not in names:
            raise _bad_package_error(path, "no sentencepiece.model or bpe.model")
        try:
            meta = json.loads(zf.read(metas[0]).decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise _bad_package_error(path, f"metadata.json is not valid JSON: {exc}") from None
    src, tgt = meta.get("from_code"), meta.get("to_code")
    if not (isinstance(src, str) and isinstance(tgt, str)):
        raise _bad_package_error(path, "metadata.json lacks from_code/to_code")
    argos_package, _ = _import_argos()
    target_dir = Path(packages_dir).expanduser() if packages_dir is not None else None
    with _argos_packages_dir(target_dir):
        argos_package.install_from_path(path)
    return src, tgt


def _fetch_index(settings: Any, timeout: float) -> list[dict[str, Any]]:
    import urllib.error
    import urllib.request

    url = settings.remote_package_index
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers={"User-Agent": "ArgosTranslate"}),
                                    timeout=timeout) as response:
            data = response.read()
        index = json.loads(data.decode("utf-8"))
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise _offline_error(url, f"{type(exc).__name__}: {getattr(exc, 'reason', exc)}") from None
    if not isinstance(index, list):
        raise _offline_error(url, "the index is not a JSON list")
    Path(settings.local_package_index).write_bytes(data)
    return index


def _download(links: Sequence[str], dest: Path, timeout: float) -> None:
    import urllib.error
    import urllib.request

    errors = []
    for url in links:
        if not str(url).startswith(("http://", "https://")):
            errors.append(f"{url}: not an http(s) link")
            continue
        try:
            request = urllib.request.Request(url, headers={"User-Agent": "ArgosTranslate"})
            with urllib.request.urlopen(request, timeout=timeout) as response, open(dest, "wb") as fh:
                while True:
                    chunk = response.read(1 << 20)
                    if not chunk:
                        break
                    fh.write(chunk)
            return
        except (urllib.error.URLError, OSError, ValueError) as exc:
            errors.append(f"{url}: {type(exc).__name__}: {getattr(exc, 'reason', exc)}")
    raise _offline_error(", ".join(map(str, links)) or "(no download link in the index)",
                         "download failed: " + "; ".join(errors or ["no links"]))


def install_translation_pair(source: str, target: str, *, packages_dir: str | Path | None = None,
                             timeout: float = 30.0) -> list[str]:
    """Download and install what is needed to translate ``source -> target`` (needs internet).

    Installs the direct pack if the Argos index has one, otherwise ``source -> en`` and
    ``en -> target``. Packs already installed are skipped (and then nothing is fetched). Returns
    the pairs installed (``["de→en", "en→hu"]``). Offline, raises :class:`TranslationError` (E302)
    saying so; E301 when the index has neither a direct pack nor both pivot legs.

    >>> install_translation_pair("de", "hu")     # doctest: +SKIP
    ['de→en', 'en→hu']
    """
    import tempfile

    source, target = _lang(source, "source language"), _lang(target, "target language")
    if source == target:
        return []
    target_dir = Path(packages_dir).expanduser() if packages_dir is not None else None
    have = set(installed_pairs(target_dir))
    pivot = [(source, PIVOT_LANGUAGE), (PIVOT_LANGUAGE, target)]
    if (source, target) in have or all(p in have for p in pivot):
        return []
    with _argos_packages_dir(target_dir) as settings:
        index = _fetch_index(settings, timeout)
    available: dict[tuple[str, str], dict[str, Any]] = {}
    for meta in index:
        if isinstance(meta, dict) and meta.get("type", "translate") == "translate":
            available.setdefault((meta.get("from_code"), meta.get("to_code")), meta)
    if (source, target) in available:
        plan = [(source, target)]
    else:
        plan = pivot
        missing = [p for p in plan if p not in available and p not in have]
        if missing:
            offered = sorted(f"{a}→{b}" for a, b in available if source in (a, b) or target in (a, b))
            raise TranslationError(
                f"The Argos package index has no pack for {_pair(source, target)} and none for "
                f"{', '.join(_pair(*p) for p in missing)} (needed to pivot through English). Packs involving "
                f"these languages: {', '.join(offered) or 'none'}.", code="E301")
    done: list[str] = []
    with tempfile.TemporaryDirectory(prefix="replyassist-argos-") as tmp:
        for pair in plan:
            if pair in have:
                continue
            meta = available[pair]
            dest = Path(tmp) / f"translate-{pair[0]}_{pair[1]}.argosmodel"
            _download(list(meta.get("links") or []), dest, timeout)
            install_package_file(dest, packages_dir=target_dir)
            done.append(_pair(*pair))
    return done


def cli_install_translation(args: Any) -> int:
    """Body of ``replyassist models install-translation SRC TGT [--file PATH] [--packages-dir DIR]``.

    ``args`` needs ``source`` and ``target`` (or ``file``); ``packages_dir`` is optional.
    Prints what was installed; returns the exit code (0 ok, 2 error with the message on stderr).
    """
    import sys

    packages_dir = getattr(args, "packages_dir", None)
    try:
        files = getattr(args, "file", None) or []
        if isinstance(files, (str, Path)):
            files = [files]
        if files:
            for f in files:
                src, tgt = install_package_file(f, packages_dir=packages_dir)
                print(f"installed {_pair(src, tgt)} from {f}")
        else:
            source, target = getattr(args, "source", None), getattr(args, "target", None)
            if not source or not target:
                raise InputError("Give the language pair, e.g. 'replyassist models install-translation de en', "
                                 "or --file PATH.argosmodel.", code="E104")
            done = install_translation_pair(source, target, packages_dir=packages_dir)
            print(f"installed {', '.join(done)}" if done else f"{_pair(source, target)} already installed")
        pairs = installed_pairs(packages_dir)
        print("installed pairs: " + (", ".join(_pair(a, b) for a, b in pairs) or "none"))
        return 0
    except (TranslationError, InputError, MissingDependencyError) as exc:
        print(str(exc), file=sys.stderr)
        return 2
