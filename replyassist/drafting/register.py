"""Register (formal/informal) detection from the customer's own words.

German Sie/du (and ihr/euch to a team), Hungarian Ön/maga/te (and verb forms such as
``tudná``/``tudnál``), Serbian and Croatian Vi/ti (and ``možete``/``možeš``), English greetings
and abbreviations. Markers and weights live in the locale files (``register_formal``,
``register_informal``); Serbian Cyrillic is read through its exact Latin transliteration.

>>> detect_register("Hallo, kannst du mir sagen, wo mein Paket ist?", "de").register
'informal'
>>> detect_register("Tisztelt Ügyfélszolgálat! Tudná jelezni, hol tart a rendelésem?", "hu").register
'formal'
>>> detect_register("Здраво, можеш ли да ми кажеш где је пакет?", "sr").register
'informal'
"""
from __future__ import annotations

from dataclasses import dataclass

from .locales import get_locale, has_locale

__all__ = ["RegisterResult", "detect_register"]


@dataclass(frozen=True)
class RegisterResult:
    """``register`` is "formal", "informal" or None (no evidence either way)."""

    register: str | None
    formal_score: float
    informal_score: float
    evidence: tuple[str, ...]

    def to_dict(self) -> dict:
        return {"register": self.register, "formal_score": self.formal_score,
                "informal_score": self.informal_score, "evidence": list(self.evidence)}


def detect_register(text: str, language: str | None) -> RegisterResult:
    """Detect the register the customer writes in; None when the text gives no evidence."""
    if not text or not language or not has_locale(language):
        return RegisterResult(None, 0.0, 0.0, ())
    loc = get_locale(language)
    formal = loc.find(text, "register_formal")
    informal = loc.find(text, "register_informal")
    # a longer marker covering a shorter one counts once ("könnten Sie" and "Sie")
    f = _score(formal)
    i = _score(informal)
    ev = tuple(f"formal:{m.text}" for m in formal if m.weight > 0) + tuple(f"informal:{m.text}" for m in informal if m.weight > 0)
    if f == i:
        return RegisterResult(None, f, i, ev)
    return RegisterResult("formal" if f > i else "informal", f, i, ev)


def _score(matches: list) -> float:
    best: dict[tuple[int, int], float] = {}
    for m in matches:
        best[(m.start, m.end)] = max(best.get((m.start, m.end), 0.0), m.weight)
    spans = sorted(best.items(), key=lambda kv: (kv[0][0], -(kv[0][1] - kv[0][0])))
    total, covered_to = 0.0, -1
    for (s, e), w in spans:
        if s < covered_to and e <= covered_to:  # nested in a longer marker: already counted
            continue
        total += w
        covered_to = max(covered_to, e)
    return total
