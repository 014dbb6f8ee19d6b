"""Chatwoot agent bot adapter.

Chatwoot posts every event of the inboxes the bot is connected to to the bot's outgoing URL
(here ``POST /v1/webhooks/chatwoot``). For a ``message_created`` event of an *incoming* message
(from the contact) the service answers 200 at once, then suggests a reply and posts the draft
back as a **private note** for the agent through Chatwoot's Messages API::

    POST {base_url}/api/v1/accounts/{account.id}/conversations/{conversation.id}/messages
    api_access_token: <bot or agent access token>
    {"content": "...", "message_type": "outgoing", "private": true}

Ignored (answered 200 with the reason): other events, outgoing/activity/template messages,
private notes (its own included), messages whose sender is not a contact, empty content.
Payload shape: Chatwoot's webhook docs (``message_created``: ``id``, ``content``,
``message_type``, ``private``, ``sender``, ``conversation``, ``account``, ``inbox``).
"""
from __future__ import annotations

import hmac
import logging
from dataclasses import dataclass
from typing import Any, Mapping

from . import note_text, positive_id

__all__ = ["ChatwootEvent", "parse_event", "ChatwootAdapter", "CHANNELS"]

log = logging.getLogger("replyassist.service")

#: Chatwoot inbox channel types -> replyassist channels
CHANNELS = {"Channel::WebWidget": "chat", "Channel::Email": "email", "Channel::TwitterProfile": "twitter",
            "Channel::FacebookPage": "facebook", "Channel::Instagram": "instagram", "Channel::Whatsapp": "chat",
            "Channel::Telegram": "chat", "Channel::Line": "chat", "Channel::Sms": "chat", "Channel::TwilioSms": "chat",
            "Channel::Api": None}


@dataclass(frozen=True)
class ChatwootEvent:
    message_id: str
    content: str
    account_id: int | str
    conversation_id: int | str
    customer_name: str | None
    channel: str | None
    agent_name: str | None



def _sub(obj: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    """``obj[key]`` when it is a JSON object, else an empty mapping."""
    v = obj.get(key)
    return v if isinstance(v, Mapping) else {}

def parse_event(payload: Any) -> tuple[ChatwootEvent | None, str]:
    """``(event, "")`` for an incoming contact message to answer, else ``(None, reason it is ignored)``."""
    if not isinstance(payload, Mapping):
        return None, "payload is not a JSON object"
    if payload.get("event") != "message_created":
        return None, f"event {payload.get('event')!r} is not message_created"
    if payload.get("message_type") not in ("incoming", 0):
        return None, f"message_type {payload.get('message_type')!r} is not incoming"
    if payload.get("private"):
        return None, "private note"
    sender = _sub(payload, "sender")
    if sender.get("type") not in (None, "contact"):
        return None, f"sender type {sender.get('type')!r} is not a contact"
    content = payload.get("content")
    if not isinstance(content, str) or not content.strip():
        return None, "no text content"
    conv = _sub(payload, "conversation")
    account = _sub(payload, "account")
    conv_id = positive_id(conv.get("display_id", conv.get("id")))
    account_id = positive_id(account.get("id"))
    if conv_id is None or account_id is None:  # they go into the API's URL path
        return None, "conversation.id or account.id missing or not a positive integer"
    meta = _sub(conv, "meta")
    assignee = _sub(meta, "assignee")
    name = sender.get("name")
    mid = payload.get("id")
    return ChatwootEvent(message_id=str(mid) if isinstance(mid, (int, str)) else "", content=content, account_id=account_id,
                         conversation_id=conv_id, customer_name=name if isinstance(name, str) and name else None,
                         channel=CHANNELS.get(str(conv.get("channel")), None),
                         agent_name=assignee.get("name") if isinstance(assignee.get("name"), str) else None), ""


class ChatwootAdapter:
    def __init__(self, config: Any, suggest: Any, http: Any, metrics: Any) -> None:
        self.config = config
        self.suggest = suggest      # async (list[dict]) -> list[Suggestion | error]
        self.http = http            # () -> httpx.AsyncClient
        self.metrics = metrics

    def token_ok(self, token: str | None) -> bool:
        want = self.config.webhook_token
        if not want:
            return True
        return token is not None and bool(token) and hmac.compare_digest(token.encode(), want.encode())

    async def process(self, ev: ChatwootEvent) -> None:
        """Suggest, then post the private note (runs after the webhook was answered)."""
        try:
            [res] = await self.suggest([{"text": ev.content, "customer_name": ev.customer_name,
                                         "agent_name": ev.agent_name, "channel": ev.channel,
                                         "id": ev.message_id or None}])
            if not hasattr(res, "to_dict"):
                self.metrics.webhook("chatwoot", "suggest_failed")
                log.warning("chatwoot: no suggestion for message %s: %s", ev.message_id, res)
                return
            content = note_text(res.to_dict(), self.config.note_header)
            url = (f"{self.config.base_url.rstrip('/')}/api/v1/accounts/{ev.account_id}/conversations/"
                   f"{ev.conversation_id}/messages")
            r = await self.http().post(url, json={"content": content, "message_type": "outgoing", "private": True},
                                       headers={"api_access_token": self.config.api_access_token},
                                       timeout=self.config.timeout_s)
            ok = 200 <= r.status_code < 300
            self.metrics.webhook("chatwoot", "posted" if ok else f"post_http_{r.status_code}")
            if not ok:
                log.warning("chatwoot: posting the note failed: HTTP %s", r.status_code)
        except Exception as exc:  # logged, counted; never raised into the server
            self.metrics.webhook("chatwoot", "post_failed")
            log.warning("chatwoot: processing message %s failed: %s: %s", ev.message_id, type(exc).__name__, exc)
