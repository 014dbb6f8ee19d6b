"""The FastAPI application: routes, auth, error handling, metrics.

``create_app(config, assistant=None)``: with no assistant given, the corpus and models are loaded
here, before the app is returned (and so before the server opens its port). Routes (all JSON):

=======================================  =================================================
``POST /v1/suggest``                     one message -> the suggestion (docs/json-schema.md)
``POST /v1/suggest/batch``               ``{"messages": [...]}`` -> ``{"results": [...]}``
``POST /v1/detect``                      language of a text
``GET  /v1/corpus``                      the corpus: entries, their languages
``POST /v1/corpus/reload``               re-read the corpus folder; refused with every problem
``POST /v1/gaps/jobs``                   upload a message log (multipart ``file``) -> job id
``GET  /v1/gaps/jobs/{id}``              poll: queued / running / done (with the report) / failed
``POST /v1/webhooks/chatwoot``           Chatwoot agent bot (adapters/chatwoot.py)
``POST /v1/webhooks/zendesk``            Zendesk webhook (adapters/zendesk.py)
``GET  /healthz``, ``GET /readyz``       liveness, readiness
``GET  /metrics``                        Prometheus text format
``GET  /docs``, ``GET /openapi.json``    documentation
=======================================  =================================================
"""
from __future__ import annotations

import asyncio
import json
import logging
import os
import time
from contextlib import asynccontextmanager
from typing import Annotated, Any, AsyncIterator, Literal, MutableMapping, Optional, Union

from fastapi import BackgroundTasks, Depends, FastAPI, File, Form, Query, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictBool, StrictStr
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from .. import __version__
from ..errors import CorpusError, Errors, ReplyAssistError
from ..text import replace_lone_surrogates
from .auth import KeyStore
from .batching import AnnounceMiddleware, BatchStats
from .config import ServiceConfig
from .errors import ServiceError, error_response, library_error_status
from .jobs import GapJobs
from .limits import BodyLimitMiddleware
from .metrics import Metrics
from .runner import ModelRunner

__all__ = ["create_app", "app_from_env"]

log = logging.getLogger("replyassist.service")


# ---- request bodies ---------------------------------------------------------------------------

#: a strict string (no number turned into text) with lone surrogates replaced by U+FFFD: JSON may carry
#: "\ud83d" without its pair (a client that cut an emoji in half), which cannot be written back as UTF-8
Text = Annotated[StrictStr, AfterValidator(replace_lone_surrogates)]


