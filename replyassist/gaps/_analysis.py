"""FAQ-gap analysis over a message log: coverage, gaps (topics the FAQ does not answer),
ranking, language gaps and FAQ stubs. See ``docs/gaps.md``.

>>> from replyassist.gaps import analyze_gaps
>>> report = analyze_gaps("examples/messages_log.csv", "faq_corpus/shop")   # doctest: +SKIP
>>> report.coverage.overall                                                 # doctest: +SKIP
{'confident': 131, 'suggest': 40, 'no_match': 121}
>>> report.gaps[0].stub["title"], report.write_html("out/")                 # doctest: +SKIP
"""
from __future__ import annotations

import re
import time
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from .._config import checked_fields
from ..errors import ConfigError, DataError, Errors
from ..pipeline import AnalysisPipeline, MessageAnalysis, MessageInput, PipelineSettings
from ..text import mask_pii
from ._cluster import center_by_language, cluster_vectors, normalise_rows
from ._io import BadRow, _preview, read_messages
from ._keywords import cluster_keywords, tokenize
from ._progress import make_progress
from ._stagecache import StageCache

__all__ = ["GapSettings", "GapReport", "Gap", "LanguageGap", "Coverage", "MessageOutcome", "analyze_gaps", "BANDS"]

#: Match bands, from the matcher (``MatchResult.band``).
BANDS = ("confident", "suggest", "no_match")


@dataclass
class GapSettings:
    """Settings of the gap analysis (validated on creation).

    - ``gap_bands``: which match bands count as "not answered" and are clustered into gaps
      (default ``no_match``: since the matcher's band model, ``suggest`` means "probably answered,
      drafted for review"; groups of messages that mostly point to one entry are flagged
      ``kind="near_existing"``).
    - ``unanswered_below``: also treat a message as unanswered when the matcher's confidence (the
      probability that the top entry answers it) is below this (default 0.6, chosen on the gap
      benchmarks: docs/gaps.md); ``None`` = bands only.
    - ``cluster_threshold``: minimum mean cosine similarity (after language centring) between the
      messages of two groups for them to form one topic. Higher = more, tighter gaps.
    - ``min_gap_size``: smaller groups are not reported as gaps (they stay "unclustered").
    - ``center_languages``: subtract each language's mean vector before clustering, so questions
      about one topic in different languages group together (see ``docs/gaps.md``); when off,
      only the mean of the whole log is subtracted (the threshold keeps its meaning).
    - ``cross_language_bonus``: added to the mean similarity of two groups that have no language
      in common during clustering (the language signal left after centring keeps one topic
      asked in two languages apart); see the xSID figures in ``docs/gaps.md``.
    - ``rephrase_agreement``: a group in which at least this share of messages has the same
      existing entry as best match is flagged ``kind="near_existing"`` instead of ``"new_topic"``:
      either that entry covers it but not in the customers' words (add paraphrases), or the
      topic is new and merely close to it (gift cards next to gift wrapping). The flag is a hint
      for the reader; it does not change the ranking (on the benchmarks it did not separate
      the two cases reliably enough to demote a gap).
    - ranking: ``score = size * (1 + negativity_weight * negative_share) * recency``; ``recency``
      is the gap's mean weight ``0.5 ** (age_days / half_life_days)`` (age from the newest message
      in the log) divided by the same mean over the whole log (1.0 without timestamps).
    - ``language_gap_min``: smallest number of messages for a language gap to be reported.
    - ``cluster_method``: ``"exact"`` (k-means micro-clusters with full Lloyd rounds, then average
      linkage: the method of the first versions), ``"scalable"`` (mini-batch k-means micro-clusters,
      then the same linkage), or ``"auto"`` (default): scalable above ``scalable_above`` candidates
      (20,000), where the full Lloyd rounds dominate the run (see ``docs/gaps.md``).
    - ``sentiment_scope``: ``"all"`` (default) runs sentiment on every message; ``"reported"`` only
      on the messages whose sentiment the report uses (unanswered ones, for the gaps' negative
      share, and language-gap candidates); the others get ``sentiment=None`` in ``messages.csv``.
      For very large logs, where sentiment is one of the dearest stages.
    - ``language_mode``: how the language of each message is detected when no ``detector`` is
      given. ``"full"`` (default): the full :class:`~replyassist.language.LanguageDetector` for
      every message; ``"fast"``: :class:`~replyassist.language.FastLanguageDetector`: fastText
      (checked by CLD2) answers the clear cases, the full detector the rest, incl. every text
      that may be Serbian, Croatian, Bosnian, Slovenian or Macedonian. Measured in
      ``benchmarks/results/gaps_langid_fast.md``: the same language as the full detector for
      99.8 % of a 10,000-message gap log (100 % of the Mozetič tweets), the same held-out intents
      recovered, but the language stage only 1.4x faster (41 % of the log takes the fast path;
      Serbian, Croatian and Bosnian never do), so it is not the default.
    """

    gap_bands: tuple[str, ...] = ("no_match",)
    unanswered_below: float | None = 0.6
    cluster_threshold: float = 0.3
    min_gap_size: int = 3
    max_micro_clusters: int = 1500
    center_languages: bool = True
    cross_language_bonus: float = 0.05
    rephrase_agreement: float = 0.8
    min_language_count: int = 20
    examples_per_gap: int = 5
    keywords_per_gap: int = 8
    questions_per_stub: int = 8
    half_life_days: float = 14.0
    negativity_weight: float = 1.0
    language_gap_min: int = 3
    period: str = "auto"
    batch_size: int = 2048
    seed: int = 0
    cluster_method: str = "auto"
    scalable_above: int = 20000
    sentiment_scope: str = "all"
    language_mode: str = "full"

    def __post_init__(self) -> None:
        self.gap_bands = tuple(self.gap_bands)
        bad = [b for b in self.gap_bands if b not in BANDS]
        if bad or not self.gap_bands:
            raise ConfigError(Errors.E505, BANDS=BANDS, gap_bands=self.gap_bands)
        if self.unanswered_below is not None and not 0.0 <= self.unanswered_below <= 1.0:
            raise ConfigError(Errors.E506, unanswered_below=self.unanswered_below)
        if not -1.0 <= self.cluster_threshold <= 1.0:
            raise ConfigError(Errors.E507, cluster_threshold=self.cluster_threshold)
        for name in ("min_gap_size", "max_micro_clusters", "examples_per_gap", "keywords_per_gap",
                     "questions_per_stub", "language_gap_min", "batch_size", "min_language_count"):
            v = getattr(self, name)
            if not isinstance(v, int) or isinstance(v, bool) or v < 1:
                raise ConfigError(Errors.E514, name=name, v=v)
        if not 0.0 <= self.rephrase_agreement <= 1.0:
            raise ConfigError(Errors.E508, rephrase_agreement=self.rephrase_agreement)
        if self.half_life_days <= 0 or self.negativity_weight < 0:
            raise ConfigError(Errors.E509)
        if self.cluster_method not in ("auto", "exact", "scalable"):
            raise ConfigError(Errors.E510, cluster_method=self.cluster_method)
        if not isinstance(self.scalable_above, int) or isinstance(self.scalable_above, bool) or self.scalable_above < 1:
            raise ConfigError(Errors.E511, scalable_above=self.scalable_above)
        if self.sentiment_scope not in ("all", "reported"):
            raise ConfigError(Errors.E512, sentiment_scope=self.sentiment_scope)
        if self.period not in ("auto", "day", "week", "month"):
            raise ConfigError(Errors.E513, period=self.period)
        if self.language_mode not in ("fast", "full"):
            raise ConfigError(Errors.E577, language_mode=self.language_mode)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "GapSettings":
        return cls(**checked_fields(cls, data, "gaps"))

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["gap_bands"] = list(self.gap_bands)
        return d


