"""Help-desk webhook adapters: each turns a help desk's event into a suggestion and posts the draft
back to the help desk as a note for the agent (never to the customer)."""
from __future__ import annotations

from typing import Any


def note_text(suggestion: dict[str, Any], header: str) -> str:
    """The agent-facing note: a header line (band, FAQ id), the draft, and what the agent should check."""
    match = suggestion.get("match", {})
    draft = suggestion.get("draft", {})
    faq = f", FAQ {draft['faq_id']}" if draft.get("faq_id") else ""
    lines = [header.format(band=match.get("band", "?"), faq=faq, language=draft.get("language", "?")), "",
             draft.get("text", "")]
    esc = suggestion.get("escalation", {})
    if esc.get("escalate"):
        lines += ["", f"Escalation: {esc.get('level')} -> {esc.get('action')} ({'; '.join(esc.get('reasons', []))})"]
    notes = list(draft.get("notes", []))
    if notes:
        lines += [""] + [f"note: {n}" for n in notes]
    return "\n".join(lines)
