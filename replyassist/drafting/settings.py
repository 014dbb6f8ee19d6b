"""Drafting settings: brand voice, channel policies, opening hours.

All settings are validated when they are created (``ConfigError`` naming the field and the
allowed values), and can be built from the ``[drafting]`` section of the settings file:

>>> s = DraftSettings.from_dict({"formality": "mirror", "sign_off": "initials",
...     "channels": {"twitter": {"response_minutes": 30, "char_limit": 280, "public": True}},
...     "opening_hours": {"timezone": "Europe/Budapest", "days": "Mon-Fri", "open": "08:00", "close": "18:00"}})
>>> s.channel("x").char_limit
280
"""
from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, Mapping, Sequence

from .._config import checked_fields
from ..errors import ConfigError, Errors

__all__ = ["ChannelPolicy", "OpeningHours", "DraftSettings", "DEFAULT_CHANNELS", "CHANNEL_ALIASES"]

FORMALITY = ("formal", "informal", "mirror")
REGISTERS = ("formal", "informal")
SIGN_OFF = ("name", "initials", "team")
_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_TIME = re.compile(r"^([01]?\d|2[0-4]):([0-5]\d)$")

CHANNEL_ALIASES = {"x": "twitter", "tweet": "twitter", "twitter/x": "twitter", "fb": "facebook",
                   "e-mail": "email", "mail": "email", "ig": "instagram", "messenger": "facebook_messenger",
                   "webchat": "chat", "live_chat": "chat", "form": "web", "contact_form": "web",
                   "community": "forum", "board": "forum"}


@dataclass(frozen=True)
class ChannelPolicy:
    """How a channel is answered.

    - ``response_minutes``: promised first-response time.
    - ``char_limit``: maximum length of a reply (None = no limit); Twitter/X counts URLs as 23.
    - ``public``: replies are visible to everyone (never ask for personal data there).
    - ``business_hours``: the response time runs only during opening hours (True), or around
      the clock (False, e.g. "within 24 hours" for e-mail).
    """

    response_minutes: int = 24 * 60
    char_limit: int | None = None
    public: bool = False
    business_hours: bool = True

    def __post_init__(self) -> None:
        if not isinstance(self.response_minutes, int) or isinstance(self.response_minutes, bool) or self.response_minutes <= 0:
            raise ConfigError(Errors.E551, response_minutes=self.response_minutes)
        if self.char_limit is not None and (not isinstance(self.char_limit, int) or self.char_limit < 40):
            raise ConfigError(Errors.E552, char_limit=self.char_limit)
        for name in ("public", "business_hours"):
            if not isinstance(getattr(self, name), bool):
                raise ConfigError(Errors.E565, name=name, value=getattr(self, name))

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "ChannelPolicy":
        return _from_dict(cls, data, "drafting.channels.<name>")


DEFAULT_CHANNELS: dict[str, ChannelPolicy] = {
    "twitter": ChannelPolicy(response_minutes=30, char_limit=280, public=True),
    "facebook": ChannelPolicy(response_minutes=60, char_limit=8000, public=True),
    "instagram": ChannelPolicy(response_minutes=60, char_limit=2200, public=True),
    "facebook_messenger": ChannelPolicy(response_minutes=60, char_limit=2000),
    "whatsapp": ChannelPolicy(response_minutes=60, char_limit=4096),
    "chat": ChannelPolicy(response_minutes=5),
    "sms": ChannelPolicy(response_minutes=60, char_limit=480),
    "email": ChannelPolicy(response_minutes=24 * 60, business_hours=False),
    "web": ChannelPolicy(response_minutes=24 * 60, business_hours=False),
    # a community forum or review site: public like social media, answered in the thread
    "forum": ChannelPolicy(response_minutes=24 * 60, business_hours=False, public=True),
}