@dataclass(frozen=True)
class MessageOutcome:
    """What happened to one usable input row (text is PII-masked)."""

    row: int
    id: str | None
    text: str
    language: str | None
    script: str | None
    channel: str | None
    timestamp: str | None
    band: str
    faq_id: str | None
    score: float
    confidence: float
    sentiment: str | None
    gap_id: str | None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Coverage:
    """Counts per match band: overall, per language, per channel, per period."""

    overall: dict[str, int]
    by_language: dict[str, dict[str, int]]
    by_channel: dict[str, dict[str, int]]
    by_period: list[tuple[str, dict[str, int]]]
    period_unit: str | None

    def shares(self, counts: Mapping[str, int] | None = None) -> dict[str, float]:
        c = self.overall if counts is None else counts
        tot = sum(c.values()) or 1
        return {b: c.get(b, 0) / tot for b in BANDS}

    def to_dict(self) -> dict[str, Any]:
        return {"overall": dict(self.overall), "overall_share": {k: round(v, 4) for k, v in self.shares().items()},
                "by_language": self.by_language, "by_channel": self.by_channel,
                "period_unit": self.period_unit, "by_period": [{"period": p, **c} for p, c in self.by_period]}


@dataclass(frozen=True)
class Gap:
    """A topic people ask about that the FAQ does not answer.

    ``kind``: ``"new_topic"`` or ``"near_existing"`` (most messages have the same existing entry,
    ``nearest_faq["top_match_id"]``, as best match: check whether it covers them, and if so add
    these phrasings to it).
    """

    id: str
    rank: int
    kind: str
    score: float
    size: int
    customers: int | None
    languages: dict[str, int]
    channels: dict[str, int]
    negative_share: float | None
    recency: float
    first_seen: str | None
    last_seen: str | None
    keywords: list[str]
    examples: list[dict[str, Any]]
    nearest_faq: dict[str, Any] | None
    stub: dict[str, Any]
    rows: list[int]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class LanguageGap:
    """An FAQ entry that answers a topic, but not in the language customers asked in."""

    faq_id: str
    faq_title: str
    faq_languages: list[str]
    language: str
    count: int
    customers: int | None
    negative_share: float | None
    examples: list[str]
    rows: list[int]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class GapReport:
    """Everything the analysis found; ``write_html/json/csv(dir)`` write it (PII masked)."""

    corpus_name: str
    source: str
    total_rows: int
    processed: int
    bad_rows: list[BadRow]
    notes: list[str]
    coverage: Coverage
    gaps: list[Gap]
    language_gaps: list[LanguageGap]
    messages: list[MessageOutcome]
    unclustered: int
    settings: GapSettings
    stats: dict[str, Any] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict, compare=False)
    #: How the run was executed (engine, workers, partitions, resumed partitions, dashboard link);
    #: not part of the report's content, so two runs of one log compare equal whatever the engine.
    run: dict[str, Any] = field(default_factory=dict, compare=False)

    SCHEMA = "replyassist.gaps/1"

    def to_dict(self, *, include_messages: bool = True) -> dict[str, Any]:
        d: dict[str, Any] = {
            "schema": self.SCHEMA, "corpus": self.corpus_name, "source": self.source,
            "total_rows": self.total_rows, "processed": self.processed, "bad_row_count": len(self.bad_rows),
            "bad_rows": [b.to_dict() for b in self.bad_rows], "notes": list(self.notes),
            "coverage": self.coverage.to_dict(), "unclustered_unanswered": self.unclustered,
            "gaps": [g.to_dict() for g in self.gaps], "language_gaps": [g.to_dict() for g in self.language_gaps],
            "settings": self.settings.to_dict(), "stats": dict(self.stats),
        }
        if include_messages:
            d["messages"] = [m.to_dict() for m in self.messages]
        return d

    def write_json(self, path: str | Path) -> Path:
        from ._writers import write_json
        return write_json(self, path)

    def write_csv(self, out_dir: str | Path) -> list[Path]:
        from ._writers import write_csv
        return write_csv(self, out_dir)

    def write_html(self, out_dir: str | Path) -> Path:
        from ._html import write_html
        return write_html(self, out_dir)

    def write(self, out_dir: str | Path) -> list[Path]:
        """Write ``report.html``, ``report.json`` and the CSV files into ``out_dir``: all of them or,
        when one cannot be written (a full disk), none (``StorageError``; the folder keeps what it had)."""
        from ._writers import check_output_dir, staged_writes
        out = check_output_dir(out_dir, what="The report folder")
        with staged_writes():
            return [self.write_html(out), self.write_json(out / "report.json"), *self.write_csv(out)]


