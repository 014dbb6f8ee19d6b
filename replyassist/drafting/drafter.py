"""The drafter: a reply an agent can send, in the customer's language and register.

>>> from replyassist.corpus import corpus_from_dicts
>>> from replyassist.matching import Match, MatchResult
>>> corpus = corpus_from_dicts([{"id": "delivery", "category": "delivery",
...     "questions": {"de": ["Wo ist mein Paket?"]},
...     "answers": {"de": {"formal": "Sie können {order_id} online verfolgen.",
...                        "informal": "Du kannst {order_id} online verfolgen."}}}])
>>> match = MatchResult(matches=(Match("delivery", 0.93, "Wo ist mein Paket?", "de", "delivery"),),
...                     band="confident", confidence=0.93)
>>> d = Drafter().draft(DraftRequest(message="Hallo, wo ist mein Paket? Kannst du nachsehen?",
...     language="de", script="Latn", match=match, corpus=corpus, sentiment_label="neutral",
...     escalation_action="answer_publicly", customer_name="Jonas Weber", agent_name="Anna Kovács",
...     channel="email", values={"order_id": "#4711"}))
>>> print(d.text)
Hallo Jonas,
<BLANKLINE>
du kannst #4711 online verfolgen.
<BLANKLINE>
Viele Grüße
Anna Kovács
Kundenservice
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Mapping, Sequence

from ..errors import ReplyAssistError
from .locales import Locale, get_locale, supported_languages
from .names import NameParts, initials, safe_value
from .register import detect_register
from .render import Segment, TemplateSyntaxError, join, placeholder_names, render
from .script import cyrillic_to_latin, has_cyrillic, latin_to_cyrillic
from .settings import ChannelPolicy, DraftSettings

__all__ = ["HistoryItem", "DraftRequest", "Draft", "Drafter", "channel_length"]

_EMOJI = re.compile("[\U0001F300-\U0001FAFF\U00002600-\U000027BF\U0001F000-\U0001F02F\U0001F1E6-\U0001F1FF\uFE0F\u200d]+")
_SENSITIVE = ("email", "e_mail", "phone", "address", "iban", "card", "password", "birth")
_URL = re.compile(r"https?://\S+|www\.\S+")
_GENERATED = {"response_time", "deadline", "opening_hours", "date", "date_article"}


@dataclass(frozen=True)
class HistoryItem:
    """One earlier message in the conversation.

    ``direction`` is "agent" (we wrote) or "customer". Only dated agent messages are referred
    to in the draft ("... our message of 12 May").
    """

    text: str = ""
    date: date | datetime | None = None
    direction: str = "agent"
    channel: str | None = None

    @classmethod
    def from_any(cls, item: Any) -> "HistoryItem | None":
        """Accept a HistoryItem, a mapping (text, date ISO string, direction) or a plain string."""
        if isinstance(item, HistoryItem):
            return item
        if isinstance(item, str):
            return cls(text=item, direction="customer")
        if isinstance(item, Mapping):
            d = item.get("date")
            if isinstance(d, str):
                try:
                    d = datetime.fromisoformat(d) if "T" in d or " " in d.strip() else date.fromisoformat(d)
                except ValueError:
                    d = None
            return cls(text=str(item.get("text", "")), date=d if isinstance(d, (date, datetime)) else None,
                       direction=str(item.get("direction", item.get("role", "agent"))),
                       channel=item.get("channel"))
        d = getattr(item, "date", None)
        text = getattr(item, "text", None)
        if text is not None or d is not None:
            return cls(text=str(text or ""), date=d if isinstance(d, (date, datetime)) else None,
                       direction=str(getattr(item, "direction", "agent")), channel=getattr(item, "channel", None))
        return None


@dataclass(frozen=True)
class DraftRequest:
    """Everything the drafter needs for one message (see docs/ARCHITECTURE.md).

    ``customer_register`` may be given to override register detection; ``faq_id`` to draft a
    specific entry (e.g. the one the agent picked from the suggestions).
    """

    message: str
    language: str | None
    script: str | None
    match: Any
    corpus: Any
    sentiment_label: str = "neutral"
    escalation_action: str = "answer_publicly"
    customer_name: str | None = None
    agent_name: str | None = None
    channel: str | None = None
    history: Sequence[Any] = ()
    values: Mapping[str, Any] = field(default_factory=dict)
    now: datetime | None = None
    customer_register: str | None = None
    faq_id: str | None = None


@dataclass(frozen=True)
class Draft:
    """A drafted reply.

    ``value_spans`` are ``(start, end, name)`` of every inserted value (customer data is never
    re-read as a template; the tone checker does not flag text inside them); ``fallbacks``
    names the placeholders that got a fallback phrase; ``personalisation`` lists what makes the
    draft specific to this customer ("customer_name", "order_id", "history", ...).
    """

    text: str
    language: str
    register: str
    machine_translated: bool = False
    source_language: str | None = None
    faq_id: str | None = None
    kind: str = "answer"
    notes: tuple[str, ...] = ()
    script: str = "Latn"
    channel: str | None = None
    value_spans: tuple[tuple[int, int, str], ...] = ()
    fallbacks: tuple[str, ...] = ()
    personalisation: tuple[str, ...] = ()
    customer_register: str | None = None
    shortened: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "language": self.language, "register": self.register,
                "machine_translated": self.machine_translated, "source_language": self.source_language,
                "faq_id": self.faq_id, "kind": self.kind, "notes": list(self.notes), "script": self.script,
                "channel": self.channel, "value_spans": [list(s) for s in self.value_spans],
                "fallbacks": list(self.fallbacks), "personalisation": list(self.personalisation),
                "customer_register": self.customer_register, "shortened": self.shortened}


def channel_length(text: str, channel: str | None) -> int:
    """Length as the channel counts it: Twitter/X counts every URL as 23 and emoji/CJK as 2."""
    if (channel or "").lower() not in ("twitter", "x", "tweet", "twitter/x"):
        return len(text)
    n = 0
    pos = 0
    for m in _URL.finditer(text):
        n += _tw_len(text[pos:m.start()]) + 23
        pos = m.end()
    return n + _tw_len(text[pos:])


def _tw_len(s: str) -> int:
    return sum(2 if (ord(c) > 0x10FF and not ("\u2000" <= c <= "\u206f")) else 1 for c in s)


_Para = list[Segment]


class Drafter:
    """Builds drafts from FAQ answers (see the module docstring for an example).

    ``translator`` (a ``SafeTranslator``) is optional: without it, an answer missing in the
    customer's language is drafted in the corpus default language, with a note.
    """

    def __init__(self, settings: DraftSettings | Mapping[str, Any] | None = None, translator: Any = None) -> None:
        if settings is None:
            settings = DraftSettings()
        elif isinstance(settings, Mapping):
            settings = DraftSettings.from_dict(settings)
        self.settings: DraftSettings = settings
        self.translator = translator

    # -- public helpers ---------------------------------------------------------------------
    def detect_register(self, text: str, language: str | None) -> str | None:
        """The customer's register ("formal"/"informal") or None when the text does not tell."""
        return detect_register(text, _norm_lang(language)).register

    def choose_register(self, customer_register: str | None) -> str:
        """Apply the brand's formality policy to the customer's register."""
        pol = self.settings.formality
        if pol in ("formal", "informal"):
            return pol
        return customer_register if customer_register in ("formal", "informal") else self.settings.default_register

    # -- main -------------------------------------------------------------------------------
    def draft(self, request: DraftRequest) -> Draft:
        """Draft a reply. Never raises for missing languages, values or entries: it falls back
        and says so in ``notes``."""
        s = self.settings
        notes: list[str] = []
        corpus = request.corpus
        default_lang = _norm_lang(getattr(corpus, "default_language", None)) or "en"
        cust_lang = _norm_lang(request.language)
        if cust_lang is None:
            notes.append(f"customer language unknown; drafted in the corpus default language ({default_lang})")
        target = cust_lang or default_lang
        cyrillic = target == "sr" and ((request.script or "").lower().startswith("cyr")
                                       or (request.script is None and has_cyrillic(request.message or "")))
        cust_reg = request.customer_register
        if cust_reg not in ("formal", "informal"):
            cust_reg = detect_register(request.message or "", target).register
        register = self.choose_register(cust_reg)
        policy = s.channel(request.channel)
        channel = s.channel_name(request.channel)
        negative = (request.sentiment_label or "").lower() == "negative"
        action = (request.escalation_action or "answer_publicly").lower()

        # which entry, which kind
        entry = None
        match = request.match
        band = getattr(match, "band", "no_match")
        matches = tuple(getattr(match, "matches", ()) or ())
        faq_id = request.faq_id
        if faq_id is None and matches and (band == "confident" or (band == "suggest" and s.answer_on_suggest)):
            faq_id = matches[0].faq_id
            if band == "suggest":
                notes.append(f"match is only a suggestion (confidence {getattr(match, 'confidence', 0):.2f}); check the answer")
        elif faq_id is None and band == "suggest" and matches:
            notes.append("no confident FAQ match; acknowledged. Suggestions: "
                         + ", ".join(f"{m.faq_id} ({m.score:.2f})" for m in matches[:3]))
        if faq_id is not None:
            try:
                entry = corpus.get(faq_id)
            except KeyError:
                notes.append(f"FAQ entry {faq_id!r} is not in the corpus; acknowledged instead")
                faq_id = None

        # language of the draft and the answer body
        body_template: str | None = None
        draft_lang = target
        machine_translated = False
        source_language: str | None = None
        if entry is not None:
            answers = entry.answers
            close = next((lang for lang in s.close_languages.get(target, ()) if lang in answers), None)
            if target in answers:
                tmpl = answers[target]
                body_template, register = _pick_register(tmpl, register, target, notes)
            elif close is not None:  # a language the customer reads without translation (bs <-> hr <-> sr)
                notes.append(f"the answer to {entry.id!r} is missing in {target}; drafted in {close}, which "
                             f"{target} readers read without translation (drafting.close_languages)")
                draft_lang = source_language = close
                cyrillic = cyrillic and close == "sr"
                body_template, register = _pick_register(answers[close], register, close, [])
            else:
                source = _best_source(answers, default_lang)
                translated = None
                if self.translator is not None and source is not None:
                    src_tmpl, _ = _pick_register(answers[source], register, source, [])
                    translated = self._translate(src_tmpl, source, target, notes)
                if translated is not None:
                    body_template = translated
                    machine_translated = True
                    source_language = source
                    notes.append(f"answer machine-translated from {source} to {target}; review before sending")
                elif source is not None:
                    notes.append(f"the answer to {entry.id!r} is missing in {target}; drafted in {source}"
                                 + ("" if self.translator is None else " (translation failed)")
                                 + ". Add a translation to the corpus or configure a translator")
                    draft_lang = source
                    source_language = source
                    cyrillic = False
                    body_template, register = _pick_register(answers[source], register, source, [])
        if draft_lang not in supported_languages():
            close_framed = [lang for lang in s.close_languages.get(draft_lang, ()) if lang in supported_languages()]
            fallback_lang = (close_framed[0] if close_framed
                             else default_lang if default_lang in supported_languages() else "en")
            if entry is None:
                notes.append(f"no phrases for {draft_lang}; acknowledgement drafted in {fallback_lang}")
                draft_lang = fallback_lang
            else:
                notes.append(f"no greeting/closing phrases for {draft_lang}; they are left out")
        loc = get_locale(draft_lang)
        bare = draft_lang not in supported_languages()  # body only, no localised frame

        # values
        names = NameParts.parse(request.customer_name, draft_lang)
        agent = re.sub(r"\s+", " ", safe_value(request.agent_name or "")).strip() or None
        values = self._values(request, names, agent, loc, policy, notes, corpus, draft_lang)
        if cyrillic and values.get("team_name"):
            values["team_name"] = latin_to_cyrillic(values["team_name"])  # the team signs in the customer's script
        personal: list[str] = []
        if names.full:
            personal.append("customer_name")

        def fb(name: str) -> str:
            return _fallback(name, draft_lang, corpus, loc)

        def r(template: str) -> list[Segment]:
            try:
                # text the drafter generates itself (deadline, hours, dates) is template text
                return [Segment(x.text, "literal") if x.name in _GENERATED else x
                        for x in render(template, values, fb)]
            except TemplateSyntaxError as exc:  # a broken template from a translator: keep it safe
                notes.append(f"template could not be rendered ({exc}); used literally")
                return [Segment(template.replace("{", "(").replace("}", ")"))]

        # paragraphs
        paras: dict[str, _Para] = {}
        if not bare:
            gkey = "greeting_negative" if negative else "greeting"
            if names.full and (register == "formal" or names.given):
                paras["greeting"] = r(loc.phrase(gkey, register, "name"))
            else:
                if names.full and not names.given:
                    notes.append(f"the informal {draft_lang} greeting needs a vocative of {names.full!r}; "
                                 "greeted without the name (see docs/drafting.md)")
                    personal.remove("customer_name")
                paras["greeting"] = r(loc.phrase(gkey, register, "no_name"))
            hist = self._history(request.history, loc, register, values)
            if hist is not None:
                paras["history"] = r(hist)
                personal.append("history")
            if negative and s.empathy:
                paras["empathy"] = r(loc.phrase("empathy", register))
        kind = "answer" if body_template is not None else "acknowledgement"
        public = policy.public
        asks_pii = body_template is not None and public and bool(loc.find(body_template, "pii_request"))
        if kind == "answer" and (action == "move_to_private" and public or asks_pii):
            notes.append("public channel: the answer needs personal data, so the draft invites the customer "
                         "to a private message instead" if asks_pii else
                         "escalation says move to private: the draft invites the customer to a private message")
            paras["body"] = r(loc.phrase("private_message", register))
        elif kind == "answer":
            body = body_template or ""
            if negative:
                body = _drop_cheerful_opener(body, loc, notes)
            paras["body"] = r(body)
        else:
            ack = loc.phrase("acknowledgement_after_history" if "history" in paras else "acknowledgement", register)
            paras["body"] = r(ack)
            if self._show_hours(policy, request.now):
                paras["hours"] = r(loc.phrase("opening_hours_sentence", register))
            if public and action == "move_to_private":
                paras["private"] = r(loc.phrase("private_message", register))
        for key in ("order_id", "ticket_id"):
            if key in values and any(seg.name == key and not seg.fallback for p in paras.values() for seg in p):
                personal.append(key)
        if action == "hand_to_senior":
            notes.append("escalation: hand this conversation to a senior agent before sending")
        elif action == "warn_author":
            notes.append("moderation: the message was flagged; consider warning the author instead of answering")
        needs_contact = (action == "hand_to_senior"
                         or (entry is not None and set(entry.tags) & set(s.contact_offer_tags)))
        if needs_contact and not bare and ("support_email" in values or "support_phone" in values):
            paras["contact"] = r(_contact_phrase(loc, register, values))
        if not bare:
            paras["closing"] = r(loc.phrase("closing", register))
        paras["signature"] = self._signature(agent, values, channel)

        # emoji: never to an unhappy customer, never if the brand does not allow them
        if not s.emoji_allowed or negative:
            for k, p in paras.items():
                if k != "signature":
                    paras[k] = [_strip_emoji(seg) for seg in p]
        if draft_lang == "de" and "greeting" in paras:
            _lowercase_after_greeting(paras, loc)

        compact = policy.char_limit is not None and policy.char_limit <= 500
        if compact:  # short-message channels: no closing formula, sign with initials (^AK)
            paras.pop("closing", None)
            if s.sign_off == "name" and values.get("agent_initials"):
                paras["signature"] = [Segment("^"), Segment(values["agent_initials"], "value", "agent_initials")]
        text_segs = _layout(paras, compact)
        shortened = False
        if policy.char_limit is not None:
            text_segs, shortened = self._fit(paras, policy, channel, loc, register, r, notes, compact)
        if cyrillic:
            text_segs = [Segment(latin_to_cyrillic(seg.text), seg.kind, seg.name, seg.fallback)
                         if seg.kind == "literal" or seg.fallback else seg for seg in text_segs]
        elif draft_lang == "sr" and any(has_cyrillic(seg.text) for seg in text_segs if seg.kind == "literal"):
            # a Cyrillic corpus answer for a customer writing in Latin script
            text_segs = [Segment(cyrillic_to_latin(seg.text), seg.kind, seg.name, seg.fallback)
                         if seg.kind == "literal" or seg.fallback else seg for seg in text_segs]
        text, spans, used_fb = _assemble(text_segs)
        if used_fb:
            notes.append("no value for " + ", ".join("{" + n + "}" for n in used_fb) + "; used the fallback phrase")
        return Draft(text=text, language=draft_lang, register=register, machine_translated=machine_translated,
                     source_language=source_language, faq_id=faq_id if entry is not None else None, kind=kind,
                     notes=tuple(notes), script="Cyrl" if cyrillic else "Latn", channel=channel,
                     value_spans=tuple(spans), fallbacks=tuple(used_fb),
                     personalisation=tuple(dict.fromkeys(personal)), customer_register=cust_reg,
                     shortened=shortened)

    # -- pieces -----------------------------------------------------------------------------
    def _translate(self, template: str, source: str, target: str, notes: list[str]) -> str | None:
        protect = ["{" + n + "}" for n in dict.fromkeys(placeholder_names(template))]
        try:
            res = self.translator.translate(template, source, target, protect=protect)
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

    def _values(self, req: DraftRequest, names: NameParts, agent: str | None, loc: Locale,
                policy: ChannelPolicy, notes: list[str], corpus: Any, lang: str) -> dict[str, str]:
        s = self.settings
        vals: dict[str, str] = {}
        defaults = getattr(corpus, "placeholder_defaults", {}) or {}
        if s.support_email:
            vals["support_email"] = s.support_email
        elif _corpus_default("support_email", lang, defaults):
            vals["support_email"] = _corpus_default("support_email", lang, defaults)  # type: ignore[assignment]
        if s.support_phone:
            vals["support_phone"] = s.support_phone
        elif _corpus_default("support_phone", lang, defaults):
            vals["support_phone"] = _corpus_default("support_phone", lang, defaults)  # type: ignore[assignment]
        vals["opening_hours"] = _opening_hours_text(loc, s)
        vals["response_time"] = self._deadline(loc, policy, req.now)
        vals["deadline"] = vals["response_time"]
        vals["team_name"] = s.team_for(lang)
        if names.full:
            vals["customer_name"] = names.full
        if names.given:
            vals["customer_given_name"] = names.given
        if agent:
            vals["agent_name"] = agent
            ini = initials(agent)
            if ini:
                vals["agent_initials"] = ini
        dropped = []
        for k, v in (req.values or {}).items():
            if v is None or not isinstance(k, str):
                continue
            if policy.public and any(t in k.lower() for t in _SENSITIVE) and not k.startswith("support_"):
                dropped.append(k)
                continue
            vals[k] = safe_value(v)
        if dropped:
            notes.append("public channel: personal values not inserted: " + ", ".join(sorted(dropped)))
        return vals

    def _deadline(self, loc: Locale, policy: ChannelPolicy, now: datetime | None) -> str:
        minutes = policy.response_minutes
        within = render(loc.phrase("deadline", sub="within") if isinstance(loc.get("deadline"), dict) else "{duration}",
                        {"duration": _duration(loc, minutes)})
        if now is None or not policy.business_hours:
            return join(within)
        oh = self.settings.opening_hours
        due = oh.add_business_minutes(now, minutes)
        local_now = oh.local(now)
        if oh.is_open(now) and due.date() == local_now.date():
            return join(within)
        dl = loc.get("deadline")
        hhmm = due.strftime("%H:%M")
        if due.date() == local_now.date():
            return join(render(dl["today"], {"time": hhmm}))
        if (due.date() - local_now.date()).days == 1:
            return join(render(dl["tomorrow"], {"time": hhmm}))
        wd = due.weekday()
        return join(render(dl["weekday"], {"time": hhmm, "weekday": loc.get("weekdays")[wd],
                                           "weekday_gen": (loc.get("weekdays_gen") or loc.get("weekdays"))[wd]}))

    def _show_hours(self, policy: ChannelPolicy, now: datetime | None) -> bool:
        if not policy.business_hours:
            return False
        return now is None or not self.settings.opening_hours.is_open(now)

    def _history(self, history: Sequence[Any], loc: Locale, register: str, values: dict[str, str]) -> str | None:
        if not self.settings.history_reference or not history:
            return None
        items = [h for h in (HistoryItem.from_any(x) for x in history) if h is not None]
        dated = [h for h in items if h.direction == "agent" and h.date is not None]
        if not dated:
            return None
        last = max(dated, key=lambda h: (h.date if isinstance(h.date, datetime) else datetime.combine(h.date, datetime.min.time())).replace(tzinfo=None))
        d = last.date.date() if isinstance(last.date, datetime) else last.date
        values["date"] = _format_date(loc, d)
        month = loc.get("months")[d.month - 1]
        values["date_article"] = "az" if month[:1].lower() in "aáeéiíoóöőuúüű" else "a"
        return loc.phrase("history", register)

    def _signature(self, agent: str | None, values: Mapping[str, str], channel: str) -> list[Segment]:
        style = self.settings.sign_off
        if style == "team" or agent is None:
            return [Segment(values.get("team_name") or self.settings.team_for(None), "value", "team_name")]
        if style == "initials" and values.get("agent_initials"):
            return [Segment("^"), Segment(values["agent_initials"], "value", "agent_initials")]
        return [Segment(agent, "value", "agent_name"), Segment("\n"),
                Segment(values.get("team_name") or self.settings.team_for(None), "value", "team_name")]

    def _fit(self, paras: dict[str, _Para], policy: ChannelPolicy, channel: str, loc: Locale, register: str,
             r: Any, notes: list[str], compact: bool) -> tuple[list[Segment], bool]:
        limit = policy.char_limit or 10**9
        segs = _layout(paras, compact)
        if channel_length(join(segs), channel) <= limit:
            return segs, False
        work = dict(paras)
        steps = ["history", "contact", "hours", "closing"]
        for key in steps:
            if key in work:
                del work[key]
                segs = _layout(work, compact)
                if channel_length(join(segs), channel) <= limit:
                    notes.append(f"shortened to fit the {channel} limit of {limit} characters")
                    return segs, True
        if "signature" in work and self.settings.sign_off == "name":
            ini = initials(join([x for x in work["signature"] if x.name == "agent_name"]))
            if ini:
                work["signature"] = [Segment("^"), Segment(ini, "value", "agent_initials")]
                segs = _layout(work, compact)
                if channel_length(join(segs), channel) <= limit:
                    notes.append(f"shortened to fit the {channel} limit of {limit} characters")
                    return segs, True
        work["body"] = r(loc.phrase("private_message_short", register))
        work.pop("private", None)
        segs = _layout(work, compact)
        notes.append(f"the answer does not fit the {channel} limit of {limit} characters; "
                     "the draft invites the customer to a private message (send the full answer there)")
        if channel_length(join(segs), channel) > limit and "empathy" in work:
            del work["empathy"]
            segs = _layout(work, compact)
        if channel_length(join(segs), channel) > limit:
            work["greeting"] = [Segment(x.text, x.kind, x.name, x.fallback) for x in work.get("greeting", [])
                                if x.kind == "literal"]
            segs = _layout(work, compact)
        return segs, True


