"""Load benchmark of the HTTP service (issue 16): a bounded run on loopback, from a second process.

    python -m benchmarks.service_load [--n 5000] [--concurrency 1,8,32] [--workers 1,2] [--max-seconds 600]
        [--variant after] [--variant before:root=/path/to/old/checkout] [--variant omp1:OMP_NUM_THREADS=1]
        [--slices 5] [--out benchmarks/results/service_load.md]

For each worker count the service is started as users start it (``replyassist serve``, a child
process, on a free 127.0.0.1 port), once per *variant* (a label, optionally another checkout to
serve from, and environment variables of the service, e.g. ``OMP_NUM_THREADS=1``); this process is
the client (``httpx.AsyncClient``, C requests in flight). Each row sends N ``POST /v1/suggest``
requests (realistic messages: the texts and channels of ``examples/messages_log.csv``, cycled) and
stops by itself after N requests or ``--max-seconds``.

**Interleaved baseline.** The machine is shared, and its load moves within minutes, so the
library's own rates are measured *between* the service slices: each (workers, concurrency) group
runs in ``--slices`` rounds, and a round sends N/slices requests to every variant (in rotating
order) and then measures, in this process with the service idle, ``suggest()`` on single messages
and ``suggest_many`` in batches of 32 over the same messages. Each row's ratios divide by the
rates of its own group's rounds, so service and library saw the same machine.

Reported per row: throughput, p50/p95/p99 latency, errors, RSS of the service (all its
processes) before and after, messages per model call (one worker: from ``/metrics``), throughput
÷ the interleaved ``suggest_many`` rate (goal ≥ 0.8 at saturation), p50 ÷ the interleaved
``suggest()`` p50 (goal < 2 at concurrency 1), and the 1-minute load average.

Traffic goes to 127.0.0.1 only.
"""
from __future__ import annotations

import argparse
import asyncio
import csv
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
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
    """The library's own rates, in this process: ``suggest()`` latency and the ``suggest_many`` rate."""

    def __init__(self, corpus: str, settings: str, msgs: list[dict]) -> None:
        from replyassist import ReplyAssistant
        from replyassist.service.config import read_settings_file
        lib = read_settings_file(settings)
        lib.pop("service", None)
        self.ra = ReplyAssistant.from_corpus(corpus, lib)
        self.msgs = msgs
        self.pos = 0
        for m in msgs[:10]:
            self.ra.suggest_many([m])

    def measure(self, n_single: int, n_batch: int) -> tuple[list[float], int, float]:
        """(``suggest()`` times in ms, messages through ``suggest_many``, seconds they took)."""
        msgs, single = self.msgs, []
        for _ in range(n_single):
            m = msgs[self.pos % len(msgs)]
            self.pos += 1
            t0 = time.perf_counter()
            self.ra.suggest_many([m])
            single.append((time.perf_counter() - t0) * 1000)
        batch = [msgs[(self.pos + i) % len(msgs)] for i in range(n_batch)]
        self.pos += n_batch
        t0 = time.perf_counter()
        for i in range(0, len(batch), 32):
            self.ra.suggest_many(batch[i:i + 32], on_error="return")
        return single, len(batch), time.perf_counter() - t0


@dataclass
class Variant:
    label: str
    root: Path = ROOT
    env: dict[str, str] = field(default_factory=dict)

    @classmethod
    def parse(cls, spec: str) -> "Variant":
        """``label[:root=DIR][:NAME=VALUE...]``"""
        label, *parts = spec.split(":")
        v = cls(label)
        for p in parts:
            k, _, val = p.partition("=")
            if not _:
                raise ValueError(f"variant part {p!r} is not NAME=VALUE")
            if k == "root":
                v.root = Path(val).resolve()
            else:
                v.env[k] = val
        return v

    def describe(self) -> str:
        bits = [] if self.root == ROOT else [f"served from {self.root}"]
        bits += [f"{k}={v}" for k, v in self.env.items()]
        return ", ".join(bits) or "this checkout, default environment"


def start_service(corpus: str, settings: str, workers: int, log_path: Path, variant: Variant
                  ) -> tuple[subprocess.Popen, str]:
    import httpx
    port = free_port()
    log = open(log_path, "w")
    env = {k: v for k, v in os.environ.items() if k != "REPLYASSIST_API_KEYS"}
    env.update(variant.env)
    # `python -m` puts the working directory first on sys.path: the variant's checkout is served
    p = subprocess.Popen([sys.executable, "-m", "replyassist.cli", "serve", "--corpus", corpus, "--settings", settings,
                          "--port", str(port), "--workers", str(workers), "--log-level", "warning"],
                         stdout=log, stderr=subprocess.STDOUT, env=env, cwd=str(variant.root))
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


def batch_counter(url: str, key: str | None) -> tuple[float, float] | None:
    """(messages, model calls) so far, from the worker's ``replyassist_batch_size`` histogram."""
    import httpx
    try:
        text = httpx.get(url + "/metrics", timeout=10, headers={"X-API-Key": key} if key else {}).text
    except httpx.HTTPError:
        return None
    s = re.search(r"^replyassist_batch_size_sum (\S+)$", text, re.M)
    c = re.search(r"^replyassist_batch_size_count (\S+)$", text, re.M)
    return (float(s.group(1)), float(c.group(1))) if s and c else None


