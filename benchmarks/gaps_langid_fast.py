"""The fast language detector of the gap analysis against the full one (issue 18).

    python -m benchmarks.gaps_langid_fast [--per-language 500] [--log-sample 20000] [--gaps 20000]
                                          [--no-write]

``GapSettings.language_mode="fast"`` detects languages with
:class:`replyassist.language.FastLanguageDetector` (fastText + CLD2 for the clear cases, the full
detector for the rest); this measures whether that changes what the gap analysis sees.

1. **Agreement** with the full detector of the language the gap analysis uses (the message
   pipeline's language: detection with the corpus hint ``("en",)`` as in the gap benchmarks, then
   the Serbian/Croatian/Bosnian variant step), per language, on real texts read at run time from
   ../shared/eval: the lingua test sentences and word pairs (39 languages; ``sr`` Cyrillic),
   xSID (9 languages), Mozetič tweets (bos, hrv, srp, hun, deu, eng, slv, pol, slk) and the
   messages of ``benchmarks.gaps_million``'s log (greetings and sign-offs in other languages,
   order numbers, typos). Also each detector's accuracy against the data set's language where
   there is one, and the share of texts the fast path answered.
2. **Settings sweep** (``min_prob``, ``min_letters``, ``cld2_check``): agreement overall, on
   Serbian/Croatian/Bosnian/Slovenian texts, the worst language, and the fast share.
3. **Speed**: seconds for the language stage of the pipeline (detection + variant step) over the
   log sample, full vs fast, fresh detectors, alternated twice in one run.
4. **Gaps**: ``analyze_gaps`` with e5-static on ``--gaps`` messages of the log, once per mode:
   held-out intents recovered, false-gap rate, coverage, purity, and the language stage time.

Run with ``nice -n 10`` and ``OMP_WAIT_POLICY=passive`` on a shared machine.
"""
from __future__ import annotations

import argparse
import csv
import itertools
import json
import os
import random
import shutil
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any, Sequence

from . import evaldata as ed

RESULTS = Path(__file__).resolve().parent / "results" / "gaps_langid_fast.md"
_MOZ = {"bos": "bs", "hrv": "hr", "srp": "sr", "hun": "hu", "deu": "de", "eng": "en", "slv": "sl", "pol": "pl",
        "slk": "sk"}
_XSID = {"de-st": "de", "gsw": "de"}
BCMS_SL = ("sr", "hr", "bs", "sl")
#: FastLanguageSettings' defaults: (strip_salutations, min_prob, min_letters, cld2_check)
_DEFAULT = (False, 0.9, 12, "not_other")


