"""Learning from agents (issue 17): top-1 and confident-wrong after 0, 100, 500, 2,000 corrections.

    python -m benchmarks.desk_learning [--sets banking77,clinc150,draft_set] [--refit-every 100]
                                       [--max-stream 20000] [--learn all|corrections] [--screenshots]
    python -m benchmarks.desk_learning --sets banking77:1,clinc150:1 --out desk_learning_thin.md
    python -m benchmarks.desk_learning --sets combined:1 --max-stream 30000 --out desk_learning_combined.md

A labelled message stream is replayed through the matcher with a simulated agent at the desk:
for each message the matcher's current top entry and band are shown; the agent, who knows the
right entry, *accepts* it when it is right (and not ``no_match``) or *corrects* it (chooses the
right entry) otherwise. Every decision goes through the real path: a
:class:`replyassist.feedback.FeedbackRecord` (personal data masked) into a SQLite feedback store,
read back by :class:`replyassist.feedback.FeedbackLearner`, which adds the accepted and corrected
choices as labelled paraphrases and refits the index every ``--refit-every`` records (the service
refits after every record; batching only makes the replay affordable). After 0, 100, 500 and 2,000
*corrections* (the accepted decisions seen on the way are learned too), and where the stream ends, the
matcher is measured on messages that are not in the stream:

- **Banking77**: FAQ = 3 seeded train queries per intent (77 entries; ``banking77:1`` = one); stream = the other train
  queries, shuffled (seed 0); measured on the 3,080 test queries.
- **CLINC150**: FAQ = 3 seeded train queries per intent (150 entries; ``clinc150:1`` = one); stream = the other train
  queries; measured on the 3,000 validation queries plus the 100 out-of-scope validation queries
  (confident-wrong counts an out-of-scope query answered ``confident`` as wrong).
- **combined** (``combined:1`` = one question per intent): one help desk whose FAQ holds both sets' intents
  (227 entries, labels prefixed ``banking77/`` and ``clinc150/``); stream = both sets' remaining train
  queries, interleaved in one seeded shuffle (seed 0); measured on both test sets above (6,180 messages,
  CLINC150's out-of-scope queries included). The only stream long enough for 2,000 corrections.
- **draft_set** (the realistic set, ``benchmarks/draft_set``, 330 messages in 7 language variants
  against the demo corpus): too small for 2,000 corrections; two folds (even / odd rows of each
  file): learn from one fold's decisions, measure the other, with the full pipeline
  (``ReplyAssistant.suggest_many``: segments, bands, second opinion).

top-1 is over answerable messages; confident-wrong is the share of *all* measured messages whose
band is ``confident`` while the top entry is wrong (or nothing answers the message). ``--screenshots``
also starts the service with the desk and takes screenshots of the page in headless Chromium
(de, hu, sr Cyrillic, hr, en) into ``benchmarks/results/desk/``.

Results: ``benchmarks/results/desk_learning.md``.
"""
from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from . import evaldata as ed

RESULTS = Path(__file__).resolve().parent / "results"
CHECKPOINTS = (0, 100, 500, 2000)


def _measure(idx: Any, vecs: np.ndarray, texts: Sequence[str], labels: Sequence[int | None]) -> dict[str, float]:
    res = []
    for i in range(0, len(texts), 256):
        res += idx.search(vecs[i:i + 256], texts=list(texts[i:i + 256]), languages=["en"] * len(texts[i:i + 256]))
    id_to_entry = {e.id: k for k, e in enumerate(idx.entries)}
    top = np.array([id_to_entry[r.matches[0].faq_id] for r in res])
    y = np.array([-1 if lab is None else lab for lab in labels])
    ans = y >= 0
    conf = np.array([r.band == "confident" for r in res])
    right = top == y
    return {"top1": float(right[ans].mean()), "confident_wrong": float((conf & ~right).mean()),
            "confident": float(conf.mean()), "n": len(texts)}


