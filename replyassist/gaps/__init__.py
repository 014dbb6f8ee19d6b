"""FAQ-gap analysis over a log of real customer messages.

What do people ask that the FAQ does not answer, in which languages, and what to write first:
coverage (overall, per language, channel, period), gaps (unanswered messages grouped into
topics across languages, ranked), language gaps (answered, but not in the customer's language)
and an FAQ stub per gap. Reports: self-contained HTML, JSON, CSV; personal data masked.

>>> from replyassist.gaps import analyze_gaps, GapSettings
>>> report = analyze_gaps("examples/messages_log.csv", "faq_corpus/shop",
...                       settings=GapSettings(min_gap_size=3))          # doctest: +SKIP
>>> report.write("gap-report/")                                          # doctest: +SKIP

Command line: ``replyassist gaps MESSAGES --corpus DIR --out REPORT_DIR`` (see :func:`run_gaps_cli`).
"""
from ._analysis import BANDS, Coverage, Gap, GapReport, GapSettings, LanguageGap, MessageOutcome, analyze_gaps
from ._cli import add_gaps_arguments, run_gaps_cli
from ._cluster import center_by_language, cluster_vectors
from ._html import render_html, write_html
from ._io import BadRow, MessageLog, MessageRow, read_messages
from ._keywords import STOPWORDS, cluster_keywords, tokenize
from ._writers import write_csv, write_json

__all__ = ["analyze_gaps", "GapReport", "GapSettings", "Gap", "LanguageGap", "Coverage", "MessageOutcome", "BANDS",
           "read_messages", "MessageLog", "MessageRow", "BadRow", "cluster_vectors", "center_by_language",
           "cluster_keywords", "tokenize", "STOPWORDS", "write_html", "render_html", "write_json", "write_csv",
           "run_gaps_cli", "add_gaps_arguments"]
