"""Word-form membership in per-language lexicons (Bloom filters in models/langid/lexicon.npz)."""
from __future__ import annotations

import re
import zlib
from pathlib import Path

import numpy as np

K = 3
_TOKEN = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
LEXICON_FILE = Path(__file__).resolve().parent.parent / "models" / "langid" / "lexicon.npz"


def bloom_positions(word: str, m: int) -> list[int]:
    b = word.encode("utf-8")
    h1 = zlib.crc32(b)
    h2 = zlib.adler32(b) | 1
    return [(h1 + i * h2) % m for i in range(K)]


class Lexicon:
    """``features(text)``: for each lexicon language, the share of the text's words it contains."""

    def __init__(self, path: Path = LEXICON_FILE) -> None:
        data = np.load(path, allow_pickle=False)
        self.languages = tuple(str(x) for x in data["languages"])
        # kept packed (1 bit per position): bytes objects index fast from Python
        self.bits = [bytes(data[f"bloom_{lang}"]) for lang in self.languages]
        self.sizes = [len(b) * 8 for b in self.bits]

    def features(self, text: str) -> np.ndarray:
        toks = _TOKEN.findall(text.lower())[:40]
        out = np.zeros(len(self.languages) + 1, dtype=np.float32)
        if not toks:
            return out
        crc, adler = zlib.crc32, zlib.adler32
        for tok in toks:
            b = tok.encode("utf-8")
            h1, h2 = crc(b), adler(b) | 1  # the same positions as bloom_positions(), hashed once
            hit = False
            for j, (bits, m) in enumerate(zip(self.bits, self.sizes)):
                for i in range(K):
                    p = (h1 + i * h2) % m
                    if not bits[p >> 3] >> (7 - (p & 7)) & 1:
                        break
                else:
                    out[j] += 1
                    hit = True
            if not hit:
                out[-1] += 1
        return out / len(toks)
