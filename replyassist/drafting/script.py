"""Exact Serbian transliteration between Latin (gajica) and Cyrillic (vukovica).

Latin -> Cyrillic handles the digraphs ``lj``, ``nj``, ``dž`` (any case: ``Lj``, ``LJ``) and a
short list of words where the two letters belong to different morphemes (``injekcija`` ->
``инјекција``, ``nadživeti`` -> ``надживети``). Tokens that are not Serbian words are left as
they are: ``{placeholders}``, URLs, e-mail addresses, tokens with digits (order/ticket ids)
and words with letters Serbian does not use (q, w, x, y: ``WhatsApp``, ``Wi-Fi``).

>>> latin_to_cyrillic("Ljubazno molimo, pošaljite broj porudžbine KS-1234 na info@shop.rs.")
'Љубазно молимо, пошаљите број поруџбине KS-1234 на info@shop.rs.'
>>> cyrillic_to_latin("Поруџбина је послата.")
'Porudžbina je poslata.'
"""
from __future__ import annotations

import re

__all__ = ["latin_to_cyrillic", "cyrillic_to_latin", "cyrillic_to_latin_with_map", "has_cyrillic"]

_L2C_SINGLE = {
    "a": "а", "b": "б", "c": "ц", "č": "ч", "ć": "ћ", "d": "д", "đ": "ђ", "e": "е", "f": "ф", "g": "г",
    "h": "х", "i": "и", "j": "ј", "k": "к", "l": "л", "m": "м", "n": "н", "o": "о", "p": "п", "r": "р",
    "s": "с", "š": "ш", "t": "т", "u": "у", "v": "в", "z": "з", "ž": "ж",
}
_L2C_DIGRAPH = {"lj": "љ", "nj": "њ", "dž": "џ"}
_C2L = {c: l for l, c in _L2C_SINGLE.items()} | {"љ": "lj", "њ": "nj", "џ": "dž"}

# Words (stems, lower case, matched at the start of a word) where "nj"/"dž"/"lj" are two sounds.
_EXCEPTIONS = {
    "injekc": "инјекц", "injunk": "инјунк", "konjunk": "конјунк", "konjug": "конјуг", "vanjezi": "ванјези",
    "nadživ": "наджив", "nadžup": "наджуп", "podžanr": "поджанр", "podžup": "поджуп", "odživ": "оджив",
}

# Things never transliterated.
_PROTECT = re.compile(
    r"\{[a-z_][a-z0-9_]*\}"                       # placeholders
    r"|(?:https?://|www\.)\S+"                    # URLs
    r"|[\w.+-]+@[\w-]+(?:\.[\w-]+)+"              # e-mail addresses
    r"|[\w./:#+-]*\d[\w./:#+-]*"                   # tokens with digits (ids, times, prices)
    r"|\w*[qwxyQWXY]\w*(?:[-']\w+)*",             # foreign words (letters Serbian lacks)
    re.UNICODE)
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
#: Loanwords Serbian writes phonetically in Cyrillic (their Latin spelling has w/x/y, which would keep
#: them in Latin as foreign words): "newslettera" -> "њузлетера".
_LOANWORDS = {"newsletter": "њузлетер", "online": "онлајн", "voucher": "ваучер", "e-mail": "имејл", "email": "имејл"}
_LOANWORD = re.compile(r"\b(" + "|".join(_LOANWORDS) + r")([a-zčćžšđ]*)\b", re.I)


def has_cyrillic(text: str) -> bool:
    """True if ``text`` contains Cyrillic letters."""
    return any("\u0400" <= ch <= "\u04ff" for ch in text)


def _case_like(src: str, out: str) -> str:
    if src.isupper() and len(src) > 1:
        return out.upper()
    if src[:1].isupper():
        return out[:1].upper() + out[1:]
    return out


def _word_to_cyr(word: str) -> str:
    low = word.lower()
    res: list[str] = []
    i = 0
    for stem, cyr in _EXCEPTIONS.items():
        if low.startswith(stem):
            piece = word[:len(stem)]
            res.append(cyr.upper() if (piece.isupper() and len(word) > 1) else _case_like(piece, cyr))
            i = len(stem)
            break
    all_upper = word.isupper() and len(word) > 1
    while i < len(word):
        two = low[i:i + 2]
        if two in _L2C_DIGRAPH:
            cyr = _L2C_DIGRAPH[two]
            src = word[i:i + 2]
            res.append(cyr.upper() if (src[0].isupper()) else cyr)
            i += 2
            continue
        ch = word[i]
        single = _L2C_SINGLE.get(ch.lower())
        if single is None:
            res.append(ch)
        else:
            res.append(single.upper() if (ch.isupper() or all_upper) else single)
        i += 1
    return "".join(res)


def _plain_to_cyr(text: str) -> str:
    return _WORD.sub(lambda m: _word_to_cyr(m.group(0)), text)


