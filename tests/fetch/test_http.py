"""The fetcher against real misbehaving servers on 127.0.0.1."""

from __future__ import annotations

import asyncio
import io
import threading
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

import pytest
from PIL import Image

from takedown.fetch.guard import UrlGuard
from takedown.fetch.http import Fetcher, FetchError, FetchLimits, FetchResponse
from tests.fetch.conftest import Routes
from tests.sites.server import Reply, Request, ServerThread, drip

T = TypeVar("T")
FAST = FetchLimits(connect_timeout=2, read_timeout=2, total_timeout=3, backoff=0.01)


def run(factory: Callable[[Fetcher], Awaitable[T]], server: ServerThread, **kw: object) -> T:
    limits = kw.pop("limits", FAST)
    assert isinstance(limits, FetchLimits)
    allow = [server.origin, *kw.pop("allow", [])]  # type: ignore[misc]

    async def main() -> T:
        async with Fetcher(
            guard=UrlGuard(allow=allow), user_agent="takedown-test/1", limits=limits
        ) as fetcher:
            return await factory(fetcher)

    return asyncio.run(main())


def get(server: ServerThread, path: str, **kw: object) -> FetchResponse:
    return run(lambda f: f.get(server.url(path)), server, **kw)


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (10, 200, 30)).save(out, "PNG")
    return out.getvalue()


def test_page_and_sniffed_media_type(server: ServerThread, routes: Routes) -> None:
    routes.add("/page", lambda r: Reply(body="<!doctype html><p>안녕</p>".encode()))
    routes.add("/img", lambda r: Reply(body=png_bytes(), content_type="text/plain"))
    page = get(server, "/page")
    assert page.ok and page.status == 200 and page.media_type == "text/html"
    assert "안녕" in page.text() and page.final_url == page.url
    assert page.headers["content-type"].startswith("text/html")
    image = get(server, "/img")
    assert image.media_type == "image/png"  # the bytes win over the declared text/plain
    assert server.requests()[0].headers["user-agent"] == "takedown-test/1"


def test_non_2xx_is_returned_not_raised(server: ServerThread, routes: Routes) -> None:
    response = get(server, "/missing")
    assert response.status == 404 and not response.ok


def test_redirects_are_followed_and_guarded_per_hop(
    server: ServerThread, routes: Routes, canary: ServerThread
) -> None:
    routes.add("/a", lambda r: Reply(302, headers={"Location": "/b"}))
    routes.add("/b", lambda r: Reply(301, headers={"Location": server.url("/c")}))
    routes.add("/c", lambda r: Reply(body=b"<html>done</html>"))
    routes.add("/to-canary", lambda r: Reply(302, headers={"Location": canary.url("/")}))
    routes.add("/to-file", lambda r: Reply(302, headers={"Location": "file:///etc/passwd"}))
    routes.add("/to-meta", lambda r: Reply(302, headers={"Location": "http://169.254.169.254/"}))
    response = get(server, "/a")
    assert response.final_url == server.url("/c") and response.content == b"<html>done</html>"
    for path, reason in [
        ("/to-canary", "blocked: loopback"),
        ("/to-file", "blocked: scheme file"),
        ("/to-meta", "blocked: link-local"),
    ]:
        with pytest.raises(FetchError) as info:
            get(server, path)
        assert info.value.reason.startswith(reason)
        assert info.value.url == server.url(path)
    assert canary.requests() == []


def test_redirect_loop_and_too_many_redirects(server: ServerThread, routes: Routes) -> None:
    routes.add("/x", lambda r: Reply(302, headers={"Location": "/y"}))
    routes.add("/y", lambda r: Reply(302, headers={"Location": "/x"}))
    routes.add("/n", lambda r: Reply(302, headers={"Location": f"/n?i={int(r.arg('i', '0')) + 1}"}))
    with pytest.raises(FetchError, match="redirect loop"):
        get(server, "/x")
    with pytest.raises(FetchError, match="too many redirects"):
        get(server, "/n")
    assert len([p for p in server.paths() if p.startswith("/n")]) == 6  # the first + 5 hops


def test_huge_content_length_refused_before_reading(server: ServerThread, routes: Routes) -> None:
    sent = threading.Event()

    def huge(request: Request) -> Reply:
        def body() -> object:
            yield b"x" * 1024
            sent.set()

        return Reply(chunks=body(), length=2 * 1024**3, content_type="video/mp4")  # type: ignore[arg-type]

    routes.add("/huge", huge)
    started = time.monotonic()
    with pytest.raises(FetchError, match="too large"):
        run(lambda f: f.get(server.url("/huge"), kind="media"), server)
    assert time.monotonic() - started < 2


def test_streamed_body_cut_past_the_limit(server: ServerThread, routes: Routes) -> None:
    routes.add("/stream", lambda r: Reply(chunks=iter([b"a" * 4096] * 64)))
    limits = FetchLimits(max_page_bytes=10_000, total_timeout=3)
    with pytest.raises(FetchError, match="too large"):
        get(server, "/stream", limits=limits)
    # The media limit is separate and larger.
    response = run(lambda f: f.get(server.url("/stream"), kind="media"), server, limits=limits)
    assert len(response.content) == 4096 * 64


