"""One agent decision on a suggestion, and how personal data is masked before it is stored."""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field, fields, replace
from datetime import datetime, timezone
from typing import Any, Mapping

from ..errors import Errors, FeedbackError

__all__ = ["FeedbackRecord", "ACTIONS", "LEARNED_ACTIONS", "mask_personal_data", "RECORD_FIELDS"]

#: What the agent did with the suggestion.
#:
#: - ``accepted``: sent the draft as it was;
#: - ``edited``: edited the draft, then sent it (same entry);
#: - ``chose_other``: picked another FAQ entry than the top suggestion (then sent its draft, edited or not);
#: - ``no_faq``: no FAQ entry answers this message (feeds the gap report);
#: - ``skipped``: left the message without a decision (not learned from).
ACTIONS = ("accepted", "edited", "chose_other", "no_faq", "skipped")
#: Actions whose chosen entry becomes a labelled paraphrase of that entry.
LEARNED_ACTIONS = ("accepted", "edited", "chose_other")


@dataclass(frozen=True)
class FeedbackRecord:
    """One decision of an agent on one suggestion (one row of the store).

    ``message``, ``suggested_text`` and ``final_text`` hold personal data masked
    (:func:`mask_personal_data`; :meth:`masked` does it); ``chosen_faq_id`` is the entry the
    reply was sent from (``None`` for ``no_faq`` / ``skipped`` or a reply written without one);
    ``suggested_*`` is what the agent was shown. ``id`` and ``created_at`` are set by the store.

    >>> r = FeedbackRecord(message="Wo ist #4711? anna@web.de", language="de", action="accepted",
    ...                    suggested_faq_id="order-status", chosen_faq_id="order-status", agent="mira",
    ...                    final_text="Hallo Anna, ...")
    >>> r.masked().message
    'Wo ist [ORDER_ID]? [EMAIL]'
    """

    message: str
    action: str
    language: str | None = None
    script: str | None = None
    channel: str | None = None
    agent: str | None = None
    suggested_faq_id: str | None = None
    suggested_band: str | None = None
    suggested_confidence: float | None = None
    suggested_text: str | None = None
    final_text: str | None = None
    chosen_faq_id: str | None = None
    corpus: str | None = None
    corpus_hash: str | None = None
    message_id: str | None = None
    queue_id: int | None = None
    created_at: datetime | None = None
    id: int | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.action not in ACTIONS:
            raise FeedbackError(Errors.E704, action=self.action, ACTIONS=list(ACTIONS))
        if not isinstance(self.message, str) or not self.message.strip():
            raise FeedbackError(Errors.E705)
        if self.action in ("accepted", "edited", "chose_other") and not (self.final_text or "").strip():
            raise FeedbackError(Errors.E706, action=self.action)
        if self.action == "chose_other" and not self.chosen_faq_id:
            raise FeedbackError(Errors.E707)

    @property
    def label(self) -> str | None:
        """The FAQ entry that answers the message according to the agent (``None``: no entry, or no decision)."""
        return self.chosen_faq_id if self.action in LEARNED_ACTIONS else None

    def masked(self, names: tuple[str, ...] = ()) -> "FeedbackRecord":
        """This record with personal data masked in every free-text field (``names``: e.g. the customer's)."""
        return replace(self, message=mask_personal_data(self.message, names),
                       suggested_text=None if self.suggested_text is None else mask_personal_data(self.suggested_text,
                                                                                                  names),
                       final_text=None if self.final_text is None else mask_personal_data(self.final_text, names))

    def to_row(self) -> dict[str, Any]:
        """The column values (``extra`` as a dict; ``created_at`` as a datetime)."""
        d = asdict(self)
        d["extra"] = dict(self.extra)
        return d

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly (``created_at`` ISO 8601 UTC)."""
        d = self.to_row()
        d["created_at"] = self.created_at.astimezone(timezone.utc).isoformat() if self.created_at else None
        return d

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> "FeedbackRecord":
        names = {f.name for f in fields(cls)}
        d = {k: v for k, v in row.items() if k in names}
        ts = d.get("created_at")
        if isinstance(ts, str):
            d["created_at"] = datetime.fromisoformat(ts)
        if isinstance(d.get("created_at"), datetime) and d["created_at"].tzinfo is None:
            d["created_at"] = d["created_at"].replace(tzinfo=timezone.utc)
        if d.get("extra") is None:
            d["extra"] = {}
        return cls(**d)


RECORD_FIELDS = tuple(f.name for f in fields(FeedbackRecord))

_WORD = re.compile(r"\w{2,}", re.UNICODE)


def mask_personal_data(text: str, names: tuple[str, ...] | list[str] = ()) -> str:
    """Mask e-mail addresses, phone numbers, IBANs, card and order numbers (the library's
    :func:`replyassist.text.mask_pii`) and the given personal names (each word of each name,
    in Latin or Cyrillic spelling, case-insensitive, also inflected: ``Anna`` masks ``Annát``).

    >>> mask_personal_data("Kovács Anna vagyok, a rendelésem ORD-2024-0042, tel +36 30 123 4567",
    ...                    ("Kovács Anna",))
    '[NAME] [NAME] vagyok, a rendelésem [ORDER_ID], tel [PHONE]'
    """
    from ..text import mask_pii
    out = mask_pii(text)
    words: set[str] = set()
    for n in names or ():
        if not n:
            continue
        for w in _WORD.findall(n):
            if len(w) >= 3 or w[0].isupper():
                words.add(w)
                cyr = _to_cyrillic(w)
                if cyr != w:
                    words.add(cyr)
    for w in sorted(words, key=len, reverse=True):
        # the name and its inflected forms (Hungarian and Slavic suffixes: Anna -> Annát, Petar -> Petre)
        stem = w[:-1] if len(w) >= 5 else w
        out = re.sub(rf"(?<!\w){re.escape(stem)}\w{{0,4}}(?!\w)", "[NAME]", out, flags=re.IGNORECASE)
    return out


def _to_cyrillic(word: str) -> str:
    try:
        from ..drafting.script import latin_to_cyrillic
    except Exception:  # pragma: no cover - drafting always ships with the package
        return word
    return str(latin_to_cyrillic(word))


def now_utc() -> datetime:
    return datetime.now(timezone.utc)
