"""Input validation and cleaning, done once per message and shared by every stage.

>>> p = prepare_message("Hi @shop, where is order #4711?? https://x.io/t  \\n> old quoted text")
>>> p.clean
'Hi, where is order??'
>>> [(s.kind, p.text[s.start:s.end]) for s in p.pii]
[('order_id', '#4711'), ('url', 'https://x.io/t')]
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Sequence

from .errors import Errors, InputError

__all__ = ["Span", "PreparedText", "prepare_message", "find_pii", "mask_pii", "mask_identifier", "find_names",
           "decode_bytes", "split_sentences",
           "replace_lone_surrogates", "LONE_SURROGATE", "INVISIBLE", "MAX_CHARS"]

#: Messages longer than this are cut (``PreparedText.truncated``), not rejected.
MAX_CHARS = 20_000

#: A UTF-16 surrogate standing alone (from a bad decoding or a ``"\\ud800"`` escape): not a
#: character, and it cannot be encoded as UTF-8 (hashing, C engines, JSON output would fail).
LONE_SURROGATE = re.compile(r"[\ud800-\udfff]")


def replace_lone_surrogates(text: str) -> str:
    """``text`` with each lone surrogate replaced by U+FFFD (same length, so spans stay valid).

    >>> replace_lone_surrogates("a\\ud800b") == "a\\ufffdb"
    True
    """
    return LONE_SURROGATE.sub("\ufffd", text)


@dataclass(frozen=True)
class Span:
    """A character span ``[start, end)`` of a given kind."""

    start: int
    end: int
    kind: str

    def to_dict(self) -> dict[str, object]:
        return {"start": self.start, "end": self.end, "kind": self.kind}


@dataclass(frozen=True)
class PreparedText:
    """A message after validation: ``text`` normalised, ``clean`` ready for the models.

    ``original`` is the text as received, except that a message longer than twice ``max_chars`` is
    cut there before anything else (``truncated`` is then True).
    """

    original: str
    text: str
    clean: str
    truncated: bool = False
    pii: tuple[Span, ...] = field(default_factory=tuple)


#: Characters that are invisible or steer the display: C0/C1 controls except tab, line feed and
#: carriage return; zero-width characters; bidi embeddings, overrides and isolates (U+202E can make
#: "evil" read as "live"); word joiners; BOM. Message cleaning, reply values and report previews use it.
INVISIBLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")
_CONTROL = re.compile(INVISIBLE.pattern[:-1] + "\u2028\u2029]")  # line/paragraph separators too
_URL = re.compile(r"(?:https?://|www\.)[^\s<>\"']+[^\s<>\"'.,;:!?)\]]", re.I)
# Bounded repetitions (local part <= 64, labels <= 63, <= 10 labels) and a start only where a token
# starts: an unbounded ``[\w.+-]+`` before "@" rescans a long token from every position (issue 20).
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63}){1,10}")
_MENTION = re.compile(r"(?<![\w@])@\w{1,30}\b")
_HASHTAG = re.compile(r"(?<!\w)#([^\W\d_]\w*)")
# Country code, check digits, a bank code that may hold letters (GB29 NWBK ...), then groups of digits;
# case-insensitive ("de89 3704 ..."), so the later groups must be digits or "danke" would be eaten.
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}[ ]?[A-Z0-9]{4}(?:[ ]?\d{4}){2,6}(?:[ ]?\d{1,4})?\b", re.I)
# Card numbers: 13-19 digits, in groups or not ("4111111111111111", "3782 822463 10005"), kept only
# when the Luhn check holds (a random 16-digit number is not masked as a card).
_CARD = re.compile(r"(?<![\w-])\d(?:[ -]?\d){12,18}(?![\w-])")
# Phones (en, de, hu, sr, hr formats): international (+36 30 123 4567, 0049 30 1234567, +49 (0)30 ...),
# national with the area code in brackets ((030) 12345678, (555) 123-4567), national grouped
# (06 30 123 4567, 030/1234567, 064 123 4567, 01 2345 678, 020 7946 0958), national in one piece
# (06301234567, 01701234567), US style 555-123-4567. 8 to 15 digits; dates are not phones.
_PHONE = re.compile(
    r"(?<![\w+])(?:\+|00)\d{1,3}[\s/.-]?(?:\(0\)\s?)?(?:\(?\d{1,4}\)?[\s/.-]?){2,4}\d{2,4}\b"
    r"|(?<![\w)])(?:0\d{1,2}\s?)?\(0?\d{1,4}\)\s?\d{2,4}(?:[\s/-]?\d{2,5}){1,2}\b"
    r"|(?<![\w+])0\d{1,4}(?:[\s/-]{1,2}\d{1,9}){1,4}\b"
    r"|(?<![\w+])0[1-9]\d{7,12}\b"
    r"|(?<![\w+-])\d{3}-\d{3}-\d{4}\b")
_DATE_LIKE = re.compile(r"\d{1,4}[ ./-]\d{1,2}[ ./-]\d{1,4}")
# Order and customer numbers named by a keyword ("order ID 556677", "Bestellnummer: 4711",
# "rendelésszám 123456", "broj porudžbine 12345"), a "#12345", or a code such as ORD-2024-0042.
_ID_TAIL = r"(?:[\s-]{0,2}(?:id|nr\.?|no\.?|br\.?|number|nummer|száma?|broj|azonosító|porudžbine|narudžbe|narudžbine|поруџбине|наруџбине|бр\.?))?" \
           r"\s?[:.]?\s{0,2}"
_ORDER = re.compile(
    r"(?P<v>#\s?\d{3,12}\b|\b[A-Z]{2,5}-\d{2,6}(?:-\d{2,8})?\b)|"
    r"\b(?:order|bestellung|bestell|auftrag|auftrags|rendel[ée]s\w{0,8}|porudžbin\w{0,4}|porudzbin\w{0,4}|"
    r"narudžb\w{0,4}|narudzb\w{0,4}|ticket|tiket|invoice|rechnung\w{0,6}|sz[áa]mla\w{0,6}|ra[čc]un\w{0,4}|tracking|"
    r"sendung\w{0,6}|nummer|szám|broj|rma|reklamation\w{0,4}|"
    # Serbian Cyrillic: "поруџбина 58120", "број наруџбине 4711"
    r"поруџбин\w{0,4}|наруџб\w{0,4}|рачун\w{0,4}|број|тикет)" + _ID_TAIL +
    r"(?P<w>(?:#\s?)?[A-Z]{0,4}-?\d[\d-]{1,14}\d)\b|"
    # Hungarian names the number first: "a 445566 számú rendelésem", "a 445566-os rendelés"
    r"\b(?P<x>\d{4,12})(?:-?[aeoö]s|-?[áé]s)?\s(?:számú\s|sz\.\s)?(?:rendelés|megrendelés|csomag|számla|ügyfél)|"
    # ... or alone with a case suffix: "hol tart az 51207-es?" (5+ digits: not a postcode)
    r"\b(?!\d*(?:000|990|99|500)-)(?P<y>\d{5,12})-(?:[aeoö]s|[áé]s)\w{0,4}\b"
    r"(?!\s*(?:ft|forint\w*|huf|eur\w*|€|összeg\w*|áru\w*|termék\w*))", re.I)
_CUSTOMER = re.compile(
    r"\b(?:customer|client|account|member|kunden\w{0,8}|kunde|konto|ügyfél\w{0,8}|ugyfel\w{0,8}|vevő\w{0,6}|"
    r"korisni[čc]k\w{0,4}|kupc\w{0,4}|klijent\w{0,4}|broj kupca|broj korisnika)" + _ID_TAIL.replace("(?:id|", "(?:id|nummer|number|") +
    r"(?P<w>(?:#\s?)?[A-Z]{0,4}-?\d[\d-]{2,14}\d)\b", re.I)
# "anna at example dot com", "anna (at) example (dot) com", "anna[at]example.com", "anna@example dot com"
_EMAIL_SPELLED = re.compile(
    r"(?<![\w.+-])[\w.+-]{1,64}(?:\s(?:dot|pont|punkt|tačka|tocka|točka)\s[\w+-]{1,64}){0,3}\s?(?:\s(?:at|kukac|majmunče|majmun|et)\s|[\[(]\s?(?:at|@)\s?[\])]|@)\s?"
    r"(?:[\w-]{1,63}\s?(?:\s(?:dot|pont|punkt|tačka|tocka|točka)\s|[\[(]\s?(?:dot|\.)\s?[\])]|\.)\s?){1,4}"
    r"(?:com|net|org|info|biz|de|at|ch|hu|rs|hr|ba|me|si|eu|io|co|uk|us)\b", re.I)


def _luhn(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _valid(kind: str, value: str) -> bool:
    if kind == "card":
        digits = re.sub(r"\D", "", value)
        return 13 <= len(digits) <= 19 and _luhn(digits) and len(set(digits)) > 1
    if kind == "phone":
        n = sum(ch.isdigit() for ch in value)
        return 8 <= n <= 15 and not _DATE_LIKE.fullmatch(value.strip())
    if kind == "email" and "@" not in value:  # spelled out: a word "at" and a word "dot" (or a dot) both needed
        return bool(re.search(r"\b(?:at|kukac|majmunče|majmun|et)\b|[\[(]\s?(?:at|@)", value, re.I))
    return True


_QUOTE_HEADER = re.compile(
    r"^(?:On .{0,120} wrote:|Am .{0,120} schrieb .{0,80}:|.{0,120} írta:|.{0,80}(?:je napisao|je napisala|napisao je|написао је).{0,40}:"
    r"|-{2,}\s*(?:Original Message|Ursprüngliche Nachricht|Eredeti üzenet|Originalna poruka)\s*-{2,}|From: .+|Von: .+|Feladó: .+|Šalje: .+)\s*$",
    re.I | re.M)
_SIGNATURE = re.compile(
    r"^(?:-- ?|Sent from my .+|Gesendet von .+|Von meinem .+ gesendet|Küldve .+|Poslato sa .+|Poslano s .+|Послато са .+)$",
    re.I | re.M)


def decode_bytes(data: bytes, *, source: str = "input", errors: str = "strict") -> str:
    """Decode UTF-8 bytes (a BOM is dropped); with ``errors="strict"`` bad bytes raise a clear error.

    >>> decode_bytes(b"caf\\xc3\\xa9")
    'café'
    """
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise InputError(Errors.E114, data_type=type(data).__name__)
    if errors not in ("strict", "replace", "ignore", "backslashreplace", "surrogateescape"):
        raise InputError(Errors.E115, errors=errors)
    data = bytes(data)
    try:
        return data.decode("utf-8-sig", errors=errors)
    except UnicodeDecodeError as exc:
        raise InputError.bad_encoding(source, f"byte 0x{data[exc.start]:02x} at offset {exc.start}") from None


_PADDING_RUN = re.compile(r"\s{3,}")


def _fold_padding(m: "re.Match[str]") -> str:
    return "\n\n" if "\n" in m.group() or "\r" in m.group() else " "


def _normalise(text: str) -> str:
    text = LONE_SURROGATE.sub("\ufffd", text)
    text = unicodedata.normalize("NFC", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    text = _CONTROL.sub("", text)
    text = re.sub(r"[ \u00a0\u2000-\u200a\u202f\u205f\u3000]+", " ", text)
    text = re.sub(r" *\n *", "\n", text)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip()


def _strip_quotes_and_signature(text: str) -> str:
    lines = text.split("\n")
    kept: list[str] = []
    for line in lines:
        if _QUOTE_HEADER.match(line) or _SIGNATURE.match(line):
            break  # everything after a quote header or signature marker is not the new message
        if line.lstrip().startswith(">"):
            continue
        kept.append(line)
    out = "\n".join(kept).strip()
    return out or text  # a message that is *only* a quote: keep it rather than lose it


_MAX_RUN = 64
_LONG_RUN = re.compile(r"\S{%d,}" % (_MAX_RUN + 1))


def _clean(text: str) -> str:
    t = _strip_quotes_and_signature(text)
    t = _URL.sub(" ", t)
    t = _MENTION.sub(" ", t)
    t = _HASHTAG.sub(r"\1", t)
    t = re.sub(r"[ \t]+", " ", t)
    t = re.sub(r" ?\n ?", "\n", t)
    t = re.sub(r" ([,.!?;:])", r"\1", t)
    t = re.sub(r"^[,;:\s]+", "", t)
    # A run of more than 64 characters without a space ('a.' * 5000, 2,000 emoji, a pasted hash)
    # carries nothing a model can use beyond its start, but it costs one token per character:
    # the models see its first 64 characters (issue 20: encode time is bounded by that, not by
    # the 512-token limit of e5).
    t = _LONG_RUN.sub(lambda m: m.group()[:_MAX_RUN], t)
    return t.strip()


def find_pii(text: str) -> tuple[Span, ...]:
    """Spans of personal data in ``text``: email, url, iban, card, phone, customer_id, order_id
    (no overlaps; see ``docs/robustness.md`` for the formats and the measured recall).

    >>> [s.kind for s in find_pii("mail a@b.com or +36 30 123 4567, order ORD-2024-0042")]
    ['email', 'phone', 'order_id']
    >>> [s.kind for s in find_pii("anna at example dot com, 06301234567, card 4111111111111111, Kundennummer 99812")]
    ['email', 'phone', 'card', 'customer_id']
    """
    spans: list[Span] = []
    taken = [False] * (len(text) + 1)
    for kind, rx in (("email", _EMAIL), ("email", _EMAIL_SPELLED), ("url", _URL), ("iban", _IBAN), ("card", _CARD),
                     ("phone", _PHONE), ("customer_id", _CUSTOMER), ("order_id", _ORDER)):
        for m in rx.finditer(text):
            group = next((g for g in ("v", "w", "x", "y") if g in rx.groupindex and m.group(g)), 0)
            start, end = m.span(group)
            if any(taken[start:end]) or not _valid(kind, text[start:end]):
                continue
            for i in range(start, end):
                taken[i] = True
            spans.append(Span(start, end, kind))
    return tuple(sorted(spans, key=lambda s: s.start))


def mask_pii(text: str, spans: tuple[Span, ...] | None = None, *, names: Sequence[str] | bool = ()) -> str:
    """Replace personal data by ``[EMAIL]``, ``[PHONE]``, ``[ORDER_ID]``...

    ``names``: also replace names by ``[NAME]``: ``True`` for the names after a greeting and in a
    sign-off, or the known names (e.g. a customer-name column), which are replaced wherever they
    occur, greeting and sign-off included (see :func:`find_names`).

    >>> mask_pii("write to anna@example.com about #12345")
    'write to [EMAIL] about [ORDER_ID]'
    >>> mask_pii("Hi Anna, my number is 06 30 123 4567.\\nThanks, Anna Kovacs", names=True)
    'Hi [NAME], my number is [PHONE].\\nThanks, [NAME]'
    """
    spans = find_pii(text) if spans is None else spans
    if names:
        taken = [(s.start, s.end) for s in spans]
        extra = [sp for sp in find_names(text, () if names is True else names)
                 if not any(a < sp.end and sp.start < b for a, b in taken)]
        spans = tuple(spans) + tuple(extra)
    out, pos = [], 0
    for s in sorted(spans, key=lambda s: s.start):
        if s.start < pos:
            continue
        out.append(text[pos:s.start])
        out.append(f"[{s.kind.upper()}]")
        pos = s.end
    out.append(text[pos:])
    return "".join(out)


#: Kinds :func:`mask_identifier` masks in an id or channel column (codes such as ``msg-0042`` or
#: ``gap-001`` are the log's own keys and stay).
IDENTIFIER_KINDS = frozenset({"email", "phone", "card", "iban", "url"})


def mask_identifier(value: str) -> str:
    """Mask the personal data in an id or channel value (an e-mail address or a phone number used as
    a ticket id or a channel), but not the codes the log uses as keys.

    >>> mask_identifier("anna@example.com"), mask_identifier("msg-0042"), mask_identifier("whatsapp:+36301234567")
    ('[EMAIL]', 'msg-0042', 'whatsapp:[PHONE]')
    """
    spans = tuple(s for s in find_pii(value) if s.kind in IDENTIFIER_KINDS)
    if not spans and re.search(r"\d{8}", value):  # "whatsapp:+36301234567": the number after a prefix
        spans = tuple(s for s in find_pii(re.sub(r"[:=/]", " ", value)) if s.kind in IDENTIFIER_KINDS)
    return mask_pii(value, spans) if spans else value


_NAME_WORD = r"[^\W\d_][^\W\d_'’.-]*(?:['’-][^\W\d_]+)*\.?"
_TITLES = (r"(?:(?:mr|mrs|ms|miss|dr|prof|herr|frau|fräulein|úr|asszony|gospodine|gospođo|gospodjo|gospodin|gospođa|"
           r"gđa|g\.|gosp\.|dipl\.-ing\.)\.?\s+)?")
_GREETING_NAME = re.compile(
    r"^\s*(?:hi|hello|hey|dear|hallo|liebe[rs]?|sehr geehrte[rs]?|guten tag|servus|moin|szia|sziasztok|kedves|"
    r"tisztelt|helló|hello|jó napot|zdravo|ćao|cao|bok|poštovani|postovani|poštovana|postovana|dragi|draga|"
    r"dobar dan|pozdrav)[ ,]+" + _TITLES + r"(?P<n>" + _NAME_WORD + r"(?:\s" + _NAME_WORD + r"){0,2})\s*[,!:\n]",
    re.I | re.M)
_SIGNOFF_NAME = re.compile(
    r"(?:^|\n)\s*(?:kind regards|best regards|regards|best|thanks|thank you|cheers|sincerely|yours|"
    r"mit freundlichen grüßen|mit freundlichen grüssen|mfg|viele grüße|liebe grüße|lg|grüße|gruß|danke|"
    r"üdvözlettel|tisztelettel|köszönettel|köszönöm|üdv|puszi|"
    r"srdačan pozdrav|srdacan pozdrav|pozdrav|lp|lijep pozdrav|lep pozdrav|hvala|s poštovanjem|sa poštovanjem|"
    r"s postovanjem|sa postovanjem)[ ,.!-]*\n?\s*(?P<n>" + _NAME_WORD + r"(?:\s" + _NAME_WORD + r"){0,2})\s*$",
    re.I)


def find_names(text: str, known: Sequence[str] = ()) -> tuple[Span, ...]:
    """Spans of names: after a greeting ("Hi Anna,", "Sehr geehrte Frau Müller,", "Kedves Kovács Anna!"),
    in a sign-off ("Kind regards,\\nMargaret Ellis"), and every occurrence of the ``known`` names
    (a customer-name column: the full name and each part of at least three letters). Not a general
    name recogniser: a name elsewhere in the text is found only when it is ``known``.

    >>> t = "Sehr geehrte Frau Müller,\\nwo ist mein Paket?\\nMit freundlichen Grüßen\\nJonas Weber"
    >>> [t[s.start:s.end] for s in find_names(t)]
    ['Müller', 'Jonas Weber']
    """
    spans: list[Span] = []
    for rx in (_GREETING_NAME, _SIGNOFF_NAME):
        for m in rx.finditer(text[:2000] if rx is _GREETING_NAME else text[-300:]):
            off = 0 if rx is _GREETING_NAME else max(0, len(text) - 300)
            a, b = m.span("n")
            if m.group("n").strip(".").lower() in _NOT_NAMES:
                continue
            spans.append(Span(a + off, b + off, "name"))
    parts: set[str] = set()
    for name in known:
        if isinstance(name, str) and name.strip():
            parts.add(name.strip())
            parts.update(p for p in re.split(r"[\s,]+", name) if len(p) >= 3)
    if parts:
        rx = re.compile(r"(?<!\w)(?:" + "|".join(re.escape(p) for p in sorted(parts, key=len, reverse=True))
                        + r")(?!\w)", re.I)
        spans += [Span(m.start(), m.end(), "name") for m in rx.finditer(text)]
    spans.sort(key=lambda s: (s.start, -s.end))
    out: list[Span] = []
    for sp in spans:
        if out and sp.start < out[-1].end:
            continue
        out.append(sp)
    return tuple(out)


#: Words a greeting or sign-off pattern can catch that are not names.
_NOT_NAMES = frozenset("""team all everyone there support sir madam guys folks you und and the a
csapat mindenkinek mindenki tim svima svi vama vi""".split())


def prepare_message(text: object, *, max_chars: int = MAX_CHARS) -> PreparedText:
    """Validate and normalise one incoming message.

    - ``str`` only (bytes: decode first, see :func:`decode_bytes`);
    - Unicode NFC, control and invisible characters removed, whitespace folded;
    - longer than ``max_chars``: cut, with ``truncated=True`` (a 1 MB message is not an error);
    - empty after that: :class:`~replyassist.errors.InputError` ``E101``. Emoji-only text is kept.

    >>> prepare_message("  Wo ist\\x00 mein   Paket? ").text
    'Wo ist mein Paket?'
    """
    if not isinstance(text, str):
        raise InputError.not_text(text)
    if not isinstance(max_chars, int) or isinstance(max_chars, bool) or max_chars < 1:
        raise InputError(Errors.E116, max_chars=max_chars)
    truncated = False
    if len(text) > max_chars * 2:  # cheap pre-cut so a huge message is not normalised in full
        # ... but after dropping what cleaning drops anyway (invisible characters, runs of blank
        # lines and spaces; C-speed regexes, linear): a megabyte of zero-width characters or
        # 40,000 newlines before "Where is my order?" must not cut the message away (issue 20).
        text = _PADDING_RUN.sub(_fold_padding, _CONTROL.sub("", text))
        if len(text) > max_chars * 2:
            text, truncated = text[: max_chars * 2], True
    norm = _normalise(text)
    if len(norm) > max_chars:
        cut = norm.rfind(" ", 0, max_chars)
        norm, truncated = norm[: cut if cut > max_chars // 2 else max_chars], True
    if not norm:
        raise InputError.empty_message()
    pii = find_pii(norm)
    clean = _clean(_drop_identifiers(norm, pii)) or _clean(norm) or norm
    return PreparedText(original=text, text=norm, clean=clean, truncated=truncated, pii=pii)


_DROP_KINDS = {"email", "phone", "iban", "card", "customer_id"}


def _drop_identifiers(text: str, spans: tuple[Span, ...]) -> str:
    """Remove personal data and bare order numbers from what the models see.

    An order number carries no intent or sentiment, but it moves the embedding: measured on the
    demo corpus, "Wo bleibt meine Bestellung 4711?" scored 0.28 against its FAQ entry where
    "Wo bleibt meine Bestellung?" scored 0.76. Codes with letters (``SAVE-2024``) are kept: they
    can name a product or a voucher the FAQ mentions.
    """
    out, pos = [], 0
    for sp in spans:
        value = text[sp.start:sp.end]
        if sp.kind in _DROP_KINDS or (sp.kind == "order_id" and not re.search(r"[^\W\d_]", value)):
            out.append(text[pos:sp.start])
            pos = sp.end
    out.append(text[pos:])
    return "".join(out)


_ABBREV = {"z.b", "bzw", "ca", "dr", "mr", "mrs", "ms", "prof", "nr", "no", "br", "str", "st", "tel", "usw",
           "etc", "vs", "pl", "stb", "kb", "ill", "u.a", "d.h", "itd", "npr", "tj", "sl", "gosp", "g", "gđa",
           "gđica", "ul", "bb", "inc", "ltd", "jan", "feb", "febr", "aug", "sept", "okt", "nov", "dec", "dez"}
_SENT_END = re.compile(r"([.!?…]+[\"'»”)\]]*)(\s+)(?=[\"'«„“(\[]?[^\W\d_]|\d)")


def split_sentences(text: str) -> list[str]:
    """Split a paragraph into sentences (no sentence model needed; abbreviations kept together).

    >>> split_sentences("Danke, Dr. Weber. Ihre Bestellung kommt z.B. morgen! Gut?")
    ['Danke, Dr. Weber.', 'Ihre Bestellung kommt z.B. morgen!', 'Gut?']
    """
    sentences: list[str] = []
    start = 0
    for m in _SENT_END.finditer(text):
        # the last word before the mark, read from a bounded window: re-splitting everything since
        # the last cut made "a. a. a. ..." quadratic (issue 20)
        before = text[max(start, m.start() - 80):m.start()]
        last_word = re.split(r"\s", before)[-1].lower() if before else ""
        nxt = text[m.end():m.end() + 1]
        if m.group(1) == "." and (last_word.rstrip(".") in _ABBREV or len(last_word) == 1
                                  or last_word.isdigit() or not (nxt.isupper() or nxt in "\"'«„“([")):
            continue
        sentences.append(text[start:m.end(1)].strip())
        start = m.end()
    tail = text[start:].strip()
    if tail:
        sentences.append(tail)
    return sentences


#: Lines that are greetings, thanks or sign-offs, not questions (a segment must have more words).
_MIN_SEGMENT_WORDS = 3

#: What the matcher reads of one long message (issue 20). e5-small's cost grows with the tokens it
#: reads, so a long e-mail is not read whole: its first ``MATCH_HEAD_CHARS`` characters are matched
#: as the message, and its sentences (questions first) each up to ``MATCH_SEGMENT_CHARS``, together
#: up to ``MATCH_SEGMENTS_CHARS``. At most ~1,400 characters are encoded per message, whatever its
#: length (match/encode at 100 kB: 0.39 s of CPU in German, 0.49 s in English, 0.64 s in Serbian
#: Cyrillic; benchmarks/results/hostile_scaling.md). No message of the realistic message set
#: (``benchmarks/draft_set``: longest 562 characters, longest sentence 252, its sentences together
#: at most 533) reaches the head or sentence limits.
MATCH_HEAD_CHARS = 800
MATCH_SEGMENT_CHARS = 300
MATCH_SEGMENTS_CHARS = 600


def _head(text: str, max_chars: int) -> str:
    """The first ``max_chars`` characters of ``text``, cut after a word where there is one near the end.

    >>> _head("Where is my parcel? It has been two weeks.", 24)
    'Where is my parcel? It'
    """
    if len(text) <= max_chars:
        return text
    cut = max(text.rfind(" ", 0, max_chars + 1), text.rfind("\n", 0, max_chars + 1))
    return text[:cut if cut >= max_chars * 0.7 else max_chars].rstrip()


#: A second question joined to the first by "and"/"und"/"és"/"i" (a question word or verb after it):
#: "can I return it, and do I pay the postage?", "moze li zamjena i placam li ja postarinu?".
_SECOND_CLAUSE = re.compile(
    r"(?:,\s*|\s+)(?:and|or|also|und|oder|és|meg|illetve|valamint|i|a|ili|pa|te)(?:,\s*|\s+)(?=(?:"
    r"can|could|do|does|is|are|will|would|should|how|what|when|where|which|who|"
    r"kann|könnte|muss|darf|gibt|ist|sind|wird|wie|was|wann|wo|welche\w*|fallen|fällt|bekomme|zahle|geht|"
    r"ha|hogy|hogyan|mikor|mennyi|hol|lehet|kell|tudok|tudom|tudnátok|tudnák|van|mi|"
    r"da li|dal|jel|je l|je li|kako|kada|kad|koliko|gde|gdje|di|šta|što|sta|sto|mogu|može|moze|ima|hoće|hoce|"
    r"treba|ko|tko|ako|"
    r"да ли|јел|је л|је ли|како|када|кад|колико|где|шта|могу|може|има|хоће|треба|ко|ако"
    r")\b|\w+ li\b|\w+ ли\b)"
    r"|\s+es\s+(?=(?:ha|hogy|hogyan|mikor|mennyi|hol|lehet|kell)\b)", re.I)


_QUESTION_START = re.compile(
    r"\W*(?:can|could|do|does|is|are|will|would|should|how|what|when|where|which|who|"
    r"kann|könnte|muss|darf|gibt|ist|sind|wird|wie|was|wann|wo|welche\w*|"
    r"hogyan|mikor|mennyi|hol|lehet|tudok|tudom|"
    r"da li|dal|jel|je l|je li|kako|kada|kad|koliko|gde|gdje|di|šta|što|sta|sto|ima li|"
    r"да ли|јел|је л|је ли|како|када|кад|колико|где|шта|има ли)\b|\W*\w+ (?:li|ли)\b", re.I)


def _second_clause(sentence: str) -> list[str]:
    """The two questions of a sentence joined by "and"/"und"/"és"/"i" (a question word after it), each
    on its own; none when the sentence is one question.

    >>> _second_clause("Kann ich sie noch zurückgeben, und fallen dabei Rücksendekosten an?")
    ['Kann ich sie noch zurückgeben?', 'fallen dabei Rücksendekosten an?']
    >>> _second_clause("My parcel and the invoice never came.")
    []
    """
    if "?" not in sentence and not re.search(r"\b(da li|jel|kann ich|can i|lehet)\b", sentence, re.I):
        return []
    m = None
    for m in _SECOND_CLAUSE.finditer(sentence):
        if len(sentence[:m.start()].split()) >= 3:
            break
    else:
        return []
    first, rest = sentence[:m.start()].strip(), sentence[m.end():].strip()
    if len(rest.split()) < 3:
        return []
    # the first part on its own too when it is a question itself ("Kann ich sie noch zurückgeben"), not a
    # statement ("still nothing 😡 also can i pay with paypal?")
    return ([first + "?"] if _QUESTION_START.match(first) else []) + [rest]


def question_segments(text: str, *, max_segments: int = 6, max_chars: int = MATCH_SEGMENT_CHARS,
                      total_chars: int = MATCH_SEGMENTS_CHARS) -> list[str]:
    """The parts of a message worth matching on their own: its sentences and lines of at least
    three words, when there are two or more (a one-sentence message is matched whole).

    Each part is at most ``max_chars`` long (its head); when there are more than ``max_segments``
    parts or they are longer than ``total_chars`` together, questions (a part with "?") are kept
    first, then the other parts, each group in text order, as many as fit (issue 20: a long
    e-mail whose question comes after six sentences of story, or with long lines, costs a bounded
    encode and its question is still matched).

    >>> question_segments("Hi! My parcel never came. Where is it?\\nAnd can I pay by card next time?")
    ['My parcel never came.', 'Where is it?', 'And can I pay by card next time?']
    >>> question_segments("Where is my parcel?")
    []
    >>> question_segments("I ordered on Monday. It was paid. It is a gift. My son waits. He is sad. "
    ...                   "We are at home. Where is my parcel?", max_segments=3)
    ['I ordered on Monday.', 'It was paid.', 'Where is my parcel?']
    """
    out: list[str] = []
    seen: set[str] = set()
    for line in re.split(r"\s*\n+\s*", text):
        for sent in split_sentences(line):
            # chat writes "...using it. and stop the newsletters": a full stop before lower case ends a
            # sentence too (for matching; a cut after an abbreviation costs nothing here)
            for whole in re.split(r"(?<=[.!?])\s+(?=[^\W\d_])", sent):
                # "Can I still return it, and do I pay the postage?": the second question on its own too
                for part in (whole, *_second_clause(whole)):
                    part = _head(part, max_chars)
                    if len(part.split()) >= _MIN_SEGMENT_WORDS and part not in seen:
                        seen.add(part)
                        out.append(part)
    if len(out) < 2:
        return []
    if len(out) <= max_segments and sum(len(p) for p in out) <= total_chars:
        return out
    keep: list[int] = []
    used = 0
    for i in sorted(range(len(out)), key=lambda i: ("?" not in out[i], i)):
        if len(keep) == max_segments:
            break
        if used + len(out[i]) <= total_chars:
            keep.append(i)
            used += len(out[i])
    return [out[i] for i in sorted(keep)] if len(keep) >= 2 else []



# Greetings and closing formulas customers open and sign with, in the languages we draft in (Latin
# spelling, matched without diacritics and case; Serbian Cyrillic is read through transliteration).
_GREETINGS = (
    "hi", "hello", "hey", "hiya", "dear", "good morning", "good afternoon", "good evening", "greetings",
    "hallo", "guten tag", "guten morgen", "guten abend", "sehr geehrte", "sehr geehrter", "sehr geehrtes", "liebe",
    "lieber", "liebes", "servus", "moin", "gruss gott", "gruess gott", "gruezi", "hej", "halo",
    "szia", "sziasztok", "szervusz", "szervusztok", "hali", "helo", "jo napot", "jo napot kivanok",
    "tisztelt", "kedves", "udv", "csa", "csao",
    "zdravo", "pozdrav", "pozz", "cao", "ciao", "bok", "postovani", "postovana", "postovanje", "dobar dan",
    "dobro jutro", "dobro vece", "dobra vecer", "dobro vecer", "selam", "e",
)
_CLOSINGS = (
    "kind regards", "best regards", "warm regards", "regards", "thanks", "thank you", "many thanks", "thanks in advance",
    "cheers", "sincerely", "yours sincerely", "yours faithfully", "best wishes", "best", "thx", "ty",
    "mit freundlichen grussen", "mit freundlichen gruessen", "freundliche grusse", "freundliche gruesse", "mfg",
    "viele grusse", "viele gruesse", "liebe grusse", "liebe gruesse", "lg", "beste grusse", "beste gruesse",
    "gruss", "gruesse", "grusse", "danke", "vielen dank", "danke im voraus", "vielen dank im voraus",
    "udvozlettel", "udv", "koszonom", "koszi", "koszonettel", "elore is koszonom", "tisztelettel", "puszi",
    "srdacan pozdrav", "srdacno", "pozdrav", "pozdravi", "lp", "lijep pozdrav", "lep pozdrav", "hvala", "hvala unapred",
    "hvala unaprijed", "unaprijed hvala", "unapred hvala", "s postovanjem", "sa postovanjem", "poz", "puno hvala",
    "hvala lijepa", "hvala lepo",
)
_CYR_LAT = dict(zip("абвгдђежзијклљмнњопрстћуфхцчџш",
                    ["a", "b", "v", "g", "d", "dj", "e", "z", "z", "i", "j", "k", "l", "lj", "m", "n", "nj", "o", "p",
                     "r", "s", "t", "c", "u", "f", "h", "c", "c", "dz", "s"]))


@lru_cache(maxsize=1 << 14)   # called per character of every message (segment_batch): memoised
def _fold_char(c: str) -> str:
    c = c.lower()
    c = _CYR_LAT.get(c, c)[:1] or c
    base = unicodedata.normalize("NFKD", c)[:1]
    return {"ß": "s", "đ": "d"}.get(c, base if len(c) == 1 and base else c[:1] or " ")


def _fold_plain(text: str) -> str:
    """Lower case, Cyrillic read as Latin, diacritics dropped; one character per character, so that
    positions in the folded text are positions in ``text``."""
    return "".join(_fold_char(c) for c in text)


_GREET_RE = re.compile(r"^(?:" + "|".join(sorted((re.escape(g) for g in set(_GREETINGS)), key=len, reverse=True))
                       + r")\b[^\n,!.?]{0,40}?[,!.]+\s*")
_CLOSE_RE = re.compile(r"^(?:" + "|".join(sorted((re.escape(g) for g in set(_CLOSINGS)), key=len, reverse=True))
                       + r")\b[\s,!.:-]*(?:\S+(?:\s+\S+){0,3})?\s*$")


def strip_salutations(text: str) -> str:
    """The message without its opening greeting ("Dear Kosarica team,", "Szia!", "Guten Tag,") and
    its closing formula and name ("Kind regards,\\nMargaret Ellis"): what is matched against the
    FAQ. Text that is nothing but a greeting is returned as it is.

    >>> strip_salutations("Dear Kosarica team,\\n\\nWhere is my parcel?\\n\\nKind regards,\\nMargaret Ellis")
    'Where is my parcel?'
    >>> strip_salutations("szia! lehet nalatok ajandekkartyat venni?")
    'lehet nalatok ajandekkartyat venni?'
    >>> strip_salutations("Hvala!")
    'Hvala!'
    >>> strip_salutations("Здраво, где је мој пакет? Хвала")
    'где је мој пакет?'
    """
    if not isinstance(text, str) or not text.strip():
        return text
    t = text.strip()
    m = _GREET_RE.match(_fold_plain(t))
    if m and t[m.end():].strip():
        t = t[m.end():].lstrip()
    lines = t.split("\n")
    # a closing formula in the last three non-empty lines, followed only by a short name
    for k in range(len(lines) - 1, max(-1, len(lines) - 5), -1):
        line = lines[k].strip()
        if not line:
            continue
        fl = _fold_plain(line)
        rest = " ".join(x.strip() for x in lines[k + 1:] if x.strip())
        if _CLOSE_RE.match(fl) and len(rest.split()) <= 4 and "?" not in line and k > 0:
            body = "\n".join(lines[:k]).strip()
            if body:
                t = body
            break
    sents = split_sentences(t)
    if len(sents) >= 2 and "?" not in sents[-1] and len(sents[-1].split()) <= 4 \
            and _CLOSE_RE.match(_fold_plain(sents[-1])):   # "... paket? Hvala"
        t = t[:t.rfind(sents[-1])]
    return t.strip()


def segment_batch(texts: Sequence[str], *, segments: bool = True,
                  head_chars: int | None = MATCH_HEAD_CHARS) -> tuple[list[str], list[int | None]]:
    """What is matched for a batch of cleaned messages, as one list to encode in one call: each
    message without its greeting and sign-off (its first ``head_chars`` characters; ``None``: all),
    then the sentences of each (``question_segments``, read from the whole message).
    Returns ``(all_texts, parts)`` in the form ``FaqIndex.search(..., parts=parts)`` takes: ``None``
    for a message, the message's row number for one of its sentences.

    >>> segment_batch(["Hi! Where is my parcel? And can I pay by card?", "Where is it?"])
    (['Where is my parcel? And can I pay by card?', 'Where is it?', 'Where is my parcel?', 'And can I pay by card?'], [None, None, 0, 0])
    """
    whole = [strip_salutations(t) or t for t in texts]
    segs = [question_segments(t) if segments else [] for t in whole]
    if head_chars is not None:
        whole = [_head(t, head_chars) for t in whole]
    parts: list[int | None] = [None] * len(whole) + [i for i, ss in enumerate(segs) for _ in ss]
    return whole + [x for ss in segs for x in ss], parts

