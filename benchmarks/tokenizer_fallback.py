"""Drafts with spaCy's tokeniser and with the regex fallback (issue 15: spaCy is an extra, not core).

    python -m benchmarks.tokenizer_fallback            # both runs, the comparison table
    python -m benchmarks.tokenizer_fallback --no-write # print only

spaCy serves one thing here: the tokeniser of its blank pipelines
(``replyassist.drafting.locales.tokenize``), used by the register, tone and politeness lexicons.
Without spaCy (``pip install -e .`` without the ``spacy`` extra) a regex tokeniser takes its place.
This runs ``benchmarks.drafts`` twice in fresh processes on the realistic message set, once as
installed (spaCy present) and once with ``import spacy`` made to fail (exactly what a core install
sees), and compares the two: the benchmark table row by row, every draft text, register, band,
notes and escalation. It also counts, over the set's messages, how often the two tokenisers give
the same tokens. Both runs use the same code and the same cached vectors; the times are wall
clock of each run on this machine (one run after the other, so a ratio, not an absolute figure).

Writes ``results/tokenizer_fallback.md``.
"""
from __future__ import annotations

import argparse
import difflib
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Sequence

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results" / "tokenizer_fallback.md"

#: Run ``benchmarks.drafts`` with spaCy blocked: ``import spacy`` raises ImportError, as without the extra.
_BLOCKED = ("import sys; sys.modules['spacy'] = None; "
            "from benchmarks.drafts import main; sys.exit(main(sys.argv[1:]))")
_PLAIN = "import sys; from benchmarks.drafts import main; sys.exit(main(sys.argv[1:]))"


def _run(code: str, out: Path) -> tuple[float, str]:
    env = dict(os.environ, OMP_WAIT_POLICY=os.environ.get("OMP_WAIT_POLICY", "passive"))
    t0 = time.perf_counter()
    p = subprocess.run([sys.executable, "-c", code, "--out", str(out)], cwd=ROOT, env=env,
                       capture_output=True, text=True)
    dt = time.perf_counter() - t0
    if p.returncode != 0:
        raise SystemExit(f"benchmarks.drafts failed ({p.returncode}):\n{p.stderr[-3000:]}")
    return dt, p.stdout


_DRAFT_HEAD = re.compile(r"^## (\S+) ", re.M)


def _drafts(folder: Path) -> dict[str, str]:
    """Every message's block (decision lines and draft text) by message id."""
    out: dict[str, str] = {}
    for f in sorted((folder / "drafts").glob("*.md")):
        text = f.read_text(encoding="utf-8")
        heads = list(_DRAFT_HEAD.finditer(text))
        for i, h in enumerate(heads):
            end = heads[i + 1].start() if i + 1 < len(heads) else len(text)
            out[f"{f.stem}/{h.group(1)}"] = text[h.start():end]
    return out


def _table(stdout: str) -> list[str]:
    return [l for l in stdout.splitlines() if l.startswith("| ")]


def token_agreement() -> tuple[int, int, int, int]:
    """(messages, same tokens, spaCy tokens, regex tokens) over the draft set, in this process."""
    from benchmarks.drafts import FILES, SET_DIR, load_set
    from replyassist.drafting import locales

    rows = load_set(SET_DIR, list(FILES))
    same = n_sp = n_re = 0
    for r in rows:
        lang = r.language.split("-")[0]
        sp = locales.tokenize(r.text, lang)
        rx = [(m.group(0), m.start()) for m in locales._FALLBACK_TOKEN.finditer(r.text)]
        same += sp == rx
        n_sp += len(sp)
        n_re += len(rx)
    return len(rows), same, n_sp, n_re


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--no-write", action="store_true", help="print the table only")
    args = ap.parse_args(argv)
    try:
        import spacy  # noqa: F401
    except ImportError:
        print("SKIPPED: spaCy is not installed (pip install -e \".[spacy]\"); nothing to compare with")
        return 0
    with tempfile.TemporaryDirectory(prefix="tokfb-") as tmp:
        a, b = Path(tmp) / "spacy", Path(tmp) / "regex"
        ta, out_a = _run(_PLAIN, a)
        tb, out_b = _run(_BLOCKED, b)
        if "SKIPPED" in out_a:
            print(out_a.strip())
            return 0
        rows_a, rows_b = _table(out_a), _table(out_b)
        da, db = _drafts(a), _drafts(b)
    n, same, n_sp, n_re = token_agreement()
    differing = sorted(k for k in da if da[k] != db.get(k))
    table_diff = [(x, y) for x, y in zip(rows_a, rows_b) if x != y]
    lines = ["## Drafts with spaCy's tokeniser vs the regex fallback (benchmarks.drafts, the same set)", "",
             "| | spaCy (extra installed) | regex fallback (core install) |", "|---|---|---|",
             f"| messages drafted | {len(da)} | {len(db)} |",
             f"| benchmark table rows different from the spaCy run | – | {len(table_diff)} of {len(rows_a) - 1} |",
             f"| messages whose block differs (draft text, register, band, notes, escalation) | – | {len(differing)} |",
             f"| wall time of the run (start-up included) | {ta:.0f} s | {tb:.0f} s ({tb / ta:.2f}×) |",
             "", f"Tokens of the {n} messages: identical token lists for {same} ({100.0 * same / max(1, n):.0f}%); "
             f"{n_sp} spaCy tokens, {n_re} regex tokens.", ""]
    if table_diff:
        lines += ["Table rows that differ (spaCy first, then the fallback):", ""]
        lines += [f"    {x}\n    {y}" for x, y in table_diff]
        lines.append("")
    for k in differing[:10]:
        lines += [f"### {k}", "", "```diff",
                  *difflib.unified_diff(da[k].splitlines(), db.get(k, "").splitlines(), "spacy", "regex", lineterm="", n=0),
                  "```", ""]
    lines += ["The benchmark table of the spaCy run:", "", *rows_a, ""]
    text = "\n".join(lines)
    print(text)
    if not args.no_write:
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
