"""Escalation benchmark: precision/recall of "escalate" on the project's labelled set, and the
false-alarm rate on positive tweets of the development data.

    python -m benchmarks.escalation [--per-lang 4000] [--detect-language]
    python -m benchmarks.escalation --draft-set [--errors]      # benchmarks/draft_set only

- ``benchmarks/escalation_set/*.tsv``: messages written for replyassist (see its README), gold
  level none/watch/escalate/urgent and the cues a human would name. "Escalate" = level escalate
  or urgent. Run with the gold language (and, with ``--detect-language``, the language found
  by ``replyassist.language``).
- False alarms: share of positive tweets (Mozetič sample of the embedding cache, all nine
  languages; UMSAB validation) that the policy raises to escalate/urgent, and to watch or above.
- ``benchmarks/draft_set/*.tsv`` (``--draft-set``; also reported by the full run when present):
  realistic messages written by other authors (column ``escalate`` yes/no), scored through
  ``SignalAnalyzer.analyze`` with their channel, once with the set's language and once with
  the language found by ``replyassist.language.detect_language``.
Writes ``benchmarks/results/escalation.md``.
"""
from __future__ import annotations

import argparse
import csv
import sys
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import numpy as np

from . import evaldata as ed
from .sentiment import heldout_per_lang

ROOT = Path(__file__).resolve().parent.parent
SET_DIR = ROOT / "benchmarks" / "escalation_set"
DRAFT_DIR = ROOT / "benchmarks" / "draft_set"
ESC = ("escalate", "urgent")


def load_set() -> list[dict[str, str]]:
    rows = []
    for path in sorted(SET_DIR.glob("*.tsv")):
        with open(path, newline="", encoding="utf-8") as fh:
            rows += list(csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE))
    return rows


def load_draft_set(folder: Path = DRAFT_DIR) -> list[dict[str, str]]:
    """Rows of ``folder/*.tsv`` (header ``id language script ... escalate ... text``); a literal
    ``\\n`` in ``text`` becomes a newline. The file stem (``sr-Cyrl``) is kept as ``file``.

    >>> load_draft_set(Path("/nonexistent"))
    []
    """
    rows = []
    for path in sorted(folder.glob("*.tsv")):
        with open(path, newline="", encoding="utf-8") as fh:
            for r in csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE):
                if not r.get("text") or r.get("escalate") not in ("yes", "no"):
                    continue   # a file still being written
                r = dict(r)
                r["text"] = r["text"].replace("\\n", "\n")
                r["file"] = path.stem
                rows.append(r)
    return rows


def evaluate_draft_set(rows: list[dict[str, str]], signals: list) -> tuple[str, list[str]]:
    """Per-file precision/recall of escalate (levels escalate and urgent count as yes)."""
    gold = [r["escalate"] == "yes" for r in rows]
    pred = [s.escalation.level in ESC for s in signals]
    by: dict[str, list[int]] = defaultdict(list)
    for i, r in enumerate(rows):
        by[r["file"]].append(i)
    lines = ["| file | n | gold yes | predicted yes | precision | recall | F1 |", "|---|---|---|---|---|---|---|"]
    for key in sorted(by) + ["all"]:
        idx = by[key] if key != "all" else list(range(len(rows)))
        p, r, f, ng, npred = _prf([gold[i] for i in idx], [pred[i] for i in idx])
        lines.append(f"| {key} | {len(idx)} | {ng} | {npred} | {p:.3f} | {r:.3f} | {f:.3f} |")
    sit_lines = ["| situation | n | predicted yes | gold yes |", "|---|---|---|---|"]
    sits = sorted({x for r in rows for x in r["situation"].split(",") if x})
    for sit in sits:
        idx = [i for i, r in enumerate(rows) if sit in r["situation"].split(",")]
        sit_lines.append(f"| {sit} | {len(idx)} | {sum(pred[i] for i in idx)} | {sum(gold[i] for i in idx)} |")
    errors = [f"- {r['id']} ({r['channel']}, {r['situation']}) gold {r['escalate']} / got {s.escalation.level}: "
              f"{r['text'][:110]!r} -> {list(s.escalation.reasons)}"
              for r, s, g, pr in zip(rows, signals, gold, pred) if g != pr]
    return "\n".join(lines) + "\n\nBy situation:\n\n" + "\n".join(sit_lines), errors


