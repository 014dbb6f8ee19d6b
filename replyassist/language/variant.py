"""Serbian, Croatian or Bosnian, and which script: the variant of the reply (a step after detection).

The detector tells a message's language; for the closely related Serbian, Croatian and Bosnian
standards its reading of a short customer message is often not enough to pick the answer set
(a Croatian customer answered in Serbian is a complaint of its own). :func:`resolve_variant`
looks at the evidence customers actually write:

* the reflex of old *jat*: ekavian ``gde, mesec, lepo, vreme, nedelja, sledeći`` is Serbian;
  ijekavian ``gdje, mjesec, lijepo, vrijeme, sljedeći`` is Croatian or Bosnian (typed with or
  without diacritics);
* words of one standard: Croatian ``tjedan, tisuća, tko, kruh, sukladno, osobni, tvrtka, točno,
  jučer, siječanj ...``; Serbian ``hiljada, hleb, porudžbina, takođe, evra, dinara, bre``;
  Serbian and Bosnian ``šta, tačno, uopšte, juče, ponovo, sedmica, izvinite``; Bosnian ``lahko,
  hljeb, kahva, historija, hefta, KM``;
* grammar: ``da li`` (Serbian/Bosnian) vs ``je li`` (leans Croatian; ``jel`` tells nothing),
  ``mogu da vratim`` (Serbian/Bosnian) vs ``mogu li vratiti`` (leans Croatian), the fused
  Serbian future ``vratiću`` vs ``vratit ću`` (Croatian/Bosnian);
* the script: Cyrillic is Serbian, and a Cyrillic writer is answered in Cyrillic.

Each item adds a weight to Serbian, Croatian and Bosnian. The writer's standard is mapped onto the
answer sets the corpus has (``available``): a Bosnian writer gets the Bosnian answers if they exist,
else the ijekavian Croatian ones. The text decides when its best answer set leads the next by at
least ``margin`` (one clear marker); otherwise the customer's known language, then the locale
(``hr-HR``, ``sr-Latn-RS``, ``bs-BA``), then the corpus's market default choose among the answer
sets the text leaves open, and :attr:`VariantDecision.note` says so: the variant never changes
silently.

>>> from replyassist.language import LanguageResult
>>> det = LanguageResult("bs", 0.6, "Latn", (("sr", 0.3),), False, "text")
>>> d = resolve_variant("Gde je moja porudžbina, da li je poslata?", det, available=("sr", "hr"))
>>> (d.language, d.script, d.decided_by)
('sr', 'Latn', 'text')
>>> print(d.note)  # doctest: +NORMALIZE_WHITESPACE
Serbian/Croatian/Bosnian: the detector read bs but the text shows Serbian
(ekavian: 'gde', sr word: 'porudžbina'); replied in sr.
>>> d = resolve_variant("Kada stiže paket?", det, locale="hr-HR", available=("sr", "hr"))
>>> (d.language, d.decided_by)
('hr', 'locale')
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from types import MappingProxyType
from typing import Mapping, Sequence

from ..errors import ConfigError, Errors, InputError
from . import _variant_lexicon as LEX
from .bcms import to_latin
from .detector import LanguageResult

__all__ = ["VariantDecision", "VariantEvidence", "resolve_variant", "variant_evidence", "BCMS_LANGUAGES"]

BCMS_LANGUAGES: tuple[str, ...] = ("sr", "hr", "bs")
_NAMES = {"sr": "Serbian", "hr": "Croatian", "bs": "Bosnian"}
_REGION = {"RS": "sr", "HR": "hr", "BA": "bs"}
#: The best answer set must lead the next by this much for the text to decide (one clear marker).
DEFAULT_MARGIN = 2.0
_LABEL = {"ek": "ekavian", "ijek": "ijekavian", "ikav": "ikavian", "hr": "hr word", "hr-": "hr word",
          "hr~": "hr word", "hrbs": "hr/bs word", "sr": "sr word", "sr-": "sr word", "srbs": "sr/bs word",
          "srbs-": "sr/bs word", "bs": "bs word"}
_TOKEN = re.compile(r"[^\W\d_]+")
_KM = re.compile(r"\bKM\b")   # konvertibilna marka, upper case only (km is kilometres)
_FUSED_FUTURE = re.compile(r"^[a-zčćšžđ]+[ai](?:ću|ćeš|ćemo|ćete)$")
_SPLIT_FUTURE_AUX = frozenset("ću ćeš će ćemo ćete cu ces ce cemo cete".split())
# Nouns ending like a short infinitive (-at, -it, -et, -ut) that can stand before "će"/"ću".
_NOT_INFINITIVE_STEMS = frozenset("sat put pet šest kut nit svet štit zlat split kit kat mit tet brat rat svat "
                                  "cvet svijet cvijet kaput minut".split())
_Entry = tuple[str, str, float, float, float]   # (group, canonical form, sr, hr, bs)
_FOLD = str.maketrans({"č": "c", "ć": "c", "š": "s", "ž": "z"})


def _fold(word: str, dj: str = "dj") -> str:
    """Diacritics dropped as customers type them: ``porudžbina`` -> ``porudzbina``."""
    return word.translate(_FOLD).replace("đ", dj)


def _index() -> tuple[dict[str, _Entry], dict[str, _Entry], dict[str, _Entry], frozenset[str], frozenset[str],
                      frozenset[str]]:
    """(exact forms, stems, bigrams) keyed by typed spelling -> (group, canonical form, sr, hr, bs)."""
    exact: dict[str, _Entry] = {}
    stems: dict[str, _Entry] = {}
    for form, (group, sr, hr, bs) in LEX.WORDS.items():
        target = stems if form.endswith("*") else exact
        key = form.rstrip("*")
        target[key] = (group, key, sr, hr, bs)
    for table in (exact, stems):
        for key, val in list(table.items()):
            for dj in ("dj", "d"):
                f = _fold(key, dj)
                if f != key and f not in LEX.NO_FOLD and f not in table:
                    table[f] = val
    bigrams: dict[str, _Entry] = {}
    for phrase, (group, sr, hr, bs) in LEX.BIGRAMS.items():
        bigrams[phrase] = (group, phrase, sr, hr, bs)
        f = _fold(phrase)
        if f != phrase:
            bigrams.setdefault(f, (group, phrase, sr, hr, bs))
    modals = frozenset(LEX.MODALS | LEX.MODALS_DA | {_fold(m) for m in LEX.MODALS | LEX.MODALS_DA})
    modals_da = frozenset(LEX.MODALS_DA | {_fold(m) for m in LEX.MODALS_DA})
    clitics = frozenset(LEX.CLITICS | {_fold(c) for c in LEX.CLITICS})
    return exact, stems, bigrams, modals, modals_da, clitics


_EXACT, _STEMS, _BIGRAMS, _MODALS, _MODALS_DA, _CLITICS = _index()
_STEM_LENGTHS = sorted({len(k) for k in _STEMS}, reverse=True)


def _lookup(tok: str) -> _Entry | None:
    hit = _EXACT.get(tok)
    if hit is not None:
        return hit
    for n in _STEM_LENGTHS:
        if n <= len(tok) and n >= 3:
            hit = _STEMS.get(tok[:n])
            if hit is not None:
                return hit
    return None


@dataclass(frozen=True)
class VariantEvidence:
    """What the text alone says: a score per standard, the evidence, and the writer's script.

    >>> e = variant_evidence("gdje je paket, tjedan dana cekam")
    >>> e.evidence
    ("ijekavian: 'gdje'", "hr word: 'tjedan'")
    >>> e.scores["hr"] > e.scores["bs"] > e.scores["sr"]
    True
    """

    scores: Mapping[str, float]
    evidence: tuple[str, ...]
    script: str | None          # "Cyrl" when Cyrillic letters dominate, "Latn" for Latin, None without letters

    def to_dict(self) -> dict:
        return {"scores": dict(self.scores), "evidence": list(self.evidence), "script": self.script}


def _script(text: str) -> str | None:
    cyr = lat = 0
    for ch in text:
        if ch.isalpha():
            if "\u0400" <= ch <= "\u04ff":
                cyr += 1
            elif ch.isascii() or "\u00c0" <= ch <= "\u024f":
                lat += 1
    if cyr == 0 and lat == 0:
        return None
    return "Cyrl" if cyr >= lat else "Latn"


def variant_evidence(text: str) -> VariantEvidence:
    """Score Serbian, Croatian and Bosnian on ``text`` from the customer-message evidence.

    Each distinct form counts once; scores are sums of weights (see ``_variant_lexicon.WEIGHTS``).

    >>> variant_evidence("Шта је са мојом поруџбином?").script
    'Cyrl'
    >>> variant_evidence("mogu da vratim patike?").evidence
    ("da + present: 'mogu da vratim'", "sr/bs word: 'patike'")
    """
    if not isinstance(text, str):
        raise InputError.not_text(text)
    script = _script(text)
    lat = to_latin(text)
    toks = [t.lower() for t in _TOKEN.findall(lat)]
    scores = {"sr": 0.0, "hr": 0.0, "bs": 0.0}
    evidence: list[str] = []
    seen: set[str] = set()

    def add(key: str, label: str, sr: float, hr: float, bs: float) -> None:
        if key in seen:
            return
        seen.add(key)
        scores["sr"] += sr
        scores["hr"] += hr
        scores["bs"] += bs
        evidence.append(label)

    if script == "Cyrl":
        add("#cyrl", "Cyrillic script", 6.0, 0.0, 0.0)
    folded = [_fold(t) for t in toks]
    i = 0
    while i < len(toks):
        tok, ftok = toks[i], folded[i]
        if i + 1 < len(toks):
            pair = tok + " " + toks[i + 1]
            hit = _BIGRAMS.get(pair) or _BIGRAMS.get(ftok + " " + folded[i + 1])
            if hit is not None:
                group, canon, sr, hr, bs = hit
                label = f"'{canon}'" if group in ("srbs", "hr-") else f"{_LABEL[group]}: '{canon}'"
                add("b:" + canon, label, sr, hr, bs)
                i += 2
                continue
        hit = _lookup(tok)
        if hit is not None:
            group, canon, sr, hr, bs = hit
            add("w:" + canon, f"{_LABEL[group]}: '{tok}'", sr, hr, bs)
        elif len(tok) > 4 and tok not in LEX.FUTURE_NOT_VERBS and _FUSED_FUTURE.match(tok):
            add("fut:" + tok, f"sr future: '{tok}'", 2.0, 0.0, 1.0)   # Bosnian allows the fused form too
        if i + 1 < len(toks) and toks[i + 1] in _SPLIT_FUTURE_AUX and len(tok) >= 3 and tok.endswith("t") \
                and tok[-2] in "aeiu" and tok not in _NOT_INFINITIVE_STEMS:
            add("fut2:" + tok, f"hr/bs future: '{tok} {toks[i + 1]}'", 0.0, 2.0, 1.5)
        if ftok in _MODALS:
            j = i + 1
            while j < len(toks) and j <= i + 3 and folded[j] in _CLITICS:
                j += 1
            if ftok in _MODALS_DA and j + 1 < len(toks) and folded[j] == "da" and folded[j + 1] != "li":
                add("da+pres", f"da + present: '{' '.join(toks[i:j + 2])}'", 1.5, 0.0, 1.5)
            else:
                for k in range(j, min(j + 3, len(toks))):
                    t = toks[k]
                    if len(t) > 3 and (t.endswith(("ti", "ći")) or folded[k].endswith("ci")):
                        add("inf", f"infinitive after modal: '{' '.join(toks[i:k + 1])}'", 0.0, 0.75, 0.0)
                        break
                    if len(t) >= 5 and t.endswith(("at", "it", "et", "ut")) and t not in _NOT_INFINITIVE_STEMS:
                        add("inf-t", f"short infinitive: '{' '.join(toks[i:k + 1])}'", 0.0, 1.0, 1.0)
                        break
                    if folded[k] == "da":
                        break
        i += 1
    if _KM.search(text):
        add("w:KM", "bs word: 'KM'", 0.0, 0.0, 2.0)
    return VariantEvidence(MappingProxyType(scores), tuple(evidence), script)


@dataclass(frozen=True)
class VariantDecision:
    """The language, script and variant of the reply, and why.

    ``language``: ``"sr"``/``"hr"``/``"bs"`` (the input language when the message is not
    Serbian/Croatian/Bosnian, ``"und"`` when undetermined); ``script``: ``"Latn"``/``"Cyrl"``;
    ``decided_by``: ``"text"``, ``"customer_language"``, ``"locale"``, ``"default"`` or
    ``"not_bcms"``; ``evidence``: what the text showed; ``note``: one English sentence for the
    agent whenever the reply's variant is not simply the one the text and the detector agree on.

    >>> VariantDecision("hr", "Latn", "locale", (), "x").to_dict()["decided_by"]
    'locale'
    """

    language: str
    script: str | None
    decided_by: str
    evidence: tuple[str, ...]
    note: str | None
    writer: str | None = None   # the standard the customer writes, when the text shows it
    #: nothing decided it (neither the text nor a customer language, locale or default): the text's lean or
    #: the detector's reading; the drafter then avoids words that mark one standard (a greeting "Bok")
    guessed: bool = False

    def to_dict(self) -> dict:
        return {"language": self.language, "script": self.script, "decided_by": self.decided_by,
                "evidence": list(self.evidence), "note": self.note, "writer": self.writer, "guessed": self.guessed}


def _code(value: str | None, name: str) -> str | None:
    """A BCMS language code from a hint ("hr", "sr-Latn", "bs_BA"), else None."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise ConfigError(Errors.E026, name=name, value_type=type(value).__name__)
    code = re.split(r"[-_]", value.strip().lower())[0]
    return code if code in BCMS_LANGUAGES else None


