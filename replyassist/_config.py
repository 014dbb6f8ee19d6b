"""One check shared by every settings class: a section's keys must be the dataclass's fields."""
from __future__ import annotations

import dataclasses
from typing import Any, Mapping

from .errors import ConfigError, Errors


def checked_fields(cls: type, data: Any, section: str) -> dict[str, Any]:
    """``data`` as a dict after checking it is a mapping whose keys are fields of ``cls``.

    >>> from replyassist.matching import MatchSettings
    >>> checked_fields(MatchSettings, {"top_k": 3}, "matching")
    {'top_k': 3}
    """
    if not isinstance(data, Mapping):
        raise ConfigError(Errors.E004, section=section, data_type=type(data).__name__)
    keys = getattr(cls, "config_keys", None)   # a class with subsections also accepts their flat names
    valid = set(keys()) if callable(keys) else {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - valid)
    if unknown:
        raise ConfigError(Errors.E005, unknown=unknown, section=section, valid=sorted(valid))
    return dict(data)
