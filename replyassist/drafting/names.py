"""Customer and agent names in greetings and sign-offs.

The full name is used as given (never re-ordered). The given name (for informal greetings) is:

- Hungarian (family name first, "Kovács Anna"): the first part after the family name that is in
  the locale's list of common Hungarian given names; "Anna Kovács" (Western order, detected by
  the list) gives "Anna"; names not in the list are taken as Hungarian order (second part).
- other languages: the first part ("Jonas Weber" -> "Jonas"); "Weber, Jonas" -> "Jonas".
- Serbian and Croatian: the given name is used only when its vocative is the same as the
  nominative (names ending in a vowel: Ana, Marko, Luka, Đorđe); otherwise the informal greeting
  goes without the name, instead of a broken vocative such as "Zdravo, Ivan".

>>> NameParts.parse("Kovács Anna", "hu").given
'Anna'
>>> NameParts.parse("Marko Marković", "sr").given
'Marko'
>>> NameParts.parse("Ivan Horvat", "hr").given is None
True
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from ..text import INVISIBLE, replace_lone_surrogates
from .locales import get_locale
from .script import has_cyrillic

__all__ = ["NameParts", "initials", "safe_value"]

_TITLES = {"dr", "dr.", "prof", "prof.", "mr", "mr.", "mrs", "mrs.", "ms", "ms.", "herr", "frau", "ing.", "mag.", "dipl.-ing."}
_VOCATIVE_SAFE_END = tuple("aeiouAEIOU")


def safe_value(value: object) -> str:
    """A caller's value as text that can go into a reply: unsafe characters removed, lone surrogates
    replaced by U+FFFD (a reply must be encodable as UTF-8). Template syntax is kept literally.

    >>> safe_value("Anna\\x00 {agent_name}\\u202e")
    'Anna {agent_name}'
    """
    return replace_lone_surrogates(INVISIBLE.sub("", str(value)))


@dataclass(frozen=True)
class NameParts:
    full: str | None
    given: str | None

    @classmethod
    def parse(cls, name: str | None, language: str) -> "NameParts":
        if name is None:
            return cls(None, None)
        full = re.sub(r"\s+", " ", safe_value(name)).strip()
        if not full:
            return cls(None, None)
        if "," in full:
            fam, _, giv = full.partition(",")
            parts = giv.split() or fam.split()
            given = parts[0] if parts else None
            return cls(full, _vocative_check(given, language))
        parts = [p for p in full.split(" ") if p.lower() not in _TITLES] or full.split(" ")
        if language == "hu" and len(parts) > 1:
            known = set(get_locale("hu").get("given_names") or [])
            if parts[0] in known and not any(p in known for p in parts[1:]):
                given = parts[0]                      # Western order: "Anna Kovács"
            else:                                     # Hungarian order: "Szabó Bence Gábor" -> Bence
                given = next((p for p in parts[1:] if p in known), parts[1])
        else:
            given = parts[0]
        return cls(full, _vocative_check(given, language))


def _vocative_check(given: str | None, language: str) -> str | None:
    if given is None or language not in ("sr", "hr", "bs"):
        return given
    letters = [c for c in given if c.isalpha()]
    if not letters:
        return given  # not a word (a placeholder-like or symbol name): inserted as given
    last = letters[-1]
    # names in -ica take the vocative -ice ("Zdravo, Dušice", "Bok, Ivice"); other vowel endings keep
    # the nominative in current usage (Ana, Marko, Luka)
    if given.lower().endswith(("ica", "ица")):
        return given[:-1] + ("е" if given[-1] in "аА" and has_cyrillic(given) else "e")
    if last.lower() in "aeiou" or last.lower() in "аеиоу":
        return given
    return None


def initials(name: str | None) -> str | None:
    """``"Anna Kovács"`` -> ``"AK"``; ``None`` for no name."""
    if not name or not name.strip():
        return None
    letters = [p[0].upper() for p in re.split(r"[\s-]+", name.strip()) if p and p[0].isalpha()]
    return "".join(letters) or None


#: A sign-off by more than one person, on the message's last line: "Daniel and Ruth Adler", "Familie Pichler",
#: "The Smith family" (English and German; other languages keep the account holder's name, whose greeting
#: needs a vocative or a name order that a signature does not give).
_PLURAL_SIGNATURE = {
    "en": re.compile(r"^(?:[A-Z][a-z]+ (?:and|&) [A-Z][a-z]+ [A-Z][\w'-]+|(?:[Tt]he )?[A-Z][\w'-]+ [Ff]amily)$"),
    "de": re.compile(r"^(?:[A-ZÄÖÜ][a-zäöüß]+ (?:und|&) [A-ZÄÖÜ][a-zäöüß]+ [A-ZÄÖÜ][\w'-]+|Familie [A-ZÄÖÜ][\w'-]+)$"),
}


def plural_signature(message: str | None, language: str) -> str | None:
    r"""The signature of a message signed by more than one person (a couple, a family), to greet them all;
    ``None`` when the last line is no such signature.

    >>> plural_signature("Kind regards,\nDaniel and Ruth Adler", "en")
    'Daniel and Ruth Adler'
    >>> plural_signature("Mit freundlichen Grüßen\nFamilie Pichler", "de")
    'Familie Pichler'
    >>> plural_signature("Thanks,\nRuth Adler", "en") is None
    True
    >>> plural_signature("Ruth\nThanks and best wishes", "en") is None
    True
    """
    pat = _PLURAL_SIGNATURE.get(language)
    lines = [x.strip() for x in (message or "").strip().splitlines() if x.strip()]
    if pat is None or len(lines) < 2:
        return None
    last = lines[-1]
    if not pat.match(last):
        return None
    return "The " + last[4:] if last.lower().startswith("the ") else last

