"""The one message pipeline: prepare -> language -> segment -> encode -> match -> signals, per batch.

Every caller runs a batch of messages through :class:`AnalysisPipeline` and gets one
:class:`MessageAnalysis` per message (or the message's :class:`~replyassist.errors.ReplyAssistError`
in its place): :meth:`ReplyAssistant.suggest` / ``suggest_many`` (and so the HTTP service, whose
micro-batcher gathers concurrent requests into one ``suggest_many`` call) before drafting, the
gap analysis (in-process, and per partition on Dask workers), learning from a log, and
``replyassist evaluate``. Each stage is called once per batch; the message and its sentences are
encoded in ONE call and that vector is shared by matching and the signals.

The settings that shape the analysis live in one place, :class:`PipelineSettings` (read from the
top level of :class:`~replyassist.settings.Settings`): how long a message may be, whether its
sentences are matched too, the Serbian/Croatian/Bosnian default, and that the corpus's languages
are a hint to the detector. The language hints of a message come from :meth:`MessageInput.hints`
(customer language, locale) and the corpus.

>>> from replyassist.pipeline import AnalysisPipeline, MessageInput       # doctest: +SKIP
>>> pipe = AnalysisPipeline.for_corpus(corpus, embedder=emb, index=index)   # doctest: +SKIP
>>> [a] = pipe.run([MessageInput("Wo bleibt meine Bestellung?", locale="de-AT")]).analyses  # doctest: +SKIP
>>> a.language.language, a.match.band                                      # doctest: +SKIP
('de', 'confident')
"""
from __future__ import annotations

import hashlib
import inspect
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal, Protocol

import numpy as np

from .errors import ConfigError, Errors, ReplyAssistError
from .language import (
    LanguageDetector,
    LanguageHints,
    LanguageResult,
    VariantDecision,
    resolve_variant,
)
from .language.variant import BCMS_LANGUAGES
from .text import PreparedText, prepare_message, segment_batch

__all__ = [
    "PIPELINE_VERSION",
    "AnalysisPipeline",
    "MessageAnalysis",
    "MessageInput",
    "PipelineResult",
    "PipelineSettings",
    "component_id",
]

#: Part of every cache key of the pipeline's per-text results (language, sentiment): bump it when
#: a stage's result for the same text changes.
PIPELINE_VERSION = "pipeline/1"

#: ``progress(stage, total)`` returns ``callback(done)``: the gap analysis's progress factories.
ProgressFactory = Callable[[str, int], Callable[..., None]]


class StageCacheLike(Protocol):
    """A persistent per-text cache (``replyassist.gaps`` uses an SQLite one to resume runs)."""

    def get_many(self, stage: str, keys: Sequence[str]) -> dict[str, Any]: ...

    def put_many(self, stage: str, items: dict[str, Any]) -> None: ...


def _no_progress(stage: str, total: int) -> Callable[..., None]:
    return lambda *a: None


@dataclass(frozen=True)
class PipelineSettings:
    """What shapes the analysis of a message; the one place for these settings.

    - ``max_message_chars``: longer messages are truncated (``PreparedText.truncated``), not rejected.
    - ``match_sentences``: the sentences of a multi-sentence message are matched too (in the same
      encode): a question inside a complaint is found, and a second question gets its own match.
    - ``bcms_default``: the market default among Serbian, Croatian and Bosnian (see
      :func:`~replyassist.language.resolve_variant`).
    - ``corpus_language_hints``: the corpus's languages are a prior of the language detector.
    - ``restrict_languages``: the detector only chooses among the corpus's languages.

    >>> PipelineSettings.from_settings(None).max_message_chars
    20000
    """

    max_message_chars: int = 20_000
    match_sentences: bool = True
    bcms_default: str | None = None
    corpus_language_hints: bool = True
    restrict_languages: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.max_message_chars, int) or isinstance(self.max_message_chars, bool) \
                or self.max_message_chars < 100:
            raise ConfigError(Errors.E013, max_message_chars=self.max_message_chars)
        if self.bcms_default not in (None, "sr", "hr", "bs"):
            raise ConfigError(Errors.E074, bcms_default=self.bcms_default)

    @classmethod
    def from_settings(cls, settings: Any) -> PipelineSettings:
        """From :class:`~replyassist.settings.Settings` (or anything ``load_settings`` takes; ``None``: defaults)."""
        from .settings import load_settings
        s = load_settings(settings)
        return cls(max_message_chars=s.max_message_chars, match_sentences=s.match_sentences,
                   bcms_default=s.bcms_default, restrict_languages=s.restrict_languages)