def draft_set_report(analyzer: Any) -> tuple[str, list[str]]:
    """The draft-set tables (set's language; detected language) and the misclassified messages."""
    rows = load_draft_set()
    if not rows:
        return "", []
    from replyassist.language import detect_language
    texts = [r["text"] for r in rows]
    vecs = _vectors(texts)
    channels = [r["channel"] or None for r in rows]
    sig = analyzer.analyze(texts, vecs, [r["language"] for r in rows], channels=channels)
    t1, err = evaluate_draft_set(rows, sig)
    langs = [detect_language(t).language for t in texts]
    sig2 = analyzer.analyze(texts, vecs, langs, channels=channels)
    t2, _ = evaluate_draft_set(rows, sig2)
    out = [f"Draft set: {len(rows)} messages (benchmarks/draft_set, written by other authors; `escalate` yes/no, "
           "levels escalate and urgent count as yes). With the set's language:", "", t1, "",
           "With the language detected by replyassist.language:", "", t2.split("\n\n")[0], ""]
    return "\n".join(out), err


def _vectors(texts: list[str]) -> np.ndarray:
    from replyassist.embeddings import CachedEmbedder, get_embedder
    return CachedEmbedder(get_embedder("e5-small")).encode(texts)


def _prf(gold: list[bool], pred: list[bool]) -> tuple[float, float, float, int, int]:
    tp = sum(g and p for g, p in zip(gold, pred))
    fp = sum(p and not g for g, p in zip(gold, pred))
    fn = sum(g and not p for g, p in zip(gold, pred))
    prec = tp / (tp + fp) if tp + fp else 0.0
    rec = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
    return prec, rec, f1, tp + fn, tp + fp


def evaluate_set(rows, signals) -> tuple[str, list[str]]:
    by_lang: dict[str, list[int]] = defaultdict(list)
    for i, r in enumerate(rows):
        by_lang[r["lang"]].append(i)
    gold = [r["level"] in ESC for r in rows]
    pred = [s.escalation.level in ESC for s in signals]
    lines = ["| language | n | gold escalate | predicted | precision | recall | F1 | level accuracy |",
             "|---|---|---|---|---|---|---|---|"]
    for lang in sorted(by_lang) + ["all"]:
        idx = by_lang[lang] if lang != "all" else list(range(len(rows)))
        p, r, f, ng, npred = _prf([gold[i] for i in idx], [pred[i] for i in idx])
        acc = np.mean([rows[i]["level"] == signals[i].escalation.level for i in idx])
        lines.append(f"| {lang} | {len(idx)} | {ng} | {npred} | {p:.3f} | {r:.3f} | {f:.3f} | {acc:.3f} |")
    # per cue: did the detector name the cue the annotator named?
    cue_lines = ["| cue | gold | detected | precision | recall |", "|---|---|---|---|---|"]
    cues = sorted({c for r in rows for c in r["cues"].split(",") if c})
    for cue in cues:
        g = [cue in r["cues"].split(",") for r in rows]
        d = [cue in s.escalation.signals for s in signals]
        p, rc, _, ng, nd = _prf(g, d)
        cue_lines.append(f"| {cue} | {ng} | {nd} | {p:.3f} | {rc:.3f} |")
    errors = []
    for i, (r, s) in enumerate(zip(rows, signals)):
        if gold[i] != pred[i]:
            errors.append(f"- {r['id']} gold {r['level']} / got {s.escalation.level}: {r['text'][:90]} "
                          f"-> {list(s.escalation.reasons)}")
    return "\n".join(lines) + "\n\nCues (a cue counts as detected when the escalation result lists it):\n\n" + \
        "\n".join(cue_lines), errors


