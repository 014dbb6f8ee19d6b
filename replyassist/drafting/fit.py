"""Channel fit and layout, the drafter's last steps: paragraphs in order (greeting, history, empathy, body,
hours, private message, contact, closing, signature), lower case after a German or Croatian greeting, one
line for Twitter/SMS ("Hi Anna, please ..."), the cut to a channel's length (sentence by sentence) and the
final text with the spans of the values in it.

>>> channel_length("Thanks! https://example.com/a/very/long/link 😀", "twitter")
34
"""
from __future__ import annotations

import re
import unicodedata
from typing import Any, Mapping, Sequence

from .locales import Locale
from .render import Segment, join


_EMOJI = re.compile("[\U0001F300-\U0001FAFF\U00002600-\U000027BF\U0001F000-\U0001F02F\U0001F1E6-\U0001F1FF\uFE0F\u200d]+")


_URL = re.compile(r"https?://\S+|www\.\S+")


def channel_length(text: str, channel: str | None) -> int:
    """Length as the channel counts it: Twitter/X counts every URL as 23 and emoji/CJK as 2."""
    if (channel or "").lower() not in ("twitter", "x", "tweet", "twitter/x"):
        return len(text)
    n = 0
    pos = 0
    for m in _URL.finditer(text):
        n += _tw_len(text[pos:m.start()]) + 23
        pos = m.end()
    return n + _tw_len(text[pos:])


def _tw_len(s: str) -> int:
    return sum(2 if (ord(c) > 0x10FF and not ("\u2000" <= c <= "\u206f")) else 1 for c in s)


_Para = list[Segment]


def _strip_emoji(seg: Segment) -> Segment:
    if seg.kind != "literal":
        return seg
    t = _EMOJI.sub("", seg.text)
    t = re.sub(r"[ \t]{2,}", " ", t)
    return Segment(t, seg.kind, seg.name, seg.fallback)


_WORDS_CACHE: dict[str, tuple[frozenset[str], frozenset[str]]] = {}


#: Languages whose letters go on in lower case after the greeting's comma (German: only safe words, never
#: nouns; Croatian: every word the corpus writes in lower case, never Vi/Vaš or a name).
_LOWER_AFTER_GREETING = frozenset({"de", "hr"})


def _answer_words(corpus: Any, lang: str) -> tuple[frozenset[str], frozenset[str]]:
    """Two word sets of ``lang``'s answers, read once per corpus: the words the corpus writes in lower
    case (no nouns: they may start the line after a German greeting in lower case, "jeder", "gib") and
    the words it capitalises mid-sentence (names, brands: they keep their capital after a Croatian one)."""
    key = f"{getattr(corpus, 'content_hash', id(corpus))}:{lang}"
    if key not in _WORDS_CACHE:
        lower: set[str] = set()
        proper: set[str] = set()
        for e in getattr(corpus, "entries", ()) or ():
            tmpl = (getattr(e, "answers", {}) or {}).get(lang)
            for rg in ("formal", "informal"):
                text = getattr(tmpl, rg, None) if tmpl is not None else None
                if isinstance(text, str):
                    lower.update(w for w in re.findall(r"(?<![.!?]\s)\b([^\W\d_]+)\b", text) if w == w.lower())
                    proper.update(w.lower() for w in re.findall(r"(?<=[\w,;:)] )([^\W\d_][\w'-]*)", text)
                                  if w[:1].isupper())
        _WORDS_CACHE[key] = (frozenset(lower), frozenset(proper))
    return _WORDS_CACHE[key]


