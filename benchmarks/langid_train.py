"""Training and honest (cross-validated) evaluation of the replyassist language detector.

Data: the DEVELOPMENT split in ../shared/eval (never copied into the repo):
lingua test data (39 languages x single words / word pairs / sentences), Mozetič tweets
(a seeded sample per language), xSID validation utterances (en de sr da nl it lt), plus the
Cyrillic Serbian items transliterated to Latin (training only, never evaluated).

Method: 5 folds by group (xSID: utterance id, so translations of one utterance share a fold;
tweets: normalised text, so duplicates share a fold). For each fold the naive Bayes n-gram model
is trained on the other four folds and scores the held-out fold (out-of-fold, OOF). The combiner
is then cross-validated on the OOF features the same way, and every reported figure for our
detector is a prediction for an item whose fold was excluded from both models' training.
The Serbian/Croatian/Bosnian second stage (a logistic regression over hashed n-grams of the
text plus dense third-party/marker/lexicon inputs, see replyassist.language._model.BcmsStage) is
trained per fold on the non-Cyrillic sr/hr/bs items of the other folds and used inside the replayed
detector, so its held-out figures follow the same protocol.
The shipped model: naive Bayes and the sr/hr/bs stage on all items, combiner on all OOF features.

    python -m benchmarks.langid_train --no-bcms-stage --no-write   # the figures without the stage

    python -m benchmarks.langid_train            # CV report + writes replyassist/models/langid/langid.npz
    python -m benchmarks.langid_train mlp        # the same with a one-hidden-layer combiner (worse in CV)

The combiner is a multinomial logistic regression (lbfgs, 200 iterations, C=1) on standardised
features; a one-hidden-layer network (64 units, trained on a 30,000-item resample) was 4-5 points
worse in the same cross-validation and is kept only as an option.
"""
from __future__ import annotations

import hashlib
import json
import os
import random
import sys
import time
import unicodedata
from pathlib import Path

import numpy as np

from benchmarks import evaldata
from replyassist.language import _backends as B
from replyassist.language import _model as M
from replyassist.language._lexicon import LEXICON_FILE
from replyassist.language.bcms import to_latin
from replyassist.language.cleaning import letter_count
from replyassist.language.detector import LanguageDetector

ROOT = Path(__file__).resolve().parent.parent
CACHE = Path(os.environ.get("REPLYASSIST_CACHE", Path.home() / ".cache" / "replyassist")) / "langid"
K = 5
SEED = 13
TWEETS_PER_LANG = 2500
COMBINER_SAMPLES = 30000
EXTRA_TWEETS_FOR = ("sr", "hr", "bs")
EXTRA_TWEETS = 5000
# Serbian/Croatian/Bosnian stage: regularisation, iterations, weight of its log-probabilities against
# the combiner's (chosen in the 5-fold CV, see models/langid/README.md)
S2_C = 10.0
S2_ITERS = 300
S2_BLEND = 1.0
USE_BCMS_STAGE = True
USE_LEXICON = LEXICON_FILE.exists()
ISO3 = {"bos": "bs", "hrv": "hr", "srp": "sr", "hun": "hu", "deu": "de", "eng": "en", "slv": "sl",
        "pol": "pl", "slk": "sk"}
XSID_LANGS = ("en", "de", "sr", "da", "nl", "it", "lt")
LENGTH_CLASSES = ("single-words", "word-pairs", "sentences")


def _fold(group: str) -> int:
    return int(hashlib.md5(group.encode("utf-8")).hexdigest(), 16) % K


