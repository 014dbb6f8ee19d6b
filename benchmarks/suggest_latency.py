"""Latency of ``suggest()`` on short messages after start-up, with each stage's share.

    python -m benchmarks.suggest_latency [--n 60]

Messages are written here (no eval data needed). Prints start-up time, then median and p95 of the
whole call and of each stage (the embedding call's own time beside the total).
"""
from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

MESSAGES = [
    ("Hol van a csomagom? Már két hete várok!", "email"),
    ("Wo bleibt meine Bestellung 4711?", "email"),
    ("Gde je moja porudžbina? Čekam već nedelju dana.", "chat"),
    ("Где је моја поруџбина?", "chat"),
    ("Kako mogu vratiti proizvod?", "facebook"),
    ("How long do refunds take?", "twitter"),
    ("Ich habe mein Passwort vergessen", "chat"),
    ("Tudok utánvéttel fizetni?", "email"),
    ("THIS IS THE THIRD TIME I WRITE, WHERE IS MY MONEY???", "twitter"),
    ("Do you sell cinema gift cards?", "chat"),
]


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(q * (len(xs) - 1))))]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=60)
    ap.add_argument("--corpus", default=str(Path(__file__).resolve().parent.parent / "faq_corpus" / "shop"))
    ap.add_argument("--no-second", action="store_true", help="matching.second_embedder = none (e5 alone)")
    a = ap.parse_args()
    t0 = time.perf_counter()
    from replyassist import ReplyAssistant
    settings = {"matching": {"second_embedder": "none"}} if a.no_second else None
    assistant = ReplyAssistant.from_corpus(a.corpus, settings=settings)
    startup = time.perf_counter() - t0
    t0 = time.perf_counter()
    for text, ch in MESSAGES:  # warm-up: lazy models (e.g. the English second opinion) load here
        assistant.suggest(text, channel=ch, customer_name="Anna", agent_name="Mira K.")
    warm = time.perf_counter() - t0
    totals: list[float] = []
    stages: dict[str, list[float]] = {}
    for i in range(a.n):
        text, ch = MESSAGES[i % len(MESSAGES)]
        t0 = time.perf_counter()
        s = assistant.suggest(text, channel=ch, customer_name="Anna", agent_name="Mira K.")
        totals.append((time.perf_counter() - t0) * 1000)
        for k, v in s.timings_ms.items():
            stages.setdefault(k, []).append(v)
    print(f"start-up (import + corpus + models + index): {startup:.2f} s; first {len(MESSAGES)} messages "
          f"(lazy model loads): {warm:.2f} s; then {a.n} calls, {len(MESSAGES)} distinct messages\n")
    print("| part | median ms | p95 ms |")
    print("|---|---|---|")
    print(f"| **suggest() total** | **{statistics.median(totals):.1f}** | **{pct(totals, 0.95):.1f}** |")
    for k, v in stages.items():
        print(f"| {k} | {statistics.median(v):.2f} | {pct(v, 0.95):.2f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