# --------------------------------------------------------------------------- helpers

def _period_unit(ts: list[datetime], setting: str) -> str | None:
    if not ts:
        return None
    if setting != "auto":
        return setting
    span = (max(ts) - min(ts)).days
    return "month" if span > 120 else "week" if span > 21 else "day"


def _period_of(dt: datetime, unit: str) -> str:
    if unit == "day":
        return dt.strftime("%Y-%m-%d")
    if unit == "week":
        y, w, _ = dt.isocalendar()
        return f"{y}-W{w:02d}"
    return dt.strftime("%Y-%m")


def _count(values: Sequence[str | None]) -> dict[str, int]:
    c = Counter(v or "und" for v in values)
    return dict(sorted(c.items(), key=lambda kv: (-kv[1], kv[0])))


def _slug(words: Sequence[str]) -> str:
    import unicodedata
    s = "-".join(words[:3]).lower().replace("đ", "dj").replace("ß", "ss")
    s = unicodedata.normalize("NFKD", s).encode("ascii", "ignore").decode()
    s = re.sub(r"[^a-z0-9-]+", "", s)
    return s or "new-entry"


_GREETING = re.compile(
    r"^\s*(?:(?:hi|hello|hey|dear (?:team|sir or madam|support)|good (?:morning|afternoon|evening)|hallo|guten (?:tag|morgen|abend)|"
    r"liebes? [\w-]+ team|sehr geehrte[\w ]*|servus|moin|jó napot(?: kívánok)?|szia(?:sztok)?|helló|hello|kedves [\w ]+|"
    r"tisztelt [\w ]+|zdravo|poštovani|postovani|pozdrav|dobar dan|dobro jutro|bok|ćao|cao|здраво|поштовани|добар дан)"
    r"\s*[,!.:]*\s*)+", re.I)
_CLOSING = re.compile(
    r"(?:[\s,]+(?:thanks?(?: you)?|thx|regards|best(?: regards)?|cheers|danke(?: schön)?|vielen dank|lg|mfg|"
    r"viele grüße|liebe grüße|grüße|köszönöm(?: szépen)?|köszi|üdv(?:özlettel)?|hvala(?: vam| unapred)?|pozdrav|"
    r"lp|srdačan pozdrav|хвала|поздрав)(?:[\s,]+[A-ZÀ-ÖØ-ÞĀ-ſА-Я][\w.-]*){0,2}[\s.!]*)+$", re.I)


def strip_courtesy(text: str) -> str:
    """The message without a leading greeting or a closing thanks/sign-off (for titles and stubs).

    >>> strip_courtesy("Jó napot! Hol van a csomagom? Köszönöm, Anna")
    'Hol van a csomagom?'
    """
    t = _GREETING.sub("", text, count=1)
    t = _CLOSING.sub("", t).strip()
    if not t:
        return text.strip()
    return t[0].upper() + t[1:]


def _near_duplicate(a: set[str], b: set[str]) -> bool:
    return bool(a or b) and len(a & b) / max(1, len(a | b)) >= 0.6


def _short(text: str, n: int = 140) -> str:
    t = re.sub(r"\s+", " ", text).strip()
    return t if len(t) <= n else t[: n - 1].rsplit(" ", 1)[0] + "…"


def _title_from(text: str) -> str:
    """The question sentence of a message, shortened (``"Hi, do you sell gift cards? I want ..."`` -> the question)."""
    t = strip_courtesy(re.sub(r"\s+", " ", text).strip())
    sents = re.split(r"(?<=[.!?])\s+", t)
    qs = [s for s in sents if s.endswith("?") and len(s) > 8]
    return _short(qs[0] if qs else max(sents, key=len), 110)


# --------------------------------------------------------------------------- main entry point

@dataclass
class MessageStages:
    """What the per-message stages (prepare, language, encode, match, sentiment) produced for a run
    of rows, in row order: one partition of the Dask engine, or the whole log in-process."""

    rows: list[Any]
    clean: list[str]
    display: list[str]
    bad: list[BadRow]
    languages: list[str | None]
    scripts: list[str | None]
    vectors: np.ndarray
    bands: list[str]
    top_ids: list[str | None]
    top_scores: list[float]
    confidences: list[float]
    sentiment: list[str | None]
    sentiment_error: str | None = None
    timings: dict[str, float] = field(default_factory=dict)

    @classmethod
    def concat(cls, parts: Sequence["MessageStages"], dim: int) -> "MessageStages":
        """Join partitions in order (an empty list gives an empty result of dimension ``dim``)."""
        def cat(name: str) -> list[Any]:
            return [x for p in parts for x in getattr(p, name)]
        vecs = [p.vectors for p in parts if len(p.vectors)]
        timings: dict[str, float] = {}
        for p in parts:
            for k, v in p.timings.items():
                timings[k] = timings.get(k, 0.0) + v
        err = next((p.sentiment_error for p in parts if p.sentiment_error), None)
        return cls(rows=cat("rows"), clean=cat("clean"), display=cat("display"),
                   bad=sorted(cat("bad"), key=lambda b: b.row), languages=cat("languages"), scripts=cat("scripts"),
                   vectors=np.concatenate(vecs) if vecs else np.zeros((0, dim), dtype=np.float32),
                   bands=cat("bands"), top_ids=cat("top_ids"), top_scores=cat("top_scores"),
                   confidences=cat("confidences"), sentiment=cat("sentiment"), sentiment_error=err, timings=timings)