def _locale(locale: str | None) -> tuple[str | None, str | None]:
    """(BCMS language, script) of a locale: ``sr-Latn-RS`` -> ("sr", "Latn"); ``en-HR`` -> ("hr", None)."""
    if locale is None:
        return None, None
    if not isinstance(locale, str):
        raise ConfigError(Errors.E027, locale_type=type(locale).__name__)
    parts = [p for p in re.split(r"[-_]", locale.strip()) if p]
    if not parts:
        return None, None
    lang = parts[0].lower()
    script = next((p.capitalize() for p in parts[1:] if len(p) == 4 and p.isalpha()), None)
    if lang not in BCMS_LANGUAGES:
        region = next((p.upper() for p in parts[1:] if len(p) == 2 and p.isalpha()), None)
        lang = _REGION.get(region or "")
    return lang, script


def _answer_for(writer: str, answers: Sequence[str]) -> str:
    """The answer set for a writer of ``writer``: their own, else the closest (bs -> hr -> sr)."""
    if writer in answers:
        return writer
    order = {"bs": ("hr", "sr"), "hr": ("bs", "sr"), "sr": ("bs", "hr")}[writer]
    return next(a for a in order if a in answers)


def _has_own_bs_evidence(ev: VariantEvidence, rivals: Sequence[str]) -> bool:
    """Whether the text separates Bosnian from each rival: against Serbian an ijekavian form (or a
    hr/bs word), against Croatian a sr/bs word or construction; a Bosnian-only word against both."""
    if any(e.startswith("bs word") for e in ev.evidence):
        return True
    not_sr = any(e.startswith(("ijekavian", "hr/bs")) for e in ev.evidence)
    not_hr = any(e.startswith(("sr/bs", "'da li'", "da + present", "sr future")) for e in ev.evidence)
    return ("sr" not in rivals or not_sr) and ("hr" not in rivals or not_hr)


