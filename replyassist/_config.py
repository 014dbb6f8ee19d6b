"""One check shared by every settings class: a section's keys must be the dataclass's fields."""
from __future__ import annotations

import dataclasses
from typing import Any, Mapping

from .errors import ConfigError


def checked_fields(cls: type, data: Any, section: str) -> dict[str, Any]:
    """``data`` as a dict after checking it is a mapping whose keys are fields of ``cls``.

    >>> from replyassist.matching import MatchSettings
    >>> checked_fields(MatchSettings, {"top_k": 3}, "matching")
    {'top_k': 3}
    """
    if not isinstance(data, Mapping):
        raise ConfigError(f"[{section}] must be a table/mapping, got {type(data).__name__}.")
    valid = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - valid)
    if unknown:
        raise ConfigError(f"Unknown setting(s) {unknown} in [{section}]. Valid keys: {sorted(valid)}.")
    return dict(data)
