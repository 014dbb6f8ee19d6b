"""Language-identification benchmark: replyassist's detector beside each single detector.

Reads the development data in ../shared/eval (langid, xsid, sentiment/mozetic_tweets.tsv) at run
time. Our detector's figures are HELD-OUT: 5-fold cross-validation by group, every item predicted by
a model (naive Bayes + combiner) trained without its fold (see benchmarks/langid_train.py). The
other detectors are used as shipped. Every detector gets the same cleaned text (URLs, mentions,
hashtags, emoji, quoted replies removed) so that cleaning is not what is being compared.

    python -m benchmarks.langid                 # tables + benchmarks/results/langid.md
    python -m benchmarks.langid --lingua-high   # also lingua high-accuracy (1 GB RAM, slow)
"""
from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from benchmarks import evaldata
from benchmarks import langid_train as T
from replyassist.language import _backends as B
from replyassist.language.detector import LanguageDetector

ROOT = Path(__file__).resolve().parent.parent
L12 = ("en", "de", "hu", "sr", "hr", "bs", "sl", "mk", "cs", "sk", "pl", "ro")
XSID6 = ("en", "de", "da", "nl", "it", "lt")
TW6 = ("hu", "de", "en", "sl", "pl", "sk")
BCMS = ("sr", "hr", "bs", "sl", "mk")


# ------------------------------------------------------------------ single detectors
def _langdetect():
    from langdetect import DetectorFactory, detect_langs
    DetectorFactory.seed = 0

    def f(t):
        try:
            r = detect_langs(t)
            return r[0].lang.split("-")[0] if r else None
        except Exception:
            return None
    return f


def _cld2():
    import pycld2

    def f(t):
        try:
            ok, _, det = pycld2.detect(t, bestEffort=True)
        except Exception:
            return None
        code = det[0][1]
        return None if code in ("un", "xx") else {"no": "nb", "iw": "he"}.get(code, code).split("-")[0]
    return f


def _py3langid():
    from py3langid.langid import MODEL_FILE, LanguageIdentifier
    ident = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    known = set(ident.labels)
    ident.set_languages([("no" if c == "nb" else c) for c in B.LABELS if ("no" if c == "nb" else c) in known])

    def f(t):
        code = ident.classify(t)[0] if t.strip() else None
        return "nb" if code == "no" else code
    return f


def _fasttext():
    def f(t):
        p = B.fasttext_all(t)
        return max(p.items(), key=lambda kv: kv[1])[0] if p else None
    return f


def _lingua(high: bool):
    from lingua import IsoCode639_1, Language, LanguageDetectorBuilder
    langs = [Language.from_iso_code_639_1(getattr(IsoCode639_1, c.upper())) for c in B.LABELS]
    b = LanguageDetectorBuilder.from_languages(*langs)
    if not high:
        b = b.with_low_accuracy_mode()
    det = b.build()

    def f(t):
        r = det.detect_language_of(t)
        return r.iso_code_639_1.name.lower() if r else None
    return f


DETECTORS = {
    "langdetect 1.0.9 (seeded)": _langdetect,
    "pycld2 (bestEffort)": _cld2,
    "py3langid (restricted to the 39)": _py3langid,
    "fastText lid.176.ftz": _fasttext,
    "lingua 2.1.1 low accuracy (the 39)": lambda: _lingua(False),
}


def baseline_path(name: str, eval_texts: list[str]) -> Path:
    import hashlib
    key = hashlib.sha1("\x00".join(eval_texts).encode("utf-8", "replace")).hexdigest()[:16]
    return T.CACHE / f"base_{name.split()[0]}_{'high' if 'high' in name else ''}{key}.json"


def baseline_preds(name: str, factory, items: list[dict], texts: list[str]) -> list[str | None]:
    """Predictions of a single detector for the evaluated items (None elsewhere), cached on disk."""
    T.CACHE.mkdir(parents=True, exist_ok=True)
    ev = [i for i, it in enumerate(items) if it["eval"]]
    path = baseline_path(name, [texts[i] for i in ev])
    if path.exists():
        got = json.loads(path.read_text())
    else:
        f = factory()
        got = [f(texts[i]) if texts[i].strip() else None for i in ev]
        path.write_text(json.dumps(got))
    out: list[str | None] = [None] * len(items)
    for i, p in zip(ev, got):
        out[i] = p
    return out


