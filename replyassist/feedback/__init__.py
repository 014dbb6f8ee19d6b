"""The feedback store: what agents did with the suggestions, and learning from it.

One small interface (:class:`FeedbackStore`) with two backends, chosen by URL
(:func:`open_store`): SQLite, the embedded default (one file, WAL mode, safe with several service
workers), and PostgreSQL through psycopg 3 for teams with several service machines. The schema
is versioned (:mod:`replyassist.feedback._migrations`). Each :class:`FeedbackRecord` holds the
customer's message with personal data masked before it is stored, its language, the suggestion
shown, what the agent did, the final text, the chosen entry, the agent and the time. Retention
(:meth:`FeedbackStore.purge`) and CSV export (:meth:`FeedbackStore.export_csv`).

Learning (:mod:`replyassist.feedback.learning`): accepted and corrected choices become labelled
paraphrases of the matcher (per language), "no FAQ answers this" feeds the gap report, and the
store is a labelled test set for ``replyassist evaluate --feedback URL``.

>>> from replyassist.feedback import FeedbackRecord, open_store
>>> import tempfile, os
>>> store = open_store(os.path.join(tempfile.mkdtemp(), "fb.db"))
>>> rec = store.add(FeedbackRecord(message="Hol a csomagom? Kovács Anna, anna@pelda.hu", action="chose_other",
...                                language="hu", final_text="Kedves Anna! ...", chosen_faq_id="order-status",
...                                agent="mira"), names=["Kovács Anna"])
>>> store.get(rec.id).message
'Hol a csomagom? [NAME] [NAME], [EMAIL]'
"""
from ._migrations import LATEST as SCHEMA_VERSION
from ._record import ACTIONS, LEARNED_ACTIONS, FeedbackRecord, mask_personal_data
from ._store import CSV_COLUMNS, FeedbackStore, PostgresStore, QueueItem, SQLiteStore, open_store
from .learning import FeedbackLearner, VerdictIndex, feedback_gap_report, feedback_queries, learning_text

__all__ = ["FeedbackRecord", "FeedbackStore", "SQLiteStore", "PostgresStore", "QueueItem", "open_store",
           "ACTIONS", "LEARNED_ACTIONS", "CSV_COLUMNS", "SCHEMA_VERSION", "mask_personal_data", "FeedbackLearner",
           "VerdictIndex", "feedback_gap_report", "feedback_queries", "learning_text"]
