"""CLINC150 out-of-scope detection by the DEFAULT bands (issue 14, dev protocol).

FAQ: 10 seeded train queries per intent (150 entries); messages: every ``val`` query (3,000
in-scope) and every ``oos_val`` query (100 out-of-scope). Nothing is tuned on the messages: the
bands are the matcher's defaults. A message counts as "predicted out-of-scope" when its band is
``no_match``. The same is measured with the in-scope messages subsampled (seeded) so that the
out-of-scope share is 3 %, 20 % and 40 %: a no-match decision that depends on the share of
unanswerable messages shows here.

``python -m benchmarks.clinc_bands`` prints the tables (and writes them to results/clinc_bands.md).
"""
from __future__ import annotations

import random
import sys
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from replyassist.matching import MatchSettings

from . import evaldata as ed
from .matching import Bench, sample_per_label

RESULTS = Path(__file__).resolve().parent / "results" / "clinc_bands.md"


def prf(pred: np.ndarray, gold: np.ndarray) -> tuple[float, float, float]:
    tp = int((pred & gold).sum())
    fp = int((pred & ~gold).sum())
    fn = int((~pred & gold).sum())
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def run(settings: MatchSettings | None = None) -> dict[str, Any]:
    c = ed.clinc150()
    b = Bench()
    faq = sample_per_label(c["train"], 10)
    idx, l2e = b.index(faq, settings)
    msgs = list(c["val"]) + list(c["oos_val"])
    res = b.ours(idx, l2e, msgs)
    gold_oos = np.array([lab == "oos" for _, lab in msgs])
    bands = np.array(res["bands"])
    pred_oos = bands == "no_match"
    out: dict[str, Any] = {"top1": float(res["correct"][~gold_oos].mean()), "rows": []}
    rng = random.Random(0)
    ins = np.flatnonzero(~gold_oos)
    oos = np.flatnonzero(gold_oos)
    for share in (None, 0.03, 0.20, 0.40):
        if share is None:
            sel = np.arange(len(msgs))
            name = f"all ({len(oos)} of {len(msgs)}, {len(oos) / len(msgs):.1%})"
        else:
            n_in = int(round(len(oos) * (1 - share) / share))
            if n_in > len(ins):
                n_oos = int(round(len(ins) * share / (1 - share)))
                sel = np.concatenate([ins, np.array(sorted(rng.sample(oos.tolist(), n_oos)))])
            else:
                sel = np.concatenate([np.array(sorted(rng.sample(ins.tolist(), n_in))), oos])
            name = f"{share:.0%} out-of-scope"
        p, r, f = prf(pred_oos[sel], gold_oos[sel])
        g = gold_oos[sel]
        b_sel = bands[sel]
        out["rows"].append({"name": name, "p": p, "r": r, "f1": f,
                            "oos_confident": float((b_sel[g] == "confident").mean()),
                            "ins_no_match": float((b_sel[~g] == "no_match").mean()),
                            "ins_confident_wrong": float(((b_sel == "confident") & ~res["correct"][sel] & ~g).sum()
                                                         / max(1, int((~g).sum())))})
    return out


def table(out: dict[str, Any]) -> list[str]:
    lines = [f"In-scope top-1 (3,000 val queries): **{out['top1']:.3f}**", "",
             "| messages | OOS precision | OOS recall | OOS F1 | OOS in `confident` | in-scope in `no_match` | in-scope confident-wrong |",
             "|---|---|---|---|---|---|---|"]
    for r in out["rows"]:
        lines.append(f"| {r['name']} | {r['p']:.3f} | {r['r']:.3f} | **{r['f1']:.3f}** | {r['oos_confident']:.1%} | "
                     f"{r['ins_no_match']:.1%} | {r['ins_confident_wrong']:.1%} |")
    return lines


@ed.skip_if_missing
def main(argv: Sequence[str] | None = None) -> int:
    out = run()
    lines = ["## CLINC150: out-of-scope by the default bands (FAQ 10 train queries per intent; val + oos_val)", "",
             "Default settings (band model):", ""] + table(out)
    if "--compare" in (argv or []):
        old = run(MatchSettings(band_model=None, suggest=0.5))
        lines += ["", "The earlier bands (`band_model = \"none\"`, `suggest = 0.5`: calibrated confidence and the learned "
                      "similarity gate):", ""] + table(old)
    text = "\n".join(lines)
    print(text)
    RESULTS.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