async def load(url: str, msgs: list[dict], n: int, concurrency: int, max_seconds: float, key: str | None = None,
               offset: int = 0) -> dict:
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
                m = msgs[(offset + sent) % len(msgs)]
                sent += 1
                t0 = time.perf_counter()
                try:
                    r = await client.post("/v1/suggest", json=m)
                    ok = r.status_code == 200
                    kind = str(r.status_code)
                except httpx.HTTPError as exc:
                    ok, kind = False, type(exc).__name__
                lat.append((time.perf_counter() - t0) * 1000)
                if not ok:
                    errors[kind] = errors.get(kind, 0) + 1
        t0 = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        wall = time.perf_counter() - t0
    return {"lat": lat, "wall": wall, "errors": errors}


@dataclass
class Row:
    variant: str
    workers: int
    concurrency: int
    lat: list[float] = field(default_factory=list)
    wall: float = 0.0
    errors: dict[str, int] = field(default_factory=dict)
    rss: list[float] = field(default_factory=list)
    batch: list[tuple[float, float]] = field(default_factory=list)
    loads: list[float] = field(default_factory=list)
    base_single: list[float] = field(default_factory=list)
    base_msgs: int = 0
    base_seconds: float = 0.0

    @property
    def rps(self) -> float:
        return len(self.lat) / self.wall if self.wall else 0.0

    @property
    def base_rate(self) -> float:
        return self.base_msgs / self.base_seconds if self.base_seconds else float("nan")

    @property
    def base_p50(self) -> float:
        return statistics.median(self.base_single) if self.base_single else float("nan")

    def per_call(self) -> str:
        if len(self.batch) < 2 or self.workers != 1:
            return "–"
        dm, dc = self.batch[-1][0] - self.batch[0][0], self.batch[-1][1] - self.batch[0][1]
        return f"{dm / dc:.1f}" if dc else "–"

    def cells(self) -> list[str]:
        nerr = sum(self.errors.values())
        return [self.variant, str(self.workers), str(self.concurrency), str(len(self.lat)), f"{self.wall:.1f}",
                f"{self.rps:.1f}", f"{pct(self.lat, .5):.1f}", f"{pct(self.lat, .95):.1f}", f"{pct(self.lat, .99):.1f}",
                f"{nerr}" + (f" {self.errors}" if nerr else ""),
                f"{self.rss[0]:.0f} → {self.rss[-1]:.0f}" if self.rss else "–", self.per_call(),
                f"{self.base_rate:.1f}", f"**{self.rps / self.base_rate:.2f}**",
                f"{self.base_p50:.1f}", f"**{pct(self.lat, .5) / self.base_p50:.2f}**",
                f"{statistics.mean(self.loads):.1f} ({min(self.loads):.1f}–{max(self.loads):.1f})" if self.loads else "–"]


HEADER = ["variant", "workers", "concurrency", "requests", "seconds", "req/s", "p50 ms", "p95 ms", "p99 ms", "errors",
          "RSS MB before → after", "msgs per model call", "in-process suggest_many msg/s",
          "÷ in-process batch rate (goal ≥ 0.8)", "in-process suggest() p50 ms", "p50 ÷ suggest() p50 (goal < 2 at c=1)",
          "load (1 min): mean (min–max)"]