# ---------------------------------------------------------------------------------------------


def _norm_lang(lang: str | None) -> str | None:
    if not lang or not isinstance(lang, str) or lang.lower() in ("und", "none", "xx"):
        return None
    return lang.lower().replace("_", "-").split("-")[0] or None


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


def _corpus_default(name: str, lang: str, defaults: Mapping[str, Any]) -> str | None:
    d = defaults.get(name)
    if isinstance(d, Mapping):
        v = d.get(lang) or d.get("*")
        return str(v) if v else None
    if isinstance(d, str) and d:
        return d
    return None


def _fallback(name: str, lang: str, corpus: Any, loc: Locale) -> str:
    """Fallback for a placeholder without a value: corpus ``placeholders:`` for the language,
    then the locale's neutral phrase for that name, then the locale's generic phrase."""
    v = _corpus_default(name, lang, getattr(corpus, "placeholder_defaults", {}) or {})
    if v:
        return v
    fbs = loc.get("placeholder_fallbacks") or {}
    if name in ("customer_name", "customer_given_name"):
        return ""
    if name in ("agent_name", "agent_initials", "team_name"):
        return fbs.get("team_name", "")
    return str(fbs.get(name) or fbs.get("_default") or "")


def _duration(loc: Locale, minutes: int) -> str:
    if minutes % 1440 == 0 and minutes > 2880:
        unit, n = "day", minutes // 1440
    elif minutes % 60 == 0:
        unit, n = "hour", minutes // 60
    else:
        unit, n = "minute", minutes
    forms = (loc.get("duration") or {}).get(unit) or ["{n}"]
    if len(forms) >= 3:  # Slavic: 1 / 2-4 / 5+
        if n % 10 == 1 and n % 100 != 11:
            f = forms[0]
        elif 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
            f = forms[1]
        else:
            f = forms[2]
    else:
        f = forms[0] if n == 1 else forms[-1]
    return join(render(f, {"n": str(n)}))


