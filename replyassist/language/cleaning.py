"""Noise removal for language detection.

Customer messages and social-media posts carry material that says nothing about the
writer's language, or says the wrong thing: URLs, e-mail addresses, @mentions, hashtags,
emoji, digits, quoted previous messages ("On Mon, ... wrote:", lines starting with ``>``),
e-mail signatures and "Sent from my iPhone" footers. :func:`clean_for_detection` removes
them and keeps the customer's own words.

>>> clean_for_detection("@shop_help Paket još nije stigao 😡 http://t.co/x #fail")
'Paket još nije stigao'
"""
from __future__ import annotations

import re
import unicodedata

__all__ = ["clean_for_detection", "strip_quoted_reply", "letter_count", "dominant_script", "script_counts"]

# Every repetition is bounded (a host name has at most 10 labels of at most 63 characters, the
# local part of an address at most 64 characters): an unbounded ``[\w.-]+`` before a literal scans
# to the end of a long token from every start position, quadratic time on 'a.' * n (issue 20).
_URL = re.compile(r"(?:https?://|ftp://|www\.)\S+|(?<![\w.-])(?:[\w-]{1,63}\.){1,10}"
                  r"(?:com|net|org|de|at|ch|hu|rs|hr|ba|me|si|eu|io|co|uk)(?:/\S*)?\b", re.IGNORECASE)
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63}){1,10}\b")
_MENTION = re.compile(r"(?<![\w@])@\w+")
_HASHTAG = re.compile(r"(?<![\w#])#(\w+)")
_RT = re.compile(r"^\s*(?:RT|MT)\b:?\s*", re.IGNORECASE)
_HTML_ENTITY = re.compile(r"&(?:amp|lt|gt|quot|apos|nbsp|#\d+);")
_DIGITS = re.compile(r"[\d]+(?:[.,:/-]\d+)*")
_WS = re.compile(r"\s+")

# A line that starts a quoted previous message; everything from it on is dropped.
_QUOTE_HEADERS = re.compile(
    r"^\s*(?:"
    r"-{2,}\s*(?:original(?:\s+message)?|ursprüngliche nachricht|originalnachricht|izvorna poruka|"
    r"originalna poruka|eredeti üzenet|forwarded message|weitergeleitete nachricht)\s*-{2,}"
    r"|on\s.{3,120}\swrote:\s*$"
    r"|am\s.{3,120}\sschrieb.{0,80}:\s*$"
    r"|.{3,120}\s(?:je\s+napisao|je\s+napisala|je\s+napisao/la|написао\s+је|написала\s+је|írta):\s*$"
    r"|(?:from|von|od|šalje|poslato|feladó|sent|gesendet|datum|date)\s*:\s.*$"
    r")",
    re.IGNORECASE)
# Footers added by mail clients / phones; the line (and what follows) is dropped.
_FOOTERS = re.compile(
    r"^\s*(?:sent from my\b|von meinem\b.*gesendet|gesendet von\b|poslato (?:sa|s|sa mog)\b|poslano (?:s|sa)\b|"
    r"šalje se s\b|iphone-ról küldve|küldve .*-ról|get outlook for\b|sent from mail for\b|послато са\b)",
    re.IGNORECASE)
_SIG_DELIM = re.compile(r"^\s*--\s*$|^\s*__{3,}\s*$")


def strip_quoted_reply(text: str) -> str:
    """Drop quoted previous messages, ``>`` lines, signatures and mail-client footers.

    >>> strip_quoted_reply("Danke!\\n\\nAm 3. Mai 2024 schrieb Support <a@b.de>:\\n> Hello")
    'Danke!'
    """
    kept: list[str] = []
    for line in text.splitlines():
        if _SIG_DELIM.match(line) or _QUOTE_HEADERS.match(line):
            if kept:  # a header as the very first line: keep looking, the body may follow
                break
            continue
        if _FOOTERS.match(line):
            if kept:
                break
            continue
        if line.lstrip().startswith(">"):
            continue
        kept.append(line)
    return "\n".join(kept).strip()


def _is_letter(ch: str) -> bool:
    return unicodedata.category(ch)[0] == "L"


