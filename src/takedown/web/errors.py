"""One error shape for the whole API: {"detail": "..."} with a 4xx status."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send


def _describe(exc: RequestValidationError) -> tuple[int, str]:
    parts = []
    code = 422
    for err in exc.errors():
        if err.get("type") == "json_invalid":
            code = 400
        where = ".".join(str(p) for p in err.get("loc", ()) if p != "body")
        parts.append(f"{where}: {err.get('msg')}" if where else str(err.get("msg")))
    return code, "; ".join(parts) or "invalid request"


def install(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def _validation(_request: Request, exc: RequestValidationError) -> JSONResponse:
        code, text = _describe(exc)
        errs = [
            {"loc": list(e.get("loc", ())), "msg": e.get("msg"), "type": e.get("type")}
            for e in exc.errors()
        ]
        return JSONResponse({"detail": text, "errors": errs}, status_code=code)


@dataclass(frozen=True)
class BodyLimits:
    """Per-endpoint bounds: uploads (multipart), /match, hash lists, and everything else."""

    upload: int
    match: int
    body: int

    def for_request(self, path: str, content_type: bytes) -> int:
        if path.endswith("/match"):
            return self.match
        if content_type.lower().startswith(b"multipart/form-data"):
            return self.upload
        if path.endswith("/references/hashes"):
            return max(self.body, min(self.upload, 32 * 1024 * 1024))
        return self.body


class BodyLimit:
    """Refuses bodies over the endpoint's limit with 413, by Content-Length and while streaming."""

    def __init__(self, app: ASGIApp, limits: BodyLimits) -> None:
        self.app = app
        self.limits = limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers", []))
        limit = self.limits.for_request(scope.get("path", ""), headers.get(b"content-type", b""))
        declared = headers.get(b"content-length", b"")
        if declared.isdigit() and int(declared) > limit:
            await _too_large(limit, send)
            return
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise _TooLargeError
            return message

        try:
            await self.app(scope, limited, send)
        except _TooLargeError:
            await _too_large(limit, send)


class _TooLargeError(Exception):
    pass


async def _too_large(limit: int, send: Send) -> None:
    body = f'{{"detail": "request body larger than the limit of {limit} bytes"}}'.encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


# Primary keys are INTEGER columns: 32-bit on PostgreSQL (SQLite would take 64).
MAX_ID = 2**31 - 1


class IdRange:
    """Refuses (422) a path whose numeric segment exceeds any stored id, before a route runs.

    A larger number would overflow the database driver (a 500 before this existed).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            for segment in str(scope.get("path", "")).split("/"):
                if segment.isdigit() and (len(segment) > 10 or int(segment) > MAX_ID):
                    response = JSONResponse(
                        {"detail": f"id out of range (at most {MAX_ID})"}, status_code=422
                    )
                    await response(scope, receive, send)
                    return
        await self.app(scope, receive, send)


def _input_overflow(exc: BaseException) -> bool:
    """A database refusal caused by the input's value (too large an int, NUL in text)."""
    inner = getattr(exc, "orig", None) or exc.__cause__ or exc
    if isinstance(inner, OverflowError):
        return True
    text = str(inner)
    return "NUL" in text or "out of range" in text


def install_input_guards(app: FastAPI) -> None:
    """Input the models let through but the database refuses becomes a 422, never a 500."""
    from sqlalchemy.exc import DataError, StatementError

    async def _refused(_request: Request, exc: Exception) -> JSONResponse:
        if isinstance(exc, OverflowError) or _input_overflow(exc):
            return JSONResponse({"detail": "a value is out of range or invalid"}, status_code=422)
        raise exc

    app.add_exception_handler(OverflowError, _refused)
    app.add_exception_handler(DataError, _refused)
    app.add_exception_handler(StatementError, _refused)
