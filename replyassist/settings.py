"""Typed settings for the whole pipeline, from code, a dict, or a TOML/YAML file.

Each stage owns its settings class (``MatchSettings`` in ``matching/settings.py``, ``SignalSettings`` in
``signals``, ``DraftSettings`` in ``drafting.py``); this module only names the sections and
checks them up front, so a typo fails at start-up with the list of valid keys, not mid-run.

Backends are named, not imported, so they can be swapped without code changes::

    # replyassist.toml
    embedder = "e5-small"                 # or "minilm", "sentence-transformers:/path/to/model"
    translator = "none"                   # or "argos"
    [matching]
    top_k = 5
    [drafting]
    formality = "mirror"

>>> s = Settings.from_dict({"embedder": "e5-small", "matching": {"top_k": 3}})
>>> s.matching.top_k
3
"""
from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from ._config import checked_fields
from .errors import ConfigError, Errors

__all__ = ["Settings", "load_settings"]

_TRANSLATORS = ("none", "argos")


def _section(cls: type, data: Mapping[str, Any] | None, name: str) -> Any:
    if data is None:
        return cls()
    if isinstance(data, cls):
        return data
    from_dict = getattr(cls, "from_dict", None)
    if callable(from_dict):
        return from_dict(checked_fields(cls, data, name))
    try:
        return cls(**checked_fields(cls, data, name))
    except TypeError as exc:
        raise ConfigError(Errors.E011, name=name, exc=exc) from None


def _match_cls() -> type:
    from .matching import MatchSettings
    return MatchSettings


def _signal_cls() -> type:
    from .signals import SignalSettings
    return SignalSettings


def _draft_cls() -> type:
    from .drafting import DraftSettings
    return DraftSettings


def _gaps_cls() -> type:
    from .gaps import GapSettings
    return GapSettings


@dataclass
class Settings:
    """All settings. Every field has an offline default.

    - ``embedder``: ``"e5-small"`` (default, offline), ``"minilm"``, ``"sentence-transformers:<name|path>"``.
    - ``translator``: ``"none"`` (default) or ``"argos"`` (needs ``replyassist[translate]`` and language packs).
    - ``agent_language``: when set (and a translator is configured), incoming messages in other
      languages are also translated into it for the agent, the original kept beside it.
    - ``cache_dir``: where corpus vectors and the per-text embedding cache live.
    - ``max_message_chars``: longer messages are truncated (and say so), not rejected.
    - ``restrict_languages``: limit language detection to the corpus's languages.
    - ``tone_embeddings``: the impoliteness check also scores the draft's sentences with the
      embedder (TyDiP accuracy en/es/fr 0.880/0.764/0.792 instead of 0.785/0.624/0.656 for the
      word cues alone), at one encode per draft sentence (~7 ms each here).
    - ``bcms_default``: the market default among the corpus's Serbian, Croatian and Bosnian answer
      sets ("sr", "hr", "bs"), used when neither the text nor the customer's language or locale
      says which one a message is written in (the draft's notes say so). ``None``: the text's
      lean or the detector's reading decides.
    - ``match_sentences``: also match the sentences of multi-sentence messages one by one (one
      extra batched encode for those messages): a question inside a complaint is found, and a
      second question gets its own answer (``replyassist.text.question_segments``; measured on
      the realistic message set in ``benchmarks/drafts.py``).
    """

    embedder: str = "e5-small"
    translator: str = "none"
    agent_language: str | None = None
    cache_dir: str | None = None
    max_message_chars: int = 20_000
    restrict_languages: bool = False
    match_sentences: bool = True
    bcms_default: str | None = None
    tone_embeddings: bool = False
    matching: Any = None
    signals: Any = None
    drafting: Any = None
    gaps: Any = None

    def __post_init__(self) -> None:
        if self.translator not in _TRANSLATORS:
            raise ConfigError(Errors.E012, TRANSLATORS=_TRANSLATORS, translator=self.translator)
        if not isinstance(self.max_message_chars, int) or self.max_message_chars < 100:
            raise ConfigError(Errors.E013, max_message_chars=self.max_message_chars)
        if self.bcms_default is not None and self.bcms_default not in ("sr", "hr", "bs"):
            raise ConfigError(Errors.E014, bcms_default=self.bcms_default)
        self.matching = _section(_match_cls(), self.matching, "matching")
        self.signals = _section(_signal_cls(), self.signals, "signals")
        self.drafting = _section(_draft_cls(), self.drafting, "drafting")
        self.gaps = _section(_gaps_cls(), self.gaps, "gaps")

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Settings":
        """Build settings from a dict with the same shape as the TOML file."""
        return cls(**checked_fields(cls, data, "settings"))

    @classmethod
    def from_file(cls, path: str | Path) -> "Settings":
        """Read settings from a ``.toml`` or ``.yaml``/``.yml`` file."""
        return cls.from_dict(read_settings_file(path))


def read_settings_file(path: str | Path) -> dict[str, Any]:
    """The mapping in a ``.toml`` or ``.yaml``/``.yml`` settings file, with clear errors (shared by
    :meth:`Settings.from_file` and the service's ``[service]`` table)."""
    p = Path(path)
    if not p.is_file():
        raise ConfigError(Errors.E008, p=p)
    try:
        text = p.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        line = p.read_bytes()[: exc.start].count(b"\n") + 1
        raise ConfigError(Errors.E015, p=p, byte=exc.object[exc.start], line=line) from None
    try:
        if p.suffix == ".toml":
            if sys.version_info >= (3, 11):
                import tomllib
            else:  # pragma: no cover
                import tomli as tomllib  # type: ignore[import-not-found,no-redef,unused-ignore]
            data = tomllib.loads(text)
        else:
            import yaml
            data = yaml.safe_load(text) or {}
    except Exception as exc:
        raise ConfigError(Errors.E016, p=p, exc=exc) from None
    if not isinstance(data, Mapping):
        raise ConfigError(Errors.E009, p=p)
    return dict(data)


def load_settings(source: "Settings | Mapping[str, Any] | str | Path | None") -> Settings:
    """Settings from an instance, a dict, a file path, or ``None`` (defaults)."""
    if source is None:
        return Settings()
    if isinstance(source, Settings):
        return source
    if isinstance(source, Mapping):
        return Settings.from_dict(source)
    if not isinstance(source, (str, Path)):
        raise ConfigError(Errors.E010, source_type=type(source).__name__)
    return Settings.from_file(source)
