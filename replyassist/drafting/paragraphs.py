"""The drafter's pieces of text: greetings (the Serbian/Croatian/Bosnian title and vocative rules, the
Hungarian name order), deadlines, dates and opening hours in each language, the contact offer, and the
rewrites of an FAQ answer for what the customer already said (an order number given, steps already taken,
a usual time an overdue customer must not be told again), plus the choice of an answer's language and
register variant.

>>> _states_duration("Delivery usually takes 2-4 working days.", "en")
True
"""
from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any, Mapping, Sequence

from .locales import Locale, get_locale
from .render import Segment, join, render
from .script import cyrillic_to_latin, has_cyrillic
from .settings import DraftSettings, OpeningHours


#: Languages whose formal greeting by full name needs a vocative for men (sr, hr, bs).
_VOCATIVE_LANGUAGES = frozenset({"sr", "hr", "bs"})


def _hungarian_order(name: str) -> str:
    """A Hungarian agent signs family name first: "Anna Szabó" -> "Szabó Anna" (when the first part is a
    common Hungarian given name and the second is not); other names are kept as given."""
    parts = name.split(" ")
    known = set(get_locale("hu").get("given_names") or [])
    if len(parts) == 2 and parts[0] in known and parts[1] not in known:
        return f"{parts[1]} {parts[0]}"
    return name


def _bcms_formal_greeting(full_name: str, values: dict[str, str]) -> str | None:
    """"Poštovana gospođo {surname}," for a woman (given name in -a), "Poštovani gospodine {surname}u,"
    for a man whose surname ends in -ić; ``None`` otherwise. Sets ``values["customer_surname"]``."""
    parts = [p for p in re.split(r"[\s,]+", full_name.strip()) if p]
    if len(parts) < 2 or "," in full_name:
        return None
    surname = parts[-1]
    cyr = has_cyrillic(surname)
    if _feminine_given(full_name):
        values["customer_surname"] = surname
        return "Poštovana gospođo {customer_surname},"
    if re.search(r"(ić|ic|ић)$", surname):
        values["customer_surname"] = surname + ("у" if cyr else "u")
        return "Poštovani gospodine {customer_surname},"
    return None


def _feminine_given(full_name: str) -> bool:
    """A given name ending in -a (Ana, Marija, Jelena): the full name reads correctly after "Dobar
    dan," (women's surnames do not decline). Men's names and unknown forms get no name."""
    first = re.split(r"[\s,]+", full_name.strip())[0] if full_name.strip() else ""
    if cyrillic_to_latin(first).lower() in _MALE_IN_A:
        return False
    letters = [c for c in first if c.isalpha()]
    return bool(letters) and letters[-1].lower() in ("a", "а")


#: Men's given names that end in -a in Serbian, Croatian and Bosnian (Nikola, Luka, Mirza, Ilija, the
#: -ica diminutives): "Poštovana gospođo" to them is the worst greeting a letter can open with.
_MALE_IN_A = frozenset("""nikola luka mirza hamza alija mustafa avdija zija ilija andrija matija jeremija
zaharija zakarija sava toma kosta jova jovica perica ivica mića pera đura dura mika žika zika steva
vlada braca joca saša sasa miša misa aca laza raša rasa paja gaja boža boza jakša jaksa ljubiša ljubisa
dragiša dragisa nebojša nebojsa radiša radisa velja bora""".split())


def _norm_lang(lang: str | None) -> str | None:
    if not lang or not isinstance(lang, str) or lang.lower() in ("und", "none", "xx"):
        return None
    return lang.lower().replace("_", "-").split("-")[0] or None






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


def _tz_name(loc: Locale, oh: OpeningHours, now: datetime | None) -> str:
    """The time-zone name a customer reads ("CET", German "MEZ"): the configured ``label``, else
    the zone's abbreviation at ``now`` (or in January), mapped through the locale's ``tz_names``."""
    if oh.label:
        return oh.label
    when = now if now is not None else datetime(2026, 1, 15, 12, 0)
    try:
        abbr = oh.local(when).tzname() or ""
    except (ValueError, OverflowError):  # pragma: no cover - zoneinfo edge cases
        abbr = ""
    if not abbr or abbr[:1] in "+-":  # zones without an abbreviation ("+03"): say nothing
        return ""
    return str((loc.get("tz_names") or {}).get(abbr, abbr))


def _opening_hours_text(loc: Locale, s: DraftSettings, now: datetime | None = None) -> str:
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
    tz = _tz_name(loc, oh, now)
    tmpl = loc.get("opening_hours") or "{days} {open}-{close} ({tz})"
    if not tz:
        tmpl = re.sub(r"\s*\(\{tz\}\)", "", tmpl)
    return join(render(tmpl, {"days": day_text, "open": oh.open.strftime("%H:%M"),
                              "close": oh.close.strftime("%H:%M") if oh.close.second == 0 else "24:00", "tz": tz}))


