"""Matching long e-mails: the whole text read up to e5's limit, or a bounded head plus the questions (issue 20).

    OMP_WAIT_POLICY=passive nice -n 10 python -m benchmarks.long_messages [--sample 120] [--no-write]

Before: the matcher read a message up to e5's limit (``E5Embedder.max_chars`` 2,000 characters,
~512 tokens; ~1.1 s of CPU) and its first six sentences. Now (``replyassist.text``):
``MATCH_HEAD_CHARS`` of the message, and its sentences with questions first, each at most
``MATCH_SEGMENT_CHARS``, together at most ``MATCH_SEGMENTS_CHARS``. This measures what that costs
in matching where it applies, on long messages: no message of the benchmarks' sets is long
enough (the realistic set's longest is 562 characters, Banking77's 368).

The long messages are the answerable messages of the realistic set (``benchmarks/draft_set``,
labelled with the FAQ entries that answer them; a seeded sample stratified by set), each put
into a long e-mail with ten neutral sentences of the customer's own language written for this
benchmark (a family, the weather, how they found the shop, one rhetorical question; nothing a
shop FAQ answers), ~1,100-1,300 characters, in three positions: the message first, in the middle
(after five sentences) and last. The long e-mails stay under 2,000 characters, so "before" reads
all of it: the strongest form of the old behaviour. Both configurations run the real pipeline
(``ReplyAssistant.pipeline``, demo corpus, offline defaults, signals off, no vector cache);
"before" replaces the pipeline's ``segment_batch`` by the old one (whole message, first
six sentences). Reported per position: top-1 in the expected entries, confident and wrong, and the
CPU time of the analysis per message. Prints markdown and writes
``benchmarks/results/long_messages.md``.
"""
from __future__ import annotations

import argparse
import os
import platform
import random
import time
from pathlib import Path
from typing import Any, Sequence

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results" / "long_messages.md"

_SR_LATN = [
    "Nadam se da ste svi dobro i da nedelja nije bila previše stresna za vaš tim.",
    "Izvinite unapred na dugoj poruci, uvek napišem previše kada konačno sednem da pišem.",
    "Naša najmlađa ćerka je ove jeseni krenula u školu, pa su nam jutra od tada prilično haotična.",
    "Moj muž radi noćne smene u bolnici, tako da većina kućnih obaveza padne na mene.",
    "Prošlog vikenda smo bili kod mojih roditelja na selu i vreme je bilo izuzetno lepo.",
    "Moja mama i dalje pravi najbolju pitu od jabuka u celom selu i insistirala je da ponesemo pola kući.",
    "Možete li da verujete da sam vašu radnju otkrila preko drugarice još pre tri godine?",
    "Od tada sam vas više puta preporučila kolegama na poslu, jer mi se dopalo koliko ste ljubazni.",
    "Ali ne želim da vam oduzimam vreme pričama o mojoj porodici.",
    "Obično pokušam sve da rešim sama pre nego što pišem, ali ovaj put mi je zaista potrebna vaša pomoć.",
]

_LAT_CYR = [("lj", "љ"), ("nj", "њ"), ("dž", "џ"), ("Lj", "Љ"), ("Nj", "Њ"), ("Dž", "Џ")] + list(zip(
    "abvgdđežzijklmnoprstćufhcčšABVGDĐEŽZIJKLMNOPRSTĆUFHCČŠ",
    "абвгдђежзијклмнопрстћуфхцчшАБВГДЂЕЖЗИЈКЛМНОПРСТЋУФХЦЧШ"))


def to_cyrillic(text: str) -> str:
    """Serbian Latin to Cyrillic (digraphs first).

    >>> to_cyrillic("Nadam se da ste dobro, ljubazni ste.")
    'Надам се да сте добро, љубазни сте.'
    """
    for lat, cyr in _LAT_CYR:
        text = text.replace(lat, cyr)
    return text


