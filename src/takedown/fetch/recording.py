"""Recording one page for evidence: the requests it made (each body read as soon as it finished,
before a script can hang the renderer), what was refused, its pop-ups and dialogs; then the
screenshot and DOM snapshot and every exchange as a WARC records it, within the capture budget.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Coroutine
from contextlib import suppress
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from typing import Any

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Page, Request

from takedown.fetch.guardproxy import BLOCK_HEADER, UNREACHABLE_HEADER, GuardProxy
from takedown.fetch.pagecapture import (
    BlockedRequest,
    CaptureLimits,
    Exchange,
    Headers,
    ScreenshotInfo,
)

Clock = Callable[[], datetime]


@dataclass
class PageRecording:
    """What one page (in its own context) did while it was open."""

    page: Page
    started: dict[int, datetime] = field(default_factory=dict)
    requests: list[Request] = field(default_factory=list)
    blocked: list[BlockedRequest] = field(default_factory=list)
    popups: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    tasks: set[asyncio.Task[None]] = field(default_factory=set)
    # Bodies read as soon as each response finished, before a script can hang the renderer.
    bodies: dict[int, bytes] = field(default_factory=dict)
    # Requests in flight (every request of the context, redirect hops included), and since
    # when none has been.
    inflight: set[int] = field(default_factory=set)
    quiet_since: float = field(default_factory=time.monotonic)

    def request_started(self, request: Request) -> None:
        self.inflight.add(id(request))

    def request_ended(self, request: Request) -> None:
        self.inflight.discard(id(request))
        if not self.inflight:
            self.quiet_since = time.monotonic()

    async def settle(self, quiet: float, timeout: float) -> bool:
        """Wait until no request has been in flight for ``quiet`` seconds, at most ``timeout``
        (Playwright's ``networkidle`` with a window of our choosing); True if it settled."""
        deadline = time.monotonic() + timeout
        while True:
            now = time.monotonic()
            if not self.inflight and now - self.quiet_since >= quiet:
                return True
            if now >= deadline:
                return False
            await asyncio.sleep(min(0.05, deadline - now))

    def spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        """Run an event handler's work beside the page; :meth:`drain` waits for it."""
        task = asyncio.ensure_future(coro)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def drain(self) -> None:
        if self.tasks:
            await asyncio.wait(list(self.tasks), timeout=3)

    async def prefetch(self, request: Request, limits: CaptureLimits) -> None:
        """Keep the body of a finished request that was let through (not a redirect)."""
        if id(request) not in self.started:
            return
        with suppress(PlaywrightError, TimeoutError):
            response = await request.response()
            if response is None or 300 <= response.status < 400:
                return
            async with asyncio.timeout(limits.budget_seconds):
                body = await response.body()
            if len(body) <= limits.max_response_bytes:
                self.bodies[id(request)] = body


def proxy_refusal(proxy: GuardProxy | None, url: str) -> str | None:
    """Why the guard proxy refused ``url`` (a redirect hop, say), if it did."""
    return proxy.reason_for(url) if proxy is not None else None


def network_facts(proxy: GuardProxy | None, url: str) -> dict[str, Any]:
    """Where the guard proxy really connected for ``url`` (never the proxy's own address)."""
    connection = proxy.connection_for(url) if proxy is not None else None
    if connection is None:
        return {}
    return {
        "ip_address": connection.peer_ip,
        "peer_port": connection.peer_port,
        "dns_answers": connection.dns_answers,
        "upstream_proxy": connection.upstream,
        "certificate": asdict(connection.certificate) if connection.certificate else None,
    }


async def snapshot(
    page: Page, width: int, limits: CaptureLimits, deadline: float, problems: list[str]
) -> tuple[bytes | None, ScreenshotInfo | None, str]:
    """The full-page screenshot (capped in height) and the DOM, or what of them the page gave."""
    shot: bytes | None = None
    info: ScreenshotInfo | None = None
    html = ""
    remaining = max(deadline - time.monotonic(), 5.0)
    try:
        async with asyncio.timeout(remaining):
            height = int(
                await page.evaluate(
                    "Math.max(document.documentElement.scrollHeight,"
                    " document.body ? document.body.scrollHeight : 0)"
                )
            )
            capped = height > limits.max_screenshot_height
            shot_height = max(1, min(height, limits.max_screenshot_height))
            viewport = page.viewport_size
            shot = await page.screenshot(
                # A page no taller than the window is shot as it is shown: the full-page path
                # resizes the window and lays the page out twice.
                full_page=viewport is None or shot_height > viewport["height"],
                clip={"x": 0, "y": 0, "width": width, "height": shot_height},
                type="png",
                timeout=remaining * 1000,
            )
            info = ScreenshotInfo(width, shot_height, height, capped)
            if capped:
                problems.append(f"screenshot capped at {shot_height} of {height} px page height")
            html = await page.content()
    except (PlaywrightError, TimeoutError) as exc:
        problems.append(f"page did not respond for the snapshot: {first_line(exc)}")
    return shot, info, html


async def collect(
    recording: PageRecording,
    limits: CaptureLimits,
    deadline: float,
    problems: list[str],
    *,
    proxy: GuardProxy | None,
    clock: Clock,
) -> list[Exchange]:
    """Every request the page made, as an exchange, within the byte and time budgets; one the
    guard proxy refused is recorded as blocked instead (it is not a site response)."""
    exchanges: list[Exchange] = []
    total = 0
    if proxy is not None:
        await proxy.settle(max(min(deadline - time.monotonic(), 5.0), 0.5))
    for request in list(recording.requests):
        per_request = max(min(deadline - time.monotonic(), 10.0), 1.0)
        exchange, size = await _exchange(
            recording,
            request,
            limits,
            limits.max_total_bytes - total,
            per_request,
            proxy=proxy,
            clock=clock,
        )
        headers = dict((k.lower(), v) for k, v in exchange.response_headers)
        refusal = headers.get(BLOCK_HEADER.lower()) or (
            proxy_refusal(proxy, exchange.url) if exchange.status is None else None
        )
        if refusal:
            # Refused by the guarding proxy (typically a redirect hop): not a site response.
            recording.blocked.append(BlockedRequest(exchange.url, refusal))
            continue
        unreachable = headers.get(UNREACHABLE_HEADER.lower())
        if unreachable:
            exchange = replace(
                exchange, status=None, response_headers=(), body=b"", error=unreachable
            )
            size = 0
        total += size
        exchanges.append(exchange)
    if total >= limits.max_total_bytes:
        problems.append(f"recording stopped at {limits.max_total_bytes} bytes")
    return exchanges


async def _exchange(
    recording: PageRecording,
    request: Request,
    limits: CaptureLimits,
    room: int,
    wait: float,
    *,
    proxy: GuardProxy | None,
    clock: Clock,
) -> tuple[Exchange, int]:
    base: dict[str, Any] = {
        "url": request.url,
        "method": request.method,
        "date": recording.started.get(id(request), clock()),
        "resource_type": request.resource_type,
        "request_headers": (),
        "request_body": request.post_data_buffer,
    }
    try:
        async with asyncio.timeout(wait):
            base["request_headers"] = _pairs(await request.headers_array())
            response = await request.response()
            if response is None:
                return Exchange(**base, error=request.failure or "no response"), 0
            base.update(
                status=response.status,
                status_text=response.status_text,
                response_headers=_pairs(await response.headers_array()),
            )
            base.update(network_facts(proxy, request.url))
    except (PlaywrightError, TimeoutError) as exc:
        return Exchange(**base, error=f"no response: {first_line(exc)}"), 0
    if 300 <= response.status < 400:
        return Exchange(**base), 0
    declared = dict(base["response_headers"]).get("content-length", "")
    if declared.isdigit() and int(declared) > min(limits.max_response_bytes, room):
        return Exchange(**base, truncated="length"), 0
    try:
        body = recording.bodies.get(id(request)) or b""
        if id(request) not in recording.bodies:
            async with asyncio.timeout(wait):
                body = await response.body()
    except TimeoutError:
        return Exchange(**base, truncated="time"), 0
    except PlaywrightError as exc:
        return Exchange(**base, truncated="unavailable", error=first_line(exc)), 0
    if len(body) > min(limits.max_response_bytes, room):
        return Exchange(**base, truncated="length"), 0
    return Exchange(**base, body=body), len(body)


def _pairs(headers: list[Any]) -> Headers:
    # HTTP/2 pseudo-headers (":authority") are not HTTP/1.1 headers and do not belong in a WARC.
    return tuple((h["name"], h["value"]) for h in headers if not h["name"].startswith(":"))


def decode(body: bytes) -> str:
    return body.decode("utf-8", errors="replace")


def first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "message", "") or exc or type(exc).__name__)
    return text.splitlines()[0][:300] if text else type(exc).__name__
