"""Situations: what happened to the customer, so that the reply's empathy fits it.

Sentiment says *how* the customer feels; a situation says *why*: a late parcel, a third
e-mail, a broken item, a wrong item, a double charge, an insult, a legal threat, a fire.
The drafter picks its empathy sentence from the situation (see
``replyassist/data/locales/empathy/<lang>.yaml``), and a calm request gets none.

==============  ===========================================================================
``safety``      fire, smoke, electric shock, injury, poisoning... (urgent path: safety-first
                wording and escalation, never a generic FAQ answer)
``legal``       lawyer, court, consumer protection, "this is fraud"
``repeat``      repeated contact: "third time", "fourth e-mail", "I wrote on 3 and 10 March",
                "am 2. und 9. Mai", "negyedik levelem", "četvrti put pišem", or a history
``damage``      broken, damaged, defective, stopped working
``wrong_item``  wrong or missing item in the parcel
``billing``     charged twice, wrong amount, refund missing
``delay``       late, not arrived, still waiting, no answer yet
``rude``        insults aimed at the company or the agent
``sarcasm``     praise words about a real problem ("Amazing 👏👏" about a lost parcel);
                never treated as praise
``praise``      genuine thanks and compliments (and no problem)
==============  ===========================================================================

No kind = a calm message. ``kinds`` are ordered by :data:`KINDS` (priority), so
``kinds[0]`` is the situation the empathy sentence should address.

Sources, combined:

- the cue names the escalation stage already found (``cues``: ``safety``, ``legal``,
  ``repeated_contact``, ``abuse``), reused rather than re-detected;
- the escalation and abuse lexicons of the signals stage (``data/escalation``, ``data/abuse``),
  read again here so that every kind quotes the customer's words;
- this module's own lexicons, ``data/situation/<stem>.txt`` (``en``, ``de``, ``hu`` and
  ``bcms`` for Serbian, Croatian, Bosnian and Montenegrin), in the lexicon format of
  :mod:`replyassist.signals.lexicon`: regular expressions on *folded* text (lower case,
  no diacritics, Serbian Cyrillic transliterated), whole words only. A section
  ``[<kind>:not]`` lists exceptions: a hit of ``<kind>`` that overlaps an exception is
  dropped ("the discount code doesn't work" is not damage); this module applies them to
  the escalation lexicon's hits of that kind too ("my dad is in hospital" is no safety
  issue). Helper sections (not kinds):

  ==================  =====================================================================
  ``[positive]``      praise words; next to a problem, without a "but", they are sarcasm
  ``[contrast]``      "but", "aber", "de", "ali": a real compliment followed by a complaint
  ``[irony]``         eye-rolling emoji, quoted praise ('"express" delivery'), "echt jetzt"
  ``[applause]``      clapping emoji: sarcasm next to a problem, even after a "but"
  ``[laughter]``      laughing emoji, "lol": sarcasm next to a problem
  ``[aged]``          bought a year ago, warranty: a failure is a repair request, not damage
  ``[thanks]``        thanks for the help: praise only when the message asks for nothing
  ``[request]``       "please", "could you" (or a question mark): the message asks for something
  ==================  =====================================================================

Matching is regular-expression search with bounded gaps, linear in the length of the text.

>>> s = detect_situations("Amazing 👏👏 my parcel is lost and nobody tells me anything", "en")
>>> s.kinds
('delay', 'sarcasm')
>>> detect_situations("Can I pay by card?", "en").kinds
()
>>> detect_situations("Ово је четврти пут да пишем, пошиљка још није стигла.", "sr").kinds
('repeat', 'delay')
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any, Iterable, Mapping, Sequence

from ..errors import ConfigError, Errors, InputError
from ._normalize import fold
from .lexicon import Hit, Lexicon, available_stems, find_all, lexicon_language, load_lexicon

__all__ = ["Situations", "detect_situations", "KINDS", "QUALIFIERS", "DONE_STEPS", "PROBLEM_KINDS", "empathy_phrases", "empathy_for",
           "EMPATHY_LANGUAGES", "EMPATHY_DIR"]

#: Every situation kind, in priority order (the first is what the empathy sentence addresses).
KINDS: tuple[str, ...] = ("safety", "legal", "repeat", "damage", "wrong_item", "billing", "delay", "rude",
                          "sarcasm", "praise")
#: Qualifiers, listed after the kinds when they apply: ``injury`` (a person was hurt; only with
#: ``safety``: the reply names the injury) and ``overdue`` (the customer has already waited longer
#: than a normal timeline, or is writing again; only with ``delay``, ``repeat`` or ``billing``: the
#: drafter does not recite the FAQ's usual timeline to them) and ``defect`` (with ``damage``: the item
#: does not work, rather than arriving broken: "sorry it is not working as it should", not "damaged") and
#: ``third_party`` (someone asks about another person's account or password: the drafter says first
#: that only the account holder can have it changed and that login details go to nobody else).
#: ``done_*``: steps the customer says they have already taken (asked the neighbours, looked in the spam
#: folder, clicked "Forgot password?") or facts that settle an answer's condition (``done_cod``: paid cash on
#: delivery, so "we refund to your card or PayPal" does not apply; ``done_booked``: both charges are booked, so
#: "one is often only a reservation" does not apply; ``done_unshipped``: not shipped yet, so "if the parcel has
#: already been shipped" does not apply; ``done_guest``: ordered as a guest, so "in your account" does not
#: apply; ``done_voucher``: asks for a voucher instead of the refund, so how the money goes back does not
#: apply): the drafter leaves that sentence out.
DONE_STEPS: tuple[str, ...] = ("done_neighbours", "done_spam", "done_reset", "done_cod", "done_booked",
                               "done_unshipped", "done_guest", "done_voucher")
#: ``representative``: a solicitor or other representative writes for the customer ("we act for Mrs
#: Grant", "meine Mandantin"): the reply is addressed to them and gives no consumer instructions.
#: ``unhurt``: with ``safety``, the customer says nobody was hurt (the reply is relieved, not hopeful).
#: ``secured``: with ``safety``, the customer has already taken the product out of use or kept it and its
#: parts ("I have unplugged it and kept it", "Wir benutzen es nicht mehr"): the reply thanks them and asks
#: them to keep it until it is examined, instead of telling them to stop using it.
#: ``self``: with ``safety``, it happened to the writer ("I got an electric shock": "I hope you are all right").
#: ``has_photos``: with ``safety``, the customer says they have photos ("please send us the photos you took").
#: ``lost``: the parcel is marked delivered but is not there, or is lost ("sorry it has not reached you",
#: not "sorry you are still waiting").
#: ``missing``: the wrong_item problem is something missing from the parcel ("sorry something was missing").
#: ``refund``: the billing problem is about a refund ("sorry about the trouble with your refund").
#: ``charge``: the billing problem is a charge the customer did not expect (charged twice, overcharged): a
#: billing error of ours, apologised for even when the customer asks calmly.
#: ``recurring``: with ``repeat``, what repeats is the problem itself, said in the same sentence ("the THIRD
#: time you send me red bedding instead of grey"), not a contact: "sorry this has happened again", not
#: "sorry you had to write again and still have no answer".
#: ``injured_son`` / ``injured_daughter`` / ``injured_child``: with ``injury``, the customer's son, daughter or
#: child was hurt ("we wish your son a quick recovery", not the impersonal "we hope for a quick recovery").
INJURED: tuple[str, ...] = ("injured_son", "injured_daughter", "injured_child")
QUALIFIERS: tuple[str, ...] = ("injury", "unhurt", "secured", "overdue", "defect", "lost", "missing", "refund", "charge",
                               "recurring", "third_party", "representative", "has_photos", "self") + DONE_STEPS + INJURED
#: Kinds that are a real problem of the customer (sarcasm needs one; praise excludes them).
PROBLEM_KINDS: tuple[str, ...] = ("safety", "repeat", "damage", "wrong_item", "billing", "delay")

#: Escalation cue name -> situation kind (cues reused instead of re-detected).
_CUE_KIND = {"safety": "safety", "legal": "legal", "repeated_contact": "repeat", "abuse": "rude"}
#: Escalation lexicon category -> situation kind.
_ESC_KIND = {"safety": "safety", "legal": "legal", "repeated_contact": "repeat"}
_LEXICON_KIND = "situation"
_NOT = ":not"  # suffix of an exception section, as in replyassist.signals.lexicon

#: Folder of the empathy phrase files (``<lang>.yaml``).
EMPATHY_DIR = Path(__file__).resolve().parent.parent / "data" / "locales" / "empathy"
#: Languages whose empathy phrase file ships with this module (other files in the folder,
#: e.g. ``bs.yaml``, are used too).
EMPATHY_LANGUAGES: tuple[str, ...] = ("en", "de", "hu", "sr", "hr")
#: Varieties without a file of their own -> the file they use (Bosnian and Montenegrin are
#: ijekavian, like Croatian).
_EMPATHY_FALLBACK = {"bs": "hr", "me": "hr", "cnr": "hr", "sh": "hr"}
_REGISTERS = ("formal", "informal")


@dataclass(frozen=True)
class Situations:
    """The situations of one message, by priority, and what matched.

    ``evidence`` holds one line per matched source, e.g. ``"delay: 'still waiting'"`` or
    ``"repeat: escalation cue 'repeated_contact'"``.

    >>> s = Situations(kinds=("damage",), evidence=("damage: 'arrived broken'",))
    >>> s.primary, s.calm, s.to_dict()["kinds"]
    ('damage', False, ['damage'])
    """

    kinds: tuple[str, ...] = ()
    evidence: tuple[str, ...] = ()

    @property
    def calm(self) -> bool:
        """True when no situation was found (a calm request: no empathy sentence)."""
        return not self.kinds

    @property
    def primary(self) -> str | None:
        """The kind with the highest priority, or None for a calm message."""
        return self.kinds[0] if self.kinds else None

    def has(self, kind: str) -> bool:
        """Whether ``kind`` is among the situations."""
        return kind in self.kinds

    def to_dict(self) -> dict[str, Any]:
        return {"kinds": list(self.kinds), "evidence": list(self.evidence), "primary": self.primary}


def _stems(language: str | None, kind: str) -> list[str]:
    """Lexicon files to read for a message in ``language`` (its own, then English)."""
    stem = lexicon_language(language)
    if stem is None and language:
        return ["en"]
    if stem is None:
        return list(available_stems(kind))
    return [stem] if stem == "en" else [stem, "en"]


@functools.lru_cache(maxsize=32)
def _exception_lexicon(stem: str, extra_dir: str | None) -> Lexicon:
    """The ``[<kind>:not]`` sections of a situation lexicon, as a lexicon of their own.

    They are matched separately so that they also veto hits of the escalation lexicon
    (a ``:not`` section inside a file only vetoes hits of that file).
    """
    lex = load_lexicon(_LEXICON_KIND, stem, extra_dir)
    sections = {cat[: -len(_NOT)]: list(pats) for cat, pats in lex.patterns.items() if cat.endswith(_NOT) and pats}
    return Lexicon(f"{lex.name}:not", sections)


def _cue_name(cue: object) -> str:
    if isinstance(cue, str):
        return cue
    name = getattr(cue, "name", None)
    if isinstance(name, str):
        return name
    raise InputError(Errors.E144, cue_type=type(cue).__name__)


def _overlaps(h: Hit, others: Iterable[Hit]) -> bool:
    return any(o.start < h.end and h.start < o.end for o in others)


#: A refund in the customer's words (after ``fold``): the billing apology names the refund, not "your payment".
_REFUND = re.compile(r"refund|money back|reimburs|erstatt|zuruckuberwies|geld zuruck|visszater|visszautal|"
                     r"penzem vissza|povrat|vracanje novca|vratite novac|vratili novac|refundac")
#: Something missing from a parcel (after ``fold``), rather than a wrong item in it.
_MISSING = re.compile(r"missing|not included|left out|incomplete|partial|empty|only|n't in|not in|fehl|nicht dabei|"
                      r"unvollstandig|hianyz|hianyos|nem volt benne|ures|nincs benne|nedostaj|fali|nije bil|nisu bil|"
                      r"nema ga|nema je|nepotpun|prazn|samo|svega|nije ukljucen|nije prilozen")
#: A charge in the customer's words: a billing problem about a charge is not a refund problem even when
#: the customer asks for the money back ("charged twice, please refund").
_CHARGE = re.compile(r"charg|debit|twice|double|overcharg|abgebucht|abbuch|doppelt|zweimal|levon|terhel|ketszer|"
                     r"naplat|naplac|skinu|skid|dvaput|dva puta|duplo")
#: Several payments in the customer's words ("2 payments of 74.99", "zwei Abbuchungen"), after ``fold``.
_PAYMENTS = re.compile(r"\b(2|two|3|three|zwei|drei|ket|harom|dve|dvije|tri)\b.{0,12}(payment|transaction|abbuchung|zahlung|"
                       r"buchung|terheles|levonas|tranzakci|placanj|transakcij|uplat)|\b[23] ?x\b")


#: A count of times in the customer's words ("the THIRD time", "schon wieder", "harmadszor", "treći put"),
#: after ``fold``; with :data:`_CONTACT` it tells a recurring problem from a repeated contact.
_RECURS = re.compile(r"(second|third|fourth|fifth|2nd|3rd|4th|5th) time|\bagain\b|zweite|dritte|vierte|funfte|wieder|"
                     r"masodszor|harmadszor|negyedszer|otodszor|ujra|megint|drugi|treci|cetvrti|peti|ponovo|opet|"
                     r"\d+\. ?(put|mal|alkalom)|\d+(\.|x) ?put")
#: Contacting in the customer's words (wrote, called, e-mail, schreibe, írtam, pišem, mejl), after ``fold``.
_CONTACT = re.compile(r"writ|wrote|mail|contact|call|messag|chat|schreib|geschrieben|anruf|angerufen|nachricht|irtam|"
                      r"irok|level|telefon|hiv|reklamal|pis|zva|zove|mejl|imejl|poruk|kontakt|javlj")


def _same_sentence(text: str, a: Hit, b: Hit) -> bool:
    """Whether hits ``a`` and ``b`` of ``text`` lie in one sentence (no end mark between them)."""
    lo, hi = (a, b) if a.start <= b.start else (b, a)
    return not re.search(r"[.!?\n]", text[min(lo.end, hi.start):max(lo.end, hi.start)])


#: A wait in the customer's words (days, weeks, months, since a date), in our languages after ``fold``.
_WAIT = re.compile(r"\d|day|week|month|since|ages|forever|tag|woche|monat|seit|nap|het|honap|ota|dan|nedelj|sedmic"
                   r"|tjed|mesec|mjesec|od ")


def _quote(hits: Sequence[Hit], limit: int = 3) -> str:
    """The customer's words of ``hits`` (in text order), a hit inside an earlier one left out."""
    words: list[str] = []
    end = -1
    for h in sorted(hits, key=lambda x: (x.start, -x.end)):
        if h.end <= end:
            continue
        end = max(end, h.end)
        w = " ".join(h.text.split())
        if w and w.lower() not in (x.lower() for x in words):
            words.append(w)
        if len(words) >= limit:
            break
    return ", ".join(f"'{w}'" for w in words)


