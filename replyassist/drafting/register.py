"""Register (formal/informal) detection from the customer's own words and writing style.

Three kinds of evidence, added up per register:

1. **Words** (weights 0.5-3): the ``register_formal`` / ``register_informal`` lexicons of the
   locale files. German Sie/du (and ihr/euch to a team), Hungarian Ön/maga/te (and verb forms
   such as ``tudná``/``tudnál``), Serbian/Croatian/Bosnian Vi/ti (``možete``/``možeš``),
   greetings and sign-offs (``Sehr geehrte``/``Hi``, ``Tisztelt``/``szia``,
   ``Poštovani``/``ćao``/``bok``, ``Dear``/``hey``), chat words (``thx``, ``u``, ``lol``,
   ``légyszi``, ``bre``), questions to a forum (``does anyone know``, ``zna li netko``). Every
   marker is also matched without diacritics (``mozes`` = ``možeš``, ``gruesse`` = ``grüße``).
   The same marker repeated counts once; overlapping markers count once, with the larger weight.
2. **Grammar** (code below, weights 0.5-3): rules a word list cannot express. The South Slavic
   2nd person singular ending ``-š`` (``pošalješ``, ``kontaš``); Hungarian ``-nátok``/``-jétek``/
   ``-nád`` (you, informal) and ``-ná``/``-nák``/``-jék`` (you, formal); the German sentence-start
   ambiguity (``Sie ist kaputt`` is "she/it", ``Ihr habt`` is "you all"); openers that only count
   as the first word (``E, jel može...``, ``Leute,``); a dropped subject at a sentence start
   (``Got my parcel``, ``Warte seit Montag``). Capitalised pronouns (``Sie``, ``Vas``) count
   fully inside a sentence; at a sentence start the capital tells nothing, so they count half.
3. **Style** (language-independent, each cue at most 1.5 and all together at most 2.5, i.e. below
   one strong pronoun such as ``Sie``/``Vi`` at 3): no capital letter at all, sentences that all
   start in lower case, emoji and emoticons, ``!!``/``??``, chat abbreviations, stretched words
   (``heeej``), shouting in capitals, a post starting with an @mention, and (hu, sr, hr, bs) a
   longer text without a single diacritic or everyday words typed without them (``sta``, ``jos``).

Decision: "formal" if the formal total is larger; "informal" only if the informal total is
larger by at least 1.0 (one weak cue such as ``!!`` is not enough), else ``None`` ("no
evidence", which the drafter treats as the brand default, formal). A formal customer wrongly
called informal is the worse error, hence the margin and the cap on style.

Languages: ``en``, ``de``, ``hu``, ``sr`` (Latin and Cyrillic; Cyrillic is read through its exact
Latin transliteration), ``hr``; Bosnian (``bs``) and Montenegrin (``me``) through an alias:
they are read with the Croatian and Serbian cues together (plus ``bs.yaml``'s where that file
exists; Montenegrin has no locale file), see ``_LEXICON_SOURCES``. ``sr`` and ``hr`` read the
same merged cues, because short messages in these languages are often detected as one of the
others. Other languages (and ``language=None``) get the style cues only.

>>> detect_register("Hallo, kannst du mir sagen, wo mein Paket ist?", "de").register
'informal'
>>> detect_register("Tisztelt Ügyfélszolgálat! Tudná jelezni, hol tart a rendelésem?", "hu").register
'formal'
>>> detect_register("Здраво, можеш ли да ми кажеш где је пакет?", "sr").register
'informal'
>>> detect_register("e jel mozete da mi kazete gde je paket", "bs").register
'informal'
>>> detect_register("Where is my order?", "en").register is None
True
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Callable

from ..errors import InputError
from .locales import LexiconMatch, Locale, get_locale, has_locale, tokenize
from .script import cyrillic_to_latin_with_map, has_cyrillic

__all__ = ["RegisterResult", "detect_register", "register_languages"]

FORMAL = "formal"
INFORMAL = "informal"

# Which locale files' lexicons a language is read with (first = tokeniser language; for the same
# marker the first file's weight wins). Montenegrin has no locale file, and Bosnian may lack one:
# both are read with the Croatian and Serbian cues (ijekavian spelling from hr, ekavian from sr,
# greetings from both), plus bs.yaml's where it exists; sr and hr read all three as well, since
# short messages in these languages are often detected as one of the others. Missing files are
# skipped.
_LEXICON_SOURCES: dict[str, tuple[str, ...]] = {
    "sr": ("sr", "hr", "bs"),
    "hr": ("hr", "sr", "bs"),
    "bs": ("hr", "sr", "bs"),
    "me": ("sr", "hr", "bs"),
}
# Words that count only as the first word of a message (see _OPENERS_INFORMAL): "ljudi" and
# "ekipa" ("people", "crew") are ordinary nouns elsewhere ("ljudi iz kurirske službe").
_OPENER_ONLY = frozenset({"ljudi", "ekipa", "leute", "emberek"})
_BCMS = frozenset(_LEXICON_SOURCES)
_LEXICONS = ("register_formal", "register_informal")

# Languages whose ordinary text has diacritics in almost every sentence: a longer message
# without any is chat typed on a phone or an English keyboard.
_DIACRITICS = {
    "hu": "áéíóöőúüű",
    "sr": "čćšžđ", "hr": "čćšžđ", "bs": "čćšžđ", "me": "čćšžđ",
}
# German is folded the German way (ä -> ae); the others by dropping accents (š -> s, ő -> o).
_DE_FOLD = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue"})

# Style cues (weights; see the module docstring for why they stay below the words).
_W_NO_CAPITALS = 1.5        # "hali, a rendelesem..." - nobody writes a formal letter like this
_W_LOWER_START = 1.0        # first word in lower case, capitals elsewhere ("still waiting...")
_W_EMOJI = 1.0              # one emoji or emoticon: rare in formal mail (none in 143 formal
_W_EMOJI_MANY = 1.5         # messages of benchmarks/draft_set), common in chat; two or more
_W_PUNCT = 0.5              # "!!", "??", "?!": emphatic, but angry formal customers do it too
_W_CHAT_ABBREV = 1.0        # lol, omg, xd, haha, ... (per message, not per hit)
_W_STRETCH = 0.5            # "heeeej", "pleeease"
_W_LOWER_SENTENCES = 1.25   # every sentence starts in lower case (but capitals elsewhere: names, ids)
_W_SHOUT = 0.75             # four or more words in capitals: shouting (angry letters do it too)
_W_MENTION = 0.5            # social-media post starting with an @mention
_W_NO_DIACRITICS = 0.75     # longer hu/sr/hr/bs text without a single diacritic
# ... "longer": about one sentence in six of edited Bosnian/Croatian prose has no diacritic, but
# hardly one of 15+ words; Hungarian needs accents far more often.
_NO_DIACRITICS_MIN_WORDS = {"hu": 8}
_W_ASCII_WORDS = 0.75       # sr/hr/bs: everyday words typed without diacritics (sta, nista, moze)
_STYLE_CAP = 2.5            # all style cues together: below one formal pronoun (3)
# "informal" needs at least this much more evidence than "formal" (one weak cue such as "!!" or a
# lower-case first word is not enough): calling a formal customer informal is the worse error.
_MIN_INFORMAL_MARGIN = 1.0

_EMOJI = re.compile(
    "[\U0001F300-\U0001FAFF\U00002600-\U000027BF\U0001F000-\U0001F2FF\u2B50\u2B55\u203C\u2049]"
    r"|(?<![\w:/])(?:[:;=]-?[)(DPpO3*|/\\]|<3|\^\^|\^_\^)(?![\w/])", re.UNICODE)
_WORD = re.compile(r"@?\w+(?:[-'’]\w+)*|[^\w\s]", re.UNICODE)
_SURROGATE = re.compile("[\ud800-\udfff]")
_EMPHATIC = re.compile(r"[!?]{2,}")
_STRETCH = re.compile(r"([^\W\d_])\1{2,}", re.UNICODE)
_CHAT_ABBREV = frozenset({
    "lol", "lmao", "rofl", "omg", "xd", "xdd", "btw", "idk", "wtf", "tbh", "imo", "imho", "jk", "brb",
    "haha", "hahaha", "hahahaha", "hehe", "hihi", "ahah", "ahaha", "thx", "tnx", "pls", "plz", "pliz",
})
_MENTION_START = re.compile(r"^\s*@\w+")
_SENTENCE_START = re.compile(
    r"(?:^|[!?\n]|(?<=[^\W\d_]{4})\.|(?<=\d)\.)[\s\"'„“”»«()*-]*([^\W\d_])", re.UNICODE)
# Frequent sr/hr/bs words as typed without diacritics (šta, ništa, još, već, može, će, ...).
_BCMS_ASCII = frozenset({
    "sta", "nista", "jos", "vec", "moze", "mozes", "mozete", "ce", "cu", "ces", "cemo", "cete", "zasto",
    "hocu", "necu", "pise", "sto", "narudzba", "narudzbu", "narudzbe", "porudzbina", "porudzbinu",
    "porudzbine", "posiljka", "posiljku", "posiljke", "placanje", "dosao", "dosla", "dostavljac",
    "kolicina", "cekam", "cekao", "cekala",
})
_SENTENCE_END = re.compile(r"(?:^|[.!?:\n])[\s\"'„“”»«()*-]*$")

# -- grammar rules (per language; weights as for words) -------------------------------------
# South Slavic present tense, 2nd person singular: možeš, šalješ, kontaš, čekaš. Short words
# with the ending are not verbs (još, baš, naš, vaš, keš, tuš) - hence at least 5 letters.
_BCMS_2SG = re.compile(r"^[^\W\d_]{3,}(?:eš|iš)$", re.UNICODE)
# -aš is also an agent noun (nogometaš, košarkaš): half weight.
_BCMS_2SG_AS = re.compile(r"^[^\W\d_]{3,}aš$", re.UNICODE)
_BCMS_2SG_NOT = frozenset({"kraš", "vaš", "naš", "bakaš", "sataraš"})
# Message-opening words that are too short or too common to be lexicon words elsewhere:
# "E, jel može..." (not the "e" of "e-mail"); "ljudi"/"Leute"/"emberek" ("people", as a
# vocative); "Pozdrav, ..." leans informal but business mail opens with it too, hence 0.5, which
# alone stays below the informal margin.
_OPENERS_INFORMAL: dict[str, dict[str, float]] = {
    "bcms": {"e": 2.0, "ee": 2.0, "pozdrav": 0.5, "pozdravi": 0.5, "hello": 1.5, "hi": 1.5,
             "ljudi": 1.5, "ekipa": 2.0, "društvo": 1.5},
    "hu": {"hello": 1.0, "hi": 1.5, "emberek": 1.5},
    "de": {"leute": 2.0},
}
# Subject dropped at a sentence start, as in chat ("Got my parcel today", "Warte seit Montag").
_SUBJECT_DROP: dict[str, dict[str, float]] = {
    "en": {"got": 1.0, "been": 1.0, "ordered": 1.0, "bought": 1.0, "paid": 1.0, "tried": 1.0},
    "de": {"warte": 1.0, "bin": 1.0, "bestelle": 1.0, "brauche": 1.0, "finde": 1.0},
}
# Hungarian: endings that carry the person. Informal (te/ti): -nátok/-nétek (tudnátok),
# -játok/-jétek (küldjétek), -tátok/-tétek (kaptátok), -nád/-néd (megnéznéd), -hatsz/-hetsz;
# formal (Ön/Önök): -ná/-né (tudná, megnézné), -nák (tudnák), -jék/-zzék/-ssék (küldjék).
# Not: -nná/-nné (translative: "lehetetlenné"), back-vowel -zzák/-ssák (also "they ...":
# "tartalmazzák"), names in -né (Kovácsné, see _hu_not_name).
_HU_INFORMAL = re.compile(
    r"^[^\W\d_]{2,}(?:nátok|nétek|játok|jétek|jatok|jetek|tátok|tétek|nád|néd|hatsz|hetsz)$",
    re.UNICODE)
_HU_INFORMAL_NOT: frozenset[str] = frozenset()
_HU_FORMAL = re.compile(r"^[^\W\d_]{2,}[^\W\d_n](?:ná|né|nák)$|^[^\W\d_]{2,}(?:jék|zzék|ssék|tsék)$",
                        re.UNICODE)
_HU_FORMAL_NOT = frozenset({"szeretné", "kéne", "lenne", "kellene"})
# German: a sentence-initial "Sie" before a 3rd person singular verb is "she/it"
# ("Sie ist kaputt", "Sie kam nie an"); "Ihr" before a 2nd person plural verb is "you all".
_DE_3SG = frozenset({
    "ist", "war", "hat", "hatte", "wird", "wurde", "kann", "konnte", "muss", "musste", "soll", "sollte",
    "will", "wollte", "darf", "mag", "kam", "lag", "ging", "sah", "blieb", "fiel", "lief", "gab", "könnte",
    "müsste", "würde", "wäre", "hätte", "sei",
})


# A cue found in the text: start, end, weight, text as the customer wrote it, key (one count per
# key: the lexicon pattern or the rule that fired). Weight -1 cancels every cue at its span.
Hit = tuple[int, int, float, str, str]


@dataclass(frozen=True)
class RegisterResult:
    """``register`` is "formal", "informal" or None (no evidence either way).

    ``evidence`` lists the cues, e.g. ``("informal:szia", "style:emoji")``.
    """

    register: str | None
    formal_score: float
    informal_score: float
    evidence: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"register": self.register, "formal_score": self.formal_score,
                "informal_score": self.informal_score, "evidence": list(self.evidence)}


def register_languages() -> tuple[str, ...]:
    """Languages with register word lists (others get style cues only).

    >>> register_languages()
    ('bs', 'de', 'en', 'hr', 'hu', 'me', 'sr')
    """
    langs = {lang for lang in ("en", "de", "hu") if has_locale(lang)} | set(_LEXICON_SOURCES)
    return tuple(sorted(langs))


def detect_register(text: str, language: str | None) -> RegisterResult:
    """Detect the register the customer writes in; None when the text gives no evidence.

    ``language`` is an ISO 639-1 code (``"de"``, ``"sr"``, ``"bs"``; a locale such as ``"de-AT"``
    works too). Unknown or missing languages are judged on style cues only.

    >>> r = detect_register("hey, where's my order?? thx", "en")
    >>> r.register, r.evidence[:2]
    ('informal', ('informal:hey', 'informal:thx'))

    Raises :class:`~replyassist.errors.InputError` if ``text`` is not a string.
    """
    if not isinstance(text, str):
        raise InputError.not_text(text)
    lang = _norm(language)
    if not text.strip():
        return RegisterResult(None, 0.0, 0.0, ())
    # lone surrogates (broken input) would stop the tokeniser: replace them, same length
    search, src_map = _SURROGATE.sub("\ufffd", text), None
    if has_cyrillic(search):
        search, src_map = cyrillic_to_latin_with_map(search)

    def orig(s: int, e: int) -> str:
        if src_map is None:
            return text[s:e]
        s2 = src_map[s] if s < len(src_map) else len(text)
        e2 = (src_map[e - 1] + 1) if 0 < e <= len(src_map) else len(text)
        return text[s2:e2]

    formal: list[Hit] = []
    informal: list[Hit] = []
    loc = _register_locale(lang) if lang else None
    # languages without word lists only need words for the style cues: a regex is enough and
    # saves loading a spaCy tokeniser for them
    tokens = tokenize(search, loc.language) if loc else [(m.group(0), m.start()) for m in _WORD.finditer(search)]
    if loc is not None:
        for m in loc.find(search, "register_formal", tokens=tokens):
            formal.append((m.start, m.end, _adjust(m, search, lang), orig(m.start, m.end), m.pattern))
        for m in loc.find(search, "register_informal", tokens=tokens):
            informal.append((m.start, m.end, m.weight, orig(m.start, m.end), m.pattern))
        _grammar(search, tokens, lang, formal, informal, orig)
    f = _score(formal)
    style = _style(search, tokens, lang, cyrillic=src_map is not None)
    i_words = _score(informal)
    i_style = min(_STYLE_CAP, sum(w for _, w in style))
    i = i_words + i_style
    ev = tuple(f"formal:{t}" for t in _evidence(formal))
    ev += tuple(f"informal:{t}" for t in _evidence(informal))
    ev += tuple(f"style:{name}" for name, w in style if w > 0)
    f, i = round(f, 3), round(i, 3)
    if f > i:
        return RegisterResult(FORMAL, f, i, ev)
    if i - f >= _MIN_INFORMAL_MARGIN:
        return RegisterResult(INFORMAL, f, i, ev)
    return RegisterResult(None, f, i, ev)


# ---------------------------------------------------------------------------------------------


def _norm(language: str | None) -> str | None:
    if not language or not isinstance(language, str):
        return None
    return language.lower().replace("_", "-").split("-")[0] or None


def _fold(s: str, lang: str) -> str:
    if lang == "de":
        return s.translate(_DE_FOLD)
    s = s.replace("đ", "dj").replace("Đ", "Dj")
    return "".join(c for c in unicodedata.normalize("NFD", s) if not unicodedata.combining(c))


def _entry_text(entry: str) -> str:
    src = str(entry).split("=>", 1)[0].strip()
    return src.rsplit("^", 1)[0] if "^" in src else src


@lru_cache(maxsize=None)
def _register_locale(lang: str) -> Locale | None:
    """A Locale holding only the register lexicons for ``lang`` (merged for sr/hr/bs/me), each
    marker also in its diacritic-free spelling unless that spelling is a marker of the other
    register."""
    sources = _LEXICON_SOURCES.get(lang, (lang,))
    sources = tuple(s for s in sources if has_locale(s))
    if not sources:
        return None
    lex: dict[str, list[str]] = {name: [] for name in _LEXICONS}
    for name in _LEXICONS:
        seen: set[str] = set()
        for src in sources:
            for e in (get_locale(src).get("lexicon") or {}).get(name) or []:
                key = _entry_text(str(e))
                if key not in seen and key.lower() not in _OPENER_ONLY:
                    seen.add(key)
                    lex[name].append(str(e))
    plain = {name: {_entry_text(e).lower().lstrip("=") for e in lex[name]} for name in _LEXICONS}
    for name, other in (("register_formal", "register_informal"), ("register_informal", "register_formal")):
        extra = []
        for e in lex[name]:
            folded = _fold(e, lang)
            key = _entry_text(folded).lower().lstrip("=")
            if folded != e and key not in plain[other] and folded not in lex[name] and folded not in extra:
                extra.append(folded)
        lex[name] = lex[name] + extra
    return Locale(sources[0], {"lexicon": lex})


def _at_sentence_start(text: str, start: int) -> bool:
    before = _MENTION_START.sub("", text[:start])
    return _SENTENCE_END.search(before) is not None


def _adjust(m: LexiconMatch, text: str, lang: str | None) -> float:
    """Formal weight after the sentence-start rule: a capitalised pronoun (``Sie``, ``Vas``) at a
    sentence start counts half, since the capital is then just orthography."""
    w = m.weight
    if lang in ("de",) or lang in _BCMS:
        src = _entry_text(m.pattern).lstrip("=")
        if src[:1].isupper() and _at_sentence_start(text, m.start):
            w *= 0.5
    return w


def _grammar(text: str, tokens: list[tuple[str, int]], lang: str | None,
             formal: list[Hit], informal: list[Hit], orig: Callable[[int, int], str]) -> None:
    """Inflection rules (see the module docstring); appends hits to ``formal``/``informal``."""
    words = [w for w, _ in tokens]
    first = next((k for k, w in enumerate(words) if any(c.isalpha() for c in w) and not w.startswith("@")), None)
    opener_set = _OPENERS_INFORMAL.get("bcms" if lang in _BCMS else (lang or ""), {})
    if first is not None and words[first].lower() in opener_set:
        nxt = words[first + 1] if first + 1 < len(words) else ""
        if nxt != "-":  # "e-mail", "E-Mail"
            s = tokens[first][1]
            informal.append((s, s + len(words[first]), opener_set[words[first].lower()],
                             orig(s, s + len(words[first])), "opener"))
    drop = _SUBJECT_DROP.get(lang or "", {})
    for k, (w, s) in enumerate(tokens):
        e = s + len(w)
        low = w.lower()
        if low in drop and _at_sentence_start(text, s):
            informal.append((s, e, drop[low], orig(s, e), "drop:" + low))
        if lang in _BCMS:
            if _BCMS_2SG.match(low) and low not in _BCMS_2SG_NOT:
                informal.append((s, e, 2.0, orig(s, e), "2sg:" + low))
            elif _BCMS_2SG_AS.match(low) and low not in _BCMS_2SG_NOT:
                informal.append((s, e, 1.0, orig(s, e), "2sg:" + low))
        elif lang == "hu":
            if _HU_INFORMAL.match(low) and low not in _HU_INFORMAL_NOT:
                informal.append((s, e, 2.0, orig(s, e), "hu:" + low))
            elif _HU_FORMAL.match(low) and low not in _HU_FORMAL_NOT and _hu_not_name(w, words, k):
                formal.append((s, e, 2.0, orig(s, e), "hu:" + low))
        elif lang == "de" and w in ("Sie", "Ihr") and _at_sentence_start(text, s):
            nxt = words[k + 1] if k + 1 < len(words) else ""
            if w == "Sie" and nxt.islower() and (nxt in _DE_3SG or (nxt.endswith("t") and not nxt.endswith("et"))):
                formal.append((s, e, -1.0, "", "cancel"))  # cancels the lexicon's "Sie": she/it/they
            elif w == "Ihr" and nxt.islower() and nxt.endswith("t"):
                formal.append((s, e, -1.0, "", "cancel"))
                informal.append((s, e, 3.0, orig(s, e), "de:ihr+verb"))
        if lang == "de" and w == "Ihr" and k > 0 and not _at_sentence_start(text, s):
            prev = words[k - 1]
            if prev.islower() and prev.endswith("t") and prev not in ("nicht", "jetzt", "erst", "seit", "mit"):
                formal.append((s, e, -1.0, "", "cancel"))  # "könnt Ihr", "habt Ihr": old-style polite plural
                informal.append((s, e, 3.0, orig(s, e), "de:ihr+verb"))


def _hu_not_name(w: str, words: list[str], k: int) -> bool:
    """"Kovácsné" (Mrs Kovács) is a name, "Megnézné?" a formal verb: a capitalised -né/-ná word
    counts only when a lower-case word or punctuation follows it."""
    if w.islower():
        return True
    nxt = words[k + 1] if k + 1 < len(words) else ""
    return bool(nxt) and not nxt[:1].isupper() and nxt not in ("\n",)


def _evidence(hits: list[Hit]) -> list[str]:
    """The texts of the hits that count (positive weight, not cancelled), in text order."""
    cancelled = {(h[0], h[1]) for h in hits if h[2] < 0}
    texts = [h[3] for h in sorted(hits) if h[2] > 0 and (h[0], h[1]) not in cancelled]
    return list(dict.fromkeys(texts))  # each cue once, first occurrence first


def _score(hits: list[Hit]) -> float:
    """Sum of weights; overlapping hits ("könnten Sie" and "Sie") count once, with the largest
    weight; the same marker repeated counts once (a long letter is not more formal for saying
    "Sie" ten times); a hit with weight -1 cancels every hit at exactly its span."""
    cancelled = {(h[0], h[1]) for h in hits if h[2] < 0}
    best_of: dict[str, tuple[int, int, float]] = {}  # per key: the occurrence with the largest weight
    for s, e, w, _, key in sorted(hits, key=lambda h: (h[0], -h[1])):
        if w > 0 and (s, e) not in cancelled and (key not in best_of or w > best_of[key][2]):
            best_of[key] = (s, e, w)
    spans = sorted(best_of.values(), key=lambda h: (h[0], -h[1]))
    total, end, best = 0.0, -1, 0.0
    for s, e, w in spans:
        if s < end:  # overlaps the current group
            best = max(best, w)
            end = max(end, e)
            continue
        total += best
        best, end = w, e
    return total + best


def _style(text: str, tokens: list[tuple[str, int]], lang: str | None, *,
           cyrillic: bool = False) -> list[tuple[str, float]]:
    """Language-independent chat-style cues as ``(name, weight)``."""
    out: list[tuple[str, float]] = []
    body = _MENTION_START.sub("", text)
    letters = [c for c in body if c.isalpha()]
    words = [w for w, _ in tokens if any(c.isalpha() for c in w) and not w.startswith("@")]
    cased = [c for c in letters if c.lower() != c.upper()]
    if len(words) >= 3 and cased:
        starts = [m.group(1) for m in _SENTENCE_START.finditer(body)]
        starts = [c for c in starts if c.lower() != c.upper()]
        if not any(c.isupper() for c in cased):
            out.append(("no capitals", _W_NO_CAPITALS))
        elif len(starts) >= 2 and not any(c.isupper() for c in starts):
            out.append(("lower-case sentences", _W_LOWER_SENTENCES))
        elif words[0][:1].islower() and words[0].lower() not in ("iphone", "ebay", "e", "i"):
            out.append(("lower-case start", _W_LOWER_START))
    n_emoji = len(_EMOJI.findall(text))
    if n_emoji:
        out.append(("emoji", _W_EMOJI_MANY if n_emoji >= 2 else _W_EMOJI))
    if _EMPHATIC.search(text):
        out.append(("!!/??", _W_PUNCT))
    if any(w.lower() in _CHAT_ABBREV or w.lower().startswith("hahah") for w in words):
        out.append(("chat abbreviation", _W_CHAT_ABBREV))
    if any(_STRETCH.search(w) for w in words if not w.isupper()):
        out.append(("stretched word", _W_STRETCH))
    if sum(1 for w in words if len(w) > 1 and w.isupper()) >= 4:
        out.append(("shouting", _W_SHOUT))
    if _MENTION_START.match(text):
        out.append(("@mention", _W_MENTION))
    marks = _DIACRITICS.get(lang or "")
    if (marks and not cyrillic and len(words) >= _NO_DIACRITICS_MIN_WORDS.get(lang or "", 15)
            and not any(c in marks for c in body.lower())):
        out.append(("no diacritics", _W_NO_DIACRITICS))
    elif lang in _BCMS and not cyrillic and any(w.lower() in _BCMS_ASCII for w in words):
        out.append(("words without diacritics", _W_ASCII_WORDS))
    return out