def _parse_time(value: Any, what: str) -> time:
    if isinstance(value, time):
        return value
    m = _TIME.match(str(value).strip())
    if not m:
        raise ConfigError(Errors.E546, what=what, value=value)
    h, mi = int(m.group(1)), int(m.group(2))
    if h == 24:
        if mi:
            raise ConfigError(Errors.E553, what=what)
        return time(23, 59, 59)
    return time(h, mi)


def _parse_days(value: Any) -> tuple[int, ...]:
    """'Mon-Fri', 'Mon,Wed,Fri', ['mon', 'tue'], 'daily' -> weekday numbers (Mon = 0)."""
    if isinstance(value, str):
        if value.strip().lower() in ("daily", "every day", "all", "mon-sun"):
            return tuple(range(7))
        parts = [p.strip() for p in value.split(",") if p.strip()]
    elif isinstance(value, Sequence):
        parts = [str(p).strip() for p in value]
    else:
        raise ConfigError(Errors.E554, value=value)
    out: set[int] = set()
    for p in parts:
        if "-" in p:
            a, b = (x.strip()[:3].lower() for x in p.split("-", 1))
            if a not in _DAYS or b not in _DAYS:
                raise ConfigError(Errors.E566, p=p)
            i, j = _DAYS.index(a), _DAYS.index(b)
            rng = range(i, j + 1) if i <= j else [*range(i, 7), *range(0, j + 1)]
            out.update(rng)
        else:
            d = p[:3].lower()
            if d not in _DAYS:
                raise ConfigError(Errors.E567, p=p)
            out.add(_DAYS.index(d))
    if not out:
        raise ConfigError(Errors.E547)
    return tuple(sorted(out))


@dataclass(frozen=True)
class OpeningHours:
    """The team's opening hours in an IANA time zone (``zoneinfo``).

    >>> oh = OpeningHours(timezone="Europe/Budapest", days="Mon-Fri", open="08:00", close="18:00")
    >>> from datetime import datetime, timezone
    >>> oh.is_open(datetime(2026, 5, 16, 10, 0, tzinfo=timezone.utc))   # a Saturday
    False
    """

    timezone: str = "Europe/Budapest"
    days: Any = "Mon-Fri"
    open: Any = "08:00"
    close: Any = "18:00"
    holidays: tuple[date, ...] = ()
    label: str | None = None     #: shown to customers instead of the zone name, e.g. "CET"

    def __post_init__(self) -> None:
        try:
            from zoneinfo import ZoneInfo, ZoneInfoNotFoundError
        except ImportError:  # pragma: no cover
            raise ConfigError(Errors.E568) from None
        try:
            object.__setattr__(self, "_tz", ZoneInfo(str(self.timezone)))
        except (ZoneInfoNotFoundError, ValueError):
            raise ConfigError(Errors.E569, timezone=self.timezone) from None
        object.__setattr__(self, "days", _parse_days(self.days))
        object.__setattr__(self, "open", _parse_time(self.open, "opening_hours.open"))
        object.__setattr__(self, "close", _parse_time(self.close, "opening_hours.close"))
        if self.close <= self.open:
            raise ConfigError(Errors.E555, close=self.close, open=self.open)
        hol = []
        for h in self.holidays:
            try:
                hol.append(h if isinstance(h, date) else date.fromisoformat(str(h)))
            except ValueError:
                raise ConfigError(Errors.E574, h=h) from None
        object.__setattr__(self, "holidays", tuple(hol))

    @property
    def tz(self) -> Any:
        return self._tz  # type: ignore[attr-defined]

    @property
    def tz_label(self) -> str:
        return self.label or str(self.timezone)

    def local(self, now: datetime) -> datetime:
        """``now`` in the team's time zone (naive datetimes are taken as UTC)."""
        if now.tzinfo is None:
            from datetime import timezone as _tz
            now = now.replace(tzinfo=_tz.utc)
        return now.astimezone(self.tz)

    def _open_day(self, d: date) -> bool:
        return d.weekday() in self.days and d not in self.holidays

    def is_open(self, now: datetime) -> bool:
        loc = self.local(now)
        return self._open_day(loc.date()) and self.open <= loc.time() < self.close

    def next_open(self, now: datetime) -> datetime:
        """The next moment the team is open (``now`` itself when open)."""
        loc = self.local(now)
        if self.is_open(loc):
            return loc
        d = loc.date()
        if self._open_day(d) and loc.time() < self.open:
            return datetime.combine(d, self.open, tzinfo=self.tz)
        for k in range(1, 400):
            nd = d + timedelta(days=k)
            if self._open_day(nd):
                return datetime.combine(nd, self.open, tzinfo=self.tz)
        raise ConfigError(Errors.E548)

    def add_business_minutes(self, now: datetime, minutes: int) -> datetime:
        """``now`` + ``minutes`` counted only while the team is open (local time)."""
        t = self.next_open(now)
        left = timedelta(minutes=minutes)
        for _ in range(800):
            end_today = datetime.combine(t.date(), self.close, tzinfo=self.tz)
            room = end_today - t
            if left <= room:
                return t + left
            left -= room
            t = self.next_open(end_today + timedelta(seconds=1))
        raise ConfigError(Errors.E549)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "OpeningHours":
        return _from_dict(cls, data, "drafting.opening_hours")


