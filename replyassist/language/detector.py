"""Language detection for short customer messages (stage ``language.py`` of the pipeline).

How a decision is made
----------------------
1. The text is cleaned for detection (quoted replies, signatures, URLs, @mentions, hashtags,
   emoji and digits removed, see :mod:`replyassist.language.cleaning`). Quoted spans ("...",
   „...“, `...`) are set aside when enough text remains, so a German sentence quoting an English
   error message is German.
2. Scripts that identify a language on their own decide directly (Hangul, kana, Hebrew, Greek,
   Georgian, Armenian, Thai ...). Cyrillic with ђ/ћ is Serbian, with ѓ/ќ/ѕ Macedonian.
3. Otherwise a trained combiner scores the 39 default languages from a character n-gram naive
   Bayes model of our own, fastText lid.176, lingua (low-accuracy mode), CLD2 and the
   Serbian/Croatian/Bosnian markers (ekavian/ijekavian, lexical, orthographic). Languages outside
   the 39 are reported when fastText is confident about them and the combiner is not.
   When the combiner's best language is Serbian, Croatian or Bosnian and the text is not
   Cyrillic, a second stage (a logistic regression over hashed character and word n-grams,
   markers and the other detectors' scores; ``_model.BcmsStage``) re-splits the probability
   of those three between them; every other language's probability is left alone.
4. Hints (:class:`LanguageHints`). **Rule:** if the text alone gives its best language a
   confidence of at least ``settings.text_wins_at`` (default 0.85) the text wins (``source="text"``).
   Otherwise (a weak reading) the customer's known language wins if the text does not rule it out
   (its text probability is at least ``settings.hint_min_text_prob``, default 0.01), else the
   locale's language under the same condition; failing both, each language's text probability is
   multiplied by ``1 + weight`` for every hint naming it (customer language 6, locale 2, each FAQ
   corpus language 0.5), renormalised, and the best is returned. The reported confidence is that
   boosted, renormalised probability; ``source="text+hint"`` when the answer is a hinted language
   (``settings.min_confidence`` does not apply then: the hint, not the text, decided). With no usable text (emoji only, digits only) the customer's known language, else
   the locale's language, is returned with ``source="hint"`` and confidence 0.5 (unreliable);
   without hints the result is ``language=None`` ("und"), confidence 0.
5. Below ``settings.min_confidence`` the answer is ``None`` ("und") rather than a guess.

>>> r = detect_language("Dobar dan, gde je moja porudžbina? Čekam već nedelju dana.")
>>> (r.language, r.script)
('sr', 'Latn')
"""
from __future__ import annotations

import re
import threading
from dataclasses import asdict, dataclass, replace
from typing import TYPE_CHECKING, Iterable, Literal, Sequence

import numpy as np

from ..errors import ConfigError, Errors, InputError
from ..text import replace_lone_surrogates
from . import _backends as B
from ._model import script_counts  # cached per text
from .bcms import bcms_markers
from .cleaning import clean_for_detection, letter_count

if TYPE_CHECKING:  # loaded lazily: the model file is read on first use
    from ._model import TrainedModel

__all__ = ["LanguageHints", "LanguageResult", "LanguageSegment", "LanguageSettings", "LanguageDetector",
           "detect_language", "DEFAULT_LANGUAGES", "EXTRA_LANGUAGES"]

DEFAULT_LANGUAGES: tuple[str, ...] = B.LABELS
# Reported only when fastText (or the script) is sure: languages without training data of ours.
EXTRA_LANGUAGES: tuple[str, ...] = (
    "af", "am", "ar", "az", "bn", "fa", "gl", "gu", "he", "hi", "hy", "id", "ja", "ka", "kk", "km", "kn",
    "ko", "lb", "ml", "mn", "mr", "ms", "mt", "ne", "pa", "si", "sw", "ta", "te", "th", "tl", "ur", "uz",
    "vi", "zh")
_ISO2 = re.compile(r"^[a-z]{2}$")

# Scripts that name the language by themselves (or narrow it to one we report).
_SCRIPT_LANG = {"Hang": "ko", "Hira": "ja", "Kana": "ja", "Hebr": "he", "Geor": "ka", "Armn": "hy",
                "Thai": "th", "Grek": "el", "Beng": "bn", "Guru": "pa", "Gujr": "gu", "Taml": "ta",
                "Telu": "te", "Mlym": "ml"}