def detect_situations(text: str, language: str | None, history: Sequence[str] = (), cues: Sequence[str] = (), *,
                      repeat_history_min: int = 2, extra_lexicon_dir: str | None = None) -> Situations:
    """What happened to the customer: the situations of ``text``, by priority, with evidence.

    ``language`` is the detected ISO 639-1 code (``None``: every lexicon is tried);
    ``history`` the earlier messages of the conversation (``repeat_history_min`` of them
    make a repeated contact); ``cues`` the escalation cue names the signals stage found
    (``Escalation.signals``; :class:`~replyassist.signals.escalation.Cue` objects work too).
    ``extra_lexicon_dir`` adds patterns from ``<dir>/situation/<stem>.txt`` (and is passed
    to the escalation and abuse lexicons), as ``SignalSettings.extra_lexicon_dir`` does.

    >>> detect_situations("Sie haben mir den Betrag doppelt abgebucht!", "de").kinds
    ('billing',)
    >>> detect_situations("Wie lange dauert der Versand?", "de").calm
    True
    >>> detect_situations("Hvala, sve je stiglo, svaka čast!", "hr").kinds
    ('praise',)
    """
    if not isinstance(text, str):
        raise InputError.not_text(text)
    if repeat_history_min < 1:
        raise ConfigError(Errors.E080, repeat_history_min=repeat_history_min)
    cue_names = [_cue_name(c) for c in cues]
    folded = fold(text)
    stems = _stems(language, _LEXICON_KIND)

    raw: dict[str, list[Hit]] = {}
    exceptions: dict[str, list[Hit]] = {}
    for stem in stems:
        for h in load_lexicon(_LEXICON_KIND, stem, extra_lexicon_dir).find(text, folded=folded):
            if not h.category.endswith(_NOT):
                raw.setdefault(h.category, []).append(h)
        for h in _exception_lexicon(stem, extra_lexicon_dir).find(text, folded=folded):
            exceptions.setdefault(h.category, []).append(h)
    raw = {cat: [h for h in hits if not _overlaps(h, exceptions.get(cat, ()))] for cat, hits in raw.items()}

    found: dict[str, list[Hit]] = {k: list(raw.get(k, ())) for k in KINDS}
    # "still no refund" is a billing problem, not (also) a late parcel
    found["delay"] = [h for h in found["delay"] if not _overlaps(h, found["billing"])]
    # thanks for help count as praise only when the message asks for nothing
    if raw.get("thanks") and not raw.get("request") and "?" not in text:
        found["praise"].extend(raw["thanks"])
    evidence: dict[str, list[str]] = {}

    # the escalation lexicons (safety, legal, repeated contact), with this module's exceptions
    esc = [h for h in find_all("escalation", text, _stems(language, "escalation"), extra_lexicon_dir)
           if h.category in _ESC_KIND]
    esc_kinds = {_ESC_KIND[h.category] for h in esc}  # cues these words explain
    for h in esc:
        kind = _ESC_KIND[h.category]
        if kind == "repeat":
            # "still no answer" is a delay (waiting), "charged twice" a billing error: neither is
            # by itself a repeated contact
            if _overlaps(h, found["delay"]) or _overlaps(h, found["billing"]):
                continue
        if not _overlaps(h, exceptions.get(kind, ())):
            found[kind].append(h)

    # insults and threats of the abuse lexicon are rudeness; profanity is, unless the message praises
    abuse = find_all("abuse", text, _stems(language, "abuse"), extra_lexicon_dir)
    praising = bool(found["praise"]) and not found["sarcasm"]
    for h in abuse:
        if h.category in ("insult", "threat") or (h.category == "profanity" and not praising):
            found["rude"].append(h)

    # a product that fails after a year or more, or a warranty question, is a repair request,
    # not a damaged delivery
    if raw.get("aged") and not found["safety"]:
        found["damage"] = []
    # name-calling ("thieves", "lopovi") is rudeness; a legal threat needs more than the insult
    found["legal"] = [h for h in found["legal"] if not _overlaps(h, found["rude"])]

    for kind, hits in found.items():
        if hits:
            hits.sort(key=lambda h: (h.start, -h.end))
            evidence.setdefault(kind, []).append(f"{kind}: {_quote(hits)}")

    # cues of the signals stage: reused where the text itself does not already explain them
    for name in dict.fromkeys(cue_names):
        cue_kind = _CUE_KIND.get(name)
        if cue_kind is None or found.get(cue_kind):
            continue
        kind = cue_kind
        if kind in esc_kinds:
            continue  # the cue came from words this module has weighed (and set aside) above
        if kind == "rude" and praising and not any(h.category in ("insult", "threat") for h in abuse):
            continue  # "fucking brilliant": swearing in praise is not rudeness
        evidence.setdefault(kind, []).append(f"{kind}: escalation cue '{name}'")
    earlier = len([h for h in history if isinstance(h, str) and h.strip()])
    if earlier >= repeat_history_min and "repeat" not in evidence:
        evidence["repeat"] = [f"repeat: {earlier} earlier messages in this conversation"]

    problem = [k for k in PROBLEM_KINDS if k in evidence]
    contrast = raw.get("contrast", [])
    positive = [h for h in raw.get("positive", []) + found["praise"] if not _overlaps(h, contrast)]
    irony = raw.get("irony", [])
    # sarcasm: praise words about a real problem (a "but" makes them a real compliment), applause
    # emoji about a problem, or an ironic marker (eye-rolling emoji, quoted praise) with praise
    # words or a problem
    if "sarcasm" not in evidence:
        claps = [h for h in raw.get("applause", []) if not _overlaps(h, found["praise"])]
        if problem and positive and not contrast:
            evidence["sarcasm"] = [f"sarcasm: {_quote(positive)} about a problem ({', '.join(problem)})"]
        elif problem and (claps or irony or raw.get("laughter")):
            marks = claps + irony + raw.get("laughter", [])
            evidence["sarcasm"] = [f"sarcasm: {_quote(marks)} about a problem ({', '.join(problem)})"]
        elif positive and irony:
            evidence["sarcasm"] = [f"sarcasm: {_quote(positive)} with {_quote(irony)}"]
    if "praise" in evidence and (problem or "sarcasm" in evidence or "rude" in evidence or "legal" in evidence):
        evidence.pop("praise")

    if "safety" in evidence and raw.get("injury"):
        evidence["injury"] = [f"injury: {_quote(raw['injury'])}"]
        # who was hurt: the first of son / daughter / child named in the message (one only)
        who = min((raw[k][0].start, k) for k in INJURED if raw.get(k)) if any(raw.get(k) for k in INJURED) else None
        if who is not None:
            evidence[who[1]] = [f"{who[1].replace('_', ' ')}: {_quote(raw[who[1]])}"]
    for step in DONE_STEPS:
        if raw.get(step):
            evidence[step] = [f"{step.replace('_', ' ', 1)}: {_quote(raw[step])}"]
    if "billing" in evidence and (any(_REFUND.search(fold(h.text)[0]) for h in found["billing"]) or (
            _REFUND.search(folded[0]) and not any(_CHARGE.search(fold(h.text)[0]) for h in found["billing"]))):
        evidence["refund"] = ["refund: the billing problem is about a refund"]
    if "billing" in evidence and "refund" not in evidence and any(
            _CHARGE.search(fold(h.text)[0]) or _PAYMENTS.search(fold(h.text)[0]) for h in found["billing"]):
        evidence["charge"] = ["charge: the billing problem is a charge (charged twice, overcharged)"]
    problem_hits = [h for k in ("wrong_item", "damage") for h in found.get(k, [])]
    if found.get("repeat") and problem_hits and all(
            _RECURS.search(fold(r.text)[0]) and not _CONTACT.search(fold(r.text)[0])
            and any(_same_sentence(text, r, p) for p in problem_hits) for r in found["repeat"]):
        evidence["recurring"] = ["recurring: the problem itself happened again ("
                                 f"{_quote(found['repeat'])})"]
    if "wrong_item" in evidence and found["wrong_item"] and all(_MISSING.search(fold(h.text)[0]) for h in found["wrong_item"]):
        evidence["missing"] = ["missing: something is missing from the parcel (not a wrong item)"]
    if raw.get("lost"):
        evidence["lost"] = [f"lost: {_quote(raw['lost'])}"]
    if raw.get("representative"):
        evidence["representative"] = [f"representative: {_quote(raw['representative'])}"]
    if raw.get("third_party"):
        evidence["third_party"] = [f"third party: {_quote(raw['third_party'])}"]
    if "safety" in evidence and raw.get("unhurt") and "injury" not in evidence:
        evidence["unhurt"] = [f"unhurt: {_quote(raw['unhurt'])}"]
    if "safety" in evidence and raw.get("self"):
        evidence["self"] = [f"self: {_quote(raw['self'])}"]
    if "safety" in evidence and raw.get("has_photos"):
        evidence["has_photos"] = [f"has photos: {_quote(raw['has_photos'])}"]
    if "safety" in evidence and raw.get("secured"):
        evidence["secured"] = [f"secured: {_quote(raw['secured'])}"]
    if "damage" in evidence and raw.get("defect"):
        evidence["defect"] = [f"defect: {_quote(raw['defect'])}"]
    if {"delay", "repeat", "billing"} & set(evidence):
        late = raw.get("overdue", [])
        if not {"delay", "repeat"} & set(evidence):
            # a billing problem is overdue only after a stated wait ("four weeks"), not "charged a second time"
            late = [h for h in late if _WAIT.search(fold(h.text)[0])]
        if late:
            evidence["overdue"] = [f"overdue: {_quote(late)}"]
        elif "repeat" in evidence:
            evidence["overdue"] = ["overdue: a repeated contact"]
    kinds = tuple(k for k in KINDS + QUALIFIERS if k in evidence)
    lines = tuple(line for k in kinds for line in evidence[k])
    return Situations(kinds=kinds, evidence=lines)


