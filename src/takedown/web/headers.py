"""Response headers for the whole service and the access log.

API answers are never cached (they carry hashes, evidence and media); HSTS is sent over HTTPS
and in production (where a TLS proxy is in front); each request is logged to ``takedown.access``.
"""

from __future__ import annotations

import logging
import time

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from takedown.metrics import HTTP_REQUESTS

access = logging.getLogger("takedown.access")
HSTS = b"max-age=63072000; includeSubDomains"


class SecurityHeaders:
    def __init__(self, app: ASGIApp, production: bool) -> None:
        self.app = app
        self.production = production

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = str(scope.get("path", ""))
        https = scope.get("scheme") == "https"
        started = time.monotonic()
        status = 0

        async def send_with_headers(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                headers = MutableHeaders(scope=message)
                if path.startswith("/api/") or path.startswith("/m/"):
                    headers["Cache-Control"] = "no-store"
                    headers.setdefault("X-Content-Type-Options", "nosniff")
                if https or self.production:
                    headers["Strict-Transport-Security"] = HSTS.decode()
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        finally:
            HTTP_REQUESTS.labels(f"{status // 100}xx").inc()
            client = scope.get("client") or ("?", 0)
            access.info(
                "%s %s %s",
                scope.get("method", "?"),
                path,
                status,
                extra={
                    "method": scope.get("method"),
                    "path": path,
                    "status": status,
                    "client": client[0],
                    "ms": round((time.monotonic() - started) * 1000, 1),
                },
            )
