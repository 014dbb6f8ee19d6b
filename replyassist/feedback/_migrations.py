"""Versioned schema of the feedback store, the same for SQLite and PostgreSQL.

Each migration has a number and its statements per dialect; a store applies, in one transaction
each and in order, every migration above the version it records in ``schema_version``. Two
processes starting at once do not both migrate: SQLite takes the write lock first
(``BEGIN IMMEDIATE``), PostgreSQL a transaction-level advisory lock. A store whose recorded
version is newer than the last migration here is refused (``E703``: upgrade replyassist), so an
old worker never writes into a schema it does not know.

Adding a migration: append ``Migration(N + 1, "what", {"sqlite": [...], "postgresql": [...]})``;
never edit one that has shipped.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Sequence

__all__ = ["Migration", "MIGRATIONS", "LATEST"]


@dataclass(frozen=True)
class Migration:
    version: int
    description: str
    statements: Mapping[str, Sequence[str]]


_FEEDBACK_COLUMNS = """
    message TEXT NOT NULL,
    action TEXT NOT NULL,
    language TEXT,
    script TEXT,
    channel TEXT,
    agent TEXT,
    suggested_faq_id TEXT,
    suggested_band TEXT,
    suggested_confidence DOUBLE PRECISION,
    suggested_text TEXT,
    final_text TEXT,
    chosen_faq_id TEXT,
    corpus TEXT,
    message_id TEXT,
    extra TEXT NOT NULL DEFAULT '{}'
"""

MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "feedback records", {
        "sqlite": [
            "CREATE TABLE feedback (id INTEGER PRIMARY KEY AUTOINCREMENT, created_at TEXT NOT NULL,"
            + _FEEDBACK_COLUMNS + ")",
            "CREATE INDEX feedback_created ON feedback (created_at)",
        ],
        "postgresql": [
            "CREATE TABLE feedback (id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, "
            "created_at TIMESTAMPTZ NOT NULL," + _FEEDBACK_COLUMNS + ")",
            "CREATE INDEX feedback_created ON feedback (created_at)",
        ]}),
    Migration(2, "work queue; corpus content hash and queue item on each record", {
        "sqlite": [
            "ALTER TABLE feedback ADD COLUMN corpus_hash TEXT",
            "ALTER TABLE feedback ADD COLUMN queue_id INTEGER",
            "CREATE INDEX feedback_action ON feedback (action, id)",
            "CREATE TABLE queue (id INTEGER PRIMARY KEY AUTOINCREMENT, created_at TEXT NOT NULL, "
            "status TEXT NOT NULL DEFAULT 'open', payload TEXT, preview TEXT NOT NULL, language TEXT, "
            "channel TEXT, claimed_by TEXT, claimed_at TEXT, done_at TEXT, external_id TEXT)",
            "CREATE INDEX queue_status ON queue (status, id)",
        ],
        "postgresql": [
            "ALTER TABLE feedback ADD COLUMN corpus_hash TEXT",
            "ALTER TABLE feedback ADD COLUMN queue_id BIGINT",
            "CREATE INDEX feedback_action ON feedback (action, id)",
            "CREATE TABLE queue (id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, created_at TIMESTAMPTZ NOT NULL, "
            "status TEXT NOT NULL DEFAULT 'open', payload TEXT, preview TEXT NOT NULL, language TEXT, "
            "channel TEXT, claimed_by TEXT, claimed_at TIMESTAMPTZ, done_at TIMESTAMPTZ, external_id TEXT)",
            "CREATE INDEX queue_status ON queue (status, id)",
        ]}),
)

LATEST = MIGRATIONS[-1].version
