"""Dynamic micro-batching of suggest requests (replyassist/service/batching.py, issue 16).

Concurrent HTTP requests on one worker are gathered into one ``suggest_many`` call; each request
gets exactly its own result, byte for byte the JSON a sequential call gives (timings aside); a
bad message never fails the others; a lone request is not kept waiting; batches stay bounded.
"""
from __future__ import annotations

import asyncio
import re
import threading
import time

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("uvicorn")
httpx = pytest.importorskip("httpx")

from replyassist.errors import ConfigError, ReplyAssistError  # noqa: E402
from replyassist.service.batching import BatchStats, InternalFailure, MicroBatcher  # noqa: E402
from tests.test_service_support import RunningServer  # noqa: E402

# as customers write them: typos, no diacritics, emoji, Cyrillic, two questions in one, a signature
MESSAGES = [
    {"text": "Hol van a csomagom? Mar ket hete varok!!", "customer_name": "Kovács Anna", "channel": "email",
     "agent_name": "Mira K."},
    {"text": "wo bleibt meine bestelung 4711??? seit 10 tagen nix 😡", "channel": "chat",
     "values": {"order_id": "4711"}},
    {"text": "Где је моја поруџбина? Чекам већ недељу дана.", "customer_name": "Марко", "channel": "email"},
    {"text": "gdje je moja posiljka, cekam vec 2 tjedna", "channel": "facebook"},
    {"text": "how long do refunds take? and can i return a opened item", "channel": "twitter"},
    {"text": "Ich habe mein Passwort vergessen und kann mich nicht einloggen. Was tun?\n\nLG Jonas",
     "channel": "email", "customer_name": "Jonas"},
    {"text": "THIS IS THE THIRD TIME I WRITE, WHERE IS MY MONEY???", "channel": "twitter"},
    {"text": "Kako mogu vratiti proizvod? Kupila sam pogresnu velicinu 🙈", "channel": "instagram"},
    {"text": "Do you sell cinema gift cards?", "channel": "chat"},
    {"text": "Bonjour, ma commande est arrivée abîmée, que dois-je faire ?", "channel": "email",
     "customer_name": "Claire"},
    {"text": "thx, got it 👍", "channel": "chat"},
    {"text": "Mogu li platiti pouzećem? I koliko košta dostava u BiH?", "channel": "forum"},
]
BAD = {"text": "   \n  ", "channel": "chat"}  # empty after cleaning: E101, in its own place


def _strip_timings(raw: bytes) -> bytes:
    """The response bytes without the ``"timings_ms": {...}`` object (the only part that varies)."""
    out, n = re.subn(rb'"timings_ms":\{[^{}]*\},?', b"", raw)
    assert n == 1, raw[:200]
    return out


@pytest.fixture(scope="module")
def server(assistant):
    from replyassist.service.app import create_app
    from replyassist.service.config import ServiceConfig
    # a generous gathering window, so that concurrent requests do land in shared batches
    cfg = ServiceConfig(corpus=str(assistant.corpus.path or "faq_corpus/shop"), request_timeout_s=300,
                        micro_batch=16, batch_wait_ms=50)
    app = create_app(cfg, assistant=assistant)
    sizes: list[BatchStats] = []
    batcher = app.state.batcher
    inner = batcher.on_batch

    def record(stats: BatchStats) -> None:
        sizes.append(stats)
        inner(stats)
    batcher.on_batch = record
    with RunningServer(app) as srv:
        srv.app, srv.batches = app, sizes
        yield srv


