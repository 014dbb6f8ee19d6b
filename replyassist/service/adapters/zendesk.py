"""Zendesk webhook adapter.

Zendesk signs each webhook request: ``X-Zendesk-Webhook-Signature`` is
``base64(HMAC-SHA256(signing_secret, timestamp + raw_body))`` and
``X-Zendesk-Webhook-Signature-Timestamp`` the timestamp. The service

1. verifies the signature (constant time) and that the timestamp is within ``max_skew_s``,
2. ignores an event id it has already seen (Zendesk retries, and does not keep order),
3. answers 200 at once, and only then suggests a reply and adds it to the ticket as an
   **internal note** (``PUT /api/v2/tickets/{id}.json`` with ``comment.public = false``).

Events handled (Zendesk's event-webhook payloads: ``type``, ``id``, ``time``, ``subject``,
``detail`` = the ticket, ``event``): ``zen:event-type:ticket.comment_added`` with a public
comment whose author is not staff (``event.comment.body``), and ``zen:event-type:ticket.created``
(``detail.description``). Everything else is acknowledged and ignored.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Mapping

from . import note_text, positive_id

__all__ = ["sign", "verify", "Dedupe", "ZendeskEvent", "parse_event", "ZendeskAdapter"]

log = logging.getLogger("replyassist.service")

CHANNELS = {"email": "email", "web": "email", "api": None, "mobile": "chat", "chat": "chat", "native_messaging": "chat",
            "twitter": "twitter", "facebook": "facebook", "instagram_dm": "instagram", "whatsapp": "chat",
            "voice": "phone", "any_channel": None}


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The signature Zendesk sends for ``body`` at ``timestamp``."""
    mac = hmac.new(secret.encode("utf-8"), timestamp.encode("utf-8") + body, hashlib.sha256).digest()
    return base64.b64encode(mac).decode("ascii")


def verify(secret: str, body: bytes, signature: str | None, timestamp: str | None, *, max_skew_s: float = 300.0,
           now: datetime | None = None) -> str | None:
    """``None`` when the request is authentic and fresh, else the reason it is not."""
    if not signature or not timestamp:
        return "X-Zendesk-Webhook-Signature and X-Zendesk-Webhook-Signature-Timestamp headers are required"
    expected = sign(secret, timestamp, body)
    if not hmac.compare_digest(expected.encode("ascii"), signature.strip().encode("utf-8", "replace")):
        return "signature does not match the body (wrong signing secret, or the body was changed)"
    try:
        ts = datetime.fromisoformat(timestamp.strip().replace("Z", "+00:00"))
    except ValueError:
        return f"timestamp {timestamp[:40]!r} is not ISO 8601"
    if ts.tzinfo is None:
        ts = ts.replace(tzinfo=timezone.utc)
    skew = abs(((now or datetime.now(timezone.utc)) - ts).total_seconds())
    if skew > max_skew_s:
        return f"timestamp is {skew:.0f} s away from the server clock (more than {max_skew_s:.0f} s): replayed or stale"
    return None


class Dedupe:
    """Event ids seen recently (bounded, thread-safe): ``first(id)`` is True once per id."""

    def __init__(self, size: int = 10_000) -> None:
        self.size = size
        self._seen: "OrderedDict[str, None]" = OrderedDict()
        self._lock = threading.Lock()

    def first(self, key: str) -> bool:
        with self._lock:
            if key in self._seen:
                self._seen.move_to_end(key)
                return False
            self._seen[key] = None
            while len(self._seen) > self.size:
                self._seen.popitem(last=False)
            return True


@dataclass(frozen=True)
class ZendeskEvent:
    event_id: str
    ticket_id: str
    text: str
    customer_name: str | None
    channel: str | None



def _sub(obj: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    """``obj[key]`` when it is a JSON object, else an empty mapping."""
    v = obj.get(key)
    return v if isinstance(v, Mapping) else {}

def parse_event(payload: Any) -> tuple[ZendeskEvent | None, str]:
    """``(event, "")`` for a customer message to answer, else ``(None, reason it is ignored)``."""
    if not isinstance(payload, Mapping):
        return None, "payload is not a JSON object"
    etype = payload.get("type")
    detail = _sub(payload, "detail")
    event = _sub(payload, "event")
    ticket_id = detail.get("id")
    if ticket_id is None and isinstance(payload.get("subject"), str) and payload["subject"].startswith("zen:ticket:"):
        ticket_id = payload["subject"].rsplit(":", 1)[1]
    via = _sub(detail, "via")
    channel = CHANNELS.get(str(via.get("channel")), None)
    if etype == "zen:event-type:ticket.comment_added":
        comment = _sub(event, "comment")
        author = _sub(comment, "author")
        if author.get("is_staff"):
            return None, "comment by staff"
        if comment.get("is_public") is False:
            return None, "internal note"
        text, name = comment.get("body"), author.get("name")
    elif etype == "zen:event-type:ticket.created":
        text, name = detail.get("description"), None
    else:
        return None, f"event type {etype!r} not handled"
    if not isinstance(text, str) or not text.strip():
        return None, "no text"
    if positive_id(ticket_id) is None:  # it goes into the API's URL path
        return None, "no ticket id, or not a number"
    eid = payload.get("id")
    return ZendeskEvent(event_id=str(eid) if isinstance(eid, (int, str)) else "", ticket_id=str(positive_id(ticket_id)), text=text,
                        customer_name=name if isinstance(name, str) and name else None, channel=channel), ""


class ZendeskAdapter:
    def __init__(self, config: Any, suggest: Any, http: Any, metrics: Any, dedupe_size: int = 10_000) -> None:
        self.config = config
        self.suggest = suggest
        self.http = http
        self.metrics = metrics
        self.dedupe = Dedupe(dedupe_size)

    async def process(self, ev: ZendeskEvent) -> None:
        try:
            [res] = await self.suggest([{"text": ev.text, "customer_name": ev.customer_name, "channel": ev.channel,
                                         "id": ev.event_id or None}])
            if not hasattr(res, "to_dict"):
                self.metrics.webhook("zendesk", "suggest_failed")
                log.warning("zendesk: no suggestion for ticket %s: %s", ev.ticket_id, res)
                return
            body = note_text(res.to_dict(), "Suggested reply (replyassist, {band}{faq}):")
            url = f"{self.config.base_url.rstrip('/')}/api/v2/tickets/{ev.ticket_id}.json"
            auth = (f"{self.config.email}/token", self.config.api_token) if self.config.email else None
            r = await self.http().put(url, json={"ticket": {"comment": {"body": body, "public": False}}},
                                      auth=auth, timeout=self.config.timeout_s)
            ok = 200 <= r.status_code < 300
            self.metrics.webhook("zendesk", "posted" if ok else f"post_http_{r.status_code}")
            if not ok:
                log.warning("zendesk: adding the note to ticket %s failed: HTTP %s", ev.ticket_id, r.status_code)
        except Exception as exc:
            self.metrics.webhook("zendesk", "post_failed")
            log.warning("zendesk: processing ticket %s failed: %s: %s", ev.ticket_id, type(exc).__name__, exc)