def clean_for_detection(text: str, *, keep_hashtag_words: bool = False) -> str:
    """Return the customer's own words, without the noise that misleads language detection.

    Removes quoted replies and signatures (:func:`strip_quoted_reply`), URLs, e-mail addresses,
    @mentions, hashtags (their words are kept if ``keep_hashtag_words``), a leading ``RT``,
    HTML entities, digits, emoji and other symbols. Letters, apostrophes, hyphens and
    sentence punctuation are kept; whitespace is folded.

    >>> clean_for_detection("RT @ana: Hvala!!! 👍👍 www.example.rs")
    'Hvala!!!'
    """
    text = unicodedata.normalize("NFC", text)
    text = strip_quoted_reply(text)
    text = _HTML_ENTITY.sub(" ", text)
    text = _URL.sub(" ", text)
    text = _EMAIL.sub(" ", text)
    text = _RT.sub("", text)
    text = _MENTION.sub(" ", text)
    text = _HASHTAG.sub((lambda m: " " + m.group(1) + " ") if keep_hashtag_words else " ", text)
    text = _DIGITS.sub(" ", text)
    out = []
    for ch in text:
        if _is_letter(ch) or ch in " '’-.,!?;:\"„“”«»()\n" or unicodedata.category(ch) == "Mn":
            out.append(ch)
        else:
            out.append(" ")
    text = "".join(out)
    text = _WS.sub(" ", text).strip(" -.,;:'\"")
    return text


_SCRIPT_RANGES = (
    (0x0041, 0x024F, "Latn"), (0x1E00, 0x1EFF, "Latn"),
    (0x0370, 0x03FF, "Grek"), (0x1F00, 0x1FFF, "Grek"),
    (0x0400, 0x052F, "Cyrl"),
    (0x0530, 0x058F, "Armn"), (0x0590, 0x05FF, "Hebr"),
    (0x0600, 0x06FF, "Arab"), (0x0750, 0x077F, "Arab"), (0xFB50, 0xFDFF, "Arab"), (0xFE70, 0xFEFF, "Arab"),
    (0x0900, 0x097F, "Deva"), (0x0980, 0x09FF, "Beng"), (0x0A00, 0x0A7F, "Guru"), (0x0A80, 0x0AFF, "Gujr"),
    (0x0B80, 0x0BFF, "Taml"), (0x0C00, 0x0C7F, "Telu"), (0x0D00, 0x0D7F, "Mlym"), (0x0E00, 0x0E7F, "Thai"),
    (0x10A0, 0x10FF, "Geor"), (0x1100, 0x11FF, "Hang"), (0x3130, 0x318F, "Hang"), (0xAC00, 0xD7AF, "Hang"),
    (0x3040, 0x309F, "Hira"), (0x30A0, 0x30FF, "Kana"), (0x4E00, 0x9FFF, "Hani"), (0x3400, 0x4DBF, "Hani"),
)


def _script_of(ch: str) -> str | None:
    cp = ord(ch)
    for lo, hi, name in _SCRIPT_RANGES:
        if lo <= cp <= hi:
            return name
    return None


def script_counts(text: str) -> dict[str, int]:
    """Letters per Unicode script (ISO 15924 codes) in ``text``.

    >>> script_counts("Zdravo Здраво")
    {'Latn': 6, 'Cyrl': 6}
    """
    counts: dict[str, int] = {}
    for ch in text:
        if _is_letter(ch):
            s = _script_of(ch) or "Zyyy"
            counts[s] = counts.get(s, 0) + 1
    return counts


def dominant_script(text: str) -> str | None:
    """The script with most letters, or None when there are no letters.

    >>> dominant_script("Поштовани, пакет није стигао")
    'Cyrl'
    """
    counts = script_counts(text)
    if not counts:
        return None
    return max(counts.items(), key=lambda kv: (kv[1], kv[0]))[0]


def letter_count(text: str) -> int:
    """Number of letters (Unicode category L*) in ``text``.

    >>> letter_count("ok 👍 123")
    2
    """
    return sum(1 for ch in text if _is_letter(ch))
