"""The shared browser: rendering, the SSRF guard on every request and redirect, the proxy."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import pytest

from takedown.fetch.browser import Browser, BrowserConfig, BrowserError, _proxy_option
from takedown.fetch.guard import UrlGuard
from takedown.fetch.guardproxy import GuardProxy
from tests.evidence.site import Loop
from tests.sites.server import Reply, ServerThread
from tests.support.hostileweb import canary_server, event_loop, hostile_web

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def watched() -> Iterator[ServerThread]:
    with canary_server() as running:
        yield running


@pytest.fixture(scope="module")
def site(watched: ServerThread) -> Iterator[ServerThread]:
    with hostile_web(watched) as (running, _pages):
        yield running


@pytest.fixture(scope="module")
def loop() -> Iterator[Loop]:
    with event_loop() as running:
        yield running


@pytest.fixture(scope="module")
def browser(loop: Loop, site: ServerThread) -> Iterator[Browser]:
    shared = Browser(BrowserConfig(max_pages=2), guard=UrlGuard(allow=[site.origin]))
    yield shared
    loop.run(shared.aclose())


def test_render_runs_scripts(loop: Loop, browser: Browser, site: ServerThread) -> None:
    page = loop.run(browser.render(site.url("/next.html"), timeout=10))
    assert page.status == 200 and page.final_url == site.url("/next.html")
    assert "rendered by script" in page.html


def test_guard_refuses_navigation_and_redirects(
    loop: Loop, browser: Browser, site: ServerThread, watched: ServerThread
) -> None:
    with pytest.raises(BrowserError, match="blocked: loopback address"):
        loop.run(browser.render(watched.url("/direct"), timeout=5))
    with pytest.raises(BrowserError, match="blocked: loopback address"):
        loop.run(browser.render(site.url("/redirect"), timeout=5))
    with pytest.raises(BrowserError, match="blocked: scheme file"):
        loop.run(browser.render("file:///etc/passwd", timeout=5))
    assert watched.requests() == []
    assert site.paths().count("/redirect") == 1


def test_unreachable_origin_fails_with_the_network_reason(loop: Loop) -> None:
    gone = ServerThread(lambda request: None).start()
    origin = gone.origin
    gone.stop()
    browser = Browser(BrowserConfig(), guard=UrlGuard(allow=[origin]))
    try:
        with pytest.raises(BrowserError, match=r"unreachable: cannot connect.*ConnectionRefused"):
            loop.run(browser.render(origin + "/", timeout=5))
    finally:
        loop.run(browser.aclose())


def test_requests_go_through_the_proxy(loop: Loop, site: ServerThread) -> None:
    # The test web doubles as an HTTP proxy: it answers absolute-URI requests by path.
    proxied = Browser(BrowserConfig(proxy=site.origin), guard=UrlGuard())
    try:
        page = loop.run(proxied.render("http://site.invalid/next.html", timeout=10))
        with pytest.raises(BrowserError, match="blocked"):
            loop.run(proxied.render("http://10.1.2.3/", timeout=5))
    finally:
        loop.run(proxied.aclose())
    assert "rendered by script" in page.html
    assert "http://site.invalid/next.html" in site.paths()


def test_proxy_option_carries_credentials() -> None:
    assert _proxy_option("socks5://127.0.0.1:1080") == {"server": "socks5://127.0.0.1:1080"}
    assert _proxy_option("http://us%40er:p%3Ass@127.0.0.1:3128") == {
        "server": "http://127.0.0.1:3128",
        "username": "us@er",
        "password": "p:ss",
    }


def test_guard_proxy_refuses_tunnels_and_remembers_why(loop: Loop, watched: ServerThread) -> None:
    async def main() -> tuple[bytes, bytes, str | None]:
        proxy = GuardProxy(UrlGuard())
        await proxy.start()
        try:
            reader, writer = await asyncio.open_connection(
                "127.0.0.1", int(proxy.url.rsplit(":")[-1])
            )
            writer.write(f"CONNECT 127.0.0.1:{watched.port} HTTP/1.1\r\n\r\n".encode())
            tunnel = await reader.read()
            writer.close()
            reader, writer = await asyncio.open_connection(
                "127.0.0.1", int(proxy.url.rsplit(":")[-1])
            )
            writer.write(f"GET {watched.url('/x')} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
            plain = await reader.read()
            writer.close()
            return tunnel, plain, proxy.reason_for(f"https://127.0.0.1:{watched.port}/")
        finally:
            await proxy.aclose()

    tunnel, plain, reason = loop.run(main())
    assert tunnel.startswith(b"HTTP/1.1 403") and b"X-Takedown-Blocked: loopback" in tunnel
    assert plain.startswith(b"HTTP/1.1 403")
    assert reason is not None and "loopback" in reason
    assert watched.requests() == []


def _slow_page() -> Iterator[bytes]:
    """A page that takes 4 s to arrive: a capture of it holds its browser page that long."""
    time.sleep(4)
    yield b"<html><body>slow</body></html>"


def test_background_captures_leave_a_page_for_urgent_work(loop: Loop) -> None:
    """Keyword-only captures (background) hold at most a quarter of a browser's capture pages
    (at least one): a match's capture starts at once behind a backlog of them."""

    from takedown.fetch.browser import CaptureLimits

    def handler(request: object) -> Reply:
        if getattr(request, "path", "") == "/slow":
            return Reply(200, content_type="text/html", chunks=_slow_page())
        return Reply(200, b"<html><body>urgent</body></html>", "text/html")

    with ServerThread(handler) as web:
        browser = Browser(BrowserConfig(max_pages=2), guard=UrlGuard(allow=[web.origin]))
        limits = CaptureLimits(budget_seconds=15)

        async def main() -> tuple[float, int]:
            backlog = [
                asyncio.create_task(
                    browser.capture(web.url("/slow"), limits=limits, background=True)
                )
                for _ in range(3)
            ]
            await asyncio.sleep(1.0)
            started = time.monotonic()
            page = await browser.capture(web.url("/fast"), limits=limits)
            took = time.monotonic() - started
            waiting = sum(1 for t in backlog if not t.done())
            assert "urgent" in page.html
            await asyncio.gather(*backlog)
            return took, waiting

        try:
            took, waiting = loop.run(main())
        finally:
            loop.run(browser.aclose())
    # Had the backlog taken both pages, the urgent capture could only start once one of them
    # finished; it finished while all three were still loading.
    assert waiting == 3, f"the urgent capture ({took:.1f} s) waited behind the backlog"


