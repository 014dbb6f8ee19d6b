"""What an agent receives: drafts on realistic customer messages, measured per language (issue 14).

The set is ``benchmarks/draft_set/*.tsv`` (written for replyassist, labelled when written; see its
README): language, variant, script, register, channel, situation, escalate yes/no, the FAQ
entries that answer the message (``none`` when nothing does). Every message goes through the
public pipeline (``ReplyAssistant.suggest_many`` on the demo corpus, offline defaults,
``formality = "mirror"``), and this prints, per language:

- **holding** replies to answerable messages (the draft carries no FAQ answer; messages about a
  health or safety incident are left out: they get the safety path, counted on their own);
- **uncovered answered confidently** (nothing answers it, yet the draft gives an answer that is
  not marked for review);
- **uncovered answered (any band)**: the same, marked for review or not (an agent who sends it
  unread answers a question that was not asked);
- **covered confident-wrong** (an unmarked answer from an entry the message did not ask about);
- **both answered**: messages with two answerable questions whose draft answers both; **second
  answer not asked**: drafts with a second answer the message did not ask for;
- **safety path**: messages about a health or safety incident whose draft is the safety-first reply;
- **language/variant/script**: the draft is in the customer's language (Bosnian: bs, or hr where
  the corpus has no Bosnian answers, with a note) and script;
- **register mirrored**: the draft's register is the customer's;
- **escalation** precision and recall.

``python -m benchmarks.drafts [--show N] [--out DIR]`` writes every draft to
``results/drafts/<set>.md`` for reading and the table to ``results/drafts.md``.
"""
from __future__ import annotations

import argparse
import csv
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Sequence

ROOT = Path(__file__).resolve().parent.parent
SET_DIR = Path(__file__).resolve().parent / "draft_set"
RESULTS = Path(__file__).resolve().parent / "results"
FILES = ("en", "de", "hu", "sr-Cyrl", "sr-Latn", "hr", "bs")
#: A fixed "now" (a Tuesday, 10:00 in Budapest, inside the demo opening hours): drafts are reproducible.
NOW = datetime(2026, 3, 10, 9, 0, tzinfo=timezone.utc)
AGENTS = ("Mira Kovač", "Jonas Weber", "Anna Szabó")


@dataclass(frozen=True)
class Row:
    set: str
    id: str
    language: str
    script: str
    register: str
    channel: str
    situation: tuple[str, ...]
    escalate: bool
    expected: tuple[str, ...]
    customer_name: str | None
    locale: str | None
    text: str


def load_set(folder: Path = SET_DIR, files: Sequence[str] = FILES) -> list[Row]:
    """Every labelled message of the set (missing files are skipped with a line on stderr)."""
    rows: list[Row] = []
    for name in files:
        path = folder / f"{name}.tsv"
        if not path.is_file():
            print(f"draft set: {path} not found; skipped", file=sys.stderr)
            continue
        with path.open(encoding="utf-8", newline="") as fh:
            for rec in csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE):
                exp = (rec.get("expected") or "none").strip()
                rows.append(Row(set=name, id=rec["id"].strip(), language=rec["language"].strip(),
                                script=rec["script"].strip(), register=rec["register"].strip(),
                                channel=rec["channel"].strip(),
                                situation=tuple(s.strip() for s in (rec.get("situation") or "").split(",") if s.strip()),
                                escalate=rec["escalate"].strip().lower() == "yes",
                                expected=() if exp == "none" else tuple(x.strip() for x in exp.split("|") if x.strip()),
                                customer_name=(rec.get("customer_name") or "").strip() or None,
                                locale=(rec.get("locale") or "").strip() or None,
                                text=rec["text"].replace("\\n", "\n")))
    return rows


def answered_ids(s: Any) -> tuple[str, ...]:
    """The FAQ entries whose answers the draft carries."""
    ids = tuple(getattr(s.draft, "faq_ids", ()) or ())
    if not ids and s.draft.faq_id:
        ids = (s.draft.faq_id,)
    return ids if s.draft.kind == "answer" else ()


def for_review(s: Any) -> bool:
    """The draft is marked for the agent to check before sending (suggest band)."""
    return bool(getattr(s.draft, "review", False))


def accepted_languages(row: Row, corpus_languages: Sequence[str]) -> set[str]:
    if row.language == "bs" and "bs" not in corpus_languages:
        return {"bs", "hr"}
    return {row.language}


