"""Train the cross-lingual alignment maps shipped as ``replyassist/models/alignment/xsid_maps.npz``.

    python models/alignment/train.py               # select on inner splits, fit on all 300, write the npz
    python models/alignment/train.py --dry-run     # selection report only

Data: the xSID development split (``../shared/eval/xsid/utterances.tsv`` or ``$REPLYASSIST_EVAL``),
read at run time and never copied: the same 300 utterances in English and in de, sr (Latin), da,
nl, it, lt. Vectors: e5-small query vectors from the shared cache
(``CachedEmbedder(get_embedder("e5-small"))``).

Method (:func:`replyassist.matching.alignment.fit_alignment`): per language ``L``, a map from the
``L`` vector of an utterance towards the vector of its English original, ``q -> q + q @ D + b``,
``D`` from ridge regression of ``en - L`` on the centred ``L`` vectors (shrunk towards no change),
optionally truncated to a low rank and scaled by a strength. One configuration (method, ridge,
centring, strength, rank) is chosen for all languages by :func:`select_config` on *inner* splits of
the training ids only: the ids are dealt into 3 parts stratified by intent; for each of the 6
orders, FAQ = the English utterances of one part (one entry per intent, scored by the real
:class:`~replyassist.matching.FaqIndex`), the map is learned on the pairs of a second part, and
the ``L`` utterances of the third part are the messages (so the map never saw the FAQ's sentences
nor the messages, as with a real FAQ). Because 300 voice-assistant sentences can teach a map that
fits xSID and hurts a shop FAQ, the objective averages that xSID top-1 with a transfer check on the
project's own shop corpus (``faq_corpus/shop`` reduced to English; its German and Serbian
questions as messages; :class:`ShopCheck`). The shop figures of the model card are therefore not
an independent test of the configuration; ``examples/shop_queries.csv`` (never used here) is.

``benchmarks/matching.py`` calls :func:`train_maps` with the ids of one fold to score the other
fold honestly; the shipped file is :func:`train_maps` on all 300 ids.
"""
from __future__ import annotations

import argparse
import itertools
import json
import random
import sys
import time
from pathlib import Path
from typing import Any, Iterable, Sequence

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from replyassist.matching.alignment import ALIGNMENT_SETS, MODELS_DIR, AlignmentMap, fit_alignment, save_alignment  # noqa: E402
from replyassist.matching.scoring import blas_threads  # noqa: E402

OUT = MODELS_DIR / ALIGNMENT_SETS["xsid"]   # replyassist/models/alignment/xsid_maps.npz (package data)
REPORT = Path(__file__).resolve().parent / "training.json"
LANGS = ("de", "sr", "da", "nl", "it", "lt")
#: Languages served by another language's map (measured: see README.md / benchmarks/alignment.py).
#: hr -> sr: on the shop check, Croatian questions vs the English-only shop corpus went from 0.788 to
#: 0.808 top-1 with the Serbian map (benchmarks/alignment.py). bs is not added: no Bosnian test data.
ALIASES: dict[str, str] = {"hr": "sr"}

# Stage 1: method x ridge x strength at full rank; stage 2: rank for the winner. (Centring made no
# difference beyond 0.002 in a first run; near-zero ridge won in-domain but lost on the shop check.)
STAGE1: list[dict[str, Any]] = (
    [{"method": "ridge", "ridge": r, "center": True, "strength": s, "rank": 0}
     for r in (0.01, 0.1, 0.3, 1.0, 3.0, 10.0) for s in (0.5, 0.75, 1.0)]
    + [{"method": "procrustes", "ridge": 0.0, "center": True, "strength": s, "rank": 0} for s in (0.5, 1.0)]
    + [{"method": "shift", "ridge": 0.0, "center": True, "strength": s, "rank": 0} for s in (0.5, 1.0)])
RANKS = (4, 8, 16, 32, 64, 0)
#: Languages of the shop transfer check (the shop corpus has no da/nl/it/lt questions).
SHOP_LANGS = ("de", "sr")
SHOP = ROOT / "faq_corpus" / "shop"


class XsidData:
    """xSID utterances by language and id, with the e5-small vectors (shared cache)."""

    def __init__(self, emb: Any = None) -> None:
        from benchmarks import evaldata as ed
        from replyassist.embeddings import CachedEmbedder, get_embedder

        rows = ed.xsid()
        self.by: dict[str, dict[str, dict[str, str]]] = {}
        for r in rows:
            self.by.setdefault(r["lang"], {})[r["id"]] = r
        self.ids = sorted(self.by["en"], key=int)
        self.intent = {i: self.by["en"][i]["intent"] for i in self.ids}
        self.emb = emb if emb is not None else CachedEmbedder(get_embedder("e5-small"))
        self._vec: dict[str, dict[str, np.ndarray]] = {}

    def vectors(self, lang: str, ids: Sequence[str]) -> np.ndarray:
        if lang not in self._vec:
            lids = [i for i in self.ids if i in self.by[lang]]
            v = self.emb.encode([self.by[lang][i]["text"] for i in lids])
            self._vec[lang] = dict(zip(lids, np.asarray(v, dtype=np.float32)))
        return np.stack([self._vec[lang][i] for i in ids])

    def have(self, lang: str, ids: Sequence[str]) -> list[str]:
        """The ids of ``ids`` that exist in ``lang`` (lt lacks a few)."""
        return [i for i in ids if i in self.by[lang]]

    def texts(self, lang: str, ids: Sequence[str]) -> list[str]:
        return [self.by[lang][i]["text"] for i in ids]


