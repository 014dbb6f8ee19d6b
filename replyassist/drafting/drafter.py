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
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any, Callable, Mapping, Sequence

from ..text import find_pii
from .locales import Locale, asks, get_locale, supported_languages
from .names import NameParts, initials, plural_signature, safe_value
from .register import detect_register
from .render import Segment, TemplateSyntaxError, join, render
from .script import cyrillic_to_latin, has_cyrillic, latin_to_cyrillic
from .settings import ChannelPolicy, DraftSettings, OpeningHours
from .fit import (_LOWER_AFTER_GREETING, _Para, _assemble, _drop_label_fallbacks, _layout,
    _answer_words, _lowercase_after_greeting, _sentence_prefixes, _strip_emoji, channel_length)
from .plan import choose_bodies, choose_entries
from .paragraphs import (_DURATION, _VOCATIVE_LANGUAGES, _bcms_formal_greeting, _contact_phrase,
    _corpus_default, _drop_cheerful_opener, _duration, _fallback, _format_date, _hungarian_order, _norm_lang,
    _days_since_first_date, _longest_stated_days, _opening_hours_text, _plain_question, _states_duration,
    _without_done_steps, _without_order_number_request)

__all__ = ["HistoryItem", "DraftRequest", "Draft", "Drafter", "channel_length"]

_SENSITIVE = ("email", "e_mail", "phone", "address", "iban", "card", "password", "birth")
_GENERATED = {"response_time", "deadline", "opening_hours", "date", "date_article"}


#: Chat and social channels: greeted by first name, no letter closing ("Kind regards").
_MESSAGING = frozenset({"chat", "twitter", "facebook", "instagram", "facebook_messenger", "whatsapp", "sms"})
#: Of those, the public posts are signed with the agent's initials (^MK); chats show the agent anyway.
_SIGN_WITH_INITIALS = frozenset({"twitter", "facebook", "instagram", "sms"})
#: The generic apology goes only to a clearly unhappy customer with no situation found (sentiment
#: score at or below this: measured, -0.6 still apologised to calm "ugh, the code does not work" chats);
#: a mildly negative calm question ("unfortunately I threw the bag away")
#: gets none.
_GENERIC_EMPATHY_AT = -0.85
#: A plain question about money with a sentiment above this gets no billing apology.
_CALM_BILLING_ABOVE = -0.6
#: Which empathy line wins when several situations are found (the first in this order).
#: Minutes: the earliest follow-up a holding reply promises, whatever the channel's first-response time.
_MIN_FOLLOW_UP = 60
#: Problems whose apology comes before the neutral line of a legal threat.
#: Situations that make a public message the customer's own case (a private message is then offered).
#: (Sarcasm or rudeness alone, "6,90 € Versand für Socken, echt jetzt? 👏", is heat, not a case of their own.)
_PRIVATE_CASE = frozenset({"safety", "legal", "repeat", "damage", "wrong_item", "billing", "delay", "lost",
                           "third_party"})
#: Situation kind -> the qualifier whose empathy line replaces the kind's when it applies: a fault is
#: not "damaged", something missing is not "a wrong item", a refund or an extra charge is not "your payment".
_QUALIFIED_EMPATHY: dict[str, tuple[str, ...]] = {"damage": ("defect",), "wrong_item": ("missing",),
                                                  "billing": ("refund", "charge"), "repeat": ("recurring",)}
_LEGAL_WITH = ("repeat", "billing", "damage", "wrong_item", "delay")
_EMPATHY_ORDER = ("safety", "legal", "repeat", "damage", "wrong_item", "billing", "lost", "delay", "sarcasm", "rude",
                  "praise")


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
    specific entry (e.g. the one the agent picked from the suggestions). ``situations`` (from
    :func:`replyassist.signals.detect_situations`: ``"delay"``, ``"damage"``, ``"safety"``...)
    choose the empathy line; ``"safety"`` gives the safety-first reply instead of an FAQ answer.
    ``also_answer``: further entries to answer after the top match (a second question of the
    message that matched on its own). ``variant_guessed``: the Serbian/Croatian/Bosnian variant was
    guessed (:attr:`replyassist.language.VariantDecision.guessed`): the greeting is the neutral "Pozdrav".
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
    situations: Sequence[str] = ()
    also_answer: Sequence[str] = ()
    sentiment_score: float | None = None
    variant_guessed: bool = False


