"""Domain errors: one tree, mapped to HTTP in one handler, body ``{"error", "detail", ...}``."""

from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException


class AppError(Exception):
    """Base of every error a client may see; ``extra`` adds ``field``, ``line`` or ``column``."""

    status = 400
    error = "BadRequest"

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = {key: value for key, value in extra.items() if value is not None}

    def body(self) -> dict[str, Any]:
        return {"error": self.error, "detail": self.detail, **self.extra}


class MalformedRequest(AppError):
    status, error = 400, "MalformedRequest"


class Unauthorized(AppError):
    status, error = 401, "Unauthorized"


class Forbidden(AppError):
    status, error = 403, "Forbidden"


class NotFound(AppError):
    status, error = 404, "NotFound"


class Conflict(AppError):
    status, error = 409, "Conflict"


class PayloadTooLarge(AppError):
    status, error = 413, "PayloadTooLarge"


class UnsupportedMediaType(AppError):
    status, error = 415, "UnsupportedMediaType"


class StorageUnavailable(AppError):
    status, error = 503, "StorageUnavailable"


class InvalidInput(AppError):
    status, error = 422, "InvalidInput"


class InvalidFile(InvalidInput):
    error = "InvalidFile"


class SchemaMismatch(InvalidInput):
    error = "SchemaMismatch"


_STATUS_NAMES = {
    400: "MalformedRequest",
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    405: "MethodNotAllowed",
    413: "PayloadTooLarge",
    415: "UnsupportedMediaType",
    429: "TooManyRequests",
}


def _validation_body(exc: RequestValidationError) -> tuple[int, dict[str, Any]]:
    errors = exc.errors()
    first = errors[0] if errors else {}
    location = [str(part) for part in first.get("loc", ()) if part != "body"]
    field = ".".join(location) or None
    if first.get("type") == "json_invalid":
        return 400, {"error": "MalformedRequest", "detail": "request body is not valid JSON"}
    message = first.get("msg", "invalid request")
    detail = f"{field}: {message}" if field else message
    body: dict[str, Any] = {"error": "ValidationError", "detail": detail}
    if field:
        body["field"] = field
    return 422, body


def install_error_handlers(app: FastAPI) -> None:
    """Every error, ours or the framework's, leaves in the contract's shape."""

    @app.exception_handler(AppError)
    async def _app_error(request: Request, exc: AppError) -> JSONResponse:
        headers = _error_headers(exc)
        return _respond(request, exc.status, exc.body(), headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        status, body = _validation_body(exc)
        return _respond(request, status, body)

    @app.exception_handler(DataError)
    async def _unstorable(request: Request, exc: DataError) -> JSONResponse:
        return _respond(request, 422, _unstorable_body(exc))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        name = _STATUS_NAMES.get(exc.status_code, "HTTPError")
        body = {"error": name, "detail": str(exc.detail)}
        return _respond(request, exc.status_code, body, exc.headers)


def _unstorable_body(exc: DataError) -> dict[str, Any]:
    """The database refused a value the request carried (PostgreSQL: NUL in text, a number
    out of its column's range): the client's input, not a fault of the service."""
    if "NUL" in str(exc.orig):
        return {"error": "InvalidInput", "detail": "text must not contain NUL (\\u0000) characters"}
    return {"error": "InvalidInput", "detail": "a value is out of range for what can be stored"}


def _respond(
    request: Request, status: int, body: dict[str, Any], headers: Mapping[str, str] | None = None
) -> JSONResponse:
    """The error response; its name and detail also go into the request's audit event."""
    context = request.scope.get("state", {}).get("audit")
    if context is not None:
        context.details["error"] = body["error"]
        context.details["detail"] = str(body["detail"])[:300]
    return JSONResponse(body, status_code=status, headers=headers)


class TooManyRequests(AppError):
    """Over a rate limit: ``retry_after`` (whole seconds) is also sent as ``Retry-After``."""

    status, error = 429, "TooManyRequests"

    def __init__(self, detail: str, retry_after: int, **extra: Any) -> None:
        super().__init__(detail, retry_after=retry_after, **extra)


class QueryTimeout(AppError):
    """The engine did not finish within the configured time; nothing was spent."""

    status, error = 503, "QueryTimeout"


def _error_headers(exc: AppError) -> dict[str, str] | None:
    if exc.status == 401:
        return {"WWW-Authenticate": "Bearer"}
    if "retry_after" in exc.extra:
        return {"Retry-After": str(exc.extra["retry_after"])}
    return None
