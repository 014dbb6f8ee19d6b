r"""Pattern lexicons (escalation cues, abusive language) written by the project, per language.

A lexicon file is plain text under ``replyassist/signals/data/<kind>/<lang>.txt``::

    # comment
    [repeated_contact]
    (for )?the (second|third) time
    zum (dritten|vierten) mal

Every non-empty line is a Python regular expression matched case-insensitively on folded
text (lower case, Serbian Cyrillic transliterated, diacritics removed, see
:mod:`replyassist.signals._normalize`) and only at word boundaries. Serbian, Croatian and
Bosnian share one file, ``bcms.txt``. Users extend the lexicons by pointing
``SignalSettings.extra_lexicon_dir`` at a folder with the same layout.

A section named ``[<category>:not]`` lists *contexts* in which a word of ``<category>`` means
something else: a hit of ``<category>`` that overlaps a match of its ``:not`` section is
dropped (Serbian "povraćaj novca" is a refund, not vomiting; German "Feuer und Flamme" is
enthusiasm, not a fire)::

    [safety]
    povrac\w*
    [safety:not]
    povracaj\w*

>>> lex = Lexicon("demo", {"safety": ["povrac[a-z]*"], "safety:not": ["povracaj[a-z]*"]})
>>> [h.text for h in lex.find("Dete povraća. Kada stiže povraćaj novca?")]
['povraća']

>>> lex = load_lexicon("escalation", "de")
>>> [(h.category, h.text) for h in lex.find("Ich schreibe Ihnen schon zum DRITTEN Mal!")]
[('repeated_contact', 'schon zum DRITTEN Mal')]
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterable

from ..errors import ConfigError, Errors
from ._normalize import fold, fold_pattern

__all__ = ["Hit", "Lexicon", "load_lexicon", "lexicon_language", "parse_lexicon", "find_all", "available_stems",
           "DATA_DIR", "LEXICON_LANGUAGES", "NOT_SUFFIX"]

#: Suffix of a section that lists the contexts in which a category's words do not count.
NOT_SUFFIX = ":not"

DATA_DIR = Path(__file__).resolve().parent / "data"

#: ISO 639-1 code (or variety) -> lexicon file stem.
_LANG_FILE = {"en": "en", "de": "de", "hu": "hu", "sr": "bcms", "hr": "bcms", "bs": "bcms", "sh": "bcms",
              "me": "bcms", "cnr": "bcms"}
#: Languages with a lexicon of their own.
LEXICON_LANGUAGES: tuple[str, ...] = ("en", "de", "hu", "sr", "hr", "bs")


def lexicon_language(language: str | None) -> str | None:
    """The lexicon file stem for an ISO 639-1 code (``"sr"`` -> ``"bcms"``), or None.

    >>> lexicon_language("hr"), lexicon_language("fr")
    ('bcms', None)
    """
    if not language:
        return None
    return _LANG_FILE.get(language.lower().split("-")[0].split("_")[0])


@dataclass(frozen=True)
class Hit:
    """One lexicon match: its category, the customer's own words and their position."""

    category: str
    text: str
    start: int
    end: int
    lexicon: str


#: A run without white space (or of white space) longer than any lexicon pattern reaches: matched
#: on its first and last 100 characters only (the middle of '😡' * 20000 made every scan slow; issue 20).
_LONG_RUN = re.compile(r"\S{201,}|\s{201,}")


def _compile(patterns: list[str]) -> re.Pattern[str]:
    # "\S+" (any word, e.g. "(\S+) hete") is bounded to 40 characters: unbounded, it rescanned a long
    # run without spaces from every position, quadratic ('😡' * 20000: 27 s; issue 20). No word is longer.
    body = "|".join(f"(?:{fold_pattern(p).replace(chr(92) + 'S+', chr(92) + 'S{1,40}')})" for p in patterns)
    return re.compile(rf"(?<!\w)(?:{body})(?!\w)", re.IGNORECASE)


