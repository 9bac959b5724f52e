"""One error body for every failure: ``{"error": {"code", "message", "details"}}``.

Our own errors map to a status by what the caller should do about them; request validation
becomes 422 with pydantic's findings as details; anything unexpected is a 500 whose body says
nothing about the server's internals (the traceback goes to the log only)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match, Route

from alpha_arena.api.recent_errors import record_error
from alpha_arena.core.errors import (
    AgentError,
    ArenaError,
    ConfigurationError,
    ConflictError,
    DataIntegrityError,
    InvalidInputError,
    NotFoundError,
    OrderRejectedError,
    SourceUnavailableError,
    TemporaryError,
    TradingDisabledError,
)

logger = logging.getLogger(__name__)


class ErrorDetail(BaseModel):
    code: str = Field(examples=["not_found"])
    message: str = Field(examples=["no season 42 (see `arena season list`)"])
    details: Any = Field(default=None, examples=[None])


class ErrorBody(BaseModel):
    error: ErrorDetail


class ApiError(Exception):
    """A failure the API itself decides (auth, rate limit, body size)."""

    def __init__(self, status: int, code: str, message: str, details: Any = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details


#: Most specific first: NotFoundError and ConflictError are InvalidInputErrors too.
_ARENA_STATUS: tuple[tuple[type[ArenaError], int, str], ...] = (
    (NotFoundError, 404, "not_found"),
    (ConflictError, 409, "conflict"),
    (InvalidInputError, 400, "invalid_input"),
    (SourceUnavailableError, 502, "source_unavailable"),
    (AgentError, 502, "agent_error"),
    (OrderRejectedError, 422, "order_rejected"),
    (TradingDisabledError, 403, "trading_disabled"),
    (TemporaryError, 503, "temporarily_unavailable"),
    (ConfigurationError, 500, "configuration_error"),
    (DataIntegrityError, 500, "data_integrity"),
)

_HTTP_CODES = {
    400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
    405: "method_not_allowed", 409: "conflict", 413: "body_too_large", 415: "unsupported_media",
    422: "validation_error", 429: "rate_limited",
}  # fmt: skip

#: The documented error responses of every route (OpenAPI).
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody, "description": description}
    for status, description in (
        (400, "The input is wrong"), (404, "Not found"), (422, "The request failed validation"),
        (429, "Too many requests"), (500, "Server error"),
    )
}  # fmt: skip
WRITE_RESPONSES: dict[int | str, dict[str, Any]] = {
    **ERROR_RESPONSES,
    401: {"model": ErrorBody, "description": "Missing or wrong bearer token"},
    403: {"model": ErrorBody, "description": "The server is read-only (no token configured)"},
    409: {"model": ErrorBody, "description": "The request clashes with the current state"},
    413: {"model": ErrorBody, "description": "The request body is too large"},
}


def error_response(
    status: int,
    code: str,
    message: str,
    details: Any = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    """The unified body; ``headers`` are those the status calls for (a 405's ``Allow``)."""
    body = {"error": {"code": code, "message": message, "details": details}}
    sent = dict(headers or {})
    if status == 401:
        sent["WWW-Authenticate"] = "Bearer"
    return JSONResponse(body, status_code=status, headers=sent or None)


def arena_status(error: ArenaError) -> tuple[int, str]:
    for kind, status, code in _ARENA_STATUS:
        if isinstance(error, kind):
            return status, code
    return 500, "internal"


def allowed_methods(request: Request) -> str:
    """Every method the request's path serves. Starlette's 405 names only those of the first
    route matching the path, though a path often has one route per method (GET and POST)."""
    methods: set[str] = set()
    for route in request.app.router.routes:
        if isinstance(route, Route) and route.methods:
            match, _ = route.matches(request.scope)
            if match is not Match.NONE:
                methods |= route.methods
    return ", ".join(sorted(methods))


def _keep(request: Request, kind: str, error: Exception) -> None:
    """Keep a failed request among the server's recent errors (GET /system/errors)."""
    state = getattr(request.app.state, "arena", None)
    if state is not None:  # None: the failure came before startup finished
        record_error(state, kind, error, f"{request.method} {request.url.path}")


def install_error_handlers(app: FastAPI) -> None:
    async def on_api_error(_request: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, ApiError)
        return error_response(error.status, error.code, error.message, error.details)

    async def on_arena_error(request: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, ArenaError)
        status, code = arena_status(error)
        if status >= 500:
            logger.error("request failed: %s", error)
            _keep(request, f"http_{status}", error)
        return error_response(status, code, str(error))

    async def on_validation(_request: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, RequestValidationError)
        details = [
            {"location": [str(part) for part in item["loc"]], "message": item["msg"],
             "type": item["type"]}
            for item in error.errors()
        ]  # fmt: skip
        first = details[0] if details else {"location": [], "message": "invalid request"}
        where = ".".join(first["location"])
        return error_response(422, "validation_error", f"{where}: {first['message']}", details)

    async def on_http(request: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, StarletteHTTPException)
        code = _HTTP_CODES.get(error.status_code, "http_error")
        headers = dict(error.headers or {})
        if error.status_code == 405:
            headers["Allow"] = allowed_methods(request)
        return error_response(error.status_code, code, str(error.detail), headers=headers)

    async def on_unexpected(request: Request, error: Exception) -> JSONResponse:
        logger.exception("unexpected error", exc_info=error)
        _keep(request, "http_500", error)
        return error_response(500, "internal", "internal server error; see the server log")

    app.add_exception_handler(ApiError, on_api_error)
    app.add_exception_handler(ArenaError, on_arena_error)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(Exception, on_unexpected)
