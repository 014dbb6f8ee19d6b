"""The one place that touches the models of a worker: the model lock and the inference thread.

Every model call of a worker (suggestions, detect, reload, gap jobs, the desk) holds
``runner.lock``. Suggestions are computed on ONE inference thread, the runner's
:class:`~replyassist.service.batching.MicroBatcher`, which gathers concurrent requests (from
``/v1/suggest``, ``/v1/suggest/batch``, the webhooks and the desk) into one
``suggest_many(..., on_error="return")`` call of the *current* assistant (after reloads). So

- nothing in the library is used from two threads at once (the lock), and
- a message's result does not depend on the batch it lands in (``suggest_many`` scores each
  message on its own; ``tests/test_service_batching.py`` checks concurrent against sequential).

>>> import asyncio
>>> class Upper:  # stands in for a ReplyAssistant
...     def suggest_many(self, ms, on_error="raise"):
...         return [m["text"].upper() for m in ms]
>>> r = ModelRunner(Upper()).start()
>>> asyncio.run(r.suggest([{"text": "hol van"}, {"text": "wo bleibt"}]))
['HOL VAN', 'WO BLEIBT']
>>> r.stop()
"""
from __future__ import annotations

import logging
import threading
from typing import Any, Callable, MutableMapping, Optional, Sequence

from .batching import BatchStats, InternalFailure, MicroBatcher

__all__ = ["ModelRunner", "InternalFailure"]

log = logging.getLogger("replyassist.service")


class _Locked:
    """Proxy whose method calls hold ``lock`` (for the gap analysis, which runs on its own thread)."""

    def __init__(self, obj: Any, lock: Any) -> None:
        self._obj = obj
        self._lock = lock

    def __getattr__(self, name: str) -> Any:
        v = getattr(self._obj, name)
        if not callable(v):
            return v
        lock = self._lock

        def call(*a: Any, **k: Any) -> Any:
            with lock:
                return v(*a, **k)
        return call


class ModelRunner:
    """Owns the :class:`~replyassist.ReplyAssistant` of this worker, its lock and its inference thread.

    ``micro_batch`` / ``batch_wait_ms``: the batcher's bounds (docs/service.md, "Concurrency and
    micro-batching"); ``on_batch(stats)`` is called after every model call (metrics).
    """

    def __init__(self, assistant: Any, *, micro_batch: int = 32, batch_wait_ms: float = 5.0,
                 on_batch: Optional[Callable[[BatchStats], None]] = None) -> None:
        self.lock = threading.RLock()
        self._assistant = assistant
        self.generation = 1
        self._reloading = threading.Lock()
        self.batcher: MicroBatcher[dict[str, Any], Any] = MicroBatcher(
            self._suggest_many, max_batch=micro_batch, max_wait_ms=batch_wait_ms, on_batch=on_batch)

    @property
    def assistant(self) -> Any:
        return self._assistant

    @property
    def micro_batch(self) -> int:
        return self.batcher.max_batch

    # -- lifecycle -------------------------------------------------------------------------------

    def start(self) -> "ModelRunner":
        """Start the inference thread (idempotent)."""
        self.batcher.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        self.batcher.stop(timeout)

    @property
    def alive(self) -> bool:
        """The inference thread runs."""
        return self.batcher.alive

    # -- suggest ---------------------------------------------------------------------------------

    def _suggest_many(self, flat: list[dict[str, Any]]) -> list[Any]:
        with self.lock:  # the current assistant (after reloads), on the inference thread
            return list(self._assistant.suggest_many(flat, on_error="return"))

    async def suggest(self, messages: Sequence[dict[str, Any]], *,
                      scope: Optional[MutableMapping[str, Any]] = None) -> list[Any]:
        """Suggestions (or the :class:`ReplyAssistError` / :class:`InternalFailure` of each bad message), in order.

        ``scope``: the ASGI scope of a request announced by ``AnnounceMiddleware`` (withdrawn on submit)."""
        return await self.batcher.submit(messages, scope=scope)

    # -- other model calls -------------------------------------------------------------------------

    def call(self, fn: Callable[..., Any], *a: Any, **k: Any) -> Any:
        """Run ``fn`` holding the model lock (called from a worker thread, not the event loop)."""
        with self.lock:
            return fn(*a, **k)

    def locked(self, obj: Any) -> Any:
        return _Locked(obj, self.lock)

    def reload(self, corpus_dir: str) -> Any:
        """Validate the corpus at ``corpus_dir`` and swap it in; raises CorpusError (old one keeps serving).

        Returns the new assistant. Raises ``RuntimeError`` when a reload is already running."""
        if not self._reloading.acquire(blocking=False):
            raise RuntimeError("reload already running")
        try:
            from ..assistant import ReplyAssistant
            from ..corpus import load_corpus
            corpus = load_corpus(corpus_dir)  # validation: no model needed, requests keep being served
            old = self._assistant
            with self.lock:  # building the index encodes (or reads cached) paraphrase vectors
                new = ReplyAssistant(corpus, old.settings, embedder=old.embedder, translator=old.translator)
                self._assistant = new
                self.generation += 1
            return new
        finally:
            self._reloading.release()
