"""Train the replyassist sentiment head (reproducible; CPU; a few minutes).

    python models/sentiment/train.py              # held-out run + final refit (the shipped settings)
    python models/sentiment/train.py --heldout    # only the held-out run (writes *_heldout.npz)

Data: the development split in ``../shared/eval/sentiment`` only (Mozetič tweets: the seeded
sample of 4000 per language that the embedding cache holds; UMSAB train/val), split as in
``benchmarks/sentiment.py``: Mozetič 80/20 per language stratified (seed 0), UMSAB train -> fit,
val -> report. The held-out head is fitted on the 80% + UMSAB train parts and scored on the rest;
the shipped head (``sentiment_head.npz``) is then refitted with the same settings on all of it.

Model: features = e5-small query vector (384) + language one-hot + 14 cue features
(:func:`replyassist.signals.sentiment.cue_features`: sentiment words per language with negation,
emoji, punctuation, capitals...). An ensemble of small MLPs (one hidden layer, ReLU, dropout),
trained with a multi-task loss: three-way cross-entropy on UMSAB rows, and on Mozetič rows
(which have no neutral class) the cross-entropy of positive vs negative renormalised over those
two classes, so the binary data never teaches the head that "neutral" is rare.
Exported as numpy arrays (``SentimentHead`` in ``replyassist/signals/sentiment.py``).
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
from replyassist.signals.sentiment import CUE_NAMES, LABELS, build_features  # noqa: E402

OUT = Path(__file__).resolve().parent
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


def train_members(X: np.ndarray, y: np.ndarray, binary: np.ndarray, *, members: int, hidden: int, epochs: int,
                  dropout: float, wd: float, lr: float, umsab_weight: float, seed: int,
                  sample_weight: np.ndarray | None = None) -> list[list[tuple[np.ndarray, np.ndarray]]]:
    import torch
    torch.set_num_threads(1)
    Xt = torch.tensor(X, dtype=torch.float32)
    yt = torch.tensor(y, dtype=torch.long)
    bt = torch.tensor(binary, dtype=torch.bool)
    w = torch.where(bt, torch.tensor(1.0), torch.tensor(umsab_weight))
    if sample_weight is not None:
        w = w * torch.tensor(sample_weight, dtype=torch.float32)
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
                logp = torch.log_softmax(net(Xt[idx]), dim=1)
                yy, bb = yt[idx], bt[idx]
                three = -logp.gather(1, yy[:, None])[:, 0]
                pair = torch.logsumexp(logp[:, [0, 2]], dim=1)
                two = -(logp.gather(1, yy[:, None])[:, 0] - pair)
                loss = (torch.where(bb, two, three) * w[idx]).sum() / w[idx].sum()
                opt.zero_grad()
                loss.backward()
                opt.step()
            sched.step()
        net.eval()
        lin = [mod for mod in net if isinstance(mod, torch.nn.Linear)]
        out.append([(l.weight.detach().numpy().T.copy(), l.bias.detach().numpy().copy()) for l in lin])
    return out


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


def save(path: Path, members, feature_set: str, meta: dict, aux=()) -> None:
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
    np.savez_compressed(path, **arrays)


def features(rows, vecs, feature_set, aux=()):
    return build_features(feature_set, HEAD_LANGS, vecs, [r["text"] for r in rows], [r["lang"] for r in rows], aux)


def labels(rows):
    return (np.array([LABELS.index(r["label"]) for r in rows]), np.array([r["source"] == "mozetic" for r in rows]))


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--heldout", action="store_true", help="only the held-out run")
    ap.add_argument("--per-lang", type=int, default=3000,
                    help="Mozetič tweets per language (prefix of the seeded sample; 3000 for the shipped head)")
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
    ap.add_argument("--validate", action="store_true",
                    help="model selection: split the training part again (80/20 per group, seed 1), fit on the "
                         "inner part, print scores on the inner validation part; the held-out part is not used")
    ap.add_argument("--sources", default="mozetic,umsab")
    ap.add_argument("--aux", default="", help="sentimentai-py heads as extra features, e.g. mlp/2.0,mlp/1.0")
    ap.add_argument("--out", default="sentiment_head", help="file stem of the written heads")
    args = ap.parse_args()
    hp = dict(members=args.members, hidden=args.hidden, epochs=args.epochs, dropout=args.dropout, wd=args.wd,
              lr=args.lr, umsab_weight=args.umsab_weight, seed=args.seed)
    sources = set(args.sources.split(","))
    data = bench.splits(args.per_lang)
    tr = [r for r in data["train"] if r["source"] in sources]
    te = [r for r in data["test"] if r["source"] in sources]
    if args.validate:
        import random
        rnd = random.Random(1)
        by: dict[tuple[str, str], list[dict]] = {}
        for r in tr:
            by.setdefault((r["group"], r["label"]), []).append(r)
        inner, val = [], []
        for key in sorted(by):
            g = by[key][:]
            rnd.shuffle(g)
            k = int(round(0.2 * len(g)))
            val += g[:k]
            inner += g[k:]
        tr, te = inner, val
        args.heldout = True
        args.out = str(Path("/tmp") / "replyassist_validate")
    vtr = bench.vectors([r["text"] for r in tr])
    vte = bench.vectors([r["text"] for r in te])
    aux = sentimentai_aux(args.aux) if "aux" in args.feature_set else []
    Xtr, Xte = features(tr, vtr, args.feature_set, aux), features(te, vte, args.feature_set, aux)
    ytr, btr = labels(tr)
    t0 = time.time()
    sw = balanced_weights(ytr, [r["group"] for r in tr]) if args.balance else None
    members = train_members(Xtr, ytr, btr, sample_weight=sw, **hp)
    print(f"\ntrained {len(members)} members in {time.time() - t0:.0f}s", file=sys.stderr)
    meta = {"protocol": "held-out", "hyperparameters": hp, "balance": args.balance, "feature_set": args.feature_set, "aux": args.aux,
            "n_train": len(tr), "n_test": len(te), "sources": sorted(sources), "per_lang": args.per_lang,
            "cues": list(CUE_NAMES)}
    path = OUT / f"{args.out}_heldout.npz"
    save(path, members, args.feature_set, meta, aux)
    res = bench.score_groups(te, bench.head_probs(path, te, vte))
    print(bench.table({"replyassist head (held-out)": res}))
    if args.heldout:
        return 0
    allrows = tr + te
    Xall = np.concatenate([Xtr, Xte])
    yall, ball = labels(allrows)
    sw = balanced_weights(yall, [r["group"] for r in allrows]) if args.balance else None
    members = train_members(Xall, yall, ball, sample_weight=sw, **hp)
    meta = dict(meta, protocol="refit on all development data", n_train=len(allrows), n_test=0)
    save(OUT / f"{args.out}.npz", members, args.feature_set, meta, aux)
    print(f"wrote {OUT / (args.out + '.npz')}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
