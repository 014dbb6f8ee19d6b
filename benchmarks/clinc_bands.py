"""Out-of-scope detection by the bands: CLINC150 (issue 14, dev protocol), Banking77 and xSID.

**CLINC150** (dev protocol). FAQ: 10 seeded train queries per intent (150 entries); messages:
every ``val`` query (3,000 in-scope) and every ``oos_val`` query (100 out-of-scope). Nothing is
tuned on the messages. A message counts as "predicted out-of-scope" when its band is
``no_match``. The same is measured with the in-scope messages subsampled (seeded) so that the
out-of-scope share is 3 %, 20 % and 40 %: a no-match decision that depends on the share of
unanswerable messages shows here.

**Banking77** (near-domain out-of-scope): FAQ = 10 train queries per intent of 57 intents (20
intents, seeded with 1, held out of the FAQ; ``benchmarks/fit_bands.py`` holds out another 20
with seed 0 on the train split), messages = the whole test split (3,080; the held-out intents'
queries are out-of-scope, 26 %).

**xSID** (every message in scope): FAQ = the English utterances of one fold (16 intents),
messages = the other fold in English, German and Serbian; the share held back as ``no_match``
(the shipped alignment maps were learned on xSID: a check that the test does not hold back
cross-lingual messages, not a matching figure).

Settings: **scope test off** (the band model alone, ``MatchSettings(scope_test=False)``); the
**default** (scope test on, the conformal test of ``replyassist/matching/scope.py``,
``scope_alpha = 0.01``, added to the band model's answerable test); ``scope_answerable = 0.1``
(the answerable test holds back only messages with a scope p-value below 0.1) and
``scope_answerable = 0`` (the answerable test off: only the scope test, the known gaps and a very
unlikely top entry give ``no_match``).

The **ceiling** line is not a result: the best F1 at each share of any threshold on the scope
score chosen on the CLINC messages themselves (with their labels), i.e. what no threshold on it
can beat.

``python -m benchmarks.clinc_bands [--compare]`` prints the tables and writes them to
results/clinc_bands.md (``--compare`` adds the earlier ``band_model = "none"`` bands).
"""
from __future__ import annotations

import random
import sys
import time
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from replyassist.matching import MatchSettings

from . import evaldata as ed
from .matching import Bench, _xsid_folds, sample_per_label

RESULTS = Path(__file__).resolve().parent / "results" / "clinc_bands.md"
SHARES = (0.03, 0.20, 0.40)


def prf(pred: np.ndarray, gold: np.ndarray) -> tuple[float, float, float]:
    tp = int((pred & gold).sum())
    fp = int((pred & ~gold).sum())
    fn = int((~pred & gold).sum())
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def _selections(gold_oos: np.ndarray) -> list[tuple[str, np.ndarray]]:
    """The whole set, then seeded subsamples at each share of :data:`SHARES`."""
    rng = random.Random(0)
    ins = np.flatnonzero(~gold_oos)
    oos = np.flatnonzero(gold_oos)
    out = [(f"all ({len(oos)} of {len(gold_oos)}, {len(oos) / len(gold_oos):.1%})", np.arange(len(gold_oos)))]
    for share in SHARES:
        n_in = int(round(len(oos) * (1 - share) / share))
        if n_in > len(ins):
            n_oos = int(round(len(ins) * share / (1 - share)))
            sel = np.concatenate([ins, np.array(sorted(rng.sample(oos.tolist(), n_oos)))])
        else:
            sel = np.concatenate([np.array(sorted(rng.sample(ins.tolist(), n_in))), oos])
        out.append((f"{share:.0%} out-of-scope", sel))
    return out


