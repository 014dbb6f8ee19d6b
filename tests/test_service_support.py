"""Helpers for the service tests: run the app on a free loopback port, and a fake help desk."""
from __future__ import annotations

import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RunningServer:
    """uvicorn serving ``app`` on 127.0.0.1 in a thread of this process (started and stopped by the test)."""

    def __init__(self, app: Any) -> None:
        import uvicorn
        self.port = free_port()
        self.config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="on")
        self.server = uvicorn.Server(self.config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.url = f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> "RunningServer":
        self.thread.start()
        t0 = time.time()
        while not self.server.started:
            if not self.thread.is_alive() or time.time() - t0 > 60:
                raise RuntimeError("the test server did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.should_exit = True
        self.thread.join(30)


class FakeHelpDesk:
    """A help desk on loopback that records every request it receives and answers 200 ``{}``."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.lock = threading.Lock()
        desk = self

        class Handler(BaseHTTPRequestHandler):
            def _record(self) -> None:
                n = int(self.headers.get("content-length") or 0)
                raw = self.rfile.read(n) if n else b""
                try:
                    body = json.loads(raw) if raw else None
                except ValueError:
                    body = raw.decode("utf-8", "replace")
                with desk.lock:
                    desk.requests.append({"method": self.command, "path": self.path,
                                          "headers": {k.lower(): v for k, v in self.headers.items()}, "json": body})
                out = b"{}"
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(out)))
                self.end_headers()
                self.wfile.write(out)

            do_POST = do_PUT = do_GET = _record

            def log_message(self, *a: Any) -> None:  # quiet
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> "FakeHelpDesk":
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def wait_for(self, n: int, timeout: float = 120.0) -> list[dict[str, Any]]:
        t0 = time.time()
        while time.time() - t0 < timeout:
            with self.lock:
                if len(self.requests) >= n:
                    return list(self.requests)
            time.sleep(0.05)
        with self.lock:
            return list(self.requests)

    def clear(self) -> None:
        with self.lock:
            self.requests.clear()


# ---- unit tests of the service's small parts (no models, no server) ----------------------------

import pytest  # noqa: E402

pytest.importorskip("fastapi")


def test_keystore_hashes_and_checks():
    from replyassist.service.auth import KeyStore, hash_key, key_from_headers
    ks = KeyStore([hash_key("alpha"), hash_key("beta")])
    assert ks.enabled and len(ks) == 2
    assert ks.check("alpha") and ks.check("beta")
    assert not ks.check("alph") and not ks.check("") and not ks.check(None)
    assert "alpha" not in repr(ks.__dict__)  # only digests are kept
    assert not KeyStore().enabled and not KeyStore().check("alpha")
    with pytest.raises(ValueError):
        KeyStore(["md5:abc"])
    assert key_from_headers("Bearer k1", None) == "k1"
    assert key_from_headers("Basic xyz", None) is None
    assert key_from_headers(None, " k2 ") == "k2"


def test_zendesk_signature_and_timestamp():
    from datetime import datetime, timedelta, timezone
    from replyassist.service.adapters.zendesk import sign, verify
    body = b'{"id": "e1"}'
    now = datetime(2026, 12, 3, 8, 0, tzinfo=timezone.utc)
    ts = "2026-12-03T07:59:30Z"
    sig = sign("secret", ts, body)
    assert verify("secret", body, sig, ts, now=now) is None
    assert "signature" in verify("other", body, sig, ts, now=now)
    assert "signature" in verify("secret", body + b" ", sig, ts, now=now)
    assert "required" in verify("secret", body, None, ts, now=now)
    old = (now - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert "stale" in verify("secret", body, sign("secret", old, body), old, now=now)
    assert "ISO" in verify("secret", body, sign("secret", "yesterday", body), "yesterday", now=now)


def test_zendesk_dedupe_is_bounded():
    from replyassist.service.adapters.zendesk import Dedupe
    d = Dedupe(size=3)
    assert d.first("a") and not d.first("a")
    for k in "bcde":
        assert d.first(k)
    assert d.first("a")  # forgotten after 3 newer ids


def test_config_from_settings_file_and_env(tmp_path):
    from replyassist.errors import ConfigError
    from replyassist.service.auth import hash_key
    from replyassist.service.config import ServiceConfig
    f = tmp_path / "s.toml"
    f.write_text('translator = "none"\n[matching]\ntop_k = 3\n[service]\napi_keys = ["k1"]\n'
                 f'api_key_hashes = ["{hash_key("k2")}"]\nmax_message_chars = 500\n'
                 '[service.zendesk]\nbase_url = "http://127.0.0.1:1"\n', encoding="utf-8")
    c = ServiceConfig.load("faq_corpus/shop", str(f), env={"REPLYASSIST_API_KEYS": "k3, k4",
                                                            "REPLYASSIST_ZENDESK_SECRET": "zs"}, port=9000)
    assert set(c.api_key_hashes) == {hash_key(k) for k in ("k1", "k2", "k3", "k4")}
    assert "k1" not in c.to_json()
    assert c.library == {"translator": "none", "matching": {"top_k": 3}}
    assert c.max_message_chars == 500 and c.port == 9000 and c.host == "127.0.0.1"
    assert c.zendesk is not None and c.zendesk.secret == "zs" and c.chatwoot is None
    assert ServiceConfig.from_json(c.to_json()) == c
    f.write_text("[service]\nmax_body = 3\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="max_body"):
        ServiceConfig.load("x", str(f), env={})


def test_no_key_means_loopback_only():
    from replyassist.service.auth import hash_key
    from replyassist.service.config import ServiceConfig
    from replyassist.service.server import effective_host
    host, warning = effective_host(ServiceConfig(corpus="x", host="0.0.0.0"))
    assert host == "127.0.0.1" and "127.0.0.1 only" in warning
    assert effective_host(ServiceConfig(corpus="x", host="0.0.0.0", api_key_hashes=(hash_key("k"),))) == ("0.0.0.0", None)
    assert effective_host(ServiceConfig(corpus="x", host="127.0.0.1")) == ("127.0.0.1", None)


def test_metrics_render_prometheus_text():
    from replyassist.service.metrics import Metrics
    m = Metrics()
    m.request("POST", "/v1/suggest", 200, 0.02)
    m.request("POST", "/v1/suggest", 422, 0.001)
    m.suggestion("confident", "de")
    m.suggestion("no_match", None)
    m.error("E101")
    text = m.render(52)
    assert 'replyassist_requests_total{method="POST",route="/v1/suggest",status="200"} 1' in text
    assert 'replyassist_request_duration_seconds_bucket{route="/v1/suggest",le="0.025"} 2' in text
    assert 'replyassist_request_duration_seconds_count{route="/v1/suggest"} 2' in text
    assert 'replyassist_suggestions_total{band="confident"} 1' in text
    assert 'replyassist_languages_total{language="und"} 1' in text
    assert 'replyassist_errors_total{code="E101"} 1' in text
    assert "replyassist_corpus_entries 52" in text