@dataclass(frozen=True)
class MessageInput:
    """One message as the pipeline takes it: its text and what is known around it.

    ``history``: earlier messages of the customer as texts (for the escalation signals).
    """

    text: Any
    customer_language: str | None = None
    locale: str | None = None
    channel: str | None = None
    history: tuple[str, ...] = ()

    @classmethod
    def from_tag(cls, text: Any, tag: str | None, *, channel: str | None = None) -> MessageInput:
        """A message whose log gives one language value: a locale when it has a region or script
        (``"de-AT"``, ``"sr_Latn_RS"``), else the customer's language (``"de"``).

        >>> MessageInput.from_tag("Hallo", "de-AT").locale, MessageInput.from_tag("Hallo", "de").customer_language
        ('de-AT', 'de')
        """
        if tag and re.search(r"[-_]", tag):
            return cls(text=text, locale=tag, channel=channel)
        return cls(text=text, customer_language=tag or None, channel=channel)

    def hints(self, corpus_languages: tuple[str, ...] = ()) -> LanguageHints:
        return LanguageHints(customer_language=self.customer_language, locale=self.locale,
                             corpus_languages=corpus_languages)


@dataclass(frozen=True)
class MessageAnalysis:
    """What the pipeline found for one message.

    ``language`` is the detector's result after the Serbian/Croatian/Bosnian variant step
    (``variant`` says how it was decided; ``None`` when the step did not run). ``matched_text``
    is what was encoded and matched (the cleaned message without greeting and sign-off);
    ``vector`` its vector. ``match`` is ``None`` when the batch ran without matching;
    ``sentences`` / ``sentence_matches``: the message's sentences matched on their own.
    ``signals`` is ``None`` when signals did not run for it; ``sentiment`` is the sentiment
    label (also when it came from a cache, where only the label is kept).
    """

    input: MessageInput
    prepared: PreparedText
    hints: LanguageHints
    language: LanguageResult
    variant: VariantDecision | None
    matched_text: str
    vector: np.ndarray = field(compare=False, repr=False)
    match: Any = None
    sentences: tuple[str, ...] = ()
    sentence_matches: tuple[Any, ...] = ()
    signals: Any = None
    sentiment: str | None = None


@dataclass
class PipelineResult:
    """One item per input, in order: a :class:`MessageAnalysis` or the input's error.

    ``vectors``: the message vectors of the analysed messages, in order (``(n_ok, dim)``);
    ``timings``: seconds per stage for the whole batch; ``signals_error``: why signals are
    missing (``signal_errors="report"`` only).
    """

    analyses: list[MessageAnalysis | ReplyAssistError]
    vectors: np.ndarray
    timings: dict[str, float] = field(default_factory=dict)
    signals_error: str | None = None

    @property
    def ok(self) -> list[MessageAnalysis]:
        return [a for a in self.analyses if isinstance(a, MessageAnalysis)]


def _key(*parts: str) -> str:
    return hashlib.sha1("\x1f".join(parts).encode("utf-8", "surrogatepass")).hexdigest()


def component_id(obj: Any) -> str:
    """Identifies a stage component in cache keys: its class and settings."""
    t = type(obj)
    return f"{t.__module__}.{t.__qualname__}:{getattr(obj, 'settings', None)!r}"


def _result_to_cache(r: LanguageResult) -> list[Any]:
    return [r.language, r.script, float(r.confidence), bool(r.reliable), r.source,
            [[lg, float(p)] for lg, p in r.alternatives], r.variety]


def _result_from_cache(v: Any) -> LanguageResult | None:
    try:
        lang, script, conf, reliable, source, alts, variety = v
        return LanguageResult(language=lang, confidence=float(conf), script=script,
                              alternatives=tuple((str(a), float(p)) for a, p in alts), reliable=bool(reliable),
                              source=str(source), variety=variety)
    except (TypeError, ValueError):
        return None   # damaged or from another version: detected again


def _given_result(lang: str | None, script: str | None, source: str) -> LanguageResult:
    return LanguageResult(language=lang, confidence=1.0 if lang else 0.0, script=script, alternatives=(),
                          reliable=lang is not None, source=source if lang else "none")