# ------------------------------------------------------------------ scoring
def accuracy(items, preds, source: str, langs) -> float:
    hit = [int(p == it["label"]) for it, p in zip(items, preds) if it["eval"] and it["source"] == source and it["label"] in langs]
    return 100.0 * float(np.mean(hit)) if hit else float("nan")


SH = {"sr": "sh", "hr": "sh", "bs": "sh"}


def accuracy_merged(items, preds, source: str, langs) -> float:
    """Accuracy when Serbian, Croatian and Bosnian count as one language (Serbo-Croatian, ``sh``).

    Shows how much of a detector's error is the sr/hr/bs distinction alone, which the data's labels
    (collection or corpus of origin, not per item) only partly support.
    """
    hit = [int(SH.get(p, p) == SH.get(it["label"], it["label"])) for it, p in zip(items, preds)
           if it["eval"] and it["source"] == source and it["label"] in langs]
    return 100.0 * float(np.mean(hit)) if hit else float("nan")


def macro(items, preds, source, langs) -> float:
    return float(np.mean([accuracy(items, preds, source, (lang,)) for lang in langs]))


def confusion(items, preds, sources, langs=BCMS) -> str:
    cols = list(langs) + ["other", "und"]
    rows = ["| true \\ predicted | " + " | ".join(cols) + " |", "|---" * (len(cols) + 1) + "|"]
    for lab in langs:
        cnt = dict.fromkeys(cols, 0)
        n = 0
        for it, p in zip(items, preds):
            if it["eval"] and it["source"] in sources and it["label"] == lab:
                n += 1
                cnt[p if p in langs else ("und" if p is None else "other")] += 1
        if n:
            rows.append(f"| {lab} (n={n}) | " + " | ".join(f"{100 * cnt[c] / n:.1f}" for c in cols) + " |")
    return "\n".join(rows)


def resources_row() -> dict[str, float]:
    """Start-up time and RSS of a fresh process, and latency on short messages (xSID + tweets)."""
    code = (
        "import time,resource,json,sys\n"
        "t=time.perf_counter()\n"
        "from replyassist.language import detect_language\n"
        "detect_language('Dobar dan, gde je moja porudžbina?')\n"
        "start=time.perf_counter()-t\n"
        "from benchmarks import evaldata\n"
        "texts=[r['text'] for r in evaldata.xsid()][:1500]\n"
        "for x in texts: detect_language(x)\n"
        "rss=[int(l.split()[1]) for l in open('/proc/self/status') if l.startswith('VmHWM')][0]/1024"
        "  # peak RSS of this process image (ru_maxrss would carry the parent's over fork+exec)\n"
        "texts+=[r['text'] for r in evaldata.mozetic()[::80]][:1500]\n"
        "lat=[]\n"
        "for x in texts:\n"
        "    t=time.perf_counter(); detect_language(x); lat.append(time.perf_counter()-t)\n"
        "import numpy as np\n"
        "print(json.dumps(dict(startup_s=start, rss_mb=rss,"
        " p50_ms=1000*float(np.percentile(lat,50)), p95_ms=1000*float(np.percentile(lat,95)),"
        " mean_chars=float(np.mean([len(x) for x in texts])), n=len(texts))))\n")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


