"""The service's JSON errors: ``{"error": {"code", "message", "status", ...}}``.

Library errors keep their own codes (``E1xx`` input, ``E2xx`` corpus, ...); the HTTP layer adds
``E6xx`` (listed in ``docs/service.md``). A bad request never gets a 500 or a traceback.
"""
from __future__ import annotations

from typing import Any

from fastapi.responses import JSONResponse

from ..errors import ErrorEntry, catalogue

#: HTTP-layer error codes: code -> (HTTP status, short name), from the catalogue (replyassist.errors.Errors)
CODES: dict[str, tuple[int, str]] = {e.code: (e.status, e.message) for e in catalogue() if e.status is not None}


class ServiceError(Exception):
    """An error the HTTP layer answers with its code and status.

    ``code`` is the catalogue entry (``Errors.E604``; a code string is accepted too) and ``message``
    the detail of this request (which field, which limit), saying what to change.

    >>> from replyassist.errors import Errors
    >>> ServiceError(Errors.E612, "A corpus reload is already running; retry when it has finished.").status
    409
    """

    def __init__(self, code: str | ErrorEntry, message: str, *, status: int | None = None, **extra: Any) -> None:
        if isinstance(code, ErrorEntry):
            code = code.code
        super().__init__(f"[{code}] {message}")
        self.code = code
        self.message = message
        self.status = status or CODES.get(code, (400, ""))[0]
        self.extra = extra


def error_body(code: str, message: str, status: int, **extra: Any) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "status": status, **extra}}


def error_response(code: str | ErrorEntry, message: str, status: int | None = None, headers: dict[str, str] | None = None,
                   **extra: Any) -> JSONResponse:
    if isinstance(code, ErrorEntry):
        code = code.code
    st = status or CODES.get(code, (400, ""))[0]
    return JSONResponse(error_body(code, message, st, **extra), status_code=st, headers=headers)


def library_error_status(code: str) -> int:
    """HTTP status of a library error (``ReplyAssistError.code``)."""
    if code.startswith("E1") or code.startswith("E4"):
        return 422
    if code.startswith("E2"):
        return 422
    return 500
