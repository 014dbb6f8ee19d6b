"""The ``replyassist`` command line: a thin layer over the public API.

    replyassist suggest --corpus faq_corpus/shop "Hol van a csomagom? Már két hete várok!"
    echo "Wo bleibt meine Bestellung?" | replyassist suggest --corpus faq_corpus/shop --json
    replyassist detect "Gde je moja porudžbina?"
    replyassist corpus check faq_corpus/shop
    replyassist evaluate --corpus faq_corpus/shop --queries examples/shop_queries.csv
    replyassist gaps examples/messages_log.csv --corpus faq_corpus/shop --out gap_report
    replyassist models install-translation de en
    replyassist serve --corpus faq_corpus/shop [--port 8400] [--workers 2] [--feedback URL]
    replyassist feedback export --feedback URL --out feedback.csv

Exit codes: 0 success, 1 failure while processing, 2 bad input or usage (message says what to do).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any, Sequence

from .errors import USAGE_CODES_E7, Errors, InputError, ReplyAssistError

__all__ = ["main"]


def _read_message(args: argparse.Namespace) -> str:
    if args.message and args.message != "-":
        return " ".join(args.message)
    if sys.stdin is None or sys.stdin.isatty():
        raise InputError(Errors.E106)
    from .text import decode_bytes
    data = sys.stdin.buffer.read()
    return decode_bytes(data, source="standard input", errors=args.encoding_errors)


def _values(pairs: Sequence[str]) -> dict[str, str]:
    out = {}
    for p in pairs:
        if "=" not in p:
            raise InputError(Errors.E107, p=p)
        k, v = p.split("=", 1)
        out[k.strip()] = v
    return out


def _history_item(h: str) -> Any:
    if not h.lstrip().startswith("{"):
        return h
    try:
        return json.loads(h)
    except json.JSONDecodeError as exc:
        raise InputError(Errors.E108, history=h[:60], msg=exc.msg, colno=exc.colno) from None


def _print_suggestion(s: Any) -> None:
    d = s.to_dict()
    lang = d["language"]
    w = print
    w(f"Language:   {lang.get('language') or 'undetermined'}"
      + (f" ({lang.get('script')})" if lang.get("script") else "")
      + f"  confidence {lang.get('confidence', 0):.2f}")
    w(f"FAQ match:  {d['match']['band']} (confidence {d['match']['confidence']:.2f})")
    for m in d["match"]["matches"][:3]:
        w(f"   {m['score']:.3f}  {m['faq_id']:<28} [{m['language']}] {m['question']}")
    sen = d["sentiment"]
    w(f"Sentiment:  {sen['label']} ({sen['score']:+.2f})")
    mod = d["moderation"]
    if mod.get("flagged"):
        w(f"Moderation: FLAGGED - {'; '.join(mod.get('reasons', []))}")
    esc = d["escalation"]
    w(f"Escalation: {esc['level']} -> {esc['action']}")
    for r in esc.get("reasons", []):
        w(f"   - {r}")
    dr = d["draft"]
    w(f"\nDraft ({dr['language']}, {dr['register']}{', machine-translated' if dr.get('machine_translated') else ''}):")
    w("-" * 60)
    w(dr["text"])
    w("-" * 60)
    for n in dr.get("notes", []):
        w(f"note: {n}")
    if d["tone"]:
        w("Tone check:")
        for f in d["tone"]:
            w(f"   [{f['kind']}] {f['message']}" + (f" -> {f['suggestion']}" if f.get("suggestion") else ""))
    else:
        w("Tone check: no findings")
    if d.get("message_translation"):
        w(f"Message for the agent ({d['message_translation'].get('target_language')}): {d['message_translation'].get('text')}")
    for n in d["notes"]:
        w(f"note: {n}")


def _cmd_suggest(args: argparse.Namespace) -> int:
    from .assistant import ReplyAssistant
    text = _read_message(args)
    history = [_history_item(h) for h in args.history]  # bad arguments fail before the models load
    values = _values(args.value)
    assistant = ReplyAssistant.from_corpus(args.corpus, args.settings)
    s = assistant.suggest(text, customer_name=args.customer_name, agent_name=args.agent_name, channel=args.channel,
                          customer_language=args.customer_language, locale=args.locale, history=history,
                          values=values)
    if args.json:
        json.dump(s.to_dict(), sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        _print_suggestion(s)
    return 0


def _cmd_detect(args: argparse.Namespace) -> int:
    from .language import LanguageHints, detect_language
    text = _read_message(args)
    hints = LanguageHints(customer_language=args.customer_language, locale=args.locale)
    r = detect_language(text, hints=hints, segments=args.segments)
    print(json.dumps(r.to_dict(), ensure_ascii=False, indent=2))
    return 0


def _cmd_corpus_check(args: argparse.Namespace) -> int:
    from .corpus import load_corpus
    c = load_corpus(args.path)
    per_lang = {lang: sum(1 for e in c.entries if lang in e.answers) for lang in c.languages}
    print(f"OK: {c.name!r}: {len(c.entries)} entries; answers per language: "
          + ", ".join(f"{k} {v}" for k, v in per_lang.items()) + f"; content hash {c.content_hash}")
    return 0


def _cmd_evaluate(args: argparse.Namespace) -> int:
    from .evaluation import evaluate_corpus
    if args.feedback:   # the agents' decisions in the feedback store as labelled questions (docs/desk.md)
        from .feedback.cli import evaluate_feedback
        report = evaluate_feedback(args.corpus, args.feedback, settings=args.settings, learn_split=args.learn_split)
    elif not args.queries:
        raise InputError(Errors.E109)
    else:
        report = evaluate_corpus(args.corpus, args.queries, settings=args.settings, log=args.log)
    if args.json:
        print(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    else:
        print(report.to_markdown())
    return 0


def _cmd_gaps(args: argparse.Namespace) -> int:
    from .gaps import run_gaps_cli
    return int(run_gaps_cli(args.messages, args.corpus, args.out, settings=args.settings,
                            progress=not args.no_progress, embedder=args.embedder, engine=args.engine,
                            scheduler=args.scheduler, workers=args.workers, partition_size=args.partition_size,
                            checkpoint_dir=args.checkpoint_dir, mask_names=args.mask_names,
                            cache_dir=args.cache_dir) or 0)


def _cmd_serve(args: argparse.Namespace) -> int:
    """``replyassist serve``: the HTTP service (replyassist/service, docs/service.md)."""
    from .errors import MissingDependencyError
    try:
        import fastapi  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError as exc:
        raise MissingDependencyError.for_package(exc.name or "fastapi", "replyassist serve", extra="service") from None
    from .service.config import ServiceConfig
    from .service.server import serve
    config = ServiceConfig.load(args.corpus, args.settings, host=args.host, port=args.port, workers=args.workers,
                                feedback=args.feedback, feedback_retention_days=args.feedback_retention_days)
    if not config.feedback:  # the desk's feedback store: the default SQLite file unless --feedback none
        from .service.desk import default_feedback_url
        config.feedback = default_feedback_url()
    return serve(config, log_level=args.log_level)


def _cmd_install_translation(args: argparse.Namespace) -> int:
    """``replyassist models install-translation SRC TGT [--file PATH] [--packages-dir DIR]``.

    Prints what was installed; returns 0, or 2 with the message on stderr (no internet, no such
    pack, a broken ``.argosmodel``, argostranslate missing).
    """
    from .errors import MissingDependencyError, TranslationError
    from .translation import install_package_file, install_translation_pair, installed_pairs

    packages_dir = getattr(args, "packages_dir", None)
    try:
        files = getattr(args, "file", None) or []
        if files:
            for f in files:
                src, tgt = install_package_file(f, packages_dir=packages_dir)
                print(f"installed {src}→{tgt} from {f}")
        else:
            source, target = getattr(args, "source", None), getattr(args, "target", None)
            if not source or not target:
                raise InputError(Errors.E104)
            done = install_translation_pair(source, target, packages_dir=packages_dir)
            print(f"installed {', '.join(done)}" if done else f"{source}→{target} already installed")
        pairs = installed_pairs(packages_dir)
        print("installed pairs: " + (", ".join(f"{a}→{b}" for a, b in pairs) or "none"))
        return 0
    except (TranslationError, InputError, MissingDependencyError) as exc:
        print(str(exc), file=sys.stderr)
        return 2


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="replyassist", description="Multilingual reply suggestions for support teams.")
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser("suggest", help="suggest a reply to one message (argument or standard input)")
    s.add_argument("message", nargs="*", help="the customer's message; omit or '-' to read standard input")
    s.add_argument("--corpus", required=True, help="FAQ corpus folder (see docs/corpus-format.md)")
    s.add_argument("--json", action="store_true", help="print the suggestion as JSON (docs/json-schema.md)")
    s.add_argument("--customer-name")
    s.add_argument("--agent-name")
    s.add_argument("--channel", help="email, chat, twitter, facebook, instagram, forum, phone, ...")
    s.add_argument("--customer-language", help="the customer's known language (ISO 639-1), a hint")
    s.add_argument("--locale", help="the channel's or market's locale, e.g. de-AT, a hint")
    s.add_argument("--history", action="append", default=[],
                   help="an earlier message (text or JSON with text/date/direction); repeatable")
    s.add_argument("--value", action="append", default=[], help="placeholder value name=value; repeatable")
    s.add_argument("--settings", help="settings file (.toml or .yaml)")
    s.add_argument("--encoding-errors", choices=["strict", "replace"], default="strict",
                   help="how to treat invalid UTF-8 on standard input (default: strict = error)")
    s.set_defaults(func=_cmd_suggest)

    d = sub.add_parser("detect", help="detect the language of a text")
    d.add_argument("message", nargs="*")
    d.add_argument("--customer-language")
    d.add_argument("--locale")
    d.add_argument("--segments", action="store_true", help="also list language segments of a mixed text")
    d.add_argument("--encoding-errors", choices=["strict", "replace"], default="strict")
    d.set_defaults(func=_cmd_detect)

    c = sub.add_parser("corpus", help="corpus tools")
    csub = c.add_subparsers(dest="corpus_command", required=True)
    cc = csub.add_parser("check", help="validate a corpus and list every problem with file and line")
    cc.add_argument("path")
    cc.set_defaults(func=_cmd_corpus_check)

    e = sub.add_parser("evaluate", help="measure a corpus against labelled questions (accuracy, no-match, calibration)")
    e.add_argument("--corpus", required=True)
    e.add_argument("--queries", help="CSV or JSONL with text and expected_faq_id (empty = no match)")
    e.add_argument("--feedback", metavar="URL", help="evaluate on the desk's feedback store instead: the agents' "
                                                     "chosen entries and 'no FAQ answers this' (docs/desk.md)")
    e.add_argument("--learn-split", type=float, default=None, metavar="F",
                   help="with --feedback: learn from the oldest fraction F of the records, evaluate on the rest")
    e.add_argument("--settings")
    e.add_argument("--log", help="past unlabelled messages (CSV or JSONL) the matcher learns from before the "
                                 "evaluation (FaqIndex.learn_from_log); must not contain the labelled questions")
    e.add_argument("--json", action="store_true")
    e.set_defaults(func=_cmd_evaluate)

    g = sub.add_parser("gaps", help="FAQ-gap analysis over a message log (CSV or JSONL)")
    g.add_argument("messages")
    g.add_argument("--corpus", required=True)
    g.add_argument("--out", required=True, help="report folder (HTML, JSON, CSV)")
    g.add_argument("--settings")
    g.add_argument("--cache-dir", default=None,
                   help="cache folder (default: settings cache_dir, $REPLYASSIST_CACHE, ~/.cache/replyassist)")
    g.add_argument("--no-progress", action="store_true")
    g.add_argument("--mask-names", action="store_true",
                   help="also replace names by [NAME] (customer-name column, greetings, sign-offs)")
    g.add_argument("--embedder", default=None, help="embedder name (default: settings, else e5-small; e5-static for huge logs)")
    g.add_argument("--engine", choices=["inprocess", "dask"], default="inprocess",
                   help="inprocess (default) or dask: per-message stages as partitions on a Dask cluster")
    g.add_argument("--scheduler", default=None, help="Dask scheduler (tcp://host:8786); default: a local cluster")
    g.add_argument("--workers", type=int, default=None, help="local Dask cluster size (default 2)")
    g.add_argument("--partition-size", type=int, default=None, help="messages per Dask partition (default 20000)")
    g.add_argument("--checkpoint-dir", default=None, help="finished partitions, for resuming (default: cache folder)")
    g.set_defaults(func=_cmd_gaps)

    sv = sub.add_parser("serve", help="run the HTTP service (JSON API, webhooks, metrics; docs/service.md)")
    sv.add_argument("--corpus", required=True, help="FAQ corpus folder")
    sv.add_argument("--settings", help="settings file (.toml or .yaml); its [service] table configures the service")
    sv.add_argument("--host", default=None, help="address to bind (default 127.0.0.1; without an API key always loopback)")
    sv.add_argument("--port", type=int, default=None, help="port (default 8400)")
    sv.add_argument("--workers", type=int, default=None, help="worker processes, each with its own models (default 1)")
    sv.add_argument("--feedback", default=None, metavar="URL",
                    help="the desk's feedback store: sqlite:///PATH (default: the replyassist data folder), "
                         "postgresql://USER@HOST/DB, or none (docs/desk.md)")
    sv.add_argument("--feedback-retention-days", type=float, default=None, metavar="DAYS",
                    help="delete feedback records and queue items older than DAYS (default: keep)")
    sv.add_argument("--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"])
    sv.set_defaults(func=_cmd_serve)

    from .feedback.cli import add_feedback_commands  # replyassist feedback export|purge|stats|gaps
    add_feedback_commands(sub)

    m = sub.add_parser("models", help="model management")
    msub = m.add_subparsers(dest="models_command", required=True)
    it = msub.add_parser("install-translation", help="download and install an argos language pack (needs internet)")
    it.add_argument("source", nargs="?", help="source language, e.g. de")
    it.add_argument("target", nargs="?", help="target language, e.g. en")
    it.add_argument("--file", action="append", help="install a downloaded .argosmodel file instead (repeatable)")
    it.add_argument("--packages-dir", help="where to install the packs (default: argostranslate's folder)")
    it.set_defaults(func=_cmd_install_translation)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``replyassist`` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except InputError as exc:
        print(f"replyassist: error: {exc}", file=sys.stderr)
        return 2
    except ReplyAssistError as exc:
        print(f"replyassist: error: {exc}", file=sys.stderr)
        return 2 if exc.code.startswith(("E0", "E2", "E4", "E5")) or exc.code in USAGE_CODES_E7 else 1
    except KeyboardInterrupt:
        print("replyassist: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # output piped into `head` and the like: the reader left, nothing to report
        try:  # as the Python docs advise: point stdout at devnull so the flush at exit does not fail again
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        except (OSError, ValueError, AttributeError):
            pass
        return 141


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