def load_items() -> list[dict]:
    """Every development item: text, label, source, fold, eval (False for augmentation)."""
    items: list[dict] = []
    for lc in LENGTH_CLASSES:
        for lang, texts in evaldata.langid(lc).items():
            for i, t in enumerate(texts):
                g = f"langid:{lc}:{lang}:{i}"
                items.append(dict(text=t, label=lang, source=lc, fold=_fold(g), eval=True))
                if lang == "sr":
                    items.append(dict(text=to_latin(t), label="sr", source=lc + "-translit", fold=_fold(g), eval=False))
    rng = random.Random(SEED)
    by_lang: dict[str, list[dict]] = {}
    for r in evaldata.mozetic():
        if r["lang"] in ISO3:
            by_lang.setdefault(r["lang"], []).append(r)
    for l3, rows in sorted(by_lang.items()):
        rows = sorted(rows, key=lambda r: r["tweet_id"])
        rng.shuffle(rows)
        seen: set[str] = set()
        n = 0
        for r in rows:
            key = " ".join(unicodedata.normalize("NFC", r["text"]).lower().split())
            if key in seen:
                continue
            seen.add(key)
            n += 1
            if n <= TWEETS_PER_LANG:
                items.append(dict(text=r["text"], label=ISO3[l3], source="tweets", fold=_fold("tw:" + key), eval=True))
            elif ISO3[l3] in EXTRA_TWEETS_FOR and n <= TWEETS_PER_LANG + EXTRA_TWEETS:
                # more training text for the hard trio; never evaluated, same grouping into folds
                items.append(dict(text=r["text"], label=ISO3[l3], source="tweets-train", fold=_fold("tw:" + key),
                                  eval=False))
    for r in evaldata.xsid():
        if r["lang"] in XSID_LANGS:
            items.append(dict(text=r["text"], label=r["lang"], source="xsid", fold=_fold("xsid:" + r["id"]), eval=True))
    return items


def _cache_key(items: list[dict]) -> str:
    h = hashlib.sha1()
    h.update(json.dumps([M.HASH_BITS, M.NGRAM_MAX, M.N_EXTRA, B.LABELS, "v3"]).encode())
    for f in ("bcms.py", "cleaning.py", "_backends.py"):  # feature code
        h.update((ROOT / "replyassist" / "language" / f).read_bytes())
    for it in items:
        h.update(it["text"].encode("utf-8", "replace") + b"\x00")
    return h.hexdigest()[:16]


def featurize(items: list[dict]) -> dict[str, np.ndarray]:
    """Raw (fold-independent) features of every item, cached on disk."""
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"feats_{_cache_key(items)}.npz"
    if path.exists():
        d = np.load(path, allow_pickle=True)
        return {k: d[k] for k in d.files}
    t0 = time.time()
    n = len(items)
    raw = np.zeros((n, 3 * B.N + M.N_EXTRA), dtype=np.float32)
    ft_top: list[str] = []
    ft_topp = np.zeros(n, dtype=np.float32)
    rows, cols, vals = [], [], []          # hashed n-grams of the detection text
    rows2, cols2, vals2 = [], [], []       # ... of its Latin transliteration
    nletters = np.zeros(n, dtype=np.int32)
    dtexts = []
    for i, it in enumerate(items):
        text = LanguageDetector.detection_text(it["text"])
        dtexts.append(text)
        nl = letter_count(text)
        nletters[i] = nl
        rf = M.raw_features(text, nl)
        raw[i] = np.concatenate([rf.fasttext, rf.lingua, rf.cld2, rf.extra])
        top = max(rf.ft_all.items(), key=lambda kv: kv[1]) if rf.ft_all else ("", 0.0)
        ft_top.append(top[0])
        ft_topp[i] = top[1]
        idx, cnt = M.hashed_ngrams(text)
        rows.append(np.full(idx.size, i, dtype=np.int32))
        cols.append(idx.astype(np.int32))
        vals.append(cnt)
        lat = to_latin(text)
        if lat != text:
            idx, cnt = M.hashed_ngrams(lat)
        rows2.append(np.full(idx.size, i, dtype=np.int32))
        cols2.append(idx.astype(np.int32))
        vals2.append(cnt)
        if i % 10000 == 0:
            print(f"  features {i}/{n} ({time.time() - t0:.0f}s)", file=sys.stderr, flush=True)
    out = dict(raw=raw, ft_top=np.array(ft_top), ft_topp=ft_topp, nletters=nletters, dtexts=np.array(dtexts, dtype=object),
               r=np.concatenate(rows), c=np.concatenate(cols), v=np.concatenate(vals),
               r2=np.concatenate(rows2), c2=np.concatenate(cols2), v2=np.concatenate(vals2))
    np.savez(path, **out)
    return out