def stream_task(name: str, faq: list[tuple[str, str]], stream: list[tuple[str, str]], test: list[tuple[str, str]],
                refit_every: int, store_dir: Path, learn: str = "all") -> list[dict[str, Any]]:
    """Replay ``stream`` with the simulated agent; measure on ``test`` at each checkpoint."""
    from replyassist.feedback import FeedbackLearner, FeedbackRecord, open_store

    from .matching import Bench
    b = Bench()
    idx, l2e = b.index(faq)
    entry_id = {lab: idx.entries[k].id for lab, k in l2e.items()}
    t_vecs = b.emb.encode([t for t, _ in test])
    t_labels = [l2e.get(lab) for _, lab in test]
    store = open_store(store_dir / f"{name}.db")
    learner = FeedbackLearner(idx)
    rows: list[dict[str, Any]] = []
    t0 = time.perf_counter()

    def checkpoint(corrections: int, records: int, exhausted: bool = False) -> None:
        learner.refresh(store)   # everything stored so far is in
        m = _measure(idx, t_vecs, [t for t, _ in test], t_labels)
        rows.append({"set": name, "corrections": corrections, "records": records, "learned": len(learner),
                     **({"exhausted": True} if exhausted else {}), **m, "seconds": time.perf_counter() - t0})
        print(f"  {name}: {corrections:>5} corrections ({records} decisions, {len(learner)} paraphrases"
              f"{', stream ended' if exhausted else ''}): top-1 {m['top1']:.3f}, "
              f"confident-wrong {m['confident_wrong']:.3%}  [{time.perf_counter() - t0:.0f} s]",
              file=sys.stderr, flush=True)

    checkpoint(0, 0)
    todo = [c for c in CHECKPOINTS if c > 0]
    corrections = records = 0
    s_vecs = b.emb.encode([t for t, _ in stream])
    pos = 0
    while pos < len(stream):   # on to the end of the stream after the last checkpoint
        # the matcher as it is now decides the next block; the agent answers each message
        block = range(pos, min(len(stream), pos + refit_every))
        texts = [stream[i][0] for i in block]
        res = idx.search(s_vecs[pos:pos + len(texts)], texts=texts, languages=["en"] * len(texts))
        new = []
        for i, r in zip(block, res):
            text, lab = stream[i]
            truth = entry_id[lab]
            right = r.matches[0].faq_id == truth and r.band != "no_match"
            if not right:
                corrections += 1
            new.append(FeedbackRecord(message=text, action="accepted" if right else "chose_other", language="en",
                                      suggested_faq_id=r.matches[0].faq_id, suggested_band=r.band,
                                      suggested_confidence=r.confidence, final_text=f"answer of {truth}",
                                      chosen_faq_id=truth, agent="simulated"))
            records += 1
            if todo and corrections >= todo[0]:
                break
        for rec in new:
            if learn == "all" or rec.action != "accepted":   # "corrections": agents record only their fixes
                store.add(rec)
        pos += len(new)
        if todo and corrections >= todo[0]:
            checkpoint(corrections, records)
            todo.pop(0)
        else:
            learner.refresh(store)
    if rows[-1]["records"] != records:   # the end of the stream, unless a checkpoint fell on it
        checkpoint(corrections, records, exhausted=True)
    return rows


def _split_train(train: Sequence[tuple[str, str]], per_intent: int) -> tuple[list[tuple[str, str]],
                                                                            list[tuple[str, str]]]:
    """(FAQ, stream): ``per_intent`` seeded train queries per intent, and the rest shuffled (seed 0)."""
    from .matching import sample_per_label
    faq = sample_per_label(train, per_intent)
    in_faq = {t for t, _ in faq}
    stream = [x for x in train if x[0] not in in_faq]
    random.Random(0).shuffle(stream)
    return faq, stream


def _clinc_test(c: dict[str, list[tuple[str, str]]], prefix: str = "") -> list[tuple[str, str]]:
    """CLINC150 validation queries (intents prefixed) plus the out-of-scope ones, labelled ``__oos__``."""
    return [(t, prefix + lab) for t, lab in c["val"]] + [(t, "__oos__") for t, _ in c["oos_val"]]


