"""Span protection: names, order/ticket numbers, e-mails, URLs, amounts, dates, times, phone numbers
and ``{placeholders}`` found, replaced by opaque tokens (``XQ0``, ``XQ1`` ...) before translation and
put back afterwards, tolerating what real NMT does to such tokens (spaces inside, case changes,
moved tokens). Pure functions, no model.

>>> masked, mapping = protect_spans("Hi {name}, order #4711 costs 1.234,56 € (due 12.05.2024.)")
>>> masked
'Hi XQ0, order XQ1 costs XQ2 (due XQ3)'
>>> restore_spans("Hallo XQ0, Bestellung XQ 1 kostet xq2 (fällig XQ3)", mapping)
('Hallo {name}, Bestellung #4711 kostet 1.234,56 € (fällig 12.05.2024.)', ())
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from ..errors import Errors, InputError

__all__ = ["ProtectedSpan", "find_protected_spans", "protect_spans", "restore_spans"]


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
            raise InputError(Errors.E138, name_type=type(name).__name__)
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
    raise InputError(Errors.E136)


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
        raise InputError(Errors.E137, prefixes=sorted(prefixes))
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
