"""Two service worker processes (`replyassist serve --workers 2`) writing feedback at once lose nothing.

The real command, as a user runs it, with the SQLite store (WAL) shared by both workers; requests
go over fresh connections so that both processes take some. Every answered record must be in the
store, once, and both workers must have written.
"""
from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

httpx = pytest.importorskip("httpx")
pytest.importorskip("uvicorn")

from tests.feedback_support import free_port  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_two_workers_writing_feedback_at_once_lose_nothing(assistant, tmp_path):
    from replyassist.feedback import open_store
    port = free_port()
    settings = tmp_path / "settings.toml"
    cache = Path(assistant.settings.cache_dir)     # the session's cache: corpus vectors and calibration are there
    # learning off here: this test is about concurrent writes (learning: test_desk.py)
    settings.write_text(f'cache_dir = "{cache.as_posix()}"\n[service]\nrequest_timeout_s = 300\n'
                        'feedback_learn = false\n', encoding="utf-8")
    db = tmp_path / "feedback.db"
    env = {k: v for k, v in os.environ.items() if not k.startswith("REPLYASSIST_API_KEYS")}
    env["OMP_NUM_THREADS"] = "1"
    log = open(tmp_path / "serve.log", "w+", encoding="utf-8")
    p = subprocess.Popen([sys.executable, "-m", "replyassist.cli", "serve", "--corpus", str(ROOT / "faq_corpus" / "shop"),
                          "--settings", str(settings), "--port", str(port), "--workers", "2",
                          "--feedback", f"sqlite:///{db}"], stdout=log, stderr=subprocess.STDOUT, env=env,
                         cwd=str(ROOT))
    url = f"http://127.0.0.1:{port}"
    try:
        pids: set[int] = set()
        t0 = time.time()
        while len(pids) < 2 and time.time() - t0 < 600:   # both workers have loaded their models
            if p.poll() is not None:
                log.seek(0)
                pytest.fail("replyassist serve exited:\n" + log.read()[-3000:])
            try:
                r = httpx.get(url + "/readyz", timeout=5, headers={"Connection": "close"})
                if r.status_code == 200:
                    pids.add(r.json()["pid"])
            except httpx.TransportError:
                time.sleep(0.3)
        assert len(pids) == 2, "the two workers did not both become ready"
        t_ready = time.time() - t0

        answered: list[int] = []
        failures: list[str] = []
        lock = threading.Lock()

        def agent(name: str, n: int) -> None:
            for i in range(n):
                action = "no_faq" if i % 2 else "accepted"
                body = {"message": {"text": f"{name}: Nachricht {i}, wo ist mein Paket? Jonas Weiß",
                                    "customer_name": "Jonas Weiß"},
                        "action": action, "language": "de", "agent": name,
                        "suggestion": {"faq_id": "order-status", "band": "confident", "confidence": 0.9}}
                if action == "accepted":
                    body["final_text"] = f"Hallo Jonas, Antwort {i}"
                try:
                    r = httpx.post(url + "/desk/api/feedback", json=body, timeout=120, headers={"Connection": "close"})
                except httpx.HTTPError as exc:
                    with lock:
                        failures.append(f"{name} {i}: {exc!r}")
                    continue
                with lock:
                    if r.status_code == 201:
                        answered.append(r.json()["id"])
                    else:
                        failures.append(f"{name} {i}: {r.status_code} {r.text[:200]}")

        threads = [threading.Thread(target=agent, args=(f"agent{k}", 25)) for k in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(300)
        print(f"workers ready in {t_ready:.1f} s; 100 records in {time.time() - t0 - t_ready:.1f} s")
        assert failures == []
        recs = open_store(f"sqlite:///{db}").records()
        assert len(answered) == 100 and sorted(answered) == sorted(r.id for r in recs)
        assert len({(r.agent, r.message) for r in recs}) == 100            # each record once
        assert {r.extra.get("worker_pid") for r in recs} == pids           # both workers wrote
        assert all("Jonas" not in r.message and "Weiß" not in r.message for r in recs)
    finally:
        p.terminate()
        try:
            p.wait(30)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait(10)
        log.close()