#: Ten neutral sentences per set, written for this benchmark (nothing a shop FAQ answers).
FILLER: dict[str, list[str]] = {
    "en": [
        "I hope you are all doing well and that the week has not been too stressful for your team.",
        "First of all, sorry for the long e-mail, I always write too much when I finally sit down to write.",
        "Our youngest started school this autumn and the mornings have been a bit chaotic since then.",
        "My husband works night shifts at the hospital, so most of the household things end up with me.",
        "Last weekend we visited my parents in the countryside and for once the weather was lovely.",
        "My mother still bakes the best apple cake in the whole village and insisted we take half of it home.",
        "Can you believe it has been three years since a friend first told me about your shop?",
        "Since then I have recommended you to colleagues at work more than once, because you were always so kind.",
        "Anyway, I do not want to take up your time with stories about my family.",
        "I usually try to sort things out myself before I write, but this time I really need your help.",
    ],
    "de": [
        "Ich hoffe, bei Ihnen ist alles in Ordnung und die Woche war für Ihr Team nicht zu stressig.",
        "Entschuldigen Sie die lange Nachricht, ich schreibe immer zu viel, wenn ich mich endlich einmal hinsetze.",
        "Unsere Jüngste ist im Herbst in die Schule gekommen, und seitdem sind die Morgen bei uns etwas chaotisch.",
        "Mein Mann arbeitet im Krankenhaus in der Nachtschicht, deshalb bleibt das meiste im Haushalt an mir hängen.",
        "Letztes Wochenende waren wir bei meinen Eltern auf dem Land, und das Wetter war ausnahmsweise wunderschön.",
        "Meine Mutter backt immer noch den besten Apfelkuchen im ganzen Dorf und bestand darauf, dass wir die "
        "Hälfte mitnehmen.",
        "Können Sie sich vorstellen, dass mir eine Freundin schon vor drei Jahren von Ihrem Laden erzählt hat?",
        "Seitdem habe ich Sie mehrmals Kollegen in der Arbeit empfohlen, weil Sie immer so freundlich waren.",
        "Aber ich will Ihre Zeit nicht mit Geschichten über meine Familie verschwenden.",
        "Normalerweise versuche ich, alles selbst zu klären, bevor ich schreibe, aber diesmal brauche ich wirklich "
        "Ihre Hilfe.",
    ],
    "hu": [
        "Remélem, nálatok minden rendben van, és nem volt túl stresszes a hét a csapatnak.",
        "Előre is bocsánat a hosszú levélért, mindig túl sokat írok, ha végre leülök írni.",
        "A legkisebb lányunk ősszel kezdte az iskolát, és azóta elég kaotikusak nálunk a reggelek.",
        "A férjem éjszakás műszakban dolgozik a kórházban, így a legtöbb otthoni teendő rám marad.",
        "Múlt hétvégén a szüleimnél voltunk vidéken, és kivételesen gyönyörű idő volt.",
        "Anyukám még mindig a legjobb almás pitét süti az egész faluban, és ragaszkodott hozzá, hogy a felét "
        "hazavigyük.",
        "El tudjátok képzelni, hogy már három éve egy barátnőm ajánlására találtam rá a boltotokra?",
        "Azóta többször is ajánlottalak titeket a munkatársaimnak, mert mindig nagyon kedvesek voltatok.",
        "De nem akarom az időtöket a családi történeteimmel rabolni.",
        "Általában megpróbálok mindent magam elintézni, mielőtt írok, de most tényleg szükségem van a segítségetekre.",
    ],
    "sr-Latn": _SR_LATN,
    "sr-Cyrl": [to_cyrillic(s) for s in _SR_LATN],
    "hr": [
        "Nadam se da ste svi dobro i da tjedan nije bio previše stresan za vaš tim.",
        "Unaprijed se ispričavam zbog duge poruke, uvijek napišem previše kad konačno sjednem pisati.",
        "Naša najmlađa kći je ove jeseni krenula u školu, pa su nam jutra od tada prilično kaotična.",
        "Moj suprug radi noćne smjene u bolnici, tako da većina kućnih obaveza padne na mene.",
        "Prošlog vikenda bili smo kod mojih roditelja na selu i vrijeme je bilo iznimno lijepo.",
        "Moja mama i dalje peče najbolju pitu od jabuka u cijelom selu i inzistirala je da ponesemo pola kući.",
        "Možete li vjerovati da sam za vašu trgovinu čula od prijateljice još prije tri godine?",
        "Od tada sam vas više puta preporučila kolegama na poslu, jer ste uvijek bili tako ljubazni.",
        "Ali ne želim vam oduzimati vrijeme pričama o svojoj obitelji.",
        "Obično pokušam sve riješiti sama prije nego što pišem, ali ovaj put mi stvarno treba vaša pomoć.",
    ],
    "bs": [
        "Nadam se da ste svi dobro i da sedmica nije bila previše stresna za vaš tim.",
        "Unaprijed se izvinjavam zbog duge poruke, uvijek napišem previše kad konačno sjednem pisati.",
        "Naša najmlađa kćerka je ove jeseni krenula u školu, pa su nam jutra od tada prilično haotična.",
        "Moj muž radi noćne smjene u bolnici, tako da većina kućnih obaveza padne na mene.",
        "Prošlog vikenda bili smo kod mojih roditelja na selu i vrijeme je bilo izuzetno lijepo.",
        "Moja mama i dalje peče najbolju pitu od jabuka u cijelom selu i insistirala je da ponesemo pola kući.",
        "Možete li vjerovati da sam za vašu radnju čula od drugarice još prije tri godine?",
        "Od tada sam vas više puta preporučila kolegama na poslu, jer ste uvijek bili tako ljubazni.",
        "Ali ne želim vam oduzimati vrijeme pričama o svojoj porodici.",
        "Obično pokušam sve riješiti sama prije nego što pišem, ali ovaj put mi zaista treba vaša pomoć.",
    ],
}