def lex_features(items: list[dict], dtexts) -> np.ndarray:
    """Lexicon membership features of every detection text, cached on disk."""
    lexf = LEXICON_FILE
    key = hashlib.sha1(_cache_key(items).encode() + lexf.read_bytes()[:1 << 20]).hexdigest()[:16]
    path = CACHE / f"lex_{key}.npy"
    if path.exists():
        return np.load(path)
    lex = M.lexicon()
    out = np.stack([lex.features(str(t)) for t in dtexts]).astype(np.float32)
    np.save(path, out)
    return out


def _csr(r, c, v, n):
    from scipy.sparse import csr_matrix
    return csr_matrix((np.log1p(v), (r, c)), shape=(n, 1 << M.HASH_BITS), dtype=np.float32)


def train_nb(X, y: np.ndarray, mask: np.ndarray, alpha: float = 0.05) -> tuple[np.ndarray, np.ndarray]:
    """Multinomial NB with sublinear counts. Classes are weighted equally (uniform prior)."""
    L = B.N
    counts = np.zeros((X.shape[1], L), dtype=np.float64)
    for k in range(L):
        sel = mask & (y == k)
        if sel.any():
            counts[:, k] = np.asarray(X[sel].sum(axis=0)).ravel()
    tot = counts.sum(axis=0, keepdims=True)
    w = np.log((counts + alpha) / (tot + alpha * X.shape[1]))
    return w.astype(np.float32), np.zeros(L, dtype=np.float32)


def nb_feats(X, X2, w, prior) -> np.ndarray:
    def block(Xm):
        s = Xm @ w + prior
        s = s - s.max(axis=1, keepdims=True)
        denom = np.maximum(np.asarray(Xm.sum(axis=1)).ravel(), 1.0)[:, None]
        return (s / denom).astype(np.float32)
    return np.hstack([block(X), block(X2)])


def combiner_input(nbf: np.ndarray, raw: np.ndarray) -> np.ndarray:
    return np.hstack([nbf * 4.0, raw]).astype(np.float32)


def fit_combiner(X: np.ndarray, y: np.ndarray, sw: np.ndarray, kind: str = "lr") -> dict[str, np.ndarray]:
    mean = X.mean(axis=0)
    scale = X.std(axis=0) + 1e-3
    Z = (X - mean) / scale
    if kind == "lr":
        from sklearn.linear_model import LogisticRegression
        clf = LogisticRegression(C=1.0, max_iter=200)
        clf.fit(Z, y, sample_weight=sw)
        W = np.zeros((X.shape[1], B.N), dtype=np.float32)
        b = np.full(B.N, -30.0, dtype=np.float32)
        W[:, clf.classes_] = clf.coef_.T
        b[clf.classes_] = clf.intercept_
        return dict(mean=mean, scale=scale, W0=W, b0=b)
    from sklearn.neural_network import MLPClassifier
    clf = MLPClassifier(hidden_layer_sizes=(64,), alpha=1e-3, max_iter=25, early_stopping=False,
                        random_state=SEED, batch_size=256, learning_rate_init=3e-3)
    # MLPClassifier has no sample weights: resample by weight instead (deterministic); a sample of
    # COMBINER_SAMPLES keeps training affordable on a shared 2-core machine.
    rng = np.random.default_rng(SEED)
    p = sw / sw.sum()
    idx = rng.choice(len(y), size=min(len(y), COMBINER_SAMPLES), replace=True, p=p)
    clf.fit(Z[idx], y[idx])
    W1, W2 = clf.coefs_
    b1, b2 = clf.intercepts_
    W2f = np.zeros((W2.shape[0], B.N), dtype=np.float32)
    b2f = np.full(B.N, -30.0, dtype=np.float32)
    W2f[:, clf.classes_] = W2
    b2f[clf.classes_] = b2
    return dict(mean=mean, scale=scale, W0=W1.astype(np.float32), b0=b1.astype(np.float32), W1=W2f, b1=b2f)