def _loanwords_to_cyr(text: str) -> str:
    return _LOANWORD.sub(lambda m: _case_like(m.group(1), _LOANWORDS[m.group(1).lower()]) + _plain_to_cyr(m.group(2)),
                         text)


#: Names and terms Serbian Cyrillic text keeps in Latin script (brands, payment and parcel services).
KEEP_LATIN = ("Apple Pay", "Google Pay", "PayPal", "Visa", "Mastercard", "Maestro", "American Express", "Revolut",
              "Klarna", "DHL", "GLS", "DPD", "UPS", "FedEx", "Foxpost", "Packeta", "Kosarica", "Amazon", "Samsung",
              "Apple", "Google", "Facebook", "Instagram", "Viber", "WhatsApp", "iPhone", "Android",
              "reverse charge", "spam", "Packstation")
#: Foreign acronyms, kept in Latin script in Cyrillic text (Serbian ones, ПДВ, ПИБ, are converted).
LATIN_ACRONYMS = ("PDF", "IBAN", "SWIFT", "BIC", "EUR", "USD", "GBP", "CHF", "VAT", "ID", "FAQ", "USB", "GDPR", "PIN",
                  "CVV", "CVC", "IMEI", "URL", "HTML", "EAN", "SKU", "IT", "TV", "LED", "HD", "GPS", "PC", "CET", "CEST")


def _keep_pattern(keep: tuple[str, ...]) -> re.Pattern[str]:
    names = sorted({k.strip() for k in (*KEEP_LATIN, *LATIN_ACRONYMS, *keep) if k and k.strip()},
                   key=len, reverse=True)
    alt = "|".join(re.escape(n) for n in names)
    return re.compile(
        rf"(?<!\w)(?:{alt})(?!\w)"                    # brand names and foreign acronyms
        r"|\b\w*[a-zčćžšđ][A-ZČĆŽŠĐ]\w*\b",          # inner capitals: eBay, PayPal
        re.UNICODE)


_KEEP_CACHE: dict[tuple[str, ...], re.Pattern[str]] = {}


def latin_to_cyrillic(text: str, *, keep: tuple[str, ...] = ()) -> str:
    """Serbian Latin -> Cyrillic, leaving placeholders, URLs, e-mails, ids, foreign words (q, w, x,
    y), brand names (:data:`KEEP_LATIN` and ``keep``) and foreign acronyms (:data:`LATIN_ACRONYMS`)
    as they are.

    >>> latin_to_cyrillic("Platite preko Apple Pay ili PayPal, račun stiže kao PDF sa PDV-om.")
    'Платите преко Apple Pay или PayPal, рачун стиже као PDF са ПДВ-ом.'
    """
    pat = _KEEP_CACHE.get(keep)
    if pat is None:
        pat = _KEEP_CACHE.setdefault(keep, _keep_pattern(keep))
    # loanwords outside URLs and e-mail addresses first (else their w/y would keep them in Latin)
    urls = [(m.start(), m.end()) for m in re.finditer(r"(?:https?://|www\.)\S+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+", text)]
    if _LOANWORD.search(text):
        cuts = [0] + [x for span in urls for x in span] + [len(text)]
        text = "".join(text[a:b] if k % 2 else _loanwords_to_cyr(text[a:b]) for k, (a, b) in enumerate(zip(cuts, cuts[1:])))
    spans = [(m.start(), m.end()) for m in _PROTECT.finditer(text)]
    spans += [(m.start(), m.end()) for m in pat.finditer(text)]
    merged: list[list[int]] = []
    for a, b in sorted(spans):  # overlapping kept spans ("Apple Pay" and "Pay") become one
        if merged and a <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    out: list[str] = []
    pos = 0
    for a, b in merged:
        out.append(_plain_to_cyr(text[pos:a]))
        out.append(text[a:b])
        pos = b
    out.append(_plain_to_cyr(text[pos:]))
    return "".join(out)


def cyrillic_to_latin_with_map(text: str) -> tuple[str, list[int]]:
    """Cyrillic -> Latin and, for each output character, the index of its source character."""
    out: list[str] = []
    idx: list[int] = []
    for i, ch in enumerate(text):
        lat = _C2L.get(ch.lower())
        if lat is None:
            out.append(ch)
            idx.append(i)
            continue
        if ch.isupper():
            nxt = text[i + 1:i + 2]
            lat = lat.upper() if (len(lat) > 1 and nxt.isupper()) else lat[:1].upper() + lat[1:]
        out.append(lat)
        idx.extend([i] * len(lat))
    return "".join(out), idx


def cyrillic_to_latin(text: str) -> str:
    """Serbian Cyrillic -> Latin (exact; ``Љ`` -> ``Lj``, or ``LJ`` inside an upper-case word)."""
    return cyrillic_to_latin_with_map(text)[0]
