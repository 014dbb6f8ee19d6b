"""Fill the embedding cache with the development data, so benchmarks re-run fast.

    python -m benchmarks.precompute_embeddings [--mozetic-per-lang N]

Vectors go to the same per-text cache the library uses (``$REPLYASSIST_CACHE``).
"""
from __future__ import annotations

import argparse
import random
import sys
import time

from replyassist.embeddings import CachedEmbedder, get_embedder

from . import evaldata as ed


def _texts(mozetic_per_lang: int) -> list[tuple[str, list[str]]]:
    sets: list[tuple[str, list[str]]] = []
    rows = ed.xsid()
    sets.append(("xsid", [r["text"] for r in rows] + [r["text_en"] for r in rows]))
    tr, te = ed.banking77()
    sets.append(("banking77", [t for t, _ in tr + te]))
    c = ed.clinc150()
    sets.append(("clinc150", [t for split in c.values() for t, _ in split]))
    sets.append(("umsab", [t for l in ed.UMSAB_LANGS for s in ("train", "val") for t, _ in ed.umsab(l, s)]))
    sets.append(("germeval", [t for t, _, _ in ed.germeval()]))
    sets.append(("tydip", [t for l in ("en", "es", "fr") for t, _ in ed.tydip(l, "test")] + [t for t, _ in ed.tydip("en", "train")]))
    moz = ed.mozetic()
    by: dict[str, list[str]] = {}
    for r in moz:
        by.setdefault(r["lang"], []).append(r["text"])
    rnd = random.Random(0)
    sample = []
    for lang in sorted(by):
        t = by[lang]
        rnd.shuffle(t)
        sample += t[:mozetic_per_lang]
    sets.append(("mozetic", sample))
    return sets


@ed.skip_if_missing
def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mozetic-per-lang", type=int, default=4000)
    ap.add_argument("--only", default=None)
    args = ap.parse_args()
    emb = CachedEmbedder(get_embedder("e5-small"))
    for name, texts in _texts(args.mozetic_per_lang):
        if args.only and name not in args.only.split(","):
            continue
        t0 = time.time()
        emb.encode(texts, progress=lambda d, n, name=name: print(f"\r{name}: {d}/{n}", end="", file=sys.stderr, flush=True))
        print(f"\n{name}: {len(texts)} texts in {time.time() - t0:.0f}s", file=sys.stderr, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
