"""Per-source network settings and the session a poll carries.

A source may name its own ``proxy`` (``socks5h://`` for Tor: the proxy resolves names),
``user_agent``, ``locale`` and ``rate``. :func:`source_fetcher` builds a dedicated fetcher when
the proxy or rate differ from the global ones; :class:`SessionFetcher` wraps whichever fetcher
is used, sending the source's cookies, language and user agent, keeping cookies the site sets,
and noticing when an answer is the login page again (the session expired).

The guard still applies to every URL: behind a proxy the literal check (no private address, no
local name), without one the full check with DNS.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from urllib.parse import quote, urlsplit

from takedown.fetch.guard import UrlGuard
from takedown.fetch.http import Fetcher, FetchError, FetchLimits, FetchResponse, Kind
from takedown.sources.base import PageFetcher, SourceSpec
from takedown.sources.cookies import CookieJar

__all__ = [
    "SessionExpired",
    "SessionFetcher",
    "is_login_page",
    "needs_own_fetcher",
    "source_fetcher",
]

PROXY_SCHEMES = ("http", "https", "socks5", "socks5h")


class SessionExpired(FetchError):  # noqa: N818 - reads as the outcome
    """An answer was the login page: the session's cookies no longer work."""


def check_proxy(proxy: str) -> str:
    """A proxy URL the fetcher can use; ValueError otherwise."""
    parts = urlsplit(proxy)
    if parts.scheme not in PROXY_SCHEMES or not parts.hostname:
        raise ValueError(f"proxy must be {', '.join(p + '://' for p in PROXY_SCHEMES)}host:port")
    if parts.username or parts.password:
        raise ValueError("proxy credentials go in the secrets proxy_user and proxy_password")
    return proxy


def with_proxy_credentials(proxy: str | None, secrets: Mapping[str, str]) -> str | None:
    """The proxy URL with the user and password from the source's secrets, if any."""
    user = secrets.get("proxy_user")
    if not proxy or not user:
        return proxy
    parts = urlsplit(proxy)
    password = secrets.get("proxy_password", "")
    auth = quote(user, safe="") + (":" + quote(password, safe="") if password else "")
    return parts._replace(netloc=f"{auth}@{parts.netloc}").geturl()


def needs_own_fetcher(spec: SourceSpec, global_proxy: str | None) -> bool:
    return bool((spec.proxy and spec.proxy != global_proxy) or spec.rate)


def source_fetcher(
    spec: SourceSpec,
    *,
    guard: UrlGuard,
    limits: FetchLimits,
    global_proxy: str | None,
    user_agent: str,
) -> Fetcher:
    """A fetcher for this source alone: its proxy (else the global one) and its rate."""
    if spec.rate:
        limits = replace(limits, per_host_interval=1.0 / spec.rate, per_host_concurrency=1)
    return Fetcher(
        guard=guard,
        proxy=spec.proxy or global_proxy,
        user_agent=spec.user_agent or user_agent,
        limits=limits,
    )


def is_login_page(spec: SourceSpec, requested: str, response: FetchResponse) -> bool:
    """The answer is the login page (by URL, or by the marker text) though it was not asked for."""
    marker = spec.login_marker
    if not marker:
        return False
    if marker.startswith(("http://", "https://", "/")):
        path = marker if marker.startswith("/") else urlsplit(marker).path
        landed = urlsplit(response.final_url).path
        asked = urlsplit(requested).path
        return bool(path) and path != "/" and landed == path and asked != path
    return marker in response.text()


class SessionFetcher:
    """Wraps a fetcher with one source's cookies, locale and user agent."""

    def __init__(self, inner: PageFetcher, spec: SourceSpec, jar: CookieJar | None = None) -> None:
        self.inner = inner
        self.spec = spec
        self.jar = jar if jar is not None else CookieJar()
        self.logged_out = False
        self.cookies_changed = False

    def check(self, url: str) -> None:
        self.inner.check(url)

    async def get(
        self, url: str, *, kind: Kind = "page", headers: Mapping[str, str] | None = None
    ) -> FetchResponse:
        sent = dict(headers or {})
        cookie = self.jar.header(url)
        if cookie:
            sent["Cookie"] = cookie
        if self.spec.locale:
            sent["Accept-Language"] = f"{self.spec.locale},{self.spec.locale.split('-')[0]};q=0.8"
        if self.spec.user_agent:
            sent["User-Agent"] = self.spec.user_agent
        response = await self.inner.get(url, kind=kind, headers=sent)
        before = self.jar.to_json()
        self.jar.update_from_response(response.final_url, response.headers.get("set-cookie"))
        if self.jar.to_json() != before:
            self.cookies_changed = True
        if self.spec.steps and kind != "media" and is_login_page(self.spec, url, response):
            self.logged_out = True
            raise SessionExpired(url, "session expired: landed on the login page")
        return response
