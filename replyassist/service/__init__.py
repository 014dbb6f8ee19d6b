"""The replyassist HTTP service: reply suggestions over a versioned JSON API, for help desks.

    replyassist serve --corpus faq_corpus/shop            # http://127.0.0.1:8400/docs

Built on FastAPI + uvicorn (``pip install "replyassist[service]"``). The models and the corpus
index are loaded once per worker, before it accepts connections; one inference thread per worker
runs every model call, batching concurrent requests into ``suggest_many`` calls. See
``docs/service.md``.

>>> from replyassist.service import ServiceConfig, create_app      # doctest: +SKIP
>>> app = create_app(ServiceConfig(corpus="faq_corpus/shop"))        # doctest: +SKIP
"""
from __future__ import annotations

from typing import Any

__all__ = ["ServiceConfig", "create_app", "serve"]


def __getattr__(name: str) -> Any:  # lazy: importing the package does not import FastAPI
    if name == "ServiceConfig":
        from .config import ServiceConfig
        return ServiceConfig
    if name == "create_app":
        from .app import create_app
        return create_app
    if name == "serve":
        from .server import serve
        return serve
    raise AttributeError(f"module 'replyassist.service' has no attribute {name!r}")
