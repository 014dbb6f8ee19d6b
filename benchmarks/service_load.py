"""Load benchmark of the HTTP service (issue 16): a bounded run on loopback, from a second process.

    python -m benchmarks.service_load [--n 5000] [--concurrency 1,8,32] [--workers 1,2] [--max-seconds 600]

For each worker count the service is started as users start it (``replyassist serve``, a child
process, on a free 127.0.0.1 port); this process is the client (``httpx.AsyncClient``, C requests
in flight). Each run sends N ``POST /v1/suggest`` requests (realistic messages: the texts and
channels of ``examples/messages_log.csv``, cycled) and stops by itself after N requests or
``--max-seconds``. Reported per run: throughput, p50/p95/p99 latency, errors, RSS of the service
(all its processes) before and after, and throughput as a ratio of the library's own in-process
``suggest_many`` rate measured in this run (same messages, batches of 32). The in-process
``suggest()`` median is measured too: the goal is p50 at concurrency 1 under 2x it.

Traffic goes to 127.0.0.1 only.
"""
from __future__ import annotations

import argparse
import asyncio
import csv
import gc
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def messages() -> list[dict]:
    with open(ROOT / "examples" / "messages_log.csv", encoding="utf-8", errors="replace", newline="") as f:
        rows = [r for r in csv.DictReader(f) if (r.get("text") or "").strip()]
    chan = {"contact_form": "email", "email": "email", "chat": "chat", "twitter": "twitter",
            "facebook": "facebook", "instagram": "instagram", "forum": "forum"}
    return [{"text": r["text"], "channel": chan.get(r.get("channel") or "", None), "agent_name": "Mira K."}
            for r in rows]


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(q * (len(xs) - 1))))] if xs else float("nan")


