"""Drafting: replies in the customer's language and register (issue 5).

Public names: :class:`Drafter`, :class:`DraftRequest`, :class:`Draft`, :class:`HistoryItem`,
:class:`DraftSettings`, :class:`ChannelPolicy`, :class:`OpeningHours`, :func:`detect_register`,
:func:`latin_to_cyrillic`, :func:`cyrillic_to_latin`, :func:`render_template`, :func:`channel_length`.
See ``docs/drafting.md`` for the choices made per language.
"""
from __future__ import annotations

from .drafter import Draft, Drafter, DraftRequest, HistoryItem, channel_length
from .locales import asks, get_locale, supported_languages
from .names import NameParts, initials
from .register import RegisterResult, detect_register
from .render import Segment, TemplateSyntaxError, join, placeholder_names, render
from .script import cyrillic_to_latin, has_cyrillic, latin_to_cyrillic
from .settings import CHANNEL_ALIASES, DEFAULT_CHANNELS, ChannelPolicy, DraftSettings, OpeningHours


def render_template(template: str, values: dict, fallback=None) -> str:  # type: ignore[no-untyped-def]
    """Render ``template`` safely (``{name}`` look-ups only; values inserted literally).

    >>> render_template("Hello {name}, {{literal}}", {"name": "{agent_name}"})
    'Hello {agent_name}, {literal}'
    """
    return join(render(template, values, fallback or (lambda n: "")))


__all__ = [
    "asks", "Draft", "Drafter", "DraftRequest", "HistoryItem", "channel_length",
    "DraftSettings", "ChannelPolicy", "OpeningHours", "DEFAULT_CHANNELS", "CHANNEL_ALIASES",
    "RegisterResult", "detect_register", "NameParts", "initials",
    "latin_to_cyrillic", "cyrillic_to_latin", "has_cyrillic",
    "render_template", "render", "join", "placeholder_names", "Segment", "TemplateSyntaxError",
    "get_locale", "supported_languages",
]
