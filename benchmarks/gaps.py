"""Quality of the FAQ-gap analysis: do the gaps it finds recover intents the FAQ leaves out?

    python -m benchmarks.gaps [--sets banking77,clinc150,xsid,xsid-s1,xsid-s2,xsid-en] [--sweep] [--no-write]

``--sweep`` adds a table over cluster thresholds, with/without language centring, with a
cross-language bonus, and (English sets) with ``unanswered_below=0.9`` (more candidates).

Method (development data in ../shared/eval, read at run time, never copied):

- **Banking77**: 15 of the 77 intents are held out (``random.Random(0)``). The FAQ has one entry
  per remaining intent, its questions 10 train queries of that intent (seeded sample). The
  analysis runs on all 3,080 test queries (held-out intents included).
- **CLINC150**: 30 of 150 intents held out, FAQ from 10 train queries per remaining intent,
  analysis on the 3,000 validation queries plus the 100 ``oos_val`` queries (noise that belongs
  to no intent; they may fall into gaps and count neither way).
- **xSID** (en, de, sr): 4 of the 16 intents held out. The FAQ is English only: for each remaining
  intent the English utterances of half of the ids (seeded). Messages: the *other* ids, in
  German and Serbian (and, separately, English), so every held-out topic is asked in two
  languages and a good gap groups both.

Figures per set (all reported gaps, in rank order; how many carry the ``near_existing`` flag,
and how many of those are answered intents, is listed separately): share of held-out messages flagged unanswered (``no_match``), coverage (share of
held-out messages inside a reported gap), purity of gaps (share of the majority intent),
adjusted Rand index between gaps and intents over the held-out messages that are in gaps,
intents recovered (held-out intents that are the majority of some gap), and the false-gap
figures: share of messages of *answered* intents that land in a gap, and gaps whose majority is
an answered intent, and the share of the 10 top-ranked gaps whose majority is a held-out intent
(does "what to write first" point at real gaps). For xSID also the share of gap messages whose gap mixes de and sr.
"""
from __future__ import annotations

import argparse
import random
import re
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any, Sequence

from replyassist.corpus import corpus_from_dicts
from replyassist.embeddings import CachedEmbedder, get_embedder
from replyassist.gaps import GapSettings, analyze_gaps

from . import evaldata as ed

RESULTS = Path(__file__).resolve().parent / "results" / "gaps.md"


def _ari(a: Sequence[Any], b: Sequence[Any]) -> float:
    """Adjusted Rand index (Hubert & Arabie), numpy-free implementation."""
    from math import comb
    n = len(a)
    if n < 2:
        return float("nan")
    cont = Counter(zip(a, b))
    sa, sb = Counter(a), Counter(b)
    s_ij = sum(comb(v, 2) for v in cont.values())
    s_a = sum(comb(v, 2) for v in sa.values())
    s_b = sum(comb(v, 2) for v in sb.values())
    exp = s_a * s_b / comb(n, 2)
    mx = (s_a + s_b) / 2
    return 1.0 if mx == exp else (s_ij - exp) / (mx - exp)


def _faq(groups: dict[str, list[str]], lang: str = "en") -> Any:
    entries = [{"id": ("i-" + re.sub(r"[^a-z0-9]+", "-", k.lower()).strip("-"))[:60],
                "category": "bench", "questions": {lang: qs}, "answers": {lang: f"Answer about {k}."}}
               for k, qs in sorted(groups.items())]
    return corpus_from_dicts(entries, name="benchmark FAQ")