def stratified_parts(ids: Sequence[str], intent: dict[str, str], parts: int, seed: int) -> list[list[str]]:
    """Deal ``ids`` into ``parts`` parts, per intent in seeded random order (round robin)."""
    per: dict[str, list[str]] = {}
    for i in ids:
        per.setdefault(intent[i], []).append(i)
    rnd = random.Random(seed)
    out: list[list[str]] = [[] for _ in range(parts)]
    k = 0
    for lab in sorted(per):
        members = sorted(per[lab], key=int)
        rnd.shuffle(members)
        for m in members:
            out[k % parts].append(m)
            k += 1
    return [sorted(p, key=int) for p in out]


def selection_settings() -> Any:
    """The matcher used to select the map configuration: alignment off, softmax head pinned to the
    50 Adam steps under which the shipped maps were selected (the matcher's default became 20
    later; left to follow it, the inner-split selection picked other configurations: a noise-level
    choice that moved the benchmark's xSID fold maps by up to 0.01)."""
    from replyassist.matching import MatchSettings

    return MatchSettings(language_alignment=None, head_steps=50)


def english_index(data: XsidData, ids: Sequence[str]) -> tuple[Any, dict[str, str]]:
    """A FaqIndex over the English utterances of ``ids`` (one entry per intent), alignment off."""
    from replyassist.corpus import AnswerTemplate, FaqCorpus, FaqEntry
    from replyassist.matching import FaqIndex

    by: dict[str, list[str]] = {}
    for i in ids:
        by.setdefault(data.intent[i], []).append(data.by["en"][i]["text"])
    entries = tuple(FaqEntry(id=f"e{k:03d}", category=lab, questions={"en": tuple(t)},
                             answers={"en": AnswerTemplate(formal="-")}) for k, (lab, t) in enumerate(sorted(by.items())))
    idx = FaqIndex(FaqCorpus(name="xsid-inner", entries=entries), data.emb, selection_settings(), cache_dir=False)
    return idx, {e.id: e.category for e in entries}


def top1(idx: Any, id2lab: dict[str, str], q: np.ndarray, texts: Sequence[str], labels: Sequence[str]) -> float:
    with blas_threads(1):
        res = idx.search(q, texts=list(texts))
    return float(np.mean([id2lab[r.matches[0].faq_id] == lab for r, lab in zip(res, labels)]))


def _fit(data: XsidData, lang: str, ids: Sequence[str], cfg: dict[str, Any]) -> AlignmentMap:
    ids = data.have(lang, ids)
    with blas_threads(1):
        return fit_alignment(data.vectors(lang, ids), data.vectors("en", ids), language=lang, **cfg)


class ShopCheck:
    """Transfer check on the project's own shop corpus (``faq_corpus/shop``, not evaluation data):
    the corpus reduced to its English questions; messages = its German and Serbian questions,
    labelled with their entry. Maps are learned on xSID pairs only."""

    def __init__(self, emb: Any) -> None:
        import dataclasses

        from replyassist.corpus import FaqCorpus, load_corpus
        from replyassist.matching import FaqIndex

        full = load_corpus(SHOP)
        entries = tuple(dataclasses.replace(e, questions={"en": e.questions["en"]})
                        for e in full.entries if e.questions.get("en"))
        self.index = FaqIndex(FaqCorpus(name="shop-en", entries=entries), emb, selection_settings(), cache_dir=False)
        known = {e.id for e in entries}
        self.items: dict[str, tuple[np.ndarray, list[str], list[str]]] = {}
        for lang in SHOP_LANGS:
            pairs = [(q, e.id) for e in full.entries if e.id in known for q in e.questions.get(lang, ())]
            self.items[lang] = (np.asarray(emb.encode([t for t, _ in pairs]), dtype=np.float32),
                                [t for t, _ in pairs], [i for _, i in pairs])

    def score(self, maps: dict[str, AlignmentMap] | None) -> dict[str, float]:
        out = {}
        for lang, (q, texts, y) in self.items.items():
            m = (maps or {}).get(lang)
            with blas_threads(1):
                qq = m.apply(q) if m is not None else q
                res = self.index.search(qq, texts=texts)
            out[lang] = float(np.mean([r.matches[0].faq_id == t for r, t in zip(res, y)]))
        return out


_SHOP: dict[int, ShopCheck] = {}