def evaluate(rows: Sequence[Row], sugs: Sequence[Any], corpus_languages: Sequence[str]) -> dict[str, dict[str, Any]]:
    groups: dict[str, list[tuple[Row, Any]]] = {}
    for row, s in zip(rows, sugs):
        groups.setdefault(row.set, []).append((row, s))
        groups.setdefault("all", []).append((row, s))
    out: dict[str, dict[str, Any]] = {}
    for name, items in groups.items():
        ans = [(r, s) for r, s in items if r.expected]
        unc = [(r, s) for r, s in items if not r.expected]
        two = [(r, s) for r, s in items if len(r.expected) >= 2]
        # the safety path (a health or safety incident gets a safety-first reply, never an FAQ answer)
        # is not a holding reply: those messages are counted on their own
        safety = [(r, s) for r, s in items if "safety" in r.situation]
        safety_ok = sum(1 for r, s in safety if s.draft.kind == "safety")
        ans_ns = [(r, s) for r, s in ans if "safety" not in r.situation]
        holding = sum(1 for r, s in ans_ns if not answered_ids(s) and s.draft.kind != "safety")
        extra = sum(1 for r, s in items if any(x not in r.expected for x in answered_ids(s)[1:]))
        unc_conf = sum(1 for r, s in unc if answered_ids(s) and not for_review(s))
        unc_any = sum(1 for r, s in unc if answered_ids(s))
        wrong = sum(1 for r, s in ans if answered_ids(s) and not for_review(s)
                    and not set(answered_ids(s)) & set(r.expected))
        right_any = sum(1 for r, s in ans if set(answered_ids(s)) & set(r.expected))
        top1 = sum(1 for r, s in ans if s.matches and s.matches[0].faq_id in r.expected)
        top3 = sum(1 for r, s in ans if {m.faq_id for m in s.matches[:3]} & set(r.expected))
        both = sum(1 for r, s in two if set(r.expected) <= set(answered_ids(s)))
        lang_ok = sum(1 for r, s in items if s.draft.language in accepted_languages(r, corpus_languages)
                      and s.draft.script == r.script)
        reg_ok = sum(1 for r, s in items if s.draft.register == r.register)
        inf = [(r, s) for r, s in items if r.register == "informal"]
        inf_ok = sum(1 for r, s in inf if s.draft.register == "informal")
        esc_pred = [bool(s.escalation.escalate) for _, s in items]
        esc_gold = [r.escalate for r, _ in items]
        tp = sum(p and g for p, g in zip(esc_pred, esc_gold))
        fp = sum(p and not g for p, g in zip(esc_pred, esc_gold))
        fn = sum(g and not p for p, g in zip(esc_pred, esc_gold))
        out[name] = {"n": len(items), "answerable": len(ans), "answerable_ns": len(ans_ns), "uncovered": len(unc),
                     "holding": holding, "safety": len(safety), "safety_ok": safety_ok, "extra": extra,
                     "unc_conf": unc_conf, "unc_any": unc_any, "wrong": wrong, "right": right_any, "top1": top1, "top3": top3, "two": len(two), "both": both,
                     "lang_ok": lang_ok, "reg_ok": reg_ok, "informal": len(inf), "inf_ok": inf_ok,
                     "esc_p": tp / (tp + fp) if tp + fp else 1.0, "esc_r": tp / (tp + fn) if tp + fn else 1.0,
                     "esc_n": sum(esc_gold)}
    return out


def pct(a: int, b: int) -> str:
    return f"{100.0 * a / b:.1f}% ({a}/{b})" if b else "–"