def evaluate(report: Any, intents: Sequence[str], langs: Sequence[str] | None, held: set[str]) -> dict[str, Any]:
    new_ids = {g.id for g in report.gaps}
    reph = [g for g in report.gaps if g.kind == "near_existing"]
    gap_of = {m.row: m.gap_id for m in report.messages if m.gap_id in new_ids}
    band_of = {m.row: m.band for m in report.messages}
    rows = list(range(1, len(intents) + 1))
    H = [r for r in rows if intents[r - 1] in held]
    A = [r for r in rows if intents[r - 1] not in held and intents[r - 1] != "oos"]
    in_gap = [r for r in rows if gap_of.get(r)]
    by_gap: dict[str, list[int]] = defaultdict(list)
    for r in in_gap:
        by_gap[gap_of[r]].append(r)
    majority = {g: Counter(intents[r - 1] for r in rs).most_common(1)[0] for g, rs in by_gap.items()}
    pur = sum(c for _, c in majority.values()) / max(1, len(in_gap))
    h_in = [r for r in H if gap_of.get(r)]
    recovered = {i for i, _ in majority.values() if i in held}
    res = {
        "messages": len(rows), "held_out_intents": len(held), "held_out_msgs": len(H),
        "held_flagged": sum(band_of.get(r) == "no_match" for r in H) / max(1, len(H)),
        "answered_flagged": sum(band_of.get(r) == "no_match" for r in A) / max(1, len(A)),
        "gaps": len(by_gap), "coverage": len(h_in) / max(1, len(H)), "purity": pur,
        "ari_held": _ari([intents[r - 1] for r in h_in], [gap_of[r] for r in h_in]),
        "ari_all": _ari([intents[r - 1] for r in in_gap], [gap_of[r] for r in in_gap]),
        "recovered": len(recovered),
        "false_gap_msgs": sum(1 for r in A if gap_of.get(r)) / max(1, len(A)),
        "false_gaps": sum(1 for i, _ in majority.values() if i not in held and i != "oos"),
        "top10_precision": (sum(1 for g in report.gaps[:10]
                                if majority[g.id][0] in held) / max(1, min(10, len(new_ids)))),
        "rephrasing": len(reph),
        "rephrasing_answered": sum(1 for g in reph
                                   if Counter(intents[r - 1] for r in g.rows).most_common(1)[0][0] not in held),
    }
    if langs is not None:
        mixed = 0
        for rs in by_gap.values():
            if len({langs[r - 1] for r in rs}) > 1:
                mixed += len(rs)
        res["mixed_lang_share"] = mixed / max(1, len(in_gap))
        # held-out intents whose messages in both languages share a gap
        both = 0
        for i in held:
            gl: dict[str, set[str]] = defaultdict(set)
            for r in H:
                if intents[r - 1] == i and gap_of.get(r):
                    gl[gap_of[r]].add(langs[r - 1])
            both += any(len(v) > 1 for v in gl.values())
        res["held_both_langs"] = both
    return res


def _run(messages: list[dict[str, str]], corpus: Any, emb: Any, settings: GapSettings) -> Any:
    return analyze_gaps(messages, corpus, embedder=emb, signals=False, settings=settings, progress=False)


def set_banking77(seed: int = 0, held_n: int = 15, per_intent: int = 10):
    train, test = ed.banking77()
    intents = sorted({i for _, i in train})
    rng = random.Random(seed)
    held = set(rng.sample(intents, held_n))
    by: dict[str, list[str]] = defaultdict(list)
    for t, i in train:
        by[i].append(t)
    faq = {i: rng.sample(by[i], min(per_intent, len(by[i]))) for i in intents if i not in held}
    msgs = [{"id": str(k), "text": t} for k, (t, _) in enumerate(test)]
    return "Banking77", _faq(faq), msgs, [i for _, i in test], None, held


def set_clinc150(seed: int = 0, held_n: int = 30, per_intent: int = 10):
    d = ed.clinc150()
    intents = sorted({i for _, i in d["train"]})
    rng = random.Random(seed)
    held = set(rng.sample(intents, held_n))
    by: dict[str, list[str]] = defaultdict(list)
    for t, i in d["train"]:
        by[i].append(t)
    faq = {i: rng.sample(by[i], min(per_intent, len(by[i]))) for i in intents if i not in held}
    items = d["val"] + [(t, "oos") for t, _ in d["oos_val"]]
    msgs = [{"id": str(k), "text": t} for k, (t, _) in enumerate(items)]
    return "CLINC150", _faq(faq), msgs, [i for _, i in items], None, held


