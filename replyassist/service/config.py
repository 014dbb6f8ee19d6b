"""Service settings: the ``[service]`` table of the settings file, the environment, the command line.

The settings file is the library's (``--settings FILE``, ``.toml``/``.yaml``); the service reads
its own ``[service]`` table (with ``[service.chatwoot]`` and ``[service.zendesk]``) and hands the
rest to :class:`replyassist.Settings`::

    [service]
    api_key_hashes = ["sha256:..."]     # python -m replyassist.service.auth KEY; or api_keys = ["..."]
    max_body_bytes = 1000000
    max_message_chars = 10000
    request_timeout_s = 30
    micro_batch = 32                    # messages per model call, at most
    batch_wait_ms = 5                   # gathering a batch, at most (only while requests arrive)
    [service.chatwoot]
    base_url = "https://chat.example.com"   # api_access_token from REPLYASSIST_CHATWOOT_TOKEN
    [service.zendesk]
    base_url = "https://example.zendesk.com"  # secret from REPLYASSIST_ZENDESK_SECRET

Environment: ``REPLYASSIST_API_KEYS`` (comma-separated), ``REPLYASSIST_CHATWOOT_TOKEN``,
``REPLYASSIST_CHATWOOT_WEBHOOK_TOKEN``, ``REPLYASSIST_ZENDESK_SECRET``,
``REPLYASSIST_ZENDESK_EMAIL``, ``REPLYASSIST_ZENDESK_API_TOKEN``.
"""
from __future__ import annotations

import dataclasses
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from ..errors import ConfigError, Errors
from .auth import hash_key

__all__ = ["ServiceConfig", "ChatwootConfig", "ZendeskConfig", "read_settings_file", "ENV_CONFIG"]

#: Environment variable that carries the resolved config (JSON, keys already hashed) to worker processes.
ENV_CONFIG = "REPLYASSIST_SERVICE_CONFIG"
LOOPBACK = ("127.0.0.1", "localhost", "::1")


@dataclass
class ChatwootConfig:
    """Chatwoot agent bot: where to post the private note, and with which access token."""

    base_url: str = ""
    api_access_token: str = ""
    #: optional shared secret: Chatwoot calls ``.../webhooks/chatwoot?token=...``; others are refused
    webhook_token: str = ""
    #: prefix line of the private note
    note_header: str = "Suggested reply (replyassist, {band}{faq}):"
    timeout_s: float = 10.0


@dataclass
class ZendeskConfig:
    """Zendesk webhook: signing secret, clock skew allowed, and where to add the internal note."""

    secret: str = ""
    max_skew_s: float = 300.0
    base_url: str = ""
    email: str = ""
    api_token: str = ""
    timeout_s: float = 10.0


