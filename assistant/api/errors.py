"""One JSON error body for every failure: {"error": {"status": 403, "code": "forbidden", "message": "..."}}."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from assistant.generators.common import GenerationError
from assistant.llm.base import LLMError

log = logging.getLogger(__name__)
LLM_RETRY_AFTER_S = 5

_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    422: "invalid_request",
    429: "rate_limited",
    503: "unavailable",
}


class ErrorDetail(BaseModel):
    status: int
    code: str
    message: str
    details: Any | None = None


class ErrorBody(BaseModel):
    error: ErrorDetail


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody, "description": code.replace("_", " ")}
    for status, code in _CODES.items()
    if status in (401, 403, 404, 422, 429)
}
# Routes that call the language model add these: 503 with Retry-After while it is down.
LLM_RESPONSES: dict[int | str, dict[str, Any]] = {503: {"model": ErrorBody, "description": "llm unavailable"}}


class ApiError(Exception):
    def __init__(
        self, status: int, message: str, code: str | None = None, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code or _CODES.get(status, "error")
        self.message = message
        self.headers = headers


def forbidden(message: str = "this key may not access that merchant's data") -> ApiError:
    return ApiError(403, message, "forbidden")


def error_response(
    status: int, code: str, message: str, details: Any = None, headers: dict[str, str] | None = None
) -> JSONResponse:
    body = ErrorBody(error=ErrorDetail(status=status, code=code, message=message, details=details))
    return JSONResponse(body.model_dump(exclude_none=True), status_code=status, headers=headers)


async def _api_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return error_response(exc.status, exc.code, exc.message, headers=exc.headers)


async def _http_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = _CODES.get(exc.status_code, "error")
    return error_response(exc.status_code, code, str(exc.detail), headers=getattr(exc, "headers", None))


async def _validation_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    details = [{"loc": list(e.get("loc", [])), "msg": e.get("msg", "")} for e in exc.errors()]
    first = details[0] if details else {"loc": [], "msg": "invalid request"}
    message = f"{'.'.join(str(p) for p in first['loc'])}: {first['msg']}"
    return error_response(422, "invalid_request", message, details)


async def _cannot_generate(_: Request, exc: Exception) -> JSONResponse:
    """The request cannot be served from the data (an unknown SKU, no room after the offer line...): the caller's
    to fix, so 422 with the reason, never a 500."""
    return error_response(422, "cannot_generate", str(exc))


async def _llm_unavailable(_: Request, exc: Exception) -> JSONResponse:
    log.warning("the language model failed: %s", exc)
    message = "the language model is not answering (or gave no valid output); try again shortly"
    return error_response(503, "llm_unavailable", message, headers={"Retry-After": str(LLM_RETRY_AFTER_S)})


async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error", exc_info=exc)
    return error_response(500, "internal", "internal error; see the service log")


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(GenerationError, _cannot_generate)  # a subclass of LLMError: checked first
    app.add_exception_handler(LLMError, _llm_unavailable)
    app.add_exception_handler(Exception, _unexpected)
