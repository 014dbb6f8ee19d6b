"""The agent's desk: ``/desk`` (a static page) and its JSON API under ``/desk/api`` (docs/desk.md).

The page (``replyassist/service/static/desk/``: plain HTML, CSS and JavaScript, no build step)
calls ``/v1/suggest`` and these routes, with the same API key as the rest of the service (it asks
for the key when the service has one; without a key the service is on loopback only):

=======================================  =================================================
``GET  /desk``                           the page (no key needed: it holds no data)
``GET  /desk/api/config``                corpus entries (to choose another one), store, learning
``POST /desk/api/draft``                 a message + ``faq_id`` -> the suggestion drafted from that entry
``POST /desk/api/tone``                  tone findings on an edited draft
``POST /desk/api/feedback``              what the agent did -> one record (personal data masked)
``GET  /desk/api/feedback``              stored records (``since_id``, ``limit``, ``action``)
``GET  /desk/api/feedback.csv``          every record as CSV
``GET  /desk/api/stats``                 counts per action and language, what the matcher learned
``POST /desk/api/queue``                 add messages to the work queue
``GET  /desk/api/queue``                 the messages waiting
``POST /desk/api/queue/claim``           take the next (or a given) message for an agent
=======================================  =================================================

Learning: each worker keeps a :class:`~replyassist.feedback.FeedbackLearner` on its index; it
learns every record stored since its last look (its own and other workers') when it records a
decision, and every ``feedback_refresh_s`` seconds (a background thread, and on desk requests).
"""
from __future__ import annotations

import asyncio
import io
import logging
import os
import threading
import time
from dataclasses import replace
from pathlib import Path
from typing import Any, Literal, Optional

from fastapi import APIRouter, FastAPI, Query
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, ConfigDict, Field, StrictFloat, StrictInt, StrictStr
from starlette.concurrency import run_in_threadpool

from ..errors import INVALID_RECORD_CODES, Errors, FeedbackError, ReplyAssistError
from .errors import ServiceError

__all__ = ["install_desk", "default_feedback_url", "STATIC_DIR"]

log = logging.getLogger("replyassist.service")

STATIC_DIR = Path(__file__).resolve().parent / "static" / "desk"


def default_feedback_url() -> str:
    """``sqlite:////<data dir>/replyassist/feedback.db``: ``$REPLYASSIST_DATA``, else ``$XDG_DATA_HOME``,
    else ``~/.local/share`` (a data folder, not the model cache: the records are the team's work)."""
    base = os.environ.get("REPLYASSIST_DATA")
    if base:
        p = Path(base)
    else:
        p = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share") / "replyassist"
    return "sqlite:///" + str((p / "feedback.db").resolve())


# ---- request bodies ---------------------------------------------------------------------------

class SuggestionShown(BaseModel):
    model_config = ConfigDict(extra="forbid")
    faq_id: Optional[StrictStr] = Field(None, description="the entry the shown draft answered from (draft.faq_id)")
    band: Optional[Literal["confident", "suggest", "no_match"]] = None
    confidence: Optional[StrictFloat | StrictInt] = None
    text: Optional[StrictStr] = Field(None, description="the draft as shown, before the agent's edits")