# --------------------------------------------------------------------------------------------
# empathy phrases


def _empathy_language(language: str | None) -> str:
    """The phrase file for ``language``: its own when there is one, else the fallback, else en."""
    code = (language or "en").lower().replace("_", "-").split("-")[0]
    if code.isalpha() and (EMPATHY_DIR / f"{code}.yaml").is_file():
        return code
    code = _EMPATHY_FALLBACK.get(code, code)
    return code if code in EMPATHY_LANGUAGES else "en"


@functools.lru_cache(maxsize=16)
def empathy_phrases(language: str | None) -> Mapping[str, Mapping[str, str]]:
    """The empathy phrases of ``language``: ``{kind: {"formal": ..., "informal": ...}}``.

    A language without a file of its own uses its fallback (Bosnian and Montenegrin: the
    ijekavian Croatian file), an unknown language English.
    Serbian phrases are in Latin script; a Cyrillic draft transliterates them (see
    :mod:`replyassist.drafting.script`). Raises :class:`~replyassist.errors.ConfigError`
    when a file is missing a kind or a register.

    >>> empathy_phrases("de")["delay"]["formal"].startswith("Es tut mir leid")
    True
    """
    import yaml

    lang = _empathy_language(language)
    path = EMPATHY_DIR / f"{lang}.yaml"
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(Errors.E083, path=path, exc=exc) from None
    if not isinstance(data, dict):
        raise ConfigError(Errors.E081, path=path)
    out: dict[str, Mapping[str, str]] = {}
    for kind in KINDS:
        entry = data.get(kind)
        if not isinstance(entry, dict):
            raise ConfigError(Errors.E084, path=path, kind=kind)
        regs: dict[str, str] = {}
        for reg in _REGISTERS:
            phrase = entry.get(reg)
            if not isinstance(phrase, str) or not phrase.strip():
                raise ConfigError(Errors.E085, path=path, kind=kind, reg=reg)
            regs[reg] = phrase.strip()
        out[kind] = MappingProxyType(regs)
    return MappingProxyType(out)  # cached: read-only


def empathy_for(situations: Situations, language: str | None, register: str = "formal") -> str | None:
    """The empathy sentence for the message's primary situation, or None for a calm message.

    >>> s = detect_situations("My order is two weeks late.", "en")
    >>> empathy_for(s, "en", "informal") is not None
    True
    >>> empathy_for(detect_situations("Can I pay by card?", "en"), "en") is None
    True
    """
    if register not in _REGISTERS:
        raise ConfigError(Errors.E082, register=register)
    if situations.primary is None:
        return None
    return empathy_phrases(language)[situations.primary][register]
