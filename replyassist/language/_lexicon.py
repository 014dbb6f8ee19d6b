"""Word-form membership in per-language lexicons (Bloom filters in replyassist/models/langid/lexicon.npz)."""
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
        packed = [np.asarray(data[f"bloom_{lang}"], dtype=np.uint8).ravel() for lang in self.languages]
        self.sizes = [len(b) * 8 for b in packed]
        # all filters in one array, so one gather answers every (language, word, probe) at once
        self._all_bits = np.concatenate(packed)
        self._m = np.array(self.sizes, dtype=np.int64)[:, None, None]
        self._offset_bits = (np.cumsum([0] + self.sizes[:-1]).astype(np.int64))[:, None, None]
        self._probe = np.arange(K, dtype=np.int64)[None, None, :]

    def features(self, text: str) -> np.ndarray:
        toks = _TOKEN.findall(text.lower())[:40]
        out = np.zeros(len(self.languages) + 1, dtype=np.float32)
        if not toks:
            return out
        enc = [tok.encode("utf-8") for tok in toks]
        h1 = np.array([zlib.crc32(b) for b in enc], dtype=np.int64)[None, :, None]
        h2 = np.array([zlib.adler32(b) | 1 for b in enc], dtype=np.int64)[None, :, None]
        pos = (h1 + self._probe * h2) % self._m + self._offset_bits         # (languages, words, K), as bloom_positions()
        bit = (self._all_bits[pos >> 3] >> (7 - (pos & 7)).astype(np.uint8)) & 1
        hits = bit.all(axis=2)                                               # (languages, words)
        out[:-1] = hits.sum(axis=1)
        out[-1] = float((~hits.any(axis=0)).sum())
        return out / len(toks)