def table(rows: list[Row]) -> str:
    out = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    out += ["| " + " | ".join(r.cells()) + " |" for r in rows]
    return "\n".join(out)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=5000, help="requests per row")
    ap.add_argument("--concurrency", default="1,8,32")
    ap.add_argument("--workers", default="1,2")
    ap.add_argument("--max-seconds", type=float, default=600, help="a row stops after this even if N is not reached")
    ap.add_argument("--slices", type=int, default=5, help="rounds per (workers, concurrency), each followed by the "
                                                          "in-process measurement")
    ap.add_argument("--variant", action="append", default=None,
                    help="label[:root=DIR][:NAME=VALUE...]: a service to compare (repeatable; default: 'service')")
    ap.add_argument("--single-per-slice", type=int, default=20, help="suggest() calls in process per round")
    ap.add_argument("--batch-per-slice", type=int, default=64, help="messages through suggest_many per round")
    ap.add_argument("--corpus", default=str(ROOT / "faq_corpus" / "shop"))
    ap.add_argument("--cache-dir", default=None, help="vector cache (default: a new temporary folder)")
    ap.add_argument("--setting", action="append", default=[],
                    help="extra [service] setting of the served variants, NAME=VALUE (TOML), e.g. batch_wait_ms=5")
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "service_load.md"),
                    help="markdown file for the table ('-': do not write)")
    a = ap.parse_args()
    variants = [Variant.parse(v) for v in (a.variant or ["service"])]
    msgs = messages()
    tmp = Path(tempfile.mkdtemp(prefix="ra-load-"))
    settings = tmp / "settings.toml"
    cache = Path(a.cache_dir) if a.cache_dir else tmp / "cache"
    extra = "".join(f"{s}\n" for s in a.setting)
    settings.write_text(f'cache_dir = "{cache.as_posix()}"\n[service]\nrequest_timeout_s = 120\n{extra}',
                        encoding="utf-8")
    conc = [int(x) for x in a.concurrency.split(",")]
    workers = [int(x) for x in a.workers.split(",")]
    env_note = ", ".join(f"{k}={os.environ[k]}" for k in ("OMP_WAIT_POLICY", "OMP_NUM_THREADS") if k in os.environ)
    head = (f"service load benchmark, {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC: {len(msgs)} distinct messages, "
            f"N={a.n} per row (cap {a.max_seconds:.0f} s), concurrency {a.concurrency}, workers {a.workers}, "
            f"{a.slices} interleaved rounds per group, {os.cpu_count()} cores, environment of this process and the "
            f"services: {env_note or 'default'}" + (f", service settings {a.setting}" if a.setting else ""))
    print("# " + head + "\n" + "\n".join(f"- variant {v.label}: {v.describe()}" for v in variants) + "\n", flush=True)
    t_run = time.perf_counter()
    lib = InProcess(a.corpus, str(settings), msgs)
    rows: list[Row] = []
    for w in workers:
        procs: dict[str, tuple[subprocess.Popen, str]] = {}
        try:
            for v in variants:
                procs[v.label] = start_service(a.corpus, str(settings), w, tmp / f"serve-{v.label}-{w}.log", v)
                asyncio.run(load(procs[v.label][1], msgs, min(64, a.n), 4, 120))  # warm-up, not counted
            for c in conc:
                group = {v.label: Row(v.label, w, c) for v in variants}
                per_slice = max(1, a.n // a.slices)
                for k in range(a.slices):
                    order = variants[k % len(variants):] + variants[:k % len(variants)]
                    for v in order:
                        row, (proc, url) = group[v.label], procs[v.label]
                        if k == 0:
                            row.rss.append(rss_tree_mb(proc.pid))
                            row.batch.append(batch_counter(url, None) or (0.0, 0.0))
                        n = per_slice if k < a.slices - 1 else a.n - per_slice * (a.slices - 1)
                        r = asyncio.run(load(url, msgs, n, c, a.max_seconds / a.slices, offset=k * per_slice))
                        row.lat += r["lat"]
                        row.wall += r["wall"]
                        for kind, cnt in r["errors"].items():
                            row.errors[kind] = row.errors.get(kind, 0) + cnt
                        row.loads.append(os.getloadavg()[0])
                    single, nb, secs = lib.measure(a.single_per_slice, a.batch_per_slice)
                    for row in group.values():
                        row.base_single += single
                        row.base_msgs += nb
                        row.base_seconds += secs
                for v in variants:
                    row, (proc, url) = group[v.label], procs[v.label]
                    row.rss.append(rss_tree_mb(proc.pid))
                    row.batch.append(batch_counter(url, None) or (0.0, 0.0))
                    rows.append(row)
                    print("| " + " | ".join(row.cells()) + " |", flush=True)
        finally:
            for proc, _ in procs.values():
                proc.terminate()
                try:
                    proc.wait(30)
                except subprocess.TimeoutExpired:
                    proc.kill()
    text = f"{head}\n\n" + "\n".join(f"- variant **{v.label}**: {v.describe()}" for v in variants) + "\n\n" + table(rows)
    print("\n" + table(rows))
    for v in variants:
        mine = [r for r in rows if r.variant == v.label]
        c1 = [r for r in mine if r.concurrency == 1 and r.workers == 1]
        best = max(mine, key=lambda r: r.rps / r.base_rate, default=None)
        line = f"\n{v.label}: "
        if c1:
            line += f"concurrency 1 (1 worker): p50 = {pct(c1[0].lat, .5) / c1[0].base_p50:.2f}x in-process suggest() (goal < 2); "
        if best:
            line += (f"best throughput ratio {best.rps / best.base_rate:.2f}x the in-process batch rate "
                     f"({best.workers} worker(s), concurrency {best.concurrency}; goal >= 0.8)")
        print(line)
        text += "\n" + line.strip() + "\n"
    short = [r for r in rows if len(r.lat) < a.n]
    line = (f"{len(rows) - len(short)} of {len(rows)} rows completed all {a.n} requests"
            + (f"; stopped by the {a.max_seconds:.0f} s cap: " + ", ".join(f"{r.variant}/{r.workers}w/c{r.concurrency} "
                                                                          f"({len(r.lat)})" for r in short) if short else "")
            + f". Wall time of the whole run: {(time.perf_counter() - t_run) / 60:.1f} min.")
    print("\n" + line)
    text += "\n" + line + "\n"
    if a.out != "-":
        Path(a.out).parent.mkdir(parents=True, exist_ok=True)
        Path(a.out).write_text("# " + text + "\n", encoding="utf-8")
        print(f"\nwritten to {a.out}")
    return 0 if all(not r.errors for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