@evaldata.skip_if_missing
def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    items = T.load_items()
    texts = [LanguageDetector.detection_text(it["text"]) for it in items]
    dets = dict(DETECTORS)
    if "--lingua-high" in argv:
        dets["lingua 2.1.1 high accuracy (the 39)"] = lambda: _lingua(True)
    table: dict[str, list[str | None]] = {}
    for name, fac in dets.items():
        t0 = time.time()
        try:
            table[name] = baseline_preds(name, fac, items, texts)
        except ImportError as exc:   # langdetect, py3langid: the `bench` extra, not core
            print(f"  {name}: SKIPPED ({exc}; pip install -e \".[bench]\")", file=sys.stderr, flush=True)
            continue
        print(f"  {name}: {time.time() - t0:.0f}s", file=sys.stderr, flush=True)
    res = T.cv_predictions(write="--write" in argv)
    ours = "**replyassist (held-out, 5-fold CV)**"
    table[ours] = [p for p, _ in res["preds"]]
    lines = ["# Language identification (development data, held-out figures for replyassist)", ""]
    lines.append("Accuracy in %. replyassist considers the 39 languages of the lingua test data plus "
                 f"{len(__import__('replyassist.language', fromlist=['EXTRA_LANGUAGES']).EXTRA_LANGUAGES)} "
                 "more (default settings); its figures are out-of-fold predictions of a 5-fold "
                 "cross-validation (grouped by item / utterance id / tweet text), never of a model that saw the item.")
    lines.append("")
    for title, langs in (("12 languages (en de hu sr hr bs sl mk cs sk pl ro)", L12), ("all 39 languages", B.LABELS)):
        lines += [f"## lingua test data, {title}", "", "| detector | single words | word pairs | sentences |",
                  "|---|---|---|---|"]
        for name, preds in table.items():
            lines.append(f"| {name} | " + " | ".join(f"{accuracy(items, preds, s, langs):.1f}" for s in T.LENGTH_CLASSES) + " |")
        lines.append("")
    lines += ["## Real short texts", "",
              "| detector | xSID en de da nl it lt | xSID sr (Latin) | tweets hu de en sl pl sk | tweets sr | tweets hr | tweets bs |",
              "|---|---|---|---|---|---|---|"]
    for name, preds in table.items():
        cells = [macro(items, preds, "xsid", XSID6), accuracy(items, preds, "xsid", ("sr",)),
                 macro(items, preds, "tweets", TW6), accuracy(items, preds, "tweets", ("sr",)),
                 accuracy(items, preds, "tweets", ("hr",)), accuracy(items, preds, "tweets", ("bs",))]
        lines.append(f"| {name} | " + " | ".join(f"{c:.1f}" for c in cells) + " |")
    n_tw = sum(1 for it in items if it["source"] == "tweets")
    lines += ["", f"Tweets: a seeded sample of up to {T.TWEETS_PER_LANG} distinct tweets per language ({n_tw} in all); "
              "xSID: the 300 validation utterances per language. Averages are macro over languages.", ""]
    lines += ["## The same with Serbian, Croatian and Bosnian counted as one language", "",
              "Any of sr/hr/bs read as any other of the three counts as right; every other error still counts. "
              "The gap to the table above is the sr/hr/bs distinction alone.", "",
              "| detector | 12 langs: single words | word pairs | sentences | tweets sr | tweets hr | tweets bs |",
              "|---|---|---|---|---|---|---|"]
    for name, preds in table.items():
        cells = [accuracy_merged(items, preds, s, L12) for s in T.LENGTH_CLASSES]
        cells += [accuracy_merged(items, preds, "tweets", (lang,)) for lang in ("sr", "hr", "bs")]
        lines.append(f"| {name} | " + " | ".join(f"{c:.1f}" for c in cells) + " |")
    lines.append("")
    lines += ["## Serbian / Croatian / Bosnian confusion of replyassist (held-out, % of row)", ""]
    for title, srcs in (("lingua sentences", ("sentences",)), ("lingua single words + word pairs", ("single-words", "word-pairs")),
                        ("tweets", ("tweets",))):
        lines += [f"### {title}", "", confusion(items, table[ours], srcs), ""]
    r = resources_row()
    lines += ["## Cost of the shipped detector (fresh process, this machine, shared CPU)", "",
              "| start-up (import + first call) | peak RSS | p50 latency | p95 latency | messages (mean chars) |",
              "|---|---|---|---|---|",
              f"| {r['startup_s']:.2f} s | {r['rss_mb']:.0f} MB | {r['p50_ms']:.2f} ms | {r['p95_ms']:.2f} ms | "
              f"{r['n']} ({r['mean_chars']:.0f}) |", ""]
    text = "\n".join(lines)
    print(text)
    out = ROOT / "benchmarks" / "results" / "langid.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
