"""``replyassist serve``: resolve the settings, load the models, run uvicorn.

With one worker the corpus and models are loaded in this process before uvicorn binds the port.
With ``--workers N`` uvicorn starts N processes; each loads its own models (``app_from_env``)
before it accepts connections (``/readyz`` says when). Without an API key the service binds to
127.0.0.1 only, whatever ``--host`` says, and says so.
"""
from __future__ import annotations

import logging
import os
import sys
from typing import Any

from .config import ENV_CONFIG, LOOPBACK, ServiceConfig

__all__ = ["serve", "setup_logging"]

log = logging.getLogger("replyassist.service")


def setup_logging(level: int = logging.INFO) -> None:
    if not log.handlers:
        h = logging.StreamHandler(sys.stderr)
        h.setFormatter(logging.Formatter("%(asctime)s replyassist %(levelname)s: %(message)s"))
        log.addHandler(h)
        log.setLevel(level)
        log.propagate = False


def effective_host(config: ServiceConfig) -> tuple[str, str | None]:
    """The host to bind, and a warning when it had to be changed (no API key -> loopback only)."""
    if config.auth_enabled or config.host in LOOPBACK:
        return config.host, None
    return "127.0.0.1", (f"no API key is configured, so the service listens on 127.0.0.1 only (not {config.host}). "
                         "Set REPLYASSIST_API_KEYS or [service] api_key_hashes in the settings file to serve other hosts.")


def serve(config: ServiceConfig, *, log_level: str = "info") -> int:
    import uvicorn
    setup_logging()
    host, warning = effective_host(config)
    if warning:
        log.warning(warning)
    config.host = host
    if config.auth_enabled:
        log.info("API keys: %d configured (stored as SHA-256 digests); every /v1 route and /metrics need one",
                 len(config.api_key_hashes))
    else:
        log.warning("no API key configured: requests are not authenticated (loopback only)")
    common: dict[str, Any] = dict(host=host, port=config.port, log_level=log_level, timeout_keep_alive=30,
                                  server_header=False, proxy_headers=False)
    if config.workers == 1:
        from .app import create_app
        log.info("loading corpus %s and models ...", config.corpus)
        app = create_app(config)  # models first: the port opens only when this worker can answer
        log.info("serving on http://%s:%d (docs: /docs, OpenAPI: /openapi.json)", host, config.port)
        uvicorn.run(app, **common)
    else:
        os.environ[ENV_CONFIG] = config.to_json()
        log.info("starting %d workers; each loads the corpus %s and the models before it accepts connections "
                 "(GET /readyz)", config.workers, config.corpus)
        uvicorn.run("replyassist.service.app:app_from_env", factory=True, workers=config.workers, **common)
    return 0
