"""One shared headless Chromium (Playwright) for rendering JavaScript pages and capturing evidence.

Every request a page makes passes the SSRF guard first; refused requests are aborted and recorded,
pop-ups and dialogs are closed and recorded, and a capture never outlives its time budget.
"""

from __future__ import annotations

import asyncio
import ipaddress
import os
import shutil
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, suppress
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar
from urllib.parse import unquote, urlsplit

from playwright.async_api import Browser as PwBrowser
from playwright.async_api import (
    Dialog,
    Page,
    Playwright,
    Request,
    Response,
    Route,
    async_playwright,
)
from playwright.async_api import Error as PlaywrightError
from playwright.async_api import TimeoutError as PlaywrightTimeout

from takedown.fetch.guardproxy import BLOCK_HEADER, UNREACHABLE_HEADER, GuardProxy
from takedown.fetch.pagecapture import (
    BlockedRequest,
    CaptureLimits,
    Exchange,
    Headers,
    PageCapture,
    RenderedPage,
    ScreenshotInfo,
)
from takedown.fetch.sandbox import CAPTURE_USER, unprivileged_executable

__all__ = [
    "BlockedRequest",
    "Browser",
    "BrowserConfig",
    "BrowserError",
    "CaptureLimits",
    "Exchange",
    "PageCapture",
    "RenderedPage",
    "RequestGuard",
    "ScreenshotInfo",
]

if TYPE_CHECKING:
    from takedown.config import Settings

T = TypeVar("T")

CHROMIUM_ARGS = (
    # Chromium's own sandbox needs user namespaces or a setuid helper, absent in most containers;
    # the browser runs as the unprivileged capture user instead (takedown.fetch.sandbox).
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
    # Every channel that could leave without passing the guard proxy is closed.
    "--disable-quic",
    "--force-webrtc-ip-handling-policy=disable_non_proxied_udp",
    "--webrtc-ip-handling-policy=disable_non_proxied_udp",
    "--disable-background-networking",
    "--dns-prefetch-disable",
    "--disable-features=NetworkPrediction,DnsOverHttps,AsyncDns,WebRtcHideLocalIpsWithMdns,"
    "Prerender2,SpeculationRulesPrefetchProxy",
    "--disable-domain-reliability",
    "--disable-client-side-phishing-detection",
    "--no-pings",
)

# Runs before any page script in every frame: no WebRTC object is left to open a UDP socket.
BLOCK_WEBRTC_SCRIPT = """(() => {
  for (const name of ['RTCPeerConnection', 'webkitRTCPeerConnection', 'RTCDataChannel',
                      'RTCIceCandidate', 'RTCSessionDescription', 'RTCRtpSender',
                      'RTCRtpReceiver', 'RTCRtpTransceiver', 'RTCSctpTransport',
                      'RTCDtlsTransport', 'RTCIceTransport']) {
    try { Object.defineProperty(window, name, {value: undefined, writable: false,
                                               configurable: false}); } catch (e) {}
  }
  try {
    if (navigator.mediaDevices) {
      Object.defineProperty(navigator, 'mediaDevices', {value: undefined, configurable: false});
    }
  } catch (e) {}
})();"""


def chromium_args(proxy_host: str) -> list[str]:
    """The launch flags; names resolve nowhere but at the proxy (``proxy_host`` excepted)."""
    return [*CHROMIUM_ARGS, f"--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE {proxy_host}"]


class RequestGuard(Protocol):
    """What the browser needs from :class:`takedown.fetch.guard.UrlGuard`: raise to refuse."""

    def check(self, url: str) -> None: ...

    def check_literal(self, url: str) -> None: ...

    def check_address(
        self, url: str, ip: ipaddress.IPv4Address | ipaddress.IPv6Address
    ) -> None: ...


