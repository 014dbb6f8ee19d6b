"""Train the replyassist sentiment head (reproducible; CPU; 10-20 minutes on 2 cores).

    python models/sentiment/train.py              # inner validation, held-out run, final refit (shipped)
    python models/sentiment/train.py --heldout    # inner validation + held-out run (writes *_heldout.npz)
    python models/sentiment/train.py --umsab-cv 5 --ngram-weight 0.3   # UMSAB 5-fold CV only (~10 min)

Data: the development split in ``../shared/eval/sentiment`` only, split as in
``benchmarks/sentiment.py``. Held-out part: 20% (stratified, seed 0) of the first ``--per-lang``
(3,000) tweets per language of the seeded Mozetič sample, and UMSAB val. The MLP trains on the
other tweets among the first ``--mlp-per-lang`` (4,000, those the embedding cache holds) plus UMSAB
train; the n-gram part (no vectors needed) on every other Mozetič tweet plus UMSAB train.

1. Inner validation (skipped with ``--ngram-weight``): both parts are fitted on an 80% split of the
   training part (seed 1) and the fusion weight is chosen on the other 20%.
2. Held-out run: both parts fitted on the whole training part -> ``sentiment_head_heldout.npz``,
   scored on the held-out part (``python -m benchmarks.sentiment``).
3. Refit on everything -> ``sentiment_head.npz`` (shipped).

Model: (a) an ensemble of small MLPs on e5-small query vector (384) + language one-hot + 14 cue
features (:func:`replyassist.signals.sentiment.cue_features`), trained with a multi-task loss:
three-way cross-entropy on UMSAB rows, and on Mozetič rows (no neutral class) the cross-entropy of
positive vs negative renormalised over those two classes, so the binary data never teaches the head
that "neutral" is rare; (b) a linear model over hashed n-grams (:mod:`replyassist.signals.ngrams`)
with the same loss; fused as ``log p = log p_MLP + w * log p_ngram``. Exported as numpy arrays
(``SentimentHead`` in ``replyassist/signals/sentiment.py``).
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from benchmarks import sentiment as bench  # noqa: E402
from replyassist.signals.sentiment import CUE_NAMES, LABELS, build_features, default_model_dir  # noqa: E402

OUT = Path(__file__).resolve().parent            # *_heldout.npz: for benchmarks/sentiment.py, not shipped
SHIPPED = default_model_dir("sentiment")         # replyassist/models/sentiment: package data, loaded at run time
HEAD_LANGS = ("en", "de", "fr", "it", "es", "pt", "hu", "sr", "hr", "bs", "sl", "pl", "sk")


def balanced_weights(y: np.ndarray, groups: list[str]) -> np.ndarray:
    """Per group (source:language), weight each class so that the classes weigh the same."""
    w = np.ones(len(y), dtype=np.float32)
    g = np.array(groups)
    for grp in set(groups):
        idx = np.where(g == grp)[0]
        classes, counts = np.unique(y[idx], return_counts=True)
        for c, n in zip(classes, counts):
            w[idx[y[idx] == c]] = len(idx) / (len(classes) * n)
    return w


def mixed_loss(logp, y, binary, w):
    """Weighted mean loss over a batch with classes [negative, neutral, positive].

    Three-way rows (``binary`` False): cross-entropy. Two-way rows (Mozetič, positive vs negative
    only): cross-entropy of the label among negative and positive, the neutral mass left out.
    """
    import torch
    own = logp.gather(1, y[:, None])[:, 0]
    two = -(own - torch.logsumexp(logp[:, [0, 2]], dim=1))
    return (torch.where(binary, two, -own) * w).sum() / w.sum()


def loss_targets(y: np.ndarray, binary: np.ndarray, umsab_weight: float, sample_weight: np.ndarray | None):
    """Tensors for :func:`mixed_loss`: labels, the two-way flag, and per-row weights (UMSAB rows
    weighted ``umsab_weight``, times ``sample_weight`` when given)."""
    import torch
    yt = torch.tensor(y, dtype=torch.long)
    bt = torch.tensor(binary, dtype=torch.bool)
    w = torch.where(bt, torch.tensor(1.0), torch.tensor(umsab_weight))
    if sample_weight is not None:
        w = w * torch.tensor(sample_weight, dtype=torch.float32)
    return yt, bt, w


def train_members(X: np.ndarray, y: np.ndarray, binary: np.ndarray, *, members: int, hidden: int, epochs: int,
                  dropout: float, wd: float, lr: float, umsab_weight: float, seed: int,
                  sample_weight: np.ndarray | None = None) -> list[list[tuple[np.ndarray, np.ndarray]]]:
    import torch
    torch.set_num_threads(1)
    Xt = torch.tensor(X, dtype=torch.float32)
    yt, bt, w = loss_targets(y, binary, umsab_weight, sample_weight)
    out = []
    for m in range(members):
        torch.manual_seed(seed + m)
        g = torch.Generator().manual_seed(seed + m)
        net = torch.nn.Sequential(torch.nn.Dropout(0.1), torch.nn.Linear(X.shape[1], hidden), torch.nn.ReLU(),
                                  torch.nn.Dropout(dropout), torch.nn.Linear(hidden, 3))
        opt = torch.optim.AdamW(net.parameters(), lr=lr, weight_decay=wd)
        sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=epochs)
        n = len(Xt)
        for _ in range(epochs):
            net.train()
            perm = torch.randperm(n, generator=g)
            for s in range(0, n, 256):
                idx = perm[s:s + 256]
                loss = mixed_loss(torch.log_softmax(net(Xt[idx]), dim=1), yt[idx], bt[idx], w[idx])
                opt.zero_grad()
                loss.backward()
                opt.step()
            sched.step()
        net.eval()
        lin = [mod for mod in net if isinstance(mod, torch.nn.Linear)]
        out.append([(l.weight.detach().numpy().T.copy(), l.bias.detach().numpy().copy()) for l in lin])
    return out


def ngram_features(texts: list[str], n_buckets: int, log=lambda msg: None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """CSR n-gram features of ``texts``, cached on disk (keyed by the texts, buckets and the featuriser's source)."""
    import hashlib
    import inspect
    from replyassist.embeddings import default_cache_dir
    from replyassist.signals import ngrams
    h = hashlib.sha1(inspect.getsource(ngrams).encode())
    h.update(str(n_buckets).encode())
    for t in texts:
        h.update(t.encode("utf-8", "replace") + b"\0")
    path = default_cache_dir() / f"sentiment-ngrams-{h.hexdigest()[:16]}.npz"
    if path.is_file():
        with np.load(path) as z:
            return z["indptr"], z["indices"], z["data"]
    t0 = time.time()
    indptr, indices, data = ngrams.ngram_matrix(texts, n_buckets=n_buckets)
    log(f"n-gram features of {len(texts)} texts in {time.time() - t0:.0f}s")
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez(path, indptr=indptr, indices=indices.astype(np.int32), data=data)
    return indptr, indices, data


def csr_rows(csr: tuple[np.ndarray, np.ndarray, np.ndarray], rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The CSR parts of a subset of rows (in the given order)."""
    indptr, indices, data = csr
    sel = [np.arange(indptr[r], indptr[r + 1]) for r in rows]
    lens = np.array([len(x) for x in sel], dtype=np.int64)
    cat = np.concatenate(sel) if sel else np.zeros(0, np.int64)
    return np.concatenate([[0], np.cumsum(lens)]), indices[cat], data[cat]


def train_ngram(csr: tuple[np.ndarray, np.ndarray, np.ndarray], y: np.ndarray, binary: np.ndarray, *, n_buckets: int, epochs: int, lr: float,
                wd: float, umsab_weight: float, seed: int, sample_weight: np.ndarray | None = None,
                log=lambda msg: None) -> tuple[np.ndarray, np.ndarray]:
    """A linear model over hashed n-grams (:mod:`replyassist.signals.ngrams`) with the head's loss.

    Returns ``(W, b)`` with ``W`` of shape ``(n_buckets, 3)``. Trained with torch's EmbeddingBag
    (sum of the rows of the text's n-gram ids, weighted by their values), AdamW, batches of 256,
    rows zero-initialised.
    """
    import torch
    torch.set_num_threads(1)
    indptr, indices, data = csr
    t0 = time.time()
    idx_t = torch.tensor(indices, dtype=torch.long)
    val_t = torch.tensor(data, dtype=torch.float32)
    yt, bt, w = loss_targets(y, binary, umsab_weight, sample_weight)
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    bag = torch.nn.EmbeddingBag(n_buckets, 3, mode="sum")
    torch.nn.init.zeros_(bag.weight)
    bias = torch.nn.Parameter(torch.zeros(3))
    opt = torch.optim.AdamW([bag.weight, bias], lr=lr, weight_decay=wd)
    n = len(indptr) - 1
    lens_all = np.diff(indptr)
    for _ in range(epochs):
        perm = rng.permutation(n)
        for s in range(0, n, 256):
            rows = perm[s:s + 256]
            lens = lens_all[rows]
            sel = np.concatenate([np.arange(indptr[r], indptr[r + 1]) for r in rows])
            offsets = torch.tensor(np.concatenate([[0], np.cumsum(lens)[:-1]]), dtype=torch.long)
            sel_t = torch.from_numpy(sel)
            logits = bag(idx_t[sel_t], offsets, per_sample_weights=val_t[sel_t]) + bias
            rt = torch.from_numpy(rows)
            loss = mixed_loss(torch.log_softmax(logits, dim=1), yt[rt], bt[rt], w[rt])
            opt.zero_grad()
            loss.backward()
            opt.step()
    log(f"n-gram model trained in {time.time() - t0:.0f}s")
    return bag.weight.detach().numpy().copy(), bias.detach().numpy().copy()


def sentimentai_aux(spec: str) -> list[tuple[list[tuple[np.ndarray, np.ndarray]], float]]:
    """sentimentai-py heads (MIT licence) named like ``mlp/2.0,logistic/1.0`` as [in, out] layers."""
    if not spec:
        return []
    from sentimentai import _scoring
    out = []
    for item in spec.split(","):
        scoring, version = item.split("/")
        h = _scoring.load_packaged_head("e5-small", scoring, version)
        if h["type"] == "mlp":
            layers = [(np.asarray(l["W"], np.float32).T.copy(), np.asarray(l["b"], np.float32)) for l in h["layers"]]
        else:
            layers = [(np.asarray(h["coef"], np.float32).T.copy(), np.asarray(h["intercept"], np.float32))]
        out.append((layers, float(h.get("T") or 1.0)))
    return out


def save(path: Path, members, feature_set: str, meta: dict, aux=(), ngram=None) -> None:
    arrays = {"classes": np.array(LABELS), "languages": np.array(HEAD_LANGS), "feature_set": np.array(feature_set),
              "n_members": np.array(len(members)), "temperature": np.array(1.0),
              "meta": np.array(json.dumps(meta))}
    for k, layers in enumerate(members):
        for i, (W, b) in enumerate(layers):
            arrays[f"m{k}_W{i}"] = W.astype(np.float32)
            arrays[f"m{k}_b{i}"] = b.astype(np.float32)
    for j, (layers, temp) in enumerate(aux):
        for i, (W, b) in enumerate(layers):
            arrays[f"aux{j}_W{i}"] = W
            arrays[f"aux{j}_b{i}"] = b
        arrays[f"aux{j}_T"] = np.array(temp)
    if ngram is not None:
        W, b, weight = ngram
        arrays["ngram_W"] = W.astype(np.float16)
        arrays["ngram_b"] = b.astype(np.float32)
        arrays["ngram_weight"] = np.array(weight, dtype=np.float32)
    np.savez_compressed(path, **arrays)


def features(rows, vecs, feature_set, aux=()):
    return build_features(feature_set, HEAD_LANGS, vecs, [r["text"] for r in rows], [r["lang"] for r in rows], aux)


def labels(rows):
    return (np.array([LABELS.index(r["label"]) for r in rows]), np.array([r["source"] == "mozetic" for r in rows]))


def inner_split(rows: list[dict], seed: int = 1) -> tuple[list[dict], list[dict]]:
    """80/20 per (group, label), seeded: the model-selection split inside a training part."""
    import random
    rnd = random.Random(seed)
    by: dict[tuple[str, str], list[dict]] = {}
    for r in rows:
        by.setdefault((r["group"], r["label"]), []).append(r)
    inner, val = [], []
    for key in sorted(by):
        g = by[key][:]
        rnd.shuffle(g)
        k = int(round(0.2 * len(g)))
        val += g[:k]
        inner += g[k:]
    return inner, val


class Recipe:
    """Trains the whole head (MLP ensemble on vectors + n-gram linear model) on given rows."""

    def __init__(self, args: argparse.Namespace, ngram_csr: tuple[np.ndarray, np.ndarray, np.ndarray],
                 ngram_rows: list[dict], aux) -> None:
        self.args = args
        self.hp = dict(members=args.members, hidden=args.hidden, epochs=args.epochs, dropout=args.dropout,
                       wd=args.wd, lr=args.lr, umsab_weight=args.umsab_weight, seed=args.seed)
        self.ngram_hp = dict(n_buckets=args.ngram_buckets, epochs=args.ngram_epochs, lr=args.ngram_lr,
                             wd=args.ngram_wd, umsab_weight=args.umsab_weight, seed=args.seed)
        self.csr = ngram_csr
        self.ngram_rows = ngram_rows
        self.aux = aux

    def mlp(self, rows: list[dict]):
        X = features(rows, bench.vectors([r["text"] for r in rows]), self.args.feature_set, self.aux)
        y, b = labels(rows)
        sw = balanced_weights(y, [r["group"] for r in rows]) if self.args.balance else None
        return train_members(X, y, b, sample_weight=sw, **self.hp)

    def ngram(self, exclude: set[str]):
        """The n-gram model on every n-gram training row whose text is not in ``exclude``."""
        keep = np.array([i for i, r in enumerate(self.ngram_rows) if r["text"] not in exclude])
        rows = [self.ngram_rows[i] for i in keep]
        y, b = labels(rows)
        sw = balanced_weights(y, [r["group"] for r in rows]) if self.args.balance else None
        return train_ngram(csr_rows(self.csr, keep), y, b, sample_weight=sw,
                           log=lambda m: print(m, file=sys.stderr), **self.ngram_hp), len(rows)


def umsab_folds(rows: list[dict], k: int, seed: int = 0) -> np.ndarray:
    """Fold number per row, stratified by (group, label), seeded."""
    import random
    rnd = random.Random(seed)
    fold = np.zeros(len(rows), dtype=int)
    by: dict[tuple[str, str], list[int]] = {}
    for i, r in enumerate(rows):
        by.setdefault((r["group"], r["label"]), []).append(i)
    for key in sorted(by):
        idx = by[key][:]
        rnd.shuffle(idx)
        for j, i in enumerate(idx):
            fold[i] = j % k
    return fold


def umsab_cv(k: int, tr: list[dict], te: list[dict], build, weight: float, log) -> int:
    """K-fold CV of the whole recipe over UMSAB train + val; Mozetič training rows in every fold.

    Each UMSAB tweet is scored by a head (MLP + n-grams, n-gram weight ``weight``) fitted without
    its fold; the Mozetič held-out part is never used. Duplicate texts within a language are kept
    once, so a text cannot be in a training fold and a test fold at once.
    """
    seen: set[tuple[str, str]] = set()
    ums = []
    for r in tr + te:
        if r["source"] == "umsab" and (r["group"], r["text"]) not in seen:
            seen.add((r["group"], r["text"]))
            ums.append(r)
    moz_train = [r for r in tr if r["source"] == "mozetic"]
    moz_held = {r["text"] for r in te if r["source"] == "mozetic"}
    fold = umsab_folds(ums, k)
    probs = np.zeros((len(ums), 3))
    for f in range(k):
        test_idx = np.where(fold == f)[0]
        test = [ums[i] for i in test_idx]
        train = moz_train + [ums[i] for i in np.where(fold != f)[0]]
        path = Path("/tmp") / f"replyassist_sentiment_umsab_cv{f}.npz"
        t0 = time.time()
        build(path, train, moz_held | {r["text"] for r in test}, weight, {"protocol": f"UMSAB {k}-fold CV, fold {f}"})
        probs[test_idx] = bench.head_probs(path, test, bench.vectors([r["text"] for r in test]))
        log(f"fold {f + 1}/{k}: {len(train)} training rows, {len(test)} scored, {time.time() - t0:.0f}s")
    out = (f"## Sentiment on UMSAB, {k}-fold cross-validation over train + val (three-way macro-F1)\n\n"
           f"{len(ums)} distinct UMSAB tweets; each is scored by the default recipe (MLP + n-grams, n-gram weight "
           f"{weight:g}) refitted without its fold, on every Mozetič training tweet plus the other folds. The "
           "Mozetič held-out part is not used. Command: `python models/sentiment/train.py --umsab-cv "
           f"{k} --ngram-weight {weight:g}`.\n\n" + bench.interval_table(ums, probs))
    print(out)
    path = ROOT / "benchmarks" / "results" / "sentiment_umsab_cv.md"
    path.write_text(out, encoding="utf-8")
    log(f"wrote {path}")
    return 0


def fused_scores(path: Path, rows: list[dict], weights) -> dict[float, dict[str, float]]:
    """Scores per group for several n-gram weights, with the head stored at ``path``."""
    from replyassist.signals.sentiment import SentimentHead
    head = SentimentHead(path)
    vec = bench.vectors([r["text"] for r in rows])
    out = {}
    for a in weights:
        head.ngram_weight = a
        out[a] = bench.score_groups(rows, bench.head_probs_from(head, rows, vec))
    return out


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--heldout", action="store_true", help="only the held-out run")
    ap.add_argument("--per-lang", type=int, default=3000,
                    help="Mozetič tweets per language whose 20%% are the held-out part (prefix of the seeded sample)")
    ap.add_argument("--mlp-per-lang", type=int, default=4000,
                    help="Mozetič tweets per language the MLP trains on (those the embedding pre-cache holds)")
    ap.add_argument("--feature-set", default="vec+lang+cues")
    ap.add_argument("--members", type=int, default=3)
    ap.add_argument("--hidden", type=int, default=256)
    ap.add_argument("--epochs", type=int, default=25)
    ap.add_argument("--dropout", type=float, default=0.3)
    ap.add_argument("--wd", type=float, default=0.01)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--umsab-weight", type=float, default=1.0)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--no-balance", dest="balance", action="store_false",
                    help="turn off class-balanced weights per source and language (on for the shipped head)")
    ap.add_argument("--ngram-buckets", type=int, default=2 ** 20)
    ap.add_argument("--ngram-epochs", type=int, default=5)
    ap.add_argument("--ngram-lr", type=float, default=0.05)
    ap.add_argument("--ngram-wd", type=float, default=0.0)
    ap.add_argument("--ngram-weight", type=float, default=None,
                    help="fix the n-gram weight instead of choosing it on the inner validation split")
    ap.add_argument("--no-ngram", dest="ngram", action="store_false", help="MLP only (the head before n-grams)")
    ap.add_argument("--aux", default="", help="sentimentai-py heads as extra features, e.g. mlp/2.0,mlp/1.0")
    ap.add_argument("--out", default="sentiment_head", help="file stem of the written heads")
    ap.add_argument("--umsab-cv", type=int, default=0, metavar="K",
                    help="only a K-fold cross-validation over UMSAB train + val (about 2,160 tweets per language "
                         "instead of the 324 of val), the whole recipe refitted per fold; writes "
                         "benchmarks/results/sentiment_umsab_cv.md. Use with --ngram-weight (the shipped 0.3)")
    args = ap.parse_args()
    log = lambda m: print(m, file=sys.stderr)  # noqa: E731
    data = bench.splits(args.mlp_per_lang, test_per_lang=args.per_lang)
    tr, te = data["train"], data["test"]
    ng_rows = bench.splits(10 ** 6, test_per_lang=args.per_lang)["train"]  # every Mozetič tweet but the held-out part
    assert not {r["text"] for r in ng_rows if r["source"] == "mozetic"} & {r["text"] for r in te if r["source"] == "mozetic"}
    aux = sentimentai_aux(args.aux) if "aux" in args.feature_set else []
    csr = None
    if args.ngram:  # features of the n-gram training rows, then of the held-out rows (used only by the refit)
        a = ngram_features([r["text"] for r in ng_rows], args.ngram_buckets, log)
        b = ngram_features([r["text"] for r in te], args.ngram_buckets, log)
        csr = (np.concatenate([a[0], a[0][-1] + b[0][1:]]), np.concatenate([a[1], b[1]]), np.concatenate([a[2], b[2]]))
    recipe = Recipe(args, csr, ng_rows + te, aux)
    meta = {"hyperparameters": recipe.hp, "balance": args.balance, "feature_set": args.feature_set,
            "aux": args.aux, "per_lang": args.per_lang, "mlp_per_lang": args.mlp_per_lang, "cues": list(CUE_NAMES)}
    weights = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.7, 1.0)

    def build(path: Path, rows: list[dict], exclude: set[str], weight: float | None, extra: dict) -> None:
        t0 = time.time()
        members = recipe.mlp(rows)
        log(f"MLP ensemble on {len(rows)} rows in {time.time() - t0:.0f}s")
        ngram = None
        if args.ngram:
            (W, b), n_ng = recipe.ngram(exclude)
            ngram = (W, b, weight if weight is not None else 0.0)
            extra = dict(extra, ngram_hyperparameters=recipe.ngram_hp, n_train_ngram=n_ng)
        save(path, members, args.feature_set, dict(meta, **extra), aux, ngram)

    weight = args.ngram_weight
    if args.umsab_cv:
        return umsab_cv(args.umsab_cv, tr, te, build, weight if weight is not None else 0.3, log)
    if args.ngram and weight is None:
        # model selection on an inner split of the training part; the held-out part is not touched
        inner, val = inner_split(tr)
        vpath = Path("/tmp") / "replyassist_sentiment_validate.npz"
        build(vpath, inner, {r["text"] for r in val} | {r["text"] for r in te}, 0.0, {"protocol": "inner validation"})
        res = fused_scores(vpath, val, weights)
        mean = {a: float(np.mean(list(r.values()))) for a, r in res.items()}
        weight = max(weights, key=lambda a: (round(mean[a], 4), -a))
        print(bench.table({f"inner validation, n-gram weight {a}": r for a, r in res.items()}))
        log(f"chosen n-gram weight {weight} (mean macro-F1 over the 15 groups on the inner validation split)")
    meta["ngram_weight_selection"] = {"weight": weight, "candidates": list(weights),
                                      "on": "inner validation split of the training part (seed 1)"}
    path = OUT / f"{args.out}_heldout.npz"
    build(path, tr, {r["text"] for r in te}, weight, {"protocol": "held-out", "n_train": len(tr), "n_test": len(te)})
    res = bench.score_groups(te, bench.head_probs(path, te, bench.vectors([r["text"] for r in te])))
    print(bench.table({"replyassist head (held-out)": res}))
    if args.heldout:
        return 0
    allrows = tr + te
    build(SHIPPED / f"{args.out}.npz", allrows, set(), weight,
          {"protocol": "refit on all development data", "n_train": len(allrows), "n_test": 0})
    print(f"wrote {SHIPPED / (args.out + '.npz')}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