def test_a_rendered_poll_finds_a_page_behind_a_burst_of_captures(loop: Loop) -> None:
    """Rendered polls have pages of their own: a browser-rendered source is polled on time
    while every capture page is held by slow captures; and a render builds the DOM without
    loading the page's pictures (the media stages fetch those)."""

    from takedown.fetch.browser import CaptureLimits

    listing = (
        b"<html><body><ul id=l></ul><img src='/picture.jpg'><script>"
        b"document.getElementById('l').innerHTML = '<li>fresh</li>';</script></body></html>"
    )

    def handler(request: object) -> Reply:
        path = getattr(request, "path", "")
        if path == "/slow":
            return Reply(200, content_type="text/html", chunks=_slow_page())
        if path == "/picture.jpg":
            return Reply(200, b"not really a picture", "image/jpeg")
        return Reply(200, listing, "text/html")

    with ServerThread(handler) as web:
        browser = Browser(
            BrowserConfig(max_pages=2, render_pages=1), guard=UrlGuard(allow=[web.origin])
        )
        limits = CaptureLimits(budget_seconds=15)

        async def main() -> tuple[float, int]:
            burst = [
                asyncio.create_task(browser.capture(web.url("/slow"), limits=limits))
                for _ in range(3)
            ]
            await asyncio.sleep(1.0)
            started = time.monotonic()
            rendered = await browser.render(web.url("/listing"), timeout=10)
            took = time.monotonic() - started
            waiting = sum(1 for t in burst if not t.done())
            assert "<li>fresh</li>" in rendered.html
            await asyncio.gather(*burst)
            return took, waiting

        try:
            took, waiting = loop.run(main())
        finally:
            loop.run(browser.aclose())
        paths = web.paths()
    assert waiting == 3, f"the rendered poll ({took:.1f} s) waited behind the captures"
    assert "/listing" in paths and "/picture.jpg" not in paths


