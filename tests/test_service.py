"""The HTTP service (issue 16), started by the tests on a free loopback port.

One app is served for the module, around the session's shared assistant (conftest.py), by
uvicorn in a thread; the webhook adapters post to a fake help desk on loopback. The corpus
reload, the gap job and the `replyassist serve` command have their own tests
(test_service_ops.py).
"""
from __future__ import annotations

import base64
import json
import threading
import time
from datetime import datetime, timezone

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("uvicorn")
httpx = pytest.importorskip("httpx")

from tests.test_service_support import FakeHelpDesk, RunningServer  # noqa: E402

KEY = "test-key-123"
ZD_SECRET = "zendesk-signing-secret"
MESSAGES = [
    {"text": "Hol van a csomagom? Már két hete várok!", "customer_name": "Kovács Anna", "agent_name": "Mira K.",
     "channel": "email"},
    {"text": "Wo bleibt meine Bestellung 4711?", "customer_name": "Jonas", "channel": "email",
     "values": {"order_id": "4711"}},
    {"text": "Gde je moja porudžbina? Čekam već nedelju dana.", "channel": "chat"},
    {"text": "How long do refunds take?", "channel": "twitter"},
    {"text": "Ich habe mein Passwort vergessen", "channel": "chat"},
    {"text": "THIS IS THE THIRD TIME I WRITE, WHERE IS MY MONEY???", "channel": "twitter"},
    {"text": "Kako mogu vratiti proizvod?", "channel": "facebook"},
    {"text": "Do you sell cinema gift cards?", "channel": "chat"},
]


@pytest.fixture(scope="module")
def desk():
    with FakeHelpDesk() as d:
        yield d


@pytest.fixture(scope="module")
def service(assistant, desk):
    from replyassist.service.auth import hash_key
    from replyassist.service.config import ChatwootConfig, ServiceConfig, ZendeskConfig
    from replyassist.service.app import create_app
    cfg = ServiceConfig(corpus=str(assistant.corpus.path or "faq_corpus/shop"), api_key_hashes=(hash_key(KEY),),
                        max_message_chars=2000, max_batch_messages=16, request_timeout_s=300,
                        chatwoot=ChatwootConfig(base_url=desk.url, api_access_token="cw-token", webhook_token="cw-hook"),
                        zendesk=ZendeskConfig(secret=ZD_SECRET, base_url=desk.url, email="bot@example.com",
                                              api_token="zd-token"))
    app = create_app(cfg, assistant=assistant)
    with RunningServer(app) as srv:
        yield srv


@pytest.fixture()
def client(service):
    with httpx.Client(base_url=service.url, headers={"Authorization": f"Bearer {KEY}"}, timeout=300) as c:
        yield c


@pytest.fixture()
def anon(service):
    with httpx.Client(base_url=service.url, timeout=300) as c:
        yield c


def _stable(d: dict) -> dict:
    d = dict(d)
    d.pop("timings_ms", None)
    return d


