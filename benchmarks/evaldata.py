"""Loaders for the development data in ``../shared/eval`` (never committed to this repository).

The folder is taken from ``$REPLYASSIST_EVAL`` or ``../shared/eval`` relative to the project root.
Each loader raises :class:`EvalDataMissing` with a clear message when its files are absent, and
benchmarks turn that into a skip line rather than a traceback.
"""
from __future__ import annotations

import csv
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


class EvalDataMissing(RuntimeError):
    """The evaluation data folder (or one of its files) is not present."""


def eval_dir() -> Path:
    env = os.environ.get("REPLYASSIST_EVAL")
    return Path(env) if env else (ROOT.parent / "shared" / "eval")


def require(*parts: str) -> Path:
    p = eval_dir().joinpath(*parts)
    if not p.exists():
        raise EvalDataMissing(
            f"evaluation data not found: {p}. Benchmarks read the public development data at run time; "
            "set REPLYASSIST_EVAL to its folder (see benchmarks/README.md). Skipping.")
    return p


def skip_if_missing(fn):
    """Decorator for a benchmark's main(): print a skip message instead of failing without data."""
    def wrapper(*a, **kw):
        try:
            return fn(*a, **kw)
        except EvalDataMissing as exc:
            print(f"SKIPPED: {exc}")
            return 0
    return wrapper


def banking77() -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(train, test) lists of (text, intent)."""
    out = []
    for split in ("train", "test"):
        with open(require("banking77", f"{split}.csv"), newline="", encoding="utf-8") as fh:
            out.append([(r["text"], r["category"]) for r in csv.DictReader(fh)])
    return out[0], out[1]


def clinc150() -> dict[str, list[tuple[str, str]]]:
    """Splits train, val, oos_train, oos_val as lists of (text, intent)."""
    data = json.loads(require("clinc150", "data.json").read_text(encoding="utf-8"))
    return {k: [(t, i) for t, i in v] for k, v in data.items()}


def xsid() -> list[dict[str, str]]:
    """Rows with lang, split, id, intent, text_en, text."""
    with open(require("xsid", "utterances.tsv"), newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE))


def langid(length_class: str) -> dict[str, list[str]]:
    """``length_class`` in single-words, word-pairs, sentences -> {iso639-1: [texts]}."""
    folder = require("langid", length_class)
    return {p.stem: [ln for ln in p.read_text(encoding="utf-8").splitlines() if ln.strip()]
            for p in sorted(folder.glob("*.txt"))}


def mozetic() -> list[dict[str, str]]:
    """Rows with lang (ISO 639-3), tweet_id, label (Positive/Negative), text."""
    csv.field_size_limit(sys.maxsize)
    with open(require("sentiment", "mozetic_tweets.tsv"), newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


UMSAB_LANGS = {"en": "english", "de": "german", "fr": "french", "it": "italian", "es": "spanish", "pt": "portuguese"}


def umsab(lang: str, split: str) -> list[tuple[str, str]]:
    """(text, label) with label negative/neutral/positive; ``lang`` is ISO 639-1, split train/val."""
    path = require("sentiment", f"umsab_{UMSAB_LANGS[lang]}_{split}.tsv")
    with open(path, newline="", encoding="utf-8") as fh:
        return [(r["text"], r["label"]) for r in csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE)]


def germeval() -> list[tuple[str, str, str]]:
    """(text, coarse OFFENSE/OTHER, fine) rows."""
    rows = []
    for line in require("germeval2018_offensive_de", "germeval2018.training.txt").read_text(encoding="utf-8").splitlines():
        parts = line.split("\t")
        if len(parts) == 3:
            rows.append((parts[0], parts[1], parts[2]))
    return rows


def tydip(lang: str, split: str = "test") -> list[tuple[str, float]]:
    """(sentence, score) from the binary files; score < 0 means impolite."""
    with open(require("tydip_politeness", "binary", f"{lang}_{split}_binary.csv"), newline="", encoding="utf-8") as fh:
        return [(r["sentence"], float(r["score"])) for r in csv.DictReader(fh)]


def badwords(lang: str) -> list[str]:
    return [w.strip() for w in require("ldnoobw_badwords", f"{lang}.txt").read_text(encoding="utf-8").splitlines() if w.strip()]


def publish(text: str, path: Path, *, write: bool = True) -> None:
    """Print a benchmark's markdown and write it to its results file (``write=False``: print only, the
    benchmarks' ``--no-write``)."""
    print(text)
    if not write:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text + "\n", encoding="utf-8")