class FeedbackIn(BaseModel):
    """What the agent did with one suggestion."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"message": {"text": "Wo bleibt meine Bestellung?", "customer_name": "Jonas", "channel": "email"},
         "action": "edited", "language": "de", "suggestion": {"faq_id": "order-status", "band": "suggest",
                                                              "confidence": 0.81, "text": "Hallo Jonas, ..."},
         "final_text": "Hallo Jonas, ... (edited)", "chosen_faq_id": "order-status", "agent": "mira"}]})
    message: dict[StrictStr, Any] = Field(..., description="the message object as sent to /v1/suggest (text, customer_name, ...)")
    action: Literal["accepted", "edited", "chose_other", "no_faq", "skipped"]
    language: Optional[StrictStr] = None
    script: Optional[StrictStr] = None
    suggestion: SuggestionShown = Field(default_factory=lambda: SuggestionShown.model_validate({}))
    final_text: Optional[StrictStr] = None
    chosen_faq_id: Optional[StrictStr] = None
    agent: Optional[StrictStr] = None
    queue_id: Optional[StrictInt] = None


class DraftIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    message: dict[StrictStr, Any]
    faq_id: StrictStr


class ToneIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: StrictStr
    language: StrictStr
    register_: Literal["formal", "informal"] = Field("formal", alias="register")
    customer_register: Optional[StrictStr] = None
    channel: Optional[StrictStr] = None
    negative_customer: bool = False
    value_spans: list[list[Any]] = Field(default_factory=list)
    personalisation: list[StrictStr] = Field(default_factory=list)


class QueueIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    messages: list[dict[StrictStr, Any]]


class ClaimIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    agent: StrictStr = Field(..., min_length=1, max_length=200)
    id: Optional[StrictInt] = None


# ---- the desk ---------------------------------------------------------------------------------

class Desk:
    """Per-worker state: the store, the learner on the current index, when it last looked."""

    def __init__(self, config: Any, runner: Any) -> None:
        self.config = config
        self.runner = runner
        self.store: Any = None
        url = (getattr(config, "feedback", "") or "").strip()
        if url.lower() in ("none", "off", "no"):
            url = ""
        self.url = url
        self.learn = bool(getattr(config, "feedback_learn", True))
        self.refresh_s = float(getattr(config, "feedback_refresh_s", 30.0))
        self.retention_days = float(getattr(config, "feedback_retention_days", 0) or 0)
        self._learner: Any = None
        self._last_refresh = 0.0
        self._last_purge = 0.0
        self._lock = threading.Lock()
        if url:
            from ..feedback import open_store
            self.store = open_store(url)   # migrates; a bad URL or an unreachable server fails the start
            log.info("feedback store: %s (schema %d)", self.store.url, self.store.schema_version())
            self.purge_if_due()
            if self.learn:
                n = self.refresh(force=True)
                log.info("learned %d labelled paraphrases from the feedback store", n)
                # other workers' and machines' decisions: looked for every feedback_refresh_s seconds
                threading.Thread(target=self._watch, name="replyassist-feedback-learner", daemon=True).start()

    def _watch(self) -> None:
        """Learn new records every ``refresh_s`` seconds while this worker's inference thread runs."""
        seen_alive = False
        while True:
            time.sleep(max(1.0, self.refresh_s))
            alive = bool(self.runner.alive)
            if seen_alive and not alive:   # the app was shut down
                return
            seen_alive = seen_alive or alive
            if not alive:
                continue
            try:
                n = self.refresh()
                if n:
                    log.info("learned %d new labelled paraphrases from the feedback store", n)
            except Exception:  # a store that is down now and then must not end the learning
                log.warning("feedback store: learning postponed", exc_info=True)

    def require_store(self) -> Any:
        if self.store is None:
            raise ServiceError(Errors.E615, "No feedback store is configured (started with --feedback none); "
                                       "restart with --feedback sqlite:///PATH or postgresql://... to record decisions.")
        return self.store

    def learner(self) -> Any:
        from ..feedback import FeedbackLearner
        index = self.runner.assistant.index
        if self._learner is None or self._learner.index is not index:   # first use, or after a corpus reload
            self._learner = FeedbackLearner(index)
        return self._learner

    def refresh(self, force: bool = False) -> int:
        """Learn what was stored since the last look (called in a worker thread); holds the model lock."""
        if self.store is None or not self.learn:
            return 0
        now = time.monotonic()
        if not force and now - self._last_refresh < self.refresh_s:
            return 0
        with self._lock:
            self._last_refresh = now
            with self.runner.lock:
                return int(self.learner().refresh(self.store))

    def purge_if_due(self) -> None:
        if self.store is None or self.retention_days <= 0:
            return
        now = time.monotonic()
        if self._last_purge and now - self._last_purge < 3600:
            return
        self._last_purge = now
        n = self.store.purge(self.retention_days)
        if n["records"] or n["queue_items"]:
            log.info("feedback retention (%g days): deleted %d records and %d queue items", self.retention_days,
                     n["records"], n["queue_items"])


