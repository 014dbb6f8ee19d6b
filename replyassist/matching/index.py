"""The FAQ index: a corpus's paraphrases encoded once, and :meth:`FaqIndex.search` over message vectors.

See the package docstring (:mod:`replyassist.matching`) for how a message is scored; this module
composes the parts: the vectors (:mod:`.cache`), the scorer (:mod:`.scoring`), the calibration
(:mod:`.calibration`), the keyword boost (:mod:`.keywords`), the cross-lingual maps
(:mod:`.alignment`), the second opinion (:mod:`.second_opinion`), the band model (:mod:`.bands`)
and the band decision (:mod:`.decision`).
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Literal, Sequence

import numpy as np

from ..errors import ConfigError, CorpusError, Errors, InputError, Problem
from .alignment import AlignmentSet, LanguageMap, load_alignment
from .bands import BandModel, CoverageIndex, band_features
from .cache import Progress, Source, VectorCache, VectorKey, atomic_write, slug, texts_hash
from .calibration import DEFAULT_CALIBRATION, MIN_CALIBRATION_ITEMS, Calibrator, cross_fit, fit_coef
from .decision import band_decision, no_match_gate
from .keywords import KeywordIndex
from .results import BANDS, Match, MatchResult
from .scoring import EntryScorer, blas_threads, closest, l2_normalise
from .scope import ScopeTest, load_or_fit_scope
from .second_opinion import SecondOpinion, fuse_extra, resolve_second_embedder, second_model_key
from .settings import MatchSettings

__all__ = ["FaqIndex", "DEFAULT_MIN_SIMILARITY", "SECOND_MIN_COVERAGE", "BANDS"]

#: No-match gate when the corpus is too small to learn one (e.g. one question per entry), per
#: embedder family: the gates learned on the development corpora (Banking77, CLINC150, xSID,
#: the demo shop) were 0.88-0.89 for e5-small; the fallback sits just below them.
DEFAULT_MIN_SIMILARITY = {"e5-small": 0.875}
#: Version of the fitted-calibration files (``*.json`` in the cache folder).
_INDEX_FORMAT = 8
#: The second opinion needs questions in its languages in at least this share of the entries
#: (the others keep their e5 score).
SECOND_MIN_COVERAGE = 0.5


def _is_cyrillic(text: str) -> bool:
    return any("\u0400" <= ch <= "\u04ff" for ch in text)


def _without_diacritics(text: str) -> bool:
    """A Serbian Latin line typed without diacritics: it has c, s or z but none of č ć š ž đ."""
    low = text.lower()
    return not any(ch in low for ch in "čćšžđ") and any(ch in low for ch in "csz")


def cyrillic_copy(text: str) -> str | None:
    """The Serbian Cyrillic form of a Latin-script Serbian question, or ``None`` when there is none to
    add: already Cyrillic, unchanged, or a chat line typed without diacritics ("porucio sam, racun nije
    stigao": its c, s, z stand for č/ć, š, ž, and a copy would be wrong Cyrillic, "поруцио", "рацун").

    >>> cyrillic_copy("Gde je moja porudžbina?")
    'Где је моја поруџбина?'
    >>> cyrillic_copy("gde je moja porudzbina") is None
    True
    """
    from ..drafting.script import latin_to_cyrillic  # public helper, imported lazily
    if _is_cyrillic(text) or _without_diacritics(text):
        return None
    cyr = latin_to_cyrillic(text)
    return cyr if cyr != text else None


def _add_cyrillic(texts: list[str], langs: list[str], owner: list[int]) -> tuple[list[str], list[str], list[int]]:
    """Append the Cyrillic copy (:func:`cyrillic_copy`) of every Latin-script Serbian paraphrase (same
    entry, language ``sr``)."""
    seen = set(texts)
    t2, l2, o2 = list(texts), list(langs), list(owner)
    for text, lang, own in zip(texts, langs, owner):
        cyr = cyrillic_copy(text) if lang == "sr" else None
        if cyr is not None and cyr not in seen:
            seen.add(cyr)
            t2.append(cyr)
            l2.append("sr")
            o2.append(own)
    return t2, l2, o2


def corpus_texts(corpus: Any, *, serbian_cyrillic: bool = True
                 ) -> tuple[tuple[Any, ...], list[str], list[str], list[int]]:
    """``(entries, texts, languages, owner)``: the questions an index of ``corpus`` encodes, in order
    (per entry, per language in sorted order; plus the Cyrillic copies of Serbian ones when
    ``serbian_cyrillic``), each with its language and the number of its entry in ``entries`` (the
    corpus's entries that have a question). Raises :class:`~replyassist.errors.CorpusError` for a
    corpus without questions."""
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
                          entry=Errors.E201)
    if serbian_cyrillic and "sr" in langs:
        texts, langs, owner = _add_cyrillic(texts, langs, owner)
    present = sorted(set(owner))
    if len(present) < len(entries):  # entries without any question cannot be matched
        remap = {e: k for k, e in enumerate(present)}
        entries = tuple(entries[e] for e in present)
        owner = [remap[o] for o in owner]
    return entries, texts, langs, owner


def negative_texts(corpus: Any, entries: Sequence[Any], *, serbian_cyrillic: bool = True
                   ) -> tuple[list[str], list[int], dict[int, str]]:
    """``(texts, owner, topic)``: the questions an entry does NOT answer (its ``not_questions``;
    owner = the entry's number) and the corpus's known gaps (``not_answered`` in corpus.yaml;
    owner -1, ``topic[position]`` = the gap's topic), with Cyrillic copies of Serbian ones
    (:func:`cyrillic_copy`)."""
    def forms(text: str, lang: str) -> list[str]:
        cyr = cyrillic_copy(text) if lang == "sr" and serbian_cyrillic else None
        return [text] if cyr is None else [text, cyr]

    neg_texts: list[str] = []
    neg_owner: list[int] = []
    for k, e in enumerate(entries):
        for lang in sorted(getattr(e, "not_questions", {}) or {}):
            for t in e.not_questions[lang]:
                if isinstance(t, str) and t.strip():
                    for v in forms(t, lang):
                        neg_texts.append(v)
                        neg_owner.append(k)
    # the corpus's known gaps: they count against every entry (owner -1)
    topic: dict[int, str] = {}
    for name, by_lang in sorted((getattr(corpus, "not_answered", None) or {}).items()):
        for lang in sorted(by_lang):
            for t in by_lang[lang]:
                if isinstance(t, str) and t.strip():
                    for v in forms(t, lang):
                        topic[len(neg_texts)] = name
                        neg_texts.append(v)
                        neg_owner.append(-1)
    return neg_texts, neg_owner, topic


def second_vector_key(name: str, texts: Sequence[str], languages: Sequence[str], settings: MatchSettings
                      ) -> tuple[VectorKey, list[str]]:
    """``(key, texts)`` of the second embedder ``name``'s vectors: the questions in the languages it reads."""
    read = set(settings.second_opinion.languages)
    chosen = [t for t, lg in zip(texts, languages) if lg in read]
    return (VectorKey.of(second_model_key(name), chosen, kind="second",
                         settings={"batch_size": settings.index.batch_size}), chosen)


def vector_keys(corpus: Any, model_id: str, settings: MatchSettings | None = None
                ) -> dict[str, tuple[VectorKey, list[str]]]:
    """The vector sets an index of ``corpus`` reads, without encoding anything: ``{"questions": (key,
    texts), "not_questions": ..., "second": ...}`` (``not_questions`` only when the corpus has such
    questions or known gaps; ``second`` only when a second embedder is configured and installed and
    the corpus has questions in its languages). Used to ship and to check the demo corpus's vectors."""
    s = settings if settings is not None else MatchSettings()
    cyr = s.index.serbian_cyrillic
    vs = {"serbian_cyrillic": cyr, "batch_size": s.index.batch_size}
    entries, texts, langs, _ = corpus_texts(corpus, serbian_cyrillic=cyr)
    out = {"questions": (VectorKey.of(model_id, texts, kind="questions", settings=vs), texts)}
    neg, _, _ = negative_texts(corpus, entries, serbian_cyrillic=cyr)
    if neg:
        out["not_questions"] = (VectorKey.of(model_id, neg, kind="not_questions", settings=vs), neg)
    name = resolve_second_embedder(s.second_opinion.embedder)[0]
    if name is not None:
        key, chosen = second_vector_key(name, texts, langs, s)
        if chosen:
            out["second"] = (key, chosen)
    return out


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
            raise InputError(Errors.E139, i=i, p=p)
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

    ``cache_dir`` defaults to ``replyassist.embeddings.default_cache_dir() / "index"``. The vectors
    are stored under an explicit key (embedder ``model_id``, the content hash of the texts encoded,
    the settings that change vectors: :class:`~replyassist.matching.cache.VectorKey`), the fitted
    calibration under the corpus's ``content_hash`` and the scoring settings, so a changed corpus,
    embedder or setting never reads stale data, and going back to an earlier corpus reads its
    vectors again. ``cache_dir=False`` keeps nothing on disk. Vectors shipped with the package (the
    demo corpus) are used when their key matches. ``progress``: a progress bar on standard error
    while the corpus is encoded (``None``: as ``settings.index.progress`` says, by default only
    when standard error is a terminal; ``False``: never; or a callable ``(done, total)``).

    >>> index = FaqIndex(corpus, emb, MatchSettings(top_k=3))          # doctest: +SKIP
    >>> r = index.search(emb.encode(["When do you open?"]))[0]          # doctest: +SKIP
    >>> r.matches[0].faq_id, r.band in BANDS                            # doctest: +SKIP
    ('hours', True)
    """

    def __init__(self, corpus: Any, embedder: Any, settings: MatchSettings | None = None,
                 cache_dir: Path | str | None | Literal[False] = None, *, progress: Progress = None) -> None:
        self.corpus = corpus
        self.embedder = embedder
        self.settings = settings if settings is not None else MatchSettings()
        if not isinstance(self.settings, MatchSettings):
            raise ConfigError(Errors.E524, settings_type=type(self.settings).__name__)
        cyrillic = self.settings.index.serbian_cyrillic
        entries, texts, langs, owner = corpus_texts(corpus, serbian_cyrillic=cyrillic)
        self.entries = entries
        self.texts = texts
        self.languages = langs
        self.para_entry = np.asarray(owner, dtype=np.int64)
        self.model_id = str(getattr(embedder, "model_id", type(embedder).__name__))
        self.content_hash = str(getattr(corpus, "content_hash", "") or texts_hash(texts))
        self.cache = VectorCache(cache_dir)
        if progress is None and self.settings.index.progress != "auto":
            progress = self.settings.index.progress == "always"
        self._progress: Progress = progress
        #: The settings that change the vectors (part of every vector key).
        self._vector_settings = {"serbian_cyrillic": cyrillic, "batch_size": self.settings.index.batch_size}
        #: The key of the paraphrase vectors (:attr:`cache_path` is its file).
        self.vector_key = VectorKey.of(self.model_id, texts, kind="questions", settings=self._vector_settings)
        #: Where the paraphrase vectors came from: ``"cache"``, ``"shipped"`` or ``"encoded"``.
        self.vectors_source: Source
        self.para_vecs, self.vectors_source = self._vectors(self.vector_key, self.texts, embedder.encode,
                                                            f"Encoding the FAQ corpus ({len(texts)} questions, "
                                                            "first run only)")
        #: ``from_cache``: True when the paraphrase vectors were read, not encoded (cache or shipped).
        self.from_cache = self.vectors_source != "encoded"
        # Questions an entry does NOT answer (``not_questions``) and the corpus's known gaps (``not_answered``)
        neg_texts, neg_owner, self.not_topic = negative_texts(corpus, self.entries, serbian_cyrillic=cyrillic)
        self.not_texts = neg_texts
        self.not_entry = np.asarray(neg_owner, dtype=np.int64)
        self.not_vecs = np.zeros((0, self.para_vecs.shape[1]), dtype=np.float32)
        if neg_texts:
            key = VectorKey.of(self.model_id, neg_texts, kind="not_questions", settings=self._vector_settings)
            self.not_vecs, _ = self._vectors(key, neg_texts, embedder.encode,
                                             f"Encoding the questions the FAQ does not answer ({len(neg_texts)})")
        self.dim = int(self.para_vecs.shape[1])
        s = self.settings
        groups = {g: k for k, g in enumerate(sorted({self._group(t, lg) for t, lg in zip(texts, langs)}))}
        self.para_group = np.array([groups[self._group(t, lg)] for t, lg in zip(self.texts, self.languages)])
        sc = s.scoring
        self._scorer_kw: dict[str, Any] = dict(
            centroid_weight=sc.centroid_weight, whiten=sc.whiten, shrinkage=sc.shrinkage, candidates=sc.candidates,
            candidate_dims=sc.candidate_dims, para_group=self.para_group, head_weight=sc.head_weight,
            head_steps=sc.head_steps, head_max_entries=sc.head_max_entries)
        with blas_threads(s.index.blas_threads):
            self.scorer = EntryScorer(self.para_vecs, self.para_entry, len(entries), **self._scorer_kw)
        #: The scorer on the corpus's own paraphrases only (``scorer`` also holds the pseudo-labelled
        #: messages after :meth:`learn_from_log`); the no-match similarity is always measured here.
        self.base_scorer = self.scorer
        #: Messages added as pseudo-paraphrases by :meth:`learn_from_log` (0 until it is called).
        self.log_paraphrases = 0
        #: The keyword (BM25) index over each entry's paraphrases and tags (``None`` when switched off).
        self.keywords: KeywordIndex | None = None
        if sc.keyword_weight > 0:
            self.keywords = self._keyword_index(np.arange(len(self.texts)))
        #: Words each entry is asked with (key-content check of the band decision).
        self.coverage = CoverageIndex([list(e.tags) + [self.texts[p] for p in np.flatnonzero(self.para_entry == k)]
                                       for k, e in enumerate(entries)])
        #: The band model (``None``: bands from the calibrated confidence and the similarity gate).
        self.bands: BandModel | None = None
        if s.bands.model == "default":
            self.bands = BandModel.default()
        elif s.bands.model is not None:
            self.bands = BandModel.load(s.bands.model)
        self._entry_languages: list[set[str]] = [set() for _ in entries]
        for own, lg in zip(self.para_entry, self.languages):
            self._entry_languages[own].add(lg)
        #: The second opinion (``None`` when off or not applicable; ``second_status`` says why).
        self.second: SecondOpinion | None = None
        self.second_status = ""
        #: Paraphrase number -> row of the second model's vectors (-1: a language it does not read).
        self._second_pos = np.full(len(self.texts), -1, dtype=np.int64)
        #: Entries the second embedder cannot score (no question in its languages): e5 score only.
        self._second_uncovered = np.zeros(0, dtype=np.int64)
        with blas_threads(s.index.blas_threads):
            self.second, self.second_status = self._build_second()
        #: Per-language maps applied to message vectors (see :meth:`adapt`).
        self.language_maps: dict[str, LanguageMap] = {}
        #: The cross-lingual alignment set in use (``None`` when ``language_alignment`` is off) and
        #: the message languages whose map applies to this corpus (see ``alignment_when``).
        self.alignment: AlignmentSet | None = None
        self.aligned_languages: frozenset[str] = frozenset()
        if s.alignment.maps is not None:
            self.alignment = load_alignment(s.alignment.maps)
        if self.alignment is not None and self.alignment.fits(self.model_id):
            corpus_langs = set(self.languages)
            self.aligned_languages = frozenset(
                lg for lg in self.alignment.languages()
                if lg != "en" and (s.alignment.when == "always"
                                   or (lg not in corpus_langs and self.alignment.source_of(lg) not in corpus_langs)))
        fit = self._load_or_fit_calibration()
        self.calibrator = Calibrator(tuple(fit["coef"]))
        #: Calibration of the averaged scores (messages with a second opinion); the e5 one without.
        self.second_calibrator = Calibrator(tuple(fit.get("second_coef") or fit["coef"]))
        self.learned_min_similarity: float | None = fit["min_similarity"]
        #: Cross-fitted self-test on the corpus's own paraphrases: ``{"items", "accuracy", ...}``.
        self.self_test: dict[str, Any] = fit["self_test"]
        so_test = self.self_test.get("second_opinion")
        if self.second is not None and s.second_opinion.when == "helps" and so_test \
                and so_test["items"] >= MIN_CALIBRATION_ITEMS and so_test["accuracy"] <= so_test["accuracy_without"]:
            self.second = None
            self.second_status = (f"off on this corpus (second_when = helps): on its held-out English paraphrases "
                                  f"it scored {so_test['accuracy']:.3f} against {so_test['accuracy_without']:.3f} "
                                  f"without ({so_test['items']} items)")
        #: The scope test (``bands.scope_test``; ``None`` when off or not fitted): matching/scope.py.
        self.scope: ScopeTest | None = load_or_fit_scope(self) if s.bands.scope_test else None

    def _build_second(self) -> tuple[SecondOpinion | None, str]:
        s = self.settings.second_opinion
        name, why = resolve_second_embedder(s.embedder)
        if name is None:
            return None, why
        if len(self.entries) > s.max_entries:
            return None, f"off: {len(self.entries)} entries is more than second_max_entries ({s.max_entries})"
        if s.weight == 0:
            return None, "off: second_weight is 0"
        langs = set(s.languages)
        covered = np.array([lg in langs for lg in self.languages])
        missing = [e.id for k, e in enumerate(self.entries) if not covered[self.para_entry == k].any()]
        where = "/".join(sorted(langs))
        large = len(self.entries) > 4 * self.settings.scoring.candidates
        if missing and (large or len(missing) > len(self.entries) * (1.0 - SECOND_MIN_COVERAGE)):
            need = "every entry (a large corpus)" if large else f"at least {SECOND_MIN_COVERAGE:.0%} of the entries"
            return None, (f"off: {len(missing)} of {len(self.entries)} entries have no question in {where} "
                          f"(e.g. {missing[0]!r}); the second embedder needs one in {need}")
        gone = set(missing)
        self._second_uncovered = np.array([k for k, e in enumerate(self.entries) if e.id in gone], np.int64)
        paras = np.flatnonzero(covered)
        self._second_pos[paras] = np.arange(len(paras))
        key, texts = second_vector_key(name, self.texts, self.languages, self.settings)
        assert len(texts) == len(paras)
        holder: dict[str, Any] = {}

        def embedder() -> Any:
            if "emb" not in holder:
                from ..embeddings import CachedEmbedder, get_embedder
                emb = get_embedder(name)
                # a caching main embedder (batch jobs, benchmarks): cache the second model's vectors too
                if isinstance(self.embedder, CachedEmbedder):
                    emb = CachedEmbedder(emb, self.embedder.path)
                holder["emb"] = emb
            return holder["emb"]

        vecs, _ = self._vectors(key, texts, lambda t: embedder().encode(t),
                                f"Encoding the FAQ questions for the second opinion ({len(texts)}, {name})")
        kw = {k: v for k, v in self._scorer_kw.items() if k != "para_group"}
        return (SecondOpinion(vecs, self.para_entry[paras], len(self.entries), encode=lambda t: embedder().encode(t),
                              languages=tuple(sorted(langs)), weight=s.weight, name=name, **kw),
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
        w = self.settings.scoring.keyword_weight
        return [(e, v * w) for e, v in kw.scores(texts)]

    @staticmethod
    def _group(text: str, lang: str) -> str:
        return f"{lang}-Cyrl" if lang == "sr" and _is_cyrillic(text) else lang

    # -- vectors ---------------------------------------------------------------------------

    @property
    def cache_path(self) -> Path | None:
        """The ``.npz`` file of the paraphrase vectors in the cache folder (``None`` without a cache)."""
        return self.cache.path_for(self.vector_key)

    def _vectors(self, key: VectorKey, texts: list[str], encode: Any, label: str) -> tuple[np.ndarray, Source]:
        """``(vectors of texts, where from)``: cached or shipped under ``key``, else encoded (in batches,
        with the progress bar) and cached."""
        return self.cache.load_or_encode(key, texts, encode, batch_size=self.settings.index.batch_size,
                                         progress=self._progress, label=label)

    # -- calibration -----------------------------------------------------------------------

    def _calibration_name(self) -> str:
        """The file name of the fitted calibration: embedder, corpus ``content_hash`` (the fit depends
        on the whole corpus: entries, tags), the vector key, the scoring settings and the second
        opinion's state before the fit (on/off, which entries it covers)."""
        second = "" if self.second is None else "-s" + hashlib.sha1(
            f"{self.second.name}|{self._second_uncovered.tolist()}".encode()).hexdigest()[:6]
        base = f"{slug(self.model_id)}-{slug(self.content_hash)}-{self.vector_key.digest()[:8]}"
        return f"{base}-{self.settings._scoring_key()}{second}.json"

    @staticmethod
    def _read_calibration(path: Path) -> dict[str, Any] | None:
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
                              stacklevel=3)
        except (OSError, ValueError, AttributeError):  # AttributeError: the JSON is not an object
            pass
        return None

    def _load_or_fit_calibration(self) -> dict[str, Any]:
        """The fitted calibration from the cache folder, else shipped (the demo corpus), else fitted
        now (and cached)."""
        #: The file name of the fitted calibration (in the cache folder or shipped).
        self.calibration_file = name = self._calibration_name()
        path = None if self.cache.dir is None else self.cache.dir / name
        for where in (path, None if self.cache.shipped_dir is None else self.cache.shipped_dir / name):
            if where is not None and where.is_file():
                data = self._read_calibration(where)
                if data is not None:
                    return data
        data = self._fit_calibration()
        if path is not None:
            blob = json.dumps(data, indent=1).encode("utf-8")
            atomic_write(path, lambda fh: fh.write(blob))
        return data

    def _fit_calibration(self) -> dict[str, Any]:
        def keyword_scores(train: np.ndarray, test: np.ndarray) -> Any:
            return self._keyword_extra(self._keyword_index(train), [self.texts[t] for t in test.tolist()])

        extra_fn = keyword_scores if self.settings.scoring.keyword_weight > 0 else None
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

        with blas_threads(self.settings.index.blas_threads):
            top, second, sim, correct = cross_fit(self.para_vecs, self.para_entry, len(self.entries),
                                                  extra_fn=extra_fn, on_fold=with_second if so is not None else None,
                                                  sim_k=self.settings.top_k, **self._scorer_kw)
        coef = self._fit_coef(top, second, correct)
        min_sim = (float(np.quantile(sim, self.settings.bands.no_match_quantile))
                   if len(sim) >= MIN_CALIBRATION_ITEMS else None)
        out: dict[str, Any] = {"format": _INDEX_FORMAT, "coef": [float(c) for c in coef[0]], "source": coef[1],
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
        return fit_coef(top, second, correct, calibrate=self.settings.scoring.calibrate, fallback=fallback)

    @property
    def min_similarity(self) -> float | None:
        """The no-match gate in use: the setting, else the one learned from the corpus, else the
        embedder's default (``DEFAULT_MIN_SIMILARITY``), else ``None`` (no gate)."""
        if self.settings.bands.min_similarity is not None:
            return float(self.settings.bands.min_similarity)
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
            raise InputError(Errors.E140, n_languages=len(languages), n_q=len(q))
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
            raise InputError(Errors.E150, shape=q.shape)
        if q.shape[1] != self.dim:
            raise InputError(Errors.E151, got_dim=q.shape[1], model_id=self.model_id, dim=self.dim)
        if not np.isfinite(q).all():
            raise InputError(Errors.E153)
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
                raise InputError(Errors.E152, name=name, n_seq=len(seq), n=n)
        owner = _parts_owner(parts, n)
        if n == 0:
            return []
        segmented = bool((owner >= 0).any())
        with blas_threads(self.settings.index.blas_threads):
            q = self._apply_maps(q, languages)
            k = min(max(self.settings.top_k, 2), len(self.entries))
            if segmented:   # every entry a segment or its message might rank (exact on small corpora)
                k = min(len(self.entries), max(k, 64))
            extra = self._keyword_extra(self.keywords, texts)
            # messages the second embedder reads: scores averaged with its own (second_opinion.py)
            rows = self.second.rows(texts, languages) if self.second is not None else np.zeros(0, np.int64)
            v2: np.ndarray | None = None   # the second model's vectors of those rows (for the scope test)
            scale = np.ones(n, dtype=np.float32)
            offset = np.zeros(n, dtype=np.float32)
            if len(rows):
                assert self.second is not None and texts is not None
                v2 = self.second.encode_messages([texts[i] for i in rows.tolist()])
                s2, floor = self.second.vector_scores(v2)
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
        scope = (self.scope.search_p_values(self, sim, ents[:, :kk], rows, v2, owner, languages)
                 if self.scope is not None else None)   # the scope test (scope.py), when on
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
                pa = float(self.bands.p_answerable(f)[0])
                decided = band_decision(float(self.bands.p_right(f)[0]), similarity=float(sim[i]), gate=gate,
                                        settings=self.settings.bands, answerable=pa, held_back=i in excluded,
                                        scope=None if scope is None else scope[i])
            else:
                decided = band_decision(float(conf[i]), similarity=float(sim[i]), gate=gate,
                                        settings=self.settings.bands, held_back=i in excluded,
                                        scope=None if scope is None else scope[i])
                pa = 1.0
            band, c = decided
            out.append(MatchResult(matches=matches, band=band, confidence=c, similarity=float(sim[i]),
                                   answerable=pa, features=tuple(features),
                                   scope=None if scope is None else scope[i],
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
                    out[i] = (self.not_texts[int(negs[closest(nsim.max(axis=0))])], None)
                    continue
            if len(gaps):
                near = [int(x) for x in ents[i, :3]]
                pos = max(float((qn[rows] @ self.para_vecs[self.para_entry == x].T).max()) for x in near)
                gsim = qn[rows] @ self.not_vecs[gaps].T
                if float(gsim.max()) > pos + self.settings.bands.known_gap_margin:
                    j = int(gaps[closest(gsim.max(axis=0))])
                    out[i] = (self.not_texts[j], self.not_topic[j])
        return out

    def _gate(self, entry: int, language: str | None) -> float | None:
        """The no-match similarity gate for a message whose top entry is ``entry``: lowered by
        ``cross_lingual_margin`` when the entry has no paraphrase in the message's language."""
        return no_match_gate(self.min_similarity, language=language, entry_languages=self._entry_languages[entry],
                             cross_lingual_margin=self.settings.bands.cross_lingual_margin)

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
            paras[i, j] = base.order[a + closest(base.para_z[a:a + base.counts[e]] @ z[row[i]])]
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
            raise InputError(Errors.E141, n_languages=len(languages), n_q=len(q))
        if isinstance(keep, bool) or not isinstance(keep, (int, float)) or not 0.0 < float(keep) <= 1.0:
            raise InputError(Errors.E142, keep=keep)
        if isinstance(max_messages, bool) or not isinstance(max_messages, int) or max_messages < 1:
            raise InputError(Errors.E143, max_messages=max_messages)
        self.scorer, self.log_paraphrases = self.base_scorer, 0
        if len(q) == 0 or len(self.entries) < 2:
            return 0
        n_keep = int(round(float(keep) * min(len(q), max_messages)))
        if n_keep == 0:
            return 0
        with blas_threads(self.settings.index.blas_threads):
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
                "scope_test": None if self.scope is None else {"held_out": len(self.scope.stats.main),
                                                               "held_out_second": len(self.scope.stats.both)},
                "log_paraphrases": self.log_paraphrases,
                "second_opinion": {"embedder": None if self.second is None else self.second.name,
                                   "status": self.second_status,
                                   "calibration": None if self.second is None else list(self.second_calibrator.coef)},
                "language_alignment": None if self.alignment is None else
                {"set": self.alignment.name, "version": self.alignment.version,
                 "applies_to": sorted(self.aligned_languages)},
                "settings": self.settings.to_dict()}