def _contact_phrase(loc: Locale, register: str, values: Mapping[str, str], channel: str = "") -> str:
    """The offer of other ways to reach us; in an e-mail reply only the phone ("you can also reach us by
    e-mail" inside an e-mail reads odd)."""
    if channel in ("email", "web") and values.get("support_phone") and loc.has("contact_offer_phone"):
        return loc.phrase("contact_offer_phone", register)
    return loc.phrase("contact_offer", register)


def _drop_cheerful_opener(body: str, loc: Locale, notes: list[str]) -> str:
    """To an unhappy customer: drop a short cheerful first sentence ("Great news!")."""
    m = re.match(r"\s*([^.!?\n]{1,40}[.!?]+)\s+(?=\S)", body)
    if not m or len(m.group(1).split()) > 5 or not loc.find(m.group(1), "cheerful"):
        return body
    notes.append(f"left out the cheerful opener {m.group(1).strip()!r} for an unhappy customer")
    return body[m.end():]


_DURATION = {
    "en": r"(working |business )?(days?|weeks?|hours?)",
    "de": r"(werktag\w*|arbeitstag\w*|tag\w*|woche\w*|stunde\w*)",
    "hu": r"(munkanap\w*|nap\w*|hét\w*|het[ei]\w*|órá?\w*)",
    "sr": r"(radn\w+ )?(dan\w*|nedelj\w*|nedjelj\w*|sedmic\w*|tjed\w*|sat\w*)",
}


_NUMBER = r"(\d+|one|two|three|a few|einem|einen|einer|zwei|drei|egy|két|három|jednog|jedan|jedne|dva|dve|dvije|tri)"


def _states_duration(template: str, lang: str) -> bool:
    """Whether an answer states a usual time ("2-4 working days", "within one working day", "2 do 4
    nedelje"): the timeline an overdue customer must not be told again.

    >>> _states_duration("Delivery usually takes 2-4 working days.", "en"), _states_duration("Pay by card.", "en")
    (True, False)
    """
    unit = _DURATION.get(lang)
    if unit is None:
        return False
    pat = _NUMBER + r"(\s*([–-]|to|bis|do|és|-)\s*\d+)?\s+" + unit + r"\b"
    return re.search(r"\b" + pat, template.lower()) is not None


def _plain_question(message: str, loc: Locale) -> bool:
    """A question with no exclamation mark and no outrage word (the locale's ``outrage`` lexicon):
    "can I exchange it for an S? 😕" is one, "Where is my order?!" and "Das ist eine Frechheit, wo ist
    meine Bestellung?" are not.

    >>> _plain_question("can I swap it for an S? 😕", get_locale("en")), _plain_question("Where is it?!", get_locale("en"))
    (True, False)
    """
    return "?" in message and "!" not in message and not loc.find(message, "outrage")


def _without_done_steps(bodies: Sequence[str], done: Sequence[str], loc: Locale, notes: list[str]) -> list[str]:
    """The answers without the sentences that tell the customer to do what they say they have done, or that
    a fact they gave settles (the locale's ``already_done`` patterns, per step), then the locale's
    ``after_done_step`` rewrites (each ``[pattern, replacement]`` or ``[pattern, replacement, step]``, the
    latter only for that step). An answer left with nothing is dropped: telling someone who clicked
    "Forgot password?" and found nothing in spam to do both again is no answer.

    >>> _without_done_steps(["Please first ask your neighbours. If it does not turn up, tell us."],
    ...                     ["neighbours"], get_locale("en"), [])
    ['If it does not turn up, tell us.']
    """
    pats = [str(p) for k in done for p in [(loc.get("already_done") or {}).get(k)] if p]
    if not pats:
        return list(bodies)
    out: list[str] = []
    for body in bodies:
        sentences = re.split(r"(?<=[.!?])\s+", body.strip())
        kept = [x for x in sentences if not any(re.search(p, x, re.I) for p in pats)]
        if len(kept) == len(sentences):
            out.append(body)
            continue
        notes.append("the customer has already done what the answer says first (" + ", ".join(done) + "): "
                     + ("that sentence is left out" if kept else "the answer is left out; check the case"))
        if kept:
            # words that pointed back at the dropped step ("Ha a csomag így sem kerül elő": even so)
            text = " ".join(kept)
            for pat, rep, *step in loc.get("after_done_step") or []:
                # a rewrite tagged with its step applies only after that step's sentence went ("If you prefer,
                # we can issue a voucher" becomes "Yes, ..." only for a customer who asked for a voucher)
                if not step or step[0] in done:
                    text = re.sub(pat, rep, text)
            out.append(text)
    return out