class Lexicon:
    """Compiled patterns of one kind (``escalation``/``abuse``/``sentiment``) for one language file.

    ``sections`` maps a category to its patterns; ``<category>:not`` sections hold the
    contexts that cancel a hit of ``<category>`` (see the module docstring).
    """

    def __init__(self, name: str, sections: dict[str, list[str]]) -> None:
        self.name = name
        self.patterns: dict[str, list[str]] = {k: list(v) for k, v in sections.items()}
        self._rx: dict[str, re.Pattern[str]] = {}
        self._not: dict[str, re.Pattern[str]] = {}
        for cat, pats in sections.items():
            if not pats:
                continue
            if cat.endswith(NOT_SUFFIX):
                self._not[cat[: -len(NOT_SUFFIX)]] = _compile(pats)
            else:
                self._rx[cat] = _compile(pats)

    @property
    def categories(self) -> tuple[str, ...]:
        return tuple(self._rx)

    def find(self, text: str, *, folded: tuple[str, list[int]] | None = None) -> list[Hit]:
        """Every match in ``text``, quoting the original characters, in text order.

        A match that overlaps a match of its category's ``:not`` section is left out.
        """
        f, offsets = folded if folded is not None else fold(text)
        if len(f) > 1000 and _LONG_RUN.search(f):  # issue 20: only the ends of a 20,000-char run can match
            keep = [(0, 0)] + [(m.start() + 100, m.end() - 100) for m in _LONG_RUN.finditer(f)] + [(len(f), len(f))]
            spans = [(keep[i][1], keep[i + 1][0]) for i in range(len(keep) - 1)]
            f = "".join(f[a:b] for a, b in spans)
            offsets = [o for a, b in spans for o in offsets[a:b]]
        hits: list[Hit] = []
        for cat, rx in self._rx.items():
            vetoes: list[tuple[int, int]] | None = None
            for m in rx.finditer(f):
                if m.end() <= m.start():
                    continue
                if cat in self._not:
                    if vetoes is None:
                        vetoes = [(v.start(), v.end()) for v in self._not[cat].finditer(f) if v.end() > v.start()]
                    if any(a < m.end() and m.start() < b for a, b in vetoes):
                        continue
                start, end = offsets[m.start()], offsets[m.end() - 1] + 1
                hits.append(Hit(cat, text[start:end], start, end, self.name))
        hits.sort(key=lambda h: (h.start, -h.end))
        return hits

    def merged(self, other: "Lexicon") -> "Lexicon":
        sections = {k: list(v) for k, v in self.patterns.items()}
        for k, v in other.patterns.items():
            sections.setdefault(k, []).extend(v)
        return Lexicon(self.name, sections)


def parse_lexicon(text: str, source: str) -> dict[str, list[str]]:
    """Parse the lexicon file format; raise ConfigError naming file:line for a bad pattern."""
    sections: dict[str, list[str]] = {}
    current: str | None = None
    for no, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = line[1:-1].strip()
            sections.setdefault(current, [])
            continue
        if current is None:
            raise ConfigError(Errors.E068, source=source, no=no)
        try:
            re.compile(fold_pattern(line))
        except re.error as exc:
            raise ConfigError(Errors.E069, source=source, no=no, exc=exc, line=line) from None
        sections[current].append(line)
    return sections


def _read(path: Path) -> dict[str, list[str]]:
    return parse_lexicon(path.read_text(encoding="utf-8"), str(path))


@lru_cache(maxsize=64)
def load_lexicon(kind: str, language: str, extra_dir: str | None = None) -> Lexicon:
    """The lexicon of ``kind`` for ``language`` (an ISO code or a file stem), cached per process.

    Unknown languages give an empty lexicon. ``extra_dir`` adds patterns from
    ``<extra_dir>/<kind>/<stem>.txt`` when that file exists.
    """
    stem = lexicon_language(language) or language
    path = DATA_DIR / kind / f"{stem}.txt"
    sections = _read(path) if path.is_file() else {}
    lex = Lexicon(f"{kind}/{stem}", sections)
    if extra_dir:
        extra = Path(extra_dir) / kind / f"{stem}.txt"
        if extra.is_file():
            lex = lex.merged(Lexicon(lex.name, _read(extra)))
    return lex


def available_stems(kind: str) -> tuple[str, ...]:
    return tuple(sorted(p.stem for p in (DATA_DIR / kind).glob("*.txt")))


def find_all(kind: str, text: str, stems: Iterable[str], extra_dir: str | None = None) -> list[Hit]:
    """Matches of several language files on one text (folded once), duplicates removed."""
    folded = fold(text)
    seen: set[tuple[str, int, int]] = set()
    out: list[Hit] = []
    for stem in stems:
        for h in load_lexicon(kind, stem, extra_dir).find(text, folded=folded):
            key = (h.category, h.start, h.end)
            if key not in seen:
                seen.add(key)
                out.append(h)
    out.sort(key=lambda h: (h.start, -h.end))
    return out