def test_a_capture_waits_for_what_scripts_fetch_after_load_but_not_forever(loop: Loop) -> None:
    """The page settles when no request has been in flight for the quiet window: a picture a
    script fetches 1.2 s after ``load`` is in the capture; a page whose request never ends is
    still captured within its budget."""

    from takedown.fetch.browser import CaptureLimits

    late = (
        b"<html><body><p>late</p><script>window.addEventListener('load', () => setTimeout("
        b"() => { const i = new Image(); i.src = '/late.gif'; document.body.appendChild(i); },"
        b" 1200));</script></body></html>"
    )
    endless = (
        b"<html><body><p>endless</p><script>window.addEventListener('load', () =>"
        b" fetch('/hang.gif'));</script></body></html>"
    )
    gif = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"

    def hang() -> Iterator[bytes]:
        yield gif[:10]
        time.sleep(8)
        yield gif[10:]

    def handler(request: object) -> Reply:
        path = getattr(request, "path", "")
        if path == "/late.gif":
            return Reply(200, gif, "image/gif")
        if path == "/hang.gif":
            return Reply(200, content_type="image/gif", chunks=hang())
        if path == "/endless":
            return Reply(200, endless, "text/html")
        return Reply(200, late, "text/html")

    with ServerThread(handler) as web:
        browser = Browser(BrowserConfig(max_pages=2), guard=UrlGuard(allow=[web.origin]))
        limits = CaptureLimits(budget_seconds=6, settle_seconds=3.0, settle_quiet_seconds=1.5)
        try:
            page = loop.run(browser.capture(web.url("/late"), limits=limits))
            started = time.monotonic()
            endless_page = loop.run(browser.capture(web.url("/endless"), limits=limits))
            took = time.monotonic() - started
        finally:
            loop.run(browser.aclose())
        assert web.url("/late.gif") in {e.url for e in page.exchanges}
    assert "endless" in endless_page.html and endless_page.screenshot
    assert took < limits.budget_seconds + 2, f"a request that never ends held it {took:.1f} s"


def _descendants(root: int) -> dict[int, tuple[str, int]]:
    """pid -> (command name, nice value) of every process below ``root``."""
    import os

    procs: dict[int, tuple[int, str, int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                text = f.read()
        except OSError:
            continue
        name = text[text.index("(") + 1 : text.rindex(")")]
        fields = text[text.rindex(")") + 2 :].split()
        procs[int(entry)] = (int(fields[1]), name, int(fields[16]))
    below: dict[int, tuple[str, int]] = {}
    for pid, (_parent, name, nice) in procs.items():
        up, hops = pid, 0
        while up in procs and up != root and hops < 50:
            up, hops = procs[up][0], hops + 1
        if up == root and pid != root:
            below[pid] = (name, nice)
    return below


def _chromium_nice(pids: set[int], seen: dict[int, tuple[str, int]]) -> set[int]:
    return {nice for pid, (name, nice) in seen.items() if pid in pids and "chrom" in name}


def test_a_niced_browser_runs_every_chromium_process_at_the_lower_priority(
    loop: Loop, site: ServerThread
) -> None:
    """The browser of keyword-only captures: Chromium and every process it forks (renderers
    included) run at the configured nice value; a plain browser's at the worker's own."""
    import os

    own = os.nice(0)
    already = set(_descendants(os.getpid()))  # other tests' browsers, still open
    niced = Browser(BrowserConfig(max_pages=1, nice=7), guard=UrlGuard(allow=[site.origin]))
    plain = Browser(BrowserConfig(max_pages=1), guard=UrlGuard(allow=[site.origin]))
    try:
        loop.run(niced.capture(site.url("/next.html")))
        after_niced = _descendants(os.getpid())
        of_niced = set(after_niced) - already
        loop.run(plain.capture(site.url("/next.html")))
        after_plain = _descendants(os.getpid())
        of_plain = set(after_plain) - already - of_niced
    finally:
        loop.run(niced.aclose())
        loop.run(plain.aclose())
    assert _chromium_nice(of_niced, after_niced) == {min(19, own + 7)}
    assert _chromium_nice(of_plain, after_plain) == {own}
