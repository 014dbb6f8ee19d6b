"""Prometheus text-format metrics (no extra dependency), per worker process.

Requests by route and status, a latency histogram per route, suggestion bands and languages,
errors by code, micro-batch sizes, requests in flight, gap jobs. ``GET /metrics``.
"""
from __future__ import annotations

import threading
import time
from collections import defaultdict
from typing import Iterable

__all__ = ["Metrics", "LATENCY_BUCKETS"]

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
BATCH_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128)


def _esc(v: str) -> str:
    return v.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _labels(**kw: str) -> str:
    return "{" + ",".join(f'{k}="{_esc(str(v))}"' for k, v in kw.items()) + "}"


class _Histogram:
    def __init__(self, buckets: Iterable[float]) -> None:
        self.buckets = tuple(buckets)
        self.counts = [0] * (len(self.buckets) + 1)
        self.sum = 0.0
        self.n = 0

    def observe(self, v: float) -> None:
        for i, b in enumerate(self.buckets):
            if v <= b:
                self.counts[i] += 1
                break
        else:
            self.counts[-1] += 1
        self.sum += v
        self.n += 1

    def lines(self, name: str, **labels: str) -> list[str]:
        out, cum = [], 0
        for b, c in zip(self.buckets, self.counts):
            cum += c
            out.append(f"{name}_bucket{_labels(**labels, le=repr(float(b)) if isinstance(b, float) else str(b))} {cum}")
        out.append(f"{name}_bucket{_labels(**labels, le='+Inf')} {self.n}")
        out.append(f"{name}_sum{_labels(**labels) if labels else ''} {self.sum:.6f}")
        out.append(f"{name}_count{_labels(**labels) if labels else ''} {self.n}")
        return out


class Metrics:
    """Thread-safe counters and histograms; :meth:`render` gives the exposition text."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.started = time.time()
        self.requests: dict[tuple[str, str, str], int] = defaultdict(int)
        self.latency: dict[str, _Histogram] = {}
        self.bands: dict[str, int] = defaultdict(int)
        self.languages: dict[str, int] = defaultdict(int)
        self.errors: dict[str, int] = defaultdict(int)
        self.batch = _Histogram(BATCH_BUCKETS)
        self.inflight = 0
        self.jobs: dict[str, int] = defaultdict(int)
        self.webhooks: dict[tuple[str, str], int] = defaultdict(int)
        self.reloads: dict[str, int] = defaultdict(int)

    def request(self, method: str, route: str, status: int, seconds: float) -> None:
        with self._lock:
            self.requests[(method, route, str(status))] += 1
            h = self.latency.get(route)
            if h is None:
                h = self.latency[route] = _Histogram(LATENCY_BUCKETS)
            h.observe(seconds)

    def suggestion(self, band: str, language: str | None) -> None:
        with self._lock:
            self.bands[band] += 1
            self.languages[language or "und"] += 1

    def error(self, code: str) -> None:
        with self._lock:
            self.errors[code] += 1

    def batch_size(self, n: int) -> None:
        with self._lock:
            self.batch.observe(n)

    def add_inflight(self, d: int) -> None:
        with self._lock:
            self.inflight += d

    def job(self, status: str) -> None:
        with self._lock:
            self.jobs[status] += 1

    def webhook(self, source: str, outcome: str) -> None:
        with self._lock:
            self.webhooks[(source, outcome)] += 1

    def reload(self, outcome: str) -> None:
        with self._lock:
            self.reloads[outcome] += 1

    def render(self, corpus_entries: int | None = None) -> str:
        with self._lock:
            L: list[str] = []
            L += ["# HELP replyassist_requests_total HTTP requests by method, route and status.",
                  "# TYPE replyassist_requests_total counter"]
            for (m, r, s), n in sorted(self.requests.items()):
                L.append(f"replyassist_requests_total{_labels(method=m, route=r, status=s)} {n}")
            L += ["# HELP replyassist_request_duration_seconds Request latency by route.",
                  "# TYPE replyassist_request_duration_seconds histogram"]
            for r, h in sorted(self.latency.items()):
                L += h.lines("replyassist_request_duration_seconds", route=r)
            L += ["# HELP replyassist_suggestions_total Suggestions by match band.",
                  "# TYPE replyassist_suggestions_total counter"]
            for b, n in sorted(self.bands.items()):
                L.append(f"replyassist_suggestions_total{_labels(band=b)} {n}")
            L += ["# HELP replyassist_languages_total Suggestions by detected language (und = undetermined).",
                  "# TYPE replyassist_languages_total counter"]
            for lg, n in sorted(self.languages.items()):
                L.append(f"replyassist_languages_total{_labels(language=lg)} {n}")
            L += ["# HELP replyassist_errors_total Errors answered, by error code.",
                  "# TYPE replyassist_errors_total counter"]
            for c, n in sorted(self.errors.items()):
                L.append(f"replyassist_errors_total{_labels(code=c)} {n}")
            L += ["# HELP replyassist_batch_size Messages per model call (micro-batches of concurrent requests).",
                  "# TYPE replyassist_batch_size histogram"]
            L += self.batch.lines("replyassist_batch_size")
            L += ["# HELP replyassist_inflight_requests Requests being served now.",
                  "# TYPE replyassist_inflight_requests gauge", f"replyassist_inflight_requests {self.inflight}"]
            L += ["# HELP replyassist_gap_jobs_total Gap-analysis jobs by outcome.",
                  "# TYPE replyassist_gap_jobs_total counter"]
            for s, n in sorted(self.jobs.items()):
                L.append(f"replyassist_gap_jobs_total{_labels(status=s)} {n}")
            L += ["# HELP replyassist_webhooks_total Webhook deliveries by source and outcome.",
                  "# TYPE replyassist_webhooks_total counter"]
            for (src, o), n in sorted(self.webhooks.items()):
                L.append(f"replyassist_webhooks_total{_labels(source=src, outcome=o)} {n}")
            L += ["# HELP replyassist_corpus_reloads_total Corpus reloads by outcome.",
                  "# TYPE replyassist_corpus_reloads_total counter"]
            for o, n in sorted(self.reloads.items()):
                L.append(f"replyassist_corpus_reloads_total{_labels(outcome=o)} {n}")
            if corpus_entries is not None:
                L += ["# HELP replyassist_corpus_entries FAQ entries served.", "# TYPE replyassist_corpus_entries gauge",
                      f"replyassist_corpus_entries {corpus_entries}"]
            L += ["# HELP replyassist_start_time_seconds Start of this worker (Unix time).",
                  "# TYPE replyassist_start_time_seconds gauge", f"replyassist_start_time_seconds {self.started:.3f}"]
            return "\n".join(L) + "\n"
