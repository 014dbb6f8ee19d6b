"""Dynamic micro-batching of suggest requests on one worker.

Concurrent ``POST /v1/suggest`` requests (and batch requests, and webhook work) are handed to ONE
inference thread, which gathers them into one ``ReplyAssistant.suggest_many`` call (one batched
encode for all of them) and gives every request exactly its own results back:

- **Bounded batch**: at most ``max_batch`` messages per model call. A request is never split; one
  that would overflow the batch being gathered is carried over to the next one (a request larger
  than ``max_batch`` on its own, e.g. a 64-message batch request, is run alone).
- **Bounded wait, only when it pays**: after the first request of a batch, the thread waits up to
  ``max_wait_ms`` for more, but only while requests are *announced* (an HTTP suggest request has
  arrived at the worker and is being read or validated, see :class:`AnnounceMiddleware`) and not
  yet submitted. A lone request, with nothing else arriving, is run at once: no added latency on
  the single-request path.
- **Errors isolated per request**: the model call uses ``on_error="return"``, so a bad message
  (empty, wrong type) gets its :class:`~replyassist.errors.ReplyAssistError` in its own place. If
  the batched call raises anyway (a bug), the batch is re-run one message at a time and only the
  message that fails gets an :class:`InternalFailure`; the others get their suggestions.
- **Results independent of the batch**: ``suggest_many`` scores each message on its own, so a
  message gets the same suggestion alone or in any batch (``tests/test_service_batching.py``
  compares the JSON of concurrent and sequential requests byte for byte, timings aside).
- Requests that timed out (their future was cancelled) before their batch started are not computed.

>>> import asyncio
>>> b = MicroBatcher(lambda xs: [x.upper() for x in xs], max_batch=8, max_wait_ms=2).start()
>>> asyncio.run(b.submit(["hol van", "wo bleibt"]))
['HOL VAN', 'WO BLEIBT']
>>> b.stop()
"""
from __future__ import annotations

import asyncio
import logging
import queue
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable, Generic, MutableMapping, Optional, Sequence, TypeVar

from ..errors import ReplyAssistError

__all__ = ["MicroBatcher", "InternalFailure", "BatchStats", "AnnounceMiddleware"]

log = logging.getLogger("replyassist.service")

T = TypeVar("T")
R = TypeVar("R")

#: scope key set by :class:`AnnounceMiddleware` while a request is announced and not yet submitted
SCOPE_KEY = "replyassist.announced"


class InternalFailure(Exception):
    """An unexpected exception while suggesting one message (a bug: logged, answered as E610)."""


@dataclass(frozen=True)
class BatchStats:
    """One model call: how many requests and messages it served and how long it waited to gather them."""

    requests: int
    messages: int
    waited_s: float
    compute_s: float


@dataclass
class _Item(Generic[T]):
    items: list[T]
    loop: asyncio.AbstractEventLoop
    fut: "asyncio.Future[list[Any]]"


_STOP = object()