def set_xsid(seed: int = 0, held_n: int = 4, query_langs: tuple[str, ...] = ("de", "sr")):
    rows = ed.xsid()
    en = [r for r in rows if r["lang"] == "en"]
    intents = sorted({r["intent"] for r in en})
    rng = random.Random(seed)
    held = set(rng.sample(intents, held_n))
    ids_by: dict[str, list[str]] = defaultdict(list)
    for r in en:
        ids_by[r["intent"]].append(r["id"])
    faq_ids: set[str] = set()
    for ids in ids_by.values():
        ids = sorted(ids)
        rng.shuffle(ids)
        faq_ids.update(ids[: (len(ids) + 1) // 2])
    faq: dict[str, list[str]] = defaultdict(list)
    for r in en:
        if r["id"] in faq_ids and r["intent"] not in held:
            faq[r["intent"]].append(r["text"])
    q = [r for r in rows if r["lang"] in query_langs and r["id"] not in faq_ids]
    q.sort(key=lambda r: (r["lang"], r["id"]))
    msgs = [{"id": f"{r['lang']}-{r['id']}", "text": r["text"]} for r in q]
    name = "xSID " + "+".join(query_langs) + f" vs English FAQ (seed {seed})"
    return name, _faq(dict(faq)), msgs, [r["intent"] for r in q], [r["lang"] for r in q], held


_COLS = [("set", "set"), ("messages", "messages"), ("held_out_intents", "held-out intents"),
         ("held_out_msgs", "held-out msgs"), ("held_flagged", "held-out flagged no_match"),
         ("answered_flagged", "answered flagged no_match"), ("gaps", "gaps"), ("coverage", "coverage"),
         ("purity", "purity"), ("ari_held", "ARI (held-out, in gaps)"), ("recovered", "intents recovered"),
         ("false_gap_msgs", "false-gap rate (answered msgs in gaps)"), ("false_gaps", "false gaps"),
         ("top10_precision", "top-10 gaps that are held-out intents"), ("rephrasing", "flagged near_existing"), ("rephrasing_answered", "of which answered intent"),
         ("mixed_lang_share", "gap msgs in mixed-language gaps"), ("held_both_langs", "held-out intents grouped across langs"),
         ("seconds", "s")]


def _fmt(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.3f}"
    return "–" if v is None else str(v)


_SUMMARY = ["set", "held_out_msgs", "gaps", "coverage", "purity", "ari_held", "recovered", "false_gap_msgs",
            "false_gaps", "top10_precision", "mixed_lang_share"]


def table(rows: list[dict[str, Any]], keys: Sequence[str] | None = None) -> str:
    cols = [(k, h) for k, h in _COLS if any(k in r for r in rows) and (keys is None or k in keys)]
    out = ["| " + " | ".join(h for _, h in cols) + " |", "|" + "---|" * len(cols)]
    for r in rows:
        out.append("| " + " | ".join(_fmt(r.get(k)) for k, _ in cols) + " |")
    return "\n".join(out)


@ed.skip_if_missing
def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sets", default="banking77,clinc150,xsid,xsid-s1,xsid-s2,xsid-en")
    ap.add_argument("--sweep", action="store_true", help="also try several cluster thresholds / no language centring")
    ap.add_argument("--thresholds", default="0.25,0.3,0.35,0.4")
    ap.add_argument("--no-write", action="store_true")
    ap.add_argument("--unanswered-below", type=float, default=None,
                    help="GapSettings.unanswered_below for the main table (default: the matcher's bands only)")
    a = ap.parse_args(argv)
    emb = CachedEmbedder(get_embedder("e5-small"))
    builders = {"banking77": set_banking77, "clinc150": set_clinc150, "xsid": set_xsid,
                "xsid-s1": lambda: set_xsid(seed=1), "xsid-s2": lambda: set_xsid(seed=2),
                "xsid-en": lambda: set_xsid(query_langs=("en",))}
    base = GapSettings(**({"unanswered_below": a.unanswered_below} if a.unanswered_below is not None else {}))
    main_rows, sweep_rows = [], []
    for key in a.sets.split(","):
        name, corpus, msgs, intents, langs, held = builders[key]()
        t0 = time.time()
        rep = _run(msgs, corpus, emb, base)
        r = {"set": name, **evaluate(rep, intents, langs, held), "seconds": round(time.time() - t0, 1)}
        main_rows.append(r)
        print(f"{name}: done in {r['seconds']}s", file=sys.stderr, flush=True)
        if a.sweep:
            for ub in (None, 0.9) if langs is None else (None,):
                for thr in [float(x) for x in a.thresholds.split(",")]:
                    d = GapSettings().cross_language_bonus
                    variants = [(True, d), (True, 0.0), (False, 0.0)] if langs is not None else [(True, d)]
                    for center, bonus in variants:
                        s = GapSettings(cluster_threshold=thr, center_languages=center, unanswered_below=ub,
                                        cross_language_bonus=bonus)
                        rep = _run(msgs, corpus, emb, s)
                        sweep_rows.append({"set": f"{name} below={ub} thr={thr} lang-centre={'y' if center else 'n'}"
                                                  f"{f' bonus={bonus}' if langs is not None else ''}",
                                           **evaluate(rep, intents, langs, held)})
    print("### FAQ-gap analysis: recovery of held-out intents (default settings)\n")
    print(table(main_rows, _SUMMARY))
    print("\nAll figures:\n")
    print(table(main_rows))
    if sweep_rows:
        print("\n### Threshold / language-centring sweep\n")
        print(table(sweep_rows))
    if not a.no_write:
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        text = ["## FAQ-gap analysis (`python -m benchmarks.gaps`)", "",
                f"Measured {time.strftime('%Y-%m-%d')} with the matcher (FaqIndex) and language detector in the "
                "repository at that time: which messages count as unanswered is the matcher's decision, so the "
                "figures move with it. Method: see the module docstring and docs/gaps.md.", "",
                f"Settings: {base.to_dict()}", "", table(main_rows, _SUMMARY), "", "All figures:", "",
                table(main_rows), ""]
        if sweep_rows:
            text += ["Sweep:", "", table(sweep_rows), ""]
        marker = "### FAQ-gap analysis at scale"
        old = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else ""
        scale = (marker + old.split(marker, 1)[1]) if marker in old else ""
        RESULTS.write_text("\n".join(text) + ("\n" + scale if scale else ""), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