def _store_error(exc: FeedbackError) -> ServiceError:
    if exc.code in INVALID_RECORD_CODES:
        return ServiceError(Errors.E604, exc.message)
    return ServiceError(Errors.E616, f"The feedback store is not available: {exc.message}")


def install_desk(app: FastAPI, config: Any, runner: Any, auth: list[Any]) -> Desk:
    """Add ``/desk`` and ``/desk/api`` to the service app (same ``auth`` dependencies as ``/v1``)."""
    desk = Desk(config, runner)
    app.state.desk = desk
    router = APIRouter(tags=["desk"])

    async def call_store(fn: Any, *a: Any, **k: Any) -> Any:
        try:
            return await run_in_threadpool(fn, *a, **k)
        except FeedbackError as exc:
            raise _store_error(exc) from None

    @router.get("/desk", include_in_schema=False)
    async def page() -> FileResponse:
        return FileResponse(STATIC_DIR / "index.html", media_type="text/html; charset=utf-8",
                            headers={"Cache-Control": "no-cache"})

    @router.get("/desk/api/config", dependencies=auth)
    async def desk_config() -> JSONResponse:
        """The corpus entries (id, category, a question per language) for "choose another entry", and the store."""
        ra = runner.assistant
        entries = []
        for e in ra.corpus.entries:
            qs = {lang: (qq[0] if qq else "") for lang, qq in sorted(e.questions.items())}
            entries.append({"id": e.id, "category": e.category, "questions": qs, "answer_languages": sorted(e.answers)})
        return JSONResponse({"corpus": ra.corpus.name, "content_hash": ra.corpus.content_hash,
                             "languages": list(ra.corpus.languages), "entries": entries,
                             "feedback": desk.store.url if desk.store is not None else None,
                             "learning": desk.learn and desk.store is not None,
                             "max_message_chars": config.max_message_chars})

    def _message(d: dict[str, Any]) -> dict[str, Any]:
        from .app import MessageIn
        try:
            m = MessageIn.model_validate(d)
        except Exception as exc:  # pydantic ValidationError: our E604 with the first problem
            errs: list[dict[str, Any]] = list(getattr(exc, "errors", lambda: [])())
            first = errs[0] if errs else {"loc": (), "msg": str(exc)}
            raise ServiceError(Errors.E604, f"Invalid message: {'.'.join(str(x) for x in first.get('loc', ()))}: "
                                       f"{first.get('msg', '')}.") from None
        if len(m.text) > config.max_message_chars:
            raise ServiceError(Errors.E611, f"text has {len(m.text):,} characters; this service accepts at most "
                                       f"{config.max_message_chars:,}.")
        return m.to_message()

    async def _one(msg: dict[str, Any]) -> Any:
        try:
            [res] = await asyncio.wait_for(runner.suggest([msg]), config.request_timeout_s)
        except asyncio.TimeoutError:
            raise ServiceError(Errors.E606, f"No answer within {config.request_timeout_s:g} s; retry later.") from None
        if isinstance(res, ReplyAssistError):
            raise res
        if not hasattr(res, "to_dict"):
            raise ServiceError(Errors.E610, "internal error while suggesting; see the server log", status=500)
        return res

    @router.post("/desk/api/draft", dependencies=auth)
    async def draft(body: DraftIn) -> JSONResponse:
        """The suggestion for a message, drafted from the entry the agent chose (``faq_id``)."""
        msg = _message(body.message)
        ra = runner.assistant
        if body.faq_id not in {e.id for e in ra.corpus.entries}:
            raise ServiceError(Errors.E605, f"No FAQ entry {body.faq_id!r} in the corpus {ra.corpus.name!r}; "
                                       "GET /desk/api/config lists them.")
        await run_in_threadpool(desk.refresh)
        sugg = await _one(msg)
        redrafted = await run_in_threadpool(runner.call, _redraft, ra, sugg, msg, body.faq_id)
        return JSONResponse(redrafted.to_dict())

    @router.post("/desk/api/tone", dependencies=auth)
    async def tone(body: ToneIn) -> JSONResponse:
        """Tone findings (kind, message, start, end, suggestion, severity) on a draft the agent edited."""
        if len(body.text) > config.max_message_chars:
            raise ServiceError(Errors.E611, f"text has {len(body.text):,} characters; at most {config.max_message_chars:,}.")
        from ..drafting import Draft
        spans = tuple((int(s[0]), int(s[1]), str(s[2])) for s in body.value_spans
                      if len(s) == 3 and 0 <= int(s[0]) <= int(s[1]) <= len(body.text))
        d = Draft(text=body.text, language=body.language, register=body.register_, channel=body.channel,
                  value_spans=spans, personalisation=tuple(body.personalisation),
                  customer_register=body.customer_register)
        ra = runner.assistant
        found = await run_in_threadpool(runner.call, ra.tone_checker.check, d, customer_register=body.customer_register,
                                        negative_customer=body.negative_customer, channel=body.channel)
        return JSONResponse({"tone": [f.to_dict() for f in found]})

    @router.post("/desk/api/feedback", dependencies=auth, status_code=201)
    async def feedback(body: FeedbackIn) -> JSONResponse:
        """Record what the agent did; personal data is masked before it is stored. Learned at once."""
        from ..feedback import FeedbackRecord
        store = desk.require_store()
        msg = _message(body.message)
        ra = runner.assistant
        known = {e.id for e in ra.corpus.entries}
        for name in ("chosen_faq_id",):
            v = getattr(body, name)
            if v is not None and v not in known:
                raise ServiceError(Errors.E604, f"{name} {v!r} is not an entry of the corpus {ra.corpus.name!r}.")
        chosen = body.chosen_faq_id
        if chosen is None and body.action in ("accepted", "edited"):
            chosen = body.suggestion.faq_id
        if body.action in ("no_faq", "skipped"):
            chosen = None
        names = [n for n in (msg.get("customer_name"),) if n]
        try:
            rec = FeedbackRecord(
                message=msg["text"], action=body.action, language=body.language, script=body.script,
                channel=msg.get("channel"), agent=body.agent, suggested_faq_id=body.suggestion.faq_id,
                suggested_band=body.suggestion.band,
                suggested_confidence=None if body.suggestion.confidence is None else float(body.suggestion.confidence),
                suggested_text=body.suggestion.text, final_text=body.final_text, chosen_faq_id=chosen,
                corpus=ra.corpus.name, corpus_hash=ra.corpus.content_hash, message_id=msg.get("id"),
                queue_id=body.queue_id, extra={"worker_pid": os.getpid()})
        except FeedbackError as exc:
            raise _store_error(exc) from None
        saved = await call_store(store.add, rec, names=names)
        learned = 0
        if desk.learn and saved.label:
            try:
                learned = await run_in_threadpool(desk.refresh, True)
            except FeedbackError as exc:  # stored; learning waits for the next look
                log.warning("feedback %s stored, learning postponed: %s", saved.id, exc.message)
        return JSONResponse({"id": saved.id, "record": saved.to_dict(), "learned": learned}, status_code=201)

    @router.get("/desk/api/feedback", dependencies=auth)
    async def feedback_list(since_id: int = Query(0, ge=0), limit: int = Query(100, ge=1, le=10000),
                            action: Optional[Literal["accepted", "edited", "chose_other", "no_faq", "skipped"]] = None
                            ) -> JSONResponse:
        """Stored records (masked), oldest first, after ``since_id``."""
        store = desk.require_store()
        recs = await call_store(store.records, since_id=since_id, limit=limit, actions=[action] if action else None)
        return JSONResponse({"count": len(recs), "records": [r.to_dict() for r in recs]})

    @router.get("/desk/api/feedback.csv", dependencies=auth)
    async def feedback_csv() -> Response:
        """Every record as CSV (masked, as stored)."""
        store = desk.require_store()
        buf = io.StringIO()
        await call_store(store.export_csv, buf)
        return Response(buf.getvalue(), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": 'attachment; filename="feedback.csv"'})

    @router.get("/desk/api/stats", dependencies=auth)
    async def stats() -> JSONResponse:
        """Counts per action, language and queue status; what this worker's matcher learned."""
        store = desk.require_store()
        s = await call_store(store.stats)
        s["learning"] = desk.learner().describe() if desk.learn else None
        s["pid"] = os.getpid()
        return JSONResponse(s)

    @router.post("/desk/api/queue", dependencies=auth, status_code=201)
    async def queue_add(body: QueueIn) -> JSONResponse:
        """Add messages (``/v1/suggest`` message objects) to the work queue."""
        store = desk.require_store()
        if not body.messages:
            raise ServiceError(Errors.E604, "messages is empty; send at least one message.")
        if len(body.messages) > config.max_batch_messages:
            raise ServiceError(Errors.E604, f"{len(body.messages)} messages; at most {config.max_batch_messages} per call.")
        msgs = [_message(m) for m in body.messages]
        ids = await call_store(store.queue_add, msgs)
        return JSONResponse({"ids": ids}, status_code=201)

    @router.get("/desk/api/queue", dependencies=auth)
    async def queue_list() -> JSONResponse:
        """Messages waiting (open or claimed), oldest first, with a masked preview."""
        store = desk.require_store()
        await run_in_threadpool(desk.purge_if_due)
        items = await call_store(store.queue_list)
        return JSONResponse({"count": len(items), "items": [dict(i) for i in items]})

    @router.post("/desk/api/queue/claim", dependencies=auth)
    async def queue_claim(body: ClaimIn) -> JSONResponse:
        """Take the next open message (or ``id``) for ``agent``; ``{"item": null}`` when the queue is empty."""
        store = desk.require_store()
        item = await call_store(store.queue_claim, body.agent, body.id)
        if item is None and body.id is not None:
            raise ServiceError(Errors.E605, f"No queue item {body.id}.")
        return JSONResponse({"item": None if item is None else dict(item)})

    app.include_router(router)
    app.mount("/desk/static", StaticFiles(directory=str(STATIC_DIR)), name="desk-static")
    return desk


def _redraft(ra: Any, sugg: Any, msg: dict[str, Any], faq_id: str) -> Any:
    """``sugg`` drafted from ``faq_id`` (the drafter's ``DraftRequest.faq_id``), tone-checked again."""
    from ..assistant import Message, _history_texts
    from ..drafting import DraftRequest
    from ..signals.situation import detect_situations
    m = Message.coerce(msg)
    prep, lang, sig = sugg.message, sugg.language_result, sugg.signals
    situations = detect_situations(prep.text, lang.language, _history_texts(m.history), cues=sig.escalation.signals)
    d = ra.drafter.draft(DraftRequest(
        message=prep.text, language=lang.language, script=lang.script, match=sugg.match, corpus=ra.corpus,
        sentiment_label=sig.sentiment.label, escalation_action=sig.escalation.action, customer_name=m.customer_name,
        agent_name=m.agent_name, channel=m.channel, history=tuple(m.history), values=ra._values(m, prep),
        faq_id=faq_id, situations=situations.kinds, sentiment_score=sig.sentiment.score))
    tone = ra.tone_checker.check(d, customer_register=d.customer_register,
                                 negative_customer=sig.sentiment.label == "negative", channel=m.channel)
    return replace(sugg, draft=d, tone=tuple(tone))
