"""A local forward proxy that puts the SSRF guard on every connection the browser opens.

Playwright's request routing never sees redirect hops, so a page could redirect Chromium to a
private address. All browser traffic goes through this proxy instead: it checks the URL with the
guard, resolves the host itself, checks the address it is about to connect to (no DNS rebinding
window) and only then connects. Refusals answer 403 with ``X-Takedown-Blocked`` and are kept for
the browser to record.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import socket
from collections import OrderedDict
from typing import Final, Protocol
from urllib.parse import urlsplit

MAX_HEAD: Final = 64 * 1024
BLOCK_HEADER: Final = "X-Takedown-Blocked"
UNREACHABLE_HEADER: Final = "X-Takedown-Unreachable"


_REASONS: Final = {400: "Bad Request", 403: "Forbidden", 502: "Bad Gateway"}


class ConnectGuard(Protocol):
    """What the proxy needs of :class:`takedown.fetch.guard.UrlGuard`."""

    def check(self, url: str) -> None: ...

    def check_address(
        self, url: str, ip: ipaddress.IPv4Address | ipaddress.IPv6Address
    ) -> None: ...


class RefusedError(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class GuardProxy:
    """``await start()`` binds 127.0.0.1:0; ``url`` is what Chromium's ``--proxy-server`` gets."""

    def __init__(
        self, guard: ConnectGuard, *, connect_timeout: float = 10.0, keep_blocked: int = 1000
    ) -> None:
        self._guard = guard
        self._connect_timeout = connect_timeout
        self._keep = keep_blocked
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        # "host:port" or URL -> reason, most recent last; the browser looks refusals up here.
        self.blocked: OrderedDict[str, str] = OrderedDict()

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("proxy not started")
        port = self._server.sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}"

    async def start(self) -> str:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return self.url

    async def aclose(self) -> None:
        if self._server is not None:
            self._server.close()
            for task in list(self._tasks):
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)
            await self._server.wait_closed()
            self._server = None

    def reason_for(self, url: str) -> str | None:
        """Why a request to ``url`` (or its host and port) was refused, if it was."""
        if url in self.blocked:
            return self.blocked[url]
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
        return self.blocked.get(f"{parts.hostname}:{port}")

    def _remember(self, key: str, reason: str) -> None:
        self.blocked[key] = reason
        self.blocked.move_to_end(key)
        while len(self.blocked) > self._keep:
            self.blocked.popitem(last=False)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        try:
            await self._handle(reader, writer)
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError):
            pass
        finally:
            writer.close()
            if task is not None:
                self._tasks.discard(task)

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        if len(head) > MAX_HEAD:
            return
        request_line, _, rest = head.partition(b"\r\n")
        method, target, version = request_line.decode("latin-1").split(" ", 2)
        if method == "CONNECT":
            host, _, port_text = target.rpartition(":")
            host = host.strip("[]")
            url, port = f"https://{host}:{port_text}/", int(port_text)
            key = f"{host}:{port}"
        else:
            parts = urlsplit(target)
            if parts.scheme != "http" or not parts.hostname:
                await _answer(writer, 400, "absolute http URL expected")
                return
            host, port, url, key = parts.hostname, parts.port or 80, target, target
        try:
            upstream_reader, upstream_writer = await self._connect(url, host, port)
        except RefusedError as exc:
            self._remember(key, exc.reason)
            await _answer(writer, 403, exc.reason, header=BLOCK_HEADER)
            return
        except OSError as exc:
            await _answer(writer, 502, str(exc), header=UNREACHABLE_HEADER)
            return
        try:
            if method == "CONNECT":
                writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
                await writer.drain()
            else:
                upstream_writer.write(_origin_form(method, target, version, rest))
                await upstream_writer.drain()
                # One request per client connection: the next one may be for another host.
                await _relay_head(upstream_reader, writer)
            await _pipe_both(reader, writer, upstream_reader, upstream_writer)
        finally:
            upstream_writer.close()

    async def _connect(
        self, url: str, host: str, port: int
    ) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        try:
            await asyncio.to_thread(self._guard.check, url)
        except Exception as exc:  # any refusal, or a failing guard, blocks
            raise RefusedError(str(getattr(exc, "reason", "") or exc)) from exc
        loop = asyncio.get_running_loop()
        try:
            infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except OSError as exc:
            raise RefusedError(f"cannot resolve {host}") from exc
        last: Exception | None = None
        for family, _type, _proto, _name, sockaddr in infos:
            ip = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
            try:
                # Check the very address we connect to: a second lookup could answer otherwise.
                self._guard.check_address(url, ip)
            except Exception as exc:
                raise RefusedError(str(getattr(exc, "reason", "") or exc)) from exc
            try:
                return await asyncio.wait_for(
                    asyncio.open_connection(str(ip), port, family=family),
                    self._connect_timeout,
                )
            except (OSError, TimeoutError) as exc:
                last = exc
        raise OSError(f"cannot connect to {host}:{port} ({type(last).__name__}: {last})")


def _origin_form(method: str, target: str, version: str, rest: bytes) -> bytes:
    parts = urlsplit(target)
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    lines = [
        line
        for line in rest.split(b"\r\n")
        if line and not line.lower().startswith((b"proxy-connection:", b"connection:"))
    ]
    lines.append(b"Connection: close")
    head = f"{method} {path} {version}".encode("latin-1")
    return b"\r\n".join([head, *lines]) + b"\r\n\r\n"


async def _relay_head(upstream: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    head = await upstream.readuntil(b"\r\n\r\n")
    lines = [
        line
        for line in head.split(b"\r\n")
        if line and not line.lower().startswith((b"connection:", b"proxy-connection:"))
    ]
    lines += [b"Connection: close", b"Proxy-Connection: close"]
    writer.write(b"\r\n".join(lines) + b"\r\n\r\n")
    await writer.drain()


async def _copy(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(OSError, ConnectionError):
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
        if writer.can_write_eof():
            writer.write_eof()


async def _pipe_both(
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    upstream_reader: asyncio.StreamReader,
    upstream_writer: asyncio.StreamWriter,
) -> None:
    down = asyncio.ensure_future(_copy(upstream_reader, writer))
    up = asyncio.ensure_future(_copy(reader, upstream_writer))
    try:
        # The exchange is over when the server side is done.
        await down
    finally:
        up.cancel()
        await asyncio.gather(up, return_exceptions=True)


async def _answer(
    writer: asyncio.StreamWriter, status: int, reason: str, *, header: str | None = None
) -> None:
    body = f"takedown: {reason}\n".encode()
    flat = " ".join(reason.encode("ascii", "replace").decode().split())
    extra = f"{header}: {flat}\r\n" if header else ""
    writer.write(
        (
            f"HTTP/1.1 {status} {_REASONS.get(status, 'Error')}\r\n"
            f"Content-Type: text/plain; charset=utf-8\r\nContent-Length: {len(body)}\r\n"
            f"{extra}Connection: close\r\n\r\n"
        ).encode()
        + body
    )
    with contextlib.suppress(OSError, ConnectionError):
        await writer.drain()
