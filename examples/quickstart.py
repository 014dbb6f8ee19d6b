"""Quickstart: suggest replies to a few real-looking messages with the offline defaults.

    python examples/quickstart.py
"""
from __future__ import annotations

from pathlib import Path

from replyassist import ReplyAssistant

CORPUS = Path(__file__).resolve().parent.parent / "faq_corpus" / "shop"


def main() -> None:
    assistant = ReplyAssistant.from_corpus(CORPUS)  # loads the corpus and the models once

    s = assistant.suggest("Wo bleibt meine Bestellung 4711? Ich warte seit zwei Wochen.",
                          customer_name="Jonas Weber", agent_name="Mira K.", channel="email",
                          values={"order_id": "4711"})
    print(f"language={s.language} ({s.language_confidence:.2f})  band={s.match.band}")
    for m in s.matches[:3]:
        print(f"  {m.score:.3f} {m.faq_id} [{m.language}] {m.question}")
    print(f"sentiment={s.sentiment.label}  escalation={s.escalation.level} {list(s.escalation.reasons)}")
    print(s.draft.text)
    print([f.kind for f in s.tone])

    # Many messages at once: encoded in one batch, each exactly once.
    batch = ["Hol van a csomagom? Már két hete várok!", "Где је моја поруџбина?",
             "Kako mogu vratiti proizvod?", "Do you sell gift cards for cinemas?"]
    for text, sug in zip(batch, assistant.suggest_many(batch)):
        print(f"\n> {text}\n  {sug.language} | {sug.match.band} | {sug.matches[0].faq_id if sug.matches else '-'}")
        print("  " + sug.draft.text.replace("\n", "\n  "))


if __name__ == "__main__":
    main()
