"""The HTTP fetcher every worker uses: httpx async, guarded, bounded, polite.

It follows redirects itself so the SSRF guard sees every hop, re-checks the address actually
connected to (so a DNS answer that changes between check and connect gains nothing), limits
requests per host, retries 429 and 5xx with backoff honouring Retry-After, cuts connect, read
and total time, streams bodies under a per-kind size limit, and sniffs the media type.
"""

from __future__ import annotations

import asyncio
import email.utils
import ipaddress
import socket
import time
from collections.abc import AsyncIterator, Iterable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from types import TracebackType
from typing import Literal
from urllib.parse import urljoin, urlsplit

import anyio
import httpcore
import httpx

from takedown.fetch.guard import BlockedUrl, UrlGuard
from takedown.fetch.sniff import sniff_media_type

__all__ = ["FetchError", "FetchLimits", "FetchResponse", "Fetcher", "Kind"]

Kind = Literal["page", "media", "text"]
_MiB = 1024 * 1024
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
_SNIFF_BYTES = 512


@dataclass(frozen=True)
class FetchLimits:
    """Bounds on one fetch. ``total_timeout`` covers one request and its body, per hop."""

    connect_timeout: float = 10.0
    read_timeout: float = 20.0
    total_timeout: float = 60.0
    max_redirects: int = 5
    max_page_bytes: int = 10 * _MiB
    max_media_bytes: int = 200 * _MiB
    per_host_concurrency: int = 4
    per_host_interval: float = 0.0
    retries: int = 2
    backoff: float = 0.5
    max_retry_wait: float = 30.0

    def max_bytes(self, kind: Kind) -> int:
        return self.max_media_bytes if kind == "media" else self.max_page_bytes


@dataclass(frozen=True)
class FetchResponse:
    """An HTTP answer. ``headers`` has lower-case names; ``media_type`` is sniffed first."""

    url: str
    final_url: str
    status: int
    headers: Mapping[str, str]
    content: bytes
    media_type: str
    elapsed: float

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    def text(self) -> str:
        """The body decoded with the declared charset, else UTF-8 (undecodable bytes replaced)."""
        charset = "utf-8"
        for param in self.headers.get("content-type", "").split(";")[1:]:
            name, _, value = param.strip().partition("=")
            if name.lower() == "charset" and value:
                charset = value.strip("\"' ")
        try:
            return self.content.decode(charset, errors="replace")
        except LookupError:
            return self.content.decode("utf-8", errors="replace")


class FetchError(Exception):
    """Anything that is not an HTTP answer: blocked, timeout, too large, redirect loop, ..."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"{reason}: {url}")
        self.url = url
        self.reason = reason


@dataclass(frozen=True)
class _Redirect:
    location: str


class _GuardedBackend(httpcore.AsyncNetworkBackend):
    """Resolves the host itself and connects only to addresses the guard accepts."""

    def __init__(self, guard: UrlGuard) -> None:
        self._guard = guard
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        label = f"http://{host}:{port}/"
        if any(origin.endswith(f"//{host}:{port}") for origin in self._guard.allowed_origins):
            return await self._inner.connect_tcp(host, port, timeout, local_address, socket_options)
        try:
            with anyio.fail_after(timeout):
                infos = await anyio.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except TimeoutError as exc:
            raise httpcore.ConnectTimeout(f"resolving {host}") from exc
        except OSError as exc:
            raise BlockedUrl(label, f"cannot resolve {host}") from exc
        addresses = [ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos]
        for ip in addresses:
            self._guard.check_address(label, ip)
        last: Exception | None = None
        for ip in addresses:
            try:
                return await self._inner.connect_tcp(
                    str(ip), port, timeout, local_address, socket_options
                )
            except httpcore.ConnectError as exc:
                last = exc
        raise last if last else httpcore.ConnectError(f"no address for {host}")

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise BlockedUrl(path, "unix sockets are never used")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class _GuardedTransport(httpx.AsyncHTTPTransport):
    """httpx's transport with the connection pool built on :class:`_GuardedBackend`."""

    def __init__(self, guard: UrlGuard, limits: httpx.Limits) -> None:
        super().__init__(trust_env=False, limits=limits)
        # httpx does not expose the network backend; the pool is rebuilt with the same settings.
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(trust_env=False),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=_GuardedBackend(guard),
        )