def default_components(corpus: Any, *, index: Any = None, embedder: Any = None, detector: Any = None,
                       signals: Any = None, cache_root: Path,
                       language_mode: str = "full") -> tuple[Any, Any, Any, Any]:
    """Fill in the library's own stages where ``None`` was given: ``(index, embedder, detector, signals)``.

    ``embedder`` may be a name (``"e5-small"``, ``"e5-static"``, ...): embedders that are worth
    caching (``cacheable``, e.g. e5) are wrapped in a :class:`CachedEmbedder` under ``cache_root``.
    ``language_mode`` (``GapSettings.language_mode``): ``"fast"`` gives a
    :class:`~replyassist.language.FastLanguageDetector`, ``"full"`` a ``LanguageDetector``."""
    if embedder is None or isinstance(embedder, str):
        from ..embeddings import CachedEmbedder, get_embedder
        inner = get_embedder(embedder or "e5-small")
        embedder = (CachedEmbedder(inner, cache_root / "embeddings.sqlite") if getattr(inner, "cacheable", True)
                    else inner)
    if index is None:
        index = _LazyIndex(corpus, embedder, cache_root / "index")
    if detector is None:
        from ..language import FastLanguageDetector, LanguageDetector
        detector = FastLanguageDetector() if language_mode == "fast" else LanguageDetector()
    if signals is None:
        try:
            from ..signals import SignalAnalyzer
            signals = SignalAnalyzer()
        except ImportError:  # pragma: no cover - signals stage missing
            signals = False
    return index, embedder, detector, signals


class _LazyIndex:
    """The default FAQ index, built on the first search: after the messages are encoded, so that an
    interrupted encoding resumes before the FAQ is encoded (both go through the same cache)."""

    def __init__(self, corpus: Any, embedder: Any, cache_dir: Path) -> None:
        self.corpus, self.embedder, self.cache_dir = corpus, embedder, cache_dir
        self._index: Any = None

    def get(self) -> Any:
        if self._index is None:
            from ..matching import FaqIndex
            self._index = FaqIndex(self.corpus, self.embedder, index_settings(self.embedder), cache_dir=self.cache_dir)
        return self._index

    def search(self, *args: Any, **kw: Any) -> Any:
        return self.get().search(*args, **kw)


def index_settings(embedder: Any, settings: Any = None) -> Any:
    """The matcher settings for the gap analysis with ``embedder``: as given (default
    ``MatchSettings()``), except that with a static embedder (``cacheable = False``, e.g.
    ``e5-static``) the English second opinion is off: it runs a MiniLM transformer on every
    English message, which would cost more than all the other stages of a huge log together."""
    import dataclasses

    from ..matching import MatchSettings
    s = settings if settings is not None else MatchSettings()
    inner = getattr(embedder, "inner", embedder)
    if not getattr(inner, "cacheable", True) and s.second_embedder is not None:
        s = dataclasses.replace(s, second_embedder=None)
    return s


def message_pipeline(corpus: Any, *, index: Any, embedder: Any, detector: Any, signals: Any,
                     settings: PipelineSettings | None = None) -> AnalysisPipeline:
    """The message pipeline of the gap analysis: the one ``ReplyAssistant.suggest`` uses
    (:class:`replyassist.pipeline.AnalysisPipeline`), with these components and ``settings``
    (default :class:`~replyassist.pipeline.PipelineSettings`)."""
    return AnalysisPipeline.for_corpus(corpus, embedder=embedder, index=index, detector=detector, signals=signals,
                                       settings=settings)


