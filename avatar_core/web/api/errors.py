"""The API's errors: `{"error": {"code", "message"}}`, the status per domain error, OpenAPI examples."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from avatar_core.domain.errors import (
    AvatarError,
    InsufficientCredits,
    NoModelsAvailable,
    NotFound,
    PermissionDenied,
    RateLimited,
    TierRefused,
    TooBusy,
    ValidationError,
)

STATUS = {
    ValidationError: (422, "invalid"),
    NotFound: (404, "not_found"),
    InsufficientCredits: (402, "insufficient_credits"),
    TierRefused: (403, "tier"),
    PermissionDenied: (403, "forbidden"),
    RateLimited: (429, "rate_limited"),
    TooBusy: (429, "too_busy"),  # already AVATAR_USER_CONCURRENCY generations running
    NoModelsAvailable: (503, "unavailable"),
}


class ApiError(Exception):
    """An HTTP error with a code and a message."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def error(status: int, code: str, message: str, **extra: Any) -> JSONResponse:
    """The API's error shape."""
    return JSONResponse({"error": {"code": code, "message": message, **extra}}, status_code=status)


def error_example(code: str, message: str) -> dict[str, Any]:
    """An OpenAPI response entry showing the error shape."""
    return {"content": {"application/json": {"example": {"error": {"code": code, "message": message}}}}}


def example(value: Any, status: int = 200, **errors: dict[str, Any]) -> dict[int | str, Any]:
    """OpenAPI `responses` with an example for `status` (and error examples keyed by status)."""
    out: dict[int | str, Any] = {status: {"content": {"application/json": {"example": value}}}}
    out.update({int(k.lstrip("e")): v for k, v in errors.items()})
    return out


def db_id(value: int) -> int:
    """A database id; anything out of range is simply not found (never a 500)."""
    if not 0 < value < 2**31:
        raise NotFound("Not found.")
    return value


def add_error_handlers(api: FastAPI) -> None:
    """ApiError, domain errors and request validation errors, all in the API's error shape."""

    @api.exception_handler(ApiError)
    async def on_api_error(_request: Request, exc: ApiError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else {}
        response = error(exc.status, exc.code, exc.message)
        response.headers.update(headers)
        return response

    @api.exception_handler(AvatarError)
    async def on_avatar_error(_request: Request, exc: AvatarError) -> JSONResponse:
        status, code = next((v for k, v in STATUS.items() if isinstance(exc, k)), (400, "refused"))
        response = error(status, code, str(exc))
        if isinstance(exc, RateLimited):
            response.headers["Retry-After"] = str(exc.retry_after)
        elif isinstance(exc, TooBusy):
            response.headers["Retry-After"] = "5"  # about when a running generation may be done
        return response

    @api.exception_handler(RequestValidationError)
    async def on_invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()) if p != "body")
        return error(422, "invalid", f"{where}: {first.get('msg', 'invalid input')}".strip(": "))
