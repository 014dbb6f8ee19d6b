"""The drafter's first step: which FAQ entries a draft answers (one, two, or none: the band, the safety
path, an entry the agent picked, a second question) and in which language and register variant each answer
is written (the customer's language, a close language the corpus has, a machine translation when a
translator is configured, else a holding reply in the customer's language).
"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Mapping, Sequence

from ..errors import ReplyAssistError
from .render import TemplateSyntaxError, placeholder_names
from .settings import DraftSettings

if TYPE_CHECKING:
    from .drafter import DraftRequest

__all__ = ["choose_entries", "choose_bodies", "translate_template"]


def choose_entries(settings: DraftSettings, request: "DraftRequest", notes: list[str], safety: bool) -> tuple[list[Any], bool]:
    """The FAQ entries to answer, in order, and whether the agent must review the answer.

    ``request.faq_id`` (the agent's pick) wins; else the top match when the band is
    ``confident`` (or ``suggest`` with ``answer_on_suggest``: marked for review), followed by
    ``request.also_answer`` (a second question of the message that matched on its own).
    """
    s = settings
    match = request.match
    band = getattr(match, "band", "no_match")
    matches = tuple(getattr(match, "matches", ()) or ())
    ids: list[str] = []
    review = False
    if request.faq_id is not None:
        ids = [request.faq_id]
    elif matches and (band == "confident" or (band == "suggest" and s.answer_on_suggest
                                               and getattr(match, "confidence", 1.0) >= s.answer_on_suggest_above)):
        ids = [matches[0].faq_id]
        if band == "suggest":
            review = True
            alts = [m.faq_id for m in matches[1:3]]
            if not safety:
                notes.append(f"check: the answer comes from the suggest band (confidence "
                             f"{getattr(match, 'confidence', 0):.2f}); make sure {matches[0].faq_id!r} answers "
                             "what the customer asks" + (f" (alternatives: {', '.join(alts)})" if alts else ""))
    elif band == "suggest" and matches and not safety:
        notes.append(f"no confident FAQ match (confidence {getattr(match, 'confidence', 0):.2f}); acknowledged. Suggestions: "
                     + ", ".join(f"{m.faq_id} ({m.score:.2f})" for m in matches[:3]))
    if ids and request.faq_id is None:
        ids += [x for x in (request.also_answer or ()) if x not in ids]
    corpus = request.corpus
    entries = []
    for faq_id in ids:
        try:
            entries.append(corpus.get(faq_id))
        except KeyError:
            notes.append(f"FAQ entry {faq_id!r} is not in the corpus; left out")
    return entries, review and bool(entries)


def choose_bodies(settings: DraftSettings, translator: Any, entries: Sequence[Any], target: str, register: str, default_lang: str,
                   cyrillic: bool, notes: list[str], requested: bool = False
                   ) -> tuple[list[str], str, str, bool, str | None, bool, list[Any]]:
    """The answer templates and the draft language: ``(bodies, language, register,
    machine_translated, source_language, cyrillic, entries)`` (``entries``: those with a body).
    The first entry decides the language. ``requested``: the message makes the request itself, so an
    entry's ``requested`` answer ("we have received your request") replaces its how-to answer."""
    kept: list[Any] = []
    s = settings
    bodies: list[str] = []
    draft_lang = target
    machine_translated = False
    source_language: str | None = None
    for k, entry in enumerate(entries):
        answers = entry.answers
        if requested and getattr(entry, "requested", None):   # "pls close my account ... and stop the newsletters"
            answers = {**entry.answers, **entry.requested}
            notes.append(f"the message makes the request itself: {entry.id!r} is answered with its 'requested' "
                         "answer (we have received it), not with how to ask for it")
        lang = draft_lang if k else target
        close = next((x for x in s.close_languages.get(lang, ()) if x in answers), None)
        if lang in answers:
            tmpl, reg = _pick_register(answers[lang], register, lang, notes)
        elif close is not None:  # a language the customer reads without translation (bs <-> hr <-> sr)
            notes.append(f"the answer to {entry.id!r} is missing in {lang}; drafted in {close}, which "
                         f"{lang} readers read without translation (drafting.close_languages)")
            if k == 0:
                draft_lang = source_language = close
                cyrillic = cyrillic and close == "sr"
            tmpl, reg = _pick_register(answers[close], register, close, [])
        else:
            source = _best_source(answers, default_lang)
            translated = None
            if translator is not None and source is not None:
                src_tmpl, _ = _pick_register(answers[source], register, source, [])
                translated = translate_template(translator, src_tmpl, source, lang, notes)
            if translated is not None:
                tmpl, reg = translated, register
                machine_translated = True
                source_language = source
                notes.append(f"answer machine-translated from {source} to {lang}; review before sending")
            elif source is not None and k == 0 and not s.answer_in_other_language:
                notes.append(f"the answer to {entry.id!r} is missing in {lang} (the entry has "
                             f"{', '.join(sorted(answers))}); the draft is a holding reply in {lang}. Answer from the "
                             "entry yourself, add a translation to the corpus or configure a translator")
                continue
            elif source is not None and k == 0:
                notes.append(f"the answer to {entry.id!r} is missing in {lang}; drafted in {source}"
                             + ("" if translator is None else " (translation failed)")
                             + ". Add a translation to the corpus or configure a translator")
                draft_lang = source_language = source
                cyrillic = False
                tmpl, reg = _pick_register(answers[source], register, source, [])
            else:
                notes.append(f"the answer to {entry.id!r} is missing in {lang}; left out of the draft")
                continue
        if k == 0:
            register = reg
        bodies.append(tmpl)
        kept.append(entry)
    return bodies, draft_lang, register, machine_translated, source_language, cyrillic, kept


def translate_template(translator: Any, template: str, source: str, target: str, notes: list[str]) -> str | None:
    protect = ["{" + n + "}" for n in dict.fromkeys(placeholder_names(template))]
    try:
        res = translator.translate(template, source, target, protect=protect)
    except ReplyAssistError as exc:
        notes.append(f"translation {source}->{target} failed: {exc.message}")
        return None
    except Exception as exc:  # a translator must never break drafting
        notes.append(f"translation {source}->{target} failed: {type(exc).__name__}: {exc}")
        return None
    if not getattr(res, "ok", False):
        lost = ", ".join(getattr(res, "lost", ()) or ())
        notes.append(f"translation {source}->{target} rejected" + (f" (lost: {lost})" if lost else ""))
        return None
    text = str(res.text)
    if text.strip() == template.strip() and len(re.findall(r"[^\W\d_]{2,}", template)) >= 3:
        notes.append(f"translation {source}->{target} returned the text unchanged; not used")
        return None
    try:
        got = set(placeholder_names(text))
    except TemplateSyntaxError:
        notes.append(f"translation {source}->{target} broke the placeholders; not used")
        return None
    if got != set(placeholder_names(template)):
        notes.append(f"translation {source}->{target} changed the placeholders; not used")
        return None
    return text


def _pick_register(tmpl: Any, register: str, lang: str, notes: list[str]) -> tuple[str, str]:
    have = getattr(tmpl, "registers", None)
    if have is None:
        have = tuple(rg for rg in ("formal", "informal") if getattr(tmpl, rg, None))
    if register in have or not have:
        return tmpl.for_register(register), register
    other = have[0]
    if getattr(tmpl, "formal", None) == getattr(tmpl, "informal", None):
        return tmpl.for_register(register), register
    notes.append(f"the {lang} answer has no {register} variant; drafted in the {other} register")
    return tmpl.for_register(other), other


def _best_source(answers: Mapping[str, Any], default_lang: str) -> str | None:
    for cand in (default_lang, "en"):
        if cand in answers:
            return cand
    return sorted(answers)[0] if answers else None