def run_message_stages(rows: Sequence[Any], corpus: Any, *, index: Any, embedder: Any, detector: Any, signals: Any,
                       settings: GapSettings, cache_root: Path,
                       progress: Callable[[str, int], Callable[..., None]],
                       pipeline: AnalysisPipeline | None = None,
                       pipeline_settings: PipelineSettings | None = None) -> MessageStages:
    """The message pipeline (prepare, language, encode, match, sentiment) over ``rows``
    (``MessageRow``), in order: the log's ``language`` column is the customer-language (or locale)
    hint. Language and sentiment are cached per text in ``cache_root/gaps-stages.sqlite`` and
    vectors by a ``CachedEmbedder``, so an interrupted run resumes.

    Every result depends on the message alone (never on the other rows of the batch), so running
    the log in partitions gives the same results as running it at once; that is what makes the
    Dask engine's report identical to the in-process one."""
    st = settings
    if pipeline is None:
        pipeline = message_pipeline(corpus, index=index, embedder=embedder, detector=detector, signals=signals,
                                    settings=pipeline_settings)
    inputs = [MessageInput.from_tag(r.text, r.language, channel=r.channel) for r in rows]

    def reported(analyses: list[MessageAnalysis]) -> np.ndarray:
        return _reported_mask([_band(a.match) for a in analyses], [float(getattr(a.match, "confidence", 0.0))
                                                                  for a in analyses],
                              [a.match.matches[0].faq_id if a.match.matches else None for a in analyses],
                              [a.language.language for a in analyses], corpus, st)
    stage_cache = StageCache(cache_root / "gaps-stages.sqlite")
    cpu0 = time.process_time()
    try:
        res = pipeline.run(inputs, cache=stage_cache, progress=progress, chunk_size=st.batch_size,
                           signals_for=reported if st.sentiment_scope == "reported" else None,
                           signal_errors="report")
    finally:
        stage_cache.close()
    bad: list[BadRow] = []
    kept: list[Any] = []
    ok: list[MessageAnalysis] = []
    for r, a in zip(rows, res.analyses):
        if isinstance(a, MessageAnalysis):
            kept.append(r)
            ok.append(a)
        else:
            bad.append(BadRow(r.row, f"empty after cleaning ({a.message.split('.')[0].lower()})", r.line,
                              mask_pii(_preview(r.text, 80))))
    tops = [a.match.matches[0] if a.match.matches else None for a in ok]
    timings = {"prepare": res.timings["prepare"], "language": res.timings["language"],
               "encode": res.timings["encode"], "match": res.timings["match"], "sentiment": res.timings["signals"],
               # CPU seconds of this process for the stages above (on a loaded machine wall time is not)
               "message_stages_cpu": time.process_time() - cpu0}
    return MessageStages(rows=kept, clean=[a.prepared.clean for a in ok],
                         display=[mask_pii(a.prepared.text, a.prepared.pii) for a in ok], bad=bad,
                         languages=[a.language.language for a in ok], scripts=[a.language.script for a in ok],
                         vectors=res.vectors, bands=[_band(a.match) for a in ok],
                         top_ids=[t.faq_id if t is not None else None for t in tops],
                         top_scores=[float(t.score) if t is not None else 0.0 for t in tops],
                         confidences=[float(getattr(a.match, "confidence", 0.0)) for a in ok],
                         sentiment=[a.sentiment for a in ok],
                         sentiment_error=res.signals_error if ok else None, timings=timings)


def _band(match: Any) -> str:
    return match.band if match.band in BANDS else "no_match"


def _reported_mask(bands: Sequence[str], confidences: Sequence[float], top_ids: Sequence[str | None],
                   languages: Sequence[str | None], corpus: Any, st: GapSettings) -> np.ndarray:
    """Messages whose sentiment the report uses: unanswered (clustered into gaps) and language-gap
    candidates (answered by an entry without an answer in the message's language)."""
    un = np.isin(np.array(bands, dtype=object), list(st.gap_bands))
    if st.unanswered_below is not None:
        un |= np.asarray(confidences) < st.unanswered_below
    out = un.copy()
    answers: dict[str, set[str]] = {}
    for i in np.nonzero(~un)[0].tolist():
        fid, lg = top_ids[i], languages[i]
        if fid is None or not lg:
            continue
        if fid not in answers:
            try:
                answers[fid] = set(corpus.get(fid).answers)
            except KeyError:
                answers[fid] = set()
        out[i] = lg not in answers[fid]
    return out


def analyze_gaps(messages: Any, corpus: Any, *, index: Any = None, embedder: Any = None, detector: Any = None,
                 signals: Any = None, settings: GapSettings | Mapping[str, Any] | None = None,
                 cache_dir: str | Path | None = None, progress: bool | Callable[[str, int, int], None] = True,
                 text_column: str | None = None, engine: str = "inprocess", scheduler: str | None = None,
                 workers: int | None = None, partition_size: int | None = None,
                 checkpoint_dir: str | Path | None = None,
                 pipeline_settings: PipelineSettings | None = None) -> GapReport:
    """Run the FAQ-gap analysis over a message log.

    ``messages``: a CSV/TSV/JSONL path, a list of strings or dicts, a pandas DataFrame, or a
    :class:`MessageLog` (see :func:`read_messages`). ``corpus``: a :class:`FaqCorpus` or its folder.

    Stages are injectable (each defaults to the library's own): ``embedder`` (anything with
    ``encode(texts) -> (n, d)``, or a name such as ``"e5-static"``; default
    ``CachedEmbedder(get_embedder("e5-small"))``), ``index``
    (anything with ``search(vectors, texts=, languages=) -> [MatchResult]``; default
    :class:`replyassist.matching.FaqIndex`), ``detector`` (``LanguageDetector``-like with
    ``detect(text, hints=)``, a callable ``text -> language``, or ``False`` to trust a language
    column only), ``signals`` (``SignalAnalyzer``-like; ``False`` to skip sentiment).

    ``pipeline_settings``: the message pipeline's settings (text length, sentences, Serbian/Croatian/
    Bosnian default; :class:`~replyassist.pipeline.PipelineSettings`, default as ``ReplyAssistant``'s
    defaults; ``PipelineSettings.from_settings(settings)`` for a settings file's).

    ``engine``: ``"inprocess"`` (default) or ``"dask"``: the per-message stages run as partitions
    of ``partition_size`` messages on a Dask cluster (``scheduler="tcp://host:8786"``, or a local
    cluster of ``workers`` processes when no address is given); models load once per worker, the
    FAQ index is built once here and shipped as vectors, finished partitions are checkpointed in
    ``checkpoint_dir`` (default ``cache_dir/gaps-partitions``) so a re-run resumes. The report is
    the same as in-process whatever the number of workers. See ``docs/gaps.md``.

    Resuming: vectors are cached per text by ``CachedEmbedder``; languages and sentiment per text
    in ``cache_dir/gaps-stages.sqlite`` (``cache_dir`` default: the library cache folder). A re-run
    after an interruption recomputes nothing that was finished; clustering and the report are
    recomputed (seconds; deterministic).

    >>> report = analyze_gaps(["Do you sell gift cards?"] * 3, "faq_corpus/shop", progress=False)  # doctest: +SKIP
    >>> report = analyze_gaps("big_log.csv", "faq_corpus/shop", embedder="e5-static",
    ...                       engine="dask", workers=2)                                        # doctest: +SKIP
    """
    t_all = time.perf_counter()
    timings: dict[str, float] = {}
    st = settings if isinstance(settings, GapSettings) else GapSettings.from_dict(settings or {})
    if engine not in ("inprocess", "dask"):
        raise ConfigError(Errors.E503, engine=engine)
    if scheduler is not None and engine != "dask":
        raise ConfigError(Errors.E504)
    prog = make_progress(progress)

    t0 = time.perf_counter()
    if not hasattr(corpus, "entries"):
        from ..corpus import load_corpus
        corpus = load_corpus(corpus)
    log = read_messages(messages, text_column=text_column)
    timings["read"] = time.perf_counter() - t0

    cache_root = Path(cache_dir) if cache_dir is not None else None
    if cache_root is None:
        from ..embeddings import default_cache_dir
        cache_root = default_cache_dir()
    run_info: dict[str, Any] = {"engine": engine}
    if engine == "dask":
        from ._engine_dask import run_dask
        ms, run_info = run_dask(log.rows, corpus, index=index, embedder=embedder, detector=detector, signals=signals,
                                settings=st, cache_root=cache_root, scheduler=scheduler, workers=workers,
                                partition_size=partition_size, checkpoint_dir=checkpoint_dir, progress=progress,
                                pipeline_settings=pipeline_settings)
        embedder = run_info.pop("_driver_embedder")
        timings["partitions_wall"] = run_info.get("wall_seconds", 0.0)
    else:
        t0 = time.perf_counter()
        index, embedder, detector, signals = default_components(corpus, index=index, embedder=embedder,
                                                                detector=detector, signals=signals,
                                                                cache_root=cache_root, language_mode=st.language_mode)
        timings["load"] = time.perf_counter() - t0
        ms = run_message_stages(log.rows, corpus, index=index, embedder=embedder, detector=detector,
                                signals=signals, settings=st, cache_root=cache_root, progress=prog,
                                pipeline_settings=pipeline_settings)
    timings.update(ms.timings)
    return _finish_report(log, ms, corpus, embedder, st, prog, timings, t_all, signals_off=signals is False,
                          run_info=run_info)


