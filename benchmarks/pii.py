"""PII masking on a labelled log (issue 20): per kind, masked %, and leaks in every written file.

    OMP_WAIT_POLICY=passive nice -n 10 python -m benchmarks.pii [--no-write]

The log is :mod:`benchmarks.pii_set` (written for this benchmark; phone, card, IBAN, e-mail incl.
"anna at example dot com", order and customer numbers in en, de, hu, sr, hr formats; e-mail
addresses and phone numbers also as ids, channels and customer ids). Two measurements:

1. **masked %** per kind and language: ``mask_pii`` on the prepared text of each message; a
   value counts as masked when its secret part (the number of "order ID 556677", the whole phone
   number) is gone. Controls (dates, prices, postcodes, sizes) count how often something that is
   not personal data was masked.
2. **leaks in the report**: the real gap analysis (``replyassist gaps``: e5, matching, clustering)
   over the log as CSV, then every written file (``report.html``, ``report.json``, the CSVs) is
   searched for every secret: per kind in the text, and in the id / channel / customer-id columns.
   Then the same with ``--mask-names`` over messages with names in greetings and sign-offs and a
   customer-name column.

Prints markdown tables and writes them to ``benchmarks/results/pii.md``. Goal: >= 99% masked per
kind, 0 leaked in ids and columns.
"""
from __future__ import annotations

import argparse
import csv
import io
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

from .pii_set import CONTROLS, NAME_MESSAGES, UNSEEN, labelled_records, secret

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results" / "pii.md"


def masked_rates() -> tuple[str, dict[str, float], int]:
    from replyassist.text import mask_pii, prepare_message
    rows, labels = labelled_records()
    tot: Counter[tuple[str, str]] = Counter()
    ok: Counter[tuple[str, str]] = Counter()
    missed: list[str] = []
    for row, lab in zip(rows, labels):
        if not row["text"]:
            continue
        p = prepare_message(row["text"])
        masked = mask_pii(p.text, p.pii)
        for kind, lang, value, col in lab:
            if col != "text":
                continue
            tot[kind, lang] += 1
            if secret(kind, value) not in masked:
                ok[kind, lang] += 1
            else:
                missed.append(f"{kind}/{lang}: {value!r} -> {masked!r}")
    kinds = sorted({k for k, _ in tot})
    langs = ["en", "de", "hu", "sr", "hr"]
    lines = ["| kind | " + " | ".join(langs) + " | all |", "|---|" + "---|" * (len(langs) + 1)]
    per_kind: dict[str, float] = {}
    for k in kinds:
        cells = []
        for lg in langs:
            cells.append(f"{ok[k, lg]}/{tot[k, lg]}" if tot[k, lg] else "–")
        a, b = sum(ok[k, lg] for lg in langs), sum(tot[k, lg] for lg in langs)
        per_kind[k] = 100 * a / b
        lines.append(f"| {k} | " + " | ".join(cells) + f" | **{per_kind[k]:.1f}%** ({a}/{b}) |")
    over = sum(mask_pii(c) != c for c in CONTROLS)
    # formats written after the patterns (see pii_set.UNSEEN), inside a sentence
    u_ok = u_tot = 0
    for kind, values in UNSEEN.items():
        for v in values:
            p = prepare_message(f"Hallo, bitte prüfen Sie {v} danke")
            m = mask_pii(p.text, p.pii)
            u_tot += 1
            if secret(kind, v) not in m and m.endswith(" danke"):
                u_ok += 1
            else:
                missed.append(f"unseen {kind}: {v!r} -> {m!r}")
    lines.append(f"| formats not in the set above (`pii_set.UNSEEN`) | | | | | | {u_ok}/{u_tot} |")
    table = "\n".join(lines)
    if missed:
        table += "\n\nNot masked:\n" + "\n".join(f"- {m}" for m in missed)
    return table, per_kind, over