def _lowercase_after_greeting(paras: dict[str, _Para], loc: Locale, known: frozenset[str] = frozenset(),
                              proper: frozenset[str] | None = None) -> None:
    """German: after "Hallo Anna," the next line starts in lower case (safe words only: the locale's
    list and words the corpus itself writes in lower case, which are not nouns). Croatian (``proper``
    given): every word except Vi/Vaš, names and brands (words the corpus capitalises mid-sentence)."""
    safe = _german_lowercase_safe(loc, known)
    keep = _KEEP_CAPITAL.get(loc.language, set())
    for key in ("history", "empathy", "body"):
        p = paras.get(key)
        if not p:
            continue
        first = p[0]
        if first.kind == "literal":
            m = re.match(r"\s*(\w+)", first.text)
            w = m.group(1) if m else ""
            ok = (w.lower() in safe) if proper is None else \
                (w.lower() not in proper and w.lower() not in keep and not any(c.isupper() for c in w[1:]))
            if m and ok and w[:1].isupper() and not w.isupper():
                i = m.start(1)
                p[0] = Segment(first.text[:i] + first.text[i].lower() + first.text[i + 1:], "literal")
        return


#: Words that keep their capital after "Hi Anna," on one line (pronouns of address, "I").
_KEEP_CAPITAL = {"en": {"i", "i'm", "i've", "i'll", "i'd"},
                 "sr": {"vi", "vas", "vam", "vama", "vaš", "vaša", "vaše", "vašu", "vašeg", "vašoj", "vašim"},
                 "hr": {"vi", "vas", "vam", "vama", "vaš", "vaša", "vaše", "vašu", "vašeg", "vašoj", "vašim"},
                 "bs": {"vi", "vas", "vam", "vama", "vaš", "vaša", "vaše", "vašu", "vašeg", "vašoj", "vašim"}}


def _german_lowercase_safe(loc: Locale, known: frozenset[str]) -> set[str]:
    """Words that may start the line after a German greeting in lower case: the locale's list and the
    words the corpus itself writes in lower case (no nouns), never the polite Sie/Ihr/Ihnen, which the
    corpus also writes in lower case where they mean "she", "they" or "you all"."""
    return ({w.lower() for w in (loc.get("lowercase_after_greeting") or [])} | set(known)) - _GERMAN_POLITE


#: German forms that are the polite "you" at the start of a line ("Sie können ..."): never lowered.
_GERMAN_POLITE = frozenset({"sie", "ihr", "ihre", "ihren", "ihrem", "ihrer", "ihres", "ihnen"})


def _join_greeting(paras: dict[str, _Para], loc: Locale, lang: str, known: frozenset[str] = frozenset()) -> None:
    """On one-line channels the greeting and the first sentence share a line: after "Hi Anna," the
    sentence goes on in lower case ("Hi Anna, please send ..."), except words that keep their
    capital (I, Vi/Vas, German nouns); where that cannot be done safely the greeting ends with "!"."""
    greet = paras.get("greeting")
    if not greet:
        return
    last = greet[-1]
    if last.kind != "literal" or not last.text.rstrip().endswith(","):
        return
    nxt = next((paras[k] for k in ("history", "empathy", "body") if paras.get(k)), None)
    if not nxt or nxt[0].kind != "literal":
        return
    first = nxt[0]
    m = re.match(r"\s*([^\W\d_]+(?:'[^\W\d_]+)?)", first.text)
    word = m.group(1) if m else ""
    keep = word.lower() in _KEEP_CAPITAL.get(lang, set()) or not word[:1].isupper() \
        or (len(word) > 1 and word.isupper()) or any(c.isupper() for c in word[1:])
    if lang == "de":
        ok = word.lower() in _german_lowercase_safe(loc, known)
    elif lang == "hu":
        ok = False  # Hungarian greetings end with "!" anyway
    else:
        ok = True
    if keep and word[:1].isupper() and word.lower() not in _KEEP_CAPITAL.get(lang, set()):
        ok = False
    if ok and m and word[:1].isupper() and not keep:
        i = m.start(1)
        nxt[0] = Segment(first.text[:i] + first.text[i].lower() + first.text[i + 1:], "literal")
    elif not ok:
        t = last.text.rstrip()
        greet[-1] = Segment(t[:-1] + "!", last.kind, last.name, last.fallback)


_LABEL_END = re.compile(r"(^|[.!?]\s+|\n)([^\n.!?:]{1,40}):\s*$")