def test_concurrent_requests_are_batched_and_byte_equal_to_sequential(server):
    """Many concurrent requests vs the same requests one at a time: identical JSON bytes."""
    jobs = [MESSAGES[i % len(MESSAGES)] for i in range(36)] + [BAD, BAD]
    with httpx.Client(base_url=server.url, timeout=300) as c:
        sequential = {}
        for m in MESSAGES + [BAD]:
            r = c.post("/v1/suggest", json=m)
            sequential[m["text"]] = (r.status_code, r.content)
    assert sequential[BAD["text"]][0] == 422 and b'"E101"' in sequential[BAD["text"]][1]
    server.batches.clear()

    async def burst() -> list[httpx.Response]:
        async with httpx.AsyncClient(base_url=server.url, timeout=300,
                                     limits=httpx.Limits(max_connections=len(jobs))) as ac:
            return await asyncio.gather(*(ac.post("/v1/suggest", json=m) for m in jobs))
    responses = asyncio.run(burst())

    assert max(b.messages for b in server.batches) > 1, "concurrent requests were never batched"
    assert sum(b.messages for b in server.batches) == len(jobs)
    assert all(b.messages <= 16 for b in server.batches)
    for m, r in zip(jobs, responses):
        status, raw = sequential[m["text"]]
        assert r.status_code == status, r.text
        if status == 200:
            assert _strip_timings(r.content) == _strip_timings(raw), f"{m['text']!r} differs from its sequential twin"
        else:
            assert r.content == raw  # the error JSON of the bad message, in its own place
    assert server.app.state.batcher.announced == 0


def test_batch_endpoint_is_unchanged_and_mixes_with_single_requests(server):
    with httpx.Client(base_url=server.url, timeout=300) as c:
        alone = c.post("/v1/suggest/batch", json={"messages": MESSAGES[:3] + [BAD]}).json()
    assert alone["count"] == 4 and alone["errors"] == 1
    assert alone["results"][3] == {"ok": False, "error": {"code": "E101", "message": alone["results"][3]["error"]["message"]}}

    async def mixed() -> list[httpx.Response]:
        async with httpx.AsyncClient(base_url=server.url, timeout=300) as ac:
            return await asyncio.gather(ac.post("/v1/suggest/batch", json={"messages": MESSAGES[:3] + [BAD]}),
                                        *(ac.post("/v1/suggest", json=m) for m in MESSAGES[3:9]))
    rs = asyncio.run(mixed())
    got = rs[0].json()
    strip = [{k: v for k, v in r["suggestion"].items() if k != "timings_ms"} if r["ok"] else r for r in got["results"]]
    want = [{k: v for k, v in r["suggestion"].items() if k != "timings_ms"} if r["ok"] else r for r in alone["results"]]
    assert strip == want
    assert all(r.status_code == 200 for r in rs[1:])


def test_invalid_and_refused_requests_do_not_leave_the_batcher_waiting(server):
    """Requests refused before they reach the batcher (bad JSON, wrong types, too long) withdraw their announcement."""
    with httpx.Client(base_url=server.url, timeout=300) as c:
        assert c.post("/v1/suggest", content=b'{"text": "wo ist', headers={"content-type": "application/json"}
                      ).status_code == 400
        assert c.post("/v1/suggest", json={"text": 123}).status_code == 422
        assert c.post("/v1/suggest", json={"text": "x" * 20_000}).status_code == 413
        assert c.post("/v1/suggest/batch", json={"messages": []}).status_code == 422
    assert server.app.state.batcher.announced == 0
    server.batches.clear()
    t0 = time.perf_counter()
    with httpx.Client(base_url=server.url, timeout=300) as c:
        assert c.post("/v1/suggest", json=MESSAGES[0]).status_code == 200
    assert server.batches[-1].waited_s == 0.0  # a lone request is run at once, not after the 50 ms window
    assert time.perf_counter() - t0 < 30


def test_lone_request_is_not_kept_waiting(assistant):
    b = MicroBatcher(lambda ms: assistant.suggest_many(ms, on_error="return"), max_wait_ms=1000).start()
    stats: list[BatchStats] = []
    b.on_batch = stats.append
    try:
        for m in MESSAGES[:3]:
            t0 = time.perf_counter()
            [s] = asyncio.run(b.submit([m]))
            assert time.perf_counter() - t0 < 1.0 and s.match.band
    finally:
        b.stop()
    assert [(x.requests, x.waited_s) for x in stats] == [(1, 0.0)] * 3