def table(m: dict[str, dict[str, Any]]) -> list[str]:
    lines = ["| set | n | holding to answerable | uncovered answered confidently | uncovered answered (any band) | covered confident-wrong | "
             "answer right (any band) | top-1 / top-3 of the whole message | both of two answered | second answer not asked | "
             "safety path | language/variant/script | register mirrored | informal recognised | escalation P / R |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for name in [*FILES, "all"]:
        if name not in m:
            continue
        x = m[name]
        lines.append(f"| {name} | {x['n']} | {pct(x['holding'], x['answerable_ns'])} | {pct(x['unc_conf'], x['uncovered'])} | "
                     f"{pct(x['unc_any'], x['uncovered'])} | {pct(x['wrong'], x['answerable'])} | {pct(x['right'], x['answerable'])} | {100.0 * x['top1'] / max(1, x['answerable']):.0f}% / {100.0 * x['top3'] / max(1, x['answerable']):.0f}% | {pct(x['both'], x['two'])} | {x['extra']} | "
                     f"{pct(x['safety_ok'], x['safety'])} | {pct(x['lang_ok'], x['n'])} | {pct(x['reg_ok'], x['n'])} | {pct(x['inf_ok'], x['informal'])} | "
                     f"{x['esc_p']:.2f} / {x['esc_r']:.2f} ({x['esc_n']}) |")
    return lines


def draft_report(rows: Sequence[Row], sugs: Sequence[Any]) -> dict[str, str]:
    """Per set, every message with its labels, what the pipeline decided and the draft (for reading)."""
    out: dict[str, list[str]] = {}
    for r, s in zip(rows, sugs):
        lines = out.setdefault(r.set, [f"# Drafts: {r.set}", ""])
        got = ", ".join(f"{m.faq_id} {m.score:.2f}" for m in s.matches[:3])
        lines += [f"## {r.id} ({r.channel}; expected {'|'.join(r.expected) or 'none'}; {r.register}; "
                  f"escalate {'yes' if r.escalate else 'no'}; {','.join(r.situation)})", "",
                  "> " + r.text.replace("\n", "\n> "), "",
                  f"- detected {s.language_result.tag} {s.language_confidence:.2f}; draft {s.draft.language}-{s.draft.script}"
                  f" {s.draft.register}; band {s.match.band} {s.match.confidence:.2f}; answered {list(answered_ids(s))}"
                  f"{' (for review)' if for_review(s) else ''}",
                  f"- matches: {got}",
                  f"- escalation {s.escalation.level} {list(s.escalation.reasons)}; sentiment {s.sentiment.label}",
                  f"- notes: {list(s.notes) + list(s.draft.notes)}", "", "```", s.draft.text, "```", ""]
    return {k: "\n".join(v) + "\n" for k, v in out.items()}


def run(rows: Sequence[Row], settings: Any = None) -> tuple[list[Any], Any]:
    from replyassist import ReplyAssistant
    from replyassist.embeddings import CachedEmbedder, get_embedder

    # vectors cached per text (re-runs encode only what changed); the same vectors as without the cache
    ra = ReplyAssistant.from_corpus(ROOT / "faq_corpus" / "shop", settings,
                                    embedder=CachedEmbedder(get_embedder("e5-small")))
    msgs = [{"text": r.text, "channel": r.channel, "customer_name": r.customer_name, "locale": r.locale,
             "agent_name": AGENTS[i % len(AGENTS)], "id": r.id} for i, r in enumerate(rows)]
    sugs = ra.suggest_many(msgs, now=NOW)
    return sugs, ra


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=str(RESULTS), help="folder for drafts.md and drafts/<set>.md")
    ap.add_argument("--files", nargs="*", default=list(FILES))
    ap.add_argument("--no-write", action="store_true", help="print the table only")
    args = ap.parse_args(argv)
    rows = load_set(SET_DIR, args.files)
    if not rows:
        print("SKIPPED: no draft set found in", SET_DIR)
        return 0
    t0 = time.perf_counter()
    sugs, ra = run(rows)
    dt = time.perf_counter() - t0
    m = evaluate(rows, sugs, ra.corpus.languages)
    lines = [f"## Drafts on the realistic message set ({len(rows)} messages, demo corpus, offline defaults)", "",
             *table(m), "", f"({dt:.0f} s including start-up)"]
    print("\n".join(lines))
    if not args.no_write:
        out = Path(args.out)
        (out / "drafts").mkdir(parents=True, exist_ok=True)
        (out / "drafts.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
        for name, text in draft_report(rows, sugs).items():
            (out / "drafts" / f"{name}.md").write_text(text, encoding="utf-8")
        feats = ["id\tset\texpected\tband\tconfidence\tsimilarity\ttop1\ttop2\tscore1\tscore2\tanswered\treview\tlanguage\tkind"
                 "\tanswerable\tfeatures\tsituation"]
        for r, s in zip(rows, sugs):
            ms = s.matches
            feats.append("\t".join([r.id, r.set, "|".join(r.expected) or "none", s.match.band, f"{s.match.confidence:.4f}",
                                    f"{s.match.similarity:.4f}", ms[0].faq_id if ms else "", ms[1].faq_id if len(ms) > 1 else "",
                                    f"{ms[0].score:.4f}" if ms else "", f"{ms[1].score:.4f}" if len(ms) > 1 else "",
                                    "|".join(answered_ids(s)), str(for_review(s)), s.draft.language, s.draft.kind,
                                    f"{s.match.answerable:.4f}", ",".join(f"{v:.4f}" for v in s.match.features),
                                    ",".join(r.situation)]))
        (out / "drafts" / "features.tsv").write_text("\n".join(feats) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
