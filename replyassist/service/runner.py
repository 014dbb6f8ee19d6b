"""The one place that touches the models: a per-worker inference thread that batches requests.

Every model call of a worker (suggest, detect, reload, gap jobs) holds ``runner.lock``; the
suggestions themselves are computed on one thread, ``replyassist-batcher``, which takes whatever
requests are waiting (up to ``micro_batch`` messages) and runs them as ONE
``suggest_many(..., on_error="return")`` call. So

- nothing in the library is used from two threads at once (the lock), and
- under load the service gets the batch rate of ``suggest_many`` (one encode for many messages),
  while a lone request is run at once, without waiting for company.

A message's result does not depend on the batch it lands in (``suggest_many`` scores each
message on its own; tests/test_service.py checks concurrent against sequential results).
"""
from __future__ import annotations

import asyncio
import logging
import queue
import threading
from typing import Any, Callable, Sequence

from ..errors import ReplyAssistError

__all__ = ["ModelRunner", "InternalFailure"]

log = logging.getLogger("replyassist.service")


class InternalFailure(Exception):
    """An unexpected exception while suggesting one message (a bug: logged, answered as E610)."""


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
    """Owns the :class:`~replyassist.ReplyAssistant` of this worker; see the module docs."""

    def __init__(self, assistant: Any, *, micro_batch: int = 32,
                 on_batch: Callable[[int], None] | None = None) -> None:
        self.lock = threading.RLock()
        self._assistant = assistant
        self.micro_batch = micro_batch
        self.on_batch = on_batch
        self.generation = 1
        self._q: "queue.Queue[Any]" = queue.Queue()
        self._thread: threading.Thread | None = None
        self._reloading = threading.Lock()

    @property
    def assistant(self) -> Any:
        return self._assistant

    # -- lifecycle -------------------------------------------------------------------------------

    def start(self) -> "ModelRunner":
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="replyassist-batcher", daemon=True)
            self._thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        if self._thread is not None:
            self._q.put(None)
            self._thread.join(timeout)
            self._thread = None

    @property
    def alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    # -- suggest ---------------------------------------------------------------------------------

    async def suggest(self, messages: Sequence[dict[str, Any]]) -> list[Any]:
        """Suggestions (or the :class:`ReplyAssistError` / :class:`InternalFailure` of each bad message), in order."""
        loop = asyncio.get_running_loop()
        fut: asyncio.Future = loop.create_future()
        self._q.put((list(messages), loop, fut))
        return await fut

    def _loop(self) -> None:
        while True:
            item = self._q.get()
            if item is None:
                return
            items = [item]
            n = len(item[0])
            stop = False
            while n < self.micro_batch:
                try:
                    nxt = self._q.get_nowait()
                except queue.Empty:
                    break
                if nxt is None:
                    stop = True
                    break
                items.append(nxt)
                n += len(nxt[0])
            live = [it for it in items if not it[2].cancelled()]  # timed-out requests are not computed
            flat = [m for msgs, _, _ in live for m in msgs]
            results = self._compute(flat) if flat else []
            if self.on_batch is not None and flat:
                self.on_batch(len(flat))
            i = 0
            for msgs, loop, fut in live:
                chunk = results[i:i + len(msgs)]
                i += len(msgs)
                try:
                    loop.call_soon_threadsafe(_deliver, fut, chunk)
                except RuntimeError:  # the event loop is closed (shutting down)
                    pass
            if stop:
                return

    def _compute(self, flat: list[dict[str, Any]]) -> list[Any]:
        with self.lock:
            ra = self._assistant
            try:
                return ra.suggest_many(flat, on_error="return")
            except Exception:  # a bug in one message must not fail the others: run them one by one
                log.exception("suggest_many failed on a batch of %d; retrying one by one", len(flat))
            out: list[Any] = []
            for m in flat:
                try:
                    out.append(ra.suggest_many([m], on_error="return")[0])
                except ReplyAssistError as exc:
                    out.append(exc)
                except Exception as exc:
                    log.exception("suggest failed on one message")
                    out.append(InternalFailure(f"{type(exc).__name__}"))
            return out

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


def _deliver(fut: asyncio.Future, chunk: list[Any]) -> None:
    if not fut.done():
        fut.set_result(chunk)