@dataclass
class DraftSettings:
    """Brand voice and channel policies for drafts.

    - ``formality``: "formal" (always Sie/Ön/Vi), "informal" (always du/te/ti), or "mirror"
      (follow the customer's register; ``default_register`` when it cannot be told).
    - ``emoji_allowed``: keep emoji from templates (never added to replies to unhappy customers).
    - ``sign_off``: "name" (agent's name and team), "initials" (``^AK``), "team" (team name only).
    - ``team_name``: a text, or a mapping language -> text ("*" for the rest).
    - ``words_to_avoid``: brand words the tone checker flags (same pattern syntax as the lexicons).
    - ``channels``: per channel ``ChannelPolicy`` (merged over the defaults: twitter 30 min / 280
      characters / public, facebook 60 min / public, email 24 h, ...); ``default_channel`` when none is given.
    - ``opening_hours``: ``OpeningHours`` (IANA time zone).
    - ``support_email``/``support_phone``: offered when a matter needs e-mail or phone: an escalation,
      or an entry tagged with one of ``contact_offer_tags``; of these, ``contact_offer_problem_tags``
      only when something is wrong (a negative mood or a situation): "Can I pay with PayPal?" gets no
      hotline number.
    - ``no_order_categories``: FAQ categories whose matters are not an order (unanswered messages,
      the account, personal data): on a public channel the private-message invitation then does not
      ask for an order number.
    - ``answer_on_suggest``: draft the best answer also when the match is only "suggest"
      (default True): the draft is marked ``review`` and its notes tell the agent what to check
      and the alternatives; False acknowledges instead and lets the agent pick.
    - ``answer_on_suggest_above``: ... only when the match's confidence (P(right)) is at least this
      (default 0.3); below it the draft acknowledges and the notes list the suggestions. On the
      realistic set, 6 of the 9 suggest-band matches below 0.3 were questions the FAQ does not answer
      (2 right, 1 wrong entry); between 0.3 and 0.5, 22 of 34 were right.
    - ``keep_latin``: words kept in Latin script when a reply is written in Serbian Cyrillic
      (brand and product names, added to the built-in list: Apple Pay, PayPal, Mastercard, DHL, ...).
    - ``close_languages``: per customer language, languages its readers read without translation,
      in order of preference. When an answer is missing in the customer's language, the first of
      these the entry has is used before machine translation or the corpus default language.
      Default: Bosnian, Croatian and Serbian for each other (the detector cannot always tell them
      apart, see models/langid/README.md); ``{}`` turns it off.
    - ``answer_in_other_language``: when the answer is missing in the customer's language (and in
      its close languages) and no translation is available (no translator, or it failed): False
      (default) drafts a holding reply
      in the customer's language and puts the entry and the languages it has in the notes; True
      drafts the answer in another language the entry has (the corpus default first).
    - ``overdue_reply``: when the customer has already waited longer than a normal timeline (the
      situation qualifier ``overdue``: "three weeks", "fourth e-mail") and the answer would recite
      that timeline ("usually 2-4 working days"), replace it with a line saying this takes too long
      and the case is being checked (default True).
    """

    formality: str = "mirror"
    default_register: str = "formal"
    emoji_allowed: bool = False
    sign_off: str = "name"
    words_to_avoid: tuple[str, ...] = ()
    team_name: Any = field(default_factory=lambda: {
        "en": "Customer Support", "de": "Kundenservice", "hu": "Ügyfélszolgálat",
        "sr": "Korisnička podrška", "hr": "Korisnička podrška", "bs": "Korisnička podrška"})
    support_email: str | None = None
    support_phone: str | None = None
    channels: Mapping[str, Any] = field(default_factory=dict)
    default_channel: str = "email"
    opening_hours: Any = None
    answer_on_suggest: bool = True
    answer_on_suggest_above: float = 0.3
    answer_in_other_language: bool = False
    overdue_reply: bool = True
    keep_latin: tuple[str, ...] = ()
    empathy: bool = True
    history_reference: bool = True
    contact_offer_tags: tuple[str, ...] = ("payment", "account", "refund", "complaint", "legal", "privacy", "gdpr", "fraud")
    contact_offer_problem_tags: tuple[str, ...] = ("payment", "account")
    no_order_categories: tuple[str, ...] = ("service", "account", "privacy")
    close_languages: Mapping[str, Any] = field(default_factory=lambda: {
        "bs": ("hr", "sr"), "hr": ("bs", "sr"), "sr": ("bs", "hr")})

    def __post_init__(self) -> None:
        if self.formality not in FORMALITY:
            raise ConfigError(Errors.E556, FORMALITY=FORMALITY, formality=self.formality)
        if self.default_register not in REGISTERS:
            raise ConfigError(Errors.E557, REGISTERS=REGISTERS, default_register=self.default_register)
        if self.sign_off not in SIGN_OFF:
            raise ConfigError(Errors.E558, SIGN_OFF=SIGN_OFF, sign_off=self.sign_off)
        for name in ("emoji_allowed", "answer_on_suggest", "empathy", "history_reference", "answer_in_other_language",
                     "overdue_reply"):
            if not isinstance(getattr(self, name), bool):
                raise ConfigError(Errors.E570, name=name, value=getattr(self, name))
        v = self.answer_on_suggest_above
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not 0.0 <= float(v) <= 1.0:
            raise ConfigError(Errors.E578, value=v)
        self.answer_on_suggest_above = float(v)
        if isinstance(self.words_to_avoid, str) or not all(isinstance(w, str) and w.strip() for w in self.words_to_avoid):
            raise ConfigError(Errors.E559)
        self.words_to_avoid = tuple(self.words_to_avoid)
        if isinstance(self.keep_latin, str) or not all(isinstance(w, str) and w.strip() for w in self.keep_latin):
            raise ConfigError(Errors.E560)
        self.keep_latin = tuple(self.keep_latin)
        self.contact_offer_tags = tuple(self.contact_offer_tags)
        self.contact_offer_problem_tags = tuple(self.contact_offer_problem_tags)
        self.no_order_categories = tuple(self.no_order_categories)
        self.close_languages = _close_languages(self.close_languages)
        if isinstance(self.team_name, Mapping):
            if not self.team_name or not all(isinstance(v, str) and v.strip() for v in self.team_name.values()):
                raise ConfigError(Errors.E571)
            self.team_name = dict(self.team_name)
        elif not isinstance(self.team_name, str) or not self.team_name.strip():
            raise ConfigError(Errors.E572)
        for name in ("support_email", "support_phone"):
            v = getattr(self, name)
            if v is not None and (not isinstance(v, str) or not v.strip()):
                raise ConfigError(Errors.E573, name=name)
        if self.support_email and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", self.support_email):
            raise ConfigError(Errors.E561, support_email=self.support_email)
        if not isinstance(self.channels, Mapping):
            raise ConfigError(Errors.E562)
        merged = dict(DEFAULT_CHANNELS)
        for name, pol in self.channels.items():
            key = _channel_key(str(name))
            if isinstance(pol, ChannelPolicy):
                merged[key] = pol
            elif isinstance(pol, Mapping):
                base = dataclasses.asdict(merged.get(key, ChannelPolicy()))
                base.update(pol)
                merged[key] = ChannelPolicy.from_dict(base)
            else:
                raise ConfigError(Errors.E575, name=name, pol_type=type(pol).__name__)
        self.channels = merged
        dk = _channel_key(self.default_channel)
        if dk not in merged:
            raise ConfigError(Errors.E563, default_channel=self.default_channel, merged=sorted(merged))
        self.default_channel = dk
        if self.opening_hours is None:
            self.opening_hours = OpeningHours()
        elif isinstance(self.opening_hours, Mapping):
            self.opening_hours = OpeningHours.from_dict(self.opening_hours)
        elif not isinstance(self.opening_hours, OpeningHours):
            raise ConfigError(Errors.E576)

    def team_for(self, language: str | None) -> str:
        """The team name to sign with in ``language`` (``team_name`` may map languages to names)."""
        if isinstance(self.team_name, str):
            return self.team_name
        for k in (language, "*", "en"):
            if k and k in self.team_name:
                return self.team_name[k]
        return next(iter(self.team_name.values()))

    def channel(self, name: str | None) -> ChannelPolicy:
        """The policy for channel ``name`` (aliases: x -> twitter, e-mail -> email, ...); unknown
        or missing channels get the default channel's policy."""
        if not name:
            return self.channels[self.default_channel]
        return self.channels.get(_channel_key(name), self.channels[self.default_channel])

    def channel_name(self, name: str | None) -> str:
        key = _channel_key(name) if name else self.default_channel
        return key if key in self.channels else self.default_channel

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "DraftSettings":
        """Build from the ``[drafting]`` section (unknown keys are a ``ConfigError``)."""
        return _from_dict(cls, data, "drafting")