def _finish_report(log: Any, ms: MessageStages, corpus: Any, embedder: Any, st: GapSettings,
                   prog: Callable[[str, int], Callable[..., None]], timings: dict[str, float], t_all: float, *,
                   signals_off: bool, run_info: dict[str, Any]) -> GapReport:
    """Coverage, clustering, gap description and the report, from the per-message results."""
    rows, clean, display, languages, scripts = ms.rows, ms.clean, ms.display, ms.languages, ms.scripts
    vectors, bands, top_ids, top_scores, confidences = ms.vectors, ms.bands, ms.top_ids, ms.top_scores, ms.confidences
    sentiment = ms.sentiment
    bad = sorted(list(log.bad) + list(ms.bad), key=lambda b: b.row)
    n_msg = len(rows)
    if log.total != n_msg + len(bad):  # pragma: no cover - invariant
        raise DataError(Errors.E418, total=log.total, n_msg=n_msg, n_bad=len(bad))
    run_notes: list[str] = []
    signals_available = not signals_off
    if ms.sentiment_error:
        sentiment = [None] * n_msg
        signals_available = False
        run_notes.append(f"Sentiment not available, negativity is not used in the ranking: {ms.sentiment_error}")
    channels = [r.channel for r in rows]

    # ---- coverage ----
    t0 = time.perf_counter()
    coverage = _coverage(rows, bands, languages, st)
    timings["coverage"] = time.perf_counter() - t0

    # ---- cluster the unanswered ----
    t0 = time.perf_counter()
    band_arr = np.array(bands, dtype=object)
    gap_mask = np.isin(band_arr, list(st.gap_bands)) if n_msg else np.zeros(0, dtype=bool)
    if st.unanswered_below is not None and n_msg:
        gap_mask |= np.asarray(confidences) < st.unanswered_below
    gap_idx = np.nonzero(gap_mask)[0]
    Xc = center_by_language(vectors, languages if st.center_languages else [None] * n_msg,
                            min_count=st.min_language_count)
    pc = prog("clustering", 1)
    labels_sub = cluster_vectors(Xc[gap_idx], threshold=st.cluster_threshold, min_size=st.min_gap_size,
                                 max_micro=st.max_micro_clusters, seed=st.seed,
                                 languages=[languages[i] for i in gap_idx],
                                 cross_language_bonus=st.cross_language_bonus,
                                 method=st.cluster_method, scalable_above=st.scalable_above,
                                 ) if len(gap_idx) else np.zeros(0, int)
    pc(1)
    labels = np.full(n_msg, -1, dtype=np.int64)
    labels[gap_idx] = labels_sub
    timings["cluster"] = time.perf_counter() - t0

    # ---- describe gaps ----
    t0 = time.perf_counter()
    gaps = _describe_gaps(labels, rows, clean, display, languages, channels, sentiment, vectors, Xc, corpus, embedder,
                          st, prog, top_ids)
    gap_of = {}
    for g in gaps:
        for r in g.rows:
            gap_of[r] = g.id
    lang_gaps = _language_gaps(rows, gap_mask, top_ids, languages, sentiment, display, corpus, st)
    timings["describe"] = time.perf_counter() - t0

    messages_out = [
        MessageOutcome(row=r.row, id=r.id, text=display[i], language=languages[i], script=scripts[i], channel=r.channel,
                       timestamp=r.timestamp.isoformat() if r.timestamp else None, band=bands[i], faq_id=top_ids[i],
                       score=round(top_scores[i], 4),
                       confidence=round(confidences[i], 4), sentiment=sentiment[i], gap_id=gap_of.get(r.row))
        for i, r in enumerate(rows)]
    unanswered = int(gap_mask.sum())
    unclustered = int(((labels < 0) & gap_mask).sum())
    stats = {"unanswered": unanswered, "in_gaps": unanswered - unclustered, "gap_count": len(gaps),
             "languages": _count(languages),
             "sentiment_available": signals_available}
    timings["total"] = time.perf_counter() - t_all
    return GapReport(corpus_name=getattr(corpus, "name", "corpus"), source=log.source, total_rows=log.total,
                     processed=n_msg, bad_rows=bad, notes=list(log.notes) + run_notes, coverage=coverage, gaps=gaps,
                     language_gaps=lang_gaps, messages=messages_out, unclustered=unclustered, settings=st,
                     stats=stats, timings=timings, run=run_info)


