"""``replyassist feedback ...`` and ``replyassist evaluate --feedback URL``.

    replyassist feedback stats   --feedback sqlite:///feedback.db
    replyassist feedback export  --feedback sqlite:///feedback.db --out feedback.csv
    replyassist feedback purge   --feedback sqlite:///feedback.db --older-than-days 90
    replyassist feedback migrate --feedback postgresql://replyassist@db/replyassist
    replyassist feedback gaps    --feedback sqlite:///feedback.db --corpus faq_corpus/shop --out gap_report
    replyassist evaluate --corpus faq_corpus/shop --feedback sqlite:///feedback.db [--learn-split 0.8]
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from ..errors import DataError, Errors, InputError

__all__ = ["add_feedback_commands", "evaluate_feedback"]


def add_feedback_commands(sub: Any) -> None:
    f = sub.add_parser("feedback", help="the desk's feedback store: stats, CSV export, retention, gap report")
    fsub = f.add_subparsers(dest="feedback_command", required=True)

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("--feedback", required=True, metavar="URL", help="sqlite:///PATH, a path, or postgresql://...")

    p = fsub.add_parser("stats", help="records per action and language, queue, schema version")
    common(p)
    p.set_defaults(func=_cmd_stats)
    p = fsub.add_parser("export", help="every record (masked, as stored) as CSV")
    common(p)
    p.add_argument("--out", required=True, help="CSV file to write ('-' = standard output)")
    p.set_defaults(func=_cmd_export)
    p = fsub.add_parser("purge", help="retention: delete records and queue items older than N days")
    common(p)
    p.add_argument("--older-than-days", type=float, required=True)
    p.set_defaults(func=_cmd_purge)
    p = fsub.add_parser("migrate", help="create or upgrade the store's schema (the service does it at start too)")
    common(p)
    p.set_defaults(func=_cmd_migrate)
    p = fsub.add_parser("gaps", help="FAQ-gap report over the stored messages; 'no FAQ answers this' counts as a gap")
    common(p)
    p.add_argument("--corpus", required=True)
    p.add_argument("--out", required=True, help="report folder (HTML, JSON, CSV)")
    p.add_argument("--min-gap-size", type=int, default=None)
    p.set_defaults(func=_cmd_gaps)


def _open(url: str) -> Any:
    from . import open_store
    return open_store(url)


def _cmd_stats(args: argparse.Namespace) -> int:
    print(json.dumps(_open(args.feedback).stats(), ensure_ascii=False, indent=2))
    return 0


def _cmd_export(args: argparse.Namespace) -> int:
    store = _open(args.feedback)
    if args.out == "-":
        n = store.export_csv(sys.stdout)
    else:
        n = store.export_csv(args.out)
        print(f"{n} records written to {args.out}", file=sys.stderr)
    return 0


def _cmd_purge(args: argparse.Namespace) -> int:
    n = _open(args.feedback).purge(args.older_than_days)
    print(f"deleted {n['records']} records and {n['queue_items']} queue items older than {args.older_than_days:g} days")
    return 0


def _cmd_migrate(args: argparse.Namespace) -> int:
    from . import open_store
    store = open_store(args.feedback)
    print(f"{store.url}: schema version {store.schema_version()}")
    return 0


def _cmd_gaps(args: argparse.Namespace) -> int:
    from .learning import feedback_gap_report
    store = _open(args.feedback)
    recs = store.records()
    if not recs:
        raise DataError(Errors.E405, url=store.url)
    settings = {"min_gap_size": args.min_gap_size} if args.min_gap_size else None
    report = feedback_gap_report(recs, args.corpus, settings=settings, progress=True)
    paths = report.write(args.out)
    print(f"gap report over {len(recs)} stored messages: " + ", ".join(str(p) for p in paths))
    return 0


def evaluate_feedback(corpus_path: str | Path, url: str, *, settings: Any = None, learn_split: float | None = None,
                      embedder: Any = None) -> Any:
    """``replyassist evaluate`` on the feedback store: the agents' decisions are the labels.

    Without ``learn_split`` the corpus as it is is measured on every decided message. With it,
    the matcher first learns (labelled paraphrases) from the oldest ``learn_split`` of the records
    and is measured on the newer rest: what learning from agents gained on messages it has not seen.
    """
    from ..corpus import load_corpus
    from ..evaluation import _resolve_settings, evaluate_index
    from ..matching import FaqIndex
    from .learning import FeedbackLearner, feedback_queries

    if learn_split is not None and not 0.0 < learn_split < 1.0:
        raise InputError(Errors.E117, learn_split=learn_split)
    corpus = load_corpus(corpus_path)
    store = _open(url)
    recs = store.records()
    match_settings, embedder_name, cache_dir = _resolve_settings(settings)
    if embedder is None:
        from ..embeddings import CachedEmbedder, get_embedder
        embedder = CachedEmbedder(get_embedder(embedder_name))
    index = FaqIndex(corpus, embedder, match_settings, cache_dir=cache_dir)
    known = {e.id for e in index.entries}
    learned = None
    test = recs
    if learn_split is not None:
        cut = int(len(recs) * learn_split)
        train, test = recs[:cut], recs[cut:]
        learner = FeedbackLearner(index)
        learner.add(train)
        learner.apply()
        learned = learner.describe()
    queries = feedback_queries(test, known)
    if not queries:
        raise DataError(Errors.E417, url=store.url, where=" in the evaluation part" if learn_split else "")
    report = evaluate_index(index, queries, name=f"{getattr(corpus, 'name', corpus_path)} (feedback {store.url})")
    fb: dict[str, Any] = {"store": store.url, "records": len(recs), "evaluated": len(queries),
                          "learn_split": learn_split, "learned": learned}
    report.index["feedback"] = fb  # type: ignore[index]
    return report