def report_leaks(work: Path) -> tuple[str, dict[str, int]]:
    from replyassist.gaps import run_gaps_cli
    rows, labels = labelled_records()
    log = work / "pii_log.csv"
    with open(log, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=["id", "timestamp", "channel", "customer_id", "customer_name", "text"])
        w.writeheader()
        w.writerows(rows)
    out = work / "report"
    t0 = time.perf_counter()
    code = run_gaps_cli(log, ROOT / "faq_corpus" / "shop", out, cache_dir=work / "cache", no_progress=True,
                        stdout=io.StringIO(), stderr=io.StringIO())
    took = time.perf_counter() - t0
    assert code == 0, f"replyassist gaps exited with {code}"
    written = {p.name: p.read_text(encoding="utf-8") for p in sorted(out.iterdir()) if p.is_file()}
    leaks: dict[str, int] = defaultdict(int)
    checked: Counter[str] = Counter()
    where: list[str] = []
    for lab in labels:
        for kind, _lang, value, col in lab:
            s = secret(kind, value)
            key = f"{kind} in text" if col == "text" else f"{kind} in column {col}"
            checked[key] += 1
            hit = [name for name, body in written.items() if s in body]
            if hit:
                leaks[key] += 1
                where.append(f"{key}: {s!r} in {', '.join(hit)}")
    lines = ["| value | checked | leaked |", "|---|---|---|"]
    for key in sorted(checked):
        lines.append(f"| {key} | {checked[key]} | {leaks.get(key, 0)} |")
    table = (f"Files searched: {', '.join(written)} (gap analysis of {len(rows)} rows took {took:.0f} s).\n\n"
             + "\n".join(lines))
    if where:
        table += "\n\nLeaks:\n" + "\n".join(f"- {w}" for w in where[:40])
    return table, dict(leaks)


def name_leaks(work: Path) -> str:
    from replyassist.gaps import run_gaps_cli
    log = work / "names.csv"
    with open(log, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "customer_name", "text"])
        for i, (text, _) in enumerate(NAME_MESSAGES * 2):
            w.writerow([f"n-{i}", "Kovács Anna" if i % 2 else "Jonas Weber", text])
    lines = ["| option | names checked | names in the written files |", "|---|---|---|"]
    for flag in (False, True):
        out = work / f"names-{flag}"
        code = run_gaps_cli(log, ROOT / "faq_corpus" / "shop", out, cache_dir=work / "cache", no_progress=True,
                            mask_names=flag, stdout=io.StringIO(), stderr=io.StringIO())
        assert code == 0
        body = "\n".join(p.read_text(encoding="utf-8") for p in out.iterdir() if p.is_file())
        names = [n for _, ns in NAME_MESSAGES for n in ns] + ["Kovács Anna", "Jonas Weber"]
        leaked = [n for n in names if n in body]
        lines.append(f"| {'--mask-names' if flag else 'default (names not claimed)'} | {len(names)} | "
                     f"{len(leaked)}{': ' + ', '.join(leaked) if leaked and flag else ''} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--no-write", action="store_true")
    a = ap.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="pii-bench-"))
    t1, per_kind, over = masked_rates()
    print("## Masked per kind and language (masked/labelled)\n\n" + t1)
    print(f"\nControls (dates, prices, postcodes, sizes; not personal data) changed by masking: {over} of {len(CONTROLS)}")
    t2, leaks = report_leaks(work)
    print("\n## Leaks in the written report files\n\n" + t2)
    t3 = name_leaks(work)
    print("\n## Names (greetings, sign-offs, customer-name column)\n\n" + t3)
    worst = min(per_kind.values())
    col_leaks = sum(v for k, v in leaks.items() if "column" in k)
    summary = (f"Lowest masked share of a kind: {worst:.1f}% (goal >= 99%); leaked in ids and columns: {col_leaks} "
               f"(goal 0); leaked in any file: {sum(leaks.values())}.")
    print("\n" + summary)
    if not a.no_write:
        RESULTS.write_text("# PII masking on a labelled log (issue 20)\n\n"
                           "`OMP_WAIT_POLICY=passive nice -n 10 python -m benchmarks.pii`; the log is "
                           "`benchmarks/pii_set.py` (written for this benchmark).\n\n"
                           "## Masked per kind and language (masked/labelled)\n\n" + t1
                           + f"\n\nControls changed by masking (not personal data): {over} of {len(CONTROLS)}.\n\n"
                           "## Leaks in the written report files\n\n" + t2
                           + "\n\n## Names\n\n" + t3 + "\n\n" + summary + "\n", encoding="utf-8")
        print(f"written to {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