@dataclass(frozen=True)
class Draft:
    """A drafted reply.

    ``value_spans`` are ``(start, end, name)`` of every inserted value (customer data is never
    re-read as a template; the tone checker does not flag text inside them); ``fallbacks``
    names the placeholders that got a fallback phrase; ``personalisation`` lists what makes the
    draft specific to this customer ("customer_name", "order_id", "history", ...).
    ``kind``: "answer" (FAQ answers), "acknowledgement" (a holding reply: nothing answers the
    message), "safety" (a health or safety incident: safety-first reply, no FAQ answer) or
    "thanks" (praise and no question: the reply thanks the customer).
    ``faq_ids``: every entry answered (a message with two questions can get two answers);
    ``review``: the answer comes from the ``suggest`` band and the agent must check it (the
    notes say what); ``situation``: the situation the empathy line was chosen for.
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
    faq_ids: tuple[str, ...] = ()
    review: bool = False
    situation: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "language": self.language, "register": self.register,
                "machine_translated": self.machine_translated, "source_language": self.source_language,
                "faq_id": self.faq_id, "kind": self.kind, "notes": list(self.notes), "script": self.script,
                "channel": self.channel, "value_spans": [list(s) for s in self.value_spans],
                "fallbacks": list(self.fallbacks), "personalisation": list(self.personalisation),
                "customer_register": self.customer_register, "shortened": self.shortened,
                "faq_ids": list(self.faq_ids), "review": self.review, "situation": self.situation}


#: A match drafted for review (``suggest``) at least this likely right (P(right)) may still be answered with
#: its entry's ``requested`` answer ("we will change the size for you") when the message makes the request
#: (realistic set: 7 of the 8 such drafts between 0.65 and 0.8 had the right entry; the agent still reviews).
_REQUESTED_IN_REVIEW_AT = 0.65

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
        and says so in ``notes``.

        The steps, in order: the entries to answer (:meth:`_choose_entries`), the language and
        answer bodies (:meth:`_choose_bodies`), the values, the paragraphs (greeting, history,
        empathy, body, ...), the channel fit (:meth:`_fit`) and the script.
        """
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
        situations = tuple(request.situations or ())
        safety = "safety" in situations
        pii = find_pii(request.message or "")   # personal data and order numbers the customer wrote
        if action == "move_to_private" and not set(situations) & _PRIVATE_CASE and not pii:
            # a sad emoji on a public stock question is no case of the customer's own to take private
            notes.append("escalation says move to private, but the message names no case of the customer's own "
                         "(no problem, order or personal data): answered publicly")
            action = "answer_publicly"

        entries, review = choose_entries(self.settings, request, notes, safety)
        asks_something = asks(request.message or "", target)
        if review and set(situations) == {"praise"} and not asks_something:
            # a compliment with no question: a doubtful FAQ answer would be an answer to nothing
            notes.append(f"praise and no question: the doubtful answer from {entries[0].id!r} is left out")
            entries, review = [], False
        # "please close my account" / a GDPR letter is the request itself; "how do I close it?" asks how
        # (only for a confident match or a likely one drafted for review: "we will close your account" from a
        # doubtful match would commit us to the wrong thing)
        likely = not review or (request.match is not None and request.match.confidence >= _REQUESTED_IN_REVIEW_AT)
        requested = likely and any(getattr(e, "requested", None) for e in entries) and not get_locale(
            target if target in supported_languages() else "en").find(request.message or "", "how_to")
        bodies, draft_lang, register, machine_translated, source_language, cyrillic, entries = choose_bodies(self.settings, self.translator,
            entries, target, register, default_lang, cyrillic, notes, requested=requested)
        representative = "representative" in situations and not safety and get_locale(
            draft_lang if draft_lang in supported_languages() else "en").has("representative")
        if representative and (entries or bodies):
            # a solicitor's letter: no consumer instructions ("describe what went wrong, add photos")
            notes.append("a representative (solicitor) writes for the customer: no FAQ answer; the reply goes to "
                         "them and a senior colleague answers in writing")
            entries, bodies, review = [], [], False
        if draft_lang not in supported_languages():
            close_framed = [lang for lang in s.close_languages.get(draft_lang, ()) if lang in supported_languages()]
            fallback_lang = (close_framed[0] if close_framed
                             else default_lang if default_lang in supported_languages() else "en")
            if not bodies:
                notes.append(f"no phrases for {draft_lang}; acknowledgement drafted in {fallback_lang}")
                draft_lang = fallback_lang
            else:
                notes.append(f"no greeting/closing phrases for {draft_lang}; they are left out")
        loc = get_locale(draft_lang)
        bare = draft_lang not in supported_languages()  # body only, no localised frame
        messaging = channel in _MESSAGING

        # values
        signed = plural_signature(request.message, draft_lang) if request.customer_name else None
        if signed:
            # "Daniel and Ruth Adler" signed it: both are greeted, not only the account holder
            notes.append(f"the message is signed by {signed!r}: greeted as signed, not as the account holder "
                         f"{request.customer_name!r}")
        names = NameParts.parse(signed or request.customer_name, draft_lang)
        agent = re.sub(r"\s+", " ", safe_value(request.agent_name or "")).strip() or None
        if agent and draft_lang == "hu":
            agent = _hungarian_order(agent)
        values = self._values(request, names, agent, loc, policy, notes, corpus, draft_lang)
        personal: list[str] = []
        if names.full:
            personal.append("customer_name")
        # the greeting is chosen first: it may add a value (the surname in a formal BCMS greeting)
        greeting = None if bare else self._greeting(loc, register, names, negative, messaging, draft_lang, notes,
                                                    personal, values, legal="legal" in situations)
        if greeting and request.variant_guessed and draft_lang in _VOCATIVE_LANGUAGES \
                and re.match(r"(Bok|Zdravo)\b", greeting):
            # "Bok" reads Croatian, "Zdravo" Serbian/Bosnian: with a guessed variant, the greeting all three use
            # ("Dobar dan" where the letter is signed "Pozdrav": not the same word twice)
            greeting = re.sub(r"^(Bok|Zdravo)\b", "Pozdrav" if messaging else "Dobar dan", greeting)
        if greeting is not None and draft_lang == "en" and register == "formal" and not messaging and names.full \
                and greeting == loc.phrase("greeting", register, "name") and len(names.full.split()) >= 2:
            # a doctor who signs "Dr Helen Okafor" is greeted "Dear Dr Okafor," (no gender needed)
            surname = names.full.split()[-1]
            if re.search(r"\bDr\.?\s+(?:[A-Z][\w'-]*\.?\s+)?" + re.escape(surname) + r"\b", request.message or ""):
                values["customer_surname"] = safe_value(surname)
                greeting = "Dear Dr {customer_surname},"
        if greeting is not None and draft_lang == "de" and names.full and "{customer_name}" in greeting:
            # an academic title the customer signs with belongs in the greeting ("Guten Tag Dr. Thomas Reiter,")
            title = re.search(r"\b(Dr\.|Dr\.\s?med\.|Mag\.|Prof\.|Prof\.\s?Dr\.|DI|Dipl\.-Ing\.)\s+"
                              + re.escape(names.full) + r"\b", request.message or "")
            if title and not names.full.startswith(title.group(1)):
                values["customer_name"] = safe_value(f"{title.group(1)} {names.full}")
        if representative and greeting is not None:
            greeting = loc.phrase("greeting_representative", register)   # to the firm, not to its client
            if "customer_name" in personal:
                personal.remove("customer_name")
        if cyrillic:
            # the reply is written in Cyrillic: the team and the names in it too (Serbian writes names in
            # the text's script); names with letters Serbian lacks (q, w, x, y) stay as given
            for key in ("team_name", "agent_name", "customer_name", "customer_given_name", "customer_surname"):
                if values.get(key) and not re.search(r"[qwxyQWXY]", values[key]) \
                        and re.fullmatch(r"[A-Za-zČĆŽŠĐčćžšđ .'-]+", values[key]):
                    values[key] = latin_to_cyrillic(values[key])

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

        # steps the customer has already taken ("asked the neighbours", "nothing in spam"): not again
        done = [k[len("done_"):] for k in situations if k.startswith("done_")]
        if done and bodies and not bare:
            bodies = _without_done_steps(bodies, done, loc, notes)
            if not bodies:
                entries, review = [], False

        # the invitation to a private message asks for the order number unless the customer gave it
        text_orders = [request.message[sp.start:sp.end] for sp in pii if sp.kind == "order_id"]
        # a bare number the customer gave without naming it ("... but i only placed 1 order?? its 61204"):
        # not inserted anywhere, but the draft no longer asks for an order number
        order_given = bool(values.get("order_id")) or bool(text_orders) or _bare_number_given(request.message or "")
        if text_orders and not values.get("order_id") and not policy.public:
            # the number the customer wrote is theirs to see again ("we have asked the team to check your
            # order 58820"); not on a public channel, where personal values are never inserted
            oid = text_orders[0]
            values["order_id"] = safe_value("#" + oid if oid.isdigit() else oid)   # the corpus's form: "#4711"
        if values.get("order_id"):
            # the bare number for running text ("Ihre Bestellung 58820", "narudžbu br. 58820")
            values["order_number"] = values["order_id"].lstrip("#")
        # the invitation to a private message asks for the order number only where an order is the matter:
        # not when it was given, nor about unanswered messages, an account or personal data
        no_order_matter = bool(entries) and all(e.category in s.no_order_categories for e in entries)
        private = loc.phrase("private_message_short" if (order_given or no_order_matter)
                             and loc.has("private_message_short") else "private_message", register)

        # paragraphs
        paras: dict[str, _Para] = {}
        third_party_reply: str | None = None
        if greeting is not None:   # (no localised frame when bare)
            paras["greeting"] = r(greeting)
            hist = self._history(request.history, loc, register, values)
            if hist is not None:
                paras["history"] = r(hist)
                personal.append("history")
            emp = self._empathy(loc, register, situations, negative, action, request.sentiment_score,
                                question=_plain_question(request.message or "", loc))
            if "third_party" in situations and loc.has("third_party_account") and not safety:
                # someone else's account or password: only the account holder; and the holder's own way (the FAQ's
                # steps would be addressed to the wrong person: "enter the e-mail address of your account")
                notes.append("someone asks about another person's account: the draft says only the account holder "
                             "can have it changed; never confirm or change anything for them")
                refusal = loc.phrase("third_party_account", register)
                if loc.has("third_party_holder"):
                    said = re.split(r"(?<=[.!])\s+", refusal)
                    refusal = " ".join(said[:-1] if len(said) > 1 else said) + " " + \
                        loc.phrase("third_party_holder", register)
                    if bodies:
                        notes.append(f"the FAQ answer ({entries[0].id!r}) is left out: it is written for the account "
                                     "holder")
                    entries, bodies, review = [], [], False
                    third_party_reply = refusal
                else:
                    emp = (emp + " " if emp else "") + refusal
            if emp is not None and not safety and not representative:
                paras["empathy"] = r(emp)
        kind = "answer" if bodies else "acknowledgement"
        if third_party_reply:
            kind = "answer"
        public = policy.public
        asks_pii = bool(bodies) and public and any(loc.find(b, "pii_request") for b in bodies)
        if safety:
            # a health or safety incident: safety first, a person takes over; never a generic FAQ answer
            kind = "safety"
            entries, bodies, review = [], [], False
            text = None if bare else (loc.empathy_for("injury", register) if "injury" in situations else
                                      loc.empathy_for("unhurt", register) if "unhurt" in situations else
                                      loc.empathy_for("safety_self", register) if "self" in situations else None) \
                or loc.empathy_for("safety", register)
            who = next((k.split("_", 1)[1] for k in situations if k.startswith("injured_")), None)
            first = loc.empathy_for(f"injury_{who}", register) if who and text and "injury" in situations else None
            if first and text:
                # the one hurt named in the first sentence ("we wish your son a quick recovery")
                rest = re.split(r"(?<=[.!?])\s+", text, maxsplit=1)
                text = first + (" " + rest[1] if len(rest) > 1 else "")
            secured = loc.empathy_for("secured", register) if text and "secured" in situations else None
            if secured and text:
                # already unplugged or kept: thanks and "keep it until we have examined it", not "do not use it"
                said = re.split(r"(?<=[.!?])\s+", text)
                if len(said) >= 3:
                    text = " ".join([said[0], secured, *said[2:]])
            if text is None:
                text = loc.phrase("acknowledgement", register)
            elif not bare:
                # the message is the official report (the customer need not file one; it replaces the line's
                # last sentence, "we take this very seriously ...") and, on a private channel, the photos
                # they have help; on a public one the private-message line follows instead
                report = loc.empathy_for("safety_report_asks" if asks_something else "safety_report", register)
                said = re.split(r"(?<=[.!?])\s+", text)
                if report and len(said) >= 3:
                    text = " ".join([*said[:-1], report])
                photos = None if public else loc.empathy_for(
                    "safety_photos_have" if "has_photos" in situations else "safety_photos", register)
                if photos:
                    text = f"{text} {photos}"
            paras["body"] = r(text)
            notes.append("safety or health incident: safety-first reply, no FAQ answer; hand it to a senior agent "
                         "with priority")
            if public:
                paras["private"] = r(private)
        elif third_party_reply:
            paras["body"] = r(third_party_reply)
        elif kind == "answer" and asks_pii:
            # the general part of the answer is public information ("refunds go back to the card you paid
            # with"); only the sentences that ask for personal data give way to the private message
            public_part = " ".join(
                sent for sent in re.split(r"(?<=[.!?])\s+", bodies[0].strip())
                if sent and not loc.find(sent, "pii_request")) if len(bodies) == 1 else ""
            notes.append("public channel: the answer needs personal data, so the draft invites the customer "
                         "to a private message for it" + (" and gives the general part publicly" if public_part
                                                          else " instead"))
            if public_part:
                paras["body"] = r(public_part)
                paras["private"] = r(private)
            else:
                paras["body"] = r(private)
        elif kind == "answer":
            parts: list[Segment] = []
            overdue_used = False

            def timeline(body: str) -> bool:   # the rendered answer states a usual time ({delivery_time})
                return _states_duration("".join(seg.text for seg in r(body)), draft_lang)

            def status_pointer(body: str) -> bool:   # "you can see the status in your account"
                pat = loc.get("status_pointer")
                return bool(pat) and re.search(str(pat), "".join(seg.text for seg in r(body)), re.I) is not None
            def late_by_date(body: str) -> bool:   # "sent on 9 February" and the answer says "2 to 4 weeks"
                if request.now is None or not {"delay", "repeat"} & set(situations):
                    return False
                since = _days_since_first_date(request.message or "", request.now)
                longest = _longest_stated_days("".join(seg.text for seg in r(body)), draft_lang)
                return since is not None and longest is not None and since > longest + 1
            if s.overdue_reply and not bare and (
                    ("overdue" in situations and (timeline(bodies[0]) or (
                        {"delay", "repeat"} & set(situations) and status_pointer(bodies[0]))))
                    or late_by_date(bodies[0])):
                # "usually 2-4 working days" to someone waiting for three weeks reads as a brush-off; on a public
                # post the case goes to a private message (no "we will get back to you" here)
                # (nor after a legal letter's "a senior colleague will review your case": one promise, not two)
                key = self._overdue_key(loc, situations, public, bool(values.get("order_number")))
                if loc.has(key):
                    notes.append(f"the customer has already waited longer than the usual time in {entries[0].id!r}; "
                                 "the draft says the case is being checked instead of repeating that time. Check "
                                 "the case before sending")
                    bodies = [loc.phrase(key, register)] + [b for b in bodies[1:] if not timeline(b)]
                    overdue_used = True
                    if key == "overdue_legal":
                        self._senior_review_in_body(paras, loc, register, r)
            for k, body in enumerate(bodies):
                if negative and k == 0:
                    body = _drop_cheerful_opener(body, loc, notes)
                if k:
                    parts.append(Segment("\n\n"))
                parts.extend(r(body))
            if order_given:
                parts = _without_order_number_request(parts, loc, notes)
            paras["body"] = parts
            if overdue_used and public and action != "move_to_private":
                # "we have asked the team to check your case" on a public post: which case? ask in private
                paras["private"] = r(private)
            asks_details = public and loc.has("private_for_details") and any(
                loc.find(b, "case_details") and loc.find(b, "case_send") for b in bodies)
            if action == "move_to_private" and public:
                # the general answer is public information; the customer's own case goes private (what the answer
                # asks them to send, when it asks for something: one request, not "send photos" + "send the number")
                notes.append("escalation says move to private: the general answer is given publicly and the "
                             "customer is invited to a private message for their own case")
                paras["private"] = r(loc.phrase("private_for_details", register) if asks_details else private)
            elif public and "private" not in paras and requested:
                # "we have started a search with the courier": which order? the case goes to a private message
                paras["private"] = r(private)
            elif "private" not in paras and asks_details:
                # the answer asks the customer to send photos or the order number: not in a public post
                paras["private"] = r(loc.phrase("private_for_details", register))
        elif situations and set(situations) <= {"praise"} and "empathy" in paras and not asks_something:
            # praise and no question: the thanks is the reply (no "we passed it on to the team")
            kind = "thanks"
            paras["body"] = paras.pop("empathy")
        elif situations and set(situations) <= {"praise"} and "empathy" in paras:
            # praise and a question the FAQ does not answer: the thanks, then the holding line (no second "thanks")
            paras["body"] = r(loc.phrase("acknowledgement_after_history", register))
        elif representative:
            paras["body"] = r(loc.phrase("representative", register))
        elif s.overdue_reply and "overdue" in situations and {"delay", "repeat"} & set(situations) \
                and loc.has("overdue") and not bare:
            # waiting far too long and nothing in the FAQ answers it: the case is being checked (not "we
            # passed your message on"); on a public post the customer is asked to a private message
            key = self._overdue_key(loc, situations, public, bool(values.get("order_number")))
            notes.append("the customer has waited longer than they should: the draft says the case is being "
                         "checked. Check the case before sending")
            paras["body"] = r(loc.phrase(key, register))
            if key == "overdue_legal":
                self._senior_review_in_body(paras, loc, register, r)
            if public:
                paras["private"] = r(private)
        elif public and (action == "move_to_private" or (action == "warn_author" and set(situations) & _PRIVATE_CASE)) \
                and "history" not in paras and loc.has("thanks_message"):
            # the case goes to a private message: "we will get back to you" here would contradict it; after
            # an apology the invitation alone (no "thanks for your message" behind "sorry"). A rude post about
            # a case of the customer's own (wrong item, damage, ...) goes private as well
            if "empathy" not in paras:
                paras["body"] = r(loc.phrase("thanks_message", register))
            paras["private"] = r(private)
        else:
            # after an apology or a history reference the holding line does not thank again ("Sorry you're
            # still waiting. Thanks for your message." reads like a machine)
            thanked = "history" in paras or "empathy" in paras
            if public and loc.has("acknowledgement_public"):
                ack = loc.phrase("acknowledgement_public", register)
                if thanked:
                    parts2 = re.split(r"(?<=[.!])\s+", ack, maxsplit=1)
                    ack = parts2[1] if len(parts2) > 1 else ack
            else:
                ack = loc.phrase("acknowledgement_after_history" if thanked else "acknowledgement", register)
            paras["body"] = r(ack)
            if self._show_hours(policy, request.now):
                paras["hours"] = r(loc.phrase("opening_hours_sentence", register))
            if public and action == "move_to_private":
                paras["private"] = r(private)
        for key in ("order_id", "order_number", "ticket_id"):
            if key in values and any(seg.name == key and not seg.fallback for p in paras.values() for seg in p):
                personal.append(key)
        if action == "hand_to_senior" and not safety:
            notes.append("escalation: hand this conversation to a senior agent before sending")
        elif action == "warn_author":
            notes.append("moderation: the message was flagged; consider warning the author instead of answering")
        # the phone and e-mail are offered where a person may need them: escalations, refund, complaint,
        # privacy matters, and payment or account ones that are a problem (not "can I pay with PayPal?")
        offer_tags = set(s.contact_offer_tags) - (set() if negative or situations else set(s.contact_offer_problem_tags))
        # (not to a solicitor, who asked for a written answer)
        needs_contact = not representative and (action == "hand_to_senior"
                                                 or any(set(e.tags) & offer_tags for e in entries))
        answers_contact = any(("{support_phone}" in b or "{support_email}" in b) for b in bodies)
        if needs_contact and not bare and not answers_contact and not messaging \
                and ("support_email" in values or "support_phone" in values):
            paras["contact"] = r(_contact_phrase(loc, register, values, channel))
        if not bare and not messaging:
            closing_key = "closing_representative" if representative and loc.has("closing_representative") else "closing"
            paras["closing"] = r(loc.phrase(closing_key, register))
        paras["signature"] = self._signature(agent, values, channel)

        # emoji: never to an unhappy customer, never if the brand does not allow them
        if not s.emoji_allowed or negative:
            for key, para in paras.items():
                if key != "signature":
                    paras[key] = [_strip_emoji(seg) for seg in para]
        # German and Croatian letters go on in lower case after "Hallo Anna," / "Poštovana gospođo Horvat,"
        known, proper = _answer_words(corpus, draft_lang) if draft_lang in _LOWER_AFTER_GREETING \
            else (frozenset(), frozenset())
        if draft_lang in _LOWER_AFTER_GREETING and "greeting" in paras \
                and join(paras["greeting"]).rstrip().endswith(","):
            _lowercase_after_greeting(paras, loc, known, proper if draft_lang != "de" else None)

        compact = policy.char_limit is not None and policy.char_limit <= 500
        if messaging:  # chat and social: no letter sign-off; social posts are signed with initials (^MK)
            paras.pop("closing", None)
            if channel in _SIGN_WITH_INITIALS and s.sign_off == "name" and values.get("agent_initials"):
                paras["signature"] = [Segment("^"), Segment(values["agent_initials"], "value", "agent_initials")]
            elif channel not in _SIGN_WITH_INITIALS and s.sign_off != "team":
                paras.pop("signature", None)
        text_segs = _layout(paras, compact, loc, known)
        shortened = False
        if policy.char_limit is not None:
            short_emp = self._short_empathy(loc, register, situations) if "empathy" in paras else None
            short_private = (r(loc.phrase("private_message_short", register))
                             if "private" in paras and loc.has("private_message_short") else None)
            text_segs, shortened = self._fit(paras, policy, channel, loc, register, r, notes, compact, known,
                                             short_empathy=r(short_emp) if short_emp else None,
                                             short_private=short_private)
        if cyrillic:
            keep = tuple(s.keep_latin)
            text_segs = [Segment(latin_to_cyrillic(seg.text, keep=keep), seg.kind, seg.name, seg.fallback)
                         if seg.kind == "literal" or seg.fallback else seg for seg in text_segs]
        elif draft_lang == "sr" and any(has_cyrillic(seg.text) for seg in text_segs if seg.kind == "literal"):
            # a Cyrillic corpus answer for a customer writing in Latin script
            text_segs = [Segment(cyrillic_to_latin(seg.text), seg.kind, seg.name, seg.fallback)
                         if seg.kind == "literal" or seg.fallback else seg for seg in text_segs]
        text_segs = _drop_label_fallbacks(text_segs, notes)
        text, spans, used_fb = _assemble(text_segs)
        if used_fb:
            notes.append("no value for " + ", ".join("{" + n + "}" for n in used_fb) + "; used the fallback phrase")
        ids = tuple(e.id for e in entries) if kind == "answer" else ()
        return Draft(text=text, language=draft_lang, register=register, machine_translated=machine_translated,
                     source_language=source_language, faq_id=ids[0] if ids else None, kind=kind,
                     notes=tuple(notes), script="Cyrl" if cyrillic else "Latn", channel=channel,
                     value_spans=tuple(spans), fallbacks=tuple(used_fb),
                     personalisation=tuple(dict.fromkeys(personal)), customer_register=cust_reg,
                     shortened=shortened, faq_ids=ids, review=review and kind == "answer",
                     situation=next((k for k in _EMPATHY_ORDER if k in situations), None))

    # -- steps ------------------------------------------------------------------------------


    def _greeting(self, loc: Locale, register: str, names: NameParts, negative: bool, messaging: bool,
                  lang: str, notes: list[str], personal: list[str], values: dict[str, str],
                  legal: bool = False) -> str:
        """The greeting line: by full name in letters, by first name on chat and social channels
        (a letter with a legal threat: the locale's ``greeting_legal`` where it has one)."""
        gkey = "greeting_negative" if negative else "greeting"
        if legal and not messaging and register == "formal" and loc.has("greeting_legal"):
            gkey = "greeting_legal"
        if messaging and loc.has("greeting_chat"):
            gkey = "greeting_chat"
        if gkey == "greeting_chat" and names.given:
            return loc.phrase(gkey, register, "name")
        if gkey != "greeting_chat" and names.full and (register == "formal" or names.given):
            if lang in _VOCATIVE_LANGUAGES and register == "formal":
                # a letter greets by title and surname: "Poštovana gospođo Kurtović," (women's surnames
                # do not decline), "Poštovani gospodine Petroviću," (-ić takes -iću); other men's
                # surnames would need a vocative we cannot form safely: "Dobar dan," and a note
                formal = _bcms_formal_greeting(names.full, values)
                if formal is not None:
                    return formal
                notes.append(f"the formal {lang} greeting would need the vocative of {names.full!r}; "
                             "greeted without the name (see docs/drafting.md)")
                if "customer_name" in personal:
                    personal.remove("customer_name")
                return loc.phrase(gkey, register, "no_name")
            return loc.phrase(gkey, register, "name")
        if names.full and not names.given:
            notes.append(f"the {lang} greeting needs a vocative of {names.full!r}; "
                         "greeted without the name (see docs/drafting.md)")
            if "customer_name" in personal:
                personal.remove("customer_name")
        return loc.phrase(gkey, register, "no_name")

    def _empathy(self, loc: Locale, register: str, situations: Sequence[str], negative: bool,
                 action: str, score: float | None = None, question: bool = False) -> str | None:
        """One empathy line that fits what happened (delay, repeated contact, damage, ...); none for
        a calm request; the generic line only for a very negative message with no known situation
        that is not a plain question (a sad emoji on "can I exchange it for an S? 😕" is no grievance;
        "Where is my order?!" is)."""
        if not self.settings.empathy:
            return None
        order: tuple[str, ...] = _EMPATHY_ORDER
        if {"delay", "overdue", "defect"} <= set(situations):
            # a fault already in repair for weeks: the wait is the grievance, not the fault
            order = ("delay",) + tuple(k for k in order if k != "delay")
        for kind in order:
            if kind in situations:
                if kind == "rude" and action == "warn_author":
                    return None
                if kind == "praise" and negative:
                    continue
                if kind == "billing" and question and score is not None and score > _CALM_BILLING_ABOVE \
                        and not {"sarcasm", "rude", "delay", "repeat", "overdue", "charge"} & set(situations):
                    continue   # "could you explain how the refund was calculated?" is a question, not a grievance
                text = self._kind_empathy(loc, kind, register, situations)
                if text is not None and kind == "legal":
                    # a legal threat about a real problem: the apology for the problem, then the senior review
                    other = next((k for k in _LEGAL_WITH if k in situations), None)
                    sorry = self._kind_empathy(loc, other, register, situations) if other else None
                    if sorry:
                        rest = re.split(r"(?<=[.!?])\s+", text, maxsplit=1)
                        text = sorry + " " + (rest[1] if len(rest) > 1 else text)
                if text is not None:
                    return text
        if negative and not question and (score is None or score <= _GENERIC_EMPATHY_AT):
            return loc.phrase("empathy", register)
        return None

    @staticmethod
    def _overdue_key(loc: Locale, situations: Sequence[str], public: bool, order_number: bool) -> str:
        """The locale's line for a customer who has waited too long: on a public post no reply is promised
        (the case goes private); after a legal threat the senior review and when we answer; else with the
        order number when there is one."""
        if public and loc.has("overdue_public"):
            return "overdue_public"
        if "legal" in situations:
            return "overdue_legal" if loc.has("overdue_legal") else "overdue_public"
        return "overdue_order" if order_number and loc.has("overdue_order") else "overdue"

    @staticmethod
    def _senior_review_in_body(paras: dict[str, _Para], loc: Locale, register: str,
                               r: Callable[[str], list[Segment]]) -> None:
        """The body now says a senior colleague reviews the case: the legal empathy line's own "a senior
        colleague will review your case" goes (one promise, said once)."""
        legal = loc.empathy_for("legal", register) or ""
        senior = " ".join(re.split(r"(?<=[.!?])\s+", legal)[1:]).strip()
        if not senior or "empathy" not in paras:
            return
        text = join(paras["empathy"])
        if senior in text:
            rest = text.replace(senior, "").strip()
            if rest:
                paras["empathy"] = r(rest)
            else:
                paras.pop("empathy")

    @staticmethod
    def _kind_empathy(loc: Locale, kind: str, register: str, situations: Sequence[str]) -> str | None:
        """The locale's line for ``kind``, or for its qualifier when that applies and the locale has a line
        for it (a fault is "not working as it should", not "damaged"; see :data:`_QUALIFIED_EMPATHY`)."""
        for qualifier in _QUALIFIED_EMPATHY.get(kind, ()):
            if qualifier in situations:
                text = loc.empathy_for(qualifier, register)
                if text is not None:
                    return text
        return loc.empathy_for(kind, register)

    # -- pieces -----------------------------------------------------------------------------

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
        # Opening hours as the corpus author wrote them for this language, unless the settings give
        # the team's own hours (then formatted with a time-zone name people use, never the IANA id).
        corpus_hours = _corpus_default("opening_hours", lang, defaults)
        vals["opening_hours"] = corpus_hours if corpus_hours and s.opening_hours == OpeningHours() \
            else _opening_hours_text(loc, s, req.now)
        # {deadline}: when we answer on THIS channel (acknowledgements). {response_time} in an FAQ
        # answer is the corpus author's figure (e-mail response times), else the e-mail channel's.
        # "we will get back to you {deadline}" promises the follow-up, not the first reply (this draft):
        # never sooner than an hour ("within 5 minutes" on chat is a promise no team keeps)
        follow = policy if policy.response_minutes >= _MIN_FOLLOW_UP else replace(policy, response_minutes=_MIN_FOLLOW_UP)
        vals["deadline"] = self._deadline(loc, follow, req.now)
        vals["response_time"] = (_corpus_default("response_time", lang, defaults)
                                 or self._deadline(loc, s.channel("email"), None))
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
        dl0 = loc.get("deadline")
        if minutes == 60 and isinstance(dl0, dict) and dl0.get("within_hour"):
            within = render(str(dl0["within_hour"]), {})   # "within the hour", not "within 1 hour"
        else:
            within = render(loc.phrase("deadline", sub="within") if isinstance(dl0, dict) else "{duration}",
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
        def when(h: HistoryItem) -> datetime:
            assert h.date is not None   # only dated items are compared
            return (h.date if isinstance(h.date, datetime)
                    else datetime.combine(h.date, datetime.min.time())).replace(tzinfo=None)
        last = max(dated, key=when)
        d: date = when(last).date()
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
        return [Segment(values.get("agent_name") or agent, "value", "agent_name"), Segment("\n"),
                Segment(values.get("team_name") or self.settings.team_for(None), "value", "team_name")]

    @staticmethod
    def _short_empathy(loc: Locale, register: str, situations: Sequence[str]) -> str | None:
        """The short apology for a public reply that must fit a limit: the situation's own
        (``short_delay``, ``short_repeat``...) or the general ``short`` one; none for praise, a legal
        letter or a safety incident (those never get shortened to a one-liner)."""
        if any(k in situations for k in ("safety", "legal")):
            return None
        kind = next((k for k in _EMPATHY_ORDER if k in situations and k != "praise"), None)
        return (loc.empathy_for(f"short_{kind}", register) if kind else None) or loc.empathy_for("short", register)

    def _fit(self, paras: dict[str, _Para], policy: ChannelPolicy, channel: str, loc: Locale, register: str,
             r: Any, notes: list[str], compact: bool, known: frozenset[str] = frozenset(),
             short_empathy: _Para | None = None, short_private: _Para | None = None) -> tuple[list[Segment], bool]:
        limit = policy.char_limit or 10**9
        segs = _layout(paras, compact, loc, known)
        if channel_length(join(segs), channel) <= limit:
            return segs, False
        work = dict(paras)
        steps = ["history", "contact", "hours", "closing"]
        for key in steps:
            if key in work:
                del work[key]
                segs = _layout(work, compact, loc, known)
                if channel_length(join(segs), channel) <= limit:
                    notes.append(f"shortened to fit the {channel} limit of {limit} characters")
                    return segs, True
        if "signature" in work and self.settings.sign_off == "name":
            ini = initials(join([x for x in work["signature"] if x.name == "agent_name"]))
            if ini:
                work["signature"] = [Segment("^"), Segment(ini, "value", "agent_initials")]
                segs = _layout(work, compact, loc, known)
                if channel_length(join(segs), channel) <= limit:
                    notes.append(f"shortened to fit the {channel} limit of {limit} characters")
                    return segs, True
        # the answer's first sentences, with the empathy line (an upset customer is acknowledged first);
        # then without it (the answer matters more than the empathy line)
        # then the same with a short apology ("Sorry for the wait!") instead of the empathy line;
        # then without it (the answer matters more than the empathy line)
        body = work.get("body") or []
        # (with the short invitation to a private message, which does not ask for the order number there)
        modes = (("full", "short", "short+private", "none") if "empathy" in work and short_empathy else
                 ("full", "none") if "empathy" in work else ("full",))
        for mode in modes:
            if mode == "short+private" and not (short_private and "private" in work):
                continue
            base: dict[str, list[Segment]] = {k: v for k, v in work.items() if mode != "none" or k != "empathy"}
            if mode in ("short", "short+private") and short_empathy is not None:
                base["empathy"] = short_empathy
            if mode == "short+private" and short_private is not None:
                base["private"] = short_private
            for cut in ([] if mode == "full" else [list(body)]) + _sentence_prefixes(body):
                trial = dict(base, body=cut)
                segs = _layout(trial, compact, loc, known)
                if channel_length(join(segs), channel) <= limit:
                    whole = join(cut) == join(body)
                    notes.append(f"shortened to fit the {channel} limit of {limit} characters"
                                 + {"full": "", "short": " (a short apology instead of the empathy line)",
                                    "short+private": " (a short apology instead of the empathy line; ask for the "
                                                     "order number in the private message)",
                                    "none": " (empathy line left out)"}[mode]
                                 + ("" if whole else ": only the first sentences of the answer are given; "
                                                     "check that they answer the question"))
                    return segs, True
        work["body"] = r(loc.phrase("private_message_short", register))
        work.pop("private", None)
        segs = _layout(work, compact, loc, known)
        notes.append(f"the answer does not fit the {channel} limit of {limit} characters; "
                     "the draft invites the customer to a private message (send the full answer there)")
        if channel_length(join(segs), channel) > limit and "empathy" in work:
            del work["empathy"]
            segs = _layout(work, compact, loc, known)
        if channel_length(join(segs), channel) > limit:
            work["greeting"] = [Segment(x.text, x.kind, x.name, x.fallback) for x in work.get("greeting", [])
                                if x.kind == "literal"]
            segs = _layout(work, compact, loc, known)
        return segs, True


# ---------------------------------------------------------------------------------------------


_DURATION["hr"] = _DURATION["bs"] = _DURATION["me"] = _DURATION["sr"]

#: A bare 5-8 digit number (no decimals, no currency after it, not a postcode before a town name, not
#: part of a phone number, IBAN or date): in a support message, almost always the order number.
_BARE_NUMBER = re.compile(
    r"(?<![\w.,:/+#-])\d{5,8}(?![\w.,:/-]*\d)(?!\s?(?i:€|eur|euro|evra|eura|ft|huf|forint|din|rsd|dinara|km|bam|"
    r"kn|kuna|gbp|£|\$|usd|chf|lei)(?!\w))(?!\s+\(?[A-ZÀ-ŽА-Я][a-zà-žа-я])")


def _bare_number_given(message: str) -> bool:
    """Whether the message gives a number that is most likely its order number (see :data:`_BARE_NUMBER`).

    >>> _bare_number_given("i only placed 1 order?? its 61204"), _bare_number_given("10000 Zagreb, Ilica 5")
    (True, False)
    """
    return bool(_BARE_NUMBER.search(message))