def _drop_label_fallbacks(segs: list[Segment], notes: list[str]) -> list[Segment]:
    """A labelled value with no value ("Tracking link: {tracking_url}" without a link) is left out
    with its label, instead of a fallback phrase that leaves no sentence ("Tracking link: in the
    shipping confirmation e-mail")."""
    out = list(segs)
    i = 1
    while i < len(out):
        seg, prev = out[i], out[i - 1]
        if seg.kind == "value" and seg.fallback and prev.kind == "literal":
            m = _LABEL_END.search(prev.text)
            # a label is a short phrase at the start of a sentence ("Tracking link:"), not the end of one
            at_start = m is not None and (m.group(1) != "" or i - 1 == 0 or (
                out[i - 2].kind == "literal" and re.search(r"[.!?\n]\s*$", out[i - 2].text) is not None))
            if m is not None and (not at_start or len(m.group(2).split()) > 4):
                m = None
            nxt = out[i + 1].text if i + 1 < len(out) else ""
            if m and (not nxt.strip() or re.match(r"\s*[.!]?\s*(\n|$)", nxt) or re.match(r"\s*[.!]\s", nxt)):
                out[i - 1] = Segment(prev.text[:m.start(2)].rstrip(" ") if m.group(1) != "\n" else prev.text[:m.start(2)],
                                     prev.kind, prev.name, prev.fallback)
                if i + 1 < len(out) and out[i + 1].kind == "literal":
                    out[i + 1] = Segment(re.sub(r"^\s*[.!]", "", out[i + 1].text), "literal")
                notes.append(f"no value for {{{seg.name}}}: the sentence {m.group(2).strip()!r} was left out")
                del out[i]
                continue
        i += 1
    return out


def _sentence_prefixes(body: Sequence[Segment]) -> list[list[Segment]]:
    """The body cut after each of its sentences, longest first (never mid-sentence, never empty)."""
    cuts: list[list[Segment]] = []
    for i, seg in enumerate(body):
        if seg.kind != "literal":
            continue
        for m in re.finditer(r"[.!?](?=\s|$)", seg.text):
            if i == len(body) - 1 and m.end() >= len(seg.text.rstrip()):
                continue   # the whole body: not a cut
            head = list(body[:i]) + [Segment(seg.text[:m.end()], seg.kind, seg.name, seg.fallback)]
            if join(head).strip():
                cuts.append(head)
    return cuts[::-1]


def _layout(paras: Mapping[str, _Para], compact: bool, loc: Locale | None = None,
            known: frozenset[str] = frozenset()) -> list[Segment]:
    order = ["greeting", "history", "empathy", "body", "hours", "private", "contact", "closing", "signature"]
    if compact and loc is not None and paras.get("greeting"):   # one line: "Hi Anna, please ..."
        paras = {k: list(v) for k, v in paras.items()}
        _join_greeting(paras, loc, loc.language, known)
    out: list[Segment] = []
    present = [k for k in order if k in paras and join(paras[k]).strip()]
    for i, k in enumerate(present):
        if i:
            if compact:
                sep = " "
            elif k == "signature" and "closing" in present:
                sep = "\n"
            else:
                sep = "\n\n"
            out.append(Segment(sep))
        segs = paras[k]
        if compact:
            segs = [Segment(x.text.replace("\n", " "), x.kind, x.name, x.fallback) for x in segs]
        out.extend(segs)
    return out


def _assemble(segs: Sequence[Segment]) -> tuple[str, list[tuple[int, int, str]], list[str]]:
    parts: list[str] = []
    spans: list[tuple[int, int, str]] = []
    used_fb: list[str] = []
    pos = 0
    for seg in segs:
        t = unicodedata.normalize("NFC", seg.text) if seg.kind == "literal" else seg.text
        if seg.kind == "value":
            if not seg.fallback:
                spans.append((pos, pos + len(t), seg.name or ""))
            elif seg.name and seg.name not in used_fb:
                used_fb.append(seg.name)
        parts.append(t)
        pos += len(t)
    return "".join(parts), spans, used_fb