def _texts(per_language: int, log_sample: int, work: Path, seed: int = 0) -> list[tuple[str, str, str | None]]:
    """(set, text, gold language or None)."""
    rng = random.Random(seed)
    out: list[tuple[str, str, str | None]] = []
    for cls, n in (("sentences", per_language), ("word-pairs", max(1, per_language // 2))):
        for lang, lines in sorted(ed.langid(cls).items()):
            out += [(f"lingua {cls}", t, lang) for t in rng.sample(lines, min(n, len(lines)))]
    for r in ed.xsid():
        if r["text"].strip():
            out.append(("xSID", r["text"], _XSID.get(r["lang"], r["lang"])))
    by: dict[str, list[str]] = defaultdict(list)
    for r in ed.mozetic():
        if r["lang"] in _MOZ and r["text"].strip():
            by[r["lang"]].append(r["text"])
    for lang, ts in sorted(by.items()):
        out += [("Mozetič tweets", t, _MOZ[lang]) for t in rng.sample(ts, min(per_language, len(ts)))]
    if log_sample:
        from .gaps_million import build
        size = max(log_sample, 10000)
        log, _, _ = build(size, work)
        gold = (work / f"lang-{size}.txt").read_text(encoding="utf-8").splitlines()
        with open(log, encoding="utf-8", newline="") as fh:
            for k, row in enumerate(csv.DictReader(fh)):
                if k >= log_sample:
                    break
                out.append(("gap log", row["text"], gold[k]))
    return out


class _MemoFull:
    """The full detector with its answers remembered (the sweep asks for the same texts many times)."""

    def __init__(self) -> None:
        from replyassist.language import LanguageDetector
        self.det = LanguageDetector()
        self.memo: dict[Any, Any] = {}
        self.settings = self.det.settings

    def make(self) -> Any:
        from replyassist.language import LanguageDetector
        memo, inner = self.memo, self.det

        class Memo(LanguageDetector):
            def _detect_clean(self, text: str, hints: Any) -> Any:  # type: ignore[override]
                key = (text, hints)
                r = memo.get(key)
                if r is None:
                    r = memo[key] = inner._detect_clean(text, hints)
                return r
        return Memo(inner.settings)


def _pipeline_languages(det: Any, clean: Sequence[str]) -> list[str | None]:
    from replyassist.pipeline import AnalysisPipeline, MessageInput
    pipe = AnalysisPipeline(embedder=None, detector=det, signals=False, corpus_languages=("en",))
    langs, _ = pipe.detect(list(clean), [MessageInput(t) for t in clean])
    return [r.language for r in langs]


def agreement(items: list[tuple[str, str, str | None]], memo: _MemoFull) -> tuple[list[dict[str, Any]], dict]:
    from replyassist.language import FastLanguageDetector
    from replyassist.text import prepare_message
    rows = []
    for s, t, g in items:
        try:
            rows.append((s, prepare_message(t).clean, g))
        except Exception:
            continue   # empty after cleaning: not a message the gap analysis detects
    clean = [c for _, c, _ in rows]
    t0 = time.perf_counter()
    full = _pipeline_languages(memo.make(), clean)
    t_full = time.perf_counter() - t0
    fast_det = FastLanguageDetector(full=memo.make())
    fast = _pipeline_languages(fast_det, clean)
    # which texts the fast path answered (the counts per text): re-run per text without cache
    answered = []
    from replyassist.language.fast import FastLanguageSettings
    probe = FastLanguageDetector(FastLanguageSettings(cache_size=0), full=memo.make())
    for c in clean:
        before = probe.counts["fast"]
        probe.detect(c, hints=_hints())
        answered.append(probe.counts["fast"] > before)
    groups: dict[tuple[str, str], list[int]] = defaultdict(list)
    for i, (s, _, g) in enumerate(rows):
        groups[(s, g or "(mixed)")].append(i)
        groups[(s, "all")].append(i)
    table = []
    for (s, g), idx in sorted(groups.items(), key=lambda kv: (kv[0][0], kv[0][1] == "all", kv[0][1])):
        n = len(idx)
        gold = [rows[i][2] for i in idx]
        has_gold = all(x is not None for x in gold)
        table.append({"set": s, "language": g, "n": n,
                      "fast_share": sum(answered[i] for i in idx) / n,
                      "agreement": sum(full[i] == fast[i] for i in idx) / n,
                      "full_acc": sum(full[i] == rows[i][2] for i in idx) / n if has_gold else None,
                      "fast_acc": sum(fast[i] == rows[i][2] for i in idx) / n if has_gold else None})
    return table, {"rows": rows, "full": full, "t_full_first": t_full}


def _hints() -> Any:
    from replyassist.language import LanguageHints
    return LanguageHints(corpus_languages=("en",))


def sweep(data: dict, memo: _MemoFull) -> list[dict[str, Any]]:
    from replyassist.language import FastLanguageDetector, FastLanguageSettings
    rows, full = data["rows"], data["full"]
    clean = [c for _, c, _ in rows]
    out = []
    log_idx = [i for i, r in enumerate(rows) if r[0] == "gap log"]
    full_log_acc = (sum(full[i] == rows[i][2] for i in log_idx) / len(log_idx)) if log_idx else None
    for strip, min_prob, min_letters, cld2 in itertools.product((False, True), (0.8, 0.9, 0.95), (6, 12, 20),
                                                                ("off", "not_other")):
        det = FastLanguageDetector(FastLanguageSettings(min_prob=min_prob, min_letters=min_letters,
                                                        cld2_check=cld2, strip_salutations=strip),
                                   full=memo.make())
        fast = _pipeline_languages(det, clean)
        per: dict[str, list[bool]] = defaultdict(list)
        bc: list[bool] = []
        for (s, _, g), a, b in zip(rows, full, fast):
            per[f"{s} {g}"].append(a == b)
            if g in BCMS_SL or a in BCMS_SL:
                bc.append(a == b)
        worst = min(per.items(), key=lambda kv: sum(kv[1]) / len(kv[1]))
        ev_idx = [i for i, r in enumerate(rows) if r[0] != "gap log"]
        out.append({"strip": strip, "min_prob": min_prob, "min_letters": min_letters, "cld2_check": cld2,
                    "agreement": sum(full[i] == fast[i] for i in ev_idx) / max(1, len(ev_idx)),
                    "log_agreement": (sum(full[i] == fast[i] for i in log_idx) / len(log_idx)) if log_idx else None,
                    "log_acc": (sum(fast[i] == rows[i][2] for i in log_idx) / len(log_idx)) if log_idx else None,
                    "full_log_acc": full_log_acc,
                    "bcms_agreement": sum(bc) / max(1, len(bc)),
                    "worst": f"{worst[0]} {sum(worst[1]) / len(worst[1]):.3f}",
                    "fast_share": det.counts["fast"] / max(1, sum(det.counts.values())),
                    "default": (strip, min_prob, min_letters, cld2) == _DEFAULT})
    return out


def speed(clean: Sequence[str], repeats: int = 2) -> dict[str, Any]:
    from replyassist.language import FastLanguageDetector, LanguageDetector
    LanguageDetector().detect("warm up the backends, bitte")
    res: dict[str, list[float]] = {"full": [], "fast": []}
    for _ in range(repeats):
        for mode in ("full", "fast"):
            det = LanguageDetector() if mode == "full" else FastLanguageDetector()
            t0 = time.perf_counter()
            _pipeline_languages(det, clean)
            res[mode].append(time.perf_counter() - t0)
    f, q = sum(res["full"]) / repeats, sum(res["fast"]) / repeats
    return {"n": len(clean), "full_s": res["full"], "fast_s": res["fast"], "full_ms": 1000 * f / len(clean),
            "fast_ms": 1000 * q / len(clean), "speedup": f / q if q else None}


def gaps(n: int, work: Path) -> list[dict[str, Any]]:
    """analyze_gaps with e5-static on n messages, language_mode full then fast."""
    from replyassist.embeddings import get_embedder
    from replyassist.gaps import GapSettings, analyze_gaps
    from replyassist.matching import FaqIndex, MatchSettings

    from .gaps import _faq, evaluate
    from .gaps_million import build
    log, truth, faq_path = build(n, work)
    meta = json.loads(faq_path.read_text(encoding="utf-8"))
    corpus = _faq(meta["faq"])
    intents = truth.read_text(encoding="utf-8").splitlines()
    emb = get_embedder("e5-static")
    out = []
    langs: dict[str, list[str | None]] = {}
    for mode in ("full", "fast"):
        run = work / f"langid-fast-{mode}-{n}"
        shutil.rmtree(run, ignore_errors=True)
        index = FaqIndex(corpus, emb, MatchSettings(second_embedder=None), cache_dir=run / "index")
        load = os.getloadavg()[0]
        t0 = time.perf_counter()
        rep = analyze_gaps(str(log), corpus, index=index, embedder=emb, cache_dir=run, progress=False,
                           settings=GapSettings(sentiment_scope="reported", language_mode=mode))
        wall = time.perf_counter() - t0
        ev = evaluate(rep, intents[: rep.total_rows], None, set(meta["held"]))
        langs[mode] = [m.language for m in rep.messages]
        out.append({"mode": mode, "n": n, "wall": wall, "language_s": rep.timings.get("language"), "load": load,
                    "eval": ev, "gaps": len(rep.gaps)})
        shutil.rmtree(run, ignore_errors=True)
    same = sum(a == b for a, b in zip(langs["full"], langs["fast"])) / max(1, len(langs["full"]))
    for r in out:
        r["same_language_as_full"] = same
    return out


def _f(v: Any, nd: int = 3) -> str:
    if v is None:
        return "–"
    if isinstance(v, float):
        return f"{v:.{nd}f}"
    return str(v)


def render(table: list[dict], sw: list[dict], sp: dict, gp: list[dict], meta: dict) -> str:
    out = ["## Fast language detection for the gap analysis (`python -m benchmarks.gaps_langid_fast`)", "",
           f"Measured {time.strftime('%Y-%m-%d %H:%M')} on the shared 2-core machine (nice 10, "
           f"OMP_WAIT_POLICY=passive; load average {meta['load'][0]:.1f} at the start, {meta['load'][1]:.1f} at "
           "the end). Method: module docstring. \"agreement\": the fast and the full detector give the same "
           "language after the pipeline's variant step (corpus hint `en`); accuracy against the data set's label.", "",
           "### 1. Agreement per language (default settings: min_prob 0.9, min_letters 12, cld2_check not_other)", "",
           "| set | language | texts | fast path answered | agreement with full | full accuracy | fast accuracy |",
           "|---|---|---|---|---|---|---|"]
    for r in table:
        b = "**" if r["language"] == "all" else ""
        out.append(f"| {r['set']} | {b}{r['language']}{b} | {r['n']} | {_f(r['fast_share'])} | {b}{_f(r['agreement'])}{b} | "
                   f"{_f(r['full_acc'])} | {_f(r['fast_acc'])} |")
    out += ["", "### 2. Settings sweep (all texts above; the full detector's accuracy on the gap log: "
            f"{_f(sw[0]['full_log_acc'], 4) if sw else '–'})", "",
            "| strip_salutations | min_prob | min_letters | cld2_check | agreement (eval sets) | gap-log agreement | "
            "gap-log accuracy | sr/hr/bs/sl agreement | worst language | fast share |",
            "|---|---|---|---|---|---|---|---|---|---|"]
    for r in sw:
        b = "**" if r["default"] else ""
        out.append(f"| {b}{r['strip']}{b} | {b}{r['min_prob']}{b} | {b}{r['min_letters']}{b} | {b}{r['cld2_check']}{b} | "
                   f"{_f(r['agreement'], 4)} | {_f(r['log_agreement'], 4)} | {_f(r['log_acc'], 4)} | "
                   f"{_f(r['bcms_agreement'], 4)} | {r['worst']} | {_f(r['fast_share'])} |")
    out += ["", f"### 3. Speed of the language stage (detection + variant step, {sp['n']:,} gap-log messages, "
            "fresh detectors, alternated)", "",
            "| detector | runs (s) | ms per message |", "|---|---|---|",
            f"| full | {', '.join(f'{x:.1f}' for x in sp['full_s'])} | {sp['full_ms']:.3f} |",
            f"| fast | {', '.join(f'{x:.1f}' for x in sp['fast_s'])} | {sp['fast_ms']:.3f} |", "",
            f"Fast is **{sp['speedup']:.1f}×** faster than full in this run."]
    if gp:
        out += ["", f"### 4. Gap analysis, e5-static, {gp[0]['n']:,} messages of the gap log", "",
                "| language_mode | held-out intents recovered | false-gap rate | coverage | purity | gaps | "
                "language stage (s) | analysis wall (s) | load at start |", "|---|---|---|---|---|---|---|---|---|"]
        for r in gp:
            e = r["eval"]
            out.append(f"| {r['mode']} | {e['recovered']} | {_f(e['false_gap_msgs'])} | {_f(e['coverage'])} | "
                       f"{_f(e['purity'])} | {r['gaps']} | {r['language_s']:.1f} | {r['wall']:.1f} | {r['load']:.1f} |")
        out += ["", f"Messages with the same language in both runs: {gp[0]['same_language_as_full']:.4f}."]
    return "\n".join(out)


@ed.skip_if_missing
def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--per-language", type=int, default=500)
    ap.add_argument("--log-sample", type=int, default=20000)
    ap.add_argument("--speed-sample", type=int, default=5000)
    ap.add_argument("--gaps", type=int, default=20000, help="messages for the gap runs (0: none)")
    ap.add_argument("--work", default="/tmp/gaps-million")
    ap.add_argument("--no-write", action="store_true")
    a = ap.parse_args(argv)
    work = Path(a.work)
    work.mkdir(parents=True, exist_ok=True)
    load0 = os.getloadavg()[0]
    items = _texts(a.per_language, a.log_sample, work)
    print(f"{len(items)} texts", file=sys.stderr, flush=True)
    memo = _MemoFull()
    table, data = agreement(items, memo)
    print("agreement done", file=sys.stderr, flush=True)
    sw = sweep(data, memo)
    print("sweep done", file=sys.stderr, flush=True)
    log_clean = [c for s, c, _ in data["rows"] if s == "gap log"][: a.speed_sample]
    sp = speed(log_clean)
    print(f"speed: full {sp['full_ms']:.3f} ms, fast {sp['fast_ms']:.3f} ms", file=sys.stderr, flush=True)
    gp = gaps(a.gaps, work) if a.gaps else []
    text = render(table, sw, sp, gp, {"load": (load0, os.getloadavg()[0])})
    ed.publish(text, RESULTS, write=not a.no_write)
    return 0


if __name__ == "__main__":
    sys.exit(main())