def _fmt_evidence(ev: Sequence[str], n: int = 2) -> str:
    return ", ".join(ev[:n])


def resolve_variant(text: str, detected: LanguageResult, *, customer_language: str | None = None,
                    locale: str | None = None, available: Sequence[str] = (), default: str | None = None,
                    margin: float = DEFAULT_MARGIN) -> VariantDecision:
    """Decide whether to answer in Serbian, Croatian or Bosnian, and in which script.

    ``detected`` is the detector's result for ``text``; the step applies when it reads sr/hr/bs,
    or when the detector is unsure and one of them is among its top alternatives. ``available``
    lists the languages the corpus answers in (others are ignored; empty = all three);
    ``default`` is the corpus's market default. When the text is not clear, the customer's known
    language, then the locale, then ``default`` choose among the answer sets the text leaves open.

    >>> from replyassist.language import LanguageResult
    >>> det = LanguageResult("sr", 0.7, "Latn", (("hr", 0.2),), False, "text")
    >>> d = resolve_variant("Bok, tko mi može reći kad stiže narudžba?", det, available=("sr", "hr"))
    >>> (d.language, d.decided_by)
    ('hr', 'text')
    >>> d.evidence[:2]
    ("hr word: 'bok'", "hr word: 'tko'")
    >>> resolve_variant("Здраво, где је пакет?", det, available=("sr", "hr")).script
    'Cyrl'
    """
    if not isinstance(text, str):
        raise InputError.not_text(text)
    if not isinstance(detected, LanguageResult):
        raise ConfigError(Errors.E028, detected_type=type(detected).__name__)
    if isinstance(available, str) or not all(isinstance(a, str) for a in available):
        raise ConfigError(Errors.E029, available=available)
    if not isinstance(margin, (int, float)) or margin < 0:
        raise ConfigError(Errors.E050, margin=margin)
    hint = _code(customer_language, "customer_language")
    loc_lang, loc_script = _locale(locale)
    dflt = _code(default, "default")
    answers = tuple(dict.fromkeys(c for c in (a.strip().lower() for a in available) if c in BCMS_LANGUAGES)) \
        or BCMS_LANGUAGES

    det = detected.language
    unsure = (not detected.reliable) or detected.confidence < 0.6
    bcms_alt = any(lang in BCMS_LANGUAGES and p >= 0.1 for lang, p in detected.alternatives[:2])
    not_bcms = VariantDecision(det or "und", detected.script, "not_bcms", (), None)
    if det not in BCMS_LANGUAGES and not (unsure and bcms_alt):
        return not_bcms   # (before reading the evidence: most messages of a log end here)
    ev = variant_evidence(text)

    writer_scores = dict(ev.scores)
    ranked_writers = sorted(BCMS_LANGUAGES, key=lambda w: -writer_scores[w])
    writer: str | None = ranked_writers[0]
    if writer_scores[ranked_writers[0]] - writer_scores[ranked_writers[1]] < margin:
        writer = None
    answer_scores = {a: max((writer_scores[w] for w in BCMS_LANGUAGES if _answer_for(w, answers) == a), default=0.0)
                     for a in answers}
    ranked = sorted(answers, key=lambda a: -answer_scores[a])
    best = ranked[0]
    clear = len(ranked) == 1 or answer_scores[best] - answer_scores[ranked[1]] >= margin
    if det not in BCMS_LANGUAGES and not clear:
        if det is not None:
            return not_bcms    # another language with a BCMS alternative: only clear evidence switches it
    plausible = [a for a in ranked if answer_scores[a] >= answer_scores[best] - margin + 1e-9] if not clear else [best]

    decided_by = "text"
    reason = ""
    final = best
    guessed = False
    if not clear:
        for source, code, shown in (("customer_language", hint, customer_language),
                                    ("locale", loc_lang, locale), ("default", dflt, default)):
            if code is None:
                continue
            cand = _answer_for(code, answers)
            if cand in plausible:
                final, decided_by = cand, source
                what = {"customer_language": f"the customer's language {shown}", "locale": f"locale {shown}",
                        "default": f"the corpus default {shown}"}[source]
                reason = what if cand == code else f"{what}; no {code} answers, so the closest, {cand}"
                break
        else:
            guessed = True
            # nothing to go by: the text's lean, then the detector's reading (a tie between Serbian and
            # Bosnian on shared words goes to Serbian unless the text shows something Bosnian)
            top = [a for a in plausible if answer_scores[a] == answer_scores[best]]
            det_order = [d for d in [det] + [lang for lang, _ in detected.alternatives] if d in BCMS_LANGUAGES]
            cands = [w for w in BCMS_LANGUAGES if _answer_for(w, answers) in top
                     and writer_scores[w] == answer_scores[_answer_for(w, answers)]]
            if "bs" in cands and len(cands) > 1 and ev.evidence and not _has_own_bs_evidence(ev, cands) \
                    and not (det == "bs" and detected.reliable):
                cands.remove("bs")   # only shared words (sr/bs or hr/bs), a weak bs reading: the larger standard
            cands.sort(key=lambda w: det_order.index(w) if w in det_order else len(det_order))
            final = _answer_for(cands[0], answers) if cands else top[0]
            lean = f"the text's lean, {_fmt_evidence(ev.evidence)}" if len(top) == 1 else "the detector's reading"
            reason = f"no customer language, locale or default: {lean}"

    # script: Cyrillic writers get Cyrillic (Serbian answers are transliterated), never Latin silently
    extra = ""
    if final == "sr":
        if ev.script is not None:
            script: str | None = ev.script
        else:
            script = loc_script if loc_script in ("Latn", "Cyrl") else (
                detected.script if detected.script in ("Latn", "Cyrl") else "Latn")
    else:
        script = "Latn"
        if ev.script == "Cyrl":
            extra = f" The customer writes Cyrillic but the corpus has no sr answers, so the reply is in Latin {final}."

    note: str | None = None
    if len(answers) == 1:
        # no choice to make: the corpus answers in one of the three only
        if writer != final:
            decided_by = "default"
            who = (f"the customer writes {_NAMES[writer]}" if writer else
                   f"the detector read {det}" if det in BCMS_LANGUAGES and det != final else "")
            if who:
                note = f"Serbian/Croatian/Bosnian: the corpus has only {final} answers; replied in {final} ({who})."
    elif not clear:
        note = f"Serbian/Croatian/Bosnian: the text does not show which; replied in {final} ({reason})."
    else:
        shown_writers = [w for w in BCMS_LANGUAGES
                         if _answer_for(w, answers) == final and writer_scores[w] == answer_scores[final]]
        if writer is not None and writer != final:
            note = (f"Serbian/Croatian/Bosnian: the customer writes {_NAMES[writer]} ({_fmt_evidence(ev.evidence)}); "
                    f"the corpus has no {writer} answers, so replied in {final}.")
        elif det != final:
            what = f"the detector read {det}" if det else "the detector was unsure"
            names = " or ".join(_NAMES[w] for w in shown_writers) or _NAMES[final]
            note = (f"Serbian/Croatian/Bosnian: {what} but the text shows {names} "
                    f"({_fmt_evidence(ev.evidence)}); replied in {final}.")
    if extra:
        note = (note or "") + extra
        note = note.strip()
    return VariantDecision(final, script, decided_by, ev.evidence, note, writer, guessed and len(answers) > 1)