def false_alarms(per_lang: int) -> str:
    """Positive tweets of the held-out part of the sentiment split, scored with the sentiment
    head that never saw them (``sentiment_head_heldout.npz``): the shipped head is refitted on
    all development data, so it must not be measured on these tweets."""
    from replyassist.signals import SignalAnalyzer
    from replyassist.signals.sentiment import VectorSentiment
    from .sentiment import HELDOUT_HEAD, splits
    analyzer = SignalAnalyzer()
    analyzer.sentiment_model = VectorSentiment(HELDOUT_HEAD.parent, head_file=HELDOUT_HEAD.name)
    groups: dict[str, list[tuple[str, str]]] = {}
    for r in splits(per_lang)["test"]:
        if r["label"] == "positive":
            name = f"Mozetič {r['group'].split(':')[1]} (held-out 20%)" if r["source"] == "mozetic" \
                else f"UMSAB {r['lang']} (val)"
            groups.setdefault(name, []).append((r["text"], r["lang"]))
    lines = ["| positive tweets | n | escalate or urgent | watch or above | most frequent cues |",
             "|---|---|---|---|---|"]
    tot_n = tot_e = tot_w = 0
    for name, items in groups.items():
        texts = [t for t, _ in items]
        sig = analyzer.analyze(texts, _vectors(texts), [l for _, l in items])
        e = sum(s.escalation.level in ESC for s in sig)
        w = sum(s.escalation.level != "none" for s in sig)
        cues = Counter(c for s in sig if s.escalation.level != "none" for c in s.escalation.signals)
        tot_n, tot_e, tot_w = tot_n + len(sig), tot_e + e, tot_w + w
        lines.append(f"| {name} | {len(sig)} | {e / len(sig):.2%} | {w / len(sig):.2%} | "
                     + ", ".join(f"{c} {n}" for c, n in cues.most_common(3)) + " |")
    lines.append(f"| all | {tot_n} | {tot_e / tot_n:.2%} | {tot_w / tot_n:.2%} | |")
    return "\n".join(lines)


@ed.skip_if_missing
def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--per-lang", type=int, default=None, help="default: as the held-out sentiment head")
    ap.add_argument("--detect-language", action="store_true")
    ap.add_argument("--no-false-alarms", action="store_true")
    ap.add_argument("--errors", action="store_true", help="list the misclassified messages")
    ap.add_argument("--no-write", action="store_true")
    ap.add_argument("--draft-set", action="store_true", help="only the draft set (benchmarks/draft_set)")
    args = ap.parse_args(argv)
    from replyassist.signals import SignalAnalyzer
    analyzer = SignalAnalyzer()
    if args.draft_set:
        text, errs = draft_set_report(analyzer)
        print(text or "benchmarks/draft_set is empty")
        if args.errors:
            print("\n".join(errs))
        return 0
    rows = load_set()
    texts = [r["text"] for r in rows]
    vecs = _vectors(texts)
    sig = analyzer.analyze(texts, vecs, [r["lang"] for r in rows], channels=[r["channel"] for r in rows])
    table, errors = evaluate_set(rows, sig)
    out = ["## Escalation", "",
           f"Labelled set: {len(rows)} messages written for replyassist (benchmarks/escalation_set, "
           "languages en, de, hu, sr (Latin and Cyrillic), hr). Gold language given.", "", table, ""]
    if args.detect_language:
        from replyassist.language import detect_language
        langs = [detect_language(t).language for t in texts]
        sig2 = analyzer.analyze(texts, vecs, langs, channels=[r["channel"] for r in rows])
        t2, _ = evaluate_set(rows, sig2)
        out += ["With the language detected by replyassist.language:", "", t2.split("\n\n")[0], ""]
    draft, draft_errors = draft_set_report(analyzer)
    if draft:
        out += [draft]
    if not args.no_false_alarms:
        out += ["False alarms on positive tweets of the held-out development data (they should stay at level none; "
                "sentiment from the held-out head, which was not fitted on them):", "",
                false_alarms(args.per_lang or heldout_per_lang()), ""]
    out += ["Command: `python -m benchmarks.escalation`", ""]
    text = "\n".join(out)
    print(text)
    if args.errors:
        print("\n".join(errors + draft_errors))
    if not args.no_write:
        (ROOT / "benchmarks" / "results").mkdir(parents=True, exist_ok=True)
        (ROOT / "benchmarks" / "results" / "escalation.md").write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
