"""One shared headless Chromium (Playwright) for rendering JavaScript pages and capturing evidence.

Every request a page makes passes the SSRF guard first; refused requests are aborted and recorded,
pop-ups and dialogs are closed and recorded, and a capture never outlives its time budget.
How a page is watched is ``fetch/interact.py``; how its capture is recorded, ``fetch/recording.py``.
"""

from __future__ import annotations

import asyncio
import logging
import os
import shlex
import shutil
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import unquote, urlsplit

from playwright.async_api import Browser as PwBrowser
from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Page, Playwright, Response, async_playwright
from playwright.async_api import TimeoutError as PlaywrightTimeout

from takedown.fetch.guardproxy import BLOCK_HEADER, UNREACHABLE_HEADER, GuardProxy
from takedown.fetch.interact import RequestGuard, open_guarded_page
from takedown.fetch.pagecapture import (
    BlockedRequest,
    CaptureLimits,
    Exchange,
    PageCapture,
    RenderedPage,
    ScreenshotInfo,
)
from takedown.fetch.recording import PageRecording, collect, decode, proxy_refusal, snapshot
from takedown.fetch.sandbox import CAPTURE_USER, unprivileged_executable

log = logging.getLogger(__name__)

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


# A rendered poll needs the DOM its scripts build, not the pictures, videos and fonts: the media
# stages fetch the media themselves.
DOM_ONLY = frozenset({"image", "media", "font"})


def background_pages(max_pages: int) -> int:
    """Pages keyword-only captures may hold at once: a quarter of the capture pages (at least
    one), so the captures of a burst of matches (every site's new post at once) find the other
    pages free. (In the pipeline they run in a browser of their own, of this many pages.)"""
    return max(1, max_pages // 4)


def chromium_args(proxy_host: str) -> list[str]:
    """The launch flags; names resolve nowhere but at the proxy (``proxy_host`` excepted)."""
    return [*CHROMIUM_ARGS, f"--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE {proxy_host}"]


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
    # Pages open at once for captures, and apart from them for rendered polls, logins and
    # web-form sends, so a burst of captures never makes a browser-rendered source late.
    max_pages: int = 2
    render_pages: int = 2
    # CPU priority (nice, 0-19) of this Chromium and every process it starts: the browser of
    # keyword-only captures runs at a lower one, so a backlog of them leaves the cores to the
    # captures of matches.
    nice: int = 0
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
            "render_pages": settings.browser_render_pages,
        }
        values.update(overrides)
        return cls(**values)


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
        # Rendered polls, logins and web-form sends have pages of their own.
        self._render_pages = asyncio.Semaphore(config.render_pages)
        # Background captures (pages with only a keyword hit) hold a quarter of the capture
        # pages, so a match's capture never waits behind a backlog of them.
        self._background = asyncio.Semaphore(background_pages(config.max_pages))
        self._launch_lock = asyncio.Lock()
        self._playwright: Playwright | None = None
        self._browser: PwBrowser | None = None
        self._proxy: GuardProxy | None = None
        self._runtime_dir: Path | None = None
        self._nice_dir: Path | None = None

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
            if self.config.nice > 0:
                executable = self._niced(executable)
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
        if self._nice_dir is not None:
            shutil.rmtree(self._nice_dir, ignore_errors=True)
            self._nice_dir = None

    def _niced(self, executable: str) -> str:
        """A launcher that starts ``executable`` at the configured CPU priority (inherited by
        every process Chromium forks)."""
        nice = shutil.which("nice")
        if nice is None:
            log.warning("no nice(1): the browser runs at normal CPU priority")
            return executable
        if self._nice_dir is None:
            self._nice_dir = Path(tempfile.mkdtemp(prefix="takedown-nice-"))
        script = self._nice_dir / "chromium-niced"
        script.write_text(
            "#!/bin/sh\n# Generated by takedown: Chromium at a lower CPU priority.\n"
            f'exec {shlex.quote(nice)} -n {int(self.config.nice)} {shlex.quote(executable)} "$@"\n'
        )
        script.chmod(0o755)
        return str(script)

    def _proxy_refusal(self, url: str) -> str | None:
        return proxy_refusal(self._proxy, url)

    async def render(self, url: str, *, timeout: float = 30.0) -> RenderedPage:
        """Load ``url``, let its scripts run until ``load`` or the deadline, return the DOM."""
        self._refuse_early(url)
        async with (
            asyncio.timeout(timeout + 10),
            self._session(self._render_pages, skip=DOM_ONLY) as session,
        ):
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
        async with asyncio.timeout(timeout), self._session(self._render_pages) as session:
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
        capture holds at most a quarter of the capture pages. Captures never take the pages
        of rendered polls.
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
        async with (
            asyncio.timeout(limits.budget_seconds + 20),
            self._session(self._pages, limits) as session,
        ):
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
                await session.settle(limits.settle_quiet_seconds, limits.settle_seconds)
            width = self.config.viewport_width
            shot, info, html = await snapshot(page, width, limits, deadline, problems)
            exchanges = await collect(
                session, limits, deadline, problems, proxy=self._proxy, clock=self._clock
            )
            if status is None:
                status = next((e.status for e in exchanges if e.url == page.url), None)
            if not html:
                html = next((decode(e.body) for e in exchanges if e.url == page.url), "")
            await session.drain()
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
        async with self._session(self._render_pages, limits) as session:
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

    def _nav_reason(self, session: PageRecording, url: str, exc: PlaywrightError) -> str:
        for blocked in session.blocked:
            if blocked.url == url:
                return f"blocked: {blocked.reason}"
        refusal = self._proxy_refusal(url)
        if refusal:
            return f"blocked: {refusal}"
        return str(exc.message).splitlines()[0] if exc.message else "navigation failed"

    @asynccontextmanager
    async def _session(
        self,
        pool: asyncio.Semaphore,
        limits: CaptureLimits | None = None,
        *,
        skip: frozenset[str] = frozenset(),
    ) -> AsyncIterator[PageRecording]:
        """A fresh context and page from ``pool``, every request through the guard; requests of
        the resource types in ``skip`` are not made at all."""
        await self.start()
        assert self._browser is not None
        limits = limits or CaptureLimits()
        async with pool:
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
            # Behind an upstream proxy, that proxy resolves names: only the literal form is
            # checked here; the guard proxy still checks every connection it opens.
            check = self._guard.check_literal if self.config.proxy else self._guard.check
            try:
                session = await open_guarded_page(context, check, limits, self._clock, skip)
                yield session
            finally:
                with suppress(PlaywrightError, TimeoutError):
                    async with asyncio.timeout(10):
                        await context.close()