_SCRIPT_OF_LANG = {"be": "Cyrl", "bg": "Cyrl", "mk": "Cyrl", "ru": "Cyrl", "uk": "Cyrl", "el": "Grek",
                   "ar": "Arab", "fa": "Arab", "ur": "Arab", "he": "Hebr", "hi": "Deva", "mr": "Deva",
                   "ne": "Deva", "zh": "Hani", "ja": "Jpan", "ko": "Kore", "ka": "Geor", "hy": "Armn",
                   "th": "Thai", "bn": "Beng", "pa": "Guru", "gu": "Gujr", "ta": "Taml", "te": "Telu",
                   "ml": "Mlym", "kk": "Cyrl", "mn": "Cyrl", "am": "Ethi", "km": "Khmr", "kn": "Knda",
                   "si": "Sinh"}
_QUOTED = re.compile(r"\"[^\"\n]{3,}\"|„[^“”\n]{3,}[“”]|“[^”\n]{3,}”|«[^»\n]{3,}»|»[^«\n]{3,}«|`[^`]{3,}`|'[^'\n]{8,}'")
# Tokens that carry no language: a message made only of these is "und" (or the hint's language).
NEUTRAL_TOKENS = frozenset(
    "ok okay okey oki okej k kk lol lmao haha hahaha hahahaha hehe hihi xd xo omg wtf hm hmm mm mhm aha "
    "ah oh eh uh yo xoxo ps pls plz thx tnx".split())
# Montenegrin forms (ś, ź and the iotated đe/śutra type); these decide among sr/hr/bs.
_ME_WORDS = frozenset("đe đeca đevojka đevojke śutra śekira śeme śedi śedim śeđeti pośeta pośetiti iđe iđemo "
                      "neđelja neđelju viđet viđeti ćerati".split())
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
_SEG_SPLIT = re.compile(r"(?<=[.!?…])\s+|\n+")


@dataclass(frozen=True)
class LanguageHints:
    """What the help desk already knows. All optional; ISO 639-1 codes; hints are priors, not orders.

    >>> LanguageHints(customer_language="hr", locale="hr-HR", corpus_languages=("en", "hr"))
    LanguageHints(customer_language='hr', locale='hr-HR', corpus_languages=('en', 'hr'))
    """

    customer_language: str | None = None
    locale: str | None = None
    corpus_languages: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        # Codes are normalised (" DE " -> "de", "de-AT" -> "de"); a value that is not a language
        # code ("German") cannot be a prior and is ignored, so it never becomes a detected language.
        for name in ("customer_language", "locale"):
            v = getattr(self, name)
            if v is not None and not isinstance(v, str):
                raise ConfigError(Errors.E021, name=name, v_type=type(v).__name__)
        langs = self.corpus_languages
        if isinstance(langs, str) or not all(isinstance(c, str) for c in langs):
            raise ConfigError(Errors.E017, langs=langs)
        object.__setattr__(self, "corpus_languages", tuple(langs))
        cl = self.customer_language
        if cl is not None:
            cl = re.split(r"[-_]", cl.strip().lower())[0]
            object.__setattr__(self, "customer_language", cl if re.fullmatch(r"[a-z]{2,3}", cl) else None)
        if self.locale is not None:
            object.__setattr__(self, "locale", self.locale.strip() or None)

    def locale_language(self) -> str | None:
        if not self.locale:
            return None
        code = re.split(r"[-_]", self.locale.strip())[0].lower()
        return code if _ISO2.match(code) else None

    def locale_script(self) -> str | None:
        if not self.locale:
            return None
        for part in re.split(r"[-_]", self.locale.strip())[1:]:
            if len(part) == 4 and part.isalpha():
                return part.capitalize()
        return None


@dataclass(frozen=True)
class LanguageSegment:
    """A stretch of the original text in one language (``start``/``end`` index the input text)."""

    start: int
    end: int
    text: str
    language: str | None
    confidence: float
    script: str | None

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class LanguageResult:
    """The detected language of a message.

    ``language`` is ISO 639-1 (``None`` = undetermined, "und"); ``sr`` covers both scripts, with
    ``script`` telling which. ``variety`` is ``"ekavian"``/``"ijekavian"`` for Serbian, Croatian,
    Bosnian text showing the reflex, ``"montenegrin"`` when Montenegrin forms are present.
    """

    language: str | None
    confidence: float
    script: str | None
    alternatives: tuple[tuple[str, float], ...]
    reliable: bool
    source: str
    segments: tuple[LanguageSegment, ...] = ()
    variety: str | None = None

    @property
    def tag(self) -> str:
        """BCP-47-like tag: ``"sr-Latn"``, ``"de"``, ``"und"``."""
        if self.language is None:
            return "und"
        return f"{self.language}-{self.script}" if self.language == "sr" and self.script else self.language

    def to_dict(self) -> dict:
        return {"language": self.language, "tag": self.tag, "confidence": round(float(self.confidence), 4),
                "script": self.script, "variety": self.variety,
                "alternatives": [[lang, round(float(p), 4)] for lang, p in self.alternatives],
                "reliable": self.reliable, "source": self.source,
                "segments": [s.to_dict() for s in self.segments]}