class HistoryItem(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: Text
    date: Optional[Text] = Field(None, description="ISO date, e.g. 2026-05-12")
    direction: Optional[Literal["in", "out"]] = Field(None, description="in = from the customer, out = from the team")


class MessageIn(BaseModel):
    """One incoming message and what the help desk knows around it (same fields as ``replyassist.Message``)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"text": "Hol van a csomagom? Már két hete várok!", "customer_name": "Kovács Anna",
         "agent_name": "Mira K.", "channel": "email"}]})
    text: Text = Field(..., description="the customer's message")
    customer_name: Optional[Text] = None
    agent_name: Optional[Text] = None
    channel: Optional[Text] = Field(None, description="email, chat, twitter, facebook, instagram, forum, phone, ...")
    customer_language: Optional[Text] = Field(None, description="known language of the customer (ISO 639-1), a hint")
    locale: Optional[Text] = Field(None, description="locale of the channel or market, e.g. de-AT, a hint")
    history: list[Union[Text, HistoryItem]] = Field(default_factory=list, description="earlier messages, oldest first")
    values: dict[Text, Text] = Field(default_factory=dict, description="placeholder values, e.g. order_id")
    id: Optional[Text] = Field(None, description="your id for the message, echoed as `id`")

    def to_message(self) -> dict[str, Any]:
        d = self.model_dump(exclude_none=True)
        d["history"] = [h if isinstance(h, str) else {k: v for k, v in h.items() if v is not None}
                        for h in d.get("history", [])]
        return d


class BatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    messages: list[MessageIn]


class DetectIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: Text
    customer_language: Optional[Text] = None
    locale: Optional[Text] = None
    segments: StrictBool = False


# ---- helpers ------------------------------------------------------------------------------------

def _corpus_summary(corpus: Any, *, entries: bool = True) -> dict[str, Any]:
    d: dict[str, Any] = {"name": corpus.name, "content_hash": corpus.content_hash,
                         "default_language": corpus.default_language, "languages": list(corpus.languages),
                         "answer_languages": list(corpus.answer_languages), "entry_count": len(corpus.entries)}
    if entries:
        d["entries"] = [{"id": e.id, "category": e.category, "tags": list(e.tags),
                         "question_languages": sorted(e.questions), "answer_languages": sorted(e.answers),
                         "languages": list(e.languages)} for e in corpus.entries]
    return d


def _error_of(res: Any) -> tuple[str, str, int]:
    if isinstance(res, ReplyAssistError):
        return res.code, res.message, library_error_status(res.code)
    return "E610", "internal error while suggesting; see the server log", 500


class _MetricsMiddleware:
    """Counts every request by route template and status, and times it (pure ASGI: cheap)."""

    def __init__(self, app: Any, metrics: Metrics, fastapi_app: FastAPI) -> None:
        self.app = app
        self.metrics = metrics
        self.fastapi_app = fastapi_app

    def _route(self, scope: dict[str, Any]) -> str:
        for r in self.fastapi_app.router.routes:
            m, _ = r.matches(scope)
            if m == Match.FULL:
                return getattr(r, "path", "?")
        return "unmatched"

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        t0 = time.perf_counter()
        status = 500
        self.metrics.add_inflight(1)

        async def send2(msg: dict[str, Any]) -> None:
            nonlocal status
            if msg["type"] == "http.response.start":
                status = msg["status"]
            await send(msg)
        try:
            await self.app(scope, receive, send2)
        finally:
            self.metrics.add_inflight(-1)
            self.metrics.request(scope.get("method", "?"), self._route(scope), status, time.perf_counter() - t0)


# ---- the app ------------------------------------------------------------------------------------

def load_assistant(config: ServiceConfig) -> Any:
    """The corpus and models of one worker (slow: seconds)."""
    from ..assistant import ReplyAssistant
    return ReplyAssistant.from_corpus(config.corpus, config.library or None)


def create_app(config: ServiceConfig, assistant: Any = None) -> FastAPI:
    """The service app; loads the corpus and models now unless ``assistant`` is given."""
    if assistant is None:
        t0 = time.perf_counter()
        assistant = load_assistant(config)
        log.info("worker %d: corpus %r and models loaded in %.1f s", os.getpid(), assistant.corpus.name,
                 time.perf_counter() - t0)
    metrics = Metrics()
    keys = KeyStore(config.api_key_hashes)

    def _on_batch(stats: BatchStats) -> None:
        metrics.batch_size(stats.messages)

    # dynamic micro-batching (batching.py): concurrent suggest requests (API, webhooks, desk) share
    # one suggest_many call, holding the runner's model lock, on the runner's one inference thread
    runner = ModelRunner(assistant, micro_batch=config.micro_batch, batch_wait_ms=config.batch_wait_ms,
                         on_batch=_on_batch)
    batcher = runner.batcher
    jobs = GapJobs(runner, on_status=metrics.job)
    http_client: dict[str, Any] = {}

    def http() -> Any:
        c = http_client.get("c")
        if c is None:
            import httpx
            c = http_client["c"] = httpx.AsyncClient()
        return c

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        runner.start()  # the inference thread (runner.batcher)
        try:
            yield
        finally:
            runner.stop()
            jobs.shutdown()
            if "c" in http_client:
                await http_client["c"].aclose()

    app = FastAPI(title="replyassist", version=__version__, lifespan=lifespan,
                  description="Multilingual reply suggestions for help desks: language, FAQ match, sentiment and "
                              "escalation, a personalised draft. The suggestion JSON is documented in "
                              "docs/json-schema.md; errors are `{\"error\": {\"code\", \"message\", \"status\"}}` "
                              "(codes in docs/service.md). Send the API key as `Authorization: Bearer KEY` or "
                              "`X-API-Key: KEY`.")
    app.state.config, app.state.runner, app.state.metrics, app.state.jobs = config, runner, metrics, jobs
    app.state.batcher = batcher

    bearer = HTTPBearer(auto_error=False, description="API key as a bearer token")
    api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False, description="API key")

    def _unauthorized() -> ServiceError:
        return ServiceError(Errors.E601, "Missing or wrong API key. Send it as 'Authorization: Bearer KEY' or "
                                    "'X-API-Key: KEY'.", headers={"WWW-Authenticate": "Bearer"})

    async def require_key(cred: Optional[HTTPAuthorizationCredentials] = Depends(bearer),
                          x_api_key: Optional[str] = Depends(api_key_header)) -> None:
        if not keys.enabled:  # no key configured: the server is bound to loopback only (server.py)
            return
        given = x_api_key or (cred.credentials if cred else None)
        if not keys.check(given):
            raise _unauthorized()

    def _refused_key(request: Request) -> bool:
        """The request's route needs a key and it has none or a wrong one (checked before its body is judged)."""
        if not keys.enabled:
            return False
        route = request.scope.get("route")
        deps = getattr(getattr(route, "dependant", None), "dependencies", ())
        if not any(d.call is require_key for d in deps):
            return False
        given = request.headers.get("x-api-key")
        if not given:
            scheme, _, cred = request.headers.get("authorization", "").partition(" ")
            given = cred.strip() if scheme.lower() == "bearer" else None
        return not keys.check(given)

    auth = [Depends(require_key)]

    # ---- error handlers: our JSON errors, never a traceback ----

    @app.exception_handler(ServiceError)
    async def _service_error(request: Request, exc: ServiceError) -> JSONResponse:
        metrics.error(exc.code)
        headers = exc.extra.pop("headers", None)
        return error_response(exc.code, exc.message, exc.status, headers=headers, **exc.extra)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        if _refused_key(request):  # a request without a valid key learns nothing about its body
            return await _service_error(request, _unauthorized())
        errs = exc.errors()
        ctype = request.headers.get("content-type", "")
        if request.method == "POST" and "json" not in ctype and "multipart" not in ctype and \
                any(tuple(e.get("loc", ())) == ("body",) for e in errs):
            metrics.error("E613")
            return error_response(Errors.E613, f"Content-Type {ctype or '(none)'} is not JSON; send the body as JSON with "
                                          "Content-Type: application/json (curl: -H 'Content-Type: application/json').")
        if any(e.get("type") == "json_invalid" for e in errs):
            metrics.error("E603")
            detail = next((e.get("ctx", {}).get("error") for e in errs if e.get("type") == "json_invalid"), None)
            return error_response(Errors.E603, "The body is not valid JSON" + (f" ({detail})" if detail else "") +
                                  ". Send a JSON object with Content-Type: application/json.")
        problems = [{"loc": [str(x) for x in e.get("loc", ())], "message": e.get("msg", ""), "type": e.get("type", "")}
                    for e in errs]
        metrics.error("E604")
        first = problems[0] if problems else {"loc": [], "message": ""}
        return error_response(Errors.E604, f"Invalid request: {'.'.join(first['loc'])}: {first['message']}"
                              + (f" (and {len(problems) - 1} more)" if len(problems) > 1 else "")
                              + ". See /docs for the expected fields and types.", problems=problems)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "E605", 405: "E608", 400: "E603", 413: "E602", 415: "E613", 401: "E601"}.get(exc.status_code,
                                                                                                     "E604")
        metrics.error(code)
        msg = {"E605": f"No endpoint {request.method} {request.url.path}; see /docs.",
               "E608": f"{request.method} is not allowed on {request.url.path}; see /docs.",
               "E603": "The body cannot be read: it is not valid JSON or not UTF-8 text. "
                       "Send UTF-8 JSON with Content-Type: application/json."}.get(code, str(exc.detail))
        return error_response(code, msg, exc.status_code)

    @app.exception_handler(ReplyAssistError)
    async def _library_error(request: Request, exc: ReplyAssistError) -> JSONResponse:
        metrics.error(exc.code)
        extra: dict[str, Any] = {}
        if isinstance(exc, CorpusError):
            extra["problems"] = [{"file": p.file, "line": p.line, "message": p.message} for p in exc.problems]
        return error_response(exc.code, exc.message, library_error_status(exc.code), **extra)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        metrics.error("E610")
        return error_response(Errors.E610, "Internal error; it has been logged on the server.", 500)

    # ---- suggestions ----

    async def _suggest(messages: list[dict[str, Any]], scope: Optional[MutableMapping[str, Any]] = None) -> list[Any]:
        for i, m in enumerate(messages):
            if len(m.get("text", "")) > config.max_message_chars:
                where = f"messages[{i}].text" if len(messages) > 1 else "text"
                raise ServiceError(Errors.E611, f"{where} has {len(m['text']):,} characters; this service accepts at most "
                                           f"{config.max_message_chars:,}. Send the newest part of the message.")
        try:
            results = await asyncio.wait_for(runner.suggest(messages, scope=scope), config.request_timeout_s)
        except asyncio.TimeoutError:
            raise ServiceError(Errors.E606, f"No answer within {config.request_timeout_s:g} s (the service is busy); "
                                       "retry later.") from None
        for r in results:
            if hasattr(r, "match"):
                metrics.suggestion(r.match.band, r.language)
            else:
                metrics.error(_error_of(r)[0])
        return results

    @app.post("/v1/suggest", dependencies=auth, tags=["suggest"],
              responses={200: {"description": "The suggestion: the JSON of `replyassist suggest --json` "
                                              "(docs/json-schema.md)."}})
    async def suggest(body: MessageIn, request: Request) -> JSONResponse:
        """Suggest a reply to one message."""
        [res] = await _suggest([body.to_message()], request.scope)
        if not hasattr(res, "to_dict"):  # its ReplyAssistError, or an InternalFailure
            code, msg, status = _error_of(res)
            return error_response(code, msg, status)
        return JSONResponse(res.to_dict())

    @app.post("/v1/suggest/batch", dependencies=auth, tags=["suggest"],
              responses={200: {"description": "`{\"count\", \"errors\", \"results\": [{\"ok\": true, \"suggestion\": "
                                              "{...}} | {\"ok\": false, \"error\": {\"code\", \"message\"}}]}`, "
                                              "in the order of the messages."}})
    async def suggest_batch(body: BatchIn, request: Request) -> JSONResponse:
        """Suggest replies to many messages at once (one model call); a bad message gets its error in its place."""
        if not body.messages:
            raise ServiceError(Errors.E604, "messages is empty; send at least one message.")
        if len(body.messages) > config.max_batch_messages:
            raise ServiceError(Errors.E604, f"{len(body.messages)} messages in one batch; at most "
                                       f"{config.max_batch_messages} are accepted. Split the batch.")
        results = await _suggest([m.to_message() for m in body.messages], request.scope)
        out = []
        for r in results:
            if hasattr(r, "to_dict"):
                out.append({"ok": True, "suggestion": r.to_dict()})
            else:
                code, msg, _ = _error_of(r)
                out.append({"ok": False, "error": {"code": code, "message": msg}})
        return JSONResponse({"count": len(out), "errors": sum(1 for o in out if not o["ok"]), "results": out})

    @app.post("/v1/detect", dependencies=auth, tags=["language"])
    async def detect(body: DetectIn) -> JSONResponse:
        """Detect the language of a text (the `language` object of a suggestion)."""
        from ..language import LanguageHints, detect_language
        if len(body.text) > config.max_message_chars:
            raise ServiceError(Errors.E611, f"text has {len(body.text):,} characters; at most {config.max_message_chars:,}.")
        hints = LanguageHints(customer_language=body.customer_language, locale=body.locale)
        r = await run_in_threadpool(runner.call, detect_language, body.text, hints=hints, segments=body.segments)
        return JSONResponse(r.to_dict())

    # ---- corpus ----

    @app.get("/v1/corpus", dependencies=auth, tags=["corpus"])
    async def corpus() -> JSONResponse:
        """The corpus being served: name, content hash, languages, and each entry with its languages."""
        return JSONResponse(_corpus_summary(runner.assistant.corpus))

    @app.post("/v1/corpus/reload", dependencies=auth, tags=["corpus"],
              responses={422: {"description": "The corpus has problems (code E200, `problems`: every one, with file "
                                              "and line); the corpus loaded before keeps serving."}})
    async def corpus_reload() -> JSONResponse:
        """Re-read the corpus folder the service was started with and serve it, if it is valid."""
        t0 = time.perf_counter()
        try:
            ra = await run_in_threadpool(runner.reload, config.corpus)
        except CorpusError:
            metrics.reload("refused")
            raise
        except RuntimeError as exc:
            if "already running" in str(exc):
                raise ServiceError(Errors.E612, "A corpus reload is already running; retry when it has finished.") from None
            raise
        metrics.reload("ok")
        return JSONResponse({"reloaded": True, "generation": runner.generation,
                             "seconds": round(time.perf_counter() - t0, 3),
                             "corpus": _corpus_summary(ra.corpus, entries=False)})

    # ---- gap analysis jobs ----

    @app.post("/v1/gaps/jobs", dependencies=auth, tags=["gaps"], status_code=202)
    async def gaps_start(file: UploadFile = File(..., description="message log: CSV/TSV with a text column, JSONL or JSON"),
                         min_gap_size: Optional[int] = Form(None, ge=1),
                         only_no_match: bool = Form(False),
                         text_column: Optional[str] = Form(None)) -> JSONResponse:
        """Start a FAQ-gap analysis over an uploaded message log (docs/gaps.md); poll the returned job."""
        data = await file.read()
        if not data.strip():
            raise ServiceError(Errors.E604, "The uploaded file is empty.")
        opts: dict[str, Any] = {}
        if min_gap_size is not None:
            opts["min_gap_size"] = min_gap_size
        if only_no_match:
            opts["gap_bands"] = ["no_match"]
        if text_column:
            opts["text_column"] = text_column
        job = jobs.submit(data, file.filename or "log.csv", opts)
        return JSONResponse({"id": job.id, "status": job.status, "poll": f"/v1/gaps/jobs/{job.id}"}, status_code=202)

    @app.get("/v1/gaps/jobs/{job_id}", dependencies=auth, tags=["gaps"])
    async def gaps_poll(job_id: str) -> JSONResponse:
        """A gap job: `status` queued / running / done (`report`: the report JSON without per-message rows) / failed."""
        job = jobs.get(job_id)
        if job is None:
            raise ServiceError(Errors.E605, f"No gap job {job_id!r} (jobs are kept in memory, per worker).")
        return JSONResponse(job.to_dict())

    # ---- webhooks (their own authentication) ----

    from .adapters.chatwoot import ChatwootAdapter
    from .adapters.chatwoot import parse_event as parse_chatwoot
    from .adapters.zendesk import ZendeskAdapter
    from .adapters.zendesk import parse_event as parse_zendesk
    from .adapters.zendesk import verify as verify_zendesk

    async def _hook_suggest(messages: list[dict[str, Any]]) -> list[Any]:
        return await _suggest(messages)

    chatwoot = ChatwootAdapter(config.chatwoot, _hook_suggest, http, metrics) if config.chatwoot else None
    zendesk = ZendeskAdapter(config.zendesk, _hook_suggest, http, metrics, config.dedupe_size) if config.zendesk else None
    app.state.chatwoot, app.state.zendesk = chatwoot, zendesk
    if zendesk is not None and not zendesk.config.secret:
        log.warning("[service.zendesk] has no signing secret (REPLYASSIST_ZENDESK_SECRET): its webhook refuses "
                    "every request")
    if chatwoot is not None and not chatwoot.config.webhook_token:
        log.warning("[service.chatwoot] has no webhook_token: the Chatwoot webhook %s", "takes an API key as ?token="
                    if keys.enabled else "is open to anyone who can reach this loopback address")

    @app.post("/v1/webhooks/chatwoot", tags=["webhooks"])
    async def chatwoot_hook(request: Request, background: BackgroundTasks,
                            token: Optional[str] = Query(None, description="the shared webhook_token, if configured")
                            ) -> JSONResponse:
        """Chatwoot agent bot: `message_created` of an incoming message -> a private note with the draft."""
        if chatwoot is None:
            raise ServiceError(Errors.E614, "The Chatwoot adapter is not configured ([service.chatwoot] in the settings).")
        if chatwoot.config.webhook_token:
            token_ok = chatwoot.token_ok(token)
        else:  # no webhook_token: with API keys configured, ?token= must be one of them
            token_ok = not keys.enabled or keys.check(token)
        if not token_ok:
            raise ServiceError(Errors.E601, "Wrong or missing webhook token (?token=...: the webhook_token of "
                                       "[service.chatwoot], or an API key when no webhook_token is set).")
        payload = _json_body(await request.body())
        ev, why = parse_chatwoot(payload)
        if ev is None:
            metrics.webhook("chatwoot", "ignored")
            return JSONResponse({"status": "ignored", "reason": why})
        metrics.webhook("chatwoot", "accepted")
        background.add_task(chatwoot.process, ev)
        return JSONResponse({"status": "accepted", "message_id": ev.message_id})

    @app.post("/v1/webhooks/zendesk", tags=["webhooks"])
    async def zendesk_hook(request: Request, background: BackgroundTasks) -> JSONResponse:
        """Zendesk webhook: verified, de-duplicated on the event id, answered at once; the note is added after."""
        if zendesk is None:
            raise ServiceError(Errors.E614, "The Zendesk adapter is not configured ([service.zendesk] in the settings).")
        if not zendesk.config.secret:  # an empty HMAC key would let anyone sign
            raise ServiceError(Errors.E614, "The Zendesk adapter has no signing secret (REPLYASSIST_ZENDESK_SECRET); "
                                       "every webhook is refused until it is set.")
        body = await request.body()
        why = verify_zendesk(zendesk.config.secret, body, request.headers.get("x-zendesk-webhook-signature"),
                             request.headers.get("x-zendesk-webhook-signature-timestamp"),
                             max_skew_s=zendesk.config.max_skew_s)
        if why:
            metrics.webhook("zendesk", "rejected")
            raise ServiceError(Errors.E609, f"Zendesk webhook refused: {why}.")
        payload = _json_body(body)
        key = (payload.get("id") if isinstance(payload, dict) else None) or \
            request.headers.get("x-zendesk-webhook-invocation-id")
        if key and not zendesk.dedupe.first(str(key)):
            metrics.webhook("zendesk", "duplicate")
            return JSONResponse({"status": "duplicate", "id": key})
        ev, why = parse_zendesk(payload)
        if ev is None:
            metrics.webhook("zendesk", "ignored")
            return JSONResponse({"status": "ignored", "reason": why})
        metrics.webhook("zendesk", "accepted")
        background.add_task(zendesk.process, ev)
        return JSONResponse({"status": "accepted", "id": key, "ticket_id": ev.ticket_id})

    # ---- operations ----

    @app.get("/healthz", tags=["operations"])
    async def healthz() -> JSONResponse:
        """Liveness: the process answers and its inference thread runs."""
        if not runner.alive:
            return error_response(Errors.E607, "The inference thread is not running.", 503)
        return JSONResponse({"status": "ok"})

    @app.get("/readyz", tags=["operations"])
    async def readyz() -> JSONResponse:
        """Readiness: models and corpus loaded, inference thread running."""
        if not runner.alive or runner.assistant is None:
            return error_response(Errors.E607, "Not ready: the models are loading.", 503)
        c = runner.assistant.corpus
        return JSONResponse({"status": "ready", "corpus": c.name, "content_hash": c.content_hash,
                             "generation": runner.generation, "pid": os.getpid(), "version": __version__,
                             "auth": keys.enabled})

    @app.get("/metrics", dependencies=auth, tags=["operations"], response_class=PlainTextResponse)
    async def prometheus() -> PlainTextResponse:
        """Prometheus text format (this worker's counters)."""
        return PlainTextResponse(metrics.render(len(runner.assistant.corpus.entries)),
                                 media_type="text/plain; version=0.0.4; charset=utf-8")

    @app.get("/", include_in_schema=False)
    async def index() -> JSONResponse:
        return JSONResponse({"service": "replyassist", "version": __version__, "docs": "/docs",
                             "openapi": "/openapi.json"})

    from .desk import install_desk  # the agent's desk: /desk and /desk/api (issue 17, docs/desk.md)
    install_desk(app, config, runner, auth)

    app.add_middleware(BodyLimitMiddleware, limit=config.max_body_bytes, upload_limit=config.max_upload_bytes,
                       upload_prefixes=("/v1/gaps/jobs",))
    app.add_middleware(_MetricsMiddleware, metrics=metrics, fastapi_app=app)
    app.add_middleware(AnnounceMiddleware, batcher=batcher, paths=("/v1/suggest", "/v1/suggest/batch"))
    return app