def _same(a, b, tol: float = 1e-3) -> bool:
    """``a == b`` except that numbers may differ by ``tol``: a search in a batch of another size sums in
    another order (scores differ at the 7th decimal), which can flip the 4th decimal the JSON rounds to."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k], tol) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y, tol) for x, y in zip(a, b))
    if isinstance(a, float) or isinstance(b, float):
        return isinstance(a, (int, float)) and isinstance(b, (int, float)) and abs(a - b) <= tol
    return a == b


def _diff(a, b, path: str = "", tol: float = 1e-3) -> list[str]:
    """Where ``a`` and ``b`` differ beyond ``tol`` (paths), for an assertion message."""
    if isinstance(a, dict) and isinstance(b, dict):
        return [p for k in sorted(set(a) | set(b)) for p in _diff(a.get(k), b.get(k), f"{path}.{k}", tol)]
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return [p for i, (x, y) in enumerate(zip(a, b)) for p in _diff(x, y, f"{path}[{i}]", tol)]
    return [] if _same(a, b, tol) else [f"{path}: {a!r} != {b!r}"[:300]]


def _assert_error(r: httpx.Response, status: int, code: str) -> dict:
    assert r.status_code == status, r.text
    body = r.json()
    assert body["error"]["code"] == code, body
    assert body["error"]["status"] == status and body["error"]["message"]
    assert "Traceback" not in r.text
    return body["error"]


# ---- documentation and operations -------------------------------------------------------------

def test_openapi_and_docs(anon):
    spec = anon.get("/openapi.json").json()
    for path in ("/v1/suggest", "/v1/suggest/batch", "/v1/detect", "/v1/corpus", "/v1/corpus/reload", "/v1/gaps/jobs",
                 "/v1/gaps/jobs/{job_id}", "/v1/webhooks/chatwoot", "/v1/webhooks/zendesk", "/healthz", "/readyz",
                 "/metrics"):
        assert path in spec["paths"], path
    assert "MessageIn" in spec["components"]["schemas"]
    docs = anon.get("/docs")
    assert docs.status_code == 200 and "swagger" in docs.text.lower()
    assert anon.get("/").json()["docs"] == "/docs"


def test_liveness_and_readiness(anon):
    assert anon.get("/healthz").json() == {"status": "ok"}
    r = anon.get("/readyz").json()
    assert r["status"] == "ready" and r["corpus"] and r["generation"] == 1 and r["auth"] is True


# ---- endpoints --------------------------------------------------------------------------------

def test_suggest_one_is_the_library_json(client, assistant, service):
    m = MESSAGES[0]
    r = client.post("/v1/suggest", json=m)
    assert r.status_code == 200, r.text
    got = r.json()
    runner = service.config.app.state.runner  # the library is called under the service's model lock
    want = runner.call(assistant.suggest, m["text"], customer_name=m["customer_name"], agent_name=m["agent_name"],
                       channel=m["channel"]).to_dict()
    assert set(want) <= set(got)  # the same keys as `suggest --json` (docs/json-schema.md)
    assert _stable(got) == json.loads(json.dumps(_stable(want)))
    assert got["language"]["language"] == "hu" and "Anna" in got["draft"]["text"]


def test_suggest_with_history_values_and_id(client):
    r = client.post("/v1/suggest", json={**MESSAGES[1], "id": "t-1", "history": [
        "Where is my order?", {"text": "We are checking.", "date": "2026-11-20", "direction": "out"}]})
    assert r.status_code == 200, r.text
    assert r.json()["id"] == "t-1" and "4711" in r.json()["draft"]["text"]


def test_suggest_batch_keeps_order_and_errors_in_place(client):
    msgs = [MESSAGES[3], {"text": "   "}, MESSAGES[4]]
    r = client.post("/v1/suggest/batch", json={"messages": msgs})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["count"] == 3 and body["errors"] == 1
    ok0, bad, ok2 = body["results"]
    assert ok0["ok"] and ok0["suggestion"]["message"]["text"] == MESSAGES[3]["text"]
    assert not bad["ok"] and bad["error"]["code"] == "E101"
    assert ok2["ok"] and ok2["suggestion"]["language"]["language"] == "de"


def test_suggest_empty_message_is_a_422_with_the_library_code(client):
    _assert_error(client.post("/v1/suggest", json={"text": " \n\t "}), 422, "E101")


def test_detect(client):
    r = client.post("/v1/detect", json={"text": "Где је моја поруџбина?"})
    assert r.status_code == 200, r.text
    assert r.json()["language"] == "sr" and r.json()["script"] == "Cyrl"
    r = client.post("/v1/detect", json={"text": "Hvala, paket je stigao.", "customer_language": "hr", "segments": True})
    assert r.json()["language"] == "hr"


def test_corpus_entries_and_languages(client, assistant):
    r = client.get("/v1/corpus")
    assert r.status_code == 200
    c = r.json()
    assert c["entry_count"] == len(assistant.corpus.entries) == len(c["entries"])
    assert c["content_hash"] == assistant.corpus.content_hash
    assert {"en", "de", "hu"} <= set(c["languages"])
    e = c["entries"][0]
    assert {"id", "category", "tags", "question_languages", "answer_languages"} <= set(e)


# ---- auth ---------------------------------------------------------------------------------------

def test_auth_required_and_checked(anon, service):
    _assert_error(anon.post("/v1/suggest", json=MESSAGES[3]), 401, "E601")
    _assert_error(anon.get("/v1/corpus", headers={"Authorization": "Bearer wrong"}), 401, "E601")
    _assert_error(anon.get("/metrics", headers={"X-API-Key": KEY + "x"}), 401, "E601")
    assert anon.get("/v1/corpus", headers={"X-API-Key": KEY}).status_code == 200
    assert anon.get("/v1/corpus", headers={"Authorization": f"Bearer {KEY}"}).status_code == 200
    r = anon.post("/v1/suggest", json=MESSAGES[3])
    assert r.headers.get("www-authenticate") == "Bearer"
    # open: liveness, readiness, docs
    for path in ("/healthz", "/readyz", "/openapi.json"):
        assert anon.get(path).status_code == 200


def test_no_keyed_route_lets_a_missing_or_wrong_key_in(anon):
    """Every route of the OpenAPI document except the open ones and the webhooks (their own secrets)."""
    spec = anon.get("/openapi.json").json()
    open_paths = {"/healthz", "/readyz"}
    checked = 0
    for path, ops in spec["paths"].items():
        if path in open_paths or path.startswith("/v1/webhooks/"):
            continue
        url = path.replace("{job_id}", "x")
        for method in ops:
            for headers in ({}, {"X-API-Key": "wrong"}, {"Authorization": "Bearer wrong"},
                            {"Authorization": f"Basic {KEY}"}, {"X-API-Key": KEY[:-1]}):
                _assert_error(anon.request(method.upper(), url, headers=headers, json={"text": "hi"}), 401, "E601")
            checked += 1
    assert checked >= 10  # /v1 (8) and /metrics, and the desk's API


# ---- limits and bad input -------------------------------------------------------------------------

def test_two_megabyte_body_is_refused(client, service):
    big = json.dumps({"text": "a" * (2 * 1024 * 1024)})
    _assert_error(client.post("/v1/suggest", content=big, headers={"content-type": "application/json"}), 413, "E602")

    def chunks():  # no Content-Length: streamed, counted as it arrives
        for _ in range(32):
            yield b"a" * 65536
    _assert_error(client.post("/v1/suggest", content=chunks(), headers={"content-type": "application/json"}),
                  413, "E602")


def test_message_length_and_batch_size_limits(client):
    e = _assert_error(client.post("/v1/suggest", json={"text": "x " * 1500}), 413, "E611")
    assert "2,000" in e["message"]
    e = _assert_error(client.post("/v1/suggest/batch", json={"messages": [MESSAGES[3]] * 17}), 422, "E604")
    assert "16" in e["message"]
    _assert_error(client.post("/v1/suggest/batch", json={"messages": []}), 422, "E604")


@pytest.mark.parametrize("body,status,code", [
    (b'{"text": "hello', 400, "E603"),                       # malformed JSON
    (b"", 422, "E604"),                                       # no body
    (b'{"text": "\xff\xfe caf\xe9"}', 400, "E603"),          # invalid UTF-8
    (b'{"text": 123}', 422, "E604"),                         # wrong type
    (b'{"text": ["a", "b"]}', 422, "E604"),
    (b'{"text": "hi", "channel": 5}', 422, "E604"),
    (b'{"text": "hi", "history": "not a list"}', 422, "E604"),
    (b'{"text": "hi", "values": {"order_id": 4711}}', 422, "E604"),
    (b'{"message": "hi"}', 422, "E604"),                     # missing field, unknown field
    (b'["hi"]', 422, "E604"),                                # not an object
    (b"null", 422, "E604"),
])
def test_bad_input_gets_a_json_error_never_a_500(client, body, status, code):
    r = client.post("/v1/suggest", content=body, headers={"content-type": "application/json"})
    err = _assert_error(r, status, code)
    if code == "E604":
        assert err["problems"] and all("loc" in p for p in err["problems"])


def test_body_that_is_not_declared_json_is_refused_clearly(client):
    e = _assert_error(client.post("/v1/suggest", content=b'{"text": "hi"}', headers={"content-type": "text/plain"}),
                      415, "E613")
    assert "application/json" in e["message"]


def test_bad_input_on_other_endpoints(client):
    _assert_error(client.post("/v1/detect", json={"text": None}), 422, "E604")
    _assert_error(client.post("/v1/suggest/batch", json={"messages": "hi"}), 422, "E604")
    _assert_error(client.post("/v1/suggest/batch", content=b"\x80\x81", headers={"content-type": "application/json"}),
                  400, "E603")
    _assert_error(client.get("/v1/nothing-here"), 404, "E605")
    _assert_error(client.get("/v1/suggest"), 405, "E608")
    _assert_error(client.get("/v1/gaps/jobs/does-not-exist"), 404, "E605")
    _assert_error(client.post("/v1/gaps/jobs", json={"file": "x"}), 422, "E604")


def test_lone_surrogates_are_replaced_not_a_500(client):
    # a client that cut an emoji in half sends "\\ud83d" alone: not a character, cannot be written as UTF-8
    raw = rb'{"text": "Gde je paket? \ud83d", "id": "t-\ud800", "customer_name": "Ana \udc80", "values": {"\ud800": "x"}}'
    r = client.post("/v1/suggest", content=raw, headers={"content-type": "application/json"})
    assert r.status_code == 200, r.text
    got = r.json()
    assert got["id"] == "t-\ufffd" and got["message"]["text"] == "Gde je paket? \ufffd"
    assert got["language"]["language"] in ("sr", "hr", "bs")
    r = client.post("/v1/suggest/batch", content=rb'{"messages": [{"text": "\ud800"}, {"text": "Wo ist mein Paket? \ud83d\ude00"}]}',
                    headers={"content-type": "application/json"})
    assert r.status_code == 200, r.text
    assert r.json()["results"][1]["suggestion"]["message"]["text"] == "Wo ist mein Paket? \U0001F600"
    r = client.post("/v1/detect", content=rb'{"text": "\udfff Hvala", "segments": true}', headers={"content-type": "application/json"})
    assert r.status_code == 200, r.text


def test_hostile_requests_get_clear_errors(client, anon):
    big_batch = {"messages": [{"text": "hi"}] * 10_000}   # 130 kB: under the body limit, over the batch limit
    e = _assert_error(client.post("/v1/suggest/batch", json=big_batch), 422, "E604")
    assert "10000 messages" in e["message"]
    _assert_error(client.post("/v1/suggest", content=b"[" * 100_000, headers={"content-type": "application/json"}),
                  400, "E603")                               # nested too deeply
    _assert_error(client.post("/v1/suggest", content=b'{"text": ' + b"9" * 5000 + b"}",
                              headers={"content-type": "application/json"}), 400, "E603")
    _assert_error(client.post("/v1/suggest", json={"text": "Paket?", "history": [{"text": "x", "direction": "up"}]}),
                  422, "E604")
    _assert_error(client.post("/v1/gaps/jobs", files={"file": ("log.csv", b"text\nWo ist mein Paket?\n")},
                              data={"min_gap_size": "-1"}), 422, "E604")
    r = client.get("/v1/corpus", headers={"X-Junk": "a" * 60_000})   # a 60 kB header
    assert r.status_code == 200
    # no key: refused before the body is looked at (malformed, wrong types, a multipart upload)
    for req in (dict(content=b"{bad", headers={"content-type": "application/json"}),
                dict(content=b'{"text": 5}', headers={"content-type": "application/json"}),
                dict(content=b"hi", headers={"content-type": "text/plain"})):
        _assert_error(anon.post("/v1/suggest", **req), 401, "E601")
    _assert_error(anon.post("/v1/gaps/jobs", files={"file": ("log.csv", b"text\nhi\n")}), 401, "E601")
    _assert_error(anon.post("/v1/suggest", json={"text": 5}, headers={"Authorization": "Basic " + KEY}), 401, "E601")


def test_request_timeout_and_a_second_reload_get_clear_errors(assistant):
    """E606 when no answer comes in time, E612 when a reload is already running (the model lock is
    held by the test, as a long model call would)."""
    from replyassist.service.app import create_app
    from replyassist.service.config import ServiceConfig
    app = create_app(ServiceConfig(corpus=str(assistant.corpus.path or "faq_corpus/shop"), request_timeout_s=0.5),
                     assistant=assistant)
    runner = app.state.runner
    with RunningServer(app) as srv, httpx.Client(base_url=srv.url, timeout=120) as c:
        done: list[httpx.Response] = []
        with runner.lock:
            e = _assert_error(c.post("/v1/suggest", json=MESSAGES[3]), 504, "E606")
            assert "0.5 s" in e["message"]
            def reload() -> None:
                with httpx.Client(base_url=srv.url, timeout=120) as c2:
                    done.append(c2.post("/v1/corpus/reload"))
            first = threading.Thread(target=reload)
            first.start()
            t0 = time.time()
            while not runner._reloading.locked() and time.time() - t0 < 60:
                time.sleep(0.02)
            _assert_error(c.post("/v1/corpus/reload"), 409, "E612")
        first.join(120)
        assert done and done[0].status_code == 200, done and done[0].text
        assert c.get("/readyz").json()["generation"] == 2


# ---- concurrency -------------------------------------------------------------------------------------

def test_concurrent_requests_match_sequential_ones(service, client):
    sequential = []
    for m in MESSAGES:
        r = client.post("/v1/suggest", json=m)
        assert r.status_code == 200
        sequential.append(_stable(r.json()))
    results: dict[int, dict] = {}
    errors: list[str] = []
    jobs = [(i, MESSAGES[i % len(MESSAGES)]) for i in range(32)]
    barrier = threading.Barrier(16)

    def worker(part):
        barrier.wait()
        with httpx.Client(base_url=service.url, headers={"X-API-Key": KEY}, timeout=300) as c:
            for i, m in part:
                r = c.post("/v1/suggest", json=m)
                if r.status_code != 200:
                    errors.append(r.text)
                else:
                    results[i] = _stable(r.json())
    threads = [threading.Thread(target=worker, args=(jobs[k::16],)) for k in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(results) == 32
    for i, got in results.items():
        twin = sequential[i % len(MESSAGES)]
        assert _same(got, twin), f"request {i} differs from its sequential twin: {_diff(got, twin)}"


# ---- metrics -----------------------------------------------------------------------------------------

def test_metrics_count_requests_bands_languages_errors(client):
    client.post("/v1/suggest", json=MESSAGES[1])
    client.post("/v1/suggest", json={"text": ""})
    text = client.get("/metrics").text
    assert 'replyassist_requests_total{method="POST",route="/v1/suggest",status="200"}' in text
    assert 'replyassist_request_duration_seconds_bucket{route="/v1/suggest",le="+Inf"}' in text
    assert "replyassist_suggestions_total{band=" in text
    assert 'replyassist_languages_total{language="de"}' in text
    assert 'replyassist_errors_total{code="E101"}' in text
    assert "replyassist_batch_size_count" in text
    assert "# TYPE replyassist_request_duration_seconds histogram" in text


# ---- webhooks ------------------------------------------------------------------------------------------

def _chatwoot_payload(**over):
    """A message_created event as Chatwoot sends it to an agent bot (shape from Chatwoot's webhook docs)."""
    p = {
        "event": "message_created", "id": 1021, "content": "Wo bleibt meine Bestellung 4711?",
        "created_at": "2026-12-03T08:00:00.000Z", "message_type": "incoming", "content_type": "text",
        "content_attributes": {}, "source_id": None, "private": False,
        "sender": {"id": 77, "name": "Jonas Weber", "avatar": "", "type": "contact", "account": {"id": 3, "name": "Shop"}},
        "inbox": {"id": 5, "name": "Website"},
        "account": {"id": 3, "name": "Shop"},
        "conversation": {"id": 42, "inbox_id": 5, "status": "pending", "channel": "Channel::WebWidget",
                         "can_reply": True, "additional_attributes": {"browser": {"browser_name": "Firefox"}},
                         "contact_inbox": {"id": 9, "contact_id": 77, "inbox_id": 5, "source_id": "abc"},
                         "meta": {"sender": {"id": 77, "name": "Jonas Weber", "type": "contact"}, "assignee": None},
                         "messages": [], "labels": [], "unread_count": 1},
    }
    p.update(over)
    return p


def test_chatwoot_incoming_message_gets_a_private_note(anon, desk):
    desk.clear()
    t0 = time.perf_counter()
    r = anon.post("/v1/webhooks/chatwoot?token=cw-hook", json=_chatwoot_payload())
    assert r.status_code == 200 and r.json()["status"] == "accepted", r.text
    assert time.perf_counter() - t0 < 5  # answered before the work is done
    [req] = desk.wait_for(1)
    assert req["method"] == "POST" and req["path"] == "/api/v1/accounts/3/conversations/42/messages"
    assert req["headers"]["api_access_token"] == "cw-token"
    assert req["json"]["private"] is True and req["json"]["message_type"] == "outgoing"
    assert "Jonas" in req["json"]["content"] and "Suggested reply" in req["json"]["content"]


def test_chatwoot_ignores_its_own_outgoing_and_private_messages(anon, desk):
    desk.clear()
    for p in (_chatwoot_payload(message_type="outgoing", sender={"id": 1, "name": "Bot", "type": "agent_bot"}),
              _chatwoot_payload(private=True, message_type="outgoing"),
              _chatwoot_payload(sender={"id": 2, "name": "Mira", "type": "user"}),
              _chatwoot_payload(event="conversation_created"),
              _chatwoot_payload(content="")):
        r = anon.post("/v1/webhooks/chatwoot?token=cw-hook", json=p)
        assert r.status_code == 200 and r.json()["status"] == "ignored", r.text
    _assert_error(anon.post("/v1/webhooks/chatwoot?token=wrong", json=_chatwoot_payload()), 401, "E601")
    _assert_error(anon.post("/v1/webhooks/chatwoot?token=cw-hook", content=b"{no json",
                            headers={"content-type": "application/json"}), 400, "E603")
    time.sleep(0.5)
    assert desk.requests == []


def test_webhook_ids_that_would_change_the_help_desk_url_are_ignored(anon, desk):
    desk.clear()
    for conv, acc in (({"id": "../../../api/v1/profile"}, {"id": 3}), ({"id": 42}, {"id": "3/../../x"}),
                      ({"id": True}, {"id": 3}), ({"id": 1e308}, {"id": 3})):
        r = anon.post("/v1/webhooks/chatwoot?token=cw-hook", json=_chatwoot_payload(conversation=conv, account=acc))
        assert r.status_code == 200 and r.json()["status"] == "ignored", r.text
    r = _zendesk_post(anon, {**_zendesk_payload("e-path"), "detail": {"id": "35436/../../users/me"}})
    assert r.status_code == 200 and r.json()["status"] == "ignored", r.text
    _assert_error(anon.post("/v1/webhooks/chatwoot?token=cw-hook", content=b'{"a":' * 50_000 + b"1" + b"}" * 50_000,
                            headers={"content-type": "application/json"}), 400, "E603")
    time.sleep(0.5)
    assert desk.requests == []


def test_webhooks_without_their_own_secret_never_let_anyone_in(assistant, desk):
    """No Chatwoot webhook_token: ?token= must be an API key. No Zendesk secret: nothing is accepted
    (an empty HMAC key would let anyone sign)."""
    from replyassist.service.app import create_app
    from replyassist.service.auth import hash_key
    from replyassist.service.config import ChatwootConfig, ServiceConfig, ZendeskConfig
    from replyassist.service.adapters.zendesk import sign
    cfg = ServiceConfig(corpus=str(assistant.corpus.path or "faq_corpus/shop"), api_key_hashes=(hash_key(KEY),),
                        chatwoot=ChatwootConfig(base_url=desk.url, api_access_token="cw-token"),
                        zendesk=ZendeskConfig(secret="", base_url=desk.url))
    outgoing = _chatwoot_payload(message_type="outgoing")  # passes auth, then ignored: no model work
    with RunningServer(create_app(cfg, assistant=assistant)) as srv, httpx.Client(base_url=srv.url, timeout=60) as c:
        _assert_error(c.post("/v1/webhooks/chatwoot", json=outgoing), 401, "E601")
        _assert_error(c.post("/v1/webhooks/chatwoot?token=guess", json=outgoing), 401, "E601")
        r = c.post(f"/v1/webhooks/chatwoot?token={KEY}", json=outgoing)
        assert r.status_code == 200 and r.json()["status"] == "ignored", r.text
        raw = json.dumps(_zendesk_payload("e-nosecret")).encode()
        ts = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        e = _assert_error(c.post("/v1/webhooks/zendesk", content=raw, headers={
            "content-type": "application/json", "x-zendesk-webhook-signature": sign("", ts, raw),
            "x-zendesk-webhook-signature-timestamp": ts}), 404, "E614")
        assert "signing secret" in e["message"]


def _zendesk_payload(event_id="01JQMQH83YNAKWSWJ8B1QH2NSC", body="Hol van a csomagom? Már két hete várok!",
                     is_staff=False):
    """A ticket comment_added event webhook (shape from Zendesk's webhook event-type docs)."""
    return {
        "account_id": 21825834, "id": event_id, "subject": "zen:ticket:35436",
        "time": "2026-12-03T08:00:00Z", "type": "zen:event-type:ticket.comment_added",
        "zendesk_event_version": "2022-11-06",
        "detail": {"actor_id": "8447388090494", "assignee_id": None, "brand_id": "8447346621310",
                   "created_at": "2026-12-03T07:58:00Z", "description": "Hol van a csomagom?", "id": "35436",
                   "is_public": True, "priority": "normal", "requester_id": "8447388090494", "status": "OPEN",
                   "subject": "csomag", "submitter_id": "8447388090494", "tags": [], "type": "QUESTION",
                   "updated_at": "2026-12-03T08:00:00Z", "via": {"channel": "web_form"}},
        "event": {"comment": {"author": {"id": "8447388090494", "is_staff": is_staff, "name": "Kovács Anna"},
                              "body": body, "id": "30064117810589", "is_public": True},
                  "meta": {"sequence": {"id": "abc", "position": 1, "total": 1}}},
    }


def _zendesk_post(anon, payload, *, secret=ZD_SECRET, ts=None):
    import hashlib
    import hmac
    raw = json.dumps(payload).encode()
    ts = ts or datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    sig = base64.b64encode(hmac.new(secret.encode(), ts.encode() + raw, hashlib.sha256).digest()).decode()
    return anon.post("/v1/webhooks/zendesk", content=raw, headers={
        "content-type": "application/json", "x-zendesk-webhook-signature": sig,
        "x-zendesk-webhook-signature-timestamp": ts, "x-zendesk-webhook-id": "01HWEBHOOK",
        "x-zendesk-webhook-invocation-id": "8350205582"})


def test_zendesk_signed_event_gets_one_internal_note_even_when_retried(anon, desk):
    desk.clear()
    p = _zendesk_payload()
    r = _zendesk_post(anon, p)
    assert r.status_code == 200 and r.json()["status"] == "accepted", r.text
    r2 = _zendesk_post(anon, p)  # Zendesk retries: the same event id again
    assert r2.status_code == 200 and r2.json()["status"] == "duplicate"
    [req] = desk.wait_for(1)
    time.sleep(0.5)
    assert len(desk.requests) == 1
    assert req["method"] == "PUT" and req["path"] == "/api/v2/tickets/35436.json"
    assert req["json"]["ticket"]["comment"]["public"] is False
    assert "Anna" in req["json"]["ticket"]["comment"]["body"]
    user, _, token = base64.b64decode(req["headers"]["authorization"].split()[1]).decode().partition(":")
    assert user == "bot@example.com/token" and token == "zd-token"


def test_zendesk_refuses_bad_signatures_and_stale_timestamps(anon, desk):
    desk.clear()
    _assert_error(_zendesk_post(anon, _zendesk_payload("e-bad"), secret="wrong"), 401, "E609")
    _assert_error(_zendesk_post(anon, _zendesk_payload("e-old"), ts="2026-01-01T00:00:00Z"), 401, "E609")
    _assert_error(anon.post("/v1/webhooks/zendesk", json=_zendesk_payload("e-none")), 401, "E609")
    r = _zendesk_post(anon, _zendesk_payload("e-staff", is_staff=True))
    assert r.status_code == 200 and r.json()["status"] == "ignored"
    r = _zendesk_post(anon, {**_zendesk_payload("e-other"), "type": "zen:event-type:ticket.priority_changed"})
    assert r.json()["status"] == "ignored"
    time.sleep(0.5)
    assert desk.requests == []