# Hungarian "-án/-én" after a day number follows the ordinal's vowel: 1-jén (elsején), 2-án
# (másodikán), but 12-én (tizenkettedikén), 22-én; 10-én, 20-án, 30-án.
_HU_DAY = {1: "jén", 2: "án", 3: "án", 4: "én", 5: "én", 6: "án", 7: "én", 8: "án", 9: "én", 10: "én",
           20: "án", 30: "án"}
_HU_UNIT = {1: "én", 2: "én", 3: "án", 4: "én", 5: "én", 6: "án", 7: "én", 8: "án", 9: "én"}


def _hu_day_suffix(day: int) -> str:
    return _HU_DAY.get(day) or _HU_UNIT[day % 10]


def _format_date(loc: Locale, d: date) -> str:
    tmpl = loc.get("date") or "{day}.{month}"
    return join(render(tmpl, {"day": str(d.day), "month": loc.get("months")[d.month - 1],
                              "day_suffix": _hu_day_suffix(d.day)}))


def _opening_hours_text(loc: Locale, s: DraftSettings) -> str:
    oh = s.opening_hours
    days = list(oh.days)
    names = loc.get("weekdays")
    if len(days) == 7:
        day_text = loc.get("days_every") or ", ".join(names)
    elif days == list(range(days[0], days[-1] + 1)) and len(days) > 1:
        frm = (loc.get("weekdays_from") or loc.get("weekdays_gen") or names)[days[0]]
        to = (loc.get("weekdays_to") or loc.get("weekdays_gen") or names)[days[-1]]
        day_text = join(render(loc.get("days_range") or "{from}-{to}", {"from": frm, "to": to}))
    else:
        day_text = ", ".join(names[d] for d in days)
    return join(render(loc.get("opening_hours") or "{days} {open}-{close} ({tz})",
                       {"days": day_text, "open": oh.open.strftime("%H:%M"),
                        "close": oh.close.strftime("%H:%M") if oh.close.second == 0 else "24:00", "tz": oh.tz_label}))