def _rows(bands: np.ndarray, gold_oos: np.ndarray, correct: np.ndarray) -> list[dict[str, Any]]:
    pred_oos = bands == "no_match"
    rows = []
    for name, sel in _selections(gold_oos):
        p, r, f = prf(pred_oos[sel], gold_oos[sel])
        g = gold_oos[sel]
        b_sel = bands[sel]
        rows.append({"name": name, "p": p, "r": r, "f1": f,
                     "oos_confident": float((b_sel[g] == "confident").mean()),
                     "ins_no_match": float((b_sel[~g] == "no_match").mean()),
                     "ins_confident_wrong": float(((b_sel == "confident") & ~correct[sel] & ~g).sum()
                                                  / max(1, int((~g).sum())))})
    return rows


def run(b: Bench, settings: MatchSettings | None = None) -> dict[str, Any]:
    """CLINC150, dev protocol (see the module)."""
    c = ed.clinc150()
    faq = sample_per_label(c["train"], 10)
    t0 = time.perf_counter()
    idx, l2e = b.index(faq, settings)
    msgs = list(c["val"]) + list(c["oos_val"])
    texts = [t for t, _ in msgs]
    found = idx.search(b.emb.encode(texts), texts=texts, languages=["en"] * len(msgs))
    id_to_entry = {e.id: i for i, e in enumerate(idx.entries)}
    correct = np.array([id_to_entry[r.matches[0].faq_id] == l2e.get(lab, -1) for r, (_, lab) in zip(found, msgs)])
    gold_oos = np.array([lab == "oos" for _, lab in msgs])
    bands = np.array([r.band for r in found])
    out: dict[str, Any] = {"top1": float(correct[~gold_oos].mean()), "rows": _rows(bands, gold_oos, correct),
                           "seconds": time.perf_counter() - t0}
    if found and found[0].scope is not None:
        out["scope"] = np.array([r.scope for r in found], dtype=float)
        out["gold_oos"] = gold_oos
    return out


def banking(b: Bench, settings: MatchSettings | None = None, held_out: int = 20) -> dict[str, Any]:
    """Banking77 with ``held_out`` intents out of the FAQ (see the module)."""
    train, test = ed.banking77()
    intents = sorted({lab for _, lab in train})
    out_int = set(random.Random(1).sample(intents, held_out))
    faq = sample_per_label([(t, lab) for t, lab in train if lab not in out_int], 10)
    idx, l2e = b.index(faq, settings)
    res = b.ours(idx, l2e, test)
    gold_oos = np.array([lab in out_int for _, lab in test])
    bands = np.array(res["bands"])
    return {"top1": float(res["correct"][~gold_oos].mean()), "rows": _rows(bands, gold_oos, res["correct"])[:1]}


def xsid(b: Bench, settings: MatchSettings | None = None) -> dict[str, float]:
    """Share of in-scope xSID messages held back as ``no_match`` per language (see the module)."""
    by, ids, fold = _xsid_folds()
    out: dict[str, list[bool]] = {}
    for f in (0, 1):
        faq = [(by["en"][i]["text"], by["en"][i]["intent"]) for i in ids if fold[i] == f]
        idx, l2e = b.index(faq, settings)
        for lang in ("en", "de", "sr"):
            msgs = [(by[lang][i]["text"], by[lang][i]["intent"]) for i in ids
                    if fold[i] != f and i in by[lang] and by[lang][i]["intent"] in l2e]
            res = b.ours(idx, l2e, msgs, languages=[lang] * len(msgs))
            out.setdefault(lang, []).extend(band == "no_match" for band in res["bands"])
    return {lang: float(np.mean(v)) for lang, v in out.items()}


def ceiling(scope: np.ndarray, gold_oos: np.ndarray) -> dict[float, float]:
    """The best F1 of any threshold on the scope p-value, chosen on the messages themselves (not a result)."""
    out = {}
    for share in SHARES:
        w_in = (gold_oos.sum() * (1 - share) / share) / (~gold_oos).sum()
        order = np.argsort(scope, kind="stable")
        so = gold_oos[order]
        tp = np.cumsum(so)
        fp = np.cumsum(np.where(so, 0.0, w_in))
        out[share] = float((2 * tp / (2 * tp + fp + (gold_oos.sum() - tp))).max())
    return out