@dataclass(frozen=True)
class LanguageSettings:
    """Settings of :class:`LanguageDetector`, validated when the detector is built.

    ``languages``: candidate languages (default: the 39 :data:`DEFAULT_LANGUAGES` plus
    :data:`EXTRA_LANGUAGES` when fastText is sure). ``restrict_to_corpus``: only consider the
    hints' ``corpus_languages`` (off by default). ``min_confidence``: below it the answer is
    ``None``. ``text_wins_at``: text confidence from which hints are ignored.
    """

    languages: tuple[str, ...] | None = None
    extra_languages: bool = True
    restrict_to_corpus: bool = False
    min_confidence: float = 0.2
    reliable_at: float = 0.8
    text_wins_at: float = 0.85
    customer_weight: float = 6.0
    locale_weight: float = 2.0
    corpus_weight: float = 0.5
    min_letters: int = 2
    max_alternatives: int = 3
    extra_language_min_prob: float = 0.9
    hint_min_text_prob: float = 0.01
    #: The language is read from the first ``max_chars`` characters of the text (after invisible
    #: characters, runs of white space and a long run of non-letters at the start are skipped);
    #: segments from the first ``max_chars`` characters from the first letter on, at most 32
    #: sentences or lines. Detection time is therefore bounded whatever the input length
    #: (issue 20: ``'x' * 1_000_000`` ran 14 min).
    max_chars: int = 5000

    def validate(self) -> "LanguageSettings":
        if self.languages is not None:
            bad = [c for c in self.languages if not isinstance(c, str) or not _ISO2.match(c)]
            if bad or not self.languages:
                raise ConfigError(Errors.E022, languages=bad or '()')
        for name in ("min_confidence", "reliable_at", "text_wins_at", "extra_language_min_prob", "hint_min_text_prob"):
            v = getattr(self, name)
            if not 0.0 <= v <= 1.0:
                raise ConfigError(Errors.E023, name=name, v=v)
        for name in ("customer_weight", "locale_weight", "corpus_weight"):
            if getattr(self, name) < 0:
                raise ConfigError(Errors.E024, name=name, value=getattr(self, name))
        if not isinstance(self.max_chars, int) or isinstance(self.max_chars, bool) or self.max_chars < 100:
            raise ConfigError(Errors.E018, max_chars=self.max_chars)
        if self.min_letters < 1 or self.max_alternatives < 0:
            raise ConfigError(Errors.E019)
        return self


_model_lock = threading.Lock()
_MODEL: TrainedModel | Literal[False] | None = None


def _trained_model() -> TrainedModel | Literal[False]:
    """The trained model (loaded once), or False when its file is missing."""
    global _MODEL
    if _MODEL is None:
        with _model_lock:
            if _MODEL is None:
                from ._model import MODEL_FILE, TrainedModel
                _MODEL = TrainedModel(MODEL_FILE) if MODEL_FILE.exists() else False
    return _MODEL


def _text_distribution(text: str, n_letters: int) -> tuple[np.ndarray, dict[str, float]]:
    """Probabilities over DEFAULT_LANGUAGES from the text alone, and fastText's full output."""
    model = _trained_model()
    if model:
        p, raw = model.predict(text, n_letters)
        return p.astype(np.float64), raw.ft_all
    # Fallback without the trained file: average the detectors (weights chosen a priori).
    ft, _sh, allp = B.fasttext_vec(text)
    vec = 0.45 * ft + 0.35 * B.lingua_low(text) + 0.2 * B.cld2_vec(text) + 1e-4
    return vec / vec.sum(), allp



def hints_per_text(hints: Sequence[LanguageHints | None] | LanguageHints | None, n: int) -> list[LanguageHints | None]:
    """``hints`` for ``n`` texts: one LanguageHints (or ``None``) for all, or one per text (``E025``
    when the counts differ).

    >>> hints_per_text(None, 2)
    [None, None]
    """
    if hints is None or isinstance(hints, LanguageHints):
        return [hints] * n
    hs = list(hints)
    if len(hs) != n:
        raise ConfigError(Errors.E025, n_texts=n, n_hs=len(hs))
    return hs


