"""What every part of :mod:`replyassist.translation` shares: the :class:`Translator` protocol,
language-code normalisation, the English pivot and the errors users see (E301..E303).

>>> _lang("sr-Latn-RS"), _pair("de", "hu")
('sr', 'de→hu')
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Protocol, Sequence, runtime_checkable

from ..errors import Errors, InputError, TranslationError

__all__ = ["Translator", "PIVOT_LANGUAGE", "INSTALL_COMMAND"]

#: Language used as pivot when no direct pack is installed.
PIVOT_LANGUAGE = "en"
#: The command users run to install language packs (``replyassist models install-translation``, cli.py).
INSTALL_COMMAND = "replyassist models install-translation"

_LANG_NAMES = {"en": "English", "de": "German", "hu": "Hungarian", "sr": "Serbian", "hr": "Croatian",
               "bs": "Bosnian", "sl": "Slovenian", "fr": "French", "it": "Italian", "es": "Spanish"}


def _lang(code: str, what: str = "language") -> str:
    """Normalise ``"sr-Latn-RS"`` / ``"DE"`` / ``"de_AT"`` to the ISO 639-1 base code."""
    if not isinstance(code, str) or not code.strip():
        raise InputError(Errors.E135, what=what, given=code)
    base = re.split(r"[-_]", code.strip())[0].lower()
    if not re.fullmatch(r"[a-z]{2,3}", base):
        raise InputError(Errors.E135, what=what, given=code)
    return base


def _pair(source: str, target: str) -> str:
    return f"{source}→{target}"


@runtime_checkable
class Translator(Protocol):
    """A raw machine-translation backend (no protection, no cache: see :class:`SafeTranslator`)."""

    @property
    def model_id(self) -> str: ...

    def supports(self, source: str, target: str) -> bool: ...

    def translate(self, text: str, source: str, target: str) -> str: ...


# --------------------------------------------------------------------------------------------
# Errors (all TranslationError: E301..E303 here, E304 in argos.py, E300 in safe.py)
# --------------------------------------------------------------------------------------------

def _missing_pair_error(source: str, target: str, installed: Sequence[tuple[str, str]] = ()) -> TranslationError:
    have = ", ".join(_pair(a, b) for a, b in sorted(installed)) or "none"
    return TranslationError(Errors.E301, pair=_pair(source, target), via_first=_pair(source, PIVOT_LANGUAGE),
                            via_second=_pair(PIVOT_LANGUAGE, target), have=have, INSTALL_COMMAND=INSTALL_COMMAND,
                            source=source, target=target)


def _offline_error(url: str, detail: str) -> TranslationError:
    return TranslationError(Errors.E302, url=url, detail=detail, INSTALL_COMMAND=INSTALL_COMMAND)


def _bad_package_error(path: Path, detail: str) -> TranslationError:
    return TranslationError(Errors.E303, path=path, detail=detail)