class Fetcher:
    """One per worker; use as ``async with Fetcher(guard=...) as fetcher``.

    With ``proxy`` (``http://``, ``socks5://``, ``socks5h://``) names are resolved by the
    proxy, so only :meth:`UrlGuard.check_literal` applies, and ``.onion`` hosts become
    reachable. Without one, ``.onion`` is refused and every hop is checked with DNS.
    """

    def __init__(
        self,
        *,
        guard: UrlGuard,
        proxy: str | None = None,
        user_agent: str = "takedown",
        limits: FetchLimits = FetchLimits(),
    ) -> None:
        self._guard = guard
        self._proxy = proxy
        self._limits = limits
        timeout = httpx.Timeout(
            connect=limits.connect_timeout,
            read=limits.read_timeout,
            write=limits.read_timeout,
            pool=limits.total_timeout,
        )
        pool = httpx.Limits(max_connections=100, max_keepalive_connections=20)
        transport = None if proxy else _GuardedTransport(guard, pool)
        self._client = httpx.AsyncClient(
            headers={"User-Agent": user_agent},
            timeout=timeout,
            proxy=proxy or None,
            transport=transport,
            limits=pool,
            trust_env=False,
            follow_redirects=False,
        )
        self._slots: dict[str, asyncio.Semaphore] = {}
        self._next_start: dict[str, float] = {}

    async def __aenter__(self) -> Fetcher:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._client.aclose()

    @property
    def guard(self) -> UrlGuard:
        return self._guard

    @property
    def proxy(self) -> str | None:
        """The proxy every request goes through (WHOIS follows the same rule), or None."""
        return self._proxy

    def check(self, url: str) -> None:
        """The guard check this fetcher applies (with or without proxy); raises BlockedUrl."""
        if self._proxy:
            self._guard.check_literal(url)
        else:
            self._guard.check(url)

    async def get(
        self, url: str, *, kind: Kind = "page", headers: Mapping[str, str] | None = None
    ) -> FetchResponse:
        """GET ``url``, following up to ``max_redirects`` redirects, each hop guarded.

        Non-2xx answers are returned; FetchError is raised for everything else.
        """
        started = time.monotonic()
        current = url
        seen: set[str] = set()
        for _hop in range(self._limits.max_redirects + 1):
            key = current.split("#", 1)[0]
            if key in seen:
                raise FetchError(url, "redirect loop")
            seen.add(key)
            try:
                # Resolving names blocks; the event loop keeps serving other fetches meanwhile.
                await asyncio.to_thread(self.check, current)
            except BlockedUrl as exc:
                raise FetchError(url, f"blocked: {exc.reason}") from exc
            outcome = await self._hop_with_retries(url, current, kind, headers)
            if isinstance(outcome, _Redirect):
                current = outcome.location
                continue
            status, response_headers, body = outcome
            return FetchResponse(
                url=url,
                final_url=current,
                status=status,
                headers=response_headers,
                content=body,
                media_type=sniff_media_type(
                    body[:_SNIFF_BYTES], response_headers.get("content-type")
                ),
                elapsed=time.monotonic() - started,
            )
        raise FetchError(url, "too many redirects")

    async def _hop_with_retries(
        self, url: str, current: str, kind: Kind, headers: Mapping[str, str] | None
    ) -> _Redirect | tuple[int, dict[str, str], bytes]:
        limits = self._limits
        for attempt in range(limits.retries + 1):
            last = attempt == limits.retries
            try:
                outcome = await self._hop(url, current, kind, headers)
            except _TransientError as exc:
                if last:
                    raise FetchError(url, exc.reason) from exc
                await asyncio.sleep(min(limits.backoff * 2**attempt, limits.max_retry_wait))
                continue
            if isinstance(outcome, _Redirect) or outcome[0] not in _RETRY_STATUSES or last:
                return outcome
            wait = _retry_after(outcome[1].get("retry-after"))
            if wait is None:
                wait = limits.backoff * 2**attempt
            await asyncio.sleep(min(max(wait, 0.0), limits.max_retry_wait))
        raise AssertionError("unreachable")  # pragma: no cover

    async def _hop(
        self, url: str, current: str, kind: Kind, headers: Mapping[str, str] | None
    ) -> _Redirect | tuple[int, dict[str, str], bytes]:
        host = urlsplit(current).netloc.lower()
        async with self._host_slot(host):
            try:
                async with asyncio.timeout(self._limits.total_timeout):
                    return await self._exchange(url, current, kind, headers)
            except TimeoutError as exc:
                raise FetchError(url, "timeout (total)") from exc
            except BlockedUrl as exc:
                raise FetchError(url, f"blocked: {exc.reason}") from exc
            except httpx.ConnectTimeout as exc:
                raise FetchError(url, "timeout (connect)") from exc
            except httpx.ReadTimeout as exc:
                raise FetchError(url, "timeout (read)") from exc
            except httpx.TimeoutException as exc:
                raise FetchError(url, "timeout") from exc
            except (httpx.ConnectError, httpx.ReadError, httpx.RemoteProtocolError) as exc:
                raise _TransientError(f"connection failed: {exc}") from exc
            except httpx.InvalidURL as exc:
                raise FetchError(url, f"invalid URL: {exc}") from exc
            except httpx.HTTPError as exc:
                raise FetchError(url, f"http error: {type(exc).__name__}: {exc}") from exc

    async def _exchange(
        self, url: str, current: str, kind: Kind, headers: Mapping[str, str] | None
    ) -> _Redirect | tuple[int, dict[str, str], bytes]:
        request = self._client.build_request("GET", current, headers=dict(headers or {}))
        response = await self._client.send(request, stream=True)
        try:
            flat = _flatten(response.headers)
            location = flat.get("location")
            if response.status_code in _REDIRECTS and location:
                return _Redirect(urljoin(current, location.strip()))
            limit = self._limits.max_bytes(kind)
            declared = flat.get("content-length", "")
            if declared.isdigit() and int(declared) > limit:
                raise FetchError(url, f"too large (Content-Length {declared} > {limit})")
            body = bytearray()
            async for chunk in response.aiter_bytes():
                body += chunk
                if len(body) > limit:
                    raise FetchError(url, f"too large (over {limit} bytes)")
            return response.status_code, flat, bytes(body)
        finally:
            await response.aclose()

    @asynccontextmanager
    async def _host_slot(self, host: str) -> AsyncIterator[None]:
        slot = self._slots.get(host)
        if slot is None:
            slot = self._slots[host] = asyncio.Semaphore(self._limits.per_host_concurrency)
        async with slot:
            interval = self._limits.per_host_interval
            if interval > 0:
                now = time.monotonic()
                start = max(now, self._next_start.get(host, 0.0))
                # Reserved before sleeping, so concurrent requests queue one interval apart.
                self._next_start[host] = start + interval
                if start > now:
                    await asyncio.sleep(start - now)
            yield


class _TransientError(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _flatten(headers: httpx.Headers) -> dict[str, str]:
    flat: dict[str, str] = {}
    for name, value in headers.multi_items():
        key = name.lower()
        flat[key] = f"{flat[key]}, {value}" if key in flat else value
    return flat


def _retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header (delta seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return when.timestamp() - time.time()