class AnalysisPipeline:
    """The stages of the message analysis, composed once and run per batch (see the module docs).

    Components (each may be injected; ``None`` gives the library's own): ``embedder`` (anything
    with ``encode(texts) -> (n, dim)``), ``index`` (``search(vectors, texts=, languages=[, parts=,
    include_parts=]) -> [MatchResult]``, e.g. :class:`~replyassist.matching.FaqIndex`; needed only
    to match), ``detector`` (a :class:`~replyassist.language.LanguageDetector`-like with
    ``detect(text, hints=)``; a callable ``text -> language`` or ``(language, script)``; or
    ``False``: the message's own language hint only), ``signals`` (a
    :class:`~replyassist.signals.SignalAnalyzer`-like; ``False``: none).

    >>> pipe = AnalysisPipeline(embedder=emb, index=index, corpus_languages=("de", "en"))  # doctest: +SKIP
    >>> res = pipe.run([MessageInput("Kann ich mit PayPal zahlen?")])                       # doctest: +SKIP
    """

    def __init__(self, *, embedder: Any, index: Any = None, detector: Any = None, signals: Any = None,
                 settings: PipelineSettings | None = None, corpus_languages: Sequence[str] = (),
                 bcms_available: Sequence[str] = ()) -> None:
        self.embedder = embedder
        self.index = index
        self.detector: Any = LanguageDetector() if detector is None else detector
        if signals is None:
            from .signals import SignalAnalyzer
            signals = SignalAnalyzer()
        self.signals = signals
        self.settings = settings if settings is not None else PipelineSettings()
        if not isinstance(self.settings, PipelineSettings):
            raise ConfigError(Errors.E075, settings_type=type(self.settings).__name__)
        self.corpus_languages = tuple(corpus_languages) if self.settings.corpus_language_hints else ()
        self.bcms_available = tuple(bcms_available)

    @classmethod
    def for_corpus(cls, corpus: Any, *, embedder: Any, index: Any = None, detector: Any = None, signals: Any = None,
                   settings: PipelineSettings | None = None) -> AnalysisPipeline:
        """The pipeline for ``corpus``: its languages are a detector hint, its Serbian/Croatian/Bosnian
        answer sets the variants a reply can take."""
        bcms = tuple(lg for lg in BCMS_LANGUAGES if any(lg in e.answers for e in getattr(corpus, "entries", ())))
        languages = tuple(getattr(corpus, "languages", ()))
        if detector is None and settings is not None and settings.restrict_languages and languages:
            detector = LanguageDetector(languages=languages)
        return cls(embedder=embedder, index=index, detector=detector, signals=signals, settings=settings,
                   corpus_languages=languages, bcms_available=bcms)

    def warm_up(self) -> None:
        """Run one short message through every stage, so lazily loaded models load now."""
        self.run([MessageInput("Hello, where is my order?")], match=self.index is not None)

    # ---------------------------------------------------------------------------------- stages

    def prepare(self, text: Any) -> PreparedText:
        """Validate and clean one message (raises :class:`~replyassist.errors.InputError`)."""
        return prepare_message(text, max_chars=self.settings.max_message_chars)

    def _prepare_all(self, inputs: Sequence[MessageInput],
                     progress: ProgressFactory) -> list[PreparedText | ReplyAssistError]:
        out: list[PreparedText | ReplyAssistError] = []
        p = progress("prepare", len(inputs))
        for n, m in enumerate(inputs, 1):
            try:
                out.append(self.prepare(m.text))
            except ReplyAssistError as exc:
                out.append(exc)
            if n % 2000 == 0 or n == len(inputs):
                p(n)
        return out

    def detect(self, texts: Sequence[str], inputs: Sequence[MessageInput], *, cache: StageCacheLike | None = None,
               progress: Callable[..., None] | None = None,
               chunk_size: int | None = None) -> tuple[list[LanguageResult], list[VariantDecision | None]]:
        """The language of each cleaned text, with the message's hints; each distinct (text, hints)
        once (and once ever with a ``cache``); then the Serbian/Croatian/Bosnian variant step."""
        progress = progress or (lambda *a: None)
        det: Any = self.detector
        hints = [m.hints(self.corpus_languages) for m in inputs]
        if det is False:   # trust the message's own language value
            progress(len(texts))
            return [_given_result(h.customer_language or h.locale_language(), h.locale_script(), "hint")
                    for h in hints], [None] * len(texts)
        cid = component_id(det)
        keys = [_key(PIPELINE_VERSION, cid, t, h.customer_language or "", h.locale or "", ",".join(h.corpus_languages))
                for t, h in zip(texts, hints)]
        found: dict[str, LanguageResult] = {}
        if cache is not None:
            for k, v in cache.get_many("language-result", keys).items():
                r = _result_from_cache(v)
                if r is not None:
                    found[k] = r
        todo: dict[str, int] = {}
        count: dict[str, int] = {}
        for i, k in enumerate(keys):
            if k not in found:
                todo.setdefault(k, i)
                count[k] = count.get(k, 0) + 1
        pending = list(todo)
        done = len(texts) - sum(count.values())
        progress(done)
        step = chunk_size or max(1, len(pending))
        for s in range(0, len(pending), step):
            new: dict[str, LanguageResult] = {}
            for k in pending[s:s + step]:
                i = todo[k]
                if hasattr(det, "detect"):
                    new[k] = det.detect(texts[i], hints=hints[i])
                else:
                    r = det(texts[i])
                    lang, script = r if isinstance(r, tuple) else (r, None)
                    new[k] = _given_result(lang, script, "text")
                done += count[k]
            found.update(new)
            if cache is not None:
                cache.put_many("language-result", {k: _result_to_cache(r) for k, r in new.items()})
            progress(done)
        langs = [found[k] for k in keys]
        if not hasattr(det, "detect"):
            return langs, [None] * len(texts)
        # Serbian, Croatian or Bosnian, and the script: the variant a reply is written in
        variants: list[VariantDecision | None] = [
            resolve_variant(t, r, customer_language=m.customer_language, locale=m.locale,
                            available=self.bcms_available, default=self.settings.bcms_default)
            for t, r, m in zip(texts, langs, inputs)]
        langs = [r if v is None or v.decided_by == "not_bcms" or (v.language == r.language and v.script == r.script)
                 else replace(r, language=v.language, script=v.script or r.script)
                 for r, v in zip(langs, variants)]
        return langs, variants

    def encode(self, texts: Sequence[str], *, progress: Callable[..., None] | None = None,
               chunk_size: int = 2048) -> np.ndarray:
        """ONE encode call for all ``texts`` (the embedder batches inside; with ``progress``, an
        embedder without a progress callback is called per ``chunk_size`` texts instead)."""
        emb = self.embedder
        if not texts:
            return np.zeros((0, int(getattr(emb, "dim", 384))), dtype=np.float32)
        if progress is None:
            return np.asarray(emb.encode(list(texts)), dtype=np.float32)
        try:
            return np.asarray(emb.encode(list(texts), progress=progress), dtype=np.float32)
        except TypeError:  # an embedder without a progress callback: batch it here
            parts = []
            for s in range(0, len(texts), chunk_size):
                parts.append(np.asarray(emb.encode(list(texts[s:s + chunk_size])), dtype=np.float32))
                progress(min(len(texts), s + chunk_size))
            return np.concatenate(parts)

    def match(self, vectors: np.ndarray, texts: Sequence[str], languages: Sequence[str | None],
              parts: Sequence[int | None], *, chunk_size: int | None = None,
              progress: Callable[..., None] | None = None) -> list[Any]:
        """``index.search`` over the messages (``parts[i] is None``) and their sentences (``parts[i]``
        = the row of their message), message results first: one call per batch, or per
        ``chunk_size`` messages (with their sentences) to bound memory on huge logs."""
        if self.index is None:
            raise ConfigError(Errors.E076)
        n = sum(1 for p in parts if p is None)
        progress = progress or (lambda *a: None)
        if n == 0:
            return []
        owners = [p for p in parts[n:] if p is not None]
        with_parts = self._supports_parts()
        if not with_parts and owners:
            raise ConfigError(Errors.E077)
        if chunk_size is None or chunk_size >= n:
            kw: dict[str, Any] = {"parts": list(parts), "include_parts": True} if with_parts else {}
            out = list(self.index.search(vectors, texts=list(texts), languages=list(languages), **kw))
            progress(n)
            return out
        msg_res: list[Any] = []
        sent_res: list[Any] = []
        j0 = 0
        for s in range(0, n, chunk_size):
            e = min(n, s + chunk_size)
            j1 = j0
            while j1 < len(owners) and owners[j1] < e:
                j1 += 1
            rows = np.r_[np.arange(s, e), n + np.arange(j0, j1)].astype(np.int64)
            kw = ({"parts": [None] * (e - s) + [o - s for o in owners[j0:j1]], "include_parts": True}
                  if with_parts else {})
            res = self.index.search(vectors[rows], texts=[texts[r] for r in rows],
                                    languages=[languages[r] for r in rows], **kw)
            msg_res.extend(res[:e - s])
            sent_res.extend(res[e - s:])
            j0 = j1
            progress(e)
        return msg_res + sent_res

    def _supports_parts(self) -> bool:
        """Whether the index matches sentences as parts of their message (FaqIndex does)."""
        try:
            params = inspect.signature(self.index.search).parameters
        except (TypeError, ValueError):
            return True
        return "parts" in params or any(p.kind is p.VAR_KEYWORD for p in params.values())

    def analyze_signals(self, texts: Sequence[str], vectors: np.ndarray, languages: Sequence[str | None],
                        channels: Sequence[str | None], histories: Sequence[Sequence[str]], *,
                        cache: StageCacheLike | None = None, progress: Callable[..., None] | None = None,
                        chunk_size: int | None = None) -> tuple[list[Any], list[str | None]]:
        """Signals per message (one ``analyze`` call per batch); with a ``cache`` only the sentiment
        label is kept, per (analyzer, text, language, channel), and found labels are not recomputed."""
        progress = progress or (lambda *a: None)
        n = len(texts)
        with_history = any(histories)

        def run(idx: Sequence[int]) -> list[Any]:
            kw: dict[str, Any] = {"channels": [channels[i] for i in idx]}
            if with_history:
                kw["histories"] = [list(histories[i]) for i in idx]
            return list(self.signals.analyze([texts[i] for i in idx], vectors[np.asarray(idx, dtype=np.int64)]
                                             if len(idx) != n else vectors, [languages[i] for i in idx], **kw))
        if cache is None:
            step = chunk_size or max(1, n)
            sigs: list[Any] = []
            for s in range(0, n, step):
                sigs.extend(run(list(range(s, min(n, s + step)))))
                progress(min(n, s + step))
            return sigs, [_label(g) for g in sigs]
        sid = component_id(self.signals)
        keys = [_key(PIPELINE_VERSION, sid, t, lg or "", ch or "") for t, lg, ch in zip(texts, languages, channels)]
        found = cache.get_many("sentiment", keys)
        labels: list[str | None] = [found.get(k) for k in keys]
        out: list[Any] = [None] * n
        todo: dict[str, list[int]] = {}
        for i, k in enumerate(keys):
            if k not in found:
                todo.setdefault(k, []).append(i)
        reps = [v[0] for v in todo.values()]
        done = n - sum(len(v) for v in todo.values())
        progress(done)
        step = chunk_size or max(1, len(reps))
        for s in range(0, len(reps), step):
            part = reps[s:s + step]
            new: dict[str, str | None] = {}
            for i, g in zip(part, run(part)):
                new[keys[i]] = _label(g)
                for j in todo[keys[i]]:
                    out[j], labels[j] = g, new[keys[i]]
                done += len(todo[keys[i]])
            cache.put_many("sentiment", new)
            progress(done)
        return out, labels

    # ---------------------------------------------------------------------------------- the run

    def run(self, inputs: Sequence[MessageInput], *, prepared: Sequence[PreparedText | ReplyAssistError] | None = None,
            match: bool = True, signals: bool = True,
            signals_for: Callable[[list[MessageAnalysis]], Sequence[bool] | np.ndarray] | None = None,
            cache: StageCacheLike | None = None, progress: ProgressFactory | None = None,
            chunk_size: int | None = None, signal_errors: Literal["raise", "report"] = "raise") -> PipelineResult:
        """Analyse a batch: one :class:`MessageAnalysis` (or error) per input, in order.

        ``prepared``: the inputs already prepared (by :meth:`prepare`), errors in place;
        ``match=False``: no segmentation and no matching (only the message vectors);
        ``signals_for(analyses) -> mask``: signals only for those messages (after matching);
        ``cache``: per-text language and sentiment results kept across runs (resume);
        ``chunk_size``: language, matching and signals run per chunk of that many messages (the
        cache is written per chunk); ``signal_errors="report"``: a failing signals stage leaves
        ``signals=None`` and says why in :attr:`PipelineResult.signals_error` (else it raises).
        Every result depends on its message alone, never on the rest of the batch.
        """
        prog = progress or _no_progress
        t: dict[str, float] = {}
        t0 = time.perf_counter()
        preps = list(prepared) if prepared is not None else self._prepare_all(inputs, prog)
        if len(preps) != len(inputs):
            raise ConfigError(Errors.E078, n_inputs=len(inputs), n_preps=len(preps))
        t["prepare"] = time.perf_counter() - t0
        ok = [i for i, p in enumerate(preps) if isinstance(p, PreparedText)]
        msgs = [inputs[i] for i in ok]
        pts: list[PreparedText] = [preps[i] for i in ok]  # type: ignore[misc]
        n = len(ok)
        clean = [p.clean for p in pts]

        t0 = time.perf_counter()
        langs, variants = self.detect(clean, msgs, cache=cache, progress=prog("language", n), chunk_size=chunk_size)
        t["language"] = time.perf_counter() - t0

        # What is matched: the message without its greeting and sign-off, and (match_sentences) its
        # sentences; all encoded in ONE call. The message vectors also feed the signals.
        t0 = time.perf_counter()
        sentences = match and self.settings.match_sentences and self._supports_parts()
        all_texts, parts = segment_batch(clean, segments=sentences)
        if not match:
            all_texts, parts = all_texts[:n], parts[:n]
        vectors = self.encode(all_texts, progress=prog("encoding", n) if progress is not None else None,
                              chunk_size=chunk_size or 2048)
        t["encode"] = time.perf_counter() - t0

        t0 = time.perf_counter()
        found: list[Any] = []
        if match:
            all_langs = [r.language for r in langs] + [langs[p].language for p in parts[n:] if p is not None]
            found = self.match(vectors, all_texts, all_langs, parts, chunk_size=chunk_size,
                               progress=prog("matching", n))
        t["match"] = time.perf_counter() - t0
        sent_of: list[list[int]] = [[] for _ in range(n)]
        for j, p in enumerate(parts[n:]):
            if p is not None:
                sent_of[p].append(n + j)
        out = [MessageAnalysis(input=m, prepared=p, hints=m.hints(self.corpus_languages), language=r, variant=v,
                               matched_text=all_texts[k], vector=vectors[k], match=found[k] if found else None,
                               sentences=tuple(all_texts[j] for j in sent_of[k]),
                               sentence_matches=tuple(found[j] for j in sent_of[k]) if found else ())
               for k, (m, p, r, v) in enumerate(zip(msgs, pts, langs, variants))]

        t0 = time.perf_counter()
        signals_error = None
        if signals and self.signals is not False and n:
            inner = getattr(self.embedder, "inner", self.embedder)
            if signal_errors == "report" and getattr(inner, "head_compatible", True) is False:
                # the sentiment head was trained on e5 vectors; on others it is near chance
                signals_error = (f"the embedder {getattr(inner, 'model_id', '?')} gives vectors the sentiment "
                                 "head was not trained on (on them it is near chance, see "
                                 "benchmarks/results/static_embedder.md); use e5-small for negativity")
            else:
                sel = (np.nonzero(np.asarray(signals_for(out), dtype=bool))[0].tolist()
                       if signals_for is not None else list(range(n)))
                try:
                    sigs, labels = self.analyze_signals(
                        [pts[i].text for i in sel], vectors[np.asarray(sel, dtype=np.int64)] if len(sel) != n
                        else vectors[:n], [langs[i].language for i in sel], [msgs[i].channel for i in sel],
                        [msgs[i].history for i in sel], cache=cache, progress=prog("sentiment", len(sel)),
                        chunk_size=chunk_size)
                except (ReplyAssistError, ValueError, RuntimeError) as exc:
                    if signal_errors == "raise":
                        raise
                    signals_error = str(exc)
                else:
                    for i, g, lab in zip(sel, sigs, labels):
                        out[i] = replace(out[i], signals=g, sentiment=lab)
        t["signals"] = time.perf_counter() - t0

        analyses: list[MessageAnalysis | ReplyAssistError] = list(preps)  # type: ignore[arg-type]
        for i, a in zip(ok, out):
            analyses[i] = a
        return PipelineResult(analyses=analyses, vectors=vectors[:n], timings=t, signals_error=signals_error)


def _label(signals: Any) -> str | None:
    """The sentiment label of a Signals-like result (or of a bare sentiment, or a label)."""
    sent = getattr(signals, "sentiment", signals)
    return getattr(sent, "label", sent if isinstance(sent, str) else None)