class MicroBatcher(Generic[T, R]):
    """One inference thread that runs ``compute`` over micro-batches of the submitted items.

    ``compute(items) -> results`` must return one result per item, in order (e.g.
    ``lambda ms: assistant.suggest_many(ms, on_error="return")``); it is only ever called from the
    batcher's thread. ``on_batch(stats)`` is called after every model call (metrics).
    """

    def __init__(self, compute: Callable[[list[T]], Sequence[R]], *, max_batch: int = 32, max_wait_ms: float = 5.0,
                 on_batch: Optional[Callable[[BatchStats], None]] = None, name: str = "replyassist-batcher") -> None:
        if max_batch < 1:
            raise ValueError(f"max_batch must be at least 1, got {max_batch}")
        if max_wait_ms < 0:
            raise ValueError(f"max_wait_ms must be >= 0, got {max_wait_ms}")
        self.compute = compute
        self.max_batch = max_batch
        self.max_wait_s = max_wait_ms / 1000.0
        self.on_batch = on_batch
        self.name = name
        self._q: "queue.Queue[Any]" = queue.Queue()
        self._thread: Optional[threading.Thread] = None
        #: requests announced (arrived, being read/validated) and not yet submitted; changed on the
        #: event loop's thread only, read by the batcher's thread
        self._announced = 0

    # -- lifecycle -------------------------------------------------------------------------------

    def start(self) -> "MicroBatcher[T, R]":
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name=self.name, daemon=True)
            self._thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        if self._thread is not None:
            self._q.put(_STOP)
            self._thread.join(timeout)
            self._thread = None

    @property
    def alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    # -- announcing ------------------------------------------------------------------------------

    @property
    def announced(self) -> int:
        """Requests that have arrived and will submit soon (the batcher waits for them, boundedly)."""
        return self._announced

    def announce(self) -> None:
        """A suggest request has arrived (call on the event loop's thread); pair with :meth:`withdraw`."""
        self._announced += 1

    def withdraw(self) -> None:
        """The announced request has submitted, or ended without submitting (e.g. refused as invalid)."""
        self._announced = max(0, self._announced - 1)

    # -- submitting ------------------------------------------------------------------------------

    async def submit(self, items: Sequence[T], *, scope: Optional[MutableMapping[str, Any]] = None) -> list[Any]:
        """The results of ``items``, in order: each a result of ``compute``, the
        :class:`~replyassist.errors.ReplyAssistError` it returned or raised for that item, or an
        :class:`InternalFailure`. ``scope``: the ASGI scope of an announced request (withdrawn now)."""
        if not self.alive:
            raise RuntimeError("the micro-batcher is not running")
        loop = asyncio.get_running_loop()
        fut: "asyncio.Future[list[Any]]" = loop.create_future()
        if scope is not None and scope.pop(SCOPE_KEY, False):
            self.withdraw()  # before queueing: the batcher must not wait for the request it already has
        self._q.put(_Item(list(items), loop, fut))
        return await fut

    # -- the inference thread --------------------------------------------------------------------

    def _gather(self, first: _Item[T], carry: list[Any]) -> tuple[list[_Item[T]], bool, float]:
        """The batch that starts with ``first``: (items, stop requested, seconds waited)."""
        batch, n = [first], len(first.items)
        stop, waited = False, 0.0
        deadline = time.perf_counter() + self.max_wait_s
        while n < self.max_batch:
            try:
                nxt = self._q.get_nowait()
            except queue.Empty:
                # nothing queued: wait (boundedly) only if more requests have arrived at the worker
                remaining = deadline - time.perf_counter()
                if self._announced <= 0 or remaining <= 0:
                    break
                t0 = time.perf_counter()
                try:
                    nxt = self._q.get(timeout=min(remaining, 0.001))  # re-check the announced count each ms
                except queue.Empty:
                    waited += time.perf_counter() - t0
                    continue
                waited += time.perf_counter() - t0
            if nxt is _STOP:
                stop = True
                break
            if n + len(nxt.items) > self.max_batch:
                carry.append(nxt)  # never split a request, never exceed max_batch: it starts the next batch
                break
            batch.append(nxt)
            n += len(nxt.items)
        return batch, stop, waited

    def _loop(self) -> None:
        carry: list[Any] = []
        while True:
            first = carry.pop(0) if carry else self._q.get()
            if first is _STOP:
                return
            batch, stop, waited = self._gather(first, carry)
            live = [it for it in batch if not it.fut.cancelled()]  # timed-out requests are not computed
            flat = [x for it in live for x in it.items]
            t0 = time.perf_counter()
            results = self._run(flat) if flat else []
            compute_s = time.perf_counter() - t0
            i = 0
            for it in live:
                chunk = results[i:i + len(it.items)]
                i += len(it.items)
                try:
                    it.loop.call_soon_threadsafe(_deliver, it.fut, chunk)
                except RuntimeError:  # the event loop is closed (shutting down)
                    pass
            if self.on_batch is not None and flat:
                try:
                    self.on_batch(BatchStats(len(live), len(flat), waited, compute_s))
                except Exception:  # metrics must never stop the batcher
                    log.exception("on_batch callback failed")
            if stop:
                return

    def _run(self, flat: list[T]) -> list[Any]:
        """``compute(flat)``; if it raises, item by item, so one bad item never fails the others."""
        try:
            out = list(self.compute(flat))
            if len(out) == len(flat):
                return out
            log.error("compute returned %d results for %d items; retrying one by one", len(out), len(flat))
        except Exception as exc:
            if len(flat) == 1:
                return [_failed(exc)]
            log.exception("a batch of %d failed; retrying one by one", len(flat))
        return [self._one(x) for x in flat]

    def _one(self, x: T) -> Any:
        try:
            r = list(self.compute([x]))
            if len(r) == 1:
                return r[0]
            log.error("compute returned %d results for one item", len(r))
            return InternalFailure("wrong number of results")
        except Exception as exc:
            return _failed(exc)


def _failed(exc: Exception) -> Any:
    """The result of an item whose compute raised: its library error, or an InternalFailure (logged)."""
    if isinstance(exc, ReplyAssistError):
        return exc
    log.error("suggest failed on one message", exc_info=exc)
    return InternalFailure(type(exc).__name__)


def _deliver(fut: "asyncio.Future[list[Any]]", chunk: list[Any]) -> None:
    if not fut.done():
        fut.set_result(chunk)


class AnnounceMiddleware:
    """Pure ASGI middleware: announces ``POST`` requests to ``paths`` to the batcher when they arrive.

    The endpoint withdraws the announcement when it submits (``batcher.submit(..., scope=request.scope)``);
    a request that ends without submitting (refused as invalid, too large, unauthenticated) is
    withdrawn here. So the batcher knows that more requests are coming while it gathers a batch."""

    def __init__(self, app: Any, batcher: MicroBatcher[Any, Any], paths: Sequence[str]) -> None:
        self.app = app
        self.batcher = batcher
        self.paths = frozenset(paths)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope.get("method") != "POST" or scope.get("path") not in self.paths:
            await self.app(scope, receive, send)
            return
        scope[SCOPE_KEY] = True
        self.batcher.announce()
        try:
            await self.app(scope, receive, send)
        finally:
            if scope.pop(SCOPE_KEY, False):
                self.batcher.withdraw()
