"""Build replyassist/models/langid/lexicon.npz (package data): per-language Bloom filters of word forms.

Source: the lemma lookup tables of spacy-lookups-data (MIT; per-language sources, e.g. hrLex /
srLex by Ljubešić et al. for Croatian and Serbian, Apache-2.0 via reldi-tagger). Only hashed bits
are stored, no words. Each language gets ``BITS_PER_WORD`` bits per distinct form and ``K`` hash
functions (about 1-2 % false positives).

    python models/langid/build_lexicon.py
"""
from __future__ import annotations

import gzip
import json
import os
import sys
import unicodedata
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))

from replyassist.language._lexicon import LEXICON_FILE, K, bloom_positions  # noqa: E402
from replyassist.language._backends import LABELS  # noqa: E402

BITS_PER_WORD = 10


def main() -> None:
    import spacy_lookups_data
    data = Path(os.path.dirname(spacy_lookups_data.__file__)) / "data"
    langs: dict[str, set[str]] = {}
    for path in sorted(data.glob("*_lemma_lookup*.json.gz")):
        lang = path.name.split("_")[0]
        if lang not in LABELS:
            continue
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            table = json.load(fh)
        words = langs.setdefault(lang, set())
        for k, v in table.items():
            for w in (k, v):
                if isinstance(w, str) and w and " " not in w:
                    words.add(unicodedata.normalize("NFC", w.lower()))
    names, arrays, sizes = [], {}, {}
    for lang, words in sorted(langs.items()):
        if len(words) < 1000:  # too small to say anything (e.g. a few hundred entries)
            continue
        m = 1 << int(np.ceil(np.log2(max(len(words) * BITS_PER_WORD, 1 << 16))))
        bits = np.zeros(m, dtype=bool)
        for w in words:
            bits[bloom_positions(w, m)] = True
        arrays[f"bloom_{lang}"] = np.packbits(bits)
        names.append(lang)
        sizes[lang] = len(words)
        print(lang, len(words), m, file=sys.stderr)
    out = LEXICON_FILE   # replyassist/models/langid/lexicon.npz (package data)
    out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(out, languages=np.array(names), **arrays)
    print(f"wrote {out} ({out.stat().st_size / 1e6:.1f} MB); forms per language: {sizes}")


if __name__ == "__main__":
    main()
