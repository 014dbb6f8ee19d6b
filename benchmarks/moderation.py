"""Moderation benchmark: precision/recall of "flag for a moderator" on held-out GermEval 2018.

    python -m benchmarks.moderation

Protocol: the GermEval 2018 development file (German tweets, OFFENSE vs OTHER) is split 80/20,
stratified, seed 0. The vector head compared here (``models/moderation/moderation_head_heldout.npz``)
and its threshold were fitted on the 80% part only (``models/moderation/train.py``); the lexicons
were written without looking at GermEval. Figures are on the 20% part. False alarms are measured
on messages that should never be flagged: positive and neutral UMSAB validation tweets
(en, de, fr, it, es, pt) and the non-abusive messages of ``benchmarks/escalation_set``.
Writes ``benchmarks/results/moderation.md``.
"""
from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

import numpy as np

from . import evaldata as ed

ROOT = Path(__file__).resolve().parent.parent


def germeval_split(seed: int = 0) -> tuple[list[tuple[str, int, str]], list[tuple[str, int, str]]]:
    """(train, test) lists of (text, 1 if OFFENSE else 0, fine label), 80/20 stratified."""
    rows = ed.germeval()
    rnd = random.Random(seed)
    pos = [r for r in rows if r[1] == "OFFENSE"]
    neg = [r for r in rows if r[1] != "OFFENSE"]
    tr, te = [], []
    for group in (pos, neg):
        g = group[:]
        rnd.shuffle(g)
        k = int(round(0.2 * len(g)))
        te += g[:k]
        tr += g[k:]
    seen = {t for t, _, _ in tr}
    conv = lambda rs: [(t, int(c == "OFFENSE"), f) for t, c, f in rs]  # noqa: E731
    return conv(tr), conv([r for r in te if r[0] not in seen])


def vectors(texts: list[str]) -> np.ndarray:
    from replyassist.embeddings import CachedEmbedder, get_embedder
    return CachedEmbedder(get_embedder("e5-small")).encode(
        texts, progress=lambda d, n: print(f"\rvectors {d}/{n}", end="", file=sys.stderr, flush=True))


def prf(gold: list[int], pred: list[bool]) -> tuple[float, float, float]:
    tp = sum(g and p for g, p in zip(gold, pred))
    fp = sum(p and not g for g, p in zip(gold, pred))
    fn = sum(g and not p for g, p in zip(gold, pred))
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def hate_head_scores(vecs: np.ndarray) -> tuple[np.ndarray, float] | None:
    try:
        from sentimentai import _scoring
    except ImportError:
        return None
    head = _scoring.load_aux("hate", "e5-small")
    return _scoring.logistic_binary_prob(vecs, head), float(head["recommended_threshold"])


def _false_alarm_texts() -> list[tuple[str, str, str]]:
    out = []
    for lang in ed.UMSAB_LANGS:
        out += [(t, lang, f"UMSAB {lang}") for t, l in ed.umsab(lang, "val") if l in ("positive", "neutral")]
    from .escalation import load_set
    out += [(r["text"], r["lang"], "escalation set") for r in load_set() if "abuse" not in r["cues"].split(",")]
    return out


@ed.skip_if_missing
def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args(argv)
    from replyassist.signals.moderation import ModerationHead, Moderator
    _, te = germeval_split()
    texts = [t for t, _, _ in te]
    gold = [y for _, y, _ in te]
    vecs = vectors(texts)
    print(file=sys.stderr)
    held = ROOT / "models" / "moderation" / "moderation_head_heldout.npz"
    systems: dict[str, list[bool]] = {}
    lex = Moderator(use_model=False)
    lex_flags = [r.flagged for r in lex.check(texts, None, ["de"] * len(texts))]
    systems["project lexicons (de + en), no model"] = lex_flags
    lex_np = Moderator(use_model=False, flag_profanity=False)
    systems["project lexicons without profanity-only hits"] = [r.flagged for r in lex_np.check(texts, None, ["de"] * len(texts))]
    hh = hate_head_scores(vecs)
    if hh is not None:
        s, thr = hh
        systems[f"sentimentai-py hate head (e5-small), its threshold {thr:.2f}"] = list(s >= thr)
        systems["lexicons OR sentimentai-py hate head"] = [a or b for a, b in zip(lex_flags, s >= thr)]
    if held.is_file():
        head = ModerationHead(held)
        hs = head.predict(vecs, texts)
        systems[f"replyassist head alone: e5 vector + n-grams (threshold {head.threshold:.2f}, fitted on the 80% part)"] = list(hs >= head.threshold)
        comb = [a or b for a, b in zip(lex_flags, hs >= head.threshold)]
        systems["**lexicons OR replyassist head (the default Moderator)**"] = comb
    else:
        print(f"{held} missing: run python models/moderation/train.py", file=sys.stderr)
    n_pos = sum(gold)
    lines = ["## Moderation (GermEval 2018, held-out 20% of the development file)", "",
             f"{len(te)} held-out German tweets, {n_pos} OFFENSE. Flag = the message would be shown to a moderator.",
             "", "| system | precision | recall | F1 | flagged |", "|---|---|---|---|---|"]
    for name, pred in systems.items():
        p, r, f = prf(gold, pred)
        lines.append(f"| {name} | {p:.3f} | {r:.3f} | {f:.3f} | {sum(pred)} |")
    # false alarms of the default moderator (lexicons + the head fitted on all development data)
    fa = _false_alarm_texts()
    fvecs = vectors([t for t, _, _ in fa])
    print(file=sys.stderr)
    default = Moderator()
    res = default.check([t for t, _, _ in fa], fvecs, [l for _, l, _ in fa])
    lines += ["", "False alarms of the default Moderator on messages that are not abusive:", "",
              "| messages | n | flagged | rate |", "|---|---|---|---|"]
    groups: dict[str, list[bool]] = {}
    for (_t, _l, g), r in zip(fa, res):
        groups.setdefault(g, []).append(r.flagged)
    for g, flags in groups.items():
        lines.append(f"| {g} (positive + neutral)" if g.startswith("UMSAB") else f"| {g} (non-abusive)")
        lines[-1] += f" | {len(flags)} | {sum(flags)} | {sum(flags) / len(flags):.2%} |"
    lines += ["", "Command: `python -m benchmarks.moderation`", ""]
    out = "\n".join(lines)
    print(out)
    if not args.no_write:
        (ROOT / "benchmarks" / "results").mkdir(parents=True, exist_ok=True)
        (ROOT / "benchmarks" / "results" / "moderation.md").write_text(out, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