def bcms_stage_inputs(items: list[dict], F: dict, lexX: np.ndarray | None):
    """Training rows of the Serbian/Croatian/Bosnian stage: every non-Cyrillic sr/hr/bs item
    (evaluation items, extra tweets, transliterated lingua sr). Returns (row indices into items,
    hashed csr matrix, dense matrix, labels 0..2); the hashed matrix is cached on disk."""
    import inspect
    from scipy.sparse import csr_matrix, load_npz, save_npz
    dt = F["raw"]
    N = B.N
    cyr = dt[:, 3 * N + 5] > 0  # Cyrillic share (extra feature 5)
    lab = np.array([it["label"] for it in items])
    idxs = np.where(np.isin(lab, M.BCMS3) & ~cyr)[0]
    y = np.array([M.BCMS3.index(lab[i]) for i in idxs])
    key = hashlib.sha1((_cache_key(items) + str(M.S2_BITS) + inspect.getsource(M.bcms_hashed)).encode()).hexdigest()[:16]
    path = CACHE / f"s2hash_{key}.npz"
    if path.exists():
        Xh = load_npz(path).tocsr()
    else:
        rows, cols, vals = [], [], []
        for j, i in enumerate(idxs):
            a, v = M.bcms_hashed(str(F["dtexts"][i]))
            rows.append(np.full(a.size, j, dtype=np.int32))
            cols.append(a.astype(np.int32))
            vals.append(v)
        Xh = csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                        shape=(len(idxs), 1 << M.S2_BITS), dtype=np.float32)
        save_npz(path, Xh)
    L5 = [B.LABEL_INDEX[c] for c in ("sr", "hr", "bs", "sl", "mk")]
    raw = F["raw"][idxs]
    parts = [raw[:, L5], raw[:, [N + i for i in L5]], raw[:, [2 * N + i for i in L5]], raw[:, 3 * N:]]
    if lexX is not None:
        parts.append(lexX[idxs])
    return idxs, Xh, np.hstack(parts).astype(np.float32), y


def fit_bcms_stage(Xh, dense: np.ndarray, y: np.ndarray, sw: np.ndarray) -> dict[str, np.ndarray]:
    """Multinomial logistic regression (lbfgs, C=S2_C) over hashed n-grams + standardised dense inputs."""
    from scipy.sparse import csr_matrix, hstack
    from sklearn.linear_model import LogisticRegression
    mean = dense.mean(axis=0)
    scale = dense.std(axis=0) + 1e-3
    X = hstack([Xh, csr_matrix(((dense - mean) / scale).astype(np.float32))]).tocsr()
    clf = LogisticRegression(C=S2_C, max_iter=S2_ITERS)
    clf.fit(X, y, sample_weight=sw / sw.mean())
    coef = clf.coef_.T.astype(np.float32)  # (features, 3); classes_ are 0, 1, 2
    nh = Xh.shape[1]
    return dict(s2_w=coef[:nh].astype(np.float16), s2_dense_mean=mean.astype(np.float32),
                s2_dense_scale=scale.astype(np.float32), s2_dense_w=coef[nh:], s2_bias=clf.intercept_.astype(np.float32),
                s2_blend=np.array(S2_BLEND, dtype=np.float32))


