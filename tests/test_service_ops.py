"""The service's slower operations: corpus reload, gap-analysis jobs, and `replyassist serve` itself."""
from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("uvicorn")
httpx = pytest.importorskip("httpx")

from tests.test_service_support import RunningServer, free_port  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent

BROKEN_ENTRY = """
  - id: warranty-period
    category: warranty
    questions:
      en:
        - Do you repair phones?
  - id: repair-phones
    category: 17
    questions: {}
"""

NEW_ENTRY = """
  - id: gift-cards
    category: orders
    tags: [gift]
    questions:
      en:
        - Do you sell gift cards?
    answers:
      en:
        formal: "Yes, we sell gift cards from 10 to 200 EUR in our online shop."
"""


@pytest.mark.slow
def test_corpus_reload_refuses_a_broken_corpus_and_keeps_serving(assistant, ra_cache, shop_corpus_path, tmp_path):
    from replyassist.corpus import load_corpus
    from replyassist.service.app import create_app
    from replyassist.service.config import ServiceConfig
    from tests.conftest import make_assistant
    # a part of the demo corpus: the reload encodes the changed corpus anew, and the whole demo
    # corpus would cost a minute of encoding in a cold run
    corpus = tmp_path / "shop"
    corpus.mkdir()
    for name in ("corpus.yaml", "warranty.yaml", "invoices.yaml"):
        shutil.copy(shop_corpus_path / name, corpus / name)
    served = make_assistant(load_corpus(corpus), ra_cache, embedder=assistant.embedder)
    app = create_app(ServiceConfig(corpus=str(corpus), request_timeout_s=300), assistant=served)
    with RunningServer(app) as srv, httpx.Client(base_url=srv.url, timeout=600) as c:
        before = c.get("/v1/corpus").json()
        warranty = corpus / "warranty.yaml"
        good = warranty.read_text(encoding="utf-8")
        warranty.write_text(good + BROKEN_ENTRY, encoding="utf-8")
        r = c.post("/v1/corpus/reload")
        assert r.status_code == 422, r.text
        err = r.json()["error"]
        assert err["code"].startswith("E2") and len(err["problems"]) >= 2  # every problem, not the first one
        assert all(p["file"] and p["message"] for p in err["problems"])
        assert any("warranty.yaml" in p["file"] for p in err["problems"])
        # the old corpus keeps serving
        assert c.get("/readyz").json()["generation"] == 1
        assert c.get("/v1/corpus").json()["content_hash"] == before["content_hash"]
        s = c.post("/v1/suggest", json={"text": "How long is the warranty?"})
        assert s.status_code == 200 and s.json()["match"]["matches"][0]["faq_id"] == "warranty-period"
        # a valid change is served after the reload
        warranty.write_text(good + NEW_ENTRY, encoding="utf-8")
        r = c.post("/v1/corpus/reload")
        assert r.status_code == 200, r.text
        assert r.json()["generation"] == 2 and r.json()["corpus"]["entry_count"] == before["entry_count"] + 1
        assert "gift-cards" in {e["id"] for e in c.get("/v1/corpus").json()["entries"]}
        s = c.post("/v1/suggest", json={"text": "Do you sell gift cards?"}).json()
        assert s["match"]["matches"][0]["faq_id"] == "gift-cards"
        assert 'replyassist_corpus_reloads_total{outcome="refused"} 1' in c.get("/metrics").text
    # the assistant the app was started with was not changed (a reload builds a new one)
    assert "gift-cards" not in {e.id for e in served.corpus.entries}
    assert "gift-cards" not in {e.id for e in assistant.corpus.entries}


@pytest.mark.slow
def test_gap_job_over_an_uploaded_log(assistant, tmp_path):
    from replyassist.service.app import create_app
    from replyassist.service.config import ServiceConfig
    lines = (ROOT / "examples" / "messages_log.csv").read_bytes().split(b"\n")
    log = b"\n".join(lines[:61]) + b"\n"  # header + 60 messages (the demo log has a bad byte further down)
    app = create_app(ServiceConfig(corpus=str(ROOT / "faq_corpus" / "shop")), assistant=assistant)
    with RunningServer(app) as srv, httpx.Client(base_url=srv.url, timeout=600) as c:
        r = c.post("/v1/gaps/jobs", files={"file": ("log.csv", io.BytesIO(log), "text/csv")},
                   data={"min_gap_size": "2"})
        assert r.status_code == 202, r.text
        job = r.json()
        assert job["status"] in ("queued", "running") and job["poll"].endswith(job["id"])
        # suggestions keep being served while the job runs
        assert c.post("/v1/suggest", json={"text": "Wo bleibt meine Bestellung?"}).status_code == 200
        t0 = time.time()
        while True:
            j = c.get(job["poll"]).json()
            if j["status"] in ("done", "failed") or time.time() - t0 > 600:
                break
            time.sleep(0.5)
        assert j["status"] == "done", j
        rep = j["report"]
        assert rep["processed"] + rep["bad_row_count"] == rep["total_rows"] == 60
        assert set(rep["coverage"]) and isinstance(rep["gaps"], list)
        assert "messages" not in rep
        # an upload that is not a message log fails with the library's error code, not a traceback
        r = c.post("/v1/gaps/jobs", files={"file": ("log.csv", io.BytesIO(b"a,b\n1,2\n"), "text/csv")})
        t0 = time.time()
        while (j := c.get(r.json()["poll"]).json())["status"] not in ("done", "failed") and time.time() - t0 < 120:
            time.sleep(0.2)
        assert j["status"] == "failed" and j["error"]["code"] == "E400", j


@pytest.mark.slow
def test_replyassist_serve_starts_on_loopback_and_answers(assistant, tmp_path):
    """`replyassist serve` as a user runs it: no key, asked for 0.0.0.0 -> loopback only; models before the port."""
    port = free_port()
    settings = tmp_path / "settings.toml"
    cache = Path(assistant.settings.cache_dir)  # the session's cache: the corpus vectors are encoded already
    settings.write_text(f'cache_dir = "{cache.as_posix()}"\n[service]\nrequest_timeout_s = 300\n',
                        encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("REPLYASSIST_API_KEYS")}
    errlog = open(tmp_path / "serve.log", "w+", encoding="utf-8")
    p = subprocess.Popen([sys.executable, "-m", "replyassist.cli", "serve", "--corpus",
                          str(ROOT / "faq_corpus" / "shop"), "--settings", str(settings), "--host", "0.0.0.0",
                          "--port", str(port)], stdout=errlog, stderr=subprocess.STDOUT, env=env, cwd=str(ROOT))
    try:
        url = f"http://127.0.0.1:{port}"
        t0 = time.time()
        ready = None
        while time.time() - t0 < 900:
            if p.poll() is not None:
                break
            try:
                ready = httpx.get(url + "/readyz", timeout=5)
                break
            except httpx.TransportError:
                time.sleep(0.5)
        errlog.seek(0)
        out = errlog.read()
        assert ready is not None and ready.status_code == 200, out
        assert "127.0.0.1 only" in out and "no API key" in out
        # the port opened only after the models were loaded: the first answer is a full one
        r = httpx.post(url + "/v1/suggest", json={"text": "Hol van a csomagom?", "customer_name": "Kovács Anna"},
                       timeout=300)
        assert r.status_code == 200 and r.json()["language"]["language"] == "hu"
        assert "openapi" in httpx.get(url + "/openapi.json").text
    finally:
        p.terminate()
        try:
            p.wait(30)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait(10)
        errlog.close()