def table(out: dict[str, Any], what: str = "3,000 val queries") -> list[str]:
    lines = [f"In-scope top-1 ({what}): **{out['top1']:.3f}**", "",
             "| messages | OOS precision | OOS recall | OOS F1 | OOS in `confident` | in-scope in `no_match` | in-scope confident-wrong |",
             "|---|---|---|---|---|---|---|"]
    for r in out["rows"]:
        lines.append(f"| {r['name']} | {r['p']:.3f} | {r['r']:.3f} | **{r['f1']:.3f}** | {r['oos_confident']:.1%} | "
                     f"{r['ins_no_match']:.1%} | {r['ins_confident_wrong']:.1%} |")
    return lines


SETTINGS: dict[str, MatchSettings | None] = {
    "scope test off (`scope_test = false`, the default until issue 14's last session)": MatchSettings(scope_test=False),
    "default (scope test on)": None,
    "scope test on, `scope_answerable = 0.1`": MatchSettings(scope_test=True, scope_answerable=0.1),
    "scope test on, `scope_answerable = 0`": MatchSettings(scope_test=True, scope_answerable=0.0),
}


@ed.skip_if_missing
def main(argv: Sequence[str] | None = None) -> int:
    b = Bench()
    t0 = time.perf_counter()
    lines = ["## Out-of-scope detection by the bands (issue 14)", "",
             "### CLINC150 (FAQ 10 train queries per intent; val + oos_val; nothing tuned on them)", ""]
    summary = ["| settings | F1 at 3.2 % (all) | F1 at 3 % | F1 at 20 % | F1 at 40 % | in-scope `no_match` | OOS recall | "
               "in-scope top-1 | Banking77 OOS F1 (in-scope `no_match`, recall) | xSID `no_match` en / de / sr |",
               "|---|---|---|---|---|---|---|---|---|---|"]
    scope_out: dict[str, Any] | None = None
    for name, s in SETTINGS.items():
        out = run(b, s)
        if "scope" in out and scope_out is None:
            scope_out = out
        bk = banking(b, s)
        xs = xsid(b, s)
        lines += [f"**{name}**", ""] + table(out) + [""]
        f = [r["f1"] for r in out["rows"]]
        r0, k0 = out["rows"][0], bk["rows"][0]
        summary.append(f"| {name} | {f[0]:.3f} | {f[1]:.3f} | {f[2]:.3f} | {f[3]:.3f} | {r0['ins_no_match']:.1%} | {r0['r']:.2f} | "
                       f"{out['top1']:.3f} | {k0['f1']:.3f} ({k0['ins_no_match']:.1%}, {k0['r']:.2f}) | "
                       f"{xs['en']:.1%} / {xs['de']:.1%} / {xs['sr']:.1%} |")
    lines = lines[:2] + ["Summary (F1 of out-of-scope = `no_match`; in-scope `no_match` and recall do not depend on the share):",
                         ""] + summary + [""] + lines[2:]
    if scope_out is not None:
        c = ceiling(scope_out["scope"], scope_out["gold_oos"])
        lines += ["Ceiling (not a result): the best F1 of any threshold on the scope p-value *chosen on these messages "
                  f"with their labels*: {c[0.03]:.3f} at 3 %, {c[0.20]:.3f} at 20 %, {c[0.40]:.3f} at 40 %.", ""]
    if "--compare" in (argv or []):
        old = run(b, MatchSettings(band_model=None, suggest=0.5))
        lines += ["The earlier bands (`band_model = \"none\"`, `suggest = 0.5`: calibrated confidence and the learned "
                  "similarity gate):", ""] + table(old) + [""]
    lines.append(f"({time.perf_counter() - t0:.0f} s in all)")
    text = "\n".join(lines)
    print(text)
    RESULTS.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
