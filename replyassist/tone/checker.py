"""The tone check: what a team lead would catch in a draft, with spans and suggestions.

Kinds: ``register_mismatch``, ``unfilled_placeholder``, ``shouting``, ``slang``, ``blame``,
``overpromise``, ``missing_empathy``, ``generic``, ``too_long``, ``impolite``, plus
``avoid_word`` (the brand's words to avoid) and ``public_personal_data`` (personal data asked
for in a public channel). Spans are character offsets into ``draft.text``. Text is tokenised
with spaCy blank pipelines (``xx`` for languages spaCy lacks); lexicons are per language in
``replyassist/data/locales``; Serbian Cyrillic is checked through its exact transliteration.

>>> from replyassist.drafting import Draft
>>> d = Draft(text="Hallo Jonas,\\n\\nSie hätten die Bestellung früher stornieren müssen!!!",
...           language="de", register="formal", personalisation=("customer_name",))
>>> sorted({f.kind for f in ToneChecker().check(d, customer_register="informal", negative_customer=True, channel="email")})
['blame', 'missing_empathy', 'register_mismatch', 'shouting']
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from ..drafting.drafter import Draft, channel_length
from ..drafting.locales import LexiconMatch, Locale, get_locale, has_locale, tokenize
from ..drafting.script import cyrillic_to_latin, has_cyrillic, latin_to_cyrillic
from ..drafting.settings import DraftSettings
from ..errors import Errors, InputError
from ..text import replace_lone_surrogates
from .politeness import ImpolitenessScorer

__all__ = ["ToneFinding", "ToneChecker", "KINDS"]

KINDS = ("register_mismatch", "unfilled_placeholder", "shouting", "slang", "blame", "overpromise",
         "missing_empathy", "generic", "too_long", "impolite", "avoid_word", "public_personal_data")

_PLACEHOLDER = re.compile(
    r"\{\{[^{}\n]{0,60}\}\}|\{[A-Za-z_][A-Za-z0-9_ .-]{0,40}\}|\[\[?[A-Z][A-Z0-9 _-]{1,40}\]\]?|<[A-Z][A-Z0-9_]{1,40}>"
    r"|%\([a-z_]+\)s|\$\{[A-Za-z_]+\}|\bX{3,}\b|\b_{3,}\b")
_REPEAT_PUNCT = re.compile(r"[!?]*(?:!{2,}|\?{2,}|[!?]{3,}|!\?|\?!)[!?]*|[!?]{2,}")
_ACRONYMS = {"FAQ", "PDF", "SMS", "DHL", "GLS", "UPS", "DPD", "IBAN", "BIC", "SWIFT", "PIN", "URL", "EU", "USA",
             "UK", "EUR", "HUF", "RSD", "USD", "GBP", "CHF", "CET", "CEST", "MEZ", "MESZ", "VAT", "ÁFA", "PDV",
             "MWST", "OIB", "JMBG", "GDPR", "DSGVO", "API", "ID", "TV", "PC", "USB", "HDMI", "LED", "PTT",
             "DDV", "ZIP", "PLZ", "OK", "NFC", "QR", "AG", "GMBH", "KFT", "ZRT", "DOO", "SRL", "HR", "SR", "HU", "DE",
             "AT", "CH", "RS", "BA", "ME", "GPS", "EAN", "SKU", "COD"}
_PRONOUN_HINT = {"de": ("Sie/Ihnen/Ihr", "du/dich/dein"), "hu": ("Ön/Önnek, tudná", "te/neked, tudnád"),
                 "sr": ("Vi/Vas/Vaš, možete", "ti/te/tvoj, možeš"), "hr": ("Vi/Vas/Vaš, možete", "ti/te/tvoj, možeš"),
                 "en": ("formal wording (Dear ..., Kind regards)", "casual wording (Hi ..., Best wishes)")}
_SEVERITY = {"unfilled_placeholder": "error", "register_mismatch": "error", "too_long": "error",
             "public_personal_data": "error", "blame": "warning", "overpromise": "warning", "impolite": "warning",
             "missing_empathy": "warning", "shouting": "warning", "generic": "info", "slang": "info",
             "avoid_word": "warning"}


@dataclass(frozen=True)
class ToneFinding:
    """One problem: ``kind`` (see :data:`KINDS`), ``message``, ``start``/``end`` character span in
    the draft text (``start == end`` when the problem is an absence), ``suggestion``,
    ``severity`` ("error", "warning", "info")."""

    kind: str
    message: str
    start: int
    end: int
    suggestion: str
    severity: str = "warning"

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "message": self.message, "start": self.start, "end": self.end,
                "suggestion": self.suggestion, "severity": self.severity}


class ToneChecker:
    """Checks drafts. ``settings`` (a ``DraftSettings`` or its dict) gives the brand's formality
    policy, words to avoid and channel limits; ``embedder`` adds the e5 impoliteness head;
    ``impolite_threshold`` is the P(impolite) above which a sentence is reported.

    >>> from replyassist.drafting import Draft
    >>> ToneChecker().check(Draft(text="We guarantee delivery tomorrow.", language="en", register="formal",
    ...     personalisation=("order_id",)), customer_register=None, negative_customer=False, channel=None)[0].kind
    'overpromise'
    """

    def __init__(self, settings: DraftSettings | Mapping[str, Any] | None = None, *, embedder: Any = None,
                 impolite_threshold: float = 0.8, scorer: ImpolitenessScorer | None = None) -> None:
        if settings is None:
            settings = DraftSettings()
        elif isinstance(settings, Mapping):
            settings = DraftSettings.from_dict(settings)
        if not 0.0 < float(impolite_threshold) <= 1.0:
            from ..errors import ConfigError
            raise ConfigError(Errors.E072, impolite_threshold=impolite_threshold)
        self.settings = settings
        self.impolite_threshold = float(impolite_threshold)
        self.scorer = scorer or ImpolitenessScorer(embedder=embedder)

    def check(self, draft: Draft, *, customer_register: str | None = None, negative_customer: bool = False,
              channel: str | None = None) -> list[ToneFinding]:
        """Every finding for ``draft``, ordered by position."""
        text = getattr(draft, "text", None)
        if not isinstance(text, str):
            raise InputError(Errors.E128, draft_type=type(draft).__name__,
                             hint="" if isinstance(draft, Draft) else " (for plain text use check_text(text, language))")
        if channel is not None and not isinstance(channel, str):
            raise InputError(Errors.E127, channel_type=type(channel).__name__)
        text = replace_lone_surrogates(text)  # same length: finding spans still index draft.text
        lang = (draft.language or "en").lower()
        loc = get_locale(lang)
        localised = has_locale(lang)
        protected = [(s, e) for s, e, _ in (getattr(draft, "value_spans", ()) or ()) if 0 <= s <= e <= len(text)]
        tokens = _tokens(text, lang)
        out: list[ToneFinding] = []

        def free(s: int, e: int) -> bool:
            return not any(ps <= s and e <= pe for ps, pe in protected)

        def lex(name: str, extra: Sequence[str] = ()) -> list[LexiconMatch]:
            if not localised and not extra:
                return []
            return [m for m in _dedupe(loc.find(text, name, extra=extra, tokens=tokens)) if free(m.start, m.end)]

        # register
        expected = self._expected_register(draft, customer_register)
        if expected is not None and localised:
            out += self._register(draft, text, loc, lex, expected, customer_register)
        # placeholders
        for m in _PLACEHOLDER.finditer(text):
            if free(m.start(), m.end()):
                out.append(self._f("unfilled_placeholder", f"Unfilled placeholder {m.group(0)!r} would reach the customer.",
                                   m.start(), m.end(), "Fill in the value or rephrase without it."))
        # shouting
        for m in _REPEAT_PUNCT.finditer(text):
            if free(m.start(), m.end()):
                out.append(self._f("shouting", f"Repeated punctuation {m.group(0)!r} reads as shouting.",
                                   m.start(), m.end(), "Use a single full stop or question mark."))
        for s, e in _caps_runs(text, tokens):
            if free(s, e):
                out.append(self._f("shouting", f"All-caps text {text[s:e]!r} reads as shouting.", s, e,
                                   f"Write it in normal case: {text[s:e].capitalize()!r}."))
        # lexicons
        for hit in lex("slang"):
            out.append(self._f("slang", f"{hit.text!r} is slang or an idiom: it may read too casual and translates badly.",
                               hit.start, hit.end, _suggest(hit, "Use plain, standard wording.")))
        for hit in lex("blame"):
            out.append(self._f("blame", f"{hit.text!r} blames the customer.", hit.start, hit.end,
                               _suggest(hit, "Describe the situation and the next step instead of what the customer did wrong.")))
        for hit in lex("overpromise"):
            out.append(self._f("overpromise", f"{hit.text!r} promises something the team may not be able to keep.",
                               hit.start, hit.end, _suggest(hit, "Promise only what is sure: give a realistic time frame "
                                                           "(e.g. 'as soon as possible', 'usually within ...').")))
        for hit in lex("impolite"):
            out.append(self._f("impolite", f"{hit.text!r} sounds dismissive or rude.", hit.start, hit.end,
                               _suggest(hit, "Rephrase neutrally and respectfully.")))
        if self.settings.words_to_avoid:
            for hit in _dedupe(loc.find(text, "__avoid__", extra=self.settings.words_to_avoid, tokens=tokens)):
                if free(hit.start, hit.end):
                    out.append(self._f("avoid_word", f"{hit.text!r} is on the brand's list of words to avoid.",
                                       hit.start, hit.end, "Use the brand's preferred wording."))
        out += self._impolite_model(text, lang, tokens, out, free)
        # empathy
        if negative_customer:
            out += self._empathy(text, lex, localised)
        # personalisation
        out += self._generic(draft, text, lex)
        # channel
        ch = channel or getattr(draft, "channel", None)
        policy = self.settings.channel(ch)
        chname = self.settings.channel_name(ch)
        if policy.char_limit is not None:
            n = channel_length(text, chname)
            if n > policy.char_limit:
                cut = _cut_index(text, chname, policy.char_limit)
                out.append(self._f("too_long", f"{n} characters: over the {chname} limit of {policy.char_limit}.",
                                   cut, len(text), "Shorten it, or invite the customer to a private message and answer there."))
        if policy.public:
            for hit in lex("pii_request"):
                out.append(self._f("public_personal_data",
                                   f"{hit.text!r}: personal data must not be asked for in a public {chname} reply.",
                                   hit.start, hit.end, "Ask the customer to send it in a private message or by e-mail."))
        out.sort(key=lambda f: (f.start, f.end, KINDS.index(f.kind) if f.kind in KINDS else 99))
        return out

    def check_text(self, text: str, language: str, *, register: str = "formal", **kwargs: Any) -> list[ToneFinding]:
        """Check a text written outside the drafter (e.g. an agent's edit)."""
        return self.check(Draft(text=text, language=language, register=register), **kwargs)

    # -- pieces -----------------------------------------------------------------------------
    def _f(self, kind: str, message: str, start: int, end: int, suggestion: str) -> ToneFinding:
        return ToneFinding(kind, message, int(start), int(end), suggestion, _SEVERITY.get(kind, "warning"))

    def _expected_register(self, draft: Draft, customer_register: str | None) -> str | None:
        pol = self.settings.formality
        if pol in ("formal", "informal"):
            return pol
        if customer_register in ("formal", "informal"):
            return customer_register
        return draft.register if draft.register in ("formal", "informal") else None

    def _register(self, draft: Draft, text: str, loc: Locale, lex: Any, expected: str,
                  customer_register: str | None) -> list[ToneFinding]:
        wrong = "informal" if expected == "formal" else "formal"
        hits = lex(f"register_{wrong}")
        strong = [m for m in hits if m.weight >= 2]
        if any(m.weight >= 2 for m in loc.patterns(f"register_{wrong}")):
            hits = strong
        who = ("the brand" if self.settings.formality in ("formal", "informal")
               else "the customer" if customer_register in ("formal", "informal") else "the draft")
        hint = _PRONOUN_HINT.get(loc.language, ("the formal register", "the informal register"))
        want = hint[0] if expected == "formal" else hint[1]
        swaps = (loc.get("register_swap") or {}).get(f"to_{expected}") or {}
        cyr = has_cyrillic(text)
        out = []
        for m in hits:
            key = cyrillic_to_latin(m.text) if cyr else m.text
            rep = swaps.get(key) or swaps.get(key.lower()) or swaps.get(key[:1].upper() + key[1:].lower())
            if rep and cyr:
                rep = latin_to_cyrillic(rep)
            at_start = not text[:m.start].strip() or text[:m.start].rstrip()[-1:] in ".!?\n:"
            if rep and at_start and rep[:1].islower():
                rep = rep[:1].upper() + rep[1:]
            sugg = f"Write {rep!r} instead (the {expected} form)." if rep else f"Use the {expected} form ({want})."
            out.append(self._f("register_mismatch", f"The draft says {m.text!r} ({wrong}) where {who} wants the "
                                                    f"{expected} register.", m.start, m.end, sugg))
        if not out and draft.register in ("formal", "informal") and draft.register != expected:
            end = text.find("\n")
            out.append(self._f("register_mismatch", f"The draft is written in the {draft.register} register where {who} "
                                                    f"wants the {expected} register.", 0, end if end > 0 else len(text),
                               f"Redraft in the {expected} register ({want})."))
        return out

    def _impolite_model(self, text: str, lang: str, tokens: list[tuple[str, int]] | None, found: list[ToneFinding],
                        free: Any) -> list[ToneFinding]:
        spans = _sentences(text)
        if not spans:
            return []
        probs = self.scorer.score([text[s:e] for s, e in spans], [lang] * len(spans))
        out = []
        for (s, e), p in zip(spans, probs):
            if p >= self.impolite_threshold and free(s, e) and not any(f.kind == "impolite" and s <= f.start < e for f in found):
                out.append(self._f("impolite", f"This sentence may come across as impolite (score {float(p):.2f}).", s, e,
                                   "Soften it: thank the customer, use 'please', explain instead of instructing."))
        return out

    def _empathy(self, text: str, lex: Any, localised: bool) -> list[ToneFinding]:
        out = []
        if localised and not lex("empathy"):
            first_break = text.find("\n\n")
            s = first_break + 2 if first_break > 0 else 0
            e = text.find("\n", s)
            out.append(self._f("missing_empathy", "The customer is unhappy, but the draft neither acknowledges that nor apologises.",
                               s, e if e > s else len(text), "Start the reply with an apology and acknowledge the problem."))
        for m in lex("cheerful"):
            out.append(self._f("missing_empathy", f"{m.text!r} sounds cheerful to an unhappy customer.", m.start, m.end,
                               "Acknowledge the problem first; keep the tone calm."))
        for m in re.finditer("[\U0001F600-\U0001F64F\U0001F389\U0001F44D\u263A]", text):
            out.append(self._f("missing_empathy", "An emoji reads as flippant to an unhappy customer.", m.start(), m.end(),
                               "Remove the emoji."))
        return out

    def _generic(self, draft: Draft, text: str, lex: Any) -> list[ToneFinding]:
        out = [self._f("generic", f"{m.text!r} is a generic salutation.", m.start, m.end,
                       "Address the customer by name.") for m in lex("generic")]
        personal = tuple(getattr(draft, "personalisation", ()) or ())
        if not personal and not any(n in ("customer_name", "order_id", "ticket_id") for _, _, n in (draft.value_spans or ())):
            end = text.find("\n")
            out.append(self._f("generic", "The draft is generic: no customer name, order or ticket number, or reference "
                                          "to the conversation.", 0, end if end > 0 else min(len(text), 80),
                               "Add the customer's name and the order or ticket number, or refer to the earlier message."))
        return out


# ---------------------------------------------------------------------------------------------


def _tokens(text: str, lang: str) -> list[tuple[str, int]] | None:
    if lang == "sr" and any("\u0400" <= c <= "\u04ff" for c in text):
        return None  # Locale.find transliterates and maps spans back itself
    return tokenize(text, lang)


def _dedupe(matches: list[LexiconMatch]) -> list[LexiconMatch]:
    """Drop hits inside a longer hit (keep "you should have", drop "should")."""
    out: list[LexiconMatch] = []
    for m in sorted(matches, key=lambda m: (m.start, -(m.end - m.start))):
        if any(o.start <= m.start and m.end <= o.end for o in out):
            continue
        out.append(m)
    return out


def _suggest(m: LexiconMatch, default: str) -> str:
    if "=>" in m.pattern:
        return f"Write {m.pattern.split('=>', 1)[1].strip()!r} instead."
    return default


def _caps_runs(text: str, tokens: list[tuple[str, int]] | None) -> list[tuple[int, int]]:
    words = [(m.group(0), m.start()) for m in re.finditer(r"[^\W\d_]+(?:[-'][^\W\d_]+)*", text)]
    runs: list[list[tuple[str, int]]] = []
    cur: list[tuple[str, int]] = []
    for w, s in words:
        letters = [c for c in w if c.isalpha()]
        is_caps = len(letters) >= 2 and all(c.isupper() for c in letters)
        gap_ok = not cur or not re.search(r"[\n.!?,;:]", text[cur[-1][1] + len(cur[-1][0]):s])
        if is_caps and gap_ok:
            cur.append((w, s))
        else:
            if cur:
                runs.append(cur)
            cur = [(w, s)] if is_caps else []
    if cur:
        runs.append(cur)
    out = []
    for run in runs:
        real = [w for w, _ in run if w.upper() not in _ACRONYMS and cyrillic_to_latin(w).upper() not in _ACRONYMS]
        if (len(run) >= 2 and len(real) >= 2) or any(len(w) >= 4 for w in real):
            out.append((run[0][1], run[-1][1] + len(run[-1][0])))
    return out


_SENTENCE = re.compile(r"[^\n.!?]+([.!?]+|$)?")


def _sentences(text: str) -> list[tuple[int, int]]:
    """Spans of the sentences of ``text`` that end in . ! ? or at the end of the text (a line without an
    end mark is not one). Linear: the end mark is optional in the pattern and checked after the match
    (a required one made the engine retry every suffix of a long line without one: 1.2 s on 100 kB)."""
    # (group 1 is None: the run is followed by a line break, not by an end mark)
    return _worth_scoring(text, [m.span() for m in _SENTENCE.finditer(text) if m.group(1) is not None])


def _worth_scoring(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """``spans`` without their leading white space, those of at least 12 characters and 8 letters."""
    out = []
    for s, e in spans:
        while s < e and text[s].isspace():
            s += 1
        if e - s >= 12 and sum(c.isalpha() for c in text[s:e]) >= 8:
            out.append((s, e))
    return out


def _cut_index(text: str, channel: str, limit: int) -> int:
    lo, hi = 0, len(text)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if channel_length(text[:mid], channel) <= limit:
            lo = mid
        else:
            hi = mid - 1
    return lo