def test_dripping_server_is_cut_at_the_total_timeout(server: ServerThread, routes: Routes) -> None:
    routes.add("/drip", lambda r: Reply(chunks=drip(b"<html>" + b"." * 100, 0.3)))
    limits = FetchLimits(read_timeout=2, total_timeout=1.0, retries=0)
    started = time.monotonic()
    with pytest.raises(FetchError, match=r"timeout \(total\)"):
        get(server, "/drip", limits=limits)
    assert time.monotonic() - started < 2.5


def test_retries_honour_retry_after(server: ServerThread, routes: Routes) -> None:
    calls: list[float] = []

    def flaky(request: Request) -> Reply:
        calls.append(time.monotonic())
        if len(calls) < 3:
            return Reply(503 if len(calls) == 1 else 429, headers={"Retry-After": "1"})
        return Reply(body=b"<html>ok</html>")

    routes.add("/flaky", flaky)
    response = get(server, "/flaky")
    assert response.status == 200 and len(calls) == 3
    assert calls[1] - calls[0] >= 0.9 and calls[2] - calls[1] >= 0.9


def test_retry_after_is_capped_and_retries_end(server: ServerThread, routes: Routes) -> None:
    routes.add("/busy", lambda r: Reply(429, headers={"Retry-After": "3600"}))
    limits = FetchLimits(retries=2, max_retry_wait=0.1, total_timeout=3)
    started = time.monotonic()
    response = get(server, "/busy", limits=limits)
    assert response.status == 429  # returned after the last retry, not raised
    assert server.paths().count("/busy") == 3 and time.monotonic() - started < 2


def test_per_host_concurrency_and_interval(server: ServerThread, routes: Routes) -> None:
    active = 0
    peak = 0
    lock = threading.Lock()

    def slow(request: Request) -> Reply:
        nonlocal active, peak
        with lock:
            active += 1
            peak = max(peak, active)
        time.sleep(0.2)
        with lock:
            active -= 1
        return Reply(body=b"<html></html>")

    routes.add("/slow", slow)

    async def many(fetcher: Fetcher) -> list[FetchResponse]:
        return await asyncio.gather(*(fetcher.get(server.url("/slow")) for _ in range(4)))

    run(many, server, limits=FetchLimits(per_host_concurrency=2))
    assert peak == 2
    times: list[float] = []
    routes.add("/tick", lambda r: times.append(time.monotonic()) or Reply(body=b"."))  # type: ignore[func-returns-value]

    async def ticks(fetcher: Fetcher) -> list[FetchResponse]:
        return await asyncio.gather(*(fetcher.get(server.url("/tick")) for _ in range(3)))

    run(ticks, server, limits=FetchLimits(per_host_interval=0.25))
    gaps = [b - a for a, b in zip(sorted(times), sorted(times)[1:], strict=False)]
    assert len(gaps) == 2 and min(gaps) >= 0.2


def test_connection_refused_is_a_fetch_error(server: ServerThread) -> None:
    dead = ServerThread(lambda r: None).start()
    origin = dead.origin
    dead.stop()

    async def main(fetcher: Fetcher) -> FetchResponse:
        return await fetcher.get(origin + "/")

    with pytest.raises(FetchError, match="connection failed"):
        run(main, server, allow=[origin])


def test_connect_time_check_refuses_what_a_lax_check_let_through(canary: ServerThread) -> None:
    class LaxGuard(UrlGuard):
        """Stands for a DNS answer that changed between the check and the connection."""

        def check(self, url: str) -> None:
            return None

    async def main() -> None:
        async with Fetcher(guard=LaxGuard(), limits=FAST) as fetcher:
            await fetcher.get(canary.url("/secret"))

    with pytest.raises(FetchError, match="blocked: loopback"):
        asyncio.run(main())
    assert canary.requests() == []


def test_proxy_gets_names_and_onion_but_never_private_literals(
    routes: Routes, server: ServerThread
) -> None:
    # The server plays an HTTP proxy: it receives absolute-form request targets.
    seen: list[str] = []
    routes.add("/", lambda r: Reply(body=b"<html>via proxy</html>"))

    async def main() -> tuple[FetchResponse, str]:
        async with Fetcher(guard=UrlGuard(), proxy=server.origin, limits=FAST) as fetcher:
            response = await fetcher.get("http://abcdefghijklmnop.onion/")
            try:
                await fetcher.get("http://10.0.0.7/")
            except FetchError as exc:
                return response, exc.reason
            return response, ""

    response, reason = asyncio.run(main())
    seen = server.paths()
    assert response.content == b"<html>via proxy</html>"
    assert seen == ["http://abcdefghijklmnop.onion/"]
    assert reason.startswith("blocked: private")


def test_onion_without_proxy_is_refused(server: ServerThread) -> None:
    with pytest.raises(FetchError, match="onion host needs a proxy"):
        run(lambda f: f.get("http://abcdefghijklmnop.onion/"), server)