def _contact_phrase(loc: Locale, register: str, values: Mapping[str, str]) -> str:
    return loc.phrase("contact_offer", register)


def _drop_cheerful_opener(body: str, loc: Locale, notes: list[str]) -> str:
    """To an unhappy customer: drop a short cheerful first sentence ("Great news!")."""
    m = re.match(r"\s*([^.!?\n]{1,40}[.!?]+)\s+(?=\S)", body)
    if not m or len(m.group(1).split()) > 5 or not loc.find(m.group(1), "cheerful"):
        return body
    notes.append(f"left out the cheerful opener {m.group(1).strip()!r} for an unhappy customer")
    return body[m.end():]


def _strip_emoji(seg: Segment) -> Segment:
    if seg.kind != "literal":
        return seg
    t = _EMOJI.sub("", seg.text)
    t = re.sub(r"[ \t]{2,}", " ", t)
    return Segment(t, seg.kind, seg.name, seg.fallback)


def _lowercase_after_greeting(paras: dict[str, _Para], loc: Locale) -> None:
    """German: after "Hallo Anna," the next line starts in lower case (safe words only)."""
    safe = {w.lower() for w in (loc.get("lowercase_after_greeting") or [])}
    for key in ("history", "empathy", "body"):
        p = paras.get(key)
        if not p:
            continue
        first = p[0]
        if first.kind == "literal":
            m = re.match(r"\s*(\w+)", first.text)
            if m and m.group(1).lower() in safe and m.group(1)[:1].isupper() and not m.group(1).isupper():
                i = m.start(1)
                p[0] = Segment(first.text[:i] + first.text[i].lower() + first.text[i + 1:], "literal")
        return