def sample_weights(items: list[dict]) -> np.ndarray:
    """Each (source, label) cell weighs the same in total, so 2,500 tweets do not drown 300 utterances."""
    cells: dict[tuple[str, str], int] = {}
    for it in items:
        cells[(it["source"], it["label"])] = cells.get((it["source"], it["label"]), 0) + 1
    return np.array([1000.0 / cells[(it["source"], it["label"])] for it in items], dtype=np.float64)


class _CachedModel(M.TrainedModel):
    """A TrainedModel whose third-party features come from the training cache (same values)."""

    def __init__(self, arrays, raw_by_text):
        super().__init__(None, arrays)
        self._raw = raw_by_text

    def raw(self, text, n_letters):
        hit = self._raw.get(text)
        return hit if hit is not None else super().raw(text, n_letters)


def config_key(items: list[dict], kind: str, use_lexicon: bool, use_bcms_stage: bool = USE_BCMS_STAGE) -> str:
    """Identifies a CV run: the data, the settings and the code of the detector and of this script."""
    h = hashlib.sha1((_cache_key(items) + kind + str(use_lexicon) + ("" if use_bcms_stage else "nos2")).encode())
    for f in ("benchmarks/langid_train.py", "replyassist/language/_model.py", "replyassist/language/detector.py",
              "replyassist/language/bcms.py", "replyassist/language/cleaning.py", "replyassist/language/_backends.py",
              "replyassist/language/_lexicon.py"):
        h.update((ROOT / f).read_bytes())
    return h.hexdigest()[:16]


def cv_predictions(kind: str = "lr", use_lexicon: bool = USE_LEXICON, write: bool = False,
                   use_bcms_stage: bool = USE_BCMS_STAGE) -> dict:
    """Held-out predictions, from the cache written by the last identical run, else by running it."""
    import pickle
    items = load_items()
    path = CACHE / f"oof_{config_key(items, kind, use_lexicon, use_bcms_stage)}.pkl"
    if path.exists():
        return dict(items=items, preds=pickle.loads(path.read_bytes()))
    return run(kind, write=write, use_lexicon=use_lexicon, use_bcms_stage=use_bcms_stage)