def select_config(data: XsidData, ids: Sequence[str], langs: Sequence[str] = LANGS, seed: int = 1,
                  log: Any = None) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Choose one map configuration (see the module docs).

    Objective = mean of (a) the xSID inner-split top-1 (FAQ, map pairs and messages from three
    disjoint parts of ``ids``; mean over ``langs``) and (b) the shop transfer top-1 (maps learned
    on all pairs of ``ids``; mean over de, sr). (b) guards against maps that fit the
    voice-assistant domain of xSID and hurt elsewhere (measured: near-zero ridge gave the best (a)
    and lost 10 points on (b)).
    """
    parts = stratified_parts(ids, data.intent, 3, seed)
    orders = list(itertools.permutations(range(3)))
    setups = []
    for faq_p, map_p, q_p in orders:
        idx, id2lab = english_index(data, parts[faq_p])
        qids = [i for i in parts[q_p] if data.intent[i] in set(id2lab.values())]
        setups.append((idx, id2lab, parts[map_p], qids))
    shop = _SHOP.get(id(data.emb))
    if shop is None:
        shop = _SHOP[id(data.emb)] = ShopCheck(data.emb)

    def score(cfg: dict[str, Any] | None) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for lang in langs:
            accs = []
            for idx, id2lab, map_ids, qids in setups:
                qids = data.have(lang, qids)
                q = data.vectors(lang, qids)
                if cfg is not None:
                    with blas_threads(1):
                        q = _fit(data, lang, map_ids, cfg).apply(q)
                accs.append(top1(idx, id2lab, q, data.texts(lang, qids), [data.intent[i] for i in qids]))
            out[lang] = float(np.mean(accs))
        out["xsid_mean"] = float(np.mean([out[lg] for lg in langs]))
        maps = None if cfg is None else {lg: _fit(data, lg, ids, cfg) for lg in SHOP_LANGS}
        out["shop"] = shop.score(maps)
        out["shop_mean"] = float(np.mean(list(out["shop"].values())))
        out["objective"] = 0.5 * (out["xsid_mean"] + out["shop_mean"])
        return out

    table: list[dict[str, Any]] = [{"config": None, **score(None)}]
    if log:
        log(table[-1])
    for cfg in STAGE1:
        table.append({"config": cfg, **score(cfg)})
        if log:
            log(table[-1])
    best = max(table[1:], key=lambda r: (round(r["objective"], 6), -STAGE1.index(r["config"])))["config"]
    rank_rows = []
    for rank in RANKS:
        cfg = dict(best, rank=rank)
        if rank == 0 or best["method"] == "shift":
            row = next(r for r in table if r["config"] == best)
        else:
            row = {"config": cfg, **score(cfg)}
            table.append(row)
            if log:
                log(row)
        rank_rows.append(row)
    top = max(r["objective"] for r in rank_rows)
    # the smallest rank within 0.002 of the best (smaller file, same accuracy)
    chosen = next(r for r in rank_rows if r["objective"] >= top - 0.002)["config"]
    return dict(chosen), table


def train_maps(data: XsidData, ids: Sequence[str], langs: Sequence[str] = LANGS, *, cfg: dict[str, Any] | None = None,
               log: Any = None) -> tuple[dict[str, AlignmentMap], dict[str, Any], list[dict[str, Any]]]:
    """Select a configuration on inner splits of ``ids`` (unless ``cfg`` is given), then fit one map
    per language on all pairs of ``ids``. Returns ``(maps, config, selection table)``."""
    table: list[dict[str, Any]] = []
    if cfg is None:
        cfg, table = select_config(data, ids, langs, log=log)
    maps = {lang: _fit(data, lang, ids, cfg) for lang in langs}
    return maps, cfg, table


def main(argv: Iterable[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dry-run", action="store_true", help="print the selection, write nothing")
    args = ap.parse_args(list(argv) if argv is not None else None)
    t0 = time.time()
    data = XsidData()
    maps, cfg, table = train_maps(data, data.ids, log=lambda r: print(json.dumps(r), flush=True))
    print("chosen:", cfg)
    if args.dry_run:
        return 0
    version = save_alignment(OUT, maps, ALIASES)
    # float16 storage: the shop check with the stored maps must equal the float32 maps
    from replyassist.matching.alignment import read_alignment

    shop = _SHOP[id(data.emb)]
    f32 = shop.score(maps)
    f16 = shop.score(dict(read_alignment(OUT).maps))
    print("shop check float32", f32, "float16 (stored)", f16)
    REPORT.write_text(json.dumps({"config": cfg, "pairs": len(data.ids), "languages": list(LANGS),
                                  "aliases": ALIASES, "version": version, "shop_float32": f32, "shop_float16": f16,
                                  "selection": table,
                                  "seconds": round(time.time() - t0, 1)}, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {OUT} ({OUT.stat().st_size / 1024:.0f} KiB, version {version}) in {time.time() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