class BrowserError(Exception):
    """A page could not be rendered or captured; ``reason`` says why in a few words."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"{url}: {reason}")
        self.url = url
        self.reason = reason


@dataclass(frozen=True)
class BrowserConfig:
    """How to launch and drive Chromium. Build it with :meth:`from_settings` in the worker."""

    executable: str | None = None
    proxy: str | None = None
    # Run Chromium as this unprivileged user when the worker is root (None: as the worker).
    run_as: str | None = CAPTURE_USER
    user_agent: str = "takedown"
    max_pages: int = 2
    viewport_width: int = 1280
    viewport_height: int = 900
    locale: str = "ko-KR"
    # Evidence sites often have broken certificates; the capture must still see them.
    ignore_https_errors: bool = True
    launch_timeout: float = 30.0

    @classmethod
    def from_settings(cls, settings: Settings, **overrides: Any) -> BrowserConfig:
        values: dict[str, Any] = {
            "executable": settings.chromium,
            "proxy": settings.proxy,
            "user_agent": settings.user_agent,
            # The browser lane's bound: pages (contexts) open at once on the one Chromium.
            "max_pages": settings.browser_contexts,
        }
        values.update(overrides)
        return cls(**values)


@dataclass
class _Session:
    """Book-keeping for one page in its own context."""

    page: Page
    started: dict[int, datetime] = field(default_factory=dict)
    requests: list[Request] = field(default_factory=list)
    blocked: list[BlockedRequest] = field(default_factory=list)
    popups: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    tasks: set[asyncio.Task[None]] = field(default_factory=set)
    # Bodies read as soon as each response finished, before a script can hang the renderer.
    bodies: dict[int, bytes] = field(default_factory=dict)


def _proxy_option(proxy: str) -> dict[str, str]:
    parts = urlsplit(proxy)
    server = f"{parts.scheme}://{parts.hostname}" + (f":{parts.port}" if parts.port else "")
    option = {"server": server}
    if parts.username:
        option["username"] = unquote(parts.username)
        option["password"] = unquote(parts.password or "")
    return option


class Browser:
    """A lazily launched, shared Chromium; an async context manager, one per worker process."""

    def __init__(
        self,
        config: BrowserConfig,
        *,
        guard: RequestGuard,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.config = config
        self._guard = guard
        self._clock = clock
        self._pages = asyncio.Semaphore(config.max_pages)
        # Background captures (pages with only a keyword hit) may hold all pages but one, so a
        # match's capture or a rendered poll never waits behind a backlog of them.
        self._background = asyncio.Semaphore(max(1, config.max_pages - 1))
        self._launch_lock = asyncio.Lock()
        self._playwright: Playwright | None = None
        self._browser: PwBrowser | None = None
        self._proxy: GuardProxy | None = None
        self._runtime_dir: Path | None = None

    async def __aenter__(self) -> Browser:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    @property
    def version(self) -> str:
        return self._browser.version if self._browser else ""

    async def start(self) -> None:
        async with self._launch_lock:
            if self._browser is not None and self._browser.is_connected():
                return
            executable = self.config.executable or shutil.which("chromium")
            if not executable:
                raise BrowserError("", "no Chromium: set TAKEDOWN_CHROMIUM or install chromium")
            # Every connection (redirect hops included, which routing never sees) goes through
            # our guarding proxy; an upstream proxy (Tor, a VPN exit) is chained behind it.
            if self._proxy is None:
                self._proxy = GuardProxy(self._guard, upstream=self.config.proxy)
                await self._proxy.start()
            proxy = {"server": self._proxy.url}
            if self.config.run_as and os.geteuid() == 0 and self._runtime_dir is None:
                executable, self._runtime_dir = unprivileged_executable(
                    executable, self.config.run_as
                )
            if self._playwright is None:
                self._playwright = await async_playwright().start()
            self._browser = await self._playwright.chromium.launch(
                executable_path=executable,
                headless=True,
                args=chromium_args("127.0.0.1"),
                proxy=proxy,  # type: ignore[arg-type]
                chromium_sandbox=False,
                timeout=self.config.launch_timeout * 1000,
            )

    async def aclose(self) -> None:
        if self._browser is not None:
            with suppress(PlaywrightError):
                await self._browser.close()
            self._browser = None
        if self._playwright is not None:
            await self._playwright.stop()
            self._playwright = None
        if self._proxy is not None:
            await self._proxy.aclose()
            self._proxy = None
        if self._runtime_dir is not None:
            shutil.rmtree(self._runtime_dir, ignore_errors=True)
            self._runtime_dir = None

    def _network_facts(self, url: str) -> dict[str, Any]:
        """Where the guard proxy really connected for ``url`` (never the proxy's own address)."""
        connection = self._proxy.connection_for(url) if self._proxy is not None else None
        if connection is None:
            return {}
        return {
            "ip_address": connection.peer_ip,
            "peer_port": connection.peer_port,
            "dns_answers": connection.dns_answers,
            "upstream_proxy": connection.upstream,
            "certificate": asdict(connection.certificate) if connection.certificate else None,
        }

    def _proxy_refusal(self, url: str) -> str | None:
        return self._proxy.reason_for(url) if self._proxy is not None else None

    async def render(self, url: str, *, timeout: float = 30.0) -> RenderedPage:
        """Load ``url``, let its scripts run until ``load`` or the deadline, return the DOM."""
        self._refuse_early(url)
        async with asyncio.timeout(timeout + 10), self._session() as session:
            page = session.page
            try:
                response = await page.goto(url, wait_until="load", timeout=timeout * 1000)
            except PlaywrightTimeout:
                response = None
            except PlaywrightError as exc:
                raise BrowserError(url, self._nav_reason(session, url, exc)) from exc
            self._raise_if_blocked(url, response)
            html = await page.content()
            return RenderedPage(page.url, html, response.status if response else None)

    async def interact(
        self,
        action: Callable[[Page], Awaitable[T]],
        *,
        cookies: list[dict[str, Any]] | None = None,
        timeout: float = 60.0,
    ) -> tuple[T, list[dict[str, Any]]]:
        """Run ``action`` on a fresh guarded page (every request checked as in :meth:`render`).

        ``cookies`` (Playwright records) are set first; the context's cookies afterwards are
        returned with the action's result. Used by a source's login and age-gate steps.
        """
        async with asyncio.timeout(timeout), self._session() as session:
            context = session.page.context
            if cookies:
                await context.add_cookies(cookies)  # type: ignore[arg-type]
            result = await action(session.page)
            return result, [dict(cookie) for cookie in await context.cookies()]

    async def capture(
        self, url: str, *, limits: CaptureLimits | None = None, background: bool = False
    ) -> PageCapture:
        """Load ``url`` within the budget and record its network, DOM and a screenshot.

        A page still loading at the deadline is taken as it stands (``timed_out``); a page that
        cannot be loaded at all raises :class:`BrowserError` with the reason. A ``background``
        capture leaves one page free for urgent work.
        """
        if background:
            async with self._background:
                return await self._capture(url, limits)
        return await self._capture(url, limits)

    async def _capture(self, url: str, limits: CaptureLimits | None) -> PageCapture:
        limits = limits or CaptureLimits()
        self._refuse_early(url)
        started_at = self._clock()
        deadline = time.monotonic() + limits.budget_seconds
        problems: list[str] = []
        async with asyncio.timeout(limits.budget_seconds + 20), self._session(limits) as session:
            page = session.page
            timed_out = False
            status: int | None = None
            try:
                response = await page.goto(
                    url, wait_until="load", timeout=limits.budget_seconds * 0.6 * 1000
                )
                status = response.status if response else None
                self._raise_if_blocked(url, response)
            except PlaywrightTimeout:
                timed_out = True
                problems.append("page did not finish loading before the deadline")
            except PlaywrightError as exc:
                raise BrowserError(url, self._nav_reason(session, url, exc)) from exc
            if not timed_out:
                with suppress(PlaywrightError):
                    await page.wait_for_load_state(
                        "networkidle", timeout=limits.settle_seconds * 1000
                    )
            shot, info, html = await self._snapshot(page, limits, deadline, problems)
            exchanges = await self._collect(session, limits, deadline, problems)
            if status is None:
                status = next((e.status for e in exchanges if e.url == page.url), None)
            if not html:
                html = next((_decode(e.body) for e in exchanges if e.url == page.url), "")
            await self._drain(session)
            return PageCapture(
                url=url,
                final_url=page.url,
                status=status,
                html=html,
                screenshot=shot,
                screenshot_info=info,
                exchanges=tuple(exchanges),
                blocked=tuple(session.blocked),
                popups=tuple(session.popups),
                dialogs=tuple(session.dialogs),
                timed_out=timed_out,
                problems=tuple(problems),
                started_at=started_at,
                finished_at=self._clock(),
                browser_version=self.version,
                user_agent=self.config.user_agent,
            )

    @asynccontextmanager
    async def page(self, limits: CaptureLimits | None = None) -> AsyncIterator[Page]:
        """A page in its own context, every request through the guard, for a caller that drives
        the page itself (the web-form notice channel); closed on exit."""
        async with self._session(limits) as session:
            yield session.page

    def _refuse_early(self, url: str) -> None:
        if urlsplit(url).scheme not in ("http", "https"):
            raise BrowserError(url, f"blocked: scheme {urlsplit(url).scheme or 'missing'}")

    @staticmethod
    def _raise_if_blocked(url: str, response: Response | None) -> None:
        if response is None:
            return
        reason = response.headers.get(BLOCK_HEADER.lower())
        if reason:
            raise BrowserError(url, f"blocked: {reason} (at {response.url})")
        reason = response.headers.get(UNREACHABLE_HEADER.lower())
        if reason:
            raise BrowserError(url, f"unreachable: {reason} (at {response.url})")

    def _nav_reason(self, session: _Session, url: str, exc: PlaywrightError) -> str:
        for blocked in session.blocked:
            if blocked.url == url:
                return f"blocked: {blocked.reason}"
        refusal = self._proxy_refusal(url)
        if refusal:
            return f"blocked: {refusal}"
        return str(exc.message).splitlines()[0] if exc.message else "navigation failed"

    @asynccontextmanager
    async def _session(self, limits: CaptureLimits | None = None) -> AsyncIterator[_Session]:
        await self.start()
        assert self._browser is not None
        limits = limits or CaptureLimits()
        async with self._pages:
            context = await self._browser.new_context(
                viewport={
                    "width": self.config.viewport_width,
                    "height": self.config.viewport_height,
                },
                user_agent=self.config.user_agent,
                locale=self.config.locale,
                accept_downloads=False,
                service_workers="block",
                ignore_https_errors=self.config.ignore_https_errors,
            )
            try:
                await context.add_init_script(BLOCK_WEBRTC_SCRIPT)
                page = await context.new_page()
                session = _Session(page)
                await context.route("**/*", self._router(session, limits))
                context.on("page", lambda p: self._spawn(session, self._close_popup(session, p)))
                page.on("dialog", lambda d: self._spawn(session, self._dismiss(session, d)))
                context.on(
                    "requestfinished",
                    lambda r: self._spawn(session, self._prefetch(session, r, limits)),
                )
                yield session
            finally:
                with suppress(PlaywrightError, TimeoutError):
                    async with asyncio.timeout(10):
                        await context.close()

    def _router(self, session: _Session, limits: CaptureLimits) -> Callable[[Route], Any]:
        # Behind an upstream proxy, that proxy resolves names: only the literal form is checked
        # here; the guard proxy still checks every connection it opens.
        check = self._guard.check_literal if self.config.proxy else self._guard.check

        async def handle(route: Route) -> None:
            request = route.request
            url = request.url
            reason: str | None = None
            if len(session.requests) >= limits.max_requests:
                reason = f"more than {limits.max_requests} requests"
            else:
                try:
                    # The guard resolves DNS, which blocks: keep the event loop free.
                    await asyncio.to_thread(check, url)
                except Exception as exc:  # any refusal, or a failing guard, blocks
                    reason = str(getattr(exc, "reason", "") or exc or type(exc).__name__)
            if reason is not None:
                session.blocked.append(BlockedRequest(url, reason))
                with suppress(PlaywrightError):
                    await route.abort("blockedbyclient")
                return
            session.started[id(request)] = self._clock()
            session.requests.append(request)
            with suppress(PlaywrightError):
                await route.continue_()

        return handle

    @staticmethod
    def _spawn(session: _Session, coro: Any) -> None:
        task = asyncio.ensure_future(coro)
        session.tasks.add(task)
        task.add_done_callback(session.tasks.discard)

    async def _close_popup(self, session: _Session, popup: Page) -> None:
        if popup is session.page:
            return
        with suppress(PlaywrightError):
            await popup.wait_for_load_state("domcontentloaded", timeout=1500)
        session.popups.append(popup.url)
        with suppress(PlaywrightError):
            await popup.close()

    @staticmethod
    async def _dismiss(session: _Session, dialog: Dialog) -> None:
        session.dialogs.append(f"{dialog.type}: {dialog.message[:200]}")
        with suppress(PlaywrightError):
            await dialog.dismiss()

    @staticmethod
    async def _prefetch(session: _Session, request: Request, limits: CaptureLimits) -> None:
        if id(request) not in session.started:
            return
        with suppress(PlaywrightError, TimeoutError):
            response = await request.response()
            if response is None or 300 <= response.status < 400:
                return
            async with asyncio.timeout(limits.budget_seconds):
                body = await response.body()
            if len(body) <= limits.max_response_bytes:
                session.bodies[id(request)] = body

    @staticmethod
    async def _drain(session: _Session) -> None:
        if session.tasks:
            await asyncio.wait(list(session.tasks), timeout=3)

    async def _snapshot(
        self, page: Page, limits: CaptureLimits, deadline: float, problems: list[str]
    ) -> tuple[bytes | None, ScreenshotInfo | None, str]:
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
                width = self.config.viewport_width
                capped = height > limits.max_screenshot_height
                shot_height = max(1, min(height, limits.max_screenshot_height))
                shot = await page.screenshot(
                    full_page=True,
                    clip={"x": 0, "y": 0, "width": width, "height": shot_height},
                    type="png",
                    timeout=remaining * 1000,
                )
                info = ScreenshotInfo(width, shot_height, height, capped)
                if capped:
                    problems.append(
                        f"screenshot capped at {shot_height} of {height} px page height"
                    )
                html = await page.content()
        except (PlaywrightError, TimeoutError) as exc:
            problems.append(f"page did not respond for the snapshot: {_first_line(exc)}")
        return shot, info, html

    async def _collect(
        self, session: _Session, limits: CaptureLimits, deadline: float, problems: list[str]
    ) -> list[Exchange]:
        exchanges: list[Exchange] = []
        total = 0
        if self._proxy is not None:
            await self._proxy.settle(max(min(deadline - time.monotonic(), 5.0), 0.5))
        for request in list(session.requests):
            per_request = max(min(deadline - time.monotonic(), 10.0), 1.0)
            exchange, size = await self._exchange(
                session, request, limits, limits.max_total_bytes - total, per_request
            )
            headers = dict((k.lower(), v) for k, v in exchange.response_headers)
            refusal = headers.get(BLOCK_HEADER.lower()) or (
                self._proxy_refusal(exchange.url) if exchange.status is None else None
            )
            if refusal:
                # Refused by the guarding proxy (typically a redirect hop): not a site response.
                session.blocked.append(BlockedRequest(exchange.url, refusal))
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
        self, session: _Session, request: Request, limits: CaptureLimits, room: int, wait: float
    ) -> tuple[Exchange, int]:
        base: dict[str, Any] = {
            "url": request.url,
            "method": request.method,
            "date": session.started.get(id(request), self._clock()),
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
                base.update(self._network_facts(request.url))
        except (PlaywrightError, TimeoutError) as exc:
            return Exchange(**base, error=f"no response: {_first_line(exc)}"), 0
        if 300 <= response.status < 400:
            return Exchange(**base), 0
        declared = dict(base["response_headers"]).get("content-length", "")
        if declared.isdigit() and int(declared) > min(limits.max_response_bytes, room):
            return Exchange(**base, truncated="length"), 0
        try:
            body = session.bodies.get(id(request)) or b""
            if id(request) not in session.bodies:
                async with asyncio.timeout(wait):
                    body = await response.body()
        except TimeoutError:
            return Exchange(**base, truncated="time"), 0
        except PlaywrightError as exc:
            return Exchange(**base, truncated="unavailable", error=_first_line(exc)), 0
        if len(body) > min(limits.max_response_bytes, room):
            return Exchange(**base, truncated="length"), 0
        return Exchange(**base, body=body), len(body)


def _pairs(headers: list[Any]) -> Headers:
    # HTTP/2 pseudo-headers (":authority") are not HTTP/1.1 headers and do not belong in a WARC.
    return tuple((h["name"], h["value"]) for h in headers if not h["name"].startswith(":"))


def _decode(body: bytes) -> str:
    return body.decode("utf-8", errors="replace")


def _first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "message", "") or exc or type(exc).__name__)
    return text.splitlines()[0][:300] if text else type(exc).__name__