def test_one_failing_message_never_fails_the_others(assistant):
    """A batched call that raises (a bug) is re-run message by message; only the culprit gets an InternalFailure."""
    poison = "Где је моја поруџбина? POISON"
    calls: list[int] = []

    def compute(ms):
        calls.append(len(ms))
        if any(m["text"] == poison for m in ms):
            raise RuntimeError("a bug in one message")
        return assistant.suggest_many(ms, on_error="return")

    b = MicroBatcher(compute, max_batch=32, max_wait_ms=2000).start()
    msgs = MESSAGES[:5] + [{"text": poison}, BAD] + MESSAGES[5:8]

    async def run():
        for _ in msgs:  # the requests have arrived: the batcher waits for all of them
            b.announce()
        scopes = [{"replyassist.announced": True} for _ in msgs]
        return await asyncio.gather(*(b.submit([m], scope=s) for m, s in zip(msgs, scopes)))
    try:
        got = [r for [r] in asyncio.run(run())]
    finally:
        b.stop()
    assert calls[0] == len(msgs), calls  # one batch of all of them, then one by one
    assert isinstance(got[5], InternalFailure)
    assert isinstance(got[6], ReplyAssistError) and got[6].code == "E101"
    want = assistant.suggest_many([m for i, m in enumerate(msgs) if i not in (5, 6)], on_error="return")
    assert [g.to_dict() | {"timings_ms": None} for i, g in enumerate(got) if i not in (5, 6)] == \
        [w.to_dict() | {"timings_ms": None} for w in want]
    assert b.announced == 0


def test_batches_are_bounded_and_requests_never_split():
    seen: list[list[str]] = []
    gate = threading.Event()

    def compute(xs):
        if not seen:
            gate.wait(10)  # hold the first batch so that the others queue up behind it
        seen.append(list(xs))
        return [x.upper() for x in xs]
    b = MicroBatcher(compute, max_batch=4, max_wait_ms=0).start()
    reqs = [["a"], ["b1", "b2", "b3"], ["c1", "c2"], ["d"], ["e1", "e2", "e3", "e4", "e5", "e6"], ["f"]]

    async def run():
        first = asyncio.ensure_future(b.submit(reqs[0]))
        await asyncio.sleep(0.2)  # the first batch is being computed (held)
        rest = [asyncio.ensure_future(b.submit(r)) for r in reqs[1:]]
        await asyncio.sleep(0.2)
        gate.set()
        return await asyncio.gather(first, *rest)
    try:
        out = asyncio.run(run())
    finally:
        b.stop()
    assert out == [[x.upper() for x in r] for r in reqs]
    assert seen == [["a"], ["b1", "b2", "b3"], ["c1", "c2", "d"], ["e1", "e2", "e3", "e4", "e5", "e6"], ["f"]]


def test_timed_out_requests_are_not_computed():
    seen: list[str] = []
    gate = threading.Event()

    def compute(xs):
        gate.wait(10)
        seen.extend(xs)
        return list(xs)
    b = MicroBatcher(compute, max_wait_ms=0).start()

    async def run():
        first = asyncio.ensure_future(b.submit(["first"]))
        await asyncio.sleep(0.1)
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(b.submit(["gave up"]), 0.1)
        gate.set()
        return await first, await b.submit(["later"])
    try:
        assert asyncio.run(run()) == (["first"], ["later"])
    finally:
        b.stop()
    assert seen == ["first", "later"]


def test_batching_settings_are_checked(tmp_path):
    from replyassist.service.config import ServiceConfig
    assert ServiceConfig(corpus="x").batch_wait_ms == 5.0
    f = tmp_path / "s.toml"
    f.write_text("[service]\nbatch_wait_ms = 2.5\nmicro_batch = 8\n", encoding="utf-8")
    cfg = ServiceConfig.load("x", str(f), env={})
    assert (cfg.batch_wait_ms, cfg.micro_batch) == (2.5, 8)
    for bad in ("-1", "5000", '"fast"', "true"):
        f.write_text(f"[service]\nbatch_wait_ms = {bad}\n", encoding="utf-8")
        with pytest.raises(ConfigError, match="batch_wait_ms"):
            ServiceConfig.load("x", str(f), env={})
    with pytest.raises(ValueError):
        MicroBatcher(lambda xs: xs, max_batch=0)