class LanguageDetector:
    """Detects the language of customer messages; see the module docstring for the rule.

    >>> det = LanguageDetector()
    >>> det.detect("Köszönöm szépen a gyors választ!").language
    'hu'
    >>> det.detect("👍👍").language is None
    True
    """

    def __init__(self, settings: LanguageSettings | None = None, *, languages: Sequence[str] | None = None) -> None:
        """``languages`` is a shortcut for ``LanguageSettings(languages=...)`` (restricts the candidates)."""
        settings = settings or LanguageSettings()
        if languages is not None:
            settings = replace(settings, languages=tuple(languages))
        self.settings = settings.validate()
        s = self.settings
        allowed = set(s.languages) if s.languages is not None else set(DEFAULT_LANGUAGES) | (
            set(EXTRA_LANGUAGES) if s.extra_languages else set())
        self._allowed = allowed
        self._mask = np.array([lab in allowed for lab in DEFAULT_LANGUAGES], dtype=bool)

    # ------------------------------------------------------------------ public
    def detect(self, text: str, *, hints: LanguageHints | None = None, segments: bool = False) -> LanguageResult:
        """Detect the main language of ``text`` (and its segments if ``segments``)."""
        if not isinstance(text, str):
            raise InputError.not_text(text)
        if hints is not None and not isinstance(hints, LanguageHints):
            raise ConfigError(Errors.E020, hints_type=type(hints).__name__)
        head, offset = _bounded(text, self.settings.max_chars)
        res = self._detect_clean(self.detection_text(head), hints)
        if segments:
            # a lone surrogate becomes U+FFFD (same length, offsets hold): segment texts must encode (issue 20)
            window = text[offset:offset + self.settings.max_chars]
            cut = [m.start() for _, m in zip(range(_MAX_SEGMENT_PIECES), _SEG_SPLIT.finditer(window))]
            if len(cut) == _MAX_SEGMENT_PIECES:
                window = window[:cut[-1]]
            segs = self._segments(replace_lone_surrogates(window))
            if offset:
                segs = tuple(replace(g, start=g.start + offset, end=g.end + offset) for g in segs)
            res = replace(res, segments=segs)
        return res

    def detect_many(self, texts: Iterable[str], *, hints: Sequence[LanguageHints | None] | LanguageHints | None = None,
                    segments: bool = False) -> list[LanguageResult]:
        """Detect each text; ``hints`` is one LanguageHints for all or one per text."""
        texts = list(texts)
        hs = hints_per_text(hints, len(texts))
        return [self.detect(t, hints=h, segments=segments) for t, h in zip(texts, hs)]

    @staticmethod
    def detection_text(text: str) -> str:
        """The part of ``text`` the main language is read from: cleaned, quoted spans set aside
        when at least 12 letters remain without them.

        >>> LanguageDetector.detection_text('Ich bekomme "Payment failed" beim Bezahlen @shop')
        'Ich bekomme beim Bezahlen'
        """
        clean = clean_for_detection(text)
        if _QUOTED.search(clean):
            rest = " ".join(_QUOTED.sub(" ", clean).split())
            if letter_count(rest) >= 12:
                return rest
        return clean

    # ------------------------------------------------------------------ internals
    def _candidates(self, hints: LanguageHints | None) -> set[str]:
        if self.settings.restrict_to_corpus and hints is not None and hints.corpus_languages:
            return set(hints.corpus_languages)
        return self._allowed

    def _text_probs(self, text: str, n_letters: int, hints: LanguageHints | None) -> dict[str, float]:
        """Probabilities from the text alone over the candidate languages."""
        cands = self._candidates(hints)
        scripts = script_counts(text)
        script = max(scripts.items(), key=lambda kv: kv[1])[0] if scripts else None
        # scripts that decide by themselves
        if script in _SCRIPT_LANG and _SCRIPT_LANG[script] in cands and scripts[script] >= 0.5 * n_letters:
            lang = _SCRIPT_LANG[script]
            if script == "Hani" or (script in ("Hira", "Kana")):
                lang = "ja" if (scripts.get("Hira", 0) + scripts.get("Kana", 0)) > 0 else "zh"
            return {lang: 0.99}
        if script == "Hani" and scripts.get("Hira", 0) + scripts.get("Kana", 0) == 0 and "zh" in cands:
            return {"zh": 0.99}
        probs, ft_all = _text_distribution(text, n_letters)
        out = {lab: float(p) for lab, p in zip(DEFAULT_LANGUAGES, probs) if lab in cands}
        if script == "Latn" and any(w in _ME_WORDS for w in _WORD.findall(text.lower())):
            # Montenegrin forms: the text is Serbian/Croatian/Bosnian (ś/ź otherwise pull towards pl/sl)
            bcms: dict[str, float] = {k: out.get(k, 0.0) + 1e-3 for k in ("sr", "bs", "hr") if k in cands}
            if bcms:
                out = bcms
        # Languages outside our trained set: trust fastText when it is sure.
        if self.settings.extra_languages or self.settings.languages is not None:
            for code, p in ft_all.items():
                if code in cands and code not in B.LABEL_INDEX and p >= self.settings.extra_language_min_prob \
                        and n_letters >= 6:
                    out = {k: v * (1 - p) for k, v in out.items()}
                    out[code] = p
        if script == "Cyrl":
            marks = bcms_markers(text)
            if marks["sr_cyr_letters"] and "sr" in out:
                out["sr"] = max(out["sr"], 0.9)
            if marks["mk_letters"] and "mk" in out:
                out["mk"] = max(out["mk"], 0.9)
        tot = sum(out.values())
        return {k: v / tot for k, v in out.items()} if tot > 0 else {}

    def _detect_clean(self, text: str, hints: LanguageHints | None) -> LanguageResult:
        s = self.settings
        n_letters = letter_count(text)
        words = _WORD.findall(text.lower())
        if words and all(w in NEUTRAL_TOKENS for w in words):
            n_letters = 0  # "ok", "haha", "thx": no language in the text
        probs: dict[str, float] = self._text_probs(text, n_letters, hints) if n_letters >= s.min_letters else {}
        counts = script_counts(text)
        script = max(counts.items(), key=lambda kv: (kv[1], kv[0]))[0] if counts else None  # as dominant_script()
        if not probs:
            return self._from_hints_only(hints, script)
        ranked = sorted(probs.items(), key=lambda kv: -kv[1])
        best, conf = ranked[0]
        source = "text"
        if hints is not None and conf < s.text_wins_at:
            weights = self._hint_weights(hints)
            boosted = {k: v * (1.0 + weights.get(k, 0.0)) for k, v in probs.items()}
            tot = sum(boosted.values())
            boosted = {k: v / tot for k, v in boosted.items()}
            ranked = sorted(boosted.items(), key=lambda kv: -kv[1])
            # the customer's known language, then the locale's, wins when the text does not rule it out
            for lang in (hints.customer_language, hints.locale_language()):
                lang = lang.lower() if lang else None
                if lang and probs.get(lang, 0.0) >= s.hint_min_text_prob:
                    ranked = [(lang, boosted[lang])] + [kv for kv in ranked if kv[0] != lang]
                    break
            best, conf = ranked[0]
            if weights.get(best, 0.0) > 0:
                source = "text+hint"
        if conf < s.min_confidence and source == "text":
            return LanguageResult(None, float(conf), script, tuple((k, float(v)) for k, v in ranked[:s.max_alternatives]),
                                  False, "text", variety=None)
        variety = self._variety(text, best)
        out_script = _SCRIPT_OF_LANG.get(best, script if script in ("Latn", "Cyrl") else script)
        if best == "sr":
            out_script = "Cyrl" if script == "Cyrl" else "Latn"
        elif best in ("hr", "bs", "sl", "cs", "sk", "pl", "de", "en", "hu", "ro"):
            out_script = "Latn"
        alts = tuple((k, float(v)) for k, v in ranked[1:1 + s.max_alternatives])
        return LanguageResult(best, float(conf), out_script, alts, bool(conf >= s.reliable_at and n_letters >= 4),
                              source, variety=variety)

    def _hint_weights(self, hints: LanguageHints) -> dict[str, float]:
        s = self.settings
        w: dict[str, float] = {}
        if hints.customer_language:
            c = hints.customer_language.lower()
            w[c] = w.get(c, 0.0) + s.customer_weight
        loc = hints.locale_language()
        if loc:
            w[loc] = w.get(loc, 0.0) + s.locale_weight
        for c in hints.corpus_languages:
            c = c.lower()
            w[c] = w.get(c, 0.0) + s.corpus_weight
        return w

    def _from_hints_only(self, hints: LanguageHints | None, script: str | None) -> LanguageResult:
        if hints is not None:
            lang = (hints.customer_language or hints.locale_language() or None)
            if lang:
                lang = lang.lower()
                sc = _SCRIPT_OF_LANG.get(lang, "Latn")
                if lang == "sr":
                    sc = hints.locale_script() or "Latn"
                return LanguageResult(lang, 0.5, sc, (), False, "hint")
        return LanguageResult(None, 0.0, None, (), False, "none")

    @staticmethod
    def _variety(text: str, lang: str) -> str | None:
        if lang not in ("sr", "hr", "bs"):
            return None
        m = bcms_markers(text)
        if m["me"]:
            return "montenegrin"
        if m["ekavian"] > m["ijekavian"]:
            return "ekavian"
        if m["ijekavian"] > m["ekavian"]:
            return "ijekavian"
        return None

    def _segments(self, text: str) -> tuple[LanguageSegment, ...]:
        """Sentences/lines and quoted spans, each with its own language (no hints)."""
        spans: list[tuple[int, int]] = []
        for m in _QUOTED.finditer(text):
            spans.append((m.start(), m.end()))
        pos = 0
        pieces: list[tuple[int, int]] = []
        for m in _SEG_SPLIT.finditer(text):
            pieces.append((pos, m.start()))
            pos = m.end()
        pieces.append((pos, len(text)))
        out: list[LanguageSegment] = []
        for a, b in pieces:
            # cut quoted spans out of the sentence piece into their own segments
            cuts = [(qa, qb) for qa, qb in spans if qa >= a and qb <= b]
            cur = a
            for qa, qb in cuts + [(b, b)]:
                for sa, sb in ((cur, qa), (qa, qb)):
                    if sb <= sa:
                        continue
                    seg = text[sa:sb]
                    clean = clean_for_detection(seg)
                    if letter_count(clean) < self.settings.min_letters:
                        continue
                    r = self._detect_clean(clean, None)
                    lead = len(seg) - len(seg.lstrip())
                    trail = len(seg) - len(seg.rstrip())
                    out.append(LanguageSegment(sa + lead, sb - trail, seg.strip(), r.language, r.confidence, r.script))
                cur = qb
        # merge neighbours in the same language
        merged: list[LanguageSegment] = []
        for part in out:
            if merged and merged[-1].language == part.language and part.language is not None:
                prev = merged[-1]
                merged[-1] = LanguageSegment(prev.start, part.end, text[prev.start:part.end], part.language,
                                             max(prev.confidence, part.confidence), prev.script or part.script)
            else:
                merged.append(part)
        return tuple(merged)


