"""Escalation: the cues people actually escalate on, each with a reason, and a policy.

Cues (detected in en, de, hu, sr (both scripts), hr, bs from the project's lexicons in
``data/escalation/``, plus language-independent ones):

==================  ==========================================================================
repeated_contact    "third time", "már harmadszor", "zum dritten Mal", "treći put"; counted
                    messages ("fourth e-mail", "četvrti mejl"); earlier contacts given as dates
                    ("I wrote on 3 and 10 March", "am 2., 9. und 16. Mai"); or a long
                    conversation history
churn               threats to cancel, switch provider, never order again
legal               lawyer, court, consumer protection, "this is fraud"
public              press, social media, bad reviews, "warn everyone"
safety              fire, smoke, electric shock, injury, poisoning, gas, self-harm
urgency             urgent, asap, deadlines ("bis morgen", "holnapig", "do sutra")
shouting            mostly capitals, "!!!"
abuse               the moderation result flagged the message
negative            the sentiment head is clearly (or very) negative
personal_data       e-mail, phone, IBAN, card number (matters on public channels)
==================  ==========================================================================

:func:`decide` turns the cues into a level (none/watch/escalate/urgent) by weights and
thresholds from :class:`~replyassist.signals.SignalSettings`, and a recommended action by
the channel's rule (public channels move personal data and heated disputes to a private
channel; community channels warn abusive authors). Safety and legal cues always give
``hand_to_senior``, on public channels too.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Sequence

from ._normalize import letters_upper_ratio
from .lexicon import available_stems, find_all, lexicon_language

if TYPE_CHECKING:  # pragma: no cover
    from .analyzer import ChannelRule, SignalSettings
    from .moderation import ModerationResult
    from .sentiment import SentimentResult

__all__ = ["Escalation", "Cue", "detect_cues", "decide", "LEVELS", "ACTIONS", "CUE_LABELS"]

LEVELS = ("none", "watch", "escalate", "urgent")
ACTIONS = ("answer_publicly", "move_to_private", "hand_to_senior", "warn_author")

#: How each cue is named in a reason.
CUE_LABELS = {
    "repeated_contact": "repeated contact",
    "churn": "threat to cancel or leave",
    "legal": "legal threat",
    "public": "threat to go public",
    "safety": "safety or health risk",
    "urgency": "urgency or deadline",
    "shouting": "shouting",
    "abuse": "abuse",
    "negative": "negative sentiment",
    "very_negative": "very negative sentiment",
    "personal_data": "personal data",
}


@dataclass(frozen=True)
class Escalation:
    """The escalation decision for one message.

    ``signals`` are the cue names that fired (``"legal"``, ``"shouting"``...); ``reasons`` say
    what matched, in words the agent can check (``"legal threat: 'Anwalt'"``).
    """

    escalate: bool
    level: str
    reasons: tuple[str, ...]
    action: str
    signals: tuple[str, ...]
    score: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {"escalate": self.escalate, "level": self.level, "reasons": list(self.reasons),
                "action": self.action, "signals": list(self.signals), "score": round(float(self.score), 3)}


@dataclass(frozen=True)
class Cue:
    """One detected escalation cue and the reason text."""

    name: str
    reason: str


_EXCL = re.compile(r"!{3,}|(?:[!?]\s*){4,}|[!?]{2,}[!?1]+")
_CAPS_WORD = re.compile(r"\b[^\W\d_]{3,}\b")


def _shouting(text: str, caps_ratio: float, min_letters: int, min_caps_words: int) -> str | None:
    ratio, n = letters_upper_ratio(text)
    if n >= min_letters and ratio >= caps_ratio:
        return f"shouting: {round(ratio * 100)}% capital letters"
    caps_words = [w for w in _CAPS_WORD.findall(text) if w.isupper() and len(w) >= 3]
    # "WHY", "NOT", "NOW": several all-capital words that are not single acronyms
    if len(caps_words) >= min_caps_words and n >= min_letters:
        return "shouting: " + ", ".join(f"'{w}'" for w in caps_words[:4])
    m = _EXCL.search(text)
    if m:
        return f"shouting: '{m.group(0).strip()}'"
    return None


def _stems(language: str | None) -> list[str]:
    stem = lexicon_language(language)
    if stem is None and language:
        # a known language without a lexicon of its own: English phrases only (words of
        # other languages' lists collide, e.g. Slovak "noviny" = newspaper)
        return ["en"]
    if stem is None:
        return list(available_stems("escalation"))
    return [stem] if stem == "en" else [stem, "en"]


def detect_cues(text: str, language: str | None, *, sentiment: "SentimentResult | None",
                moderation: "ModerationResult | None", history: Sequence[str] = (),
                personal_data: Sequence[str] = (), settings: "SignalSettings") -> list[Cue]:
    """All escalation cues of one message, in a stable order, one reason per distinct match.

    >>> from replyassist.signals import SignalSettings
    >>> [c.reason for c in detect_cues("Ich habe am 2., 9. und 16. Mai geschrieben!", "de",
    ...                                sentiment=None, moderation=None, settings=SignalSettings())]
    ["repeated contact: 'am 2., 9. und 16. Mai geschrieben'"]
    """
    cues: list[Cue] = []
    seen: dict[str, list[str]] = {}
    for h in find_all("escalation", text, _stems(language), settings.extra_lexicon_dir):
        if h.category not in CUE_LABELS:
            continue
        words = seen.setdefault(h.category, [])
        if h.text.lower() in (w.lower() for w in words) or len(words) >= 3:
            continue
        words.append(h.text)
    for name in ("safety", "legal", "public", "churn", "repeated_contact", "urgency"):
        if seen.get(name):
            cues.append(Cue(name, f"{CUE_LABELS[name]}: " + ", ".join(f"'{w}'" for w in seen[name])))
    earlier = len([h for h in history if h and h.strip()])
    if earlier >= settings.repeat_history_min and "repeated_contact" not in seen:
        cues.append(Cue("repeated_contact", f"repeated contact: {earlier} earlier messages in this conversation"))
    shout = _shouting(text, settings.shout_caps_ratio, settings.shout_min_letters, settings.shout_min_caps_words)
    # capitals and "!!!" in a clearly positive message are enthusiasm, not shouting
    if shout and not (sentiment is not None and sentiment.label == "positive"):
        cues.append(Cue("shouting", shout))
    # swearing in a clearly positive message ("fucking brilliant") is not abuse of anyone
    profanity_only = moderation is not None and set(moderation.categories) <= {"profanity"}
    happy = sentiment is not None and sentiment.label == "positive"
    # swearing about a thing ("eure scheiß Seite", "your bloody checkout") or the moderation model
    # alone (a pet-shop question about "Zecken und Parasiten") is not abuse of anyone: without an
    # insult or a threat it counts only in an angry, shouted message
    undirected = moderation is not None and set(moderation.categories) <= {"profanity", "abusive"}
    angry = sentiment is not None and sentiment.label == "negative" and \
        sentiment.score <= settings.very_negative_threshold and shout is not None
    if moderation is not None and moderation.flagged and not (profanity_only and happy) \
            and not (undirected and not angry):
        what = "; ".join(moderation.reasons[:2]) or ", ".join(moderation.categories)
        cues.append(Cue("abuse", f"abuse: {what}"))
    if sentiment is not None and sentiment.label == "negative" and sentiment.score <= settings.negative_threshold:
        cues.append(Cue("negative", f"negative sentiment (score {sentiment.score:+.2f})"))
        if sentiment.score <= settings.very_negative_threshold:
            cues.append(Cue("very_negative", f"very negative sentiment (score {sentiment.score:+.2f})"))
    if personal_data:
        kinds = list(dict.fromkeys(personal_data))
        cues.append(Cue("personal_data", "personal data in the message: " + ", ".join(kinds)))
    return cues


def decide(cues: Sequence[Cue], rule: "ChannelRule", settings: "SignalSettings") -> Escalation:
    """Level and action from the cues, the weights/thresholds and the channel's rule."""
    names = [c.name for c in cues]
    score = float(sum(settings.weights.get(n, 0.0) for n in names))
    if any(n in settings.urgent_signals for n in names) or score >= settings.urgent_at:
        level = "urgent"
    elif score >= settings.escalate_at or any(n in settings.escalate_signals for n in names):
        level = "escalate"
    elif score >= settings.watch_at:
        level = "watch"
    else:
        level = "none"
    heated = ("negative" in names and any(n in names for n in ("shouting", "abuse", "repeated_contact", "very_negative"))) \
        or ("abuse" in names)
    if "safety" in names or "legal" in names:
        # a health risk or a legal threat goes to a senior agent on every channel, also when the
        # message is abusive or posted publicly (a private message alone does not answer it)
        action = "hand_to_senior"
    elif "abuse" in names and rule.warn_on_abuse and level != "urgent":
        action = "warn_author"
    elif level in ("escalate", "urgent"):
        action = "move_to_private" if (rule.public and rule.escalate_in_private) else "hand_to_senior"
    elif rule.public and (("personal_data" in names and rule.private_on_personal_data) or
                          (heated and rule.private_on_heated)):
        action = "move_to_private"
    else:
        action = "answer_publicly"
    # personal data is only a reason where it matters (a public channel)
    shown = [c for c in cues if c.name != "personal_data" or rule.public]
    if rule.public and "personal_data" in names:
        shown = [Cue(c.name, c.reason + " (public channel)") if c.name == "personal_data" else c for c in shown]
    return Escalation(escalate=level in ("escalate", "urgent"), level=level,
                      reasons=tuple(c.reason for c in shown), action=action,
                      signals=tuple(dict.fromkeys(c.name for c in shown)), score=score)
