"""Request size limit as plain ASGI middleware: a body over the limit is refused with 413 (E602)
before it is read into memory, whether or not the client sent Content-Length."""
from __future__ import annotations

import json
from typing import Any, Awaitable, Callable

__all__ = ["BodyLimitMiddleware"]

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]


class BodyLimitMiddleware:
    """``limit`` bytes for every request; paths starting with one of ``upload_prefixes`` get ``upload_limit``."""

    def __init__(self, app: Any, limit: int, upload_limit: int, upload_prefixes: tuple[str, ...] = ()) -> None:
        self.app = app
        self.limit = limit
        self.upload_limit = upload_limit
        self.upload_prefixes = upload_prefixes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        limit = self.upload_limit if path.startswith(self.upload_prefixes) else self.limit
        for k, v in scope.get("headers", []):
            if k == b"content-length":
                try:
                    n = int(v)
                except ValueError:
                    n = -1
                if n > limit or n < 0:
                    await self._refuse(send, limit)
                    return
        # Read the body here, counting, and refuse as soon as it passes the limit: the app is never
        # called with an oversized body (and no exception has to travel through it).
        chunks: list[bytes] = []
        seen = 0
        while True:
            msg = await receive()
            if msg["type"] == "http.disconnect":
                return
            if msg["type"] != "http.request":  # pragma: no cover - not sent by servers before the body
                continue
            body = msg.get("body", b"")
            seen += len(body)
            if seen > limit:
                await self._refuse(send, limit)
                return
            chunks.append(body)
            if not msg.get("more_body", False):
                break
        whole = b"".join(chunks)
        sent = False

        async def replay() -> dict[str, Any]:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": whole, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    @staticmethod
    async def _refuse(send: Send, limit: int) -> None:
        body = json.dumps({"error": {"code": "E602", "status": 413,
                                     "message": f"The request body is larger than {limit:,} bytes; send less "
                                                "(split a batch, shorten the message) or raise max_body_bytes."}}).encode()
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                                (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": body})