def _encode(embedder: Any, texts: list[str], progress: Callable[..., None], batch: int) -> np.ndarray:
    if not texts:
        return np.zeros((0, int(getattr(embedder, "dim", 384))), dtype=np.float32)
    try:
        return np.asarray(embedder.encode(texts, progress=progress), dtype=np.float32)
    except TypeError:  # an embedder without a progress callback: batch it ourselves
        parts = []
        for s in range(0, len(texts), batch):
            parts.append(np.asarray(embedder.encode(texts[s:s + batch]), dtype=np.float32))
            progress(min(len(texts), s + batch))
        return np.concatenate(parts)


def _coverage(rows: Sequence[Any], bands: Sequence[str], languages: Sequence[str | None], st: GapSettings) -> Coverage:
    def tally(keys: Sequence[str]) -> dict[str, dict[str, int]]:
        d: dict[str, dict[str, int]] = defaultdict(lambda: {b: 0 for b in BANDS})
        for k, b in zip(keys, bands):
            d[k][b] += 1
        return {k: v for k, v in sorted(d.items(), key=lambda kv: (-sum(kv[1].values()), kv[0]))}

    overall = {b: 0 for b in BANDS}
    for b in bands:
        overall[b] += 1
    ts = [r.timestamp for r in rows if r.timestamp is not None]
    unit = _period_unit(ts, st.period)
    by_period: list[tuple[str, dict[str, int]]] = []
    if unit:
        d: dict[str, dict[str, int]] = defaultdict(lambda: {b: 0 for b in BANDS})
        for r, b in zip(rows, bands):
            if r.timestamp is not None:
                d[_period_of(r.timestamp, unit)][b] += 1
        by_period = sorted(d.items())
    return Coverage(overall=overall, by_language=tally([lg or "und" for lg in languages]),
                    by_channel=tally([r.channel or "unknown" for r in rows]), by_period=by_period, period_unit=unit)


def _faq_question_vectors(corpus: Any, embedder: Any) -> tuple[np.ndarray, list[int]]:
    qs, owner = [], []
    for ei, e in enumerate(corpus.entries):
        for lang in sorted(e.questions):
            for q in e.questions[lang]:
                qs.append(q)
                owner.append(ei)
    if not qs:
        return np.zeros((0, 1), dtype=np.float32), []
    return normalise_rows(np.asarray(embedder.encode(qs), dtype=np.float32)), owner


