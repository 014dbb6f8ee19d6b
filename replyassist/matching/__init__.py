"""FAQ matching: find the FAQ entries that answer a message, with a calibrated confidence band.

The index (:class:`FaqIndex`, :mod:`.index`) encodes every paraphrase of the corpus once (in
batches, through the embedder it is given, with a progress bar), keeps the vectors on disk under
an explicit key (:mod:`.cache`: embedder, content hash of the texts, settings that change
vectors; the demo corpus's vectors ship with the package), and answers top-k queries for
*precomputed* message vectors (each message is encoded once per pipeline run, by the caller).

The parts, in the order a message meets them (measurements behind every choice: ``docs/matching.md``):

=====================  ===========================================================================
module                 what it does
=====================  ===========================================================================
:mod:`.settings`       :class:`MatchSettings`: ``top_k`` and the subsections ``bands``, ``scoring``,
                       ``index``, ``alignment``, ``second_opinion`` (flat keys still accepted)
:mod:`.cache`          the vector cache, the shipped demo vectors, the progress bar
:mod:`.alignment`      per-language maps applied first: the shipped cross-lingual alignment (a message
                       in a language the corpus lacks is moved towards where its English translation
                       would be), then the mean shift learned by :meth:`FaqIndex.adapt`
:mod:`.scoring`        corpus-trained whitening, then per entry ``centroid_weight * cos(centroid) +
                       (1 - centroid_weight) * cos(nearest paraphrase)`` plus a softmax head trained on
                       the corpus's whitened paraphrases; after :meth:`FaqIndex.learn_from_log` the
                       paraphrases include pseudo-labelled messages of a log
:mod:`.keywords`       a keyword (BM25) boost when the message ``texts`` are given
:mod:`.second_opinion` a message in a language the second embedder reads (default the English
                       all-MiniLM-L6-v2 for ``en``) is also scored in that model's space; the two
                       scores are averaged
:mod:`.calibration`    **confidence** = probability that the top entry is right, from a calibration
                       fitted on the corpus's own paraphrases (5-fold cross-fitting)
:mod:`.bands`          the band model: ``P(answerable)`` and ``P(right)`` from features that mean the
                       same on every corpus, incl. key-content coverage
:mod:`.decision`       the **band**, a pure function: ``confident`` / ``suggest`` / ``no_match`` from
                       the confidence, the no-match similarity gate (lowered across languages) and
                       the known-gap exclusion
:mod:`.results`        :class:`Match`, :class:`MatchResult`
:mod:`.index`          :class:`FaqIndex`, which composes all of the above
=====================  ===========================================================================

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

from .alignment import LanguageMap
from .calibration import DEFAULT_CALIBRATION
from .decision import BANDS, Band
from .index import DEFAULT_MIN_SIMILARITY, SECOND_MIN_COVERAGE, FaqIndex
from .results import Match, MatchResult
from .settings import (AlignmentSettings, BandSettings, IndexSettings, MatchSettings, ScoringSettings,
                       SecondOpinionSettings)

__all__ = ["MatchSettings", "Match", "MatchResult", "FaqIndex", "LanguageMap", "BANDS", "Band",
           "BandSettings", "ScoringSettings", "IndexSettings", "AlignmentSettings", "SecondOpinionSettings",
           "DEFAULT_CALIBRATION", "DEFAULT_MIN_SIMILARITY", "SECOND_MIN_COVERAGE"]
