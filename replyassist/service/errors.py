"""The service's JSON errors: ``{"error": {"code", "message", "status", ...}}``.

Library errors keep their own codes (``E1xx`` input, ``E2xx`` corpus, ...); the HTTP layer adds
``E6xx`` (listed in ``docs/service.md``). A bad request never gets a 500 or a traceback.
"""
from __future__ import annotations

from typing import Any

from fastapi.responses import JSONResponse

#: HTTP-layer error codes: code -> (HTTP status, short name)
CODES: dict[str, tuple[int, str]] = {
    "E601": (401, "unauthorized: missing or wrong API key"),
    "E602": (413, "request body too large"),
    "E603": (400, "malformed JSON, or a body that is not UTF-8"),
    "E604": (422, "the JSON does not have the expected fields or types"),
    "E605": (404, "no such endpoint, job or resource"),
    "E606": (504, "the request took longer than the time limit"),
    "E607": (503, "not ready: the models are loading"),
    "E608": (405, "method not allowed"),
    "E609": (401, "webhook signature or timestamp invalid"),
    "E610": (500, "internal error (logged on the server)"),
    "E611": (413, "message longer than the service allows"),
    "E612": (409, "a corpus reload is already running"),
    "E613": (415, "unsupported content type"),
    "E614": (404, "webhook adapter not configured"),
    "E615": (503, "no feedback store configured (desk)"),
    "E616": (503, "the feedback store cannot be reached or written (desk)"),
}


class ServiceError(Exception):
    """An error the HTTP layer answers with its code and status."""

    def __init__(self, code: str, message: str, *, status: int | None = None, **extra: Any) -> None:
        super().__init__(f"[{code}] {message}")
        self.code = code
        self.message = message
        self.status = status or CODES.get(code, (400, ""))[0]
        self.extra = extra


def error_body(code: str, message: str, status: int, **extra: Any) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "status": status, **extra}}


def error_response(code: str, message: str, status: int | None = None, headers: dict[str, str] | None = None,
                   **extra: Any) -> JSONResponse:
    st = status or CODES.get(code, (400, ""))[0]
    return JSONResponse(error_body(code, message, st, **extra), status_code=st, headers=headers)


def library_error_status(code: str) -> int:
    """HTTP status of a library error (``ReplyAssistError.code``)."""
    if code.startswith("E1") or code.startswith("E4"):
        return 422
    if code.startswith("E2"):
        return 422
    return 500