def rss_tree_mb(pid: int) -> float:
    """Resident memory of a process and all its descendants (MB)."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            for line in open(f"/proc/{p}/status"):
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
            for t in os.listdir(f"/proc/{p}/task"):
                kids = open(f"/proc/{p}/task/{t}/children").read().split()
                todo += [int(k) for k in kids]
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            pass
    return total / 1024


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class InProcess:
    """The library's own rates, in this process: ``suggest()`` latency and the ``suggest_many`` rate.

    Measured before and after the service runs (the machine is shared: its load varies), and the
    better of the two is used for the ratios, so they are not flattered by a slow baseline."""

    def __init__(self, corpus: str, settings: str, msgs: list[dict]) -> None:
        from replyassist import ReplyAssistant
        from replyassist.service.config import read_settings_file
        lib = read_settings_file(settings)
        lib.pop("service", None)
        self.ra = ReplyAssistant.from_corpus(corpus, lib)
        self.msgs = msgs
        for m in msgs[:10]:
            self.ra.suggest_many([m])

    def measure(self, n_single: int, n_batch: int) -> dict:
        msgs, single = self.msgs, []
        for i in range(n_single):
            t0 = time.perf_counter()
            self.ra.suggest_many([msgs[i % len(msgs)]])
            single.append((time.perf_counter() - t0) * 1000)
        batch = [msgs[i % len(msgs)] for i in range(n_batch)]
        t0 = time.perf_counter()
        for i in range(0, len(batch), 32):
            self.ra.suggest_many(batch[i:i + 32], on_error="return")
        rate = len(batch) / (time.perf_counter() - t0)
        return {"single_p50_ms": statistics.median(single), "single_p95_ms": pct(single, 0.95), "batch_rate": rate,
                "load": os.getloadavg()[0]}


def start_service(corpus: str, settings: str, workers: int, log_path: Path) -> tuple[subprocess.Popen, str]:
    import httpx
    port = free_port()
    log = open(log_path, "w")
    env = {k: v for k, v in os.environ.items() if k != "REPLYASSIST_API_KEYS"}
    p = subprocess.Popen([sys.executable, "-m", "replyassist.cli", "serve", "--corpus", corpus, "--settings", settings,
                          "--port", str(port), "--workers", str(workers), "--log-level", "warning"],
                         stdout=log, stderr=subprocess.STDOUT, env=env, cwd=str(ROOT))
    url = f"http://127.0.0.1:{port}"
    pids: set[int] = set()
    t0 = time.time()
    while time.time() - t0 < 1200:
        if p.poll() is not None:
            raise RuntimeError(f"the service exited; see {log_path}")
        try:
            r = httpx.get(url + "/readyz", timeout=5)
            if r.status_code == 200:
                pids.add(r.json()["pid"])
                if len(pids) >= workers:
                    return p, url
                continue
        except httpx.TransportError:
            pass
        time.sleep(0.5)
    p.terminate()
    raise RuntimeError("the service did not become ready")


async def load(url: str, msgs: list[dict], n: int, concurrency: int, max_seconds: float, key: str | None = None) -> dict:
    import httpx
    lat: list[float] = []
    errors: dict[str, int] = {}
    sent = 0
    t_end = time.perf_counter() + max_seconds
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    headers = {"X-API-Key": key} if key else {}
    async with httpx.AsyncClient(base_url=url, timeout=120, limits=limits, headers=headers) as client:
        async def worker() -> None:
            nonlocal sent
            while sent < n and time.perf_counter() < t_end:
                m = msgs[sent % len(msgs)]
                sent += 1
                t0 = time.perf_counter()
                try:
                    r = await client.post("/v1/suggest", json=m)
                    ok = r.status_code == 200
                    key = str(r.status_code)
                except httpx.HTTPError as exc:
                    ok, key = False, type(exc).__name__
                lat.append((time.perf_counter() - t0) * 1000)
                if not ok:
                    errors[key] = errors.get(key, 0) + 1
        t0 = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        wall = time.perf_counter() - t0
    return {"n": len(lat), "wall": wall, "rps": len(lat) / wall, "p50": pct(lat, 0.5), "p95": pct(lat, 0.95),
            "p99": pct(lat, 0.99), "errors": sum(errors.values()), "error_kinds": errors}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=5000, help="requests per run")
    ap.add_argument("--concurrency", default="1,8,32")
    ap.add_argument("--workers", default="1,2")
    ap.add_argument("--max-seconds", type=float, default=600, help="a run stops after this even if N is not reached")
    ap.add_argument("--corpus", default=str(ROOT / "faq_corpus" / "shop"))
    ap.add_argument("--in-process-n", type=int, default=0,
                    help="suggest() calls, and 2x this many messages through suggest_many (default: every message once)")
    ap.add_argument("--cache-dir", default=None, help="vector cache (default: a new temporary folder)")
    ap.add_argument("--api-key", default=None, help="API key of the --url service")
    ap.add_argument("--url", default=None, help="measure a service already running on loopback (one row per "
                                                 "concurrency; --workers is then ignored)")
    a = ap.parse_args()
    if a.url and not a.url.startswith(("http://127.", "http://localhost", "http://[::1]")):
        ap.error("--url must be a loopback address")
    msgs = messages()
    tmp = Path(tempfile.mkdtemp(prefix="ra-load-"))
    settings = tmp / "settings.toml"
    cache = Path(a.cache_dir) if a.cache_dir else tmp / "cache"
    settings.write_text(f'cache_dir = "{cache.as_posix()}"\n[service]\nrequest_timeout_s = 120\n',
                        encoding="utf-8")
    print(f"# service load benchmark: {len(msgs)} distinct messages, N={a.n} per run, "
          f"concurrency {a.concurrency}, workers {a.workers}, cap {a.max_seconds:.0f} s per run\n", flush=True)
    lib = InProcess(a.corpus, str(settings), msgs)

    def show(tag: str, b: dict) -> None:
        print(f"in-process ({tag}, machine load {b['load']:.1f} on {os.cpu_count()} cores): suggest() p50 "
              f"{b['single_p50_ms']:.1f} ms (p95 {b['single_p95_ms']:.1f}); suggest_many (batches of 32) "
              f"{b['batch_rate']:.1f} msg/s", flush=True)
    n_in = a.in_process_n or len(msgs)
    base_before = lib.measure(n_in, 2 * n_in)
    show("before", base_before)
    rows = []
    for w in ([0] if a.url else [int(x) for x in a.workers.split(",")]):
        if a.url:
            import httpx
            proc, url = None, a.url.rstrip("/")
            pid = httpx.get(url + "/readyz", timeout=10).json()["pid"]
        else:
            proc, url = start_service(a.corpus, str(settings), w, tmp / f"serve-{w}.log")
            pid = proc.pid
        try:
            asyncio.run(load(url, msgs, min(50, a.n), 4, a.max_seconds, a.api_key))  # warm-up, not counted
            for c in [int(x) for x in a.concurrency.split(",")]:
                before = rss_tree_mb(pid)
                r = asyncio.run(load(url, msgs, a.n, c, a.max_seconds, a.api_key))
                after = rss_tree_mb(pid)
                r["load"] = os.getloadavg()[0]
                rows.append((w, c, r, before, after))
                print(f"workers {w} concurrency {c}: {r['n']} requests in {r['wall']:.1f} s, {r['rps']:.1f}/s, "
                      f"p50 {r['p50']:.1f} ms, p95 {r['p95']:.1f}, p99 {r['p99']:.1f}, errors {r['errors']} "
                      f"{r['error_kinds'] or ''}, RSS {before:.0f} -> {after:.0f} MB, load average {r['load']:.1f}", flush=True)
        finally:
            if proc is not None:
                proc.terminate()
                try:
                    proc.wait(30)
                except subprocess.TimeoutExpired:
                    proc.kill()
    base_after = lib.measure(n_in, 2 * n_in)
    show("after", base_after)
    base = {"single_p50_ms": min(base_before["single_p50_ms"], base_after["single_p50_ms"]),
            "batch_rate": max(base_before["batch_rate"], base_after["batch_rate"])}
    print(f"baseline used for the ratios (the better of before/after): suggest() p50 {base['single_p50_ms']:.1f} ms, "
          f"suggest_many {base['batch_rate']:.1f} msg/s")
    print("\n| workers | concurrency | requests | seconds | req/s | p50 ms | p95 ms | p99 ms | errors | "
          "RSS before → after MB | ÷ in-process batch rate | machine load (1 min) |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for w, c, r, b, af in rows:
        print(f"| {w} | {c} | {r['n']} | {r['wall']:.1f} | {r['rps']:.1f} | {r['p50']:.1f} | {r['p95']:.1f} | "
              f"{r['p99']:.1f} | {r['errors']} | {b:.0f} → {af:.0f} | {r['rps'] / base['batch_rate']:.2f} | {r['load']:.1f} |")
    c1 = [r for w, c, r, _, _ in rows if c == 1 and w == 1]
    if c1:
        print(f"\nconcurrency 1: p50 {c1[0]['p50']:.1f} ms vs in-process suggest() {base['single_p50_ms']:.1f} ms "
              f"= {c1[0]['p50'] / base['single_p50_ms']:.2f}x (goal < 2x)")
    best = max((r["rps"] for _, _, r, _, _ in rows), default=0)
    print(f"saturation: best {best:.1f} req/s = {best / base['batch_rate']:.2f}x the in-process batch rate (goal >= 0.8x)")
    return 0 if all(r["errors"] == 0 for _, _, r, _, _ in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