def _without_order_number_request(parts: list[Segment], loc: Locale, notes: list[str]) -> list[Segment]:
    """The answer without its request for the order number (the customer gave it): the locale's
    ``order_number_given`` rewrites, applied to the answer's own text only.

    >>> loc = get_locale("en")
    >>> segs = [Segment("Please send us photos together with the order number, and keep the packaging.")]
    >>> _without_order_number_request(segs, loc, [])[0].text
    'Please send us photos, and keep the packaging.'
    """
    rules = loc.get("order_number_given") or []
    out: list[Segment] = []
    changed = False
    for seg in parts:
        text = seg.text
        if seg.kind == "literal":
            for pat, rep in rules:
                text = re.sub(pat, rep, text)
        changed = changed or text != seg.text
        out.append(Segment(text, seg.kind, seg.name, seg.fallback) if text != seg.text else seg)
    if changed:
        notes.append("the customer gave the order number: the answer no longer asks for it")
    return out


#: Month names (folded: lower case, no diacritics) of en, de, hu, hr, sr/bs, by their first letters.
_MONTH_STEMS = (("januar", 1), ("january", 1), ("sijec", 1), ("februar", 2), ("february", 2), ("veljac", 2),
                ("marz", 3), ("maerz", 3), ("march", 3), ("marcius", 3), ("mart", 3), ("ozuj", 3), ("april", 4),
                ("trav", 4), ("mai", 5), ("may", 5), ("majus", 5), ("maj", 5), ("svib", 5), ("juni", 6),
                ("june", 6), ("jun", 6), ("lipan", 6), ("lipnj", 6), ("juli", 7), ("july", 7), ("jul", 7),
                ("srpan", 7), ("srpnj", 7), ("august", 8), ("augusztus", 8), ("avgust", 8), ("kolovoz", 8),
                ("septemb", 9), ("szeptemb", 9), ("rujan", 9), ("rujn", 9), ("oktob", 10), ("october", 10),
                ("listopad", 10), ("novemb", 11), ("studen", 11), ("dezemb", 12), ("decemb", 12), ("prosin", 12))
_MONTH_WORD = r"([a-z]{3,12})"
_DAY_MONTH = re.compile(r"\b(\d{1,2})(?:st|nd|rd|th)?\.?\s{0,2}(?:of\s)?" + _MONTH_WORD + r"\b")
_MONTH_DAY = re.compile(r"\b" + _MONTH_WORD + r"\s{1,2}(\d{1,2})(?:st|nd|rd|th|\.|-\w+)?\b")
_NUMERIC_DATE = re.compile(r"(?<![\d.])(\d{1,2})\.\s?(\d{1,2})\.(?!\d)")
_UNIT_DAYS = (("work", 1.4), ("business", 1.4), ("werktag", 1.4), ("arbeitstag", 1.4), ("munkanap", 1.4),
              ("radn", 1.4), ("week", 7), ("woche", 7), ("het", 7), ("hét", 7), ("nedelj", 7), ("nedjelj", 7),
              ("sedmic", 7), ("tjed", 7), ("day", 1), ("tag", 1), ("nap", 1), ("dan", 1))


def _month(word: str) -> int | None:
    return next((m for stem, m in _MONTH_STEMS if word.startswith(stem)), None)


def _days_since_first_date(message: str, now: datetime) -> int | None:
    """Days since the earliest past date the message names ("am 9. Februar", "January 8th", "január
    8-án", "8. siječnja", "9.2."), or ``None``. A date later than ``now`` is read as last year's; one
    more than half a year back is ignored (an old purchase, not the wait).

    >>> _days_since_first_date("sent it on 9 February, nothing since", datetime(2026, 3, 10))
    29
    """
    from ..signals._normalize import fold
    text = fold(message)[0]
    found: list[date] = []
    today = now.date()
    pairs = [(int(d), _month(w)) for d, w in _DAY_MONTH.findall(text)]
    pairs += [(int(d), _month(w)) for w, d in _MONTH_DAY.findall(text)]
    pairs += [(int(d), int(m)) for d, m in _NUMERIC_DATE.findall(text) if 1 <= int(m) <= 12]
    for day, month in pairs:
        if month is None or not 1 <= day <= 31:
            continue
        try:
            d = date(today.year, month, day)
        except ValueError:
            continue
        if d > today:
            d = date(today.year - 1, month, day)
        if (today - d).days <= 183:
            found.append(d)
    return (today - min(found)).days if found else None


def _longest_stated_days(answer: str, lang: str) -> float | None:
    """The longest usual time an answer states, in calendar days ("2-4 working days": 5.6; "2 to 4
    weeks": 28), or ``None`` (hours and unstated times are not counted).

    >>> _longest_stated_days("Repairs usually take 2 to 4 weeks.", "en")
    28.0
    """
    unit = _DURATION.get(lang)
    if unit is None:
        return None
    best: float | None = None
    for m in re.finditer(r"\b(\d+)(?:\s*(?:[–-]|to|bis|do|és)\s*(\d+))?\s+" + unit + r"\b", answer.lower()):
        n = int(m.group(2) or m.group(1))
        rest = answer.lower()[m.end(1):m.end()]
        factor = next((f for stem, f in _UNIT_DAYS if stem in rest), None)
        if factor is None:
            continue
        best = max(best or 0.0, n * float(factor))
    return best