def banking(refit_every: int, max_stream: int, store_dir: Path, learn: str = "all",
            per_intent: int = 3) -> list[dict[str, Any]]:
    train, test = ed.banking77()
    faq, stream = _split_train(train, per_intent)
    return stream_task(f"Banking77 ({per_intent}/intent)", faq, stream[:max_stream], test, refit_every, store_dir,
                       learn)


def clinc(refit_every: int, max_stream: int, store_dir: Path, learn: str = "all",
          per_intent: int = 3) -> list[dict[str, Any]]:
    c = ed.clinc150()
    faq, stream = _split_train(c["train"], per_intent)
    return stream_task(f"CLINC150 ({per_intent}/intent)", faq, stream[:max_stream], _clinc_test(c), refit_every,
                       store_dir, learn)


def combined(refit_every: int, max_stream: int, store_dir: Path, learn: str = "all",
             per_intent: int = 3) -> list[dict[str, Any]]:
    """One help desk for both Banking77 and CLINC150: FAQ with both sets' intents, streams interleaved."""
    b_train, b_test = ed.banking77()
    c = ed.clinc150()
    b_faq, b_stream = _split_train([(t, "banking77/" + lab) for t, lab in b_train], per_intent)
    c_faq, c_stream = _split_train([(t, "clinc150/" + lab) for t, lab in c["train"]], per_intent)
    stream = b_stream + c_stream
    random.Random(0).shuffle(stream)
    test = [(t, "banking77/" + lab) for t, lab in b_test] + _clinc_test(c, "clinc150/")
    return stream_task(f"Banking77+CLINC150 ({per_intent}/intent)", b_faq + c_faq, stream[:max_stream], test,
                       refit_every, store_dir, learn)


def draft_set(store_dir: Path) -> list[dict[str, Any]]:
    """Two folds of the realistic set through the full pipeline (the assistant's own index)."""
    from replyassist import ReplyAssistant
    from replyassist.feedback import FeedbackLearner, FeedbackRecord, open_store

    from .drafts import NOW, load_set
    rows = load_set()
    ra = ReplyAssistant.from_corpus(Path(__file__).resolve().parents[1] / "faq_corpus" / "shop")
    known = {e.id for e in ra.corpus.entries}
    folds: list[list[Any]] = [[], []]
    count: dict[str, int] = {}
    for r in rows:
        k = count.get(r.set, 0)
        count[r.set] = k + 1
        folds[k % 2].append(r)

    def run(msgs: Sequence[Any]) -> list[Any]:
        return ra.suggest_many([{"text": r.text, "customer_name": r.customer_name, "channel": r.channel,
                                 "locale": r.locale} for r in msgs], now=NOW)

    def score(msgs: Sequence[Any], sugs: Sequence[Any]) -> dict[str, float]:
        ans = [(r, s) for r, s in zip(msgs, sugs) if r.expected]
        top1 = np.mean([s.matches[0].faq_id in r.expected for r, s in ans])
        cw = np.mean([s.match.band == "confident" and s.matches[0].faq_id not in r.expected for r, s in zip(msgs, sugs)])
        return {"top1": float(top1), "confident_wrong": float(cw),
                "confident": float(np.mean([s.match.band == "confident" for s in sugs])), "n": len(msgs)}

    out = []
    before = [score(f, run(f)) for f in folds]
    after = []
    corrections = records = learned = 0
    for k in (0, 1):
        learn, test = folds[k], folds[1 - k]
        store = open_store(store_dir / f"draft_set_{k}.db")
        for r, s in zip(learn, run(learn)):
            top = s.matches[0].faq_id
            if not r.expected:
                store.add(FeedbackRecord(message=r.text, action="no_faq", language=r.language, channel=r.channel,
                                         suggested_faq_id=top, suggested_band=s.match.band), names=[r.customer_name or ""])
                corrections += s.match.band != "no_match"
                records += 1
                continue
            truth = r.expected[0] if r.expected[0] in known else None
            if truth is None:
                continue
            right = top in r.expected and s.match.band != "no_match"
            corrections += not right
            records += 1
            store.add(FeedbackRecord(message=r.text, action="accepted" if right else "chose_other",
                                     language=r.language, channel=r.channel, suggested_faq_id=top,
                                     suggested_band=s.match.band, suggested_confidence=s.match.confidence,
                                     final_text="(the reply)", chosen_faq_id=top if right else truth,
                                     agent="simulated"), names=[r.customer_name or ""])
        learner = FeedbackLearner(ra.index)
        learned += learner.refresh(store)
        after.append(score(test, run(test)))
        learner.reset()                      # back to the corpus-only index for the other fold
    n = sum(b["n"] for b in before)

    def pooled(parts: list[dict[str, float]], key: str) -> float:
        return sum(p[key] * p["n"] for p in parts) / n
    for _label, parts, corr in (("before", before, 0), ("after", after, corrections)):
        out.append({"set": "draft_set (2 folds)", "corrections": corr, "records": records if corr else 0,
                    "learned": learned if corr else 0, "top1": pooled(parts, "top1"),
                    "confident_wrong": pooled(parts, "confident_wrong"), "confident": pooled(parts, "confident"),
                    "n": n, "seconds": 0.0})
    return out