#: Segments are detected for at most this many sentences / lines (each is one detection).
_MAX_SEGMENT_PIECES = 32
_INVISIBLE_OR_SPACE_RUN = re.compile(
    r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]+|\s{3,}")
_LEADING_NON_LETTERS = re.compile(r"[\W\d_]*")
_FIRST_LETTER = re.compile(r"[^\W\d_]")


def _bounded(text: str, limit: int) -> tuple[str, int]:
    """``(head, offset)``: at most ``limit`` characters to read the language from, and where the
    first letter of ``text`` is (for the segments). Linear: only C-speed regexes touch the whole text.

    >>> _bounded("\u200b" * 50_000 + "Wo ist mein Paket?", 100)
    ('Wo ist mein Paket?', 50000)
    """
    if len(text) <= limit:
        return text, 0
    first = _FIRST_LETTER.search(text)
    offset = first.start() if first else 0
    t = _INVISIBLE_OR_SPACE_RUN.sub(lambda m: "\n" if "\n" in m.group() else " " if m.group().isspace() else "",
                                    text)
    lead = _LEADING_NON_LETTERS.match(t)
    if lead and lead.end() > limit // 4:  # a long run of digits, emoji, punctuation before any word
        t = t[lead.end():]
    return t[:limit], offset


_default: LanguageDetector | None = None
_default_lock = threading.Lock()


def detect_language(text: str, *, hints: LanguageHints | None = None, segments: bool = False) -> LanguageResult:
    """Detect the language of one message with the default settings.

    >>> detect_language("Hvala, paket je stigao.", hints=LanguageHints(customer_language="hr")).language
    'hr'
    >>> detect_language("🙂 123").to_dict()["tag"]
    'und'
    """
    global _default
    if _default is None:
        with _default_lock:
            if _default is None:
                _default = LanguageDetector()
    return _default.detect(text, hints=hints, segments=segments)