def _json_body(body: bytes) -> Any:
    """A webhook's JSON body (strings with lone surrogates cleaned), or E603 saying what is wrong with it."""
    try:
        return _clean_json(json.loads(body.decode("utf-8")))
    except UnicodeDecodeError:
        raise ServiceError(Errors.E603, "The body is not valid UTF-8.") from None
    except json.JSONDecodeError as exc:
        raise ServiceError(Errors.E603, f"The body is not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno}).") from None
    except RecursionError:
        raise ServiceError(Errors.E603, "The body is not usable JSON: nested too deeply.") from None
    except ValueError as exc:  # e.g. an integer of more than 4,300 digits
        raise ServiceError(Errors.E603, f"The body is not usable JSON ({str(exc)[:120]}).") from None


def _clean_json(v: Any) -> Any:
    if isinstance(v, str):
        return replace_lone_surrogates(v)
    if isinstance(v, list):
        return [_clean_json(x) for x in v]
    if isinstance(v, dict):
        return {replace_lone_surrogates(k): _clean_json(x) for k, x in v.items()}
    return v


def app_from_env() -> FastAPI:
    """App factory for uvicorn worker processes: the config comes from ``REPLYASSIST_SERVICE_CONFIG``."""
    from .config import ENV_CONFIG
    from .server import setup_logging
    setup_logging()
    text = os.environ.get(ENV_CONFIG)
    if not text:
        raise RuntimeError(f"{ENV_CONFIG} is not set; start the service with `replyassist serve`.")
    return create_app(ServiceConfig.from_json(text))