def run(kind: str = "lr", write: bool = True, verbose: bool = True, use_lexicon: bool = USE_LEXICON,
        use_bcms_stage: bool = USE_BCMS_STAGE) -> dict:
    """Cross-validate, report OOF predictions (through the full detector), write the shipped model."""
    import pickle
    from replyassist.language import detector as D
    items = load_items()
    key = config_key(items, kind, use_lexicon, use_bcms_stage)
    n = len(items)
    F = featurize(items)
    labels = np.array([B.LABEL_INDEX[it["label"]] for it in items])
    folds = np.array([it["fold"] for it in items])
    is_eval = np.array([it["eval"] for it in items])
    X = _csr(F["r"], F["c"], F["v"], n)
    X2 = _csr(F["r2"], F["c2"], F["v2"], n)
    sw = sample_weights(items)
    t0 = time.time()
    oof_nb = np.zeros((n, 2 * B.N), dtype=np.float32)
    nb_models = []
    for k in range(K):
        w, prior = train_nb(X, labels, folds != k)
        te = folds == k
        oof_nb[te] = nb_feats(X[te], X2[te], w, prior)
        nb_models.append((w, prior))
        if verbose:
            print(f"  NB fold {k} ({time.time() - t0:.0f}s)", file=sys.stderr, flush=True)
    lexX = lex_features(items, F["dtexts"]) if use_lexicon else None
    Xc = combiner_input(oof_nb, F["raw"] if lexX is None else np.hstack([F["raw"], lexX]))
    # raw features per detection text, to replay the detector on held-out items without recomputing
    dtexts = F["dtexts"]
    raws: dict[str, M.RawFeatures] = {}
    for i in range(n):
        r = F["raw"][i]
        ft_all = {str(F["ft_top"][i]): float(F["ft_topp"][i])} if F["ft_top"][i] else {}
        raws[str(dtexts[i])] = M.RawFeatures(r[:B.N], r[B.N:2 * B.N], r[2 * B.N:3 * B.N], r[3 * B.N:], ft_all,
                                             None if lexX is None else lexX[i])
    preds: list[tuple[str | None, float]] = [(None, 0.0)] * n
    det = LanguageDetector()
    if use_bcms_stage:
        s2_idx, s2_X, s2_dense, s2_y = bcms_stage_inputs(items, F, lexX)
        s2_fold = folds[s2_idx]
    for k in range(K):
        tr = folds != k
        comb = fit_combiner(Xc[tr], labels[tr], sw[tr], kind)
        w, prior = nb_models[k]
        arrays = dict(labels=np.array(B.LABELS), nb_w=w, nb_prior=prior, use_lexicon=np.array(int(use_lexicon)), **comb)
        if use_bcms_stage:
            t = s2_fold != k
            arrays.update(fit_bcms_stage(s2_X[t], s2_dense[t], s2_y[t], sw[s2_idx][t]))
        D._MODEL = _CachedModel(arrays, raws)
        for i in np.where((folds == k) & is_eval)[0]:
            r = det.detect(items[i]["text"])
            preds[i] = (r.language, r.confidence)
        if verbose:
            sel = [i for i in np.where((folds == k) & is_eval)[0]]
            acc = np.mean([preds[i][0] == items[i]["label"] for i in sel])
            print(f"  combiner fold {k} ({time.time() - t0:.0f}s) held-out acc {acc:.4f}", file=sys.stderr, flush=True)
    D._MODEL = None
    result = dict(items=items, preds=preds)
    (CACHE / f"oof_{key}.pkl").write_bytes(pickle.dumps(preds))
    if write:
        w, prior = train_nb(X, labels, np.ones(n, dtype=bool))
        comb = fit_combiner(Xc, labels, sw, kind)
        arrays = dict(labels=np.array(B.LABELS), nb_w=w.astype(np.float16), nb_prior=prior,
                      use_lexicon=np.array(int(use_lexicon)),
                      **{k: v.astype(np.float32) for k, v in comb.items()})
        if use_bcms_stage:
            arrays.update(fit_bcms_stage(s2_X, s2_dense, s2_y, sw[s2_idx]))
        out = Path(os.environ.get("LANGID_OUT", M.MODEL_FILE))
        np.savez_compressed(out, **arrays)
        print(f"wrote {out} ({out.stat().st_size / 1e6:.1f} MB)", file=sys.stderr)
    return result


def summarize(result: dict) -> dict[str, dict[str, float]]:
    items, preds = result["items"], result["preds"]
    acc: dict[str, dict[str, list[int]]] = {}
    for it, (lang, _c) in zip(items, preds):
        if not it["eval"]:
            continue
        acc.setdefault(it["source"], {}).setdefault(it["label"], []).append(int(lang == it["label"]))
    return {src: {lab: float(np.mean(v)) for lab, v in d.items()} for src, d in acc.items()}


if __name__ == "__main__":
    kind = sys.argv[1] if len(sys.argv) > 1 and not sys.argv[1].startswith("-") else "lr"
    res = run(kind, write="--no-write" not in sys.argv, use_lexicon=USE_LEXICON and "--no-lexicon" not in sys.argv,
              use_bcms_stage=USE_BCMS_STAGE and "--no-bcms-stage" not in sys.argv)
    s = summarize(res)
    L12 = ("en", "de", "hu", "sr", "hr", "bs", "sl", "mk", "cs", "sk", "pl", "ro")
    for src in LENGTH_CLASSES:
        d = s[src]
        print(src, "12:", round(100 * np.mean([d[l] for l in L12]), 1), "39:", round(100 * np.mean(list(d.values())), 1))
    print("xsid", {k: round(100 * v, 1) for k, v in s["xsid"].items()})
    print("tweets", {k: round(100 * v, 1) for k, v in s["tweets"].items()})
