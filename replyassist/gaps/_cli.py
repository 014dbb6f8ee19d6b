"""Command-line entry of the gap analysis (wired by ``replyassist gaps``; also ``python -m replyassist.gaps``)."""
from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path
from typing import Any, Sequence

from ..errors import ReplyAssistError

__all__ = ["run_gaps_cli", "add_gaps_arguments", "main"]


def add_gaps_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Add the ``gaps`` options to ``parser`` (for the main CLI's sub-command)."""
    parser.add_argument("messages", help="message log: CSV/TSV (header with a text column) or JSONL")
    parser.add_argument("--corpus", required=True, help="FAQ corpus folder")
    parser.add_argument("--out", required=True, help="report folder (report.html, report.json, *.csv)")
    parser.add_argument("--text-column", default=None, help="name of the text column (default: auto)")
    parser.add_argument("--settings", default=None, help="settings file (.toml/.yaml); a [gaps] table sets GapSettings")
    parser.add_argument("--embedder", default=None, help="embedder name (default: settings, else e5-small)")
    parser.add_argument("--cache-dir", default=None, help="cache folder (default ~/.cache/replyassist)")
    parser.add_argument("--threshold", type=float, default=None, help="clustering threshold (GapSettings.cluster_threshold)")
    parser.add_argument("--min-gap-size", type=int, default=None, help="smallest gap reported")
    parser.add_argument("--only-no-match", action="store_true",
                        help="cluster only messages with no match (default: also those with only a suggestion)")
    parser.add_argument("--no-sentiment", action="store_true", help="skip sentiment (negativity is then unknown)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    parser.add_argument("--mask-names", action="store_true",
                        help="also replace names by [NAME]: the customer-name column's, after greetings, in sign-offs")
    add_engine_arguments(parser)
    return parser


def add_engine_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """``--engine``, ``--scheduler``, ``--workers``, ``--partition-size``, ``--checkpoint-dir``."""
    parser.add_argument("--engine", choices=["inprocess", "dask"], default="inprocess",
                        help="inprocess (default) or dask: per-message stages as partitions on a Dask cluster")
    parser.add_argument("--scheduler", default=None,
                        help="Dask scheduler address (tcp://host:8786); default with --engine dask: a local cluster")
    parser.add_argument("--workers", type=int, default=None, help="local Dask cluster size (default 2)")
    parser.add_argument("--partition-size", type=int, default=None, help="messages per Dask partition (default 20000)")
    parser.add_argument("--checkpoint-dir", default=None,
                        help="where finished partitions are kept for resuming (default <cache-dir>/gaps-partitions)")
    return parser


def run_gaps_cli(messages_path: str | Path, corpus_path: str | Path, out_dir: str | Path, *,
                 settings: str | Path | None = None, text_column: str | None = None, embedder: str | None = None,
                 cache_dir: str | Path | None = None, threshold: float | None = None, min_gap_size: int | None = None,
                 include_suggest: bool | None = None, no_sentiment: bool = False, progress: bool = True,
                 no_progress: bool = False, stdout: Any = None, stderr: Any = None, engine: str = "inprocess",
                 scheduler: str | None = None, workers: int | None = None, partition_size: int | None = None,
                 checkpoint_dir: str | Path | None = None, mask_names: bool = False, **_: Any) -> int:
    """Run the analysis and write the report; returns the exit code (0 ok, 2 bad input/settings).

    ``settings``: an optional TOML/YAML settings file (the library's keys, plus a ``[gaps]`` table
    with :class:`GapSettings` fields). Keyword options override it.

    >>> run_gaps_cli("examples/messages_log.csv", "faq_corpus/shop", "gap-report")   # doctest: +SKIP
    0
    """
    from ..embeddings import CachedEmbedder, default_cache_dir, get_embedder
    from ._analysis import GapSettings, analyze_gaps
    from ._writers import check_output_dir
    out, err = stdout or sys.stdout, stderr or sys.stderr
    try:
        check_output_dir(out_dir)  # a file or an unwritable path is an error before any work (issue 20)
        from ..pipeline import PipelineSettings
        from ..settings import load_settings
        lib = load_settings(settings)
        opts = dataclasses.asdict(lib.gaps) if dataclasses.is_dataclass(lib.gaps) and not isinstance(lib.gaps, type) else {}
        if threshold is not None:
            opts["cluster_threshold"] = threshold
        if min_gap_size is not None:
            opts["min_gap_size"] = min_gap_size
        if include_suggest is not None:
            opts["gap_bands"] = ("suggest", "no_match") if include_suggest else ("no_match",)
        gap_settings = GapSettings.from_dict(opts)
        root = Path(cache_dir or lib.cache_dir or default_cache_dir())
        inner = get_embedder(embedder or lib.embedder)  # a static embedder is not worth a cache
        emb = CachedEmbedder(inner, root / "embeddings.sqlite") if getattr(inner, "cacheable", True) else inner
        index = None
        corpus: Any
        if lib.matching is not None:
            from ..corpus import load_corpus
            from ..matching import FaqIndex
            corpus = load_corpus(corpus_path)
            from ._analysis import index_settings  # no transformer second opinion with a static embedder
            index = FaqIndex(corpus, emb, index_settings(emb, lib.matching), cache_dir=root / "index")
        else:  # pragma: no cover - Settings always fills matching
            corpus = corpus_path
        messages: Any = messages_path
        if mask_names:  # names are replaced as the log is read (docs/robustness.md)
            from ._io import read_messages
            messages = read_messages(messages_path, text_column=text_column, mask_names=True)
        report = analyze_gaps(messages, corpus, index=index, embedder=emb, settings=gap_settings, cache_dir=root,
                              signals=False if no_sentiment else None, progress=progress and not no_progress,
                              text_column=text_column, engine=engine, scheduler=scheduler, workers=workers,
                              partition_size=partition_size, checkpoint_dir=checkpoint_dir,
                              pipeline_settings=PipelineSettings.from_settings(lib))
        paths = report.write(out_dir)
    except ReplyAssistError as exc:
        print(f"replyassist: error: {exc}", file=err)
        return 2
    sh = report.coverage.shares()
    print(f"{report.processed} of {report.total_rows} rows analysed ({len(report.bad_rows)} not usable, listed in "
          f"bad_rows.csv). Confident {sh['confident']:.0%}, suggestion {sh['suggest']:.0%}, "
          f"not answered {sh['no_match']:.0%}.", file=out)
    for g in report.gaps[:5]:
        print(f"  #{g.rank} {g.stub['title']}  ({g.size} messages; {', '.join(g.languages)})", file=out)
    for lg in report.language_gaps[:3]:
        print(f"  language gap: {lg.faq_id} has no {lg.language} answer; {lg.count} messages asked in {lg.language}",
              file=out)
    if report.run.get("engine") == "dask":
        r = report.run
        print(f"Dask: {r.get('partitions')} partitions ({r.get('resumed_partitions')} resumed from {r.get('checkpoints')}), "
              f"{r.get('workers')} workers" + (f", dashboard {r['dashboard']}" if r.get("dashboard") else ""), file=out)
    print(f"Report: {paths[0]}", file=out)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    ap = add_gaps_arguments(argparse.ArgumentParser(prog="replyassist gaps",
                                                    description="FAQ-gap analysis over a message log."))
    a = ap.parse_args(argv)
    return run_gaps_cli(a.messages, a.corpus, a.out, text_column=a.text_column, embedder=a.embedder,
                        cache_dir=a.cache_dir, threshold=a.threshold, min_gap_size=a.min_gap_size,
                        settings=a.settings, include_suggest=False if a.only_no_match else None, no_sentiment=a.no_sentiment, no_progress=a.no_progress,
                        engine=a.engine, scheduler=a.scheduler, workers=a.workers, partition_size=a.partition_size,
                        checkpoint_dir=a.checkpoint_dir, mask_names=a.mask_names)