def _channel_key(name: str) -> str:
    k = name.strip().lower()
    return CHANNEL_ALIASES.get(k, k)


def _from_dict(cls: type, data: Mapping[str, Any], section: str) -> Any:
    kw = checked_fields(cls, data, section)
    for k in ("words_to_avoid", "holidays", "contact_offer_tags", "contact_offer_problem_tags", "no_order_categories",
              "keep_latin"):
        if k in kw and isinstance(kw[k], list):
            kw[k] = tuple(kw[k])
    try:
        return cls(**kw)
    except TypeError as exc:
        raise ConfigError(Errors.E011, name=section, exc=exc) from None


_LANG_CODE = re.compile(r"[a-z]{2,3}")


def _close_languages(value: Any) -> dict[str, tuple[str, ...]]:
    """Validate ``drafting.close_languages``: language code -> list of language codes."""
    hint = ('drafting.close_languages must map a language code to a list of codes, e.g. '
            '{"bs": ["hr", "sr"]}')
    if not isinstance(value, Mapping):
        raise ConfigError(Errors.E550, hint=hint, value_type=type(value).__name__)
    out: dict[str, tuple[str, ...]] = {}
    for lang, close in value.items():
        if isinstance(close, str):
            close = (close,)
        if not isinstance(lang, str) or not _LANG_CODE.fullmatch(lang) or not isinstance(close, (list, tuple)) \
                or not all(isinstance(c, str) and _LANG_CODE.fullmatch(c) and c != lang for c in close):
            raise ConfigError(Errors.E564, hint=hint, lang=lang, close=close)
        out[lang] = tuple(close)
    return out