POSITIONS = ("first", "middle", "last")


def long_message(text: str, filler: Sequence[str], position: str) -> str:
    """``text`` inside a long e-mail: the ten filler sentences as two paragraphs, the message first,
    between them or last."""
    a, b = " ".join(filler[:5]), " ".join(filler[5:])
    if position == "first":
        return f"{text}\n\n{a}\n\n{b}"
    if position == "middle":
        return f"{a}\n\n{text}\n\n{b}"
    return f"{a}\n\n{b}\n\n{text}"


def old_segment_batch(texts: Sequence[str], *, segments: bool = True, **_: Any) -> tuple[list[str], list[int | None]]:
    """The matcher's reading before issue 20's bound: the whole message (e5 cuts it at 2,000
    characters) and its first six sentences."""
    from replyassist.text import question_segments, strip_salutations
    whole = [strip_salutations(t) or t for t in texts]
    segs = [question_segments(t, max_segments=10 ** 6, max_chars=10 ** 9, total_chars=10 ** 9)[:6] if segments
            else [] for t in whole]
    parts: list[int | None] = [None] * len(whole) + [i for i, ss in enumerate(segs) for _ in ss]
    return whole + [x for ss in segs for x in ss], parts


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sample", type=int, default=120, help="answerable messages (stratified by set, seed 0)")
    ap.add_argument("--no-write", action="store_true")
    a = ap.parse_args(argv)

    import replyassist.pipeline as pl
    from replyassist import ReplyAssistant
    from replyassist.pipeline import MessageInput
    from replyassist.text import MATCH_HEAD_CHARS, MATCH_SEGMENT_CHARS, MATCH_SEGMENTS_CHARS, segment_batch

    from .drafts import load_set

    rows = [r for r in load_set() if r.expected]
    rng = random.Random(0)
    by_set: dict[str, list[Any]] = {}
    for r in rows:
        by_set.setdefault(r.set, []).append(r)
    share = min(1.0, a.sample / max(1, len(rows)))
    sample = [r for name in sorted(by_set) for r in sorted(rng.sample(by_set[name], max(1, round(len(by_set[name])
                                                                                              * share))),
                                                              key=lambda r: r.id)]
    # no vector cache: each configuration pays every encode it makes, as suggest() does
    ra = ReplyAssistant.from_corpus(ROOT / "faq_corpus" / "shop", {"translator": "none"})

    inputs: dict[str, list[Any]] = {"short": [MessageInput(r.text, locale=r.locale, channel=r.channel) for r in sample]}
    for pos in POSITIONS:
        inputs[pos] = [MessageInput(long_message(r.text, FILLER[r.set], pos), locale=r.locale, channel=r.channel)
                       for r in sample]
    lengths = [len(m.text) for pos in POSITIONS for m in inputs[pos]]
    configs = {"before (whole text, first 6 sentences)": old_segment_batch,
               f"now (head {MATCH_HEAD_CHARS}, questions first)": segment_batch}
    results: dict[tuple[str, str], dict[str, float]] = {}
    for cname, fn in configs.items():
        pl.segment_batch = fn  # type: ignore[assignment]
        try:
            for pos, msgs in inputs.items():
                c0, t0 = time.process_time(), time.perf_counter()
                res = ra.pipeline.run(msgs, signals=False)
                cpu, wall = time.process_time() - c0, time.perf_counter() - t0
                top1 = wrong = 0
                for r, an in zip(sample, res.analyses):
                    top = an.match.matches[0].faq_id if an.match.matches else None  # type: ignore[union-attr]
                    top1 += top in r.expected
                    wrong += an.match.band == "confident" and top not in r.expected  # type: ignore[union-attr]
                results[(cname, pos)] = {"top1": top1 / len(sample), "wrong": wrong / len(sample),
                                         "cpu": cpu / len(sample), "wall": wall / len(sample)}
                print(cname, pos, results[(cname, pos)], flush=True)
        finally:
            pl.segment_batch = segment_batch  # type: ignore[assignment]
    head = "| messages | " + " | ".join(configs) + " |\n|---|" + "---|" * len(configs)
    lines = []
    for pos in ("short",) + POSITIONS:
        cells = [f"{results[(c, pos)]['top1']:.3f} / {results[(c, pos)]['wrong'] * 100:.1f}% / "
                 f"{results[(c, pos)]['cpu']:.2f} s" for c in configs]
        label = "original (short)" if pos == "short" else f"long, message {pos}"
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    table = head + "\n" + "\n".join(lines)
    note = (f"{len(sample)} answerable messages of the realistic set ({', '.join(f'{k} {sum(r.set == k for r in sample)}' for k in sorted(by_set))}); "
            f"long e-mails {min(lengths)}-{max(lengths)} characters. Each cell: top-1 in the expected entries / "
            "confident and wrong / CPU time of the analysis per message (language, encoding, matching; "
            "signals off). Now: head "
            f"{MATCH_HEAD_CHARS}, sentences at most {MATCH_SEGMENT_CHARS} characters each and "
            f"{MATCH_SEGMENTS_CHARS} together, questions first.")
    print("\n" + table + "\n\n" + note)
    if not a.no_write:
        RESULTS.write_text(
            "# Matching long e-mails (issue 20)\n\n"
            f"`OMP_WAIT_POLICY=passive nice -n 10 python -m benchmarks.long_messages --sample {a.sample}` on "
            f"{platform.machine()} / Python {platform.python_version()}, {os.cpu_count()} shared cores (load "
            f"average {os.getloadavg()[0]:.1f} at the end).\n\n" + table + "\n\n" + note + "\n", encoding="utf-8")
        print(f"written to {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