@dataclass
class ServiceConfig:
    corpus: str
    settings_file: str | None = None
    host: str = "127.0.0.1"
    port: int = 8400
    workers: int = 1
    api_key_hashes: tuple[str, ...] = ()
    max_body_bytes: int = 1_000_000
    max_upload_bytes: int = 20_000_000
    max_message_chars: int = 10_000
    max_batch_messages: int = 64
    #: micro-batching (batching.py): at most this many messages per model call
    micro_batch: int = 32
    #: ... and at most this long (ms) gathering a batch, and only while more requests are arriving
    batch_wait_ms: float = 5.0
    request_timeout_s: float = 30.0
    job_timeout_s: float = 1800.0
    dedupe_size: int = 10_000
    library: dict[str, Any] = field(default_factory=dict)
    chatwoot: ChatwootConfig | None = None
    zendesk: ZendeskConfig | None = None
    #: feedback store of the desk (docs/desk.md): sqlite:///PATH, postgresql://..., "" = none
    #: (``replyassist serve`` without ``--feedback`` uses the default SQLite file, desk.default_feedback_url)
    feedback: str = ""
    #: the matcher learns labelled paraphrases from the store's accepted and corrected choices
    feedback_learn: bool = True
    #: how often (seconds, at most) a worker looks for other workers' new records
    feedback_refresh_s: float = 30.0
    #: retention: records and queue items older than this many days are deleted (0 = kept)
    feedback_retention_days: float = 0.0

    @property
    def auth_enabled(self) -> bool:
        return bool(self.api_key_hashes)

    @classmethod
    def load(cls, corpus: str, settings_file: str | None = None, *, env: Mapping[str, str] | None = None,
             **overrides: Any) -> "ServiceConfig":
        """Resolve settings file + environment + explicit overrides (``None`` overrides are ignored)."""
        env = os.environ if env is None else env
        data = read_settings_file(settings_file) if settings_file else {}
        svc = data.pop("service", None) or {}
        if not isinstance(svc, Mapping):
            raise ConfigError(Errors.E053)
        svc = dict(svc)
        hashes = [str(h) for h in svc.pop("api_key_hashes", []) or []]
        hashes += [hash_key(str(k)) for k in svc.pop("api_keys", []) or []]
        hashes += [hash_key(k.strip()) for k in env.get("REPLYASSIST_API_KEYS", "").split(",") if k.strip()]
        cw = svc.pop("chatwoot", None)
        zd = svc.pop("zendesk", None)
        known = {f.name for f in dataclasses.fields(cls)} - {"corpus", "settings_file", "library", "chatwoot",
                                                             "zendesk", "api_key_hashes"}
        unknown = sorted(set(svc) - known)
        if unknown:
            raise ConfigError(Errors.E005, unknown=unknown, section="service",
                              valid=sorted(known) + ['api_keys', 'api_key_hashes', 'chatwoot', 'zendesk'])
        kw: dict[str, Any] = dict(svc)
        kw.update({k: v for k, v in overrides.items() if v is not None})
        chatwoot = _section(ChatwootConfig, cw, "service.chatwoot", {
            "api_access_token": env.get("REPLYASSIST_CHATWOOT_TOKEN"),
            "webhook_token": env.get("REPLYASSIST_CHATWOOT_WEBHOOK_TOKEN")})
        zendesk = _section(ZendeskConfig, zd, "service.zendesk", {
            "secret": env.get("REPLYASSIST_ZENDESK_SECRET"), "email": env.get("REPLYASSIST_ZENDESK_EMAIL"),
            "api_token": env.get("REPLYASSIST_ZENDESK_API_TOKEN")})
        cfg = cls(corpus=str(corpus), settings_file=str(settings_file) if settings_file else None,
                  api_key_hashes=tuple(dict.fromkeys(hashes)), library=data, chatwoot=chatwoot, zendesk=zendesk,
                  **kw)
        cfg.check()
        return cfg

    def check(self) -> None:
        for name in ("max_body_bytes", "max_upload_bytes", "max_message_chars", "max_batch_messages", "micro_batch",
                     "workers", "port"):
            v = getattr(self, name)
            if not isinstance(v, int) or v < (0 if name == "port" else 1):
                raise ConfigError(Errors.E059, name=name, v=v)
        if self.request_timeout_s <= 0:
            raise ConfigError(Errors.E055)
        if isinstance(self.batch_wait_ms, bool) or not isinstance(self.batch_wait_ms, (int, float)) or \
                not 0 <= self.batch_wait_ms <= 1000:
            raise ConfigError(Errors.E056, batch_wait_ms=self.batch_wait_ms)
        if not isinstance(self.feedback_retention_days, (int, float)) or self.feedback_retention_days < 0:
            raise ConfigError(Errors.E057, feedback_retention_days=self.feedback_retention_days)
        if not isinstance(self.feedback, str):
            raise ConfigError(Errors.E058, feedback=self.feedback)

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self))

    @classmethod
    def from_json(cls, text: str) -> "ServiceConfig":
        d = json.loads(text)
        d["api_key_hashes"] = tuple(d.get("api_key_hashes") or ())
        d["chatwoot"] = ChatwootConfig(**d["chatwoot"]) if d.get("chatwoot") else None
        d["zendesk"] = ZendeskConfig(**d["zendesk"]) if d.get("zendesk") else None
        return cls(**d)


def _section(cls: type, data: Any, name: str, env_values: Mapping[str, str | None]) -> Any:
    present = {k: v for k, v in env_values.items() if v}
    if data is None and not (present.get("api_access_token") or present.get("secret")):
        return None
    if data is not None and not isinstance(data, Mapping):
        raise ConfigError(Errors.E051, name=name)
    valid = {f.name for f in dataclasses.fields(cls)}
    d = dict(data or {})
    unknown = sorted(set(d) - valid)
    if unknown:
        raise ConfigError(Errors.E005, section=name, unknown=unknown, valid=sorted(valid))
    d.update(present)
    return cls(**d)


def read_settings_file(path: str | Path) -> dict[str, Any]:
    """The settings file as a dict (TOML or YAML), with clear errors (``replyassist.settings``)."""
    from ..settings import read_settings_file as _read
    return _read(path)
