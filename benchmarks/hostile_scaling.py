"""Time per kB of every text-processing stage on pathological inputs (issue 20, defect 1).

    OMP_WAIT_POLICY=passive nice -n 10 python -m benchmarks.hostile_scaling [--sizes 1,10,100,1000] [--guard 20]

The entry points that take raw text get the raw hostile text: ``prepare_message`` (prepare),
``LanguageDetector.detect(..., segments=True)`` (detect; the public ``detect_language`` has its own
length cap), ``read_messages`` on a CSV and a JSONL file holding the text as one row (gaps reader)
and ``suggest`` end to end. The inner stages get what ``suggest`` gives them, the prepared message
(``prepare_message`` cuts at 20,000 characters): ``segment_batch`` + ``Embedder.encode`` +
``FaqIndex.search`` on ``clean`` (match/encode), ``SignalAnalyzer.analyze`` + ``detect_situations``
on ``text`` (signals), ``Drafter.draft`` + ``ToneChecker.check`` on ``text`` (draft). With
``--raw`` the inner stages get the raw text too.

Sizes are UTF-8 kB (1 kB = 1,000 bytes; an emoji is 4 bytes). A stage that took longer than
``--guard`` seconds at one size is not run at the larger ones ("skipped"). Prints a markdown table
and writes it to ``benchmarks/results/hostile_scaling.md``. Goal: no stage over 1 s at 100 kB, and
time per kB not growing with the size (linear).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results" / "hostile_scaling.md"

#: name -> (repeated unit, tail appended after the padding)
INPUTS: dict[str, tuple[str, str]] = {
    "'a.'*n": ("a.", ""),
    "'a-'*n": ("a-", ""),
    "emoji run": ("\U0001F621", ""),
    "one long token": ("x", ""),
    "zero-width padding": ("\u200b", " Where is my order?"),
    "newline padding": ("\n", "Where is my order?"),
    "realistic text": ("Hallo, wo bleibt meine Bestellung 4711? Ich warte seit zwei Wochen!!! 😡 ", ""),
    # English: the matcher's second opinion (MiniLM) reads it too
    "realistic text (en)": ("Hello, I ordered a blue jacket two weeks ago and it still has not arrived. Where is my "
                            "order? I am really annoyed!!! ", ""),
    # Cyrillic costs e5 the most tokens per character (~340 per 1,000 against ~240 in German)
    "realistic text (sr-Cyrl)": ("Здраво, пре две недеље сам наручио плаву јакну и још није стигла. Где је моја "
                                 "поруџбина? Стварно сам љут!!! ", ""),
    # chat without full stops, a different ~2,900-character line each time: before issue 20's bound
    # on sentences, up to six 2,000-character "sentences" were encoded (~7 s of CPU)
    "run-on lines": ("note {i} " + "i ordered a jacket two weeks ago and it never came and nobody answers " * 40
                     + "\n", ""),
}


_PREPARED: dict[str, Any] = {}


def make_text(unit: str, tail: str, kb: float) -> str:
    """``unit`` repeated to ``kb`` kB of UTF-8, then ``tail``; a ``{i}`` in the unit counts the repetitions."""
    target = int(kb * 1000)
    per = len(unit.encode("utf-8"))
    n = max(1, (target - len(tail.encode("utf-8"))) // per)
    if "{i}" in unit:  # long units: built past the size, then cut to it
        body = "".join(unit.replace("{i}", f"{i:06d}") for i in range(n + 1))
        body = body.encode("utf-8")[:max(1, target - len(tail.encode("utf-8")))].decode("utf-8", "ignore")
    else:
        body = unit * n
    return body + tail


def build_stages(corpus_path: Path, cache: Path, raw: bool = False) -> dict[str, Callable[[str], Any]]:
    from replyassist import ReplyAssistant
    from replyassist.drafting import DraftRequest
    from replyassist.gaps import read_messages
    from replyassist.signals.situation import detect_situations
    from replyassist.text import prepare_message, segment_batch

    ra = ReplyAssistant.from_corpus(corpus_path, {"cache_dir": str(cache), "translator": "none"})
    short = ra.suggest("Where is my order?")
    match = short.match
    tmp = Path(tempfile.mkdtemp(prefix="hostile-"))

    def prepare(t: str) -> Any:
        return prepare_message(t)

    def detect(t: str) -> Any:
        return ra.detector.detect(t, segments=True)

    def prepared(t: str, field: str) -> str:
        if raw:
            return t
        p = _PREPARED.get(t) or prepare_message(t)
        _PREPARED.clear()
        _PREPARED[t] = p
        return str(getattr(p, field))

    def match_stage(t: str) -> Any:
        t = prepared(t, "clean")
        texts, parts = segment_batch([t])
        vecs = ra.embedder.encode(texts)
        return ra.index.search(vecs, texts=texts, languages=["en"] * len(texts), parts=parts, include_parts=True)

    vec = ra.embedder.encode(["Where is my order?"])

    def signals(t: str) -> Any:
        t = prepared(t, "text")
        sig = ra.signals.analyze([t], vec, ["en"], channels=["email"], histories=[[t]])
        return sig, detect_situations(t, "en", [t])

    def draft(t: str) -> Any:
        t = prepared(t, "text")
        d = ra.drafter.draft(DraftRequest(message=t, language="en", script="Latn", match=match, corpus=ra.corpus,
                                          customer_name=t[:200], agent_name="Mira K.", channel="email",
                                          values={"order_id": t}))
        return ra.tone_checker.check(d, customer_register=None, negative_customer=True, channel="email")

    def gaps_reader(t: str) -> Any:
        csv_path = tmp / "log.csv"
        csv_path.write_text('id,text\n1,"' + t.replace('"', '""') + '"\n2,Where is my order?\n', encoding="utf-8")
        jl = tmp / "log.jsonl"
        jl.write_text(json.dumps({"id": 1, "text": t}, ensure_ascii=False) + "\n"
                      + json.dumps({"id": 2, "text": "Where is my order?"}) + "\n", encoding="utf-8")
        a, b = read_messages(csv_path), read_messages(jl)
        assert a.total == 2 and b.total == 2, (a.total, b.total)
        return a, b

    def suggest(t: str) -> Any:
        return ra.suggest(t, customer_name="Anna", agent_name="Mira K.", channel="email")

    return {"prepare": prepare, "detect": detect, "match/encode": match_stage, "signals": signals,
            "draft": draft, "gaps reader": gaps_reader, "suggest (all)": suggest}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="1,10,100,1000", help="comma-separated sizes in kB")
    ap.add_argument("--guard", type=float, default=20.0, help="skip larger sizes after a stage took this long (s)")
    ap.add_argument("--inputs", default=None, help="comma-separated subset of the input names")
    ap.add_argument("--stages", default=None, help="comma-separated subset of the stage names")
    ap.add_argument("--corpus", default=str(ROOT / "faq_corpus" / "shop"))
    ap.add_argument("--raw", action="store_true", help="inner stages get the raw text, not the prepared one")
    ap.add_argument("--no-write", action="store_true")
    a = ap.parse_args(argv)
    sizes = [float(s) for s in a.sizes.split(",")]
    cache = Path(tempfile.mkdtemp(prefix="hostile-cache-"))
    stages = build_stages(Path(a.corpus), cache, raw=a.raw)
    if a.stages:
        stages = {k: v for k, v in stages.items() if k in a.stages.split(",")}
    inputs = {k: v for k, v in INPUTS.items() if not a.inputs or k in a.inputs.split(",")}
    rows: list[str] = []
    worst_100 = worst_cpu_100 = 0.0
    worst_cell = ""
    load_before = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    for name, (unit, tail) in inputs.items():
        texts = {kb: make_text(unit, tail, kb) for kb in sizes}
        for sname, fn in stages.items():
            cells: list[str] = []
            skip = False
            for kb in sizes:
                if skip:
                    cells.append("skipped")
                    continue
                if not a.raw and sname in ("match/encode", "signals", "draft"):
                    from replyassist.text import prepare_message
                    if texts[kb] not in _PREPARED:
                        _PREPARED.clear()
                        _PREPARED[texts[kb]] = prepare_message(texts[kb])  # prepared outside the timing
                t0, c0 = time.perf_counter(), time.process_time()
                try:
                    fn(texts[kb])
                    err = ""
                except Exception as exc:  # a crash is a finding, shown in the table
                    err = f" ({type(exc).__name__})"
                dt, cpu = time.perf_counter() - t0, time.process_time() - c0
                if kb == 100 and sname != "suggest (all)":
                    if dt > worst_100:
                        worst_100, worst_cell = dt, f"{sname} on {name}"
                    worst_cpu_100 = max(worst_cpu_100, cpu)
                cells.append(f"{dt * 1000 / kb:.2f} ms/kB ({dt:.2f} s; cpu {cpu:.2f} s){err}")
                skip = dt > a.guard
            rows.append(f"| {name} | {sname} | " + " | ".join(cells) + " |")
            print(rows[-1], flush=True)
    head = ("| input | stage | " + " | ".join(f"{s:g} kB" for s in sizes) + " |\n|---|---|"
            + "---|" * len(sizes))
    table = head + "\n" + "\n".join(rows)
    load_after = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    summary = (f"Slowest stage at 100 kB: {worst_100:.2f} s wall ({worst_cell}); the most CPU a stage used at "
               f"100 kB: {worst_cpu_100:.2f} s (goal: "
               f"under 1 s). Load average (1 min) at the start {load_before:.1f}, at the end {load_after:.1f}, on "
               f"{os.cpu_count()} cores: wall times include waiting for the CPU; CPU time includes the model's "
               "threads.")
    print("\n" + table + "\n\n" + summary)
    if not a.no_write:
        out = RESULTS.with_name("hostile_scaling_raw.md") if a.raw else RESULTS
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(
            "# Hostile input scaling (issue 20)\n\n"
            f"`OMP_WAIT_POLICY=passive nice -n 10 python -m benchmarks.hostile_scaling{' --raw' if a.raw else ''}` on "
            f"{platform.machine()} / Python {platform.python_version()}, 2 shared cores. Each cell: time per kB "
            "(wall time; CPU time of this process) for one call of the stage on the input of that size.\n\n"
            + table + "\n\n" + summary + "\n", encoding="utf-8")
        print(f"written to {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