def _layout(paras: Mapping[str, _Para], compact: bool) -> list[Segment]:
    order = ["greeting", "history", "empathy", "body", "hours", "private", "contact", "closing", "signature"]
    out: list[Segment] = []
    present = [k for k in order if k in paras and join(paras[k]).strip()]
    for i, k in enumerate(present):
        if i:
            if compact:
                sep = " "
            elif k == "signature" and "closing" in present:
                sep = "\n"
            else:
                sep = "\n\n"
            out.append(Segment(sep))
        segs = paras[k]
        if compact:
            segs = [Segment(x.text.replace("\n", " "), x.kind, x.name, x.fallback) for x in segs]
        out.extend(segs)
    return out


def _assemble(segs: Sequence[Segment]) -> tuple[str, list[tuple[int, int, str]], list[str]]:
    parts: list[str] = []
    spans: list[tuple[int, int, str]] = []
    used_fb: list[str] = []
    pos = 0
    for seg in segs:
        t = unicodedata.normalize("NFC", seg.text) if seg.kind == "literal" else seg.text
        if seg.kind == "value":
            if not seg.fallback:
                spans.append((pos, pos + len(t), seg.name or ""))
            elif seg.name and seg.name not in used_fb:
                used_fb.append(seg.name)
        parts.append(t)
        pos += len(t)
    return "".join(parts), spans, used_fb
