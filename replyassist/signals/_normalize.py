"""Text folding for lexicon matching, with a map back to the original characters.

Lexicon patterns and messages are both *folded* before matching: lower case, Serbian Cyrillic
transliterated to Latin, diacritics removed (``već`` = ``vec``, ``már`` = ``mar``, ``Anwält`` =
``anwalt``), ``ß`` -> ``ss``. Customers often type without diacritics, so this makes one pattern
cover both spellings. :func:`fold` also returns, for every folded character, the index of the
original character it came from, so a reason can quote the customer's own words.

>>> folded, offsets = fold("Већ ТРЕЋИ пут!")
>>> folded
'vec treci put!'
>>> "Већ ТРЕЋИ пут!"[offsets[4]:offsets[8] + 1]
'ТРЕЋИ'
"""
from __future__ import annotations

import unicodedata
from functools import lru_cache

__all__ = ["fold", "fold_pattern", "letters_upper_ratio"]

_CYR = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "ђ": "dj", "е": "e", "ж": "z", "з": "z", "и": "i",
    "ј": "j", "к": "k", "л": "l", "љ": "lj", "м": "m", "н": "n", "њ": "nj", "о": "o", "п": "p", "р": "r",
    "с": "s", "т": "t", "ћ": "c", "у": "u", "ф": "f", "х": "h", "ц": "c", "ч": "c", "џ": "dz", "ш": "s",
    # a few non-Serbian Cyrillic letters, so Macedonian/Russian text folds to something readable
    "ѓ": "g", "ќ": "k", "ѕ": "dz", "й": "j", "ы": "y", "э": "e", "ю": "ju", "я": "ja", "щ": "sc",
    "ъ": "", "ь": "", "ё": "e", "є": "e", "і": "i", "ї": "i",
}
_SPECIAL = {"ß": "ss", "đ": "dj", "ł": "l", "ø": "o", "æ": "ae", "œ": "oe", "ı": "i", "’": "'", "‘": "'",
            "`": "'", "´": "'", "“": '"', "”": '"', "„": '"', "–": "-", "—": "-"}


@lru_cache(maxsize=4096)
def _fold_char(ch: str) -> str:
    low = ch.lower()
    if low in _CYR:
        return _CYR[low]
    if low in _SPECIAL:
        return _SPECIAL[low]
    if low.isascii():
        return low
    base = "".join(c for c in unicodedata.normalize("NFD", low) if not unicodedata.combining(c))
    return base


def fold(text: str) -> tuple[str, list[int]]:
    """Fold ``text`` for matching; return the folded text and, per folded char, its source index.

    >>> fold("Már HARMADSZOR")[0]
    'mar harmadszor'
    """
    out: list[str] = []
    offsets: list[int] = []
    for i, ch in enumerate(text):
        f = _fold_char(ch)
        out.append(f)
        offsets.extend([i] * len(f))
    return "".join(out), offsets


def fold_pattern(pattern: str) -> str:
    """Fold a lexicon pattern the same way as text (regex syntax is ASCII and left unchanged).

    Escaped sequences such as ``\\d`` or ``\\W`` keep their case.
    """
    out: list[str] = []
    escaped = False
    for ch in pattern:
        if escaped:
            out.append(ch)
            escaped = False
        elif ch == "\\":
            out.append(ch)
            escaped = True
        else:
            out.append(_fold_char(ch))
    return "".join(out)


def letters_upper_ratio(text: str) -> tuple[float, int]:
    """Share of upper-case letters among cased letters, and the number of cased letters.

    >>> letters_upper_ratio("WHY IS THIS")
    (1.0, 9)
    """
    cased = [c for c in text if c.isalpha() and (c.isupper() or c.islower())]
    if not cased:
        return 0.0, 0
    return sum(c.isupper() for c in cased) / len(cased), len(cased)
