"""An onion-named site polled and captured through a real SOCKS5 server with remote DNS."""

from __future__ import annotations

import asyncio
import shutil
import socket
from collections.abc import Iterator

import pytest

from takedown.fetch.guard import UrlGuard
from takedown.fetch.http import FetchError
from takedown.sources import PollContext, PollResult, SourceSpec, SourceState, get_source
from takedown.sources.network import SessionFetcher, needs_own_fetcher, source_fetcher
from tests.sites.server import Reply, Request, ServerThread
from tests.sources.conftest import LIMITS
from tests.sources.socks import ONION, socks_unavailable, socks_with_hosts

pytestmark = pytest.mark.skipif(socks_unavailable() is not None, reason=str(socks_unavailable()))


class OnionSite:
    """A board that answers only when asked for by its onion name (Host header)."""

    def __init__(self) -> None:
        self.hosts: list[str] = []
        self.server = ServerThread(self.route)

    def route(self, request: Request) -> Reply | None:
        host = request.headers.get("host", "")
        self.hosts.append(host)
        if not host.startswith(ONION):
            return Reply(421, b"wrong host", "text/plain")
        if request.path == "/":
            return Reply(body=b'<html><body><a href="/post/1">zorblat notes</a></body></html>')
        if request.path == "/post/1":
            body = b"<html><head><title>quixel</title></head><body><p>quixel vortel</p>"
            return Reply(body=body + b'<img src="/m/1.png"></body></html>')
        return None


@pytest.fixture
def onion() -> Iterator[tuple[OnionSite, int]]:
    site = OnionSite()
    with site.server, socks_with_hosts({ONION: "127.0.0.1"}) as socks_port:
        yield site, socks_port


def _url(site: OnionSite, path: str = "/") -> str:
    return f"http://{ONION}:{site.server.port}{path}"


def test_the_onion_name_resolves_only_at_the_proxy(onion: tuple[OnionSite, int]) -> None:
    with pytest.raises(OSError):
        socket.getaddrinfo(ONION, 80)
    with pytest.raises(Exception, match="onion host needs a proxy"):
        UrlGuard().check(_url(onion[0]))


def test_onion_board_polled_through_socks5h(onion: tuple[OnionSite, int]) -> None:
    site, socks_port = onion
    spec = SourceSpec.from_mapping(
        {"url": _url(site), "kind": "page", "proxy": f"socks5h://127.0.0.1:{socks_port}"}
    )
    assert needs_own_fetcher(spec, None)

    async def main() -> tuple[PollResult, list[str]]:
        async with source_fetcher(
            spec, guard=UrlGuard(), limits=LIMITS, global_proxy=None, user_agent="t"
        ) as fetcher:
            result = await get_source("page").poll(
                spec, SourceState(), PollContext(fetcher=SessionFetcher(fetcher, spec))
            )
            refused = []
            # The guard still refuses private targets behind the proxy.
            for url in (site.server.url("/"), "http://localhost/", "http://10.0.0.7/"):
                try:
                    await fetcher.get(url)
                except FetchError as exc:
                    refused.append(exc.reason)
            return result, refused

    result, refused = asyncio.run(main())
    assert result.errors == ()
    post = next(page for page in result.pages if page.url == _url(site, "/post/1"))
    assert "quixel vortel" in post.html
    assert all(host.startswith(ONION) for host in site.hosts) and len(site.hosts) >= 2
    assert len(refused) == 3 and all(reason.startswith("blocked") for reason in refused)


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("chromium") is None, reason="no chromium")
def test_onion_post_captured_through_socks5h(onion: tuple[OnionSite, int]) -> None:
    from takedown.fetch.browser import Browser, BrowserConfig

    site, socks_port = onion
    config = BrowserConfig(
        executable=shutil.which("chromium"), proxy=f"socks5h://127.0.0.1:{socks_port}"
    )

    async def main() -> object:
        async with Browser(config, guard=UrlGuard()) as browser:
            return await browser.capture(_url(site, "/post/1"))

    capture = asyncio.run(main())
    assert capture.status == 200  # type: ignore[attr-defined]
    assert "quixel vortel" in capture.html  # type: ignore[attr-defined]
    assert capture.screenshot  # type: ignore[attr-defined]
    assert any(h.startswith(ONION) for h in site.hosts)