def _describe_gaps(labels: np.ndarray, rows: Sequence[Any], clean: Sequence[str], display: Sequence[str],
                   languages: Sequence[str | None], channels: Sequence[str | None], sentiment: Sequence[str | None],
                   vectors: np.ndarray, Xc: np.ndarray, corpus: Any, embedder: Any, st: GapSettings,
                   prog: Callable[..., Any], top_ids: Sequence[str | None]) -> list[Gap]:
    n_gaps = int(labels.max()) + 1 if len(labels) and labels.max() >= 0 else 0
    if n_gaps == 0:
        return []
    p = prog("describe", n_gaps)
    kw = cluster_keywords(clean, labels.tolist(), top_k=st.keywords_per_gap,
                          background=[c for c, lab in zip(clean, labels) if lab < 0])
    qv, owner = _faq_question_vectors(corpus, embedder)
    # the FAQ questions are grouped by entry (ascending): the best question per entry is one reduceat
    owner_arr = np.asarray(owner, dtype=np.int64)
    q_starts = np.flatnonzero(np.r_[True, owner_arr[1:] != owner_arr[:-1]]) if len(owner) else owner_arr
    q_entries = owner_arr[q_starts]
    # recency weights relative to the newest message
    ts = [r.timestamp for r in rows]
    have_ts = [t for t in ts if t is not None]
    newest = max(have_ts) if have_ts else None
    w = np.full(len(rows), np.nan)
    if newest is not None:
        for i, t in enumerate(ts):
            if t is not None:
                w[i] = 0.5 ** (((newest - t).total_seconds() / 86400.0) / st.half_life_days)
    mean_w = float(np.nanmean(w)) if newest is not None else 1.0
    has_sent = any(s is not None for s in sentiment)
    order = np.argsort(labels, kind="stable")
    bounds = np.searchsorted(labels[order], np.arange(n_gaps + 1))
    drafts: list[dict[str, Any]] = []
    for g in range(n_gaps):
        idx = order[bounds[g]:bounds[g + 1]]
        langs = _count([languages[i] for i in idx])
        chans = _count([channels[i] or "unknown" for i in idx])
        sents = [sentiment[i] for i in idx if sentiment[i] is not None]
        neg = (sum(1 for s in sents if s == "negative") / len(sents)) if sents else None
        wi = w[idx]
        rec = float(np.nanmean(wi) / mean_w) if newest is not None and np.isfinite(wi).any() and mean_w > 0 else 1.0
        custs = {rows[i].customer_id for i in idx if rows[i].customer_id}
        tss = [ts[i] for i in idx if ts[i] is not None]
        # representatives: closest to the (centred) centroid, one per language first, no duplicates
        cen = Xc[idx].mean(axis=0)
        central = idx[np.argsort(-(Xc[idx] @ cen), kind="stable")]
        reps: list[int] = []
        rep_tokens: list[set[str]] = []
        seen_lang: list[str | None] = []

        def _try(i: int, reps: list[int] = reps, rep_tokens: list[set[str]] = rep_tokens) -> bool:
            toks = set(tokenize(clean[i]))
            if any(_near_duplicate(toks, o) for o in rep_tokens):
                return False
            reps.append(int(i))
            rep_tokens.append(toks)
            return True
        for i in central:
            if languages[i] not in seen_lang and _try(i):
                seen_lang.append(languages[i])
        for i in central:
            if len(reps) >= st.questions_per_stub:
                break
            if int(i) not in reps:
                _try(i)
        reps = reps[: max(st.questions_per_stub, len(seen_lang))]
        # nearest FAQ entry (raw multilingual vectors; entry score = best question)
        nearest = None
        if len(owner):
            rc = vectors[idx].mean(axis=0)
            rc = rc / (np.linalg.norm(rc) or 1.0)
            best_per = np.maximum.reduceat(qv @ rc, q_starts)
            j = int(np.argmax(best_per))   # the first of equal maxima: the lowest entry index
            ei = int(q_entries[j])
            e = corpus.entries[ei]
            nearest = {"faq_id": e.id, "title": e.title("en"), "category": e.category,
                       "similarity": round(float(best_per[j]), 4), "languages": sorted(e.answers)}
        tops = Counter(top_ids[i] for i in idx if top_ids[i])
        agree_id, agree_n = tops.most_common(1)[0] if tops else (None, 0)
        agreement = agree_n / len(idx)
        if nearest is not None:
            nearest["top_match_share"] = round(agreement, 4)
            nearest["top_match_id"] = agree_id
        keywords = kw.get(g, [])
        size = int(len(idx))
        score = size * (1.0 + st.negativity_weight * (neg or 0.0)) * rec
        dom_lang = next(iter(langs))
        title_src = next((display[i] for i in reps if languages[i] == dom_lang), display[reps[0]])
        questions: dict[str, list[str]] = {}
        for i in reps:
            questions.setdefault(languages[i] or "und", []).append(_short(strip_courtesy(display[i]), 200))
        stub = {"suggested_id": _slug(keywords), "title": _title_from(title_src),
                "category_hint": nearest["category"] if nearest else None, "keywords": keywords,
                "questions": questions, "answer": "", "note": "Draft for a person to finish: write the answer, "
                "check the title, add paraphrases in each language customers used."}
        examples = [{"row": rows[i].row, "language": languages[i], "channel": channels[i],
                     "sentiment": sentiment[i], "text": _short(display[i], 300)} for i in reps[: st.examples_per_gap]]
        kind = "near_existing" if agree_id is not None and agreement >= st.rephrase_agreement else "new_topic"
        drafts.append(dict(kind=kind, score=score, size=size, customers=len(custs) if custs else None, languages=langs,
                           channels=chans, negative_share=None if not has_sent else (round(neg, 4) if neg is not None else None),
                           recency=round(rec, 4), first_seen=min(tss).isoformat() if tss else None,
                           last_seen=max(tss).isoformat() if tss else None, keywords=keywords, examples=examples,
                           nearest_faq=nearest, stub=stub, rows=sorted(rows[i].row for i in idx)))
        p(g + 1)
    drafts.sort(key=lambda d: (-d["score"], -d["size"], d["rows"][0]))
    return [Gap(id=f"gap-{k + 1:03d}", rank=k + 1, **{**d, "score": round(d["score"], 3)}) for k, d in enumerate(drafts)]


def _language_gaps(rows: Sequence[Any], unanswered: np.ndarray, top_ids: Sequence[str | None],
                   languages: Sequence[str | None], sentiment: Sequence[str | None], display: Sequence[str],
                   corpus: Any, st: GapSettings) -> list[LanguageGap]:
    groups: dict[tuple[str, str], list[int]] = defaultdict(list)
    for i, (un, fid, lg) in enumerate(zip(unanswered.tolist(), top_ids, languages)):
        if un or fid is None or not lg:
            continue
        try:
            e = corpus.get(fid)
        except KeyError:
            continue
        if lg not in e.answers:
            groups[(fid, lg)].append(i)
    out = []
    for (fid, lg), idx in groups.items():
        if len(idx) < st.language_gap_min:
            continue
        e = corpus.get(fid)
        sents = [sentiment[i] for i in idx if sentiment[i] is not None]
        custs = {rows[i].customer_id for i in idx if rows[i].customer_id}
        out.append(LanguageGap(faq_id=fid, faq_title=e.title("en"), faq_languages=sorted(e.answers), language=lg,
                               count=len(idx), customers=len(custs) if custs else None,
                               negative_share=round(sum(s == "negative" for s in sents) / len(sents), 4) if sents else None,
                               examples=[_short(display[i], 200) for i in idx[:3]], rows=[rows[i].row for i in idx]))
    out.sort(key=lambda g: (-g.count, g.faq_id, g.language))
    return out