def screenshots(out_dir: Path) -> list[Path]:
    """The desk in headless Chromium on the demo corpus: one screenshot per language/script."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from playwright.sync_api import sync_playwright

    from replyassist import ReplyAssistant
    from replyassist.service.app import create_app
    from replyassist.service.config import ServiceConfig
    from tests.feedback_support import CHROMIUM, CHROMIUM_FLAGS
    from tests.test_service_support import RunningServer
    shop = Path(__file__).resolve().parents[1] / "faq_corpus" / "shop"
    ra = ReplyAssistant.from_corpus(shop)
    db = Path(tempfile.mkdtemp(prefix="ra-desk-shots-")) / "feedback.db"
    app = create_app(ServiceConfig(corpus=str(shop), feedback=f"sqlite:///{db}", request_timeout_s=300), assistant=ra)
    app.state.desk.store.queue_add([
        {"text": "Dobar dan, naručio sam cipele prije tjedan dana, a još nisu stigle. Gdje je paket?",
         "customer_name": "Ivana Horvat", "channel": "email"},
        {"text": "Do you ship to Montenegro? My daughter lives in Budva", "channel": "chat"}])
    messages = [
        ("de", "Hallo, ich warte seit 10 Tagen auf meine Bestellung 4711 – wo bleibt das Paket?? Grüße, Jonas Weiß",
         "Jonas Weiß", "email"),
        ("hu", "Jó napot! Két hete rendeltem egy kabátot, de még mindig nem érkezett meg. Hol tart a csomagom? "
               "Üdvözlettel, Szűcs Ödön", "Szűcs Ödön", "email"),
        ("sr-Cyrl", "Здраво, купила сам јакну пре недељу дана и желим да је вратим. Како то да урадим? 😕",
         "Јелена Петровић", "chat"),
    ]
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    with RunningServer(app) as srv, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS, headless=True)
        page = browser.new_page(viewport={"width": 1280, "height": 1100})
        page.goto(srv.url + "/desk")
        page.wait_for_selector("#status.ok")
        page.fill("#agent", "Mira K.")
        for lang, text, name, channel in messages:
            page.fill("#message", text)
            page.fill("#customer-name", name)
            page.select_option("#channel", channel)
            page.press("#message", "Control+Enter")
            page.wait_for_function("!document.querySelector('#result').hidden && "
                                   "document.querySelector('#status').textContent.startsWith('Suggestion')")
            if lang == "hu":   # an edit: the tone check runs again on the edited text
                page.click("#edit-btn")
                page.keyboard.type("\nGARANTÁLJUK, hogy holnap megérkezik!")
                page.wait_for_timeout(1500)
            path = out_dir / f"desk-{lang}.png"
            page.screenshot(path=str(path), full_page=True)
            paths.append(path)
            page.keyboard.press("Alt+A")
            page.wait_for_function("document.querySelector('#status').textContent.startsWith('Recorded')")
        for lang in ("hr", "en"):   # from the queue
            page.keyboard.press("Alt+J")
            page.wait_for_function("!document.querySelector('#result').hidden && "
                                   "document.querySelector('#status').textContent.startsWith('Suggestion')")
            path = out_dir / f"desk-{lang}-queue.png"
            page.screenshot(path=str(path), full_page=True)
            paths.append(path)
            page.keyboard.press("Alt+N" if lang == "en" else "Alt+A")
            page.wait_for_function("document.querySelector('#status').textContent.startsWith('Recorded')")
        browser.close()
    return paths


def table(rows: list[dict[str, Any]]) -> str:
    lines = ["| set | corrections | stream messages replayed | labelled paraphrases learned | measured on | "
             "top-1 | confident-wrong | confident share |", "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['set']} | {r['corrections']:,}{' (stream ended)' if r.get('exhausted') else ''} | "
                     f"{r['records']:,} | {r['learned']:,} | {r['n']:,} | {r['top1']:.3f} | "
                     f"{r['confident_wrong']:.2%} | {r['confident']:.1%} |")
    return "\n".join(lines)


@ed.skip_if_missing
def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sets", default="banking77,clinc150,draft_set")
    ap.add_argument("--refit-every", type=int, default=100)
    ap.add_argument("--out", default=None, help="results file name in benchmarks/results (default by --learn)")
    ap.add_argument("--max-stream", type=int, default=20000, help="at most this many stream messages per set")
    ap.add_argument("--learn", choices=["all", "corrections"], default="all",
                    help="all: every decision is recorded and learned (the desk's default); corrections: agents "
                         "record only the suggestions they corrected (accepted ones are not learned)")
    ap.add_argument("--screenshots", action="store_true")
    args = ap.parse_args(argv)
    t0 = time.time()
    store_dir = Path(tempfile.mkdtemp(prefix="ra-desk-bench-"))
    rows: list[dict[str, Any]] = []
    sets = [s.strip() for s in args.sets.split(",") if s.strip()]
    for s in sets:
        print(f"{s} ...", file=sys.stderr, flush=True)
        base, _, per = s.partition(":")   # banking77:1 = one paraphrase per intent in the FAQ (default 3)
        if base == "banking77":
            rows += banking(args.refit_every, args.max_stream, store_dir, args.learn, int(per or 3))
        elif base == "clinc150":
            rows += clinc(args.refit_every, args.max_stream, store_dir, args.learn, int(per or 3))
        elif base == "combined":   # one desk for both sets' intents; combined:1 = one question per intent
            rows += combined(args.refit_every, args.max_stream, store_dir, args.learn, int(per or 3))
        elif s == "draft_set":
            rows += draft_set(store_dir)
        else:
            raise SystemExit(f"unknown set {s!r}")
    shots: list[Path] = []
    if args.screenshots:
        shots = screenshots(RESULTS / "desk")
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    text = "\n".join([
        "# Learning from agents' corrections (issue 17)", "",
        f"`python -m benchmarks.desk_learning --sets {args.sets} --refit-every {args.refit_every} "
        f"--max-stream {args.max_stream} --learn {args.learn}` (offline defaults: e5-small, English second opinion, band model; "
        f"`OMP_WAIT_POLICY=passive`; {time.time() - t0:.0f} s; 1-minute load {load:.1f} on 2 cores).", "",
        "A simulated agent accepts the matcher's top entry when it is right and corrects it otherwise; "
        + ("every decision is stored" if args.learn == "all" else
           "only the corrections are stored (as agents who only click when they fix something)")
        + " (SQLite feedback store, personal data masked) and learned as a labelled paraphrase "
        "(`replyassist.feedback.FeedbackLearner`). Measured on messages outside the stream; top-1 over answerable "
        "messages, confident-wrong over all measured messages.", "",
        table(rows), "",
        *([f"Screenshots: {', '.join(p.name for p in shots)} in `benchmarks/results/desk/`.", ""] if shots else []),
    ])
    ed.publish(text, RESULTS / (args.out or ("desk_learning.md" if args.learn == "all" else
                                             "desk_learning_corrections.md")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
