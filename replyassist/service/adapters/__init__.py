"""Help-desk webhook adapters: each turns a help desk's event into a suggestion and posts the draft
back to the help desk as a note for the agent (never to the customer)."""
from __future__ import annotations

from typing import Any


def positive_id(v: Any) -> int | None:
    """A help desk's numeric id (a JSON integer or a string of digits) that is safe in a URL path, else None.

    >>> positive_id(42), positive_id("35436"), positive_id("../../x"), positive_id(True), positive_id(1e308)
    (42, 35436, None, None, None)
    """
    if isinstance(v, bool):
        return None
    if isinstance(v, int):
        return v if 0 < v < 10**19 else None
    if isinstance(v, str) and 0 < len(v) <= 19 and v.isascii() and v.isdigit():
        return int(v) if int(v) > 0 else None
    return None


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
